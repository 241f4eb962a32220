//! `cargo xtask demo`: wait for the gateway, then seed a street, its
//! communities and demo users through the REST API (idempotently).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use ureq::Agent;

use crate::{Res, check_interrupted, interrupted};

pub(crate) const DEMO_PASSWORD: &str = "demo-password";
const STREET: (&str, &str) = ("城南街道", "chengnan");
const COMMUNITIES: [(&str, &str); 5] = [
    ("南岭社区", "nanling"),
    ("平台社区", "pingtai"),
    ("文良社区", "wenliang"),
    ("新苑社区", "xinyuan"),
    ("东苑社区", "dongyuan"),
];

/// Waits for `/readyz`, seeds the demo data and prints how to log in.
/// `stop_reason` tells why to give up waiting (e.g. a service exited).
pub fn run(
    stop_reason: &mut dyn FnMut() -> Option<String>,
    base_url: &str,
    admin_password: &str,
) -> Res<()> {
    wait_ready(stop_reason, base_url)?;
    say!("xtask: gateway is ready; seeding demo data");
    let users = seed(base_url, admin_password)?;
    print_summary(base_url, admin_password, &users);
    Ok(())
}

/// Hidden `cargo xtask seed [URL]`: seeds an already running gateway
/// (default `http://$JUXUAN_HTTP_ADDR`).
pub fn cmd_seed(args: &[String]) -> Res<()> {
    let base_url = match args {
        [] => crate::stack::gateway_base_url(&crate::stack::env_or(
            "JUXUAN_HTTP_ADDR",
            crate::stack::DEFAULT_HTTP_ADDR,
        )),
        [url] => url.clone(),
        _ => return Err("usage: cargo xtask seed [BASE_URL]".into()),
    };
    let admin_password = crate::stack::env_or("JUXUAN_ADMIN_PASSWORD", "admin");
    let mut stop = || interrupted().then(|| "interrupted".to_string());
    run(&mut stop, &base_url, &admin_password)
}

/// A small JSON client for the gateway.
pub(crate) struct Api {
    agent: Agent,
    base: String,
    token: Option<String>,
}

impl Api {
    fn new(base: &str, timeout: Duration) -> Self {
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .proxy(None)
            .build();
        Api {
            agent: config.into(),
            base: base.trim_end_matches('/').to_string(),
            token: None,
        }
    }

    /// A client logged in as `username` (password grant).
    pub(crate) fn login(base: &str, username: &str, password: &str) -> Res<Api> {
        let mut api = Api::new(base, Duration::from_secs(30));
        let body = json!({"grant_type": "password", "username": username, "password": password});
        let (status, token) = api.post("/api/v1/auth/token", &body)?;
        match token["access_token"].as_str() {
            Some(t) if status == 200 => api.token = Some(t.to_owned()),
            _ => return Err(unexpected(&format!("login of {username}"), status, &token)),
        }
        Ok(api)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn auth(&self) -> Option<String> {
        self.token.as_ref().map(|t| format!("Bearer {t}"))
    }

    /// `GET path` → (status, JSON body or Null).
    pub(crate) fn get(&self, path: &str) -> Res<(u16, Value)> {
        let mut req = self.agent.get(self.url(path));
        if let Some(auth) = self.auth() {
            req = req.header("Authorization", auth);
        }
        read(req.call(), "GET", path)
    }

    /// `POST path` with a JSON body → (status, JSON body or Null).
    pub(crate) fn post(&self, path: &str, body: &Value) -> Res<(u16, Value)> {
        let mut req = self.agent.post(self.url(path));
        if let Some(auth) = self.auth() {
            req = req.header("Authorization", auth);
        }
        read(req.send_json(body), "POST", path)
    }

    /// `GET path` → (status, raw body) for binary answers (PDFs).
    pub(crate) fn get_bytes(&self, path: &str) -> Res<(u16, Vec<u8>)> {
        let mut req = self.agent.get(self.url(path));
        if let Some(auth) = self.auth() {
            req = req.header("Authorization", auth);
        }
        let mut resp = req.call().map_err(|e| format!("GET {path}: {e}"))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(20 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| format!("GET {path}: cannot read the body: {e}"))?;
        Ok((status, bytes))
    }

    /// `POST path` with a CSV body → (status, JSON body or Null).
    pub(crate) fn post_csv(&self, path: &str, csv: &str) -> Res<(u16, Value)> {
        let mut req = self
            .agent
            .post(self.url(path))
            .header("Content-Type", "text/csv");
        if let Some(auth) = self.auth() {
            req = req.header("Authorization", auth);
        }
        read(req.send(csv), "POST", path)
    }
}

fn read(
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    method: &str,
    path: &str,
) -> Res<(u16, Value)> {
    let mut resp = result.map_err(|e| format!("{method} {path}: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("{method} {path}: cannot read the body: {e}"))?;
    let body = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Ok((status, body))
}

pub(crate) fn unexpected(what: &str, status: u16, body: &Value) -> String {
    format!("{what}: unexpected HTTP {status}: {body}")
}

/// Polls `GET /readyz` every 200 ms until 200, for up to 60 s, while the
/// services keep running.
fn wait_ready(stop_reason: &mut dyn FnMut() -> Option<String>, base_url: &str) -> Res<()> {
    let api = Api::new(base_url, Duration::from_secs(2));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(reason) = stop_reason() {
            return Err(format!("{reason} before the gateway was ready"));
        }
        let last = match api.get("/readyz") {
            Ok((200, _)) => return Ok(()),
            Ok((status, body)) => format!("HTTP {status}: {body}"),
            Err(e) => e,
        };
        if Instant::now() > deadline {
            return Err(format!("the gateway was not ready within 60 s ({last})"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The `id` of an object, as a string (UUIDs are strings; tolerate numbers).
fn id_of(value: &Value) -> Option<String> {
    match value.get("id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Percent-encodes a query parameter value.
fn encode_query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Finds the object named `name` (or coded `code`) in a paginated list.
fn find_in_list(api: &Api, path: &str, name: &str, code: &str) -> Res<String> {
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let page_path = match &cursor {
            Some(c) => format!("{path}?cursor={}", encode_query(c)),
            None => path.to_string(),
        };
        let (status, body) = api.get(&page_path)?;
        if status != 200 {
            return Err(unexpected(&format!("GET {page_path}"), status, &body));
        }
        let items = body.get("items").and_then(Value::as_array);
        let found = items.into_iter().flatten().find(|item| {
            item.get("name").and_then(Value::as_str) == Some(name)
                || item.get("code").and_then(Value::as_str) == Some(code)
        });
        if let Some(id) = found.and_then(id_of) {
            return Ok(id);
        }
        match body.get("next_cursor").and_then(Value::as_str) {
            Some(next) if !next.is_empty() => cursor = Some(next.to_string()),
            _ => break,
        }
    }
    Err(format!(
        "{name} ({code}) exists (409) but is not in GET {path}"
    ))
}

/// Creates the area `name`/`code` under `path`, or finds the existing one.
fn create_area(api: &Api, path: &str, name: &str, code: &str) -> Res<String> {
    check_interrupted()?;
    let (status, body) = api.post(path, &json!({ "name": name, "code": code }))?;
    match status {
        200 | 201 => {
            let id = id_of(&body).ok_or_else(|| format!("POST {path}: no id in {body}"))?;
            say!("xtask: created {name} ({code})");
            Ok(id)
        }
        409 => {
            say!("xtask: {name} ({code}) already exists");
            find_in_list(api, path, name, code)
        }
        _ => Err(unexpected(&format!("POST {path}"), status, &body)),
    }
}

/// A demo account: username, role, display name.
struct DemoUser {
    username: String,
    role: &'static str,
    display_name: String,
}

fn seed(base_url: &str, admin_password: &str) -> Res<Vec<DemoUser>> {
    let mut api = Api::new(base_url, Duration::from_secs(30));
    let login = json!({
        "grant_type": "password",
        "username": "admin",
        "password": admin_password,
    });
    let (status, body) = api.post("/api/v1/auth/token", &login)?;
    let token = body.get("access_token").and_then(Value::as_str);
    match (status, token) {
        (200 | 201, Some(token)) => api.token = Some(token.to_string()),
        _ => return Err(unexpected("admin login", status, &body)),
    }

    let (status, me) = api.get("/api/v1/me")?;
    let area = me.get("area").filter(|_| status == 200);
    let district_id = match area {
        Some(area) if area.get("level").and_then(Value::as_str) == Some("district") => {
            id_of(area).ok_or_else(|| format!("GET /api/v1/me: no area id in {me}"))?
        }
        _ => return Err(unexpected("GET /api/v1/me (district area)", status, &me)),
    };

    let (street_name, street_code) = STREET;
    let street_path = format!("/api/v1/districts/{district_id}/streets");
    let street_id = create_area(&api, &street_path, street_name, street_code)?;

    let community_path = format!("/api/v1/streets/{street_id}/communities");
    let mut communities = Vec::new();
    let mut users = vec![(
        format!("{street_code}.officer"),
        "street_officer",
        format!("{street_name}干部"),
        street_id.clone(),
    )];
    for (name, code) in COMMUNITIES {
        let id = create_area(&api, &community_path, name, code)?;
        communities.push((name, id.clone()));
        users.push((
            format!("{code}.officer"),
            "community_officer",
            format!("{name}干部"),
            id.clone(),
        ));
        users.push((
            format!("{code}.terminal"),
            "terminal",
            format!("{name}投票终端"),
            id,
        ));
    }
    users.push((
        "district.reviewer".into(),
        "district_reviewer",
        "区联审干部".into(),
        district_id.clone(),
    ));
    users.push((
        "observer".into(),
        "observer",
        "纪工委监督".into(),
        district_id.clone(),
    ));
    let contests = crate::demo_election::seed(&api, &district_id, &communities)?;

    let mut created = Vec::new();
    for (username, role, display_name, area_id) in users {
        check_interrupted()?;
        let body = json!({
            "username": username,
            "password": DEMO_PASSWORD,
            "display_name": display_name,
            "role": role,
            "area_id": area_id,
        });
        let (status, resp) = api.post("/api/v1/users", &body)?;
        match status {
            200 | 201 => say!("xtask: created user {username}"),
            409 => say!("xtask: user {username} already exists"),
            _ => {
                return Err(unexpected(
                    &format!("create user {username}"),
                    status,
                    &resp,
                ));
            }
        }
        created.push(DemoUser {
            username,
            role,
            display_name,
        });
    }
    let contests: Vec<(String, String, String)> = contests
        .into_iter()
        .filter_map(|(name, contest_id)| {
            let code = COMMUNITIES.iter().find(|(n, _)| *n == name)?.1;
            Some((name, format!("{code}.officer"), contest_id))
        })
        .collect();
    crate::demo_election::review(base_url, &format!("{street_code}.officer"), &contests)?;
    crate::demo_election::election_day(&api, base_url, &district_id)?;
    Ok(created)
}

fn print_summary(base_url: &str, admin_password: &str, users: &[DemoUser]) {
    let example = users.first().map_or("admin", |u| u.username.as_str());
    let password = if example == "admin" {
        admin_password
    } else {
        DEMO_PASSWORD
    };
    say!();
    say!("==================== Juxuan demo ====================");
    say!("  Gateway:   {base_url}");
    say!("  Admin:     admin / {admin_password}");
    say!("  Demo users (password: {DEMO_PASSWORD}):");
    for user in users {
        say!(
            "    {:<20} {:<18} {}",
            user.username,
            user.role,
            user.display_name
        );
    }
    say!("  Get a token:");
    say!("    curl -s -X POST {base_url}/api/v1/auth/token \\");
    say!("      -H 'content-type: application/json' \\");
    say!(
        "      -d '{{\"grant_type\":\"password\",\"username\":\"{example}\",\"password\":\"{password}\"}}'"
    );
    say!("  Then: curl -s {base_url}/api/v1/me -H \"Authorization: Bearer $TOKEN\"");
    say!("=====================================================");
    say!();
}
