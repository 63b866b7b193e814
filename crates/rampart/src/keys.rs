//! The master key at start and at rotation.
//!
//! `rampart keys rotate` writes the new key beside the current one as `<key>.next`, then, in
//! one transaction, re-wraps every tenant's data key (vault), re-seals every TOTP secret
//! (identity) and records the new key's id; only then does `<key>.next` replace the key file,
//! the old one kept as `<key>.retired-<id>`. A crash between the commit and the rename is
//! finished at the next start: the database names the key in `<key>.next`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use audit::{Actor, AuditLog, Event};
use platform::clock::Timestamp;
use platform::config::Config;
use platform::crypto::{MasterKey, write_private_file};
use platform::db::Db;
use platform::db::key_check::{record_rotation, recorded_key_id, verify_master_key};

/// Where the master key lives: the configured file, or `<data_dir>/master.key`.
pub fn key_path(config: &Config) -> PathBuf {
    config
        .keys
        .master_key_file
        .clone()
        .unwrap_or_else(|| config.server.data_dir.join("master.key"))
}

fn next_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".next");
    PathBuf::from(name)
}

/// The master key, generated on first start (returns whether it was), checked against the
/// database; a rotation that committed but did not finish renaming is finished here.
pub async fn load(config: &Config, db: &Db, now: Timestamp) -> anyhow::Result<(MasterKey, bool)> {
    let path = key_path(config);
    let next = next_path(&path);
    if next.exists() {
        finish_interrupted_rotation(db, &path, &next).await?;
    }
    let (key, generated) = MasterKey::load_or_create(
        &config.server.data_dir,
        config.keys.master_key_file.as_deref(),
    )?;
    verify_master_key(db, key.id(), now).await?;
    Ok((key, generated))
}

async fn finish_interrupted_rotation(db: &Db, path: &Path, next: &Path) -> anyhow::Result<()> {
    let pending = MasterKey::from_file(next)?;
    if recorded_key_id(db).await?.as_deref() == Some(pending.id()) {
        let current = MasterKey::from_file(path)?;
        retire(path, next, current.id())?;
        tracing::warn!(
            key = pending.id(),
            "finished a master key rotation that was interrupted"
        );
    } else {
        // The rotation never committed: the database still uses the current key.
        std::fs::remove_file(next)
            .with_context(|| format!("cannot remove the unused key {}", next.display()))?;
    }
    Ok(())
}

/// Keeps the old key as `<key>.retired-<id>` and puts the new one in its place.
fn retire(path: &Path, next: &Path, old_id: &str) -> anyhow::Result<PathBuf> {
    let mut retired = path.as_os_str().to_owned();
    retired.push(format!(".retired-{old_id}"));
    let retired = PathBuf::from(retired);
    std::fs::rename(path, &retired)
        .with_context(|| format!("cannot move the old key to {}", retired.display()))?;
    std::fs::rename(next, path)
        .with_context(|| format!("cannot move the new key to {}", path.display()))?;
    Ok(retired)
}

/// What a rotation did.
#[derive(Debug)]
pub struct Rotated {
    pub old_id: String,
    pub new_id: String,
    pub data_keys: usize,
    pub totp_secrets: usize,
    pub retired: PathBuf,
}

/// Rotates the master key of a database nobody is serving.
pub async fn rotate(
    config: &Config,
    db: &Db,
    old: &MasterKey,
    audit: &AuditLog,
    now: Timestamp,
) -> anyhow::Result<Rotated> {
    let path = key_path(config);
    let next = next_path(&path);
    let bytes = MasterKey::generate_bytes();
    write_private_file(&next, format!("{}\n", hex::encode(bytes)).as_bytes())
        .with_context(|| format!("cannot write the new key to {}", next.display()))?;
    let new = MasterKey::from_bytes(&bytes);
    let committed = async {
        let mut tx = db.begin().await?;
        let vault = vault::service::rewrap_data_keys(&mut tx, old, &new, now)
            .await
            .map_err(|err| anyhow::anyhow!("cannot re-wrap the vault's data keys: {err}"))?;
        let totp = identity::service::reseal_secrets(&mut tx, old, &new)
            .await
            .map_err(|err| anyhow::anyhow!("cannot re-seal the TOTP secrets: {err}"))?;
        let attachments = disclosure::service::rewrap_attachments_key(&mut tx, old, &new)
            .await
            .map_err(|err| anyhow::anyhow!("cannot re-seal the attachments key: {err}"))?;
        record_rotation(&mut tx, new.id(), now).await?;
        let event = Event::new(Actor::system("cli"), "platform.master_key.rotate")
            .resource("master_key", [old.id(), new.id()])
            .details(format!(
                "data_keys={} totp_secrets={totp} attachments_key={attachments}",
                vault.data_keys
            ));
        audit.record(&mut tx, event).await?;
        tx.commit().await.map_err(platform::db::DbError::from)?;
        Ok::<_, anyhow::Error>((vault.data_keys, totp))
    };
    let (data_keys, totp_secrets) = match committed.await {
        Ok(counts) => counts,
        Err(err) => {
            let _ = std::fs::remove_file(&next);
            return Err(err);
        }
    };
    let retired = retire(&path, &next, old.id())?;
    Ok(Rotated {
        old_id: old.id().to_owned(),
        new_id: new.id().to_owned(),
        data_keys,
        totp_secrets,
        retired,
    })
}
