//! The staff realm: accounts created from the command line with a one-time set-up link,
//! 2FA enrolled before anything else works, log-in with password and TOTP on the staff
//! listener only.

use std::net::IpAddr;
use std::time::Duration;

use audit::{Actor, Event, Outcome};
use platform::clock::Timestamp;
use platform::ids::new_id;

use super::login::{identifier_key, is_totp_shaped, step_i64};
use super::sessions::SessionStart;
use super::two_factor::{digits, enrolment_for};
use super::{Enrolment, Identity, IdentityError, Principal, Realm, StartedSession, unix_secs};
use crate::model::SecretText;
use crate::model::email::Email;
use crate::model::role::StaffRole;
use crate::model::session::{Stage, hash_secret, new_secret};
use crate::model::totp::TotpSecret;
use crate::store::staff::StaffRecord;
use crate::store::{Conn, links, staff};

const SETUP: &str = "staff-setup";
const SETUP_VALID: Duration = Duration::from_secs(24 * 3600);
const STAFF_SECOND_FACTOR: &str = "identity.staff.login.second_factor";

#[derive(Debug, Clone)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub role: StaffRole,
}

/// The link a new member of staff opens to choose a password and enrol 2FA.
#[derive(Debug)]
pub struct StaffSetupLink {
    pub member: StaffMember,
    pub url: SecretText,
    pub expires_at: Timestamp,
}

impl Identity {
    /// Creates a member of staff; the set-up link is shown once to whoever ran the command.
    pub async fn create_staff(
        &self,
        email: &str,
        role: StaffRole,
    ) -> Result<StaffSetupLink, IdentityError> {
        let email =
            Email::parse(email).map_err(|err| IdentityError::field("email", err.to_string()))?;
        let now = self.now();
        let id = new_id("stf");
        let token = new_secret();
        let mut tx = self.db().begin().await?;
        staff::insert(&mut tx, &id, email.as_str(), role.as_str(), now)
            .await
            .map_err(|err| match err {
                platform::db::DbError::Conflict(_) => {
                    IdentityError::field("email", "a member of staff already has this address")
                }
                other => other.into(),
            })?;
        let expires_at = now.plus(SETUP_VALID);
        links::insert(
            &mut tx,
            &hash_secret(token.expose()),
            SETUP,
            &id,
            now,
            expires_at,
        )
        .await?;
        let event = Event::new(Actor::system("cli"), "identity.staff.create")
            .resource("staff", [self.audit().staff_pseudonym(&id)]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(StaffSetupLink {
            member: StaffMember {
                id,
                email: email.to_string(),
                role,
            },
            url: SecretText::new(format!(
                "{}/staff/setup/{}",
                self.inner.staff_url,
                token.expose()
            )),
            expires_at,
        })
    }

    /// The address a set-up link belongs to, while it is usable.
    pub async fn staff_setup_email(&self, token: &str) -> Result<String, IdentityError> {
        let mut conn = self.db().connection().await?;
        let id = links::peek(&mut conn, &hash_secret(token), SETUP, self.now())
            .await?
            .ok_or(IdentityError::LinkInvalid)?;
        Ok(staff::by_id(&mut conn, &id).await?.email)
    }

    /// Sets the password with the set-up link and starts a session that can only enrol 2FA.
    pub async fn staff_setup(
        &self,
        token: &str,
        password: SecretText,
        ip: IpAddr,
        user_agent: &str,
    ) -> Result<StartedSession, IdentityError> {
        let email = self.staff_setup_email(token).await?;
        if let Err(refusal) = self.settings().password.check(&password, &[&email]) {
            return Err(IdentityError::field("password", refusal.to_string()));
        }
        let hash = self.inner.hashing.hash(password).await?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let id = links::redeem(&mut tx, &hash_secret(token), SETUP, now)
            .await?
            .ok_or(IdentityError::LinkInvalid)?;
        staff::set_password_hash(&mut tx, &id, &hash).await?;
        let start = staff_start(&id, Stage::MustEnrol, ip, user_agent);
        let session = self.start_session(&mut tx, start, None, now).await?;
        let event = Event::new(self.staff_actor(&id), "identity.staff.setup")
            .resource("staff", [self.audit().staff_pseudonym(&id)]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(session)
    }

    pub async fn staff_start_enrolment(
        &self,
        principal: &Principal,
    ) -> Result<Enrolment, IdentityError> {
        let mut conn = self.db().connection().await?;
        let member = staff::by_id(&mut conn, &principal.subject_id).await?;
        if member.totp_secret.is_some() {
            return Err(IdentityError::Forbidden(
                "two-factor authentication is already on",
            ));
        }
        let secret = match &member.totp_pending_secret {
            Some(sealed) => self.open_totp(sealed, &member.id)?,
            None => {
                let secret = TotpSecret::generate();
                let sealed = self.seal_totp(&secret, &member.id);
                staff::set_pending_totp(&mut conn, &member.id, &sealed).await?;
                secret
            }
        };
        enrolment_for(&secret, &member.email)
    }

    pub async fn staff_confirm_enrolment(
        &self,
        principal: &Principal,
        code: &str,
        ip: IpAddr,
        user_agent: &str,
    ) -> Result<StartedSession, IdentityError> {
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let member = staff::by_id(&mut tx, &principal.subject_id).await?;
        let sealed = member
            .totp_pending_secret
            .as_deref()
            .ok_or(IdentityError::Forbidden("start the enrolment again"))?;
        let secret = self.open_totp(sealed, &member.id)?;
        let step = is_totp_shaped(code)
            .then(|| secret.verify(&digits(code), unix_secs(now), None))
            .flatten()
            .ok_or(IdentityError::BadCode)?;
        staff::enable_totp(&mut tx, &member.id, sealed, step_i64(step), now).await?;
        let start = staff_start(&member.id, Stage::Full, ip, user_agent);
        let session = self
            .start_session(&mut tx, start, Some(&principal.session_hash), now)
            .await?;
        let event = Event::new(self.staff_actor(&member.id), "identity.staff.2fa.enrol")
            .resource("staff", [self.audit().staff_pseudonym(&member.id)]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(session)
    }

    /// The password step of a staff log-in; the code is always due next.
    pub async fn staff_login(
        &self,
        email: &str,
        password: SecretText,
        ip: IpAddr,
        user_agent: &str,
    ) -> Result<StartedSession, IdentityError> {
        self.spend_ip_allowance(ip)?;
        if password.expose().len() > self.settings().password.max_bytes {
            return Err(IdentityError::BadCredentials);
        }
        let identifier = email.trim().to_lowercase();
        let key = identifier_key("staff-login", &identifier);
        let mut conn = self.db().connection().await?;
        let failures = self.check_throttle(&mut conn, &key).await?;
        let member = match Email::parse(&identifier) {
            Ok(email) => staff::by_email(&mut conn, email.as_str()).await?,
            Err(_) => None,
        };
        drop(conn);
        let stored = member.as_ref().and_then(|m| m.password_hash.clone());
        let failure = self.staff_password_failure(member.as_ref());
        let verification = self.inner.hashing.verify(password, stored).await?;
        let (Some(member), true) = (member, verification.is_valid()) else {
            self.record_failure(&key, failures, None, failure).await?;
            return Err(IdentityError::BadCredentials);
        };
        let stage = if member.totp_secret.is_some() {
            Stage::SecondFactor
        } else {
            Stage::MustEnrol
        };
        let now = self.now();
        let mut tx = self.db().begin().await?;
        if failures.count > 0 {
            crate::store::throttle::clear(&mut tx, &key).await?;
        }
        let start = staff_start(&member.id, stage, ip, user_agent);
        let session = self.start_session(&mut tx, start, None, now).await?;
        let event = Event::new(self.staff_actor(&member.id), "identity.staff.login")
            .resource("session", [session.public_id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(session)
    }

    pub async fn staff_second_factor(
        &self,
        principal: &Principal,
        code: &str,
        ip: IpAddr,
        user_agent: &str,
    ) -> Result<StartedSession, IdentityError> {
        if principal.stage != Stage::SecondFactor || principal.realm != Realm::Staff {
            return Err(IdentityError::Forbidden(
                "there is no log-in waiting for a code",
            ));
        }
        let key = identifier_key("staff-second-factor", &principal.subject_id);
        let mut conn = self.db().connection().await?;
        let failures = self.check_throttle(&mut conn, &key).await?;
        drop(conn);
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let member = staff::by_id(&mut tx, &principal.subject_id).await?;
        if !self.spend_staff_code(&mut tx, &member, code, now).await? {
            drop(tx);
            let event = Event::new(self.staff_actor(&member.id), STAFF_SECOND_FACTOR)
                .resource("session", [principal.session_public_id.as_str()])
                .outcome(Outcome::Failed);
            self.record_failure(&key, failures, None, event).await?;
            return Err(IdentityError::BadCode);
        }
        if failures.count > 0 {
            crate::store::throttle::clear(&mut tx, &key).await?;
        }
        let start = staff_start(&member.id, Stage::Full, ip, user_agent);
        let session = self
            .start_session(&mut tx, start, Some(&principal.session_hash), now)
            .await?;
        let event = Event::new(self.staff_actor(&member.id), STAFF_SECOND_FACTOR)
            .resource("session", [session.public_id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(session)
    }

    /// Spends a TOTP code of a member of staff; false when it is wrong or its step was used.
    async fn spend_staff_code(
        &self,
        conn: &mut Conn,
        member: &StaffRecord,
        code: &str,
        now: Timestamp,
    ) -> Result<bool, IdentityError> {
        let sealed = member
            .totp_secret
            .as_deref()
            .ok_or(IdentityError::BadCode)?;
        let secret = self.open_totp(sealed, &member.id)?;
        let last = member.totp_last_step.and_then(|s| u64::try_from(s).ok());
        let step = is_totp_shaped(code)
            .then(|| secret.verify(&digits(code), unix_secs(now), last))
            .flatten();
        Ok(match step {
            Some(step) => staff::advance_totp_step(conn, &member.id, step_i64(step)).await?,
            None => false,
        })
    }

    /// The entry of a wrong staff password: anonymous, naming the account by pseudonym when
    /// the address has one, and never the address typed.
    fn staff_password_failure(&self, member: Option<&StaffRecord>) -> Event {
        let ids = member.map(|m| self.audit().staff_pseudonym(&m.id));
        Event::new(Actor::anonymous(), "identity.staff.login")
            .resource("staff", ids)
            .outcome(Outcome::Failed)
    }
}

fn staff_start<'a>(id: &'a str, stage: Stage, ip: IpAddr, user_agent: &'a str) -> SessionStart<'a> {
    SessionStart {
        realm: Realm::Staff,
        subject_id: id,
        tenant_id: None,
        stage,
        ip,
        user_agent,
    }
}
