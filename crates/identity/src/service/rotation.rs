//! Master key rotation, identity's part: every sealed TOTP secret opened with the old
//! master key and sealed again with the new one, inside the caller's transaction.

use platform::crypto::MasterKey;

use super::{IdentityError, totp_context};
use crate::store::{Conn, sealed};

/// Re-seals every TOTP secret from `old` to `new`; how many people's secrets moved. Fails,
/// for the caller to roll back, if any secret does not open with `old`.
pub async fn reseal_secrets(
    conn: &mut Conn,
    old: &MasterKey,
    new: &MasterKey,
) -> Result<usize, IdentityError> {
    let mut count = 0;
    for table in sealed::TABLES {
        for (id, secret, pending) in sealed::all(conn, table).await? {
            let move_one = |sealed: Option<String>| -> Result<Option<String>, IdentityError> {
                let Some(sealed) = sealed else {
                    return Ok(None);
                };
                let context = totp_context(&id);
                let bytes = hex::decode(&sealed)
                    .ok()
                    .and_then(|b| old.open(&b, context.as_bytes()).ok())
                    .ok_or_else(|| {
                        IdentityError::Internal(format!(
                            "the TOTP secret of {id} does not open with the current master key"
                        ))
                    })?;
                Ok(Some(hex::encode(new.seal(&bytes, context.as_bytes()))))
            };
            let resealed = (id.clone(), move_one(secret)?, move_one(pending)?);
            sealed::set(conn, table, &resealed).await?;
            count += 1;
        }
    }
    Ok(count)
}
