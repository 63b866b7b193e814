//! The vault's operations. Each takes a [`Caller`] (built only by `http::caller` from the
//! authenticated principal, so the tenant is never taken from the request), owns its
//! transaction, and records its audit entry: writes inside their transaction, reads through
//! the audit log's group commit before any data is returned.

mod contacts;
mod error;
mod export;
mod fields;
mod import;
mod key_ring;
mod rotate;
pub mod uploads;

use std::path::PathBuf;
use std::sync::Arc;

use audit::{Actor, AuditLog, Event, Outcome};
use platform::clock::{Clock, Timestamp};
use platform::crypto::MasterKey;
use platform::db::Db;

pub use contacts::ContactPage;
pub use error::VaultError;
pub use export::ExportStream;
pub use import::spool as import_spool;
pub use import::{ImportHandle, ImportOptions, ImportStatus, MergePolicy};
pub use rotate::{RotationReport, rewrap_data_keys};

use key_ring::KeyRing;

/// Who is acting, inside which tenant. Only `http::caller` builds one, from the session or
/// token that authenticated the request; the command line builds one for an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub tenant_id: String,
    pub actor: Actor,
}

/// What the vault needs from the rest of Rampart.
pub struct VaultDeps {
    pub db: Db,
    pub audit: AuditLog,
    pub clock: Arc<dyn Clock>,
    pub master_key: Arc<MasterKey>,
    /// Where uploads wait, encrypted, for their import; emptied at start.
    pub spool_dir: PathBuf,
}

/// The vault's operations, shared by every request.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    audit: AuditLog,
    clock: Arc<dyn Clock>,
    keys: KeyRing,
    spool_dir: PathBuf,
}

impl Vault {
    pub fn new(deps: VaultDeps) -> Self {
        import::spool::clear(&deps.spool_dir);
        Self {
            inner: Arc::new(Inner {
                keys: KeyRing::new(deps.master_key),
                db: deps.db,
                audit: deps.audit,
                clock: deps.clock,
                spool_dir: deps.spool_dir,
            }),
        }
    }

    /// Checks that the master key opens the data keys already stored: a node given another
    /// master key refuses to start rather than fail on every contact.
    pub async fn check_master_key(&self) -> Result<(), VaultError> {
        let mut conn = self.db().connection().await?;
        self.inner.keys.check_one(&mut conn).await
    }

    /// Writes an upload to an encrypted spool file, up to the upload limit.
    pub async fn spool_upload<S, E>(
        &self,
        body: S,
    ) -> Result<import::spool::Spooled, import::spool::SpoolError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>>,
    {
        import::spool::write(&self.inner.spool_dir, body, u64::MAX).await
    }

    fn db(&self) -> &Db {
        &self.inner.db
    }

    fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    fn event(&self, caller: &Caller, action: &str) -> Event {
        Event::new(caller.actor.clone(), action).tenant(&caller.tenant_id)
    }

    /// Records a refused access to a contact the caller cannot see, in the same words as a
    /// missing one, then answers "not found".
    async fn deny(&self, caller: &Caller, action: &str, id: &str) -> VaultError {
        let denial = self.event(caller, action).outcome(Outcome::Denied);
        // An id of the wrong shape is not recorded as given: it could hold anything.
        let denial = if platform::ids::is_well_formed("ctc", id) {
            denial.resource("contact", [id])
        } else {
            denial
                .resource("contact", std::iter::empty::<String>())
                .details("malformed contact id")
        };
        match self.inner.audit.record_read(denial).await {
            Ok(_) => VaultError::NotFound,
            Err(_) => VaultError::AuditUnavailable,
        }
    }

    /// Records a refused request (say, a token without the scope) before it is answered.
    pub async fn record_denial(&self, event: Event) -> Result<(), VaultError> {
        self.record_read(event.outcome(Outcome::Denied)).await
    }

    /// Records a read and waits until it is durable.
    async fn record_read(&self, event: Event) -> Result<(), VaultError> {
        self.inner
            .audit
            .record_read(event)
            .await
            .map(|_| ())
            .map_err(|_| VaultError::AuditUnavailable)
    }
}
