//! Tenants' data keys, unwrapped once and kept in memory; a tenant's first contact creates
//! its key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use platform::crypto::MasterKey;
use platform::db::DbError;

use super::VaultError;
use crate::keys::{self, DataKey, KeyError};
use crate::store::{self, Conn};

pub(super) struct KeyRing {
    master: Arc<MasterKey>,
    unwrapped: Mutex<HashMap<String, DataKey>>,
}

impl KeyRing {
    pub(super) fn new(master: Arc<MasterKey>) -> Self {
        Self {
            master,
            unwrapped: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, tenant_id: &str) -> Option<DataKey> {
        self.unwrapped
            .lock()
            .ok()
            .and_then(|keys| keys.get(tenant_id).cloned())
    }

    /// The tenant's data key, created on first use.
    pub(super) async fn get(
        &self,
        conn: &mut Conn,
        tenant_id: &str,
        now: i64,
    ) -> Result<DataKey, VaultError> {
        if let Some(key) = self.cached(tenant_id) {
            return Ok(key);
        }
        let wrapped = match store::keys::get(conn, tenant_id).await? {
            Some(wrapped) => wrapped,
            None => {
                let (_, bytes) = DataKey::generate();
                let wrapped = keys::wrap(&self.master, tenant_id, &bytes);
                store::keys::insert_if_absent(conn, tenant_id, &wrapped, self.master.id(), now)
                    .await?;
                // Another node may have stored its key first: use whichever was kept.
                store::keys::get(conn, tenant_id)
                    .await?
                    .ok_or(VaultError::Db(DbError::NotFound))?
            }
        };
        let key = keys::unwrap(&self.master, tenant_id, &wrapped)?;
        if let Ok(mut keys) = self.unwrapped.lock() {
            keys.insert(tenant_id.to_owned(), key.clone());
        }
        Ok(key)
    }

    pub(super) async fn check_one(&self, conn: &mut Conn) -> Result<(), VaultError> {
        if let Some((tenant_id, wrapped)) = store::keys::all(conn).await?.into_iter().next() {
            keys::unwrap(&self.master, &tenant_id, &wrapped)
                .map_err(|_| VaultError::Key(KeyError::WrongMasterKey))?;
        }
        Ok(())
    }
}
