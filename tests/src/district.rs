//! A synthetic district for reporting: streets × communities, each community with one contest
//! that went all the way (nominations with particulars, a published list, one counted round,
//! an announced result), fed to the reporting service's own projector as the events the other
//! services would have published. For the reporting benchmark and for tests that need a live
//! (not drill) election with results, which a test cannot hold on the real clock.

use juxuan_platform::events::Event;
use juxuan_proto::ballot::v1 as bpb;
use juxuan_proto::common::v1 as cpb;
use juxuan_proto::nomination::v1 as npb;
use juxuan_proto::review::v1 as rpb;
use prost::Message;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// What was seeded.
pub struct District {
    pub election_id: Uuid,
    pub contests: Vec<Uuid>,
    /// Events applied.
    pub events: u64,
    /// People elected.
    pub elected: u64,
}

/// The shape of a synthetic election.
pub struct Shape {
    pub streets: usize,
    pub communities_per_street: usize,
    pub drill: bool,
    /// Varies names and particulars.
    pub seed: u64,
    /// An election the nomination service already holds (its own `ElectionCreated` reaches
    /// the projection by the stream); otherwise one is made up here.
    pub election_id: Option<Uuid>,
}

fn event<M: Message>(event_type: &str, message: &M) -> Event {
    Event {
        id: Uuid::now_v7(),
        event_type: format!("juxuan.{event_type}"),
        payload: message.encode_to_vec(),
        traceparent: None,
    }
}

/// A small deterministic generator (SplitMix64).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const EDUCATION: [&str; 7] = [
    "junior_high_or_below",
    "senior_high",
    "vocational",
    "associate",
    "bachelor",
    "master",
    "doctorate",
];

/// Seeds one election of `shape` in `district_id` (whose streets and communities are created
/// too) through the reporting projector; returns its ids.
pub async fn seed(pool: &PgPool, district_id: Uuid, shape: &Shape) -> anyhow::Result<District> {
    let mut dice = Dice(shape.seed);
    let election_id = shape.election_id.unwrap_or_else(Uuid::now_v7);
    let mut events = Vec::new();
    if shape.election_id.is_none() {
        events.push(event(
            "nomination.v1.ElectionCreated",
            &npb::ElectionCreated {
                election_id: election_id.to_string(),
                district_id: district_id.to_string(),
                title: format!("合成区换届选举 {}", shape.seed),
                kind: "general".into(),
                mode: if shape.drill { "drill" } else { "live" }.into(),
                method: "direct".into(),
                nomination_opens_on: "2024-04-01".into(),
                nomination_closes_on: "2024-04-20".into(),
            },
        ));
    }
    let mut contests = Vec::new();
    let mut elected_total = 0u64;
    let at = "2024-05-24T09:00:00+08:00";
    for s in 0..shape.streets {
        let street_id = Uuid::now_v7();
        events.push(event(
            "nomination.v1.AreaCreated",
            &npb::AreaCreated {
                area: Some(cpb::AreaPath {
                    level: cpb::AreaLevel::Street as i32,
                    id: street_id.to_string(),
                    district_id: district_id.to_string(),
                    name: format!("第{}街道-{}", s + 1, shape.seed),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ));
        for c in 0..shape.communities_per_street {
            let community = cpb::AreaPath {
                level: cpb::AreaLevel::Community as i32,
                id: Uuid::now_v7().to_string(),
                district_id: district_id.to_string(),
                street_id: street_id.to_string(),
                name: format!("第{}社区", c + 1),
                ..Default::default()
            };
            events.push(event(
                "nomination.v1.AreaCreated",
                &npb::AreaCreated {
                    area: Some(community.clone()),
                    ..Default::default()
                },
            ));
            let contest_id = Uuid::now_v7();
            contests.push(contest_id);
            let seats = [("director", 1u32), ("deputy_director", 1), ("member", 3)];
            events.push(event(
                "nomination.v1.ContestCreated",
                &npb::ContestCreated {
                    contest_id: contest_id.to_string(),
                    election_id: election_id.to_string(),
                    community: Some(community.clone()),
                    election_day: "2024-05-24".into(),
                    positions: seats
                        .iter()
                        .map(|(p, n)| npb::ContestSeats {
                            position: (*p).into(),
                            seats: *n,
                        })
                        .collect(),
                    drill: shape.drill,
                },
            ));
            let electorate = 800 + dice.below(2400);
            events.push(event(
                "nomination.v1.ElectoratePublished",
                &npb::ElectoratePublished {
                    contest_id: contest_id.to_string(),
                    election_id: election_id.to_string(),
                    count: u32::try_from(electorate)?,
                    published_at: "2024-05-01T09:00:00+08:00".into(),
                },
            ));
            // One more nominee than seats per position; the first ones are elected.
            let mut candidates = Vec::new();
            let mut tally_positions = Vec::new();
            let mut elected = Vec::new();
            let returned = electorate * 9 / 10;
            for (position, n) in seats {
                let mut listed = Vec::new();
                for k in 0..=n {
                    let nomination_id = Uuid::now_v7();
                    let name = format!("{}{}{}", ["张", "王", "李", "赵"][k as usize % 4], c, k);
                    let female = dice.below(2) == 0;
                    let year = 1965 + dice.below(35);
                    events.push(event(
                        "nomination.v1.NominationSubmitted",
                        &npb::NominationSubmitted {
                            nomination_id: nomination_id.to_string(),
                            contest_id: contest_id.to_string(),
                            election_id: election_id.to_string(),
                            community: Some(community.clone()),
                            position: position.into(),
                            method: "joint_voters".into(),
                            nominee_name: name.clone(),
                            eligible: true,
                            submitted_at: "2024-04-10T09:00:00+08:00".into(),
                            drill: shape.drill,
                            nominee_key: Uuid::now_v7().simple().to_string(),
                            nominee_gender: if female { "female" } else { "male" }.into(),
                            nominee_birth_date: format!(
                                "{year}-0{}-1{}",
                                1 + dice.below(9),
                                dice.below(9)
                            ),
                            nominee_education: EDUCATION[2 + dice.below(5) as usize].into(),
                            nominee_party_member: dice.below(3) > 0,
                        },
                    ));
                    let candidate_id = Uuid::now_v7().to_string();
                    candidates.push(rpb::Candidate {
                        candidate_id: candidate_id.clone(),
                        nomination_id: nomination_id.to_string(),
                        name: name.clone(),
                        position: position.into(),
                        person_key: String::new(),
                    });
                    let votes = if k < n {
                        returned * 6 / 10 + dice.below(returned / 4)
                    } else {
                        returned / 5
                    };
                    if k < n {
                        elected_total += 1;
                        elected.push(bpb::ElectedPerson {
                            name: name.clone(),
                            position: position.into(),
                            votes,
                            certificate_no: format!(
                                "2024-{:04}-{:04}",
                                contests.len(),
                                elected.len() + 1
                            ),
                            round: 1,
                            candidate_id: candidate_id.clone(),
                        });
                    }
                    listed.push(json!({"candidate_id": candidate_id, "name": name, "votes": votes, "elected": k < n}));
                }
                tally_positions.push(json!({"position": position, "seats": n, "candidates": listed, "write_ins": []}));
            }
            events.push(event(
                "review.v1.CandidateListPublished",
                &rpb::CandidateListPublished {
                    contest_id: contest_id.to_string(),
                    election_id: election_id.to_string(),
                    published_at: "2024-05-15T09:00:00+08:00".into(),
                    ballot_fingerprint: format!("sha256:{:064x}", dice.next()),
                    candidates,
                    drill: shape.drill,
                },
            ));
            let poll_id = Uuid::now_v7().to_string();
            events.push(event(
                "ballot.v1.PollOpened",
                &bpb::PollOpened {
                    poll_id: poll_id.clone(),
                    contest_id: contest_id.to_string(),
                    election_id: election_id.to_string(),
                    round: 1,
                    mode: "paper".into(),
                    electorate,
                    opened_at: at.into(),
                    drill: shape.drill,
                    community_id: community.id.clone(),
                },
            ));
            let invalid = returned / 50;
            let digest = format!("sha256:{:064x}", dice.next());
            let tally = json!({
                "round": 1, "valid": true, "outcome": "concluded", "electorate": electorate,
                "checked_in": returned, "ballots_issued": returned, "ballots_returned": returned,
                "valid_ballots": returned - invalid, "invalid_ballots": invalid,
                "positions": tally_positions, "ballots_digest": digest, "staff": null,
            });
            events.push(event(
                "ballot.v1.PollClosed",
                &bpb::PollClosed {
                    poll_id,
                    contest_id: contest_id.to_string(),
                    election_id: election_id.to_string(),
                    round: 1,
                    closed_at: "2024-05-24T17:00:00+08:00".into(),
                    electorate,
                    checked_in: returned,
                    ballots_issued: returned,
                    ballots_returned: returned,
                    valid_ballots: returned - invalid,
                    invalid_ballots: invalid,
                    valid: true,
                    outcome: "concluded".into(),
                    ballots_digest: digest,
                    tally_json: tally.to_string(),
                    drill: shape.drill,
                },
            ));
            events.push(event(
                "ballot.v1.ResultAnnounced",
                &bpb::ResultAnnounced {
                    contest_id: contest_id.to_string(),
                    election_id: election_id.to_string(),
                    status: "concluded".into(),
                    announced_at: "2024-05-24T18:00:00+08:00".into(),
                    elected,
                    vacancies: Vec::new(),
                    drill: shape.drill,
                    community_id: community.id.clone(),
                },
            ));
        }
    }
    let applied = u64::try_from(events.len())?;
    // In batches, one transaction each, as the consumer applies them.
    for batch in events.chunks(500) {
        let mut tx = pool.begin().await?;
        for e in batch {
            juxuan_reporting::projections::apply(&mut tx, e).await?;
        }
        tx.commit().await?;
    }
    Ok(District {
        election_id,
        contests,
        events: applied,
        elected: elected_total,
    })
}
