-- kyodo schema, version 13: where a month's records sit among the ids. Each running tally now
-- also holds how many live records it counts (`entries`; `count` sums their counts) and bounds on
-- their ids (`first_id` at most the smallest, `last_id` at least the largest), kept by the same
-- triggers in the same row: a report writes no page more. The dashboard's record list reads a
-- period's records between those bounds, newest id first, and stops once no older id can be of a
-- month it still needs; it counts them from `entries` (store/selection.rs). Records are reported
-- soon after they happen, so a recent month's records are a few thousand ids at the top of the
-- table, not the whole table.
-- Append-only: never edit a migration that has shipped; add 0014_….sql instead.

ALTER TABLE tallies ADD COLUMN entries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tallies ADD COLUMN first_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tallies ADD COLUMN last_id INTEGER NOT NULL DEFAULT 0;

-- The store counts the tallies again, and makes their triggers again, when it opens: the layout
-- it last counted with is forgotten.
DELETE FROM meta WHERE key = 'tally_layout';
