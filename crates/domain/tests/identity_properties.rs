//! Properties of resident identity numbers (公民身份号码, GB 11643-1999) as
//! [`IdentityNumber::parse`] reads them. The birth date and gender they yield feed R-VOTER-AGE,
//! R-ELIG-AGE and R-ELIG-RETIRE; the masked form is what may be shown.
//!
//! The check character is computed here independently of the crate (ISO 7064 MOD 11-2 with the
//! weights of GB 11643), so a wrong table in the crate would show up.

use juxuan_domain::identity::{Gender, IdentityNumber, IdentityNumberError};
use proptest::prelude::*;
use time::Date;
use time::macros::date;

/// GB 11643-1999 weights of the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder of the weighted sum modulo 11.
const CHECK_CHARACTERS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The earliest birth date the crate accepts.
const EARLIEST_BIRTH: Date = date!(1900 - 01 - 01);
/// The range of reference dates ("today") tried.
const EARLIEST_TODAY: Date = date!(1900 - 01 - 01);
const LATEST_TODAY: Date = date!(2100 - 12 - 31);
/// The latest birth date tried for numbers from the future.
const LATEST_BIRTH: Date = date!(2199 - 12 - 31);

/// The check character of 17 ASCII digits, computed independently of the crate.
fn check_character(first17: &str) -> char {
    assert_eq!(first17.len(), 17, "17 digits");
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARACTERS[(sum % 11) as usize]
}

/// `yyyymmdd`.
fn digits_of(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn day(julian: i32) -> Date {
    Date::from_julian_day(julian).expect("a date in range")
}

/// A well-formed number and what it was built from.
#[derive(Debug, Clone)]
struct Built {
    /// 18 characters, upper-case `X`.
    number: String,
    birth: Date,
    today: Date,
    male: bool,
}

fn build(region: &str, birth: Date, sequence: u32, today: Date) -> Built {
    let first17 = format!("{region}{}{sequence:03}", digits_of(birth));
    let check = check_character(&first17);
    Built {
        number: format!("{first17}{check}"),
        birth,
        today,
        // The 17th digit is the last digit of the sequence: odd for men.
        male: sequence % 2 == 1,
    }
}

fn reference_date() -> impl Strategy<Value = Date> {
    (EARLIEST_TODAY.to_julian_day()..=LATEST_TODAY.to_julian_day()).prop_map(day)
}

prop_compose! {
    /// A valid number: any region, a birth date from 1900-01-01 to `today` (both included), any
    /// sequence, the right check character.
    fn valid_number()(today in reference_date())(
        region in "[0-9]{6}",
        birth in prop_oneof![
            // The edges: born today, or on the first day accepted.
            1 => Just(today.to_julian_day()),
            1 => Just(EARLIEST_BIRTH.to_julian_day()),
            8 => EARLIEST_BIRTH.to_julian_day()..=today.to_julian_day(),
        ],
        sequence in 0u32..1000,
        today in Just(today),
    ) -> Built {
        build(&region, day(birth), sequence, today)
    }
}

prop_compose! {
    /// A number that is valid in every way except that its birth date is after `today`.
    fn future_number()(today in reference_date())(
        region in "[0-9]{6}",
        birth in prop_oneof![
            1 => Just(today.to_julian_day() + 1),
            4 => (today.to_julian_day() + 1)..=LATEST_BIRTH.to_julian_day(),
        ],
        sequence in 0u32..1000,
        today in Just(today),
    ) -> Built {
        build(&region, day(birth), sequence, today)
    }
}

/// Strings of 16 to 20 characters, mostly 18, from digits, `X`, `x`, spaces and look-alikes
/// (full-width digits, Chinese numerals): close to an identity number, often multi-byte.
fn near_numbers() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "0123456789Xx ０１９一二〇Ｘ"
        .chars()
        .chain(std::iter::repeat_n('7', 6))
        .collect();
    prop_oneof![
        3 => proptest::collection::vec(proptest::sample::select(alphabet.clone()), 18),
        1 => proptest::collection::vec(proptest::sample::select(alphabet), 16..=20),
    ]
    .prop_map(|chars: Vec<char>| chars.into_iter().collect::<String>())
}

/// What must hold of any number the crate accepts: it is the trimmed input in upper case, its
/// birth date is from 1900 to `today`, and the masked form hides the birth date.
fn accepted_invariants(raw: &str, id: &IdentityNumber, today: Date) -> Result<(), TestCaseError> {
    let full = id.expose_full_number();
    prop_assert_eq!(full, raw.trim().to_ascii_uppercase());
    prop_assert_eq!(full.len(), 18);
    prop_assert!(
        full.bytes().take(17).all(|b| b.is_ascii_digit()),
        "{}",
        full
    );
    prop_assert!(id.birth_date() <= today);
    prop_assert!(id.birth_date() >= EARLIEST_BIRTH);
    prop_assert_eq!(&full[6..14], digits_of(id.birth_date()));
    prop_assert_eq!(id.age_on(id.birth_date()), Some(0));
    masked_invariants(full, id)
}

/// The masked form keeps the first 6 and the last 4 characters and shows `*` for the birth
/// date (positions 6..14); Debug and Display show only the masked form.
fn masked_invariants(full: &str, id: &IdentityNumber) -> Result<(), TestCaseError> {
    let masked = id.masked();
    prop_assert_eq!(masked.chars().count(), 18);
    prop_assert_eq!(&masked[..6], &full[..6]);
    prop_assert_eq!(&masked[6..14], "********");
    prop_assert_eq!(&masked[14..], &full[14..]);
    let birth_digits = &full[6..14];
    for shown in [masked.clone(), format!("{id}"), format!("{id:?}")] {
        prop_assert!(
            !shown.contains(birth_digits),
            "{} shows {}",
            shown,
            birth_digits
        );
        prop_assert!(!shown.contains(full), "{} shows the full number", shown);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Parsing never panics, whatever is typed; whatever is accepted is well formed.
    #[test]
    fn parsing_any_string_never_panics(raw in any::<String>(), today in reference_date()) {
        if let Ok(id) = IdentityNumber::parse(&raw, today) {
            accepted_invariants(&raw, &id, today)?;
        }
    }

    /// Near misses (look-alike digits, wrong lengths, multi-byte characters) never panic; a
    /// full-width or Chinese digit is never taken for an ASCII one.
    #[test]
    fn parsing_near_numbers_never_panics(raw in near_numbers(), today in reference_date()) {
        match IdentityNumber::parse(&raw, today) {
            Ok(id) => {
                prop_assert!(raw.trim().is_ascii(), "{:?} accepted", raw);
                accepted_invariants(&raw, &id, today)?;
            }
            Err(e) => prop_assert_eq!(e.code(), "voter.invalid_id_number"),
        }
        if !raw.trim().is_ascii() {
            prop_assert_eq!(
                IdentityNumber::parse(&raw, today).err(),
                Some(IdentityNumberError::Format)
            );
        }
    }

    /// A number with a valid birth date (R-VOTER-AGE and R-ELIG-AGE reckon ages from it) and its
    /// check character parses, giving back the birth date and the gender it was built from.
    #[test]
    fn every_valid_number_parses_to_its_birth_date_and_gender(b in valid_number()) {
        let id = IdentityNumber::parse(&b.number, b.today).expect("a valid number");
        prop_assert_eq!(id.birth_date(), b.birth);
        let gender = if b.male { Gender::Male } else { Gender::Female };
        prop_assert_eq!(id.gender(), gender);
        prop_assert_eq!(id.expose_full_number(), b.number.as_str());
        prop_assert!(id.age_on(b.today).is_some());
        accepted_invariants(&b.number, &id, b.today)?;
    }

    /// Surrounding spaces and a lower-case `x` are accepted and give the same number.
    #[test]
    fn spaces_and_a_lower_case_x_give_the_same_number(
        b in valid_number(),
        before in "[ \t]{0,3}",
        after in "[ \t\r\n]{0,3}",
    ) {
        let typed = format!("{before}{}{after}", b.number.to_ascii_lowercase());
        let id = IdentityNumber::parse(&typed, b.today).expect("a valid number as typed");
        let plain = IdentityNumber::parse(&b.number, b.today).expect("a valid number");
        prop_assert_eq!(id.expose_full_number(), b.number.as_str());
        prop_assert_eq!(id.birth_date(), b.birth);
        prop_assert_eq!(&id, &plain);
        accepted_invariants(&typed, &id, b.today)?;
    }

    /// MOD 11-2 catches every single substitution: changing any one of the 18 characters to
    /// another digit (or the check character to another digit or `X`) is refused for its check
    /// character, whatever the position.
    #[test]
    fn any_single_substitution_is_refused(
        b in valid_number(),
        at in 0usize..18,
        pick in 0usize..10,
    ) {
        let mut chars: Vec<char> = b.number.chars().collect();
        let alphabet = if at == 17 { "0123456789X" } else { "0123456789" };
        let others: Vec<char> = alphabet.chars().filter(|c| *c != chars[at]).collect();
        chars[at] = others[pick % others.len()];
        let changed: String = chars.into_iter().collect();
        prop_assert_ne!(&changed, &b.number);
        prop_assert_eq!(
            IdentityNumber::parse(&changed, b.today).err(),
            Some(IdentityNumberError::CheckCharacter),
            "{} (from {}, position {})", changed, b.number, at
        );
    }

    /// A birth date after the reference date is refused, even with the right check character.
    #[test]
    fn a_birth_date_after_today_is_refused(b in future_number()) {
        prop_assert!(b.birth > b.today);
        let refused = IdentityNumber::parse(&b.number, b.today).err();
        prop_assert_eq!(refused, Some(IdentityNumberError::BirthDateInFuture));
        prop_assert_eq!(
            refused.map(IdentityNumberError::reason),
            Some("birth_date_in_future")
        );
        // The same number is accepted from its birth date on.
        let id = IdentityNumber::parse(&b.number, b.birth).expect("valid on the birth date");
        prop_assert_eq!(id.birth_date(), b.birth);
    }
}
