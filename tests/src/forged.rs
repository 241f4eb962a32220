//! Tokens an attacker could present, made from a genuine one: unsigned (`alg: none`), with
//! claims changed under the original signature, expired, naming an unpublished key, HS256
//! keyed with the public key, for another audience or issuer, revoked, garbage. Every one must
//! be refused with 401 wherever a token is asked for.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::Stack;

/// A token's header as JSON.
pub fn header_of(token: &str) -> Value {
    part_of(token, 0)
}

/// A token's claims as JSON.
pub fn claims_of(token: &str) -> Value {
    part_of(token, 1)
}

fn part_of(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("token part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64")).expect("json")
}

/// The gateway's current signing key: its id, the private key and the public key's `x`.
pub async fn signing_key(stack: &Stack) -> (String, EncodingKey, String) {
    let (kid, pem, x): (String, String, String) = sqlx::query_as(
        "SELECT kid, private_pem, public_x FROM auth.signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&stack.pool)
    .await
    .expect("key");
    (
        kid,
        EncodingKey::from_ed_pem(pem.as_bytes()).expect("pem"),
        x,
    )
}

/// Every kind of bad token made from `genuine` (an admin's), by name. `revoked` is a genuine
/// token of the same subject that was revoked through the API.
pub async fn attacks(stack: &Stack, genuine: &str) -> Vec<(&'static str, String)> {
    let claims = claims_of(genuine);
    let (kid, key, public_x) = signing_key(stack).await;
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.clone());
    let sign = |claims: &Value| jsonwebtoken::encode(&header, claims, &key).expect("sign");
    let with = |field: &str, value: Value| {
        let mut c = claims.clone();
        c[field] = value;
        c
    };

    let none_header =
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT", "kid": kid}).to_string());
    let unsigned = format!(
        "{none_header}.{}.",
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );

    let mut parts: Vec<String> = genuine.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(with("role", json!("system")).to_string());
    let tampered = parts.join(".");

    let expired = sign(&with(
        "exp",
        json!(claims["iat"].as_i64().expect("iat") - 3600),
    ));

    let mut unknown = Header::new(Algorithm::EdDSA);
    unknown.kid = Some("not-a-published-key".into());
    let wrong_kid = jsonwebtoken::encode(&unknown, &claims, &key).expect("sign");

    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(kid.clone());
    let hs256 = jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(public_x.as_bytes()))
        .expect("sign");

    let audience = sign(&with("aud", json!("someone-else")));
    let issuer = sign(&with("iss", json!("someone-else")));

    vec![
        ("alg_none", unsigned),
        ("tampered_claims", tampered),
        ("expired", expired),
        ("wrong_kid", wrong_kid),
        ("hs256_public_key", hs256),
        ("other_audience", audience),
        ("other_issuer", issuer),
        ("revoked", revoked_token(stack).await),
        ("garbage", "garbage".to_owned()),
    ]
}

/// A fresh admin access token, revoked through `POST /api/v1/auth/revoke`.
pub async fn revoked_token(stack: &Stack) -> String {
    let token = stack.admin_token().await;
    let (status, body) = stack
        .form("/api/v1/auth/revoke", &[("token", token.as_str())])
        .await;
    assert!(status.is_success(), "revoke: {status} {body}");
    token
}
