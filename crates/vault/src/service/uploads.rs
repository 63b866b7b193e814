//! Uploads waiting for their column mapping. The import pages spool a file, show its
//! columns, and start the import only once the person has said which column feeds which
//! field; between those two requests the spooled file waits here, in this process's memory,
//! under its tenant. A tenant has a few at most, each for half an hour: an upload that
//! expires or is pushed out by a newer one is forgotten and its file deleted. Nodes do not
//! share them: a node that does not know an upload asks for the file again.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use platform::clock::Timestamp;
use platform::ids::new_id;

use super::import::spool::{SpoolReader, Spooled};
use super::{Caller, MergePolicy, Vault, VaultError};
use crate::model::FieldErrors;

/// How long an upload waits for its mapping.
pub const KEPT_FOR: Duration = Duration::from_secs(30 * 60);

/// Uploads kept per tenant; a newer one pushes the oldest out.
pub const MAX_PER_TENANT: usize = 3;

/// An upload as its mapping page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldUpload {
    pub id: String,
    /// The names of its columns, from its first line.
    pub headers: Vec<String>,
    pub merge: MergePolicy,
}

struct Held {
    upload: HeldUpload,
    spooled: Spooled,
    kept_at: Timestamp,
}

/// The uploads of every tenant waiting for their mapping. Cloning shares them.
#[derive(Clone, Default)]
pub struct PendingUploads {
    tenants: Arc<Mutex<HashMap<String, Vec<Held>>>>,
}

impl PendingUploads {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the column names of `spooled` and keeps it for the caller's tenant until its
    /// columns are mapped. A file whose first line cannot name columns is refused here.
    pub async fn hold(
        &self,
        vault: &Vault,
        caller: &Caller,
        spooled: Spooled,
        merge: MergePolicy,
    ) -> Result<HeldUpload, VaultError> {
        let (spooled, headers) = tokio::task::spawn_blocking(move || {
            let headers = spooled
                .open()
                .map_err(|_| unreadable())
                .and_then(column_names);
            (spooled, headers)
        })
        .await
        .map_err(|_| VaultError::BadInput("the file could not be read".into()))?;
        let upload = HeldUpload {
            id: new_id("upl"),
            headers: headers?,
            merge,
        };
        let pushed_out = self.keep(&caller.tenant_id, upload.clone(), spooled, vault.now());
        drop(pushed_out);
        Ok(upload)
    }

    /// The caller's upload `id`, if it is still kept.
    pub fn get(&self, vault: &Vault, caller: &Caller, id: &str) -> Option<HeldUpload> {
        let mut tenants = self.lock();
        let expired = sweep(&mut tenants, vault.now());
        let found = tenants
            .get(&caller.tenant_id)?
            .iter()
            .find(|held| held.upload.id == id)
            .map(|held| held.upload.clone());
        drop(tenants);
        drop(expired);
        found
    }

    /// Takes the caller's upload `id` for its import, with a reader of the whole file. The
    /// upload is no longer kept: give it back with [`Self::give_back`] if the import is
    /// refused, so that the person can correct the mapping.
    pub fn take(
        &self,
        vault: &Vault,
        caller: &Caller,
        id: &str,
    ) -> Option<(HeldUpload, Spooled, SpoolReader)> {
        let held = self.take_at(&caller.tenant_id, id, vault.now())?;
        match held.spooled.open() {
            Ok(reader) => Some((held.upload, held.spooled, reader)),
            Err(err) => {
                tracing::warn!(error = %err, "a spooled upload could not be read again");
                None
            }
        }
    }

    /// Keeps an upload taken by [`Self::take`] again.
    pub fn give_back(&self, vault: &Vault, caller: &Caller, upload: HeldUpload, spooled: Spooled) {
        let pushed_out = self.keep(&caller.tenant_id, upload, spooled, vault.now());
        drop(pushed_out);
    }

    /// Keeps an upload; returns those that expired or were pushed out, for the caller to
    /// drop (deleting their files) outside the lock.
    fn keep(
        &self,
        tenant_id: &str,
        upload: HeldUpload,
        spooled: Spooled,
        now: Timestamp,
    ) -> Vec<Held> {
        let mut tenants = self.lock();
        let mut gone = sweep(&mut tenants, now);
        let held = tenants.entry(tenant_id.to_owned()).or_default();
        while held.len() >= MAX_PER_TENANT {
            gone.push(held.remove(0));
        }
        held.push(Held {
            upload,
            spooled,
            kept_at: now,
        });
        gone
    }

    fn take_at(&self, tenant_id: &str, id: &str, now: Timestamp) -> Option<Held> {
        let mut tenants = self.lock();
        let expired = sweep(&mut tenants, now);
        let held = tenants.get_mut(tenant_id)?;
        let index = held.iter().position(|h| h.upload.id == id)?;
        let taken = held.remove(index);
        if held.is_empty() {
            tenants.remove(tenant_id);
        }
        drop(tenants);
        drop(expired);
        Some(taken)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Held>>> {
        // A panic while holding the lock cannot leave the map half-changed: keep using it.
        self.tenants.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Removes every upload older than [`KEPT_FOR`], and tenants left with none.
fn sweep(tenants: &mut HashMap<String, Vec<Held>>, now: Timestamp) -> Vec<Held> {
    let oldest = now.as_millis() - i64::try_from(KEPT_FOR.as_millis()).unwrap_or(i64::MAX);
    let mut expired = Vec::new();
    for held in tenants.values_mut() {
        let (keep, gone): (Vec<Held>, Vec<Held>) = std::mem::take(held)
            .into_iter()
            .partition(|h| h.kept_at.as_millis() > oldest);
        *held = keep;
        expired.extend(gone);
    }
    tenants.retain(|_, held| !held.is_empty());
    expired
}

fn unreadable() -> VaultError {
    file_error("the file could not be read")
}

fn file_error(message: &str) -> VaultError {
    let mut errors = FieldErrors::new();
    errors.insert("file", message);
    VaultError::Invalid(errors)
}

/// The column names of the file's first line, as the import will read them.
fn column_names(source: impl Read) -> Result<Vec<String>, VaultError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(source);
    let record = reader
        .byte_headers()
        .map_err(|_| file_error("the first line is not CSV: it must name the columns"))?;
    let names = record
        .iter()
        .map(|h| {
            std::str::from_utf8(h)
                .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
                .map_err(|_| file_error("invalid UTF-8 in the first line: save the file as UTF-8"))
        })
        .collect::<Result<Vec<String>, VaultError>>()?;
    if names.is_empty() {
        return Err(file_error(
            "the file is empty: its first line must name the columns",
        ));
    }
    if names.iter().all(String::is_empty) {
        return Err(file_error("the first line must name the columns"));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use platform::clock::Timestamp;

    use super::{HeldUpload, KEPT_FOR, MAX_PER_TENANT, PendingUploads, column_names};
    use crate::service::MergePolicy;
    use crate::service::import::spool::{Spooled, write};

    async fn spooled(dir: &std::path::Path, text: &'static str) -> Spooled {
        let body = futures_util::stream::iter([Ok::<_, std::io::Error>(
            bytes::Bytes::from_static(text.as_bytes()),
        )]);
        write(dir, body, u64::MAX).await.unwrap()
    }

    fn upload(id: &str) -> HeldUpload {
        HeldUpload {
            id: id.to_owned(),
            headers: vec!["name".into()],
            merge: MergePolicy::Skip,
        }
    }

    fn files(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).unwrap().count()
    }

    #[tokio::test]
    async fn uploads_are_kept_per_tenant_a_few_at_a_time_for_half_an_hour() {
        let dir = std::env::temp_dir().join(platform::ids::new_id("uploadstest"));
        let pending = PendingUploads::new();
        let start = Timestamp::from_millis(1_000_000);
        for i in 0..=MAX_PER_TENANT {
            let file = spooled(&dir, "name\nAda\n").await;
            drop(pending.keep("ten_a", upload(&format!("upl_{i}")), file, start));
        }
        assert_eq!(files(&dir), MAX_PER_TENANT, "the oldest was pushed out");
        assert!(pending.take_at("ten_a", "upl_0", start).is_none());
        assert!(
            pending.take_at("ten_b", "upl_1", start).is_none(),
            "another tenant's upload is not found"
        );
        let taken = pending.take_at("ten_a", "upl_1", start).unwrap();
        assert_eq!(taken.upload, upload("upl_1"));
        assert!(
            pending.take_at("ten_a", "upl_1", start).is_none(),
            "taken once"
        );
        drop(taken);
        let late = start.plus(KEPT_FOR);
        assert!(pending.take_at("ten_a", "upl_2", late).is_none(), "expired");
        assert_eq!(files(&dir), 0, "expired uploads lose their files");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_first_line_names_the_columns() {
        assert_eq!(
            column_names("\u{feff}Name , Phone number\nAda,+44\n".as_bytes()).unwrap(),
            vec!["Name".to_owned(), "Phone number".to_owned()]
        );
        assert!(column_names("".as_bytes()).is_err());
        assert!(column_names(&b"na\xffme\n"[..]).is_err());
    }
}
