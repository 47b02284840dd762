-- kyodo schema, version 10: what each subsidy record counts for in its group's lifecycle, kept
-- beside the records so that a period's subsidy figures are read from the period's rows alone
-- (before: every group of the period with its whole history, read again in Rust each time).
-- Append-only: never edit a migration that has shipped; add 0011_….sql instead.

-- One row per live subsidy record that counts for something (`domain::subsidy::Counted`): an
-- application (or a decision standing for one), a grant with its amount and the date of the
-- withdrawal that took it back, a withdrawal, a rejection. Rewritten for the groups (name key,
-- per course) a write touches, in that write's transaction (`store/subsidy_steps.rs`); the whole
-- table counted again from the records whenever the catalogue's subsidy states differ from those
-- it was counted with (`meta.subsidy_steps`), so it starts empty and is filled at the first
-- start. Keyed by date: a period is one range of the table. Other record types write nothing.
CREATE TABLE subsidy_steps (
    occurred_on  TEXT    NOT NULL,
    record_id    INTEGER NOT NULL,
    course       TEXT    NOT NULL,
    group_key    TEXT    NOT NULL,
    group_id     INTEGER NOT NULL,  -- the group's first record's id: tells groups apart in a read
    applied      INTEGER NOT NULL,
    granted      INTEGER NOT NULL,
    amount       INTEGER NOT NULL,
    withdrawn_on TEXT,
    declined     INTEGER NOT NULL,
    rejected     INTEGER NOT NULL,
    PRIMARY KEY (occurred_on, record_id)
) WITHOUT ROWID;

-- A group's rows, rewritten when a write touches the group.
CREATE INDEX subsidy_steps_by_group ON subsidy_steps (group_key, course);

-- The groups whose records changed since their steps were last written: filled by triggers on
-- `records` (made from the catalogue with the steps, as the tallies' are), emptied by the write
-- that settles them. A row left here (a writer that did not know the catalogue's states) means
-- the steps are not trusted: the figures are read from the records until the next start
-- settles it.
CREATE TABLE subsidy_unsettled (
    group_key TEXT NOT NULL,
    course    TEXT NOT NULL,
    PRIMARY KEY (group_key, course)
) WITHOUT ROWID;
