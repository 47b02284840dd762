-- kyodo schema, version 8: the monthly reminder, posted exactly once per month and channel like
-- the digests, and who does not want to be mentioned in it.
-- Append-only: never edit a migration that has shipped; add 0009_….sql instead.

-- post_runs learns a third kind, 'remind' (period '2026-10'). SQLite cannot change a CHECK
-- constraint: the table is rebuilt with every row kept. Nothing points at it.
CREATE TABLE post_runs_v8 (
    kind        TEXT    NOT NULL CHECK (kind IN ('digest', 'annual', 'remind')),
    period      TEXT    NOT NULL,
    channel_id  TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'posted', 'failed')),
    nonce       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    message_ids TEXT,   -- JSON array, once posted
    error       TEXT,   -- why the last try failed
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (kind, period, channel_id)
);
INSERT INTO post_runs_v8 (kind, period, channel_id, status, nonce, attempts, message_ids, error,
        started_at, finished_at)
    SELECT kind, period, channel_id, status, nonce, attempts, message_ids, error, started_at, finished_at
    FROM post_runs;
DROP TABLE post_runs;
ALTER TABLE post_runs_v8 RENAME TO post_runs;

-- The users who turned the reminder's mentions off for themselves (`/remind off`; `/remind on`
-- deletes the row). user_id: the Discord user id (a snowflake) or the console's `console:<name>`.
CREATE TABLE remind_optouts (
    user_id   TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    at        TEXT NOT NULL
) WITHOUT ROWID;
