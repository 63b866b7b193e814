//! `cargo xtask ci`: the checks a change must pass, in the order a person would run them,
//! ending with one line, `ci: N passed, M failed`, where N and M count test cases and a
//! failed step (formatting, lints, a service that would not start) counts as one failure.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, bail};

use crate::postgres::Cluster;
use crate::system::{apt_install, root, run};

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    problems: Vec<String>,
}

impl Tally {
    fn step(&mut self, name: &str, outcome: anyhow::Result<()>) {
        if let Err(err) = outcome {
            self.failed += 1;
            self.problems.push(format!("{name}: {err:#}"));
        }
    }

    fn tests(&mut self, name: &str, outcome: anyhow::Result<(u64, u64)>) {
        match outcome {
            Ok((passed, failed)) => {
                self.passed += passed;
                self.failed += failed;
                if failed > 0 {
                    self.problems
                        .push(format!("{name}: {failed} test(s) failed"));
                }
            }
            Err(err) => self.step(name, Err(err)),
        }
    }
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

pub fn run_all() -> anyhow::Result<ExitCode> {
    let mut tally = Tally::default();
    tally.step(
        "cargo fmt --check",
        run(cargo().args(["fmt", "--all", "--check"])),
    );
    tally.step(
        "clippy",
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ])),
    );
    // The browser tests are part of the suite, so the browser must be there first.
    tally.step("chromium", ensure_browser());
    eprintln!("xtask: the whole suite on SQLite");
    tally.tests("tests on SQLite", cargo_test(&[]));
    eprintln!("xtask: the whole suite on PostgreSQL");
    match Cluster::start() {
        Ok(cluster) => tally.tests(
            "tests on PostgreSQL",
            cargo_test(&[("RAMPART_TEST_POSTGRES_URL", &cluster.url)]),
        ),
        Err(err) => tally.step("PostgreSQL", Err(err)),
    }
    for problem in &tally.problems {
        eprintln!("xtask: FAILED {problem}");
    }
    println!("ci: {} passed, {} failed", tally.passed, tally.failed);
    Ok(if tally.failed == 0 && tally.passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn ensure_browser() -> anyhow::Result<()> {
    let present = |paths: &[&str]| paths.iter().any(|p| Path::new(p).exists());
    if present(&["/usr/bin/chromium"]) && present(&["/usr/bin/chromedriver"]) {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver"])
}

/// Runs the workspace's tests, echoing their output, and counts passed and failed cases.
fn cargo_test(env: &[(&str, &str)]) -> anyhow::Result<(u64, u64)> {
    let mut command = cargo();
    command
        .args(["test", "--workspace", "--locked", "--color", "never"])
        .stdout(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().context("cannot run cargo test")?;
    let stdout = child.stdout.take().context("no output from cargo test")?;
    let (mut passed, mut failed) = (0, 0);
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some((p, f)) = parse_result_line(&line) {
            passed += p;
            failed += f;
        }
    }
    let status = child.wait()?;
    if !status.success() && failed == 0 {
        bail!("cargo test failed before running every test ({status})");
    }
    Ok((passed, failed))
}

/// `test result: ok. 32 passed; 0 failed; 0 ignored; …` → (32, 0).
fn parse_result_line(line: &str) -> Option<(u64, u64)> {
    let rest = line.strip_prefix("test result: ")?;
    let count = |word: &str| {
        rest.split(';').find_map(|part| {
            part.trim()
                .trim_start_matches("ok. ")
                .trim_start_matches("FAILED. ")
                .strip_suffix(word)?
                .trim()
                .parse()
                .ok()
        })
    };
    Some((count("passed")?, count("failed")?))
}

#[cfg(test)]
mod tests {
    use super::parse_result_line;

    #[test]
    fn result_lines_are_counted() {
        let check = |line, expected| assert_eq!(parse_result_line(line), expected, "{line}");
        check(
            "test result: ok. 32 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 5.19s",
            Some((32, 0)),
        );
        check(
            "test result: FAILED. 30 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            Some((30, 2)),
        );
        check("running 3 tests", None);
    }
}
