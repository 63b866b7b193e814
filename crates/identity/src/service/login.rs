//! Log-in: the per-address allowance, the per-identifier throttle, the password (or the
//! same work on a dummy hash when there is no account), then the second factor.

use std::net::IpAddr;

use platform::clock::Timestamp;
use platform::mail::{OutgoingMail, enqueue};
use sha2::{Digest, Sha256};

use super::sessions::SessionStart;
use super::{Identity, IdentityError, Principal, Realm, StartedSession, unix_secs};
use crate::model::SecretText;
use crate::model::email::Email;
use crate::model::hashing::Verification;
use crate::model::recovery;
use crate::model::session::Stage;
use crate::model::throttle::Failures;
use crate::store::throttle::FailureRow;
use crate::store::{Conn, recovery as recovery_store, tenants, throttle, users};

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
        let mut conn = self.db().connection().await?;
        let failures = self.check_throttle(&mut conn, &key).await?;
        let user = match Email::parse(&identifier) {
            Ok(email) => users::by_email(&mut conn, email.as_str()).await?,
            Err(_) => None,
        };
        drop(conn);
        let stored = user.as_ref().map(|u| u.password_hash.clone());
        let verification = self.inner.hashing.verify(password.clone(), stored).await?;
        let (Some(user), Verification::Valid { needs_rehash }) = (user, verification) else {
            let alert_to = Email::parse(&identifier).ok();
            self.record_failure(&key, failures, alert_to).await?;
            return Err(IdentityError::BadCredentials);
        };
        if user.email_verified_at.is_none() {
            return Err(IdentityError::EmailNotVerified);
        }
        if needs_rehash {
            // Upgrading is best effort: a busy pool must not turn a good log-in away.
            if let Ok(hash) = self.inner.hashing.hash(password).await {
                let mut conn = self.db().connection().await?;
                users::set_password_hash(&mut conn, &user.id, &hash).await?;
            }
        }
        let now = self.now();
        let mut tx = self.db().begin().await?;
        if failures.count > 0 {
            throttle::clear(&mut tx, &key).await?;
        }
        let tenant = tenants::get(&mut tx, &user.tenant_id).await?;
        let stage = if user.totp_secret.is_some() {
            Stage::SecondFactor
        } else if tenant.require_2fa {
            Stage::MustEnrol
        } else {
            Stage::Full
        };
        let start = SessionStart {
            realm: Realm::Customer,
            subject_id: &user.id,
            tenant_id: Some(&user.tenant_id),
            stage,
            ip,
            user_agent,
        };
        let replacing = replacing_cookie.map(crate::model::session::hash_secret);
        let session = self
            .start_session(&mut tx, start, replacing.as_deref(), now)
            .await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(session)
    }

    /// The failures that count now, or `Throttled` when the next attempt must wait.
    pub(super) async fn check_throttle(
        &self,
        conn: &mut Conn,
        key: &str,
    ) -> Result<Failures, IdentityError> {
        let now = self.now();
        let policy = &self.settings().throttle;
        let row = throttle::get(conn, key).await?;
        let failures = policy.current(failures_of(row), now);
        policy
            .check(failures, now)
            .map_err(IdentityError::Throttled)?;
        Ok(failures)
    }

    /// Counts a failure; the first time an account passes the free failures in a day, its
    /// owner gets a mail saying so.
    pub(super) async fn record_failure(
        &self,
        key: &str,
        failures: Failures,
        alert_to: Option<Email>,
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
        let sealed = user.totp_secret.as_deref().ok_or(IdentityError::BadCode)?;
        let accepted = if is_totp_shaped(code) {
            let secret = self.open_totp(sealed, &user.id)?;
            let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
            match secret.verify(&super::two_factor::digits(code), unix_secs(now), last) {
                Some(step) => users::advance_totp_step(&mut tx, &user.id, step_i64(step)).await?,
                None => false,
            }
            .then_some(None)
        } else {
            let used =
                recovery_store::redeem(&mut tx, &user.id, &recovery::hash(code), now).await?;
            if used {
                Some(Some(recovery_store::remaining(&mut tx, &user.id).await?))
            } else {
                None
            }
        };
        let Some(recovery_codes_left) = accepted else {
            drop(tx);
            self.record_failure(&key, failures, None).await?;
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
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(LoginOutcome {
            session,
            recovery_codes_left,
        })
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
