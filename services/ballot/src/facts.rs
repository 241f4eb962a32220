//! What other services know of a contest, read as the caller (so they apply their own area
//! rules too): the contest and its election (profile, clock, drill) from the nomination
//! service, the published candidate list from the review service, the frozen electorate.

use juxuan_domain::{Contest, Position, PositionSeats, RuleProfile, Seats};
use juxuan_platform::auth::Caller;
use juxuan_platform::grpc::read_as;
use juxuan_platform::scope::AreaPath;
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::common::v1::PageRequest;
use juxuan_proto::nomination::v1 as npb;
use juxuan_proto::review::v1 as rpb;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::Clients;

/// The districts' zone (UTC+8, no daylight saving).
pub const DISTRICT_OFFSET: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// RFC 3339 in the district's zone.
pub fn format(t: OffsetDateTime) -> String {
    t.to_offset(DISTRICT_OFFSET)
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub fn bad_upstream(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("another service sent a bad {what}"))
}

/// A domain enum from its snake_case name.
pub fn parse<T: serde::de::DeserializeOwned>(raw: &str) -> AppResult<T> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned()))
        .map_err(|e| AppError::internal(anyhow::anyhow!("stored value `{raw}`: {e}")))
}

/// A domain enum's snake_case name.
pub fn name<T: serde::Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn uuid(raw: &str) -> AppResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| bad_upstream("id"))
}

fn date(raw: &str) -> AppResult<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw, &format).map_err(|_| bad_upstream("date"))
}

/// A contest as the nomination service knows it.
#[derive(Debug, Clone)]
pub struct ContestFacts {
    pub contest_id: Uuid,
    pub election_id: Uuid,
    pub area: AreaPath,
    pub community: String,
    pub election_day: Date,
    pub contest: Contest,
    pub profile: RuleProfile,
    pub rules_json: serde_json::Value,
    pub drill: bool,
    pub election_title: String,
    pub street: String,
    /// The area code certificate numbers carry: the district's code, or the first eight hex
    /// digits of its id when it has none.
    pub area_code: String,
}

/// The published list as the review service knows it.
#[derive(Debug, Clone)]
pub struct ListFacts {
    pub candidates: Vec<rpb::Candidate>,
    pub published_at: Option<OffsetDateTime>,
    pub ballot_fingerprint: String,
}

impl Clients {
    pub async fn contest(&self, caller: &Caller, contest_id: Uuid) -> AppResult<ContestFacts> {
        let token = &caller.token;
        let get = npb::GetContestRequest {
            id: contest_id.to_string(),
        };
        let contest = read_as(&self.elections, token, &get, |mut c, r| async move {
            c.get_contest(r).await
        })
        .await?;
        let get = npb::GetElectionRequest {
            id: contest.election_id.clone(),
        };
        let election = read_as(&self.elections, token, &get, |mut c, r| async move {
            c.get_election(r).await
        })
        .await?;
        let positions = contest
            .positions
            .iter()
            .map(|p| {
                Ok(PositionSeats {
                    position: parse::<Position>(&p.position)?,
                    seats: Seats::new(p.seats).map_err(|_| bad_upstream("seat count"))?,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let rules_json: serde_json::Value =
            serde_json::from_str(&election.rules_json).map_err(|_| bad_upstream("profile"))?;
        Ok(ContestFacts {
            contest_id,
            election_id: uuid(&contest.election_id)?,
            area: AreaPath::community(
                uuid(&contest.community_id)?,
                uuid(&contest.street_id)?,
                uuid(&contest.district_id)?,
            ),
            community: contest.community_name,
            election_day: date(&contest.election_day)?,
            contest: Contest::new(positions).map_err(|_| bad_upstream("contest"))?,
            profile: serde_json::from_value(rules_json.clone())
                .map_err(|_| bad_upstream("rule profile"))?,
            rules_json,
            drill: election.mode == "drill",
            election_title: election.title,
            street: contest.street_name,
            area_code: area_code(&contest.district_code, &contest.district_id),
        })
    }

    pub async fn candidate_list(&self, caller: &Caller, contest_id: Uuid) -> AppResult<ListFacts> {
        let get = rpb::ListCandidatesRequest {
            contest_id: contest_id.to_string(),
        };
        let list = read_as(&self.review, &caller.token, &get, |mut c, r| async move {
            c.list_candidates(r).await
        })
        .await?;
        let published_at = if list.published_at.is_empty() {
            None
        } else {
            Some(
                OffsetDateTime::parse(&list.published_at, &Rfc3339)
                    .map_err(|_| bad_upstream("publication time"))?
                    .to_offset(DISTRICT_OFFSET),
            )
        };
        Ok(ListFacts {
            candidates: list.items,
            published_at,
            ballot_fingerprint: list.ballot_fingerprint,
        })
    }

    /// The frozen electorate (every page), with when it was published (`None`: not yet).
    pub async fn electorate(
        &self,
        caller: &Caller,
        contest_id: Uuid,
    ) -> AppResult<(Vec<npb::Elector>, Option<String>)> {
        let mut electors = Vec::new();
        let mut cursor = String::new();
        loop {
            let get = npb::ListElectorateRequest {
                contest_id: contest_id.to_string(),
                page: Some(PageRequest { limit: 500, cursor }),
            };
            let page = read_as(
                &self.electorate,
                &caller.token,
                &get,
                |mut c, r| async move { c.list_electorate(r).await },
            )
            .await?;
            if page.published_at.is_empty() {
                return Ok((Vec::new(), None));
            }
            electors.extend(page.items);
            if page.next_cursor.is_empty() {
                return Ok((electors, Some(page.published_at)));
            }
            cursor = page.next_cursor;
        }
    }

    /// The community's register: `(name, person key)` of every registered voter.
    pub async fn register(
        &self,
        caller: &Caller,
        community_id: Uuid,
    ) -> AppResult<Vec<(String, String)>> {
        let mut voters = Vec::new();
        let mut cursor = String::new();
        loop {
            let get = npb::ListVotersRequest {
                community_id: community_id.to_string(),
                q: String::new(),
                page: Some(PageRequest { limit: 500, cursor }),
            };
            let page = read_as(&self.register, &caller.token, &get, |mut c, r| async move {
                c.list_voters(r).await
            })
            .await?;
            voters.extend(page.items.into_iter().map(|v| (v.name, v.person_key)));
            if page.next_cursor.is_empty() {
                return Ok(voters);
            }
            cursor = page.next_cursor;
        }
    }

    /// The election's clock now (a drill's own), read as the caller each time (opening,
    /// closing and announcing are rare, and a drill's clock may just have moved); to the
    /// microsecond Postgres keeps.
    pub async fn election_now(
        &self,
        caller: &Caller,
        election_id: Uuid,
    ) -> AppResult<OffsetDateTime> {
        let request = npb::GetClockRequest {
            election_id: election_id.to_string(),
        };
        let clock = read_as(
            &self.elections,
            &caller.token,
            &request,
            |mut c, r| async move { c.get_clock(r).await },
        )
        .await?;
        let now = OffsetDateTime::parse(&clock.now, &Rfc3339)
            .map_err(|_| bad_upstream("clock"))?
            .to_offset(DISTRICT_OFFSET);
        Ok(now
            .replace_nanosecond(now.nanosecond() / 1000 * 1000)
            .unwrap_or(now))
    }
}

fn area_code(code: &str, district_id: &str) -> String {
    let code: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(11)
        .collect();
    if code.is_empty() {
        district_id
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(8)
            .collect::<String>()
            .to_uppercase()
    } else {
        code
    }
}
