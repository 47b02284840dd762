-- kyodo schema, version 6: record types come from the catalogue (config/kyodo.toml's
-- [[record_types]]), so the records table no longer lists them. SQLite cannot drop a CHECK
-- constraint: the table is rebuilt, every row, id and column kept, with its indexes. The store
-- runs this with foreign keys off (the audit trail points at the records) and checks them after.
-- The running tallies' triggers are recreated as 0002 made them; the store replaces them with
-- ones made from the catalogue's record types when it opens (store/tallies.rs).
-- Append-only: never edit a migration that has shipped; add 0007_….sql instead.

CREATE TABLE records_v6 (
    id            INTEGER PRIMARY KEY,
    record_type   TEXT    NOT NULL CHECK (length(record_type) BETWEEN 1 AND 32),
    occurred_on   TEXT    NOT NULL CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    count         INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
    kind          TEXT,
    status        TEXT,
    area          TEXT,
    district      TEXT,
    side          TEXT,
    course        TEXT,
    group_name    TEXT,
    amount        INTEGER CHECK (amount IS NULL OR amount >= 0),
    method        TEXT,
    project       TEXT,
    department    TEXT,
    medium        TEXT,
    title         TEXT,
    topic         TEXT,
    note          TEXT,
    reporter_id   TEXT    NOT NULL,
    reporter_name TEXT    NOT NULL,
    source        TEXT    NOT NULL CHECK (source IN ('discord', 'console', 'import')),
    source_id     TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    deleted_at    TEXT,
    group_key     TEXT,
    UNIQUE (source, source_id)
);

INSERT INTO records_v6 (id, record_type, occurred_on, count, kind, status, area, district, side,
        course, group_name, amount, method, project, department, medium, title, topic, note,
        reporter_id, reporter_name, source, source_id, created_at, deleted_at, group_key)
    SELECT id, record_type, occurred_on, count, kind, status, area, district, side,
        course, group_name, amount, method, project, department, medium, title, topic, note,
        reporter_id, reporter_name, source, source_id, created_at, deleted_at, group_key
    FROM records;

DROP TABLE records;
ALTER TABLE records_v6 RENAME TO records;

CREATE INDEX records_live_by_date ON records (occurred_on, record_type, kind, area, status, count)
    WHERE deleted_at IS NULL;
CREATE INDEX records_by_reporter ON records (reporter_id, id);
-- Places met (an area and a district) by type and date.
CREATE INDEX records_live_meetings ON records (record_type, occurred_on, area, district)
    WHERE deleted_at IS NULL;
-- A group's live records in a course, in the order that decides (date, then id): every type
-- with a group (a name compared by key) has a group_key.
CREATE INDEX records_subsidy_by_group ON records (group_key, course, occurred_on, id)
    WHERE group_key IS NOT NULL AND deleted_at IS NULL;

CREATE TRIGGER tally_insert AFTER INSERT ON records
WHEN NEW.deleted_at IS NULL AND NEW.record_type <> 'subsidy'
BEGIN
    INSERT INTO tally_day VALUES (NEW.occurred_on, NEW.record_type, COALESCE(NEW.kind, NEW.area, ''),
            CASE NEW.record_type WHEN 'council' THEN NEW.status ELSE '' END, NEW.count)
        ON CONFLICT DO UPDATE SET count = count + excluded.count;
    INSERT INTO tally_month VALUES (substr(NEW.occurred_on, 1, 7), NEW.record_type, COALESCE(NEW.kind, NEW.area, ''),
            CASE NEW.record_type WHEN 'council' THEN NEW.status ELSE '' END, NEW.count)
        ON CONFLICT DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER tally_update_out AFTER UPDATE ON records
WHEN OLD.deleted_at IS NULL AND OLD.record_type <> 'subsidy'
BEGIN
    UPDATE tally_day SET count = count - OLD.count
        WHERE day = OLD.occurred_on AND record_type = OLD.record_type
          AND dimension = COALESCE(OLD.kind, OLD.area, '')
          AND status = CASE OLD.record_type WHEN 'council' THEN OLD.status ELSE '' END;
    UPDATE tally_month SET count = count - OLD.count
        WHERE month = substr(OLD.occurred_on, 1, 7) AND record_type = OLD.record_type
          AND dimension = COALESCE(OLD.kind, OLD.area, '')
          AND status = CASE OLD.record_type WHEN 'council' THEN OLD.status ELSE '' END;
    DELETE FROM tally_day WHERE day = OLD.occurred_on AND count = 0;
    DELETE FROM tally_month WHERE month = substr(OLD.occurred_on, 1, 7) AND count = 0;
END;

CREATE TRIGGER tally_update_in AFTER UPDATE ON records
WHEN NEW.deleted_at IS NULL AND NEW.record_type <> 'subsidy'
BEGIN
    INSERT INTO tally_day VALUES (NEW.occurred_on, NEW.record_type, COALESCE(NEW.kind, NEW.area, ''),
            CASE NEW.record_type WHEN 'council' THEN NEW.status ELSE '' END, NEW.count)
        ON CONFLICT DO UPDATE SET count = count + excluded.count;
    INSERT INTO tally_month VALUES (substr(NEW.occurred_on, 1, 7), NEW.record_type, COALESCE(NEW.kind, NEW.area, ''),
            CASE NEW.record_type WHEN 'council' THEN NEW.status ELSE '' END, NEW.count)
        ON CONFLICT DO UPDATE SET count = count + excluded.count;
END;

CREATE TRIGGER tally_delete AFTER DELETE ON records
WHEN OLD.deleted_at IS NULL AND OLD.record_type <> 'subsidy'
BEGIN
    UPDATE tally_day SET count = count - OLD.count
        WHERE day = OLD.occurred_on AND record_type = OLD.record_type
          AND dimension = COALESCE(OLD.kind, OLD.area, '')
          AND status = CASE OLD.record_type WHEN 'council' THEN OLD.status ELSE '' END;
    UPDATE tally_month SET count = count - OLD.count
        WHERE month = substr(OLD.occurred_on, 1, 7) AND record_type = OLD.record_type
          AND dimension = COALESCE(OLD.kind, OLD.area, '')
          AND status = CASE OLD.record_type WHEN 'council' THEN OLD.status ELSE '' END;
    DELETE FROM tally_day WHERE day = OLD.occurred_on AND count = 0;
    DELETE FROM tally_month WHERE month = substr(OLD.occurred_on, 1, 7) AND count = 0;
END;
