//! The results report form (选举结果报告单, R-REPORT) of a contest, from the projections: the
//! counts of the round that decided the result, every round's tally, the elected with
//! position, gender, age, education and party membership, the counting staff, the ballot
//! paper's fingerprint and the ballots' digest (API.md, Precisions: report form JSON); the
//! files (CSV, XLSX, PDF) are drawn from it in [`crate::form`]. Filing (备案) to the street and the district keeps every version: a changed form is
//! filed again only as a new version with a reason.

use juxuan_platform::audit;
use juxuan_platform::auth::{Caller, Role};
use juxuan_platform::error::{Kind, Text};
use juxuan_platform::scope::{self, AreaPath, KEEPERS};
use juxuan_platform::{AppError, AppResult};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct ContestRow {
    election_id: Option<Uuid>,
    district_id: Option<Uuid>,
    street_id: Option<Uuid>,
    community_id: Option<Uuid>,
    community: Option<String>,
    election_day: Option<Date>,
    drill: Option<bool>,
    candidates: Option<Value>,
    ballot_fingerprint: Option<String>,
    voting_status: Option<String>,
    elected: Option<Value>,
}

#[derive(sqlx::FromRow)]
struct Particulars {
    gender: Option<String>,
    birth_date: Option<Date>,
    education: Option<String>,
    party_member: Option<bool>,
}

/// Who may read report forms: whoever may read the area, and machine clients with
/// `reporting:read`.
pub fn require_report_read(caller: &Caller, area: &AreaPath) -> AppResult<()> {
    if caller.role == Role::Client
        && caller.has_scope("reporting:read")
        && scope::contains(caller, area)
    {
        return Ok(());
    }
    scope::require_read(caller, area)
}

fn not_ready() -> AppError {
    AppError::new(
        Kind::Conflict,
        "report.not_ready",
        Text::new(
            "选举结果尚未宣布，还没有报告单",
            "No report form before the result is announced",
        ),
    )
}

/// A contest's report form as API.md's JSON, and whether it is a drill's.
pub async fn report(pool: &PgPool, caller: &Caller, contest_id: Uuid) -> AppResult<(Value, bool)> {
    let row: ContestRow = sqlx::query_as(
        "SELECT election_id, district_id, street_id, community_id, community, election_day, drill, candidates, \
                ballot_fingerprint, voting_status, elected FROM reporting.contests WHERE contest_id = $1",
    )
    .bind(contest_id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::not_found("选举单元", "Contest"))?;
    let (Some(election_id), Some(district_id), Some(street_id), Some(community_id)) = (
        row.election_id,
        row.district_id,
        row.street_id,
        row.community_id,
    ) else {
        return Err(AppError::not_found("选举单元", "Contest"));
    };
    require_report_read(
        caller,
        &AreaPath::community(community_id, street_id, district_id),
    )?;
    if !matches!(row.voting_status.as_deref(), Some("announced" | "failed")) {
        return Err(not_ready());
    }
    let names: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, name FROM reporting.areas WHERE id = ANY($1)")
            .bind(vec![district_id, street_id])
            .fetch_all(pool)
            .await?;
    let name_of = |id: Uuid| names.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone());
    let rounds: Vec<Value> = sqlx::query_scalar(
        "SELECT tally FROM reporting.rounds WHERE contest_id = $1 ORDER BY round",
    )
    .bind(contest_id)
    .fetch_all(pool)
    .await?;
    // The counts are those of the round that decided the result: the last valid one.
    let deciding = rounds
        .iter()
        .rev()
        .find(|t| t["valid"] == true)
        .or(rounds.last())
        .cloned()
        .unwrap_or(Value::Null);
    let candidates = row.candidates.clone().unwrap_or(Value::Null);
    let mut elected = Vec::new();
    for e in row
        .elected
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let nomination = candidates
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| {
                c["candidate_id"] == e["candidate_id"]
                    && !e["candidate_id"].as_str().unwrap_or_default().is_empty()
            })
            .and_then(|c| c["nomination_id"].as_str())
            .and_then(|n| Uuid::parse_str(n).ok());
        let particulars: Option<Particulars> = match nomination {
            Some(n) => sqlx::query_as(
                "SELECT gender, birth_date, education, party_member FROM reporting.nominations WHERE nomination_id = $1",
            )
            .bind(n)
            .fetch_optional(pool)
            .await?,
            None => None,
        };
        let age = particulars
            .as_ref()
            .and_then(|p| p.birth_date)
            .zip(row.election_day)
            .and_then(|(birth, day)| juxuan_domain::calendar::age_on(birth, day));
        elected.push(json!({
            "name": e["name"], "position": e["position"], "votes": e["votes"], "round": e["round"],
            "certificate_no": e["certificate_no"],
            "gender": particulars.as_ref().and_then(|p| p.gender.clone()),
            "age": age,
            "education": particulars.as_ref().and_then(|p| p.education.clone()),
            "party_member": particulars.as_ref().and_then(|p| p.party_member),
        }));
    }
    let count = |field: &str| deciding[field].clone();
    let report = json!({
        "contest_id": contest_id, "election_id": election_id,
        "district": name_of(district_id), "street": name_of(street_id), "community": row.community,
        "election_day": row.election_day.map(|d| d.to_string()),
        "drill": row.drill.unwrap_or(false),
        "status": row.voting_status,
        "electorate": count("electorate"), "checked_in": count("checked_in"),
        "ballots_issued": count("ballots_issued"), "ballots_returned": count("ballots_returned"),
        "valid_ballots": count("valid_ballots"), "invalid_ballots": count("invalid_ballots"),
        "rounds": rounds,
        "elected": elected,
        "staff": deciding["staff"].clone(),
        "ballot_fingerprint": row.ballot_fingerprint,
        "ballots_digest": deciding["ballots_digest"].clone(),
    });
    Ok((report, row.drill.unwrap_or(false)))
}

/// A filing as recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Filing {
    pub contest_id: Uuid,
    pub filed_to: String,
    pub version: i32,
    pub digest: String,
    pub reason: Option<String>,
    pub filed_at: OffsetDateTime,
    pub filed_by: String,
    pub drill: bool,
    pub community: Option<String>,
}

/// Files the report form (a keeper of the community) with the street or the district, at the
/// election's clock `now`: version 1, or a new version with a reason when the form changed;
/// the same form again is 409 `report.already_filed`.
pub async fn file(
    pool: &PgPool,
    caller: &Caller,
    contest_id: Uuid,
    to: &str,
    reason: Option<String>,
    now: OffsetDateTime,
) -> AppResult<Filing> {
    caller.require_role(KEEPERS)?;
    if !matches!(to, "street" | "district") {
        return Err(AppError::invalid_field(
            "to",
            "request.invalid_value",
            Text::new("取值须为 street、district", "One of street, district"),
        ));
    }
    let area: Option<(Uuid, Uuid, Uuid, Uuid)> = sqlx::query_as(
        "SELECT district_id, street_id, community_id, election_id FROM reporting.contests WHERE contest_id = $1 AND community_id IS NOT NULL",
    )
    .bind(contest_id)
    .fetch_optional(pool)
    .await?;
    let (district, street, community, election_id) =
        area.ok_or_else(|| AppError::not_found("选举单元", "Contest"))?;
    scope::require_write(
        caller,
        KEEPERS,
        &AreaPath::community(community, street, district),
    )?;
    let (report, drill) = report(pool, caller, contest_id).await?;
    let digest = format!(
        "sha256:{}",
        hex::encode(Sha256::digest(report.to_string().as_bytes()))
    );
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text || $2, 3))")
        .bind(contest_id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    let last: Option<(i32, String)> = sqlx::query_as(
        "SELECT version, digest FROM reporting.filings WHERE contest_id = $1 AND filed_to = $2 ORDER BY version DESC LIMIT 1",
    )
    .bind(contest_id)
    .bind(to)
    .fetch_optional(&mut *tx)
    .await?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let version = match &last {
        Some((_, d)) if *d == digest => {
            return Err(AppError::new(
                Kind::Conflict,
                "report.already_filed",
                Text::new(
                    "该报告单已备案，内容没有变化",
                    "This report form is filed already, unchanged",
                ),
            ));
        }
        Some(_) if reason.is_none() => {
            return Err(AppError::invalid_field(
                "reason",
                "report.reason_required",
                Text::new(
                    "已备案的报告单有变化，更正须说明理由",
                    "The filed form has changed: a correction needs a reason",
                ),
            ));
        }
        Some((v, _)) => v + 1,
        None => 1,
    };
    sqlx::query(
        "INSERT INTO reporting.filings (contest_id, filed_to, version, digest, report, reason, filed_at, filed_by, election_id, drill) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(contest_id)
    .bind(to)
    .bind(version)
    .bind(&digest)
    .bind(&report)
    .bind(&reason)
    .bind(now)
    .bind(&caller.id)
    .bind(election_id)
    .bind(drill)
    .execute(&mut *tx)
    .await?;
    let change = json!({"to": to, "version": version, "digest": digest, "reason": reason});
    crate::AUDIT
        .append(
            &mut tx,
            audit::Entry::by(caller, "report.filed", &contest_id.to_string(), &change),
        )
        .await?;
    tx.commit().await?;
    Ok(Filing {
        contest_id,
        filed_to: to.to_owned(),
        version,
        digest,
        reason,
        filed_at: now,
        filed_by: caller.id.clone(),
        drill,
        community: report["community"].as_str().map(str::to_owned),
    })
}

/// Every filing of an election inside the caller's area, by contest, recipient and version.
pub async fn filings(pool: &PgPool, caller: &Caller, election_id: Uuid) -> AppResult<Vec<Filing>> {
    let district: Option<Uuid> =
        sqlx::query_scalar("SELECT district_id FROM reporting.elections WHERE election_id = $1")
            .bind(election_id)
            .fetch_optional(pool)
            .await?;
    let district = district.ok_or_else(|| AppError::not_found("选举", "Election"))?;
    if !scope::in_district(caller, district) || caller.role == Role::Terminal {
        return Err(AppError::forbidden());
    }
    let rows: Vec<(Filing, Uuid, Uuid, Uuid)> = sqlx::query_as::<_, (Uuid, String, i32, String, Option<String>, OffsetDateTime, String, bool, Option<String>, Uuid, Uuid, Uuid)>(
        "SELECT f.contest_id, f.filed_to, f.version, f.digest, f.reason, f.filed_at, f.filed_by, f.drill, c.community, \
                c.district_id, c.street_id, c.community_id \
         FROM reporting.filings f JOIN reporting.contests c ON c.contest_id = f.contest_id \
         WHERE f.election_id = $1 ORDER BY c.community, f.filed_to, f.version",
    )
    .bind(election_id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(contest_id, filed_to, version, digest, reason, filed_at, filed_by, drill, community, d, s, c)| {
        (Filing { contest_id, filed_to, version, digest, reason, filed_at, filed_by, drill, community }, d, s, c)
    })
    .collect();
    Ok(rows
        .into_iter()
        .filter(|(_, d, s, c)| scope::contains(caller, &AreaPath::community(*c, *s, *d)))
        .map(|(f, ..)| f)
        .collect())
}
