//! The audit log: append-only, sealed into a hash chain; tampering is detected.

use juxuan_platform::audit::{AuditLog, Entry};
use juxuan_platform::db::SchemaMigrations;
use juxuan_platform::testing::TestDb;
use sqlx::PgPool;

const SCHEMA: &str = "probe";
static NO_SERVICE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate::Migrator::DEFAULT;
static MIGRATIONS: SchemaMigrations = SchemaMigrations::new(SCHEMA, &NO_SERVICE_MIGRATIONS);
static AUDIT: AuditLog = AuditLog::new(SCHEMA);

async fn log_with(entries: usize) -> (PgPool, TestDb) {
    let db = TestDb::create("audit").await;
    let pool = db.pool().await;
    MIGRATIONS.run(&pool).await.expect("migrate");
    for i in 0..entries {
        let mut tx = pool.begin().await.expect("tx");
        let change = serde_json::json!({"name": format!("街道{i}")});
        AUDIT
            .append(
                &mut tx,
                Entry {
                    actor: "u1",
                    role: "district_admin",
                    action: "area.street_created",
                    object_id: &format!("obj{i}"),
                    change: &change,
                },
            )
            .await
            .expect("append");
        tx.commit().await.expect("commit");
    }
    AUDIT.seal(&pool).await.expect("seal");
    (pool, db)
}

/// Runs a statement with the append-only trigger off, as someone with table rights would.
async fn behind_the_trigger(pool: &PgPool, statement: &str) {
    let mut tx = pool.begin().await.expect("tx");
    sqlx::query("ALTER TABLE probe.audit_log DISABLE TRIGGER audit_log_append_only")
        .execute(&mut *tx)
        .await
        .expect("disable");
    sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(&mut *tx)
        .await
        .expect("tamper");
    sqlx::query("ALTER TABLE probe.audit_log ENABLE TRIGGER audit_log_append_only")
        .execute(&mut *tx)
        .await
        .expect("enable");
    tx.commit().await.expect("commit");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untouched_log_verifies() {
    let (pool, _db) = log_with(5).await;
    let v = AUDIT.verify(&pool).await.expect("verify");
    assert!(v.intact, "{:?}", v.problems);
    assert_eq!(v.entries, 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_altered_entry_is_detected() {
    let (pool, _db) = log_with(5).await;
    behind_the_trigger(
        &pool,
        "UPDATE probe.audit_log SET actor = 'mallory' WHERE id = 3",
    )
    .await;
    let v = AUDIT.verify(&pool).await.expect("verify");
    assert!(!v.intact);
    assert!(
        v.problems.iter().any(|p| p.starts_with("entry 3:")),
        "{:?}",
        v.problems
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_whose_stored_digest_was_replaced_is_detected() {
    let (pool, _db) = log_with(5).await;
    // A replaced digest no longer matches the entry's content. (Someone who can rewrite every
    // later chain hash, or cut the tail, is not caught without a key or a checkpoint held
    // outside the schema: see ADR 0003.)
    behind_the_trigger(
        &pool,
        "UPDATE probe.audit_log SET entry_digest = repeat('0', 64) WHERE id = 2",
    )
    .await;
    let v = AUDIT.verify(&pool).await.expect("verify");
    assert!(!v.intact);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_entry_leaves_a_gap_that_is_detected() {
    let (pool, _db) = log_with(5).await;
    behind_the_trigger(&pool, "DELETE FROM probe.audit_log WHERE id = 2").await;
    let v = AUDIT.verify(&pool).await.expect("verify");
    assert!(!v.intact);
    assert!(
        v.problems.iter().any(|p| p.contains("entries missing")),
        "{:?}",
        v.problems
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_itself_refuses_updates_and_deletes() {
    let (pool, _db) = log_with(2).await;
    let update = sqlx::query("UPDATE probe.audit_log SET actor = 'mallory' WHERE id = 1")
        .execute(&pool)
        .await;
    assert!(update.is_err(), "updates are refused");
    let delete = sqlx::query("DELETE FROM probe.audit_log WHERE id = 1")
        .execute(&pool)
        .await;
    assert!(delete.is_err(), "deletes are refused");
    assert!(AUDIT.verify(&pool).await.expect("verify").intact);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_appends_and_sealers_make_one_unbroken_chain() {
    let (pool, _db) = log_with(0).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = pool.begin().await.expect("tx");
            let change = serde_json::json!({"i": i});
            AUDIT
                .append(
                    &mut tx,
                    Entry {
                        actor: "u",
                        role: "teller",
                        action: "test.concurrent",
                        object_id: &i.to_string(),
                        change: &change,
                    },
                )
                .await
                .expect("append");
            tx.commit().await.expect("commit");
            AUDIT.seal(&pool).await.expect("seal");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    while AUDIT.seal(&pool).await.expect("seal") > 0 {}
    let unsealed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM probe.audit_log WHERE chain_pos IS NULL")
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(unsealed, 0);
    let v = AUDIT.verify(&pool).await.expect("verify");
    assert!(v.intact, "{:?}", v.problems);
    assert_eq!(v.entries, 40);
}
