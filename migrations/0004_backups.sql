-- kyodo schema, version 4: the backups kyodo takes itself (the daily one of `[backup]` and
-- `kyodo backup`), each recorded before it is written and after it is verified, so that a day's
-- backup is taken exactly once across restarts and `/admin status` can show the last good one.

-- One backup. day: the day (YYYY-MM-DD, the city's time zone) of a daily backup, at most one run
-- per day; NULL for a copy to a file the user named (`kyodo backup --output FILE --verify`).
-- status: 'pending' while it is written (also what a crash leaves), 'done' once the copy passed
-- its checks, 'failed' with the reason.
CREATE TABLE backup_runs (
    id          INTEGER PRIMARY KEY,
    day         TEXT    CHECK (day IS NULL OR day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    file        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 1,
    records     INTEGER,  -- records in the copy (deleted ones included)
    audit       INTEGER,  -- audit rows in the copy
    error       TEXT,
    started_at  TEXT    NOT NULL,
    finished_at TEXT
);
CREATE UNIQUE INDEX backup_runs_by_day ON backup_runs (day) WHERE day IS NOT NULL;
CREATE INDEX backup_runs_done ON backup_runs (status, finished_at);
