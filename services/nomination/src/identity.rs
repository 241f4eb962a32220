//! Identity numbers at the register's edge: the parsed facts the register keeps (birth date,
//! gender, masked form, keyed-hash input) and nothing else. The number's rules themselves
//! (GB 11643 check digit, birth date) are the domain crate's [`IdentityNumber`].

use juxuan_domain::{Gender, IdentityNumber};
use time::{Date, OffsetDateTime};

/// What the register keeps of an identity number.
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedId {
    /// Upper-case, for hashing; never stored, logged or returned.
    pub normalised: String,
    pub masked: String,
    pub birth_date: Date,
    /// `male` or `female`.
    pub gender: &'static str,
}

impl std::fmt::Debug for ParsedId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedId")
            .field("masked", &self.masked)
            .finish_non_exhaustive()
    }
}

/// Parses a resident identity number (the region code is not checked, API.md); a birth date
/// after today (in the district's zone) is refused too. On failure: a stable code and a reason
/// in zh and en.
pub fn parse(raw: &str) -> Result<ParsedId, (&'static str, String, String)> {
    let today = OffsetDateTime::now_utc()
        .to_offset(crate::clock::DISTRICT_OFFSET)
        .date();
    match IdentityNumber::parse(raw, today) {
        Ok(id) => Ok(ParsedId {
            normalised: id.expose_full_number().to_owned(),
            masked: id.masked(),
            birth_date: id.birth_date(),
            gender: gender(id.gender()),
        }),
        Err(e) => {
            let m = e.message();
            Err((e.code(), m.zh, m.en))
        }
    }
}

/// The register's name of a gender.
pub fn gender(g: Gender) -> &'static str {
    match g {
        Gender::Male => "male",
        Gender::Female => "female",
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn synthetic(first17: &str) -> String {
        let check = juxuan_domain::identity::check_character(first17).expect("17 digits");
        format!("{first17}{check}")
    }

    #[test]
    fn a_valid_number_gives_birth_date_gender_and_a_mask_without_the_number() {
        let n = synthetic("99000019800229122");
        let p = parse(&n).expect("valid");
        assert_eq!(p.birth_date, time::macros::date!(1980 - 02 - 29));
        assert_eq!(p.gender, "female");
        assert!(!p.masked.contains(&n[6..14]), "the birth date is masked");
        assert!(!format!("{p:?}").contains(&n));
    }

    #[test]
    fn wrong_check_characters_dates_and_future_births_are_refused() {
        let n = synthetic("99000019900101001");
        let last = n.chars().last().expect("char");
        let wrong = format!("{}{}", &n[..17], if last == '0' { '1' } else { '0' });
        assert_eq!(
            parse(&wrong).map_err(|e| e.0),
            Err("voter.invalid_id_number")
        );
        assert!(parse(&n[..17]).is_err());
        assert!(
            parse(&synthetic("99000019900230001")).is_err(),
            "30 February"
        );
        assert!(
            parse(&synthetic("99000021990101001")).is_err(),
            "born in 2199"
        );
        assert!(parse(&format!(" {} ", n.to_lowercase())).is_ok());
    }
}
