//! The dashboard's sign-in (`web_links`, `web_sessions`, migration 0010): single-use links and
//! the sessions they open. Only hashes of their secrets are stored; the secrets themselves, the
//! hashing and the constant-time comparison are `web::token`'s — this file is only the SQL.
//! Times are Unix seconds (UTC), passed in.

use super::{write, Result, Store};
use rusqlite::{params, OptionalExtension};

/// Who a link or a session is for: a user (a Discord id, or `web:<name>` for a link made by
/// `kyodo web-link`), the name the dashboard shows, and whether they may see reporters' names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUser {
    pub id: String,
    pub name: String,
    pub admin: bool,
}

/// A secret as stored: its selector (the row's key, looked up) and its verifier's hash.
#[derive(Debug, Clone)]
pub struct StoredSecret {
    pub selector: String,
    pub verifier_hash: Vec<u8>,
}

/// What redeeming a link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// The link was good: it is used up now and the session is stored.
    Session(WebUser),
    /// No link has this selector, or its verifier is not the one stored.
    Unknown,
    /// Redeemed (or revoked) before.
    Used,
    /// Its ten minutes are over.
    Expired,
}

/// A signed-in session, read back: the user, the logout form's token and its verifier's hash.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub user: WebUser,
    pub csrf: String,
    pub verifier_hash: Vec<u8>,
}

impl Store {
    /// Stores a new sign-in link for `user`, valid until `expires_at`; links and sessions that
    /// expired a day or more ago are deleted on the way.
    pub fn add_web_link(&mut self, link: &StoredSecret, user: &WebUser, now: i64, expires_at: i64) -> Result<()> {
        let tx = write(&mut self.conn)?;
        let stale = now - 24 * 3600;
        tx.execute("DELETE FROM web_links WHERE expires_at < ?1", [stale])?;
        tx.execute("DELETE FROM web_sessions WHERE expires_at < ?1", [stale])?;
        tx.execute(
            "INSERT INTO web_links (selector, verifier_hash, user_id, user_name, admin, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                link.selector,
                link.verifier_hash,
                user.id,
                user.name,
                user.admin,
                now,
                expires_at
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Redeems the link `selector` in one write transaction: `verify` is given the stored hash
    /// of its verifier (and compares it in constant time); a good, unused, unexpired link is
    /// marked used and `session` is stored for its user. Anything else changes nothing.
    pub fn redeem_web_link(
        &mut self,
        selector: &str,
        verify: impl Fn(&[u8]) -> bool,
        session: &StoredSecret,
        csrf: &str,
        now: i64,
        session_expires_at: i64,
    ) -> Result<Redeemed> {
        let tx = write(&mut self.conn)?;
        let link = tx
            .query_row(
                "SELECT verifier_hash, user_id, user_name, admin, expires_at, used_at, revoked_at \
                 FROM web_links WHERE selector = ?1",
                [selector],
                |row| {
                    Ok((
                        row.get::<_, Vec<u8>>(0)?,
                        WebUser {
                            id: row.get(1)?,
                            name: row.get(2)?,
                            admin: row.get(3)?,
                        },
                        row.get::<_, i64>(4)?,
                        row.get::<_, Option<i64>>(5)?.is_some() || row.get::<_, Option<i64>>(6)?.is_some(),
                    ))
                },
            )
            .optional()?;
        let Some((hash, user, expires_at, used)) = link else {
            return Ok(Redeemed::Unknown);
        };
        if !verify(&hash) {
            return Ok(Redeemed::Unknown);
        }
        if used {
            return Ok(Redeemed::Used);
        }
        if expires_at <= now {
            return Ok(Redeemed::Expired);
        }
        tx.execute(
            "UPDATE web_links SET used_at = ?2 WHERE selector = ?1",
            params![selector, now],
        )?;
        tx.execute(
            "INSERT INTO web_sessions (selector, verifier_hash, csrf, user_id, user_name, admin, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                session.selector,
                session.verifier_hash,
                csrf,
                user.id,
                user.name,
                user.admin,
                now,
                session_expires_at
            ],
        )?;
        tx.commit()?;
        Ok(Redeemed::Session(user))
    }

    /// The live session `selector` (not expired at `now`, not revoked), for its caller to check
    /// the verifier's hash.
    pub fn web_session(&self, selector: &str, now: i64) -> Result<Option<WebSession>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT verifier_hash, csrf, user_id, user_name, admin FROM web_sessions \
             WHERE selector = ?1 AND expires_at > ?2 AND revoked_at IS NULL",
        )?;
        let session = stmt
            .query_row(params![selector, now], |row| {
                Ok(WebSession {
                    verifier_hash: row.get(0)?,
                    csrf: row.get(1)?,
                    user: WebUser {
                        id: row.get(2)?,
                        name: row.get(3)?,
                        admin: row.get(4)?,
                    },
                })
            })
            .optional()?;
        Ok(session)
    }

    /// Ends the session `selector` (logout); false if there was none.
    pub fn end_web_session(&mut self, selector: &str) -> Result<bool> {
        let tx = write(&mut self.conn)?;
        let ended = tx.execute("DELETE FROM web_sessions WHERE selector = ?1", [selector])?;
        tx.commit()?;
        Ok(ended > 0)
    }

    /// Revokes everything of the users named `name`: their sessions end and their unused links
    /// can no longer be redeemed. Returns how many sessions and links.
    pub fn revoke_web_user(&mut self, name: &str, now: i64) -> Result<(usize, usize)> {
        let tx = write(&mut self.conn)?;
        let sessions = tx.execute(
            "UPDATE web_sessions SET revoked_at = ?2 WHERE user_name = ?1 AND revoked_at IS NULL AND expires_at > ?2",
            params![name, now],
        )?;
        let links = tx.execute(
            "UPDATE web_links SET revoked_at = ?2 \
             WHERE user_name = ?1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?2",
            params![name, now],
        )?;
        tx.commit()?;
        Ok((sessions, links))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(selector: &str, hash: u8) -> StoredSecret {
        StoredSecret {
            selector: selector.to_string(),
            verifier_hash: vec![hash; 32],
        }
    }

    fn user(name: &str) -> WebUser {
        WebUser {
            id: format!("web:{name}"),
            name: name.to_string(),
            admin: false,
        }
    }

    #[test]
    fn a_link_opens_one_session_once_and_only_with_its_verifier() {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(&dir.path().join("k.sqlite3")).expect("open");
        store
            .add_web_link(&secret("a", 1), &user("佐藤"), 100, 700)
            .expect("link");
        let redeem = |store: &mut Store, hash: u8, now: i64| {
            store
                .redeem_web_link(
                    "a",
                    |h| h == [hash; 32],
                    &secret(&format!("s{now}"), 9),
                    "c",
                    now,
                    now + 60,
                )
                .expect("redeem")
        };
        assert_eq!(redeem(&mut store, 2, 200), Redeemed::Unknown, "another verifier");
        assert_eq!(redeem(&mut store, 1, 700), Redeemed::Expired, "at its expiry");
        assert_eq!(redeem(&mut store, 1, 200), Redeemed::Session(user("佐藤")));
        assert_eq!(redeem(&mut store, 1, 201), Redeemed::Used, "a second time");
        let session = store.web_session("s200", 230).expect("read").expect("live");
        assert_eq!((session.user, session.csrf.as_str()), (user("佐藤"), "c"));
        assert!(store.web_session("s200", 260).expect("read").is_none(), "expired");
        assert!(store.web_session("s201", 230).expect("read").is_none(), "never stored");
    }

    #[test]
    fn revoking_a_user_ends_their_sessions_and_links() {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(&dir.path().join("k.sqlite3")).expect("open");
        store
            .add_web_link(&secret("a", 1), &user("佐藤"), 100, 700)
            .expect("link");
        store
            .add_web_link(&secret("b", 1), &user("佐藤"), 100, 700)
            .expect("link");
        store
            .add_web_link(&secret("c", 1), &user("田中"), 100, 700)
            .expect("link");
        let ok = |_: &[u8]| true;
        let redeemed = store
            .redeem_web_link("a", ok, &secret("s", 9), "c", 150, 900)
            .expect("redeem");
        assert_eq!(redeemed, Redeemed::Session(user("佐藤")));
        assert_eq!(store.revoke_web_user("佐藤", 200).expect("revoke"), (1, 1));
        assert!(store.web_session("s", 210).expect("read").is_none());
        let again = store
            .redeem_web_link("b", ok, &secret("t", 9), "c", 210, 900)
            .expect("redeem");
        assert_eq!(again, Redeemed::Used, "a revoked link");
        let other = store
            .redeem_web_link("c", ok, &secret("u", 9), "c", 210, 900)
            .expect("redeem");
        assert_eq!(
            other,
            Redeemed::Session(user("田中")),
            "another user's link is untouched"
        );
        assert!(store.end_web_session("u").expect("logout"));
        assert!(store.web_session("u", 220).expect("read").is_none());
    }
}
