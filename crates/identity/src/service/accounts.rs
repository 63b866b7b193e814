//! Accounts: sign-up (a tenant and its owner), email verification, password change and
//! password reset by a single-use mailed link.

use std::net::IpAddr;
use std::time::Duration;

use platform::ids::new_id;
use platform::mail::{OutgoingMail, enqueue};

use audit::{Actor, Event};

use super::login::identifier_key;
use super::{FieldErrors, Identity, IdentityError, Principal, Realm, user_event};
use crate::model::SecretText;
use crate::model::email::Email;
use crate::model::role::Role;
use crate::model::session::{hash_secret, new_secret};
use crate::store::users::NewUser;
use crate::store::{Conn, links, sessions, tenants, throttle, users};

const VERIFY: &str = "verify-email";
const RESET: &str = "reset-password";
const VERIFY_VALID: Duration = Duration::from_secs(24 * 3600);
const RESET_VALID: Duration = Duration::from_secs(30 * 60);

/// What a person types to sign up.
#[derive(Debug)]
pub struct SignUp {
    pub name: String,
    pub organisation: String,
    pub email: String,
    pub password: SecretText,
}

/// A name, organisation or similar label: trimmed, 1 to 100 characters, no control characters.
pub(super) fn label(
    errors: &mut FieldErrors,
    field: &'static str,
    raw: &str,
    what: &str,
) -> String {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > 100 || text.chars().any(char::is_control) {
        errors.insert(field, format!("enter {what} (1 to 100 characters)"));
    }
    text.to_owned()
}

pub(super) fn parse_email(errors: &mut FieldErrors, raw: &str) -> Option<Email> {
    Email::parse(raw)
        .map_err(|err| errors.insert("email", err.to_string()))
        .ok()
}

impl Identity {
    /// Creates a tenant and its owner, and mails a verification link. Signing up with an
    /// address that already has an account answers the same, and mails its owner instead.
    pub async fn sign_up(&self, form: SignUp, ip: IpAddr) -> Result<Email, IdentityError> {
        self.spend_ip_allowance(ip)?;
        let mut errors = FieldErrors::new();
        let name = label(&mut errors, "name", &form.name, "your name");
        let organisation = label(
            &mut errors,
            "organisation",
            &form.organisation,
            "your organisation's name",
        );
        let email = parse_email(&mut errors, &form.email);
        let context = [form.email.trim(), name.as_str(), organisation.as_str()];
        if let Err(refusal) = self.settings().password.check(&form.password, &context) {
            errors.insert("password", refusal.to_string());
        }
        let (Some(email), true) = (email, errors.is_empty()) else {
            return Err(IdentityError::Invalid(errors));
        };
        let hash = self.inner.hashing.hash(form.password).await?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        if users::email_taken(&mut tx, email.as_str()).await? {
            let mail = self.already_registered_mail(&email);
            enqueue(&mut *tx, &mail, now).await?;
        } else {
            let tenant_id = new_id("ten");
            let user_id = new_id("usr");
            tenants::insert(&mut tx, &tenant_id, &organisation, now).await?;
            let user = NewUser {
                id: &user_id,
                tenant_id: &tenant_id,
                email: email.as_str(),
                name: &name,
                role: Role::Owner.as_str(),
                password_hash: &hash,
                email_verified: None,
            };
            users::insert(&mut tx, &user, now).await?;
            self.send_verification(&mut tx, &user_id, &email).await?;
            let event = user_event(&user_id, &tenant_id, "identity.signup")
                .resource("tenant", [tenant_id.as_str()]);
            self.record(&mut tx, event).await?;
        }
        tx.commit().await.map_err(platform::db::DbError::from)?;
        self.mail_queued();
        Ok(email)
    }

    async fn send_verification(
        &self,
        conn: &mut Conn,
        user_id: &str,
        email: &Email,
    ) -> Result<(), IdentityError> {
        let now = self.now();
        let token = new_secret();
        links::void_open(&mut *conn, VERIFY, user_id, now).await?;
        let hash = hash_secret(token.expose());
        links::insert(
            &mut *conn,
            &hash,
            VERIFY,
            user_id,
            now,
            now.plus(VERIFY_VALID),
        )
        .await?;
        let link = format!("{}/verify-email/{}", self.inner.public_url, token.expose());
        let mail = OutgoingMail {
            to: email.to_string(),
            subject: "Confirm your email address for Rampart".into(),
            text: format!(
                "Welcome to Rampart.\n\nConfirm that {email} is your address by opening this \
                 link within 24 hours:\n\n{link}\n\nIf you did not sign up, ignore this message; \
                 nothing happens without the link.\n"
            ),
        };
        enqueue(&mut *conn, &mail, now).await?;
        Ok(())
    }

    fn already_registered_mail(&self, email: &Email) -> OutgoingMail {
        OutgoingMail {
            to: email.to_string(),
            subject: "Someone tried to sign up to Rampart with your address".into(),
            text: format!(
                "Someone tried to create a Rampart account for {email}, which already has one.\n\n\
                 If it was you, log in at {url}/login or reset your password at \
                 {url}/password/forgot\n\nIf it was not you, nothing has changed.\n",
                url = self.inner.public_url
            ),
        }
    }

    /// Confirms an address with the link mailed at sign-up.
    pub async fn verify_email(&self, token: &str) -> Result<(), IdentityError> {
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let user_id = links::redeem(&mut tx, &hash_secret(token), VERIFY, now)
            .await?
            .ok_or(IdentityError::LinkInvalid)?;
        users::mark_verified(&mut tx, &user_id, now).await?;
        let user = users::by_id(&mut tx, &user_id).await?;
        let event = user_event(&user.id, &user.tenant_id, "identity.email.verify")
            .resource("user", [user.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }

    /// Mails a fresh verification link if the address has an unverified account; answers
    /// the same either way.
    pub async fn resend_verification(&self, email: &str, ip: IpAddr) -> Result<(), IdentityError> {
        self.spend_ip_allowance(ip)?;
        let Ok(email) = Email::parse(email) else {
            return Err(IdentityError::field(
                "email",
                "enter an email address such as name@example.com",
            ));
        };
        let mut tx = self.db().begin().await?;
        match users::by_email(&mut tx, email.as_str()).await? {
            Some(user) if user.email_verified_at.is_none() => {
                self.send_verification(&mut tx, &user.id, &email).await?;
            }
            _ => return Ok(()),
        }
        tx.commit().await.map_err(platform::db::DbError::from)?;
        self.mail_queued();
        Ok(())
    }

    /// Mails a password-reset link valid 30 minutes if the address has an account; answers
    /// the same either way.
    pub async fn request_password_reset(
        &self,
        email: &str,
        ip: IpAddr,
    ) -> Result<(), IdentityError> {
        self.spend_ip_allowance(ip)?;
        let Ok(email) = Email::parse(email) else {
            return Err(IdentityError::field(
                "email",
                "enter an email address such as name@example.com",
            ));
        };
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let Some(user) = users::by_email(&mut tx, email.as_str()).await? else {
            return Ok(());
        };
        let token = new_secret();
        links::void_open(&mut tx, RESET, &user.id, now).await?;
        let hash = hash_secret(token.expose());
        links::insert(&mut tx, &hash, RESET, &user.id, now, now.plus(RESET_VALID)).await?;
        let link = format!(
            "{}/password/reset/{}",
            self.inner.public_url,
            token.expose()
        );
        let mail = OutgoingMail {
            to: email.to_string(),
            subject: "Reset your Rampart password".into(),
            text: format!(
                "Someone asked to reset the password of {email}.\n\nTo choose a new password, \
                 open this link within 30 minutes. It works once:\n\n{link}\n\nIf it was not \
                 you, ignore this message: your password stays as it is.\n"
            ),
        };
        enqueue(&mut *tx, &mail, now).await?;
        // Whoever asked is not known: only the mailbox can use the link.
        let event = Event::new(Actor::anonymous(), "identity.password.reset_request")
            .tenant(&user.tenant_id)
            .resource("user", [user.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        self.mail_queued();
        Ok(())
    }

    /// The address a reset link belongs to, if it is still usable (for the reset form).
    pub async fn reset_link_email(&self, token: &str) -> Result<String, IdentityError> {
        let mut conn = self.db().connection().await?;
        let user_id = links::peek(&mut conn, &hash_secret(token), RESET, self.now())
            .await?
            .ok_or(IdentityError::LinkInvalid)?;
        Ok(users::by_id(&mut conn, &user_id).await?.email)
    }

    /// Sets a new password with a reset link; every session of the account ends.
    pub async fn reset_password(
        &self,
        token: &str,
        password: SecretText,
    ) -> Result<(), IdentityError> {
        let token_hash = hash_secret(token);
        let mut conn = self.db().connection().await?;
        let user_id = links::peek(&mut conn, &token_hash, RESET, self.now())
            .await?
            .ok_or(IdentityError::LinkInvalid)?;
        let user = users::by_id(&mut conn, &user_id).await?;
        drop(conn);
        if let Err(refusal) = self
            .settings()
            .password
            .check(&password, &[&user.email, &user.name])
        {
            return Err(IdentityError::field("password", refusal.to_string()));
        }
        let hash = self.inner.hashing.hash(password).await?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        links::redeem(&mut tx, &token_hash, RESET, now)
            .await?
            .ok_or(IdentityError::LinkInvalid)?;
        users::set_password_hash(&mut tx, &user.id, &hash).await?;
        // Receiving the link proved the mailbox.
        users::mark_verified(&mut tx, &user.id, now).await?;
        sessions::delete_all_but(&mut tx, Realm::Customer.as_str(), &user.id, None).await?;
        throttle::clear(&mut tx, &identifier_key("login", &user.email)).await?;
        enqueue(&mut *tx, &self.password_changed_mail(&user.email), now).await?;
        // The link proved the mailbox, so the reset is the account owner's act.
        let event = user_event(&user.id, &user.tenant_id, "identity.password.reset")
            .resource("user", [user.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        self.mail_queued();
        Ok(())
    }

    /// Changes the password of a signed-in person, who proves the current one; every other
    /// session ends.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: SecretText,
        new: SecretText,
    ) -> Result<(), IdentityError> {
        let mut conn = self.db().connection().await?;
        let user = users::by_id(&mut conn, &principal.subject_id).await?;
        drop(conn);
        if let Err(refusal) = self
            .settings()
            .password
            .check(&new, &[&user.email, &user.name])
        {
            return Err(IdentityError::field("new_password", refusal.to_string()));
        }
        let verification = self
            .inner
            .hashing
            .verify(current, Some(user.password_hash.clone()))
            .await?;
        if !verification.is_valid() {
            return Err(IdentityError::field(
                "current_password",
                "the current password is incorrect",
            ));
        }
        let hash = self.inner.hashing.hash(new).await?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        users::set_password_hash(&mut tx, &user.id, &hash).await?;
        sessions::delete_all_but(
            &mut tx,
            Realm::Customer.as_str(),
            &user.id,
            Some(&principal.session_hash),
        )
        .await?;
        sessions::set_proved(&mut tx, &principal.session_hash, now).await?;
        enqueue(&mut *tx, &self.password_changed_mail(&user.email), now).await?;
        let event = self
            .principal_event(principal, "identity.password.change")
            .resource("user", [user.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        self.mail_queued();
        Ok(())
    }

    fn password_changed_mail(&self, email: &str) -> OutgoingMail {
        OutgoingMail {
            to: email.to_owned(),
            subject: "Your Rampart password was changed".into(),
            text: format!(
                "The password of {email} was just changed, and every other session was ended.\n\n\
                 If this was not you, reset your password now at {}/password/forgot and tell \
                 your administrator.\n",
                self.inner.public_url
            ),
        }
    }
}
