//! Master key rotation, the vault's part: every tenant's data key re-wrapped under the new
//! master key, inside the caller's transaction. Contacts are not touched: they are sealed
//! by the data keys, which do not change.

use platform::clock::Timestamp;
use platform::crypto::MasterKey;

use super::VaultError;
use crate::keys;
use crate::store::{self, Conn};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationReport {
    pub data_keys: usize,
}

/// Re-wraps every data key from `old` to `new`. Fails, changing nothing the caller commits,
/// if any key does not open with `old`.
pub async fn rewrap_data_keys(
    conn: &mut Conn,
    old: &MasterKey,
    new: &MasterKey,
    now: Timestamp,
) -> Result<RotationReport, VaultError> {
    let wrapped = store::keys::all(conn).await?;
    for (tenant_id, key) in &wrapped {
        let bytes = keys::unwrap_bytes(old, tenant_id, key)?;
        let rewrapped = keys::wrap(new, tenant_id, &bytes);
        store::keys::rewrap(conn, tenant_id, &rewrapped, new.id(), now.as_millis()).await?;
    }
    Ok(RotationReport {
        data_keys: wrapped.len(),
    })
}
