//! Rampart's configuration: the typed sections, their defaults and the rules between values.
//!
//! A run with no configuration at all is valid: every field has a default that serves HTTPS
//! on a self-signed certificate with SQLite in `./data`. [`load`] layers a TOML file and
//! `RAMPART_SECTION__KEY` environment variables over those defaults.

mod audit;
mod disclosure;
mod identity;
mod load;
mod mail;
mod secret;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use url::Url;

pub use audit::AuditConfig;
pub use disclosure::DisclosureConfig;
pub use identity::IdentityConfig;
pub use load::{ConfigError, KeyError, load};
pub use mail::MailConfig;
pub use secret::Secret;

/// The commented example printed by `rampart config example`.
pub const EXAMPLE: &str = include_str!("rampart.example.toml");

/// The whole configuration, after defaults, file and environment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub listen: ListenConfig,
    pub tls: TlsConfig,
    pub database: DatabaseConfig,
    pub log: LogConfig,
    pub jobs: JobsConfig,
    pub keys: KeysConfig,
    pub identity: IdentityConfig,
    pub audit: AuditConfig,
    pub mail: MailConfig,
    pub disclosure: DisclosureConfig,
}

/// Where the master key comes from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeysConfig {
    /// A file holding the master key (64 hex characters). Without it, the key is generated
    /// at first start into `<data_dir>/master.key`. Also `RAMPART_MASTER_KEY_FILE`.
    pub master_key_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// The HTTPS address people use; the HTTP listener redirects here. When absent:
    /// `https://localhost:<port of listen.public>/`.
    pub public_url: Option<Url>,
    /// The HTTPS address of the staff console, used in staff set-up links. When absent:
    /// `https://localhost:<port of listen.staff>`.
    pub staff_url: Option<Url>,
    /// Where the SQLite database, keys and the generated certificate live.
    pub data_dir: PathBuf,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Largest upload accepted on the routes that take files (contact imports), in bytes.
    pub upload_limit_bytes: usize,
    /// Time allowed to answer one request.
    pub request_timeout_secs: u64,
    /// Time allowed for a client to send its request headers (slow-client protection).
    pub header_timeout_secs: u64,
    /// On shutdown, time given to in-flight requests before connections are closed.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            staff_url: None,
            data_dir: PathBuf::from("data"),
            body_limit_bytes: 1024 * 1024,
            upload_limit_bytes: 1024 * 1024 * 1024,
            request_timeout_secs: 30,
            header_timeout_secs: 10,
            shutdown_grace_secs: 30,
        }
    }
}

/// The addresses of the four listeners.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListenConfig {
    /// Public HTTPS: customers, the API, the disclosure program.
    pub public: SocketAddr,
    /// Plain HTTP that only redirects to `server.public_url`.
    pub redirect: SocketAddr,
    /// The staff console, HTTPS, loopback by default.
    pub staff: SocketAddr,
    /// Prometheus metrics, HTTPS, loopback by default.
    pub metrics: SocketAddr,
}

impl Default for ListenConfig {
    fn default() -> Self {
        Self {
            public: SocketAddr::from(([0, 0, 0, 0], 8443)),
            redirect: SocketAddr::from(([0, 0, 0, 0], 8080)),
            staff: SocketAddr::from(([127, 0, 0, 1], 9443)),
            metrics: SocketAddr::from(([127, 0, 0, 1], 9464)),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain; without it a self-signed certificate is generated in `data_dir`.
    pub cert_file: Option<PathBuf>,
    /// PEM private key matching `cert_file`.
    pub key_file: Option<PathBuf>,
    /// How often the certificate files are checked for changes.
    pub reload_interval_ms: u64,
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            cert_file: None,
            key_file: None,
            reload_interval_ms: 5_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; SQLite in `data_dir` when absent.
    pub url: Option<Secret>,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: 16,
            acquire_timeout_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `info,rampart=debug`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            level: "info".to_owned(),
        }
    }
}

/// The lease that elects the one node running background jobs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// A lease not renewed for this long may be taken by another node.
    pub lease_ttl_ms: u64,
    /// How often the holder renews, and the others try to take it.
    pub lease_renew_ms: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            lease_ttl_ms: 15_000,
            lease_renew_ms: 5_000,
        }
    }
}

impl Config {
    /// The database URL, defaulting to SQLite in the data directory.
    pub fn database_url(&self) -> Secret {
        match &self.database.url {
            Some(url) => url.clone(),
            None => Secret::new(format!(
                "sqlite://{}/rampart.db",
                self.server.data_dir.display()
            )),
        }
    }

    /// The public HTTPS URL, given the port the public listener actually bound.
    pub fn public_url(&self, bound_public_port: u16) -> String {
        match &self.server.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => format!("https://localhost:{bound_public_port}"),
        }
    }

    /// The audit log's name in its checkpoints: `audit.origin`, or the public host + `/audit`.
    pub fn audit_origin(&self) -> String {
        if let Some(origin) = &self.audit.origin {
            return origin.clone();
        }
        let host = self
            .server
            .public_url
            .as_ref()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_else(|| "localhost".to_owned());
        format!("{host}/audit")
    }

    /// The staff console's URL, given the port the staff listener actually bound.
    pub fn staff_url(&self, bound_staff_port: u16) -> String {
        match &self.server.staff_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => format!("https://localhost:{bound_staff_port}"),
        }
    }

    /// Rules between values that types alone cannot express.
    fn validate(&self) -> Vec<KeyError> {
        let mut errors = Vec::new();
        let mut fail = |key: &str, message: String| errors.push(KeyError::new(key, message));
        for (key, url) in [
            ("server.public_url", &self.server.public_url),
            ("server.staff_url", &self.server.staff_url),
        ] {
            let Some(url) = url else { continue };
            if url.scheme() != "https" {
                fail(
                    key,
                    format!("must be an https:// URL, not {}://", url.scheme()),
                );
            }
            if url.host().is_none() || url.query().is_some() || url.fragment().is_some() {
                fail(
                    key,
                    "must be a plain origin such as https://rampart.example.com".into(),
                );
            }
        }
        if self.server.body_limit_bytes < 1024 {
            fail("server.body_limit_bytes", "must be at least 1024".into());
        }
        if self.server.upload_limit_bytes < self.server.body_limit_bytes {
            fail(
                "server.upload_limit_bytes",
                "must be at least server.body_limit_bytes".into(),
            );
        }
        for (key, secs) in [
            (
                "server.request_timeout_secs",
                self.server.request_timeout_secs,
            ),
            (
                "server.header_timeout_secs",
                self.server.header_timeout_secs,
            ),
            (
                "database.acquire_timeout_secs",
                self.database.acquire_timeout_secs,
            ),
        ] {
            if secs == 0 {
                fail(key, "must be at least 1".into());
            }
        }
        if self.tls.cert_file.is_some() != self.tls.key_file.is_some() {
            fail(
                "tls.key_file",
                "tls.cert_file and tls.key_file go together: set both or neither".into(),
            );
        }
        if self.tls.reload_interval_ms < 100 {
            fail("tls.reload_interval_ms", "must be at least 100".into());
        }
        if let Some(url) = &self.database.url {
            let scheme = url.expose().split(':').next().unwrap_or_default();
            if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
                fail(
                    "database.url",
                    "must start with sqlite:// or postgres://".into(),
                );
            }
        }
        if self.database.max_connections == 0 {
            fail("database.max_connections", "must be at least 1".into());
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            fail(
                "log.level",
                format!(
                    "`{}` is not a log filter such as `info` or `warn,rampart=debug`",
                    self.log.level
                ),
            );
        }
        if self.jobs.lease_renew_ms == 0
            || self.jobs.lease_renew_ms.saturating_mul(2) > self.jobs.lease_ttl_ms
        {
            fail(
                "jobs.lease_renew_ms",
                "must be above 0 and at most half of jobs.lease_ttl_ms".into(),
            );
        }
        let listen = &self.listen;
        let addrs = [
            ("listen.public", listen.public),
            ("listen.redirect", listen.redirect),
            ("listen.staff", listen.staff),
            ("listen.metrics", listen.metrics),
        ];
        for (i, (key, addr)) in addrs.iter().enumerate() {
            if addr.port() != 0 && addrs[..i].iter().any(|(_, other)| other == addr) {
                fail(key, format!("{addr} is already used by another listener"));
            }
        }
        let mut push = |error: KeyError| errors.push(error);
        self.identity.validate(&mut push);
        self.audit.validate(&mut push);
        self.mail.validate(&mut push);
        self.disclosure.validate(&mut push);
        errors
    }
}
