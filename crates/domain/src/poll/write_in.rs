//! Write-ins (另选他人) matched against the community's register (API.md: a write-in that
//! matches no registered voter is counted but cannot be elected).

use std::collections::HashMap;

use crate::PersonKey;

/// A name as compared: without any white space (ASCII or the ideographic space U+3000), so
/// "张 三" and "张三" are the same write-in.
pub fn normalise_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Match {
    One(PersonKey),
    Several,
}

/// What a written name resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolved<'a> {
    /// Exactly one registered voter has this name.
    Person(&'a PersonKey),
    /// Several registered voters share it: counted, not electable.
    Ambiguous,
    /// No registered voter has it: counted, not electable.
    Unregistered,
}

/// The community's registered voters by name, for matching write-ins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteInRegister {
    by_name: HashMap<String, Match>,
}

impl WriteInRegister {
    /// The register from `(name, person)` pairs of the community's voters. A name held by
    /// several people matches none of them (the write-in is counted but cannot be elected).
    pub fn new<I, S>(voters: I) -> Self
    where
        I: IntoIterator<Item = (S, PersonKey)>,
        S: AsRef<str>,
    {
        let mut by_name: HashMap<String, Match> = HashMap::new();
        for (name, person) in voters {
            let key = normalise_name(name.as_ref());
            if key.is_empty() {
                continue;
            }
            by_name
                .entry(key)
                .and_modify(|m| {
                    if *m != Match::One(person.clone()) {
                        *m = Match::Several;
                    }
                })
                .or_insert_with(|| Match::One(person.clone()));
        }
        Self { by_name }
    }

    /// What a normalised name resolves to.
    pub(crate) fn resolve(&self, normalised: &str) -> Resolved<'_> {
        match self.by_name.get(normalised) {
            Some(Match::One(p)) => Resolved::Person(p),
            Some(Match::Several) => Resolved::Ambiguous,
            None => Resolved::Unregistered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_without_spaces_and_shared_names_match_nobody() {
        let register = WriteInRegister::new([
            ("张三", PersonKey::new("p1")),
            ("李 四", PersonKey::new("p2")),
            ("王五", PersonKey::new("p3")),
            ("王五", PersonKey::new("p4")),
        ]);
        assert_eq!(
            register.resolve(&normalise_name("张\u{3000}三")),
            Resolved::Person(&PersonKey::new("p1"))
        );
        assert_eq!(
            register.resolve("李四"),
            Resolved::Person(&PersonKey::new("p2"))
        );
        assert_eq!(register.resolve("王五"), Resolved::Ambiguous);
        assert_eq!(register.resolve("赵六"), Resolved::Unregistered);
    }
}
