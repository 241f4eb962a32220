//! The console's session without a browser: cookies and their flags, CSRF on forms, flashes
//! that a link cannot fake, security headers, and concurrent renewals of an expiring access
//! token that share one refresh (the gateway revokes a refresh token used twice).

use juxuan_platform::shutdown;
use juxuan_tests::Stack;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};

fn cookies(r: &reqwest::Response) -> Vec<(String, String, String)> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| {
            let (pair, flags) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=')?;
            Some((k.to_owned(), v.to_owned(), flags.to_owned()))
        })
        .collect()
}

fn header(jar: &[(String, String, String)]) -> String {
    jar.iter()
        .map(|(k, v, _)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_forms_flashes_and_shared_renewals() {
    let stack = Stack::start().await;
    let console = juxuan_console::App::build(juxuan_console::Settings {
        addr: "127.0.0.1:0".parse().expect("addr"),
        gateway_url: stack.base.clone(),
        secure_cookies: true,
        otlp_endpoint: None,
    })
    .await
    .expect("console");
    let base = format!("http://{}/console", console.addr().expect("addr"));
    let (trigger, stop) = shutdown::channel();
    let served = tokio::spawn(console.run_until_stopped(stop));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    // Signed out: a page sends to sign-in, back to the page asked for.
    let r = http
        .get(format!("{base}/elections"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        "/console/login?next=%2Fconsole%2Felections"
    );
    // Every page carries the security headers.
    let r = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page");
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(r.headers()[name], value);
    }
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("default-src 'self'")
    );

    // Signing in sets HTTP-only, Secure, SameSite=Strict cookies scoped to /console.
    let r = http
        .post(format!("{base}/login"))
        .form(&[
            ("username", juxuan_tests::ADMIN),
            ("password", juxuan_tests::ADMIN_PASSWORD),
            ("next", "/console/"),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut jar = cookies(&r);
    assert_eq!(jar.len(), 4, "{jar:?}");
    for (name, _, flags) in &jar {
        for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/console"] {
            assert!(flags.contains(flag), "{name}: {flags}");
        }
    }
    let r = http
        .get(format!("{base}/"))
        .header(COOKIE, header(&jar))
        .send()
        .await
        .expect("home");
    assert_eq!(r.status(), StatusCode::OK);

    // A form without the session's CSRF token is refused, and nothing happens.
    let r = http
        .post(format!("{base}/elections"))
        .header(COOKIE, header(&jar))
        .form(&[
            ("title", "伪造的选举"),
            ("kind", "general"),
            ("mode", "live"),
            ("method", "all_voters"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let admin = stack.admin_token().await;
    let (_, elections) = stack.get("/api/v1/elections", Some(&admin)).await;
    assert_eq!(elections["items"], serde_json::json!([]));

    // A link cannot make a page say something: `done` and problems only come in the flash.
    let r = http
        .get(format!("{base}/elections?done=%E5%B7%B2%E7%AD%BE%E5%88%B0&title=%E4%BC%AA%E9%80%A0&code=x&detail=y"))
        .header(COOKIE, header(&jar))
        .send()
        .await
        .expect("get");
    let page = r.text().await.expect("page");
    assert!(!page.contains("已签到") && !page.contains("伪造"), "{page}");

    // The access token about to expire: two requests at once renew it once, share the new
    // tokens, and the session goes on (a second use of the old refresh token would have
    // revoked the whole family).
    for (name, value, _) in &mut jar {
        if name == "jx_exp" {
            *value = "0".into();
        }
    }
    let (a, b) = tokio::join!(
        http.get(format!("{base}/"))
            .header(COOKIE, header(&jar))
            .send(),
        http.get(format!("{base}/elections"))
            .header(COOKIE, header(&jar))
            .send(),
    );
    let (a, b) = (a.expect("a"), b.expect("b"));
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let (renewed_a, renewed_b) = (cookies(&a), cookies(&b));
    let access = |c: &[(String, String, String)]| {
        c.iter()
            .find(|(k, ..)| k == "jx_at")
            .map(|(_, v, _)| v.clone())
    };
    assert!(access(&renewed_a).is_some(), "{renewed_a:?}");
    assert_eq!(
        access(&renewed_a),
        access(&renewed_b),
        "one renewal, shared"
    );
    for (name, value, flags) in renewed_a {
        if let Some(slot) = jar.iter_mut().find(|(k, ..)| *k == name) {
            *slot = (name, value, flags);
        }
    }
    let r = http
        .get(format!("{base}/"))
        .header(COOKIE, header(&jar))
        .send()
        .await
        .expect("home");
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the session survived the renewal"
    );

    trigger.fire();
    served.await.expect("console task").expect("console stops");
}
