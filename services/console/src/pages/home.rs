//! The home page (what waits for this officer), the elections, and an election's district
//! dashboard: every street and community with its status, late items in red, drills marked.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;
use serde_json::{Value, json};

use super::{failure, id, respond};
use crate::AppState;
use crate::session::Session;
use crate::views;

pub async fn home(State(state): State<AppState>, s: Session) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    // Who this is, the elections, and the three review stages' queues, asked for at once.
    let queue_of = |stage: &'static str| {
        let (api, token) = (state.api.clone(), s.token.clone());
        async move {
            api.get(
                &token,
                lang,
                &format!("/api/v1/review-queue?stage={stage}&limit=1"),
            )
            .await
            .ok()
            .map(|q| (stage, q["count"].as_u64().unwrap_or(0)))
        }
    };
    let (me, elections, community, street, district) = tokio::join!(
        state.api.get(&s.token, lang, "/api/v1/me"),
        state.api.get(&s.token, lang, "/api/v1/elections"),
        queue_of("community"),
        queue_of("street"),
        queue_of("district"),
    );
    let (me, elections) = match (me, elections) {
        (Ok(me), Ok(elections)) => (me, elections),
        (Err(p), _) | (_, Err(p)) => return failure(lang, &p),
    };
    // The review stages this officer may see, with how many nominations wait at each.
    let queue: Vec<(&str, u64)> = [community, street, district]
        .into_iter()
        .flatten()
        .collect();
    // Per election (the first few): polls open now, and results announced but not yet filed
    // with the district, inside this officer's area.
    let mut today = Vec::new();
    for e in elections["items"].as_array().into_iter().flatten().take(5) {
        let id = views::text(&e["id"]);
        let (progress_path, filings_path) = (
            format!("/api/v1/elections/{id}/progress"),
            format!("/api/v1/elections/{id}/filings"),
        );
        let (progress, filings) = tokio::join!(
            state.api.get(&s.token, lang, &progress_path),
            state.api.get(&s.token, lang, &filings_path),
        );
        let Ok(progress) = progress else { continue };
        let filed: Vec<String> = filings
            .ok()
            .and_then(|f| f["items"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter(|f| f["to"] == "district")
            .map(|f| views::text(&f["contest_id"]))
            .collect();
        let contests: Vec<&Value> = progress["streets"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["contests"].as_array().into_iter().flatten())
            .collect();
        let polling = contests.iter().filter(|c| c["status"] == "polling").count();
        let to_file = contests
            .iter()
            .filter(|c| {
                c["status"] == "announced" && !filed.contains(&views::text(&c["contest_id"]))
            })
            .count();
        if polling + to_file > 0 {
            today.push((id, views::text(&e["title"]), polling, to_file));
        }
    }
    let body = html! {
        p {
            (views::text(&me["display_name"])) "（" (lang.role(me["role"].as_str().unwrap_or_default())) "）"
        }
        div.grid {
            section.card {
                h2 { (t("待审查的提名", "Nominations to review")) }
                @if queue.is_empty() { p.muted { (t("无审查权限", "No review stage for this role")) } }
                ul {
                    @for (stage, n) in &queue {
                        li { a href={"/console/review?stage=" (stage)} { (stage_name(lang, stage)) } "：" strong { (n) } }
                    }
                }
            }
            section.card {
                h2 { (t("今日事项", "Today")) }
                @if today.is_empty() { p.muted { (t("没有正在进行的投票或待报送的报告单", "No poll open and no report form to file")) } }
                ul {
                    @for (id, title, polling, to_file) in &today {
                        li {
                            a href={"/console/elections/" (id)} { (title) } "："
                            (t("投票中 ", "polling ")) strong { (polling) }
                            "，" (t("待报送区民政局的报告单 ", "report forms to file ")) strong { (to_file) }
                        }
                    }
                }
            }
            section.card {
                h2 { (t("选举", "Elections")) }
                ul {
                    @for e in elections["items"].as_array().into_iter().flatten() {
                        li {
                            a href={"/console/elections/" (views::text(&e["id"]))} { (views::text(&e["title"])) }
                            @if e["mode"] == "drill" { " " (views::drill(lang)) }
                            " " span.muted { (t("时钟 ", "clock ")) (views::text(&e["clock"])) }
                        }
                    }
                }
            }
        }
    };
    respond(views::page(lang, t("工作台", "Home"), true, body))
}

pub fn stage_name(lang: crate::i18n::Lang, stage: &str) -> &'static str {
    match stage {
        "community" => lang.pick("社区初审", "community review"),
        "street" => lang.pick("街道审核", "street review"),
        _ => lang.pick("区级审定", "district review"),
    }
}

pub async fn elections(State(state): State<AppState>, s: Session) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let elections = match state.api.get(&s.token, lang, "/api/v1/elections").await {
        Ok(e) => e,
        Err(p) => return failure(lang, &p),
    };
    let body = html! {
        p { a href="/console/elections/new" { (t("新建选举（区管理员）", "New election (district admins)")) } }
        table {
            thead { tr { th { (t("选举", "Election")) } th { (t("类型", "Kind")) } th { (t("提名期", "Nominations")) } th { (t("时钟", "Clock")) } } }
            tbody {
                @for e in elections["items"].as_array().into_iter().flatten() {
                    tr {
                        td {
                            a href={"/console/elections/" (views::text(&e["id"]))} { (views::text(&e["title"])) }
                            @if e["mode"] == "drill" { " " (views::drill(lang)) }
                        }
                        td { @if e["kind"] == "by_election" { (t("补选", "by-election")) } @else { (t("换届", "general")) } }
                        td { (views::text(&e["nomination_opens_on"])) " – " (views::text(&e["nomination_closes_on"])) }
                        td { (views::text(&e["clock"])) }
                    }
                }
            }
        }
    };
    respond(views::page(lang, t("选举", "Elections"), true, body))
}

fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// The district dashboard of an election.
pub async fn dashboard(
    State(state): State<AppState>,
    s: Session,
    Path(election): Path<String>,
    axum::extract::Query(query): axum::extract::Query<super::Fields>,
) -> Response {
    let lang = s.lang;
    let t = |zh, en| lang.pick(zh, en);
    let Some(election) = id(&election) else {
        return super::not_found(crate::session::Ui(lang)).await;
    };
    let p = match state
        .api
        .get(
            &s.token,
            lang,
            &format!("/api/v1/elections/{election}/progress"),
        )
        .await
    {
        Ok(p) => p,
        // Just created: the progress read model has not seen the election yet (it lags writes
        // by up to a second). The election itself is there: show it with nothing counted yet.
        Err(problem) if problem.status == 404 => {
            match state
                .api
                .get(&s.token, lang, &format!("/api/v1/elections/{election}"))
                .await
            {
                Ok(e) => json!({"title": e["title"], "drill": e["mode"] == "drill",
                    "today": e["clock"].as_str().map(|c| c.chars().take(10).collect::<String>()),
                    "contests_total": 0, "late_total": 0, "by_status": {}, "streets": []}),
                Err(_) => return failure(lang, &problem),
            }
        }
        Err(problem) => return failure(lang, &problem),
    };
    let title = views::text(&p["title"]);
    // A district admin sets the election up from here.
    let communities = super::setup::communities(&state, &s).await;
    let admin = super::setup::admin_forms(lang, &s, election, p["drill"] == true, &communities);
    let problem = super::query_problem(&query);
    let done = super::field(&query, "done");
    let body = html! {
        @if let Some(p) = &problem { (views::problem(p)) }
        @if !done.is_empty() { (views::done(done)) }
        p {
            @if p["drill"] == true { (views::drill(lang)) " " }
            (t("选举时钟：", "Election clock: ")) (views::text(&p["today"]))
            " · " (t("选举单元 ", "contests ")) strong { (count(&p["contests_total"])) }
            " · " span.late { (t("逾期 ", "late ")) (count(&p["late_total"])) }
            " · " a href={"/console/elections/" (election) "/statistics"} { (t("当选人结构统计", "Statistics of the elected")) }
        }
        p {
            @for (status, n) in p["by_status"].as_object().into_iter().flatten() {
                (views::status(lang, status)) " " (count(n)) "　"
            }
        }
        @for street in p["streets"].as_array().into_iter().flatten() {
            h2 { (views::text(&street["name"])) }
            table {
                thead { tr {
                    th { (t("社区", "Community")) } th { (t("状态", "Status")) } th { (t("选举日", "Election day")) }
                    th.num { (t("有效提名", "Nominations")) } th.num { (t("选民", "Electors")) } th.num { (t("当选", "Elected")) } th { (t("逾期事项", "Late")) }
                } }
                tbody {
                    @for c in street["contests"].as_array().into_iter().flatten() {
                        tr {
                            td { a href={"/console/contests/" (views::text(&c["contest_id"]))} { (views::text(&c["community"])) } }
                            td { (views::status(lang, c["status"].as_str().unwrap_or_default())) }
                            td { (views::text(&c["election_day"])) }
                            td.num { (count(&c["nominations"])) }
                            td.num { (count(&c["electorate"])) }
                            td.num { (count(&c["elected"])) }
                            td {
                                @for late in c["late"].as_array().into_iter().flatten() {
                                    span.late { (lang.late(late.as_str().unwrap_or_default())) } br;
                                }
                            }
                        }
                    }
                }
            }
        }
        p.muted { (t("数据更新于 ", "As of ")) (views::text(&p["as_of"])) (t("（可能滞后约一秒）", " (may lag by about a second)")) }
        (admin)
    };
    respond(views::page(lang, &title, true, body))
}
