//! Polls: one per contest and round. Round 1 opens on election day by the election's clock
//! with the published, fingerprinted candidate list (R-POLL-DAY, R-CAND-PUBLISH); a later round
//! opens only when the last tally asks for one, with exactly the candidates it names (R-TIE,
//! R-ADDITIONAL, R-RETURNED). The electorate is the contest's frozen list, copied once when
//! the first round opens. Counting staff (R-CAND-STAFF) is recorded per poll.

use std::sync::Arc;

use juxuan_domain::{
    Candidate, CandidateId, CandidatePerson, CountingStaff, PersonKey, Poll, Position,
    RoundOutcome, RuleProfile, Tally, VoterId,
};
use juxuan_platform::audit;
use juxuan_platform::auth::{Caller, Role};
use juxuan_platform::error::{Kind, Text, unique_violation};
use juxuan_platform::scope::{self, AreaPath, KEEPERS};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::ballot::v1 as pb;
use sqlx::PgConnection;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::facts::{self, format, parse};
use crate::{AUDIT, Ballots, OUTBOX};

pub const POLL_OPENED: &str = "juxuan.ballot.v1.PollOpened";

/// Electronic (terminals) or paper (tellers enter each ballot as it is read out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Electronic,
    Paper,
}

/// What never changes about a poll once it is open: kept in memory for the hot path.
#[derive(Debug, Clone)]
pub struct PollFacts {
    pub id: Uuid,
    pub contest_id: Uuid,
    pub election_id: Uuid,
    pub area: AreaPath,
    pub round: u32,
    pub mode: Mode,
    pub paper: Poll,
    pub profile: RuleProfile,
    pub drill: bool,
    pub electorate: u64,
}

/// A poll as it stands.
#[derive(Debug, Clone)]
pub struct PollView {
    pub facts: Arc<PollFacts>,
    pub status: String,
    pub opened_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub checked_in: u64,
    pub ballots_returned: u64,
    pub staff: Option<CountingStaff>,
    pub ballot_fingerprint: String,
}

#[derive(sqlx::FromRow)]
struct PollRow {
    id: Uuid,
    contest_id: Uuid,
    election_id: Uuid,
    district_id: Uuid,
    street_id: Uuid,
    community_id: Uuid,
    round: i32,
    mode: String,
    paper: serde_json::Value,
    rules: serde_json::Value,
    drill: bool,
    electorate: i32,
    status: String,
    opened_at: OffsetDateTime,
    closed_at: Option<OffsetDateTime>,
    checked_in: Option<i32>,
    ballots_returned: Option<i32>,
    staff: Option<serde_json::Value>,
    ballot_fingerprint: String,
}

const POLL: &str = "SELECT p.id, p.contest_id, c.election_id, c.district_id, c.street_id, c.community_id, p.round, p.mode, \
     p.paper, c.rules, c.drill, c.electorate, p.status, p.opened_at, p.closed_at, p.checked_in, p.ballots_returned, \
     p.staff, c.ballot_fingerprint FROM ballot.polls p JOIN ballot.contests c ON c.contest_id = p.contest_id";

fn stored(what: &str) -> impl Fn(serde_json::Error) -> AppError + '_ {
    move |e| AppError::internal(anyhow::anyhow!("stored {what}: {e}"))
}

impl PollRow {
    fn facts(&self) -> AppResult<PollFacts> {
        Ok(PollFacts {
            id: self.id,
            contest_id: self.contest_id,
            election_id: self.election_id,
            area: AreaPath::community(self.community_id, self.street_id, self.district_id),
            round: u32::try_from(self.round).unwrap_or(1),
            mode: parse(&self.mode)?,
            paper: serde_json::from_value(self.paper.clone()).map_err(stored("ballot paper"))?,
            profile: serde_json::from_value(self.rules.clone()).map_err(stored("profile"))?,
            drill: self.drill,
            electorate: u64::try_from(self.electorate).unwrap_or(0),
        })
    }
}

pub fn not_found() -> AppError {
    AppError::not_found("投票", "Poll")
}

pub fn closed() -> AppError {
    AppError::new(
        Kind::Conflict,
        "poll.closed",
        Text::new("投票已结束", "The poll is closed"),
    )
}

/// Reading a poll: who may read the area, and the community's voting terminals (they show the
/// ballot paper).
pub fn require_poll_read(caller: &Caller, area: &AreaPath) -> AppResult<()> {
    if caller.role == Role::Terminal && scope::contains(caller, area) {
        return Ok(());
    }
    scope::require_read(caller, area)
}

/// Serialises a poll's ballot box against its closing: check-ins and ballots hold the shared
/// lock, closing holds it exclusively.
pub async fn lock_poll(
    conn: &mut PgConnection,
    poll_id: Uuid,
    exclusive: bool,
) -> sqlx::Result<()> {
    let sql = if exclusive {
        "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))"
    } else {
        "SELECT pg_advisory_xact_lock_shared(hashtextextended($1::text, 7))"
    };
    sqlx::query(sql).bind(poll_id).execute(conn).await?;
    Ok(())
}

/// Serialises the rounds of a contest (opening one, closing one, announcing).
pub async fn lock_contest(conn: &mut PgConnection, contest_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 8))")
        .bind(contest_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Live counts of an open poll from Redis (`bal:` keys), recomputed from Postgres when Redis
/// lost them.
pub fn turnout_key(poll_id: Uuid) -> String {
    format!("bal:poll:{poll_id}:checked_in")
}

pub fn returned_key(poll_id: Uuid) -> String {
    format!("bal:poll:{poll_id}:returned")
}

impl Ballots {
    /// A poll's immutable facts, from memory or the store.
    pub async fn poll_facts(&self, poll_id: Uuid) -> AppResult<Arc<PollFacts>> {
        if let Some(f) = self
            .papers
            .lock()
            .ok()
            .and_then(|p| p.get(&poll_id).cloned())
        {
            return Ok(f);
        }
        let row: PollRow = sqlx::query_as(sqlx::AssertSqlSafe(format!("{POLL} WHERE p.id = $1")))
            .bind(poll_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(not_found)?;
        let facts = Arc::new(row.facts()?);
        if let Ok(mut p) = self.papers.lock() {
            p.insert(poll_id, facts.clone());
        }
        Ok(facts)
    }

    async fn view(&self, row: PollRow) -> AppResult<PollView> {
        let facts = match self
            .papers
            .lock()
            .ok()
            .and_then(|p| p.get(&row.id).cloned())
        {
            Some(f) => f,
            None => Arc::new(row.facts()?),
        };
        let (checked_in, ballots_returned) = if row.status == "open" {
            self.live_counts(row.id).await?
        } else {
            (
                u64::try_from(row.checked_in.unwrap_or(0)).unwrap_or(0),
                u64::try_from(row.ballots_returned.unwrap_or(0)).unwrap_or(0),
            )
        };
        Ok(PollView {
            facts,
            status: row.status,
            opened_at: row.opened_at,
            closed_at: row.closed_at,
            checked_in,
            ballots_returned,
            staff: row
                .staff
                .map(serde_json::from_value)
                .transpose()
                .map_err(stored("staff"))?,
            ballot_fingerprint: row.ballot_fingerprint,
        })
    }

    /// Checked in and ballots in the box of an open poll: Redis counters, set from Postgres
    /// when missing (Redis is never the source of truth).
    pub async fn live_counts(&self, poll_id: Uuid) -> AppResult<(u64, u64)> {
        let mut redis = self.redis.clone();
        let cached: Result<(Option<u64>, Option<u64>), _> = redis::cmd("MGET")
            .arg(turnout_key(poll_id))
            .arg(returned_key(poll_id))
            .query_async(&mut redis)
            .await;
        if let Ok((Some(c), Some(r))) = cached {
            return Ok((c, r));
        }
        let (c, r): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM ballot.checkins WHERE poll_id = $1), \
                    (SELECT count(*) FROM ballot.ballot_box WHERE poll_id = $1)",
        )
        .bind(poll_id)
        .fetch_one(&self.pool)
        .await?;
        let (c, r) = (u64::try_from(c).unwrap_or(0), u64::try_from(r).unwrap_or(0));
        // Set only where missing: a check-in counted meanwhile is not overwritten; a stale
        // value is corrected at the next miss.
        let _: Result<(), _> = redis::pipe()
            .cmd("SET")
            .arg(turnout_key(poll_id))
            .arg(c)
            .arg("NX")
            .arg("EX")
            .arg(86_400)
            .ignore()
            .cmd("SET")
            .arg(returned_key(poll_id))
            .arg(r)
            .arg("NX")
            .arg("EX")
            .arg(86_400)
            .ignore()
            .query_async(&mut redis)
            .await;
        Ok((c, r))
    }

    pub async fn get(&self, caller: &Caller, poll_id: Uuid) -> AppResult<PollView> {
        let row: PollRow = sqlx::query_as(sqlx::AssertSqlSafe(format!("{POLL} WHERE p.id = $1")))
            .bind(poll_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(not_found)?;
        require_poll_read(
            caller,
            &AreaPath::community(row.community_id, row.street_id, row.district_id),
        )?;
        self.view(row).await
    }

    /// Every poll of a contest, by round (empty before the first opens; the area is then
    /// checked by the nomination service).
    pub async fn list(&self, caller: &Caller, contest_id: Uuid) -> AppResult<Vec<PollView>> {
        let rows: Vec<PollRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{POLL} WHERE p.contest_id = $1 ORDER BY p.round"
        )))
        .bind(contest_id)
        .fetch_all(&self.pool)
        .await?;
        match rows.first() {
            Some(r) => require_poll_read(
                caller,
                &AreaPath::community(r.community_id, r.street_id, r.district_id),
            )?,
            None => {
                let contest = self.clients.contest(caller, contest_id).await?;
                require_poll_read(caller, &contest.area)?;
            }
        }
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            views.push(self.view(row).await?);
        }
        Ok(views)
    }

    /// Opens the contest's next round (a keeper of the community).
    pub async fn open(&self, caller: &Caller, contest_id: Uuid, mode: Mode) -> AppResult<PollView> {
        caller.require_role(KEEPERS)?;
        let known: Option<(Uuid, Uuid, Uuid)> = sqlx::query_as(
            "SELECT district_id, street_id, community_id FROM ballot.contests WHERE contest_id = $1",
        )
        .bind(contest_id)
        .fetch_optional(&self.pool)
        .await?;
        match known {
            Some((d, s, c)) => {
                scope::require_write(caller, KEEPERS, &AreaPath::community(c, s, d))?;
                self.open_later_round(caller, contest_id, mode).await
            }
            None => self.open_first_round(caller, contest_id, mode).await,
        }
    }

    async fn open_first_round(
        &self,
        caller: &Caller,
        contest_id: Uuid,
        mode: Mode,
    ) -> AppResult<PollView> {
        let contest = self.clients.contest(caller, contest_id).await?;
        scope::require_write(caller, KEEPERS, &contest.area)?;
        let list = self.clients.candidate_list(caller, contest_id).await?;
        let now = self
            .clients
            .election_now(caller, contest.election_id)
            .await?;
        juxuan_domain::check_poll_opening(
            1,
            now.date(),
            contest.election_day,
            list.published_at.map(|t| t.date()),
            &contest.profile,
        )
        .map_err(AppError::violations)?;
        let (electors, published) = self.clients.electorate(caller, contest_id).await?;
        if published.is_none() {
            return Err(AppError::new(
                Kind::Rule,
                "poll.electorate_not_published",
                Text::new(
                    "选民名单尚未张榜公布，不能开始投票",
                    "The electorate has not been published: voting cannot start",
                ),
            ));
        }
        let community_id = contest
            .area
            .community_id
            .ok_or_else(|| facts::bad_upstream("area"))?;
        let register = self.clients.register(caller, community_id).await?;
        let candidates: Vec<(Position, Candidate)> = list
            .candidates
            .iter()
            .map(|c| {
                Ok((
                    parse::<Position>(&c.position)?,
                    Candidate {
                        candidate_id: CandidateId::new(c.candidate_id.clone()),
                        person: PersonKey::new(c.person_key.clone()),
                        name: c.name.clone(),
                    },
                ))
            })
            .collect::<AppResult<_>>()?;
        let paper = Poll::first_round(&contest.contest, candidates)
            .map_err(|e| AppError::internal(anyhow::anyhow!("ballot paper: {e:?}")))?;
        // The list is the one published: its fingerprint must match the paper made from it.
        let fingerprint = juxuan_domain::ballot_fingerprint(
            &contest.election_id.to_string(),
            &contest_id.to_string(),
            &paper,
        )
        .to_string();
        if fingerprint != list.ballot_fingerprint {
            return Err(AppError::internal(anyhow::anyhow!(
                "the published list's fingerprint does not match its candidates"
            )));
        }
        let mut tx = self.pool.begin().await?;
        lock_contest(&mut tx, contest_id).await?;
        let inserted = sqlx::query(
            "INSERT INTO ballot.contests (contest_id, election_id, district_id, street_id, community_id, community, street, \
             election_title, area_code, election_day, drill, rules, candidates, ballot_fingerprint, list_published_on, electorate) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (contest_id) DO NOTHING",
        )
        .bind(contest_id)
        .bind(contest.election_id)
        .bind(contest.area.district_id)
        .bind(contest.area.street_id)
        .bind(contest.area.community_id)
        .bind(&contest.community)
        .bind(&contest.street)
        .bind(&contest.election_title)
        .bind(&contest.area_code)
        .bind(contest.election_day)
        .bind(contest.drill)
        .bind(&contest.rules_json)
        .bind(serde_json::to_value(list.candidates.iter().map(|c| serde_json::json!({
            "candidate_id": c.candidate_id, "nomination_id": c.nomination_id, "name": c.name,
            "position": c.position, "person_key": c.person_key,
        })).collect::<Vec<_>>()).map_err(AppError::internal)?)
        .bind(&fingerprint)
        .bind(list.published_at.map(|t| t.date()).unwrap_or(contest.election_day))
        .bind(i32::try_from(electors.len()).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            // Opened meanwhile by someone else.
            return Err(already_open());
        }
        // The frozen electorate, in one statement per 5,000 electors.
        for chunk in electors.chunks(5000) {
            let ids = chunk
                .iter()
                .map(|e| Uuid::parse_str(&e.voter_id).map_err(|_| facts::bad_upstream("voter id")))
                .collect::<AppResult<Vec<_>>>()?;
            let names: Vec<&str> = chunk.iter().map(|e| e.name.as_str()).collect();
            let keys: Vec<&str> = chunk.iter().map(|e| e.person_key.as_str()).collect();
            sqlx::query(
                "INSERT INTO ballot.electors (contest_id, voter_id, name, person_key) \
                 SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[])",
            )
            .bind(contest_id)
            .bind(&ids)
            .bind(&names)
            .bind(&keys)
            .execute(&mut *tx)
            .await?;
        }
        for chunk in register.chunks(5000) {
            let names: Vec<&str> = chunk.iter().map(|(n, _)| n.as_str()).collect();
            let keys: Vec<&str> = chunk.iter().map(|(_, k)| k.as_str()).collect();
            sqlx::query(
                "INSERT INTO ballot.register_names (contest_id, name, person_key) \
                 SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING",
            )
            .bind(contest_id)
            .bind(&names)
            .bind(&keys)
            .execute(&mut *tx)
            .await?;
        }
        let poll_id = self
            .insert_poll(&mut tx, caller, contest_id, &paper, mode, now)
            .await?;
        let electorate = u64::try_from(electors.len()).unwrap_or(0);
        self.opened_event(
            &mut tx,
            caller,
            poll_id,
            contest_id,
            contest.election_id,
            &contest.area,
            1,
            mode,
            electorate,
            now,
            contest.drill,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(poll.id = %poll_id, contest.id = %contest_id, round = 1, "poll opened");
        self.get(caller, poll_id).await
    }

    async fn open_later_round(
        &self,
        caller: &Caller,
        contest_id: Uuid,
        mode: Mode,
    ) -> AppResult<PollView> {
        let mut tx = self.pool.begin().await?;
        lock_contest(&mut tx, contest_id).await?;
        let (election_id, status, election_day, drill, electorate, rules, list_published_on): (Uuid, String, Date, bool, i32, serde_json::Value, Date) =
            sqlx::query_as(
                "SELECT election_id, status, election_day, drill, electorate, rules, list_published_on FROM ballot.contests WHERE contest_id = $1",
            )
            .bind(contest_id)
            .fetch_one(&mut *tx)
            .await?;
        let last: (Uuid, String, serde_json::Value, Option<serde_json::Value>) = sqlx::query_as(
            "SELECT id, status, paper, tally FROM ballot.polls WHERE contest_id = $1 ORDER BY round DESC LIMIT 1",
        )
        .bind(contest_id)
        .fetch_one(&mut *tx)
        .await?;
        if last.1 == "open" {
            return Err(already_open());
        }
        let paper: Poll = serde_json::from_value(last.2).map_err(stored("ballot paper"))?;
        let tally: Option<Tally> = last
            .3
            .map(serde_json::from_value)
            .transpose()
            .map_err(stored("tally"))?;
        let next = match (&tally, status.as_str()) {
            (Some(t), "polling")
                if matches!(t.outcome, RoundOutcome::NextRound | RoundOutcome::Revote) =>
            {
                paper.next_round(t)
            }
            _ => None,
        };
        let Some(next) = next else {
            return Err(AppError::new(
                Kind::Conflict,
                "poll.no_round_due",
                Text::new(
                    "上一轮计票结果不需要再投票",
                    "The last tally calls for no further round",
                ),
            ));
        };
        let profile: RuleProfile = serde_json::from_value(rules).map_err(stored("profile"))?;
        let now = self.clients.election_now(caller, election_id).await?;
        juxuan_domain::check_poll_opening(
            next.round(),
            now.date(),
            election_day,
            Some(list_published_on),
            &profile,
        )
        .map_err(AppError::violations)?;
        let poll_id = self
            .insert_poll(&mut tx, caller, contest_id, &next, mode, now)
            .await?;
        let (d, s, c): (Uuid, Uuid, Uuid) = sqlx::query_as(
            "SELECT district_id, street_id, community_id FROM ballot.contests WHERE contest_id = $1",
        )
        .bind(contest_id)
        .fetch_one(&mut *tx)
        .await?;
        self.opened_event(
            &mut tx,
            caller,
            poll_id,
            contest_id,
            election_id,
            &AreaPath::community(c, s, d),
            next.round(),
            mode,
            u64::try_from(electorate).unwrap_or(0),
            now,
            drill,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(poll.id = %poll_id, contest.id = %contest_id, round = next.round(), "poll opened");
        self.get(caller, poll_id).await
    }

    async fn insert_poll(
        &self,
        tx: &mut PgConnection,
        caller: &Caller,
        contest_id: Uuid,
        paper: &Poll,
        mode: Mode,
        now: OffsetDateTime,
    ) -> AppResult<Uuid> {
        let poll_id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO ballot.polls (id, contest_id, round, mode, status, paper, opened_at, opened_by) \
             VALUES ($1, $2, $3, $4, 'open', $5, $6, $7)",
        )
        .bind(poll_id)
        .bind(contest_id)
        .bind(i32::try_from(paper.round()).unwrap_or(i32::MAX))
        .bind(facts::name(mode))
        .bind(serde_json::to_value(paper).map_err(AppError::internal)?)
        .bind(now)
        .bind(&caller.id)
        .execute(&mut *tx)
        .await
        .map_err(|e| if unique_violation(&e).is_some() { already_open() } else { e.into() })?;
        Ok(poll_id)
    }

    #[allow(clippy::too_many_arguments)]
    async fn opened_event(
        &self,
        tx: &mut PgConnection,
        caller: &Caller,
        poll_id: Uuid,
        contest_id: Uuid,
        election_id: Uuid,
        area: &AreaPath,
        round: u32,
        mode: Mode,
        electorate: u64,
        now: OffsetDateTime,
        drill: bool,
    ) -> AppResult<()> {
        let change = serde_json::json!({
            "contest_id": contest_id, "round": round, "mode": facts::name(mode), "electorate": electorate,
            "opened_at": format(now),
        });
        AUDIT
            .append(
                &mut *tx,
                audit::Entry::by(caller, "poll.opened", &poll_id.to_string(), &change),
            )
            .await?;
        let event = pb::PollOpened {
            poll_id: poll_id.to_string(),
            contest_id: contest_id.to_string(),
            election_id: election_id.to_string(),
            round,
            mode: facts::name(mode),
            electorate,
            opened_at: format(now),
            drill,
            community_id: area.community_id.map(|c| c.to_string()).unwrap_or_default(),
        };
        OUTBOX.enqueue(&mut *tx, POLL_OPENED, &event).await?;
        Ok(())
    }

    /// Records the counting staff (a keeper, before the poll closes): no candidate of the
    /// contest among them (R-CAND-STAFF).
    pub async fn set_staff(
        &self,
        caller: &Caller,
        poll_id: Uuid,
        staff: CountingStaff,
    ) -> AppResult<CountingStaff> {
        let facts = self.poll_facts(poll_id).await?;
        scope::require_write(caller, KEEPERS, &facts.area)?;
        let mut tx = self.pool.begin().await?;
        let status: String =
            sqlx::query_scalar("SELECT status FROM ballot.polls WHERE id = $1 FOR UPDATE")
                .bind(poll_id)
                .fetch_one(&mut *tx)
                .await?;
        if status != "open" {
            return Err(closed());
        }
        // Candidates of the contest (every round), with their voter ids where they are electors.
        let candidates: Vec<(String, Option<Uuid>)> = sqlx::query_as(
            "SELECT c->>'name', e.voter_id FROM ballot.contests k CROSS JOIN jsonb_array_elements(k.candidates) c \
             LEFT JOIN ballot.electors e ON e.contest_id = k.contest_id AND e.person_key = c->>'person_key' \
             WHERE k.contest_id = $1",
        )
        .bind(facts.contest_id)
        .fetch_all(&mut *tx)
        .await?;
        let people: Vec<CandidatePerson> = candidates
            .into_iter()
            .map(|(name, voter)| CandidatePerson {
                voter_id: voter.map(|v| VoterId::new(v.to_string())),
                name,
            })
            .collect();
        juxuan_domain::check_counting_staff(&staff, &people).map_err(AppError::violations)?;
        let value = serde_json::to_value(&staff).map_err(AppError::internal)?;
        sqlx::query("UPDATE ballot.polls SET staff = $2 WHERE id = $1")
            .bind(poll_id)
            .bind(&value)
            .execute(&mut *tx)
            .await?;
        AUDIT
            .append(
                &mut tx,
                audit::Entry::by(caller, "poll.staff_recorded", &poll_id.to_string(), &value),
            )
            .await?;
        tx.commit().await?;
        Ok(staff)
    }
}

fn already_open() -> AppError {
    AppError::new(
        Kind::Conflict,
        "poll.already_open",
        Text::new(
            "本轮投票已开始或已有一轮正在进行",
            "A poll of this contest is already open",
        ),
    )
}
