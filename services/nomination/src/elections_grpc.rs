//! The `ElectionService` gRPC adapter: parse every field at the edge (all bad fields reported
//! at once), call the use case, encode.

use juxuan_platform::AppError;
use juxuan_platform::error::{FieldError, Text};
use juxuan_platform::grpc::caller;
use juxuan_proto::nomination::v1::{self as pb, election_service_server::ElectionService};
use time::{Date, OffsetDateTime};
use tonic::{Request, Response, Status};

use crate::clock::{self, parse, parse_date};
use crate::elections::{ContestView, Elections, NewContest, NewElection, clock_of};
use crate::elections_store::ElectionRow;
use crate::names::{Page, parse_id};

/// Collects field errors while parsing a request.
#[derive(Default)]
struct Fields(Vec<FieldError>);

impl Fields {
    fn bad(&mut self, field: &str, code: &'static str, zh: &str, en: &str) {
        self.0.push(FieldError {
            field: field.to_owned(),
            code: code.into(),
            message: Text::new(zh.to_owned(), en.to_owned()),
        });
    }

    fn date(&mut self, field: &str, raw: &str) -> Option<Date> {
        let d = parse_date(raw);
        if d.is_none() {
            self.bad(
                field,
                "request.invalid_date",
                "日期须为 YYYY-MM-DD",
                "A date is YYYY-MM-DD",
            );
        }
        d
    }

    fn one_of(&mut self, field: &str, raw: &str, allowed: &[&'static str]) -> Option<&'static str> {
        let found = allowed.iter().find(|a| **a == raw).copied();
        if found.is_none() {
            self.bad(
                field,
                "request.invalid_value",
                &format!("取值须为 {}", allowed.join("、")),
                &format!("One of {}", allowed.join(", ")),
            );
        }
        found
    }

    fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid_fields(self.0))
        }
    }
}

const KINDS: &[&str] = &["general", "by_election"];
const MODES: &[&str] = &["live", "drill"];
const METHODS: &[&str] = &[
    "all_voters",
    "household_representatives",
    "resident_representatives",
];
const POSITIONS: &[&str] = &["director", "deputy_director", "member"];

/// Fields shared by creating and cloning an election.
struct Common {
    title: String,
    kind: Option<&'static str>,
    mode: Option<&'static str>,
    opens: Option<Date>,
    closes: Option<Date>,
    clock: Option<OffsetDateTime>,
}

fn common(
    f: &mut Fields,
    title: &str,
    kind: &str,
    mode: &str,
    opens: &str,
    closes: &str,
    clock_raw: &str,
) -> Common {
    let title = title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 100 || title.chars().any(char::is_control) {
        f.bad(
            "title",
            "election.invalid_title",
            "标题须为 1 至 100 个字符",
            "A title has 1 to 100 characters",
        );
    }
    let kind = f.one_of("kind", kind, KINDS);
    let mode = f.one_of("mode", mode, MODES);
    let opens = f.date("nomination_opens_on", opens);
    let closes = f.date("nomination_closes_on", closes);
    if let (Some(o), Some(c)) = (opens, closes)
        && o > c
    {
        f.bad(
            "nomination_closes_on",
            "election.window_reversed",
            "提名截止日不能早于开始日",
            "The nomination window closes before it opens",
        );
    }
    let clock = if clock_raw.trim().is_empty() {
        None
    } else {
        let t = parse(clock_raw);
        if t.is_none() {
            f.bad(
                "clock",
                "request.invalid_instant",
                "时间须为带时区的 RFC 3339 格式",
                "An instant is RFC 3339 with an offset",
            );
        }
        if mode == Some("live") {
            f.bad(
                "clock",
                "election.clock_for_live",
                "只有演练选举可以设置时钟",
                "Only a drill election has its own clock",
            );
        }
        t
    };
    Common {
        title,
        kind,
        mode,
        opens,
        closes,
        clock,
    }
}

pub fn election_to_proto(row: &ElectionRow) -> pb::Election {
    pb::Election {
        id: row.id.to_string(),
        district_id: row.district_id.to_string(),
        title: row.title.clone(),
        kind: row.kind.clone(),
        mode: row.mode.clone(),
        method: row.method.clone(),
        nomination_opens_on: clock::format_date(row.nomination_opens_on),
        nomination_closes_on: clock::format_date(row.nomination_closes_on),
        term_ends_on: row.term_ends_on.map(clock::format_date).unwrap_or_default(),
        clock: clock::format(clock_of(row).now(OffsetDateTime::now_utc())),
        rules_json: row.rules.to_string(),
        created_at: clock::format(row.created_at),
        cloned_from: row.cloned_from.map(|c| c.to_string()).unwrap_or_default(),
    }
}

fn contest_to_proto(view: ContestView) -> pb::Contest {
    pb::Contest {
        id: view.row.id.to_string(),
        election_id: view.row.election_id.to_string(),
        community_id: view.row.community_id.to_string(),
        street_id: view.row.street_id.to_string(),
        district_id: view.row.district_id.to_string(),
        election_day: clock::format_date(view.row.election_day),
        positions: view
            .positions
            .into_iter()
            .map(|(position, seats)| pb::PositionSeats {
                position,
                seats: u32::try_from(seats).unwrap_or(0),
            })
            .collect(),
        status: view.status.to_owned(),
        community_name: view.row.community_name,
        street_name: view.row.street_name,
        district_code: view.row.district_code.unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl ElectionService for Elections {
    async fn create_election(
        &self,
        request: Request<pb::CreateElectionRequest>,
    ) -> Result<Response<pb::Election>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let district_id = parse_id("district_id", &r.district_id)?;
        let mut f = Fields::default();
        let c = common(
            &mut f,
            &r.title,
            &r.kind,
            &r.mode,
            &r.nomination_opens_on,
            &r.nomination_closes_on,
            &r.clock,
        );
        let method = f.one_of("method", &r.method, METHODS);
        let term_ends_on = if r.term_ends_on.is_empty() {
            None
        } else {
            f.date("term_ends_on", &r.term_ends_on)
        };
        let overrides = crate::rules::parse_overrides(&mut f.0, &r.rules_json);
        f.finish()?;
        let (Some(kind), Some(mode), Some(method), Some(opens), Some(closes)) =
            (c.kind, c.mode, method, c.opens, c.closes)
        else {
            return Err(AppError::bad_request(
                "request.invalid",
                "请求字段无效",
                "A field is invalid",
            )
            .into());
        };
        let (Some(overrides), Some(domain_method)) = (
            overrides,
            crate::names::parse_enum::<juxuan_domain::ElectionMethod>(method),
        ) else {
            return Err(
                AppError::bad_request("rules.invalid", "规则参数无效", "Invalid rules").into(),
            );
        };
        let rules = crate::rules::effective(opens, &overrides, domain_method)?;
        let new = NewElection {
            district_id,
            title: c.title,
            kind,
            mode,
            method,
            opens,
            closes,
            term_ends_on,
            clock: c.clock,
            rules,
            overrides,
        };
        Ok(Response::new(election_to_proto(
            &self.create(&caller, new).await?,
        )))
    }

    async fn get_election(
        &self,
        request: Request<pb::GetElectionRequest>,
    ) -> Result<Response<pb::Election>, Status> {
        let caller = caller(&request)?;
        let id = parse_id("id", &request.get_ref().id)?;
        Ok(Response::new(election_to_proto(
            &self.get(&caller, id).await?,
        )))
    }

    async fn list_elections(
        &self,
        request: Request<pb::ListElectionsRequest>,
    ) -> Result<Response<pb::ListElectionsResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let district_id = parse_id("district_id", &r.district_id)?;
        let page = Page::parse(r.page.as_ref())?;
        let (rows, next_cursor) = self.list(&caller, district_id, page).await?;
        Ok(Response::new(pb::ListElectionsResponse {
            items: rows.iter().map(election_to_proto).collect(),
            next_cursor,
        }))
    }

    async fn advance_clock(
        &self,
        request: Request<pb::AdvanceClockRequest>,
    ) -> Result<Response<pb::Election>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let id = parse_id("id", &r.election_id)?;
        let to = parse(&r.to).ok_or_else(|| {
            AppError::invalid_field(
                "to",
                "request.invalid_instant",
                Text::new(
                    "时间须为带时区的 RFC 3339 格式",
                    "An instant is RFC 3339 with an offset",
                ),
            )
        })?;
        Ok(Response::new(election_to_proto(
            &Elections::advance_clock(self, &caller, id, to).await?,
        )))
    }

    async fn clone_election(
        &self,
        request: Request<pb::CloneElectionRequest>,
    ) -> Result<Response<pb::Election>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let id = parse_id("id", &r.election_id)?;
        let mut f = Fields::default();
        let c = common(
            &mut f,
            &r.title,
            &r.kind,
            &r.mode,
            &r.nomination_opens_on,
            &r.nomination_closes_on,
            "",
        );
        let day = f.date("election_day", &r.election_day);
        f.finish()?;
        let (Some(kind), Some(mode), Some(opens), Some(closes), Some(day)) =
            (c.kind, c.mode, c.opens, c.closes, day)
        else {
            return Err(AppError::bad_request(
                "request.invalid",
                "请求字段无效",
                "A field is invalid",
            )
            .into());
        };
        let new = NewElection {
            district_id: uuid::Uuid::nil(),
            title: c.title,
            kind,
            mode,
            method: "",
            opens,
            closes,
            term_ends_on: None,
            clock: None,
            // Decided against the source's method and overrides by the use case.
            rules: juxuan_domain::RuleProfile::in_force_on(opens),
            overrides: juxuan_domain::ProfileOverrides::default(),
        };
        Ok(Response::new(election_to_proto(
            &self.clone_election(&caller, id, new, day).await?,
        )))
    }

    async fn create_contest(
        &self,
        request: Request<pb::CreateContestRequest>,
    ) -> Result<Response<pb::Contest>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let election_id = parse_id("id", &r.election_id)?;
        let mut f = Fields::default();
        let community_id = r.community_id.parse().ok();
        if community_id.is_none() {
            f.bad(
                "community_id",
                "request.invalid_id",
                "标识符格式无效",
                "Not a valid identifier",
            );
        }
        let day = f.date("election_day", &r.election_day);
        let mut positions: Vec<(String, i32)> = Vec::new();
        if r.positions.is_empty() {
            f.bad(
                "positions",
                "contest.no_positions",
                "至少需要一个职位",
                "At least one position is needed",
            );
        }
        for (i, p) in r.positions.iter().enumerate() {
            let field = format!("positions[{i}]");
            let Some(position) = POSITIONS.iter().find(|x| **x == p.position) else {
                f.bad(
                    &field,
                    "nomination.unknown_position",
                    "职位须为 director、deputy_director 或 member",
                    "A position is director, deputy_director or member",
                );
                continue;
            };
            if positions.iter().any(|(q, _)| q == position) {
                f.bad(
                    &field,
                    "contest.duplicate_position",
                    "职位重复",
                    "The position is listed twice",
                );
            }
            let max = if *position == "director" { 1 } else { 9 };
            if p.seats == 0 || p.seats > max {
                f.bad(
                    &field,
                    "contest.invalid_seats",
                    &format!("席位数须在 1 至 {max} 之间"),
                    &format!("Seats must be between 1 and {max}"),
                );
            }
            positions.push(((*position).to_owned(), i32::try_from(p.seats).unwrap_or(0)));
        }
        f.finish()?;
        let (Some(community_id), Some(election_day)) = (community_id, day) else {
            return Err(AppError::bad_request(
                "request.invalid",
                "请求字段无效",
                "A field is invalid",
            )
            .into());
        };
        positions.sort_by_key(|(p, _)| POSITIONS.iter().position(|x| x == p));
        let view = Elections::create_contest(
            self,
            &caller,
            election_id,
            NewContest {
                community_id,
                election_day,
                positions,
            },
        )
        .await?;
        Ok(Response::new(contest_to_proto(view)))
    }

    async fn get_contest(
        &self,
        request: Request<pb::GetContestRequest>,
    ) -> Result<Response<pb::Contest>, Status> {
        let caller = caller(&request)?;
        let id = parse_id("id", &request.get_ref().id)?;
        Ok(Response::new(contest_to_proto(
            Elections::get_contest(self, &caller, id).await?,
        )))
    }

    async fn list_contests(
        &self,
        request: Request<pb::ListContestsRequest>,
    ) -> Result<Response<pb::ListContestsResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.get_ref();
        let id = parse_id("id", &r.election_id)?;
        let page = Page::parse(r.page.as_ref())?;
        let (views, next_cursor) = Elections::list_contests(self, &caller, id, page).await?;
        Ok(Response::new(pb::ListContestsResponse {
            items: views.into_iter().map(contest_to_proto).collect(),
            next_cursor,
        }))
    }

    async fn get_clock(
        &self,
        request: Request<pb::GetClockRequest>,
    ) -> Result<Response<pb::Clock>, Status> {
        let caller = caller(&request)?;
        let id = parse_id("id", &request.get_ref().election_id)?;
        let (now, drill) = Elections::clock(self, &caller, id).await?;
        Ok(Response::new(pb::Clock {
            now: clock::format(now),
            today: clock::format_date(now.date()),
            drill,
        }))
    }
}
