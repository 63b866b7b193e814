//! A tenant's custom field definitions.

use std::collections::BTreeMap;

use super::{Caller, Vault, VaultError};
use crate::model::FieldErrors;
use crate::model::contact::FieldDefinitions;
use crate::model::custom::{FieldKind, FieldName};
use crate::store::{self, Conn};

pub(super) async fn load(conn: &mut Conn, tenant_id: &str) -> Result<FieldDefinitions, VaultError> {
    let rows = store::fields::list(conn, tenant_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(name, kind)| Some((FieldName::parse(&name).ok()?, FieldKind::parse(&kind)?)))
        .collect::<BTreeMap<_, _>>())
}

impl Vault {
    pub async fn list_fields(&self, caller: &Caller) -> Result<FieldDefinitions, VaultError> {
        let mut conn = self.db().connection().await?;
        load(&mut conn, &caller.tenant_id).await
    }

    pub async fn define_field(
        &self,
        caller: &Caller,
        name: &str,
        kind: &str,
    ) -> Result<(FieldName, FieldKind), VaultError> {
        let mut errors = FieldErrors::new();
        let name = FieldName::parse(name)
            .map_err(|err| errors.insert("name", err.to_string()))
            .ok();
        let kind = FieldKind::parse(kind);
        if kind.is_none() {
            errors.insert("kind", "choose text, number, date or boolean");
        }
        let (Some(name), Some(kind)) = (name, kind) else {
            return Err(VaultError::Invalid(errors));
        };
        let mut tx = self.db().begin().await?;
        match store::fields::insert(
            &mut tx,
            &caller.tenant_id,
            name.as_str(),
            kind.as_str(),
            self.now().as_millis(),
        )
        .await
        {
            Err(platform::db::DbError::Conflict(_)) => {
                return Err(VaultError::Conflict(format!(
                    "a custom field named {name} already exists"
                )));
            }
            other => other?,
        }
        let event = self
            .event(caller, "vault.field.define")
            .resource("contact_field", [name.as_str()]);
        self.inner.audit.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok((name, kind))
    }

    /// Removes a definition. Values already stored stay in their contacts (and are shown)
    /// until the contact is edited; the export lists defined fields only.
    pub async fn delete_field(&self, caller: &Caller, name: &str) -> Result<(), VaultError> {
        if FieldName::parse(name).is_err() {
            return Err(VaultError::NotFound);
        }
        let mut tx = self.db().begin().await?;
        if !store::fields::delete(&mut tx, &caller.tenant_id, name).await? {
            return Err(VaultError::NotFound);
        }
        let event = self
            .event(caller, "vault.field.delete")
            .resource("contact_field", [name]);
        self.inner.audit.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok(())
    }
}
