//! Issuing tokens, hashing secrets, throttling logins, mirroring revocations into Redis.

use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use juxuan_platform::auth::{AUDIENCE, AreaLevel, Claims, ISSUER, Role, Verifier, revoked_key};
use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::keys::KeyRing;
use crate::store;

/// A token endpoint success (RFC 6749 §5.1).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Who a token is for.
pub struct Subject {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub area_level: AreaLevel,
    pub area_id: Uuid,
    pub district_id: Uuid,
    pub scopes: Vec<String>,
}

impl Subject {
    pub fn from_user(user: &store::UserRow) -> anyhow::Result<Self> {
        Ok(Self {
            id: user.id,
            name: user.username.clone(),
            role: user.role.parse().map_err(anyhow::Error::msg)?,
            area_level: user.area_level.parse().map_err(anyhow::Error::msg)?,
            area_id: user.area_id,
            district_id: user.district_id,
            scopes: Vec::new(),
        })
    }
}

#[derive(Clone)]
pub struct Issuer {
    pub keys: KeyRing,
    pub pool: PgPool,
    pub access_ttl: i64,
    pub refresh_ttl: i64,
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A random secret of 256 bits, URL-safe.
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Issuer {
    pub async fn access_token(&self, subject: &Subject) -> anyhow::Result<String> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: subject.id.to_string(),
            name: subject.name.clone(),
            role: subject.role,
            area_level: subject.area_level,
            area_id: subject.area_id,
            district_id: subject.district_id,
            scope: subject.scopes.join(" "),
            jti: Uuid::new_v4().to_string(),
            iat: now,
            exp: now + self.access_ttl,
        };
        self.keys.sign(&claims).await
    }

    /// Access token, plus a refresh token in `family` when given.
    pub async fn issue(
        &self,
        subject: &Subject,
        refresh_family: Option<Uuid>,
    ) -> anyhow::Result<TokenResponse> {
        let access_token = self.access_token(subject).await?;
        let refresh_token = match refresh_family {
            Some(family) => {
                let token = random_secret();
                let expires = OffsetDateTime::now_utc()
                    + Duration::from_secs(u64::try_from(self.refresh_ttl).unwrap_or(0));
                store::insert_refresh(&self.pool, &sha256_hex(&token), family, subject.id, expires)
                    .await?;
                Some(token)
            }
            None => None,
        };
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: self.access_ttl,
            refresh_token,
            scope: Some(subject.scopes.join(" ")).filter(|s| !s.is_empty()),
        })
    }

    /// A short-lived token for the gateway's own calls (bootstrap), never given out.
    pub async fn system_token(&self) -> anyhow::Result<String> {
        let subject = Subject {
            id: Uuid::nil(),
            name: "gateway".into(),
            role: Role::System,
            area_level: AreaLevel::District,
            area_id: Uuid::nil(),
            district_id: Uuid::nil(),
            scopes: Vec::new(),
        };
        self.access_token(&subject).await
    }
}

/// At most this many Argon2 computations (≈ 19 MiB each) run at once.
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

async fn argon2_slot() -> anyhow::Result<tokio::sync::SemaphorePermit<'static>> {
    tokio::time::timeout(Duration::from_secs(10), ARGON2_SLOTS.acquire())
        .await
        .map_err(|_| anyhow::anyhow!("password hashing is saturated"))?
        .map_err(|_| anyhow::anyhow!("password hashing is closed"))
}

/// Argon2id hash of a password, off the async threads.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    let _slot = argon2_slot().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await?
}

/// Whether the password matches the hash. An unknown user is checked against a dummy hash so
/// the answer takes as long as for a known one.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    let Ok(_slot) = argon2_slot().await else {
        return false;
    };
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| {
                    let salt = SaltString::generate(&mut OsRng);
                    argon2::Argon2::default()
                        .hash_password(random_secret().as_bytes(), &salt)
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                })
                .clone()
        });
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        known && ok
    })
    .await
    .unwrap_or(false)
}

/// Failed-login counting per username in Redis (`gw:login:<username>`).
#[derive(Clone)]
pub struct Throttle {
    pub redis: ConnectionManager,
    pub attempts: u32,
    pub window_secs: u64,
}

fn throttle_key(username: &str) -> String {
    format!("gw:login:{}", sha256_hex(&username.to_lowercase()))
}

impl Throttle {
    /// Counts a login attempt for the username (before the password is checked, so parallel
    /// guesses are counted too); the seconds to wait when it is over the limit. A successful
    /// login clears the count. Redis trouble lets the login through (with a warning): a cache
    /// outage must not lock every officer out.
    pub async fn attempt(&self, username: &str) -> Option<u64> {
        let mut conn = self.redis.clone();
        let key = throttle_key(username);
        let result: redis::RedisResult<(u32, (), i64)> = redis::pipe()
            .cmd("INCR")
            .arg(&key)
            .cmd("EXPIRE")
            .arg(&key)
            .arg(self.window_secs)
            .arg("NX")
            .cmd("TTL")
            .arg(&key)
            .query_async(&mut conn)
            .await;
        match result {
            Ok((n, (), ttl)) if n > self.attempts => {
                Some(u64::try_from(ttl).unwrap_or(self.window_secs).max(1))
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "login throttle unavailable");
                None
            }
        }
    }

    pub fn failed(&self) {
        metrics::counter!(juxuan_platform::metrics::LOGIN_FAILURES).increment(1);
    }

    pub async fn succeeded(&self, username: &str) {
        let mut conn = self.redis.clone();
        let _: redis::RedisResult<()> = redis::cmd("DEL")
            .arg(throttle_key(username))
            .query_async(&mut conn)
            .await;
    }
}

use juxuan_platform::auth::REVOCATIONS_LOADED as REVOCATIONS_MARKER;

/// Records an access token's revocation in Postgres and Redis.
pub async fn revoke_access(
    pool: &PgPool,
    redis: &ConnectionManager,
    jti: &str,
    exp: i64,
) -> anyhow::Result<()> {
    let expires_at = OffsetDateTime::from_unix_timestamp(exp)?;
    store::insert_revoked(pool, jti, expires_at).await?;
    let ttl = (exp - OffsetDateTime::now_utc().unix_timestamp()).max(1);
    let mut conn = redis.clone();
    redis::cmd("SET")
        .arg(revoked_key(jti))
        .arg(1)
        .arg("EX")
        .arg(ttl)
        .query_async::<()>(&mut conn)
        .await?;
    Ok(())
}

/// Puts every unexpired revocation back into Redis when Redis lost them (flush, restart),
/// and republishes the signing keys. Runs at start and every few seconds.
pub async fn resync(
    pool: &PgPool,
    redis: &ConnectionManager,
    keys: &KeyRing,
    verifier: &Verifier,
) -> anyhow::Result<()> {
    keys.reload().await?;
    keys.publish(redis, verifier).await?;
    let mut conn = redis.clone();
    // Reloaded when the marker is gone (Redis lost the revocations) and, to repair evictions,
    // once a day an hour before it expires, so it never lapses while Redis keeps its data:
    // without it every service refuses every token (503) until it is back.
    let ttl: i64 = redis::cmd("TTL")
        .arg(REVOCATIONS_MARKER)
        .query_async(&mut conn)
        .await?;
    if ttl > 3_600 || ttl == -1 {
        return Ok(());
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let rows = store::unexpired_revocations(pool).await?;
    let mut pipe = redis::pipe();
    for (jti, expires_at) in &rows {
        let ttl = (expires_at.unix_timestamp() - now).max(1);
        pipe.cmd("SET")
            .arg(revoked_key(jti))
            .arg(1)
            .arg("EX")
            .arg(ttl)
            .ignore();
    }
    pipe.cmd("SET")
        .arg(REVOCATIONS_MARKER)
        .arg(1)
        .arg("EX")
        .arg(86_400)
        .ignore();
    pipe.query_async::<()>(&mut conn).await?;
    if !rows.is_empty() {
        tracing::info!(revocations = rows.len(), "revocations restored to Redis");
    }
    Ok(())
}
