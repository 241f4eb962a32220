//! Access tokens: claims, roles, area scope, and verification by every service.
//!
//! The gateway signs tokens with Ed25519 (`alg: EdDSA`, with `kid`) and publishes the public
//! keys as a JWKS document in Redis under [`JWKS_KEY`] (and at `/.well-known/jwks.json`).
//! Services verify each forwarded token themselves (defence in depth) with a [`Verifier`]
//! that reads that document, refreshing it when it meets an unknown `kid`. Revoked access
//! tokens are listed under `gw:revoked:<jti>` until they expire.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::error::{AppError, Kind, Text};

pub const ISSUER: &str = "juxuan-gateway";
pub const AUDIENCE: &str = "juxuan";
/// Redis key of the public JWKS document the gateway publishes.
pub const JWKS_KEY: &str = "gw:jwks";

/// Redis key present while Redis holds every revocation (the gateway sets it after loading
/// them from Postgres). Without it a revoked token cannot be told from a valid one.
pub const REVOCATIONS_LOADED: &str = "gw:revoked:loaded";

/// Redis key marking a revoked access token until its expiry.
pub fn revoked_key(jti: &str) -> String {
    format!("gw:revoked:{jti}")
}

/// What a caller may do (ARCHITECTURE.md, Identity and access).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    DistrictAdmin,
    DistrictReviewer,
    StreetOfficer,
    CommunityOfficer,
    Teller,
    Observer,
    /// A voting device at the venue: it may only cast.
    Terminal,
    /// A machine client (client credentials) with explicit scopes.
    Client,
    /// The gateway itself, for bootstrap calls. Never issued to a person.
    System,
}

impl Role {
    pub const PERSON_ROLES: [Role; 7] = [
        Role::DistrictAdmin,
        Role::DistrictReviewer,
        Role::StreetOfficer,
        Role::CommunityOfficer,
        Role::Teller,
        Role::Observer,
        Role::Terminal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "district_admin",
            Role::DistrictReviewer => "district_reviewer",
            Role::StreetOfficer => "street_officer",
            Role::CommunityOfficer => "community_officer",
            Role::Teller => "teller",
            Role::Observer => "observer",
            Role::Terminal => "terminal",
            Role::Client => "client",
            Role::System => "system",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Role::Client, Role::System]
            .into_iter()
            .chain(Role::PERSON_ROLES)
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`"))
    }
}

/// 区 / 街道 / 社区.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    District,
    Street,
    Community,
}

impl AreaLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AreaLevel::District => "district",
            AreaLevel::Street => "street",
            AreaLevel::Community => "community",
        }
    }

    pub fn from_proto(level: i32) -> Option<Self> {
        use juxuan_proto::common::v1::AreaLevel as P;
        match P::try_from(level).ok()? {
            P::District => Some(AreaLevel::District),
            P::Street => Some(AreaLevel::Street),
            P::Community => Some(AreaLevel::Community),
            P::Unspecified => None,
        }
    }

    pub fn to_proto(self) -> i32 {
        use juxuan_proto::common::v1::AreaLevel as P;
        match self {
            AreaLevel::District => P::District as i32,
            AreaLevel::Street => P::Street as i32,
            AreaLevel::Community => P::Community as i32,
        }
    }
}

impl FromStr for AreaLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "district" => Ok(AreaLevel::District),
            "street" => Ok(AreaLevel::Street),
            "community" => Ok(AreaLevel::Community),
            other => Err(format!("unknown area level `{other}`")),
        }
    }
}

/// The claims of a Juxuan access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// Account or client id.
    pub sub: String,
    /// Username or client name.
    pub name: String,
    pub role: Role,
    pub area_level: AreaLevel,
    pub area_id: Uuid,
    /// The district the area belongs to.
    pub district_id: Uuid,
    /// Space-separated scopes of a machine client.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

/// The verified caller of a request, put into the request by the transport layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub area_level: AreaLevel,
    pub area_id: Uuid,
    pub district_id: Uuid,
    pub scopes: Vec<String>,
    pub jti: String,
    pub expires_at: i64,
    /// The token itself, forwarded on calls to other services.
    pub token: Arc<str>,
}

impl Caller {
    pub fn from_claims(claims: Claims, token: &str) -> Self {
        Self {
            id: claims.sub,
            name: claims.name,
            role: claims.role,
            area_level: claims.area_level,
            area_id: claims.area_id,
            district_id: claims.district_id,
            scopes: claims.scope.split_whitespace().map(str::to_owned).collect(),
            jti: claims.jti,
            expires_at: claims.exp,
            token: Arc::from(token),
        }
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Fails with 403 unless the caller has one of the roles.
    pub fn require_role(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
}

/// A public key in a JWKS document (RFC 8037 for Ed25519).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub kid: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// Why a token was refused. Logged as a reason; the client sees a plain 401.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token: {0}")]
    Malformed(String),
    #[error("algorithm not allowed")]
    Algorithm,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("token revoked")]
    Revoked,
    #[error("key store unavailable: {0}")]
    Store(#[from] redis::RedisError),
    /// Redis holds no published keys (flushed, or restarted empty) and the token's key is not
    /// known here yet: the gateway republishes them within seconds, so this is "try again",
    /// not "your token is bad".
    #[error("signing keys not published")]
    KeysUnpublished,
    /// Redis lost the revocations (flushed, restarted empty) and the gateway has not put them
    /// back yet: a revoked token would pass, so nothing passes until they are back.
    #[error("revocations not loaded")]
    RevocationsUnloaded,
}

impl TokenError {
    /// Whether the token could not be judged now (the key store is down or lost its data),
    /// rather than judged bad: 503, retried, not 401.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            TokenError::Store(_) | TokenError::KeysUnpublished | TokenError::RevocationsUnloaded
        )
    }
}

impl From<TokenError> for AppError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Store(e) => AppError::Unavailable(e.into()),
            TokenError::KeysUnpublished => {
                AppError::Unavailable(anyhow::anyhow!("signing keys not published in Redis"))
            }
            TokenError::RevocationsUnloaded => {
                AppError::Unavailable(anyhow::anyhow!("revocations not loaded in Redis"))
            }
            other => {
                tracing::info!(reason = %other, "token refused");
                AppError::new(
                    Kind::Unauthenticated,
                    "auth.invalid_token",
                    Text::new(
                        "访问令牌无效、过期或已撤销",
                        "The access token is invalid, expired or revoked",
                    ),
                )
            }
        }
    }
}

/// Verifies access tokens against the published keys.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<VerifierInner>,
}

struct VerifierInner {
    keys: RwLock<HashMap<String, DecodingKey>>,
    last_refresh: std::sync::Mutex<Option<Instant>>,
    /// Held while the keys are read, so concurrent callers wait for that read instead of
    /// finding no keys (a restarted service under load refused its first tokens).
    refreshing: tokio::sync::Mutex<()>,
    redis: Option<redis::aio::ConnectionManager>,
}

/// How long published keys are trusted before they are read again.
const KEYS_MAX_AGE: Duration = Duration::from_secs(60);

/// How often an unknown `kid` may trigger a re-read of the JWKS.
const REFRESH_INTERVAL: Duration = Duration::from_secs(1);

impl Verifier {
    /// A verifier reading keys (and revocations) from Redis.
    pub fn from_redis(redis: redis::aio::ConnectionManager) -> Self {
        Self::new(Some(redis))
    }

    fn new(redis: Option<redis::aio::ConnectionManager>) -> Self {
        Self {
            inner: Arc::new(VerifierInner {
                keys: RwLock::new(HashMap::new()),
                last_refresh: std::sync::Mutex::new(None),
                refreshing: tokio::sync::Mutex::new(()),
                redis,
            }),
        }
    }

    fn keys_older_than(&self, age: Duration) -> bool {
        self.inner.redis.is_some()
            && self
                .inner
                .last_refresh
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .is_none_or(|t| t.elapsed() > age)
    }

    /// Replaces the known keys (the gateway, which holds them).
    pub async fn set_keys(&self, jwks: &Jwks) {
        let decoded = decode_jwks(jwks);
        *self.inner.keys.write().await = decoded;
    }

    /// Re-reads the published keys; false when Redis holds none at all.
    async fn refresh_from_redis(&self) -> Result<bool, TokenError> {
        let Some(redis) = &self.inner.redis else {
            return Ok(true);
        };
        let _reading = self.inner.refreshing.lock().await;
        let recent = self
            .inner
            .last_refresh
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some_and(|t| t.elapsed() < REFRESH_INTERVAL);
        if recent {
            // Read a moment ago (perhaps while this caller waited for it).
            return Ok(true);
        }
        let mut conn = redis.clone();
        let doc: Option<String> = redis::cmd("GET")
            .arg(JWKS_KEY)
            .query_async(&mut conn)
            .await?;
        *self
            .inner
            .last_refresh
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now());
        let published = doc.is_some();
        if let Some(jwks) = doc.and_then(|d| serde_json::from_str::<Jwks>(&d).ok()) {
            let decoded = decode_jwks(&jwks);
            let mut keys = self.inner.keys.write().await;
            // The document is the whole truth: a key rotated out stops verifying here too.
            if !decoded.is_empty() {
                *keys = decoded;
            }
        }
        Ok(published)
    }

    /// Verifies signature, algorithm, issuer, audience, expiry and revocation.
    pub async fn verify(&self, token: &str) -> Result<Caller, TokenError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| TokenError::Malformed(e.to_string()))?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Algorithm);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        if self.keys_older_than(KEYS_MAX_AGE) {
            self.refresh_from_redis().await?;
        }
        let mut key = self.inner.keys.read().await.get(&kid).cloned();
        if key.is_none() {
            let published = self.refresh_from_redis().await?;
            key = self.inner.keys.read().await.get(&kid).cloned();
            if key.is_none() && !published {
                return Err(TokenError::KeysUnpublished);
            }
        }
        let key = key.ok_or(TokenError::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = 30;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        if let Some(redis) = &self.inner.redis {
            let mut conn = redis.clone();
            // One command for both: the token's revocation and the marker that Redis holds
            // every revocation (MGET: a pipeline of two cost a fifth of election day's rate).
            let (revoked, loaded): (Option<String>, Option<String>) = redis::cmd("MGET")
                .arg(revoked_key(&data.claims.jti))
                .arg(REVOCATIONS_LOADED)
                .query_async(&mut conn)
                .await?;
            let (revoked, loaded) = (revoked.is_some(), loaded.is_some());
            if revoked {
                return Err(TokenError::Revoked);
            }
            if !loaded {
                return Err(TokenError::RevocationsUnloaded);
            }
        }
        Ok(Caller::from_claims(data.claims, token))
    }
}

fn decode_jwks(jwks: &Jwks) -> HashMap<String, DecodingKey> {
    jwks.keys
        .iter()
        .filter(|k| k.kty == "OKP" && k.crv == "Ed25519")
        .filter_map(|k| {
            DecodingKey::from_ed_components(&k.x)
                .ok()
                .map(|d| (k.kid.clone(), d))
        })
        .collect()
}

/// Takes the bearer token out of an `Authorization` header value.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::PERSON_ROLES
            .into_iter()
            .chain([Role::Client, Role::System])
        {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn bearer_takes_the_token_whatever_the_scheme_case() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer abc"), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }
}
