//! Every sentence this crate says to people, in zh-CN and English, in one place (CONVENTIONS.md
//! rule 16): this module and its files, one per stage of an election.

mod election_day;
mod eligibility;
mod procedure;
mod profile;

pub(crate) use election_day::*;
pub(crate) use eligibility::*;
pub(crate) use procedure::*;
pub(crate) use profile::*;

use time::Date;

use crate::eligibility::RetirementAge;
use crate::profile::Basis;
use crate::{
    BallotError, ContestError, Disqualification, IdentityNumberError, NominationMethod,
    NominationWindow, Overvote, Position, Relaxation, ReturnedOverIssued, ReviewError, ReviewStage,
    RoundFacts, RoundKind, RuleProfile, Share, Text, Threshold, ThresholdBase,
};

fn t(zh: impl Into<String>, en: impl Into<String>) -> Text {
    Text::new(zh, en)
}

fn join(parts: &[Text], zh_sep: &str, en_sep: &str) -> Text {
    t(
        parts
            .iter()
            .map(|p| p.zh.as_str())
            .collect::<Vec<_>>()
            .join(zh_sep),
        parts
            .iter()
            .map(|p| p.en.as_str())
            .collect::<Vec<_>>()
            .join(en_sep),
    )
}

// ---- law, shares and thresholds ----

pub(crate) fn share(s: Share) -> Text {
    match s {
        Share::MoreThanHalf => t("过半数", "more than half"),
        Share::TwoThirds => t("三分之二以上", "two thirds or more"),
        Share::OneThird => t("不少于三分之一", "at least one third"),
        Share::MoreThan([n, d]) => t(format!("超过{d}分之{n}"), format!("more than {n}/{d}")),
        Share::AtLeast([n, d]) => t(format!("不少于{d}分之{n}"), format!("at least {n}/{d}")),
    }
}

fn base(b: ThresholdBase) -> Text {
    match b {
        ThresholdBase::Cast => t("所投票数", "the ballots cast"),
        ThresholdBase::Valid => t("该职位有效票数", "the ballots valid for the post"),
        ThresholdBase::Electorate => t("选民总数", "the electorate"),
    }
}

fn threshold(th: Threshold) -> Text {
    let (s, b) = (share(th.share), base(th.of));
    t(
        format!("{}的{}", b.zh, s.zh),
        format!("{} of {}", s.en, b.en),
    )
}

// ---- areas, contests, identity ----

pub(crate) fn position(p: Position) -> Text {
    match p {
        Position::Director => t("主任", "director"),
        Position::DeputyDirector => t("副主任", "deputy director"),
        Position::Member => t("委员", "member"),
    }
}

pub(crate) fn education(e: crate::Education) -> Text {
    use crate::Education as E;
    match e {
        E::JuniorHighOrBelow => t("初中及以下", "junior high school or below"),
        E::SeniorHigh => t("高中", "senior high school"),
        E::Vocational => t("中专", "vocational school"),
        E::Associate => t("大专", "associate degree"),
        E::Bachelor => t("大学本科", "bachelor's degree"),
        E::Master => t("硕士研究生", "master's degree"),
        E::Doctorate => t("博士研究生", "doctorate"),
    }
}

pub(crate) fn contest_error(e: &ContestError) -> Text {
    match e {
        ContestError::NoPositions => t(
            "至少须选举一个职位",
            "A contest elects at least one position",
        ),
        ContestError::DuplicatePosition(p) => {
            let p = position(*p);
            t(
                format!("职位“{}”重复", p.zh),
                format!("The position {} is listed twice", p.en),
            )
        }
        ContestError::InvalidSeats {
            position: Some(p),
            seats,
        } => {
            let name = position(*p);
            t(
                format!(
                    "{}职数 {seats} 不合规定（至多 {} 名）",
                    name.zh,
                    p.max_seats()
                ),
                format!(
                    "{seats} seats for {} are not allowed (at most {})",
                    name.en,
                    p.max_seats()
                ),
            )
        }
        ContestError::InvalidSeats {
            position: None,
            seats,
        } => t(
            format!("职数 {seats} 不合规定：每个职位 1 至 9 名，居委会成员合计不超过 9 名"),
            format!("{seats} seats are not allowed: 1 to 9 per position, at most 9 in all"),
        ),
    }
}

pub(crate) fn identity_error(e: IdentityNumberError) -> Text {
    let (zh, en) = match e {
        IdentityNumberError::Format => (
            "须为 18 位，前 17 位为数字，末位为数字或 X",
            "it has 18 characters: 17 digits and a digit or X",
        ),
        IdentityNumberError::CheckCharacter => ("校验码不正确", "the check character is wrong"),
        IdentityNumberError::BirthDate => ("出生日期无效", "the birth date is not a valid date"),
        IdentityNumberError::BirthDateInFuture => {
            ("出生日期晚于今天", "the birth date is in the future")
        }
    };
    t(
        format!("身份证号无效：{zh}"),
        format!("Invalid identity number: {en}"),
    )
}
