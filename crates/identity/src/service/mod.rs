//! Identity's operations: each one validates its input through `model`, owns one
//! transaction over `store`, and says what happened in an [`IdentityError`] when it refuses.
//! Nothing here knows HTTP; `http` maps results to pages and API answers.

mod accounts;
mod error;
mod invitations;
mod login;
mod members;
mod rotation;
mod sessions;
mod staff;
mod sweep;
mod tokens;
mod two_factor;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use audit::{Actor, AuditLog, Event};
use platform::clock::{Clock, Timestamp};
use platform::config::IdentityConfig;
use platform::crypto::MasterKey;
use platform::db::Db;
use platform::mail::Mailer;

use crate::hashing_pool::HashingPool;
use crate::model::hashing::{HashingError, HashingParams, PasswordHasher};
use crate::model::password::PasswordPolicy;
use crate::model::session::SessionPolicy;
use crate::model::throttle::{Bucket, RateLimit, ThrottlePolicy};
use crate::model::totp::TotpSecret;
use crate::store::Conn;

pub use accounts::SignUp;
pub use error::{FieldErrors, IdentityError};
pub use invitations::InvitationDetails;
pub use login::LoginOutcome;
pub use members::{Member, MembersView};
pub use rotation::reseal_secrets;
pub use sessions::{Principal, Realm, SessionView, StartedSession};
pub use staff::{StaffMember, StaffSetupLink};
pub use tokens::{CreatedToken, TokenPrincipal, TokenView};
pub use two_factor::{Enrolment, TwoFactorStatus};

/// Why identity could not start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the password hashing parameters are not usable: {0}")]
    Hashing(#[from] HashingError),
    #[error("cannot start the password hashing threads: {0}")]
    Workers(std::io::Error),
}

/// What identity needs from the rest of Rampart.
pub struct IdentityDeps {
    pub db: Db,
    /// Where identity records log-ins, 2FA, session, token, membership and staff events.
    pub audit: AuditLog,
    pub clock: Arc<dyn Clock>,
    pub master_key: Arc<MasterKey>,
    pub mailer: Mailer,
    /// `https://host[:port]` of the public listener, for links in mail.
    pub public_url: String,
    /// `https://host:port` of the staff listener, for staff set-up links.
    pub staff_url: String,
}

/// The rules identity enforces, from `[identity]`.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    pub password: PasswordPolicy,
    pub sessions: SessionPolicy,
    pub throttle: ThrottlePolicy,
    pub per_ip: RateLimit,
    pub token_default_days: u32,
    pub token_max_days: u32,
}

impl IdentitySettings {
    pub fn from_config(config: &IdentityConfig) -> Self {
        Self {
            password: PasswordPolicy {
                min_chars: config.password_min_chars,
                min_score: config.password_min_score,
                ..PasswordPolicy::default()
            },
            sessions: SessionPolicy {
                idle: Duration::from_secs(config.session_idle_minutes * 60),
                absolute: Duration::from_secs(config.session_absolute_hours * 3600),
                reauth: Duration::from_secs(config.reauth_minutes * 60),
                second_factor: Duration::from_secs(10 * 60),
            },
            throttle: ThrottlePolicy::default(),
            per_ip: RateLimit {
                capacity: f64::from(config.per_ip_burst),
                per_second: f64::from(config.per_ip_per_minute) / 60.0,
            },
            token_default_days: config.token_default_days,
            token_max_days: config.token_max_days,
        }
    }
}

/// Identity's operations, shared by every request.
#[derive(Clone)]
pub struct Identity {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    audit: AuditLog,
    clock: Arc<dyn Clock>,
    master_key: Arc<MasterKey>,
    mailer: Mailer,
    hashing: HashingPool,
    settings: IdentitySettings,
    public_url: String,
    staff_url: String,
    /// Per-address token buckets of this node; an address spread over nodes gets each
    /// node's allowance, which is still bounded.
    ip_buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl Identity {
    pub fn new(deps: IdentityDeps, config: &IdentityConfig) -> Result<Self, SetupError> {
        let hasher = PasswordHasher::new(HashingParams {
            memory_kib: config.hash_memory_kib,
            iterations: config.hash_iterations,
            parallelism: config.hash_parallelism,
        })?;
        let budget = config.hashing_memory_budget_mib.saturating_mul(1024 * 1024);
        Ok(Self {
            inner: Arc::new(Inner {
                db: deps.db,
                audit: deps.audit,
                clock: deps.clock,
                master_key: deps.master_key,
                mailer: deps.mailer,
                hashing: HashingPool::new(
                    hasher,
                    budget,
                    Duration::from_millis(config.hashing_queue_wait_ms),
                )
                .map_err(SetupError::Workers)?,
                settings: IdentitySettings::from_config(config),
                public_url: deps.public_url,
                staff_url: deps.staff_url,
                ip_buckets: Mutex::new(HashMap::new()),
            }),
        })
    }

    pub fn settings(&self) -> &IdentitySettings {
        &self.inner.settings
    }

    fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The audit log identity records its events in.
    pub fn audit(&self) -> &AuditLog {
        &self.inner.audit
    }

    /// Appends `event` to the audit log inside the transaction of `conn`, so the entry exists
    /// exactly when the change does. Call it last before the commit: on PostgreSQL it holds
    /// the log's head until the transaction ends.
    async fn record(&self, conn: &mut Conn, event: Event) -> Result<(), IdentityError> {
        self.audit().record(conn, event).await?;
        Ok(())
    }

    /// Records a refusal that changes nothing else, in a transaction of its own.
    async fn record_refusal(&self, event: Event) -> Result<(), IdentityError> {
        let mut tx = self.db().begin().await?;
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }

    /// A member of staff as the audit log names them: by pseudonym, never id, name or email.
    fn staff_actor(&self, staff_id: &str) -> Actor {
        Actor::staff(&self.audit().staff_pseudonym(staff_id))
    }

    /// An event done by a signed-in principal: a user in their tenant, or staff.
    fn principal_event(&self, principal: &Principal, action: &str) -> Event {
        match principal.realm {
            Realm::Customer => {
                let event = Event::new(Actor::user(&principal.subject_id), action);
                match &principal.tenant_id {
                    Some(tenant_id) => event.tenant(tenant_id),
                    None => event,
                }
            }
            Realm::Staff => Event::new(self.staff_actor(&principal.subject_id), action),
        }
    }

    /// Takes one attempt from `ip`'s allowance for log-ins, sign-ups and resets.
    fn spend_ip_allowance(&self, ip: IpAddr) -> Result<(), IdentityError> {
        let now = self.now();
        let mut buckets = self
            .inner
            .ip_buckets
            .lock()
            .map_err(|_| IdentityError::Internal("the address limiter is unusable".into()))?;
        if buckets.len() > 100_000 {
            // Full buckets carry no information; dropping them bounds memory under a flood
            // of addresses.
            let limit = self.inner.settings.per_ip;
            buckets.retain(|_, bucket| limit.take(Some(*bucket), now).is_err());
        }
        let bucket = buckets.get(&ip).copied();
        match self.inner.settings.per_ip.take(bucket, now) {
            Ok(next) => {
                buckets.insert(ip, next);
                Ok(())
            }
            Err(wait) => Err(IdentityError::RateLimited(wait)),
        }
    }

    fn seal_totp(&self, secret: &TotpSecret, owner_id: &str) -> String {
        hex::encode(
            self.inner
                .master_key
                .seal(secret.as_bytes(), totp_context(owner_id).as_bytes()),
        )
    }

    fn open_totp(&self, sealed: &str, owner_id: &str) -> Result<TotpSecret, IdentityError> {
        let bytes = hex::decode(sealed)
            .map_err(|_| IdentityError::Internal("a stored TOTP secret is not hex".into()))?;
        let plain = self
            .inner
            .master_key
            .open(&bytes, totp_context(owner_id).as_bytes())
            .map_err(|_| IdentityError::Internal("a stored TOTP secret cannot be opened".into()))?;
        TotpSecret::from_bytes(plain)
            .map_err(|_| IdentityError::Internal("a stored TOTP secret is too short".into()))
    }

    /// Wakes the mail worker after a commit that queued mail.
    fn mail_queued(&self) {
        self.inner.mailer.notify();
    }
}

/// An event done by a customer's user in their tenant.
fn user_event(user_id: &str, tenant_id: &str, action: &str) -> Event {
    Event::new(Actor::user(user_id), action).tenant(tenant_id)
}

/// Binds a sealed secret to its owner: a secret copied onto another account does not open.
fn totp_context(owner_id: &str) -> String {
    format!("rampart totp secret of {owner_id}")
}

fn unix_secs(now: Timestamp) -> u64 {
    u64::try_from(now.as_millis() / 1000).unwrap_or_default()
}

fn days(n: u32) -> Duration {
    Duration::from_secs(u64::from(n) * 86_400)
}
