//! The officers' console end to end in a real headless Chromium: a community officer signs
//! in, finds the drill on the district dashboard, opens a paper poll on election day, checks
//! electors in by name, a teller enters the paper ballots from the keyboard, the officer closes
//! the poll, reads the tally, announces, previews and files the report form (and sees the
//! API's own message when filing it twice), and the structure of the elected is drawn.
//! Screenshots of the key screens go to `target/juxuan/screenshots/console-drill/`.

use std::time::{Duration, Instant};

use juxuan_platform::shutdown;
use juxuan_tests::browser::Browser;
use juxuan_tests::fixtures::{NOMINEES, Setup};

#[tokio::test(flavor = "multi_thread")]
async fn a_drill_election_day_through_the_console_in_a_real_browser() {
    let v = Setup::start().await.venue(NOMINEES).await;
    let s = &v.s;
    let console = juxuan_console::App::build(juxuan_console::Settings {
        addr: "127.0.0.1:0".parse().expect("addr"),
        gateway_url: s.stack.base.clone(),
        secure_cookies: false,
        otlp_endpoint: None,
    })
    .await
    .expect("console");
    let base = format!("http://{}", console.addr().expect("addr"));
    let (trigger, stop) = shutdown::channel();
    let served = tokio::spawn(console.run_until_stopped(stop));
    let b = Browser::start("console-drill").await;
    let page = |path: &str| format!("{base}/console{path}");

    // Sign in: a wrong password shows the reason on the form, the right one the home page.
    b.goto(&page("/")).await;
    b.type_into("#username", "nanling.officer").await;
    b.type_into("#password", "wrong\n").await;
    b.wait_for_text("用户名或密码不正确").await;
    b.type_into("#password", "officer-password\n").await;
    b.wait_for_text("工作台").await;
    b.screenshot("home").await;

    // The district dashboard, the drill marked 演练, the community's contest.
    b.click("main section.card a[href^='/console/elections/']")
        .await;
    let dashboard = b.wait_for_text("南岭社区").await;
    assert!(dashboard.contains("演练"), "{dashboard}");
    b.screenshot("dashboard").await;
    b.click("a[href^='/console/contests/']").await;
    b.wait_for_text("正式候选人").await;

    // Too early: the API's reason is on the page, not an error.
    b.click("form[action$='/polls'] button").await;
    b.wait_for_text("投票只在选举日").await;
    s.advance("2024-05-24T08:00:00+08:00").await;
    b.goto(&page(&format!("/contests/{}", s.contest))).await;
    b.click("form[action$='/polls'] button").await;
    b.wait_for_text("投票已开始").await;
    let poll_url = b
        .url()
        .await
        .split('?')
        .next()
        .expect("poll url")
        .to_owned();

    // Check-in by name: a large confirmation each time, turnout rising.
    // Eight of the twelve electors: more than half, so the round counts (R-QUORUM).
    for name in [
        "甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八",
    ] {
        b.type_into("#q", &format!("{name}\n")).await;
        b.click("form[action$='/checkin'] button").await;
        let text = b.wait_for_text("已签到").await;
        assert!(text.contains(name), "{text}");
    }
    b.screenshot("check-in").await;
    // Twice is refused with the API's message.
    b.type_into("#q", "甲一\n").await;
    b.click("form[action$='/checkin'] button").await;
    b.wait_for_text("该选民本轮已签到").await;

    // The teller enters eight paper ballots, one per Enter: 甲九 director and 甲六, 甲七
    // members, the last ballot with a write-in for 王五 instead of 甲七.
    b.click("form.inline button").await;
    b.wait_for_text("登录").await;
    b.type_into("#username", "venue.teller").await;
    b.type_into("#password", "officer-password\n").await;
    b.wait_for_text("工作台").await;
    b.goto(&format!("{poll_url}/paper")).await;
    let (d9, m6, m7) = (
        v.candidate("甲九"),
        v.candidate("甲六"),
        v.candidate("甲七"),
    );
    for i in 0..8 {
        b.wait_for_text("录入这张选票").await;
        b.click(&format!("input[value='{d9}']")).await;
        b.click(&format!("input[value='{m6}']")).await;
        if i < 7 {
            b.click(&format!("input[value='{m7}']")).await;
            b.type_into("input[name='w:member']", "\n").await;
        } else {
            b.type_into("input[name='w:member']", "王五\n").await;
        }
        b.wait_for_text("已录入").await;
    }
    b.screenshot("paper-entry").await;

    // The officer closes and reads the tally, then announces.
    b.click("form.inline button").await;
    b.type_into("#username", "nanling.officer").await;
    b.type_into("#password", "officer-password\n").await;
    b.wait_for_text("工作台").await;
    b.goto(&poll_url).await;
    b.click("form[action$='/close'] button").await;
    let tally = b.wait_for_text("计票结果").await;
    assert!(tally.contains("过半数"), "{tally}");
    b.screenshot("tally").await;
    b.click("form[action$='/announce'] button").await;
    b.wait_for_text("选举结果已宣布").await;
    b.screenshot("result").await;

    // The report form, once the projection has the announcement; filing; filing again is
    // refused with the API's own words.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        b.goto(&page(&format!("/contests/{}/report", s.contest)))
            .await;
        if b.text("body").await.contains("收回选票") {
            break;
        }
        assert!(Instant::now() < deadline, "no report form");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    b.screenshot("report").await;
    b.click("form[action$='/file'] button").await;
    b.wait_for_text("已报送备案").await;
    b.click("form[action$='/file'] button").await;
    b.wait_for_text("已备案").await;

    // The structure of the elected, drawn as SVG on the server.
    b.goto(&page(&format!("/elections/{}/statistics", s.election)))
        .await;
    b.find("figure.chart svg").await;
    b.wait_for_text("年龄结构").await;
    b.screenshot("statistics").await;

    // How long pages take, server side on this machine (console → gateway → services): each
    // page 20 times with the browser's session, outside the browser.
    let cookie = b.cookie_header().await;
    let http = reqwest::Client::new();
    for path in [
        "/".to_owned(),
        format!("/elections/{}", s.election),
        format!("/contests/{}", s.contest),
        poll_url
            .trim_start_matches(&format!("{base}/console"))
            .to_owned(),
        format!("/contests/{}/report", s.contest),
        format!("/elections/{}/statistics", s.election),
    ] {
        let mut times = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            let r = http
                .get(page(&path))
                .header("cookie", &cookie)
                .send()
                .await
                .expect("page");
            assert_eq!(r.status(), reqwest::StatusCode::OK, "{path}");
            r.bytes().await.expect("body");
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "console page {path}: p50 {:.1} ms, max {:.1} ms",
            times[10].as_secs_f64() * 1000.0,
            times[19].as_secs_f64() * 1000.0
        );
    }

    // English on request.
    b.click("a[hreflang='en']").await;
    b.wait_for_text("Age bands").await;

    b.quit().await;
    trigger.fire();
    served.await.expect("console task").expect("console stops");
}
