//! Statutory retirement ages (法定退休年龄) with the gradual raise in force from 2025-01-01
//! (全国人大常委会 2024-09-13 决定), for R-ELIG-RETIRE.
//!
//! Men: 60, raised by one month every four months of birth from January 1965, to 63 for those
//! born from January 1977. Women on the cadre base: 55, the same pace from January 1970, to 58.
//! Women on the worker base: 50, one month every two months from January 1975, to 55. Derived
//! from "每四个月延迟一个月 / 每二个月延迟一个月" (DOMAIN-SOURCES.md B1): check against the
//! official 对照表 (附件1–3) before relying on a borderline case.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{FemaleRetirementBase, Gender, calendar};

/// A retirement age in years and months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RetirementAge {
    /// Whole years.
    pub years: u32,
    /// And months (0–11).
    pub months: u32,
}

impl RetirementAge {
    fn from_months(total: u32) -> Self {
        Self {
            years: total / 12,
            months: total % 12,
        }
    }

    fn total_months(self) -> u32 {
        self.years * 12 + self.months
    }
}

/// The base age, the first birth month the raise applies to, how many birth months add one
/// month of delay, and the largest delay.
struct Schedule {
    base_years: u32,
    origin_year: i32,
    months_per_step: u32,
    max_delay_months: u32,
}

fn schedule(gender: Gender, female_base: FemaleRetirementBase) -> Schedule {
    match (gender, female_base) {
        (Gender::Male, _) => Schedule {
            base_years: 60,
            origin_year: 1965,
            months_per_step: 4,
            max_delay_months: 36,
        },
        (Gender::Female, FemaleRetirementBase::Cadre) => Schedule {
            base_years: 55,
            origin_year: 1970,
            months_per_step: 4,
            max_delay_months: 36,
        },
        (Gender::Female, FemaleRetirementBase::Worker) => Schedule {
            base_years: 50,
            origin_year: 1975,
            months_per_step: 2,
            max_delay_months: 60,
        },
    }
}

/// The statutory retirement age of a person born on `birth` (R-ELIG-RETIRE).
pub fn retirement_age(
    gender: Gender,
    birth: Date,
    female_base: FemaleRetirementBase,
) -> RetirementAge {
    let s = schedule(gender, female_base);
    let months_since_origin =
        (birth.year() - s.origin_year) * 12 + i32::from(u8::from(birth.month())) - 1;
    let delay = match u32::try_from(months_since_origin) {
        Err(_) => 0,
        Ok(m) => (m / s.months_per_step + 1).min(s.max_delay_months),
    };
    RetirementAge::from_months(s.base_years * 12 + delay)
}

/// The day a person reaches statutory retirement age: their birth date plus that age
/// (a missing day of the month falls on the month's last day).
pub fn retirement_date(
    gender: Gender,
    birth: Date,
    female_base: FemaleRetirementBase,
) -> Option<Date> {
    let age = retirement_age(gender, birth, female_base);
    calendar::add_months(birth, i32::try_from(age.total_months()).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn age(years: u32, months: u32) -> RetirementAge {
        RetirementAge { years, months }
    }

    #[test]
    fn r_elig_retire_the_retirement_age_table_by_gender_and_birth_month() {
        use FemaleRetirementBase::{Cadre, Worker};
        use Gender::{Female, Male};
        let cases = [
            (Male, date!(1964 - 12 - 15), Cadre, age(60, 0)),
            (Male, date!(1965 - 01 - 15), Cadre, age(60, 1)),
            (Male, date!(1965 - 03 - 15), Cadre, age(60, 1)), // Appendix B S16
            (Male, date!(1965 - 04 - 15), Cadre, age(60, 1)),
            (Male, date!(1965 - 05 - 15), Cadre, age(60, 2)),
            (Male, date!(1970 - 01 - 01), Cadre, age(61, 4)),
            (Male, date!(1976 - 09 - 01), Cadre, age(63, 0)),
            (Male, date!(1976 - 08 - 01), Cadre, age(62, 11)),
            (Male, date!(1990 - 01 - 01), Cadre, age(63, 0)),
            (Female, date!(1969 - 12 - 31), Cadre, age(55, 0)),
            (Female, date!(1970 - 01 - 01), Cadre, age(55, 1)),
            (Female, date!(1981 - 09 - 01), Cadre, age(58, 0)),
            (Female, date!(1974 - 12 - 31), Worker, age(50, 0)),
            (Female, date!(1975 - 01 - 01), Worker, age(50, 1)),
            (Female, date!(1975 - 03 - 01), Worker, age(50, 2)),
            (Female, date!(1984 - 11 - 01), Worker, age(55, 0)),
            (Female, date!(1984 - 10 - 01), Worker, age(54, 11)),
        ];
        for (gender, birth, base, expected) in cases {
            assert_eq!(
                retirement_age(gender, birth, base),
                expected,
                "{gender:?} {birth} {base:?}"
            );
        }
    }

    #[test]
    fn r_elig_retire_a_man_born_in_march_1965_retires_in_april_2025() {
        assert_eq!(
            retirement_date(
                Gender::Male,
                date!(1965 - 03 - 15),
                FemaleRetirementBase::Cadre
            ),
            Some(date!(2025 - 04 - 15))
        );
        assert_eq!(
            retirement_date(
                Gender::Male,
                date!(1965 - 01 - 31),
                FemaleRetirementBase::Cadre
            ),
            Some(date!(2025 - 02 - 28)),
            "a missing day falls on the month's last day"
        );
    }
}
