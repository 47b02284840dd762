-- kyodo schema, version 11: a month's running tallies in one row, its days beside its total.
-- Version 7 kept a month's total and each of its days as rows side by side (one page per
-- report), so every whole month read (the year to date, the pace's earlier years, the annual
-- report) also stepped over each of its days' rows, about nine for every total. Now one row per
-- month, type, dimension and detail holds the month's `count` and its days `d01` … `d31`: a
-- report still changes one row on one page, a whole month is its totals alone, and a few days
-- are a sum of their columns (store/tallies.rs). Days without a record hold 0, which SQLite
-- stores in no bytes.
-- Append-only: never edit a migration that has shipped; add 0012_….sql instead.

-- The triggers that wrote the old rows go with them; the store makes them again from the
-- catalogue and counts the tallies again from the records when it opens, because the layout it
-- last counted with is forgotten.
DROP TRIGGER IF EXISTS tally_insert;
DROP TRIGGER IF EXISTS tally_update_out;
DROP TRIGGER IF EXISTS tally_update_in;
DROP TRIGGER IF EXISTS tally_delete;
DROP TABLE tallies;
CREATE TABLE tallies (
    month       TEXT    NOT NULL,  -- YYYY-MM
    record_type TEXT    NOT NULL,
    dimension   TEXT    NOT NULL,
    detail      TEXT    NOT NULL,  -- within the dimension: a status, a district …; '' for none
    count       INTEGER NOT NULL,  -- the month's
    d01 INTEGER NOT NULL DEFAULT 0,
    d02 INTEGER NOT NULL DEFAULT 0,
    d03 INTEGER NOT NULL DEFAULT 0,
    d04 INTEGER NOT NULL DEFAULT 0,
    d05 INTEGER NOT NULL DEFAULT 0,
    d06 INTEGER NOT NULL DEFAULT 0,
    d07 INTEGER NOT NULL DEFAULT 0,
    d08 INTEGER NOT NULL DEFAULT 0,
    d09 INTEGER NOT NULL DEFAULT 0,
    d10 INTEGER NOT NULL DEFAULT 0,
    d11 INTEGER NOT NULL DEFAULT 0,
    d12 INTEGER NOT NULL DEFAULT 0,
    d13 INTEGER NOT NULL DEFAULT 0,
    d14 INTEGER NOT NULL DEFAULT 0,
    d15 INTEGER NOT NULL DEFAULT 0,
    d16 INTEGER NOT NULL DEFAULT 0,
    d17 INTEGER NOT NULL DEFAULT 0,
    d18 INTEGER NOT NULL DEFAULT 0,
    d19 INTEGER NOT NULL DEFAULT 0,
    d20 INTEGER NOT NULL DEFAULT 0,
    d21 INTEGER NOT NULL DEFAULT 0,
    d22 INTEGER NOT NULL DEFAULT 0,
    d23 INTEGER NOT NULL DEFAULT 0,
    d24 INTEGER NOT NULL DEFAULT 0,
    d25 INTEGER NOT NULL DEFAULT 0,
    d26 INTEGER NOT NULL DEFAULT 0,
    d27 INTEGER NOT NULL DEFAULT 0,
    d28 INTEGER NOT NULL DEFAULT 0,
    d29 INTEGER NOT NULL DEFAULT 0,
    d30 INTEGER NOT NULL DEFAULT 0,
    d31 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, record_type, dimension, detail)
) WITHOUT ROWID;
DELETE FROM meta WHERE key = 'tally_layout';
