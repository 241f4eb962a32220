//! The officers' console end to end in a real headless Chromium, through a whole drill
//! by-election: the district admin signs in (a wrong password first) and sets the drill up
//! with its contest; the community officer uploads the register (a bad line is listed) and
//! takes nominations from it (too few nominators first: the API's words beside the form); the
//! community, street and district officers review; the community publishes the electorate and
//! the candidates; the admin moves the drill's clock to election day; the officer opens a paper
//! poll (too early first), checks electors in by name, a teller enters the paper ballots from
//! the keyboard, the officer closes the poll, reads the tally, announces, previews and files the
//! report form (filing it twice shows the API's message), and the structure of the elected is
//! drawn. Screenshots of the key screens go to `target/juxuan/screenshots/console-drill/`.

use std::time::{Duration, Instant};

use juxuan_platform::shutdown;
use juxuan_tests::browser::Browser;

/// Reloads `url` until its text contains `needle`.
async fn reload_until(b: &Browser, url: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        b.goto(url).await;
        let text = b.text("body").await;
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "“{needle}” never on {url}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn sign_in(b: &Browser, base: &str, username: &str, password: &str) {
    b.goto(&format!("{base}/console/login")).await;
    b.type_into("#username", username).await;
    b.type_into("#password", &format!("{password}\n")).await;
    b.wait_for_text("工作台").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whole_drill_by_election_through_the_console_in_a_real_browser() {
    use juxuan_tests::fixtures::{REGISTER, id_of};
    let stack = juxuan_tests::Stack::start().await;
    let a = stack.areas().await;
    for (username, role, area) in [
        ("nanling.officer", "community_officer", &a.community),
        ("chengnan.street", "street_officer", &a.street),
        ("district.reviewer", "district_reviewer", &a.district),
        ("venue.teller", "teller", &a.community),
    ] {
        stack.officer(&a.admin, username, role, area).await;
    }
    let console = juxuan_console::App::build(juxuan_console::Settings {
        addr: "127.0.0.1:0".parse().expect("addr"),
        gateway_url: stack.base.clone(),
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
    b.type_into("#username", juxuan_tests::ADMIN).await;
    b.type_into("#password", "wrong\n").await;
    b.wait_for_text("用户名或密码不正确").await;
    b.type_into("#password", &format!("{}\n", juxuan_tests::ADMIN_PASSWORD))
        .await;
    b.wait_for_text("工作台").await;
    b.screenshot("home").await;

    // The district admin creates a drill by-election and the community's contest.
    b.goto(&format!("{base}/console/elections/new")).await;
    b.type_into("#title", "城南街道补选（演练）").await;
    b.click("#kind option[value='by_election']").await;
    b.click("#mode option[value='drill']").await;
    b.set_value("#opens", "2024-05-14").await;
    b.set_value("#closes", "2024-05-17").await;
    b.set_value("#clock", "2024-05-15T09:00").await;
    b.click("form[action='/console/elections'] button").await;
    b.wait_for_text("选举已创建").await;
    let election_url = b.url().await.split('?').next().expect("url").to_owned();
    b.click("details.card summary").await;
    b.click(&format!("#community option[value='{}']", a.community))
        .await;
    b.set_value("#day", "2024-05-24").await;
    b.click("form[action$='/contests'] button").await;
    let dashboard = b.wait_for_text("已增加选举单元").await;
    assert!(dashboard.contains("演练"), "{dashboard}");
    b.screenshot("set-up").await;

    // The community officer uploads the register: thirteen voters and one bad line.
    sign_in(&b, &base, "nanling.officer", "officer-password").await;
    let mut csv = String::from("name,id_number,household_rep,resident_rep\n");
    for (i, (name, birth, household, rep)) in REGISTER.iter().enumerate() {
        let seq = u32::try_from(i).expect("small") + 1;
        csv.push_str(&format!("{name},{},{household},{rep}\n", id_of(birth, seq)));
    }
    csv.push_str("坏行,110101199001011234,false,false\n");
    let file = std::env::temp_dir().join(format!("register-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&file, csv).expect("csv");
    b.goto(&format!(
        "{base}/console/communities/{}/register",
        a.community
    ))
    .await;
    b.type_into("#file", file.to_str().expect("path")).await;
    b.click("form[data-upload] button").await;
    let imported = b.wait_for_text("未导入的行").await;
    assert!(imported.contains("新增 13"), "{imported}");
    b.screenshot("register").await;
    std::fs::remove_file(&file).expect("remove");

    // Nominations from the register: too few nominators first (the API's words, 422).
    let (_, voters) = stack
        .get(
            &format!("/api/v1/communities/{}/voters?limit=500", a.community),
            Some(&a.admin),
        )
        .await;
    let voter = |name: &str| {
        voters["items"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["name"] == name))
            .and_then(|v| v["id"].as_str())
            .expect("voter")
            .to_owned()
    };
    b.goto(&election_url).await;
    b.click("a[href^='/console/contests/']").await;
    let contest_url = b.url().await.split('?').next().expect("url").to_owned();
    b.goto(&format!("{contest_url}/nominate")).await;
    b.click(&format!(
        "input[name='nominator'][value='{}']",
        voter("甲一")
    ))
    .await;
    b.click(&format!("input[name='nominee'][value='{}']", voter("甲九")))
        .await;
    b.click("button[value='submit']").await;
    b.find("div.problem").await;
    let refused = b.text("div.problem").await;
    assert!(!refused.is_empty(), "the API's refusal is shown");
    b.screenshot("nomination-refused").await;
    // Eligibility check by check before submitting: nothing is recorded.
    b.goto(&format!("{contest_url}/nominate")).await;
    for nominator in [
        "甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八", "甲九", "甲十",
    ] {
        b.click(&format!(
            "input[name='nominator'][value='{}']",
            voter(nominator)
        ))
        .await;
    }
    b.click(&format!(
        "input[name='nominee'][value='{}']",
        voter("五十六")
    ))
    .await;
    b.click("button[value='check']").await;
    let checked = b.wait_for_text("资格检查结果").await;
    assert!(
        checked.contains("不符合资格条件"),
        "五十六 is too old on election day: {checked}"
    );
    b.screenshot("eligibility-check").await;
    for (position, name) in [
        ("director", "甲九"),
        ("director", "甲十"),
        ("member", "甲六"),
        ("member", "甲七"),
        ("member", "甲八"),
    ] {
        b.goto(&format!("{contest_url}/nominate")).await;
        b.click(&format!("#position option[value='{position}']"))
            .await;
        for nominator in [
            "甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八", "甲九", "甲十",
        ] {
            b.click(&format!(
                "input[name='nominator'][value='{}']",
                voter(nominator)
            ))
            .await;
        }
        b.click(&format!("input[name='nominee'][value='{}']", voter(name)))
            .await;
        b.click("#education option[value='bachelor']").await;
        b.click("input[name='full_time_degree']").await;
        b.click("input[name='party_member']").await;
        b.set_value("#months", "30").await;
        b.click("button[value='submit']").await;
        b.wait_for_text("提名已提交").await;
    }
    b.screenshot("nominations").await;

    // Three reviews, each stage by its own officer.
    for (user, stage) in [
        ("nanling.officer", "community"),
        ("chengnan.street", "street"),
        ("district.reviewer", "district"),
    ] {
        sign_in(&b, &base, user, "officer-password").await;
        let queue = format!("{base}/console/review?stage={stage}");
        reload_until(&b, &queue, "等待审查：5").await;
        for left in (0..5).rev() {
            b.click("button[value='approve']").await;
            b.wait_for_text(&format!("等待审查：{left}")).await;
        }
    }

    // The community publishes the electorate and the list of candidates.
    sign_in(&b, &base, "nanling.officer", "officer-password").await;
    b.goto(&contest_url).await;
    b.click("form[action$='/electorate'] button").await;
    b.wait_for_text("选民名单已公布").await;
    reload_until(&b, &contest_url, "公布正式候选人名单").await;
    b.click("form[action$='/candidates'] button").await;
    let published = b.wait_for_text("正式候选人名单已公布").await;
    for name in ["甲九", "甲十", "甲六", "甲七", "甲八"] {
        assert!(published.contains(name), "{name}: {published}");
    }
    b.screenshot("candidates").await;

    let id_of_url = |url: &str| url.rsplit('/').next().expect("id").to_owned();
    let (contest, election) = (id_of_url(&contest_url), id_of_url(&election_url));
    let (_, candidates) = stack
        .get(
            &format!("/api/v1/contests/{contest}/candidates"),
            Some(&a.admin),
        )
        .await;
    let candidate = |name: &str| {
        candidates["items"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["name"] == name))
            .and_then(|c| c["candidate_id"].as_str())
            .expect("candidate")
            .to_owned()
    };

    // Election day, as the community officer.
    // The district dashboard, the drill marked 演练, the community's contest.
    b.goto(&page("/")).await;
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
    // The district admin moves the drill's clock to election day, on the dashboard.
    sign_in(&b, &base, juxuan_tests::ADMIN, juxuan_tests::ADMIN_PASSWORD).await;
    b.goto(&election_url).await;
    b.set_value("#to", "2024-05-24T08:00").await;
    b.click("form[action$='/clock'] button").await;
    b.wait_for_text("演练时钟已前进").await;
    sign_in(&b, &base, "nanling.officer", "officer-password").await;
    b.goto(&contest_url).await;
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
        // The last one by identity number, the others by name.
        let search = if name == "甲八" {
            id_of("19800108", 8)
        } else {
            name.to_owned()
        };
        b.type_into("#q", &format!("{search}\n")).await;
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
    let (d9, m6, m7) = (candidate("甲九"), candidate("甲六"), candidate("甲七"));
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
    // The last ballot taken back (a teller's slip) and entered again: the count holds.
    b.click("form[action$='/paper/undo'] button").await;
    b.wait_for_text("已撤销刚录入的选票").await;
    b.click(&format!("input[value='{d9}']")).await;
    b.click(&format!("input[value='{m6}']")).await;
    b.type_into("input[name='w:member']", "王五\n").await;
    b.wait_for_text("已录入").await;
    b.screenshot("paper-entry").await;

    // The officer closes and reads the tally, then announces.
    b.click("form.inline button").await;
    b.type_into("#username", "nanling.officer").await;
    b.type_into("#password", "officer-password\n").await;
    b.wait_for_text("工作台").await;
    b.goto(&poll_url).await;
    b.click("form[action$='/close'] button").await;
    let tally = b.wait_for_text("计票结果").await;
    assert!(tally.contains("当选所需票数"), "{tally}");
    b.screenshot("tally").await;
    b.click("form[action$='/announce'] button").await;
    b.wait_for_text("选举结果已宣布").await;
    b.screenshot("result").await;

    // The report form, once the projection has the announcement; filing; filing again is
    // refused with the API's own words.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        b.goto(&page(&format!("/contests/{}/report", contest)))
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
    b.goto(&page(&format!("/elections/{}/statistics", election)))
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
        format!("/elections/{}", election),
        format!("/contests/{}", contest),
        poll_url
            .trim_start_matches(&format!("{base}/console"))
            .to_owned(),
        format!("/contests/{}/report", contest),
        format!("/elections/{}/statistics", election),
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
