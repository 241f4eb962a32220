//! Nominations (提名) of a contest: the request checked by the domain crate against the
//! register and the election's rule profile (R-NOM-METHOD, R-NOM-WINDOW, R-NOM-DUP), the
//! nominee's eligibility assessed (R-ELIG-*) and stored with the profile it was decided under,
//! withdrawal, and reading inside the caller's area.
//!
//! A breach of a nomination rule refuses the nomination (422, every broken rule listed); an
//! ineligible nominee is recorded with `eligible = false` and its failed checks, for the review
//! to see (R-REV-ORDER: it can never be approved).

use juxuan_domain::{
    Contest, NominationContext, NominationMethod, NominationRequest, NominationWindow, Nominator,
    Nominee, Particulars, PersonKey, Position, PositionSeats, Refusal, Registration, RuleId, Seats,
    StandingNomination, Violation, VoterId, assess, validate_nomination,
};
use juxuan_platform::audit;
use juxuan_platform::auth::Caller;
use juxuan_platform::error::{Kind, Text, unique_violation};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::nomination::v1 as pb;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::elections::clock_of;
use crate::elections_store::{self, ContestRow, ElectionRow};
use crate::names::{Page, parse_enum};
use crate::pii::IdHasher;
use crate::scope::{self, AreaPath, KEEPERS};
use crate::{AUDIT, OUTBOX, identity};

pub const NOMINATION_SUBMITTED: &str = "juxuan.nomination.v1.NominationSubmitted";
pub const NOMINATION_WITHDRAWN: &str = "juxuan.nomination.v1.NominationWithdrawn";

/// Longest withdrawal reason, in characters.
pub const MAX_REASON: usize = 500;

/// Who is nominated, as sent: a voter of this community's register, or a name and an identity
/// number (which may still match the register).
#[derive(Clone)]
pub struct NomineeInput {
    pub voter_id: Option<Uuid>,
    pub name: Option<String>,
    /// The full number as sent; never logged, stored or returned.
    pub id_number: Option<String>,
    pub particulars: Particulars,
}

impl std::fmt::Debug for NomineeInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NomineeInput")
            .field("voter_id", &self.voter_id)
            .finish_non_exhaustive()
    }
}

/// A nomination as sent, its enumerations parsed.
#[derive(Debug, Clone)]
pub struct NewNomination {
    pub position: Position,
    pub method: NominationMethod,
    /// As sent, in order; a malformed id is kept as written and refused as not registered.
    pub nominator_ids: Vec<String>,
    pub nominee: NomineeInput,
}

/// Optional filters of a contest's nomination list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub position: Option<&'static str>,
    pub status: Option<&'static str>,
    pub eligible: Option<bool>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NominationRow {
    pub id: Uuid,
    pub contest_id: Uuid,
    pub election_id: Uuid,
    pub community_id: Uuid,
    pub street_id: Uuid,
    pub district_id: Uuid,
    pub community_name: String,
    pub drill: bool,
    pub position: String,
    pub method: String,
    pub nominator_ids: Vec<Uuid>,
    pub nominee_voter_id: Option<Uuid>,
    pub nominee_name: String,
    pub nominee_id_masked: String,
    pub nominee_gender: String,
    pub nominee_birth_date: Date,
    pub particulars: serde_json::Value,
    pub eligibility: serde_json::Value,
    pub eligible: bool,
    pub profile: String,
    pub status: String,
    pub submitted_at: OffsetDateTime,
    pub submitted_by: String,
    pub withdrawn_at: Option<OffsetDateTime>,
    pub withdraw_reason: Option<String>,
}

impl NominationRow {
    fn area(&self) -> AreaPath {
        AreaPath::community(self.community_id, self.street_id, self.district_id)
    }
}

const SELECT: &str = "SELECT n.id, n.contest_id, c.election_id, c.community_id, c.street_id, c.district_id, \
     m.name AS community_name, (e.mode = 'drill') AS drill, n.position, n.method, \
     ARRAY(SELECT x.voter_id FROM nomination.nominators x WHERE x.nomination_id = n.id ORDER BY x.ordinal) AS nominator_ids, \
     n.nominee_voter_id, n.nominee_name, n.nominee_id_masked, n.nominee_gender, n.nominee_birth_date, \
     n.particulars, n.eligibility, n.eligible, n.profile, n.status, n.submitted_at, n.submitted_by, \
     n.withdrawn_at, n.withdraw_reason \
     FROM nomination.nominations n \
     JOIN nomination.contests c ON c.id = n.contest_id \
     JOIN nomination.elections e ON e.id = c.election_id \
     JOIN nomination.communities m ON m.id = c.community_id";

/// A register entry as the nomination rules need it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct RegisterEntry {
    id: Uuid,
    name: String,
    id_hash: Vec<u8>,
    id_masked: String,
    gender: String,
    birth_date: Date,
    household_rep: bool,
    resident_rep: bool,
}

impl RegisterEntry {
    fn registration(&self) -> Registration {
        Registration {
            birth_date: self.birth_date,
            household_rep: self.household_rep,
            resident_rep: self.resident_rep,
        }
    }
}

const ENTRY: &str = "SELECT id, name, id_hash, id_masked, gender, birth_date, household_rep, resident_rep \
     FROM nomination.voters WHERE community_id = $1 AND erased_at IS NULL";

/// The nominee as identified: from the register, or from the identity number sent.
struct Identified {
    voter: Option<RegisterEntry>,
    name: String,
    id_hash: Vec<u8>,
    id_masked: String,
    gender: &'static str,
    birth_date: Date,
}

#[derive(Clone)]
pub struct Nominations {
    pub(crate) pool: PgPool,
    pub(crate) hasher: IdHasher,
}

fn invalid(field: &str, code: &'static str, zh: &str, en: &str) -> AppError {
    AppError::invalid_field(field, code, Text::new(zh.to_owned(), en.to_owned()))
}

fn gender_of(raw: &str) -> &'static str {
    if raw == "female" { "female" } else { "male" }
}

impl Nominations {
    pub fn new(pool: PgPool, hasher: IdHasher) -> Self {
        Self { pool, hasher }
    }

    async fn contest(&self, id: Uuid) -> AppResult<(ContestRow, ElectionRow)> {
        let contest = elections_store::contest(&self.pool, id)
            .await?
            .ok_or_else(|| AppError::not_found("选举单元", "Contest"))?;
        let election = elections_store::election(&self.pool, contest.election_id)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("contest without election")))?;
        Ok((contest, election))
    }

    /// The contest's positions and seats as the domain sees them.
    async fn positions(&self, contest_id: Uuid) -> AppResult<Contest> {
        let rows = elections_store::positions(&self.pool, &[contest_id]).await?;
        let positions = rows
            .into_iter()
            .map(|(_, position, seats)| {
                let position: Position = parse_enum(&position)
                    .ok_or_else(|| anyhow::anyhow!("stored position `{position}`"))?;
                let seats = Seats::new(u32::try_from(seats).unwrap_or(0))?;
                Ok(PositionSeats { position, seats })
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map_err(AppError::internal)?;
        Contest::new(positions).map_err(AppError::internal)
    }

    /// Who is nominated: the register entry named by `voter_id`, or the person of the identity
    /// number sent, matched against the register. `None` when `voter_id` is not in this
    /// community's register (a broken rule, reported with the others).
    async fn identify(
        &self,
        community_id: Uuid,
        nominee: &NomineeInput,
    ) -> AppResult<Option<Identified>> {
        let by_number = match &nominee.id_number {
            Some(raw) => Some(
                identity::parse(raw)
                    .map_err(|(code, zh, en)| invalid("nominee.id_number", code, &zh, &en))?,
            ),
            None => None,
        };
        let hash = by_number
            .as_ref()
            .map(|id| self.hasher.hash(&id.normalised));
        let voter: Option<RegisterEntry> = match (nominee.voter_id, &hash) {
            (Some(voter_id), _) => {
                let entry: Option<RegisterEntry> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY} AND id = $2")))
                        .bind(community_id)
                        .bind(voter_id)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some(entry) = entry else {
                    return Ok(None);
                };
                if hash.as_ref().is_some_and(|h| *h != entry.id_hash) {
                    return Err(invalid(
                        "nominee.id_number",
                        "nomination.nominee_mismatch",
                        "身份证号与所选选民不符",
                        "The identity number is not that voter's",
                    ));
                }
                Some(entry)
            }
            (None, Some(hash)) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY} AND id_hash = $2")))
                    .bind(community_id)
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await?
            }
            (None, None) => {
                return Err(invalid(
                    "nominee",
                    "nomination.nominee_unidentified",
                    "须提供被提名人的选民编号或身份证号",
                    "Give the nominee's voter id or identity number",
                ));
            }
        };
        let sent_name = nominee
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if let Some(name) = sent_name
            && (name.chars().count() > 50 || name.chars().any(char::is_control))
        {
            return Err(invalid(
                "nominee.name",
                "nomination.invalid_name",
                "姓名须为 1 至 50 个字符",
                "A name has 1 to 50 characters",
            ));
        }
        if let (Some(v), Some(name)) = (&voter, sent_name)
            && name != v.name
        {
            return Err(invalid(
                "nominee.name",
                "nomination.nominee_mismatch",
                "姓名与选民名单不符",
                "The name is not the register's",
            ));
        }
        match (voter, by_number) {
            (Some(v), _) => Ok(Some(Identified {
                name: v.name.clone(),
                id_hash: v.id_hash.clone(),
                id_masked: v.id_masked.clone(),
                gender: gender_of(&v.gender),
                birth_date: v.birth_date,
                voter: Some(v),
            })),
            (None, Some(id)) => Ok(Some(Identified {
                name: sent_name
                    .ok_or_else(|| {
                        invalid(
                            "nominee.name",
                            "nomination.invalid_name",
                            "须填写被提名人姓名",
                            "The nominee's name is required",
                        )
                    })?
                    .to_owned(),
                id_hash: hash.unwrap_or_default(),
                id_masked: id.masked.clone(),
                gender: id.gender,
                birth_date: id.birth_date,
                voter: None,
            })),
            (None, None) => Err(AppError::internal(anyhow::anyhow!("nominee unidentified"))),
        }
    }

    /// Takes a nomination (a community's keeper): 403 outside the caller's area, 400 for
    /// malformed fields, 422 with every broken nomination rule; otherwise the nomination is
    /// stored with its eligibility report and `NominationSubmitted` is published.
    pub async fn submit(
        &self,
        caller: &Caller,
        contest_id: Uuid,
        new: NewNomination,
        dry_run: bool,
    ) -> AppResult<NominationRow> {
        caller.require_role(KEEPERS)?;
        let (contest, election) = self.contest(contest_id).await?;
        let area =
            AreaPath::community(contest.community_id, contest.street_id, contest.district_id);
        scope::require_write(caller, KEEPERS, &area)?;
        if contest.candidates_published_at.is_some() {
            return Err(AppError::new(
                Kind::Conflict,
                "nomination.list_published",
                Text::new(
                    "正式候选人名单已公布，不再接受提名",
                    "The candidate list is published; nominations are closed",
                ),
            ));
        }
        let profile = crate::rules::stored(&election)?;
        let domain_contest = self.positions(contest_id).await?;
        let nominee = self.identify(contest.community_id, &new.nominee).await?;

        // The nominators as the register knows them, in the order sent.
        let ids: Vec<Uuid> = new
            .nominator_ids
            .iter()
            .filter_map(|raw| Uuid::parse_str(raw.trim()).ok())
            .collect();
        let entries: Vec<RegisterEntry> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENTRY} AND id = ANY($2)")))
                .bind(contest.community_id)
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?;
        let nominators: Vec<Nominator> = new
            .nominator_ids
            .iter()
            .map(|raw| {
                let parsed = Uuid::parse_str(raw.trim()).ok();
                Nominator {
                    voter_id: VoterId::new(parsed.map_or_else(|| raw.clone(), |u| u.to_string())),
                    registration: parsed
                        .and_then(|u| entries.iter().find(|e| e.id == u))
                        .map(RegisterEntry::registration),
                }
            })
            .collect();
        let nominee_voter = nominee
            .as_ref()
            .and_then(|n| n.voter.as_ref())
            .map(|v| Nominator {
                voter_id: VoterId::new(v.id.to_string()),
                registration: Some(v.registration()),
            });
        let id_hash = nominee
            .as_ref()
            .map(|n| n.id_hash.clone())
            .unwrap_or_default();
        let person = PersonKey::new(hex::encode(&id_hash));
        let standing: Vec<(String,)> = sqlx::query_as(
            "SELECT position FROM nomination.nominations \
             WHERE contest_id = $1 AND nominee_id_hash = $2 AND status = 'submitted'",
        )
        .bind(contest_id)
        .bind(&id_hash)
        .fetch_all(&self.pool)
        .await?;
        let standing: Vec<StandingNomination> = standing
            .into_iter()
            .filter_map(|(p,)| parse_enum(&p))
            .map(|position| StandingNomination {
                person: person.clone(),
                position,
            })
            .collect();
        let window =
            NominationWindow::new(election.nomination_opens_on, election.nomination_closes_on)
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("stored window is reversed")))?;
        let now = clock_of(&election).now(OffsetDateTime::now_utc());
        let request = NominationRequest {
            position: new.position,
            method: new.method,
            nominators: &nominators,
            nominee: &person,
            nominee_voter: nominee_voter.as_ref(),
        };
        let ctx = NominationContext {
            contest: &domain_contest,
            window,
            today: now.date(),
            election_day: contest.election_day,
            standing: &standing,
            profile: &profile,
        };
        let checked = validate_nomination(&request, &ctx);
        let Some(nominee) = nominee else {
            let mut violations = checked.err().unwrap_or_default();
            violations.push(Violation {
                code: "nomination.nominee_not_registered",
                field: Some("nominee.voter_id".into()),
                rule: RuleId::NomMethod,
                refusal: Refusal::Rule,
                message: juxuan_domain::Text::new(
                    "被提名人不在本社区选民名单中",
                    "The nominee is not in this community's register",
                ),
            });
            return Err(AppError::violations(violations));
        };
        let accepted = checked.map_err(AppError::violations)?;
        let report = assess(
            &Nominee {
                birth_date: nominee.birth_date,
                gender: if nominee.gender == "female" {
                    juxuan_domain::Gender::Female
                } else {
                    juxuan_domain::Gender::Male
                },
                particulars: new.nominee.particulars.clone(),
            },
            contest.election_day,
            election.term_ends_on,
            &profile,
        );

        let row = NominationRow {
            id: Uuid::now_v7(),
            contest_id,
            election_id: election.id,
            community_id: contest.community_id,
            street_id: contest.street_id,
            district_id: contest.district_id,
            community_name: contest.community_name.clone(),
            drill: election.mode == "drill",
            position: new.position.as_str().to_owned(),
            method: method_name(new.method).to_owned(),
            nominator_ids: accepted
                .nominators
                .iter()
                .filter_map(|v| Uuid::parse_str(v.as_str()).ok())
                .collect(),
            nominee_voter_id: nominee.voter.as_ref().map(|v| v.id),
            nominee_name: nominee.name,
            nominee_id_masked: nominee.id_masked,
            nominee_gender: nominee.gender.to_owned(),
            nominee_birth_date: nominee.birth_date,
            particulars: serde_json::to_value(&new.nominee.particulars)
                .map_err(AppError::internal)?,
            eligibility: serde_json::to_value(&report).map_err(AppError::internal)?,
            eligible: report.eligible,
            profile: profile.profile.as_str().to_owned(),
            status: "submitted".to_owned(),
            submitted_at: now,
            submitted_by: caller.id.clone(),
            withdrawn_at: None,
            withdraw_reason: None,
        };
        if dry_run {
            // Decided exactly as a submission, nothing stored, no event, no audit entry.
            return Ok(row);
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO nomination.nominations (id, contest_id, position, method, nominee_voter_id, nominee_name, \
             nominee_id_hash, nominee_id_masked, nominee_gender, nominee_birth_date, particulars, eligibility, \
             eligible, profile, status, submitted_at, submitted_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'submitted', $15, $16)",
        )
        .bind(row.id)
        .bind(contest_id)
        .bind(&row.position)
        .bind(&row.method)
        .bind(row.nominee_voter_id)
        .bind(&row.nominee_name)
        .bind(&nominee.id_hash)
        .bind(&row.nominee_id_masked)
        .bind(&row.nominee_gender)
        .bind(row.nominee_birth_date)
        .bind(&row.particulars)
        .bind(&row.eligibility)
        .bind(row.eligible)
        .bind(&row.profile)
        .bind(row.submitted_at)
        .bind(&row.submitted_by)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            // A concurrent nomination of the same person for the same post won the race.
            if unique_violation(&e).is_some() {
                AppError::violations(vec![Violation {
                    code: "nomination.duplicate_nominee",
                    field: Some("nominee".into()),
                    rule: RuleId::NomDup,
                    refusal: Refusal::Rule,
                    message: juxuan_domain::Text::new(
                        "此人已被提名竞选该职位",
                        "This person is already nominated for this position",
                    ),
                }])
            } else {
                e.into()
            }
        })?;
        let ordinals: Vec<i32> =
            (1..=i32::try_from(row.nominator_ids.len()).unwrap_or(i32::MAX)).collect();
        sqlx::query(
            "INSERT INTO nomination.nominators (nomination_id, ordinal, voter_id) \
             SELECT $1, o, v FROM unnest($2::int[], $3::uuid[]) AS t(o, v)",
        )
        .bind(row.id)
        .bind(&ordinals)
        .bind(&row.nominator_ids)
        .execute(&mut *tx)
        .await?;
        let change = serde_json::json!({
            "contest_id": contest_id, "position": row.position, "method": row.method,
            "nominators": row.nominator_ids, "nominee_name": row.nominee_name,
            "nominee_id_masked": row.nominee_id_masked, "eligible": row.eligible,
            "profile": row.profile,
        });
        AUDIT
            .append(
                &mut tx,
                audit::Entry::by(caller, "nomination.submitted", &row.id.to_string(), &change),
            )
            .await?;
        let event = pb::NominationSubmitted {
            nomination_id: row.id.to_string(),
            contest_id: contest_id.to_string(),
            election_id: election.id.to_string(),
            community: Some(crate::areas::path_to_proto(&area, &row.community_name)),
            nominee_key: hex::encode(&nominee.id_hash),
            position: row.position.clone(),
            method: row.method.clone(),
            nominee_name: row.nominee_name.clone(),
            eligible: row.eligible,
            submitted_at: crate::clock::format(row.submitted_at),
            drill: row.drill,
            nominee_gender: row.nominee_gender.clone(),
            nominee_birth_date: crate::clock::format_date(row.nominee_birth_date),
            nominee_education: row.particulars["education"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            nominee_party_member: row.particulars["party_member"].as_bool().unwrap_or(false),
        };
        OUTBOX
            .enqueue(&mut tx, NOMINATION_SUBMITTED, &event)
            .await?;
        tx.commit().await?;
        tracing::info!(nomination.id = %row.id, contest.id = %contest_id, eligible = row.eligible, "nomination submitted");
        Ok(row)
    }

    async fn row(&self, id: Uuid) -> AppResult<NominationRow> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE n.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| AppError::not_found("提名", "Nomination"))
    }

    /// One nomination, inside the caller's area (observers included).
    pub async fn get(&self, caller: &Caller, id: Uuid) -> AppResult<NominationRow> {
        let row = self.row(id).await?;
        scope::require_read(caller, &row.area())?;
        Ok(row)
    }

    /// A contest's nominations, oldest first, filtered.
    pub async fn list(
        &self,
        caller: &Caller,
        contest_id: Uuid,
        filter: Filter,
        page: Page,
    ) -> AppResult<(Vec<NominationRow>, String)> {
        let (contest, _) = self.contest(contest_id).await?;
        scope::require_read(
            caller,
            &AreaPath::community(contest.community_id, contest.street_id, contest.district_id),
        )?;
        let rows: Vec<NominationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE n.contest_id = $1 AND ($2::text IS NULL OR n.position = $2) \
             AND ($3::text IS NULL OR n.status = $3) AND ($4::bool IS NULL OR n.eligible = $4) \
             AND ($5::uuid IS NULL OR n.id > $5) ORDER BY n.id LIMIT $6"
        )))
        .bind(contest_id)
        .bind(filter.position)
        .bind(filter.status)
        .bind(filter.eligible)
        .bind(page.after)
        .bind(page.limit + 1)
        .fetch_all(&self.pool)
        .await?;
        Ok(page.finish(rows, |r| r.id))
    }

    /// Withdraws a standing nomination (a keeper of its community), with a reason; publishes
    /// `NominationWithdrawn` so the review case closes.
    pub async fn withdraw(
        &self,
        caller: &Caller,
        id: Uuid,
        reason: &str,
    ) -> AppResult<NominationRow> {
        caller.require_role(KEEPERS)?;
        let row = self.row(id).await?;
        scope::require_write(caller, KEEPERS, &row.area())?;
        let reason = reason.trim();
        if reason.is_empty()
            || reason.chars().count() > MAX_REASON
            || reason.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(invalid(
                "reason",
                "nomination.reason_required",
                "撤回须说明理由（1 至 500 字）",
                "A withdrawal needs a reason (1 to 500 characters)",
            ));
        }
        let (_, election) = self.contest(row.contest_id).await?;
        let now = clock_of(&election).now(OffsetDateTime::now_utc());
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE nomination.nominations SET status = 'withdrawn', withdrawn_at = $2, withdrawn_by = $3, \
             withdraw_reason = $4 WHERE id = $1 AND status = 'submitted'",
        )
        .bind(id)
        .bind(now)
        .bind(&caller.id)
        .bind(reason)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(AppError::new(
                Kind::Conflict,
                "nomination.not_standing",
                Text::new(
                    "该提名已撤回或未通过资格审查",
                    "This nomination has been withdrawn or rejected",
                ),
            ));
        }
        let change =
            serde_json::json!({"reason": reason, "withdrawn_at": crate::clock::format(now)});
        AUDIT
            .append(
                &mut tx,
                audit::Entry::by(caller, "nomination.withdrawn", &id.to_string(), &change),
            )
            .await?;
        let event = pb::NominationWithdrawn {
            nomination_id: id.to_string(),
            contest_id: row.contest_id.to_string(),
            election_id: row.election_id.to_string(),
            withdrawn_at: crate::clock::format(now),
        };
        OUTBOX
            .enqueue(&mut tx, NOMINATION_WITHDRAWN, &event)
            .await?;
        tx.commit().await?;
        tracing::info!(nomination.id = %id, "nomination withdrawn");
        self.row(id).await
    }
}

/// The stored name of a nomination method (API.md).
pub fn method_name(m: NominationMethod) -> &'static str {
    match m {
        NominationMethod::JointVoters => "joint_voters",
        NominationMethod::JointHouseholdReps => "joint_household_reps",
        NominationMethod::JointRepresentatives => "joint_representatives",
        NominationMethod::SelfNomination => "self",
    }
}
