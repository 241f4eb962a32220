//! Outbox → relay → Redis Streams → consumer: each event reaches a consumer's effects once,
//! also when the relay publishes twice, a consumer dies before acknowledging, a handler
//! fails, or Redis is flushed.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use juxuan_platform::db::SchemaMigrations;
use juxuan_platform::events::{Consumer, Event, Handler, Outbox, Relay, stream_name};
use juxuan_platform::testing::{TestDb, isolated_redis_url};
use juxuan_proto::platform::v1::ProbeHappened;
use sqlx::{PgConnection, PgPool};

const SCHEMA: &str = "probe";
const PROBE: &str = "juxuan.platform.v1.ProbeHappened";
static NO_SERVICE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate::Migrator::DEFAULT;
static MIGRATIONS: SchemaMigrations = SchemaMigrations::new(SCHEMA, &NO_SERVICE_MIGRATIONS);
static OUTBOX: Outbox = Outbox::new(SCHEMA);

/// Records every applied event, without a uniqueness constraint, so a double application
/// would show.
struct Effects {
    fail_once_on: Option<u32>,
    failed: AtomicBool,
    /// An event the handler can never apply.
    always_fail_on: Option<u32>,
}

impl Handler for Effects {
    fn handle<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        event: &'a Event,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            let probe: ProbeHappened = event.decode()?;
            if self.always_fail_on == Some(probe.n) {
                anyhow::bail!("event {} cannot be applied", probe.n);
            }
            if self.fail_once_on == Some(probe.n) && !self.failed.swap(true, Ordering::SeqCst) {
                anyhow::bail!("simulated failure on event {}", probe.n);
            }
            sqlx::query("INSERT INTO probe.effects (event_id, n) VALUES ($1, $2)")
                .bind(event.id)
                .bind(i32::try_from(probe.n)?)
                .execute(conn)
                .await?;
            Ok(())
        })
    }
}

struct Fixture {
    pool: PgPool,
    redis: redis::aio::ConnectionManager,
    _db: TestDb,
}

async fn fixture() -> Fixture {
    let db = TestDb::create("events").await;
    let pool = db.pool().await;
    MIGRATIONS.run(&pool).await.expect("migrate");
    sqlx::query("CREATE TABLE probe.effects (event_id uuid NOT NULL, n int NOT NULL)")
        .execute(&pool)
        .await
        .expect("effects table");
    let url = isolated_redis_url().await;
    let redis =
        juxuan_platform::redis::connect(&secrecy::SecretString::from(url), Duration::from_secs(5))
            .await
            .expect("redis");
    Fixture {
        pool,
        redis,
        _db: db,
    }
}

async fn enqueue(pool: &PgPool, range: std::ops::Range<u32>) {
    for n in range {
        let mut tx = pool.begin().await.expect("tx");
        OUTBOX
            .enqueue(
                &mut tx,
                PROBE,
                &ProbeHappened {
                    probe_id: format!("p{n}"),
                    n,
                },
            )
            .await
            .expect("enqueue");
        tx.commit().await.expect("commit");
    }
}

fn consumer(f: &Fixture, name: &str, handler: Effects) -> Consumer {
    Consumer::new(
        f.pool.clone(),
        f.redis.clone(),
        SCHEMA,
        stream_name(SCHEMA),
        "probe-effects",
        name,
        Arc::new(handler),
    )
}

fn effects() -> Effects {
    Effects {
        fail_once_on: None,
        failed: AtomicBool::new(false),
        always_fail_on: None,
    }
}

/// (applications, distinct events applied)
async fn applied(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as("SELECT count(*), count(DISTINCT event_id) FROM probe.effects")
        .fetch_one(pool)
        .await
        .expect("count")
}

/// Polls until `want` distinct events are applied, or 10 s pass.
async fn drain(consumer: &Consumer, pool: &PgPool, want: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while applied(pool).await.1 < want {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {:?} of {want} applied",
            applied(pool).await
        );
        let _ = consumer.poll_once(Duration::from_millis(100)).await;
    }
    // A few more polls: nothing else may arrive.
    for _ in 0..3 {
        let _ = consumer.poll_once(Duration::from_millis(50)).await;
    }
}

async fn xlen(redis: &redis::aio::ConnectionManager) -> u64 {
    let mut conn = redis.clone();
    redis::cmd("XLEN")
        .arg(stream_name(SCHEMA))
        .query_async(&mut conn)
        .await
        .expect("xlen")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_published_twice_by_a_relay_that_died_before_marking_it_is_applied_once() {
    let f = fixture().await;
    enqueue(&f.pool, 0..20).await;
    let relay = Relay::new(f.pool.clone(), f.redis.clone(), SCHEMA);
    assert_eq!(relay.publish_batch().await.expect("publish"), 20);
    // The relay published but "crashed" before its commit: half the rows look unpublished.
    sqlx::query("UPDATE probe.outbox SET published_at = NULL WHERE seq <= 10")
        .execute(&f.pool)
        .await
        .expect("simulate lost commit");
    assert_eq!(relay.publish_batch().await.expect("publish again"), 10);
    assert_eq!(
        xlen(&f.redis).await,
        30,
        "ten events are in the stream twice"
    );
    assert_eq!(relay.pending().await.expect("pending"), 0);

    let c = consumer(&f, "c1", effects());
    drain(&c, &f.pool, 20).await;
    assert_eq!(applied(&f.pool).await, (20, 20));
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_of_a_consumer_that_died_before_acknowledging_are_reclaimed_and_applied_once() {
    let f = fixture().await;
    enqueue(&f.pool, 0..5).await;
    Relay::new(f.pool.clone(), f.redis.clone(), SCHEMA)
        .publish_batch()
        .await
        .expect("publish");
    let mut live = consumer(&f, "live", effects());
    live.reclaim_after = Duration::from_millis(1);
    // A consumer of the group takes all five and dies without acknowledging.
    let mut conn = f.redis.clone();
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream_name(SCHEMA))
        .arg("probe-effects")
        .arg("0")
        .arg("MKSTREAM")
        .query_async::<()>(&mut conn)
        .await
        .expect("group");
    let taken: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("probe-effects")
        .arg("dead")
        .arg("COUNT")
        .arg(100)
        .arg("STREAMS")
        .arg(stream_name(SCHEMA))
        .arg(">")
        .query_async(&mut conn)
        .await
        .expect("dead consumer reads");
    assert_eq!(taken.keys[0].ids.len(), 5);
    tokio::time::sleep(Duration::from_millis(5)).await;

    drain(&live, &f.pool, 5).await;
    assert_eq!(applied(&f.pool).await, (5, 5));
    let pending: Vec<redis::Value> = redis::cmd("XPENDING")
        .arg(stream_name(SCHEMA))
        .arg("probe-effects")
        .query_async(&mut conn)
        .await
        .expect("xpending");
    assert_eq!(
        pending.first(),
        Some(&redis::Value::Int(0)),
        "everything acknowledged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_handler_leaves_the_event_pending_and_it_is_applied_on_retry() {
    let f = fixture().await;
    enqueue(&f.pool, 0..6).await;
    Relay::new(f.pool.clone(), f.redis.clone(), SCHEMA)
        .publish_batch()
        .await
        .expect("publish");
    let c = consumer(
        &f,
        "c1",
        Effects {
            fail_once_on: Some(3),
            failed: AtomicBool::new(false),
            always_fail_on: None,
        },
    );
    let first = c.poll_once(Duration::from_millis(50)).await;
    assert!(first.is_err(), "the simulated failure surfaces");
    drain(&c, &f.pool, 6).await;
    assert_eq!(applied(&f.pool).await, (6, 6));
}

/// An `XRANGE` entry: id and field/value pairs.
type StreamEntry = (String, Vec<(String, Vec<u8>)>);
/// The `XPENDING` summary: count, smallest and largest id, per-consumer counts.
type PendingSummary = (
    u64,
    Option<String>,
    Option<String>,
    Option<Vec<(String, String)>>,
);

#[tokio::test(flavor = "multi_thread")]
async fn an_event_that_always_fails_is_parked_and_the_stream_moves_on() {
    let f = fixture().await;
    enqueue(&f.pool, 0..6).await;
    Relay::new(f.pool.clone(), f.redis.clone(), SCHEMA)
        .publish_batch()
        .await
        .expect("publish");
    let mut c = consumer(
        &f,
        "c1",
        Effects {
            fail_once_on: None,
            failed: AtomicBool::new(false),
            always_fail_on: Some(2),
        },
    );
    c.max_attempts = 3;
    // The events after the poisoned one are applied all the same.
    drain(&c, &f.pool, 5).await;
    assert_eq!(applied(&f.pool).await, (5, 5));
    let mut r = f.redis.clone();
    let dead: Vec<StreamEntry> = redis::cmd("XRANGE")
        .arg(juxuan_platform::events::dead_letter_stream("probe-effects"))
        .arg("-")
        .arg("+")
        .query_async(&mut r)
        .await
        .expect("xrange");
    assert_eq!(dead.len(), 1, "{dead:?}");
    let fields: std::collections::HashMap<String, String> = dead[0]
        .1
        .iter()
        .map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned()))
        .collect();
    assert_eq!(fields["type"], PROBE);
    assert!(
        fields["error"].contains("event 2 cannot be applied"),
        "{fields:?}"
    );
    // Nothing is pending any more.
    let pending: PendingSummary = redis::cmd("XPENDING")
        .arg(stream_name(SCHEMA))
        .arg("probe-effects")
        .query_async(&mut r)
        .await
        .expect("xpending");
    assert_eq!(pending.0, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn flushing_redis_loses_no_event_and_applies_none_twice() {
    let f = fixture().await;
    let relay = Relay::new(f.pool.clone(), f.redis.clone(), SCHEMA);
    let c = consumer(&f, "c1", effects());
    enqueue(&f.pool, 0..10).await;
    relay.publish_batch().await.expect("publish");
    drain(&c, &f.pool, 10).await;

    let mut conn = f.redis.clone();
    redis::cmd("FLUSHDB")
        .query_async::<()>(&mut conn)
        .await
        .expect("flush");
    enqueue(&f.pool, 10..15).await;
    // The relay sees its marker gone and republishes the whole outbox.
    assert_eq!(relay.publish_batch().await.expect("republish"), 15);
    drain(&c, &f.pool, 15).await;
    assert_eq!(applied(&f.pool).await, (15, 15));
}

#[tokio::test(flavor = "multi_thread")]
async fn running_relay_and_consumer_tasks_deliver_everything_and_stop_cleanly() {
    let f = fixture().await;
    let (trigger, shutdown) = juxuan_platform::shutdown::channel();
    let relay = Relay::new(f.pool.clone(), f.redis.clone(), SCHEMA).spawn(shutdown.clone());
    let c = consumer(&f, "c1", effects()).spawn(shutdown.clone());
    enqueue(&f.pool, 0..25).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while applied(&f.pool).await.1 < 25 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not delivered: {:?}",
            applied(&f.pool).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    trigger.fire();
    tokio::time::timeout(Duration::from_secs(5), async {
        relay.await.expect("relay task");
        c.await.expect("consumer task");
    })
    .await
    .expect("tasks stop on shutdown");
    assert_eq!(applied(&f.pool).await, (25, 25));
}
