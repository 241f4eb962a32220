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

/// A Redis URL for one test: a logical database of its own, emptied, so tests running at
/// once never see each other's keys. Databases are handed out in turn from a counter in
/// database 0 (`cargo xtask test` starts Redis with 1024 of them).
pub async fn isolated_redis_url() -> String {
    let base = redis_url();
    let client =
        ::redis::Client::open(base.as_str()).unwrap_or_else(|e| panic!("bad REDIS_URL: {e}"));
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("cannot reach Redis at REDIS_URL: {e}"));
    let (_, databases): (String, u32) = ::redis::cmd("CONFIG")
        .arg("GET")
        .arg("databases")
        .query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot read Redis's database count: {e}"));
    assert!(
        databases > 1,
        "Redis needs more than one database for isolated tests"
    );
    let n: u64 = ::redis::cmd("INCR")
        .arg("juxuan:test:next-db")
        .query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot allocate a Redis database: {e}"));
    let db = 1 + n % u64::from(databases - 1);
    let trimmed = base.trim_end_matches('/');
    // Drop any database already in the URL.
    let root = match trimmed.rsplit_once('/') {
        Some((root, last))
            if last.chars().all(|c| c.is_ascii_digit())
                && root.contains("//")
                && !root.ends_with('/') =>
        {
            root
        }
        _ => trimmed,
    };
    let url = format!("{root}/{db}");
    let client =
        ::redis::Client::open(url.as_str()).unwrap_or_else(|e| panic!("bad Redis URL {url}: {e}"));
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("cannot reach Redis database {db}: {e}"));
    ::redis::cmd("FLUSHDB")
        .query_async::<()>(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot empty Redis database {db}: {e}"));
    url
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
