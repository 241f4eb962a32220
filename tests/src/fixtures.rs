//! A community ready for nominations and review, shared by the test files.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Areas, Stack, identity_number};

/// A drill by-election under `cn-2018-jilin` (nominations 2024-05-14..=17, clock 2024-05-15
/// 09:00), one contest in the community (election day 2024-05-24: a director and two members),
/// a register of twelve adults, and the community's officer.
pub struct Setup {
    pub stack: Stack,
    pub a: Areas,
    pub officer: String,
    pub election: String,
    pub contest: String,
    /// Voter ids by name.
    pub voters: HashMap<String, String>,
}

/// (name, birth date, household representative, residents' representative)
pub const REGISTER: &[(&str, &str, bool, bool)] = &[
    ("甲一", "19800101", true, true),
    ("甲二", "19800102", true, true),
    ("甲三", "19800103", true, false),
    ("甲四", "19800104", true, false),
    ("甲五", "19800105", true, false),
    ("甲六", "19800106", false, false),
    ("甲七", "19800107", false, false),
    ("甲八", "19800108", false, false),
    ("甲九", "19800109", false, false),
    ("甲十", "19800110", false, false),
    // R-ELIG-AGE (周岁): the last day of 55 on election day, and the 56th birthday.
    ("五十五", "19680525", false, false),
    ("五十六", "19680524", false, false),
    // R-VOTER-AGE: 18 the day after election day; not a voter yet.
    ("少年", "20060525", false, false),
];

pub fn id_of(birth: &str, seq: u32) -> String {
    identity_number(birth, seq, seq % 2 == 1)
}

/// The identity number of the `i`-th person [`Setup::add_voters`] registers (from 0): forty a
/// day from 1 January 1990, on the first 28 days of each month.
pub fn added_voter_id(i: u32) -> String {
    let day = i / 40;
    let birth = format!("1990{:02}{:02}", 1 + (day / 28) % 12, 1 + day % 28);
    id_of(&birth, 1 + i % 40)
}

impl Setup {
    pub async fn start() -> Setup {
        Self::start_with(json!(null)).await
    }

    pub async fn start_with(rules: Value) -> Setup {
        Self::start_on(Stack::start().await, rules).await
    }

    /// The same on a stack started by the caller (one with its own telemetry).
    pub async fn start_on(stack: Stack, rules: Value) -> Setup {
        let a = stack.areas().await;
        let mut csv = String::from("name,id_number,household_rep,resident_rep\n");
        for (i, (name, birth, household, rep)) in REGISTER.iter().enumerate() {
            let seq = u32::try_from(i).expect("small") + 1;
            csv.push_str(&format!("{name},{},{household},{rep}\n", id_of(birth, seq)));
        }
        let r = stack
            .http
            .post(stack.url(&format!(
                "/api/v1/communities/{}/voters:import",
                a.community
            )))
            .bearer_auth(&a.admin)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("import");
        let (status, report) = crate::decode(r).await;
        assert_eq!(
            (status, &report["rejected"]),
            (StatusCode::OK, &json!([])),
            "{report}"
        );
        let (_, list) = stack
            .get(
                &format!("/api/v1/communities/{}/voters?limit=500", a.community),
                Some(&a.admin),
            )
            .await;
        let voters = list["items"]
            .as_array()
            .expect("voters")
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().expect("name").to_owned(),
                    v["id"].as_str().expect("id").to_owned(),
                )
            })
            .collect();
        let mut election = json!({
            "district_id": a.district, "title": "城南街道补选", "kind": "by_election", "mode": "drill",
            "method": "all_voters", "nomination_opens_on": "2024-05-14", "nomination_closes_on": "2024-05-17",
            "clock": "2024-05-15T09:00:00+08:00",
        });
        if !rules.is_null() {
            election["rules"] = rules;
        }
        let election = stack.create("/api/v1/elections", &a.admin, election).await;
        let contest = stack
            .create(
                &format!("/api/v1/elections/{election}/contests"),
                &a.admin,
                json!({"community_id": a.community, "election_day": "2024-05-24",
                       "positions": [{"position": "director", "seats": 1}, {"position": "member", "seats": 2}]}),
            )
            .await;
        let officer = stack
            .officer(
                &a.admin,
                "nanling.officer",
                "community_officer",
                &a.community,
            )
            .await;
        Setup {
            stack,
            a,
            officer,
            election,
            contest,
            voters,
        }
    }

    /// Registers `n` more adults (乙1, 乙2, …, born in 1990; up to 13,440); their voter ids, in
    /// order.
    pub async fn add_voters(&mut self, n: u32) -> Vec<String> {
        let st = &self.stack;
        let mut csv = String::from("name,id_number,household_rep,resident_rep\n");
        for i in 0..n {
            csv.push_str(&format!("乙{},{},false,false\n", i + 1, added_voter_id(i)));
        }
        let r = st
            .http
            .post(st.url(&format!(
                "/api/v1/communities/{}/voters:import",
                self.a.community
            )))
            .bearer_auth(&self.a.admin)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("import");
        let (status, report) = crate::decode(r).await;
        assert_eq!(
            (status, &report["rejected"]),
            (StatusCode::OK, &json!([])),
            "{report}"
        );
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = match &cursor {
                Some(c) => format!("&cursor={c}"),
                None => String::new(),
            };
            let (_, list) = st
                .get(
                    &format!(
                        "/api/v1/communities/{}/voters?limit=500{page}",
                        self.a.community
                    ),
                    Some(&self.a.admin),
                )
                .await;
            for v in list["items"].as_array().expect("voters") {
                let name = v["name"].as_str().expect("name").to_owned();
                let id = v["id"].as_str().expect("id").to_owned();
                self.voters.insert(name, id);
            }
            match list["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        for i in 0..n {
            ids.push(self.voter(&format!("乙{}", i + 1)));
        }
        ids
    }

    pub fn voter(&self, name: &str) -> String {
        self.voters
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no voter {name}"))
    }

    pub fn ten(&self) -> Vec<String> {
        [
            "甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八", "甲九", "甲十",
        ]
        .iter()
        .map(|n| self.voter(n))
        .collect()
    }

    pub async fn nominate(&self, token: &str, body: &Value) -> (StatusCode, Value) {
        self.stack
            .post(
                &format!("/api/v1/contests/{}/nominations", self.contest),
                Some(token),
                body,
            )
            .await
    }

    pub async fn advance(&self, to: &str) {
        let (status, body) = self
            .stack
            .post(
                &format!("/api/v1/elections/{}/clock:advance", self.election),
                Some(&self.a.admin),
                &json!({"to": to}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    pub async fn outbox(&self, event: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM nomination.outbox WHERE event_type = $1")
            .bind(format!("juxuan.nomination.v1.{event}"))
            .fetch_one(&self.stack.pool)
            .await
            .expect("outbox")
    }
}

/// A qualified nominee registered here.
pub fn particulars() -> Value {
    json!({"education": "bachelor", "full_time_degree": true, "social_work_qualification": "none",
           "community_work_months": 30, "resides_in_community": true, "party_member": true,
           "disqualifications": []})
}

pub fn joint(position: &str, nominators: &[String], nominee: Value) -> Value {
    json!({"position": position, "method": "joint_voters", "nominator_ids": nominators, "nominee": nominee})
}

pub fn registered(voter_id: &str) -> Value {
    let mut n = particulars();
    n["voter_id"] = json!(voter_id);
    n
}

pub fn codes(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|e| e["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub fn check<'a>(nomination: &'a Value, rule: &str) -> &'a Value {
    nomination["eligibility"]["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["rule"] == rule))
        .unwrap_or_else(|| panic!("no {rule} check in {nomination}"))
}

/// The candidates of the election-day tests: a director from two (甲九, 甲十), two members from
/// three (甲六, 甲七, 甲八).
pub const NOMINEES: &[(&str, &str)] = &[
    ("director", "甲九"),
    ("director", "甲十"),
    ("member", "甲六"),
    ("member", "甲七"),
    ("member", "甲八"),
];

/// A contest ready for election day: candidates approved at the three stages, the list and
/// the electorate published (the clock still on 2024-05-15), and the venue's teller and voting
/// terminal.
pub struct Venue {
    pub s: Setup,
    pub teller: String,
    pub terminal: String,
    /// Candidate ids by name.
    pub candidates: HashMap<String, String>,
}

impl Setup {
    /// Nominates each `(position, name)`, approves it at every stage, publishes the list and
    /// the electorate.
    pub async fn venue(self, nominees: &[(&str, &str)]) -> Venue {
        let st = &self.stack;
        let street = st
            .officer(
                &self.a.admin,
                "venue.street",
                "street_officer",
                &self.a.street,
            )
            .await;
        let district = st
            .officer(
                &self.a.admin,
                "venue.district",
                "district_reviewer",
                &self.a.district,
            )
            .await;
        let mut ids = Vec::new();
        for (position, name) in nominees {
            let (status, n) = self
                .nominate(
                    &self.officer,
                    &joint(position, &self.ten(), registered(&self.voter(name))),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{n}");
            ids.push(n["id"].as_str().expect("id").to_owned());
        }
        for id in &ids {
            for (token, stage) in [
                (&self.officer, "community"),
                (&street, "street"),
                (&district, "district"),
            ] {
                // The review case opens from an event: retry while it is not there yet.
                let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
                loop {
                    let (status, body) = st
                        .post(
                            &format!("/api/v1/nominations/{id}/decisions"),
                            Some(token),
                            &json!({"stage": stage, "decision": "approve"}),
                        )
                        .await;
                    if status == StatusCode::CREATED {
                        break;
                    }
                    assert!(
                        status == StatusCode::NOT_FOUND && tokio::time::Instant::now() < deadline,
                        "{stage}: {status} {body}"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
        let (status, list) = st
            .post(
                &format!("/api/v1/contests/{}/candidates:publish", self.contest),
                Some(&self.officer),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{list}");
        let (status, body) = st
            .post(
                &format!("/api/v1/contests/{}/electorate:publish", self.contest),
                Some(&self.officer),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let candidates = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().expect("name").to_owned(),
                    c["candidate_id"].as_str().expect("id").to_owned(),
                )
            })
            .collect();
        let teller = st
            .officer(&self.a.admin, "venue.teller", "teller", &self.a.community)
            .await;
        let terminal = st
            .officer(
                &self.a.admin,
                "venue.terminal",
                "terminal",
                &self.a.community,
            )
            .await;
        Venue {
            s: self,
            teller,
            terminal,
            candidates,
        }
    }
}

impl Venue {
    pub fn candidate(&self, name: &str) -> String {
        self.candidates
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no candidate {name}"))
    }

    /// Opens the contest's next round.
    pub async fn open(&self, mode: &str) -> Value {
        let (status, poll) = self
            .s
            .stack
            .post(
                &format!("/api/v1/contests/{}/polls", self.s.contest),
                Some(&self.s.officer),
                &json!({"mode": mode}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{poll}");
        poll
    }

    pub async fn check_in(&self, poll: &str, voter: &str) -> (StatusCode, Value) {
        self.s
            .stack
            .post(
                &format!("/api/v1/polls/{poll}/checkins"),
                Some(&self.s.officer),
                &json!({"voter_id": voter}),
            )
            .await
    }

    pub async fn cast(&self, poll: &str, token: &str, choices: Value) -> (StatusCode, Value) {
        self.s
            .stack
            .post(
                &format!("/api/v1/polls/{poll}/ballots"),
                Some(&self.terminal),
                &json!({"ballot_token": token, "choices": choices}),
            )
            .await
    }

    /// Checks the elector in and casts their ballot; the receipt.
    pub async fn vote(&self, poll: &str, voter_name: &str, choices: Value) -> String {
        let (status, issued) = self.check_in(poll, &self.s.voter(voter_name)).await;
        assert_eq!(status, StatusCode::CREATED, "{voter_name}: {issued}");
        let token = issued["ballot_token"].as_str().expect("token");
        let (status, receipt) = self.cast(poll, token, choices).await;
        assert_eq!(status, StatusCode::CREATED, "{voter_name}: {receipt}");
        receipt["receipt"].as_str().expect("receipt").to_owned()
    }

    pub async fn close(&self, poll: &str) -> Value {
        let (status, tally) = self
            .s
            .stack
            .post(
                &format!("/api/v1/polls/{poll}:close"),
                Some(&self.s.officer),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{tally}");
        tally
    }
}

/// A ballot's choices: candidates (by id) and write-ins per position.
pub fn marks<S: AsRef<str>>(director: &[S], members: &[S], member_write_ins: &[&str]) -> Value {
    let ids = |list: &[S]| {
        list.iter()
            .map(|s| s.as_ref().to_owned())
            .collect::<Vec<_>>()
    };
    let (director, members) = (ids(director), ids(members));
    json!([
        {"position": "director", "candidate_ids": director},
        {"position": "member", "candidate_ids": members, "write_ins": member_write_ins},
    ])
}
