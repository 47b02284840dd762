//! What every dashboard page shares: the askama templates' frame (`templates/base.html`: the
//! header with who is signed in and the logout form, the navigation), the pages that say
//! something went wrong or how to sign in — all in Japanese, never an error's own text — the
//! embedded stylesheet and file downloads.

use super::session::Signed;
use crate::store;
use askama::Template;
use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::io::{Read, Seek, SeekFrom};

/// Where the stylesheet is served (its content is compiled in).
pub const CSS_PATH: &str = "/static/kyodo.css";
const CSS: &str = include_str!("../../assets/web/kyodo.css");

/// How to get a sign-in link, said wherever one is needed.
const HOW_TO_SIGN_IN: [&str; 3] = [
    "サインインには、職員が自分のアカウントで受け取るサインイン用のリンク（10分間、1回だけ有効）が必要です。",
    "Discord で /dashboard を実行すると、自分だけに見える返信でリンクが届きます。",
    "Discord が使えない端末では、kyodo を動かしているサーバーの管理者に「kyodo web-link --user 名前」でリンクを作ってもらってください。",
];

/// The page around the content: its title, who is signed in, which tab is open.
pub struct Frame {
    pub title: String,
    pub who: Option<Who>,
    pub tab: Tab,
}

/// The signed-in user as the header shows them, with the logout form's token.
pub struct Who {
    pub name: String,
    pub admin: bool,
    pub csrf: String,
}

/// The navigation's tabs; `None` for pages outside them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Records,
    Matrix,
    Report,
    None,
}

impl Frame {
    pub fn new(title: impl Into<String>, signed: Option<&Signed>, tab: Tab) -> Frame {
        Frame {
            title: title.into(),
            who: signed.map(|s| Who {
                name: s.user.name.clone(),
                admin: s.user.admin,
                csrf: s.csrf.clone(),
            }),
            tab,
        }
    }

    /// `aria-current` for the tab's link.
    pub fn current(&self, tab: Tab) -> &'static str {
        if self.tab == tab {
            "page"
        } else {
            "false"
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    frame: Frame,
    paragraphs: &'a [&'a str],
    sign_in: bool,
}

/// A template rendered as the response's HTML, with `status`.
pub fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a dashboard page could not be rendered");
            internal_error()
        }
    }
}

/// A page saying `heading` and `paragraphs`.
pub fn message(status: StatusCode, heading: &str, paragraphs: &[&str], signed: Option<&Signed>) -> Response {
    let page = Message {
        frame: Frame::new(heading, signed, Tab::None),
        paragraphs,
        sign_in: false,
    };
    html(status, &page)
}

/// `heading`, then how to get a sign-in link.
pub fn sign_in(status: StatusCode, heading: &str) -> Response {
    let page = Message {
        frame: Frame::new(heading, None, Tab::None),
        paragraphs: &HOW_TO_SIGN_IN,
        sign_in: true,
    };
    html(status, &page)
}

/// A page asked for without a session.
pub fn sign_in_needed() -> Response {
    sign_in(StatusCode::FORBIDDEN, "このページを見るにはサインインが必要です")
}

/// A bad query parameter: its message names it and its rule.
pub fn bad_request(message: &str, signed: &Signed) -> Response {
    message_page(StatusCode::BAD_REQUEST, "指定に誤りがあります", message, signed)
}

fn message_page(status: StatusCode, heading: &str, text: &str, signed: &Signed) -> Response {
    message(status, heading, &[text], Some(signed))
}

pub fn internal_error() -> Response {
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "内部エラーが発生しました",
        &["もう一度試し、続くときは管理者に連絡してください（詳しくはサーバーのログにあります）。"],
        None,
    )
}

/// The store's own Japanese message (busy, disk full, unreadable database …); SQLite's text is
/// in the log only.
pub fn store_error(error: &store::Error, signed: Option<&Signed>) -> Response {
    let status = match error {
        store::Error::Busy => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let text = error.to_string();
    message(status, "データベースを読めませんでした", &[text.as_str()], signed)
}

pub fn too_many_attempts() -> Response {
    let mut response = message(
        StatusCode::TOO_MANY_REQUESTS,
        "サインインの試行が多すぎます",
        &["短い時間にサインイン用のリンクが何度も開かれました。1分ほど待ってから、もう一度リンクを開いてください。"],
        None,
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("60"));
    response
}

pub async fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "ページが見つかりません",
        &["アドレスを確かめてください。トップページは「/」です。"],
        None,
    )
}

pub async fn method_not_allowed() -> Response {
    message(
        StatusCode::METHOD_NOT_ALLOWED,
        "この操作はできません",
        &["ダッシュボードは見るだけです。記録の報告や修正は Discord かコンソールでしてください。"],
        None,
    )
}

pub async fn css() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// Bytes shown in the page (an image it includes), of `kind`.
pub fn download_inline(kind: &'static str, bytes: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    response
}

/// A file to download: its type by its extension, its name in `Content-Disposition` (ASCII,
/// and UTF-8 for other names).
pub fn download(name: &str, bytes: Vec<u8>) -> Response {
    attachment(name, (StatusCode::OK, bytes).into_response())
}

/// The pieces a download is sent in.
const CHUNK: usize = 64 << 10;

/// A file to download from `file`, read from its start and sent in pieces as the client takes
/// them (a large export), its length in `Content-Length`. One blocking thread reads it for the
/// whole download, a few pieces ahead of the client (not a thread for every piece).
pub fn download_file(name: &str, mut file: std::fs::File) -> Response {
    let length = match file.seek(SeekFrom::Start(0)).and_then(|_| file.metadata()) {
        Ok(metadata) => metadata.len(),
        Err(e) => {
            tracing::error!(error = %e, "a file to download could not be read");
            return internal_error();
        }
    };
    let (pieces, received) = tokio::sync::mpsc::channel(2);
    tokio::task::spawn_blocking(move || loop {
        let mut piece = vec![0; CHUNK];
        let read = match file.read(&mut piece) {
            Ok(0) => break,
            Ok(n) => {
                piece.truncate(n);
                Ok(piece)
            }
            Err(e) => Err(e),
        };
        let failed = read.is_err();
        // The client gone (the receiver dropped), or the file unreadable: nothing more to send.
        if pieces.blocking_send(read).is_err() || failed {
            break;
        }
    });
    let mut response = Body::from_stream(Pieces(received)).into_response();
    response.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(length));
    attachment(name, response)
}

/// The pieces of a file as they are read, a stream for the response's body.
struct Pieces(tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>);

impl futures_core::Stream for Pieces {
    type Item = std::io::Result<Vec<u8>>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// `response` as the file `name`: its type by the extension, the name in `Content-Disposition`.
fn attachment(name: &str, mut response: Response) -> Response {
    let kind = if name.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else if name.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else if name.ends_with(".png") {
        "image/png"
    } else {
        "application/octet-stream"
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    response
}
