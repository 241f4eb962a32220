//! Rule profiles: parameters, overrides, provisional values.

use super::*;

pub(crate) fn unknown_profile(name: &str) -> Text {
    t(
        format!("未知的规则版本“{name}”（可选 cn-2018-jilin、cn-2026）"),
        format!("Unknown profile `{name}` (cn-2018-jilin or cn-2026)"),
    )
}

pub(crate) fn negative_value(key: &str, v: i64) -> Text {
    t(
        format!("{key} 不能为负数（收到 {v}）"),
        format!("{key} cannot be negative (got {v})"),
    )
}

pub(crate) fn out_of_range(key: &str, v: i64, min: u32, max: u32) -> Text {
    t(
        format!("{key} 须在 {min} 至 {max} 之间（收到 {v}）"),
        format!("{key} must be between {min} and {max} (got {v})"),
    )
}

pub(crate) fn share_unattainable(key: &str) -> Text {
    t(
        format!("{key} 须为大于 0、不超过全部的比例"),
        format!("{key} must be a share above zero and not above the whole"),
    )
}

pub(crate) fn share_below_half(key: &str) -> Text {
    t(
        format!("{key} 不得低于法定的“过半数”"),
        format!("{key} cannot be below the legal \"more than half\""),
    )
}

pub(crate) fn no_election_method() -> Text {
    t(
        "election_methods 至少应包含一种选举方式".to_owned(),
        "election_methods must list at least one election method".to_owned(),
    )
}

pub(crate) fn provisional_note(parameter: &str, basis: Basis) -> Text {
    let (zh_basis, en_basis) = match basis {
        Basis::WeakSource => ("仅见于质量较差的转载", "read only on a low-quality mirror"),
        Basis::Inference => ("系推断，未见原文", "an inference, not read in a source"),
        Basis::Unverified => (
            "系一般常识，未经核实",
            "background knowledge, not confirmed",
        ),
    };
    let (zh, en) = match parameter {
        "electorate_list_min_days" => (
            "选民名单于选举日二十日前公布",
            "voter list published 20 days before election day",
        ),
        "quorum" => ("过半数参加投票选举有效", "more than half must vote"),
        "candidate_list_min_days" => (
            "正式候选人名单于选举日三日前公布",
            "candidate list published 3 days before election day",
        ),
        "threshold" => (
            "获得所投票数过半数当选",
            "elected with more than half of the ballots cast",
        ),
        "returned_over_issued" => (
            "收回多于发出时重新投票（重庆 2025 规定整个选举无效）",
            "revote when more ballots come back (Chongqing 2025 voids the election)",
        ),
        "overvote" => ("多选只使该职位栏无效", "an over-vote voids only its column"),
        "additional_threshold" => (
            "另行选举不少于三分之一（村委会选举的类推）",
            "additional election needs a third (village-law analogue)",
        ),
        "additional_extra_candidates" => (
            "另行选举候选人比缺额多一人",
            "one more additional-election candidate than unfilled seats",
        ),
        "vacancy_election_within_months" => (
            "缺额六个月内另行选举（一省村委会规定）",
            "vacancies filled within 6 months (one province's village rule)",
        ),
        "female_retirement_base" => (
            "女性社区工作者按 55 周岁（干部）基准退休，地方人社部门可能另有规定",
            "female community workers on the cadre base (55); local HR may differ",
        ),
        "allow_uncontested" => (
            "单一职数的补选是否可以等额，须由项目确定",
            "whether a one-seat by-election may be uncontested is for the project to decide",
        ),
        "max_age_new" | "min_experience_months" => (
            "沿用 2024 年补选方案的选任标准",
            "the 2024 by-election plan's standards, carried over",
        ),
        _ => (
            "沿用 2024 年补选方案的提名方式",
            "the 2024 by-election plan's nomination routes, carried over",
        ),
    };
    t(
        format!("暂定值：{zh}；{zh_basis}，使用前请核对官方文本"),
        format!("Provisional: {en}; {en_basis}. Check an official text before relying on it"),
    )
}

pub(crate) fn describe_profile(p: &RuleProfile) -> Vec<(String, Text)> {
    let n = |key: &str, zh: String, en: String| (key.to_owned(), t(zh, en));
    let returned = match p.returned_over_issued {
        ReturnedOverIssued::Revote => {
            ("本轮无效，当场重新投票", "the round is void and held again")
        }
        ReturnedOverIssued::VoidElection => ("选举无效，重新选举", "the election is void"),
    };
    let overvote = match p.overvote {
        Overvote::ColumnInvalid => ("该职位栏无效", "that position's column is void"),
        Overvote::BallotInvalid => ("整张选票无效", "the whole ballot is void"),
    };
    vec![
        n(
            "profile",
            format!("规则版本 {}", p.profile),
            format!("Profile {}", p.profile),
        ),
        n(
            "min_voter_age",
            format!("年满 {} 周岁的居民有选举权", p.min_voter_age),
            format!("Residents aged {} or over may vote", p.min_voter_age),
        ),
        n(
            "electorate_list_min_days",
            format!(
                "选民名单至迟于选举日前 {} 日公布",
                p.electorate_list_min_days
            ),
            format!(
                "Electorate published at least {} days before election day",
                p.electorate_list_min_days
            ),
        ),
        n(
            "max_proxies_per_holder",
            if p.max_proxies_per_holder == 0 {
                "不办理委托投票".to_owned()
            } else {
                format!(
                    "直接选举中每一选民接受委托不得超过 {} 人；居民代表选举不办理委托投票",
                    p.max_proxies_per_holder
                )
            },
            if p.max_proxies_per_holder == 0 {
                "No proxy voting".to_owned()
            } else {
                format!(
                    "In direct elections a voter holds at most {} proxies; none in the representatives method",
                    p.max_proxies_per_holder
                )
            },
        ),
        n(
            "min_nominators",
            format!(
                "选民 {} 人、户代表 {} 人或居民代表 {} 人以上联名提名{}",
                p.min_nominators_joint_voters,
                p.min_nominators_joint_household_reps,
                p.min_nominators_joint_representatives,
                if p.self_nomination {
                    "，或本人自荐"
                } else {
                    ""
                }
            ),
            format!(
                "Nominated jointly by {} voters, {} household representatives or {} residents' representatives{}",
                p.min_nominators_joint_voters,
                p.min_nominators_joint_household_reps,
                p.min_nominators_joint_representatives,
                if p.self_nomination {
                    ", or self-nominated"
                } else {
                    ""
                }
            ),
        ),
        n(
            "max_age_new",
            format!("新提名人选 {} 周岁以下", p.max_age_new),
            format!("New nominees aged {} or under", p.max_age_new),
        ),
        n(
            "min_experience_months",
            format!("街道、社区工作经历 {} 个月以上", p.min_experience_months),
            format!(
                "{} months of street or community work",
                p.min_experience_months
            ),
        ),
        n(
            "candidate_list_min_days",
            format!(
                "正式候选人名单于选举日 {} 日前公布",
                p.candidate_list_min_days
            ),
            format!(
                "Candidate list published {} days before election day",
                p.candidate_list_min_days
            ),
        ),
        n(
            "allow_uncontested",
            if p.allow_uncontested {
                "允许等额选举"
            } else {
                "实行差额选举"
            }
            .to_owned(),
            if p.allow_uncontested {
                "Uncontested positions allowed"
            } else {
                "More candidates than seats"
            }
            .to_owned(),
        ),
        n(
            "quorum",
            format!("投票人数须达选民的{}", share(p.quorum).zh),
            format!(
                "Ballots cast must be {} of the electorate",
                share(p.quorum).en
            ),
        ),
        n(
            "returned_over_issued",
            format!("收回选票多于发出选票：{}", returned.0),
            format!("More ballots returned than issued: {}", returned.1),
        ),
        n(
            "overvote",
            format!("所选人数多于应选名额：{}", overvote.0),
            format!("More marks than seats: {}", overvote.1),
        ),
        n(
            "threshold",
            format!("获得{}的选票始得当选", threshold(p.threshold).zh),
            format!("Elected with {}", threshold(p.threshold).en),
        ),
        n(
            "additional_threshold",
            format!(
                "另行选举以得票多的当选，但不得少于{}",
                threshold(p.additional_threshold).zh
            ),
            format!(
                "Additional election: most votes, with {}",
                threshold(p.additional_threshold).en
            ),
        ),
    ]
}
