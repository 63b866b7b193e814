//! `rampart admin hashing time`: what one Argon2id hash costs on this machine at the
//! configured parameters, and how many log-ins a second it can verify.

use identity::hashing_timer::{HashTimes, time_hashes};
use identity::huge_pages::HugePages;
use identity::model::hashing::HashingParams;
use platform::config::Config;
use serde_json::json;

use crate::cli::print;

pub(crate) fn time(
    config: &Config,
    threads: usize,
    count: usize,
    warm_up: usize,
    as_json: bool,
) -> anyhow::Result<()> {
    let identity = &config.identity;
    let params = HashingParams {
        memory_kib: identity.hash_memory_kib,
        iterations: identity.hash_iterations,
        parallelism: identity.hash_parallelism,
    };
    let times = time_hashes(params, threads, count, warm_up)?;
    let huge_pages = HugePages::of_this_machine();
    if as_json {
        print(&format!("{}\n", report_json(&times, huge_pages)));
    } else {
        print(&report_text(
            &times,
            identity.hashing_memory_budget_mib,
            huge_pages,
        ));
    }
    Ok(())
}

fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn report_json(times: &HashTimes, huge_pages: HugePages) -> serde_json::Value {
    json!({
        "transparent_huge_pages": huge_pages.name(),
        "memory_kib": times.params.memory_kib,
        "iterations": times.params.iterations,
        "parallelism": times.params.parallelism,
        "threads": times.threads,
        "samples_ms": times.samples.iter().copied().map(millis).collect::<Vec<_>>(),
        "median_ms": millis(times.median()),
        "hashes_per_second": times.per_second,
    })
}

fn report_text(times: &HashTimes, budget_mib: u64, huge_pages: HugePages) -> String {
    let p = times.params;
    let median = millis(times.median());
    let fastest = times.samples.iter().min().copied().map_or(0.0, millis);
    let slowest = times.samples.iter().max().copied().map_or(0.0, millis);
    let slots = budget_mib * 1024 / u64::from(p.memory_kib.max(1));
    format!(
        "Argon2id, m = {} KiB, t = {}, p = {} (identity.hash_*), on {} thread(s) at once:\n\
         \x20 one hash: median {median:.1} ms (fastest {fastest:.1}, slowest {slowest:.1}) over {} hashes\n\
         \x20 verified: {:.0} log-ins a second in all\n\
         \x20 hashing budget {budget_mib} MiB (identity.hashing_memory_budget_mib): {slots} hashes at once\n\
         \x20 transparent huge pages: {} ({})\n",
        p.memory_kib,
        p.iterations,
        p.parallelism,
        times.threads,
        times.samples.len(),
        times.per_second,
        huge_pages.name(),
        huge_pages.meaning(),
    )
}
