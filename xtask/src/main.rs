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
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Ci => ci::run_all(),
        Command::Bench {
            seconds,
            connections,
        } => bench::run_bench(seconds, connections),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}
