//! The structure of the committees a district tracks (R-STRUCTURE): age, education, women,
//! party members — the plan's aims of younger and better educated members (一降一升) and of
//! members around 35.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{Education, Gender, calendar};

/// What the structure needs of a committee member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MemberFacts {
    /// From the identity number.
    pub birth_date: Date,
    /// From the identity number.
    pub gender: Gender,
    /// 文化程度.
    pub education: Education,
    /// 中共党员.
    pub party_member: bool,
}

/// Age bands of the report: up to 35 (the plan's "35周岁左右"), 36–45, 46–55, over 55.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    /// ≤ 35.
    #[serde(rename = "up_to_35")]
    UpTo35,
    /// 36–45.
    #[serde(rename = "from_36_to_45")]
    From36To45,
    /// 46–55.
    #[serde(rename = "from_46_to_55")]
    From46To55,
    /// > 55.
    #[serde(rename = "over_55")]
    Over55,
}

impl AgeBand {
    /// The band of an age in 周岁.
    pub fn of(age: u32) -> Self {
        match age {
            0..=35 => Self::UpTo35,
            36..=45 => Self::From36To45,
            46..=55 => Self::From46To55,
            _ => Self::Over55,
        }
    }
}

/// The structure of a group of members on a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitteeStructure {
    /// Members counted.
    pub members: u32,
    /// Average age in 周岁, to one decimal; `None` for no members.
    pub average_age: Option<f64>,
    /// Members per band, in band order.
    pub age_bands: Vec<(AgeBand, u32)>,
    /// Bachelor's degree or above (大学本科以上).
    pub bachelor_or_above: u32,
    /// Women.
    pub women: u32,
    /// Party members.
    pub party_members: u32,
    /// Members per education level, lowest first (levels with none left out).
    pub by_education: Vec<(Education, u32)>,
}

impl CommitteeStructure {
    /// A count's share of the members, in per cent to one decimal.
    pub fn share(&self, count: u32) -> Option<f64> {
        percent(u64::from(count), u64::from(self.members))
    }
}

/// `part / whole` in per cent, rounded half up to one decimal, from integers (e.g. 3,118 of
/// 3,400 → 91.7); `None` for a zero whole.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    one_decimal(u128::from(part) * 100, u128::from(whole))
}

/// `numerator / denominator` rounded half up to one decimal, from integers.
fn one_decimal(numerator: u128, denominator: u128) -> Option<f64> {
    if denominator == 0 {
        return None;
    }
    let tenths = (numerator * 20 + denominator) / (2 * denominator);
    Some(u32::try_from(tenths).map_or(f64::MAX, f64::from) / 10.0)
}

/// R-STRUCTURE: the structure of `members` on `on`.
pub fn committee_structure(members: &[MemberFacts], on: Date) -> CommitteeStructure {
    let dated: Vec<(MemberFacts, Date)> = members.iter().map(|&m| (m, on)).collect();
    structure_of(&dated)
}

/// R-STRUCTURE: the structure of members each aged on their own date — the election day of
/// the contest that elected them, for a district's figures across several contests.
pub fn structure_of(members: &[(MemberFacts, Date)]) -> CommitteeStructure {
    let ages: Vec<u32> = members
        .iter()
        .map(|(m, on)| calendar::age_on(m.birth_date, *on).unwrap_or(0))
        .collect();
    let count = u32::try_from(members.len()).unwrap_or(u32::MAX);
    let bands = [
        AgeBand::UpTo35,
        AgeBand::From36To45,
        AgeBand::From46To55,
        AgeBand::Over55,
    ];
    let count_of = |f: &dyn Fn(&MemberFacts) -> bool| {
        u32::try_from(members.iter().filter(|(m, _)| f(m)).count()).unwrap_or(u32::MAX)
    };
    let mut by_education: Vec<(Education, u32)> = Vec::new();
    for (m, _) in members {
        match by_education.iter_mut().find(|(e, _)| *e == m.education) {
            Some((_, n)) => *n += 1,
            None => by_education.push((m.education, 1)),
        }
    }
    by_education.sort_by_key(|(e, _)| *e);
    CommitteeStructure {
        members: count,
        average_age: one_decimal(ages.iter().map(|&a| u128::from(a)).sum(), u128::from(count)),
        age_bands: bands
            .iter()
            .map(|&b| {
                let n = ages.iter().filter(|&&a| AgeBand::of(a) == b).count();
                (b, u32::try_from(n).unwrap_or(u32::MAX))
            })
            .collect(),
        bachelor_or_above: count_of(&|m| m.education.is_bachelor_or_above()),
        women: count_of(&|m| m.gender == Gender::Female),
        party_members: count_of(&|m| m.party_member),
        by_education,
    }
}

/// R-STRUCTURE, the plan's aims read off two structures: how the elected compare with the
/// members they replace ("一降一升": average age down, share with a bachelor's degree up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Elected minus replaced, in years (negative: younger).
    pub average_age: Option<f64>,
    /// Elected minus replaced, in percentage points.
    pub bachelor_or_above_share: Option<f64>,
    pub women_share: Option<f64>,
    pub party_member_share: Option<f64>,
    /// Younger on average and a larger share with a bachelor's degree.
    pub younger_and_better_educated: Option<bool>,
}

/// R-STRUCTURE: the change from the `replaced` members to the `elected`, to one decimal.
pub fn change(elected: &CommitteeStructure, replaced: &CommitteeStructure) -> Change {
    let diff =
        |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| ((a - b) * 10.0).round() / 10.0);
    let share = |s: &CommitteeStructure, n: u32| s.share(n);
    let average_age = diff(elected.average_age, replaced.average_age);
    let bachelor = diff(
        share(elected, elected.bachelor_or_above),
        share(replaced, replaced.bachelor_or_above),
    );
    Change {
        average_age,
        bachelor_or_above_share: bachelor,
        women_share: diff(
            share(elected, elected.women),
            share(replaced, replaced.women),
        ),
        party_member_share: diff(
            share(elected, elected.party_members),
            share(replaced, replaced.party_members),
        ),
        younger_and_better_educated: average_age.zip(bachelor).map(|(a, b)| a < 0.0 && b > 0.0),
    }
}
