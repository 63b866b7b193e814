//! Nothing in Rampart deletes or edits an audit entry or checkpoint: no statement in the
//! product's code or migrations does, whatever crate it is in. (Tests tamper with the log on
//! purpose and are left out.) The one change to the table allowed is adding a nullable column
//! with no default, which leaves every existing row as it was.

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
        for change in squeezed.split("alter table audit_entries ").skip(1) {
            let statement = change.split(';').next().unwrap_or_default().trim();
            assert!(
                adds_a_nullable_column(statement),
                "{} changes audit_entries other than by adding a nullable column: `{statement}`",
                file.display()
            );
        }
    }
}

/// `add column <name> <type>` and nothing more: no default, no `not null`, nothing that
/// writes into the rows already there.
fn adds_a_nullable_column(statement: &str) -> bool {
    matches!(
        statement.split(' ').collect::<Vec<_>>()[..],
        ["add", "column", _, "text" | "bigint" | "bytea"]
    )
}

#[test]
fn only_adding_a_nullable_column_to_the_entries_is_allowed() {
    for (statement, allowed) in [
        ("add column details text", true),
        ("add column n bigint", true),
        ("add column details text default 'x'", false),
        ("add column details text not null", false),
        ("drop column client_ip", false),
        ("rename column action to verb", false),
        ("alter column action type bytea", false),
        ("rename to old_entries", false),
    ] {
        assert_eq!(adds_a_nullable_column(statement), allowed, "{statement}");
    }
}
