//! The pages, one module per area of work, and what they share: how a refusal or a failure
//! becomes a page (never a raw error), forms, ids, static files, security headers.

pub mod auth;
pub mod contest;
pub mod home;
pub mod poll;
pub mod register;
pub mod report;
pub mod setup;

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::Value;

use crate::api::Problem;
use crate::i18n::Lang;
use crate::session::Ui;
use crate::views;

/// A page as an answer.
pub fn respond(markup: Markup) -> Response {
    Html(markup.into_string()).into_response()
}

/// The answer to a problem the API gave for a whole page: sign in again when the session has
/// ended; otherwise the problem in words, with the API's status (a 5xx becomes 502).
pub fn failure(lang: Lang, p: &Problem) -> Response {
    if p.status == 401 {
        return Redirect::to("/console/login").into_response();
    }
    let status = match p.status {
        400..=499 => StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST),
        _ => StatusCode::BAD_GATEWAY,
    };
    let title = lang.pick("无法完成", "Cannot be done");
    let body = html! {
        (views::problem(p))
        p { a href="/console/" { (lang.pick("返回首页", "Back to the home page")) } }
    };
    (status, respond(views::page(lang, title, true, body))).into_response()
}

/// A form that did not carry the session's CSRF token (a stale page or a forged request).
pub fn forbidden_form(lang: Lang) -> Response {
    let p = Problem {
        status: 403,
        code: "console.csrf".into(),
        title: lang.pick("表单已失效", "This form has expired").into(),
        detail: lang
            .pick(
                "请刷新页面后重新提交。",
                "Reload the page and submit it again.",
            )
            .into(),
        fields: Vec::new(),
    };
    let body = views::problem(&p);
    (
        StatusCode::FORBIDDEN,
        respond(views::page(lang, &p.title, true, body)),
    )
        .into_response()
}

/// An id in a path: a UUID's characters only, so it can go into an API path as it is.
pub fn id(raw: &str) -> Option<&str> {
    (raw.len() == 36 && raw.chars().all(|c| c.is_ascii_hexdigit() || c == '-')).then_some(raw)
}

/// A form's fields, in order (checkboxes give one pair each).
pub type Fields = Vec<(String, String)>;

/// The first value of a field.
pub fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Every value of a field.
pub fn all<'a>(fields: &'a Fields, name: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
        .collect()
}

/// A refusal carried back to a page after a form (in its flash), shown as the API said it.
pub fn query_problem(query: &Fields) -> Option<Problem> {
    let code = field(query, "code");
    (!code.is_empty()).then(|| Problem {
        status: 0,
        code: code.to_owned(),
        title: field(query, "title").to_owned(),
        detail: field(query, "detail").to_owned(),
        fields: Vec::new(),
    })
}

/// Back to a console page with a flash for it (see [`crate::session::flash`]).
pub fn to(path: &str, pairs: &[(&str, &str)]) -> Response {
    let mut response = Redirect::to(path).into_response();
    crate::session::append(&mut response, vec![crate::session::flash_cookie(pairs)]);
    response
}

/// Back to a page with the API's refusal.
pub fn back_with(path: &str, p: &Problem) -> Response {
    to(
        path,
        &[
            ("code", p.code.as_str()),
            ("title", p.title.as_str()),
            ("detail", p.detail.as_str()),
        ],
    )
}

/// Back to a page after a form: done, or the API's refusal; a lost session signs in again.
pub fn after(lang: Lang, path: &str, outcome: Result<Value, Problem>, done: &str) -> Response {
    match outcome {
        Ok(_) => to(path, &[("done", done)]),
        Err(p) if p.status == 401 => failure(lang, &p),
        Err(p) => back_with(path, &p),
    }
}

/// A form asking the API for one change of the object `raw_id` names: the session's CSRF
/// token checked, the id checked, the call made, then back to the page `back` names with
/// `done` (Chinese, English) or the API's refusal.
pub async fn act(
    state: &crate::AppState,
    s: &crate::session::Session,
    fields: &Fields,
    raw_id: &str,
    request: impl FnOnce(&str) -> (reqwest::Method, String, serde_json::Value),
    back: impl FnOnce(&str) -> String,
    done: (&str, &str),
) -> Response {
    let lang = s.lang;
    if !s.csrf_ok(field(fields, "_csrf")) {
        return forbidden_form(lang);
    }
    let Some(id) = id(raw_id) else {
        return not_found(Ui(lang)).await;
    };
    let (method, path, body) = request(id);
    let outcome = state.api.send(&s.token, lang, method, &path, &body).await;
    after(lang, &back(id), outcome, lang.pick(done.0, done.1))
}

/// An unknown page.
pub async fn not_found(Ui(lang): Ui) -> Response {
    let body =
        html! { p { a href="/console/" { (lang.pick("返回首页", "Back to the home page")) } } };
    (
        StatusCode::NOT_FOUND,
        respond(views::page(
            lang,
            lang.pick("没有这个页面", "No such page"),
            false,
            body,
        )),
    )
        .into_response()
}

/// The console's stylesheet and script, served by itself (venues are often offline).
pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        "app.css" => (
            "text/css; charset=utf-8",
            include_str!("../../static/app.css"),
        ),
        "app.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../../static/app.js"),
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The console's security headers: a strict content security policy (its own script and
/// stylesheet only), no framing, no sniffing, no referrer to other sites, and no caching of
/// pages that hold personal data (its static files say their own `Cache-Control`).
pub const SECURITY: juxuan_platform::http::SecurityHeaders =
    juxuan_platform::http::SecurityHeaders {
        content_security_policy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        referrer_policy: "same-origin",
    };
