-- kyodo schema, version 10: what each subsidy record counts for in its group's lifecycle, kept
-- beside the records so that a period's subsidy figures are read from the period's rows alone
-- (before: every group of the period with its whole history, read again in Rust each time).
-- Append-only: never edit a migration that has shipped; add 0011_….sql instead.

-- One row per live subsidy record that counts for something (`domain::subsidy::Counted`): an
-- application (or a decision standing for one), a grant with its amount and the date of the
-- withdrawal that took it back, a withdrawal, a rejection. Rewritten for the group (name key)
-- and course a write touches, in that write's transaction (`store/subsidy_steps.rs`); the whole
-- table counted again from the records whenever the catalogue's subsidy states differ from those
-- it was counted with (`meta.subsidy_steps`), so it starts empty and is filled at the first
-- start. Keyed by date: a period is one range of the table. Other record types write nothing.
CREATE TABLE subsidy_steps (
    occurred_on  TEXT    NOT NULL,
    record_id    INTEGER NOT NULL,
    course       TEXT    NOT NULL,
    group_key    TEXT    NOT NULL,
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
