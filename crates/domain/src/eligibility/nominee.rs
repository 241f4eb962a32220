//! What a nomination states about its nominee (API.md `nominee`), as typed values.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::{Gender, IdentityNumber, Text, messages};

/// 文化程度, in the order of API.md (lowest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Education {
    /// 初中及以下.
    JuniorHighOrBelow,
    /// 高中.
    SeniorHigh,
    /// 中专 / 职高.
    Vocational,
    /// 大专.
    Associate,
    /// 大学本科.
    Bachelor,
    /// 硕士研究生.
    Master,
    /// 博士研究生.
    Doctorate,
}

impl Education {
    /// 大学本科以上 (以上 includes the bachelor's degree itself).
    pub fn is_bachelor_or_above(self) -> bool {
        self >= Self::Bachelor
    }

    /// The level's name in both languages.
    pub fn name(self) -> crate::Text {
        crate::messages::education(self)
    }
}

/// 社会工作者职业资格.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum SocialWorkQualification {
    /// None.
    #[default]
    None,
    /// 助理社会工作师.
    Assistant,
    /// 社会工作师.
    Intermediate,
    /// 高级社会工作师.
    Senior,
}

/// The level of the body that awarded an honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HonourLevel {
    /// 区级.
    District,
    /// 市级.
    City,
    /// 省级.
    Province,
    /// 国家级.
    National,
}

/// An individual honour (个人荣誉).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Honour {
    /// Who awarded it.
    pub level: HonourLevel,
    /// Its title.
    pub title: String,
}

impl Honour {
    /// 市级以上荣誉: awarded at city level or above (以上 includes the city).
    pub fn is_city_level_or_above(&self) -> bool {
        self.level >= HonourLevel::City
    }
}

/// One of the ten disqualifying situations (十种情形) of the seed's plan, numbered 1–10
/// (R-ELIG-DISQ). JSON: the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Disqualification(u8);

impl Disqualification {
    /// The situation numbered `n` (1–10).
    pub fn new(n: u8) -> Option<Self> {
        (1..=10).contains(&n).then_some(Self(n))
    }

    /// Its number, 1–10.
    pub fn number(self) -> u8 {
        self.0
    }

    /// What it is, in zh and en.
    pub fn description(self) -> Text {
        messages::disqualification(self.0)
    }
}

impl TryFrom<u8> for Disqualification {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Self::new(n).ok_or_else(|| format!("disqualifications are numbered 1 to 10, not {n}"))
    }
}

impl From<Disqualification> for u8 {
    fn from(d: Disqualification) -> u8 {
        d.0
    }
}

/// The particulars of a nominee as API.md's `nominee` gives them, apart from the name, the
/// identity number and the voter id. Missing optional keys take the "nothing to declare"
/// value (no qualification, no honours, no disqualification, false).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Particulars {
    /// 文化程度.
    pub education: Education,
    /// 全日制: the degree was earned full-time.
    #[serde(default)]
    pub full_time_degree: bool,
    /// 社会工作者职业资格.
    #[serde(default)]
    pub social_work_qualification: SocialWorkQualification,
    /// 社会工作专业高校毕业生.
    #[serde(default)]
    pub social_work_graduate: bool,
    /// Months of street or community work, cumulative.
    #[serde(default)]
    pub community_work_months: u32,
    /// Individual honours.
    #[serde(default)]
    pub honours: Vec<Honour>,
    /// 为社区建设作出突出贡献.
    #[serde(default)]
    pub outstanding_contribution: bool,
    /// Lives in the community.
    #[serde(default)]
    pub resides_in_community: bool,
    /// The residents' committee consents to an outside nominee (经社区居民委员会同意).
    #[serde(default)]
    pub committee_consent: bool,
    /// 中共党员; used by reports (R-STRUCTURE), not by eligibility.
    #[serde(default)]
    pub party_member: bool,
    /// The disqualifying situations that apply; empty when none.
    #[serde(default)]
    pub disqualifications: Vec<Disqualification>,
}

/// A nominee as the eligibility rules see them: birth date and gender from the identity
/// number, and the stated particulars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nominee {
    /// From the identity number.
    pub birth_date: Date,
    /// From the identity number.
    pub gender: Gender,
    /// As stated.
    pub particulars: Particulars,
}

impl Nominee {
    /// A nominee from their identity number and particulars.
    pub fn new(id: &IdentityNumber, particulars: Particulars) -> Self {
        Self {
            birth_date: id.birth_date(),
            gender: id.gender(),
            particulars,
        }
    }

    /// Whether any of the nominee's honours is at city level or above.
    pub fn has_city_level_honour(&self) -> bool {
        self.particulars
            .honours
            .iter()
            .any(Honour::is_city_level_or_above)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particulars_read_api_md_json_with_defaults_for_what_is_not_declared() {
        let p: Particulars = serde_json::from_str(
            r#"{"education":"bachelor","full_time_degree":true,"social_work_qualification":"assistant",
                "community_work_months":30,"honours":[{"level":"city","title":"优秀社区工作者"}],
                "resides_in_community":true,"party_member":true,"disqualifications":[]}"#,
        )
        .expect("json");
        assert_eq!(p.education, Education::Bachelor);
        assert!(p.honours[0].is_city_level_or_above());
        assert!(!p.social_work_graduate);
        let minimal: Particulars =
            serde_json::from_str(r#"{"education":"senior_high"}"#).expect("json");
        assert_eq!(
            minimal.social_work_qualification,
            SocialWorkQualification::None
        );
        assert!(minimal.disqualifications.is_empty());
    }

    #[test]
    fn r_elig_disq_situations_are_numbered_one_to_ten() {
        assert!(serde_json::from_str::<Vec<Disqualification>>("[1,10]").is_ok());
        assert!(serde_json::from_str::<Vec<Disqualification>>("[0]").is_err());
        assert!(serde_json::from_str::<Vec<Disqualification>>("[11]").is_err());
        for n in 1..=10 {
            let d = Disqualification::new(n).expect("1-10");
            assert!(!d.description().zh.is_empty());
        }
    }

    #[test]
    fn bachelor_or_above_includes_the_bachelor_and_city_or_above_includes_the_city() {
        assert!(!Education::Associate.is_bachelor_or_above());
        assert!(Education::Bachelor.is_bachelor_or_above());
        assert!(Education::Doctorate.is_bachelor_or_above());
        let honour = |level| Honour {
            level,
            title: String::new(),
        };
        assert!(!honour(HonourLevel::District).is_city_level_or_above());
        assert!(honour(HonourLevel::City).is_city_level_or_above());
        assert!(honour(HonourLevel::National).is_city_level_or_above());
    }
}
