//! The audit log's rows of docs/PERFORMANCE.md: its targets, then the details.

use std::fmt::Write as _;

use super::audit::{AuditFigures, READERS};
use super::audit_reads::ReadCost;

/// The targets for the audit log.
const VERIFY_PER_CORE: f64 = 1_000_000.0;
const READ_SHARE: f64 = 0.85;
/// The best public transparency logs publish 1,500–10,000 writes per second.
const APPENDS_TO_BEAT: f64 = 10_000.0;
/// "Flat within noise": the largest log's median within this factor of the smallest's.
const FLAT_FACTOR: f64 = 2.0;

fn verdict(pass: bool) -> &'static str {
    if pass { "pass" } else { "**miss**" }
}

/// Rows for the targets table.
pub(super) fn targets(out: &mut String, reads: &ReadCost, audit: &AuditFigures) {
    let v = &audit.verified;
    let _ = writeln!(
        out,
        "| `rampart audit verify` | {:.0} entries per CPU-second ({} entries in {:.1} s, {:.2} cores busy) \
         | ≥ {VERIFY_PER_CORE:.0} per core | {} |",
        v.per_cpu_second(),
        v.entries,
        v.seconds,
        v.cpu.total(),
        verdict(v.per_cpu_second() >= VERIFY_PER_CORE)
    );
    let _ = writeln!(
        out,
        "| authenticated read, every read durably audited | {:.0}/s = {:.0} % of {:.0}/s with audit off \
         | ≥ {:.0} % | {} |",
        reads.on_per_second(),
        reads.ratio() * 100.0,
        reads.off_per_second(),
        READ_SHARE * 100.0,
        verdict(reads.ratio() >= READ_SHARE)
    );
    for appends in &audit.appends {
        let _ = writeln!(
            out,
            "| audit appends from {READERS} concurrent readers, {} | {:.0}/s | beat {APPENDS_TO_BEAT:.0}/s \
             (best public transparency logs) | {} |",
            appends.engine,
            appends.per_second,
            verdict(appends.per_second > APPENDS_TO_BEAT)
        );
    }
    if let (Some(small), Some(large)) = (audit.scale.first(), audit.scale.last()) {
        let proof = large.proof_p50_ms / small.proof_p50_ms;
        let checkpoint = large.checkpoint_p50_ms / small.checkpoint_p50_ms;
        let _ = writeln!(
            out,
            "| inclusion proof, median at {} vs {} entries | {:.3} ms vs {:.3} ms ({proof:.2} ×) | flat (≤ {FLAT_FACTOR:.0} ×) | {} |",
            large.size,
            small.size,
            large.proof_p50_ms,
            small.proof_p50_ms,
            verdict(proof <= FLAT_FACTOR)
        );
        let _ = writeln!(
            out,
            "| checkpoint, median at {} vs {} entries | {:.3} ms vs {:.3} ms ({checkpoint:.2} ×) | flat (≤ {FLAT_FACTOR:.0} ×) | {} |",
            large.size,
            small.size,
            large.checkpoint_p50_ms,
            small.checkpoint_p50_ms,
            verdict(checkpoint <= FLAT_FACTOR)
        );
    }
}

/// The section with every figure.
pub(super) fn details(reads: Option<&ReadCost>, audit: &AuditFigures) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Audit log\n");
    if let Some(reads) = reads {
        reads_table(&mut out, reads);
    }
    let _ = writeln!(
        out,
        "### Appends\n\n{READERS} tasks in one process each record a read and wait until it is \
         durable, back to back, through `AuditLog::record_read` on a fresh database \
         (SQLite in WAL mode with `synchronous = FULL`; PostgreSQL with its default \
         synchronous commit). Every entry is a leaf of the tree, with its completed nodes \
         stored in the same transaction.\n"
    );
    let _ = writeln!(out, "| engine | appends/s | seconds |\n|---|---:|---:|");
    for a in &audit.appends {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.1} |",
            a.engine, a.per_second, a.seconds
        );
    }
    let _ = writeln!(
        out,
        "\n### Proofs and checkpoints as the log grows (SQLite)\n\nThe log is filled in \
         transactions of 5,000 entries ({:.0} entries/s, encoding, hashing and storing every \
         node), then at each size: 2,000 inclusion proofs of random entries to warm up, as a \
         server that has been answering proofs would be (the tree's upper levels in memory, \
         the pages of most entries not), then 300 timed proofs of other random entries \
         against the checkpoint of that size, and 30 checkpoints, each after one more \
         append.\n",
        audit.fill_per_second
    );
    let _ = writeln!(
        out,
        "| entries | proof p50 | proof p99 | checkpoint p50 | checkpoint p99 |\n|---:|---:|---:|---:|---:|"
    );
    for p in &audit.scale {
        let _ = writeln!(
            out,
            "| {} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms |",
            p.size, p.proof_p50_ms, p.proof_p99_ms, p.checkpoint_p50_ms, p.checkpoint_p99_ms
        );
    }
    let v = &audit.verified;
    let _ = writeln!(
        out,
        "\n### Verification\n\n`audit::service::verify` (what `rampart audit verify` runs) over \
         the {} entries: {:.1} s, {:.0} entries/s, with {:.2} cores busy on average (user \
         {:.2}, system {:.2}) = **{:.0} entries per CPU-second**.\n",
        v.entries,
        v.seconds,
        v.per_second(),
        v.cpu.total(),
        v.cpu.user,
        v.cpu.system,
        v.per_cpu_second()
    );
    out
}

/// The reads with audit on and off alone, for `cargo xtask bench --only reads`.
pub(super) fn reads_details(reads: &ReadCost) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "audited reads: {:.0}/s = {:.0} % of {:.0}/s with audit off; target ≥ {:.0} %: {}\n",
        reads.on_per_second(),
        reads.ratio() * 100.0,
        reads.off_per_second(),
        READ_SHARE * 100.0,
        verdict(reads.ratio() >= READ_SHARE)
    );
    reads_table(&mut out, reads);
    out
}

fn reads_table(out: &mut String, reads: &ReadCost) {
    let _ = writeln!(
        out,
        "### Reads with audit on and off\n\n`GET /api/v1/tokens/{{id}}` with a bearer token \
         from {READERS} keep-alive connections, against two servers started alike except \
         `audit.record_reads`; rounds alternate so that the machine's drift hits both. With \
         audit on, each read's entry is committed (through the group-commit writer) before \
         the token's details are sent.\n"
    );
    let _ = writeln!(
        out,
        "| round | requests/s | p50 | p99 | errors |\n|---|---:|---:|---:|---:|"
    );
    for s in reads.off.iter().chain(&reads.on) {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.2} ms | {:.2} ms | {} |",
            s.name, s.per_second, s.p50_ms, s.p99_ms, s.errors
        );
    }
    let _ = writeln!(out);
}
