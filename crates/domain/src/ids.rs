//! Opaque identifiers the services hand to the rules. The rules compare them and never look
//! inside: a service uses its UUIDs, or a keyed hash of an identity number for a person.

use serde::{Deserialize, Serialize};

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a service's identifier.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

opaque_id!(
    /// A voter of the register (API.md `voter_id`).
    VoterId
);
opaque_id!(
    /// An official candidate (API.md `candidate_id`).
    CandidateId
);
opaque_id!(
    /// One natural person, stable across positions and rounds: the same key for a person's
    /// candidacies and for a write-in that names them (a keyed hash of the identity number, or
    /// a voter id). Never the identity number itself.
    PersonKey
);

impl CandidateId {
    /// The candidate id this crate gives a registered write-in who goes on to a later round's
    /// ballot (R-ADDITIONAL, R-TIE): `write-in:<person key>`. A service may keep it or map it to
    /// a candidate record of its own.
    pub fn for_write_in(person: &PersonKey) -> Self {
        Self(format!("write-in:{}", person.as_str()))
    }
}
