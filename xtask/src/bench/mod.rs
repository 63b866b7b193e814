//! `cargo xtask bench`: starts a release build of Rampart on free ports, drives keep-alive
//! HTTPS load at it from this machine, and writes the figures to docs/PERFORMANCE.md.
//!
//! Figures are reported as ratios against a baseline measured in the same run (`/healthz`,
//! the cheapest route), because absolute numbers on a shared machine mean little.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::system::{root, run};

struct Server {
    child: Child,
    public: u16,
    _dir: tempfile::TempDir,
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

fn start_server(binary: &Path) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let public = free_port()?;
    let mut command = Command::new(binary);
    command
        .arg("serve")
        .current_dir(dir.path())
        .env("RAMPART_LOG__LEVEL", "warn")
        .stdout(Stdio::null());
    command.env("RAMPART_LISTEN__PUBLIC", format!("127.0.0.1:{public}"));
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
        _dir: dir,
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

struct Stats {
    name: &'static str,
    requests: usize,
    errors: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    peak_rss_mib: f64,
}

async fn load(
    name: &'static str,
    url: String,
    seconds: u64,
    connections: usize,
    pid: u32,
) -> anyhow::Result<Stats> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let errors = Arc::new(AtomicU64::new(0));
    let running = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (running, peak) = (running.clone(), peak.clone());
        tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                let kib = (resident_mib(pid) * 1024.0) as u64;
                peak.fetch_max(kib, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..connections {
        // One client per worker: one keep-alive connection each, HTTP/1.1 like most clients.
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .http1_only()
            .pool_max_idle_per_host(1)
            .build()?;
        let (url, errors) = (url.clone(), errors.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                match client.get(&url).send().await {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                        latencies.push(sent.elapsed());
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    running.store(false, Ordering::Relaxed);
    sampler.await?;
    if latencies.is_empty() {
        bail!("{name}: no request succeeded");
    }
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    Ok(Stats {
        name,
        requests: latencies.len(),
        errors: errors.load(Ordering::Relaxed),
        per_second: latencies.len() as f64 / elapsed,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        peak_rss_mib: peak.load(Ordering::Relaxed) as f64 / 1024.0,
    })
}

async fn wait_ready(port: u16) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()?;
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
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cores} cores ({cpu})")
}

pub fn run_bench(seconds: u64, connections: usize) -> anyhow::Result<ExitCode> {
    run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root())
            .args(["build", "--release", "--locked", "-p", "rampart"]),
    )?;
    let binary = root().join("target/release/rampart");
    let server = start_server(&binary)?;
    let pid = server.child.id();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (idle, results) = runtime.block_on(async {
        wait_ready(server.public).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = resident_mib(pid);
        let base = format!("https://127.0.0.1:{}", server.public);
        let mut results = Vec::new();
        for (name, path) in [
            ("GET /healthz", "/healthz"),
            ("GET /security (trust page)", "/security"),
        ] {
            eprintln!("xtask: {name} for {seconds} s with {connections} connections");
            results.push(load(name, format!("{base}{path}"), seconds, connections, pid).await?);
        }
        anyhow::Ok((idle, results))
    })?;
    drop(server);
    let report = report(idle, &results, seconds, connections);
    let path = root().join("docs/PERFORMANCE.md");
    std::fs::create_dir_all(root().join("docs"))?;
    std::fs::write(&path, &report)?;
    println!("{report}");
    eprintln!("xtask: wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

fn report(idle_mib: f64, results: &[Stats], seconds: u64, connections: usize) -> String {
    let mut out = String::new();
    let baseline = results.first().map_or(1.0, |s| s.per_second);
    let _ = writeln!(out, "# Performance\n");
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench`; do not edit by hand. Each run starts a release build of"
    );
    let _ = writeln!(
        out,
        "Rampart with its default configuration (SQLite, self-signed certificate) and drives load"
    );
    let _ = writeln!(
        out,
        "at it from the same machine, so client and server share the cores. Ratios compare"
    );
    let _ = writeln!(
        out,
        "figures of the same run; absolute figures vary with the machine and its other load.\n"
    );
    let _ = writeln!(out, "- machine: {}", machine());
    let _ = writeln!(
        out,
        "- load: {connections} concurrent HTTPS/1.1 keep-alive connections, {seconds} s per scenario\n"
    );
    let _ = writeln!(out, "## Foundation: HTTPS serving\n");
    let _ = writeln!(
        out,
        "| scenario | requests/s | vs `/healthz` | p50 | p99 | errors | peak resident memory |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for s in results {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.2} | {:.2} ms | {:.2} ms | {} | {:.1} MiB |",
            s.name,
            s.per_second,
            s.per_second / baseline,
            s.p50_ms,
            s.p99_ms,
            s.errors,
            s.peak_rss_mib
        );
    }
    let total: usize = results.iter().map(|s| s.requests).sum();
    let _ = writeln!(
        out,
        "\nResident memory idle: {idle_mib:.1} MiB. Requests served in all: {total}."
    );
    out
}
