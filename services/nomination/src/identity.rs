//! Identity numbers at the register's edge: the parsed facts the register keeps (birth date,
//! gender, masked form, keyed-hash input) and nothing else. The number's rules themselves
//! (GB 11643 check digit, birth date) are the domain crate's.

use time::Date;

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

fn bad(zh: &str, en: &str) -> (&'static str, String, String) {
    (
        "voter.invalid_id_number",
        format!("身份证号无效：{zh}"),
        format!("Invalid identity number: {en}"),
    )
}

/// Parses a resident identity number (GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check
/// character; the birth date in digits 7–14; odd 17th digit for men). The region code is not
/// checked (API.md). On failure: a stable code and a reason in zh and en.
pub fn parse(raw: &str) -> Result<ParsedId, (&'static str, String, String)> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let id = raw.trim().to_ascii_uppercase();
    let bytes = id.as_bytes();
    if bytes.len() != 18
        || !bytes[..17].iter().all(u8::is_ascii_digit)
        || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
    {
        return Err(bad(
            "须为 18 位，前 17 位为数字，末位为数字或 X",
            "it has 18 characters: 17 digits and a digit or X",
        ));
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    if CHECK[(sum % 11) as usize] != bytes[17] {
        return Err(bad("校验码不正确", "the check character is wrong"));
    }
    let digits = |r: std::ops::Range<usize>| id[r].parse::<u32>().unwrap_or(0);
    let month = u8::try_from(digits(10..12))
        .ok()
        .and_then(|m| time::Month::try_from(m).ok());
    let birth_date = month.and_then(|m| {
        Date::from_calendar_date(
            i32::try_from(digits(6..10)).unwrap_or(0),
            m,
            u8::try_from(digits(12..14)).unwrap_or(0),
        )
        .ok()
    });
    let Some(birth_date) = birth_date.filter(|d| d.year() >= 1900) else {
        return Err(bad("出生日期无效", "the birth date is not a valid date"));
    };
    let masked = format!("{}********{}", &id[..6], &id[14..]);
    let gender = if (bytes[16] - b'0') % 2 == 1 {
        "male"
    } else {
        "female"
    };
    Ok(ParsedId {
        normalised: id,
        masked,
        birth_date,
        gender,
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    /// A synthetic number with a valid check character for the given 17 digits.
    pub fn synthetic(first17: &str) -> String {
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = first17
            .bytes()
            .zip(WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
    }

    #[test]
    fn a_valid_number_gives_birth_date_gender_and_a_mask_without_the_number() {
        let n = synthetic("99000019800229122");
        let p = parse(&n).expect("valid");
        assert_eq!(p.birth_date, time::macros::date!(1980 - 02 - 29));
        assert_eq!(p.gender, "female");
        assert!(!p.masked.contains(&n[6..14]), "the birth date is masked");
        assert_eq!(p.masked.len(), 18);
        assert!(!format!("{p:?}").contains(&n));
    }

    #[test]
    fn wrong_check_characters_lengths_and_dates_are_refused() {
        let n = synthetic("99000019900101001");
        let last = n.chars().last().expect("char");
        let wrong = format!("{}{}", &n[..17], if last == '0' { '1' } else { '0' });
        assert!(parse(&wrong).is_err());
        assert!(parse(&n[..17]).is_err());
        assert!(
            parse(&synthetic("99000019900230001")).is_err(),
            "30 February"
        );
        assert!(
            parse(&format!(
                "{} ",
                synthetic("99000019900101001").to_lowercase()
            ))
            .is_ok()
        );
    }
}
