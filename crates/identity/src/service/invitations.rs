//! Invitations: an owner or admin invites an address with a role; the mailed link works
//! once, for seven days, and creates the invitee's account in the tenant.

use std::time::Duration;

use platform::ids::new_id;
use platform::mail::{OutgoingMail, enqueue};

use super::members::{expired, tenant_and_role};
use super::{FieldErrors, Identity, IdentityError, Principal, user_event};
use crate::model::SecretText;
use crate::model::role::Role;
use crate::model::session::{hash_secret, new_secret};
use crate::store::invitations::{self as store, InvitationRecord};
use crate::store::users::NewUser;
use crate::store::{tenants, users};

const VALID_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// What the invitee sees before accepting.
#[derive(Debug, Clone)]
pub struct InvitationDetails {
    pub tenant_name: String,
    pub email: String,
    pub role: Role,
}

impl Identity {
    pub async fn invite(
        &self,
        principal: &Principal,
        email: &str,
        role: &str,
    ) -> Result<(), IdentityError> {
        let (tenant_id, inviter_role) = tenant_and_role(principal)?;
        let mut errors = FieldErrors::new();
        let email = super::accounts::parse_email(&mut errors, email);
        let role = Role::parse(role);
        if role.is_none() {
            errors.insert("role", "choose owner, admin or member".into());
        }
        let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
            return Err(IdentityError::Invalid(errors));
        };
        if !inviter_role.may_manage(role) {
            return Err(IdentityError::Forbidden(
                "your role cannot invite people with this role",
            ));
        }
        let now = self.now();
        let mut tx = self.db().begin().await?;
        if users::email_taken(&mut tx, email.as_str()).await? {
            return Err(IdentityError::field(
                "email",
                "this address already has a Rampart account",
            ));
        }
        let tenant = tenants::get(&mut tx, tenant_id).await?;
        let token = new_secret();
        let invitation = InvitationRecord {
            id: new_id("inv"),
            tenant_id: tenant_id.to_owned(),
            email: email.to_string(),
            role: role.as_str().to_owned(),
            invited_by: principal.subject_id.clone(),
            created_at: now.as_millis(),
            expires_at: now.plus(VALID_FOR).as_millis(),
            accepted_at: None,
            revoked_at: None,
        };
        store::insert(&mut tx, &invitation, &hash_secret(token.expose())).await?;
        let link = format!("{}/invitations/{}", self.inner.public_url, token.expose());
        let mail = invitation_mail(principal, &tenant.name, &invitation, &link);
        enqueue(&mut *tx, &mail, now).await?;
        let event = self
            .principal_event(principal, "identity.member.invite")
            .resource("invitation", [invitation.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        self.mail_queued();
        Ok(())
    }

    pub async fn revoke_invitation(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<(), IdentityError> {
        let (tenant_id, role) = tenant_and_role(principal)?;
        if !role.manages_members() {
            return Err(IdentityError::Forbidden(
                "your role cannot manage invitations",
            ));
        }
        let mut tx = self.db().begin().await?;
        if !store::revoke(&mut tx, tenant_id, id, self.now()).await? {
            return Err(IdentityError::NotFound);
        }
        let event = self
            .principal_event(principal, "identity.invitation.revoke")
            .resource("invitation", [id]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }

    pub async fn invitation(&self, token: &str) -> Result<InvitationDetails, IdentityError> {
        let mut conn = self.db().connection().await?;
        let invitation = store::by_token_hash(&mut conn, &hash_secret(token))
            .await?
            .filter(|i| i.accepted_at.is_none() && i.revoked_at.is_none())
            .filter(|i| !expired(i, self.now()))
            .ok_or(IdentityError::LinkInvalid)?;
        let tenant = tenants::get(&mut conn, &invitation.tenant_id).await?;
        Ok(InvitationDetails {
            tenant_name: tenant.name,
            email: invitation.email,
            role: Role::parse(&invitation.role).unwrap_or(Role::Member),
        })
    }

    /// Accepts an invitation: the account is created in the tenant, its address already
    /// proved by the link.
    pub async fn accept_invitation(
        &self,
        token: &str,
        name: &str,
        password: SecretText,
    ) -> Result<(), IdentityError> {
        let details = self.invitation(token).await?;
        let mut errors = FieldErrors::new();
        let name = super::accounts::label(&mut errors, "name", name, "your name");
        if let Err(refusal) = self
            .settings()
            .password
            .check(&password, &[&details.email, &name])
        {
            errors.insert("password", refusal.to_string());
        }
        if !errors.is_empty() {
            return Err(IdentityError::Invalid(errors));
        }
        let hash = self.inner.hashing.hash(password).await?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let invitation = store::by_token_hash(&mut tx, &hash_secret(token))
            .await?
            .ok_or(IdentityError::LinkInvalid)?;
        if !store::accept(&mut tx, &invitation.id, now).await? {
            return Err(IdentityError::LinkInvalid);
        }
        let user_id = new_id("usr");
        let user = NewUser {
            id: &user_id,
            tenant_id: &invitation.tenant_id,
            email: &invitation.email,
            name: &name,
            role: &invitation.role,
            password_hash: &hash,
            email_verified: Some(now),
        };
        users::insert(&mut tx, &user, now)
            .await
            .map_err(|err| match err {
                platform::db::DbError::Conflict(_) => {
                    IdentityError::field("email", "this address already has a Rampart account")
                }
                other => other.into(),
            })?;
        let event = user_event(&user_id, &invitation.tenant_id, "identity.member.join")
            .resource("invitation", [invitation.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }
}

fn invitation_mail(
    inviter: &Principal,
    tenant_name: &str,
    invitation: &InvitationRecord,
    link: &str,
) -> OutgoingMail {
    OutgoingMail {
        to: invitation.email.clone(),
        subject: format!("{} invited you to {tenant_name} on Rampart", inviter.name),
        text: format!(
            "{} ({}) invited you to join {tenant_name} on Rampart as {}.\n\nTo accept, open \
             this link within 7 days. It works once:\n\n{link}\n\nIf you do not know this \
             person, ignore this message.\n",
            inviter.name, inviter.email, invitation.role
        ),
    }
}
