//! Postgres and Redis for `test`, `up` and `demo`: taken from `DATABASE_URL` /
//! `REDIS_URL` when set, otherwise private throw-away instances on free ports.

mod postgres;

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Res, check_interrupted};
use postgres::PrivatePg;

/// Connection URLs for the services, plus whatever private instances we own.
/// Dropping it stops the private instances.
pub struct Services {
    pub database_url: String,
    pub redis_url: String,
    pg_bin: Option<PathBuf>,
    pg: Option<PrivatePg>,
    redis: Option<Child>,
}

impl Services {
    /// Uses `DATABASE_URL` / `REDIS_URL` when set, otherwise starts private
    /// instances (installing the packages with apt-get first when root).
    pub fn ensure(workspace: &Path) -> Res<Self> {
        ensure_document_tools(current_uid()? == 0)?;
        let db_env = non_empty_env("DATABASE_URL");
        let redis_env = non_empty_env("REDIS_URL");
        let mut services = Services {
            database_url: db_env.clone().unwrap_or_default(),
            redis_url: redis_env.clone().unwrap_or_default(),
            pg_bin: postgres::find_bin_dir(),
            pg: None,
            redis: None,
        };
        if db_env.is_some() {
            say!("postgres: using DATABASE_URL from the environment");
        }
        if redis_env.is_some() {
            say!("redis: using REDIS_URL from the environment");
        }
        if db_env.is_some() && redis_env.is_some() {
            return Ok(services);
        }

        let root = current_uid()? == 0;
        let mut missing = Vec::new();
        if db_env.is_none() && services.pg_bin.is_none() {
            missing.push("postgresql");
        }
        let mut redis_bin = find_redis_server();
        if redis_env.is_none() && redis_bin.is_none() {
            missing.push("redis-server");
        }
        if !missing.is_empty() {
            install_packages(&missing, root)?;
            services.pg_bin = postgres::find_bin_dir();
            redis_bin = find_redis_server();
        }

        let state_dir = workspace.join("target").join("juxuan");
        create_dir(&state_dir)?;
        sweep_stale_runs(&state_dir, services.pg_bin.as_deref(), root);
        let run_dir = state_dir.join(format!("run-{}", std::process::id()));
        create_dir(&run_dir)?;
        let [pg_port, redis_port] = free_ports()?;

        if db_env.is_none() {
            let bin = services
                .pg_bin
                .clone()
                .ok_or("postgresql is not installed (no /usr/lib/postgresql/*/bin/initdb)")?;
            let pg_run_dir = if root && !traversable_by_others(&run_dir) {
                let base = PathBuf::from(format!(
                    "/tmp/juxuan-pg-{}-{:016x}",
                    current_uid()?,
                    fnv1a(workspace.to_string_lossy().as_bytes())
                ));
                say!(
                    "postgres: {} is not reachable by the postgres user; using {} instead",
                    state_dir.display(),
                    base.display()
                );
                create_dir(&base)?;
                sweep_stale_runs(&base, Some(&bin), root);
                let dir = base.join(format!("run-{}", std::process::id()));
                create_dir(&dir)?;
                dir
            } else {
                run_dir.clone()
            };
            let pg = PrivatePg::start(&bin, &pg_run_dir, pg_port, root)?;
            services.database_url = format!("postgres://postgres@127.0.0.1:{pg_port}/juxuan");
            services.pg = Some(pg);
        }

        if redis_env.is_none() {
            check_interrupted()?;
            let bin = redis_bin.ok_or("redis-server is not installed")?;
            let child = start_redis(&bin, &run_dir, redis_port)?;
            services.redis = Some(child);
            services.redis_url = format!("redis://127.0.0.1:{redis_port}/");
            if let Err(e) = wait_for_redis(&services.redis_url, services.redis.as_mut()) {
                return Err(format!("{e} (see {})", run_dir.join("redis.log").display()));
            }
            say!(
                "redis: started a private instance on 127.0.0.1:{redis_port} (log {})",
                run_dir.join("redis.log").display()
            );
        }
        Ok(services)
    }

    /// A `psql` command: from the Postgres bin dir when known, else from PATH.
    pub fn psql_command(&self) -> Command {
        match &self.pg_bin {
            Some(bin) if bin.join("psql").exists() => Command::new(bin.join("psql")),
            _ => Command::new("psql"),
        }
    }

    /// Stops the private instances (idempotent).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.redis.take() {
            let _ = child.kill();
            let _ = child.wait();
            say!("redis: stopped the private instance");
        }
        if let Some(pg) = self.pg.take() {
            pg.stop();
        }
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        self.stop();
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The effective user id, from `id -u`.
pub fn current_uid() -> Res<u32> {
    id_number(&["-u"])
}

/// Runs `id <args>` and parses the number it prints.
fn id_number(args: &[&str]) -> Res<u32> {
    let out = Command::new("id")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `id`: {e}"))?;
    if !out.status.success() {
        return Err(format!("`id {}` failed", args.join(" ")));
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("cannot parse the output of `id {}`: {e}", args.join(" ")))
}

fn create_dir(dir: &Path) -> Res<()> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// Whether every directory from `/` down to `dir` can be traversed by others.
fn traversable_by_others(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    dir.ancestors().all(|d| {
        d.as_os_str().is_empty()
            || fs::metadata(d).is_ok_and(|m| m.permissions().mode() & 0o001 != 0)
    })
}

/// FNV-1a: a small stable hash for naming the fallback state dir.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Two distinct free TCP ports on 127.0.0.1 (bind port 0, read it, drop).
fn free_ports() -> Res<[u16; 2]> {
    let bind = || TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind: {e}"));
    let (a, b) = (bind()?, bind()?);
    let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).map_err(|e| e.to_string());
    Ok([port(&a)?, port(&b)?])
}

/// Whether process `pid` is a live xtask (the owner of a run dir).
fn xtask_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true; // cannot tell: be conservative and keep its files
    }
    fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "xtask")
}

/// Removes `run-<pid>` dirs left by earlier invocations that are no longer
/// running, stopping any Postgres or Redis they left behind.
fn sweep_stale_runs(base: &Path, pg_bin: Option<&Path>, root: bool) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("run-")
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || xtask_alive(pid) {
            continue;
        }
        let dir = entry.path();
        if let Some(bin) = pg_bin {
            postgres::stop_leftover(bin, &dir.join("data"), root);
        }
        if let Some(redis_pid) = fs::read_to_string(dir.join("redis.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok())
        {
            let comm = fs::read_to_string(format!("/proc/{redis_pid}/comm")).unwrap_or_default();
            if comm.trim().starts_with("redis") {
                let _ = Command::new("kill")
                    .args(["-KILL", &redis_pid.to_string()])
                    .status();
            }
        }
        if let Err(e) = fs::remove_dir_all(&dir) {
            warn!("xtask: warning: cannot remove {}: {e}", dir.display());
        }
    }
}

/// `redis-server` from PATH, else /usr/bin.
fn find_redis_server() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file())
}

/// The font certificates and report forms are drawn with (the ballot and reporting services'
/// default `JUXUAN_FONT_PATH`), poppler's `pdftotext`, which the tests read PDFs with, and
/// Prometheus' `promtool`, which checks the services' metrics pages, and Chromium with its
/// WebDriver, which the console's end-to-end tests drive.
pub const FONT_PATH: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn ensure_document_tools(root: bool) -> Res<()> {
    let mut missing = Vec::new();
    if !Path::new(FONT_PATH).exists() {
        missing.push("fonts-wqy-microhei");
    }
    let pdftotext = Command::new("pdftotext")
        .arg("-v")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !pdftotext {
        missing.push("poppler-utils");
    }
    // `promtool check metrics` judges every service's /metrics page in the tests.
    let promtool = Command::new("promtool")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !promtool {
        missing.push("prometheus");
    }
    // The console's end-to-end tests drive a real headless Chromium.
    for (binary, package) in [
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
    ] {
        if !Path::new("/usr/bin").join(binary).exists() {
            missing.push(package);
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        install_packages(&missing, root)
    }
}

/// Installs Debian packages with apt-get when root; otherwise explains.
fn install_packages(packages: &[&str], root: bool) -> Res<()> {
    if !root {
        return Err(format!(
            "missing {}: install {} (e.g. `sudo apt-get install {}`), \
             or set DATABASE_URL and REDIS_URL to existing instances",
            packages.join(" and "),
            if packages.len() > 1 { "them" } else { "it" },
            packages.join(" ")
        ));
    }
    say!("xtask: installing {} with apt-get", packages.join(" "));
    let ok = |mut cmd: Command| cmd.status().is_ok_and(|s| s.success());
    let mut update = Command::new("apt-get");
    update.arg("update");
    if !ok(update) {
        return Err("apt-get update failed".into());
    }
    check_interrupted()?;
    let mut install = Command::new("apt-get");
    install
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages);
    if !ok(install) {
        return Err(format!("apt-get install {} failed", packages.join(" ")));
    }
    Ok(())
}

fn start_redis(bin: &Path, dir: &Path, port: u16) -> Res<Child> {
    let log_path = dir.join("redis.log");
    let log = fs::File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    Command::new(bin)
        .arg("--port")
        .arg(port.to_string())
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        // Tests take a logical database each (see juxuan_platform::testing).
        .args(["--databases", "1024"])
        .args(["--daemonize", "no", "--dir"])
        .arg(dir)
        .arg("--pidfile")
        .arg(dir.join("redis.pid"))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))
}

/// Polls until Redis answers PING (or the child died, or 30 s passed).
fn wait_for_redis(url: &str, mut child: Option<&mut Child>) -> Res<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        check_interrupted()?;
        if let Some(status) = child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
            return Err(format!("redis-server exited early ({status})"));
        }
        match redis_ping(url) {
            Ok(reply) if reply == "+PONG" => return Ok(()),
            Ok(_) | Err(_) if Instant::now() < deadline => {}
            Ok(reply) => return Err(format!("redis answered {reply:?} to PING")),
            Err(e) => return Err(format!("redis did not come up within 30 s: {e}")),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends `PING` to the Redis at `url` and returns the first reply line.
pub fn redis_ping(url: &str) -> Res<String> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or_else(|| format!("unsupported REDIS_URL {url:?} (expected redis://)"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host_port = if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:6379")
    };
    let addr = host_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host_port}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {host_port}"))?;
    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"PING\r\n")
        .map_err(|e| format!("cannot write to {addr}: {e}"))?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 256];
    while !reply.ends_with(b"\r\n") {
        let n = stream
            .read(&mut buf)
            .map_err(|e| format!("cannot read from {addr}: {e}"))?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&reply).trim_end().to_string())
}
