//! Identity: the OAuth 2.0 token endpoint (RFC 6749), revocation (RFC 7009), JWKS, `/me` and
//! signing-key rotation.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use juxuan_platform::audit;
use juxuan_platform::auth::{AreaLevel, Role};
use juxuan_platform::error::{Kind, Text};
use juxuan_platform::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::AppState;
use super::extract::Auth;
use crate::store::{self, Refresh};
use crate::tokens::{
    Subject, TokenResponse, random_secret, revoke_access, sha256_hex, verify_password,
};

/// Token request, form-encoded or JSON.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password`, `client_credentials` or `refresh_token`.
    pub grant_type: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
}

/// An OAuth 2.0 error (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type`, `invalid_scope`.
    pub error: &'static str,
    pub error_description: String,
}

fn oauth_error(error: &'static str, description: &str) -> Response {
    let status = if error == "invalid_client" {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut response = (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(OAuthError {
            error,
            error_description: description.to_owned(),
        }),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static("Basic realm=\"juxuan\""),
        );
    }
    response
}

/// Parses a form-encoded or JSON body by its content type.
fn parse_body<T: serde::de::DeserializeOwned + Default>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, &'static str> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/x-www-form-urlencoded")
        .to_ascii_lowercase();
    if content_type.starts_with("application/json") {
        serde_json::from_slice(body).map_err(|_| "the JSON body is malformed")
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(body).map_err(|_| "the form body is malformed")
    } else {
        Err("the body must be application/x-www-form-urlencoded or application/json")
    }
}

/// Client credentials from HTTP Basic (RFC 6749 §2.3.1), if present.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn token_ok(response: TokenResponse) -> Response {
    (
        StatusCode::OK,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(response),
    )
        .into_response()
}

/// Issues tokens.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "identity",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "Tokens issued", body = TokenResponse),
        (status = 400, description = "invalid_request, invalid_grant, unsupported_grant_type", body = OAuthError),
        (status = 401, description = "invalid_client", body = OAuthError),
        (status = 429, description = "Too many failed logins", body = super::Problem, content_type = "application/problem+json"),
    ))]
pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let request: TokenRequest = match parse_body(&headers, &body) {
        Ok(r) => r,
        Err(why) => return oauth_error("invalid_request", why),
    };
    let result = match request.grant_type.as_deref() {
        Some("password") => password_grant(&state, request).await,
        Some("client_credentials") => client_grant(&state, &headers, request).await,
        Some("refresh_token") => refresh_grant(&state, request).await,
        Some(_) => Ok(oauth_error(
            "unsupported_grant_type",
            "supported: password, client_credentials, refresh_token",
        )),
        None => Ok(oauth_error("invalid_request", "grant_type is required")),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn password_grant(state: &AppState, request: TokenRequest) -> AppResult<Response> {
    let (Some(username), Some(password)) = (request.username, request.password) else {
        return Ok(oauth_error(
            "invalid_request",
            "username and password are required",
        ));
    };
    let plausible = (1..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && password.len() <= 1024;
    if !plausible {
        return Ok(oauth_error(
            "invalid_grant",
            "the username or password is wrong",
        ));
    }
    if let Some(wait) = state.throttle.attempt(&username).await {
        let mut response = AppError::new(
            Kind::RateLimited,
            "auth.too_many_attempts",
            Text::new(
                format!("登录失败次数过多，请 {wait} 秒后再试"),
                format!("Too many failed logins; try again in {wait} seconds"),
            ),
        )
        .into_response();
        if let Ok(v) = wait.to_string().parse() {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(response);
    }
    let user = store::user_by_username(&state.pool, &username).await?;
    let ok = verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await;
    let Some(user) = user.filter(|_| ok) else {
        state.throttle.failed();
        tracing::info!("password login refused");
        return Ok(oauth_error(
            "invalid_grant",
            "the username or password is wrong",
        ));
    };
    state.throttle.succeeded(&username).await;
    let subject = Subject::from_user(&user).map_err(AppError::internal)?;
    let tokens = state
        .issuer
        .issue(&subject, Some(Uuid::new_v4()))
        .await
        .map_err(AppError::internal)?;
    tracing::info!(user.id = %user.id, "password login");
    Ok(token_ok(tokens))
}

async fn client_grant(
    state: &AppState,
    headers: &HeaderMap,
    request: TokenRequest,
) -> AppResult<Response> {
    let credentials =
        basic_credentials(headers).or(match (request.client_id, request.client_secret) {
            (Some(id), Some(secret)) => Some((id, secret)),
            _ => None,
        });
    let Some((id, secret)) = credentials else {
        return Ok(oauth_error(
            "invalid_client",
            "client authentication is required",
        ));
    };
    let client = match id.parse::<Uuid>() {
        Ok(id) => store::client(&state.pool, id).await?,
        Err(_) => None,
    };
    let Some(client) = client.filter(|c| c.secret_hash == sha256_hex(&secret)) else {
        return Ok(oauth_error(
            "invalid_client",
            "unknown client or wrong secret",
        ));
    };
    if let Some(requested) = request.scope.as_deref()
        && requested
            .split_whitespace()
            .any(|s| !client.scopes.iter().any(|c| c == s))
    {
        return Ok(oauth_error(
            "invalid_scope",
            "a requested scope was not granted to this client",
        ));
    }
    // RFC 6749 §3.3: the token carries what was asked for, or everything granted.
    let scopes = match request.scope.as_deref() {
        Some(requested) if !requested.trim().is_empty() => {
            requested.split_whitespace().map(str::to_owned).collect()
        }
        _ => client.scopes.clone(),
    };
    let subject = Subject {
        id: client.id,
        name: client.name.clone(),
        role: Role::Client,
        area_level: AreaLevel::District,
        area_id: client.district_id,
        district_id: client.district_id,
        scopes,
    };
    let tokens = state
        .issuer
        .issue(&subject, None)
        .await
        .map_err(AppError::internal)?;
    Ok(token_ok(tokens))
}

async fn refresh_grant(state: &AppState, request: TokenRequest) -> AppResult<Response> {
    let Some(token) = request.refresh_token else {
        return Ok(oauth_error("invalid_request", "refresh_token is required"));
    };
    let successor = random_secret();
    let expires = time::OffsetDateTime::now_utc()
        + std::time::Duration::from_secs(u64::try_from(state.issuer.refresh_ttl).unwrap_or(0));
    match store::rotate_refresh(
        &state.pool,
        &sha256_hex(&token),
        &sha256_hex(&successor),
        expires,
    )
    .await?
    {
        Refresh::Valid { subject } => {
            let Some(user) = store::user_by_id(&state.pool, subject).await? else {
                return Ok(oauth_error("invalid_grant", "the account no longer exists"));
            };
            let subject = Subject::from_user(&user).map_err(AppError::internal)?;
            let mut tokens = state
                .issuer
                .issue(&subject, None)
                .await
                .map_err(AppError::internal)?;
            tokens.refresh_token = Some(successor);
            Ok(token_ok(tokens))
        }
        Refresh::Reused => {
            tracing::warn!("a used refresh token was presented again; its family is revoked");
            Ok(oauth_error(
                "invalid_grant",
                "the refresh token is no longer valid",
            ))
        }
        Refresh::Invalid => Ok(oauth_error(
            "invalid_grant",
            "the refresh token is no longer valid",
        )),
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RevokeRequest {
    pub token: Option<String>,
    /// `access_token` or `refresh_token` (a hint only).
    pub token_type_hint: Option<String>,
}

/// Revokes a refresh token (with its family) or an access token. Always 200 for a
/// well-formed request, as RFC 7009 asks.
#[utoipa::path(post, path = "/api/v1/auth/revoke", tag = "identity",
    request_body(content(
        (RevokeRequest = "application/x-www-form-urlencoded"),
        (RevokeRequest = "application/json"),
    )),
    responses((status = 200, description = "Revoked (or nothing to revoke)"), (status = 400, body = OAuthError)))]
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let request: RevokeRequest = match parse_body(&headers, &body) {
        Ok(r) => r,
        Err(why) => return oauth_error("invalid_request", why),
    };
    let Some(token) = request.token.filter(|t| !t.is_empty()) else {
        return oauth_error("invalid_request", "token is required");
    };
    let result: AppResult<()> = async {
        if store::revoke_refresh(&state.pool, &sha256_hex(&token)).await? {
            return Ok(());
        }
        // "Cannot tell now" is 503, so the client retries; a bad token has nothing to revoke.
        let verified = match state.verifier.verify(&token).await {
            Err(e) if e.is_unavailable() => return Err(e.into()),
            other => other,
        };
        if let Ok(caller) = verified {
            revoke_access(&state.pool, &state.redis, &caller.jti, caller.expires_at)
                .await
                .map_err(AppError::internal)?;
            tracing::info!(subject = %caller.id, "access token revoked");
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({}))).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The public signing keys.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "identity",
    responses((status = 200, description = "JWKS (RFC 7517); Ed25519 keys (RFC 8037)", body = Object)))]
pub async fn jwks(State(state): State<AppState>) -> Response {
    (
        [(header::CACHE_CONTROL, "public, max-age=60")],
        Json(state.issuer.keys.jwks().await),
    )
        .into_response()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaRef {
    /// `district`, `street` or `community`.
    pub level: String,
    pub id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub area: AreaRef,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = super::Problem, content_type = "application/problem+json")))]
pub async fn me(State(state): State<AppState>, Auth(caller): Auth) -> AppResult<Json<Me>> {
    let display_name = match caller.role {
        Role::Client | Role::System => caller.name.clone(),
        _ => {
            let id = caller
                .id
                .parse::<Uuid>()
                .map_err(|_| AppError::unauthenticated())?;
            store::user_by_id(&state.pool, id)
                .await?
                .ok_or_else(AppError::unauthenticated)?
                .display_name
        }
    };
    Ok(Json(Me {
        id: caller.id.clone(),
        username: caller.name.clone(),
        display_name,
        role: caller.role.to_string(),
        area: AreaRef {
            level: caller.area_level.as_str().to_owned(),
            id: caller.area_id,
        },
        scopes: caller.scopes.clone(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rotated {
    pub kid: String,
}

/// Makes a new signing key active (district admin). Tokens signed by the previous key stay
/// valid until they expire; older keys are retired.
#[utoipa::path(post, path = "/api/v1/auth/keys:rotate", tag = "identity", security(("bearer" = [])),
    responses((status = 201, body = Rotated), (status = 403, body = super::Problem, content_type = "application/problem+json")))]
pub async fn rotate_keys(
    State(state): State<AppState>,
    Auth(caller): Auth,
) -> AppResult<(StatusCode, Json<Rotated>)> {
    caller.require_role(&[Role::DistrictAdmin])?;
    let kid = state
        .issuer
        .keys
        .rotate()
        .await
        .map_err(AppError::internal)?;
    state
        .issuer
        .keys
        .publish(&state.redis, &state.verifier)
        .await
        .map_err(AppError::Unavailable)?;
    let mut conn = state.pool.acquire().await?;
    let change = serde_json::json!({"kid": kid});
    crate::AUDIT
        .append(
            &mut conn,
            audit::Entry::by(&caller, "auth.key_rotated", &kid, &change),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Rotated { kid })))
}
