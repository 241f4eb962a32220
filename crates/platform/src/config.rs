//! Typed configuration from environment variables, checked at start.
//!
//! A service reads its whole configuration through one [`Env`]; every missing or bad value is
//! collected, so an operator sees all problems at once, one line each, instead of fixing them
//! one restart at a time.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use secrecy::SecretString;

/// Where the process runs; production refuses development conveniences (default passwords).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

impl FromStr for Environment {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "development" | "dev" => Ok(Self::Development),
            "production" | "prod" => Ok(Self::Production),
            other => Err(format!(
                "expected `development` or `production`, got `{other}`"
            )),
        }
    }
}

/// All configuration problems found, one per variable.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for p in &self.problems {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

type Source<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// Reads variables from a source (the process environment, or a map in tests) and records
/// every problem.
pub struct Env<'a> {
    source: Source<'a>,
    problems: Vec<String>,
}

/// The value of `<name>_FILE`'s file, if set; an unreadable file is reported on stderr
/// (the value then counts as missing, which the settings report in turn).
fn read_file_variable(name: &str, path: Option<String>) -> Option<String> {
    let path = path?;
    match std::fs::read_to_string(&path) {
        Ok(value) => Some(value.trim_end_matches(['\n', '\r']).to_owned()),
        Err(e) => {
            eprintln!("{name}_FILE: cannot read {path}: {e}");
            None
        }
    }
}

impl Default for Env<'_> {
    fn default() -> Self {
        Self::from_process()
    }
}

impl<'a> Env<'a> {
    /// The process environment. Any variable may instead be given as `<NAME>_FILE`, the path
    /// of a file holding the value (Docker and Kubernetes secrets); a trailing newline is
    /// dropped. The variable itself wins when both are set.
    pub fn from_process() -> Self {
        Self::from_fn(|name| {
            std::env::var(name)
                .ok()
                .or_else(|| read_file_variable(name, std::env::var(format!("{name}_FILE")).ok()))
        })
    }

    pub fn from_pairs(pairs: &'a [(&'a str, &'a str)]) -> Self {
        Self::from_fn(move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    pub fn from_fn(source: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Self {
            source: Box::new(source),
            problems: Vec::new(),
        }
    }

    fn raw(&self, name: &str) -> Option<String> {
        (self.source)(name).filter(|v| !v.trim().is_empty())
    }

    /// A required value; records `NAME is required` when absent.
    pub fn required<T: FromStr>(&mut self, name: &str) -> Option<T>
    where
        T::Err: fmt::Display,
    {
        match self.raw(name) {
            None => {
                self.problems.push(format!("{name} is required"));
                None
            }
            Some(v) => self.parse(name, &v),
        }
    }

    /// An optional value with a default used when absent.
    pub fn or<T: FromStr>(&mut self, name: &str, default: T) -> T
    where
        T::Err: fmt::Display,
    {
        match self.raw(name) {
            None => default,
            Some(v) => self.parse(name, &v).unwrap_or(default),
        }
    }

    /// An optional value without a default.
    pub fn optional<T: FromStr>(&mut self, name: &str) -> Option<T>
    where
        T::Err: fmt::Display,
    {
        let v = self.raw(name)?;
        self.parse(name, &v)
    }

    /// A required secret, never printed.
    pub fn secret(&mut self, name: &str) -> Option<SecretString> {
        match self.raw(name) {
            None => {
                self.problems.push(format!("{name} is required"));
                None
            }
            Some(v) => Some(SecretString::from(v)),
        }
    }

    pub fn optional_secret(&mut self, name: &str) -> Option<SecretString> {
        self.raw(name).map(SecretString::from)
    }

    /// Records a problem found by a cross-field check.
    pub fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(message.into());
    }

    fn parse<T: FromStr>(&mut self, name: &str, value: &str) -> Option<T>
    where
        T::Err: fmt::Display,
    {
        match value.trim().parse() {
            Ok(v) => Some(v),
            Err(e) => {
                // The value itself is not echoed: it may be a secret.
                self.problems.push(format!("{name} is invalid: {e}"));
                None
            }
        }
    }

    /// Ends reading: all problems, or the values read.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, ConfigError> {
        if self.problems.is_empty()
            && let Some(v) = build()
        {
            return Ok(v);
        }
        Err(ConfigError {
            problems: self.problems,
        })
    }
}

/// Settings every service reads.
#[derive(Debug, Clone)]
pub struct CommonSettings {
    pub environment: Environment,
    pub database_url: SecretString,
    pub redis_url: SecretString,
    /// `/healthz`, `/readyz`, `/metrics` (the gateway serves them on its API port too).
    pub admin_addr: SocketAddr,
    pub otlp_endpoint: Option<String>,
    /// Database pool size.
    pub db_max_connections: u32,
}

impl CommonSettings {
    pub fn read(env: &mut Env<'_>, default_admin_addr: &str) -> Option<Self> {
        // Production unless said otherwise: a forgotten variable must not switch on
        // development defaults (an `admin` password, a public identity-hashing key).
        let environment = env.or("JUXUAN_ENV", Environment::Production);
        let database_url = env.secret("DATABASE_URL");
        let redis_url = env.secret("REDIS_URL");
        let admin_addr = env.or(
            "JUXUAN_ADMIN_ADDR",
            default_admin_addr
                .parse()
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0))),
        );
        let otlp_endpoint = env.optional::<String>("OTEL_EXPORTER_OTLP_ENDPOINT");
        let db_max_connections = env.or("JUXUAN_DB_MAX_CONNECTIONS", 10u32);
        if db_max_connections == 0 {
            env.problem("JUXUAN_DB_MAX_CONNECTIONS must be at least 1");
        }
        Some(Self {
            environment,
            database_url: database_url?,
            redis_url: redis_url?,
            admin_addr,
            otlp_endpoint,
            db_max_connections,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_may_come_from_a_file_without_its_trailing_newline() {
        let dir = std::env::temp_dir().join(format!("juxuan-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("pii-key");
        std::fs::write(&path, "c2VjcmV0LWtleQ==\n").expect("write");
        assert_eq!(
            read_file_variable("JUXUAN_PII_KEY", Some(path.display().to_string())).as_deref(),
            Some("c2VjcmV0LWtleQ==")
        );
        assert_eq!(
            read_file_variable(
                "JUXUAN_PII_KEY",
                Some(dir.join("missing").display().to_string())
            ),
            None
        );
        assert_eq!(read_file_variable("JUXUAN_PII_KEY", None), None);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn every_missing_and_bad_value_is_reported_at_once() {
        let pairs = [
            ("JUXUAN_ADMIN_ADDR", "not-an-address"),
            ("JUXUAN_ENV", "staging"),
        ];
        let mut env = Env::from_pairs(&pairs);
        let common = CommonSettings::read(&mut env, "127.0.0.1:0");
        let err = env.finish(|| common).expect_err("config must be refused");
        let text = err.to_string();
        assert!(text.contains("DATABASE_URL is required"), "{text}");
        assert!(text.contains("REDIS_URL is required"), "{text}");
        assert!(text.contains("JUXUAN_ADMIN_ADDR is invalid"), "{text}");
        assert!(text.contains("JUXUAN_ENV is invalid"), "{text}");
        assert_eq!(err.problems.len(), 4);
    }

    #[test]
    fn a_complete_environment_reads_into_settings() {
        let pairs = [
            ("DATABASE_URL", "postgres://x@127.0.0.1/db"),
            ("REDIS_URL", "redis://127.0.0.1/"),
            ("JUXUAN_ENV", "production"),
        ];
        let mut env = Env::from_pairs(&pairs);
        let common = CommonSettings::read(&mut env, "127.0.0.1:9100");
        let s = env.finish(|| common).expect("valid config");
        assert_eq!(s.environment, Environment::Production);
        assert_eq!(s.admin_addr.port(), 9100);
        assert_eq!(s.db_max_connections, 10);
    }

    #[test]
    fn a_secret_value_is_not_echoed_in_problems() {
        let pairs = [("JUXUAN_DB_MAX_CONNECTIONS", "hunter2")];
        let mut env = Env::from_pairs(&pairs);
        let _ = CommonSettings::read(&mut env, "127.0.0.1:0");
        let err = env.finish(|| Some(())).expect_err("bad number");
        assert!(!err.to_string().contains("hunter2"));
    }
}
