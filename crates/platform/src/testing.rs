//! Test support: a fresh database per test, and Redis.
//!
//! Tests need `DATABASE_URL` and `REDIS_URL` (`cargo xtask test` starts private instances and
//! sets them). A missing database fails the test loudly; it is never skipped.

use secrecy::SecretString;
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

/// The database server URL from the environment, or a panic saying how to get one.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run the tests with `cargo xtask test`, which starts Postgres and Redis")
    })
}

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| {
        panic!("REDIS_URL is not set: run the tests with `cargo xtask test`, which starts Postgres and Redis")
    })
}

/// A database of its own for one test, dropped by nobody (the private server is thrown away
/// after the run).
pub struct TestDb {
    pub name: String,
    pub url: SecretString,
}

fn with_database(url: &str, name: &str) -> String {
    // Replace the path of the URL (the database) and keep any query string.
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let without_db = match base.rfind('/') {
        Some(i) if base[..i].contains("//") && i > base.find("//").map_or(0, |j| j + 1) => {
            &base[..i]
        }
        _ => base,
    };
    match query {
        Some(q) => format!("{without_db}/{name}?{q}"),
        None => format!("{without_db}/{name}"),
    }
}

impl TestDb {
    /// Creates an empty database with a unique name.
    pub async fn create(prefix: &str) -> TestDb {
        let server = database_url();
        let name = format!("{prefix}_{}", Uuid::new_v4().simple());
        let admin = PgPool::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("cannot reach Postgres at DATABASE_URL: {e}"));
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        admin.close().await;
        let url = with_database(&server, &name);
        TestDb {
            name,
            url: SecretString::from(url),
        }
    }

    pub async fn pool(&self) -> PgPool {
        crate::db::connect(&self.url, 5, std::time::Duration::from_secs(10))
            .await
            .unwrap_or_else(|e| panic!("cannot connect to test database {}: {e}", self.name))
    }
}

/// A Redis connection for tests.
pub async fn redis() -> ::redis::aio::ConnectionManager {
    crate::redis::connect(
        &SecretString::from(redis_url()),
        std::time::Duration::from_secs(10),
    )
    .await
    .unwrap_or_else(|e| panic!("cannot reach Redis at REDIS_URL: {e}"))
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://u@h:5/juxuan", "t1"),
            "postgres://u@h:5/t1"
        );
        assert_eq!(
            with_database("postgres://u@h:5", "t1"),
            "postgres://u@h:5/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/x?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
