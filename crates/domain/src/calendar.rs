//! Date arithmetic of the law: ages in 周岁 and periods in years and months.
//!
//! A period counted in years or months ends on the corresponding day of the last month, or on
//! that month's last day when it has no such day (民法典 第202条). So someone born on 29 February
//! has their birthday on 28 February in other years, and a month added to 31 January is the last
//! day of February. An age in 周岁 is the number of whole years completed on a date, and it
//! increases on the birthday itself (the criminal law's "day after the birthday" is a special rule
//! that elections do not use; DOMAIN-SOURCES.md B1 A4–A5).

use time::{Date, Month};

/// The date `months` calendar months after `date`, on the same day of the month or the month's
/// last day when it is shorter. `None` outside `time`'s range.
pub fn add_months(date: Date, months: i32) -> Option<Date> {
    let index = date.year().checked_mul(12)? + i32::from(u8::from(date.month())) - 1;
    let target = index.checked_add(months)?;
    let year = target.div_euclid(12);
    let month = Month::try_from(u8::try_from(target.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}

/// The date `years` whole years after `date` (28 February for a 29 February in a common year).
pub fn add_years(date: Date, years: i32) -> Option<Date> {
    add_months(date, years.checked_mul(12)?)
}

/// The age in 周岁 (whole years completed) on `on` of someone born on `birth`; `None` when `on`
/// is before the birth date.
pub fn age_on(birth: Date, on: Date) -> Option<u32> {
    if on < birth {
        return None;
    }
    let mut years = on.year() - birth.year();
    let birthday_this_year = add_years(birth, years)?;
    if on < birthday_this_year {
        years -= 1;
    }
    u32::try_from(years).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn age_increases_on_the_birthday_itself() {
        assert_eq!(
            age_on(date!(1970 - 06 - 01), date!(2025 - 05 - 31)),
            Some(54)
        );
        assert_eq!(
            age_on(date!(1970 - 06 - 01), date!(2025 - 06 - 01)),
            Some(55)
        );
        assert_eq!(
            age_on(date!(1970 - 06 - 01), date!(2026 - 05 - 31)),
            Some(55)
        );
        assert_eq!(
            age_on(date!(1970 - 06 - 01), date!(2026 - 06 - 01)),
            Some(56)
        );
    }

    #[test]
    fn someone_born_on_29_february_has_their_birthday_on_28_february_in_common_years() {
        let birth = date!(2008 - 02 - 29);
        assert_eq!(age_on(birth, date!(2026 - 02 - 27)), Some(17));
        assert_eq!(age_on(birth, date!(2026 - 02 - 28)), Some(18));
        assert_eq!(age_on(birth, date!(2028 - 02 - 28)), Some(19));
        assert_eq!(age_on(birth, date!(2028 - 02 - 29)), Some(20));
    }

    #[test]
    fn no_age_before_birth() {
        assert_eq!(age_on(date!(2000 - 01 - 02), date!(2000 - 01 - 01)), None);
        assert_eq!(
            age_on(date!(2000 - 01 - 02), date!(2000 - 01 - 02)),
            Some(0)
        );
    }

    #[test]
    fn months_added_to_a_long_month_end_on_the_last_day_of_a_short_one() {
        assert_eq!(
            add_months(date!(2025 - 01 - 31), 1),
            Some(date!(2025 - 02 - 28))
        );
        assert_eq!(
            add_months(date!(1965 - 03 - 15), 60 * 12 + 1),
            Some(date!(2025 - 04 - 15))
        );
        assert_eq!(
            add_months(date!(2024 - 12 - 15), -12),
            Some(date!(2023 - 12 - 15))
        );
        assert_eq!(
            add_years(date!(2024 - 02 - 29), 1),
            Some(date!(2025 - 02 - 28))
        );
    }
}
