-- kyodo schema, version 9: where in its file an imported record was read, for the export's 登録元
-- (「取り込み（jisseki-2026.xlsx 12行目）」).
-- Append-only: never edit a migration that has shipped; add 0010_….sql instead.

-- An imported record's file name (the name only, never its folder; control characters taken out
-- and cut short by `domain::text::file_name`) and its row as the spreadsheet numbers it (the
-- header is row 1). Shown only: the record's key stays (source, source_id), and an import's
-- source_id is the row's content, so a file imported again (or under another name) is still the
-- same records, which keep the file and row they were first read from. NULL for records from
-- Discord and the console, and for the records imported before this version (shown as plain
-- 「取り込み」). No index: nothing looks records up by them, and a report writes no page more.
ALTER TABLE records ADD COLUMN origin_file TEXT;
ALTER TABLE records ADD COLUMN origin_row INTEGER;
