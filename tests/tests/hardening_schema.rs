//! Schemathesis (PyPI, pinned) against `/api/v1/openapi.json` of a seeded stack, as a district
//! admin: generated and mutated requests for every operation, with no 5xx, no status code,
//! content type or body outside the document. Only `keys:rotate` is left out: it retires the
//! key the run's own token is signed with. Budget: 5 examples per operation and phase in
//! `cargo xtask test`, 60 under `cargo xtask hardening`. One worker: with two, hypothesis
//! (schemathesis's engine) once failed inside itself ("AST constructor recursion depth
//! mismatch"), a fault of the tool, not of the API.

use std::path::PathBuf;
use std::process::Command;

use juxuan_tests::fixtures::{NOMINEES, Setup};
use juxuan_tests::hardening;

const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// The pinned schemathesis in a virtualenv of its own (created on first use, offline after).
fn schemathesis() -> PathBuf {
    let venv = juxuan_tests::workspace_target()
        .join("juxuan")
        .join("schemathesis-venv");
    let bin = venv.join("bin").join("schemathesis");
    let python = venv.join("bin").join("python");
    let version = Command::new(&bin).arg("--version").output();
    if version.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("4.32.5")) {
        return bin;
    }
    if !python.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "python3 -m venv {} failed (python3 is needed)",
            venv.display()
        );
    }
    let ok = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            SCHEMATHESIS,
        ])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "pip install {SCHEMATHESIS} failed");
    bin
}

#[tokio::test(flavor = "multi_thread")]
async fn generated_requests_meet_no_server_error_and_no_answer_outside_the_document() {
    let bin = tokio::task::spawn_blocking(schemathesis)
        .await
        .expect("schemathesis");
    let v = Setup::start().await.venue(NOMINEES).await;
    let st = &v.s.stack;
    let examples = hardening::budget(5, 60);
    // Its caches go under target/, not into the checkout.
    let workdir = juxuan_tests::workspace_target()
        .join("juxuan")
        .join("schemathesis");
    std::fs::create_dir_all(&workdir).expect("work dir");
    let output = tokio::process::Command::new(&bin)
        .current_dir(&workdir)
        .arg("run")
        .arg(st.url("/api/v1/openapi.json"))
        .args(["--header", &format!("Authorization: Bearer {}", v.s.a.admin)])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--exclude-path", "/api/v1/auth/keys:rotate"])
        .args(["--max-examples", &examples.to_string()])
        .args(["--seed", "20261127", "--workers", "1", "--no-color"])
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .await
        .expect("run schemathesis");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: String = text
        .lines()
        .skip_while(|l| !l.contains("SUMMARY"))
        .collect::<Vec<_>>()
        .join("\n");
    println!("{summary}");
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{text}"
    );
    // "Test cases:\n  2549 generated, 2549 passed"
    let generated = text
        .lines()
        .filter_map(|l| l.trim().split_once(" generated, "))
        .find_map(|(n, _)| n.trim().parse::<u64>().ok())
        .unwrap_or(0);
    assert!(
        generated > 100,
        "only {generated} requests generated:\n{text}"
    );
    hardening::record(
        "schemathesis",
        &[
            ("requests generated", generated),
            ("server errors", 0),
            ("answers outside the document", 0),
        ],
    );
}
