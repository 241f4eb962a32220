//! The review service's consumer of nomination events, killed mid-stream and restarted while
//! nominations keep arriving: no review case is lost, none is doubled, and a full replay of the
//! stream changes nothing.

use std::time::Duration;

use juxuan_platform::events::{Outbox, Relay, stream_name};
use juxuan_platform::testing::{TestDb, isolated_redis_url};
use juxuan_proto::common::v1::AreaPath;
use juxuan_proto::nomination::v1 as pb;
use redis::aio::ConnectionManager;
use sqlx::PgPool;
use uuid::Uuid;

const OUTBOX: Outbox = Outbox::new("nomination");

struct Ids {
    contest: Uuid,
    election: Uuid,
    district: Uuid,
    street: Uuid,
    community: Uuid,
}

/// Submits `n` nominations' events (and withdraws every tenth) through the nomination outbox.
async fn submit(pool: &PgPool, ids: &Ids, n: usize) -> Vec<Uuid> {
    let mut nominations = Vec::new();
    for i in 0..n {
        let id = Uuid::now_v7();
        let mut tx = pool.begin().await.expect("tx");
        let event = pb::NominationSubmitted {
            nomination_id: id.to_string(),
            contest_id: ids.contest.to_string(),
            election_id: ids.election.to_string(),
            community: Some(AreaPath {
                level: 3,
                id: ids.community.to_string(),
                district_id: ids.district.to_string(),
                street_id: ids.street.to_string(),
                community_id: ids.community.to_string(),
                name: "南岭社区".into(),
            }),
            position: "member".into(),
            method: "joint_voters".into(),
            nominee_name: format!("候选人{i}"),
            nominee_key: format!("{i:064x}"),
            eligible: true,
            submitted_at: "2024-05-15T09:00:00+08:00".into(),
            drill: true,
            ..Default::default()
        };
        OUTBOX
            .enqueue(&mut tx, juxuan_review::cases::NOMINATION_SUBMITTED, &event)
            .await
            .expect("enqueue");
        if i % 10 == 9 {
            let withdrawn = pb::NominationWithdrawn {
                nomination_id: id.to_string(),
                contest_id: ids.contest.to_string(),
                election_id: ids.election.to_string(),
                withdrawn_at: "2024-05-15T10:00:00+08:00".into(),
            };
            OUTBOX
                .enqueue(
                    &mut tx,
                    juxuan_review::cases::NOMINATION_WITHDRAWN,
                    &withdrawn,
                )
                .await
                .expect("enqueue");
        }
        tx.commit().await.expect("commit");
        nominations.push(id);
    }
    nominations
}

async fn relay_all(relay: &Relay) {
    while relay.publish_batch().await.expect("relay") > 0 {}
}

/// (cases, withdrawn cases, events processed by the review consumer)
async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM review.cases), \
                (SELECT count(*) FROM review.cases WHERE status = 'withdrawn'), \
                (SELECT count(*) FROM review.processed_events)",
    )
    .fetch_one(pool)
    .await
    .expect("counts")
}

fn consumer(pool: &PgPool, redis: &ConnectionManager) -> juxuan_platform::events::Consumer {
    juxuan_review::App::consumer(pool.clone(), redis.clone(), "review-0")
}

async fn drain(pool: &PgPool, redis: &ConnectionManager, want: (i64, i64, i64)) {
    let c = consumer(pool, redis);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while counts(pool).await != want {
        assert!(
            tokio::time::Instant::now() < deadline,
            "stuck at {:?}, want {want:?}",
            counts(pool).await
        );
        c.poll_once(Duration::from_millis(50)).await.expect("poll");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consumer_killed_mid_stream_loses_no_case_and_doubles_none() {
    let db = TestDb::create("reviewconsumer").await;
    let pool = db.pool().await;
    juxuan_nomination::MIGRATIONS
        .run(&pool)
        .await
        .expect("migrate");
    juxuan_review::MIGRATIONS.run(&pool).await.expect("migrate");
    let redis_url = secrecy::SecretString::from(isolated_redis_url().await);
    let redis = juxuan_platform::redis::connect(&redis_url, Duration::from_secs(5))
        .await
        .expect("redis");
    let relay = Relay::new(pool.clone(), redis.clone(), "nomination");
    let ids = Ids {
        contest: Uuid::now_v7(),
        election: Uuid::now_v7(),
        district: Uuid::now_v7(),
        street: Uuid::now_v7(),
        community: Uuid::now_v7(),
    };

    submit(&pool, &ids, 300).await;
    relay_all(&relay).await;
    // Kill the consumer (abort: its open transaction is dropped) once it is under way.
    let running = consumer(&pool, &redis);
    let task = tokio::spawn(async move {
        loop {
            let _ = running.poll_once(Duration::from_millis(20)).await;
        }
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while counts(&pool).await.0 < 60 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the consumer never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    task.abort();
    let _ = task.await;
    let at_kill = counts(&pool).await;
    assert!(at_kill.0 < 300, "killed mid-stream: {at_kill:?}");

    // Nominations keep coming while the review service is down.
    submit(&pool, &ids, 200).await;
    relay_all(&relay).await;
    // 500 submissions and 50 withdrawals: 550 events.
    drain(&pool, &redis, (500, 50, 550)).await;

    // A full replay (a new group position at the start of the stream) changes nothing.
    let mut r = redis.clone();
    let _: () = redis::cmd("XGROUP")
        .arg("SETID")
        .arg(stream_name("nomination"))
        .arg(juxuan_review::CONSUMER_GROUP)
        .arg("0")
        .query_async(&mut r)
        .await
        .expect("rewind");
    let c = consumer(&pool, &redis);
    for _ in 0..20 {
        c.poll_once(Duration::from_millis(20)).await.expect("poll");
    }
    assert_eq!(counts(&pool).await, (500, 50, 550));
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM review.cases WHERE review_stage = 'community' AND status = 'submitted'",
    )
    .fetch_one(&pool)
    .await
    .expect("waiting");
    assert_eq!(waiting, 450);
}
