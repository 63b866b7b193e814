//! The vault's figures. Contact reads (by id, and list pages) and writes (creates and
//! updates) on a server that audits every one and on one with auditing off, alternated in
//! the same run; and a bulk import of a million generated contacts through
//! `rampart import contacts`, on SQLite and on PostgreSQL, beside `sqlite3 .import` and
//! PostgreSQL's `COPY` of the same file into a plain table.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;

use super::audit::READERS;
use super::identity::set_up_account;
use super::serving::{MakeRequest, Stats, load_requests};
use super::{RssSampler, Server, client};
use crate::postgres::Cluster;
use crate::system::apt_install;

/// One operation measured with audit on and off, alternated.
pub(super) struct Pair {
    pub name: &'static str,
    pub on: Vec<Stats>,
    pub off: Vec<Stats>,
}

impl Pair {
    fn mean(stats: &[Stats]) -> f64 {
        stats.iter().map(|s| s.per_second).sum::<f64>() / stats.len().max(1) as f64
    }

    pub fn on_per_second(&self) -> f64 {
        Self::mean(&self.on)
    }

    pub fn off_per_second(&self) -> f64 {
        Self::mean(&self.off)
    }

    /// Audited throughput as a share of unaudited throughput.
    pub fn ratio(&self) -> f64 {
        self.on_per_second() / self.off_per_second()
    }
}

/// Rounds of each configuration, alternated.
const ROUNDS: usize = 2;
/// Contacts in the tenant whose reads are measured.
const SEEDED: usize = 200;

struct Target {
    base: String,
    token: String,
    pid: u32,
    /// One contact per worker: reads spread over them, updates never contend.
    contacts: Vec<String>,
}

async fn seed(server: &Server) -> anyhow::Result<Target> {
    let account = set_up_account(server, "vault@example.com").await?;
    let base = format!("https://127.0.0.1:{}", server.public);
    let client = client()?;
    let mut contacts = Vec::with_capacity(SEEDED);
    for n in 0..SEEDED {
        let created: serde_json::Value = client
            .post(format!("{base}/api/v1/contacts"))
            .bearer_auth(&account.api_token)
            .json(&contact(0, n as u64))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        contacts.push(created["id"].as_str().context("no contact id")?.to_owned());
    }
    Ok(Target {
        base,
        token: account.api_token,
        pid: server.pid(),
        contacts,
    })
}

fn contact(worker: usize, n: u64) -> serde_json::Value {
    json!({
        "name": format!("Bench Contact {worker} {n}"),
        "phones": [format!("+4477{:02}{:07}", worker % 100, n % 10_000_000)],
        "emails": [format!("c{worker}.{n}@example.com")],
        "tags": ["bench"],
        "notes": "measured"
    })
}

pub(super) async fn measure_requests(
    on: &Server,
    off: &Server,
    seconds: u64,
) -> anyhow::Result<Vec<Pair>> {
    let targets = [seed(on).await?, seed(off).await?];
    let mut pairs = Vec::new();
    for name in [
        "GET /api/v1/contacts/{id}",
        "GET /api/v1/contacts (page of 50)",
        "POST /api/v1/contacts",
        "PATCH /api/v1/contacts/{id}",
    ] {
        let mut pair = Pair {
            name,
            on: Vec::new(),
            off: Vec::new(),
        };
        for round in 0..ROUNDS {
            for (audited, target) in [(false, &targets[1]), (true, &targets[0])] {
                eprintln!(
                    "xtask: {name}, audit {} (round {}) for {seconds} s with {READERS} connections",
                    if audited { "on" } else { "off" },
                    round + 1
                );
                let stats =
                    load_requests(name, seconds, READERS, target.pid, request(name, target))
                        .await?;
                if audited {
                    pair.on.push(stats);
                } else {
                    pair.off.push(stats);
                }
            }
        }
        pairs.push(pair);
    }
    Ok(pairs)
}

fn request(name: &'static str, target: &Target) -> MakeRequest {
    let (base, token) = (target.base.clone(), target.token.clone());
    let contacts = target.contacts.clone();
    Arc::new(move |client, worker, n| {
        let id = &contacts[worker % contacts.len()];
        let request = match name {
            "GET /api/v1/contacts/{id}" => client.get(format!("{base}/api/v1/contacts/{id}")),
            "GET /api/v1/contacts (page of 50)" => {
                client.get(format!("{base}/api/v1/contacts?limit=50"))
            }
            "POST /api/v1/contacts" => client
                .post(format!("{base}/api/v1/contacts"))
                .json(&contact(worker + 1, n)),
            _ => client.patch(format!("{base}/api/v1/contacts/{id}")).json(
                &json!({"notes": format!("update {n}"), "tags": ["bench", format!("t{}", n % 7)]}),
            ),
        };
        request.bearer_auth(&token)
    })
}

/// How long a bulk import took, and the memory it held at most.
pub(super) struct Import {
    pub engine: &'static str,
    pub rows: u64,
    pub seconds: f64,
    pub peak_rss_mib: f64,
    pub created: u64,
    /// The plain load of the same file on the same engine: `sqlite3 .import` or `COPY`.
    pub baseline_seconds: f64,
}

/// Writes `rows` generated contacts as CSV: name, phone, email, tags, notes. Names are
/// drawn from common first and last names, as real lists are: their words repeat, while
/// every phone number and email address is unique.
fn generate(path: &Path, rows: u64) -> anyhow::Result<()> {
    use std::io::Write;
    const FIRST: [&str; 24] = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret",
        "John", "Mary", "James", "Linda", "Robert", "Susan", "David", "Karen", "Thomas", "Nancy",
        "Daniel", "Lisa", "Paul", "Sandra", "Mark",
    ];
    const LAST: [&str; 32] = [
        "Lovelace",
        "Hopper",
        "Turing",
        "Dijkstra",
        "Liskov",
        "Knuth",
        "Allen",
        "Thompson",
        "Hamilton",
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Wilson",
        "Anderson",
        "Taylor",
        "Thomas",
        "Moore",
        "Jackson",
        "Martin",
        "Lee",
        "Perez",
        "White",
        "Harris",
        "Clark",
        "Lewis",
    ];
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(out, "name,phone,email,tags,notes")?;
    for n in 0..rows {
        // A multiplicative hash spreads neighbours over the lists, as a real file would.
        let mix = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        let first = FIRST[(mix % FIRST.len() as u64) as usize];
        let last = LAST[((mix / FIRST.len() as u64) % LAST.len() as u64) as usize];
        writeln!(
            out,
            "{first} {last},+44 7{n:09},{}.{}.{n}@example.com,tier{};imported,row {n} of the bench",
            first.to_lowercase(),
            last.to_lowercase(),
            n % 5
        )?;
    }
    out.flush()?;
    Ok(())
}

pub(super) async fn measure_imports(
    binary: &Path,
    identity: &platform::config::IdentityConfig,
    work: &Path,
    rows: u64,
) -> anyhow::Result<Vec<Import>> {
    let file = work.join("contacts.csv");
    eprintln!("xtask: generating {rows} contacts in {}", file.display());
    generate(&file, rows)?;
    let mut imports = Vec::new();
    let sqlite_baseline = sqlite3_import(&file, &work.join("plain.db"))?;
    imports.push(
        import_into(
            binary,
            identity,
            &file,
            rows,
            "SQLite",
            &[],
            sqlite_baseline,
        )
        .await?,
    );
    match Cluster::start() {
        Ok(cluster) => {
            let baseline = postgres_copy(&cluster.url, &file)?;
            let database = fresh_postgres(&cluster.url, "vault_bench")?;
            imports.push(
                import_into(
                    binary,
                    identity,
                    &file,
                    rows,
                    "PostgreSQL",
                    &[("RAMPART_DATABASE__URL", database.as_str())],
                    baseline,
                )
                .await?,
            );
        }
        Err(err) => eprintln!("xtask: no PostgreSQL for the import benchmark: {err:#}"),
    }
    Ok(imports)
}

/// Signs up a tenant on a fresh server, stops it, and times `rampart import contacts`.
async fn import_into(
    binary: &Path,
    identity: &platform::config::IdentityConfig,
    file: &Path,
    rows: u64,
    engine: &'static str,
    env: &[(&str, &str)],
    baseline_seconds: f64,
) -> anyhow::Result<Import> {
    let server = super::start_server(binary, identity, env)?;
    super::wait_ready(server.public).await?;
    let account = set_up_account(&server, "import@example.com").await?;
    let me: serde_json::Value = client()?
        .get(format!("https://127.0.0.1:{}/api/v1/me", server.public))
        .bearer_auth(&account.api_token)
        .send()
        .await?
        .json()
        .await?;
    let tenant = me["tenant_id"].as_str().context("no tenant id")?.to_owned();
    let dir = server.dir.path().to_owned();
    let mut server = server;
    server.stop()?;
    eprintln!("xtask: rampart import contacts: {rows} rows on {engine}");
    let mut command = Command::new(binary);
    command
        .args(["import", "contacts", "--tenant", &tenant])
        .arg(file)
        .current_dir(&dir)
        .env("RAMPART_LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (name, value) in env {
        command.env(name, value);
    }
    let started = Instant::now();
    let child = command.spawn().context("cannot start rampart import")?;
    let sampler = RssSampler::start(child.id(), std::time::Duration::from_millis(50));
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await??;
    let seconds = started.elapsed().as_secs_f64();
    let peak_rss_mib = sampler.stop().await?;
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!("rampart import contacts failed on {engine}: {printed}");
    }
    let created = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("created: "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Ok(Import {
        engine,
        rows,
        seconds,
        peak_rss_mib,
        created,
        baseline_seconds,
    })
}

fn timed(command: &mut Command) -> anyhow::Result<f64> {
    let started = Instant::now();
    let status = command
        .status()
        .with_context(|| format!("cannot run {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed");
    }
    Ok(started.elapsed().as_secs_f64())
}

fn sqlite3_import(file: &Path, database: &Path) -> anyhow::Result<f64> {
    if Command::new("sqlite3").arg("-version").output().is_err() {
        apt_install(&["sqlite3"])?;
    }
    let _ = std::fs::remove_file(database);
    eprintln!("xtask: sqlite3 .import of the same file");
    timed(
        Command::new("sqlite3")
            .arg(database)
            .arg(".mode csv")
            .arg(format!(".import {} contacts", file.display())),
    )
}

fn psql() -> std::path::PathBuf {
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.flatten()
                .map(|d| d.path().join("bin/psql"))
                .filter(|p| p.exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().unwrap_or_else(|| "psql".into())
}

fn fresh_postgres(admin: &str, name: &str) -> anyhow::Result<String> {
    crate::system::run(Command::new(psql()).arg(admin).args([
        "-q",
        "-c",
        &format!("CREATE DATABASE {name}"),
    ]))?;
    let (server, _) = admin
        .rsplit_once('/')
        .context("the PostgreSQL URL names no database")?;
    Ok(format!("{server}/{name}"))
}

fn postgres_copy(admin: &str, file: &Path) -> anyhow::Result<f64> {
    let url = fresh_postgres(admin, "copy_bench")?;
    crate::system::run(Command::new(psql()).arg(&url).args([
        "-q",
        "-c",
        "CREATE TABLE contacts (name TEXT, phone TEXT, email TEXT, tags TEXT, notes TEXT)",
    ]))?;
    eprintln!("xtask: PostgreSQL COPY of the same file");
    timed(Command::new(psql()).arg(&url).args([
        "-q",
        "-c",
        &format!(
            "\\copy contacts FROM '{}' WITH (FORMAT csv, HEADER true)",
            file.display()
        ),
    ]))
}
