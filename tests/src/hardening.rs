//! The hardening suites' budget and their figures for `cargo xtask hardening`'s summary.
//!
//! `cargo xtask test` runs every suite on a reduced budget; `cargo xtask hardening` sets
//! `JUXUAN_HARDENING=full` and prints the figures each suite recorded under
//! `target/juxuan/hardening/`.

use std::fmt::Write as _;

/// Whether the suites run at full budget.
pub fn full() -> bool {
    std::env::var("JUXUAN_HARDENING").is_ok_and(|v| v == "full")
}

/// `reduced` in `cargo xtask test`, `full` under `cargo xtask hardening`.
pub fn budget(reduced: u64, full_budget: u64) -> u64 {
    if full() { full_budget } else { reduced }
}

/// Records a suite's figures (name, count) for the summary table.
pub fn record(suite: &str, figures: &[(&str, u64)]) {
    let dir = crate::workspace_target().join("juxuan").join("hardening");
    let mut text = String::new();
    for (name, value) in figures {
        writeln!(text, "{suite}\t{name}\t{value}").expect("write");
    }
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("{suite}.tsv")), text);
    }
}
