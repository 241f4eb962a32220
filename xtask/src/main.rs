//! Developer tasks for the Juxuan workspace: `cargo xtask <command>`.
//!
//! - `test`: lint and test the workspace against private Postgres/Redis instances.
//! - `up`: build, migrate and run the five services locally.
//! - `demo`: like `up`, then seed demo areas and users through the REST API.
//! - `hardening`: the hardening suites at full budget, with a summary table.

/// `println!` that ignores write errors: a closed stdout (e.g. `| head`) must
/// never panic, least of all while stopping Postgres in a destructor.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that ignores write errors.
macro_rules! warn {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod demo;
mod demo_election;
mod services;
mod stack;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};

use services::Services;

/// Set by the Ctrl-C / SIGTERM / SIGHUP handler.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Result type used throughout xtask: errors are user-facing messages.
pub type Res<T> = Result<T, String>;

/// Whether the user asked us to stop (Ctrl-C, SIGTERM, SIGHUP).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Fails with a message if the user asked us to stop.
pub fn check_interrupted() -> Res<()> {
    if interrupted() {
        Err("interrupted".to_string())
    } else {
        Ok(())
    }
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// The cargo executable to use for nested cargo invocations.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

const USAGE: &str = "\
Usage: cargo xtask <command> [options]

Commands:
  test [--no-lint] [-- <args>]  Check formatting (cargo fmt --check), run clippy with
                                -D warnings, check the deployment files (deploy/check), then
                                run the workspace tests (cargo nextest if installed, else
                                cargo test). Arguments after `--` go to the test runner.
                                --no-lint skips fmt and clippy.
  up                            Build the five services, apply their migrations and run
                                them, with prefixed logs, until Ctrl-C or until one exits.
  demo                          Like `up`, then seed a demo street, communities and users
                                through the REST API and print how to log in.
  bench [register|election-day|reporting]
                                Load tools (release build) against private Postgres/Redis:
                                `register` imports a 50,000-row XLSX register with 1% bad
                                rows twice and prints time, counts and peak memory;
                                `election-day` plays check-in + cast for 8 polls from 64
                                clients through the gateway, then the same transactions in
                                direct SQL, and prints throughput, p50/p99, errors, the ratio;
                                `reporting` reads progress, statistics, report forms and the
                                export of a 20 × 30-community district and prints p50/p99/max.
  hardening                     The hardening suites (faults, authorisation matrix, bad input,
                                secrecy and erasure, property tests) at full budget
                                (JUXUAN_HARDENING=full, PROPTEST_CASES=2048), then a summary
                                table of what each suite injected, sent and checked.
  help                          Show this text.

Postgres and Redis:
  DATABASE_URL and REDIS_URL are used as they are when set. Otherwise private, throw-away
  instances are started on free ports (state under target/juxuan/) and stopped at the end.
  As root, missing postgresql / redis-server packages are installed with apt-get.

Environment for `up` and `demo` (defaults in brackets):
  JUXUAN_HTTP_ADDR [127.0.0.1:8080]          gateway listen address
  JUXUAN_CONSOLE_ADDR [127.0.0.1:8081]       officers' console (pages under /console/)
  JUXUAN_NOMINATION_URL [http://127.0.0.1:50051]
  JUXUAN_REVIEW_URL [http://127.0.0.1:50052]
  JUXUAN_BALLOT_URL [http://127.0.0.1:50053]
  JUXUAN_REPORTING_URL [http://127.0.0.1:50054]
                                             gRPC addresses (each service listens there)
  JUXUAN_<SERVICE>_ADMIN_ADDR [127.0.0.1:9101..9104]
                                             admin (health/metrics) address per service
  JUXUAN_ADMIN_PASSWORD [admin]              gateway bootstrap admin password
  RUST_LOG [info]
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("help", &[][..]),
    };
    if matches!(command, "help" | "--help" | "-h") {
        let _ = std::io::Write::write_all(&mut std::io::stdout(), USAGE.as_bytes());
        return ExitCode::SUCCESS;
    }
    if let Err(e) = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst)) {
        warn!("xtask: warning: cannot install the Ctrl-C handler: {e}");
    }
    let result = match command {
        "test" => cmd_test(rest),
        "up" => no_args(rest).and_then(|()| stack::cmd_up(false)),
        "demo" => no_args(rest).and_then(|()| stack::cmd_up(true)),
        "services" => no_args(rest).and_then(|()| cmd_services()),
        "bench" => cmd_bench(rest),
        "hardening" => no_args(rest).and_then(|()| cmd_hardening()),
        "seed" => demo::cmd_seed(rest),
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            warn!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn no_args(rest: &[String]) -> Res<()> {
    match rest.first() {
        None => Ok(()),
        Some(a) => Err(format!(
            "unexpected argument `{a}` (see `cargo xtask help`)"
        )),
    }
}

/// `cargo xtask test [--no-lint] [-- <runner args>]`.
fn cmd_test(args: &[String]) -> Res<()> {
    let mut lint = true;
    let mut extra: Vec<String> = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--no-lint" => lint = false,
            "--" => {
                extra.extend(iter.by_ref().cloned());
            }
            other => return Err(format!("unknown option `{other}` for `test`")),
        }
    }

    let root = workspace_root();
    let services = Services::ensure(&root)?;
    let run = |what: &str, args: &[&str], extra: &[String]| -> Res<()> {
        check_interrupted()?;
        say!(
            "xtask: running cargo {}",
            [args, &ref_all(extra)].concat().join(" ")
        );
        let mut cmd = cargo();
        cmd.current_dir(&root)
            .args(args)
            .args(extra)
            .env("DATABASE_URL", &services.database_url)
            .env("REDIS_URL", &services.redis_url);
        let status = stack::run_status(&mut cmd, what)?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{what} failed ({status})"))
        }
    };

    if lint {
        run("cargo fmt --check", &["fmt", "--all", "--check"], &[])?;
        run(
            "cargo clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        )?;
    }
    // The deployment files (Dockerfile, Compose, Helm chart, dashboards), checked offline with
    // pinned tools from PyPI: `deploy/check` (README, "Deploying").
    check_interrupted()?;
    say!("xtask: running bash deploy/check");
    let mut deploy = Command::new("bash");
    deploy.current_dir(&root).arg("deploy/check");
    let status = stack::run_status(&mut deploy, "deploy/check")?;
    if !status.success() {
        return Err(format!("deploy/check failed ({status})"));
    }
    if has_nextest() {
        run(
            "cargo nextest",
            &["nextest", "run", "--workspace", "--no-fail-fast"],
            &extra,
        )?;
    } else {
        say!("xtask: cargo-nextest not found, using cargo test");
        run(
            "cargo test",
            &["test", "--workspace", "--no-fail-fast"],
            &extra,
        )?;
    }
    drop(services);
    say!("xtask: all steps passed");
    Ok(())
}

/// `bench [register]`: runs a load tool of the tests crate in release mode.
fn cmd_bench(args: &[String]) -> Res<()> {
    let tool = match args.first().map(String::as_str) {
        None | Some("register") => "register-load",
        Some("election-day") => "election-day-load",
        Some("reporting") => "reporting-load",
        Some(other) => {
            return Err(format!(
                "unknown bench `{other}` (known: register, election-day, reporting)"
            ));
        }
    };
    let root = workspace_root();
    let services = Services::ensure(&root)?;
    let mut cmd = cargo();
    cmd.current_dir(&root)
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "juxuan-tests",
            "--bin",
            tool,
        ])
        .env("DATABASE_URL", &services.database_url)
        .env("REDIS_URL", &services.redis_url)
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        );
    let status = stack::run_status(&mut cmd, tool)?;
    drop(services);
    if status.success() {
        Ok(())
    } else {
        Err(format!("{tool} failed ({status})"))
    }
}

/// The test filter of the hardening suites (nextest's expression language).
const HARDENING_SUITES: &str = "binary(/^hardening_/) | binary(erasure) | binary(ballot_secrecy) \
     | binary(personal_data) | binary(idempotency) | test(/propert/) | binary(/properties/)";

/// `hardening`: the suites at full budget, then the figures they recorded.
fn cmd_hardening() -> Res<()> {
    let root = workspace_root();
    let services = Services::ensure(&root)?;
    let figures = root.join("target").join("juxuan").join("hardening");
    let _ = std::fs::remove_dir_all(&figures);
    if !has_nextest() {
        return Err(
            "`cargo xtask hardening` needs cargo-nextest (cargo install cargo-nextest)".into(),
        );
    }
    let started = std::time::Instant::now();
    let mut cmd = cargo();
    cmd.current_dir(&root)
        .args([
            "nextest",
            "run",
            "--workspace",
            "--no-fail-fast",
            "-E",
            HARDENING_SUITES,
        ])
        .env("DATABASE_URL", &services.database_url)
        .env("REDIS_URL", &services.redis_url)
        .env("JUXUAN_HARDENING", "full")
        .env("PROPTEST_CASES", "2048");
    let status = stack::run_status(&mut cmd, "hardening suites")?;
    drop(services);
    let mut rows: Vec<(String, String, String)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&figures) {
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            for line in std::fs::read_to_string(&file).unwrap_or_default().lines() {
                let mut parts = line.splitn(3, '\t');
                if let (Some(suite), Some(name), Some(value)) =
                    (parts.next(), parts.next(), parts.next())
                {
                    rows.push((suite.to_owned(), name.to_owned(), value.to_owned()));
                }
            }
        }
    }
    let width = rows
        .iter()
        .map(|(s, n, _)| s.len() + n.len() + 3)
        .max()
        .unwrap_or(20);
    say!(
        "\nhardening summary (full budget, {:.0} s)",
        started.elapsed().as_secs_f64()
    );
    say!("{:<width$}  {:>10}", "suite / figure", "value");
    say!("{}", "-".repeat(width + 12));
    for (suite, name, value) in &rows {
        say!("{:<width$}  {:>10}", format!("{suite} / {name}"), value);
    }
    say!("{}", "-".repeat(width + 12));
    say!(
        "result: {}",
        if status.success() {
            "every suite passed; nothing lost, doubled or leaked"
        } else {
            "FAILED (see above)"
        }
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("the hardening suites failed ({status})"))
    }
}

fn ref_all(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn has_nextest() -> bool {
    cargo()
        .args(["nextest", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Hidden: start (or reuse) Postgres and Redis, check both answer, stop them.
fn cmd_services() -> Res<()> {
    let services = Services::ensure(&workspace_root())?;
    say!("DATABASE_URL={}", services.database_url);
    say!("REDIS_URL={}", services.redis_url);

    let out = services
        .psql_command()
        .args([
            services.database_url.as_str(),
            "-X",
            "-At",
            "-c",
            "select 1",
        ])
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || stdout.trim() != "1" {
        return Err(format!(
            "psql select 1 failed ({}): {}{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    say!("postgres: select 1 -> {}", stdout.trim());

    let reply = services::redis_ping(&services.redis_url)?;
    say!("redis: PING -> {reply}");
    drop(services);
    Ok(())
}
