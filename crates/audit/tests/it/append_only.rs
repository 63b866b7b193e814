//! Nothing in Rampart deletes or edits an audit entry or checkpoint: no statement in the
//! product's code or migrations does, whatever crate it is in. (Tests tamper with the log on
//! purpose and are left out.)

use std::path::{Path, PathBuf};

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "tests" && name != "target" {
                sources(&path, found);
            }
        } else if name.ends_with(".rs") || name.ends_with(".sql") {
            found.push(path);
        }
    }
}

#[test]
fn no_code_or_migration_of_rampart_updates_or_deletes_audit_entries_or_checkpoints() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    sources(&crates, &mut files);
    assert!(files.len() > 50, "the sources were found: {}", files.len());
    let forbidden = [
        "delete from audit_entries",
        "delete from audit_checkpoints",
        "update audit_entries",
        "update audit_checkpoints",
        "drop table audit_",
        "truncate audit_",
        "alter table audit_entries",
    ];
    for file in files {
        // Unit-test modules of a file are tests too.
        let text = std::fs::read_to_string(&file).unwrap().to_lowercase();
        let product = text.split("#[cfg(test)]").next().unwrap_or_default();
        let squeezed: String = product.split_whitespace().collect::<Vec<_>>().join(" ");
        for statement in forbidden {
            assert!(
                !squeezed.contains(statement),
                "{} contains `{statement}`",
                file.display()
            );
        }
    }
}
