//! The structure of the committees elected (R-STRUCTURE): per election, scoped to the caller's
//! area, and for the district over every live election (drills excluded, ARCHITECTURE.md "Time
//! and drills"). Age, gender, education and party membership come from the nominees'
//! particulars; ethnic minority, the director who is also party secretary (一肩挑) and the
//! outgoing members replaced come from what the community recorded (`committee_facts`), where
//! it did. Each member is aged on the election day of the contest that elected them.

use std::collections::BTreeMap;

use juxuan_domain::structure::{self, CommitteeStructure, MemberFacts, percent};
use juxuan_domain::{Education, Gender};
use juxuan_platform::audit;
use juxuan_platform::auth::{AreaLevel, Caller, Role};
use juxuan_platform::error::{Kind, Text};
use juxuan_platform::scope::{self, AreaPath, KEEPERS};
use juxuan_platform::{AppError, AppResult};
use juxuan_proto::reporting::v1 as pb;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One elected person with what is known of them.
#[derive(Debug, sqlx::FromRow)]
struct ElectedRow {
    contest_id: Uuid,
    district_id: Uuid,
    street_id: Uuid,
    community_id: Uuid,
    election_day: Date,
    position: Option<String>,
    certificate_no: Option<String>,
    gender: Option<String>,
    birth_date: Option<Date>,
    education: Option<String>,
    party_member: Option<bool>,
}

/// What a community recorded of one elected person.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
struct Supplement {
    certificate_no: String,
    ethnic_minority: Option<bool>,
    party_secretary: Option<bool>,
}

/// An outgoing member, as recorded.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
struct Outgoing {
    position: String,
    gender: Gender,
    birth_date: Date,
    education: Education,
    party_member: bool,
    ethnic_minority: Option<bool>,
    party_secretary: Option<bool>,
}

/// A member of a group whose structure is figured.
struct Member {
    facts: Option<MemberFacts>,
    on: Date,
    position: String,
    ethnic_minority: Option<bool>,
    party_secretary: Option<bool>,
}

fn parse<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    serde_json::from_value(Value::String(raw.to_owned())).ok()
}

fn count_share(count: u32, of: u32) -> Value {
    json!({"count": count, "share": percent(u64::from(count), u64::from(of))})
}

/// `(yes, recorded)` of a fact recorded for some members only.
fn counted<'a>(
    members: impl IntoIterator<Item = &'a Member>,
    f: impl Fn(&Member) -> Option<bool>,
) -> (u32, u32) {
    let recorded: Vec<bool> = members.into_iter().filter_map(f).collect();
    let yes = recorded.iter().filter(|&&b| b).count();
    (
        u32::try_from(yes).unwrap_or(u32::MAX),
        u32::try_from(recorded.len()).unwrap_or(u32::MAX),
    )
}

/// The figures of a group of members as JSON: shares in per cent to one decimal, of the
/// members whose particulars are known (`members`); the recorded-only figures (ethnic
/// minorities, party secretaries) of those recorded.
fn figures(members: &[Member]) -> (Value, Option<CommitteeStructure>) {
    let known: Vec<(MemberFacts, Date)> = members
        .iter()
        .filter_map(|m| m.facts.map(|f| (f, m.on)))
        .collect();
    let mut by_position: BTreeMap<&str, u32> = BTreeMap::new();
    for m in members {
        *by_position.entry(m.position.as_str()).or_default() += 1;
    }
    let (minorities, minorities_recorded) = counted(members, |m| m.ethnic_minority);
    let directors: Vec<&Member> = members
        .iter()
        .filter(|m| m.position == "director")
        .collect();
    let (secretaries_yes, secretaries_recorded) =
        counted(directors.iter().copied(), |m| m.party_secretary);
    let total = u32::try_from(members.len()).unwrap_or(u32::MAX);
    let recorded = |yes: u32, of: u32| json!({"count": yes, "recorded": of, "share": percent(u64::from(yes), u64::from(of))});
    if known.is_empty() {
        let value = json!({
            "total": total, "members": 0, "particulars_unknown": total,
            "by_position": by_position, "average_age": null, "age_bands": [],
            "women": null, "men": null, "bachelor_or_above": null, "party_members": null, "education": [],
            "ethnic_minorities": recorded(minorities, minorities_recorded),
            "directors": {"count": directors.len(), "party_secretaries": recorded(secretaries_yes, secretaries_recorded)},
        });
        return (value, None);
    }
    let s = structure::structure_of(&known);
    let n = s.members;
    let value = json!({
        "total": total,
        "members": n,
        "particulars_unknown": total - n,
        "by_position": by_position,
        "average_age": s.average_age,
        "age_bands": s.age_bands.iter().map(|(band, count)| {
            let mut v = count_share(*count, n);
            v["band"] = json!(band);
            v
        }).collect::<Vec<_>>(),
        "women": count_share(s.women, n),
        "men": count_share(n - s.women, n),
        "bachelor_or_above": count_share(s.bachelor_or_above, n),
        "party_members": count_share(s.party_members, n),
        "education": s.by_education.iter().map(|(level, count)| {
            let mut v = count_share(*count, n);
            v["level"] = json!(level);
            v
        }).collect::<Vec<_>>(),
        "ethnic_minorities": recorded(minorities, minorities_recorded),
        "directors": {"count": directors.len(), "party_secretaries": recorded(secretaries_yes, secretaries_recorded)},
    });
    (value, Some(s))
}

/// The elected of the announced contests of some elections, with their particulars.
async fn elected(pool: &PgPool, elections: &[Uuid]) -> sqlx::Result<Vec<ElectedRow>> {
    sqlx::query_as(
        "SELECT c.contest_id, c.district_id, c.street_id, c.community_id, c.election_day, \
                e->>'position' AS position, e->>'certificate_no' AS certificate_no, \
                n.gender, n.birth_date, n.education, n.party_member \
         FROM reporting.contests c \
         CROSS JOIN LATERAL jsonb_array_elements(coalesce(c.elected, '[]'::jsonb)) e \
         LEFT JOIN LATERAL ( \
             SELECT (k->>'nomination_id')::uuid AS nomination_id \
             FROM jsonb_array_elements(coalesce(c.candidates, '[]'::jsonb)) k \
             WHERE k->>'candidate_id' = e->>'candidate_id' AND coalesce(e->>'candidate_id', '') <> '' \
             LIMIT 1) k ON true \
         LEFT JOIN reporting.nominations n ON n.nomination_id = k.nomination_id \
         WHERE c.election_id = ANY($1) AND c.voting_status = 'announced' \
           AND c.district_id IS NOT NULL AND c.street_id IS NOT NULL AND c.community_id IS NOT NULL \
           AND c.election_day IS NOT NULL",
    )
    .bind(elections)
    .fetch_all(pool)
    .await
}

async fn committee_facts(
    pool: &PgPool,
    contests: &[Uuid],
) -> sqlx::Result<BTreeMap<Uuid, (Vec<Supplement>, Vec<Outgoing>)>> {
    let rows: Vec<(Uuid, Value, Value)> = sqlx::query_as(
        "SELECT contest_id, elected, outgoing FROM reporting.committee_facts WHERE contest_id = ANY($1)",
    )
    .bind(contests)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, elected, outgoing)| {
            (
                id,
                (
                    serde_json::from_value(elected).unwrap_or_default(),
                    serde_json::from_value(outgoing).unwrap_or_default(),
                ),
            )
        })
        .collect())
}

/// The figures of the elected (and of the outgoing members they replace, where recorded) in
/// some elections, counting only contests inside the caller's area.
async fn figures_of(pool: &PgPool, caller: &Caller, elections: &[Uuid]) -> AppResult<Value> {
    let rows: Vec<ElectedRow> = elected(pool, elections)
        .await?
        .into_iter()
        .filter(|r| {
            scope::contains(
                caller,
                &AreaPath::community(r.community_id, r.street_id, r.district_id),
            )
        })
        .collect();
    let mut contests: Vec<(Uuid, Date)> = rows
        .iter()
        .map(|r| (r.contest_id, r.election_day))
        .collect();
    contests.sort();
    contests.dedup();
    let ids: Vec<Uuid> = contests.iter().map(|(id, _)| *id).collect();
    let facts = committee_facts(pool, &ids).await?;
    let supplement = |r: &ElectedRow| {
        facts
            .get(&r.contest_id)
            .and_then(|(elected, _)| {
                elected
                    .iter()
                    .find(|s| Some(&s.certificate_no) == r.certificate_no.as_ref())
            })
            .cloned()
            .unwrap_or_default()
    };
    let members: Vec<Member> = rows
        .iter()
        .map(|r| {
            let facts = match (
                r.gender.as_deref().and_then(parse::<Gender>),
                r.birth_date,
                r.education.as_deref().and_then(parse::<Education>),
                r.party_member,
            ) {
                (Some(gender), Some(birth_date), Some(education), Some(party_member)) => {
                    Some(MemberFacts {
                        birth_date,
                        gender,
                        education,
                        party_member,
                    })
                }
                _ => None,
            };
            let s = supplement(r);
            Member {
                facts,
                on: r.election_day,
                position: r.position.clone().unwrap_or_default(),
                ethnic_minority: s.ethnic_minority,
                party_secretary: s.party_secretary,
            }
        })
        .collect();
    let replaced: Vec<Member> = contests
        .iter()
        .flat_map(|(id, day)| {
            facts
                .get(id)
                .map(|(_, outgoing)| outgoing.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|o| Member {
                    facts: Some(MemberFacts {
                        birth_date: o.birth_date,
                        gender: o.gender,
                        education: o.education,
                        party_member: o.party_member,
                    }),
                    // Aged on the same day as their successors, so the comparison is fair.
                    on: *day,
                    position: o.position.clone(),
                    ethnic_minority: o.ethnic_minority,
                    party_secretary: o.party_secretary,
                })
        })
        .collect();
    let (elected_figures, elected_structure) = figures(&members);
    let contests_with_outgoing = contests
        .iter()
        .filter(|(id, _)| facts.get(id).is_some_and(|(_, o)| !o.is_empty()))
        .count();
    let (replaced_figures, change) = if replaced.is_empty() {
        (Value::Null, Value::Null)
    } else {
        let (figures, replaced_structure) = figures(&replaced);
        let change = elected_structure
            .zip(replaced_structure)
            .map(|(e, r)| json!(structure::change(&e, &r)))
            .unwrap_or(Value::Null);
        (figures, change)
    };
    Ok(json!({
        "contests_counted": contests.len(),
        "elected_total": members.len(),
        "elected": elected_figures,
        "replaced": replaced_figures,
        "replaced_known_in_contests": contests_with_outgoing,
        "change": change,
    }))
}

fn may_read_statistics(caller: &Caller) -> bool {
    match caller.role {
        Role::Terminal | Role::Teller => false,
        Role::Client => caller.has_scope("reporting:read"),
        _ => true,
    }
}

/// `GET /elections/{id}/statistics`: an election's figures inside the caller's area.
pub async fn for_election(pool: &PgPool, caller: &Caller, election_id: Uuid) -> AppResult<Value> {
    let row: Option<(Uuid, String, bool)> = sqlx::query_as(
        "SELECT district_id, title, drill FROM reporting.elections WHERE election_id = $1",
    )
    .bind(election_id)
    .fetch_optional(pool)
    .await?;
    let (district, title, drill) = row.ok_or_else(|| AppError::not_found("选举", "Election"))?;
    if !scope::in_district(caller, district) || !may_read_statistics(caller) {
        return Err(AppError::forbidden());
    }
    let mut value = figures_of(pool, caller, &[election_id]).await?;
    value["election_id"] = json!(election_id);
    value["title"] = json!(title);
    value["drill"] = json!(drill);
    Ok(value)
}

/// `GET /districts/{id}/statistics`: a district over its live elections (API.md, Drills:
/// drills are excluded, and counted apart); for district-level callers of that district.
pub async fn for_district(pool: &PgPool, caller: &Caller, district: Uuid) -> AppResult<Value> {
    if !scope::in_district(caller, district) {
        return Err(AppError::not_found("区", "District"));
    }
    if !may_read_statistics(caller) || caller.area_level != AreaLevel::District {
        return Err(AppError::forbidden());
    }
    let elections: Vec<(Uuid, String, bool)> = sqlx::query_as(
        "SELECT election_id, title, drill FROM reporting.elections WHERE district_id = $1 ORDER BY nomination_opens_on, title",
    )
    .bind(district)
    .fetch_all(pool)
    .await?;
    let live: Vec<Uuid> = elections
        .iter()
        .filter(|(_, _, drill)| !drill)
        .map(|(id, ..)| *id)
        .collect();
    let mut value = figures_of(pool, caller, &live).await?;
    value["district_id"] = json!(district);
    value["elections"] = json!(
        elections
            .iter()
            .filter(|(_, _, drill)| !drill)
            .map(|(id, title, _)| json!({"election_id": id, "title": title}))
            .collect::<Vec<_>>()
    );
    value["drills_excluded"] = json!(elections.iter().filter(|(_, _, d)| *d).count());
    Ok(value)
}

fn invalid(field: String, zh: &'static str, en: &'static str) -> AppError {
    AppError::invalid_field(&field, "request.invalid_value", Text::new(zh, en))
}

/// Records what a community knows beyond the nominees' particulars (a keeper of the
/// community, once the result is announced); a new record replaces the previous one.
pub async fn record(
    pool: &PgPool,
    caller: &Caller,
    r: &pb::RecordCommitteeRequest,
    contest_id: Uuid,
    now: OffsetDateTime,
) -> AppResult<()> {
    caller.require_role(KEEPERS)?;
    #[derive(sqlx::FromRow)]
    struct Contest {
        district_id: Option<Uuid>,
        street_id: Option<Uuid>,
        community_id: Option<Uuid>,
        voting_status: Option<String>,
        elected: Option<Value>,
    }
    let row: Option<Contest> = sqlx::query_as(
        "SELECT district_id, street_id, community_id, voting_status, elected FROM reporting.contests WHERE contest_id = $1",
    )
    .bind(contest_id)
    .fetch_optional(pool)
    .await?;
    let Some(Contest {
        district_id: Some(district),
        street_id: Some(street),
        community_id: Some(community),
        voting_status: status,
        elected,
    }) = row
    else {
        return Err(AppError::not_found("选举单元", "Contest"));
    };
    scope::require_write(
        caller,
        KEEPERS,
        &AreaPath::community(community, street, district),
    )?;
    if status.as_deref() != Some("announced") {
        return Err(AppError::new(
            Kind::Conflict,
            "report.not_ready",
            Text::new(
                "选举结果尚未宣布，不能登记当选人和原任成员情况",
                "The result is not announced yet",
            ),
        ));
    }
    for (field, count) in [("elected", r.elected.len()), ("outgoing", r.outgoing.len())] {
        if count > 50 {
            return Err(AppError::invalid_field(
                field,
                "request.too_many",
                Text::new("每项至多 50 人", "At most 50 people each"),
            ));
        }
    }
    let certificates: Vec<String> = elected
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e["certificate_no"].as_str().map(str::to_owned))
        .collect();
    let mut supplements = Vec::new();
    for (i, e) in r.elected.iter().enumerate() {
        if !certificates.contains(&e.certificate_no) {
            return Err(AppError::invalid_field(
                &format!("elected[{i}].certificate_no"),
                "committee.unknown_certificate",
                Text::new(
                    "该证书编号不属于本选举单元的当选人",
                    "No one elected in this contest has that certificate number",
                ),
            ));
        }
        supplements.push(Supplement {
            certificate_no: e.certificate_no.clone(),
            ethnic_minority: e.ethnic_minority,
            party_secretary: e.party_secretary,
        });
    }
    let mut outgoing = Vec::new();
    for (i, o) in r.outgoing.iter().enumerate() {
        let field = |name: &str| format!("outgoing[{i}].{name}");
        if !matches!(
            o.position.as_str(),
            "director" | "deputy_director" | "member"
        ) {
            return Err(invalid(
                field("position"),
                "职务须为 director、deputy_director、member",
                "One of director, deputy_director, member",
            ));
        }
        let gender = parse::<Gender>(&o.gender)
            .ok_or_else(|| invalid(field("gender"), "性别须为 male 或 female", "male or female"))?;
        let education = parse::<Education>(&o.education).ok_or_else(|| {
            invalid(
                field("education"),
                "文化程度取值无效",
                "Unknown education level",
            )
        })?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let birth_date = Date::parse(&o.birth_date, &format)
            .ok()
            .filter(|d| d.year() >= 1900 && *d < now.date())
            .ok_or_else(|| {
                invalid(
                    field("birth_date"),
                    "出生日期无效（YYYY-MM-DD）",
                    "Invalid birth date (YYYY-MM-DD)",
                )
            })?;
        outgoing.push(Outgoing {
            position: o.position.clone(),
            gender,
            birth_date,
            education,
            party_member: o.party_member,
            ethnic_minority: o.ethnic_minority,
            party_secretary: o.party_secretary,
        });
    }
    let elected = serde_json::to_value(&supplements).map_err(AppError::internal)?;
    let outgoing = serde_json::to_value(&outgoing).map_err(AppError::internal)?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO reporting.committee_facts (contest_id, elected, outgoing, recorded_at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (contest_id) DO UPDATE SET elected = EXCLUDED.elected, \
         outgoing = EXCLUDED.outgoing, recorded_at = EXCLUDED.recorded_at, recorded_by = EXCLUDED.recorded_by",
    )
    .bind(contest_id)
    .bind(&elected)
    .bind(&outgoing)
    .bind(now)
    .bind(&caller.id)
    .execute(&mut *tx)
    .await?;
    let change = json!({"elected": elected, "outgoing": outgoing});
    crate::AUDIT
        .append(
            &mut tx,
            audit::Entry::by(
                caller,
                "committee.recorded",
                &contest_id.to_string(),
                &change,
            ),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
