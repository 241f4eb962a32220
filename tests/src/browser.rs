//! A real browser for end-to-end tests of the console: Debian's headless Chromium driven by
//! its `chromedriver` over the W3C WebDriver protocol (a few JSON calls; `cargo xtask test`
//! installs `chromium` and `chromium-driver`). Screenshots go to `target/juxuan/screenshots/`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A Chromium session.
pub struct Browser {
    http: reqwest::Client,
    driver: Child,
    session: String,
    base: String,
    shots: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts `chromedriver` and a headless Chromium session; screenshots under `name`.
    pub async fn start(name: &str) -> Browser {
        let port = free_port();
        let driver =
            Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver (Debian's chromium-driver; `cargo xtask test` installs it)");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http
                .get(format!("{base}/status"))
                .send()
                .await
                .ok()
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": binary,
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1000", "--lang=zh-CN"]}}}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("json");
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {r}"))
            .to_owned();
        let shots = crate::workspace_target()
            .join("juxuan/screenshots")
            .join(name);
        // This run's screenshots only.
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("screenshot folder");
        Browser {
            http,
            driver,
            session,
            base,
            shots,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut r = self.http.request(method, url);
        if let Some(body) = body {
            r = r.json(&body);
        }
        let answer: Value = r
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        if answer["value"]["error"].is_string() {
            panic!("WebDriver {path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// The element a CSS selector finds, waiting up to 10 s for it.
    pub async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let answer: Value = self
                .http
                .post(url)
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .expect("webdriver")
                .json()
                .await
                .expect("json");
            if let Some(id) = answer["value"][ELEMENT].as_str() {
                return id.to_owned();
            }
            if Instant::now() > deadline {
                let page = self.text("body").await;
                panic!("no element {css} on {}:\n{page}", self.url().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Types into a field (`\n` is Enter, `\u{e007}` in WebDriver terms).
    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        let text = text.replace('\n', "\u{e007}");
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Sets a field's value as a script would (date and time inputs, whose typing follows the
    /// browser's locale), and tells the page it changed.
    pub async fn set_value(&self, css: &str, value: &str) {
        self.find(css).await;
        let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                      e.dispatchEvent(new Event('input', {bubbles: true})); \
                      e.dispatchEvent(new Event('change', {bubbles: true}));";
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": [css, value]})),
        )
        .await;
    }

    /// The visible text of the first element a selector finds.
    pub async fn text(&self, css: &str) -> String {
        let url = format!("{}/session/{}/element", self.base, self.session);
        let answer: Value = self
            .http
            .post(url)
            .json(&json!({"using": "css selector", "value": css}))
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        let Some(e) = answer["value"][ELEMENT].as_str() else {
            return String::new();
        };
        // A page that navigates meanwhile makes the element stale: no text this time.
        let url = format!("{}/session/{}/element/{e}/text", self.base, self.session);
        match self.http.get(url).send().await {
            Ok(r) => r
                .json::<Value>()
                .await
                .ok()
                .and_then(|v| v["value"].as_str().map(str::to_owned))
                .unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page's text contains `needle`; the text.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let body = self.text("body").await;
            if body.contains(needle) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "“{needle}” not on {}:\n{body}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The session's cookies as a `Cookie` header (to time pages outside the browser).
    pub async fn cookie_header(&self) -> String {
        self.call(reqwest::Method::GET, "/cookie", None)
            .await
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{}={}",
                    c["name"].as_str().unwrap_or_default(),
                    c["value"].as_str().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Saves a PNG of the window as `<n>-<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .expect("png");
        let n = std::fs::read_dir(&self.shots).map_or(0, Iterator::count);
        let path = self.shots.join(format!("{:02}-{name}.png", n + 1));
        std::fs::write(&path, bytes).expect("write screenshot");
        path
    }
}

impl Browser {
    /// Ends the session (Chromium exits) and stops the driver.
    pub async fn quit(self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
