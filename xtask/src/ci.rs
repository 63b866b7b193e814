//! `cargo xtask ci`: the checks a change must pass, in the order a person would run them,
//! ending with one line, `ci: N passed, M failed`, where N and M count test cases and a
//! failed step (formatting, lints, a service that would not start) counts as one failure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
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
    // So must schemathesis, which the API fuzz test runs; the test finds it through this
    // variable (and fails, saying how to install it, when it is missing).
    let schemathesis = match ensure_schemathesis() {
        Ok(program) => Some(program),
        Err(err) => {
            tally.step("schemathesis", Err(err));
            None
        }
    };
    // The security.txt test runs the sectxt validator, from the same environment, through
    // the Python this variable names (without it, the test skips only that validation).
    let sectxt = match schemathesis.as_deref().map(ensure_sectxt) {
        Some(Ok(python)) => Some(python),
        Some(Err(err)) => {
            tally.step("sectxt", Err(err));
            None
        }
        None => None,
    };
    let programs: Vec<(&str, String)> = [
        ("RAMPART_SCHEMATHESIS", schemathesis),
        ("RAMPART_SECTXT_PYTHON", sectxt),
    ]
    .into_iter()
    .filter_map(|(name, program)| Some((name, program?.display().to_string())))
    .collect();
    let tools: Vec<(&str, &str)> = programs
        .iter()
        .map(|(name, program)| (*name, program.as_str()))
        .collect();
    eprintln!("xtask: the whole suite on SQLite");
    tally.tests("tests on SQLite", cargo_test(&tools));
    eprintln!("xtask: the whole suite on PostgreSQL");
    match Cluster::start() {
        Ok(cluster) => {
            let mut env = tools.clone();
            env.push(("RAMPART_TEST_POSTGRES_URL", &cluster.url));
            tally.tests("tests on PostgreSQL", cargo_test(&env));
        }
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

/// The schemathesis release the API fuzz test is written for.
const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// The `schemathesis` command, from a virtual environment of its own under `target/`, made
/// (with Debian's `python3-venv` when Python cannot make one) and filled from PyPI when it
/// is missing or holds another version.
fn ensure_schemathesis() -> anyhow::Result<PathBuf> {
    let venv = root()
        .join("target")
        .join(format!("schemathesis-{SCHEMATHESIS_VERSION}"));
    let program = venv.join("bin").join("schemathesis");
    let installed = || {
        Command::new(&program)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS_VERSION))
    };
    if installed() {
        return Ok(program);
    }
    eprintln!(
        "xtask: installing schemathesis {SCHEMATHESIS_VERSION} into {}",
        venv.display()
    );
    let make_venv = |python: &str| {
        // A half-made environment from an interrupted run is made again.
        let _ = std::fs::remove_dir_all(&venv);
        run(Command::new(python).args(["-m", "venv"]).arg(&venv))
    };
    if make_venv("python3").is_err() {
        // Debian's own Python makes environments once python3-venv is there.
        apt_install(&["python3", "python3-venv"])?;
        make_venv("/usr/bin/python3")?;
    }
    run(Command::new(venv.join("bin").join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")))?;
    if !installed() {
        bail!(
            "schemathesis {SCHEMATHESIS_VERSION} was installed but {} does not run",
            program.display()
        );
    }
    Ok(program)
}

/// The sectxt release the security.txt test validates with.
const SECTXT_VERSION: &str = "0.9.8";

/// The Python of schemathesis' environment (`schemathesis` is its command there), with
/// sectxt installed into it from PyPI when it is missing or another version.
fn ensure_sectxt(schemathesis: &Path) -> anyhow::Result<PathBuf> {
    let bin = schemathesis
        .parent()
        .context("schemathesis' command is not in a directory")?;
    let python = bin.join("python");
    let installed = || {
        Command::new(&python)
            .args([
                "-c",
                "import importlib.metadata, sectxt; print(importlib.metadata.version('sectxt'))",
            ])
            .output()
            .is_ok_and(|o| {
                o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == SECTXT_VERSION
            })
    };
    if installed() {
        return Ok(python);
    }
    eprintln!(
        "xtask: installing sectxt {SECTXT_VERSION} into {}",
        bin.display()
    );
    run(Command::new(bin.join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("sectxt=={SECTXT_VERSION}")))?;
    if !installed() {
        bail!(
            "sectxt {SECTXT_VERSION} was installed but {} cannot import it",
            python.display()
        );
    }
    Ok(python)
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
