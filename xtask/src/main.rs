#![allow(clippy::print_stdout, reason = "xtask reports to the terminal")]
//! Rampart's automation, run as `cargo xtask <command>`:
//! - `ci`: formatting, lints, the whole suite on SQLite and again on PostgreSQL (with the
//!   browser tests), installing what it needs, and one summary line;
//! - `bench`: starts a release build, drives load against it, writes docs/PERFORMANCE.md.

mod bench;
mod ci;
mod postgres;
mod system;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every check CI runs
    Ci,
    /// Run the benchmarks and write docs/PERFORMANCE.md
    Bench {
        /// Seconds of load per scenario
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent keep-alive connections
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Audit log sizes at which proofs and checkpoints are timed; the last is verified
        #[arg(long, value_delimiter = ',', default_value = "10000,1000000,10000000")]
        audit_sizes: Vec<u64>,
        /// Contacts in the generated file of the import benchmark
        #[arg(long, default_value_t = 1_000_000)]
        import_rows: u64,
        /// Run only these parts and print their figures (docs/PERFORMANCE.md is left alone)
        #[arg(long, value_delimiter = ',', value_enum)]
        only: Vec<bench::Part>,
    },
}

fn main() -> ExitCode {
    // The benchmarks time code in this process (hashing, the audit log): they must run
    // optimised, so a debug build hands over to a release build of itself.
    if cfg!(debug_assertions) && std::env::args().nth(1).as_deref() == Some("bench") {
        return system::rerun_released();
    }
    let result = match Cli::parse().command {
        Command::Ci => ci::run_all(),
        Command::Bench {
            seconds,
            connections,
            audit_sizes,
            import_rows,
            only,
        } => bench::run_bench(&bench::BenchOptions {
            seconds,
            connections,
            audit_sizes,
            import_rows,
            only,
        }),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}
