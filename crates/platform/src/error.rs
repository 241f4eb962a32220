//! One error type for use cases, mapped once to gRPC statuses and once to RFC 9457 problems.
//!
//! A client-actionable error carries a stable dotted `code` (API.md) and a detail in Chinese
//! and English; internal errors carry only their cause, which is logged once at the boundary
//! and never sent out. Across gRPC the whole problem travels in the binary metadata entry
//! [`PROBLEM_METADATA`], so the gateway renders exactly what the service decided.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// Binary metadata key carrying a [`WireProblem`] on a failed gRPC call.
pub const PROBLEM_METADATA: &str = "juxuan-problem-bin";

/// The class of a failure: decides the HTTP status and the gRPC code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 400: malformed request or invalid field.
    BadRequest,
    /// 401: no or bad token.
    Unauthenticated,
    /// 403: outside the caller's role or area.
    Forbidden,
    /// 404: unknown or invisible object.
    NotFound,
    /// 409: conflicts with the object's state (including duplicates).
    Conflict,
    /// 422: breaks an election rule.
    Rule,
    /// 429: rate-limited.
    RateLimited,
    /// 503: a dependency is unavailable; retry later.
    Unavailable,
    /// 500: a fault of ours.
    Internal,
}

impl Kind {
    pub fn http_status(self) -> u16 {
        match self {
            Kind::BadRequest => 400,
            Kind::Unauthenticated => 401,
            Kind::Forbidden => 403,
            Kind::NotFound => 404,
            Kind::Conflict => 409,
            Kind::Rule => 422,
            Kind::RateLimited => 429,
            Kind::Unavailable => 503,
            Kind::Internal => 500,
        }
    }

    pub fn grpc_code(self) -> tonic::Code {
        match self {
            Kind::BadRequest => tonic::Code::InvalidArgument,
            Kind::Unauthenticated => tonic::Code::Unauthenticated,
            Kind::Forbidden => tonic::Code::PermissionDenied,
            Kind::NotFound => tonic::Code::NotFound,
            Kind::Conflict => tonic::Code::Aborted,
            Kind::Rule => tonic::Code::FailedPrecondition,
            Kind::RateLimited => tonic::Code::ResourceExhausted,
            Kind::Unavailable => tonic::Code::Unavailable,
            Kind::Internal => tonic::Code::Internal,
        }
    }

    /// For statuses that came without a problem (another system, or tonic itself).
    pub fn from_grpc_code(code: tonic::Code) -> Self {
        use tonic::Code as C;
        match code {
            C::InvalidArgument | C::OutOfRange => Kind::BadRequest,
            C::Unauthenticated => Kind::Unauthenticated,
            C::PermissionDenied => Kind::Forbidden,
            C::NotFound => Kind::NotFound,
            C::AlreadyExists | C::Aborted => Kind::Conflict,
            C::FailedPrecondition => Kind::Rule,
            C::ResourceExhausted => Kind::RateLimited,
            C::Unavailable | C::DeadlineExceeded | C::Cancelled => Kind::Unavailable,
            _ => Kind::Internal,
        }
    }

    /// The problem's title, by language.
    pub fn title(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Kind::BadRequest => ("请求无效", "Bad request"),
            Kind::Unauthenticated => ("未登录或令牌无效", "Not authenticated"),
            Kind::Forbidden => ("无权进行此操作", "Forbidden"),
            Kind::NotFound => ("对象不存在", "Not found"),
            Kind::Conflict => ("与对象当前状态冲突", "Conflict"),
            Kind::Rule => ("违反选举规则", "Election rule violated"),
            Kind::RateLimited => ("请求过于频繁", "Too many requests"),
            Kind::Unavailable => ("服务暂时不可用", "Service unavailable"),
            Kind::Internal => ("服务器内部错误", "Internal error"),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// The language of user-facing text: zh-CN by default, English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// From an `Accept-Language` header: English when it prefers `en` over `zh`.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Lang::Zh;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag.starts_with("en") {
                Lang::En
            } else if tag.starts_with("zh") || tag == "*" {
                Lang::Zh
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Zh, |(_, l)| l)
    }
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Text {
    pub fn new(zh: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// One invalid field or broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: Cow<'static, str>,
    pub message: Text,
}

/// A client-actionable failure as it crosses gRPC: everything needed to render the problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireProblem {
    pub kind: Kind,
    pub code: Cow<'static, str>,
    pub detail: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The error of a use case or a transport adapter.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{} ({})", .0.code, .0.detail.en)]
    Client(Box<WireProblem>),
    #[error("unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    #[error("internal: {0:#}")]
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(kind: Kind, code: impl Into<Cow<'static, str>>, detail: Text) -> Self {
        AppError::Client(Box::new(WireProblem {
            kind,
            code: code.into(),
            detail,
            errors: Vec::new(),
        }))
    }

    pub fn bad_request(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(Kind::BadRequest, code, Text::new(zh.into(), en.into()))
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            Kind::Unauthenticated,
            "auth.unauthenticated",
            Text::new("缺少有效的访问令牌", "A valid access token is required"),
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            Kind::Forbidden,
            "auth.forbidden",
            Text::new(
                "您的角色或管辖范围不允许此操作",
                "Your role or area does not allow this",
            ),
        )
    }

    pub fn not_found(what_zh: &str, what_en: &str) -> Self {
        Self::new(
            Kind::NotFound,
            "not_found",
            Text::new(format!("{what_zh}不存在"), format!("{what_en} not found")),
        )
    }

    /// One invalid field: 400 with the field listed.
    pub fn invalid_field(field: &str, code: &'static str, message: Text) -> Self {
        Self::invalid_fields(vec![FieldError {
            field: field.to_owned(),
            code: code.into(),
            message,
        }])
    }

    /// Several invalid fields: 400, the first one's code as the problem's code.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let first = errors
            .first()
            .map(|e| e.code.clone())
            .unwrap_or("request.invalid".into());
        let detail = errors
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| Text::new("请求字段无效", "A request field is invalid"));
        AppError::Client(Box::new(WireProblem {
            kind: Kind::BadRequest,
            code: first,
            detail,
            errors,
        }))
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }

    pub fn kind(&self) -> Kind {
        match self {
            AppError::Client(p) => p.kind,
            AppError::Unavailable(_) => Kind::Unavailable,
            AppError::Internal(_) => Kind::Internal,
        }
    }

    /// The stable code, for clients and tests.
    pub fn code(&self) -> &str {
        match self {
            AppError::Client(p) => &p.code,
            AppError::Unavailable(_) => "service.unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// What may be shown to a client. Internal causes are replaced by a generic text.
    pub fn to_wire(&self) -> WireProblem {
        match self {
            AppError::Client(p) => (**p).clone(),
            AppError::Unavailable(_) => WireProblem {
                kind: Kind::Unavailable,
                code: "service.unavailable".into(),
                detail: Text::new(
                    "依赖的服务暂时不可用，请稍后重试",
                    "A dependency is unavailable; retry later",
                ),
                errors: Vec::new(),
            },
            AppError::Internal(_) => WireProblem {
                kind: Kind::Internal,
                code: "internal".into(),
                detail: Text::new(
                    "服务器内部错误，已记录",
                    "Internal error; it has been logged",
                ),
                errors: Vec::new(),
            },
        }
    }

    /// Logs internal causes, once, at the boundary where the error leaves the process.
    fn log_if_internal(&self) {
        match self {
            AppError::Internal(e) => tracing::error!(error = format!("{e:#}"), "request failed"),
            AppError::Unavailable(e) => {
                tracing::warn!(error = format!("{e:#}"), "dependency unavailable")
            }
            AppError::Client(_) => {}
        }
    }

    /// The one mapping to a gRPC status.
    pub fn into_status(self) -> tonic::Status {
        self.log_if_internal();
        let wire = self.to_wire();
        let mut status = tonic::Status::new(wire.kind.grpc_code(), wire.detail.en.to_string());
        if let Ok(bytes) = serde_json::to_vec(&wire) {
            status.metadata_mut().insert_bin(
                PROBLEM_METADATA,
                tonic::metadata::MetadataValue::from_bytes(&bytes),
            );
        }
        status
    }

    /// The inverse, used by gRPC clients (the gateway): the problem the service decided, or
    /// one derived from the status code.
    pub fn from_status(status: &tonic::Status) -> Self {
        if let Some(wire) = status
            .metadata()
            .get_bin(PROBLEM_METADATA)
            .and_then(|v| v.to_bytes().ok())
            .and_then(|b| serde_json::from_slice::<WireProblem>(&b).ok())
        {
            return match wire.kind {
                Kind::Internal => AppError::Internal(anyhow::anyhow!("upstream internal error")),
                Kind::Unavailable => AppError::Unavailable(anyhow::anyhow!("upstream unavailable")),
                _ => AppError::Client(Box::new(wire)),
            };
        }
        match Kind::from_grpc_code(status.code()) {
            Kind::Internal => AppError::Internal(anyhow::anyhow!(
                "upstream status {:?}: {}",
                status.code(),
                status.message()
            )),
            Kind::Unavailable => AppError::Unavailable(anyhow::anyhow!(
                "upstream status {:?}: {}",
                status.code(),
                status.message()
            )),
            kind => AppError::new(
                kind,
                format!("grpc.{:?}", status.code()).to_lowercase(),
                Text::new(status.message().to_owned(), status.message().to_owned()),
            ),
        }
    }

    /// The one mapping to an RFC 9457 problem document.
    pub fn to_problem(&self, lang: Lang) -> (u16, serde_json::Value) {
        self.log_if_internal();
        let wire = self.to_wire();
        problem_json(&wire, lang)
    }
}

/// Renders a problem document in a language.
pub fn problem_json(wire: &WireProblem, lang: Lang) -> (u16, serde_json::Value) {
    let status = wire.kind.http_status();
    let mut body = serde_json::json!({
        "type": format!("urn:juxuan:problem:{}", wire.code),
        "title": wire.kind.title(lang),
        "status": status,
        "detail": wire.detail.get(lang),
        "code": wire.code,
    });
    if !wire.errors.is_empty() {
        body["errors"] = wire
            .errors
            .iter()
            .map(|e| serde_json::json!({"field": e.field, "code": e.code, "message": e.message.get(lang)}))
            .collect();
    }
    (status, body)
}

impl From<juxuan_domain::Text> for Text {
    fn from(t: juxuan_domain::Text) -> Self {
        Text::new(t.zh, t.en)
    }
}

impl AppError {
    /// The refusal of the domain crate: every broken rule listed in `errors`, the first one's
    /// code as the problem's, and its kind (403, 409 or 422) as the status.
    pub fn violations(violations: Vec<juxuan_domain::Violation>) -> Self {
        let kind = match violations.first().map(|v| v.refusal) {
            Some(juxuan_domain::Refusal::Forbidden) => Kind::Forbidden,
            Some(juxuan_domain::Refusal::Conflict) => Kind::Conflict,
            Some(juxuan_domain::Refusal::Rule) | None => Kind::Rule,
        };
        let errors: Vec<FieldError> = violations
            .into_iter()
            .map(|v| FieldError {
                field: v.field.unwrap_or_default(),
                code: v.code.into(),
                message: v.message.into(),
            })
            .collect();
        let (code, detail) = match errors.first() {
            Some(e) => (e.code.clone(), e.message.clone()),
            None => (
                "rules.violated".into(),
                Text::new("违反选举规则", "An election rule is broken"),
            ),
        };
        AppError::Client(Box::new(WireProblem {
            kind,
            code,
            detail,
            errors,
        }))
    }
}

/// A failed call to another service: its own problem where it sent one ([`AppError::from_status`]).
impl From<tonic::Status> for AppError {
    fn from(status: tonic::Status) -> Self {
        AppError::from_status(&status)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                AppError::Unavailable(e.into())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<redis::RedisError> for AppError {
    fn from(e: redis::RedisError) -> Self {
        if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() {
            AppError::Unavailable(e.into())
        } else {
            AppError::Internal(e.into())
        }
    }
}

impl From<AppError> for tonic::Status {
    fn from(e: AppError) -> Self {
        e.into_status()
    }
}

/// The name of the unique constraint a database error broke, if it is one.
pub fn unique_violation(err: &sqlx::Error) -> Option<&str> {
    match err {
        sqlx::Error::Database(db) if db.is_unique_violation() => db.constraint(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_error() -> AppError {
        AppError::Client(Box::new(WireProblem {
            kind: Kind::Rule,
            code: "nomination.too_few_nominators".into(),
            detail: Text::new("联名人数不足", "Too few nominators"),
            errors: vec![FieldError {
                field: "nominator_ids".into(),
                code: "nomination.too_few_nominators".into(),
                message: Text::new("至少需要 10 人", "At least 10 are needed"),
            }],
        }))
    }

    #[test]
    fn every_kind_maps_to_its_http_status_and_grpc_code_and_back() {
        let table = [
            (Kind::BadRequest, 400, tonic::Code::InvalidArgument),
            (Kind::Unauthenticated, 401, tonic::Code::Unauthenticated),
            (Kind::Forbidden, 403, tonic::Code::PermissionDenied),
            (Kind::NotFound, 404, tonic::Code::NotFound),
            (Kind::Conflict, 409, tonic::Code::Aborted),
            (Kind::Rule, 422, tonic::Code::FailedPrecondition),
            (Kind::RateLimited, 429, tonic::Code::ResourceExhausted),
            (Kind::Unavailable, 503, tonic::Code::Unavailable),
            (Kind::Internal, 500, tonic::Code::Internal),
        ];
        for (kind, http, grpc) in table {
            assert_eq!(kind.http_status(), http, "{kind:?}");
            assert_eq!(kind.grpc_code(), grpc, "{kind:?}");
            assert_eq!(Kind::from_grpc_code(grpc), kind, "{kind:?}");
        }
    }

    #[test]
    fn a_rule_error_survives_the_grpc_hop_with_code_and_field_errors() {
        let status = rule_error().into_status();
        assert_eq!(status.code(), tonic::Code::FailedPrecondition);
        let back = AppError::from_status(&status);
        assert_eq!(back.code(), "nomination.too_few_nominators");
        let (http, body) = back.to_problem(Lang::Zh);
        assert_eq!(http, 422);
        assert_eq!(body["status"], 422);
        assert_eq!(body["title"], "违反选举规则");
        assert_eq!(body["errors"][0]["field"], "nominator_ids");
        assert_eq!(body["errors"][0]["message"], "至少需要 10 人");
    }

    #[test]
    fn a_problem_is_in_english_when_asked() {
        let (_, body) = rule_error().to_problem(Lang::En);
        assert_eq!(body["title"], "Election rule violated");
        assert_eq!(body["detail"], "Too few nominators");
        assert_eq!(
            body["type"],
            "urn:juxuan:problem:nomination.too_few_nominators"
        );
    }

    #[test]
    fn internal_causes_never_reach_the_client() {
        let err = AppError::internal(anyhow::anyhow!("password=hunter2 at db.internal:5432"));
        let (status, body) = err.to_problem(Lang::En);
        assert_eq!(status, 500);
        assert!(!body.to_string().contains("hunter2"));
        let grpc = AppError::internal(anyhow::anyhow!("secret detail")).into_status();
        assert!(!grpc.message().contains("secret"));
        assert_eq!(AppError::from_status(&grpc).kind(), Kind::Internal);
    }

    #[test]
    fn a_status_from_elsewhere_still_maps_by_its_code() {
        let status = tonic::Status::not_found("no such thing");
        let err = AppError::from_status(&status);
        assert_eq!(err.kind(), Kind::NotFound);
        assert_eq!(err.to_problem(Lang::Zh).0, 404);
    }

    #[test]
    fn accept_language_prefers_the_highest_quality_known_language() {
        assert_eq!(Lang::from_accept_language(None), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("en")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("zh-CN,en;q=0.5")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("fr, en;q=0.8")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::Zh);
    }
}
