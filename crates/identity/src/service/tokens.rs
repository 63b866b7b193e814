//! API tokens: created by a signed-in person after a recent proof, shown once, stored as a
//! hash, scoped, always expiring; presented as bearer tokens to the API.

use std::net::IpAddr;

use platform::clock::Timestamp;
use platform::ids::new_id;

use super::{Identity, IdentityError, Principal, Realm, days};
use crate::model::SecretText;
use crate::model::api_token;
use crate::model::scope::{Scope, Scopes};
use crate::model::session::Stage;
use crate::store::tokens::{self as store, TokenRecord};
use crate::store::users;

#[derive(Debug)]
pub struct CreatedToken {
    pub id: String,
    /// The token itself: shown once, never stored.
    pub secret: SecretText,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub last_used_ip: Option<String>,
    pub revoked: bool,
    pub expired: bool,
}

/// Who an API request comes from: a token, inside its tenant.
#[derive(Debug, Clone)]
pub struct TokenPrincipal {
    pub token_id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub scopes: Scopes,
}

impl TokenPrincipal {
    pub fn require(&self, scope: Scope) -> Result<(), IdentityError> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(IdentityError::Forbidden(
                "this token does not have the scope this request needs",
            ))
        }
    }
}

/// Last use is recorded at most this often per token.
const RECORD_USE_EVERY_MS: i64 = 60_000;

impl Identity {
    pub async fn create_token(
        &self,
        principal: &Principal,
        name: &str,
        scopes: &[String],
        expires_in_days: Option<u32>,
    ) -> Result<CreatedToken, IdentityError> {
        require_customer(principal)?;
        self.require_recent_proof(principal)?;
        let mut errors = super::FieldErrors::new();
        let name = super::accounts::label(&mut errors, "name", name, "a name for the token");
        let scopes = Scopes::parse(scopes.iter().map(String::as_str))
            .map_err(|err| errors.insert("scopes", err.to_string()))
            .ok();
        let settings = self.settings();
        let lifetime = expires_in_days.unwrap_or(settings.token_default_days);
        if lifetime == 0 || lifetime > settings.token_max_days {
            errors.insert(
                "expires_in_days",
                format!("choose between 1 and {} days", settings.token_max_days),
            );
        }
        let (Some(scopes), true) = (scopes, errors.is_empty()) else {
            return Err(IdentityError::Invalid(errors));
        };
        let tenant_id = principal.tenant_id.clone().ok_or(IdentityError::Forbidden(
            "only people of a tenant hold tokens",
        ))?;
        let now = self.now();
        let secret = api_token::generate();
        let record = TokenRecord {
            id: new_id("tok"),
            tenant_id,
            user_id: principal.subject_id.clone(),
            name,
            scopes: scopes.to_text(),
            created_at: now.as_millis(),
            expires_at: now.plus(days(lifetime)).as_millis(),
            last_used_at: None,
            last_used_ip: None,
            revoked_at: None,
        };
        let mut tx = self.db().begin().await?;
        store::insert(&mut tx, &record, &api_token::lookup_hash(secret.expose())).await?;
        let event = self
            .principal_event(principal, "identity.token.create")
            .resource("token", [record.id.as_str()]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(CreatedToken {
            id: record.id,
            secret,
            expires_at: Timestamp::from_millis(record.expires_at),
        })
    }

    pub async fn list_tokens(
        &self,
        principal: &Principal,
    ) -> Result<Vec<TokenView>, IdentityError> {
        let mut conn = self.db().connection().await?;
        let now = self.now();
        let tokens = store::of_user(&mut conn, &principal.subject_id).await?;
        Ok(tokens.into_iter().map(|t| view(t, now)).collect())
    }

    pub async fn revoke_token(&self, principal: &Principal, id: &str) -> Result<(), IdentityError> {
        require_customer(principal)?;
        let mut tx = self.db().begin().await?;
        if !store::revoke(&mut tx, &principal.subject_id, id, self.now()).await? {
            return Err(IdentityError::NotFound);
        }
        let event = self
            .principal_event(principal, "identity.token.revoke")
            .resource("token", [id]);
        self.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }

    /// The principal of a bearer token. A malformed token or one with a bad checksum is
    /// refused before any database look-up.
    pub async fn authenticate_token(
        &self,
        bearer: &str,
        ip: IpAddr,
    ) -> Result<TokenPrincipal, IdentityError> {
        let checked = api_token::check(bearer)
            .map_err(|_| IdentityError::Unauthenticated("this is not a Rampart API token"))?;
        let now = self.now();
        let mut conn = self.db().connection().await?;
        let token = store::by_lookup_hash(&mut conn, &checked.lookup_hash)
            .await?
            .ok_or(IdentityError::Unauthenticated("this token is not known"))?;
        if token.revoked_at.is_some() {
            return Err(IdentityError::Unauthenticated("this token was revoked"));
        }
        if token.expires_at <= now.as_millis() {
            return Err(IdentityError::Unauthenticated("this token has expired"));
        }
        let scopes = Scopes::parse(token.scopes.split(' '))
            .map_err(|_| IdentityError::Internal("a stored token has unknown scopes".into()))?;
        let owner = users::by_id(&mut conn, &token.user_id).await;
        if matches!(owner, Err(platform::db::DbError::NotFound)) {
            return Err(IdentityError::Unauthenticated(
                "this token's owner was removed",
            ));
        }
        owner?;
        let ip_text = ip.to_string();
        let stale = token
            .last_used_at
            .is_none_or(|at| now.as_millis() - at >= RECORD_USE_EVERY_MS);
        if stale || token.last_used_ip.as_deref() != Some(ip_text.as_str()) {
            store::record_use(&mut conn, &token.id, now, &ip_text).await?;
        }
        Ok(TokenPrincipal {
            token_id: token.id,
            tenant_id: token.tenant_id,
            user_id: token.user_id,
            scopes,
        })
    }

    /// A token of the caller's own tenant; any other is not found.
    pub async fn token_in_tenant(
        &self,
        caller: &TokenPrincipal,
        id: &str,
    ) -> Result<TokenView, IdentityError> {
        // An id of the wrong shape never reaches a query (PostgreSQL refuses some bytes).
        if !platform::ids::is_well_formed("tok", id) {
            return Err(IdentityError::NotFound);
        }
        let mut conn = self.db().connection().await?;
        let token = store::in_tenant(&mut conn, &caller.tenant_id, id)
            .await?
            .ok_or(IdentityError::NotFound)?;
        Ok(view(token, self.now()))
    }
}

fn require_customer(principal: &Principal) -> Result<(), IdentityError> {
    if principal.realm == Realm::Customer && principal.stage == Stage::Full {
        Ok(())
    } else {
        Err(IdentityError::Forbidden("sign in fully first"))
    }
}

fn view(token: TokenRecord, now: Timestamp) -> TokenView {
    TokenView {
        expired: token.expires_at <= now.as_millis(),
        revoked: token.revoked_at.is_some(),
        id: token.id,
        name: token.name,
        scopes: token.scopes,
        created_at: Timestamp::from_millis(token.created_at),
        expires_at: Timestamp::from_millis(token.expires_at),
        last_used_at: token.last_used_at.map(Timestamp::from_millis),
        last_used_ip: token.last_used_ip,
    }
}
