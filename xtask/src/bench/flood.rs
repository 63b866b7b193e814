//! A flood of password log-ins, and latency probes: single connections sending one
//! request every few milliseconds, run without the flood and again beside it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;
use reqwest::header::{AUTHORIZATION, COOKIE, ORIGIN, RETRY_AFTER};
use tokio::task::JoinHandle;

use super::client;
use super::serving::quantile_ms;

/// How often each probe sends a request: a modest rate that adds little load itself.
pub(super) const PROBE_INTERVAL: Duration = Duration::from_millis(10);

/// A log-in form ready to post again and again with the same CSRF cookie and token.
pub(super) struct LoginForm {
    pub url: String,
    pub origin: String,
    /// The `Cookie` header: the CSRF cookie only, so that no log-in replaces a session.
    pub cookie: String,
    pub fields: Vec<(String, String)>,
}

/// Answers to the flood, by kind.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Counts {
    /// 303: the password was checked and a session started.
    pub logged_in: u64,
    /// 503: the hashing pool was full.
    pub busy: u64,
    /// …of which without `Retry-After`.
    pub busy_without_retry_after: u64,
    /// 429: a per-address or per-account limit.
    pub limited: u64,
    /// Any other status.
    pub other: u64,
    /// No answer (connection or protocol error).
    pub failed: u64,
}

impl Counts {
    pub fn plus(self, other: Self) -> Self {
        Self {
            logged_in: self.logged_in + other.logged_in,
            busy: self.busy + other.busy,
            busy_without_retry_after: self.busy_without_retry_after
                + other.busy_without_retry_after,
            limited: self.limited + other.limited,
            other: self.other + other.other,
            failed: self.failed + other.failed,
        }
    }

    pub fn minus(self, earlier: Self) -> Self {
        Self {
            logged_in: self.logged_in - earlier.logged_in,
            busy: self.busy - earlier.busy,
            busy_without_retry_after: self.busy_without_retry_after
                - earlier.busy_without_retry_after,
            limited: self.limited - earlier.limited,
            other: self.other - earlier.other,
            failed: self.failed - earlier.failed,
        }
    }
}

#[derive(Default)]
struct Counters {
    logged_in: AtomicU64,
    busy: AtomicU64,
    busy_without_retry_after: AtomicU64,
    limited: AtomicU64,
    other: AtomicU64,
    failed: AtomicU64,
}

impl Counters {
    fn count(&self, status: Option<(u16, bool)>) {
        let counter = match status {
            Some((303, _)) => &self.logged_in,
            Some((503, retry_after)) => {
                if !retry_after {
                    self.busy_without_retry_after
                        .fetch_add(1, Ordering::Relaxed);
                }
                &self.busy
            }
            Some((429, _)) => &self.limited,
            Some(_) => &self.other,
            None => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Counts {
        Counts {
            logged_in: self.logged_in.load(Ordering::Relaxed),
            busy: self.busy.load(Ordering::Relaxed),
            busy_without_retry_after: self.busy_without_retry_after.load(Ordering::Relaxed),
            limited: self.limited.load(Ordering::Relaxed),
            other: self.other.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }
}

/// Connections posting the log-in form back to back, each sending the next attempt as soon
/// as the last is answered, whatever the answer (an attacker does not honour `Retry-After`).
/// The flood can be paused, keeping its connections, so that the bound can be timed on an
/// idle server between its rounds.
pub(super) struct Flood {
    control: Arc<Control>,
    counters: Arc<Counters>,
    workers: Vec<JoinHandle<()>>,
}

#[derive(Default)]
struct Control {
    stop: AtomicBool,
    paused: AtomicBool,
    /// Attempts sent and not yet answered.
    in_flight: AtomicU64,
}

/// How often a paused connection looks whether the flood has resumed.
const PAUSED_POLL: Duration = Duration::from_millis(2);

impl Flood {
    pub fn start(form: Arc<LoginForm>, connections: usize) -> anyhow::Result<Self> {
        let control = Arc::new(Control::default());
        let counters = Arc::new(Counters::default());
        let mut workers = Vec::with_capacity(connections);
        for _ in 0..connections {
            let (client, form) = (client()?, form.clone());
            let (control, counters) = (control.clone(), counters.clone());
            workers.push(tokio::spawn(async move {
                while !control.stop.load(Ordering::Relaxed) {
                    if control.paused.load(Ordering::Acquire) {
                        tokio::time::sleep(PAUSED_POLL).await;
                        continue;
                    }
                    control.in_flight.fetch_add(1, Ordering::AcqRel);
                    let status = log_in(&client, &form).await;
                    control.in_flight.fetch_sub(1, Ordering::AcqRel);
                    if status.is_none() {
                        // Do not spin on a refused connection.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    counters.count(status);
                }
            }));
        }
        Ok(Self {
            control,
            counters,
            workers,
        })
    }

    pub fn counts(&self) -> Counts {
        self.counters.snapshot()
    }

    /// Stops sending and waits until every attempt in flight is answered: the server is
    /// idle when this returns.
    pub async fn pause(&self) {
        self.control.paused.store(true, Ordering::Release);
        while self.control.in_flight.load(Ordering::Acquire) > 0 {
            tokio::time::sleep(PAUSED_POLL).await;
        }
    }

    pub fn resume(&self) {
        self.control.paused.store(false, Ordering::Release);
    }

    /// Stops the flood once every connection's attempt in flight is answered.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.control.stop.store(true, Ordering::Relaxed);
        self.resume();
        for worker in self.workers {
            worker.await?;
        }
        Ok(())
    }
}

/// One log-in attempt: its status and whether it carried `Retry-After`.
async fn log_in(client: &reqwest::Client, form: &LoginForm) -> Option<(u16, bool)> {
    let response = client
        .post(&form.url)
        .header(ORIGIN, &form.origin)
        .header(COOKIE, &form.cookie)
        .form(&form.fields)
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key(RETRY_AFTER);
    response.bytes().await.ok()?;
    Some((status, retry_after))
}

/// A request to time again and again.
#[derive(Clone)]
pub(super) struct Probe {
    pub name: &'static str,
    url: String,
    bearer: Option<String>,
}

impl Probe {
    pub fn new(name: &'static str, base: &str, path: &str) -> Self {
        Self {
            name,
            url: format!("{base}{path}"),
            bearer: None,
        }
    }

    pub fn bearer(mut self, token: &str) -> Self {
        self.bearer = Some(token.to_owned());
        self
    }

    async fn send(&self, client: &reqwest::Client) -> bool {
        let mut request = client.get(&self.url);
        if let Some(token) = &self.bearer {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => response.bytes().await.is_ok(),
            _ => false,
        }
    }
}

/// Latencies of one probe over one window.
pub(super) struct Latencies {
    pub name: &'static str,
    pub samples: usize,
    pub failed: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Runs every probe at once, each on a thread and keep-alive connection of its own, for
/// `window`. A probe on the flood's runtime would wait behind the flood's tasks whenever
/// their answers arrive together, and time the load generator rather than the server.
pub(super) async fn probe_all(
    probes: &[Probe],
    window: Duration,
) -> anyhow::Result<Vec<Latencies>> {
    let threads: Vec<_> = probes
        .iter()
        .map(|probe| {
            let probe = probe.clone();
            std::thread::Builder::new()
                .name(format!("probe {}", probe.name))
                .spawn(move || -> anyhow::Result<Latencies> {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?
                        .block_on(run_probe(probe, window))
                })
        })
        .collect::<Result<_, _>>()?;
    tokio::task::spawn_blocking(move || {
        threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .map_err(|_| anyhow::anyhow!("a probe thread panicked"))?
            })
            .collect()
    })
    .await?
}

async fn run_probe(probe: Probe, window: Duration) -> anyhow::Result<Latencies> {
    let client = client()?;
    if !probe.send(&client).await {
        bail!("{}: the first request failed", probe.name);
    }
    let deadline = Instant::now() + window;
    let mut ticks = tokio::time::interval(PROBE_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut latencies, mut failed) = (Vec::new(), 0);
    while Instant::now() < deadline {
        ticks.tick().await;
        let sent = Instant::now();
        if probe.send(&client).await {
            latencies.push(sent.elapsed());
        } else {
            failed += 1;
        }
    }
    if latencies.is_empty() {
        bail!("{}: no request succeeded", probe.name);
    }
    latencies.sort_unstable();
    Ok(Latencies {
        name: probe.name,
        samples: latencies.len(),
        failed,
        p50_ms: quantile_ms(&latencies, 0.50),
        p99_ms: quantile_ms(&latencies, 0.99),
        max_ms: quantile_ms(&latencies, 1.0),
    })
}
