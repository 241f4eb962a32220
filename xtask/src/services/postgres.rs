//! A private, throw-away Postgres cluster (initdb + pg_ctl).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{create_dir, id_number};
use crate::{Res, check_interrupted};

/// Longest Unix socket path Postgres accepts is 107 bytes; keep a margin.
const MAX_SOCKET_PATH: usize = 100;

/// A running private cluster; `stop` shuts it down.
pub struct PrivatePg {
    bin: PathBuf,
    run_dir: PathBuf,
    data_dir: PathBuf,
    /// Run the Postgres tools as the `postgres` system user (we are root).
    as_postgres: bool,
}

/// The newest `/usr/lib/postgresql/<ver>/bin` holding initdb, pg_ctl and postgres.
pub fn find_bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(Vec<u32>, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let version: Vec<u32> = name
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|tool| bin.join(tool).is_file())
                .then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// A command running `tool` from `bin`, as the postgres user when `as_postgres`.
fn tool_command(bin: &Path, tool: &str, as_postgres: bool, cwd: &Path) -> Command {
    let mut cmd = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    };
    cmd.current_dir(cwd).stdin(Stdio::null());
    cmd
}

/// Stops a cluster left running in `data_dir` by an earlier invocation.
pub fn stop_leftover(bin: &Path, data_dir: &Path, root: bool) {
    if !data_dir.join("postmaster.pid").exists() {
        return;
    }
    let cwd = data_dir.parent().unwrap_or(Path::new("/"));
    let _ = tool_command(bin, "pg_ctl", root, cwd)
        .arg("-D")
        .arg(data_dir)
        .args(["-m", "immediate", "-w", "stop"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Quotes `s` for /bin/sh (pg_ctl passes `-o` through the shell).
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Makes sure the `postgres` system user exists and returns its uid and gid.
fn postgres_user() -> Res<(u32, u32)> {
    if id_number(&["-u", "postgres"]).is_err() {
        say!("postgres: creating the postgres system user");
        let ok = Command::new("useradd")
            .args(["--system", "--user-group", "--no-create-home"])
            .args(["--shell", "/usr/sbin/nologin", "postgres"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("the postgres system user is missing and useradd failed".into());
        }
    }
    Ok((
        id_number(&["-u", "postgres"])?,
        id_number(&["-g", "postgres"])?,
    ))
}

fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

impl PrivatePg {
    /// initdb a fresh cluster under `run_dir/data`, start it on 127.0.0.1:`port`
    /// and create the `juxuan` database.
    pub fn start(bin: &Path, run_dir: &Path, port: u16, root: bool) -> Res<Self> {
        check_interrupted()?;
        let data_dir = run_dir.join("data");
        if data_dir.exists() {
            stop_leftover(bin, &data_dir, root);
            fs::remove_dir_all(&data_dir)
                .map_err(|e| format!("cannot remove {}: {e}", data_dir.display()))?;
        }
        create_dir(run_dir)?;
        if root {
            let (uid, gid) = postgres_user()?;
            std::os::unix::fs::chown(run_dir, Some(uid), Some(gid))
                .map_err(|e| format!("cannot chown {} to postgres: {e}", run_dir.display()))?;
        }
        let pg = PrivatePg {
            bin: bin.to_path_buf(),
            run_dir: run_dir.to_path_buf(),
            data_dir,
            as_postgres: root,
        };
        pg.initdb()?;
        check_interrupted()?;
        let log = run_dir.join("pg.log");
        if let Err(e) = pg
            .start_server(port, &log)
            .and_then(|()| pg.create_db(port))
        {
            pg.stop_quietly();
            return Err(e);
        }
        let version = bin
            .parent()
            .and_then(Path::file_name)
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default();
        say!(
            "postgres: started a private PostgreSQL {version} on 127.0.0.1:{port} (data {}, log {})",
            pg.data_dir.display(),
            log.display()
        );
        Ok(pg)
    }

    fn tool(&self, tool: &str) -> Command {
        tool_command(&self.bin, tool, self.as_postgres, &self.run_dir)
    }

    fn initdb(&self) -> Res<()> {
        let log_path = self.run_dir.join("initdb.log");
        for locale in ["C.UTF-8", "C"] {
            let _ = fs::remove_dir_all(&self.data_dir);
            let out = self
                .tool("initdb")
                .arg("-D")
                .arg(&self.data_dir)
                .args(["-A", "trust", "-U", "postgres", "-E", "UTF8"])
                .arg(format!("--locale={locale}"))
                .output()
                .map_err(|e| format!("cannot run initdb: {e}"))?;
            let _ = fs::write(&log_path, [out.stdout, out.stderr].concat());
            if out.status.success() {
                return Ok(());
            }
        }
        Err(format!(
            "initdb failed:\n{}\n(full output in {})",
            log_tail(&log_path),
            log_path.display()
        ))
    }

    fn start_server(&self, port: u16, log: &Path) -> Res<()> {
        let socket_dir = self.run_dir.to_string_lossy().into_owned();
        let socket_dir = if socket_dir.len() + ".s.PGSQL.65535".len() + 1 > MAX_SOCKET_PATH {
            String::new() // path too long for a Unix socket: TCP only
        } else {
            socket_dir
        };
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
            shell_quote(&socket_dir)
        );
        let out = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(log)
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .output()
            .map_err(|e| format!("cannot run pg_ctl: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "pg_ctl start failed: {}\n{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                log_tail(log)
            ));
        }
        self.wait_ready(port)
    }

    /// Polls `pg_isready` (or a TCP connect when it is missing) for up to 30 s.
    fn wait_ready(&self, port: u16) -> Res<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let pg_isready = self.bin.join("pg_isready");
        loop {
            check_interrupted()?;
            let ready = if pg_isready.is_file() {
                Command::new(&pg_isready)
                    .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
                    .args(["-U", "postgres", "-d", "postgres"])
                    .status()
                    .is_ok_and(|s| s.success())
            } else {
                std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            };
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("postgres on port {port} not ready within 30 s"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn create_db(&self, port: u16) -> Res<()> {
        let createdb = self.bin.join("createdb");
        let out = Command::new(if createdb.is_file() {
            createdb
        } else {
            PathBuf::from("createdb")
        })
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .arg("juxuan")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run createdb: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "createdb juxuan failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    fn stop_quietly(&self) {
        let _ = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// `pg_ctl -m fast stop`.
    pub fn stop(self) {
        let out = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "-w", "stop"])
            .output();
        match out {
            Ok(o) if o.status.success() => say!("postgres: stopped the private instance"),
            Ok(o) => warn!(
                "xtask: warning: pg_ctl stop failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => warn!("xtask: warning: cannot run pg_ctl stop: {e}"),
        }
    }
}
