//! First start: the district named by `JUXUAN_DISTRICT` and its district admin.

use juxuan_platform::audit;
use juxuan_platform::grpc::authorized;
use juxuan_proto::nomination::v1::EnsureDistrictRequest;
use secrecy::ExposeSecret;
use uuid::Uuid;

use crate::http::AppState;
use crate::store::{self, UserRow};
use crate::tokens::hash_password;

/// Creates the district and admin when there is no account yet. Safe with several gateways
/// starting at once (advisory lock) and idempotent.
pub async fn run(state: &AppState) -> anyhow::Result<()> {
    let mut tx = state.pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('auth.bootstrap'))")
        .execute(&mut *tx)
        .await?;
    if store::count_users(&mut tx).await? > 0 {
        return Ok(());
    }
    let token = state.issuer.system_token().await?;
    let district = state
        .areas
        .clone()
        .ensure_district(authorized(
            EnsureDistrictRequest {
                name: state.settings.district.clone(),
                code: String::new(),
            },
            &token,
        ))
        .await?
        .into_inner();
    let district_id: Uuid = district.id.parse()?;
    let admin = UserRow {
        id: Uuid::now_v7(),
        username: state.settings.admin_username.clone(),
        password_hash: hash_password(state.settings.admin_password.expose_secret().to_owned())
            .await?,
        display_name: format!("{}管理员", district.name),
        role: "district_admin".into(),
        area_level: "district".into(),
        area_id: district_id,
        district_id,
        street_id: None,
    };
    store::insert_user(&mut tx, &admin, "system:gateway").await?;
    let change =
        serde_json::json!({"username": admin.username, "role": admin.role, "area_id": district_id});
    crate::AUDIT
        .append(
            &mut tx,
            audit::Entry {
                actor: "system:gateway",
                role: "system",
                action: "auth.bootstrap_admin_created",
                object_id: &admin.id.to_string(),
                change: &change,
            },
        )
        .await?;
    tx.commit().await?;
    tracing::info!(district.id = %district_id, username = %admin.username, "first district and its admin created");
    Ok(())
}
