//! Resident identity numbers (公民身份号码, GB 11643-1999): what they tell the rules (birth date
//! for ages, gender for the retirement table) and how they may be shown.
//!
//! An identity number is personal data. [`IdentityNumber`] never prints the full number: its
//! `Debug` and `Display` show the [masked](IdentityNumber::masked) form, it is not `Serialize`,
//! and the full value is reachable only through the explicitly named
//! [`IdentityNumber::expose_full_number`], for storage under protection or keyed hashing.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::{Text, calendar, messages};

/// 性别, from the 17th digit of the identity number (odd: male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// 男.
    Male,
    /// 女.
    Female,
}

/// A resident identity number whose form, check character and birth date are valid.
///
/// The region code (digits 1–6) is deliberately not validated (API.md: only the check digit
/// and the birth date are).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdentityNumber {
    /// 17 digits and a digit or `X`, upper case.
    normalised: String,
    birth_date: Date,
}

/// Why an identity number was refused. [`code`](IdentityNumberError::code) is the stable
/// API code, [`reason`](IdentityNumberError::reason) the finer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityNumberError {
    /// Not 18 characters of 17 digits and a digit or `X`.
    #[error("an identity number has 18 characters: 17 digits and a digit or X")]
    Format,
    /// The check character does not match (ISO 7064 MOD 11-2).
    #[error("the check character of the identity number is wrong")]
    CheckCharacter,
    /// Digits 7–14 are not a calendar date from 1900 on.
    #[error("the birth date in the identity number is not a valid date")]
    BirthDate,
    /// The birth date is after the reference date.
    #[error("the birth date in the identity number is in the future")]
    BirthDateInFuture,
}

impl IdentityNumberError {
    /// The stable code of every refusal of an identity number (API.md).
    pub fn code(self) -> &'static str {
        "voter.invalid_id_number"
    }

    /// The finer reason: `format`, `check_character`, `birth_date` or `birth_date_in_future`.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Format => "format",
            Self::CheckCharacter => "check_character",
            Self::BirthDate => "birth_date",
            Self::BirthDateInFuture => "birth_date_in_future",
        }
    }

    /// The refusal in zh and en.
    pub fn message(self) -> Text {
        messages::identity_error(self)
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS: &[u8; 11] = b"10X98765432";

/// The ISO 7064 MOD 11-2 check character of 17 digits, or `None` if they are not 17 ASCII digits.
///
/// Tests use it to build synthetic numbers; services need not.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARACTERS
        .get((sum % 11) as usize)
        .map(|&c| char::from(c))
}

impl IdentityNumber {
    /// Parses an identity number as typed (surrounding spaces and a lower-case `x` accepted),
    /// checking its form, check character and birth date, which must not be after `today`.
    pub fn parse(raw: &str, today: Date) -> Result<Self, IdentityNumberError> {
        let normalised = raw.trim().to_ascii_uppercase();
        let bytes = normalised.as_bytes();
        let well_formed = bytes.len() == 18
            && bytes[..17].iter().all(u8::is_ascii_digit)
            && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
        if !well_formed {
            return Err(IdentityNumberError::Format);
        }
        if check_character(&normalised[..17]) != Some(char::from(bytes[17])) {
            return Err(IdentityNumberError::CheckCharacter);
        }
        let number = |from: usize, to: usize| {
            bytes[from..to]
                .iter()
                .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        let year = i32::try_from(number(6, 10)).map_err(|_| IdentityNumberError::BirthDate)?;
        let month = u8::try_from(number(10, 12))
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .ok_or(IdentityNumberError::BirthDate)?;
        let day = u8::try_from(number(12, 14)).map_err(|_| IdentityNumberError::BirthDate)?;
        let birth_date = Date::from_calendar_date(year, month, day)
            .ok()
            .filter(|_| year >= 1900)
            .ok_or(IdentityNumberError::BirthDate)?;
        if birth_date > today {
            return Err(IdentityNumberError::BirthDateInFuture);
        }
        Ok(Self {
            normalised,
            birth_date,
        })
    }

    /// The birth date (digits 7–14).
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// The gender (the 17th digit: odd for men, even for women).
    pub fn gender(&self) -> Gender {
        let digit = self.normalised.as_bytes()[16] - b'0';
        if digit % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The age in 周岁 on a date (R-VOTER-AGE, R-ELIG-AGE reckon it on election day); `None`
    /// before the birth date.
    pub fn age_on(&self, on: Date) -> Option<u32> {
        calendar::age_on(self.birth_date, on)
    }

    /// The number as it may be shown: the first 6 characters (the region), eight `*` in place
    /// of the birth date, and the last 4 (sequence and check character), e.g.
    /// `990000********1234`. The birth date never appears.
    pub fn masked(&self) -> String {
        format!(
            "{}********{}",
            &self.normalised[..6],
            &self.normalised[14..]
        )
    }

    /// The full number, upper case. Only for storage under protection or a keyed hash; never
    /// for logs or answers.
    pub fn expose_full_number(&self) -> &str {
        &self.normalised
    }
}

impl std::fmt::Debug for IdentityNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("IdentityNumber")
            .field(&self.masked())
            .finish()
    }
}

impl std::fmt::Display for IdentityNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// A synthetic number: region 990000 (not a real region), the given birth date and sequence.
    fn synthetic(birth: &str, sequence: &str) -> String {
        let first17 = format!("990000{birth}{sequence}");
        let check = check_character(&first17).expect("17 digits");
        format!("{first17}{check}")
    }

    const TODAY: Date = date!(2026 - 01 - 01);

    #[test]
    fn a_valid_number_gives_its_birth_date_and_gender() {
        let id = IdentityNumber::parse(&synthetic("19800229", "122"), TODAY).expect("valid");
        assert_eq!(id.birth_date(), date!(1980 - 02 - 29));
        assert_eq!(id.gender(), Gender::Female);
        let id = IdentityNumber::parse(&synthetic("19700601", "013"), TODAY).expect("valid");
        assert_eq!(id.gender(), Gender::Male);
    }

    #[test]
    fn the_masked_form_hides_the_birth_date_and_debug_and_display_never_show_the_number() {
        let raw = synthetic("19851231", "457");
        let id = IdentityNumber::parse(&raw, TODAY).expect("valid");
        let masked = id.masked();
        assert_eq!(masked.len(), 18);
        assert!(masked.starts_with("990000********"));
        assert!(masked.ends_with(&raw[14..]));
        for shown in [format!("{id:?}"), format!("{id}")] {
            assert!(!shown.contains(&raw), "{shown}");
            assert!(!shown.contains("19851231"), "{shown}");
        }
        assert_eq!(id.expose_full_number(), raw);
    }

    #[test]
    fn a_lower_case_x_and_surrounding_spaces_are_accepted() {
        // Find a sequence whose check character is X.
        let raw = (0..1000)
            .map(|s| synthetic("19900101", &format!("{s:03}")))
            .find(|n| n.ends_with('X'))
            .expect("some sequence has X");
        let typed = format!("  {} ", raw.to_lowercase());
        let id = IdentityNumber::parse(&typed, TODAY).expect("valid");
        assert_eq!(id.expose_full_number(), raw);
    }

    #[test]
    fn malformed_numbers_wrong_check_characters_and_impossible_dates_are_refused() {
        let good = synthetic("19900101", "001");
        let last = good.chars().last().expect("18 chars");
        let wrong = format!("{}{}", &good[..17], if last == '0' { '1' } else { '0' });
        let cases = [
            (good[..17].to_owned(), IdentityNumberError::Format),
            (format!("{good}1"), IdentityNumberError::Format),
            (format!("A{}", &good[1..]), IdentityNumberError::Format),
            (wrong, IdentityNumberError::CheckCharacter),
            (synthetic("19900230", "001"), IdentityNumberError::BirthDate),
            (synthetic("19901301", "001"), IdentityNumberError::BirthDate),
            (synthetic("18991231", "001"), IdentityNumberError::BirthDate),
            (
                synthetic("20260102", "001"),
                IdentityNumberError::BirthDateInFuture,
            ),
        ];
        for (raw, expected) in cases {
            let got = IdentityNumber::parse(&raw, TODAY).expect_err("refused");
            assert_eq!(got, expected, "{}", got.reason());
            assert_eq!(got.code(), "voter.invalid_id_number");
        }
        assert!(IdentityNumber::parse(&synthetic("20260101", "001"), TODAY).is_ok());
    }

    #[test]
    fn age_on_a_date_is_reckoned_in_zhousui() {
        let id = IdentityNumber::parse(&synthetic("20070620", "001"), TODAY).expect("valid");
        assert_eq!(id.age_on(date!(2025 - 06 - 19)), Some(17));
        assert_eq!(id.age_on(date!(2025 - 06 - 20)), Some(18));
    }
}
