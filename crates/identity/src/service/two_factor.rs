//! Two-factor authentication for customers: TOTP enrolment confirmed by a first code,
//! recovery codes shown once, and turning it off again where the tenant allows it.

use std::net::IpAddr;

use super::login::{is_totp_shaped, step_i64};
use super::sessions::SessionStart;
use super::{Identity, IdentityError, Principal, Realm, StartedSession, unix_secs, user_event};
use crate::model::session::Stage;
use crate::model::totp::TotpSecret;
use crate::model::{SecretText, enrolment_qr, recovery};
use crate::store::{recovery as recovery_store, tenants, users};

/// The issuer name authenticator apps show next to the account.
pub(super) const ISSUER: &str = "Rampart";

/// What the enrolment page shows: the QR code and, for typing by hand, the secret.
#[derive(Debug)]
pub struct Enrolment {
    pub qr_svg: SecretText,
    pub secret_base32: SecretText,
}

#[derive(Debug, Clone, Copy)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    pub recovery_codes_left: i64,
    pub required_by_tenant: bool,
}

impl Identity {
    pub async fn two_factor_status(
        &self,
        principal: &Principal,
    ) -> Result<TwoFactorStatus, IdentityError> {
        let mut conn = self.db().connection().await?;
        let user = users::by_id(&mut conn, &principal.subject_id).await?;
        let tenant = tenants::get(&mut conn, &user.tenant_id).await?;
        Ok(TwoFactorStatus {
            enabled: user.totp_secret.is_some(),
            recovery_codes_left: recovery_store::remaining(&mut conn, &user.id).await?,
            required_by_tenant: tenant.require_2fa,
        })
    }

    /// The secret being enrolled, created on first call and kept until confirmed.
    pub async fn start_enrolment(&self, principal: &Principal) -> Result<Enrolment, IdentityError> {
        let mut conn = self.db().connection().await?;
        let user = users::by_id(&mut conn, &principal.subject_id).await?;
        if user.totp_secret.is_some() {
            return Err(IdentityError::Forbidden(
                "two-factor authentication is already on",
            ));
        }
        let secret = match &user.totp_pending_secret {
            Some(sealed) => self.open_totp(sealed, &user.id)?,
            None => {
                let secret = TotpSecret::generate();
                let sealed = self.seal_totp(&secret, &user.id);
                users::set_pending_totp(&mut conn, &user.id, Some(&sealed)).await?;
                secret
            }
        };
        enrolment_for(&secret, &user.email)
    }

    /// Turns 2FA on once the first code from the app matches. Returns the recovery codes,
    /// to be shown once, and the new session (the id changes with the privilege).
    pub async fn confirm_enrolment(
        &self,
        principal: &Principal,
        code: &str,
        ip: IpAddr,
        user_agent: &str,
    ) -> Result<(Vec<SecretText>, StartedSession), IdentityError> {
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let user = users::by_id(&mut tx, &principal.subject_id).await?;
        let sealed = user
            .totp_pending_secret
            .as_deref()
            .ok_or(IdentityError::Forbidden("start the enrolment again"))?;
        let secret = self.open_totp(sealed, &user.id)?;
        let step = is_totp_shaped(code)
            .then(|| secret.verify(&digits(code), unix_secs(now), None))
            .flatten()
            .ok_or(IdentityError::BadCode)?;
        users::set_totp(&mut tx, &user.id, Some(sealed), Some(step_i64(step)), now).await?;
        let codes = recovery::generate();
        let hashes: Vec<String> = codes.iter().map(|c| recovery::hash(c.expose())).collect();
        recovery_store::replace(&mut tx, &user.id, &hashes).await?;
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
        let event = user_event(&user.id, &user.tenant_id, "identity.2fa.enrol")
            .resource("user", [user.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok((codes, session))
    }

    /// Turns 2FA off (after a recent proof), unless the tenant requires it.
    pub async fn disable_two_factor(&self, principal: &Principal) -> Result<(), IdentityError> {
        self.require_recent_proof(principal)?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let user = users::by_id(&mut tx, &principal.subject_id).await?;
        if tenants::get(&mut tx, &user.tenant_id).await?.require_2fa {
            return Err(IdentityError::Forbidden(
                "your organisation requires two-factor authentication",
            ));
        }
        users::set_totp(&mut tx, &user.id, None, None, now).await?;
        recovery_store::replace(&mut tx, &user.id, &[]).await?;
        let event = user_event(&user.id, &user.tenant_id, "identity.2fa.disable")
            .resource("user", [user.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }

    /// A new set of recovery codes (after a recent proof); the old ones stop working.
    pub async fn regenerate_recovery_codes(
        &self,
        principal: &Principal,
    ) -> Result<Vec<SecretText>, IdentityError> {
        self.require_recent_proof(principal)?;
        let mut tx = self.db().begin().await?;
        let user = users::by_id(&mut tx, &principal.subject_id).await?;
        if user.totp_secret.is_none() {
            return Err(IdentityError::Forbidden(
                "turn on two-factor authentication first",
            ));
        }
        let codes = recovery::generate();
        let hashes: Vec<String> = codes.iter().map(|c| recovery::hash(c.expose())).collect();
        recovery_store::replace(&mut tx, &user.id, &hashes).await?;
        let event = user_event(
            &user.id,
            &user.tenant_id,
            "identity.recovery_codes.regenerate",
        )
        .resource("user", [user.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(codes)
    }
}

pub(super) fn enrolment_for(
    secret: &TotpSecret,
    account: &str,
) -> Result<Enrolment, IdentityError> {
    let uri = secret.provisioning_uri(ISSUER, account);
    let qr_svg = enrolment_qr::svg(&uri)
        .map_err(|_| IdentityError::Internal("the enrolment QR code is too long".into()))?;
    Ok(Enrolment {
        qr_svg,
        secret_base32: secret.base32(),
    })
}

/// A code as typed, without the spaces people put in the middle.
pub(super) fn digits(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}
