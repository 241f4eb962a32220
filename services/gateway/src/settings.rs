//! The gateway's settings, from environment variables.

use std::net::SocketAddr;

use juxuan_platform::config::{CommonSettings, ConfigError, Env, Environment};
use secrecy::SecretString;

#[derive(Debug, Clone)]
pub struct Settings {
    pub common: CommonSettings,
    /// The REST API (with `/healthz`, `/readyz`, `/metrics` on the same port).
    pub http_addr: SocketAddr,
    pub nomination_url: String,
    pub review_url: String,
    pub ballot_url: String,
    pub reporting_url: String,
    /// Name of the district created on first start.
    pub district: String,
    pub admin_username: String,
    pub admin_password: SecretString,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    /// Failed logins of one username within the window before it is throttled.
    pub login_attempts: u32,
    pub login_window_secs: u64,
    /// Requests per minute per bearer token (`JUXUAN_RATE_LIMIT_PER_MINUTE`, 0: no limit).
    pub rate_limit_per_minute: u32,
    /// Longest time a request may take (`JUXUAN_REQUEST_TIMEOUT_SECONDS`).
    pub request_timeout_secs: u64,
    /// Requests in flight before more are refused with 503 (`JUXUAN_MAX_IN_FLIGHT`).
    pub max_in_flight: usize,
}

impl Settings {
    pub fn read(mut env: Env<'_>) -> Result<Self, ConfigError> {
        let common = CommonSettings::read(&mut env, "127.0.0.1:0");
        let http_addr = env.or("JUXUAN_HTTP_ADDR", SocketAddr::from(([127, 0, 0, 1], 8080)));
        let nomination_url = env.or("JUXUAN_NOMINATION_URL", "http://127.0.0.1:50051".to_owned());
        let review_url = env.or("JUXUAN_REVIEW_URL", "http://127.0.0.1:50052".to_owned());
        let ballot_url = env.or("JUXUAN_BALLOT_URL", "http://127.0.0.1:50053".to_owned());
        let reporting_url = env.or("JUXUAN_REPORTING_URL", "http://127.0.0.1:50054".to_owned());
        for (name, url) in [
            ("JUXUAN_NOMINATION_URL", &nomination_url),
            ("JUXUAN_REVIEW_URL", &review_url),
            ("JUXUAN_BALLOT_URL", &ballot_url),
            ("JUXUAN_REPORTING_URL", &reporting_url),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                env.problem(format!("{name} must be an http:// or https:// URL"));
            }
        }
        let district = env.or("JUXUAN_DISTRICT", "示例区".to_owned());
        let admin_username = env.or("JUXUAN_ADMIN_USERNAME", "admin".to_owned());
        let production = common
            .as_ref()
            .is_some_and(|c| c.environment == Environment::Production);
        let admin_password = match env.optional_secret("JUXUAN_ADMIN_PASSWORD") {
            Some(p) => Some(p),
            None if production => {
                env.problem("JUXUAN_ADMIN_PASSWORD is required in production (the first district admin's password)");
                None
            }
            None => Some(SecretString::from("admin")),
        };
        let access_token_ttl_secs = env.or("JUXUAN_ACCESS_TOKEN_TTL_SECONDS", 900i64);
        let refresh_token_ttl_secs = env.or("JUXUAN_REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600i64);
        if !(60..=86_400).contains(&access_token_ttl_secs) {
            env.problem("JUXUAN_ACCESS_TOKEN_TTL_SECONDS must be between 60 and 86400");
        }
        let login_attempts = env.or("JUXUAN_LOGIN_ATTEMPTS", 5u32);
        let login_window_secs = env.or("JUXUAN_LOGIN_WINDOW_SECONDS", 900u64);
        let rate_limit_per_minute = env.or("JUXUAN_RATE_LIMIT_PER_MINUTE", 1200u32);
        let request_timeout_secs = env.or("JUXUAN_REQUEST_TIMEOUT_SECONDS", 60u64);
        let max_in_flight = env.or("JUXUAN_MAX_IN_FLIGHT", 2048usize);
        if max_in_flight == 0 {
            env.problem("JUXUAN_MAX_IN_FLIGHT must be at least 1");
        }
        if !(1..=3600).contains(&request_timeout_secs) {
            env.problem("JUXUAN_REQUEST_TIMEOUT_SECONDS must be between 1 and 3600");
        }
        env.finish(|| {
            Some(Self {
                common: common?,
                http_addr,
                nomination_url,
                review_url,
                ballot_url,
                reporting_url,
                district,
                admin_username,
                admin_password: admin_password?,
                access_token_ttl_secs,
                refresh_token_ttl_secs,
                login_attempts,
                login_window_secs,
                rate_limit_per_minute,
                request_timeout_secs,
                max_in_flight,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_to_start_without_an_admin_password() {
        let pairs = [
            ("DATABASE_URL", "postgres://x@127.0.0.1/db"),
            ("REDIS_URL", "redis://127.0.0.1/"),
            ("JUXUAN_ENV", "production"),
        ];
        let err = Settings::read(Env::from_pairs(&pairs)).expect_err("must refuse");
        assert!(
            err.to_string()
                .contains("JUXUAN_ADMIN_PASSWORD is required"),
            "{err}"
        );
    }

    #[test]
    fn development_defaults_the_admin_password_and_the_addresses() {
        let pairs = [
            ("DATABASE_URL", "postgres://x@127.0.0.1/db"),
            ("REDIS_URL", "redis://127.0.0.1/"),
            ("JUXUAN_ENV", "development"),
        ];
        let s = Settings::read(Env::from_pairs(&pairs)).expect("valid");
        assert_eq!(s.http_addr.port(), 8080);
        assert_eq!(s.district, "示例区");
        assert_eq!(s.admin_username, "admin");
    }

    #[test]
    fn a_service_url_without_a_scheme_is_refused() {
        let pairs = [
            ("DATABASE_URL", "postgres://x@127.0.0.1/db"),
            ("REDIS_URL", "redis://127.0.0.1/"),
            ("JUXUAN_NOMINATION_URL", "127.0.0.1:50051"),
            ("JUXUAN_ENV", "development"),
        ];
        let err = Settings::read(Env::from_pairs(&pairs)).expect_err("must refuse");
        assert!(err.to_string().contains("JUXUAN_NOMINATION_URL"), "{err}");
    }
}
