//! Log-in: the per-address allowance, the per-identifier throttle, the password (or the
//! same work on a dummy hash when there is no account), then the second factor.

use std::net::IpAddr;

use audit::{Actor, Event, Outcome, RequestMeta};
use platform::clock::Timestamp;
use platform::db::DbError;
use platform::mail::{OutgoingMail, enqueue};
use sha2::{Digest, Sha256};

use super::sessions::SessionStart;
use super::{Identity, IdentityError, Principal, Realm, StartedSession, unix_secs, user_event};
use crate::model::SecretText;
use crate::model::email::Email;
use crate::model::hashing::Verification;
use crate::model::recovery;
use crate::model::session::Stage;
use crate::model::throttle::Failures;
use crate::store::login::{self as login_store, LoginRows};
use crate::store::throttle::FailureRow;
use crate::store::users::UserRecord;
use crate::store::{Conn, recovery as recovery_store, throttle, users};

/// What a finished second step produced.
#[derive(Debug)]
pub struct LoginOutcome {
    pub session: StartedSession,
    /// Set when a recovery code was used: how many are left.
    pub recovery_codes_left: Option<i64>,
}

/// The throttle key of an identifier: a hash, so the table does not list who was attacked.
pub(super) fn identifier_key(kind: &str, identifier: &str) -> String {
    hex::encode(Sha256::digest(format!("{kind}:{identifier}").as_bytes()))
}

impl Identity {
    /// Checks an email and password. The answer for an unknown email, a removed account and a
    /// wrong password is the same, after the same work.
    pub async fn login(
        &self,
        email: &str,
        password: SecretText,
        ip: IpAddr,
        user_agent: &str,
        replacing_cookie: Option<&str>,
    ) -> Result<StartedSession, IdentityError> {
        self.spend_ip_allowance(ip)?;
        if password.expose().len() > self.settings().password.max_bytes {
            return Err(IdentityError::BadCredentials);
        }
        let identifier = email.trim().to_lowercase();
        let key = identifier_key("login", &identifier);
        let email = Email::parse(&identifier).ok();
        let mut conn = self.db().connection().await?;
        let found = login_store::lookup(&mut conn, &key, email.as_ref().map(Email::as_str)).await?;
        drop(conn);
        let failures = self.throttle_verdict(found.failures)?;
        let (user, tenant_requires_2fa) = found.account.unzip();
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let failure = password_failure(user.as_ref());
        let verification = self.inner.hashing.verify(password.clone(), stored).await?;
        let (Some(user), Verification::Valid { needs_rehash }) = (user, verification) else {
            self.record_failure(&key, failures, email, failure).await?;
            return Err(IdentityError::BadCredentials);
        };
        if user.email_verified_at.is_none() {
            let event = user_event(&user.id, &user.tenant_id, "identity.login")
                .resource("user", [user.id.as_str()])
                .outcome(Outcome::Denied);
            self.record_refusal(event).await?;
            return Err(IdentityError::EmailNotVerified);
        }
        if needs_rehash {
            // Upgrading is best effort: a busy pool must not turn a good log-in away.
            if let Ok(hash) = self.inner.hashing.hash(password).await {
                let mut conn = self.db().connection().await?;
                users::set_password_hash(&mut conn, &user.id, &hash).await?;
            }
        }
        let replacing = replacing_cookie.map(crate::model::session::hash_secret);
        let passed = PasswordPassed {
            user: &user,
            key: &key,
            failures,
            tenant_requires_2fa: tenant_requires_2fa.unwrap_or(false),
            ip,
            user_agent,
        };
        self.start_customer_login(passed, replacing.as_deref())
            .await
    }

    /// Starts the session of a customer whose password was right: fully signed in, or due
    /// a code, or due to enrol when their tenant requires 2FA.
    async fn start_customer_login(
        &self,
        passed: PasswordPassed<'_>,
        replacing: Option<&str>,
    ) -> Result<StartedSession, IdentityError> {
        let user = passed.user;
        let stage = if user.totp_secret.is_some() {
            Stage::SecondFactor
        } else if passed.tenant_requires_2fa {
            Stage::MustEnrol
        } else {
            Stage::Full
        };
        let start = SessionStart {
            realm: Realm::Customer,
            subject_id: &user.id,
            tenant_id: Some(&user.tenant_id),
            stage,
            ip: passed.ip,
            user_agent: passed.user_agent,
        };
        let (record, session) = self.new_session(&start, self.now());
        let event = user_event(&user.id, &user.tenant_id, "identity.login")
            .resource("session", [session.public_id.as_str()]);
        let rows = LoginRows {
            clear_failures_of: (passed.failures.count > 0).then(|| passed.key.to_owned()),
            replacing: replacing.map(str::to_owned),
            session: record,
        };
        self.commit_login(rows, event).await?;
        Ok(session)
    }

    /// Commits what a log-in writes, with its audit entry, in one transaction. On an SQLite
    /// file it runs on the database's SQLite thread in one hand-over: through the pool its
    /// six statements cost a dozen thread switches, which under a flood of log-ins take
    /// their time from the password hashing that sets the pace.
    async fn commit_login(&self, rows: LoginRows, event: Event) -> Result<(), IdentityError> {
        let realm = Realm::Customer.as_str();
        if let Some(thread) = self.db().sqlite_thread() {
            let audit = self.audit().clone();
            let meta = RequestMeta::current();
            let committed = thread
                .run(move |conn| {
                    login_store::commit_sqlite(conn, realm, &rows, |tx| {
                        audit.record_sqlite(tx, event, meta).map(drop)
                    })
                })
                .await;
            committed.map_err(DbError::from)??;
            return Ok(());
        }
        let mut tx = self.db().begin().await?;
        login_store::write(&mut tx, realm, &rows).await?;
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(())
    }

    /// The failures that count now, or `Throttled` when the next attempt must wait.
    pub(super) async fn check_throttle(
        &self,
        conn: &mut Conn,
        key: &str,
    ) -> Result<Failures, IdentityError> {
        let row = throttle::get(conn, key).await?;
        self.throttle_verdict(row)
    }

    /// The failures of a throttle row that count now, or `Throttled` when the next attempt
    /// must wait.
    fn throttle_verdict(&self, row: Option<FailureRow>) -> Result<Failures, IdentityError> {
        let now = self.now();
        let policy = &self.settings().throttle;
        let failures = policy.current(failures_of(row), now);
        policy
            .check(failures, now)
            .map_err(IdentityError::Throttled)?;
        Ok(failures)
    }

    /// Counts a failure and records `event` saying what failed; the first time an account
    /// passes the free failures in a day, its owner gets a mail saying so.
    pub(super) async fn record_failure(
        &self,
        key: &str,
        failures: Failures,
        alert_to: Option<Email>,
        event: Event,
    ) -> Result<(), IdentityError> {
        let now = self.now();
        let policy = self.settings().throttle;
        let next = policy.record_failure(failures, now);
        let mut tx = self.db().begin().await?;
        let previous_alert = throttle::get(&mut tx, key)
            .await?
            .and_then(|r| r.alerted_at);
        let alert_due = next.count >= policy.free_failures
            && previous_alert.is_none_or(|at| now.as_millis() - at > 86_400_000);
        let mut alerted_at = previous_alert;
        if alert_due
            && let Some(email) = alert_to
            && users::by_email(&mut tx, email.as_str()).await?.is_some()
        {
            enqueue(&mut *tx, &self.attack_alert(&email), now).await?;
            alerted_at = Some(now.as_millis());
        }
        let row = FailureRow {
            failures: i64::from(next.count),
            last_failure_at: now.as_millis(),
            alerted_at,
        };
        throttle::put(&mut tx, key, row).await?;
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        if alerted_at != previous_alert {
            self.mail_queued();
        }
        Ok(())
    }

    fn attack_alert(&self, email: &Email) -> OutgoingMail {
        OutgoingMail {
            to: email.to_string(),
            subject: "Repeated failed log-ins to your Rampart account".into(),
            text: format!(
                "Someone has entered a wrong password for {email} several times in a row.\n\n\
                 If it was you, wait a little and try again, or reset your password at\n\
                 {}/password/forgot\n\n\
                 If it was not you, your account is safe while your password is secret; \
                 Rampart slows these attempts down. Turning on two-factor authentication at\n\
                 {}/account/security makes a guessed password useless on its own.\n",
                self.inner.public_url, self.inner.public_url
            ),
        }
    }

    /// The second step of a log-in: a TOTP code or an unused recovery code.
    pub async fn login_second_factor(
        &self,
        principal: &Principal,
        code: &str,
        ip: IpAddr,
        user_agent: &str,
    ) -> Result<LoginOutcome, IdentityError> {
        if principal.stage != Stage::SecondFactor || principal.realm != Realm::Customer {
            return Err(IdentityError::Forbidden(
                "there is no log-in waiting for a code",
            ));
        }
        let key = identifier_key("second-factor", &principal.subject_id);
        let mut conn = self.db().connection().await?;
        let failures = self.check_throttle(&mut conn, &key).await?;
        drop(conn);
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let user = users::by_id(&mut tx, &principal.subject_id).await?;
        let Some(recovery_codes_left) = self.redeem_code(&mut tx, &user, code, now).await? else {
            drop(tx);
            let event = user_event(&user.id, &user.tenant_id, "identity.login.second_factor")
                .resource("session", [principal.session_public_id.as_str()])
                .outcome(Outcome::Failed);
            self.record_failure(&key, failures, None, event).await?;
            return Err(IdentityError::BadCode);
        };
        if failures.count > 0 {
            throttle::clear(&mut tx, &key).await?;
        }
        let start = SessionStart {
            realm: Realm::Customer,
            subject_id: &user.id,
            tenant_id: Some(&user.tenant_id),
            stage: Stage::Full,
            ip,
            user_agent,
        };
        let session = self
            .start_session(&mut tx, start, Some(&principal.session_hash), now)
            .await?;
        if recovery_codes_left.is_some() {
            let event = user_event(&user.id, &user.tenant_id, "identity.recovery_code.use")
                .resource("user", [user.id.as_str()]);
            self.record(&mut tx, event).await?;
        }
        let event = user_event(&user.id, &user.tenant_id, "identity.login.second_factor")
            .resource("session", [session.public_id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(LoginOutcome {
            session,
            recovery_codes_left,
        })
    }

    /// Spends a TOTP code (refusing a step already used) or an unused recovery code.
    /// `None` when the code is wrong; `Some(left)` with how many recovery codes are left
    /// when one was used.
    async fn redeem_code(
        &self,
        conn: &mut Conn,
        user: &UserRecord,
        code: &str,
        now: Timestamp,
    ) -> Result<Option<Option<i64>>, IdentityError> {
        let sealed = user.totp_secret.as_deref().ok_or(IdentityError::BadCode)?;
        if is_totp_shaped(code) {
            let secret = self.open_totp(sealed, &user.id)?;
            let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
            let accepted =
                match secret.verify(&super::two_factor::digits(code), unix_secs(now), last) {
                    Some(step) => users::advance_totp_step(conn, &user.id, step_i64(step)).await?,
                    None => false,
                };
            return Ok(accepted.then_some(None));
        }
        if recovery_store::redeem(&mut *conn, &user.id, &recovery::hash(code), now).await? {
            Ok(Some(Some(recovery_store::remaining(conn, &user.id).await?)))
        } else {
            Ok(None)
        }
    }
}

/// What the password step hands to the start of the session.
struct PasswordPassed<'a> {
    user: &'a UserRecord,
    key: &'a str,
    failures: Failures,
    /// Read with the account, before the password was checked.
    tenant_requires_2fa: bool,
    ip: IpAddr,
    user_agent: &'a str,
}

/// The entry of a wrong password: anonymous, since the password did not prove who typed it;
/// the account's tenant and id when the address has one, and never the address typed.
fn password_failure(user: Option<&UserRecord>) -> Event {
    let event = Event::new(Actor::anonymous(), "identity.login").outcome(Outcome::Failed);
    match user {
        Some(user) => event
            .tenant(&user.tenant_id)
            .resource("user", [user.id.as_str()]),
        None => event.resource("user", std::iter::empty::<String>()),
    }
}

fn failures_of(row: Option<FailureRow>) -> Failures {
    row.map(|row| Failures {
        count: u32::try_from(row.failures).unwrap_or(u32::MAX),
        last_at: Some(Timestamp::from_millis(row.last_failure_at)),
    })
    .unwrap_or_default()
}

/// Six digits (spaces allowed) is a TOTP code; anything else is tried as a recovery code.
pub(super) fn is_totp_shaped(code: &str) -> bool {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())
}

pub(super) fn step_i64(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}
