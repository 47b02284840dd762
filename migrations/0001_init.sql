-- kyodo schema, version 1: records, their audit trail, and the baseline.
-- Append-only: never edit a migration that has shipped; add 0002_….sql instead.

-- One thing that happened, as reported. Dimension columns are NULL where the record type has none.
CREATE TABLE records (
    id            INTEGER PRIMARY KEY,
    record_type   TEXT    NOT NULL CHECK (record_type IN
                    ('council', 'meeting', 'consultation', 'match', 'subsidy',
                     'participation', 'collab', 'info', 'publicity')),
    occurred_on   TEXT    NOT NULL CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    count         INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
    kind          TEXT,   -- council kind, publicity kind
    status        TEXT,   -- council status, subsidy status
    area          TEXT,   -- meeting
    district      TEXT,   -- meeting
    side          TEXT,   -- consultation
    course        TEXT,   -- subsidy
    group_name    TEXT,   -- subsidy
    amount        INTEGER CHECK (amount IS NULL OR amount >= 0),  -- subsidy, yen
    method        TEXT,   -- participation
    project       TEXT,   -- participation
    department    TEXT,   -- participation
    medium        TEXT,   -- publicity
    title         TEXT,   -- collab, info, publicity
    topic         TEXT,   -- meeting
    note          TEXT,   -- council, consultation, match
    reporter_id   TEXT    NOT NULL,
    reporter_name TEXT    NOT NULL,
    source        TEXT    NOT NULL CHECK (source IN ('discord', 'console', 'import')),
    source_id     TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    deleted_at    TEXT,
    UNIQUE (source, source_id)
);

-- Summaries read a date range of live records, grouped by type and dimension.
CREATE INDEX records_live_by_date ON records (occurred_on, record_type, kind, area, status, count)
    WHERE deleted_at IS NULL;
CREATE INDEX records_by_reporter ON records (reporter_id, id);

-- Every change to a record: who, when, and the record before and after (JSON).
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    record_id   INTEGER NOT NULL REFERENCES records (id),
    action      TEXT    NOT NULL CHECK (action IN ('create', 'edit', 'delete', 'undo')),
    actor_id    TEXT    NOT NULL,
    actor_name  TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_by_record ON audit (record_id, id);

-- Figures of the years before the bot, loaded from config/baseline.toml at start.
CREATE TABLE baseline (
    fiscal_year  INTEGER PRIMARY KEY,
    figures_json TEXT    NOT NULL,
    loaded_at    TEXT    NOT NULL
);
