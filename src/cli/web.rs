//! `kyodo web` serves the dashboard alone (`kyodo::web::serve`: no Discord token needed) until
//! SIGTERM or Ctrl-C; `kyodo web-link --user 名前 [--admin]` prints a single-use sign-in link,
//! and `kyodo web-link --revoke 名前` ends that user's sessions and unused links. The address
//! is `--addr`, else `KYODO_WEB_ADDR`, else `[web] addr`, else `127.0.0.1:8080`.

use super::open;
use super::run::{shutdown_signal, size_for_one_city};
use anyhow::Context;
use chrono::{DateTime, Utc};
use kyodo::domain::catalogue::WebPlace;
use kyodo::web::link;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

/// `--addr` or `KYODO_WEB_ADDR`: an IP address and a port.
pub fn socket_addr(input: &str) -> Result<SocketAddr, String> {
    input
        .trim()
        .parse()
        .map_err(|_| "127.0.0.1:8080 のように IP アドレスとポートで指定してください".to_string())
}

/// The address to serve at: the one given, else `[web] addr`, else the loopback default.
fn address(given: Option<SocketAddr>, place: &WebPlace) -> anyhow::Result<SocketAddr> {
    match given.or(place.addr) {
        Some(addr) => Ok(addr),
        None => Ok(socket_addr(kyodo::web::DEFAULT_ADDR).map_err(anyhow::Error::msg)?),
    }
}

pub fn run(config: &Path, db: &Path, addr: Option<SocketAddr>, now: DateTime<Utc>) -> anyhow::Result<ExitCode> {
    // Sized as `kyodo run` is (one malloc arena, SQLite's heap bounded), before any thread.
    size_for_one_city();
    let settings = kyodo::config::load(config)?;
    let addr = address(addr, &settings.catalogue.web)?;
    let app = open(settings, db, now)?;
    // The requests take turns on the one connection: a second blocking thread is plenty.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = bind(addr).await?;
        // The address bound (a port 0 asked for is the one the system chose), once listening.
        let bound = listener.local_addr().unwrap_or(addr);
        println!("ダッシュボードを http://{bound}/ で動かしています（Ctrl-C で止まります）");
        kyodo::web::serve(app, listener, shutdown_signal())
            .await
            .context("ダッシュボードが止まりました")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The listener at `addr`, or why not, in Japanese.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => "ほかのプログラムがそのポートを使っています",
            std::io::ErrorKind::PermissionDenied => "そのポートを使う権限がありません（1024 未満のポートなど）",
            std::io::ErrorKind::AddrNotAvailable => "このコンピューターにそのアドレスはありません",
            _ => "待ち受けを始められませんでした",
        };
        tracing::info!(error = %e, %addr, "binding the dashboard's address failed");
        anyhow::anyhow!("ダッシュボードのアドレス {addr} で待ち受けられません: {why}。--addr（KYODO_WEB_ADDR）で別のアドレスを指定してください")
    })
}

/// `kyodo web-link`: a link for `user`, or every sign-in of `revoke` revoked.
pub fn link(
    config: &Path,
    db: &Path,
    user: Option<String>,
    admin: bool,
    revoke: Option<String>,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let settings = kyodo::config::load(config)?;
    let place = settings.catalogue.web.clone();
    let mut app = open(settings, db, now)?;
    if let Some(name) = revoke {
        let name = kyodo::domain::text::display_name(&name);
        let (sessions, links) = app.store.revoke_web_user(&name, now.timestamp())?;
        println!(
            "{name}さんのサインインを取り消しました（セッション {sessions}件、まだ使われていないリンク {links}件）"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let name = kyodo::domain::text::display_name(user.as_deref().unwrap_or_default());
    if name.is_empty() {
        anyhow::bail!("--user の名前が空です。リンクを渡す人の名前を書いてください（例: kyodo web-link --user 佐藤）");
    }
    let base = match &place.public_url {
        Some(url) => url.clone(),
        None => {
            let env = std::env::var("KYODO_WEB_ADDR").ok();
            let given = env
                .as_deref()
                .map(socket_addr)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            format!("http://{}", address(given, &place)?)
        }
    };
    let url = link::issue(&mut app.store, &link::command_line_user(&name, admin), &base, now)?;
    let role = if admin { "管理者" } else { "職員" };
    println!(
        "{name}さん（{role}）のサインイン用のリンクです。{}分間、1回だけ使えます。本人にだけ渡してください:",
        kyodo::store::web::LINK_MINUTES
    );
    println!("{url}");
    Ok(ExitCode::SUCCESS)
}
