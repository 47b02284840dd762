//! Signing in and out. `GET /login?token=…` redeems a single-use link (`link.rs`): a good one
//! sets the session cookie and sends the browser to `/` (303, so the token leaves the address
//! bar and the history); an expired, used, revoked or unknown one gets a 403 page in Japanese
//! saying how to get a new one, and sets nothing. Attempts are rate limited per client
//! (`limit.rs`, 429). `POST /logout` ends the session when the form's CSRF token is the
//! session's. The query string of `/login` is never logged.

use super::session::{self, Signed};
use super::{page, with_app, Web};
use crate::store::web::{same, Redeemed};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, PoisonError};
use std::time::Instant;

pub async fn redeem(
    State(web): State<Arc<Web>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let client = client(&web, &headers, peer);
    let allowed = web
        .limiter
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .allow(client, Instant::now());
    if !allowed {
        tracing::info!(%client, "sign-in attempts over the rate limit");
        return page::too_many_attempts();
    }
    with_app(web, move |web, app| {
        let now = chrono::Utc::now();
        let given = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let redeemed = app
            .store
            .redeem_web_link(given.trim(), now.timestamp(), session::SESSION_HOURS * 3600);
        match redeemed {
            Ok(Redeemed::Session { user, cookie }) => {
                tracing::info!(user = %user.name, admin = user.admin, "signed in to the dashboard");
                let cookie = session::set_cookie(&cookie, session::over_tls(&web.place, &headers));
                (
                    StatusCode::SEE_OTHER,
                    [(LOCATION, "/".to_string()), (SET_COOKIE, cookie)],
                )
                    .into_response()
            }
            Ok(other) => refused(other),
            Err(e) => page::store_error(&e, None),
        }
    })
    .await
}

/// The page for a link that does not sign in, by why.
fn refused(why: Redeemed) -> Response {
    tracing::info!(?why, "a sign-in link was refused");
    let heading = match why {
        Redeemed::Expired => "このリンクは有効期限（10分）が切れています",
        Redeemed::Used => "このリンクはもう使われています（リンクは1回だけ使えます）",
        _ => "このリンクではサインインできません",
    };
    page::sign_in(StatusCode::FORBIDDEN, heading)
}

pub async fn logout(State(web): State<Arc<Web>>, headers: HeaderMap, body: Bytes) -> Response {
    with_app(web, move |web, app| {
        let now = chrono::Utc::now();
        let signed: Signed = match session::signed_in(&app.store, &headers, now) {
            Ok(Some(signed)) => signed,
            Ok(None) => return page::sign_in_needed(),
            Err(e) => return page::store_error(&e, None),
        };
        let given = form_urlencoded::parse(&body)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if !same(&given, &signed.csrf) {
            tracing::info!(user = %signed.user.name, "logout refused: the form's CSRF token is not the session's");
            return page::message(
                StatusCode::FORBIDDEN,
                "ログアウトできませんでした",
                &["フォームの確認用の値がこのサインインのものと合いません。ページを読み込み直してから、もう一度「ログアウト」を押してください。"],
                Some(&signed),
            );
        }
        if let Err(e) = app.store.end_web_session(&signed.selector) {
            return page::store_error(&e, Some(&signed));
        }
        let cookie = session::clear_cookie(session::over_tls(&web.place, &headers));
        let mut response = page::message(
            StatusCode::OK,
            "ログアウトしました",
            &["もう一度見るときは、新しいサインイン用のリンクを使ってください。"],
            None,
        );
        if let Ok(value) = cookie.parse() {
            response.headers_mut().insert(SET_COOKIE, value);
        }
        response
    })
    .await
}

/// The client's address: the peer's, or behind a trusted proxy the last address it appended
/// to `X-Forwarded-For`.
fn client(web: &Web, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
    if web.place.trusted_proxy {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|a| a.trim().parse::<IpAddr>().ok());
        if let Some(address) = forwarded {
            return address;
        }
    }
    peer.ip()
}
