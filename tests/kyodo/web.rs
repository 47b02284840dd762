//! The dashboard over HTTP (issue 16): the real `kyodo web` started on 127.0.0.1 (port 0: the
//! system picks one, and the binary prints it once it listens) on a real SQLite file seeded
//! with known records, links made by the real `kyodo web-link`, and reqwest as the browser
//! (no redirects followed, cookies passed by hand, so that every `Set-Cookie` is seen).
//!
//! Covered: every page and download with and without a session; expired, reused, forged,
//! revoked and mixed tokens refused; the rate limit; CSRF on logout; filters giving known
//! counts; the CSV formula-safe and the XLSX readable; the security headers on every
//! response; reporters' names for admins only; secrets stored hashed and never logged; SIGTERM.

use crate::support::{csv_rows_of, Workspace};
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use kyodo::domain::record::{Actor, Column, Facts, NewRecord, Source, SourceKind};
use kyodo::domain::RecordType;
use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use std::io::{BufRead, BufReader, Cursor};
use std::process::{Child, Stdio};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn meeting(area: &str, district: &str) -> Facts {
    Facts::new(RecordType::of("meeting"))
        .text_of(Column::Area, area)
        .text_of(Column::District, district)
}

/// The records every test starts with, by 佐藤 and 田中:
/// FY2025 — three meetings (東部 荒町 and 松井, 中部 本町), a consultation of 12, a joint occasion
/// titled like a formula; FY2024 — one meeting (東部 荒町); FY2023 — 55 consultations of 1.
fn seed(workspace: &Workspace) {
    let by = |name: &str| Actor {
        id: format!("web-test:{name}"),
        name: name.to_string(),
    };
    let mut records = vec![
        (day(2025, 5, 10), meeting("東部", "荒町"), by("佐藤")),
        (day(2025, 6, 10), meeting("東部", "松井"), by("田中")),
        (day(2025, 7, 10), meeting("中部", "本町"), by("佐藤")),
        (
            day(2025, 8, 1),
            Facts::new(RecordType::of("consultation")).number_of(Column::Count, 12),
            by("田中"),
        ),
        (
            day(2025, 9, 1),
            Facts::new(RecordType::of("collab")).text_of(Column::Title, "=1+2"),
            by("佐藤"),
        ),
        (day(2024, 5, 10), meeting("東部", "荒町"), by("佐藤")),
    ];
    for i in 0..55 {
        records.push((
            day(2023, 4, 1) + chrono::Days::new(i),
            Facts::new(RecordType::of("consultation")).number_of(Column::Count, 1),
            by("佐藤"),
        ));
    }
    let records: Vec<NewRecord> = records
        .into_iter()
        .enumerate()
        .map(|(i, (date, facts, reporter))| NewRecord {
            date,
            facts,
            reporter,
            source: Source {
                kind: SourceKind::Import,
                id: format!("web-seed-{i}"),
                origin: None,
            },
        })
        .collect();
    let mut store = kyodo::store::Store::open(&workspace.db()).expect("open store");
    store.insert_batch(&records, chrono::Utc::now()).expect("seed");
}

/// `kyodo web` running on a port of its own, killed when dropped.
struct Dashboard {
    workspace: Workspace,
    child: Child,
    base: String,
    client: reqwest::Client,
    /// Whether the config's public address is https (`config_with_public_url`): the session
    /// cookie is then Secure.
    secure: bool,
}

/// The shipped config with `[web] public_url` set, written into the workspace: its path.
fn config_with_public_url(workspace: &Workspace) -> String {
    let shipped =
        |name: &str| std::fs::read_to_string(crate::support::repo().join("config").join(name)).expect("config");
    let config = format!(
        "{}\n[web]\npublic_url = \"https://kyodo.example.lg.jp\"\n",
        shipped("kyodo.toml")
    );
    std::fs::write(workspace.path("kyodo.toml"), config).expect("write config");
    std::fs::write(workspace.path("baseline.toml"), shipped("baseline.toml")).expect("write baseline");
    workspace.path("kyodo.toml").display().to_string()
}

impl Dashboard {
    /// A seeded workspace and `kyodo web` on it, once it listens.
    fn start() -> Dashboard {
        let workspace = Workspace::new();
        seed(&workspace);
        Dashboard::start_in(workspace, None)
    }

    /// `kyodo web` on `workspace`, with the config at `config` (or the shipped one).
    fn start_in(workspace: Workspace, config: Option<&str>) -> Dashboard {
        let log = std::fs::File::create(workspace.path("web.log")).expect("log file");
        let mut args = Vec::new();
        if let Some(config) = config {
            args.extend(["--config", config]);
        }
        args.extend(["web", "--addr", "127.0.0.1:0"]);
        let mut child = workspace
            .command(&args)
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start kyodo web");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the line it prints once listening");
        let base = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .map(|addr| format!("http://{addr}"))
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Dashboard {
            workspace,
            child,
            base,
            client,
            secure: config.is_some(),
        }
    }

    /// A new link from `kyodo web-link` (as printed: the default address; the token is what
    /// matters).
    fn link(&self, user: &str, admin: bool) -> String {
        let mut args = vec!["web-link", "--user", user];
        if admin {
            args.push("--admin");
        }
        let run = self.workspace.kyodo(&args).ok();
        let out = run.stdout();
        let url = out.lines().last().expect("the link").trim().to_string();
        let token = url.split("token=").nth(1).expect("a token").to_string();
        assert_eq!(token.len(), 48, "{url}");
        token
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Page {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        Page::of(request.send().await.expect("GET")).await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, body: &str) -> Page {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.to_string());
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        Page::of(request.send().await.expect("POST")).await
    }

    /// Redeems `token`: the cookie to send back (`kyodo_session=…`), checked as set.
    async fn sign_in(&self, token: &str) -> String {
        let page = self.get(&format!("/login?token={token}"), None).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
        assert_eq!(page.header(LOCATION.as_str()), "/", "to a URL without the token");
        let cookie = page.header(SET_COOKIE.as_str());
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert_eq!(
            cookie.ends_with("; Secure"),
            self.secure,
            "Secure only when the public address is https: {cookie}"
        );
        cookie.split(';').next().expect("name=value").to_string()
    }

    /// A signed-in staff member's (or admin's) cookie.
    async fn session(&self, user: &str, admin: bool) -> String {
        let token = self.link(user, admin);
        self.sign_in(&token).await
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.workspace.path("web.log")).expect("log")
    }

    /// Only hashes are stored: each secret's selector is in the database's files, its verifier
    /// is not, and neither is in the log (kept at the debug level).
    fn assert_stored_hashed_and_unlogged(&self, secrets: &[&str]) {
        let mut stored = Vec::new();
        for suffix in ["", "-wal"] {
            let path = format!("{}{suffix}", self.workspace.db().display());
            stored.extend(std::fs::read(path).unwrap_or_default());
        }
        let stored = String::from_utf8_lossy(&stored);
        let log = self.log();
        for secret in secrets {
            assert_eq!(secret.len(), 48);
            assert!(stored.contains(&secret[..16]), "the selector is the key");
            assert!(!stored.contains(&secret[16..]), "the verifier is not stored");
            assert!(!log.contains(&secret[16..]), "the verifier is not logged: {log}");
        }
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response, read whole.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Page {
    async fn of(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("body").to_vec();
        let page = Page { status, headers, body };
        page.assert_secure();
        page
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_string())
            .unwrap_or_default()
    }

    /// The headers every response carries, whatever it is.
    fn assert_secure(&self) {
        let csp = self.header("content-security-policy");
        for directive in ["default-src 'self'", "script-src 'none'", "frame-ancestors 'none'"] {
            assert!(csp.contains(directive), "{csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(self.header("x-content-type-options"), "nosniff");
        assert_eq!(self.header("referrer-policy"), "no-referrer");
    }

    /// The Japanese page of `status` that names `words`, with no session set.
    fn assert_refused(&self, status: StatusCode, words: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        assert!(self.text().contains(words), "{words} in {}", self.text());
        assert!(self.header(SET_COOKIE.as_str()).is_empty(), "nothing set");
        assert!(self.text().contains("<html lang=\"ja\">"));
    }

    /// The line 「全N件中 …」 or 「条件に合う記録はありません」 of a records page.
    fn count(&self) -> usize {
        let text = self.text();
        if text.contains("条件に合う記録はありません") {
            return 0;
        }
        let after = text.split("全").nth(1).unwrap_or_else(|| panic!("a count in {text}"));
        after
            .split("件")
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a count in {after}"))
    }
}

/// Every page and download the dashboard has.
const PAGES: [&str; 15] = [
    "/chart.svg?fy=2025",
    "/chart.png?fy=2025",
    "/",
    "/?fy=2025",
    "/?fy=2025&format=csv",
    "/?fy=2025&format=xlsx",
    "/records?fy=2025",
    "/records?fy=2025&format=xlsx",
    "/matrix",
    "/matrix?fy=2025&format=csv",
    "/matrix?fy=2025&format=xlsx",
    "/matrix?fy=2025&format=png",
    "/report",
    "/report?fy=2025&format=csv",
    "/report?fy=2025&format=xlsx",
];

#[tokio::test]
async fn without_a_session_every_page_and_download_explains_how_to_sign_in() {
    let web = Dashboard::start();
    for path in PAGES.into_iter().chain(["/records?format=csv"]) {
        let page = web.get(path, None).await;
        page.assert_refused(StatusCode::FORBIDDEN, "サインインが必要です");
        assert!(
            page.text().contains("kyodo web-link --user"),
            "{path}: how to get a link"
        );
        assert_eq!(page.header("content-type"), "text/html; charset=utf-8", "{path}");
        assert!(
            !page.text().contains("荒町") && !page.text().contains("佐藤"),
            "{path}: nothing shown"
        );
    }
    for cookie in [
        "kyodo_session=".to_string(),
        "kyodo_session=nonsense".to_string(),
        format!("kyodo_session={}", "ab".repeat(24)),
    ] {
        let page = web.get("/", Some(&cookie)).await;
        page.assert_refused(StatusCode::FORBIDDEN, "サインインが必要です");
    }
    // What needs no session: the stylesheet, and the pages that say a path or a method is wrong.
    let css = web.get("/static/kyodo.css", None).await;
    assert_eq!(
        (css.status, css.header("content-type").as_str()),
        (StatusCode::OK, "text/css; charset=utf-8")
    );
    assert!(css.text().contains("@media print") && css.text().contains("size: A4"));
    web.get("/nothing", None)
        .await
        .assert_refused(StatusCode::NOT_FOUND, "ページが見つかりません");
    web.post("/", None, "")
        .await
        .assert_refused(StatusCode::METHOD_NOT_ALLOWED, "見るだけです");
    web.post("/records", None, "")
        .await
        .assert_refused(StatusCode::METHOD_NOT_ALLOWED, "見るだけです");
}

#[tokio::test]
async fn a_link_signs_in_once_and_every_page_and_download_is_served() {
    let web = Dashboard::start();
    let cookie = web.session("田中", false).await;
    for path in PAGES {
        let page = web.get(path, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.text());
        assert_eq!(page.header("cache-control"), "no-store", "{path}");
    }
    let overview = web.get("/?fy=2025", Some(&cookie)).await.text();
    for shown in [
        "<h1>令和7年度（2025年度）の概要</h1>",
        "<option value=\"2025\" selected>令和7年度（2025年度）</option>",
        "平成30年度（2018年度）",
        "令和7年度の累計（2025年4月1日〜2026年3月31日）",
        "<strong class=\"head\">②区と地区担当職員との連携</strong> <span class=\"value\">3回（前年度 1回、+2回）</span>",
        "東部 2回（2/7区）、中部 1回（1/5区）",
        "<strong class=\"head\">③相談数</strong> <span class=\"value\">12件（前年度 0件、+12件）</span>",
        "<strong class=\"head\">⑥区長会・市民活動連携</strong>",
        "田中さん",
    ] {
        assert!(overview.contains(shown), "{shown} in {overview}");
    }
    // The chart the page shows (the digest's, as SVG) and its PNG.
    assert!(overview.contains("<img src=\"/chart.svg?fy=2025\""), "{overview}");
    let svg = web.get("/chart.svg?fy=2025", Some(&cookie)).await;
    assert_eq!(svg.header("content-type"), "image/svg+xml; charset=utf-8");
    let svg = svg.text();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
    assert!(
        svg.contains("②区と地区担当職員との連携（回）") && svg.contains(">令和7年度</text>"),
        "{svg}"
    );
    let png = web.get("/chart.png?fy=2025", Some(&cookie)).await;
    assert!(png.body.starts_with(b"\x89PNG") && png.header("content-type") == "image/png");
    web.get("/chart.svg?fy=2099", Some(&cookie))
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "まだ始まっていません");
    // The year the baseline gives: the city's report's figures.
    let baseline = web.get("/?fy=2020", Some(&cookie)).await.text();
    assert!(baseline.contains("<h1>令和2年度（2020年度）の概要</h1>"), "{baseline}");
    // The overview's table as CSV: this year and the year before, one column per indicator.
    let csv = web.get("/?fy=2025&format=csv", Some(&cookie)).await;
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert!(csv
        .header("content-disposition")
        .starts_with("attachment; filename=\"kyodo-totals-"));
    let rows = csv_rows_of(&csv.body);
    let header = rows
        .iter()
        .find(|r| r.iter().any(|c| c.contains("区と地区担当職員との連携")))
        .expect("a header row");
    let column = header
        .iter()
        .position(|c| c.contains("区と地区担当職員との連携"))
        .expect("the meetings' column");
    let figures: Vec<&str> = rows
        .iter()
        .filter(|r| r.len() > column && r[0] != header[0])
        .map(|r| r[column].as_str())
        .collect();
    assert_eq!(figures, ["3", "1"], "{rows:?}");
    let xlsx = web.get("/?fy=2025&format=xlsx", Some(&cookie)).await;
    let mut book = Xlsx::new(Cursor::new(xlsx.body)).expect("an XLSX");
    let sheets = book.sheet_names();
    let grid = book.worksheet_range(&sheets[0]).expect("its first sheet");
    assert!(
        grid.rows().any(|r| r.contains(&Data::Float(3.0))),
        "the meetings' 3 in {grid:?}"
    );
    // Signed out: the page no longer opens with that cookie.
    let page = web.get("/", Some(&cookie)).await;
    let csrf = page
        .text()
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the logout form's token")
        .to_string();
    let out = web.post("/logout", Some(&cookie), &format!("csrf={csrf}")).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.text());
    assert!(out.text().contains("ログアウトしました"));
    assert!(out.header(SET_COOKIE.as_str()).contains("Max-Age=0"));
    web.get("/", Some(&cookie))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "サインインが必要です");
}

#[tokio::test]
async fn expired_reused_and_forged_links_are_refused() {
    let web = Dashboard::start();
    // Reused: the second time.
    let token = web.link("佐藤", false);
    let cookie = web.sign_in(&token).await;
    web.get(&format!("/login?token={token}"), None)
        .await
        .assert_refused(StatusCode::FORBIDDEN, "もう使われています");
    // Expired: its ten minutes over (the database's expiry moved back an hour).
    let expired = web.link("佐藤", false);
    let conn = rusqlite::Connection::open(web.workspace.db()).expect("open db");
    let moved = conn
        .execute(
            "UPDATE web_links SET expires_at = expires_at - 3600 WHERE selector = ?1",
            [&expired[..16]],
        )
        .expect("expire");
    assert_eq!(moved, 1);
    web.get(&format!("/login?token={expired}"), None)
        .await
        .assert_refused(StatusCode::FORBIDDEN, "有効期限（10分）が切れています");
    // Forged: malformed or random (ten attempts in all: the rate limit's burst).
    for bad in [
        "".to_string(),
        "abc".to_string(),
        "ab".repeat(24),
        token.to_uppercase(),
        format!("{token}00"),
        "%00%0a<script>".to_string(),
        "ab".repeat(2400),
    ] {
        web.get(&format!("/login?token={bad}"), None)
            .await
            .assert_refused(StatusCode::FORBIDDEN, "このリンクではサインインできません");
    }
    assert_eq!(web.get("/", Some(&cookie)).await.status, StatusCode::OK);
    web.assert_stored_hashed_and_unlogged(&[&token, &expired, &cookie["kyodo_session=".len()..]]);
}

#[tokio::test]
async fn a_forged_verifier_burns_no_link_and_other_users_and_revoked_sessions_are_refused() {
    let web = Dashboard::start();
    // A real link's selector with another verifier: refused, and the link still works.
    let real = web.link("田中", true);
    let forged = format!("{}{}", &real[..16], "0".repeat(32));
    web.get(&format!("/login?token={forged}"), None)
        .await
        .assert_refused(StatusCode::FORBIDDEN, "このリンクではサインインできません");
    let admin = web.sign_in(&real).await;
    let cookie = web.session("佐藤", false).await;
    // Another user's session: a cookie with 佐藤's selector and 田中's verifier is nobody's.
    let mixed = format!("{}{}", &cookie[..30], &admin["kyodo_session=".len() + 16..]);
    assert_eq!(mixed.len(), cookie.len());
    web.get("/", Some(&mixed))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "サインインが必要です");
    // Revoked: 佐藤's session and unused link end; 田中's session goes on.
    let unused = web.link("佐藤", false);
    let run = web.workspace.kyodo(&["web-link", "--revoke", "佐藤"]).ok();
    assert_eq!(
        run.stdout().trim(),
        "佐藤さんのサインインを取り消しました（セッション 1件、まだ使われていないリンク 1件）"
    );
    web.get("/", Some(&cookie))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "サインインが必要です");
    web.get(&format!("/login?token={unused}"), None)
        .await
        .assert_refused(StatusCode::FORBIDDEN, "もう使われています");
    assert_eq!(web.get("/", Some(&admin)).await.status, StatusCode::OK);
    web.assert_stored_hashed_and_unlogged(&[&real, &unused, &cookie["kyodo_session=".len()..]]);
    assert!(web.log().contains("a sign-in link was refused"));
}

#[tokio::test]
async fn redeeming_is_rate_limited_and_a_limited_attempt_uses_no_link() {
    let web = Dashboard::start();
    let token = web.link("佐藤", false);
    for _ in 0..10 {
        web.get(&format!("/login?token={}", "cd".repeat(24)), None)
            .await
            .assert_refused(StatusCode::FORBIDDEN, "このリンクではサインインできません");
    }
    let limited = web.get(&format!("/login?token={token}"), None).await;
    limited.assert_refused(StatusCode::TOO_MANY_REQUESTS, "サインインの試行が多すぎます");
    assert_eq!(limited.header("retry-after"), "60");
    let conn = rusqlite::Connection::open(web.workspace.db()).expect("open db");
    let used: Option<i64> = conn
        .query_row(
            "SELECT used_at FROM web_links WHERE selector = ?1",
            [&token[..16]],
            |r| r.get(0),
        )
        .expect("the link");
    assert_eq!(used, None, "the limited attempt did not look at the link");
}

#[tokio::test]
async fn logout_needs_the_sessions_csrf_token() {
    let web = Dashboard::start();
    let cookie = web.session("佐藤", false).await;
    let other = web.session("田中", false).await;
    let others_page = web.get("/", Some(&other)).await.text();
    let others_csrf = others_page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a token")
        .to_string();
    for body in [
        String::new(),
        "csrf=".to_string(),
        "csrf=0123".to_string(),
        format!("csrf={others_csrf}"),
    ] {
        web.post("/logout", Some(&cookie), &body)
            .await
            .assert_refused(StatusCode::FORBIDDEN, "ログアウトできませんでした");
        assert_eq!(
            web.get("/", Some(&cookie)).await.status,
            StatusCode::OK,
            "still signed in"
        );
    }
    web.post("/logout", None, &format!("csrf={others_csrf}"))
        .await
        .assert_refused(StatusCode::FORBIDDEN, "サインインが必要です");
    web.get("/logout", Some(&cookie))
        .await
        .assert_refused(StatusCode::METHOD_NOT_ALLOWED, "この操作はできません");
    assert_eq!(web.get("/", Some(&other)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_records_filters_give_known_counts_and_pages() {
    let web = Dashboard::start();
    let staff = web.session("田中", false).await;
    let admin = web.session("課長", true).await;
    for (query, count) in [
        ("", 61),
        ("fy=2025", 5),
        ("fy=2024", 1),
        ("fy=2023", 55),
        ("fy=2025&type=meeting", 3),
        ("fy=2025&type=meeting&area=%E6%9D%B1%E9%83%A8", 2),
        ("district=%E8%8D%92%E7%94%BA", 2),
        ("district=%E8%8D%92%E3%80%80%E7%94%BA", 2),
        ("from=2025-06-01&to=2025-07-31", 2),
        ("fy=2025&from=2025-08-01", 2),
        ("fy=2022", 0),
        ("type=collab", 1),
    ] {
        let page = web.get(&format!("/records?{query}"), Some(&staff)).await;
        assert_eq!(page.status, StatusCode::OK, "{query}: {}", page.text());
        assert_eq!(page.count(), count, "{query}");
    }
    // Pages of 50: the second has the last 5; a third does not exist.
    let first = web.get("/records?fy=2023", Some(&staff)).await.text();
    assert!(first.contains("全55件中 1〜50件目（1/2ページ"), "{first}");
    assert!(
        first.contains("href=\"/records?fy=2023&#38;page=2\" rel=\"next\""),
        "{first}"
    );
    assert_eq!(first.matches("<tr><td class=\"num\">").count(), 50);
    let second = web.get("/records?fy=2023&page=2", Some(&staff)).await.text();
    assert!(second.contains("全55件中 51〜55件目（2/2ページ"), "{second}");
    assert_eq!(second.matches("<tr><td class=\"num\">").count(), 5);
    web.get("/records?fy=2023&page=3", Some(&staff)).await.assert_refused(
        StatusCode::BAD_REQUEST,
        "ページ（page）は 1〜2 で指定してください（全55件）",
    );
    // Reporters: the admin filters by them and sees them; staff do neither.
    let by_name = web
        .get("/records?fy=2025&reporter=%E7%94%B0%E4%B8%AD", Some(&admin))
        .await;
    assert_eq!(by_name.count(), 2);
    assert!(by_name.text().contains("<th scope=\"col\">報告者</th>") && by_name.text().contains("<td>田中</td>"));
    web.get("/records?reporter=%E7%94%B0%E4%B8%AD", Some(&staff))
        .await
        .assert_refused(
            StatusCode::BAD_REQUEST,
            "報告者（reporter）で絞り込めるのは管理者だけです",
        );
    let staff_page = web.get("/records?fy=2025", Some(&staff)).await.text();
    assert!(
        !staff_page.contains("報告者</th>") && !staff_page.contains("佐藤"),
        "{staff_page}"
    );
    assert!(staff_page.contains("東部地区 荒町区") && staff_page.contains("2025年5月10日（令和7年5月10日）"));
    // Bad parameters: the field, its key and the rule, 400.
    for (query, message) in [
        ("fy=R7", "年度（fy）は 2018〜2099 の数字で指定してください"),
        ("fy=1990", "年度（fy）は 2018〜2099 の数字で指定してください"),
        (
            "from=2025/6/1",
            "開始日（from）は 2025-04-01 のように 年-月-日 の日付で指定してください",
        ),
        ("to=2025-02-30", "終了日（to）は 2025-04-01 のように"),
        (
            "from=2025-08-01&to=2025-07-01",
            "終了日（to）は開始日（from）と同じか後の日にしてください",
        ),
        (
            "type=nothing",
            "記録の種類（type）「nothing」はありません。選べるもの: meeting（地区連携）",
        ),
        (
            "area=%E6%9D%B1",
            "地区（area）「東」はありません。選べるもの: 東南部、東部",
        ),
        ("district=%E3%81%AA%E3%81%84", "区（district）「ない」はありません"),
        ("page=0", "ページ（page）は 1〜100000 の数字で指定してください"),
        ("format=pdf", "形式（format）は csv か xlsx で指定してください"),
    ] {
        web.get(&format!("/records?{query}"), Some(&staff))
            .await
            .assert_refused(StatusCode::BAD_REQUEST, message);
    }
    for (query, message) in [
        ("fy=abc", "年度（fy）は 2018〜2099 の数字で指定してください"),
        ("fy=2098", "令和80年度はまだ始まっていません"),
        ("format=png", "形式（format）は csv か xlsx で指定してください"),
    ] {
        web.get(&format!("/?{query}"), Some(&staff))
            .await
            .assert_refused(StatusCode::BAD_REQUEST, message);
    }
}

#[tokio::test]
async fn the_records_downloads_are_what_the_filter_selects_formula_safe_and_readable() {
    let web = Dashboard::start();
    let staff = web.session("田中", false).await;
    let admin = web.session("課長", true).await;
    let csv = web.get("/records?fy=2025&format=csv", Some(&staff)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.header("content-disposition"),
        "attachment; filename=\"kyodo-records.csv\"; filename*=UTF-8''kyodo-records.csv"
    );
    let rows = csv_rows_of(&csv.body);
    assert_eq!(rows.len(), 1 + 5, "the header and the year's five records: {rows:?}");
    let title = rows[0].iter().position(|h| h == "名称").expect("名称");
    let reporter = rows[0].iter().position(|h| h == "報告者").expect("報告者");
    assert!(
        rows.iter().any(|r| r[title] == "'=1+2"),
        "a formula-like title behind ': {rows:?}"
    );
    assert!(rows[1..].iter().all(|r| r[reporter] == "（非表示）"), "{rows:?}");
    assert!(!String::from_utf8_lossy(&csv.body).contains("佐藤"));
    let page_filtered = web
        .get("/records?fy=2025&type=meeting&format=csv&page=1", Some(&staff))
        .await;
    assert_eq!(csv_rows_of(&page_filtered.body).len(), 1 + 3);
    // The admin's file names the reporters; the XLSX reads back with calamine.
    let xlsx = web.get("/records?fy=2025&format=xlsx", Some(&admin)).await;
    assert_eq!(
        xlsx.header("content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book = Xlsx::new(Cursor::new(xlsx.body)).expect("an XLSX");
    let grid = book.worksheet_range("記録").expect("the records' sheet");
    let rows: Vec<Vec<String>> = grid.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 1 + 5);
    let reporter = rows[0].iter().position(|h| h == "報告者").expect("報告者");
    let title = rows[0].iter().position(|h| h == "名称").expect("名称");
    let mut names: Vec<&str> = rows[1..].iter().map(|r| r[reporter].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["佐藤", "佐藤", "佐藤", "田中", "田中"]);
    assert!(rows.iter().any(|r| r[title] == "=1+2"), "a text cell, as typed");
    let staff_xlsx = web.get("/records?fy=2025&format=xlsx", Some(&staff)).await;
    let mut book = Xlsx::new(Cursor::new(staff_xlsx.body)).expect("an XLSX");
    let grid = book.worksheet_range("記録").expect("the records' sheet");
    assert!(
        !grid.rows().flatten().any(|c| c.to_string().contains("佐藤")),
        "{grid:?}"
    );
}

#[tokio::test]
async fn the_contact_matrix_and_the_annual_report_show_the_years_records_and_download() {
    let web = Dashboard::start();
    let staff = web.session("田中", false).await;
    let matrix = web.get("/matrix?fy=2025", Some(&staff)).await.text();
    for shown in [
        "<h1>令和7年度（2025年度）の区×月の連携</h1>",
        "地区連携の回数（2025年4月1日（令和7年4月1日）〜2026年3月31日（令和8年3月31日）、全3回）",
        "<th scope=\"col\">4月</th><th scope=\"col\">5月</th>",
        "<tr class=\"area\"><th scope=\"rowgroup\">東部（2/7区）</th><td>0</td><td>1</td><td>1</td><td>0</td>",
        "<tr><th scope=\"row\">荒町</th><td class=\"l0\">0</td><td class=\"l4\">1</td><td class=\"l0\">0</td>",
        "<tr class=\"area\"><th scope=\"rowgroup\">中部（1/5区）</th>",
    ] {
        assert!(matrix.contains(shown), "{shown} in {matrix}");
    }
    assert!(
        !matrix.contains("style="),
        "shades are classes: no inline style for the CSP to block"
    );
    let csv = csv_rows_of(&web.get("/matrix?fy=2025&format=csv", Some(&staff)).await.body);
    assert_eq!(csv[1][..4], ["地区", "区", "2025年4月", "2025年5月"]);
    let aramachi = csv.iter().find(|r| r.len() > 1 && r[1] == "荒町").expect("荒町's row");
    assert_eq!(aramachi[..4], ["東部", "荒町", "0", "1"]);
    assert_eq!(csv.last().map(|r| r[r.len() - 1].as_str()), Some("3"), "the total");
    let xlsx = web.get("/matrix?fy=2025&format=xlsx", Some(&staff)).await;
    let mut book = Xlsx::new(Cursor::new(xlsx.body)).expect("an XLSX");
    assert!(book.worksheet_range("区×月").is_ok());
    let png = web.get("/matrix?fy=2025&format=png", Some(&staff)).await;
    assert_eq!(png.header("content-type"), "image/png");
    assert!(png.body.starts_with(b"\x89PNG"), "the digest's heat map");
    // A baseline year has its totals only.
    let baseline = web.get("/matrix?fy=2020", Some(&staff)).await.text();
    assert!(baseline.contains("この年度は区ごとの記録がありません"), "{baseline}");
    web.get("/matrix?fy=2020&format=csv", Some(&staff))
        .await
        .assert_refused(
            StatusCode::BAD_REQUEST,
            "令和2年度（2020年度）は区ごとの記録がないため、ファイルにできません",
        );
    web.get("/matrix?format=pdf", Some(&staff)).await.assert_refused(
        StatusCode::BAD_REQUEST,
        "形式（format）は csv・xlsx・png のどれか で指定してください",
    );

    // The annual report: that year and the two before, in the report's tables.
    let report = web.get("/report?fy=2025", Some(&staff)).await.text();
    for shown in [
        "<h1>小諸市自治基本条例 実績（令和5年度から令和7年度）</h1>",
        "<li>令和7年度: kyodo の記録から集計</li>",
        "<caption>③ぼらせん相談・マッチング</caption>",
        "<tr><th scope=\"row\">令和7年度</th><td>12</td><td>0</td>",
        "<th scope=\"col\" colspan=\"2\">②区と地区担当職員との連携（年間）</th>",
    ] {
        assert!(report.contains(shown), "{shown} in {report}");
    }
    let reference = web.get("/report?fy=2020", Some(&staff)).await.text();
    assert!(
        reference.contains("<h1>小諸市自治基本条例 実績（平成30年度から令和2年度）</h1>"),
        "{reference}"
    );
    let csv = web.get("/report?fy=2025&format=csv", Some(&staff)).await;
    assert_eq!(
        csv.header("content-disposition"),
        "attachment; filename=\"kyodo-report-2025.csv\"; filename*=UTF-8''kyodo-report-2025.csv"
    );
    assert!(csv_rows_of(&csv.body)
        .iter()
        .any(|r| r.first().is_some_and(|c| c == "令和7年度") && r.contains(&"12".to_string())));
    let xlsx = web.get("/report?fy=2025&format=xlsx", Some(&staff)).await;
    let book = Xlsx::new(Cursor::new(xlsx.body)).expect("an XLSX");
    assert!(!book.sheet_names().is_empty());
    web.get("/report?fy=2099", Some(&staff))
        .await
        .assert_refused(StatusCode::BAD_REQUEST, "令和81年度（2099年度）はまだ始まっていません");
}

#[tokio::test]
async fn slash_dashboard_gives_the_user_a_link_with_their_roles() {
    let workspace = Workspace::new();
    seed(&workspace);
    // Without [web] public_url: refused, saying who can set it and what else makes links.
    let run = workspace.console(&["--user", "佐藤", "--role", "staff"], "/dashboard\n");
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stdout().contains("✗ ダッシュボードのアドレスが設定されていないため、リンクを作れません。管理者に設定ファイルの [web] public_url を書いてもらうか"),
        "{}",
        run.stdout()
    );
    let config = config_with_public_url(&workspace);
    let web = Dashboard::start_in(workspace, Some(&config));
    let link = |role: &str| {
        let mut command = web
            .workspace
            .command(&["--config", &config, "console", "--user", "佐藤", "--role", role]);
        command.stdin(Stdio::piped()).stdout(Stdio::piped());
        let mut child = command.spawn().expect("console");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), "/ダッシュボード\n".as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("console");
        let out = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.contains("10分間、1回だけ使えます。"), "{out}");
        let url = out
            .lines()
            .find(|l| l.starts_with("https://kyodo.example.lg.jp/login?token="))
            .unwrap_or_else(|| panic!("a link at the public address in {out}"))
            .to_string();
        url.split("token=").nth(1).expect("token").to_string()
    };
    let staff = web.sign_in(&link("staff")).await;
    let page = web.get("/records?fy=2025", Some(&staff)).await.text();
    assert!(
        page.contains("<span>佐藤さん</span>") && !page.contains("報告者</th>"),
        "{page}"
    );
    let admin = web.sign_in(&link("admin")).await;
    let page = web.get("/records?fy=2025", Some(&admin)).await.text();
    assert!(page.contains("<span>佐藤さん（管理者）</span>") && page.contains("<th scope=\"col\">報告者</th>"));
}

#[tokio::test]
async fn slash_dashboard_in_discord_answers_privately_with_a_link_bound_to_the_member() {
    use crate::discord::{member_source, send, Bot, ADMIN_ROLE};
    use crate::support::discord::Discord;
    let workspace = Workspace::new();
    let config = config_with_public_url(&workspace);
    let discord = Discord::start().await;
    let bot = Bot::start_with_env(&workspace, &discord, &[("KYODO_CONFIG", config.as_str())]).await;
    let source = member_source(&discord, 4242, "課長", &[ADMIN_ROLE]);
    let (_, data, kind) = send(&discord, "dashboard", Vec::new(), source).await;
    assert_eq!(
        (kind, data["flags"].clone()),
        (4, serde_json::json!(64)),
        "ephemeral: {data}"
    );
    let text = data.to_string();
    let token: String = text
        .split("https://kyodo.example.lg.jp/login?token=")
        .nth(1)
        .map(|rest| rest.chars().take(48).collect())
        .unwrap_or_else(|| panic!("a link in {text}"));
    assert!(text.contains("管理者として"), "{text}");
    assert!(!bot.log().contains(&token[16..]), "the link is not logged");
    let rows = workspace.rows(&format!(
        "SELECT user_id, user_name, admin, used_at IS NULL FROM web_links WHERE selector = '{}'",
        &token[..16]
    ));
    assert_eq!(
        rows,
        [["4242", "課長", "1", "1"]],
        "bound to the member and their roles"
    );
}

#[tokio::test]
async fn sigterm_stops_the_dashboard_cleanly() {
    let mut web = Dashboard::start();
    let cookie = web.session("佐藤", false).await;
    assert_eq!(web.get("/", Some(&cookie)).await.status, StatusCode::OK);
    let status = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(web.child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = web.child.wait().expect("wait");
    assert!(exit.success(), "{exit:?}: {}", web.log());
}

#[tokio::test]
async fn kyodo_run_serves_the_dashboard_beside_the_bot_and_stops_it_with_the_bot() {
    use crate::discord::{Bot, WAIT};
    use crate::support::discord::Discord;
    let workspace = Workspace::new();
    seed(&workspace);
    let discord = Discord::start().await;
    // A port free a moment ago (the bot must bind it itself, by KYODO_WEB_ADDR).
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let addr = addr.to_string();
    let mut bot = Bot::start_with_env(&workspace, &discord, &[("KYODO_WEB_ADDR", addr.as_str())]).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let run = workspace.kyodo(&["web-link", "--user", "佐藤"]).ok();
    let out = run.stdout();
    let token = out
        .lines()
        .last()
        .and_then(|l| l.split("token=").nth(1))
        .expect("a token");
    let login = Page::of(
        client
            .get(format!("http://{addr}/login?token={token}"))
            .send()
            .await
            .expect("login"),
    )
    .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", bot.log());
    let cookie = login.header(SET_COOKIE.as_str());
    let cookie = cookie.split(';').next().expect("cookie");
    let page = Page::of(
        client
            .get(format!("http://{addr}/records?fy=2025"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("page"),
    )
    .await;
    assert_eq!(page.count(), 5, "the bot's database, read by the dashboard");
    bot.signal("TERM");
    let exit = bot.wait_exit(WAIT).await;
    assert!(exit.success(), "{exit:?}: {}", bot.log());
    assert!(bot.log().contains("the dashboard stopped"), "{}", bot.log());
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "nothing listens on {addr} any more"
    );
    assert!(!bot.log().contains(&token[16..]), "the token is not logged");
}

#[test]
fn a_bad_or_busy_address_is_refused_in_japanese() {
    let workspace = Workspace::new();
    let run = workspace.kyodo(&["web", "--addr", "localhost"]);
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr()
            .starts_with("エラー: --addr <アドレス>: 127.0.0.1:8080 のように IP アドレスとポートで指定してください"),
        "{}",
        run.stderr()
    );
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("a port of ours");
    let addr = busy.local_addr().expect("its address").to_string();
    let run = workspace.kyodo(&["web", "--addr", &addr]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stderr().trim(),
        format!(
            "エラー: ダッシュボードのアドレス {addr} で待ち受けられません: ほかのプログラムがそのポートを使っています。--addr（KYODO_WEB_ADDR）で別のアドレスを指定してください"
        )
    );
    let run = workspace.kyodo(&["web-link"]);
    assert_eq!(run.code(), Some(2), "a name or --revoke is required: {}", run.stderr());
    let run = workspace.kyodo(&["web-link", "--user", " "]);
    assert!(run.stderr().contains("--user の名前が空です"), "{}", run.stderr());
}

/// The dashboard in a real browser (headless Chromium, `support::browser`): signed in through
/// a link (the cookie out of the page's reach), each page at a phone's 375 px and a desk's
/// 1280 px — nothing wider than the screen, the Japanese heading drawn with a CJK font rather
/// than empty boxes, a screenshot of each kept in `target/browser/` for CI — a filter applied
/// through the form, a download clicked, and the annual report printed on A4.
#[tokio::test]
async fn in_a_real_browser_every_page_reads_at_phone_and_desk_widths_and_the_report_prints() {
    let web = Dashboard::start();
    let shots = crate::support::repo().join("target").join("browser");
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    let downloads = web.workspace.path("downloads");
    std::fs::create_dir_all(&downloads).expect("download folder");
    let mut browser = crate::support::browser::Browser::start(&downloads).await;
    browser.viewport(1280, 900, false).await;
    let token = web.link("課長", true);
    browser.goto(&format!("{}/login?token={token}", web.base)).await;
    assert_eq!(
        browser.eval("location.pathname").await,
        "/",
        "to the overview, without the token"
    );
    assert_eq!(browser.eval("document.cookie").await, "", "the session is HttpOnly");
    for (path, name) in [
        ("/?fy=2025", "overview"),
        ("/records?fy=2025", "records"),
        ("/matrix?fy=2025", "matrix"),
        ("/report?fy=2025", "report"),
    ] {
        for (width, mobile) in [(375, true), (1280, false)] {
            browser.viewport(width, 800, mobile).await;
            browser.goto(&format!("{}{path}", web.base)).await;
            let heading = browser.eval("document.querySelector('h1').textContent").await;
            let heading = heading.as_str().unwrap_or_default().to_string();
            assert!(
                heading.chars().any(|c| ('\u{3040}'..='\u{9fff}').contains(&c)),
                "{path}: a Japanese heading, not {heading:?}"
            );
            // Nothing sideways beyond the screen (wide tables scroll in their own box).
            let overflow = browser
                .eval("document.documentElement.scrollWidth - window.innerWidth")
                .await;
            assert!(
                overflow.as_i64().is_some_and(|o| o <= 0),
                "{path} at {width} px is {overflow} px too wide"
            );
            // No table's caption squeezed into a column a few characters wide (a table shown as
            // blocks on a phone wraps its caption in a box as narrow as its first word).
            let squeezed = browser
                .eval(
                    "[...document.querySelectorAll('caption')].filter(c => \
                     c.getBoundingClientRect().width < c.closest('table').getBoundingClientRect().width / 2).length",
                )
                .await;
            assert_eq!(squeezed.as_i64(), Some(0), "{path} at {width} px: a squeezed caption");
            // Drawn with a font that has the characters: every glyph from a CJK font.
            let fonts = browser.fonts_of("h1").await;
            let glyphs: u64 = fonts.iter().map(|(_, n)| n).sum();
            assert!(
                glyphs > 0 && fonts.iter().all(|(family, _)| family.contains("CJK")),
                "{path}: the heading {heading:?} drawn with {fonts:?}"
            );
            let png = browser.screenshot().await;
            assert!(png.starts_with(b"\x89PNG"), "{path}: a PNG");
            std::fs::write(shots.join(format!("{name}-{width}.png")), png).expect("keep the screenshot");
        }
    }
    // A filter through the form, as a user sets it: the area 東部 in FY2025 has 2 records.
    browser.viewport(1280, 900, false).await;
    browser.goto(&format!("{}/records?fy=2025", web.base)).await;
    browser
        .eval("document.querySelector('#area').value = '東部'; true")
        .await;
    browser
        .click_and_load("form.filters button[type=submit], form.filters input[type=submit]")
        .await;
    let query = browser.eval("location.search").await;
    assert!(
        query.as_str().is_some_and(|q| q.contains("area=%E6%9D%B1%E9%83%A8")),
        "{query}"
    );
    let summary = browser
        .eval("document.body.innerText.match(/全\\d+件/)?.[0] ?? ''")
        .await;
    assert_eq!(summary, "全2件", "the form's filter gives the known count");
    // A download clicked: the CSV of those records arrives in the download folder.
    browser
        .eval("document.querySelector('p.downloads a').click(); true")
        .await;
    let csv = (0..100)
        .find_map(|_| {
            let found = std::fs::read_dir(&downloads)
                .ok()?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "csv"));
            if found.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            found
        })
        .expect("the CSV downloaded");
    let rows = crate::support::csv_rows(&csv);
    assert_eq!(rows.len(), 3, "a header and the 2 records: {rows:?}");
    // The annual report printed on A4, and as its print stylesheet shows it on an A4-wide
    // screen (a picture of what is printed, for the eye).
    browser.goto(&format!("{}/report?fy=2025", web.base)).await;
    let pdf = browser.pdf().await;
    browser.viewport(794, 1123, false).await;
    browser
        .call("Emulation.setEmulatedMedia", serde_json::json!({ "media": "print" }))
        .await;
    let nav_shown = browser
        .eval("getComputedStyle(document.querySelector('header.site nav')).display")
        .await;
    assert_eq!(nav_shown, "none", "the navigation is not printed");
    let printed = browser.screenshot().await;
    std::fs::write(shots.join("report-print.png"), printed).expect("keep the print picture");
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    assert!(pdf.len() > 10_000, "with its tables: {} bytes", pdf.len());
    std::fs::write(shots.join("report-a4.pdf"), pdf).expect("keep the PDF");
}
