//! The session cookie: `kyodo_session=<selector><verifier>`, HttpOnly, SameSite=Strict, Path=/,
//! Secure when the browser reached kyodo over TLS, for `SESSION_HOURS`. A request is signed in
//! when its cookie names a live session whose verifier's hash matches (`Store::web_session`).

use crate::domain::catalogue::WebPlace;
use crate::store::web::WebSession;
use crate::store::{self, Store};
use axum::http::header::COOKIE;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

/// The cookie's name.
pub const COOKIE_NAME: &str = "kyodo_session";
/// How long a session lasts after its link was redeemed.
pub const SESSION_HOURS: i64 = 12;

/// A signed-in request: who, the session (for logout) and its CSRF token (for the logout form).
pub type Signed = WebSession;

/// The session the request's cookie names, if it is live and its verifier matches.
pub fn signed_in(store: &Store, headers: &HeaderMap, now: DateTime<Utc>) -> Result<Option<Signed>, store::Error> {
    match cookie(headers) {
        Some(token) => store.web_session(token, now.timestamp()),
        None => Ok(None),
    }
}

/// The value of our cookie among the request's cookies.
fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim())
}

/// Whether the browser reached us over TLS: the public address is `https://`, or a trusted
/// proxy says so (`X-Forwarded-Proto: https`). kyodo itself speaks plain HTTP.
pub fn over_tls(place: &WebPlace, headers: &HeaderMap) -> bool {
    let public = place.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    let forwarded = place.trusted_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    public || forwarded
}

/// The `Set-Cookie` value that signs the browser in with `token`.
pub fn set_cookie(token: &str, secure: bool) -> String {
    format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes it.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; kyodo_session=abc ; b=2"));
        assert_eq!(cookie(&headers), Some("abc"));
        let mut none = HeaderMap::new();
        none.append(COOKIE, HeaderValue::from_static("kyodo_sessionx=1"));
        assert_eq!(cookie(&none), None);
    }

    #[test]
    fn secure_only_over_tls_as_the_config_trusts() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let untrusted = WebPlace::default();
        let trusted = WebPlace {
            trusted_proxy: true,
            ..WebPlace::default()
        };
        assert!(!over_tls(&untrusted, &headers), "a header anyone can send");
        assert!(over_tls(&trusted, &headers));
        assert!(!over_tls(&trusted, &HeaderMap::new()));
        assert!(set_cookie("t", true).ends_with("; Secure"));
        assert!(set_cookie("t", false).contains("HttpOnly; SameSite=Strict"));
    }
}
