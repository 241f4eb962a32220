//! Candidate lists, polls, ballots and counting.

use super::*;

pub(crate) fn candidates_too_late(min_days: u32, latest: Date) -> Text {
    t(
        format!("正式候选人名单须于选举日 {min_days} 日前公布，最迟 {latest}"),
        format!(
            "The candidate list must be published {min_days} days before election day, by {latest}"
        ),
    )
}

pub(crate) fn candidates_none(p: Position) -> Text {
    let p = position(p);
    t(
        format!("{}没有正式候选人", p.zh),
        format!("No official candidate for {}", p.en),
    )
}

pub(crate) fn candidates_not_competitive(
    p: Position,
    count: u32,
    seats: u32,
    uncontested_allowed: bool,
) -> Text {
    let p = position(p);
    let (zh, en) = if uncontested_allowed {
        (
            "候选人不得少于应选名额",
            "at least as many candidates as seats",
        )
    } else {
        ("须实行差额选举", "there must be more candidates than seats")
    };
    t(
        format!("{}应选 {seats} 名，正式候选人 {count} 名，{zh}", p.zh),
        format!("{}: {count} candidates for {seats} seats; {en}", p.en),
    )
}

pub(crate) fn candidates_too_many(p: Position, count: u32, seats: u32, cap: u32) -> Text {
    let p = position(p);
    t(
        format!(
            "{}应选 {seats} 名，正式候选人 {count} 名，至多多于应选名额 {cap} 名，须先预选",
            p.zh
        ),
        format!(
            "{}: {count} candidates for {seats} seats, at most {cap} more than seats; hold a primary",
            p.en
        ),
    )
}

pub(crate) fn candidate_on_staff(name: &str) -> Text {
    t(
        format!("{name} 是候选人，不得担任主持人、监票人、计票人或唱票人"),
        format!("{name} is a candidate and cannot chair, scrutinise, tally or call the count"),
    )
}

pub(crate) fn poll_not_election_day(day: Date) -> Text {
    t(
        format!("投票只在选举日（{day}）进行"),
        format!("Voting takes place on election day ({day})"),
    )
}

pub(crate) fn poll_list_not_published() -> Text {
    t(
        "正式候选人名单尚未公布",
        "The candidate list has not been published",
    )
}

pub(crate) fn round_kind(k: RoundKind) -> Text {
    match k {
        RoundKind::Regular => t("投票选举", "vote"),
        RoundKind::TieBreak => t("票数相等再次投票", "tie-break"),
        RoundKind::AdditionalElection => t("另行选举", "additional election"),
    }
}

pub(crate) fn ballot_error(e: &BallotError) -> Text {
    match e {
        BallotError::UnknownPosition(p) | BallotError::DuplicatePosition(p) => {
            let p = position(*p);
            t(
                format!("选票上{}栏不存在或重复", p.zh),
                format!("The {} column is not on the ballot or is given twice", p.en),
            )
        }
        BallotError::UnknownCandidate { position: p, .. } => {
            let p = position(*p);
            t(
                format!("所选的人不是{}候选人", p.zh),
                format!("Not a candidate for {}", p.en),
            )
        }
        BallotError::WriteInNotAllowed(p) => {
            let p = position(*p);
            t(
                format!("本轮{}栏不能另选他人", p.zh),
                format!("No write-ins for {} in this round", p.en),
            )
        }
        BallotError::InvalidWriteIn(_) => t(
            "另选他人须写明姓名（不超过 50 字）",
            "A write-in needs a name of at most 50 characters",
        ),
    }
}

pub(crate) fn ballot_spoiled() -> Text {
    t("废票", "Spoiled ballot")
}

pub(crate) fn ballot_overvoted(over: &[Position]) -> Text {
    let names: Vec<Text> = over.iter().map(|p| position(*p)).collect();
    let j = join(&names, "、", ", ");
    t(
        format!("{}栏所选人数多于应选名额，该栏无效", j.zh),
        format!("More marks than seats for {}: void", j.en),
    )
}

pub(crate) fn returned_over_issued(f: &RoundFacts, policy: ReturnedOverIssued) -> Text {
    let (zh, en) = match policy {
        ReturnedOverIssued::Revote => {
            ("本轮投票无效，重新投票", "the round is void and held again")
        }
        ReturnedOverIssued::VoidElection => ("选举无效，须重新选举", "the election is void"),
    };
    t(
        format!(
            "收回选票 {} 张，多于发出选票 {} 张：{zh}",
            f.ballots_returned, f.ballots_issued
        ),
        format!(
            "{} ballots returned, more than the {} issued: {en}",
            f.ballots_returned, f.ballots_issued
        ),
    )
}

pub(crate) fn returned_within_issued(f: &RoundFacts) -> Text {
    t(
        format!(
            "发出选票 {} 张，收回 {} 张，收回不多于发出",
            f.ballots_issued, f.ballots_returned
        ),
        format!(
            "{} ballots issued, {} returned: not more than issued",
            f.ballots_issued, f.ballots_returned
        ),
    )
}

pub(crate) fn quorum(f: &RoundFacts, q: Share, needed: u64, met: bool) -> Text {
    let s = share(q);
    let (zh, en) = if met {
        ("选举有效", "the round is valid")
    } else {
        (
            "未达法定人数，选举无效",
            "quorum not met: the contest fails",
        )
    };
    t(
        format!(
            "选民 {} 人，所投票数 {} 张，须{}（至少 {needed} 张）：{zh}",
            f.electorate, f.ballots_returned, s.zh
        ),
        format!(
            "Electorate {}, ballots cast {}, {} needed (at least {needed}): {en}",
            f.electorate, f.ballots_returned, s.en
        ),
    )
}

pub(crate) fn ballots_read(valid: u64, invalid: u64, blank: u64) -> Text {
    t(
        format!("有效票 {valid} 张（其中空白票 {blank} 张），无效票 {invalid} 张"),
        format!("{valid} valid ballots ({blank} blank), {invalid} invalid"),
    )
}

pub(crate) fn threshold_finding(
    kind: RoundKind,
    th: Option<Threshold>,
    votes: u64,
    seats: u32,
) -> Text {
    match (kind, th) {
        (RoundKind::TieBreak, _) | (_, None) => t(
            format!("应选 {seats} 名，在票数相等的人中以得票多的当选"),
            format!("{seats} seats among the tied: the most votes win"),
        ),
        (RoundKind::AdditionalElection, Some(th)) => {
            let th = threshold(th);
            t(
                format!(
                    "另行选举应选 {seats} 名，以得票多的当选，但不得少于{}（{votes} 票）",
                    th.zh
                ),
                format!(
                    "Additional election for {seats} seats: the most votes win, with {} ({votes} votes)",
                    th.en
                ),
            )
        }
        (RoundKind::Regular, Some(th)) => {
            let th = threshold(th);
            t(
                format!(
                    "应选 {seats} 名，须获得{}的选票（至少 {votes} 票），按得票多少依次当选",
                    th.zh
                ),
                format!(
                    "{seats} seats: {} needed (at least {votes} votes), in order of votes",
                    th.en
                ),
            )
        }
    }
}

pub(crate) fn elected(name: &str, votes: u64) -> Text {
    t(
        format!("{name} 得 {votes} 票，当选"),
        format!("{name}: {votes} votes, elected"),
    )
}

pub(crate) fn seat_lost_to_write_in(name: &str, votes: u64) -> Text {
    t(
        format!(
            "另选他人“{name}”得 {votes} 票，但不是本社区唯一可确认的登记选民，不能当选，该名额空缺"
        ),
        format!(
            "Write-in \"{name}\" has {votes} votes but matches no single registered voter: cannot be elected, the seat stays unfilled"
        ),
    )
}

pub(crate) fn tie(names: &[&str], votes: u64, seats: u32) -> Text {
    t(
        format!(
            "{} 得票相等（各 {votes} 票），争 {seats} 个名额，须就票数相等的人再次投票",
            names.join("、")
        ),
        format!(
            "{} are tied on {votes} votes for {seats} seat(s): a tie-break among them follows",
            names.join(", ")
        ),
    )
}

pub(crate) fn additional_election(unfilled: u32, names: &[&str], th: Threshold) -> Text {
    let th = threshold(th);
    t(
        format!(
            "当选人数不足应选名额，缺额 {unfilled} 名另行选举，候选人：{}；以得票多的当选，但不得少于{}",
            names.join("、"),
            th.zh
        ),
        format!(
            "{unfilled} seat(s) unfilled: additional election among {}; the most votes win, with {}",
            names.join(", "),
            th.en
        ),
    )
}

pub(crate) fn vacant(unfilled: u32, months: u32) -> Text {
    t(
        format!(
            "仍缺 {unfilled} 名，暂缺，应在 {months} 个月内另行选举；主任空缺时由副主任暂时主持工作"
        ),
        format!(
            "{unfilled} seat(s) stay vacant; a new election follows within {months} months; a deputy acts for a vacant director"
        ),
    )
}

pub(crate) fn certificate(name: &str, p: Position) -> Text {
    let p = position(p);
    t(
        format!("{name} 当选为社区居民委员会{}，特发此证", p.zh),
        format!(
            "{name} is elected {} of the community residents' committee",
            p.en
        ),
    )
}
