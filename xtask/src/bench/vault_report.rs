//! The vault's rows of docs/PERFORMANCE.md: its targets, then the details.

use std::fmt::Write as _;

use super::audit::READERS;
use super::vault::{Import, Pair};

/// The targets for the vault.
const READ_SHARE: f64 = 0.85;
const WRITE_SHARE: f64 = 0.70;
const IMPORT_SECONDS: f64 = 15.0;
const IMPORT_MEMORY_MB: f64 = 150.0;
const MIB_PER_MB: f64 = 1_000_000.0 / 1_048_576.0;

fn verdict(pass: bool) -> &'static str {
    if pass { "pass" } else { "**miss**" }
}

/// Whether an operation is a write (its target is the writes' share).
fn is_write(pair: &Pair) -> bool {
    pair.name.starts_with("POST") || pair.name.starts_with("PATCH")
}

/// Rows for the targets table.
pub(super) fn targets(out: &mut String, pairs: &[Pair], imports: &[Import]) {
    for pair in pairs {
        let share = if is_write(pair) {
            WRITE_SHARE
        } else {
            READ_SHARE
        };
        let _ = writeln!(
            out,
            "| {}, every access audited | {:.0}/s = {:.0} % of {:.0}/s with audit off | ≥ {:.0} % | {} |",
            pair.name,
            pair.on_per_second(),
            pair.ratio() * 100.0,
            pair.off_per_second(),
            share * 100.0,
            verdict(pair.ratio() >= share)
        );
    }
    for import in imports {
        let memory = IMPORT_MEMORY_MB * MIB_PER_MB;
        let fast = import.engine != "SQLite" || import.seconds < IMPORT_SECONDS;
        let target = if import.engine == "SQLite" {
            format!("< {IMPORT_SECONDS:.0} s, < {IMPORT_MEMORY_MB:.0} MB resident")
        } else {
            format!("measured; < {IMPORT_MEMORY_MB:.0} MB resident")
        };
        let _ = writeln!(
            out,
            "| import of {} contacts, encrypted and indexed, {} | {:.1} s ({:.1} × the plain load's {:.1} s), \
             peak {:.0} MiB | {target} | {} |",
            import.rows,
            import.engine,
            import.seconds,
            import.seconds / import.baseline_seconds,
            import.baseline_seconds,
            import.peak_rss_mib,
            verdict(fast && import.peak_rss_mib < memory && import.created == import.rows)
        );
    }
}

/// The vault's section.
pub(super) fn details(pairs: &[Pair], imports: &[Import]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Vault: contacts\n");
    let _ = writeln!(
        out,
        "Two servers of the same build: one records every read (before answering) and every \
         write (in its transaction) in the audit log, the other runs with `audit.record_reads` \
         and `audit.record_writes` off. Each operation runs {READERS} closed-loop connections \
         against each, alternated twice; every connection works on a contact of its own.\n"
    );
    let _ = writeln!(
        out,
        "| operation | audit | requests/s | p50 | p99 | errors |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for pair in pairs {
        for (label, stats) in [("on", &pair.on), ("off", &pair.off)] {
            for s in stats.iter() {
                let _ = writeln!(
                    out,
                    "| {} | {label} | {:.0} | {:.2} ms | {:.2} ms | {} |",
                    pair.name, s.per_second, s.p50_ms, s.p99_ms, s.errors
                );
            }
        }
    }
    if !imports.is_empty() {
        let _ = writeln!(
            out,
            "\n`rampart import contacts` of a generated file (name, phone, email, two tags, \
             notes) into a new tenant, timed from the command's start to its exit, with its \
             resident memory sampled every 50 ms. The plain load is the same file into a \
             plain table: `sqlite3 .import` for SQLite, `COPY` for PostgreSQL (whose test \
             cluster runs with `fsync = off`).\n"
        );
        let _ = writeln!(
            out,
            "| engine | rows | created | import | plain load | ratio | rows/s | peak memory |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
        for i in imports {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} s | {:.1} s | {:.1} × | {:.0} | {:.0} MiB |",
                i.engine,
                i.rows,
                i.created,
                i.seconds,
                i.baseline_seconds,
                i.seconds / i.baseline_seconds,
                i.rows as f64 / i.seconds,
                i.peak_rss_mib
            );
        }
    }
    let _ = writeln!(out);
    out
}
