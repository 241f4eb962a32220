//! The contest's result (R-ANNOUNCE): announcing fixes it, numbers a certificate for each
//! elected person (`<year>-<area code>-<sequence>`, sequences per area code and year; drills
//! count under `D<area code>` so live numbers have no gaps) and publishes `ResultAnnounced`.
//! Certificates (当选证书) are drawn as PDFs on request.

use juxuan_domain::{CertificateNo, ContestResult, ContestStatus, Position, Tally};
use juxuan_platform::audit;
use juxuan_platform::auth::Caller;
use juxuan_platform::error::{Kind, Text};
use juxuan_platform::scope::{self, AreaPath, KEEPERS};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::ballot::v1 as pb;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::certificate::{CertificateData, render};
use crate::facts::{format, name, parse};
use crate::polls::lock_contest;
use crate::{AUDIT, Ballots, OUTBOX};

pub const RESULT_ANNOUNCED: &str = "juxuan.ballot.v1.ResultAnnounced";

/// One elected person as announced.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ElectedPerson {
    pub name: String,
    pub position: Position,
    pub votes: u64,
    pub round: u32,
    pub candidate_id: Option<String>,
    pub certificate_no: String,
}

/// An announced result.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Announced {
    pub contest_id: Uuid,
    pub election_id: Uuid,
    pub status: ContestStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub announced_at: OffsetDateTime,
    pub elected: Vec<ElectedPerson>,
    pub vacancies: Vec<juxuan_domain::Vacancy>,
    pub deciding_round: Option<u32>,
    pub drill: bool,
    pub ballot_fingerprint: String,
    pub ballots_digest: String,
}

#[derive(sqlx::FromRow)]
struct ContestRow {
    election_id: Uuid,
    district_id: Uuid,
    street_id: Uuid,
    community_id: Uuid,
    community: String,
    street: String,
    election_title: String,
    area_code: String,
    election_day: Date,
    drill: bool,
    ballot_fingerprint: String,
    result: Option<serde_json::Value>,
}

impl ContestRow {
    fn area(&self) -> AreaPath {
        AreaPath::community(self.community_id, self.street_id, self.district_id)
    }
}

const CONTEST: &str = "SELECT election_id, district_id, street_id, community_id, community, street, election_title, \
     area_code, election_day, drill, ballot_fingerprint, result FROM ballot.contests WHERE contest_id = $1";

fn not_announced() -> AppError {
    AppError::new(
        Kind::NotFound,
        "result.not_announced",
        Text::new("选举结果尚未宣布", "The result has not been announced"),
    )
}

fn stored(e: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("stored result: {e}"))
}

impl Ballots {
    async fn contest_row(
        &self,
        caller: &Caller,
        contest_id: Uuid,
    ) -> AppResult<Option<ContestRow>> {
        let row: Option<ContestRow> = sqlx::query_as(CONTEST)
            .bind(contest_id)
            .fetch_optional(&self.pool)
            .await?;
        if row.is_none() {
            // No poll yet: the nomination service answers for the contest and its area.
            let contest = self.clients.contest(caller, contest_id).await?;
            scope::require_read(caller, &contest.area)?;
        }
        Ok(row)
    }

    /// Announces the result (a keeper of the community) once the rounds are over.
    pub async fn announce(&self, caller: &Caller, contest_id: Uuid) -> AppResult<Announced> {
        caller.require_role(KEEPERS)?;
        let not_ready = || {
            AppError::new(
                Kind::Conflict,
                "result.not_ready",
                Text::new(
                    "投票尚未结束或还需再次投票，不能宣布结果",
                    "Voting is not over (a poll is open or another round is due)",
                ),
            )
        };
        let Some(row) = self.contest_row(caller, contest_id).await? else {
            return Err(not_ready());
        };
        scope::require_write(caller, KEEPERS, &row.area())?;
        let now = self.clients.election_now(caller, row.election_id).await?;
        let mut tx = self.pool.begin().await?;
        lock_contest(&mut tx, contest_id).await?;
        let status: String =
            sqlx::query_scalar("SELECT status FROM ballot.contests WHERE contest_id = $1")
                .bind(contest_id)
                .fetch_one(&mut *tx)
                .await?;
        match status.as_str() {
            "announced" => {
                return Err(AppError::new(
                    Kind::Conflict,
                    "result.already_announced",
                    Text::new("选举结果已宣布", "The result has already been announced"),
                ));
            }
            "counted" | "failed" => {}
            _ => return Err(not_ready()),
        }
        let tallies: Vec<serde_json::Value> = sqlx::query_scalar(
            "SELECT tally FROM ballot.polls WHERE contest_id = $1 AND tally IS NOT NULL ORDER BY round",
        )
        .bind(contest_id)
        .fetch_all(&mut *tx)
        .await?;
        let tallies = tallies
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<Vec<Tally>, _>>()
            .map_err(stored)?;
        let ContestResult {
            status,
            elected,
            vacancies,
            deciding_round,
        } = juxuan_domain::contest_result(&tallies);
        if status == ContestStatus::Pending {
            return Err(not_ready());
        }
        let year = row.election_day.year();
        let code: String = if row.drill {
            format!("D{}", row.area_code).chars().take(12).collect()
        } else {
            row.area_code.clone()
        };
        let count = u32::try_from(elected.len()).unwrap_or(u32::MAX);
        let last: i32 = if count == 0 {
            0
        } else {
            sqlx::query_scalar(
                "INSERT INTO ballot.certificate_sequences (prefix, last) VALUES ($1, $2) \
                 ON CONFLICT (prefix) DO UPDATE SET last = ballot.certificate_sequences.last + $2 RETURNING last",
            )
            .bind(format!("{year}-{code}"))
            .bind(i32::try_from(count).unwrap_or(i32::MAX))
            .fetch_one(&mut *tx)
            .await?
        };
        let first = u32::try_from(last).unwrap_or(0).saturating_sub(count) + 1;
        let mut people = Vec::with_capacity(elected.len());
        for (i, e) in elected.into_iter().enumerate() {
            let sequence = first + u32::try_from(i).unwrap_or(0);
            let no = CertificateNo::new(year, &code, sequence).ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("certificate number for {code}"))
            })?;
            sqlx::query(
                "INSERT INTO ballot.certificates (certificate_no, contest_id, name, position, votes, round) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(no.as_str())
            .bind(contest_id)
            .bind(&e.name)
            .bind(name(e.position))
            .bind(i64::try_from(e.votes).unwrap_or(i64::MAX))
            .bind(i32::try_from(e.round).unwrap_or(i32::MAX))
            .execute(&mut *tx)
            .await?;
            people.push(ElectedPerson {
                name: e.name,
                position: e.position,
                votes: e.votes,
                round: e.round,
                candidate_id: e.candidate_id.map(|c| c.as_str().to_owned()),
                certificate_no: no.as_str().to_owned(),
            });
        }
        let ballots_digest = deciding_round
            .and_then(|r| tallies.iter().find(|t| t.round == r))
            .map(|t| t.ballots_digest.to_string())
            .unwrap_or_default();
        let announced = Announced {
            contest_id,
            election_id: row.election_id,
            status,
            announced_at: now,
            elected: people,
            vacancies,
            deciding_round,
            drill: row.drill,
            ballot_fingerprint: row.ballot_fingerprint.clone(),
            ballots_digest,
        };
        let value = serde_json::to_value(&announced).map_err(AppError::internal)?;
        sqlx::query(
            "UPDATE ballot.contests SET status = 'announced', announced_at = $2, result = $3 WHERE contest_id = $1",
        )
        .bind(contest_id)
        .bind(now)
        .bind(&value)
        .execute(&mut *tx)
        .await?;
        AUDIT
            .append(
                &mut tx,
                audit::Entry::by(caller, "result.announced", &contest_id.to_string(), &value),
            )
            .await?;
        OUTBOX
            .enqueue(
                &mut tx,
                RESULT_ANNOUNCED,
                &announced_to_proto(&announced, &row),
            )
            .await?;
        tx.commit().await?;
        tracing::info!(contest.id = %contest_id, elected = announced.elected.len(), "result announced");
        Ok(announced)
    }

    /// The announced result.
    pub async fn result(&self, caller: &Caller, contest_id: Uuid) -> AppResult<Announced> {
        let row = self
            .contest_row(caller, contest_id)
            .await?
            .ok_or_else(not_announced)?;
        scope::require_read(caller, &row.area())?;
        let value = row.result.ok_or_else(not_announced)?;
        serde_json::from_value(value).map_err(stored)
    }

    /// A certificate as a PDF: `(pdf, drill)`.
    pub async fn certificate(
        &self,
        caller: &Caller,
        contest_id: Uuid,
        certificate_no: &str,
    ) -> AppResult<(Vec<u8>, bool)> {
        let unknown = || AppError::not_found("当选证书", "Certificate");
        let row = self
            .contest_row(caller, contest_id)
            .await?
            .ok_or_else(unknown)?;
        scope::require_read(caller, &row.area())?;
        let found: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT name, position, votes FROM ballot.certificates WHERE certificate_no = $1 AND contest_id = $2",
        )
        .bind(certificate_no)
        .bind(contest_id)
        .fetch_optional(&self.pool)
        .await?;
        let (person, position, votes) = found.ok_or_else(unknown)?;
        let position: Position = parse(&position)?;
        let font = self.font.get().map_err(AppError::internal)?;
        let data = CertificateData {
            certificate_no,
            name: &person,
            position_zh: &position.name().zh,
            election_title: &row.election_title,
            community: &row.community,
            street: &row.street,
            election_day: row.election_day,
            votes: u64::try_from(votes).unwrap_or(0),
            drill: row.drill,
        };
        let pdf = render(&font, &data).map_err(AppError::internal)?;
        Ok((pdf, row.drill))
    }
}

pub fn elected_to_proto(e: &ElectedPerson) -> pb::ElectedPerson {
    pb::ElectedPerson {
        name: e.name.clone(),
        position: name(e.position),
        votes: e.votes,
        certificate_no: e.certificate_no.clone(),
        round: e.round,
        candidate_id: e.candidate_id.clone().unwrap_or_default(),
    }
}

pub fn vacancy_to_proto(v: &juxuan_domain::Vacancy) -> pb::Vacancy {
    pb::Vacancy {
        position: name(v.position),
        seats: v.seats,
    }
}

fn announced_to_proto(a: &Announced, row: &ContestRow) -> pb::ResultAnnounced {
    pb::ResultAnnounced {
        contest_id: a.contest_id.to_string(),
        election_id: a.election_id.to_string(),
        status: name(a.status),
        announced_at: format(a.announced_at),
        elected: a.elected.iter().map(elected_to_proto).collect(),
        vacancies: a.vacancies.iter().map(vacancy_to_proto).collect(),
        drill: a.drill,
        community_id: row.community_id.to_string(),
    }
}
