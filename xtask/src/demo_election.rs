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
