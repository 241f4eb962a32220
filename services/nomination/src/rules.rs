//! The rule profile an election runs under: named by `rules.profile`, or the profile in force
//! on the day nominations open; other keys of `rules` override its parameters. The effective
//! profile is stored with the election so every later decision can be explained.

use juxuan_platform::AppError;
use juxuan_platform::error::{FieldError, Text};
use time::Date;

/// `rules` as sent: empty, or a JSON object.
pub fn parse_overrides(errors: &mut Vec<FieldError>, raw: &str) -> Option<serde_json::Value> {
    if raw.trim().is_empty() {
        return None;
    }
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(v @ serde_json::Value::Object(_)) => Some(v),
        _ => {
            errors.push(FieldError {
                field: "rules".into(),
                code: "rules.invalid".into(),
                message: Text::new("rules 须为 JSON 对象", "rules must be a JSON object"),
            });
            None
        }
    }
}

/// The profile in force on a date.
pub fn profile_for(opens: Date) -> &'static str {
    if opens >= time::macros::date!(2026 - 01 - 01) {
        "cn-2026"
    } else {
        "cn-2018-jilin"
    }
}

/// The effective profile of a new election.
pub fn effective(
    opens: Date,
    overrides: Option<serde_json::Value>,
) -> Result<serde_json::Value, AppError> {
    let mut overrides = overrides.unwrap_or_else(|| serde_json::json!({}));
    let name = match overrides.get("profile") {
        None => profile_for(opens).to_owned(),
        Some(serde_json::Value::String(name))
            if ["cn-2018-jilin", "cn-2026"].contains(&name.as_str()) =>
        {
            name.clone()
        }
        Some(_) => {
            return Err(AppError::invalid_field(
                "rules.profile",
                "rules.unknown_profile",
                Text::new(
                    "未知的规则版本（可选 cn-2018-jilin、cn-2026）",
                    "Unknown profile (cn-2018-jilin or cn-2026)",
                ),
            ));
        }
    };
    if let Some(map) = overrides.as_object_mut() {
        map.insert("profile".into(), serde_json::Value::String(name));
    }
    Ok(overrides)
}
