//! docs/PERFORMANCE.md: the targets of DESIGN.md against this run's figures, then the details.

use std::fmt::Write as _;

use platform::clock::{Clock as _, SystemClock};

use super::audit::AuditFigures;
use super::audit_reads::ReadCost;
use super::flood::{Latencies, PROBE_INTERVAL};
use super::identity::{IdentityFigures, ROUND_WARM_UP, WARM_UP_HASHES};
use super::serving::Stats;
use super::{PER_IP_ALLOWANCE, machine};

/// DESIGN.md's targets.
const LOGIN_SHARE_OF_BOUND: f64 = 0.90;
const LATENCY_RATIO: f64 = 3.0;
const MEMORY_OVER_BUDGET_MB: f64 = 100.0;
const MEMORY_OVERALL_MB: f64 = 150.0;

const MIB_PER_MB: f64 = 1_000_000.0 / 1_048_576.0;

pub(super) struct Run<'a> {
    pub load_average: &'a str,
    pub idle_mib: f64,
    pub serving: &'a [Stats],
    pub seconds: u64,
    pub connections: usize,
    pub identity: &'a IdentityFigures,
    pub read_cost: &'a ReadCost,
    pub audit: &'a AuditFigures,
    pub contacts: &'a [super::vault::Pair],
    pub imports: &'a [super::vault::Import],
}

fn verdict(pass: bool) -> &'static str {
    if pass { "pass" } else { "**miss**" }
}

pub(super) fn render(run: &Run<'_>) -> String {
    let mut out = String::new();
    let date = SystemClock.now().rfc3339();
    let _ = writeln!(
        out,
        "# Performance\n\n\
         Written by `cargo xtask bench`; do not edit by hand. Each run starts a release build of\n\
         Rampart with its default configuration (SQLite, self-signed certificate) and drives load\n\
         at it from the same machine, so client and server share the cores. Ratios compare\n\
         figures of the same run; absolute figures vary with the machine and its other load.\n"
    );
    let _ = writeln!(out, "- machine: {}", machine());
    let _ = writeln!(
        out,
        "- load average when the run started (1, 5, 15 min; the machine may be shared): {}",
        run.load_average
    );
    let _ = writeln!(out, "- date: {} (UTC)", date.get(..10).unwrap_or(&date));
    let _ = writeln!(
        out,
        "- reproduce: `cargo xtask bench` (`--seconds`, `--connections` change the load)"
    );
    let _ = writeln!(
        out,
        "- load: {} concurrent HTTPS/1.1 keep-alive connections, {} s per scenario\n",
        run.connections, run.seconds
    );
    targets(&mut out, run);
    serving(&mut out, run);
    identity(&mut out, run.identity);
    out.push_str(&super::audit_report::details(
        Some(run.read_cost),
        run.audit,
    ));
    out.push_str(&super::vault_report::details(run.contacts, run.imports));
    out
}

/// The audit log's in-process figures alone, for `cargo xtask bench --only audit`.
pub(super) fn audit_details(audit: &AuditFigures) -> String {
    super::audit_report::details(None, audit)
}

/// The log-in figures alone, for `cargo xtask bench --only logins`.
pub(super) fn identity_details(id: &IdentityFigures) -> String {
    let mut out = String::new();
    let share = id.logins_per_second() / id.bound.per_second();
    let _ = writeln!(
        out,
        "log-ins: {:.1}/s = {:.0} % of the Argon2id bound ({:.1}/s); target ≥ {:.0} %: {}\n",
        id.logins_per_second(),
        share * 100.0,
        id.bound.per_second(),
        LOGIN_SHARE_OF_BOUND * 100.0,
        verdict(share >= LOGIN_SHARE_OF_BOUND)
    );
    identity(&mut out, id);
    out
}

/// One serving scenario alone, for `cargo xtask bench --only serving`.
pub(super) fn serving_row(s: &Stats) -> String {
    format!(
        "{}: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, {} errors, peak {:.1} MiB",
        s.name, s.per_second, s.p50_ms, s.p99_ms, s.errors, s.peak_rss_mib
    )
}

fn targets(out: &mut String, run: &Run<'_>) {
    let id = run.identity;
    let _ = writeln!(out, "## Targets (DESIGN.md, \"Performance\")\n");
    let _ = writeln!(out, "| what | measured | target | result |");
    let _ = writeln!(out, "|---|---|---|---|");
    let share = id.logins_per_second() / id.bound.per_second();
    let _ = writeln!(
        out,
        "| password log-ins at saturation | {:.1}/s = {:.0} % of the Argon2id bound ({:.1}/s) \
         | ≥ {:.0} % of the bound | {} |",
        id.logins_per_second(),
        share * 100.0,
        id.bound.per_second(),
        LOGIN_SHARE_OF_BOUND * 100.0,
        verdict(share >= LOGIN_SHARE_OF_BOUND)
    );
    for (quiet, loaded) in id.quiet.iter().zip(&id.loaded) {
        let ratio = loaded.p99_ms / quiet.p99_ms;
        let _ = writeln!(
            out,
            "| {} p99 during the log-in flood | {:.2} ms = {:.1} × its {:.2} ms without \
             | ≤ {LATENCY_RATIO:.0} × | {} |",
            quiet.name,
            loaded.p99_ms,
            ratio,
            quiet.p99_ms,
            verdict(ratio <= LATENCY_RATIO)
        );
    }
    let budget = id.config.hashing_memory_budget_mib as f64;
    let limit = budget + MEMORY_OVER_BUDGET_MB * MIB_PER_MB;
    let _ = writeln!(
        out,
        "| peak resident memory during the log-in flood | {:.1} MiB | ≤ hashing budget \
         {budget:.0} MiB + {MEMORY_OVER_BUDGET_MB:.0} MB = {limit:.0} MiB | {} |",
        id.peak_rss_mib,
        verdict(id.peak_rss_mib <= limit)
    );
    let overall = run
        .serving
        .iter()
        .map(|s| s.peak_rss_mib)
        .fold(id.peak_rss_mib, f64::max);
    let overall_limit = MEMORY_OVERALL_MB * MIB_PER_MB;
    let _ = writeln!(
        out,
        "| peak resident memory in the whole run | {overall:.1} MiB | under \
         {MEMORY_OVERALL_MB:.0} MB = {overall_limit:.0} MiB | {} |",
        verdict(overall < overall_limit)
    );
    super::audit_report::targets(out, run.read_cost, run.audit);
    super::vault_report::targets(out, run.contacts, run.imports);
    let _ = writeln!(out);
}

fn serving(out: &mut String, run: &Run<'_>) {
    let baseline = run.serving.first().map_or(1.0, |s| s.per_second);
    let _ = writeln!(out, "## Foundation: HTTPS serving\n");
    let _ = writeln!(
        out,
        "| scenario | requests/s | vs `/healthz` | p50 | p99 | errors | peak resident memory |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for s in run.serving {
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
    let total: usize = run.serving.iter().map(|s| s.requests).sum();
    let _ = writeln!(
        out,
        "\nResident memory idle: {:.1} MiB. Requests served in all: {total}.\n",
        run.idle_mib
    );
}

fn identity(out: &mut String, id: &IdentityFigures) {
    let (b, p) = (&id.bound, &id.bound.params);
    let _ = writeln!(out, "## Identity: password log-ins\n");
    let _ = writeln!(out, "### Argon2id bound\n");
    let _ = writeln!(
        out,
        "One Argon2id hash at the configured parameters (m = {} KiB, t = {}, p = {}, the \
         defaults of `identity.hash_*`), timed by the server's own binary (`rampart admin \
         hashing time`: the workers' code, built as they are, in one reused working memory \
         on transparent huge pages as each worker has) while the server idled: {} hashes in all, {} before \
         each of the {} counted rounds of the flood below (the flood paused), median \
         {:.2} ms (fastest {:.2} ms, slowest {:.2} ms), after {} hashes to warm up (median \
         {:.2} ms: the first hash faults its memory in). Bound = {} cores ÷ {:.2} ms = \
         **{:.1} log-ins/s**: what the machine could verify doing nothing but hashing.\n",
        p.memory_kib,
        p.iterations,
        p.parallelism,
        b.samples_ms.len(),
        b.samples_ms.len() / id.rounds.len().max(1),
        id.rounds.len(),
        b.median_ms,
        b.fastest_ms(),
        b.slowest_ms(),
        WARM_UP_HASHES,
        b.warm_up_median_ms,
        b.cores,
        b.median_ms,
        b.per_second()
    );
    let _ = writeln!(
        out,
        "With every core hashing at once (`rampart admin hashing time --threads {}`, each \
         thread reusing its memory as the server's workers do), the machine verifies **{:.1}/s**, {:.0} % of that bound: \
         Argon2id is built to exhaust memory bandwidth, which the cores share. Log-ins reach \
         {:.0} % of this all-cores rate.\n",
        b.cores,
        b.all_cores_per_second,
        b.all_cores_per_second / b.per_second() * 100.0,
        id.logins_per_second() / b.all_cores_per_second * 100.0,
    );
    flood(out, id);
    latency(out, id);
    memory(out, id);
    method(out, id);
}

fn flood(out: &mut String, id: &IdentityFigures) {
    let c = &id.counts;
    let per_s = |n: u64| n as f64 / id.window_s;
    let _ = writeln!(out, "### Log-in flood\n");
    let _ = writeln!(out, "| figure | value |\n|---|---:|");
    let _ = writeln!(
        out,
        "| connections posting `/login` back to back | {} (2 × the {} hashing slots = \
         {} MiB budget ÷ {} KiB per hash, at least 16) |",
        id.connections, id.slots, id.config.hashing_memory_budget_mib, id.config.hash_memory_kib
    );
    let _ = writeln!(
        out,
        "| counted over | {:.1} s in {} rounds, after {} s of warm-up and {} ms after each \
         pause |",
        id.window_s,
        id.rounds.len(),
        id.warm_up.as_secs(),
        ROUND_WARM_UP.as_millis()
    );
    let _ = writeln!(
        out,
        "| successful log-ins (303) | {} = **{:.1}/s** |",
        c.logged_in,
        per_s(c.logged_in)
    );
    let _ = writeln!(
        out,
        "| share of the Argon2id bound | {:.0} % |",
        id.logins_per_second() / id.bound.per_second() * 100.0
    );
    let _ = writeln!(
        out,
        "| refused: hashing pool full (503) | {} = {:.1}/s ({} without `Retry-After`) |",
        c.busy,
        per_s(c.busy),
        c.busy_without_retry_after
    );
    let _ = writeln!(out, "| refused: rate limited (429) | {} |", c.limited);
    let _ = writeln!(out, "| any other status | {} |", c.other);
    let _ = writeln!(out, "| no answer (connection error) | {} |", c.failed);
    let server = id.server_cpu;
    let _ = writeln!(
        out,
        "| server CPU while counting | {:.2} cores of {} (user {:.2}, system {:.2}) |",
        server.total(),
        id.bound.cores,
        server.user,
        server.system
    );
    let _ = writeln!(
        out,
        "| …of it, the successful log-ins' Argon2id at the bound's time per hash | {:.2} cores |",
        id.logins_per_second() * id.bound.median_ms / 1000.0
    );
    let _ = writeln!(
        out,
        "| bench process CPU while counting (the flood) | {:.2} cores |",
        id.bench_cpu.total()
    );
    let _ = writeln!(
        out,
        "| successful log-ins while the latency probes ran beside the flood | {:.1}/s = {:.0} % \
         of the bound |",
        id.probed_counts.logged_in as f64 / id.probed_window_s,
        id.probed_counts.logged_in as f64 / id.probed_window_s / id.bound.per_second() * 100.0
    );
    let _ = writeln!(out);
    rounds(out, id);
}

/// Each round's log-ins against the bound timed just before it: how much the machine's
/// speed drifted during the run.
fn rounds(out: &mut String, id: &IdentityFigures) {
    let _ = writeln!(
        out,
        "| round | log-ins/s | bound timed just before it | share |\n|---:|---:|---:|---:|"
    );
    for (n, round) in id.rounds.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.1}/s | {:.0} % |",
            n + 1,
            round.logins_per_second,
            round.bound_per_second,
            round.logins_per_second / round.bound_per_second * 100.0
        );
    }
    let _ = writeln!(out);
}

fn latency(out: &mut String, id: &IdentityFigures) {
    let _ = writeln!(out, "### Latency beside the flood\n");
    let _ = writeln!(
        out,
        "| request | p50 without | p99 without | p50 during | p99 during | max during \
         | p99 ratio | requests without / during |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for (q, l) in id.quiet.iter().zip(&id.loaded) {
        let _ = writeln!(out, "{}", latency_row(q, l));
    }
    let _ = writeln!(out);
}

fn latency_row(q: &Latencies, l: &Latencies) -> String {
    let failed = match q.failed + l.failed {
        0 => String::new(),
        n => format!(" ({n} failed)"),
    };
    format!(
        "| {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.1} × | {} / {}{failed} |",
        q.name,
        q.p50_ms,
        q.p99_ms,
        l.p50_ms,
        l.p99_ms,
        l.max_ms,
        l.p99_ms / q.p99_ms,
        q.samples,
        l.samples
    )
}

fn memory(out: &mut String, id: &IdentityFigures) {
    let _ = writeln!(out, "### Memory\n");
    let _ = writeln!(
        out,
        "Resident memory of the server, sampled every 50 ms: peak during the flood \
         {:.1} MiB, a second after it {:.1} MiB. The hashing budget \
         (`identity.hashing_memory_budget_mib`) is {} MiB, so the pool may hold {} hashes of \
         {:.1} MiB at once.\n",
        id.peak_rss_mib,
        id.rss_after_mib,
        id.config.hashing_memory_budget_mib,
        id.slots,
        f64::from(id.config.hash_memory_kib) / 1024.0
    );
}

fn method(out: &mut String, id: &IdentityFigures) {
    let _ = writeln!(out, "### How these figures are made\n");
    let _ = writeln!(
        out,
        "- The server runs with `RAMPART_IDENTITY__PER_IP_BURST` and \
         `RAMPART_IDENTITY__PER_IP_PER_MINUTE` set to {PER_IP_ALLOWANCE}: every request of the \
         bench comes from 127.0.0.1, and the default allowance ({} at once, {} a minute) would \
         answer nearly the whole flood with 429 before any hashing. The flood measures the \
         hashing pool, not that limit. Everything else is the default configuration.",
        id.config.per_ip_burst, id.config.per_ip_per_minute
    );
    let _ = writeln!(
        out,
        "- One account is set up through the pages a browser uses: `GET /signup`, \
         `POST /signup` (with the CSRF cookie and token and the server's `Origin`), the \
         `/verify-email/…` link from the mail the server writes to its mail-drop folder, \
         `POST /login`, then `POST /account/tokens` for a `contacts:read` token."
    );
    let _ = writeln!(
        out,
        "- The flood posts the right password for that account, so every attempt that is \
         admitted costs one Argon2id verification and starts a session. Each connection sends \
         its next attempt as soon as the last is answered, 503 or not, as an attacker would."
    );
    let _ = writeln!(
        out,
        "- The latency probes are two single keep-alive connections, one per request, each on \
         a thread of its own apart from the flood's runtime and sending a request every {} ms (or as soon as the last is answered if it took longer), \
         first for the same time without the flood, then beside it, after its counted rounds \
         (the probes are traffic of their own, so the log-ins at saturation are counted \
         without them). Being closed loops, they send fewer requests while the server stalls, \
         so a p99 under the flood understates the stalls rather than exaggerating them.",
        PROBE_INTERVAL.as_millis()
    );
    let _ = writeln!(
        out,
        "- The load generator shares the cores with the server, as in the serving figures \
         above; the bound is timed while the server idles, between the rounds of the flood, so \
         that other programs on a shared machine slow the bound's hashes as they slow the \
         log-ins (which is also why the load average is given above).\n",
    );
}
