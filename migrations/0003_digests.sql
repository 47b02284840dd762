-- kyodo schema, version 3: the digests and annual summaries the bot posts, each exactly once per
-- period and channel, and what the scheduler must remember across restarts.

-- One scheduled post: 'digest' for a month ('2026-10'), 'annual' for a fiscal year ('2025').
-- A run is recorded as pending before the first message is sent and as posted or failed after;
-- its nonce makes a retry after a crash between sending and recording return the message that
-- was already created instead of creating a second one.
CREATE TABLE post_runs (
    kind        TEXT    NOT NULL CHECK (kind IN ('digest', 'annual')),
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

-- Small facts the bot keeps, e.g. when the scheduler first ran (it never posts periods due before).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The monthly digest lists districts without a liaison meeting yet this fiscal year.
CREATE INDEX records_live_meetings ON records (record_type, occurred_on, area, district)
    WHERE deleted_at IS NULL;
