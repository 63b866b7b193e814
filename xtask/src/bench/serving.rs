//! Plain HTTPS serving: many keep-alive connections asking for one page as fast as they can.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::bail;

use super::{RssSampler, client};

pub(super) struct Stats {
    pub name: &'static str,
    pub requests: usize,
    pub errors: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub peak_rss_mib: f64,
}

/// The latency at quantile `q` (0–1) of sorted `latencies`, in milliseconds.
pub(super) fn quantile_ms(latencies: &[Duration], q: f64) -> f64 {
    latencies
        .get(((latencies.len().saturating_sub(1)) as f64 * q) as usize)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}

pub(super) async fn load(
    name: &'static str,
    url: String,
    seconds: u64,
    connections: usize,
    pid: u32,
    bearer: Option<&str>,
) -> anyhow::Result<Stats> {
    let bearer = bearer.map(str::to_owned);
    let make: MakeRequest = Arc::new(move |client, _, _| {
        let request = client.get(&url);
        match &bearer {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    });
    load_requests(name, seconds, connections, pid, make).await
}

/// Builds one request of a load from its worker's number and its own number in that worker.
pub(super) type MakeRequest =
    Arc<dyn Fn(&reqwest::Client, usize, u64) -> reqwest::RequestBuilder + Send + Sync>;

/// `connections` workers, each on one keep-alive connection, sending the requests `make`
/// builds as fast as they are answered, for `seconds`. Only 2xx answers count.
pub(super) async fn load_requests(
    name: &'static str,
    seconds: u64,
    connections: usize,
    pid: u32,
    make: MakeRequest,
) -> anyhow::Result<Stats> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let errors = Arc::new(AtomicU64::new(0));
    let sampler = RssSampler::start(pid, Duration::from_millis(100));
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..connections {
        // One client per worker: one keep-alive connection each.
        let client = client()?;
        let (make, errors) = (make.clone(), errors.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0u64;
            while Instant::now() < deadline {
                let sent = Instant::now();
                let request = make(&client, worker, n);
                n += 1;
                match request.send().await {
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
    let peak_rss_mib = sampler.stop().await?;
    if latencies.is_empty() {
        bail!("{name}: no request succeeded");
    }
    latencies.sort_unstable();
    Ok(Stats {
        name,
        requests: latencies.len(),
        errors: errors.load(Ordering::Relaxed),
        per_second: latencies.len() as f64 / elapsed,
        p50_ms: quantile_ms(&latencies, 0.50),
        p99_ms: quantile_ms(&latencies, 0.99),
        peak_rss_mib,
    })
}
