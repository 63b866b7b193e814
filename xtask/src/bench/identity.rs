//! Identity under load: the Argon2id bound timed by the server's own binary (`rampart admin
//! hashing time`), an account and an API token set up through the real pages, then a flood
//! of password log-ins with latency probes beside it and the server's memory sampled.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use identity::model::hashing::HashingParams;
use platform::config::IdentityConfig;

use super::browser::{Browser, CSRF_COOKIE, SESSION_COOKIE};
use super::flood::{Counts, Flood, Latencies, LoginForm, Probe, probe_all};
use super::{CpuTime, RssSampler, Server, cores, hash_params_env, resident_mib};

/// Counted rounds of the flood. Before each, the flood pauses and hashes are timed for the
/// bound on the idle server, so that a shared machine whose speed drifts during the run
/// drifts alike for the bound and for the log-ins.
const ROUNDS: usize = 5;
/// Hashes timed before each round; the median of all of them is the bound's time per hash.
const HASHES_PER_ROUND: usize = 12;
/// Hashes before the first timed one: the first hashes fault their memory in.
pub(super) const WARM_UP_HASHES: usize = 10;
/// Hashes before the timed ones of each round, in the timing command's fresh process.
const ROUND_WARM_UP_HASHES: usize = 2;
/// Flood time before the first round, so that every connection is open.
const WARM_UP: Duration = Duration::from_secs(2);
/// Flood time after each pause before counting again, so that the pool's queue is full.
pub(super) const ROUND_WARM_UP: Duration = Duration::from_millis(300);
const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "velvet harbour lantern quietly 42";

/// The Argon2id bound: how many log-ins per second the cores could verify if they did
/// nothing but hash.
pub(super) struct HashBound {
    pub params: HashingParams,
    /// Every timed hash, in milliseconds, sorted.
    pub samples_ms: Vec<f64>,
    pub median_ms: f64,
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

    pub fn fastest_ms(&self) -> f64 {
        self.samples_ms[0]
    }

    pub fn slowest_ms(&self) -> f64 {
        self.samples_ms[self.samples_ms.len() - 1]
    }
}

/// One counted round of the flood and the hashes timed just before it.
pub(super) struct Round {
    pub logins_per_second: f64,
    pub bound_per_second: f64,
}

pub(super) struct IdentityFigures {
    pub config: IdentityConfig,
    /// Hashes the server's pool admits at once: budget ÷ memory per hash.
    pub slots: u64,
    pub bound: HashBound,
    pub connections: usize,
    pub warm_up: Duration,
    pub rounds: Vec<Round>,
    /// Time counted, over all rounds.
    pub window_s: f64,
    pub counts: Counts,
    /// Log-ins while the latency probes ran beside the flood, and over how long.
    pub probed_counts: Counts,
    pub probed_window_s: f64,
    pub quiet: Vec<Latencies>,
    pub loaded: Vec<Latencies>,
    /// Cores the server and this process (the flood) kept busy while counting.
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

/// Log-ins counted over the rounds, and the CPU spent meanwhile.
struct Counted {
    rounds: Vec<Round>,
    samples_ms: Vec<f64>,
    counts: Counts,
    window_s: f64,
    server_cpu: CpuTime,
    bench_cpu: CpuTime,
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
    eprintln!("xtask: timing the bound's hashes with the server's binary, alone and on every core");
    let timer = BoundTimer {
        binary: server.binary.clone(),
        dir: server.dir.path().to_owned(),
        config: config.clone(),
    };
    let (warm_up_ms, all_cores_per_second) = {
        let timer = timer.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let mut warm_up = timer.time(1, WARM_UP_HASHES, 0)?.samples_ms;
            let all_cores = timer.time(cores(), HASHES_PER_ROUND, 3)?.hashes_per_second;
            Ok((median(&mut warm_up), all_cores))
        })
        .await??
    };
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

    eprintln!(
        "xtask: log-in flood from {connections} connections: {ROUNDS} rounds over {seconds} s, \
         each after {HASHES_PER_ROUND} hashes timed with the flood paused"
    );
    let flood = Flood::start(Arc::new(account.login), connections)?;
    let sampler = RssSampler::start(server.pid(), Duration::from_millis(50));
    tokio::time::sleep(WARM_UP).await;
    let counted = count_rounds(server, &flood, timer, window / ROUNDS as u32).await?;

    eprintln!("xtask: latency probes for {seconds} s beside the flood");
    let (before, started) = (flood.counts(), Instant::now());
    let loaded = probe_all(&probes, window).await?;
    let probed_counts = flood.counts().minus(before);
    let probed_window_s = started.elapsed().as_secs_f64();
    let peak_rss_mib = sampler.stop().await?;
    flood.stop().await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut samples_ms = counted.samples_ms;
    let median_ms = median(&mut samples_ms);
    Ok(IdentityFigures {
        config: config.clone(),
        slots,
        bound: HashBound {
            params,
            samples_ms,
            median_ms,
            warm_up_median_ms: warm_up_ms,
            cores: cores(),
            all_cores_per_second,
        },
        connections,
        warm_up: WARM_UP,
        rounds: counted.rounds,
        window_s: counted.window_s,
        counts: counted.counts,
        probed_counts,
        probed_window_s,
        quiet,
        loaded,
        server_cpu: counted.server_cpu,
        bench_cpu: counted.bench_cpu,
        peak_rss_mib,
        rss_after_mib: resident_mib(server.pid()),
    })
}

/// The counted rounds: pause the flood, time hashes on the idle server, resume, and count
/// the log-ins of `each` after a short warm-up.
async fn count_rounds(
    server: &Server,
    flood: &Flood,
    timer: BoundTimer,
    each: Duration,
) -> anyhow::Result<Counted> {
    let cores_f = cores() as f64;
    let mut counted = Counted {
        rounds: Vec::with_capacity(ROUNDS),
        samples_ms: Vec::with_capacity(ROUNDS * HASHES_PER_ROUND),
        counts: Counts::default(),
        window_s: 0.0,
        server_cpu: CpuTime::default(),
        bench_cpu: CpuTime::default(),
    };
    for _ in 0..ROUNDS {
        flood.pause().await;
        let round_timer = timer.clone();
        let mut samples = tokio::task::spawn_blocking(move || {
            round_timer.time(1, HASHES_PER_ROUND, ROUND_WARM_UP_HASHES)
        })
        .await??
        .samples_ms;
        let round_bound = cores_f / (median(&mut samples) / 1000.0);
        counted.samples_ms.extend(samples);
        flood.resume();
        tokio::time::sleep(ROUND_WARM_UP).await;
        let (before, started) = (flood.counts(), Instant::now());
        let (server_cpu, bench_cpu) = (CpuTime::of(server.pid()), CpuTime::of(std::process::id()));
        tokio::time::sleep(each).await;
        let counts = flood.counts().minus(before);
        let seconds = started.elapsed().as_secs_f64();
        counted.server_cpu = counted
            .server_cpu
            .plus(CpuTime::of(server.pid()).minus(server_cpu));
        counted.bench_cpu = counted
            .bench_cpu
            .plus(CpuTime::of(std::process::id()).minus(bench_cpu));
        counted.rounds.push(Round {
            logins_per_second: counts.logged_in as f64 / seconds,
            bound_per_second: round_bound,
        });
        counted.counts = counted.counts.plus(counts);
        counted.window_s += seconds;
    }
    let window_s = counted.window_s;
    counted.server_cpu = counted.server_cpu.per_second(window_s);
    counted.bench_cpu = counted.bench_cpu.per_second(window_s);
    Ok(counted)
}

/// Times hashes with the server's own binary, `rampart admin hashing time`, at the server's
/// parameters: the same code as its hashing workers, built and linked as they are, each
/// thread reusing one working memory as each worker does.
#[derive(Clone)]
struct BoundTimer {
    binary: PathBuf,
    /// The server's folder, where the command finds no configuration file of its own.
    dir: PathBuf,
    config: IdentityConfig,
}

/// What one run of the timing command measured.
struct TimedHashes {
    samples_ms: Vec<f64>,
    hashes_per_second: f64,
}

impl BoundTimer {
    /// Times `count` hashes on each of `threads` threads started together, after `warm_up`.
    fn time(&self, threads: usize, count: usize, warm_up: usize) -> anyhow::Result<TimedHashes> {
        let output = Command::new(&self.binary)
            .current_dir(&self.dir)
            .args(["admin", "hashing", "time", "--json"])
            .args(["--threads", &threads.to_string()])
            .args(["--count", &count.to_string()])
            .args(["--warm-up", &warm_up.to_string()])
            .env_remove("RAMPART_CONFIG")
            .env("RAMPART_LOG__LEVEL", "warn")
            .envs(hash_params_env(&self.config))
            .stderr(Stdio::inherit())
            .output()
            .context("cannot run `rampart admin hashing time`")?;
        if !output.status.success() {
            bail!("`rampart admin hashing time` failed ({})", output.status);
        }
        let printed: serde_json::Value = serde_json::from_slice(&output.stdout)
            .context("`rampart admin hashing time --json` printed something else")?;
        let samples_ms: Vec<f64> = printed["samples_ms"]
            .as_array()
            .map(|samples| {
                samples
                    .iter()
                    .filter_map(serde_json::Value::as_f64)
                    .collect()
            })
            .unwrap_or_default();
        let Some(hashes_per_second) = printed["hashes_per_second"].as_f64() else {
            bail!("`rampart admin hashing time --json` printed no rate: {printed}");
        };
        if samples_ms.is_empty() {
            bail!("`rampart admin hashing time` timed no hashes: {printed}");
        }
        Ok(TimedHashes {
            samples_ms,
            hashes_per_second,
        })
    }
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
