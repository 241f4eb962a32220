//! Ed25519 signing keys with `kid`, kept in the `auth` schema, rotated by an administrator.
//!
//! The newest key signs. On rotation the new key becomes active, the previous one keeps
//! verifying (its tokens live at most one access-token lifetime), and anything older is
//! retired. The public keys are served at `/.well-known/jwks.json` and published to Redis
//! (`gw:jwks`) for the services' verifiers.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use juxuan_platform::auth::{Claims, JWKS_KEY, Jwk, Jwks, Verifier};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio::sync::RwLock;

struct ActiveKey {
    kid: String,
    encoding: EncodingKey,
}

/// The keys, the active one first.
#[derive(Clone)]
pub struct KeyRing {
    active: Arc<RwLock<Arc<ActiveKey>>>,
    jwks: Arc<RwLock<Jwks>>,
    pool: PgPool,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    private_pem: String,
    public_x: String,
}

/// RFC 7638 thumbprint of an Ed25519 public key, used as its `kid`.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

fn generate() -> anyhow::Result<KeyRow> {
    let seed: [u8; 32] = rand::random();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("encoding a new signing key: {e}"))?;
    let x = URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes());
    Ok(KeyRow {
        kid: thumbprint(&x),
        private_pem: pem.to_string(),
        public_x: x,
    })
}

fn jwk(row: &KeyRow) -> Jwk {
    Jwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        x: row.public_x.clone(),
        kid: row.kid.clone(),
        use_: "sig".into(),
        alg: "EdDSA".into(),
    }
}

impl KeyRing {
    /// Loads the keys, creating the first one if there is none.
    pub async fn load(pool: PgPool) -> anyhow::Result<Self> {
        let mut tx = pool.begin().await?;
        // Two gateways starting at once must not both create a first key.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('auth.signing_keys'))")
            .execute(&mut *tx)
            .await?;
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM auth.signing_keys WHERE retired_at IS NULL")
                .fetch_one(&mut *tx)
                .await?;
        if count == 0 {
            insert(&mut tx, &generate()?).await?;
        }
        tx.commit().await?;
        let (active, jwks) = read(&pool).await?;
        Ok(Self {
            active: Arc::new(RwLock::new(Arc::new(active))),
            jwks: Arc::new(RwLock::new(jwks)),
            pool,
        })
    }

    /// Re-reads the keys (another gateway may have rotated).
    pub async fn reload(&self) -> anyhow::Result<()> {
        let (active, jwks) = read(&self.pool).await?;
        *self.active.write().await = Arc::new(active);
        *self.jwks.write().await = jwks;
        Ok(())
    }

    /// Makes a new key active; retires all but the previous one. Returns the new `kid`.
    pub async fn rotate(&self) -> anyhow::Result<String> {
        let row = generate()?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('auth.signing_keys'))")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE auth.signing_keys SET retired_at = now() WHERE retired_at IS NULL AND kid NOT IN \
             (SELECT kid FROM auth.signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1)",
        )
        .execute(&mut *tx)
        .await?;
        insert(&mut tx, &row).await?;
        tx.commit().await?;
        self.reload().await?;
        Ok(row.kid)
    }

    pub async fn jwks(&self) -> Jwks {
        self.jwks.read().await.clone()
    }

    pub async fn active_kid(&self) -> String {
        self.active.read().await.kid.clone()
    }

    /// Signs claims with the active key.
    pub async fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let key = self.active.read().await.clone();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &key.encoding)?)
    }

    /// Publishes the public keys to Redis and hands them to the gateway's own verifier.
    pub async fn publish(
        &self,
        redis: &redis::aio::ConnectionManager,
        verifier: &Verifier,
    ) -> anyhow::Result<()> {
        let jwks = self.jwks().await;
        verifier.set_keys(&jwks).await;
        let mut conn = redis.clone();
        redis::cmd("SET")
            .arg(JWKS_KEY)
            .arg(serde_json::to_string(&jwks)?)
            .arg("EX")
            .arg(3600)
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }
}

async fn insert(conn: &mut sqlx::PgConnection, row: &KeyRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO auth.signing_keys (kid, private_pem, public_x) VALUES ($1, $2, $3)")
        .bind(&row.kid)
        .bind(&row.private_pem)
        .bind(&row.public_x)
        .execute(conn)
        .await?;
    Ok(())
}

async fn read(pool: &PgPool) -> anyhow::Result<(ActiveKey, Jwks)> {
    let rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT kid, private_pem, public_x FROM auth.signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid",
    )
    .fetch_all(pool)
    .await?;
    let newest = rows
        .first()
        .ok_or_else(|| anyhow::anyhow!("no signing key"))?;
    let active = ActiveKey {
        kid: newest.kid.clone(),
        encoding: EncodingKey::from_ed_pem(newest.private_pem.as_bytes())?,
    };
    let jwks = Jwks {
        keys: rows.iter().map(jwk).collect(),
    };
    Ok((active, jwks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_signs_tokens_its_public_half_verifies() {
        let row = generate().expect("key");
        assert_eq!(row.kid, thumbprint(&row.public_x));
        let encoding = EncodingKey::from_ed_pem(row.private_pem.as_bytes()).expect("pem");
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(row.kid.clone());
        let token = jsonwebtoken::encode(
            &header,
            &serde_json::json!({"sub": "x", "exp": 4_000_000_000i64}),
            &encoding,
        )
        .expect("sign");
        let decoding = jsonwebtoken::DecodingKey::from_ed_components(&row.public_x).expect("x");
        let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
        validation.required_spec_claims.clear();
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation)
            .expect("verify");
        assert_eq!(data.claims["sub"], "x");
    }
}
