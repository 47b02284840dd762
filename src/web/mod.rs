//! The read-only dashboard: HTML pages over the same command core and store as the bot, served
//! by axum on HTTP/1 — alone by `kyodo web`, or beside the bot by `kyodo run` when `[web] addr`
//! or `KYODO_WEB_ADDR` is set — and stopped with it.
//!
//! - `overview.rs` `/` (`?fy=2025`): `/totals` of a fiscal year through `commands::handle` — the
//!   figures, last year's, the pace, each indicator's breakdown — and its CSV and XLSX.
//! - `records.rs` `/records`: `Store::records_page` of a `RecordFilter` read from the query, a
//!   page at a time, and all of them as CSV or XLSX (the export's files).
//! - `login.rs` `/login?token=…` redeems a single-use link (`link.rs` issues them; rate limited by
//!   `limit.rs`) into a session cookie (`session.rs`); `POST /logout` with the session's CSRF
//!   token. The secrets are the store's (`store::web`): random from the OS, stored hashed.
//! - `page.rs` the askama templates (`templates/`), the error pages in Japanese and the embedded
//!   stylesheet (`assets/web/kyodo.css`); `query.rs` the query string, each bad parameter
//!   refused with its name and rule; `headers.rs` the security headers on every response.
//!
//! Nothing here writes a record: the routes are GET, but for `POST /logout`; the only rows
//! written are sign-in links' and sessions' (`store::web`). The database is used on tokio's
//! blocking threads, one request at a time, through the app's one connection.

mod headers;
mod limit;
pub mod link;
mod login;
mod matrix;
mod overview;
mod page;
mod query;
mod records;
mod report;
mod session;

use crate::app::App;
use crate::domain::catalogue::WebPlace;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// Where `kyodo web` listens without `--addr`, `KYODO_WEB_ADDR` or `[web] addr`: this machine
/// only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// What every request shares.
pub struct Web {
    /// The settings and the database connection; a request holds it for its database work,
    /// on a blocking thread.
    app: Mutex<App>,
    /// The sign-in attempts per client address (`limit.rs`), held only to count one.
    limiter: Mutex<limit::Limiter>,
    /// `[web]`: whether a proxy's headers are trusted, the public address.
    place: WebPlace,
}

/// Serves the dashboard on `listener` until `shutdown` completes; the requests under way are
/// answered first (axum's graceful shutdown).
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let place = app.settings.catalogue.web.clone();
    let web = Arc::new(Web {
        app: Mutex::new(app),
        limiter: Mutex::new(limit::Limiter::default()),
        place,
    });
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving the dashboard");
    }
    axum::serve(
        listener,
        router(web).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Every route; the security headers on every response, the fallbacks' included.
fn router(web: Arc<Web>) -> Router {
    Router::new()
        .route("/", get(overview::get))
        .route("/records", get(records::get))
        .route("/matrix", get(matrix::get))
        .route("/report", get(report::get))
        .route("/chart.svg", get(overview::chart_svg))
        .route("/chart.png", get(overview::chart_png))
        .route("/login", get(login::redeem))
        .route("/logout", post(login::logout))
        .route(page::CSS_PATH, get(page::css))
        .fallback(page::not_found)
        .method_not_allowed_fallback(page::method_not_allowed)
        .layer(axum::middleware::map_response(headers::secure))
        .with_state(web)
}

/// Runs `work` with the app on a blocking thread (SQLite's calls block; the bot shares the
/// runtime's thread); an internal error page if it panicked.
/// A page for the signed-in: `page` on the app's blocking thread, given the session read from
/// `headers`, the query parsed and the time; without a session, the page that says how to get a
/// link.
async fn signed_page(
    web: Arc<Web>,
    headers: axum::http::HeaderMap,
    query: Option<String>,
    page: impl FnOnce(&mut App, &session::Signed, &query::Query, chrono::DateTime<chrono::Utc>) -> Response + Send + 'static,
) -> Response {
    with_app(web, move |_, app| {
        let now = chrono::Utc::now();
        match session::signed_in(&app.store, &headers, now) {
            Ok(Some(signed)) => page(app, &signed, &query::Query::parse(query.as_deref()), now),
            Ok(None) => page::sign_in_needed(),
            Err(e) => page::store_error(&e, None),
        }
    })
    .await
}

async fn with_app(web: Arc<Web>, work: impl FnOnce(&Web, &mut App) -> Response + Send + 'static) -> Response {
    let done = tokio::task::spawn_blocking(move || {
        let mut app = web.app.lock().unwrap_or_else(PoisonError::into_inner);
        work(&web, &mut app)
    })
    .await;
    match done {
        Ok(response) => response,
        Err(e) => {
            tracing::error!(error = %e, "a dashboard request failed");
            page::internal_error()
        }
    }
}
