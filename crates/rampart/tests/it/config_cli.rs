//! `rampart config check | example`, `rampart migrate`, and a wrong configuration at start.

use crate::helpers::{fresh_database_url, rampart_command};

async fn run(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut command = rampart_command(dir);
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().await.unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}

#[tokio::test]
async fn config_check_names_a_wrong_key_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[server]\nlisen_addr = \"0.0.0.0:1\"\n",
    )
    .unwrap();
    let (ok, _, stderr) = run(dir.path(), &["config", "check"], &[]).await;
    assert!(!ok);
    assert!(stderr.contains("lisen_addr"), "{stderr}");
}

#[tokio::test]
async fn config_check_names_a_wrong_value_and_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(
        dir.path(),
        &["config", "check"],
        &[("RAMPART_LISTEN__PUBLIC", "everywhere")],
    )
    .await;
    assert!(!ok);
    assert!(
        stderr.contains("listen.public (from RAMPART_LISTEN__PUBLIC)"),
        "{stderr}"
    );
    let file = dir.path().join("custom.toml");
    std::fs::write(&file, "[database]\nmax_connections = -3\n").unwrap();
    let (ok, _, stderr) = run(
        dir.path(),
        &["--config", file.to_str().unwrap(), "config", "check"],
        &[],
    )
    .await;
    assert!(!ok);
    assert!(stderr.contains("database.max_connections"), "{stderr}");
}

#[tokio::test]
async fn serve_refuses_a_wrong_configuration_with_the_key_in_the_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[tls]\ncert_file = \"missing.pem\"\n",
    )
    .unwrap();
    let (ok, _, stderr) = run(dir.path(), &["serve"], &[]).await;
    assert!(!ok);
    assert!(stderr.contains("tls.key_file"), "{stderr}");
}

#[tokio::test]
async fn the_printed_example_passes_config_check() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, example, _) = run(dir.path(), &["config", "example"], &[]).await;
    assert!(ok);
    assert!(example.contains("[listen]") && example.contains("public = \"0.0.0.0:8443\""));
    std::fs::write(dir.path().join("rampart.toml"), example).unwrap();
    let (ok, stdout, stderr) = run(dir.path(), &["config", "check"], &[]).await;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("configuration OK (rampart.toml)"),
        "{stdout}"
    );
}

#[tokio::test]
async fn migrate_applies_the_schema_once_and_then_reports_it_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(dir.path()).await;
    let (ok, stdout, stderr) =
        run(dir.path(), &["migrate"], &[("RAMPART_DATABASE__URL", &url)]).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("applied platform/0001_leases"), "{stdout}");
    assert!(
        stdout.contains("applied platform/0002_master_key_check"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(dir.path(), &["migrate"], &[("RAMPART_DATABASE__URL", &url)]).await;
    assert!(ok);
    assert!(stdout.contains("the database is up to date"), "{stdout}");
}

#[tokio::test]
async fn a_database_password_never_appears_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgres://rampart:s3cret-Pa55word@127.0.0.1:1/rampart";
    let (ok, stdout, stderr) = run(
        dir.path(),
        &["migrate"],
        &[
            ("RAMPART_DATABASE__URL", url),
            ("RAMPART_DATABASE__ACQUIRE_TIMEOUT_SECS", "2"),
        ],
    )
    .await;
    assert!(!ok);
    assert!(stderr.contains("cannot open the database"), "{stderr}");
    assert!(
        !stderr.contains("s3cret") && !stdout.contains("s3cret"),
        "{stderr}"
    );
}

#[tokio::test]
async fn admin_hashing_time_times_the_configured_parameters_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "admin",
        "hashing",
        "time",
        "--count",
        "2",
        "--warm-up",
        "1",
        "--threads",
        "2",
    ];
    let memory = [("RAMPART_IDENTITY__HASH_MEMORY_KIB", "20480")];
    let (ok, stdout, stderr) = run(dir.path(), &args, &memory).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("m = 20480 KiB, t = 2, p = 1"), "{stdout}");
    assert!(stdout.contains("over 4 hashes"), "{stdout}");
    assert!(stdout.contains("log-ins a second"), "{stdout}");
    assert!(stdout.contains("transparent huge pages: "), "{stdout}");

    let json_args = [&args[..], &["--json"]].concat();
    let (ok, stdout, stderr) = run(dir.path(), &json_args, &memory).await;
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["memory_kib"], 20480);
    assert_eq!(report["threads"], 2);
    assert_eq!(report["samples_ms"].as_array().unwrap().len(), 4);
    assert!(report["median_ms"].as_f64().unwrap() > 0.0);
    assert!(report["hashes_per_second"].as_f64().unwrap() > 0.0);
    let modes = ["always", "madvise", "never", "unknown"];
    assert!(
        modes.contains(&report["transparent_huge_pages"].as_str().unwrap()),
        "{report}"
    );

    // Parameters below OWASP's minimum are refused before anything is timed.
    let weak = [("RAMPART_IDENTITY__HASH_MEMORY_KIB", "1024")];
    let (ok, _, stderr) = run(dir.path(), &args, &weak).await;
    assert!(!ok);
    assert!(stderr.contains("identity.hash_memory_kib"), "{stderr}");
}
