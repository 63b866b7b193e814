//! Identity under load: the Argon2id bound timed with the server's own hasher, an account
//! and an API token set up through the real pages, then a flood of password log-ins with
//! latency probes beside it and the server's memory sampled.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use identity::model::SecretText;
use identity::model::hashing::{HashingMemory, HashingParams, PasswordHasher};
use platform::config::IdentityConfig;

use super::browser::{Browser, CSRF_COOKIE, SESSION_COOKIE};
use super::flood::{Counts, Flood, Latencies, LoginForm, Probe, probe_all};
use super::{CpuTime, RssSampler, Server, cores, resident_mib};

/// Hashes timed for the bound, after as many to warm up; the median is used.
const HASHES: usize = 10;
/// Flood time before counting, so that every connection is open and the pool is full.
const WARM_UP: Duration = Duration::from_secs(2);
const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "velvet harbour lantern quietly 42";

/// The Argon2id bound: how many log-ins per second the cores could verify if they did
/// nothing but hash.
pub(super) struct HashBound {
    pub params: HashingParams,
    pub hashes: usize,
    pub median_ms: f64,
    pub fastest_ms: f64,
    pub slowest_ms: f64,
    /// Median of the warm-up hashes, not counted.
    pub warm_up_median_ms: f64,
    pub cores: usize,
    /// Hashes per second with every core hashing at once, each thread reusing its memory as
    /// the server's workers do: the cores share the memory bandwidth that Argon2id is built
    /// to exhaust, so this is below `cores ÷ time of one hash`.
    pub all_cores_per_second: f64,
}

impl HashBound {
    pub fn per_second(&self) -> f64 {
        self.cores as f64 / (self.median_ms / 1000.0)
    }
}

pub(super) struct IdentityFigures {
    pub config: IdentityConfig,
    /// Hashes the server's pool admits at once: budget ÷ memory per hash.
    pub slots: u64,
    pub bound: HashBound,
    pub connections: usize,
    pub warm_up: Duration,
    pub window_s: f64,
    pub counts: Counts,
    pub quiet: Vec<Latencies>,
    pub loaded: Vec<Latencies>,
    /// Cores the server and this process (flood and probes) kept busy while counting.
    pub server_cpu: CpuTime,
    pub bench_cpu: CpuTime,
    pub peak_rss_mib: f64,
    /// Resident memory a second after the flood stopped.
    pub rss_after_mib: f64,
}

impl IdentityFigures {
    pub fn logins_per_second(&self) -> f64 {
        self.counts.logged_in as f64 / self.window_s
    }
}

pub(super) async fn measure(
    server: &Server,
    config: &IdentityConfig,
    seconds: u64,
) -> anyhow::Result<IdentityFigures> {
    let params = HashingParams {
        memory_kib: config.hash_memory_kib,
        iterations: config.hash_iterations,
        parallelism: config.hash_parallelism,
    };
    eprintln!("xtask: timing {HASHES} Argon2id hashes after {HASHES} to warm up");
    let bound = tokio::task::spawn_blocking(move || time_hashes(params, HASHES)).await??;
    eprintln!("xtask: signing up and creating an API token through the pages");
    let account = set_up_account(server, EMAIL).await?;
    let slots = config.hashing_memory_budget_mib * 1024 / u64::from(config.hash_memory_kib);
    let connections = usize::try_from(2 * slots.max(1))?.max(16);
    let base = format!("https://127.0.0.1:{}", server.public);
    let probes = [
        Probe::new("GET /api/v1/me (bearer token)", &base, "/api/v1/me").bearer(&account.api_token),
        Probe::new("GET /healthz", &base, "/healthz"),
    ];
    let window = Duration::from_secs(seconds);
    eprintln!("xtask: latency probes for {seconds} s without load");
    let quiet = probe_all(&probes, window).await?;

    eprintln!("xtask: log-in flood from {connections} connections, {seconds} s after warm-up");
    let flood = Flood::start(Arc::new(account.login), connections)?;
    tokio::time::sleep(WARM_UP).await;
    let (before, started) = (flood.counts(), Instant::now());
    let (server_cpu, bench_cpu) = (CpuTime::of(server.pid()), CpuTime::of(std::process::id()));
    let sampler = RssSampler::start(server.pid(), Duration::from_millis(50));
    let loaded = probe_all(&probes, window).await?;
    let counts = flood.counts().minus(before);
    let window_s = started.elapsed().as_secs_f64();
    let server_cpu = CpuTime::of(server.pid()).cores_since(server_cpu, window_s);
    let bench_cpu = CpuTime::of(std::process::id()).cores_since(bench_cpu, window_s);
    let peak_rss_mib = sampler.stop().await?;
    flood.stop().await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok(IdentityFigures {
        config: config.clone(),
        slots,
        bound,
        connections,
        warm_up: WARM_UP,
        window_s,
        counts,
        quiet,
        loaded,
        server_cpu,
        bench_cpu,
        peak_rss_mib,
        rss_after_mib: resident_mib(server.pid()),
    })
}

/// Times `count` hashes at `params` with the server's hasher in one reused working memory,
/// as each of the server's hashing workers has, after as many to warm up: the first hashes
/// of a process are slower while that memory faults in, and a server that has hashed once
/// no longer pays for that.
fn time_hashes(params: HashingParams, count: usize) -> anyhow::Result<HashBound> {
    if count == 0 {
        bail!("no hashes to time");
    }
    let hasher = PasswordHasher::new(params)?;
    let password = SecretText::new(PASSWORD);
    let mut memory = HashingMemory::new();
    let mut time = || -> anyhow::Result<f64> {
        let started = Instant::now();
        hasher.hash_in(&password, &mut memory)?;
        Ok(started.elapsed().as_secs_f64() * 1000.0)
    };
    let mut warm_up = (0..count)
        .map(|_| time())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut samples = (0..count)
        .map(|_| time())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let median_ms = median(&mut samples);
    Ok(HashBound {
        params,
        hashes: count,
        median_ms,
        fastest_ms: samples[0],
        slowest_ms: samples[count - 1],
        warm_up_median_ms: median(&mut warm_up),
        cores: cores(),
        all_cores_per_second: hash_on_every_core(&hasher, cores(), count)?,
    })
}

/// Hashes per second with one thread per core, each hashing `count` times in its own
/// reused memory after a few hashes to warm up.
fn hash_on_every_core(hasher: &PasswordHasher, cores: usize, count: usize) -> anyhow::Result<f64> {
    let start = std::sync::Barrier::new(cores + 1);
    let elapsed = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    let mut memory = HashingMemory::new();
                    let password = SecretText::new(PASSWORD);
                    for _ in 0..3 {
                        hasher.hash_in(&password, &mut memory)?;
                    }
                    start.wait();
                    for _ in 0..count {
                        hasher.hash_in(&password, &mut memory)?;
                    }
                    Ok(())
                })
            })
            .collect();
        start.wait();
        let started = Instant::now();
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a hashing thread panicked"))??;
        }
        Ok::<_, anyhow::Error>(started.elapsed())
    })?;
    Ok((cores * count) as f64 / elapsed.as_secs_f64())
}

/// Sorts `samples` (not empty) and returns their median.
fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    match n % 2 {
        0 => (samples[n / 2 - 1] + samples[n / 2]) / 2.0,
        _ => samples[n / 2],
    }
}

pub(super) struct Account {
    login: LoginForm,
    pub api_token: String,
}

/// Signs up, confirms the address by the mailed link, logs in and creates an API token,
/// all through the pages a browser would use.
pub(super) async fn set_up_account(server: &Server, email: &str) -> anyhow::Result<Account> {
    let mut browser = Browser::new(server.public)?;
    browser.get("/signup").await?.expect(200, "GET /signup")?;
    let fields = [
        ("name", "Bench Person"),
        ("organisation", "Bench Organisation"),
        ("email", email),
        ("password", PASSWORD),
    ];
    browser
        .post("/signup", &fields)
        .await?
        .expect(200, "POST /signup")?;
    let link = verification_link(&server.mail_dir(), email).await?;
    browser.get(&link).await?.expect(200, "GET /verify-email")?;
    let credentials = [("email", email), ("password", PASSWORD)];
    let login = LoginForm {
        url: format!("https://127.0.0.1:{}/login", server.public),
        origin: browser.origin.clone(),
        cookie: format!(
            "{CSRF_COOKIE}={}",
            browser.cookies.get(CSRF_COOKIE).context("no csrf cookie")?
        ),
        fields: credentials
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .chain([(
                "csrf_token".to_owned(),
                browser.csrf.clone().context("no csrf token")?,
            )])
            .collect(),
    };
    let page = browser.post("/login", &credentials).await?;
    let page = page.expect(303, "POST /login")?;
    if page.location.as_deref() != Some("/account/security")
        || !browser.cookies.contains_key(SESSION_COOKIE)
    {
        bail!("log-in did not start a full session: {:?}", page.location);
    }
    browser
        .get("/account/security")
        .await?
        .expect(200, "GET /account/security")?;
    let token_fields = [
        ("name", "bench"),
        ("scopes", "contacts:read"),
        ("scopes", "contacts:write"),
        ("expires_in_days", "30"),
    ];
    let page = browser.post("/account/tokens", &token_fields).await?;
    let api_token = page
        .expect(200, "POST /account/tokens")?
        .text_of("new-token")
        .filter(|t| t.starts_with("rmp_"))
        .context("the token page shows no new token")?;
    Ok(Account { login, api_token })
}

/// The path of the `/verify-email/…` link in the mail to `email` the server dropped in `dir`.
async fn verification_link(dir: &Path, email: &str) -> anyhow::Result<String> {
    for _ in 0..200 {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "eml") {
                continue;
            }
            let raw = std::fs::read(&path)?;
            let text = quoted_printable::decode(&raw, quoted_printable::ParseMode::Robust)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .with_context(|| format!("cannot decode {}", path.display()))?;
            if !text.contains(email) {
                continue;
            }
            if let Some(start) = text.find("/verify-email/") {
                let link: String = text[start..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '<' | '>'))
                    .collect();
                return Ok(link);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("no verification mail appeared in {}", dir.display())
}
