//! Redis connection management: one multiplexed connection manager per process, which
//! reconnects by itself. Keys carry their owner's prefix (`gw:`, `ev:`, `bal:`, `cache:`).

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};

/// Connects, waiting for Redis up to `patience`.
pub async fn connect(url: &SecretString, patience: Duration) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(url.expose_secret())?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(5)))
        .set_number_of_retries(3);
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match ConnectionManager::new_with_config(client.clone(), config.clone()).await {
            Ok(conn) => return Ok(conn),
            Err(e) if tokio::time::Instant::now() >= deadline => {
                return Err(anyhow::anyhow!("redis not reachable: {e}"));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// PING, for readiness.
pub async fn ping(conn: &ConnectionManager) -> bool {
    let mut conn = conn.clone();
    redis::cmd("PING")
        .query_async::<String>(&mut conn)
        .await
        .is_ok()
}
