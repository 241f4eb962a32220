//! Parsing of area names, codes and paging at the edge: past here they are valid.

use juxuan_platform::AppError;
use juxuan_platform::error::Text;
use uuid::Uuid;

/// A display name of an area or group: trimmed, 1 to 64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaName(String);

impl AreaName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let name = raw.trim();
        let len = name.chars().count();
        if len == 0 || len > 64 || name.chars().any(char::is_control) {
            return Err(AppError::invalid_field(
                field,
                "area.invalid_name",
                Text::new(
                    "名称须为 1 至 64 个字符，且不含控制字符",
                    "A name has 1 to 64 characters and no control characters",
                ),
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional area code: ASCII letters, digits, `-` and `_`, up to 32 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaCode(Option<String>);

impl AreaCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        let code = raw.trim();
        if code.is_empty() {
            return Ok(Self(None));
        }
        if code.len() > 32
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(AppError::invalid_field(
                field,
                "area.invalid_code",
                Text::new(
                    "代码只能由字母、数字、“-”和“_”组成，最多 32 个字符",
                    "A code has up to 32 ASCII letters, digits, `-` or `_`",
                ),
            ));
        }
        Ok(Self(Some(code.to_owned())))
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// An id sent by a client; a malformed one is a bad request, not a missing object.
pub fn parse_id(field: &str, raw: &str) -> Result<Uuid, AppError> {
    raw.parse().map_err(|_| {
        AppError::invalid_field(
            field,
            "request.invalid_id",
            Text::new("标识符格式无效", "Not a valid identifier"),
        )
    })
}

/// A page of a list: how many, after which id.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub after: Option<Uuid>,
}

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

impl Page {
    pub fn parse(page: Option<&juxuan_proto::common::v1::PageRequest>) -> Result<Self, AppError> {
        let (limit, cursor) = page.map_or((0, ""), |p| (p.limit, p.cursor.as_str()));
        if limit > MAX_LIMIT {
            return Err(AppError::invalid_field(
                "limit",
                "request.invalid_limit",
                Text::new(
                    "limit 须在 1 至 500 之间",
                    "limit must be between 1 and 500",
                ),
            ));
        }
        let limit = if limit == 0 { DEFAULT_LIMIT } else { limit };
        let after = if cursor.is_empty() {
            None
        } else {
            Some(cursor.parse().map_err(|_| {
                AppError::invalid_field(
                    "cursor",
                    "request.invalid_cursor",
                    Text::new("分页游标无效", "Invalid cursor"),
                )
            })?)
        };
        Ok(Self {
            limit: i64::from(limit),
            after,
        })
    }

    /// Splits a fetched `limit + 1` rows into the page and the next cursor.
    pub fn finish<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> Uuid) -> (Vec<T>, String) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() > limit {
            rows.truncate(limit);
            let next = rows.last().map(|r| id(r).to_string()).unwrap_or_default();
            (rows, next)
        } else {
            (rows, String::new())
        }
    }
}

/// One of the domain crate's enumerations from its API name (`all_voters`, `member`, …), as
/// the domain crate spells it in JSON; `None` for any other string.
pub fn parse_enum<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            AreaName::parse("name", "  城南街道 ").ok().map(|n| n.0),
            Some("城南街道".to_owned())
        );
        assert!(AreaName::parse("name", "   ").is_err());
        assert!(AreaName::parse("name", &"长".repeat(65)).is_err());
        assert!(AreaName::parse("name", "a\u{7}b").is_err());
    }

    #[test]
    fn codes_are_optional_and_ascii() {
        assert_eq!(AreaCode::parse("code", "").map(|c| c.0).ok(), Some(None));
        assert_eq!(
            AreaCode::parse("code", "220102-01").map(|c| c.0).ok(),
            Some(Some("220102-01".to_owned()))
        );
        assert!(AreaCode::parse("code", "城南").is_err());
        assert!(AreaCode::parse("code", &"x".repeat(33)).is_err());
    }

    #[test]
    fn paging_defaults_to_fifty_and_refuses_more_than_five_hundred() {
        assert_eq!(Page::parse(None).map(|p| p.limit).ok(), Some(50));
        let big = juxuan_proto::common::v1::PageRequest {
            limit: 501,
            cursor: String::new(),
        };
        assert!(Page::parse(Some(&big)).is_err());
        let bad = juxuan_proto::common::v1::PageRequest {
            limit: 10,
            cursor: "nope".into(),
        };
        assert_eq!(
            Page::parse(Some(&bad)).err().map(|e| e.code().to_owned()),
            Some("request.invalid_cursor".to_owned())
        );
    }
}
