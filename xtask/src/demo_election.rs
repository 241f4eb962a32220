//! The seed's by-election as a drill: 城南街道's five communities (文良, 新苑, 平台 and 南岭 each
//! elect one member, 东苑 its director; DOMAIN.md R-ELECTION), by residents' representatives,
//! nominations 14–17 May 2024, election day 28 May 2024, with resident groups and synthetic
//! registers, and two nominees per contest (差额: one more than the seat), each nominated jointly
//! by two residents' representatives, approved in all three reviews, with the official
//! candidate lists published. Idempotent: an election of the same title is reused.

use serde_json::{Value, json};

use crate::Res;
use std::time::{Duration, Instant};

use crate::demo::{Api, DEMO_PASSWORD, unexpected};

const TITLE: &str = "城南街道社区居民委员会补选（演练）";
const ELECTION_DAY: &str = "2024-05-28";
const GROUPS: [&str; 4] = [
    "第一居民小组",
    "第二居民小组",
    "第三居民小组",
    "第四居民小组",
];
const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: [&str; 8] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军"];

/// A synthetic identity number: region 990000 (no such region), a valid check character.
fn identity_number(birth: &str, seq: u32, male: bool) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let first17 = format!(
        "990000{birth}{:02}{}",
        seq % 100,
        (seq % 5) * 2 + u32::from(male)
    );
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    format!("{first17}{}", char::from(check))
}

/// 40 residents per community; two or three representatives per resident group.
fn register_csv(community_index: u32) -> String {
    let mut csv = String::from(
        "name,id_number,gender,household_no,resident_group,household_rep,resident_rep\n",
    );
    for i in 0..40u32 {
        let n = community_index * 40 + i;
        let male = i % 2 == 0;
        let birth = format!("19{:02}{:02}{:02}", 45 + n % 50, 1 + n % 12, 1 + n % 28);
        let name = format!(
            "{}{}{}",
            SURNAMES[(n % 10) as usize],
            GIVEN[(n / 10 % 8) as usize],
            GIVEN[(n % 8) as usize]
        );
        let group = GROUPS[(i % 4) as usize];
        let household = format!("{:02}{:03}", community_index + 1, i / 2);
        let household_rep = i % 2 == 0;
        let resident_rep = i < 10;
        csv.push_str(&format!(
            "{name},{},{},{household},{group},{household_rep},{resident_rep}\n",
            identity_number(&birth, n, male),
            if male { "男" } else { "女" },
        ));
    }
    csv
}

fn existing_election(api: &Api, district_id: &str) -> Res<Option<String>> {
    let (status, list) = api.get(&format!(
        "/api/v1/elections?district_id={district_id}&limit=500"
    ))?;
    if status != 200 {
        return Err(unexpected("list elections", status, &list));
    }
    Ok(list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|e| e["title"] == TITLE))
        .and_then(|e| e["id"].as_str().map(str::to_owned)))
}

/// Seeds the by-election; returns each new contest as (community name, contest id), none
/// when the election exists already.
pub fn seed(
    api: &Api,
    district_id: &str,
    communities: &[(&str, String)],
) -> Res<Vec<(String, String)>> {
    if existing_election(api, district_id)?.is_some() {
        say!("xtask: the demo by-election exists already");
        return Ok(Vec::new());
    }
    let mut contests = Vec::new();
    for (index, (name, community_id)) in communities.iter().enumerate() {
        for group in GROUPS {
            let (status, body) = api.post(
                &format!("/api/v1/communities/{community_id}/resident-groups"),
                &json!({"name": group}),
            )?;
            if !matches!(status, 201 | 409) {
                return Err(unexpected(
                    &format!("resident group {group} of {name}"),
                    status,
                    &body,
                ));
            }
        }
        let csv = register_csv(u32::try_from(index).unwrap_or(0));
        let (status, report) = api.post_csv(
            &format!("/api/v1/communities/{community_id}/voters:import"),
            &csv,
        )?;
        if status != 200 {
            return Err(unexpected(&format!("register of {name}"), status, &report));
        }
        say!(
            "xtask: register of {name}: {} imported, {} rejected",
            report["imported"],
            report["rejected"].as_array().map_or(0, Vec::len)
        );
    }
    let election = json!({
        "district_id": district_id, "title": TITLE, "kind": "by_election", "mode": "drill",
        "method": "resident_representatives", "nomination_opens_on": "2024-05-14", "nomination_closes_on": "2024-05-17",
        "clock": "2024-05-14T09:00:00+08:00",
    });
    let (status, created) = api.post("/api/v1/elections", &election)?;
    let election_id = match (status, created["id"].as_str()) {
        (201, Some(id)) => id.to_owned(),
        _ => return Err(unexpected("create the demo by-election", status, &created)),
    };
    for (name, community_id) in communities {
        let position = if *name == "东苑社区" {
            "director"
        } else {
            "member"
        };
        let body = json!({"community_id": community_id, "election_day": ELECTION_DAY, "positions": [{"position": position, "seats": 1}]});
        let (status, contest) =
            api.post(&format!("/api/v1/elections/{election_id}/contests"), &body)?;
        if status != 201 {
            return Err(unexpected(&format!("contest of {name}"), status, &contest));
        }
        let contest_id = contest["id"].as_str().unwrap_or_default();
        contests.push(((*name).to_owned(), contest_id.to_owned()));
        let (status, published) = api.post(
            &format!("/api/v1/contests/{contest_id}/electorate:publish"),
            &Value::Null,
        )?;
        if status != 200 {
            return Err(unexpected(
                &format!("electorate of {name}"),
                status,
                &published,
            ));
        }
        let nominated = nominate(api, community_id, contest_id, position)?;
        say!(
            "xtask: contest of {name} ({position}, 1 seat), {} electors published, {nominated} nominated",
            published["count"]
        );
    }
    say!("xtask: demo by-election {election_id} (drill, clock 2024-05-14 09:00)");
    Ok(contests)
}

/// Carries every nomination of each contest through the three reviews (the community's
/// officer, the street's, the district reviewer) and publishes the official candidate lists.
/// `contests`: (community name, its officer's username, contest id).
pub fn review(
    base_url: &str,
    street_officer: &str,
    contests: &[(String, String, String)],
) -> Res<()> {
    if contests.is_empty() {
        return Ok(());
    }
    let street = Api::login(base_url, street_officer, DEMO_PASSWORD)?;
    let district = Api::login(base_url, "district.reviewer", DEMO_PASSWORD)?;
    for (name, officer, contest_id) in contests {
        let community = Api::login(base_url, officer, DEMO_PASSWORD)?;
        let (status, list) =
            community.get(&format!("/api/v1/contests/{contest_id}/nominations"))?;
        if status != 200 {
            return Err(unexpected(&format!("nominations of {name}"), status, &list));
        }
        let ids: Vec<String> = list["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|n| n["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        for id in &ids {
            // The review case opens from the nomination's event, a moment after it.
            let deadline = Instant::now() + Duration::from_secs(15);
            while community
                .get(&format!("/api/v1/nominations/{id}/decisions"))?
                .0
                != 200
            {
                if Instant::now() > deadline {
                    return Err(format!("the review case of nomination {id} did not open"));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            for (api, stage) in [
                (&community, "community"),
                (&street, "street"),
                (&district, "district"),
            ] {
                let (status, body) = api.post(
                    &format!("/api/v1/nominations/{id}/decisions"),
                    &json!({"stage": stage, "decision": "approve"}),
                )?;
                if status != 201 {
                    return Err(unexpected(
                        &format!("{stage} review in {name}"),
                        status,
                        &body,
                    ));
                }
            }
        }
        let (status, published) = community.post(
            &format!("/api/v1/contests/{contest_id}/candidates:publish"),
            &Value::Null,
        )?;
        if status != 201 {
            return Err(unexpected(
                &format!("candidate list of {name}"),
                status,
                &published,
            ));
        }
        say!(
            "xtask: {name}: {} nominations approved in three reviews, list published ({})",
            ids.len(),
            published["ballot_fingerprint"].as_str().unwrap_or_default()
        );
    }
    Ok(())
}

/// Two nominees for the contest's seat, the youngest who are not representatives, each
/// nominated by the community's first two residents' representatives (R-NOM-METHOD).
fn nominate(api: &Api, community_id: &str, contest_id: &str, position: &str) -> Res<usize> {
    let (status, voters) = api.get(&format!(
        "/api/v1/communities/{community_id}/voters?limit=500"
    ))?;
    if status != 200 {
        return Err(unexpected("the register", status, &voters));
    }
    let voters = voters["items"].as_array().cloned().unwrap_or_default();
    let reps: Vec<&Value> = voters
        .iter()
        .filter(|v| v["resident_rep"] == true)
        .take(2)
        .collect();
    let mut nominees: Vec<&Value> = voters
        .iter()
        .filter(|v| v["resident_rep"] != true)
        .collect();
    nominees.sort_by_key(|v| std::cmp::Reverse(v["birth_date"].as_str().unwrap_or_default()));
    let mut count = 0;
    for nominee in nominees.into_iter().take(2) {
        let body = json!({
            "position": position, "method": "joint_representatives",
            "nominator_ids": reps.iter().map(|r| r["id"].clone()).collect::<Vec<_>>(),
            "nominee": {"voter_id": nominee["id"], "education": "bachelor", "full_time_degree": true,
                "community_work_months": 30, "resides_in_community": true, "party_member": count == 0,
                "disqualifications": []},
        });
        let (status, created) =
            api.post(&format!("/api/v1/contests/{contest_id}/nominations"), &body)?;
        if status != 201 {
            return Err(unexpected("a demo nomination", status, &created));
        }
        count += 1;
    }
    Ok(count)
}

/// Election day of the demo by-election: the clock moves to election morning; in each
/// community the officer opens an electronic poll, checks in every representative, the
/// community's terminal casts each ballot, the officer closes the poll, announces the result
/// and prints the certificates (saved under `target/juxuan/demo/`). A progress bar shows the
/// ballots cast; a table of results closes. Skipped for contests already announced.
pub fn election_day(admin: &Api, base_url: &str, district_id: &str) -> Res<()> {
    let Some(election_id) = existing_election(admin, district_id)? else {
        return Ok(());
    };
    let (status, contests) = admin.get(&format!(
        "/api/v1/elections/{election_id}/contests?limit=500"
    ))?;
    if status != 200 {
        return Err(unexpected(
            "contests of the demo by-election",
            status,
            &contests,
        ));
    }
    let contests: Vec<Value> = contests["items"].as_array().cloned().unwrap_or_default();
    // Published lists may not show as `published` yet (the status follows the review
    // service's event): every contest not yet on election day is played.
    let to_vote: Vec<&Value> = contests
        .iter()
        .filter(|c| {
            !matches!(
                c["status"].as_str(),
                Some("polling" | "counted" | "failed" | "announced")
            )
        })
        .collect();
    if to_vote.is_empty() {
        say!("xtask: election day of the demo by-election has been played already");
        return Ok(());
    }
    let (status, body) = admin.post(
        &format!("/api/v1/elections/{election_id}/clock:advance"),
        &json!({"to": format!("{ELECTION_DAY}T08:30:00+08:00")}),
    )?;
    if status != 200 {
        return Err(unexpected("the drill clock", status, &body));
    }
    say!(
        "xtask: election day {ELECTION_DAY}: {} polls to play",
        to_vote.len()
    );
    let out_dir = crate::workspace_root()
        .join("target")
        .join("juxuan")
        .join("demo");
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let mut rows = Vec::new();
    for contest in to_vote {
        crate::check_interrupted()?;
        let contest_id = contest["id"].as_str().unwrap_or_default();
        let community_id = contest["community_id"].as_str().unwrap_or_default();
        let (status, community) = admin.get(&format!("/api/v1/communities/{community_id}"))?;
        if status != 200 {
            return Err(unexpected("a community", status, &community));
        }
        let name = community["name"].as_str().unwrap_or_default().to_owned();
        let code = community["code"].as_str().unwrap_or_default().to_owned();
        let officer = Api::login(base_url, &format!("{code}.officer"), DEMO_PASSWORD)?;
        let terminal = Api::login(base_url, &format!("{code}.terminal"), DEMO_PASSWORD)?;
        rows.extend(play_contest(
            &officer, &terminal, contest_id, &name, &out_dir,
        )?);
    }
    say!();
    say!(
        "  {:<10} {:<6} {:<8} {:>6} {:>10}  {}",
        "社区",
        "职位",
        "当选人",
        "得票",
        "参选率",
        "当选证书"
    );
    for r in &rows {
        say!(
            "  {:<10} {:<6} {:<8} {:>6} {:>10}  {}",
            r.0,
            r.1,
            r.2,
            r.3,
            r.4,
            r.5
        );
    }
    say!("  certificates (PDF): {}", out_dir.display());
    say!();
    Ok(())
}

fn position_zh(position: &str) -> &'static str {
    match position {
        "director" => "主任",
        "deputy_director" => "副主任",
        _ => "委员",
    }
}

/// A line of the results table: community, post, elected, votes, turnout, certificate.
type ResultRow = (String, String, String, u64, String, String);

/// One contest's round: open, check in and cast for every elector, close, announce, print.
fn play_contest(
    officer: &Api,
    terminal: &Api,
    contest_id: &str,
    community: &str,
    out_dir: &std::path::Path,
) -> Res<Vec<ResultRow>> {
    let (status, poll) = officer.post(
        &format!("/api/v1/contests/{contest_id}/polls"),
        &json!({"mode": "electronic"}),
    )?;
    if status != 201 {
        return Err(unexpected(
            &format!("opening the poll of {community}"),
            status,
            &poll,
        ));
    }
    let poll_id = poll["id"].as_str().unwrap_or_default().to_owned();
    let position = poll["positions"][0]["position"]
        .as_str()
        .unwrap_or("member")
        .to_owned();
    let candidates: Vec<String> = poll["positions"][0]["candidates"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|c| c["candidate_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let (status, electorate) = officer.get(&format!(
        "/api/v1/contests/{contest_id}/electorate?limit=500"
    ))?;
    if status != 200 {
        return Err(unexpected("the electorate", status, &electorate));
    }
    let electors: Vec<String> = electorate["items"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|v| v["voter_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // Everyone but one in nine comes; two in three vote for the first candidate.
    let coming: Vec<&String> = electors
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 9 != 8)
        .map(|(_, v)| v)
        .collect();
    for (i, voter) in coming.iter().enumerate() {
        crate::check_interrupted()?;
        let (status, issued) = officer.post(
            &format!("/api/v1/polls/{poll_id}/checkins"),
            &json!({"voter_id": voter}),
        )?;
        if status != 201 {
            return Err(unexpected("a check-in", status, &issued));
        }
        let choice = match (i % 3, candidates.as_slice()) {
            (_, []) => json!([]),
            (2, [_, second, ..]) => json!([{"position": position, "candidate_ids": [second]}]),
            (_, [first, ..]) => json!([{"position": position, "candidate_ids": [first]}]),
        };
        let token = issued["ballot_token"].as_str().unwrap_or_default();
        let (status, receipt) = terminal.post(
            &format!("/api/v1/polls/{poll_id}/ballots"),
            &json!({"ballot_token": token, "choices": choice}),
        )?;
        if status != 201 {
            return Err(unexpected("a ballot", status, &receipt));
        }
        progress(community, i + 1, coming.len());
    }
    let (status, tally) = officer.post(&format!("/api/v1/polls/{poll_id}:close"), &json!({}))?;
    if status != 200 {
        return Err(unexpected("closing the poll", status, &tally));
    }
    let (status, result) = officer.post(
        &format!("/api/v1/contests/{contest_id}/result:announce"),
        &json!({}),
    )?;
    if status != 200 {
        return Err(unexpected("announcing the result", status, &result));
    }
    let turnout = format!(
        "{}/{}",
        tally["checked_in"].as_u64().unwrap_or(0),
        tally["electorate"].as_u64().unwrap_or(0)
    );
    let mut rows = Vec::new();
    for e in result["elected"].as_array().into_iter().flatten() {
        let no = e["certificate_no"].as_str().unwrap_or_default().to_owned();
        let (status, pdf) =
            officer.get_bytes(&format!("/api/v1/contests/{contest_id}/certificates/{no}"))?;
        if status != 200 {
            return Err(format!("certificate {no}: HTTP {status}"));
        }
        let file = out_dir.join(format!("演练-当选证书-{no}.pdf"));
        std::fs::write(&file, pdf).map_err(|e| format!("{}: {e}", file.display()))?;
        rows.push((
            community.to_owned(),
            position_zh(e["position"].as_str().unwrap_or_default()).to_owned(),
            e["name"].as_str().unwrap_or_default().to_owned(),
            e["votes"].as_u64().unwrap_or(0),
            turnout.clone(),
            no,
        ));
    }
    if rows.is_empty() {
        rows.push((
            community.to_owned(),
            position_zh(&position).to_owned(),
            "（空缺）".to_owned(),
            0,
            turnout,
            String::new(),
        ));
    }
    Ok(rows)
}

/// A one-line progress bar of a poll's ballots.
fn progress(community: &str, done: usize, total: usize) {
    use std::io::Write as _;
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(width);
    let mut out = std::io::stdout();
    let _ = write!(
        out,
        "\r  {community} 投票 [{}{}] {done}/{total}",
        "#".repeat(filled),
        ".".repeat(width - filled)
    );
    if done == total {
        let _ = writeln!(out);
    }
    let _ = out.flush();
}
