//! `spawn_app()` and `TestApp`: the real server on port 0 with a fresh database, and an
//! HTTPS client that trusts its self-signed certificate.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use platform::config::{Config, Secret};
use rampart::app::{self, Listeners, Running};
use rampart::shutdown::Shutdown;
use tempfile::TempDir;
use tokio::net::TcpListener;

/// The PostgreSQL server the suite runs against, when it runs against one.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("RAMPART_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh, empty database: a new SQLite file in `dir`, or a new PostgreSQL database.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match postgres_admin_url() {
        None => format!("sqlite://{}/rampart.db", dir.display()),
        Some(admin) => {
            let name = platform::ids::new_id("test");
            let db = platform::db::Db::connect_url(
                &Secret::new(admin.clone()),
                1,
                std::time::Duration::from_secs(10),
            )
            .await
            .unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(db.pool())
                .await
                .unwrap();
            db.close().await;
            let mut url = url::Url::parse(&admin).unwrap();
            url.set_path(&name);
            url.to_string()
        }
    }
}

pub struct TestApp {
    pub public: SocketAddr,
    pub redirect: SocketAddr,
    pub staff: SocketAddr,
    pub metrics: SocketAddr,
    pub client: reqwest::Client,
    pub running: Option<Running>,
    pub shutdown: Shutdown,
    pub data_dir: TempDir,
    pub database_url: String,
}

/// Starts Rampart with the defaults of a test run.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts Rampart after `customise` has adjusted the configuration.
pub async fn spawn_app_with(customise: impl FnOnce(&mut Config)) -> TestApp {
    try_spawn_app_with(customise).await.unwrap()
}

/// Like [`spawn_app_with`], for tests of start-up failures.
pub async fn try_spawn_app_with(customise: impl FnOnce(&mut Config)) -> anyhow::Result<TestApp> {
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(data_dir.path()).await;
    let mut config = Config::default();
    config.server.data_dir = data_dir.path().join("data");
    config.database.url = Some(Secret::new(database_url.clone()));
    config.database.max_connections = 4;
    config.log.level = "warn".into();
    config.jobs.lease_ttl_ms = 2_000;
    config.jobs.lease_renew_ms = 500;
    customise(&mut config);
    let served_from = config.server.data_dir.clone();
    if let Ok(level) = std::env::var("RAMPART_TEST_LOG") {
        // `RAMPART_TEST_LOG=debug cargo test … -- --nocapture` shows the server's log.
        static INIT: std::sync::Once = std::sync::Once::new();
        INIT.call_once(|| {
            platform::telemetry::init(&platform::config::LogConfig {
                format: platform::config::LogFormat::Pretty,
                level,
            })
        });
    }
    let listeners = Listeners {
        public: TcpListener::bind("127.0.0.1:0").await.unwrap(),
        redirect: TcpListener::bind("127.0.0.1:0").await.unwrap(),
        staff: TcpListener::bind("127.0.0.1:0").await.unwrap(),
        metrics: TcpListener::bind("127.0.0.1:0").await.unwrap(),
    };
    let (public, redirect, staff, metrics) = (
        listeners.public.local_addr().unwrap(),
        listeners.redirect.local_addr().unwrap(),
        listeners.staff.local_addr().unwrap(),
        listeners.metrics.local_addr().unwrap(),
    );
    let shutdown = Shutdown::new();
    let running = app::start(config, listeners, shutdown.clone()).await?;
    let cert_pem = std::fs::read(served_from.join("tls/self-signed-cert.pem")).ok();
    let client = https_client(cert_pem.as_deref());
    Ok(TestApp {
        public,
        redirect,
        staff,
        metrics,
        client,
        running: Some(running),
        shutdown,
        data_dir,
        database_url,
    })
}

/// A client that trusts `cert_pem` (the server's self-signed certificate) and never follows
/// redirects, so tests see them.
pub fn https_client(cert_pem: Option<&[u8]>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .use_rustls_tls();
    if let Some(pem) = cert_pem {
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem).unwrap());
    }
    builder.build().unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.public.port())
    }

    pub fn staff_url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.staff.port())
    }

    pub fn metrics_url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.metrics.port())
    }

    pub fn redirect_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.redirect.port())
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(url).send().await.unwrap()
    }

    /// Stops the server the way a signal does and waits until it has stopped.
    pub async fn stop(&mut self) {
        self.shutdown.trigger();
        if let Some(running) = self.running.take() {
            running.stopped().await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// Accepts any certificate: these tests look at which certificate is served, not at trust.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A TLS connector offering only `versions` that accepts whatever certificate is served.
pub fn any_certificate_connector(
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> tokio_rustls::TlsConnector {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Sends `request` as raw bytes over TLS (HTTP/1.1) and returns the status code, or None when
/// the server closed the connection without answering.
pub async fn raw_https(addr: SocketAddr, request: &[u8]) -> Option<u16> {
    let connector = any_certificate_connector(rustls::DEFAULT_VERSIONS);
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), stream)
        .await
        .unwrap();
    tls.write_all(request).await.unwrap();
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buffer = [0u8; 4096];
        while !response.windows(4).any(|w| w == b"\r\n\r\n") {
            match tls.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => response.extend_from_slice(&buffer[..n]),
            }
        }
    });
    read.await
        .expect("the server neither answered nor closed the connection");
    let text = String::from_utf8_lossy(&response);
    text.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
}

/// A `rampart serve` process of the real binary, for tests that kill or signal it.
pub struct Node {
    pub child: tokio::process::Child,
    pub public: SocketAddr,
    pub stdout: Arc<std::sync::Mutex<Vec<String>>>,
}

/// The `rampart` command with a clean environment of its own in `dir`.
pub fn rampart_command(dir: &std::path::Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rampart"));
    command
        .current_dir(dir)
        .env_remove("RAMPART_CONFIG")
        .kill_on_drop(true);
    for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("RAMPART_")) {
        command.env_remove(name);
    }
    command
}

impl Node {
    /// Starts a node with its own data directory and the given database; `extra` adds or
    /// overrides environment variables. Returns once it listens (not necessarily ready).
    pub async fn start(dir: &std::path::Path, database_url: &str, extra: &[(&str, &str)]) -> Node {
        use tokio::io::AsyncBufReadExt;
        let mut command = rampart_command(dir);
        command
            .arg("serve")
            .env("RAMPART_DATABASE__URL", database_url)
            .env("RAMPART_SERVER__DATA_DIR", dir.join("data"))
            .env("RAMPART_LOG__FORMAT", "json")
            .env("RAMPART_LOG__LEVEL", "info")
            .env("RAMPART_JOBS__LEASE_TTL_MS", "2000")
            .env("RAMPART_JOBS__LEASE_RENEW_MS", "500");
        for listener in ["PUBLIC", "REDIRECT", "STAFF", "METRICS"] {
            command.env(format!("RAMPART_LISTEN__{listener}"), "127.0.0.1:0");
        }
        for (name, value) in extra {
            command.env(name, value);
        }
        command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit());
        let mut child = command.spawn().unwrap();
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let stdout = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (address_tx, address_rx) = tokio::sync::oneshot::channel();
        let collected = stdout.clone();
        tokio::spawn(async move {
            let mut address_tx = Some(address_tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(addr) = public_address(&line) {
                    if let Some(tx) = address_tx.take() {
                        let _ = tx.send(addr);
                    }
                }
                collected.lock().unwrap().push(line);
            }
        });
        let public = tokio::time::timeout(Duration::from_secs(30), address_rx)
            .await
            .expect("the node did not start listening in 30 s")
            .expect("the node exited before listening");
        Node {
            child,
            public,
            stdout,
        }
    }

    /// Waits for `/readyz` to answer 200 and returns its body.
    pub async fn ready(&self) -> serde_json::Value {
        for _ in 0..300 {
            if let Some(body) = self.readyz().await.filter(|b| b["status"] == "ready") {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("node on {} never became ready", self.public);
    }

    pub async fn readyz(&self) -> Option<serde_json::Value> {
        let url = format!("https://127.0.0.1:{}/readyz", self.public.port());
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        client
            .get(url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()
    }

    pub async fn holds_lease(&self) -> bool {
        self.readyz()
            .await
            .is_some_and(|b| b["jobs_lease_held"] == true)
    }

    pub async fn kill_9(&mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }

    pub fn printed(&self) -> String {
        self.stdout.lock().unwrap().join("\n")
    }

    /// What the node printed up to and including its "Rampart is serving" banner. The node
    /// answers `/readyz` before it prints the banner, and the lines reach the collector
    /// later still, so a test of the banner waits for it.
    pub async fn printed_banner(&self) -> String {
        for _ in 0..300 {
            let printed = self.printed();
            if printed.contains("Rampart is serving ") {
                return printed;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("node on {} never printed its banner", self.public);
    }
}

/// The public address from a JSON `listening` log line.
fn public_address(line: &str) -> Option<SocketAddr> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let fields = &value["fields"];
    (fields["message"] == "listening" && fields["listener"] == "public")
        .then(|| fields["address"].as_str()?.parse().ok())?
}
