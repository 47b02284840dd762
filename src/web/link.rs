//! Sign-in links made on the command line: `kyodo web-link --user 名前 [--admin]` issues one —
//! single use, valid `LINK_MINUTES` (`Store::issue_web_link`, as `/dashboard` does) — at the
//! dashboard's address. Redeeming a link is `login.rs`.

use crate::store::web::{WebUser, LINK_MINUTES};
use crate::store::{self, Store};
use chrono::{DateTime, Utc};

/// A new single-use link for `user` at `base` (`http://127.0.0.1:8080`, or the reverse
/// proxy's public address): `<base>/login?token=…`.
pub fn issue(store: &mut Store, user: &WebUser, base: &str, now: DateTime<Utc>) -> Result<String, store::Error> {
    let token = store.issue_web_link(user, now.timestamp(), LINK_MINUTES * 60)?;
    Ok(format!("{}/login?token={token}", base.trim_end_matches('/')))
}

/// The user a link made on the command line is for: `web:<name>`, the name as given.
pub fn command_line_user(name: &str, admin: bool) -> WebUser {
    WebUser {
        id: format!("web:{name}"),
        name: name.to_string(),
        admin,
    }
}
