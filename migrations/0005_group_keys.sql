-- kyodo schema, version 5: the key subsidy groups are compared by.
-- Append-only: never edit a migration that has shipped; add 0006_….sql instead.

-- A subsidy group's name as `domain::text::name_key` makes it (NFKC, spaces of every width and
-- format characters removed, case folded): the group the lifecycle, the figures and autocomplete
-- go by, while `group_name` keeps the name as typed. NULL for the other record types. Written by
-- the store on every insert and edit. SQL cannot do NFKC: the rows stored before this version
-- get their key from Rust, once, in this migration's own transaction (the hook beside it in
-- src/store/mod.rs).
ALTER TABLE records ADD COLUMN group_key TEXT;

-- A group's live records in a course, in the order that decides (date, then id).
CREATE INDEX records_subsidy_by_group ON records (group_key, course, occurred_on, id)
    WHERE record_type = 'subsidy' AND deleted_at IS NULL;
