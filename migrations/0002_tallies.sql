-- kyodo schema, version 2: running tallies of the live records per day and per month, kept by
-- triggers in the same transaction as every insert, edit and (soft) delete. Summaries over a
-- fiscal year read a few hundred tally rows instead of every record.
--
-- dimension: the council kind, the area of a meeting, the publicity kind ('' for other types);
-- status: the council status ('' for other types). Subsidies are not tallied: their figures
-- depend on each group's latest record and are read from `records`.

CREATE TABLE tally_day (
    day         TEXT    NOT NULL,  -- YYYY-MM-DD
    record_type TEXT    NOT NULL,
    dimension   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (day, record_type, dimension, status)
) WITHOUT ROWID;

CREATE TABLE tally_month (
    month       TEXT    NOT NULL,  -- YYYY-MM
    record_type TEXT    NOT NULL,
    dimension   TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (month, record_type, dimension, status)
) WITHOUT ROWID;

INSERT INTO tally_day (day, record_type, dimension, status, count)
    SELECT occurred_on, record_type, COALESCE(kind, area, ''),
           CASE record_type WHEN 'council' THEN status ELSE '' END, SUM(count)
    FROM records WHERE deleted_at IS NULL AND record_type <> 'subsidy'
    GROUP BY 1, 2, 3, 4;

INSERT INTO tally_month (month, record_type, dimension, status, count)
    SELECT substr(day, 1, 7), record_type, dimension, status, SUM(count)
    FROM tally_day GROUP BY 1, 2, 3, 4;

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

-- An edit or a soft delete: take the old record out, put the new one in.
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
