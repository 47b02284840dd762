//! Signing a bench in to a served dashboard as staff without Discord do: a link from
//! `kyodo web-link` (run in `repo` on the database `db`), redeemed at `/login` for the session.

use std::path::Path;
use std::process::Command;

/// A client that follows no redirect, and the session cookie (`name=value`) of the admin
/// `user`, signed in to the dashboard at `base` (`http://127.0.0.1:port`).
pub async fn sign_in(repo: &Path, db: &Path, base: &str, user: &str) -> (reqwest::Client, String) {
    let link = Command::new(env!("CARGO_BIN_EXE_kyodo"))
        .args(["web-link", "--user", user, "--admin"])
        .current_dir(repo)
        .env("KYODO_DATABASE", db)
        .env_remove("KYODO_CONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .expect("kyodo web-link");
    let out = String::from_utf8_lossy(&link.stdout).into_owned();
    let token = out
        .lines()
        .last()
        .and_then(|l| l.split("token=").nth(1))
        .unwrap_or_else(|| panic!("a link in {out}"))
        .trim()
        .to_string();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = client
        .get(format!("{base}/login?token={token}"))
        .send()
        .await
        .expect("sign in");
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    (client, cookie)
}
