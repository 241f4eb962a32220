//! Child processes: running tools with Ctrl-C forwarding, and `up` / `demo`,
//! which build, migrate and supervise the five services and the console.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::services::Services;
use crate::{Res, cargo, check_interrupted, demo, interrupted, workspace_root};

/// The four gRPC services, started before the gateway, with their default ports.
const GRPC_SERVICES: [(&str, u16, u16); 4] = [
    ("nomination", 50051, 9101),
    ("review", 50052, 9102),
    ("ballot", 50053, 9103),
    ("reporting", 50054, 9104),
];
const GATEWAY: &str = "gateway";
const CONSOLE: &str = "console";
pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_CONSOLE_ADDR: &str = "127.0.0.1:8081";

/// Sends `signal` (e.g. "INT", "TERM") to `pid` with kill(1).
pub fn send_signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// Runs `cmd` to completion. On Ctrl-C, forwards SIGINT to it, and kills it
/// if it is still running 10 s later.
pub fn run_status(cmd: &mut Command, what: &str) -> Res<ExitStatus> {
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    let mut interrupted_at: Option<Instant> = None;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return match interrupted_at {
                Some(_) => Err(format!("interrupted ({what}: {status})")),
                None => Ok(status),
            };
        }
        match interrupted_at {
            None if interrupted() => {
                send_signal(child.id(), "INT");
                interrupted_at = Some(Instant::now());
            }
            Some(at) if at.elapsed() > Duration::from_secs(10) => {
                let _ = child.kill();
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One service's settings for `up`.
struct ServiceSpec {
    name: &'static str,
    /// `JUXUAN_GRPC_ADDR` (gRPC services), `JUXUAN_HTTP_ADDR` (gateway) or
    /// `JUXUAN_CONSOLE_ADDR` (console).
    listen_var: &'static str,
    listen_addr: String,
    admin_addr: Option<String>,
}

/// Everything `up` needs to know about addresses, from xtask's environment.
struct Config {
    services: Vec<ServiceSpec>,
    /// `JUXUAN_<SERVICE>_URL` pairs handed to every service.
    urls: Vec<(String, String)>,
    http_addr: String,
    console_addr: String,
    admin_password: String,
    rust_log: String,
}

pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

impl Config {
    fn from_env() -> Self {
        let mut services = Vec::new();
        let mut urls = Vec::new();
        for (name, grpc_port, admin_port) in GRPC_SERVICES {
            let upper = name.to_uppercase();
            let url_var = format!("JUXUAN_{upper}_URL");
            let url = env_or(&url_var, &format!("http://127.0.0.1:{grpc_port}"));
            // The service listens where the URL points.
            let listen_addr = url
                .split_once("://")
                .map_or(url.as_str(), |(_, rest)| rest)
                .trim_end_matches('/')
                .to_string();
            let admin_addr = env_or(
                &format!("JUXUAN_{upper}_ADMIN_ADDR"),
                &format!("127.0.0.1:{admin_port}"),
            );
            urls.push((url_var, url));
            services.push(ServiceSpec {
                name,
                listen_var: "JUXUAN_GRPC_ADDR",
                listen_addr,
                admin_addr: Some(admin_addr),
            });
        }
        let http_addr = env_or("JUXUAN_HTTP_ADDR", DEFAULT_HTTP_ADDR);
        services.push(ServiceSpec {
            name: GATEWAY,
            listen_var: "JUXUAN_HTTP_ADDR",
            listen_addr: http_addr.clone(),
            admin_addr: None,
        });
        let console_addr = env_or("JUXUAN_CONSOLE_ADDR", DEFAULT_CONSOLE_ADDR);
        services.push(ServiceSpec {
            name: CONSOLE,
            listen_var: "JUXUAN_CONSOLE_ADDR",
            listen_addr: console_addr.clone(),
            admin_addr: None,
        });
        Config {
            services,
            urls,
            http_addr,
            console_addr,
            admin_password: env_or("JUXUAN_ADMIN_PASSWORD", "admin"),
            rust_log: env_or("RUST_LOG", "info"),
        }
    }

    /// Fails early, with a hint, when an address is already taken.
    fn check_ports_free(&self) -> Res<()> {
        for spec in &self.services {
            let addrs = [Some(&spec.listen_addr), spec.admin_addr.as_ref()];
            for addr in addrs.into_iter().flatten() {
                if let Err(e) = TcpListener::bind(addr.as_str()) {
                    return Err(format!(
                        "{} cannot listen on {addr}: {e} (stop whatever uses it, or \
                         override the address, see `cargo xtask help`)",
                        spec.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// Applies the environment of service `spec` to `cmd`.
    fn apply_env(&self, cmd: &mut Command, spec: &ServiceSpec, services: &Services) {
        cmd.env("DATABASE_URL", &services.database_url)
            .env("REDIS_URL", &services.redis_url)
            .env("JUXUAN_ENV", "development")
            .env("RUST_LOG", &self.rust_log)
            .env(spec.listen_var, &spec.listen_addr);
        if let Some(admin) = &spec.admin_addr {
            cmd.env("JUXUAN_ADMIN_ADDR", admin);
        }
        for (var, url) in &self.urls {
            cmd.env(var, url);
        }
        if spec.name == GATEWAY {
            cmd.env("JUXUAN_ADMIN_PASSWORD", &self.admin_password);
        }
        if spec.name == CONSOLE {
            cmd.env("JUXUAN_GATEWAY_URL", gateway_base_url(&self.http_addr));
        }
    }
}

/// The gateway's base URL, as a client on this machine reaches it.
pub fn gateway_base_url(http_addr: &str) -> String {
    let addr = http_addr
        .replacen("0.0.0.0:", "127.0.0.1:", 1)
        .replacen("[::]:", "[::1]:", 1);
    format!("http://{addr}")
}

/// The running services; dropping it terminates them.
pub struct Stack {
    children: Vec<(&'static str, Child)>,
}

impl Stack {
    /// Why the stack should stop: Ctrl-C, or a service that exited.
    pub fn stop_reason(&mut self) -> Option<String> {
        if interrupted() {
            return Some("interrupted".into());
        }
        self.children.iter_mut().find_map(|(name, child)| {
            let status = child.try_wait().ok().flatten()?;
            Some(format!("{name} exited ({status})"))
        })
    }

    /// SIGTERM to every service, SIGKILL to those still running after 10 s.
    fn shutdown(&mut self) {
        if self.children.is_empty() {
            return;
        }
        say!("xtask: stopping the services");
        for (_, child) in &mut self.children {
            if child.try_wait().ok().flatten().is_none() {
                send_signal(child.id(), "TERM");
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline
            && self
                .children
                .iter_mut()
                .any(|(_, c)| c.try_wait().ok().flatten().is_none())
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        for (_, mut child) in self.children.drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Copies `reader` to our stdout line by line, prefixed with `name`.
fn pipe_lines(name: &'static str, reader: impl Read + Send + 'static) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(reader);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            let text = String::from_utf8_lossy(&line);
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{name:<10} | {}", text.trim_end_matches(['\n', '\r']));
            line.clear();
        }
    });
}

/// `cargo xtask up` (and `demo` when `seed`).
pub fn cmd_up(seed: bool) -> Res<()> {
    let root = workspace_root();
    let config = Config::from_env();
    config.check_ports_free()?;
    let services = Services::ensure(&root)?;

    let mut build = cargo();
    build.current_dir(&root).args(["build", "--bins"]);
    for spec in &config.services {
        build.arg("-p").arg(format!("juxuan-{}", spec.name));
    }
    say!("xtask: building the services");
    let status = run_status(&mut build, "cargo build")?;
    if !status.success() {
        return Err(format!("cargo build failed ({status})"));
    }

    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root.join("target"), |dir| root.join(dir));
    let binary = |name: &str| target_dir.join("debug").join(format!("juxuan-{name}"));

    // The console keeps no data: nothing to migrate.
    for spec in config.services.iter().filter(|s| s.name != CONSOLE) {
        check_interrupted()?;
        say!("xtask: migrating {}", spec.name);
        let mut cmd = Command::new(binary(spec.name));
        cmd.current_dir(&root).arg("migrate").stdin(Stdio::null());
        config.apply_env(&mut cmd, spec, &services);
        let status = run_status(&mut cmd, &format!("{} migrate", spec.name))?;
        if !status.success() {
            return Err(format!("`juxuan-{} migrate` failed ({status})", spec.name));
        }
    }

    // `config.services` lists the gRPC services first, then the gateway and the console.
    let mut stack = Stack {
        children: Vec::new(),
    };
    for spec in &config.services {
        check_interrupted()?;
        let mut cmd = Command::new(binary(spec.name));
        cmd.current_dir(&root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        config.apply_env(&mut cmd, spec, &services);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start juxuan-{}: {e}", spec.name))?;
        if let Some(out) = child.stdout.take() {
            pipe_lines(spec.name, out);
        }
        if let Some(err) = child.stderr.take() {
            pipe_lines(spec.name, err);
        }
        say!("xtask: started {} on {}", spec.name, spec.listen_addr);
        stack.children.push((spec.name, child));
    }

    let base_url = gateway_base_url(&config.http_addr);
    say!(
        "xtask: gateway listening on {base_url} (admin password: {})",
        config.admin_password
    );
    say!(
        "xtask: officers' console on {}/console/",
        gateway_base_url(&config.console_addr)
    );

    if seed {
        demo::run(
            &mut || stack.stop_reason(),
            &base_url,
            &config.admin_password,
        )?;
    }
    say!("xtask: running; press Ctrl-C to stop");

    let reason = loop {
        if let Some(reason) = stack.stop_reason() {
            break reason;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    say!("xtask: {reason}");
    stack.shutdown();
    drop(services);
    if reason == "interrupted" {
        Ok(())
    } else {
        Err(reason)
    }
}
