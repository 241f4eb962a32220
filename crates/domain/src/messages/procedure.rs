//! The electorate, nominations and review (R-ROLL-PUBLISH, R-NOM-*, R-REV-ORDER).

use super::*;

pub(crate) fn electorate_too_late(min_days: u32, latest: Date) -> Text {
    t(
        format!("选民名单须于选举日 {min_days} 日前公布，最迟 {latest}"),
        format!(
            "The electorate must be published {min_days} days before election day, by {latest}"
        ),
    )
}

pub(crate) fn nomination_window_closed(w: NominationWindow, today: Date) -> Text {
    let (o, c) = (w.opens_on(), w.closes_on());
    if today < o {
        t(
            format!("提名期 {o} 至 {c}，尚未开始"),
            format!("The nomination window ({o} to {c}) has not opened"),
        )
    } else {
        t(
            format!("提名期 {o} 至 {c}，已经结束"),
            format!("The nomination window ({o} to {c}) has closed"),
        )
    }
}

pub(crate) fn nomination_unknown_position(p: Position) -> Text {
    let p = position(p);
    t(
        format!("本次选举不选举{}", p.zh),
        format!("This contest does not elect a {}", p.en),
    )
}

fn method(m: NominationMethod) -> Text {
    match m {
        NominationMethod::JointVoters => t("选民联名", "voters jointly"),
        NominationMethod::JointHouseholdReps => {
            t("户代表联名", "household representatives jointly")
        }
        NominationMethod::JointRepresentatives => {
            t("居民代表联名", "residents' representatives jointly")
        }
        NominationMethod::SelfNomination => t("本人自荐", "self-nomination"),
    }
}

pub(crate) fn nomination_too_few(m: NominationMethod, counted: usize, needed: u32) -> Text {
    let m = method(m);
    t(
        format!(
            "{}须 {needed} 人以上，符合条件的提名人只有 {counted} 人",
            m.zh
        ),
        format!(
            "Nomination by {} needs {needed} nominators; {counted} qualify",
            m.en
        ),
    )
}

pub(crate) fn nomination_duplicate(p: Position) -> Text {
    let p = position(p);
    t(
        format!("此人已被提名为{}", p.zh),
        format!("This person is already nominated for {}", p.en),
    )
}

pub(crate) fn nominator_repeated() -> Text {
    t("提名人重复", "The nominator is listed twice")
}

pub(crate) fn nominator_not_registered() -> Text {
    t(
        "提名人不在本社区选民登记册中",
        "The nominator is not in this community's register",
    )
}

pub(crate) fn nominator_under_age(min: u32) -> Text {
    t(
        format!("提名人在选举日未满 {min} 周岁"),
        format!("The nominator is under {min} on election day"),
    )
}

pub(crate) fn nominator_without_status(m: NominationMethod) -> Text {
    match m {
        NominationMethod::JointHouseholdReps => t(
            "提名人不是户代表",
            "The nominator is not a household representative",
        ),
        _ => t(
            "提名人不是居民代表",
            "The nominator is not a residents' representative",
        ),
    }
}

pub(crate) fn self_nomination_not_allowed() -> Text {
    t(
        "本次选举不接受自荐",
        "This election does not accept self-nomination",
    )
}

pub(crate) fn self_nomination_by_another() -> Text {
    t(
        "自荐只能由被提名人本人提出",
        "Only the nominee can self-nominate",
    )
}

pub(crate) fn self_nominee_not_registered() -> Text {
    t(
        "自荐人须为本社区登记的选民",
        "A self-nominee must be a registered voter of the community",
    )
}

pub(crate) fn review_stage(s: ReviewStage) -> Text {
    match s {
        ReviewStage::Community => t("社区预审", "community pre-review"),
        ReviewStage::Street => t("街道初审", "street initial review"),
        ReviewStage::District => t("区级联审", "district joint review"),
    }
}

pub(crate) fn review_error(e: ReviewError) -> Text {
    match e {
        ReviewError::WrongRole { stage, .. } => {
            let s = review_stage(stage);
            t(
                format!("您的角色不能进行{}", s.zh),
                format!("Your role does not decide the {}", s.en),
            )
        }
        ReviewError::WrongStage { requested, current } => {
            let r = review_stage(requested);
            match current {
                Some(c) => {
                    let c = review_stage(c);
                    t(
                        format!("该提名正处于{}，不在{}", c.zh, r.zh),
                        format!("The nomination waits at the {}, not the {}", c.en, r.en),
                    )
                }
                None => t(
                    format!("该提名的审查已结束，不能进行{}", r.zh),
                    format!("The nomination's review has ended; no {} is due", r.en),
                ),
            }
        }
        ReviewError::ReasonRequired => t("不通过须说明理由", "A rejection needs a reason"),
        ReviewError::Ineligible => t(
            "被提名人有不符合的资格条件，不能审查通过",
            "A nominee with a failed eligibility check cannot be approved",
        ),
        ReviewError::NotWithdrawable => t(
            "该提名已结束，不能撤回",
            "The nomination has ended and cannot be withdrawn",
        ),
    }
}
