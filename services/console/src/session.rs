//! The officer's session: the API's access and refresh tokens in HTTP-only, SameSite=Strict
//! cookies scoped to `/console` (Secure outside development), renewed before the access token
//! runs out; a CSRF token of the session in its own cookie, echoed by every form; the page
//! language.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::i18n::Lang;

const ACCESS: &str = "jx_at";
const REFRESH: &str = "jx_rt";
const EXPIRES: &str = "jx_exp";
const CSRF: &str = "jx_csrf";
const LANG: &str = "jx_lang";
const FLASH: &str = "jx_flash";

/// Whether cookies are marked `Secure`: one console per process, set at start.
pub static SECURE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

fn secure() -> bool {
    SECURE.get().copied().unwrap_or(true)
}

/// What a page shows once after a form (`done`, the API's refusal, who was just checked in
/// and their ballot token, the paper ballot just entered, a search): carried to the next page
/// in a short-lived cookie, never in the URL — a URL ends up in browser history, access logs
/// and `Referer`, and a crafted one could make the page say anything.
pub const FLASH_KEYS: &[&str] = &[
    "done",
    "code",
    "title",
    "detail",
    "checked_in",
    "ballot_token",
    "last",
    "search",
];

/// The cookie carrying a flash to the next page.
pub fn flash_cookie(pairs: &[(&str, &str)]) -> String {
    use base64::Engine;
    let encoded = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(encoded);
    set_cookie(FLASH, &value, 120, secure(), true)
}

/// Moves a flash from its cookie into the request's query (server side only), after dropping
/// any of the flash's keys a link may carry; the page that shows it clears the cookie.
pub async fn flash(mut request: Request, next: Next) -> Response {
    use base64::Engine;
    let carried = cookie(request.headers(), FLASH)
        .and_then(|v| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(v)
                .ok()
        })
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let uri = request.uri().clone();
    let mut pairs: Vec<(String, String)> = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    pairs.retain(|(k, _)| !FLASH_KEYS.contains(&k.as_str()));
    if let Some(carried) = &carried
        && let Ok(extra) = serde_urlencoded::from_str::<Vec<(String, String)>>(carried)
    {
        pairs.extend(
            extra
                .into_iter()
                .filter(|(k, _)| FLASH_KEYS.contains(&k.as_str())),
        );
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    let path = if query.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{query}", uri.path())
    };
    if let Ok(rebuilt) = path.parse() {
        *request.uri_mut() = rebuilt;
    }
    let mut response = next.run(request).await;
    if carried.is_some() && !response.status().is_redirection() {
        append(
            &mut response,
            vec![set_cookie(FLASH, "", 0, secure(), true)],
        );
    }
    response
}

/// Renew the access token when it has less than this left (seconds).
const RENEW_BEFORE: i64 = 60;

/// A cookie of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool, http_only: bool) -> String {
    format!(
        "{name}={value}; Path=/console; Max-Age={max_age}; SameSite=Strict{}{}",
        if http_only { "; HttpOnly" } else { "" },
        if secure { "; Secure" } else { "" }
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// The cookies of a fresh token answer (`access_token`, `expires_in`, `refresh_token`).
pub fn token_cookies(tokens: &serde_json::Value, secure: bool) -> Vec<String> {
    let access = tokens["access_token"].as_str().unwrap_or_default();
    let expires_in = tokens["expires_in"].as_i64().unwrap_or(900);
    let mut cookies = vec![
        set_cookie(ACCESS, access, 12 * 3600, secure, true),
        set_cookie(
            EXPIRES,
            &(now() + expires_in).to_string(),
            12 * 3600,
            secure,
            true,
        ),
    ];
    if let Some(refresh) = tokens["refresh_token"].as_str() {
        cookies.push(set_cookie(REFRESH, refresh, 12 * 3600, secure, true));
    }
    cookies
}

/// The cookies of a new session: the tokens and a CSRF token drawn from them (secret, since
/// the tokens are).
pub fn session_cookies(tokens: &serde_json::Value, secure: bool) -> Vec<String> {
    let mut cookies = token_cookies(tokens, secure);
    let seed = format!(
        "juxuan-console-csrf\0{}\0{}\0{}",
        tokens["access_token"].as_str().unwrap_or_default(),
        tokens["refresh_token"].as_str().unwrap_or_default(),
        now()
    );
    let csrf = hex::encode(&Sha256::digest(seed.as_bytes())[..16]);
    cookies.push(set_cookie(CSRF, &csrf, 12 * 3600, secure, true));
    cookies
}

/// Cookies that end the session.
pub fn cleared_cookies(secure: bool) -> Vec<String> {
    [ACCESS, REFRESH, EXPIRES, CSRF]
        .iter()
        .map(|name| set_cookie(name, "", 0, secure, true))
        .collect()
}

/// The language cookie (readable by nobody but the console, like the others).
pub fn lang_cookie(lang: Lang, secure: bool) -> String {
    set_cookie(LANG, lang.code(), 365 * 86400, secure, true)
}

/// The page language of a request.
pub struct Ui(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for Ui {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Ui(Lang::from_cookie(cookie(&parts.headers, LANG))))
    }
}

/// A signed-in officer: the access token for the API, the session's CSRF token, the language.
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_cookie(cookie(&parts.headers, LANG));
        match (
            cookie(&parts.headers, ACCESS).filter(|t| !t.is_empty()),
            cookie(&parts.headers, CSRF),
        ) {
            (Some(token), Some(csrf)) => Ok(Session {
                token: token.to_owned(),
                csrf: csrf.to_owned(),
                lang,
            }),
            _ => {
                // After signing in, back to the page asked for (a form's target is not a page).
                let next = if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/console/")
                } else {
                    "/console/"
                };
                let next = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
                Err(Redirect::to(&format!("/console/login?{next}")).into_response())
            }
        }
    }
}

impl Session {
    /// Whether a submitted form carries this session's CSRF token.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        !submitted.is_empty() && submitted == self.csrf
    }
}

/// Renews the access token with the refresh token when it is about to run out: the request
/// goes on with the new token and the answer sets the new cookies. A refused refresh ends the
/// session (the officer signs in again).
pub async fn renew(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let expires: i64 = cookie(headers, EXPIRES)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let refresh = cookie(headers, REFRESH).map(str::to_owned);
    let lang = Lang::from_cookie(cookie(headers, LANG));
    let Some(refresh) = refresh.filter(|_| expires - now() < RENEW_BEFORE) else {
        return next.run(request).await;
    };
    let secure = state.settings.secure_cookies;
    match renewed(&state, lang, &refresh).await {
        Some(tokens) => {
            let access = tokens["access_token"].as_str().unwrap_or_default();
            // The rest of this request sees the new token.
            let rest: Vec<String> = request
                .headers()
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .map(str::trim)
                .filter(|p| !p.starts_with(&format!("{ACCESS}=")))
                .map(str::to_owned)
                .collect();
            let cookies = format!("{ACCESS}={access}; {}", rest.join("; "));
            if let Ok(value) = HeaderValue::from_str(&cookies) {
                request.headers_mut().insert(header::COOKIE, value);
            }
            let mut response = next.run(request).await;
            append(&mut response, token_cookies(&tokens, secure));
            response
        }
        None => {
            request.headers_mut().remove(header::COOKIE);
            let mut response = next.run(request).await;
            append(&mut response, cleared_cookies(secure));
            response
        }
    }
}

type Renewal = std::sync::Arc<tokio::sync::OnceCell<Option<serde_json::Value>>>;

/// Renewals under way or just done, by the refresh token's hash: the gateway rotates a
/// refresh token on use and treats a second use as theft (the whole family is revoked), so
/// requests of one session that find the token about to expire at the same moment (two tabs,
/// the live turnout and a form) share one renewal instead of each presenting the old token.
static RENEWALS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Renewal)>>,
> = std::sync::LazyLock::new(Default::default);

async fn renewed(state: &AppState, lang: Lang, refresh: &str) -> Option<serde_json::Value> {
    let key = hex::encode(Sha256::digest(refresh.as_bytes()));
    let cell = {
        let Ok(mut renewals) = RENEWALS.lock() else {
            return None;
        };
        renewals.retain(|_, (at, _)| at.elapsed() < std::time::Duration::from_secs(120));
        renewals
            .entry(key)
            .or_insert_with(|| (std::time::Instant::now(), Renewal::default()))
            .1
            .clone()
    };
    cell.get_or_init(|| async {
        state
            .api
            .token(
                lang,
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            )
            .await
            .ok()
    })
    .await
    .clone()
}

/// Adds `Set-Cookie` headers to an answer.
pub fn append(response: &mut Response, cookies: Vec<String>) {
    for c in cookies {
        if let Ok(value) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_strict_and_scoped_to_the_console() {
        let tokens =
            serde_json::json!({"access_token": "a.b.c", "expires_in": 900, "refresh_token": "r"});
        let cookies = session_cookies(&tokens, true);
        assert_eq!(cookies.len(), 4);
        for c in &cookies {
            assert!(
                c.contains("; HttpOnly")
                    && c.contains("SameSite=Strict")
                    && c.contains("; Secure")
                    && c.contains("Path=/console"),
                "{c}"
            );
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; jx_at=tok; jx_lang=en"),
        );
        assert_eq!(cookie(&headers, ACCESS), Some("tok"));
        assert_eq!(Lang::from_cookie(cookie(&headers, LANG)), Lang::En);
        assert_eq!(cookie(&headers, REFRESH), None);
    }
}
