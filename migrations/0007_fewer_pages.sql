-- kyodo schema, version 7: fewer pages written per report. Every index of `records` is one more
-- page written (and fsynced) by every report, so the summaries read the running tallies instead:
-- a meeting's district is tallied within its area (store/tallies.rs), which replaces the index of
-- places met; the date and reporter indexes go (an export and `/records mine` read the table),
-- and so does the audit trail's index (read only when a record's history is shown). A report now
-- writes its row, its source's unique key, its audit line and the day's and month's tallies.
-- The subsidy records keep two partial indexes, written only by subsidy records: by group and by
-- date (the groups of a period), each covering what its queries read (`deleted_at` included,
-- always NULL there, so that SQLite reads no row of the table).
-- Append-only: never edit a migration that has shipped; add 0008_….sql instead.

DROP INDEX records_live_by_date;
DROP INDEX records_by_reporter;
DROP INDEX records_live_meetings;
DROP INDEX audit_by_record;

DROP INDEX records_subsidy_by_group;
CREATE INDEX records_subsidy_by_group
    ON records (record_type, group_key, course, occurred_on, id, status, amount, group_name, deleted_at)
    WHERE group_key IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX records_subsidy_by_date ON records (record_type, occurred_on, group_key, course, deleted_at)
    WHERE group_key IS NOT NULL AND deleted_at IS NULL;

-- One table for the running tallies, a month's total (`day` = '') beside the month's days: the
-- two rows a report changes share a key up to the day, so they sit on one page, written once.
-- The store makes the triggers from the catalogue and counts the tallies again from the records
-- when it opens (store/tallies.rs): forgetting the layout it last counted with makes it do so.
DROP TRIGGER IF EXISTS tally_insert;
DROP TRIGGER IF EXISTS tally_update_out;
DROP TRIGGER IF EXISTS tally_update_in;
DROP TRIGGER IF EXISTS tally_delete;
DROP TABLE tally_day;
DROP TABLE tally_month;
CREATE TABLE tallies (
    month       TEXT    NOT NULL,  -- YYYY-MM
    record_type TEXT    NOT NULL,
    dimension   TEXT    NOT NULL,
    detail      TEXT    NOT NULL,  -- within the dimension: a status, a district …; '' for none
    day         TEXT    NOT NULL,  -- '' for the month's total, else DD
    count       INTEGER NOT NULL,
    PRIMARY KEY (month, record_type, dimension, detail, day)
) WITHOUT ROWID;
DELETE FROM meta WHERE key = 'tally_layout';
