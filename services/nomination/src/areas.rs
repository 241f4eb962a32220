//! Area use cases: authorise, load, store, audit, emit `AreaCreated`.

use juxuan_platform::audit;
use juxuan_platform::auth::{Caller, Role};
use juxuan_platform::error::{Kind, Text, unique_violation};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::nomination::v1 as pb;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::names::{AreaCode, AreaName, Page};
use crate::scope::{self, AreaPath};
use crate::store::{self, CommunityRow, DistrictRow, GroupRow, StreetRow};
use crate::{AUDIT, OUTBOX};

pub const AREA_CREATED: &str = "juxuan.nomination.v1.AreaCreated";

/// The area use cases over the `nomination` schema.
#[derive(Clone)]
pub struct Areas {
    pub(crate) pool: PgPool,
}

/// What was created, for the audit entry and the event.
pub(crate) struct Created<'a> {
    pub action: &'static str,
    pub path: AreaPath,
    pub name: &'a str,
    pub code: Option<&'a str>,
    pub group: Option<(Uuid, &'a str)>,
}

/// A duplicate name or code is a conflict with what exists (409).
pub(crate) fn conflict_or_internal(err: sqlx::Error) -> AppError {
    match unique_violation(&err) {
        Some(c) if c.ends_with("_code_unique") => AppError::new(
            Kind::Conflict,
            "area.duplicate_code",
            Text::new(
                "该代码已被本区其他区域使用",
                "The code is already used in this district",
            ),
        ),
        Some(c) if c.ends_with("_name_unique") => AppError::new(
            Kind::Conflict,
            "area.duplicate_name",
            Text::new(
                "同级已有同名区域",
                "An area of that name already exists here",
            ),
        ),
        _ => err.into(),
    }
}

/// 403 before anything is looked up for a caller who may read no area at all.
fn readable(caller: &Caller) -> AppResult<()> {
    if scope::may_read(caller) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// Roles that create streets, communities and resident groups (ADR 0004).
pub const STREET_WRITERS: &[Role] = &[Role::DistrictAdmin];
pub const COMMUNITY_WRITERS: &[Role] = &[Role::DistrictAdmin, Role::StreetOfficer];
pub const GROUP_WRITERS: &[Role] = &[
    Role::DistrictAdmin,
    Role::StreetOfficer,
    Role::CommunityOfficer,
];

fn not_found(zh: &str, en: &str) -> AppError {
    AppError::not_found(zh, en)
}

impl Areas {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Writes the audit entry and the event of a creation, in the creating transaction.
    pub(crate) async fn record_created(
        &self,
        conn: &mut PgConnection,
        caller: &Caller,
        created: Created<'_>,
    ) -> AppResult<()> {
        let object_id = created
            .group
            .map_or(created.path.id, |(id, _)| id)
            .to_string();
        let change = serde_json::json!({
            "level": created.path.level.as_str(),
            "id": object_id,
            "name": created.name,
            "code": created.code,
            "district_id": created.path.district_id,
            "street_id": created.path.street_id,
            "community_id": created.path.community_id,
        });
        AUDIT
            .append(
                conn,
                audit::Entry::by(caller, created.action, &object_id, &change),
            )
            .await?;
        let event = pb::AreaCreated {
            area: Some(path_to_proto(&created.path, created.name)),
            code: created.code.unwrap_or_default().to_owned(),
            resident_group_id: created
                .group
                .map(|(id, _)| id.to_string())
                .unwrap_or_default(),
            resident_group_name: created.group.map(|(_, n)| n.to_owned()).unwrap_or_default(),
        };
        OUTBOX.enqueue(conn, AREA_CREATED, &event).await?;
        Ok(())
    }

    /// The district with this name, created if missing (bootstrap by the gateway).
    pub async fn ensure_district(
        &self,
        caller: &Caller,
        name: AreaName,
        code: AreaCode,
    ) -> AppResult<DistrictRow> {
        caller.require_role(&[Role::System])?;
        let mut tx = self.pool.begin().await?;
        if let Some(existing) = store::district_by_name(&mut tx, name.as_str()).await? {
            return Ok(existing);
        }
        let row = DistrictRow {
            id: Uuid::now_v7(),
            name: name.as_str().to_owned(),
            code: code.as_deref().map(str::to_owned),
        };
        store::insert_district(&mut tx, &row)
            .await
            .map_err(conflict_or_internal)?;
        let created = Created {
            action: "area.district_created",
            path: AreaPath::district(row.id),
            name: &row.name,
            code: row.code.as_deref(),
            group: None,
        };
        self.record_created(&mut tx, caller, created).await?;
        tx.commit().await?;
        tracing::info!(district.id = %row.id, "district created");
        Ok(row)
    }

    pub async fn list_districts(
        &self,
        caller: &Caller,
        page: Page,
    ) -> AppResult<(Vec<DistrictRow>, String)> {
        if !scope::may_read(caller) {
            return Err(AppError::forbidden());
        }
        if caller.role == Role::System {
            let rows = store::districts(&self.pool, page.after, page.limit).await?;
            return Ok(page.finish(rows, |r| r.id));
        }
        // Every caller belongs to one district: the list is that district.
        let own = store::district(&self.pool, caller.district_id).await?;
        Ok((
            own.into_iter()
                .filter(|d| page.after.is_none_or(|a| d.id > a))
                .collect(),
            String::new(),
        ))
    }

    pub async fn get_district(&self, caller: &Caller, id: Uuid) -> AppResult<DistrictRow> {
        if !scope::may_read(caller) {
            return Err(AppError::forbidden());
        }
        let row = store::district(&self.pool, id)
            .await?
            .ok_or_else(|| not_found("区", "District"))?;
        if !scope::in_district(caller, id) {
            return Err(AppError::forbidden());
        }
        Ok(row)
    }

    async fn path_of(
        &self,
        id: Uuid,
        level: juxuan_platform::auth::AreaLevel,
        zh: &str,
        en: &str,
    ) -> AppResult<AreaPath> {
        match store::resolve(&self.pool, id).await? {
            Some((path, _)) if path.level == level => Ok(path),
            _ => Err(not_found(zh, en)),
        }
    }

    pub async fn create_street(
        &self,
        caller: &Caller,
        district_id: Uuid,
        name: AreaName,
        code: AreaCode,
    ) -> AppResult<StreetRow> {
        caller.require_role(&[Role::DistrictAdmin])?;
        let district = self
            .path_of(
                district_id,
                juxuan_platform::auth::AreaLevel::District,
                "区",
                "District",
            )
            .await?;
        scope::require_write(caller, &[Role::DistrictAdmin], &district)?;
        let row = StreetRow {
            id: Uuid::now_v7(),
            district_id,
            name: name.as_str().to_owned(),
            code: code.as_deref().map(str::to_owned),
        };
        let mut tx = self.pool.begin().await?;
        store::insert_street(&mut tx, &row)
            .await
            .map_err(conflict_or_internal)?;
        let created = Created {
            action: "area.street_created",
            path: AreaPath::street(row.id, district_id),
            name: &row.name,
            code: row.code.as_deref(),
            group: None,
        };
        self.record_created(&mut tx, caller, created).await?;
        tx.commit().await?;
        tracing::info!(street.id = %row.id, district.id = %district_id, "street created");
        Ok(row)
    }

    pub async fn list_streets(
        &self,
        caller: &Caller,
        district_id: Uuid,
        page: Page,
    ) -> AppResult<(Vec<StreetRow>, String)> {
        readable(caller)?;
        let district = self
            .path_of(
                district_id,
                juxuan_platform::auth::AreaLevel::District,
                "区",
                "District",
            )
            .await?;
        scope::require_read(caller, &district)?;
        let rows = store::streets(&self.pool, district_id, page.after, page.limit).await?;
        Ok(page.finish(rows, |r| r.id))
    }

    pub async fn create_community(
        &self,
        caller: &Caller,
        street_id: Uuid,
        name: AreaName,
        code: AreaCode,
    ) -> AppResult<CommunityRow> {
        const ROLES: &[Role] = &[Role::DistrictAdmin, Role::StreetOfficer];
        caller.require_role(ROLES)?;
        let street = self
            .path_of(
                street_id,
                juxuan_platform::auth::AreaLevel::Street,
                "街道",
                "Street",
            )
            .await?;
        scope::require_write(caller, ROLES, &street)?;
        let row = CommunityRow {
            id: Uuid::now_v7(),
            street_id,
            district_id: street.district_id,
            name: name.as_str().to_owned(),
            code: code.as_deref().map(str::to_owned),
        };
        let mut tx = self.pool.begin().await?;
        store::insert_community(&mut tx, &row)
            .await
            .map_err(conflict_or_internal)?;
        let created = Created {
            action: "area.community_created",
            path: AreaPath::community(row.id, street_id, row.district_id),
            name: &row.name,
            code: row.code.as_deref(),
            group: None,
        };
        self.record_created(&mut tx, caller, created).await?;
        tx.commit().await?;
        tracing::info!(community.id = %row.id, street.id = %street_id, "community created");
        Ok(row)
    }

    pub async fn list_communities(
        &self,
        caller: &Caller,
        street_id: Uuid,
        page: Page,
    ) -> AppResult<(Vec<CommunityRow>, String)> {
        readable(caller)?;
        let street = self
            .path_of(
                street_id,
                juxuan_platform::auth::AreaLevel::Street,
                "街道",
                "Street",
            )
            .await?;
        scope::require_read(caller, &street)?;
        let rows = store::communities(&self.pool, street_id, page.after, page.limit).await?;
        Ok(page.finish(rows, |r| r.id))
    }

    pub async fn get_community(&self, caller: &Caller, id: Uuid) -> AppResult<CommunityRow> {
        readable(caller)?;
        let row = store::community(&self.pool, id)
            .await?
            .ok_or_else(|| not_found("社区", "Community"))?;
        scope::require_read(
            caller,
            &AreaPath::community(row.id, row.street_id, row.district_id),
        )?;
        Ok(row)
    }

    pub async fn create_group(
        &self,
        caller: &Caller,
        community_id: Uuid,
        name: AreaName,
    ) -> AppResult<GroupRow> {
        const ROLES: &[Role] = &[
            Role::DistrictAdmin,
            Role::StreetOfficer,
            Role::CommunityOfficer,
        ];
        caller.require_role(ROLES)?;
        let community = self
            .path_of(
                community_id,
                juxuan_platform::auth::AreaLevel::Community,
                "社区",
                "Community",
            )
            .await?;
        scope::require_write(caller, ROLES, &community)?;
        let row = GroupRow {
            id: Uuid::now_v7(),
            community_id,
            name: name.as_str().to_owned(),
        };
        let mut tx = self.pool.begin().await?;
        store::insert_group(&mut tx, &row)
            .await
            .map_err(|e| match unique_violation(&e) {
                Some(_) => AppError::new(
                    Kind::Conflict,
                    "area.duplicate_name",
                    Text::new(
                        "本社区已有同名居民小组",
                        "A resident group of that name already exists here",
                    ),
                ),
                None => e.into(),
            })?;
        let created = Created {
            action: "area.resident_group_created",
            path: community,
            name: &row.name,
            code: None,
            group: Some((row.id, &row.name)),
        };
        self.record_created(&mut tx, caller, created).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn list_groups(
        &self,
        caller: &Caller,
        community_id: Uuid,
        page: Page,
    ) -> AppResult<(Vec<GroupRow>, String)> {
        readable(caller)?;
        let community = self
            .path_of(
                community_id,
                juxuan_platform::auth::AreaLevel::Community,
                "社区",
                "Community",
            )
            .await?;
        scope::require_read(caller, &community)?;
        let rows = store::groups(&self.pool, community_id, page.after, page.limit).await?;
        Ok(page.finish(rows, |r| r.id))
    }

    /// Where an area sits; only inside the caller's area.
    pub async fn resolve(&self, caller: &Caller, id: Uuid) -> AppResult<(AreaPath, String)> {
        let (path, name) = store::resolve(&self.pool, id)
            .await?
            .ok_or_else(|| not_found("区域", "Area"))?;
        scope::require_read(caller, &path)?;
        Ok((path, name))
    }
}

pub fn path_to_proto(path: &AreaPath, name: &str) -> juxuan_proto::common::v1::AreaPath {
    juxuan_proto::common::v1::AreaPath {
        level: path.level.to_proto(),
        id: path.id.to_string(),
        district_id: path.district_id.to_string(),
        street_id: path.street_id.map(|s| s.to_string()).unwrap_or_default(),
        community_id: path.community_id.map(|s| s.to_string()).unwrap_or_default(),
        name: name.to_owned(),
    }
}
