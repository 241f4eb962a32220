//! Load tool: imports a 50,000-row XLSX register (1% bad rows) through the gateway, twice,
//! and prints the time of each import, the counts and the process's peak memory (the whole
//! stack runs in this process). Run with `cargo xtask bench register`.

use std::time::Instant;

use juxuan_tests::{Stack, XLSX, identity_number};
use serde_json::json;

const ROWS: u32 = 50_000;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn register_xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let headers = [
        "name",
        "id_number",
        "gender",
        "household_no",
        "resident_group",
        "household_rep",
        "resident_rep",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string(0, u16::try_from(c).unwrap_or(0), *h)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    for i in 0..ROWS {
        let row = i + 1;
        // Distinct synthetic people: the birth date and sequence vary with i.
        let birth = format!(
            "19{:02}{:02}{:02}",
            40 + i % 60,
            1 + (i / 60) % 12,
            1 + (i / 720) % 28
        );
        let male = i % 2 == 0;
        let id = if i % 100 == 99 {
            format!("bad-{i}")
        } else {
            identity_number(&birth, i / 20_160, male)
        };
        let cells = [
            format!("居民{i}"),
            id,
            (if male { "男" } else { "女" }).to_owned(),
            format!("{:05}", i / 3),
            String::new(),
            (if i % 3 == 0 { "是" } else { "否" }).to_owned(),
            "否".to_owned(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet
                .write_string(row, u16::try_from(c).unwrap_or(0), v)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    book.save_to_buffer().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::main]
async fn main() {
    let stack = Stack::start().await;
    let a = stack.areas().await;
    let file = register_xlsx();
    println!(
        "register file: {ROWS} rows, {} KiB XLSX; peak RSS before import: {} MiB",
        file.len() / 1024,
        peak_rss_kib() / 1024
    );
    for round in ["first import", "same file again"] {
        let started = Instant::now();
        let r = stack
            .http
            .post(stack.url(&format!(
                "/api/v1/communities/{}/voters:import",
                a.community
            )))
            .bearer_auth(&a.admin)
            .header("content-type", XLSX)
            .body(file.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = r.status();
        let body: serde_json::Value = r.json().await.unwrap_or(json!(null));
        println!(
            "{round}: HTTP {status} in {:.2} s — imported {}, updated {}, rejected {}; peak RSS {} MiB",
            started.elapsed().as_secs_f64(),
            body["imported"],
            body["updated"],
            body["rejected"].as_array().map_or(0, Vec::len),
            peak_rss_kib() / 1024,
        );
    }
    stack.stop().await;
}
