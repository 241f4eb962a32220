//! Extractors that turn every bad request into a problem document: the caller's token, JSON
//! bodies and path ids.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use juxuan_platform::AppError;
use juxuan_platform::auth::{Caller, bearer};
use juxuan_platform::error::Text;
use serde::de::DeserializeOwned;

use super::AppState;

/// The verified caller; 401 without a valid bearer token.
pub struct Auth(pub Caller);

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(Auth(caller.clone()));
        }
        let token = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer)
            .ok_or_else(AppError::unauthenticated)?;
        let caller = state.verifier.verify(token).await?;
        parts.extensions.insert(caller.clone());
        Ok(Auth(caller))
    }
}

/// A JSON body; malformed JSON, wrong types and a missing content type are 400 problems.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

/// A raw body; one over the size limit is a 400 problem (`request.too_large`), never a plain
/// text answer.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(|_| too_large())
    }
}

fn too_large() -> AppError {
    AppError::bad_request(
        "request.too_large",
        "请求体过大或无法读取",
        "The request body is too large or unreadable",
    )
}

fn json_rejection(rejection: &JsonRejection) -> AppError {
    match rejection {
        JsonRejection::BytesRejection(_) => too_large(),
        JsonRejection::JsonDataError(e) => AppError::bad_request(
            "request.invalid_body",
            format!("请求体字段缺失或类型不符：{}", e.body_text()),
            format!(
                "The body has a missing or mistyped field: {}",
                e.body_text()
            ),
        ),
        JsonRejection::JsonSyntaxError(_) => AppError::bad_request(
            "request.malformed_json",
            "请求体不是合法的 JSON",
            "The body is not valid JSON",
        ),
        JsonRejection::MissingJsonContentType(_) => AppError::bad_request(
            "request.unsupported_media_type",
            "请求体须为 application/json",
            "The body must be application/json",
        ),
        other => AppError::bad_request(
            "request.unreadable_body",
            format!("无法读取请求体：{}", other.body_text()),
            format!("The body could not be read: {}", other.body_text()),
        ),
    }
}

/// Path parameters, like axum's `Path`, but a path that cannot be decoded (invalid
/// percent-encoding or UTF-8) is a problem document (400 `request.invalid_id`), not text.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|_| invalid_id())
    }
}

fn invalid_id() -> AppError {
    AppError::invalid_field(
        "id",
        "request.invalid_id",
        Text::new("路径中的标识符格式无效", "The id in the path is not valid"),
    )
}

/// Parses a path id; a malformed one is 400.
pub fn path_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    raw.parse().map_err(|_| invalid_id())
}

/// `?limit=&cursor=` of list endpoints.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 500, default 50.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn to_proto(&self) -> juxuan_proto::common::v1::PageRequest {
        juxuan_proto::common::v1::PageRequest {
            limit: self.limit.unwrap_or(0),
            cursor: self.cursor.clone().unwrap_or_default(),
        }
    }
}

/// Query strings that do not parse are 400 problems too.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(AppError::bad_request(
                "request.invalid_query",
                format!("查询参数无效：{}", e.body_text()),
                format!("Invalid query parameters: {}", e.body_text()),
            )),
        }
    }
}
