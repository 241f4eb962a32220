//! Eligibility of nominees (R-ELIG-*).

use super::*;

pub(crate) fn disqualification(n: u8) -> Text {
    let (zh, en) = match n {
        1 => (
            "不遵守政治纪律和政治规矩，做政治上的“两面人”",
            "two-faced political conduct",
        ),
        2 => (
            "受过刑事处罚，存在“村霸”“街匪市霸”和涉黑涉恶问题，或涉黄涉赌涉毒受到行政处罚",
            "criminal punishment, or gang or vice issues",
        ),
        3 => (
            "受到党纪政务处分未过影响期，或正被立案调查",
            "within a discipline period or under investigation",
        ),
        4 => (
            "参与组织或利用邪教、地下宗教活动、封建迷信活动扰乱社会公共秩序被处理",
            "cult or illegal religious activity",
        ),
        5 => (
            "非正常上访、无理访、缠访、闹访或煽动组织集体上访",
            "abnormal petitioning",
        ),
        6 => ("道德败坏、欺压百姓、群众口碑不好", "moral misconduct"),
        7 => ("破坏选举秩序，有拉票贿选行为", "election fraud or bribery"),
        8 => (
            "被法院纳入失信被执行人名单",
            "listed as a dishonest judgment debtor",
        ),
        9 => (
            "患有严重疾病、无法正常履行职责",
            "illness preventing duties",
        ),
        _ => (
            "经上级部门研判认定存在其他不适宜担任社区干部情形",
            "other findings of the higher level",
        ),
    };
    t(zh, en)
}

pub(crate) fn relaxation(r: Relaxation) -> Text {
    match r {
        Relaxation::CityLevelHonour => t("获得市级以上荣誉", "a city-level or higher honour"),
        Relaxation::OutstandingContribution => t(
            "为社区建设作出突出贡献",
            "an outstanding contribution to the community",
        ),
        Relaxation::SocialWorkGraduate => t("社会工作专业高校毕业生", "a degree in social work"),
        Relaxation::FullTimeBachelorOrAbove => t(
            "具有全日制大学本科以上学历",
            "a full-time bachelor's degree or above",
        ),
        Relaxation::CommitteeConsent => {
            t("经社区居民委员会同意", "the residents' committee's consent")
        }
    }
}

fn relaxed_clause(relaxed_by: &[Relaxation]) -> Text {
    if relaxed_by.is_empty() {
        return t("", "");
    }
    let names: Vec<Text> = relaxed_by.iter().map(|r| relaxation(*r)).collect();
    let j = join(&names, "、", ", ");
    t(
        format!("；因{}放宽", j.zh),
        format!("; relaxed for {}", j.en),
    )
}

pub(crate) fn elig_age_under_voting_age(min: u32) -> Text {
    t(
        format!("选举日未满 {min} 周岁，无被选举权"),
        format!("Under {min} on election day: no right to stand"),
    )
}

pub(crate) fn elig_age_within(age: u32, max: u32) -> Text {
    t(
        format!("选举日 {age} 周岁，在 {max} 周岁以下"),
        format!("{age} on election day, within the limit of {max}"),
    )
}

pub(crate) fn elig_age_over(age: u32, max: u32, relaxed_by: &[Relaxation]) -> Text {
    let r = relaxed_clause(relaxed_by);
    t(
        format!("选举日 {age} 周岁，超过 {max} 周岁{}", r.zh),
        format!("{age} on election day, above the limit of {max}{}", r.en),
    )
}

fn retirement_age_text(a: RetirementAge) -> Text {
    if a.months == 0 {
        t(format!("{} 周岁", a.years), format!("{} years", a.years))
    } else {
        t(
            format!("{} 周岁 {} 个月", a.years, a.months),
            format!("{} years {} months", a.years, a.months),
        )
    }
}

pub(crate) fn elig_retire_far(a: RetirementAge) -> Text {
    let a = retirement_age_text(a);
    t(
        format!("法定退休年龄 {}，任期内不会达到", a.zh),
        format!("Retirement age {}, not reached during the term", a.en),
    )
}

pub(crate) fn elig_retire_reached(a: RetirementAge, on: Date) -> Text {
    let a = retirement_age_text(a);
    t(
        format!("已于 {on} 达到法定退休年龄（{}），不再提名", a.zh),
        format!(
            "Reached statutory retirement age ({}) on {on}: not nominated",
            a.en
        ),
    )
}

pub(crate) fn elig_retire_during_term(a: RetirementAge, on: Date) -> Text {
    let a = retirement_age_text(a);
    t(
        format!(
            "将于 {on} 达到法定退休年龄（{}），届时应退出社区工作岗位",
            a.zh
        ),
        format!(
            "Reaches statutory retirement age ({}) on {on} and must step down then",
            a.en
        ),
    )
}

pub(crate) fn elig_retire_after_term(a: RetirementAge, on: Date) -> Text {
    let a = retirement_age_text(a);
    t(
        format!("于 {on} 达到法定退休年龄（{}），在任期届满之后", a.zh),
        format!(
            "Reaches statutory retirement age ({}) on {on}, after the term",
            a.en
        ),
    )
}

pub(crate) fn elig_edu_degree() -> Text {
    t(
        "具有大学本科以上文化程度",
        "Holds a bachelor's degree or above",
    )
}

pub(crate) fn elig_edu_qualification() -> Text {
    t(
        "具有助理社会工作师以上职业资格",
        "Holds an assistant social worker qualification or higher",
    )
}

pub(crate) fn elig_edu_missing(relaxed_by: &[Relaxation]) -> Text {
    let r = relaxed_clause(relaxed_by);
    t(
        format!(
            "不具有大学本科以上文化程度，也无助理社会工作师以上职业资格{}",
            r.zh
        ),
        format!(
            "No bachelor's degree and no assistant social worker qualification{}",
            r.en
        ),
    )
}

pub(crate) fn elig_exp_enough(months: u32, min: u32) -> Text {
    t(
        format!("街道、社区工作经历累计 {months} 个月，不少于 {min} 个月"),
        format!("{months} months of street or community work, at least {min}"),
    )
}

pub(crate) fn elig_exp_short(months: u32, min: u32, relaxed_by: &[Relaxation]) -> Text {
    let r = relaxed_clause(relaxed_by);
    t(
        format!(
            "街道、社区工作经历累计 {months} 个月，不足 {min} 个月{}",
            r.zh
        ),
        format!(
            "{months} months of street or community work, fewer than {min}{}",
            r.en
        ),
    )
}

pub(crate) fn elig_res_resident() -> Text {
    t("在本社区居住", "Lives in the community")
}

pub(crate) fn elig_res_consent() -> Text {
    t(
        "不在本社区居住；经社区居民委员会同意可作为候选人提名",
        "Lives outside the community; nominated with the residents' committee's consent",
    )
}

pub(crate) fn elig_res_outside() -> Text {
    t(
        "不在本社区居住，且未经社区居民委员会同意",
        "Lives outside the community without the residents' committee's consent",
    )
}

pub(crate) fn elig_disq_none() -> Text {
    t(
        "不存在“十种情形”",
        "None of the ten disqualifying situations",
    )
}

pub(crate) fn elig_disq_found(found: &[Disqualification]) -> Text {
    let items: Vec<Text> = found
        .iter()
        .map(|d| {
            let desc = d.description();
            t(
                format!("第{}种：{}", d.number(), desc.zh),
                format!("no. {}: {}", d.number(), desc.en),
            )
        })
        .collect();
    let j = join(&items, "；", "; ");
    t(
        format!("存在禁入情形，不得提名（{}）", j.zh),
        format!("Disqualified ({})", j.en),
    )
}
