//! Events: a transactional outbox per service, a relay to Redis Streams, and consumers.
//!
//! - [`Outbox::enqueue`] writes a protobuf event in the caller's transaction.
//! - [`Relay`] publishes unpublished rows to the stream `ev:<schema>` in order and marks them.
//!   It keeps a marker key in Redis; when the marker is gone (Redis was flushed or lost its
//!   data) it republishes the whole outbox, so nothing acknowledged is ever lost.
//! - [`Consumer`] reads with a consumer group, applies each event in a transaction that also
//!   records its id in `<schema>.processed_events`, commits, then acknowledges. A redelivered
//!   or republished event finds its id there and changes nothing; messages left pending by a
//!   dead consumer are reclaimed after a while.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Row};
use uuid::Uuid;

use crate::shutdown::Shutdown;

/// The Redis stream of a schema's events.
pub fn stream_name(schema: &str) -> String {
    format!("ev:{schema}")
}

/// The stream where a consumer group parks events its handler cannot apply (`ev:dead:<group>`):
/// each entry keeps the event (id, type, payload), the stream it came from and the error. The
/// event stays in its producer's outbox, so once the cause is fixed it can be replayed.
pub fn dead_letter_stream(group: &str) -> String {
    format!("ev:dead:{group}")
}

fn marker_key(schema: &str) -> String {
    format!("ev:{schema}:relay-epoch")
}

/// How many entries a stream keeps (approximately); consumers are expected to keep up.
const STREAM_MAX_LEN: usize = 1_000_000;

/// A delivered event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: Uuid,
    pub event_type: String,
    pub payload: Vec<u8>,
    pub traceparent: Option<String>,
}

impl Event {
    pub fn decode<M: prost::Message + Default>(&self) -> Result<M, prost::DecodeError> {
        M::decode(self.payload.as_slice())
    }
}

/// The outbox of one schema.
#[derive(Debug, Clone)]
pub struct Outbox {
    schema: &'static str,
}

impl Outbox {
    pub const fn new(schema: &'static str) -> Self {
        Self { schema }
    }

    /// Writes an event in the caller's transaction. `event_type` is the message's full
    /// protobuf name (`juxuan.nomination.v1.AreaCreated`).
    #[tracing::instrument(name = "outbox.enqueue", skip_all, fields(otel.kind = "client", db.system = "postgresql", event.type = event_type))]
    pub async fn enqueue(
        &self,
        conn: &mut PgConnection,
        event_type: &str,
        message: &impl prost::Message,
    ) -> sqlx::Result<Uuid> {
        let id = Uuid::now_v7();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {}.outbox (event_id, event_type, payload, traceparent) VALUES ($1, $2, $3, $4)",
            self.schema
        )))
        .bind(id)
        .bind(event_type)
        .bind(message.encode_to_vec())
        .bind(crate::telemetry::current_traceparent())
        .execute(conn)
        .await?;
        Ok(id)
    }
}

/// Publishes a schema's outbox to its stream.
#[derive(Clone)]
pub struct Relay {
    pool: PgPool,
    redis: ConnectionManager,
    schema: &'static str,
}

impl Relay {
    pub fn new(pool: PgPool, redis: ConnectionManager, schema: &'static str) -> Self {
        Self {
            pool,
            redis,
            schema,
        }
    }

    /// Publishes up to one batch. Returns how many events were published (0 if another relay
    /// holds the lock or there was nothing to do).
    pub async fn publish_batch(&self) -> anyhow::Result<usize> {
        let mut redis = self.redis.clone();
        let mut tx = self.pool.begin().await?;
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext($1))")
            .bind(format!("{}.outbox_relay", self.schema))
            .fetch_one(&mut *tx)
            .await?;
        if !locked {
            return Ok(0);
        }
        let marker: Option<String> = redis::cmd("GET")
            .arg(marker_key(self.schema))
            .query_async(&mut redis)
            .await?;
        if marker.is_none() {
            // Redis lost what we published before (flush, restart without persistence, new
            // instance): publish everything again; consumers ignore what they already applied.
            // The reset commits before the marker is set, so a failure in between only
            // repeats the reset.
            tx.commit().await?;
            let republished = sqlx::query(AssertSqlSafe(format!(
                "UPDATE {}.outbox SET published_at = NULL WHERE published_at IS NOT NULL",
                self.schema
            )))
            .execute(&self.pool)
            .await?
            .rows_affected();
            if republished > 0 {
                tracing::warn!(
                    schema = self.schema,
                    events = republished,
                    "event stream marker missing; republishing the outbox"
                );
            }
            redis::cmd("SET")
                .arg(marker_key(self.schema))
                .arg(Uuid::now_v7().to_string())
                .query_async::<()>(&mut redis)
                .await?;
            return Box::pin(self.publish_batch()).await;
        }
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT seq, event_id, event_type, payload, traceparent FROM {}.outbox \
             WHERE published_at IS NULL ORDER BY seq LIMIT 500",
            self.schema
        )))
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        let stream = stream_name(self.schema);
        let mut pipe = redis::pipe();
        let mut seqs = Vec::with_capacity(rows.len());
        for row in &rows {
            let event_id: Uuid = row.try_get("event_id")?;
            let event_type: String = row.try_get("event_type")?;
            let payload: Vec<u8> = row.try_get("payload")?;
            let traceparent: Option<String> = row.try_get("traceparent")?;
            seqs.push(row.try_get::<i64, _>("seq")?);
            pipe.cmd("XADD")
                .arg(&stream)
                .arg("MAXLEN")
                .arg("~")
                .arg(STREAM_MAX_LEN)
                .arg("*")
                .arg("event_id")
                .arg(event_id.to_string())
                .arg("type")
                .arg(event_type)
                .arg("payload")
                .arg(payload)
                .arg("traceparent")
                .arg(traceparent.unwrap_or_default())
                .ignore();
        }
        pipe.query_async::<()>(&mut redis).await?;
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {}.outbox SET published_at = now() WHERE seq = ANY($1)",
            self.schema
        )))
        .bind(&seqs)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        metrics::counter!(crate::metrics::EVENTS_PUBLISHED, "stream" => stream)
            .increment(rows.len() as u64);
        Ok(rows.len())
    }

    /// Events written but not yet published.
    pub async fn pending(&self) -> sqlx::Result<i64> {
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {}.outbox WHERE published_at IS NULL",
            self.schema
        )))
        .fetch_one(&self.pool)
        .await
    }

    /// Runs until shutdown, polling every 100 ms when idle.
    pub fn spawn(self, shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let stop = shutdown.wait();
            tokio::pin!(stop);
            loop {
                let idle = match self.publish_batch().await {
                    Ok(n) => n == 0,
                    Err(e) => {
                        tracing::warn!(
                            error = format!("{e:#}"),
                            schema = self.schema,
                            "outbox relay failed; will retry"
                        );
                        true
                    }
                };
                if let Ok(pending) = self.pending().await {
                    metrics::gauge!(crate::metrics::OUTBOX_PENDING, "schema" => self.schema)
                        .set(pending as f64);
                }
                if idle {
                    tokio::select! {
                        _ = &mut stop => break,
                        _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    }
                } else if shutdown_now(&mut stop).await {
                    break;
                }
            }
        })
    }
}

async fn shutdown_now(stop: &mut Pin<&mut impl Future<Output = ()>>) -> bool {
    tokio::select! {
        biased;
        _ = stop => true,
        _ = std::future::ready(()) => false,
    }
}

/// What a consumer does with an event, inside the transaction that records it as processed.
pub trait Handler: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: &'a Event,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;
}

/// A consumer group member reading one stream.
pub struct Consumer {
    pool: PgPool,
    redis: ConnectionManager,
    /// Schema holding this consumer's `processed_events` (the consuming service's).
    schema: &'static str,
    stream: String,
    group: String,
    name: String,
    handler: Arc<dyn Handler>,
    /// Pending messages idle longer than this are taken over from dead consumers.
    pub reclaim_after: Duration,
    /// Failed attempts after which an event is parked in the dead-letter stream, so one
    /// event the handler cannot apply does not hold up every later one (an undecodable payload
    /// is parked at once).
    pub max_attempts: u32,
    failures: std::sync::Mutex<std::collections::HashMap<Uuid, u32>>,
    /// When the group's lag was last measured (at most once a second).
    lag_measured: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Consumer {
    /// `redis` must be a connection of the consumer's own: its blocking reads (`XREADGROUP
    /// BLOCK`) hold a multiplexed connection, and every command sharing it (token revocation
    /// checks, turnout counters, …) would wait behind them.
    pub fn new(
        pool: PgPool,
        redis: ConnectionManager,
        schema: &'static str,
        stream: String,
        group: &str,
        name: &str,
        handler: Arc<dyn Handler>,
    ) -> Self {
        Self {
            pool,
            redis,
            schema,
            stream,
            group: group.to_owned(),
            name: name.to_owned(),
            handler,
            reclaim_after: Duration::from_secs(30),
            max_attempts: 20,
            failures: std::sync::Mutex::default(),
            lag_measured: std::sync::Mutex::default(),
        }
    }

    /// The same consumer on a Redis connection of its own, as a service runs it (see
    /// [`Consumer::new`] for why).
    pub async fn on_own_connection(
        mut self,
        settings: &crate::config::CommonSettings,
    ) -> anyhow::Result<Self> {
        self.redis = crate::redis::connect(&settings.redis_url, Duration::from_secs(30)).await?;
        Ok(self)
    }

    async fn ensure_group(&self) -> anyhow::Result<()> {
        let mut redis = self.redis.clone();
        let created: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.stream)
            .arg(&self.group)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut redis)
            .await;
        match created {
            Ok(()) => Ok(()),
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads and applies one batch: first this consumer's own pending messages (after a
    /// crash), then reclaimed ones, then new ones. Returns how many messages were handled.
    pub async fn poll_once(&self, block: Duration) -> anyhow::Result<usize> {
        let mut redis = self.redis.clone();
        let mut handled = 0;
        for start in ["0", ">"] {
            let reply = match self.read(start, handled == 0, block).await {
                Err(e) if e.code() == Some("NOGROUP") => {
                    // The stream (and its group) vanished: Redis was flushed, or this is the
                    // first read. Create the group at the beginning and read again; the relay
                    // republishes after a flush and duplicates are skipped.
                    self.ensure_group().await?;
                    self.read(start, handled == 0, block).await?
                }
                other => other?,
            };
            for key in reply.keys {
                for message in key.ids {
                    self.apply(&message).await?;
                    handled += 1;
                }
            }
        }
        let claimed: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(&self.stream)
            .arg(&self.group)
            .arg(&self.name)
            .arg(self.reclaim_after.as_millis() as u64)
            .arg("0-0")
            .arg("COUNT")
            .arg(100)
            .query_async(&mut redis)
            .await
            .or_else(|e| {
                if e.code() == Some("NOGROUP") {
                    Ok(StreamAutoClaimReply::default())
                } else {
                    Err(e)
                }
            })?;
        for message in &claimed.claimed {
            self.apply(message).await?;
            handled += 1;
        }
        self.measure_lag().await;
        Ok(handled)
    }

    /// Sets `juxuan_consumer_lag_events`: the stream's entries the group has not acknowledged
    /// yet (never delivered, Redis's `lag`, plus delivered and pending). At most once a second;
    /// a failure to measure is not the consumer's failure.
    async fn measure_lag(&self) {
        let due = self.lag_measured.lock().is_ok_and(|mut last| {
            let now = std::time::Instant::now();
            let due = last.is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
            if due {
                *last = Some(now);
            }
            due
        });
        if !due {
            return;
        }
        let mut redis = self.redis.clone();
        let groups: redis::RedisResult<Vec<std::collections::HashMap<String, redis::Value>>> =
            redis::cmd("XINFO")
                .arg("GROUPS")
                .arg(&self.stream)
                .query_async(&mut redis)
                .await;
        let Ok(groups) = groups else { return };
        let number = |v: Option<&redis::Value>| match v {
            Some(redis::Value::Int(n)) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        if let Some(group) = groups
            .iter()
            .find(|g| matches!(g.get("name"), Some(redis::Value::BulkString(n)) if n == self.group.as_bytes()))
        {
            let lag = number(group.get("lag")) + number(group.get("pending"));
            #[allow(clippy::cast_precision_loss)]
            metrics::gauge!(crate::metrics::CONSUMER_LAG, "stream" => self.stream.clone(), "group" => self.group.clone())
                .set(lag as f64);
        }
    }

    async fn read(
        &self,
        start: &str,
        may_block: bool,
        block: Duration,
    ) -> redis::RedisResult<StreamReadReply> {
        let mut redis = self.redis.clone();
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(&self.group)
            .arg(&self.name)
            .arg("COUNT")
            .arg(100);
        if start == ">" && may_block {
            cmd.arg("BLOCK")
                .arg(u64::try_from(block.as_millis()).unwrap_or(u64::MAX));
        }
        cmd.arg("STREAMS").arg(&self.stream).arg(start);
        cmd.query_async(&mut redis).await
    }

    async fn apply(&self, message: &StreamId) -> anyhow::Result<()> {
        let mut redis = self.redis.clone();
        let event = match parse(message) {
            Some(e) => e,
            None => {
                tracing::error!(stream = %self.stream, message.id = %message.id, "malformed stream entry; acknowledged and skipped");
                self.ack(&mut redis, &message.id).await?;
                return Ok(());
            }
        };
        let mut tx = self.pool.begin().await?;
        let fresh = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {}.processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            self.schema
        )))
        .bind(&self.group)
        .bind(event.id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let outcome = if fresh {
            if let Err(e) = self.handler.handle(&mut tx, &event).await {
                drop(tx);
                let attempts = self.failures.lock().map_or(u32::MAX, |mut f| {
                    let n = f.entry(event.id).or_insert(0);
                    *n += 1;
                    *n
                });
                let undecodable = e.downcast_ref::<prost::DecodeError>().is_some();
                if undecodable || attempts >= self.max_attempts {
                    self.dead_letter(&mut redis, &message.id, &event, &e)
                        .await?;
                    return Ok(());
                }
                metrics::counter!(crate::metrics::EVENTS_CONSUMED, "stream" => self.stream.clone(), "group" => self.group.clone(), "outcome" => "error").increment(1);
                // Not acknowledged: it stays pending and is retried.
                return Err(e.context(format!(
                    "handling event {} ({}), attempt {attempts}",
                    event.id, event.event_type
                )));
            }
            "applied"
        } else {
            "duplicate"
        };
        tx.commit().await?;
        self.ack(&mut redis, &message.id).await?;
        metrics::counter!(crate::metrics::EVENTS_CONSUMED, "stream" => self.stream.clone(), "group" => self.group.clone(), "outcome" => outcome).increment(1);
        Ok(())
    }

    /// Parks an event the handler cannot apply, then acknowledges it.
    async fn dead_letter(
        &self,
        redis: &mut ConnectionManager,
        message_id: &str,
        event: &Event,
        error: &anyhow::Error,
    ) -> anyhow::Result<()> {
        redis::cmd("XADD")
            .arg(dead_letter_stream(&self.group))
            .arg("*")
            .arg("event_id")
            .arg(event.id.to_string())
            .arg("type")
            .arg(&event.event_type)
            .arg("payload")
            .arg(event.payload.as_slice())
            .arg("stream")
            .arg(&self.stream)
            .arg("error")
            .arg(format!("{error:#}"))
            .query_async::<String>(redis)
            .await?;
        self.ack(redis, message_id).await?;
        if let Ok(mut f) = self.failures.lock() {
            f.remove(&event.id);
        }
        metrics::counter!(crate::metrics::EVENTS_CONSUMED, "stream" => self.stream.clone(), "group" => self.group.clone(), "outcome" => "dead").increment(1);
        tracing::error!(
            event.id = %event.id,
            event.r#type = %event.event_type,
            stream = %self.stream,
            group = %self.group,
            error = format!("{error:#}"),
            "event parked in the dead-letter stream"
        );
        Ok(())
    }

    async fn ack(&self, redis: &mut ConnectionManager, id: &str) -> redis::RedisResult<()> {
        redis::cmd("XACK")
            .arg(&self.stream)
            .arg(&self.group)
            .arg(id)
            .query_async::<()>(redis)
            .await
    }

    /// Runs until shutdown.
    pub fn spawn(self, shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            if let Err(e) = self.ensure_group().await {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "consumer group not created yet; will retry"
                );
            }
            let stop = shutdown.wait();
            tokio::pin!(stop);
            loop {
                tokio::select! {
                    _ = &mut stop => break,
                    result = self.poll_once(Duration::from_millis(500)) => {
                        if let Err(e) = result {
                            tracing::warn!(error = format!("{e:#}"), stream = %self.stream, group = %self.group, "consumer failed; will retry");
                            tokio::time::sleep(Duration::from_millis(500)).await;
                        }
                    }
                }
            }
        })
    }
}

fn parse(message: &StreamId) -> Option<Event> {
    let id: String = message.get("event_id")?;
    let traceparent: String = message.get("traceparent").unwrap_or_default();
    Some(Event {
        id: id.parse().ok()?,
        event_type: message.get("type")?,
        payload: message.get("payload")?,
        traceparent: Some(traceparent).filter(|t| !t.is_empty()),
    })
}
