//! The rule profile an election runs under, decided by the domain crate
//! ([`RuleProfile::resolve`]): named by `rules.profile`, or the profile in force on the day
//! nominations open; other keys of `rules` override its parameters, each bad one reported
//! against its field. The effective profile is stored with the election, beside the overrides
//! as sent (a clone re-applies them to its own dates), so every later decision can be explained.

use juxuan_domain::{ElectionMethod, ProfileOverrides, RuleProfile};
use juxuan_platform::error::{FieldError, Text};
use juxuan_platform::{AppError, AppResult};
use time::Date;

use crate::elections_store::ElectionRow;

/// `rules` as sent: empty, or a JSON object of known keys.
pub fn parse_overrides(errors: &mut Vec<FieldError>, raw: &str) -> Option<ProfileOverrides> {
    if raw.trim().is_empty() {
        return Some(ProfileOverrides::default());
    }
    match serde_json::from_str::<ProfileOverrides>(raw) {
        Ok(o) => Some(o),
        Err(e) => {
            // serde names the offending key or value; the input holds no personal data.
            let why = e.to_string();
            errors.push(FieldError {
                field: "rules".into(),
                code: "rules.invalid".into(),
                message: Text::new(
                    format!("rules 须为规则参数的 JSON 对象：{why}"),
                    format!("rules must be a JSON object of rule parameters: {why}"),
                ),
            });
            None
        }
    }
}

/// The effective profile of a new election, or 400 with every bad field of `rules` and a
/// method the profile does not permit (R-ELECTION).
pub fn effective(
    opens: Date,
    overrides: &ProfileOverrides,
    method: ElectionMethod,
) -> AppResult<RuleProfile> {
    let profile = RuleProfile::resolve(opens, overrides).map_err(|errors| {
        AppError::invalid_fields(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: e.field,
                    code: e.code.into(),
                    message: e.message.into(),
                })
                .collect(),
        )
    })?;
    if !profile.permits_method(method) {
        return Err(AppError::invalid_field(
            "method",
            "rules.method_not_permitted",
            Text::new(
                format!("规则版本 {} 不允许该选举方式", profile.profile),
                format!("Profile {} does not permit this method", profile.profile),
            ),
        ));
    }
    Ok(profile)
}

/// The effective profile stored with an election; for an election stored before profiles
/// were (its `rules` held only the overrides), the profile resolved again from them.
pub fn stored(election: &ElectionRow) -> AppResult<RuleProfile> {
    if let Ok(profile) = serde_json::from_value(election.rules.clone()) {
        return Ok(profile);
    }
    RuleProfile::resolve(election.nomination_opens_on, &stored_overrides(election)?).map_err(|e| {
        AppError::internal(anyhow::anyhow!(
            "election {} has a rule profile that no longer resolves: {e:?}",
            election.id
        ))
    })
}

/// The overrides stored with an election.
pub fn stored_overrides(election: &ElectionRow) -> AppResult<ProfileOverrides> {
    serde_json::from_value(election.rule_overrides.clone()).map_err(|e| {
        AppError::internal(anyhow::anyhow!(
            "election {} has unreadable rule overrides: {e}",
            election.id
        ))
    })
}
