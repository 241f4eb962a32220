//! The five services as processes of their own, for the fault-injection suite: each can be
//! killed with SIGKILL and started again on the same addresses, or frozen with SIGSTOP; their
//! Postgres and Redis are reached through proxies that can cut every connection and refuse new
//! ones for a while, which is what a restart of either server looks like to its clients.
//!
//! The processes run `juxuan-node` (each service's own `main`), built with this crate.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use juxuan_platform::testing::{TestDb, isolated_redis_url};
use secrecy::ExposeSecret;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::{ADMIN, ADMIN_PASSWORD, DISTRICT, Stack};

/// A TCP proxy that can go down for a while: every connection cut, and the port closed (new
/// connections refused) until it comes back.
pub struct Proxy {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    cuts: watch::Sender<u64>,
    task: Mutex<tokio::task::JoinHandle<()>>,
}

async fn serve(listener: TcpListener, upstream: SocketAddr, cuts: watch::Sender<u64>) {
    loop {
        let Ok((mut client, _)) = listener.accept().await else {
            continue;
        };
        let mut cut = cuts.subscribe();
        tokio::spawn(async move {
            let Ok(mut server) = TcpStream::connect(upstream).await else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                _ = cut.changed() => {}
            }
        });
    }
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let (cuts, _) = watch::channel(0u64);
        let task = tokio::spawn(serve(listener, upstream, cuts.clone()));
        Proxy {
            addr,
            upstream,
            cuts,
            task: Mutex::new(task),
        }
    }

    /// Cuts every connection and refuses new ones for `outage` (blocking the caller).
    pub fn cut(&self, outage: Duration) {
        self.task.lock().expect("proxy").abort();
        self.cuts.send_modify(|n| *n += 1);
        std::thread::sleep(outage);
        let (addr, upstream, cuts) = (self.addr, self.upstream, self.cuts.clone());
        let runtime = tokio::runtime::Handle::current();
        let listener = runtime.block_on(async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match TcpListener::bind(addr).await {
                    Ok(l) => break l,
                    Err(e) if Instant::now() < deadline => {
                        let _ = e;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(e) => panic!("cannot bind the proxy again on {addr}: {e}"),
                }
            }
        });
        let task = runtime.spawn(serve(listener, upstream, cuts));
        *self.task.lock().expect("proxy") = task;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.lock().expect("proxy").abort();
    }
}

/// One service process.
struct Node {
    name: &'static str,
    env: Vec<(&'static str, String)>,
    child: Child,
}

/// The running processes and the proxies in front of Postgres and Redis.
pub struct Processes {
    bin: PathBuf,
    dir: PathBuf,
    nodes: Vec<Node>,
    pub postgres: Proxy,
    pub redis: Proxy,
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

async fn resolve(url: &str) -> SocketAddr {
    let parsed = reqwest::Url::parse(url).expect("url");
    let host = parsed.host_str().expect("host").to_owned();
    let port = parsed.port().expect("port");
    tokio::net::lookup_host((host.as_str(), port))
        .await
        .expect("resolve")
        .find(SocketAddr::is_ipv4)
        .expect("an IPv4 address")
}

fn through(url: &str, proxy: SocketAddr) -> String {
    let mut parsed = reqwest::Url::parse(url).expect("url");
    parsed.set_host(Some("127.0.0.1")).expect("host");
    parsed.set_port(Some(proxy.port())).expect("port");
    parsed.to_string()
}

impl Processes {
    fn spawn(&self, name: &'static str, env: &[(&'static str, String)]) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{name}.log")))
            .expect("log file");
        Command::new(&self.bin)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("JUXUAN_NODE_SERVICE", name)
            .env("RUST_LOG", "info")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({}): {e}", self.bin.display()))
    }

    fn node(&mut self, name: &str) -> &mut Node {
        self.nodes
            .iter_mut()
            .find(|n| n.name == name)
            .unwrap_or_else(|| panic!("no service {name}"))
    }

    /// SIGKILL, then the same service started again on the same addresses.
    pub fn kill9_and_restart(&mut self, name: &str, down_for: Duration) {
        let node = self.node(name);
        let _ = node.child.kill();
        let _ = node.child.wait();
        std::thread::sleep(down_for);
        let (name, env) = (node.name, node.env.clone());
        let child = self.spawn(name, &env);
        self.node(name).child = child;
    }

    /// SIGSTOP for `pause`, then SIGCONT: a frozen process (its outbox relay, its consumers
    /// and its requests in flight all stand still).
    pub fn freeze(&mut self, name: &str, pause: Duration) {
        let pid = self.node(name).child.id().to_string();
        let signal = |s: &str| {
            let ok = Command::new("kill")
                .args([s, &pid])
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "kill {s} {pid}");
        };
        signal("-STOP");
        std::thread::sleep(pause);
        signal("-CONT");
    }

    /// Every line the processes wrote.
    pub fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|n| {
                std::fs::read_to_string(self.dir.join(format!("{}.log", n.name)))
                    .unwrap_or_default()
            })
            .collect()
    }

    fn stop_all(&mut self) {
        for node in &mut self.nodes {
            let _ = Command::new("kill")
                .args(["-TERM", &node.child.id().to_string()])
                .status();
        }
        for node in &mut self.nodes {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if matches!(node.child.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = node.child.kill();
            let _ = node.child.wait();
        }
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        self.stop_all();
    }
}

impl Stack {
    /// The stack as five processes of `bin` (`juxuan-node`), behind proxies to Postgres and
    /// Redis; its logs go to files under `target/juxuan/processes-<pid>-<n>/`.
    pub async fn start_processes(bin: &Path) -> Stack {
        let db = TestDb::create("processes").await;
        let redis_url = isolated_redis_url().await;
        let db_url = db.url.expose_secret().to_owned();
        let postgres = Proxy::start(resolve(&db_url).await).await;
        let redis = Proxy::start(resolve(&redis_url).await).await;
        let dir = crate::workspace_target().join("juxuan").join(format!(
            "processes-{}-{}",
            std::process::id(),
            db.name
        ));
        std::fs::create_dir_all(&dir).expect("log dir");

        let names = ["nomination", "review", "ballot", "reporting"];
        let grpc: Vec<(&'static str, SocketAddr)> =
            names.iter().map(|n| (*n, free_addr())).collect();
        let admin: Vec<(&'static str, SocketAddr)> =
            names.iter().map(|n| (*n, free_addr())).collect();
        let url = |name: &str| {
            let addr = grpc.iter().find(|(n, _)| *n == name).expect("service").1;
            format!("http://{addr}")
        };
        let common = vec![
            ("DATABASE_URL", through(&db_url, postgres.addr)),
            ("REDIS_URL", through(&redis_url, redis.addr)),
            ("JUXUAN_DB_MAX_CONNECTIONS", "5".to_owned()),
            ("JUXUAN_ENV", "development".to_owned()),
            ("JUXUAN_NOMINATION_URL", url("nomination")),
            ("JUXUAN_REVIEW_URL", url("review")),
            ("JUXUAN_BALLOT_URL", url("ballot")),
            ("JUXUAN_REPORTING_URL", url("reporting")),
        ];
        let mut processes = Processes {
            bin: bin.to_path_buf(),
            dir,
            nodes: Vec::new(),
            postgres,
            redis,
        };
        for (i, name) in names.iter().enumerate() {
            let mut env = common.clone();
            env.push(("JUXUAN_GRPC_ADDR", grpc[i].1.to_string()));
            env.push(("JUXUAN_ADMIN_ADDR", admin[i].1.to_string()));
            let child = processes.spawn(name, &env);
            processes.nodes.push(Node { name, env, child });
        }
        let http_addr = free_addr();
        let mut env = common.clone();
        env.extend([
            ("JUXUAN_HTTP_ADDR", http_addr.to_string()),
            ("JUXUAN_DISTRICT", DISTRICT.to_owned()),
            ("JUXUAN_ADMIN_USERNAME", ADMIN.to_owned()),
            ("JUXUAN_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
            ("JUXUAN_ACCESS_TOKEN_TTL_SECONDS", "3600".to_owned()),
            ("JUXUAN_RATE_LIMIT_PER_MINUTE", "1000000".to_owned()),
            ("JUXUAN_REQUEST_TIMEOUT_SECONDS", "10".to_owned()),
        ]);
        let child = processes.spawn("gateway", &env);
        processes.nodes.push(Node {
            name: "gateway",
            env,
            child,
        });

        let pool = db.pool().await;
        let stack = Stack {
            base: format!("http://{http_addr}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            pool,
            redis_url,
            db,
            nomination_grpc: grpc[0].1,
            admin_addrs: admin,
            grpc_addrs: grpc,
            trigger: None,
            tasks: Vec::new(),
            ballot: None,
            processes: Some(processes),
        };
        stack.wait_ready().await;
        stack
    }

    /// The processes of a stack started with [`Stack::start_processes`].
    pub fn processes(&mut self) -> &mut Processes {
        self.processes.as_mut().expect("a stack of processes")
    }
}
