//! Identity through the gateway: the token endpoint, refresh, revocation, JWKS, `/me`,
//! clients, throttling, key rotation, and every kind of forged token refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use juxuan_tests::forged::{claims_of, header_of, signing_key};
use juxuan_tests::{ADMIN, ADMIN_PASSWORD, DISTRICT, Stack};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn me_status(stack: &Stack, token: &str) -> StatusCode {
    stack.get("/api/v1/me", Some(token)).await.0
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bootstrapped_admin_logs_in_with_a_form_or_json_and_sees_itself() {
    let stack = Stack::start().await;
    let token = stack.admin_token().await;
    let (status, body) = stack
        .post(
            "/api/v1/auth/token",
            None,
            &json!({"grant_type": "password", "username": ADMIN, "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert!(body["refresh_token"].is_string());

    let header = header_of(&token);
    assert_eq!(header["alg"], "EdDSA");
    assert!(header["kid"].is_string());

    let (status, me) = stack.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], ADMIN);
    assert_eq!(me["role"], "district_admin");
    assert_eq!(me["area"]["level"], "district");
    assert_eq!(me["display_name"], format!("{DISTRICT}管理员"));

    let (_, districts) = stack.get("/api/v1/districts", Some(&token)).await;
    assert_eq!(districts["items"][0]["name"], DISTRICT);
    assert_eq!(districts["items"][0]["id"], me["area"]["id"]);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_credentials_and_requests_get_the_rfc_6749_errors() {
    let stack = Stack::start().await;
    let (status, body) = stack
        .form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "password"),
                ("username", ADMIN),
                ("password", "wrong"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, body) = stack
        .form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "password"),
                ("username", "nobody"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // A NUL or any non-username character is a plain invalid_grant, never a 500.
    let (status, body) = stack
        .form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "password"),
                ("username", "ad\u{0}min"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, body) = stack
        .form("/api/v1/auth/token", &[("grant_type", "implicit")])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let (status, body) = stack
        .form("/api/v1/auth/token", &[("username", ADMIN)])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let r = stack
        .http
        .post(stack.url("/api/v1/auth/token"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    let (status, body) = juxuan_tests::decode(r).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, body) = stack
        .form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "x"),
                ("client_secret", "y"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failed_logins_are_throttled_even_for_the_right_password() {
    let stack = Stack::start().await;
    for _ in 0..3 {
        let (status, _) = stack
            .form(
                "/api/v1/auth/token",
                &[
                    ("grant_type", "password"),
                    ("username", ADMIN),
                    ("password", "wrong"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let r = stack
        .http
        .post(stack.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry_after > 0);
    let (_, body) = juxuan_tests::decode(r).await;
    assert_eq!(body["code"], "auth.too_many_attempts");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_token_works_once_and_its_reuse_revokes_the_family() {
    let stack = Stack::start().await;
    let (_, first) = stack
        .form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "password"),
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    let refresh = first["refresh_token"].as_str().expect("refresh");
    let (status, second) = stack
        .form(
            "/api/v1/auth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(
        me_status(&stack, second["access_token"].as_str().expect("access")).await,
        StatusCode::OK
    );
    let next_refresh = second["refresh_token"].as_str().expect("rotated refresh");
    assert_ne!(next_refresh, refresh);

    let (status, reuse) = stack
        .form(
            "/api/v1/auth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!(
        (status, reuse["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // The reuse revoked the whole family, including the token issued after it.
    let (status, _) = stack
        .form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", next_refresh),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn revoked_tokens_are_refused_by_the_gateway_and_by_the_service() {
    let stack = Stack::start().await;
    let (_, tokens) = stack
        .form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "password"),
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    let access = tokens["access_token"].as_str().expect("access").to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    assert_eq!(me_status(&stack, &access).await, StatusCode::OK);

    let (status, _) = stack
        .form("/api/v1/auth/revoke", &[("token", &access)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me_status(&stack, &access).await, StatusCode::UNAUTHORIZED);

    // Defence in depth: the nomination service refuses it too when called directly.
    let mut client = juxuan_proto::nomination::v1::area_service_client::AreaServiceClient::connect(
        format!("http://{}", stack.nomination_grpc),
    )
    .await
    .expect("connect");
    let denied = client
        .list_districts(juxuan_platform::grpc::authorized(
            juxuan_proto::nomination::v1::ListDistrictsRequest::default(),
            &access,
        ))
        .await
        .expect_err("revoked token refused");
    assert_eq!(denied.code(), tonic::Code::Unauthenticated);

    let (status, _) = stack
        .form("/api/v1/auth/revoke", &[("token", &refresh)])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = stack
        .form(
            "/api/v1/auth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Unknown tokens are fine to revoke (RFC 7009); a missing one is a bad request.
    assert_eq!(
        stack
            .form("/api/v1/auth/revoke", &[("token", "nonsense")])
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        stack.form("/api/v1/auth/revoke", &[]).await.0,
        StatusCode::BAD_REQUEST
    );

    // A revocation survives Redis losing it: the gateway restores it from Postgres.
    let client = redis::Client::open(stack.redis_url.as_str()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    redis::cmd("FLUSHDB")
        .query_async::<()>(&mut conn)
        .await
        .expect("flush");
    // Until they are back, a revoked token is never taken for a valid one: 503, or 401 once
    // restored (the gateway itself knows its keys; the revocations it must read back).
    let during = me_status(&stack, &access).await;
    assert!(
        during == StatusCode::SERVICE_UNAVAILABLE || during == StatusCode::UNAUTHORIZED,
        "a revoked token right after a flush: {during}"
    );
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let restored: bool = redis::cmd("EXISTS")
            .arg("gw:revoked:loaded")
            .query_async(&mut conn)
            .await
            .expect("exists");
        if restored {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "revocations were not restored"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(me_status(&stack, &access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me_status(&stack, &stack.admin_token().await).await,
        StatusCode::OK
    );
    assert_eq!(me_status(&stack, &access).await, StatusCode::UNAUTHORIZED);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_expired_and_tampered_tokens_are_refused() {
    let stack = Stack::start().await;
    let token = stack.admin_token().await;
    let claims = claims_of(&token);
    let (kid, key, public_x) = signing_key(&stack).await;

    // alg: none, no signature.
    let none_header =
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT", "kid": kid}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    assert_eq!(
        me_status(&stack, &format!("{none_header}.{payload}.")).await,
        StatusCode::UNAUTHORIZED
    );

    // A tampered payload under the original signature.
    let mut elevated = claims.clone();
    elevated["role"] = json!("system");
    let mut parts: Vec<&str> = token.split('.').collect();
    let tampered_payload = URL_SAFE_NO_PAD.encode(elevated.to_string());
    parts[1] = &tampered_payload;
    assert_eq!(
        me_status(&stack, &parts.join(".")).await,
        StatusCode::UNAUTHORIZED
    );

    // Expired, though properly signed.
    let mut expired = claims.clone();
    expired["exp"] = json!(claims["iat"].as_i64().expect("iat") - 3600);
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.clone());
    let expired_token = jsonwebtoken::encode(&header, &expired, &key).expect("sign");
    assert_eq!(
        me_status(&stack, &expired_token).await,
        StatusCode::UNAUTHORIZED
    );

    // Properly signed, but naming a key nobody published.
    let mut unknown = Header::new(Algorithm::EdDSA);
    unknown.kid = Some("not-a-key".into());
    let unknown_kid = jsonwebtoken::encode(&unknown, &claims, &key).expect("sign");
    assert_eq!(
        me_status(&stack, &unknown_kid).await,
        StatusCode::UNAUTHORIZED
    );

    // HS256 keyed with the public key (algorithm confusion).
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(kid.clone());
    let confused =
        jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(public_x.as_bytes()))
            .expect("sign");
    assert_eq!(me_status(&stack, &confused).await, StatusCode::UNAUTHORIZED);

    // Another audience.
    let mut foreign = claims.clone();
    foreign["aud"] = json!("someone-else");
    let foreign_token = jsonwebtoken::encode(&header, &foreign, &key).expect("sign");
    assert_eq!(
        me_status(&stack, &foreign_token).await,
        StatusCode::UNAUTHORIZED
    );

    // Another issuer.
    let mut foreign_issuer = claims.clone();
    foreign_issuer["iss"] = json!("someone-else");
    let foreign_iss_token = jsonwebtoken::encode(&header, &foreign_issuer, &key).expect("sign");
    assert_eq!(
        me_status(&stack, &foreign_iss_token).await,
        StatusCode::UNAUTHORIZED
    );

    // Garbage and a missing token.
    assert_eq!(me_status(&stack, "garbage").await, StatusCode::UNAUTHORIZED);
    let (status, problem) = stack.get("/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "auth.unauthenticated");

    // And the genuine one still works.
    assert_eq!(me_status(&stack, &token).await, StatusCode::OK);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn jwks_serves_the_signing_key_and_rotation_keeps_old_tokens_valid() {
    let stack = Stack::start().await;
    let token = stack.admin_token().await;
    let kid = header_of(&token)["kid"].as_str().expect("kid").to_owned();
    let (status, jwks) = stack.get("/.well-known/jwks.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid published");
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str()
        ),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    // The published key really verifies the token.
    let decoding =
        jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().expect("x")).expect("x");
    let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["juxuan"]);
    jsonwebtoken::decode::<Value>(&token, &decoding, &validation)
        .expect("verifies with the JWKS key");

    let (status, rotated) = stack
        .post("/api/v1/auth/keys:rotate", Some(&token), &json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rotated}");
    let new_kid = rotated["kid"].as_str().expect("kid").to_owned();
    assert_ne!(new_kid, kid);
    let fresh = stack.admin_token().await;
    assert_eq!(header_of(&fresh)["kid"], new_kid.as_str());
    assert_eq!(me_status(&stack, &fresh).await, StatusCode::OK);
    assert_eq!(
        me_status(&stack, &token).await,
        StatusCode::OK,
        "tokens of the previous key stay valid"
    );
    let (_, jwks) = stack.get("/.well-known/jwks.json", None).await;
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_machine_client_gets_a_scoped_token_and_can_only_read() {
    let stack = Stack::start().await;
    let admin = stack.admin_token().await;
    let district = stack.district_id(&admin).await;
    let (status, client) = stack
        .post(
            "/api/v1/clients",
            Some(&admin),
            &json!({"name": "区大数据平台", "scopes": ["areas:read"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{client}");
    let id = client["client_id"].as_str().expect("id");
    let secret = client["client_secret"].as_str().expect("secret");

    let (status, tokens) = stack
        .form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(
        tokens.get("refresh_token").is_none(),
        "no refresh token for clients"
    );
    assert_eq!(tokens["scope"], "areas:read");
    let token = tokens["access_token"].as_str().expect("token");
    assert_eq!(
        stack
            .get(&format!("/api/v1/districts/{district}"), Some(token))
            .await
            .0,
        StatusCode::OK
    );
    let (status, _) = stack
        .post(
            &format!("/api/v1/districts/{district}/streets"),
            Some(token),
            &json!({"name": "某街道"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // HTTP Basic client authentication works too; a wrong secret does not.
    let basic = stack
        .http
        .post(stack.url("/api/v1/auth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("request");
    assert_eq!(basic.status(), StatusCode::OK);
    let (status, body) = stack
        .form(
            "/api/v1/auth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", "wrong"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    // Unknown scopes are refused when registering.
    let (status, problem) = stack
        .post(
            "/api/v1/clients",
            Some(&admin),
            &json!({"name": "x", "scopes": ["root"]}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("client.unknown_scope"))
    );
    stack.stop().await;
}
