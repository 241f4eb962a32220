//! Officer accounts and API clients.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use juxuan_platform::audit;
use juxuan_platform::auth::{AreaLevel, Role};
use juxuan_platform::error::{FieldError, Kind, Text, unique_violation};
use juxuan_platform::grpc::authorized;
use juxuan_platform::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{ApiJson, ApiQuery, Auth, PageQuery};
use super::{AppState, List};
use crate::store::{self, ClientRow, UserRow};
use crate::tokens::{hash_password, random_secret, sha256_hex};

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUser {
    /// ASCII letters, digits, `.`, `_`, `-`; 3 to 64 characters.
    pub username: String,
    /// At least 8 characters.
    pub password: String,
    pub display_name: String,
    /// `district_admin`, `district_reviewer`, `street_officer`, `community_officer`, `teller`,
    /// `observer` or `terminal`.
    pub role: String,
    /// The district, street or community the account acts in.
    pub area_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub area: super::identity::AreaRef,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role: row.role,
            area: super::identity::AreaRef {
                level: row.area_level,
                id: row.area_id,
            },
        }
    }
}

fn field(field: &str, code: &'static str, zh: &str, en: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code: code.into(),
        message: Text::new(zh.to_owned(), en.to_owned()),
    }
}

/// Checks a new account's fields, all at once.
fn validate(body: &CreateUser) -> Result<(Role, Uuid), AppError> {
    let mut errors = Vec::new();
    let username_ok = (3..=64).contains(&body.username.len())
        && body
            .username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !username_ok {
        errors.push(field(
            "username",
            "user.invalid_username",
            "用户名须为 3 至 64 个字母、数字或“._-”",
            "A username has 3 to 64 ASCII letters, digits, `.`, `_` or `-`",
        ));
    }
    if body.password.chars().count() < 8
        || body.password.len() > 1024
        || body.password.contains('\0')
    {
        errors.push(field(
            "password",
            "user.weak_password",
            "密码至少 8 个字符",
            "A password has at least 8 characters",
        ));
    }
    let display = body.display_name.trim().chars().count();
    if display == 0 || display > 64 || body.display_name.chars().any(char::is_control) {
        errors.push(field(
            "display_name",
            "user.invalid_display_name",
            "显示名须为 1 至 64 个字符",
            "A display name has 1 to 64 characters",
        ));
    }
    let role = body
        .role
        .parse::<Role>()
        .ok()
        .filter(|r| Role::PERSON_ROLES.contains(r));
    if role.is_none() {
        errors.push(field(
            "role",
            "user.invalid_role",
            "角色无效",
            "Unknown role",
        ));
    }
    let area = body.area_id.parse::<Uuid>().ok();
    if area.is_none() {
        errors.push(field(
            "area_id",
            "request.invalid_id",
            "区域标识符格式无效",
            "Not a valid area id",
        ));
    }
    match (role, area) {
        (Some(role), Some(area)) if errors.is_empty() => Ok((role, area)),
        _ => Err(AppError::invalid_fields(errors)),
    }
}

/// The area levels a role's account may be scoped to.
fn levels_for(role: Role) -> &'static [AreaLevel] {
    match role {
        Role::DistrictAdmin | Role::DistrictReviewer => &[AreaLevel::District],
        Role::StreetOfficer => &[AreaLevel::Street],
        Role::CommunityOfficer | Role::Teller | Role::Terminal => &[AreaLevel::Community],
        _ => &[AreaLevel::District, AreaLevel::Street, AreaLevel::Community],
    }
}

/// Creates an officer account. A district admin creates any account in its district; a
/// street officer creates community officers, tellers, terminals and observers in its street.
#[utoipa::path(post, path = "/api/v1/users", tag = "identity", security(("bearer" = [])),
    request_body = CreateUser,
    responses((status = 201, body = User), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json"),
        (status = 409, body = super::Problem, content_type = "application/problem+json")))]
pub async fn create_user(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(body): ApiJson<CreateUser>,
) -> AppResult<(StatusCode, Json<User>)> {
    caller.require_role(&[Role::DistrictAdmin, Role::StreetOfficer])?;
    let (role, area_id) = validate(&body)?;
    if caller.role == Role::StreetOfficer
        && !matches!(
            role,
            Role::CommunityOfficer | Role::Teller | Role::Terminal | Role::Observer
        )
    {
        return Err(AppError::forbidden());
    }
    // The nomination service owns areas and checks the area is inside the caller's.
    let path = state
        .areas
        .clone()
        .resolve_area(authorized(
            juxuan_proto::nomination::v1::ResolveAreaRequest {
                id: area_id.to_string(),
            },
            &caller.token,
        ))
        .await
        .map_err(|s| AppError::from_status(&s))?
        .into_inner();
    let level = AreaLevel::from_proto(path.level)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("area without a level")))?;
    if !levels_for(role).contains(&level) {
        return Err(AppError::invalid_field(
            "area_id",
            "user.role_area_mismatch",
            Text::new(
                format!(
                    "角色 {role} 不能设在{}一级",
                    match level {
                        AreaLevel::District => "区",
                        AreaLevel::Street => "街道",
                        AreaLevel::Community => "社区",
                    }
                ),
                format!("A {role} account cannot be scoped to a {}", level.as_str()),
            ),
        ));
    }
    let parse = |s: &str| s.parse::<Uuid>().ok();
    let row = UserRow {
        id: Uuid::now_v7(),
        username: body.username.clone(),
        password_hash: hash_password(body.password)
            .await
            .map_err(AppError::internal)?,
        display_name: body.display_name.trim().to_owned(),
        role: role.to_string(),
        area_level: level.as_str().to_owned(),
        area_id,
        district_id: parse(&path.district_id)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad district id")))?,
        street_id: parse(&path.street_id),
    };
    let mut tx = state.pool.begin().await?;
    store::insert_user(&mut tx, &row, &caller.id)
        .await
        .map_err(|e| {
            if unique_violation(&e).is_some() {
                AppError::new(
                    Kind::Conflict,
                    "user.duplicate_username",
                    Text::new("用户名已被使用", "The username is taken"),
                )
            } else {
                e.into()
            }
        })?;
    let change =
        serde_json::json!({"username": row.username, "role": row.role, "area_id": row.area_id});
    crate::AUDIT
        .append(
            &mut tx,
            audit::Entry::by(&caller, "auth.user_created", &row.id.to_string(), &change),
        )
        .await?;
    tx.commit().await?;
    tracing::info!(user.id = %row.id, role = %row.role, "account created");
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Accounts inside the caller's area (district admin: the district; street officer: its street).
#[utoipa::path(get, path = "/api/v1/users", tag = "identity", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = List<User>), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn list_users(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<Json<List<User>>> {
    caller.require_role(&[Role::DistrictAdmin, Role::StreetOfficer])?;
    let street = (caller.role == Role::StreetOfficer).then_some(caller.area_id);
    let limit = i64::from(page.limit.filter(|l| *l != 0).unwrap_or(50));
    if !(1..=500).contains(&limit) {
        return Err(AppError::bad_request(
            "request.invalid_limit",
            "limit 须在 1 至 500 之间",
            "limit must be between 1 and 500",
        ));
    }
    let after = match page.cursor.as_deref() {
        Some(c) => Some(c.parse::<Uuid>().map_err(|_| {
            AppError::bad_request("request.invalid_cursor", "分页游标无效", "Invalid cursor")
        })?),
        None => None,
    };
    let mut rows = store::users(&state.pool, caller.district_id, street, after, limit).await?;
    let next_cursor = if rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        rows.last().map(|r| r.id.to_string())
    } else {
        None
    };
    Ok(Json(List {
        items: rows.into_iter().map(User::from).collect(),
        next_cursor,
    }))
}

/// Scopes a machine client may hold.
pub const SCOPES: [&str; 4] = [
    "areas:read",
    "elections:read",
    "reporting:read",
    "audit:read",
];

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateClient {
    pub name: String,
    /// Any of `areas:read`, `elections:read`, `reporting:read`, `audit:read`.
    pub scopes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientCreated {
    pub client_id: Uuid,
    /// Shown once; only its hash is kept.
    pub client_secret: String,
    pub name: String,
    pub scopes: Vec<String>,
}

/// Registers a machine client (district admin). The secret is shown once.
#[utoipa::path(post, path = "/api/v1/clients", tag = "identity", security(("bearer" = [])),
    request_body = CreateClient,
    responses((status = 201, body = ClientCreated), (status = 400, body = super::Problem, content_type = "application/problem+json"),
        (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn create_client(
    State(state): State<AppState>,
    Auth(caller): Auth,
    ApiJson(body): ApiJson<CreateClient>,
) -> AppResult<(StatusCode, Json<ClientCreated>)> {
    caller.require_role(&[Role::DistrictAdmin])?;
    let mut errors = Vec::new();
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        errors.push(field(
            "name",
            "client.invalid_name",
            "名称须为 1 至 64 个字符",
            "A name has 1 to 64 characters",
        ));
    }
    if body.scopes.is_empty() {
        errors.push(field(
            "scopes",
            "client.no_scopes",
            "至少需要一个权限范围",
            "At least one scope is needed",
        ));
    }
    for s in &body.scopes {
        if !SCOPES.contains(&s.as_str()) {
            errors.push(field(
                "scopes",
                "client.unknown_scope",
                "未知的权限范围",
                "Unknown scope",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::invalid_fields(errors));
    }
    let mut scopes = body.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let secret = random_secret();
    let row = ClientRow {
        id: Uuid::now_v7(),
        name,
        secret_hash: sha256_hex(&secret),
        scopes,
        district_id: caller.district_id,
    };
    let mut tx = state.pool.begin().await?;
    store::insert_client(&mut tx, &row, &caller.id).await?;
    let change = serde_json::json!({"name": row.name, "scopes": row.scopes});
    crate::AUDIT
        .append(
            &mut tx,
            audit::Entry::by(&caller, "auth.client_created", &row.id.to_string(), &change),
        )
        .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(ClientCreated {
            client_id: row.id,
            client_secret: secret,
            name: row.name,
            scopes: row.scopes,
        }),
    ))
}
