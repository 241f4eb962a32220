//! Properties of reading a voter register file (CSV or XLSX) into raw lines
//! (`register_file::read_csv`, `register_file::read_xlsx`): whatever is uploaded never panics,
//! and a register written by a spreadsheet or by hand reads back as written, with the file's
//! line numbers (CSV) or the sheet's row numbers (XLSX) that the import reports refer to.
//!
//! Columns are found by header, in English or in Chinese, in any order; unknown columns are
//! ignored; fields are trimmed; rows with nothing but blanks are skipped.

use juxuan_nomination::register_file::{FileError, RawLine, Unreadable, read_csv, read_xlsx};
use proptest::prelude::*;

/// The register's columns: English header, Chinese header. `name` and `id_number` (the first
/// two) are required.
const COLUMNS: [(&str, &str); 7] = [
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("gender", "性别"),
    ("household_no", "户号"),
    ("resident_group", "居民小组"),
    ("household_rep", "户代表"),
    ("resident_rep", "居民代表"),
];

/// A column that is not read (`None` in a layout).
const EXTRA_COLUMN: (&str, &str) = ("note", "备注");

type Lines = Vec<Result<RawLine, Unreadable>>;

fn csv_lines(bytes: &[u8]) -> (Result<(), FileError>, Lines) {
    let mut out = Vec::new();
    let result = read_csv(bytes, |l| out.push(l));
    (result, out)
}

fn xlsx_lines(bytes: &[u8]) -> (Result<(), FileError>, Lines) {
    let mut out = Vec::new();
    let result = read_xlsx(bytes, |l| out.push(l));
    (result, out)
}

/// What holds of any reading: lines are numbered from 1 and never go backwards; an unreadable
/// line ends the reading; a refused file yields nothing.
fn reading_invariants(result: &Result<(), FileError>, read: &Lines) -> Result<(), TestCaseError> {
    let mut last = 0u32;
    for (i, line) in read.iter().enumerate() {
        let number = match line {
            Ok(l) => l.line,
            Err(u) => {
                prop_assert_eq!(i + 1, read.len(), "an unreadable line is the last one");
                u.line
            }
        };
        prop_assert!(number >= 1, "line {}", number);
        prop_assert!(number >= last, "line {} after line {}", number, last);
        last = number;
    }
    if result.is_err() {
        prop_assert!(read.is_empty(), "a refused file yields no line");
    }
    Ok(())
}

/// A register as written: its header (language, case, order) and its rows.
#[derive(Debug, Clone)]
struct Register {
    /// Column order: an index into `COLUMNS`, or `None` for the extra column.
    columns: Vec<Option<usize>>,
    chinese: bool,
    upper_case: bool,
    /// Rows: whether a blank line (an empty sheet row) comes before, then one value per column.
    rows: Vec<(bool, Vec<String>)>,
}

impl Register {
    fn header(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| {
                let (en, zh) = c.map_or(EXTRA_COLUMN, |i| COLUMNS[i]);
                match (self.chinese, self.upper_case) {
                    (true, _) => zh.to_owned(),
                    (false, true) => en.to_ascii_uppercase(),
                    (false, false) => en.to_owned(),
                }
            })
            .collect()
    }

    /// The line a row should read as, or `None` when every cell is blank (the row is skipped).
    fn expected(&self, values: &[String], line: u32) -> Option<RawLine> {
        if values.iter().all(|v| v.trim().is_empty()) {
            return None;
        }
        let mut fields: [String; 7] = Default::default();
        for (column, value) in self.columns.iter().zip(values) {
            if let Some(i) = column {
                fields[*i] = value.trim().to_owned();
            }
        }
        let [
            name,
            id_number,
            gender,
            household_no,
            resident_group,
            household_rep,
            resident_rep,
        ] = fields;
        Some(RawLine {
            line,
            name,
            id_number,
            gender,
            household_no,
            resident_group,
            household_rep,
            resident_rep,
        })
    }
}

/// How a register is laid out as CSV.
#[derive(Debug, Clone, Copy)]
struct CsvStyle {
    bom: bool,
    crlf: bool,
    quote_all: bool,
    final_newline: bool,
}

fn csv_style() -> impl Strategy<Value = CsvStyle> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(bom, crlf, quote_all, final_newline)| CsvStyle {
            bom,
            crlf,
            quote_all,
            final_newline,
        },
    )
}

fn csv_field(value: &str, quote_all: bool) -> String {
    if quote_all || value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// The register as CSV text, and the lines it should read as. A row's line is the file line it
/// starts on (`LineCounter`: newlines before the row's first byte, plus one): blank lines and
/// quoted newlines of earlier rows push later rows down.
fn write_csv(register: &Register, style: CsvStyle) -> (String, Vec<RawLine>) {
    let eol = if style.crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    if style.bom {
        text.push('\u{feff}');
    }
    // Headers are never quoted: an unstripped BOM before a quote would make the quote literal.
    text.push_str(&register.header().join(","));
    let mut expected = Vec::new();
    for (blank_before, values) in &register.rows {
        text.push_str(eol);
        if *blank_before {
            text.push_str(eol);
        }
        let line = u32::try_from(text.matches('\n').count() + 1).expect("a small file");
        let fields: Vec<String> = values
            .iter()
            .map(|v| csv_field(v, style.quote_all))
            .collect();
        text.push_str(&fields.join(","));
        expected.extend(register.expected(values, line));
    }
    if style.final_newline {
        text.push_str(eol);
    }
    (text, expected)
}

/// The register as an XLSX workbook (one sheet, header in row 1, only non-empty cells
/// written), and the lines it should read as: the 1-based sheet row of each row.
fn write_xlsx(register: &Register) -> (Vec<u8>, Vec<RawLine>) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in register.header().iter().enumerate() {
        sheet
            .write_string(0, u16::try_from(c).expect("few columns"), h.as_str())
            .expect("header cell");
    }
    let mut expected = Vec::new();
    // Zero-based sheet row.
    let mut row = 0u32;
    for (blank_before, values) in &register.rows {
        row += if *blank_before { 2 } else { 1 };
        for (c, v) in values.iter().enumerate() {
            if !v.is_empty() {
                sheet
                    .write_string(row, u16::try_from(c).expect("few columns"), v.as_str())
                    .expect("cell");
            }
        }
        expected.extend(register.expected(values, row + 1));
    }
    let bytes = book.save_to_buffer().expect("an xlsx file");
    (bytes, expected)
}

/// Columns in any order: the two required ones, any of the optional ones, perhaps an unknown
/// one.
fn columns() -> impl Strategy<Value = Vec<Option<usize>>> {
    (
        proptest::sample::subsequence(vec![2usize, 3, 4, 5, 6], 0..=5),
        any::<bool>(),
    )
        .prop_map(|(optional, extra)| {
            let mut columns: Vec<Option<usize>> = vec![Some(0), Some(1)];
            columns.extend(optional.into_iter().map(Some));
            if extra {
                columns.push(None);
            }
            columns
        })
        .prop_shuffle()
}

/// Part of a value: Chinese characters, ASCII letters and digits, commas, quotes, spaces.
fn piece() -> impl Strategy<Value = String> {
    "[张王李赵钱孙周吴郑一二三组号是否男女A-Za-z0-9,\"' .-]{1,8}"
}

/// A cell's text: often a name or a number, sometimes with a newline inside, sometimes empty
/// or blank (trimmed away).
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => "[ ]{1,2}",
        6 => (piece(), proptest::option::weighted(0.2, piece())).prop_map(|(a, b)| match b {
            Some(b) => format!("{a}\n{b}"),
            None => a,
        }),
    ]
}

fn registers() -> impl Strategy<Value = Register> {
    (columns(), any::<bool>(), any::<bool>())
        .prop_flat_map(|(columns, chinese, upper_case)| {
            let n = columns.len();
            let rows = proptest::collection::vec(
                (
                    proptest::bool::weighted(0.15),
                    proptest::collection::vec(value(), n),
                ),
                0..10,
            );
            (Just(columns), Just(chinese), Just(upper_case), rows)
        })
        .prop_map(|(columns, chinese, upper_case, rows)| Register {
            columns,
            chinese,
            upper_case,
            rows,
        })
}

/// CSV-like text after a valid header: the characters that matter to the CSV grammar, mixed
/// with ordinary ones.
fn csv_like_tail() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(vec![',', '"', '\n', '\r', ' ', 'a', '张', '\u{feff}']),
        0..256,
    )
    .prop_map(|chars: Vec<char>| chars.into_iter().collect::<String>())
}

const HEADER: &[u8] = b"name,id_number,gender,household_rep\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Reading any bytes as CSV never panics.
    #[test]
    fn csv_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let (result, read) = csv_lines(&bytes);
        reading_invariants(&result, &read)?;
    }

    /// Reading any bytes after a valid header never panics: the file is accepted, and every
    /// line is read or the reading stops at the first unreadable one.
    #[test]
    fn csv_never_panics_after_a_valid_header(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let file: Vec<u8> = HEADER.iter().copied().chain(bytes).collect();
        let (result, read) = csv_lines(&file);
        prop_assert!(result.is_ok(), "{:?}", result);
        reading_invariants(&result, &read)?;
        for line in read.iter().flatten() {
            prop_assert!(line.line >= 2, "a data line after the header: {}", line.line);
        }
    }

    /// Broken quoting and stray carriage returns after a valid header never panic.
    #[test]
    fn csv_never_panics_on_csv_like_text(tail in csv_like_tail()) {
        let mut file = HEADER.to_vec();
        file.extend_from_slice(tail.as_bytes());
        let (result, read) = csv_lines(&file);
        prop_assert!(result.is_ok(), "{:?}", result);
        reading_invariants(&result, &read)?;
    }

    /// Reading any bytes as XLSX never panics (it is refused as a whole).
    #[test]
    fn xlsx_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        header_first in any::<bool>(),
    ) {
        let file: Vec<u8> = if header_first {
            HEADER.iter().copied().chain(bytes).collect()
        } else {
            bytes
        };
        let (result, read) = xlsx_lines(&file);
        reading_invariants(&result, &read)?;
    }

    /// A workbook cut short never panics.
    #[test]
    fn xlsx_never_panics_on_a_truncated_workbook(register in registers(), keep in 0.0f64..1.0) {
        let (bytes, _) = write_xlsx(&register);
        // `keep` is below 1, so at least the last byte is cut.
        let cut = ((bytes.len() as f64) * keep) as usize;
        let (result, read) = xlsx_lines(&bytes[..cut.min(bytes.len().saturating_sub(1))]);
        reading_invariants(&result, &read)?;
    }

    /// A CSV register (English or Chinese headers in any order, an optional BOM, LF or CRLF,
    /// quoted commas, quotes and newlines) reads back as written: every row that is not blank,
    /// trimmed, on the file line where it starts.
    #[test]
    fn a_csv_register_reads_back_as_written(register in registers(), style in csv_style()) {
        let (text, expected) = write_csv(&register, style);
        let (result, read) = csv_lines(text.as_bytes());
        prop_assert!(result.is_ok(), "{:?} for {:?}", result, text);
        let read: Vec<RawLine> = read
            .into_iter()
            .map(|l| l.map_err(|u| TestCaseError::fail(format!("line {} unreadable: {}", u.line, u.reason))))
            .collect::<Result<_, _>>()?;
        prop_assert_eq!(read, expected, "{:?}", text);
    }

    /// The same register as the first sheet of an XLSX workbook reads back the same, each row
    /// on its 1-based sheet row.
    #[test]
    fn an_xlsx_register_reads_back_as_written(register in registers()) {
        let (bytes, expected) = write_xlsx(&register);
        let (result, read) = xlsx_lines(&bytes);
        prop_assert!(result.is_ok(), "{:?}", result);
        let read: Vec<RawLine> = read
            .into_iter()
            .map(|l| l.map_err(|u| TestCaseError::fail(format!("row {} unreadable: {}", u.line, u.reason))))
            .collect::<Result<_, _>>()?;
        prop_assert_eq!(read, expected);
    }
}
