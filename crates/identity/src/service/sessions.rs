//! Sessions: started at log-in with a fresh random id, recognised from the cookie by the
//! hash of that id, ended by log-out, timeouts, or the person on their sessions page.

use std::net::IpAddr;

use platform::clock::Timestamp;
use platform::ids::new_id;

use super::{Identity, IdentityError};
use crate::model::SecretText;
use crate::model::session::{SessionTimes, Stage, hash_secret, new_secret};
use crate::store::sessions::{self as store, SessionRecord};
use crate::store::{Conn, staff, users};

/// Customers and staff never share a session: each has its own cookie, listener and realm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Customer,
    Staff,
}

impl Realm {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Staff => "staff",
        }
    }
}

/// A new session, whose id goes into the cookie and nowhere else.
#[derive(Debug)]
pub struct StartedSession {
    pub cookie_value: SecretText,
    pub stage: Stage,
    /// The `ses_…` id the sessions page and the audit log know it by.
    pub public_id: String,
}

/// Who a request comes from, as established by its session cookie.
#[derive(Debug, Clone)]
pub struct Principal {
    pub realm: Realm,
    pub subject_id: String,
    /// The tenant of a customer; `None` for staff.
    pub tenant_id: Option<String>,
    pub email: String,
    pub name: String,
    pub role: String,
    pub stage: Stage,
    pub has_totp: bool,
    pub needs_reauth: bool,
    pub(crate) session_hash: String,
    pub session_public_id: String,
}

/// One session as the sessions page shows it.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub public_id: String,
    pub current: bool,
    pub ip: String,
    pub user_agent: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// A session is touched at most this often, so reading pages does not write on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

pub(super) struct SessionStart<'a> {
    pub realm: Realm,
    pub subject_id: &'a str,
    pub tenant_id: Option<&'a str>,
    pub stage: Stage,
    pub ip: IpAddr,
    pub user_agent: &'a str,
}

impl Identity {
    /// Starts a session with a fresh id, ending `replacing` (the id changes at log-in and at
    /// every change of privilege, so an id planted before log-in is worthless after).
    pub(super) async fn start_session(
        &self,
        conn: &mut Conn,
        start: SessionStart<'_>,
        replacing: Option<&str>,
        now: Timestamp,
    ) -> Result<StartedSession, IdentityError> {
        if let Some(old) = replacing {
            store::delete_in_realm(&mut *conn, start.realm.as_str(), old).await?;
        }
        let (record, session) = self.new_session(&start, now);
        store::insert(conn, start.realm.as_str(), &record).await?;
        Ok(session)
    }

    /// A session with a fresh id, as it is stored and as the cookie carries it; not yet
    /// written.
    pub(super) fn new_session(
        &self,
        start: &SessionStart<'_>,
        now: Timestamp,
    ) -> (SessionRecord, StartedSession) {
        let secret = new_secret();
        let record = SessionRecord {
            id_hash: hash_secret(secret.expose()),
            public_id: new_id("ses"),
            principal_id: start.subject_id.to_owned(),
            tenant_id: start.tenant_id.map(str::to_owned),
            stage: start.stage.as_str().to_owned(),
            created_at: now.as_millis(),
            last_seen_at: now.as_millis(),
            proved_at: now.as_millis(),
            expires_at: self
                .settings()
                .sessions
                .expires_at(start.stage, now)
                .as_millis(),
            ip: start.ip.to_string(),
            user_agent: start.user_agent.chars().take(200).collect(),
        };
        let session = StartedSession {
            cookie_value: secret,
            stage: start.stage,
            public_id: record.public_id.clone(),
        };
        (record, session)
    }

    /// The principal behind a session cookie, or `None` when it names no live session.
    pub async fn authenticate_session(
        &self,
        realm: Realm,
        cookie_value: &str,
        ip: IpAddr,
    ) -> Result<Option<Principal>, IdentityError> {
        // Cookie values that could never be ours are refused without a database look-up.
        if cookie_value.len() != 64 || !cookie_value.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let now = self.now();
        let id_hash = hash_secret(cookie_value);
        let mut conn = self.db().connection().await?;
        let Some(session) = store::get(&mut conn, realm.as_str(), &id_hash).await? else {
            return Ok(None);
        };
        let policy = &self.settings().sessions;
        let times = session_times(&session);
        let Some(stage) = Stage::parse(&session.stage).filter(|_| policy.is_live(times, now))
        else {
            store::delete(&mut conn, &id_hash).await?;
            return Ok(None);
        };
        let Some(mut principal) = self.load_principal(&mut conn, realm, &session).await? else {
            store::delete(&mut conn, &id_hash).await?;
            return Ok(None);
        };
        principal.stage = stage;
        principal.needs_reauth = policy.needs_reauth(times, now);
        if now.as_millis() - session.last_seen_at >= TOUCH_EVERY_MS || session.ip != ip.to_string()
        {
            store::touch(&mut conn, &id_hash, now, &ip.to_string()).await?;
        }
        Ok(Some(principal))
    }

    async fn load_principal(
        &self,
        conn: &mut Conn,
        realm: Realm,
        session: &SessionRecord,
    ) -> Result<Option<Principal>, IdentityError> {
        let base = |subject_id: String, email: String, name: String, role: String| Principal {
            realm,
            subject_id,
            tenant_id: session.tenant_id.clone(),
            email,
            name,
            role,
            stage: Stage::Full,
            has_totp: false,
            needs_reauth: true,
            session_hash: session.id_hash.clone(),
            session_public_id: session.public_id.clone(),
        };
        let principal = match realm {
            Realm::Customer => match users::by_id(conn, &session.principal_id).await {
                Ok(user) => Principal {
                    has_totp: user.totp_secret.is_some(),
                    ..base(user.id, user.email, user.name, user.role)
                },
                Err(platform::db::DbError::NotFound) => return Ok(None),
                Err(other) => return Err(other.into()),
            },
            Realm::Staff => match staff::by_id(conn, &session.principal_id).await {
                Ok(member) => Principal {
                    has_totp: member.totp_secret.is_some(),
                    ..base(member.id, member.email.clone(), member.email, member.role)
                },
                Err(platform::db::DbError::NotFound) => return Ok(None),
                Err(other) => return Err(other.into()),
            },
        };
        Ok(Some(principal))
    }

    /// Ends the session of `principal` (log-out).
    pub async fn end_session(&self, principal: &Principal) -> Result<(), IdentityError> {
        let mut tx = self.db().begin().await?;
        store::delete(&mut tx, &principal.session_hash).await?;
        let event = self
            .principal_event(principal, "identity.logout")
            .resource("session", [principal.session_public_id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }

    /// Ends one of the principal's own sessions, named by its public id.
    pub async fn end_session_by_id(
        &self,
        principal: &Principal,
        public_id: &str,
    ) -> Result<(), IdentityError> {
        let mut tx = self.db().begin().await?;
        let realm = principal.realm.as_str();
        if !store::delete_public(&mut tx, realm, &principal.subject_id, public_id).await? {
            return Err(IdentityError::NotFound);
        }
        let event = self
            .principal_event(principal, "identity.session.end")
            .resource("session", [public_id]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }

    /// Ends every session of the principal but the current one; returns how many ended.
    pub async fn end_other_sessions(&self, principal: &Principal) -> Result<u64, IdentityError> {
        let realm = principal.realm.as_str();
        let mut tx = self.db().begin().await?;
        let others: Vec<String> = store::of_principal(&mut tx, realm, &principal.subject_id)
            .await?
            .into_iter()
            .filter(|s| s.id_hash != principal.session_hash)
            .map(|s| s.public_id)
            .collect();
        let ended = store::delete_all_but(
            &mut tx,
            realm,
            &principal.subject_id,
            Some(&principal.session_hash),
        )
        .await?;
        let event = self
            .principal_event(principal, "identity.sessions.end_others")
            .resource("session", others);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(ended)
    }

    pub async fn list_sessions(
        &self,
        principal: &Principal,
    ) -> Result<Vec<SessionView>, IdentityError> {
        let mut conn = self.db().connection().await?;
        let now = self.now();
        let policy = &self.settings().sessions;
        let sessions =
            store::of_principal(&mut conn, principal.realm.as_str(), &principal.subject_id).await?;
        Ok(sessions
            .into_iter()
            .filter(|s| s.stage == Stage::Full.as_str() && policy.is_live(session_times(s), now))
            .map(|s| SessionView {
                current: s.id_hash == principal.session_hash,
                public_id: s.public_id,
                ip: s.ip,
                user_agent: s.user_agent,
                created_at: Timestamp::from_millis(s.created_at),
                last_seen_at: Timestamp::from_millis(s.last_seen_at),
            })
            .collect())
    }

    /// Re-authentication for sensitive actions: checks the password and renews the proof.
    pub async fn reauthenticate(
        &self,
        principal: &Principal,
        password: SecretText,
    ) -> Result<(), IdentityError> {
        let mut conn = self.db().connection().await?;
        let stored = match principal.realm {
            Realm::Customer => Some(
                users::by_id(&mut conn, &principal.subject_id)
                    .await?
                    .password_hash,
            ),
            Realm::Staff => {
                staff::by_id(&mut conn, &principal.subject_id)
                    .await?
                    .password_hash
            }
        };
        drop(conn);
        let verification = self.inner.hashing.verify(password, stored).await?;
        if !verification.is_valid() {
            return Err(IdentityError::field(
                "password",
                "the password is incorrect",
            ));
        }
        let mut tx = self.db().begin().await?;
        store::set_proved(&mut tx, &principal.session_hash, self.now()).await?;
        let event = self
            .principal_event(principal, "identity.reauthenticate")
            .resource("session", [principal.session_public_id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }

    /// Refuses a sensitive action when the last proof of identity is too old.
    pub fn require_recent_proof(&self, principal: &Principal) -> Result<(), IdentityError> {
        if principal.needs_reauth {
            Err(IdentityError::ReauthRequired)
        } else {
            Ok(())
        }
    }
}

fn session_times(session: &SessionRecord) -> SessionTimes {
    SessionTimes {
        last_seen_at: Timestamp::from_millis(session.last_seen_at),
        proved_at: Timestamp::from_millis(session.proved_at),
        expires_at: Timestamp::from_millis(session.expires_at),
    }
}
