//! `cargo xtask bench`: starts a release build of Rampart on free ports, drives keep-alive
//! HTTPS load at it from this machine, and writes the figures to docs/PERFORMANCE.md.
//!
//! Figures are reported as ratios against a baseline measured in the same run (`/healthz`,
//! the cheapest route, and for log-ins the Argon2id bound timed here), because absolute
//! numbers on a shared machine mean little.

mod audit;
mod audit_reads;
mod audit_report;
mod browser;
mod flood;
mod identity;
mod report;
mod serving;
mod vault;
mod vault_report;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use platform::config::IdentityConfig;
use tokio::task::JoinHandle;

use crate::system::{root, run};

/// Per-address log-in allowance given to the benchmarked server: every request of the
/// bench comes from 127.0.0.1, and the flood measures hashing, not that limit.
const PER_IP_ALLOWANCE: &str = "100000000";

struct Server {
    child: Child,
    public: u16,
    dir: tempfile::TempDir,
    /// The binary it runs, for its other commands.
    binary: PathBuf,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server as an operator would (SIGTERM), and waits for it.
    fn stop(&mut self) -> anyhow::Result<()> {
        run(Command::new("kill").args(["-TERM", &self.pid().to_string()]))?;
        self.child.wait()?;
        Ok(())
    }

    /// Where the server drops its mail as `.eml` files (no SMTP server is configured).
    fn mail_dir(&self) -> PathBuf {
        self.dir.path().join("data/mail")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts Rampart with its default configuration, except the per-address allowance and the
/// hashing settings of `identity` (the defaults too, passed so that the Argon2id bound
/// timed here uses the very parameters the server runs with).
/// The environment that gives a `rampart` command the Argon2id parameters of `identity`.
fn hash_params_env(identity: &IdentityConfig) -> [(&'static str, String); 3] {
    [
        (
            "RAMPART_IDENTITY__HASH_MEMORY_KIB",
            identity.hash_memory_kib.to_string(),
        ),
        (
            "RAMPART_IDENTITY__HASH_ITERATIONS",
            identity.hash_iterations.to_string(),
        ),
        (
            "RAMPART_IDENTITY__HASH_PARALLELISM",
            identity.hash_parallelism.to_string(),
        ),
    ]
}

fn start_server(
    binary: &Path,
    identity: &IdentityConfig,
    extra: &[(&str, &str)],
) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let public = free_port()?;
    let mut command = Command::new(binary);
    command
        .arg("serve")
        .current_dir(dir.path())
        .env("RAMPART_LOG__LEVEL", "warn")
        .env("RAMPART_IDENTITY__PER_IP_BURST", PER_IP_ALLOWANCE)
        .env("RAMPART_IDENTITY__PER_IP_PER_MINUTE", PER_IP_ALLOWANCE)
        .envs(hash_params_env(identity))
        .env(
            "RAMPART_IDENTITY__HASHING_MEMORY_BUDGET_MIB",
            identity.hashing_memory_budget_mib.to_string(),
        )
        .stdout(Stdio::null());
    command.env("RAMPART_LISTEN__PUBLIC", format!("127.0.0.1:{public}"));
    for (name, value) in extra {
        command.env(name, value);
    }
    for listener in ["REDIRECT", "STAFF", "METRICS"] {
        command.env(
            format!("RAMPART_LISTEN__{listener}"),
            format!("127.0.0.1:{}", free_port()?),
        );
    }
    let child = command.spawn().context("cannot start rampart")?;
    Ok(Server {
        child,
        public,
        dir,
        binary: binary.to_owned(),
    })
}

/// Resident memory of a process, in MiB.
fn resident_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// CPU time a process has used so far, in seconds: (user, system).
#[derive(Debug, Clone, Copy, Default)]
struct CpuTime {
    user: f64,
    system: f64,
}

impl CpuTime {
    fn of(pid: u32) -> Self {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The fields after the command name, which is in parentheses and may hold spaces;
        // utime and stime are fields 14 and 15 of the whole line.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
        let per_second = clock_ticks_per_second();
        Self {
            user: ticks(11).unwrap_or(0.0) / per_second,
            system: ticks(12).unwrap_or(0.0) / per_second,
        }
    }

    /// Cores kept busy on average since `earlier`, over `seconds`.
    fn cores_since(self, earlier: Self, seconds: f64) -> CpuTime {
        self.minus(earlier).per_second(seconds)
    }

    /// CPU seconds spent since `earlier`.
    fn minus(self, earlier: Self) -> Self {
        Self {
            user: self.user - earlier.user,
            system: self.system - earlier.system,
        }
    }

    fn plus(self, other: Self) -> Self {
        Self {
            user: self.user + other.user,
            system: self.system + other.system,
        }
    }

    /// Cores kept busy on average, for CPU seconds spent over `seconds`.
    fn per_second(self, seconds: f64) -> Self {
        Self {
            user: self.user / seconds,
            system: self.system / seconds,
        }
    }

    fn total(self) -> f64 {
        self.user + self.system
    }
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Samples a process's resident memory until stopped, keeping the peak.
struct RssSampler {
    running: Arc<AtomicBool>,
    peak_kib: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl RssSampler {
    fn start(pid: u32, every: Duration) -> Self {
        let running = Arc::new(AtomicBool::new(true));
        let peak_kib = Arc::new(AtomicU64::new(0));
        let task = {
            let (running, peak) = (running.clone(), peak_kib.clone());
            tokio::spawn(async move {
                while running.load(Ordering::Relaxed) {
                    let kib = (resident_mib(pid) * 1024.0) as u64;
                    peak.fetch_max(kib, Ordering::Relaxed);
                    tokio::time::sleep(every).await;
                }
            })
        };
        Self {
            running,
            peak_kib,
            task,
        }
    }

    /// Stops sampling; the peak in MiB.
    async fn stop(self) -> anyhow::Result<f64> {
        self.running.store(false, Ordering::Relaxed);
        self.task.await?;
        Ok(self.peak_kib.load(Ordering::Relaxed) as f64 / 1024.0)
    }
}

/// An HTTPS client for the server's self-signed certificate: one keep-alive HTTP/1.1
/// connection, like most clients, and no redirects followed (the bench reads them).
fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .http1_only()
        .pool_max_idle_per_host(1)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

async fn wait_ready(port: u16) -> anyhow::Result<()> {
    let client = client()?;
    for _ in 0..300 {
        if client
            .get(format!("https://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("rampart did not become ready")
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{} cores ({cpu})", cores())
}

/// What `cargo xtask bench` measures.
pub struct BenchOptions {
    pub seconds: u64,
    pub connections: usize,
    /// Sizes of the audit log at which proofs and checkpoints are timed; the last is verified.
    pub audit_sizes: Vec<u64>,
    /// Contacts in the import benchmark's file.
    pub import_rows: u64,
    /// Only these parts, printed and not written to docs/PERFORMANCE.md; empty for all.
    pub only: Vec<Part>,
}

/// The parts of the bench that can run alone, to iterate on one figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    /// `GET /healthz` and the trust page
    Serving,
    /// Authenticated reads with audit on and off
    Reads,
    /// The log-in flood and the Argon2id bound
    Logins,
    /// The audit log's in-process figures: appends, proofs, checkpoints, verification
    Audit,
    /// Contact reads and writes with audit on and off
    Contacts,
    /// A million contacts through `rampart import contacts`, on SQLite and PostgreSQL
    Import,
}

pub fn run_bench(options: &BenchOptions) -> anyhow::Result<ExitCode> {
    let (seconds, connections) = (options.seconds, options.connections);
    let load_average = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if !options.only.is_empty() {
        return run_parts(&runtime, options);
    }
    let binary = build_rampart()?;
    let config = IdentityConfig::default();
    let (server, unaudited) = start_pair(&binary, &config)?;
    let pid = server.pid();
    let (idle, serving, read_cost, contacts, identity) = runtime.block_on(async {
        wait_ready(server.public).await?;
        wait_ready(unaudited.public).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = resident_mib(pid);
        let base = format!("https://127.0.0.1:{}", server.public);
        let mut serving = Vec::new();
        for (name, path) in [
            ("GET /healthz", "/healthz"),
            ("GET /security (trust page)", "/security"),
        ] {
            eprintln!("xtask: {name} for {seconds} s with {connections} connections");
            let url = format!("{base}{path}");
            serving.push(serving::load(name, url, seconds, connections, pid, None).await?);
        }
        let read_cost = audit_reads::measure(&server, &unaudited, seconds).await?;
        let contacts = vault::measure_requests(&server, &unaudited, seconds).await?;
        let identity = identity::measure(&server, &config, seconds).await?;
        anyhow::Ok((idle, serving, read_cost, contacts, identity))
    })?;
    drop(server);
    drop(unaudited);
    let work = tempfile::tempdir()?;
    let audit = runtime.block_on(audit::measure(seconds, work.path(), &options.audit_sizes))?;
    let imports = runtime.block_on(vault::measure_imports(
        &binary,
        &config,
        work.path(),
        options.import_rows,
    ))?;
    drop(work);
    let report = report::render(&report::Run {
        load_average: &load_average,
        idle_mib: idle,
        serving: &serving,
        seconds,
        connections,
        identity: &identity,
        read_cost: &read_cost,
        audit: &audit,
        contacts: &contacts,
        imports: &imports,
    });
    let path = root().join("docs/PERFORMANCE.md");
    std::fs::create_dir_all(root().join("docs"))?;
    std::fs::write(&path, &report)?;
    println!("{report}");
    eprintln!("xtask: wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn build_rampart() -> anyhow::Result<PathBuf> {
    run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root())
            .args(["build", "--release", "--locked", "-p", "rampart"]),
    )?;
    Ok(root().join("target/release/rampart"))
}

/// A server with the default configuration and one alike except that nothing is audited.
fn start_pair(binary: &Path, config: &IdentityConfig) -> anyhow::Result<(Server, Server)> {
    let server = start_server(binary, config, &[])?;
    let unaudited = start_server(
        binary,
        config,
        &[
            ("RAMPART_AUDIT__RECORD_READS", "false"),
            ("RAMPART_AUDIT__RECORD_WRITES", "false"),
        ],
    )?;
    Ok((server, unaudited))
}

/// `--only`: the chosen parts, printed as they would appear in docs/PERFORMANCE.md.
fn run_parts(
    runtime: &tokio::runtime::Runtime,
    options: &BenchOptions,
) -> anyhow::Result<ExitCode> {
    let (seconds, connections) = (options.seconds, options.connections);
    let wants = |part| options.only.contains(&part);
    if wants(Part::Serving) || wants(Part::Reads) || wants(Part::Logins) || wants(Part::Contacts) {
        let binary = build_rampart()?;
        let config = IdentityConfig::default();
        let (server, unaudited) = start_pair(&binary, &config)?;
        runtime.block_on(async {
            wait_ready(server.public).await?;
            wait_ready(unaudited.public).await?;
            if wants(Part::Serving) {
                let url = format!("https://127.0.0.1:{}/healthz", server.public);
                let stats = serving::load(
                    "GET /healthz",
                    url,
                    seconds,
                    connections,
                    server.pid(),
                    None,
                )
                .await?;
                println!("{}", report::serving_row(&stats));
            }
            if wants(Part::Reads) {
                let reads = audit_reads::measure(&server, &unaudited, seconds).await?;
                println!("{}", audit_report::reads_details(&reads));
            }
            if wants(Part::Contacts) {
                let pairs = vault::measure_requests(&server, &unaudited, seconds).await?;
                println!("{}", vault_report::details(&pairs, &[]));
            }
            if wants(Part::Logins) {
                let identity = identity::measure(&server, &config, seconds).await?;
                println!("{}", report::identity_details(&identity));
            }
            anyhow::Ok(())
        })?;
    }
    if wants(Part::Audit) {
        let work = tempfile::tempdir()?;
        let figures =
            runtime.block_on(audit::measure(seconds, work.path(), &options.audit_sizes))?;
        println!("{}", report::audit_details(&figures));
    }
    if wants(Part::Import) {
        let binary = build_rampart()?;
        let work = tempfile::tempdir()?;
        let config = IdentityConfig::default();
        let imports = runtime.block_on(vault::measure_imports(
            &binary,
            &config,
            work.path(),
            options.import_rows,
        ))?;
        let mut out = String::new();
        vault_report::targets(&mut out, &[], &imports);
        println!("{out}{}", vault_report::details(&[], &imports));
    }
    Ok(ExitCode::SUCCESS)
}
