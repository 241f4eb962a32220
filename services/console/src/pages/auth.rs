//! Signing in and out, and the language switch.

use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::{Fields, field, respond};
use crate::AppState;
use crate::api::Problem;
use crate::i18n::Lang;
use crate::session::{self, Ui};
use crate::views;

/// Only a path of the console itself may follow sign-in (no open redirect).
fn next_page(next: &str) -> &str {
    if next.starts_with("/console/")
        && !next.starts_with("/console//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        next
    } else {
        "/console/"
    }
}

fn form(lang: Lang, next: &str, username: &str, problem: Option<&Problem>) -> Response {
    let t = |zh, en| lang.pick(zh, en);
    let body = html! {
        @if let Some(p) = problem { (views::problem(p)) }
        form.card method="post" action="/console/login" {
            input type="hidden" name="next" value=(next);
            label for="username" { (t("用户名", "Username")) }
            input #username type="text" name="username" value=(username) autocomplete="username" required autofocus;
            label for="password" { (t("密码", "Password")) }
            input #password type="password" name="password" autocomplete="current-password" required;
            div { button type="submit" { (t("登录", "Sign in")) } }
        }
    };
    respond(views::page(lang, t("登录", "Sign in"), false, body))
}

pub async fn login_form(Ui(lang): Ui, Query(query): Query<Fields>) -> Response {
    form(lang, next_page(field(&query, "next")), "", None)
}

/// A sign-in must come from the console's own page (the `Origin` a browser sends with a form).
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get("host").and_then(|h| h.to_str().ok());
    match (headers.get("origin").and_then(|o| o.to_str().ok()), host) {
        (None, _) => true,
        (Some(origin), Some(host)) => {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
        }
        (Some(_), None) => false,
    }
}

pub async fn login(
    State(state): State<AppState>,
    Ui(lang): Ui,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    let (username, password) = (field(&fields, "username"), field(&fields, "password"));
    let next = next_page(field(&fields, "next")).to_owned();
    if !same_origin(&headers) {
        return super::forbidden_form(lang);
    }
    match state
        .api
        .token(
            lang,
            &[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    {
        Ok(tokens) => {
            let mut response = Redirect::to(&next).into_response();
            session::append(
                &mut response,
                session::session_cookies(&tokens, state.settings.secure_cookies),
            );
            response
        }
        Err(p) => {
            let mut response = form(lang, &next, username, Some(&p));
            *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            response
        }
    }
}

/// Ends the session: the refresh token is revoked at the API, the cookies cleared.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return super::forbidden_form(Lang::from_cookie(session::cookie(&headers, "jx_lang")));
    }
    if let Some(refresh) = session::cookie(&headers, "jx_rt") {
        let lang = Lang::from_cookie(session::cookie(&headers, "jx_lang"));
        let _ = state.api.token_revoke(lang, refresh).await;
    }
    let mut response = Redirect::to("/console/login").into_response();
    session::append(
        &mut response,
        session::cleared_cookies(state.settings.secure_cookies),
    );
    response
}

/// Switches the language and returns to the page the officer was on.
pub async fn language(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::from_cookie(Some(lang.as_str()));
    let back = headers
        .get("referer")
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.find("/console/").map(|i| r[i..].to_owned()))
        .unwrap_or_else(|| "/console/".to_owned());
    let mut response = Redirect::to(next_page(&back)).into_response();
    session::append(
        &mut response,
        vec![session::lang_cookie(lang, state.settings.secure_cookies)],
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_console_pages_follow_sign_in() {
        assert_eq!(next_page("/console/elections"), "/console/elections");
        for bad in [
            "/console/\n",
            "https://evil.example/",
            "//evil.example",
            "/console//evil",
            "/api/v1/me",
            "/console/\\x",
        ] {
            assert_eq!(next_page(bad), "/console/", "{bad}");
        }
    }
}
