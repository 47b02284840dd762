//! A real headless Chromium (Debian's `chromium`; `.ci/run` installs it with `fonts-noto-cjk`)
//! driven through the DevTools protocol over its WebSocket, with the same tokio-tungstenite
//! the Discord stand-in uses: one page in a profile of its own, navigated, measured, evaluated,
//! photographed and printed. `KYODO_CHROMIUM` names another browser binary.
//!
//! Started as the environment notes say Chromium must be here: headless, no sandbox (root in
//! CI), no GPU, and none of its background connections (this machine's network is closed).

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// How long one step (a command's answer, a page's load) may take before the test fails.
const STEP: Duration = Duration::from_secs(30);

pub struct Browser {
    child: Child,
    ws: WebSocketStream<TcpStream>,
    next_id: u64,
    /// The page's session (`Target.attachToTarget`, flattened).
    session: String,
    /// Events read while waiting for an answer, kept for `wait_for`.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Chromium started with a new profile, one blank page attached; downloads go to
    /// `downloads`.
    pub async fn start(downloads: &Path) -> Browser {
        let binary = std::env::var("KYODO_CHROMIUM").unwrap_or_else(|_| "chromium".into());
        let profile = tempfile::tempdir().expect("profile folder");
        let mut child = Command::new(&binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "ブラウザ（{binary}）を起動できません（{e}）。`apt-get install chromium fonts-noto-cjk` で入れてください（.ci/run は自動で入れます）"
                )
            });
        // It says where its DevTools listen on stderr; the rest of stderr is drained.
        let stderr = child.stderr.take().expect("stderr");
        let (found, address) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let (false, Some(url)) = (sent, line.split("DevTools listening on ").nth(1)) {
                    let _ = found.send(url.trim().to_string());
                    sent = true;
                }
            }
        });
        let url = address.recv_timeout(STEP).expect("Chromium's DevTools address");
        let host = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("host:port")
            .to_string();
        let stream = TcpStream::connect(&host).await.expect("connect to DevTools");
        let (ws, _) = tokio_tungstenite::client_async(url.as_str(), stream)
            .await
            .expect("DevTools WebSocket");
        let mut browser = Browser {
            child,
            ws,
            next_id: 0,
            session: String::new(),
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser
            .browser_call("Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let target_id = target["targetId"].as_str().expect("targetId").to_string();
        let attached = browser
            .browser_call(
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await;
        browser.session = attached["sessionId"].as_str().expect("sessionId").to_string();
        browser
            .browser_call(
                "Browser.setDownloadBehavior",
                json!({ "behavior": "allow", "downloadPath": downloads.display().to_string() }),
            )
            .await;
        for domain in ["Page.enable", "DOM.enable", "CSS.enable", "Runtime.enable"] {
            browser.call(domain, json!({})).await;
        }
        browser
    }

    async fn send(&mut self, method: &str, params: Value, session: bool) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if session {
            message["sessionId"] = json!(self.session);
        }
        self.ws
            .send(Message::Text(message.to_string()))
            .await
            .expect("send to DevTools");
        loop {
            let message = self.read().await;
            if message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    panic!("{method}: {error}");
                }
                return message["result"].clone();
            }
            self.events.push(message);
        }
    }

    async fn read(&mut self) -> Value {
        loop {
            let next = tokio::time::timeout(STEP, self.ws.next())
                .await
                .expect("DevTools answered in time")
                .expect("DevTools still open")
                .expect("a DevTools message");
            if let Message::Text(text) = next {
                return serde_json::from_str(&text).expect("DevTools JSON");
            }
        }
    }

    async fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, false).await
    }

    /// A command to the page.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, true).await
    }

    /// Waits for the page's event `method` (one seen already counts, and is used up).
    async fn wait_for(&mut self, method: &str) -> Value {
        if let Some(i) = self.events.iter().position(|e| e["method"] == json!(method)) {
            return self.events.remove(i);
        }
        loop {
            let message = self.read().await;
            if message["method"] == json!(method) {
                return message;
            }
            self.events.push(message);
        }
    }

    /// The page's size in CSS pixels, as a phone's (`mobile`) or a desk's screen.
    pub async fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        )
        .await;
    }

    /// Opens `url` and waits until it has loaded (after any redirect).
    pub async fn goto(&mut self, url: &str) {
        self.events.retain(|e| e["method"] != json!("Page.loadEventFired"));
        let navigated = self.call("Page.navigate", json!({ "url": url })).await;
        assert!(navigated.get("errorText").is_none(), "{url}: {navigated}");
        self.wait_for("Page.loadEventFired").await;
    }

    /// The value of a JavaScript expression evaluated in the page (by DevTools: the page's own
    /// policy allows no script, and needs none).
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        assert!(result.get("exceptionDetails").is_none(), "{expression}: {result}");
        result["result"]["value"].clone()
    }

    /// Clicks the first element `selector` finds, as a user does, and waits for the page it
    /// opens to load.
    pub async fn click_and_load(&mut self, selector: &str) {
        self.events.retain(|e| e["method"] != json!("Page.loadEventFired"));
        let clicked = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({selector:?}); if (!e) return false; e.click(); return true; }})()"
            ))
            .await;
        assert_eq!(clicked, json!(true), "nothing to click at {selector}");
        self.wait_for("Page.loadEventFired").await;
    }

    /// The page as a PNG, as large as its content.
    pub async fn screenshot(&mut self) -> Vec<u8> {
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true }),
            )
            .await;
        decode(&shot["data"])
    }

    /// The page printed on A4, as its print stylesheet lays it out.
    pub async fn pdf(&mut self) -> Vec<u8> {
        let printed = self
            .call(
                "Page.printToPDF",
                json!({ "paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": true }),
            )
            .await;
        decode(&printed["data"])
    }

    /// The fonts Chromium drew the text of the first element `selector` finds with, and how
    /// many glyphs of each (`CSS.getPlatformFontsForNode`): what is on screen, not what the
    /// stylesheet asks for.
    pub async fn fonts_of(&mut self, selector: &str) -> Vec<(String, u64)> {
        let document = self.call("DOM.getDocument", json!({ "depth": 0 })).await;
        let root = document["root"]["nodeId"].clone();
        let found = self
            .call("DOM.querySelector", json!({ "nodeId": root, "selector": selector }))
            .await;
        let node = found["nodeId"].as_u64().filter(|id| *id > 0);
        let node = node.unwrap_or_else(|| panic!("no element {selector}"));
        // The fonts of the element's own text (its child text nodes).
        let fonts = self
            .call("CSS.getPlatformFontsForNode", json!({ "nodeId": node }))
            .await;
        fonts["fonts"]
            .as_array()
            .map(|fonts| {
                fonts
                    .iter()
                    .map(|f| {
                        (
                            f["familyName"].as_str().unwrap_or_default().to_string(),
                            f["glyphCount"].as_u64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn decode(data: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(data.as_str().expect("base64 data"))
        .expect("base64")
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
