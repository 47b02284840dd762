//! Sign-in links: `kyodo web-link --user 名前 [--admin]` (and, later, `/dashboard`) issues one —
//! single use, valid `LINK_MINUTES` — and `kyodo web-link --revoke 名前` ends that user's
//! sessions and unused links. Redeeming a link is `login.rs`.

use super::token::{self, NoRandom};
use crate::store::web::WebUser;
use crate::store::{self, Store};
use chrono::{DateTime, Utc};

/// How long a link may be redeemed.
pub const LINK_MINUTES: i64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Random(#[from] NoRandom),
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// A new single-use link for `user` at `base` (`http://127.0.0.1:8080`, or the reverse
/// proxy's public address): `<base>/login?token=…`.
pub fn issue(store: &mut Store, user: &WebUser, base: &str, now: DateTime<Utc>) -> Result<String, LinkError> {
    let secret = token::new_secret()?;
    let now = now.timestamp();
    store.add_web_link(&secret.stored, user, now, now + LINK_MINUTES * 60)?;
    Ok(format!("{}/login?token={}", base.trim_end_matches('/'), secret.token))
}

/// The user a link made on the command line is for: `web:<name>`, the name as given.
pub fn command_line_user(name: &str, admin: bool) -> WebUser {
    WebUser {
        id: format!("web:{name}"),
        name: name.to_string(),
        admin,
    }
}
