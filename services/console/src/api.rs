//! The console's only source of data and rules: the gateway's public REST API, called as the
//! signed-in officer. A refusal comes back as the API's own problem (code, localised title and
//! detail, per-field messages), which the pages show beside the fields it concerns.

use std::time::Duration;

use serde_json::Value;

use crate::i18n::Lang;

/// The gateway, as an HTTP client.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// An answer that is not a success: the API's problem, or the gateway unreachable.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: u16,
    pub code: String,
    pub title: String,
    pub detail: String,
    /// `(field, message)` of each broken field or rule.
    pub fields: Vec<(String, String)>,
}

impl Problem {
    fn unreachable(lang: Lang) -> Self {
        Self {
            status: 503,
            code: "console.gateway_unreachable".into(),
            title: lang.pick("服务暂时不可用", "Service unavailable").into(),
            detail: lang
                .pick(
                    "无法连接选举系统，请稍后重试。",
                    "The election system cannot be reached; try again shortly.",
                )
                .into(),
            fields: Vec::new(),
        }
    }

    fn from_answer(status: u16, body: &Value, lang: Lang) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let fields = body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (text(&e["field"]), text(&e["message"])))
            .collect();
        // The token endpoint answers RFC 6749 errors, not problems.
        if body.get("error").is_some() && body.get("code").is_none() {
            return Self {
                status,
                code: format!("auth.{}", text(&body["error"])),
                title: lang.pick("登录失败", "Sign-in failed").into(),
                detail: lang
                    .pick("用户名或密码不正确。", "Wrong username or password.")
                    .into(),
                fields,
            };
        }
        if body.get("code").is_none() {
            // Not a problem document (a proxy's own answer): say what the status means.
            let (title, detail) = match status {
                413 => (
                    lang.pick("文件过大", "Too large"),
                    lang.pick(
                        "请求或文件超过了允许的大小。",
                        "The request or file is larger than allowed.",
                    ),
                ),
                429 => (
                    lang.pick("请求过于频繁", "Too many requests"),
                    lang.pick("请稍后再试。", "Try again shortly."),
                ),
                _ => (
                    lang.pick("服务暂时不可用", "Service unavailable"),
                    lang.pick(
                        "选举系统没有给出有效的答复，请稍后重试。",
                        "The election system gave no usable answer; try again shortly.",
                    ),
                ),
            };
            return Self {
                status,
                code: format!("console.http_{status}"),
                title: title.into(),
                detail: detail.into(),
                fields,
            };
        }
        Self {
            status,
            code: text(&body["code"]),
            title: text(&body["title"]),
            detail: text(&body["detail"]),
            fields,
        }
    }

    /// The message of one field, if the API named it.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| f == name || f.starts_with(&format!("{name}.")))
            .map(|(_, m)| m.as_str())
    }
}

/// A file from the API (report forms, certificates).
pub struct File {
    pub content_type: String,
    pub disposition: Option<String>,
    pub bytes: Vec<u8>,
}

impl Api {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .tcp_nodelay(true)
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        lang: Lang,
    ) -> reqwest::RequestBuilder {
        // The page's trace goes on to the gateway (W3C trace context).
        let mut trace = http::HeaderMap::new();
        juxuan_platform::telemetry::inject_current(&mut trace);
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .headers(trace)
            .header("accept-language", lang.tag());
        if let Some(token) = token {
            r = r.bearer_auth(token);
        }
        r
    }

    async fn answer(r: reqwest::RequestBuilder, lang: Lang) -> Result<Value, Problem> {
        let response = r.send().await.map_err(|_| Problem::unreachable(lang))?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(Problem::from_answer(status, &body, lang))
        }
    }

    pub async fn get(&self, token: &str, lang: Lang, path: &str) -> Result<Value, Problem> {
        Self::answer(
            self.request(reqwest::Method::GET, path, Some(token), lang),
            lang,
        )
        .await
    }

    pub async fn send(
        &self,
        token: &str,
        lang: Lang,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> Result<Value, Problem> {
        Self::answer(
            self.request(method, path, Some(token), lang).json(body),
            lang,
        )
        .await
    }

    /// Uploads a file as the request body (register imports).
    pub async fn upload(
        &self,
        token: &str,
        lang: Lang,
        path: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Value, Problem> {
        Self::answer(
            self.request(reqwest::Method::POST, path, Some(token), lang)
                .header("content-type", content_type)
                .body(bytes),
            lang,
        )
        .await
    }

    /// A file, passed through to the officer's browser.
    pub async fn file(&self, token: &str, lang: Lang, path: &str) -> Result<File, Problem> {
        let response = self
            .request(reqwest::Method::GET, path, Some(token), lang)
            .send()
            .await
            .map_err(|_| Problem::unreachable(lang))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (content_type, disposition) = (
            header("content-type").unwrap_or_default(),
            header("content-disposition"),
        );
        if !(200..300).contains(&status) {
            let body: Value = response.json().await.unwrap_or(Value::Null);
            return Err(Problem::from_answer(status, &body, lang));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|_| Problem::unreachable(lang))?;
        Ok(File {
            content_type,
            disposition,
            bytes: bytes.to_vec(),
        })
    }

    /// The token endpoint: a password or refresh grant.
    pub async fn token(&self, lang: Lang, form: &[(&str, &str)]) -> Result<Value, Problem> {
        Self::answer(
            self.request(reqwest::Method::POST, "/api/v1/auth/token", None, lang)
                .form(form),
            lang,
        )
        .await
    }

    /// Revokes a token (RFC 7009); the answer does not matter to the officer.
    pub async fn token_revoke(&self, lang: Lang, token: &str) -> Result<(), Problem> {
        self.request(reqwest::Method::POST, "/api/v1/auth/revoke", None, lang)
            .form(&[("token", token)])
            .send()
            .await
            .map(|_| ())
            .map_err(|_| Problem::unreachable(lang))
    }

    /// Whether the gateway answers `/readyz`.
    pub async fn ready(&self) -> bool {
        self.http
            .get(format!("{}/readyz", self.base))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }
}
