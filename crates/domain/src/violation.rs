//! A broken rule, as the services report it: API.md's `{"field", "code", "message"}` plus the
//! rule that was broken and how to answer it.

use serde::Serialize;

use crate::{Refusal, RuleId, Text};

/// One broken rule. A refusal lists every one; the first gives the answer's `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The stable dotted code, e.g. `nomination.too_few_nominators`.
    pub code: &'static str,
    /// The request field concerned (`nominator_ids[2]`, `position`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rule of DOMAIN.md that was broken.
    pub rule: RuleId,
    /// How to answer: 403, 409 or 422.
    pub refusal: Refusal,
    /// Why, in zh and en.
    pub message: Text,
}

impl Violation {
    pub fn rule(code: &'static str, rule: RuleId, message: Text) -> Self {
        Self {
            code,
            field: None,
            rule,
            refusal: Refusal::Rule,
            message,
        }
    }

    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.rule, self.message.en)
    }
}
