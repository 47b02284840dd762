-- kyodo schema, version 12: the dashboard's sign-in (src/web/, src/store/web.rs). Self-contained:
-- two new tables, nothing else touched, so that it can be renumbered when merged.
-- Append-only: never edit a migration that has shipped; add 0013_….sql instead.

-- Single-use sign-in links (`kyodo web-link`, `/dashboard`). A link's token is its selector
-- (looked up) and its verifier, of which only the SHA-256 is kept; compared in constant time.
-- Times are Unix seconds (UTC).
CREATE TABLE web_links (
    selector      TEXT    PRIMARY KEY,
    verifier_hash BLOB    NOT NULL,
    user_id       TEXT    NOT NULL,
    user_name     TEXT    NOT NULL,
    admin         INTEGER NOT NULL CHECK (admin IN (0, 1)),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER,          -- redeemed (or revoked): never again
    revoked_at    INTEGER
) WITHOUT ROWID;

-- Signed-in browsers: the session cookie is a selector and a verifier like a link's; csrf is
-- the token the logout form carries (not a credential on its own).
CREATE TABLE web_sessions (
    selector      TEXT    PRIMARY KEY,
    verifier_hash BLOB    NOT NULL,
    csrf          TEXT    NOT NULL,
    user_id       TEXT    NOT NULL,
    user_name     TEXT    NOT NULL,
    admin         INTEGER NOT NULL CHECK (admin IN (0, 1)),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER
) WITHOUT ROWID;
