//! A checker of the Prometheus text exposition format (0.0.4), strict enough to catch what
//! a scraper would reject: every sample belongs to a family with `# HELP` and `# TYPE`,
//! names and labels are well formed, values parse.

use std::collections::HashSet;

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses the page; the problems found, or the sample names.
pub fn check(page: &str) -> Result<Vec<String>, Vec<String>> {
    let mut problems = Vec::new();
    let mut helped = HashSet::new();
    let mut typed = HashSet::new();
    let mut samples = Vec::new();
    for (i, line) in page.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or("");
            if !valid_name(name) {
                problems.push(format!("line {n}: bad HELP name"));
            }
            helped.insert(name.to_owned());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap_or("");
            let kind = parts.next().unwrap_or("");
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                problems.push(format!("line {n}: bad TYPE {kind}"));
            }
            typed.insert(name.to_owned());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (series, value) = match line.rsplit_once(' ') {
            Some(v) => v,
            None => {
                problems.push(format!("line {n}: no value"));
                continue;
            }
        };
        // A timestamp may follow the value; we never write one.
        if value.parse::<f64>().is_err() && !["+Inf", "-Inf", "NaN"].contains(&value) {
            problems.push(format!("line {n}: value `{value}` is not a number"));
        }
        let name = series.split('{').next().unwrap_or("");
        if !valid_name(name) {
            problems.push(format!("line {n}: bad metric name `{name}`"));
        }
        if let Some(labels) = series.strip_prefix(name).filter(|l| !l.is_empty())
            && !(labels.starts_with('{') && labels.ends_with('}'))
        {
            problems.push(format!("line {n}: malformed labels"));
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| typed.contains(*f)))
            .unwrap_or(name);
        if !typed.contains(family) || !helped.contains(family) {
            problems.push(format!("line {n}: `{name}` has no HELP or TYPE"));
        }
        samples.push(name.to_owned());
    }
    if problems.is_empty() {
        Ok(samples)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn a_described_counter_passes_and_an_undescribed_one_fails() {
        let good = "# HELP x_total Things.\n# TYPE x_total counter\nx_total{a=\"b\"} 3\n";
        assert_eq!(check(good), Ok(vec!["x_total".to_owned()]));
        assert!(check("y_total 1\n").is_err());
        assert!(check("# HELP z z\n# TYPE z gauge\nz abc\n").is_err());
    }
}
