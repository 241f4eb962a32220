//! Personal data: identity numbers become a keyed hash before they reach storage, logs or
//! events. The key (`JUXUAN_PII_KEY`, at least 32 bytes, hex or base64) lives outside the
//! database, so a copy of the database alone cannot be searched for a known number.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

/// The keyed hash of identity numbers.
#[derive(Clone)]
pub struct IdHasher {
    key: SecretSlice<u8>,
}

impl std::fmt::Debug for IdHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdHasher(..)")
    }
}

impl IdHasher {
    /// From the configured key: hex (64+ digits) or base64 of at least 32 bytes.
    pub fn from_config(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let bytes = if raw.len() >= 64 && raw.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(raw).map_err(|e| e.to_string())?
        } else {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(raw)
                .map_err(|_| "expected hex or base64".to_owned())?
        };
        if bytes.len() < 32 {
            return Err("the key needs at least 32 bytes".into());
        }
        Ok(Self {
            key: SecretSlice::from(bytes),
        })
    }

    /// HMAC-SHA256 of the normalised number (upper-case `X`).
    pub fn hash(&self, normalised_id: &str) -> Vec<u8> {
        // An HMAC takes keys of any length; this cannot fail.
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(self.key.expose_secret()) {
            Ok(m) => m,
            Err(_) => return Vec::new(),
        };
        mac.update(normalised_id.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_depends_on_the_key_and_the_number() {
        let a = IdHasher::from_config(&"ab".repeat(32)).expect("hex key");
        let b = IdHasher::from_config(&"cd".repeat(32)).expect("hex key");
        assert_eq!(a.hash("number-one"), a.hash("number-one"));
        assert_ne!(a.hash("number-one"), b.hash("number-one"));
        assert_ne!(a.hash("number-one"), a.hash("number-two"));
        assert_eq!(a.hash("x").len(), 32);
    }

    #[test]
    fn short_or_malformed_keys_are_refused() {
        assert!(IdHasher::from_config("short").is_err());
        assert!(IdHasher::from_config(&"ab".repeat(8)).is_err());
        assert!(
            format!(
                "{:?}",
                IdHasher::from_config(&"ab".repeat(32)).expect("key")
            )
            .contains("..")
        );
    }
}
