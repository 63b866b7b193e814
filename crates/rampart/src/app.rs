//! Wiring: the database and its migrations, TLS, the background-jobs lease, and the four
//! listeners with what each one serves. `rampart serve` and the tests both go through
//! [`start`], so tests exercise the real server.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use audit::AuditLog;
use audit::service::{AuditDeps, load_or_create_signing_key};
use axum::extract::FromRef;
use disclosure::{Disclosure, DisclosureDeps};
use identity::{Identity, IdentityDeps};
use platform::clock::{Clock, SystemClock};
use platform::config::Config;
use platform::crypto::MasterKey;
use platform::db::Db;
use platform::db::lease::{self, Leadership, LeaseSettings};
use platform::db::migrate::{self, Migration};
use platform::ids::new_id;
use platform::mail::{Mailer, Transport};
use platform::metrics::Metrics;
use platform::tls::{self, CertificateStore};
use platform::web::{
    CsrfGuard, Idempotency, ServeOptions, StackSettings, Uploads, serve, with_common_layers,
};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use vault::{Vault, VaultDeps};

use crate::routes;
use crate::shutdown::Shutdown;

/// The lease whose holder runs the background jobs.
const JOBS_LEASE: &str = "jobs";

/// Every component's migrations, in the order they apply.
pub fn migrations() -> Vec<Migration> {
    [
        migrate::PLATFORM,
        audit::MIGRATIONS,
        identity::MIGRATIONS,
        vault::MIGRATIONS,
        disclosure::MIGRATIONS,
    ]
    .concat()
}

/// The sockets of the four listeners, bound before anything else starts.
pub struct Listeners {
    pub public: TcpListener,
    pub redirect: TcpListener,
    pub staff: TcpListener,
    pub metrics: TcpListener,
}

impl Listeners {
    pub async fn bind(config: &Config) -> anyhow::Result<Self> {
        let listen = &config.listen;
        Ok(Self {
            public: bind("public", listen.public).await?,
            redirect: bind("redirect", listen.redirect).await?,
            staff: bind("staff", listen.staff).await?,
            metrics: bind("metrics", listen.metrics).await?,
        })
    }
}

async fn bind(name: &str, addr: std::net::SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (listen.{name})"))
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub certificates: Arc<CertificateStore>,
    pub migrations: Arc<[Migration]>,
    pub public_url: Arc<str>,
    pub node_id: Arc<str>,
    pub leadership: Leadership,
    pub master_key: Arc<MasterKey>,
    pub identity: Identity,
    pub audit: AuditLog,
    pub vault: Vault,
    pub disclosure: Disclosure,
    pub idempotency: Idempotency,
    pub mailer: Mailer,
}

impl FromRef<AppState> for AuditLog {
    fn from_ref(state: &AppState) -> Self {
        state.audit.clone()
    }
}

impl FromRef<AppState> for Idempotency {
    fn from_ref(state: &AppState) -> Self {
        state.idempotency.clone()
    }
}

impl FromRef<AppState> for Vault {
    fn from_ref(state: &AppState) -> Self {
        state.vault.clone()
    }
}

impl FromRef<AppState> for Disclosure {
    fn from_ref(state: &AppState) -> Self {
        state.disclosure.clone()
    }
}

impl FromRef<AppState> for Identity {
    fn from_ref(state: &AppState) -> Self {
        state.identity.clone()
    }
}

/// A started server.
pub struct Running {
    pub state: AppState,
    /// Set when this start generated the self-signed certificate (its fingerprint).
    pub generated_certificate: Option<String>,
    tasks: JoinSet<()>,
}

impl Running {
    /// Waits until every listener and task has stopped after shutdown.
    pub async fn stopped(mut self) {
        while self.tasks.join_next().await.is_some() {}
        self.state.db.close().await;
    }
}

/// Starts Rampart on already-bound listeners; it runs until `shutdown` is triggered.
pub async fn start(
    config: Config,
    listeners: Listeners,
    shutdown: Shutdown,
) -> anyhow::Result<Running> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    create_data_dir(&config)?;
    let (certificates, generated) = load_certificates(&config)?;
    let tls_config = tls::server_config(certificates.clone())?;
    let db = Db::connect(&config)
        .await
        .context("cannot open the database (database.url)")?;
    let migrations: Arc<[Migration]> = migrations().into();
    let applied = migrate::run(&db, &migrations, clock.now()).await?;
    if !applied.is_empty() {
        tracing::info!(?applied, "migrations applied");
    }
    let (master_key, generated_key) = crate::keys::load(&config, &db, clock.now()).await?;
    if generated_key {
        tracing::warn!(
            key = master_key.id(),
            "generated a new master key in the data directory; back it up apart from the database"
        );
    }
    let node_id: Arc<str> = new_id("node").into();
    let mut tasks = JoinSet::new();
    let settings = LeaseSettings {
        name: JOBS_LEASE,
        holder: node_id.to_string(),
        ttl: Duration::from_millis(config.jobs.lease_ttl_ms),
        renew: Duration::from_millis(config.jobs.lease_renew_ms),
    };
    let (leadership, keeper) = lease::keep(db.clone(), clock.clone(), settings, shutdown.wait());
    tasks.spawn(async move { drop(keeper.await) });
    let public_url: Arc<str> = config
        .public_url(listeners.public.local_addr()?.port())
        .into();
    let staff_url = config.staff_url(listeners.staff.local_addr()?.port());
    let master_key = Arc::new(master_key);
    let mailer = mailer(&config, &db, &clock, &node_id)?;
    tasks.spawn(mailer.clone().run(shutdown.wait()));
    let audit = audit_log(&config, &db, &clock, &master_key)?;
    tasks.spawn(audit.clone().run_checkpoints(
        leadership.clone(),
        Duration::from_millis(config.audit.checkpoint_interval_ms),
        shutdown.wait(),
    ));
    let identity = Identity::new(
        IdentityDeps {
            db: db.clone(),
            audit: audit.clone(),
            clock: clock.clone(),
            master_key: master_key.clone(),
            mailer: mailer.clone(),
            public_url: public_url.to_string(),
            staff_url: staff_url.clone(),
        },
        &config.identity,
    )
    .context("identity settings are not usable")?;
    let vault = vault_service(&config, &db, &clock, &master_key, &audit).await?;
    let disclosure = Disclosure::new(
        DisclosureDeps {
            db: db.clone(),
            audit: audit.clone(),
            clock: clock.clone(),
            mailer: mailer.clone(),
            master_key: master_key.clone(),
            public_url: public_url.to_string(),
            staff_url: staff_url.clone(),
        },
        &disclosure_settings(&config),
    )
    .map_err(|message| anyhow::anyhow!("{message}"))?;
    tasks.spawn(disclosure_jobs(
        disclosure.clone(),
        leadership.clone(),
        shutdown.wait(),
    ));
    let (db_for_idempotency, master_key_for_idempotency) = (db.clone(), master_key.clone());
    let csrf = Csrf {
        public: CsrfGuard::new(&master_key, &public_url),
        staff: CsrfGuard::new(&master_key, &staff_url),
    };
    let config = Arc::new(config);
    let metrics = Arc::new(Metrics::new());
    tasks.spawn(report_leadership(leadership.clone(), metrics.clone()));
    tasks.spawn(housekeeping(
        identity.clone(),
        leadership.clone(),
        shutdown.wait(),
    ));
    tasks.spawn(certificates.clone().watch(
        Duration::from_millis(config.tls.reload_interval_ms),
        shutdown.wait(),
    ));
    let state = AppState {
        db,
        config: config.clone(),
        metrics: metrics.clone(),
        certificates,
        migrations,
        public_url,
        node_id,
        leadership,
        master_key,
        identity,
        audit,
        vault,
        disclosure,
        idempotency: Idempotency::new(
            db_for_idempotency,
            master_key_for_idempotency,
            clock.clone(),
        ),
        mailer,
    };
    let acceptor = TlsAcceptor::from(tls_config);
    let layered = |name: &'static str, router| {
        let settings = StackSettings {
            listener: name,
            body_limit: config.server.body_limit_bytes,
            uploads: Uploads {
                paths: vault::http::UPLOAD_PATHS.into(),
                limit: config.server.upload_limit_bytes,
            },
            request_timeout: Duration::from_secs(config.server.request_timeout_secs),
            metrics: metrics.clone(),
        };
        with_common_layers(router, &settings)
    };
    let servers = [
        (
            "public",
            listeners.public,
            Some(acceptor.clone()),
            layered("public", routes::public(state.clone(), csrf.public)),
        ),
        (
            "staff",
            listeners.staff,
            Some(acceptor.clone()),
            layered("staff", routes::staff(state.clone(), csrf.staff)),
        ),
        (
            "metrics",
            listeners.metrics,
            Some(acceptor),
            layered("metrics", routes::metrics(state.clone())),
        ),
        (
            "redirect",
            listeners.redirect,
            None,
            layered("redirect", routes::redirect(state.public_url.clone())),
        ),
    ];
    for (name, listener, tls, router) in servers {
        tracing::info!(listener = name, address = %listener.local_addr()?, tls = tls.is_some(), "listening");
        let options = ServeOptions {
            name,
            header_timeout: Duration::from_secs(config.server.header_timeout_secs),
            grace: Duration::from_secs(config.server.shutdown_grace_secs),
        };
        tasks.spawn(serve(listener, tls, router, options, shutdown.wait()));
    }
    Ok(Running {
        state,
        generated_certificate: generated,
        tasks,
    })
}

/// Identity without listeners, for administrative commands: the database migrated and the
/// master key checked exactly as `serve` does.
pub async fn offline_identity(config: &Config) -> anyhow::Result<(Identity, Db)> {
    let Offline {
        db,
        clock,
        master_key,
    } = Offline::open(config).await?;
    let mailer = mailer(config, &db, &clock, "cli")?;
    let audit = audit_log(config, &db, &clock, &master_key)?;
    let identity = Identity::new(
        IdentityDeps {
            db: db.clone(),
            audit,
            clock,
            master_key,
            mailer,
            public_url: config.public_url(config.listen.public.port()),
            staff_url: config.staff_url(config.listen.staff.port()),
        },
        &config.identity,
    )
    .context("identity settings are not usable")?;
    Ok((identity, db))
}

/// The vault without listeners, for administrative commands (`rampart import`).
pub async fn offline_vault(config: &Config) -> anyhow::Result<(Vault, Db)> {
    let Offline {
        db,
        clock,
        master_key,
    } = Offline::open(config).await?;
    let audit = audit_log(config, &db, &clock, &master_key)?;
    let vault = vault_service(config, &db, &clock, &master_key, &audit).await?;
    Ok((vault, db))
}

async fn vault_service(
    config: &Config,
    db: &Db,
    clock: &Arc<dyn Clock>,
    master_key: &Arc<MasterKey>,
    audit: &AuditLog,
) -> anyhow::Result<Vault> {
    let vault = Vault::new(VaultDeps {
        db: db.clone(),
        audit: audit.clone(),
        clock: clock.clone(),
        master_key: master_key.clone(),
        spool_dir: config.server.data_dir.join("uploads"),
    });
    vault.check_master_key().await.context(
        "the vault's data keys do not open with this master key; point keys.master_key_file \
         (RAMPART_MASTER_KEY_FILE) at the key this database was created with",
    )?;
    let published = vault
        .publish_interrupted_imports()
        .await
        .context("cannot finish the indexing of interrupted imports")?;
    if published > 0 {
        tracing::warn!(
            published,
            "made the contacts of interrupted imports searchable"
        );
    }
    Ok(vault)
}

/// Rotates the master key (`rampart keys rotate`): see [`crate::keys`].
pub async fn rotate_master_key(config: &Config) -> anyhow::Result<crate::keys::Rotated> {
    let Offline {
        db,
        clock,
        master_key,
    } = Offline::open(config).await?;
    let audit = audit_log(config, &db, &clock, &master_key)?;
    let rotated = crate::keys::rotate(config, &db, &master_key, &audit, clock.now()).await;
    db.close().await;
    rotated
}

/// The audit log without listeners, for administrative commands.
pub async fn offline_audit(config: &Config) -> anyhow::Result<(AuditLog, Db)> {
    let Offline {
        db,
        clock,
        master_key,
    } = Offline::open(config).await?;
    let audit = audit_log(config, &db, &clock, &master_key)?;
    Ok((audit, db))
}

fn create_data_dir(config: &Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.server.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.server.data_dir.display()
        )
    })
}

/// The configured database with every migration applied, and the labels of those applied
/// now.
pub async fn open_database(
    config: &Config,
    now: platform::clock::Timestamp,
) -> anyhow::Result<(Db, Vec<String>)> {
    let db = Db::connect(config)
        .await
        .context("cannot open the database (database.url)")?;
    let applied = migrate::run(&db, &migrations(), now).await?;
    Ok((db, applied))
}

/// What every administrative command starts from: the data directory, the migrated
/// database and the master key that belongs to it.
struct Offline {
    db: Db,
    clock: Arc<dyn Clock>,
    master_key: Arc<MasterKey>,
}

impl Offline {
    async fn open(config: &Config) -> anyhow::Result<Self> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        create_data_dir(config)?;
        let (db, _) = open_database(config, clock.now()).await?;
        let (master_key, _) = crate::keys::load(config, &db, clock.now()).await?;
        Ok(Self {
            db,
            clock,
            master_key: Arc::new(master_key),
        })
    }
}

/// The audit log with its signing key, generated into the data directory at first start.
pub fn audit_log(
    config: &Config,
    db: &Db,
    clock: &Arc<dyn Clock>,
    master_key: &Arc<MasterKey>,
) -> anyhow::Result<AuditLog> {
    let (signing_key, generated) = load_or_create_signing_key(
        &config.server.data_dir,
        config.audit.signing_key_file.as_deref(),
        &config.audit_origin(),
    )?;
    if generated {
        tracing::warn!(
            verifier_key = %signing_key.verifier().to_line(),
            "generated a new audit signing key in the data directory; back it up, and give every node the same one"
        );
    }
    if !config.audit.record_writes {
        tracing::warn!(
            "audit.record_writes is off: writes and security events happen without an audit entry"
        );
    }
    if !config.audit.record_reads {
        tracing::warn!(
            "audit.record_reads is off: reads of customer data are served without an audit entry"
        );
    }
    Ok(AuditLog::new(AuditDeps {
        db: db.clone(),
        clock: clock.clone(),
        signing_key,
        master_key: master_key.clone(),
        record_reads: config.audit.record_reads,
        record_writes: config.audit.record_writes,
    }))
}

/// The CSRF guards of the two listeners that serve forms, each accepting its own origin.
struct Csrf {
    public: CsrfGuard,
    staff: CsrfGuard,
}

/// The mailer: SMTP when configured, otherwise the mail-drop folder, said loudly at start.
fn mailer(
    config: &Config,
    db: &Db,
    clock: &Arc<dyn Clock>,
    node_id: &str,
) -> anyhow::Result<Mailer> {
    let transport = Transport::from_config(&config.mail, &config.server.data_dir)
        .context("mail settings are not usable (mail.smtp_url, mail.from)")?;
    if let Transport::MailDrop(dir) = &transport {
        tracing::warn!(
            folder = %dir.display(),
            "mail.smtp_url is not set: outgoing mail is written as .eml files to this folder instead of being sent"
        );
    }
    Mailer::new(
        db.clone(),
        clock.clone(),
        transport,
        &config.mail,
        node_id.to_owned(),
    )
    .context("mail settings are not usable (mail.from)")
}

/// The configured certificate, or the self-signed one in the data directory.
fn load_certificates(config: &Config) -> anyhow::Result<(Arc<CertificateStore>, Option<String>)> {
    if let (Some(cert), Some(key)) = (&config.tls.cert_file, &config.tls.key_file) {
        return Ok((CertificateStore::load(cert, key)?, None));
    }
    let pair = tls::ensure_self_signed(&config.server.data_dir)?;
    let store = CertificateStore::load(&pair.cert_path, &pair.key_path)?;
    tracing::info!(fingerprint = %store.fingerprint(), "serving the self-signed certificate");
    let generated = pair.generated.then(|| store.fingerprint());
    Ok((store, generated))
}

/// The disclosure settings, with the attachment size held within what one request may
/// carry (an attachment travels in one multipart body, bounded by `server.body_limit_bytes`).
fn disclosure_settings(config: &Config) -> platform::config::DisclosureConfig {
    let mut settings = config.disclosure.clone();
    let room = config.server.body_limit_bytes.saturating_sub(16 * 1024);
    let room = u32::try_from(room).unwrap_or(u32::MAX).max(1);
    if settings.attachment_max_bytes > room {
        tracing::warn!(
            configured = settings.attachment_max_bytes,
            used = room,
            "disclosure.attachment_max_bytes is more than server.body_limit_bytes allows; attachments are limited to what fits"
        );
        settings.attachment_max_bytes = room;
    }
    settings
}

/// How often the lease holder deletes ended sessions, stale failures and spent links.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);

/// How often the lease holder closes reports that waited too long on their researcher,
/// publishes advisories whose agreed date has come and emails the team about overdue clocks.
const DISCLOSURE_JOBS_EVERY: Duration = Duration::from_secs(60);

async fn housekeeping(
    identity: Identity,
    leadership: Leadership,
    shutdown: impl std::future::Future<Output = ()>,
) {
    on_the_lease_holder(HOUSEKEEPING_EVERY, leadership, shutdown, || async {
        match identity.sweep().await {
            Ok(swept) => tracing::info!(
                sessions = swept.sessions,
                failures = swept.failures,
                links = swept.links,
                "identity housekeeping"
            ),
            Err(err) => tracing::warn!(error = %err, "identity housekeeping failed"),
        }
    })
    .await;
}

async fn disclosure_jobs(
    disclosure: Disclosure,
    leadership: Leadership,
    shutdown: impl std::future::Future<Output = ()>,
) {
    on_the_lease_holder(DISCLOSURE_JOBS_EVERY, leadership, shutdown, || async {
        match disclosure.tick().await {
            Ok((0, 0)) => {}
            Ok((closed, published)) => tracing::info!(closed, published, "disclosure jobs"),
            Err(err) => tracing::warn!(error = %err, "disclosure jobs failed"),
        }
    })
    .await;
}

/// Runs `job` every `period` while this node holds the jobs lease, until shutdown.
async fn on_the_lease_holder<F, Fut>(
    period: Duration,
    leadership: Leadership,
    shutdown: impl std::future::Future<Output = ()>,
    job: F,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(period) => {}
        }
        if leadership.is_leader() {
            job().await;
        }
    }
}

async fn report_leadership(mut leadership: Leadership, metrics: Arc<Metrics>) {
    loop {
        metrics.set_lease_held(leadership.is_leader());
        if !leadership.changed().await {
            metrics.set_lease_held(false);
            return;
        }
    }
}
