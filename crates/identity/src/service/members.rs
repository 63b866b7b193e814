//! The people of a tenant: who is in it, removing someone, and requiring 2FA of everyone.

use platform::clock::Timestamp;

use super::{Identity, IdentityError, Principal, Realm};
use crate::model::role::Role;
use crate::store::invitations::{self as invitation_store, InvitationRecord};
use crate::store::{Conn, sessions, tenants, tokens, users};

#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub has_2fa: bool,
    pub is_you: bool,
}

/// Everything the members page shows.
#[derive(Debug, Clone)]
pub struct MembersView {
    pub tenant_name: String,
    pub require_2fa: bool,
    pub your_role: Role,
    pub members: Vec<Member>,
    pub invitations: Vec<InvitationRecord>,
}

/// The caller's tenant and role, from the principal: the one place customer operations
/// learn which tenant they act in.
pub(super) fn tenant_and_role(principal: &Principal) -> Result<(&str, Role), IdentityError> {
    let tenant = principal
        .tenant_id
        .as_deref()
        .ok_or(IdentityError::Forbidden(
            "only people of a tenant can do this",
        ))?;
    let role = Role::parse(&principal.role)
        .ok_or(IdentityError::Internal("a stored role is unknown".into()))?;
    Ok((tenant, role))
}

impl Identity {
    pub async fn members(&self, principal: &Principal) -> Result<MembersView, IdentityError> {
        let (tenant_id, your_role) = tenant_and_role(principal)?;
        let mut conn = self.db().connection().await?;
        let tenant = tenants::get(&mut conn, tenant_id).await?;
        let members = users::in_tenant(&mut conn, tenant_id)
            .await?
            .into_iter()
            .filter_map(|user| {
                Some(Member {
                    role: Role::parse(&user.role)?,
                    has_2fa: user.totp_secret.is_some(),
                    is_you: user.id == principal.subject_id,
                    id: user.id,
                    email: user.email,
                    name: user.name,
                })
            })
            .collect();
        let invitations = if your_role.manages_members() {
            invitation_store::open_in_tenant(&mut conn, tenant_id, self.now()).await?
        } else {
            Vec::new()
        };
        Ok(MembersView {
            tenant_name: tenant.name,
            require_2fa: tenant.require_2fa,
            your_role,
            members,
            invitations,
        })
    }

    /// Removes a person from the caller's tenant: their sessions end and their tokens are
    /// revoked in the same transaction.
    pub async fn remove_member(
        &self,
        principal: &Principal,
        user_id: &str,
    ) -> Result<(), IdentityError> {
        let (tenant_id, role) = tenant_and_role(principal)?;
        self.require_recent_proof(principal)?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let target = member_of(&mut tx, tenant_id, user_id).await?;
        let target_role = Role::parse(&target.role).unwrap_or(Role::Owner);
        if !role.may_manage(target_role) {
            return Err(IdentityError::Forbidden(
                "your role cannot remove this person",
            ));
        }
        if target_role == Role::Owner && users::count_owners(&mut tx, tenant_id).await? <= 1 {
            return Err(IdentityError::Forbidden(
                "a tenant keeps at least one owner",
            ));
        }
        users::mark_removed(&mut tx, &target.id, now).await?;
        sessions::delete_all_but(&mut tx, Realm::Customer.as_str(), &target.id, None).await?;
        tokens::revoke_all_of_user(&mut tx, &target.id, now).await?;
        let event = self
            .principal_event(principal, "identity.member.remove")
            .resource("user", [target.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }

    /// Makes 2FA mandatory (or optional again) for everyone in the tenant. Owners only, and
    /// an owner turning it on must have it already.
    pub async fn set_tenant_requires_2fa(
        &self,
        principal: &Principal,
        required: bool,
    ) -> Result<(), IdentityError> {
        let (tenant_id, role) = tenant_and_role(principal)?;
        if role != Role::Owner {
            return Err(IdentityError::Forbidden("only an owner can change this"));
        }
        if required && !principal.has_totp {
            return Err(IdentityError::Forbidden(
                "turn on two-factor authentication for yourself first",
            ));
        }
        let mut tx = self.db().begin().await?;
        let since = required.then(|| self.now());
        tenants::set_require_2fa(&mut tx, tenant_id, since).await?;
        // An entry has no field for a value, so lifting the requirement is its own action.
        let action = if required {
            "identity.tenant.require_2fa"
        } else {
            "identity.tenant.require_2fa.off"
        };
        let event = self
            .principal_event(principal, action)
            .resource("tenant", [tenant_id]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }
}

/// A person of `tenant_id`; someone of another tenant is not found.
async fn member_of(
    conn: &mut Conn,
    tenant_id: &str,
    user_id: &str,
) -> Result<users::UserRecord, IdentityError> {
    match users::by_id(conn, user_id).await {
        Ok(user) if user.tenant_id == tenant_id => Ok(user),
        Ok(_) | Err(platform::db::DbError::NotFound) => Err(IdentityError::NotFound),
        Err(other) => Err(other.into()),
    }
}

pub(super) fn expired(invitation: &InvitationRecord, now: Timestamp) -> bool {
    invitation.expires_at <= now.as_millis()
}

impl Identity {
    /// Whether a tenant of this id exists (for administrative commands that name one).
    pub async fn tenant_exists(&self, tenant_id: &str) -> Result<bool, IdentityError> {
        let mut conn = self.db().connection().await?;
        match crate::store::tenants::get(&mut conn, tenant_id).await {
            Ok(_) => Ok(true),
            Err(platform::db::DbError::NotFound) => Ok(false),
            Err(err) => Err(err.into()),
        }
    }
}
