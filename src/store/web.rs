//! The dashboard's sign-in (`web_links`, `web_sessions`, migration 0012): single-use links and
//! the sessions they open. The secrets are made and checked in `secret.rs` (random from the OS,
//! only their hashes stored, compared in constant time); a link is issued by `kyodo web-link`
//! or `/dashboard`, redeemed by the dashboard's `/login`. Times are Unix seconds (UTC), passed
//! in.

use super::secret::{self, new_csrf, new_secret, split, verifies};
use super::{write, Error, Result, Store};
use rusqlite::{params, OptionalExtension};

/// Who a link or a session is for: a user (a Discord id, or `web:<name>` for a link made by
/// `kyodo web-link`), the name the dashboard shows, and whether they may see reporters' names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUser {
    pub id: String,
    pub name: String,
    pub admin: bool,
}

/// What redeeming a link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// The link was good: it is used up now, and the session `cookie` names is stored.
    Session { user: WebUser, cookie: String },
    /// Not a token, no link has its selector, or its verifier is not the one stored.
    Unknown,
    /// Redeemed (or revoked) before.
    Used,
    /// Its time is over.
    Expired,
}

/// A signed-in session, read back: the user, its selector (to end it) and the logout form's
/// token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub user: WebUser,
    pub selector: String,
    pub csrf: String,
}

pub use secret::same;

/// How long a sign-in link may be redeemed.
pub const LINK_MINUTES: i64 = 10;

impl Store {
    /// A new sign-in link's token for `user`, valid for `ttl` seconds from `now`; links and
    /// sessions that expired a day or more ago are deleted on the way.
    pub fn issue_web_link(&mut self, user: &WebUser, now: i64, ttl: i64) -> Result<String> {
        let link = new_secret().ok_or(Error::NoRandom)?;
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
                now + ttl
            ],
        )?;
        tx.commit()?;
        Ok(link.token)
    }

    /// Redeems the link `token` in one write transaction: a good, unused, unexpired link is
    /// marked used and a session for its user is stored, valid for `session_ttl` seconds.
    /// Anything else changes nothing.
    pub fn redeem_web_link(&mut self, token: &str, now: i64, session_ttl: i64) -> Result<Redeemed> {
        let Some((selector, verifier)) = split(token) else {
            return Ok(Redeemed::Unknown);
        };
        let (session, csrf) = new_secret().zip(new_csrf()).ok_or(Error::NoRandom)?;
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
        if !verifies(verifier, &hash) {
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
                now + session_ttl
            ],
        )?;
        tx.commit()?;
        Ok(Redeemed::Session {
            user,
            cookie: session.token,
        })
    }

    /// The live session the cookie `token` names (not expired at `now`, not revoked, its
    /// verifier matching).
    pub fn web_session(&self, token: &str, now: i64) -> Result<Option<WebSession>> {
        let Some((selector, verifier)) = split(token) else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT verifier_hash, csrf, user_id, user_name, admin FROM web_sessions \
             WHERE selector = ?1 AND expires_at > ?2 AND revoked_at IS NULL",
        )?;
        let found = stmt
            .query_row(params![selector, now], |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    WebSession {
                        selector: selector.to_string(),
                        csrf: row.get(1)?,
                        user: WebUser {
                            id: row.get(2)?,
                            name: row.get(3)?,
                            admin: row.get(4)?,
                        },
                    },
                ))
            })
            .optional()?;
        Ok(found.and_then(|(hash, session)| verifies(verifier, &hash).then_some(session)))
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

    fn user(name: &str) -> WebUser {
        WebUser {
            id: format!("web:{name}"),
            name: name.to_string(),
            admin: false,
        }
    }

    fn cookie(redeemed: Redeemed) -> String {
        match redeemed {
            Redeemed::Session { cookie, .. } => cookie,
            other => panic!("not signed in: {other:?}"),
        }
    }

    #[test]
    fn a_link_opens_one_session_once_and_only_with_its_verifier() {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(&dir.path().join("k.sqlite3")).expect("open");
        let token = store.issue_web_link(&user("佐藤"), 100, 600).expect("link");
        let forged = format!("{}{}", &token[..16], "0".repeat(32));
        assert_eq!(
            store.redeem_web_link(&forged, 200, 60).expect("redeem"),
            Redeemed::Unknown
        );
        assert_eq!(
            store.redeem_web_link("nonsense", 200, 60).expect("redeem"),
            Redeemed::Unknown
        );
        assert_eq!(
            store.redeem_web_link(&token, 700, 60).expect("redeem"),
            Redeemed::Expired,
            "at its expiry"
        );
        let redeemed = store.redeem_web_link(&token, 200, 60).expect("redeem");
        assert!(matches!(&redeemed, Redeemed::Session { user: u, .. } if *u == user("佐藤")));
        let cookie = cookie(redeemed);
        assert_eq!(
            store.redeem_web_link(&token, 201, 60).expect("redeem"),
            Redeemed::Used,
            "a second time"
        );
        let session = store.web_session(&cookie, 230).expect("read").expect("live");
        assert_eq!((session.user, session.selector.as_str()), (user("佐藤"), &cookie[..16]));
        assert!(store.web_session(&cookie, 260).expect("read").is_none(), "expired");
        let wrong = format!("{}{}", &cookie[..16], "0".repeat(32));
        assert!(
            store.web_session(&wrong, 230).expect("read").is_none(),
            "another verifier"
        );
    }

    #[test]
    fn revoking_a_user_ends_their_sessions_and_links() {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(&dir.path().join("k.sqlite3")).expect("open");
        let first = store.issue_web_link(&user("佐藤"), 100, 600).expect("link");
        let second = store.issue_web_link(&user("佐藤"), 100, 600).expect("link");
        let other = store.issue_web_link(&user("田中"), 100, 600).expect("link");
        let session = cookie(store.redeem_web_link(&first, 150, 900).expect("redeem"));
        assert_eq!(store.revoke_web_user("佐藤", 200).expect("revoke"), (1, 1));
        assert!(store.web_session(&session, 210).expect("read").is_none());
        assert_eq!(
            store.redeem_web_link(&second, 210, 900).expect("redeem"),
            Redeemed::Used,
            "a revoked link"
        );
        let others = cookie(store.redeem_web_link(&other, 210, 900).expect("redeem"));
        assert!(store.end_web_session(&others[..16]).expect("logout"));
        assert!(store.web_session(&others, 220).expect("read").is_none());
    }
}
