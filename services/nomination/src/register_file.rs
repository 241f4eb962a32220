//! Reading a register file (CSV or XLSX) into raw lines with their line numbers.
//!
//! Columns are found by their header, in English as API.md names them or in the Chinese
//! officers' sheets use: `name`/姓名, `id_number`/身份证号, `gender`/性别,
//! `household_no`/户号, `resident_group`/居民小组, `household_rep`/户代表,
//! `resident_rep`/居民代表. The CSV is read as a stream; an XLSX sheet (the first) is read
//! whole, bounded by the upload limit.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

pub const CSV: &str = "text/csv";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One line of the file, its fields as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawLine {
    pub line: u32,
    pub name: String,
    pub id_number: String,
    pub gender: String,
    pub household_no: String,
    pub resident_group: String,
    pub household_rep: String,
    pub resident_rep: String,
}

/// Why a whole file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// A required column is missing from the header.
    MissingColumn(&'static str),
    Unreadable(String),
}

/// A line that could not be read at all (broken quoting, bad UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub line: u32,
    pub reason: String,
}

const COLUMNS: [(&str, &str); 7] = [
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("gender", "性别"),
    ("household_no", "户号"),
    ("resident_group", "居民小组"),
    ("household_rep", "户代表"),
    ("resident_rep", "居民代表"),
];

/// Column positions by `COLUMNS` order.
struct Layout([Option<usize>; 7]);

impl Layout {
    fn from_header<'a>(header: impl Iterator<Item = &'a str>) -> Result<Self, FileError> {
        let names: Vec<String> = header
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let mut positions = [None; 7];
        for (i, (en, zh)) in COLUMNS.iter().enumerate() {
            positions[i] = names.iter().position(|n| n == en || n == zh);
        }
        for required in [0, 1] {
            if positions[required].is_none() {
                return Err(FileError::MissingColumn(COLUMNS[required].0));
            }
        }
        Ok(Self(positions))
    }

    fn line<'a>(&self, line: u32, field: impl Fn(usize) -> Option<&'a str>) -> RawLine {
        let get = |i: usize| self.0[i].and_then(&field).unwrap_or("").trim().to_owned();
        RawLine {
            line,
            name: get(0),
            id_number: get(1),
            gender: get(2),
            household_no: get(3),
            resident_group: get(4),
            household_rep: get(5),
            resident_rep: get(6),
        }
    }
}

/// Calls `each` for every non-empty line (or unreadable line) of a CSV file.
pub fn read_csv(
    bytes: &[u8],
    mut each: impl FnMut(Result<RawLine, Unreadable>),
) -> Result<(), FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let layout = Layout::from_header(
        reader
            .headers()
            .map_err(|e| FileError::Unreadable(e.to_string()))?
            .iter(),
    )?;
    let mut record = csv::StringRecord::new();
    let mut lines = crate::csv_lines::LineCounter::new(bytes);
    loop {
        let line = lines.line_at(reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let line = record.position().map_or(line, |p| lines.line_at(p.byte()));
                each(Ok(layout.line(line, |i| record.get(i))));
            }
            Err(e) => {
                each(Err(Unreadable {
                    line,
                    reason: e.to_string(),
                }));
                // A broken record leaves the reader at an unknown place; stop here.
                return Ok(());
            }
        }
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Identity numbers typed as numbers lose nothing below 2^53, but 18 digits do; a
        // float cell that is integral is printed without a fraction.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Calls `each` for every non-empty row of the first sheet of an XLSX file.
pub fn read_xlsx(
    bytes: &[u8],
    mut each: impl FnMut(Result<RawLine, Unreadable>),
) -> Result<(), FileError> {
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| FileError::Unreadable(e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| FileError::Unreadable("the workbook has no sheet".into()))?
        .map_err(|e| FileError::Unreadable(e.to_string()))?;
    let start_row = range.start().map_or(0, |(r, _)| r);
    let start_col = usize::try_from(range.start().map_or(0, |(_, c)| c)).unwrap_or(0);
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(FileError::MissingColumn("name"));
    };
    let header: Vec<String> = header.iter().map(cell_text).collect();
    // Columns before the range's first column are empty; keep positions absolute.
    let padded: Vec<&str> = std::iter::repeat_n("", start_col)
        .chain(header.iter().map(String::as_str))
        .collect();
    let layout = Layout::from_header(padded.into_iter())?;
    for (i, row) in rows.enumerate() {
        let texts: Vec<String> = std::iter::repeat_n(String::new(), start_col)
            .chain(row.iter().map(cell_text))
            .collect();
        if texts.iter().all(|t| t.trim().is_empty()) {
            continue;
        }
        // Sheet rows are 1-based; the header is the range's first row.
        let line = start_row + 2 + u32::try_from(i).unwrap_or(u32::MAX - start_row - 2);
        each(Ok(layout.line(line, |c| texts.get(c).map(String::as_str))));
    }
    Ok(())
}

/// `true`/`false`, `是`/`否`, `1`/`0`; empty is false.
pub fn parse_flag(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "" | "false" | "否" | "0" => Some(false),
        "true" | "是" | "1" => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_lines(text: &str) -> Result<Vec<Result<RawLine, Unreadable>>, FileError> {
        let mut out = Vec::new();
        read_csv(text.as_bytes(), |l| out.push(l))?;
        Ok(out)
    }

    #[test]
    fn csv_lines_keep_their_file_line_numbers_and_skip_blank_ones() {
        let lines =
            csv_lines("name,id_number,gender\n张三,A1,男\n\n李四,A2,女\n").expect("readable");
        let numbers: Vec<u32> = lines
            .iter()
            .filter_map(|l| l.as_ref().ok())
            .map(|l| l.line)
            .collect();
        assert_eq!(numbers, [2, 4]);
        assert_eq!(
            lines[1].as_ref().map(|l| l.name.as_str()).ok(),
            Some("李四")
        );
    }

    #[test]
    fn chinese_headers_are_understood_and_a_missing_id_column_refuses_the_file() {
        let lines =
            csv_lines("姓名,身份证号,居民小组,户代表\n王五,A3,一组,是\n").expect("readable");
        let line = lines[0].as_ref().expect("line");
        assert_eq!(
            (line.resident_group.as_str(), line.household_rep.as_str()),
            ("一组", "是")
        );
        assert_eq!(
            csv_lines("name,gender\nx,男\n").err(),
            Some(FileError::MissingColumn("id_number"))
        );
    }

    #[test]
    fn flags_take_the_three_spellings() {
        for (raw, want) in [
            ("true", Some(true)),
            ("是", Some(true)),
            ("1", Some(true)),
            ("否", Some(false)),
            ("", Some(false)),
            ("maybe", None),
        ] {
            assert_eq!(parse_flag(raw), want, "{raw}");
        }
    }

    #[test]
    fn an_xlsx_sheet_reads_like_a_csv() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["name", "id_number", "household_rep"].iter().enumerate() {
            sheet
                .write_string(0, u16::try_from(c).expect("col"), *h)
                .expect("write");
        }
        sheet.write_string(1, 0, "赵六").expect("write");
        sheet.write_string(1, 1, "A4").expect("write");
        sheet.write_boolean(1, 2, true).expect("write");
        sheet.write_string(3, 0, "钱七").expect("write");
        sheet.write_number(3, 1, 42.0).expect("write");
        let bytes = book.save_to_buffer().expect("xlsx");
        let mut out = Vec::new();
        read_xlsx(&bytes, |l| out.push(l)).expect("readable");
        let lines: Vec<RawLine> = out.into_iter().filter_map(Result::ok).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (
                lines[0].line,
                lines[0].name.as_str(),
                lines[0].household_rep.as_str()
            ),
            (2, "赵六", "true")
        );
        assert_eq!((lines[1].line, lines[1].id_number.as_str()), (4, "42"));
    }
}
