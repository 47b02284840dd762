//! The headers every dashboard response carries, error pages and downloads included: a
//! Content-Security-Policy that allows nothing but this server's own stylesheet and images (no
//! script at all, inline or not; no framing; forms only to itself), no MIME sniffing, no
//! Referer (a sign-in link's token must not leak to another site), no caching of pages that
//! hold the city's figures unless the route said otherwise (the stylesheet).

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::response::Response;

/// The policy: `default-src 'self'`, and nothing that runs.
pub const POLICY: &str = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; \
                          form-action 'self'; frame-ancestors 'none'; img-src 'self' data:";

pub async fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
