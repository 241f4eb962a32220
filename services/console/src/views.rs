//! The page frame and the pieces every page uses: navigation, problems beside their fields,
//! status badges, forms with the CSRF token. Plain HTML that works without JavaScript; the
//! little script there is (live turnout, fast paper entry) is served by the console itself.

use maud::{DOCTYPE, Markup, html};

use crate::api::Problem;
use crate::i18n::Lang;

/// A whole page.
pub fn page(lang: Lang, title: &str, signed_in: bool, body: Markup) -> Markup {
    let t = |zh, en| lang.pick(zh, en);
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t("居选", "Juxuan")) }
                link rel="stylesheet" href="/console/static/app.css";
                script src="/console/static/app.js" defer {}
            }
            body {
                a.skip href="#main" { (t("跳到正文", "Skip to content")) }
                header.bar {
                    a.brand href="/console/" { (t("居选 · 社区居委会选举", "Juxuan · committee elections")) }
                    @if signed_in {
                        nav aria-label=(t("主导航", "Main")) {
                            a href="/console/" { (t("首页", "Home")) }
                            a href="/console/elections" { (t("选举", "Elections")) }
                            a href="/console/review" { (t("资格审查", "Review")) }
                            a href="/console/audit" { (t("审计", "Audit")) }
                        }
                    }
                    div.tools {
                        @match lang {
                            Lang::Zh => a href="/console/lang/en" hreflang="en" { "English" },
                            Lang::En => a href="/console/lang/zh" hreflang="zh-CN" { "中文" },
                        }
                        @if signed_in {
                            form.inline method="post" action="/console/logout" {
                                button.link type="submit" { (t("退出", "Sign out")) }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The CSRF field of a form.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="_csrf" value=(token); }
}

/// A problem from the API: its title and detail, in the page's language, never a raw error.
pub fn problem(p: &Problem) -> Markup {
    html! {
        div.problem role="alert" {
            strong { (p.title) }
            " " (p.detail)
            @if !p.fields.is_empty() {
                ul {
                    @for (field, message) in &p.fields {
                        li { @if !field.is_empty() { code { (field) } " " } (message) }
                    }
                }
            }
        }
    }
}

/// A field's message under its input, when the API named the field.
pub fn field_error(p: Option<&Problem>, field: &str) -> Markup {
    html! {
        @if let Some(message) = p.and_then(|p| p.field(field)) {
            span.field-error role="alert" { (message) }
        }
    }
}

/// A notice that something succeeded.
pub fn done(message: &str) -> Markup {
    html! { div.done role="status" { (message) } }
}

/// A contest status badge.
pub fn status(lang: Lang, status: &str) -> Markup {
    html! { span class={"badge status-" (status)} { (lang.status(status)) } }
}

/// The drill stamp.
pub fn drill(lang: Lang) -> Markup {
    html! { span.badge.drill title=(lang.pick("演练，不具法律效力", "Drill: no legal effect")) { "演练" } }
}

/// A bar chart as inline SVG, drawn on the server: label, count, share (per cent).
pub fn bars(title: &str, rows: &[(String, u64, Option<f64>)]) -> Markup {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let height = 28 * rows.len() + 10;
    html! {
        figure.chart {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" width="520" height=(height) viewBox={"0 0 520 " (height)} role="img" aria-label=(title) {
                @for (i, (label, count, share)) in rows.iter().enumerate() {
                    @let y = 28 * i + 6;
                    @let width = 260 * count / max;
                    text x="0" y=(y + 15) font-size="13" { (label) }
                    rect x="130" y=(y) width=(width.max(1)) height="18" fill="#b3261e" {}
                    text x=(136 + width) y=(y + 14) font-size="12" {
                        (count)
                        @if let Some(share) = share { " (" (format!("{share:.1}")) "%)" }
                    }
                }
            }
        }
    }
}

/// Text of a JSON value for a table cell.
pub fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
