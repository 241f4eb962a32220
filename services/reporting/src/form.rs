//! The report form (选举结果报告单) as files: CSV, XLSX and a printable A4 PDF laid out like
//! the paper form — the heading, the counts, every candidate's and write-in's votes per round
//! and position, the elected with their particulars, the ballot paper's fingerprint and the
//! ballots' digest, and signature lines for the chief scrutineer, the scrutineers, the tellers
//! and the chair. A drill's form says 演练 in the title and across the page.

use anyhow::anyhow;
use juxuan_domain::{Education, Position};
use juxuan_print::krilla::Document;
use juxuan_print::krilla::metadata::Metadata;
use juxuan_print::krilla::page::PageSettings;
use juxuan_print::{FontFile, PAGE_H, PAGE_W, Pen, date_zh, drill_watermark, line, rectangle};
use serde_json::Value;

/// The summary of the form: label and field of the report JSON.
pub const SUMMARY: [(&str, &str); 13] = [
    ("区", "district"),
    ("街道", "street"),
    ("社区", "community"),
    ("选举日", "election_day"),
    ("演练", "drill"),
    ("应到（选民数）", "electorate"),
    ("实到（签到）", "checked_in"),
    ("发出选票", "ballots_issued"),
    ("收回选票", "ballots_returned"),
    ("有效票", "valid_ballots"),
    ("无效票", "invalid_ballots"),
    ("选票指纹", "ballot_fingerprint"),
    ("计票摘要", "ballots_digest"),
];

/// Headings of the votes table and of the elected table.
pub const VOTES_HEADER: [&str; 6] = ["轮次", "职位", "姓名", "类别", "得票", "当选"];
pub const ELECTED_HEADER: [&str; 8] = [
    "当选人",
    "职位",
    "得票",
    "性别",
    "年龄",
    "学历",
    "党员",
    "证书编号",
];

/// A JSON value as the text of a cell.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "是".to_owned(),
        Value::Bool(false) => "否".to_owned(),
        other => other.to_string(),
    }
}

fn position_zh(v: &Value) -> String {
    serde_json::from_value::<Position>(v.clone())
        .map(|p| p.name().zh)
        .unwrap_or_else(|_| text(v))
}

fn gender_zh(v: &Value) -> String {
    match v.as_str() {
        Some("male") => "男".to_owned(),
        Some("female") => "女".to_owned(),
        _ => text(v),
    }
}

fn education_zh(v: &Value) -> String {
    serde_json::from_value::<Education>(v.clone())
        .map(|e| e.name().zh)
        .unwrap_or_else(|_| text(v))
}

/// The rows of the votes table: every candidate and write-in per round and position.
pub fn vote_rows(report: &Value) -> Vec<[String; 6]> {
    let mut rows = Vec::new();
    for round in report["rounds"].as_array().into_iter().flatten() {
        for p in round["positions"].as_array().into_iter().flatten() {
            for (kind, list) in [("候选人", &p["candidates"]), ("另选他人", &p["write_ins"])]
            {
                for c in list.as_array().into_iter().flatten() {
                    rows.push([
                        text(&round["round"]),
                        position_zh(&p["position"]),
                        text(&c["name"]),
                        kind.to_owned(),
                        text(&c["votes"]),
                        if c["elected"] == true { "是" } else { "否" }.to_owned(),
                    ]);
                }
            }
        }
    }
    rows
}

/// The rows of the elected table.
pub fn elected_rows(report: &Value) -> Vec<[String; 8]> {
    report["elected"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            [
                text(&e["name"]),
                position_zh(&e["position"]),
                text(&e["votes"]),
                gender_zh(&e["gender"]),
                text(&e["age"]),
                education_zh(&e["education"]),
                text(&e["party_member"]),
                text(&e["certificate_no"]),
            ]
        })
        .collect()
}

/// The form's title.
pub fn title(report: &Value) -> String {
    let drill = if report["drill"] == true {
        "（演练）"
    } else {
        ""
    };
    format!(
        "{}{}居民委员会选举结果报告单{drill}",
        text(&report["street"]),
        text(&report["community"])
    )
}

/// A CSV cell: quoted when it holds a separator, and never read as a formula by a spreadsheet
/// (a write-in is whatever an elector wrote: `=HYPERLINK(…)` stays text).
pub fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn csv_row<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    let line: Vec<String> = cells.iter().map(|c| csv_cell(c.as_ref())).collect();
    out.push_str(&line.join(","));
    out.push('\n');
}

/// The form as CSV (UTF-8 with a byte-order mark, for spreadsheet programs).
pub fn to_csv(report: &Value) -> String {
    let mut out = String::from("\u{feff}");
    csv_row(&mut out, &["项目", "值"]);
    for (label, field) in SUMMARY {
        csv_row(&mut out, &[label.to_owned(), text(&report[field])]);
    }
    out.push('\n');
    csv_row(&mut out, &VOTES_HEADER);
    for row in vote_rows(report) {
        csv_row(&mut out, &row);
    }
    out.push('\n');
    csv_row(&mut out, &ELECTED_HEADER);
    for row in elected_rows(report) {
        csv_row(&mut out, &row);
    }
    out
}

/// The form as an XLSX workbook: one sheet, 报告单, with the same sections as the CSV.
pub fn to_xlsx(report: &Value) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("报告单")?;
    sheet.set_column_width(0, 18)?;
    sheet.set_column_width(1, 16)?;
    sheet.set_column_width(2, 14)?;
    sheet.set_column_width(7, 20)?;
    let mut row: u32 = 0;
    sheet.write_with_format(row, 0, title(report), &bold)?;
    row += 2;
    for (label, field) in SUMMARY {
        sheet.write(row, 0, label)?;
        match &report[field] {
            Value::Number(n) => {
                sheet.write(row, 1, n.as_f64().unwrap_or_default())?;
            }
            other => {
                sheet.write(row, 1, text(other))?;
            }
        }
        row += 1;
    }
    row += 1;
    let mut table = |row: &mut u32, header: &[&str], rows: Vec<Vec<String>>, numeric: &[u16]| {
        for (c, h) in header.iter().enumerate() {
            sheet.write_with_format(*row, u16::try_from(c).unwrap_or(0), *h, &bold)?;
        }
        *row += 1;
        for cells in rows {
            for (c, cell) in cells.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(0);
                match cell.parse::<f64>() {
                    Ok(n) if numeric.contains(&c) => sheet.write(*row, c, n)?,
                    _ => sheet.write(*row, c, cell)?,
                };
            }
            *row += 1;
        }
        *row += 1;
        Ok::<(), rust_xlsxwriter::XlsxError>(())
    };
    let votes = vote_rows(report).into_iter().map(Vec::from).collect();
    table(&mut row, &VOTES_HEADER, votes, &[0, 4])?;
    let elected = elected_rows(report).into_iter().map(Vec::from).collect();
    table(&mut row, &ELECTED_HEADER, elected, &[2, 4])?;
    Ok(book.save_to_buffer()?)
}

const MARGIN: f32 = 50.0;
const RIGHT: f32 = PAGE_W - MARGIN;
const ROW: f32 = 20.0;
const SMALL: f32 = 10.0;
const BODY: f32 = 11.0;
const BOTTOM: f32 = PAGE_H - 60.0;
/// The line height inside a wrapped table cell.
const CELL_LINE: f32 = 13.0;

/// Lays the form out on as many A4 pages as it needs.
struct Layout<'a> {
    document: &'a mut Document,
    font: juxuan_print::krilla::text::Font,
    drill: bool,
    heading: String,
    /// Pages so far, each a list of drawing steps applied at the end.
    pages: Vec<Vec<Step>>,
    y: f32,
}

enum Step {
    Text {
        size: f32,
        x: f32,
        y: f32,
        s: String,
        red: bool,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
    },
    Box {
        edges: (f32, f32, f32, f32),
    },
}

impl Layout<'_> {
    fn page(&mut self) -> &mut Vec<Step> {
        if self.pages.is_empty() {
            self.new_page();
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN + 10.0;
        if self.pages.len() > 1 {
            let s = format!("{}（续）", self.heading);
            self.text(SMALL, MARGIN, s);
            self.y += ROW;
        }
    }

    /// Room for `height` more, or a new page.
    fn need(&mut self, height: f32) {
        if self.pages.is_empty() || self.y + height > BOTTOM {
            self.new_page();
        }
    }

    fn text(&mut self, size: f32, x: f32, s: String) {
        let y = self.y;
        self.page().push(Step::Text {
            size,
            x,
            y,
            s,
            red: false,
        });
    }

    fn red(&mut self, size: f32, x: f32, s: String) {
        let y = self.y;
        self.page().push(Step::Text {
            size,
            x,
            y,
            s,
            red: true,
        });
    }

    fn rule(&mut self, from: (f32, f32), to: (f32, f32), width: f32) {
        self.page().push(Step::Line { from, to, width });
    }

    /// A ruled table: a heading row, then the rows; columns start at `xs`.
    fn table<const N: usize>(&mut self, xs: [f32; N], header: [&str; N], rows: &[[String; N]]) {
        self.need(2.0 * ROW);
        let top = self.y - 14.0;
        self.rule((MARGIN, top), (RIGHT, top), 0.8);
        for (x, h) in xs.iter().zip(header) {
            self.text(SMALL, *x, h.to_owned());
        }
        self.y += 6.0;
        self.rule((MARGIN, self.y), (RIGHT, self.y), 0.5);
        self.y += ROW - 6.0;
        // A cell wider than its column wraps onto more lines (a write-in may be 50 characters).
        let widths: Vec<f32> = (0..N)
            .map(|i| xs.get(i + 1).copied().unwrap_or(RIGHT) - xs[i] - 4.0)
            .collect();
        for cells in rows {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .zip(&widths)
                .map(|(cell, width)| juxuan_print::wrap(cell, SMALL, *width, *width))
                .collect();
            let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let extra = (lines - 1) as f32 * CELL_LINE;
            self.need(ROW + extra);
            let top = self.y;
            for (x, cell_lines) in xs.iter().zip(&wrapped) {
                for (k, line) in cell_lines.iter().enumerate() {
                    self.y = top + k as f32 * CELL_LINE;
                    self.text(SMALL, *x, line.clone());
                }
            }
            self.y = top + extra + 6.0;
            self.rule((MARGIN, self.y), (RIGHT, self.y), 0.2);
            self.y += ROW - 6.0;
        }
        self.y += ROW / 2.0;
    }

    fn finish(self) -> anyhow::Result<()> {
        let settings =
            PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| anyhow!("invalid A4 page size"))?;
        let count = self.pages.len();
        for (i, steps) in self.pages.into_iter().enumerate() {
            let mut page = self.document.start_page_with(settings.clone());
            let mut surface = page.surface();
            if self.drill {
                drill_watermark(&mut surface, &self.font);
            }
            rectangle(
                &mut surface,
                (30.0, 30.0, PAGE_W - 30.0, PAGE_H - 30.0),
                (0, 0, 0),
                0.8,
            )?;
            for step in steps {
                match step {
                    Step::Text { size, x, y, s, red } => {
                        let mut pen = Pen {
                            surface: &mut surface,
                            font: self.font.clone(),
                        };
                        if red {
                            pen.colour(200, 0, 0);
                        } else {
                            pen.colour(0, 0, 0);
                        }
                        pen.at(size, x, y, &s);
                    }
                    Step::Line { from, to, width } => line(&mut surface, from, to, width)?,
                    Step::Box { edges } => rectangle(&mut surface, edges, (0, 0, 0), 0.8)?,
                }
            }
            let mut pen = Pen {
                surface: &mut surface,
                font: self.font.clone(),
            };
            pen.colour(0, 0, 0);
            pen.centred(
                SMALL,
                PAGE_H - 40.0,
                &format!("第 {} 页，共 {count} 页", i + 1),
            );
            surface.finish();
            page.finish();
        }
        Ok(())
    }
}

/// The form as a printable A4 PDF in Chinese.
pub fn to_pdf(font: &FontFile, report: &Value) -> anyhow::Result<Vec<u8>> {
    let drill = report["drill"] == true;
    let heading = title(report);
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(heading.clone())
            .language("zh-CN".to_owned()),
    );
    let mut layout = Layout {
        document: &mut document,
        font: font.pdf_font()?,
        drill,
        heading: heading.clone(),
        pages: Vec::new(),
        y: 0.0,
    };
    layout.need(0.0);
    layout.y += 20.0;
    let size = 18.0;
    let x = (PAGE_W - juxuan_print::text_width(&heading, size)) / 2.0;
    layout.text(size, x.max(MARGIN), heading);
    layout.y += 28.0;
    if drill {
        layout.red(BODY, MARGIN, "演练，不具法律效力".to_owned());
        layout.y += ROW;
    }
    let day = report["election_day"]
        .as_str()
        .and_then(|d| {
            time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()
        })
        .map(date_zh)
        .unwrap_or_default();
    layout.text(
        BODY,
        MARGIN,
        format!(
            "区：{}　街道：{}　社区：{}　选举日：{day}",
            text(&report["district"]),
            text(&report["street"]),
            text(&report["community"])
        ),
    );
    layout.y += ROW * 1.5;

    // The counts, as the paper form's two-row grid.
    let counts = &SUMMARY[5..11];
    let width = (RIGHT - MARGIN) / counts.len() as f32;
    let top = layout.y - 14.0;
    layout.page().push(Step::Box {
        edges: (MARGIN, top, RIGHT, top + 2.0 * ROW + 4.0),
    });
    for (i, (label, field)) in counts.iter().enumerate() {
        let x = MARGIN + width * i as f32 + 4.0;
        layout.text(SMALL, x, (*label).to_owned());
        layout.y += ROW;
        layout.text(BODY, x, text(&report[*field]));
        layout.y -= ROW;
        if i > 0 {
            let x = MARGIN + width * i as f32;
            layout.rule((x, top), (x, top + 2.0 * ROW + 4.0), 0.5);
        }
    }
    layout.rule((MARGIN, top + ROW), (RIGHT, top + ROW), 0.5);
    layout.y += 2.0 * ROW + 10.0;

    layout.need(ROW * 3.0);
    layout.text(BODY, MARGIN, "一、各轮得票".to_owned());
    layout.y += ROW;
    let votes = vote_rows(report);
    layout.table(
        [MARGIN + 4.0, 100.0, 170.0, 300.0, 380.0, 450.0],
        VOTES_HEADER,
        &votes,
    );

    layout.need(ROW * 3.0);
    layout.text(BODY, MARGIN, "二、当选人".to_owned());
    layout.y += ROW;
    let elected = elected_rows(report);
    layout.table(
        [
            MARGIN + 4.0,
            120.0,
            180.0,
            230.0,
            270.0,
            310.0,
            380.0,
            420.0,
        ],
        ELECTED_HEADER,
        &elected,
    );

    layout.need(ROW * 3.0);
    for (label, field) in &SUMMARY[11..] {
        layout.text(SMALL, MARGIN, format!("{label}：{}", text(&report[*field])));
        layout.y += ROW;
    }
    layout.y += ROW;

    // Signature lines, with the recorded staff's names printed beside them.
    let staff = &report["staff"];
    let names = |v: &Value| -> String {
        match v {
            Value::Array(list) => list
                .iter()
                .map(|m| text(&m["name"]))
                .collect::<Vec<_>>()
                .join("、"),
            Value::Object(_) => text(&v["name"]),
            _ => String::new(),
        }
    };
    let lines = [
        ("总监票人", names(&staff["chief_scrutineer"])),
        ("监票人", names(&staff["scrutineers"])),
        ("计票人", names(&staff["tellers"])),
        ("选举委员会主任", names(&staff["chair"])),
    ];
    layout.need(ROW * 2.0 * lines.len() as f32 + ROW);
    for (label, who) in lines {
        layout.text(BODY, MARGIN, format!("{label}（签字）："));
        // The lines start in one column, after the longest label (选举委员会主任（签字）：).
        let x = MARGIN + 13.0 * BODY;
        layout.rule((x, layout.y + 3.0), (x + 160.0, layout.y + 3.0), 0.6);
        if !who.is_empty() {
            layout.text(SMALL, x + 170.0, format!("（{who}）"));
        }
        layout.y += ROW * 1.6;
    }
    layout.text(BODY, RIGHT - 12.0 * BODY, "年　　月　　日".to_owned());
    layout.finish()?;
    document
        .finish()
        .map_err(|e| anyhow!("writing the report form PDF failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report() -> Value {
        json!({
            "district": "示例区", "street": "城南街道", "community": "东苑社区", "election_day": "2024-05-24",
            "drill": true, "electorate": 13, "checked_in": 12, "ballots_issued": 12, "ballots_returned": 12,
            "valid_ballots": 11, "invalid_ballots": 1, "ballot_fingerprint": "sha256:ab", "ballots_digest": "sha256:cd",
            "rounds": [{"round": 1, "positions": [{"position": "director",
                "candidates": [{"name": "甲一", "votes": 9, "elected": true}],
                "write_ins": [{"name": "王, \"五\"", "votes": 1, "elected": false}]}]}],
            "elected": [{"name": "甲一", "position": "director", "votes": 9, "gender": "female", "age": 41,
                "education": "bachelor", "party_member": true, "certificate_no": "2024-220102-0001"}],
            "staff": {"chair": {"name": "丙一"}, "scrutineers": [{"name": "丙二"}, {"name": "丙三"}]},
        })
    }

    #[test]
    fn r_report_csv_quotes_names_and_speaks_chinese() {
        let csv = to_csv(&report());
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("1,主任,甲一,候选人,9,是\n"), "{csv}");
        assert!(
            csv.contains("1,主任,\"王, \"\"五\"\"\",另选他人,1,否\n"),
            "{csv}"
        );
        assert!(
            csv.contains("甲一,主任,9,女,41,大学本科,是,2024-220102-0001\n"),
            "{csv}"
        );
    }

    #[test]
    fn r_report_xlsx_is_a_workbook_and_pdf_is_a_pdf() -> anyhow::Result<()> {
        let xlsx = to_xlsx(&report())?;
        assert!(xlsx.starts_with(b"PK"), "an XLSX is a zip");
        let font = juxuan_print::test_font()?;
        let pdf = to_pdf(&font, &report())?;
        // To look at it: JUXUAN_REPORT_OUT=/tmp/report.pdf cargo test -p juxuan-reporting form
        if let Ok(out) = std::env::var("JUXUAN_REPORT_OUT") {
            std::fs::write(out, &pdf)?;
        }
        assert!(pdf.starts_with(b"%PDF"));
        Ok(())
    }

    #[test]
    fn r_report_a_long_write_in_wraps_inside_its_cell() -> anyhow::Result<()> {
        let mut long = report();
        let name = "王".repeat(40);
        long["rounds"][0]["positions"][0]["write_ins"][0]["name"] = json!(name);
        let font = juxuan_print::test_font()?;
        let pdf = to_pdf(&font, &long)?;
        let path = std::env::temp_dir().join(format!("juxuan-wrap-{}.pdf", uuid::Uuid::new_v4()));
        std::fs::write(&path, &pdf)?;
        let out = std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()?;
        std::fs::remove_file(&path)?;
        let text: String = String::from_utf8_lossy(&out.stdout)
            .chars()
            .filter(|c| *c == '王')
            .collect();
        assert_eq!(
            text.chars().count(),
            40,
            "every character of the write-in is printed"
        );
        Ok(())
    }

    #[test]
    fn r_report_a_long_form_runs_onto_more_pages() -> anyhow::Result<()> {
        let mut long = report();
        let many: Vec<Value> = (0..120)
            .map(|i| json!({"name": format!("乙{i}"), "votes": i, "elected": false}))
            .collect();
        long["rounds"][0]["positions"][0]["write_ins"] = Value::Array(many);
        let font = juxuan_print::test_font()?;
        let short = to_pdf(&font, &report())?;
        let pdf = to_pdf(&font, &long)?;
        let pages = |pdf: &[u8]| -> anyhow::Result<u32> {
            let path =
                std::env::temp_dir().join(format!("juxuan-form-{}.pdf", uuid::Uuid::new_v4()));
            std::fs::write(&path, pdf)?;
            let out = std::process::Command::new("pdfinfo").arg(&path).output()?;
            std::fs::remove_file(&path)?;
            let info = String::from_utf8_lossy(&out.stdout).into_owned();
            info.lines()
                .find_map(|l| l.strip_prefix("Pages:"))
                .and_then(|n| n.trim().parse().ok())
                .ok_or_else(|| anyhow!("pdfinfo (poppler-utils) gave no page count: {info}"))
        };
        let (long_pages, short_pages) = (pages(&pdf)?, pages(&short)?);
        assert_eq!(short_pages, 1);
        assert!(long_pages > 1, "{long_pages} pages");
        Ok(())
    }
}
