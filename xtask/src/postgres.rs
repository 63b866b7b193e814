//! A throwaway PostgreSQL cluster for the test suite: created in a temporary folder, run as
//! an unprivileged user (PostgreSQL refuses root) on a free port, removed when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::system::{apt_install, is_root, run};

pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    pub url: String,
}

fn find_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// A command run as the `postgres` user when we are root.
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

impl Cluster {
    pub fn start() -> anyhow::Result<Self> {
        let bin = match find_bin_dir() {
            Some(bin) => bin,
            None => {
                apt_install(&["postgresql"])?;
                find_bin_dir().context("PostgreSQL installed but initdb not found")?
            }
        };
        let dir = std::env::temp_dir().join(format!("rampart-ci-postgres-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        if is_root() {
            run(Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(&dir))?;
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let data = dir.join("data");
        run(as_owner(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
            .stdout(std::process::Stdio::null()))?;
        // A test cluster: durability is traded for speed; Rampart's own crash tests kill
        // Rampart, never this server.
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300",
            dir.display()
        );
        let cluster = Self {
            bin: bin.clone(),
            dir: dir.clone(),
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        };
        run(as_owner(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-o", &options, "-w", "start"])
            .stdout(std::process::Stdio::null()))
        .context("cannot start the test PostgreSQL cluster")?;
        if !data.join("postmaster.pid").exists() {
            bail!(
                "PostgreSQL did not start; see {}",
                dir.join("server.log").display()
            );
        }
        Ok(cluster)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
