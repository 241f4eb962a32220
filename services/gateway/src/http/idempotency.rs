//! `Idempotency-Key` on POST: a repeat with the same key and body gets the first answer; the
//! same key with another body is 422 `idempotency.key_reused`.
//!
//! Keys are scoped to the caller and kept in Postgres (`auth.idempotency_keys`) for 24 hours,
//! so a retry after a gateway restart or a Redis flush still gets the first answer.
//!
//! The table holds nothing readable without the client's key (ADR 15): the key only as a
//! digest, the request as a hash keyed with it, and the answer sealed (ChaCha20-Poly1305) with
//! a key derived from it. A check-in's answer carries the elector's ballot token and a cast's
//! its receipt; kept in the clear, with their times, they would join an elector to a ballot
//! (ADR 9). Clients make keys unguessable (a random UUID per request). A key
//! whose first request is still running is 409 `idempotency.in_progress`; one whose first
//! request crashed (no answer after twice the request deadline, `JUXUAN_REQUEST_TIMEOUT_SECONDS`)
//! is taken over. Server errors are not kept, so
//! they can be retried.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use juxuan_platform::AppError;
use juxuan_platform::auth::bearer;
use juxuan_platform::error::{Kind, Text};
use sha2::{Digest, Sha256};

use super::AppState;

pub const HEADER: &str = "idempotency-key";
/// Largest body read for hashing (the largest upload, a voter register) and kept for replay.
const MAX_BODY: usize = super::register::MAX_FILE + 64 * 1024;

enum Claim {
    /// First use: run the request and keep its answer.
    Fresh,
    Replay {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    },
    Reused,
    InProgress,
}

/// Request hash, answer status, content type, body, and whether a first request without an
/// answer is older than a minute.
#[derive(sqlx::FromRow)]
struct StoredKey(String, Option<i16>, Option<String>, Option<Vec<u8>>, bool);

async fn claim(state: &AppState, owner: &str, key: &str, hash: &str) -> Result<Claim, AppError> {
    let inserted = sqlx::query(
        "INSERT INTO auth.idempotency_keys (owner, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT (owner, key) DO NOTHING",
    )
    .bind(owner)
    .bind(key)
    .bind(hash)
    .execute(&state.pool)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    // A first request still running answers within the deadline (or is cut off by it).
    #[allow(clippy::cast_precision_loss)]
    let stale_after = (2 * state.settings.request_timeout_secs) as f64;
    let row: Option<StoredKey> = sqlx::query_as(
        "SELECT request_hash, status, content_type, body, created_at < now() - make_interval(secs => $3) \
         FROM auth.idempotency_keys WHERE owner = $1 AND key = $2",
    )
    .bind(owner)
    .bind(key)
    .bind(stale_after)
    .fetch_optional(&state.pool)
    .await?;
    let Some(StoredKey(stored_hash, status, content_type, body, stale)) = row else {
        // Removed in between (expired or a server error): start again.
        return Box::pin(claim(state, owner, key, hash)).await;
    };
    if stored_hash != hash {
        return Ok(Claim::Reused);
    }
    match (status, body) {
        (Some(status), Some(body)) => Ok(Claim::Replay {
            status: u16::try_from(status).unwrap_or(500),
            content_type,
            body,
        }),
        _ if stale => {
            let taken = sqlx::query(
                "UPDATE auth.idempotency_keys SET created_at = now() WHERE owner = $1 AND key = $2 AND status IS NULL \
                 AND created_at < now() - make_interval(secs => $3)",
            )
            .bind(owner)
            .bind(key)
            .bind(stale_after)
            .execute(&state.pool)
            .await?
            .rows_affected();
            Ok(if taken == 1 {
                Claim::Fresh
            } else {
                Claim::InProgress
            })
        }
        _ => Ok(Claim::InProgress),
    }
}

/// What the store keeps of a client's key: the row's id (a digest), and the keys of the
/// request's hash and of the sealed answer, all derived from the key the client holds.
struct KeyMaterial {
    id: String,
    mac: [u8; 32],
    seal: [u8; 32],
}

fn derive(label: &str, raw: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(label.as_bytes());
    h.update([0]);
    h.update(raw.as_bytes());
    h.finalize().into()
}

impl KeyMaterial {
    fn of(raw: &str) -> Self {
        Self {
            id: hex::encode(derive("juxuan-idempotency-id", raw)),
            mac: derive("juxuan-idempotency-mac", raw),
            seal: derive("juxuan-idempotency-seal", raw),
        }
    }
}

fn aead(key: &[u8; 32]) -> ring::aead::LessSafeKey {
    ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, key)
            .unwrap_or_else(|_| unreachable!("a 32-byte ChaCha20-Poly1305 key")),
    )
}

/// `nonce || ciphertext || tag`.
fn seal(key: &[u8; 32], plain: &[u8]) -> Result<Vec<u8>, AppError> {
    use ring::rand::SecureRandom;
    let mut nonce = [0u8; ring::aead::NONCE_LEN];
    ring::rand::SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| AppError::internal(anyhow::anyhow!("no randomness for a nonce")))?;
    let mut sealed = plain.to_vec();
    aead(key)
        .seal_in_place_append_tag(
            ring::aead::Nonce::assume_unique_for_key(nonce),
            ring::aead::Aad::empty(),
            &mut sealed,
        )
        .map_err(|_| AppError::internal(anyhow::anyhow!("sealing an answer failed")))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

fn open(key: &[u8; 32], stored: &[u8]) -> Option<Vec<u8>> {
    let (nonce, sealed) = stored.split_at_checked(ring::aead::NONCE_LEN)?;
    let nonce = ring::aead::Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buffer = sealed.to_vec();
    let plain = aead(key)
        .open_in_place(nonce, ring::aead::Aad::empty(), &mut buffer)
        .ok()?;
    Some(plain.to_vec())
}

fn request_hash(mac: &[u8; 32], method: &Method, uri: &http::Uri, body: &Bytes) -> String {
    let mut h = Sha256::new();
    h.update(mac);
    h.update(method.as_str().as_bytes());
    h.update([0]);
    h.update(uri.path_and_query().map_or("", |p| p.as_str()).as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

pub async fn idempotency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The token and revocation endpoints are RFC 6749/7009's and not keyed.
    let path = request.uri().path();
    if request.method() != Method::POST
        || path == "/api/v1/auth/token"
        || path == "/api/v1/auth/revoke"
    {
        return next.run(request).await;
    }
    let Some(key) = request
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned))
    else {
        return next.run(request).await;
    };
    let key = match key {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => k,
        _ => {
            return AppError::bad_request(
                "idempotency.invalid_key",
                "Idempotency-Key 须为 1 至 255 个可见 ASCII 字符",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            )
            .into_response();
        }
    };
    // Keys belong to the caller; without a valid token the request is refused anyway.
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .map(str::to_owned);
    // Verified already by the write gate when the token is good.
    let known = request
        .extensions()
        .get::<juxuan_platform::auth::Caller>()
        .cloned();
    let caller = match (known, token) {
        (Some(caller), _) => Some(caller),
        (None, Some(t)) => state.verifier.verify(&t).await.ok(),
        (None, None) => None,
    };
    let Some(caller) = caller else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    // Only as much as the route itself takes: a huge body sent to a JSON route is refused
    // here, before it is held in memory.
    let body = match to_bytes(body, super::limits::body_limit(parts.uri.path())).await {
        Ok(b) => b,
        Err(_) => {
            return AppError::bad_request(
                "request.too_large",
                "请求体过大",
                "The request body is too large",
            )
            .into_response();
        }
    };
    let material = KeyMaterial::of(&key);
    let key = material.id.clone();
    let hash = request_hash(&material.mac, &parts.method, &parts.uri, &body);
    let owner = caller.id.clone();
    parts.extensions.insert(caller);
    match claim(&state, &owner, &key, &hash).await {
        Err(e) => e.into_response(),
        Ok(Claim::Reused) => AppError::new(
            Kind::Rule,
            "idempotency.key_reused",
            Text::new(
                "该 Idempotency-Key 已用于另一个请求",
                "This Idempotency-Key was used with another request",
            ),
        )
        .into_response(),
        Ok(Claim::InProgress) => AppError::new(
            Kind::Conflict,
            "idempotency.in_progress",
            Text::new(
                "使用该 Idempotency-Key 的请求仍在处理中",
                "A request with this Idempotency-Key is still in progress",
            ),
        )
        .into_response(),
        Ok(Claim::Replay {
            status,
            content_type,
            body,
        }) => {
            let Some(body) = open(&material.seal, &body) else {
                return AppError::internal(anyhow::anyhow!(
                    "an idempotent answer could not be opened with its key"
                ))
                .into_response();
            };
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            if let Some(ct) = content_type.and_then(|c| c.parse().ok()) {
                response.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            response.headers_mut().insert(
                "idempotent-replayed",
                http::HeaderValue::from_static("true"),
            );
            response
        }
        Ok(Claim::Fresh) => {
            // Run to the end even if the client goes away, so the answer is kept and a retry
            // replays it instead of running the request again.
            let task = tokio::spawn(async move {
                let response = next.run(Request::from_parts(parts, Body::from(body))).await;
                keep(&state, &owner, &key, &material.seal, response).await
            });
            match task.await {
                Ok(response) => response,
                Err(e) => {
                    AppError::internal(anyhow::anyhow!("idempotent request task failed: {e}"))
                        .into_response()
                }
            }
        }
    }
}

async fn keep(
    state: &AppState,
    owner: &str,
    key: &str,
    seal_key: &[u8; 32],
    response: Response,
) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => Bytes::new(),
    };
    let status = parts.status.as_u16();
    let result = if status >= 500 {
        sqlx::query("DELETE FROM auth.idempotency_keys WHERE owner = $1 AND key = $2")
            .bind(owner)
            .bind(key)
            .execute(&state.pool)
            .await
    } else {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        match seal(seal_key, &bytes) {
            Ok(sealed) => {
                sqlx::query("UPDATE auth.idempotency_keys SET status = $3, content_type = $4, body = $5 WHERE owner = $1 AND key = $2")
                    .bind(owner)
                    .bind(key)
                    .bind(i16::try_from(status).unwrap_or(500))
                    .bind(content_type)
                    .bind(sealed)
                    .execute(&state.pool)
                    .await
            }
            Err(_) => {
                sqlx::query("DELETE FROM auth.idempotency_keys WHERE owner = $1 AND key = $2")
                    .bind(owner)
                    .bind(key)
                    .execute(&state.pool)
                    .await
            }
        }
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "idempotency record not kept");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Removes keys older than 24 hours.
pub async fn expire(pool: &sqlx::PgPool) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM auth.idempotency_keys WHERE created_at < now() - interval '24 hours'",
    )
    .execute(pool)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_sealed_under_its_key_and_opens_only_with_it() {
        let a = KeyMaterial::of("2f1c9a8e-0d4b-4c1e-9f55-3b7e2a6d8c10");
        let b = KeyMaterial::of("checkin-1");
        assert_eq!(a.id.len(), 64);
        assert!(!a.id.contains("2f1c9a8e"), "the key itself is not stored");
        let answer = br#"{"ballot_token":"secret-token","ballot_issued":false}"#;
        let sealed = seal(&a.seal, answer).expect("seal");
        assert!(
            !sealed.windows(12).any(|w| w == b"secret-token"),
            "the token is not in the stored bytes"
        );
        assert_eq!(open(&a.seal, &sealed).as_deref(), Some(answer.as_slice()));
        assert_eq!(open(&b.seal, &sealed), None, "another key cannot open it");
        assert_ne!(
            seal(&a.seal, answer).expect("seal"),
            sealed,
            "a fresh nonce each time"
        );
        let uri: http::Uri = "/api/v1/polls/x/checkins".parse().expect("uri");
        let body = Bytes::from_static(br#"{"voter_id":"v"}"#);
        assert_ne!(
            request_hash(&a.mac, &Method::POST, &uri, &body),
            request_hash(&b.mac, &Method::POST, &uri, &body),
            "the request's hash depends on the key: a table copy cannot be searched for a voter"
        );
    }
}
