use std::collections::BTreeMap;

use super::{Mapping, Target};
use crate::model::contact::{Channel, FieldDefinitions};
use crate::model::custom::{FieldKind, FieldName};

fn definitions() -> FieldDefinitions {
    BTreeMap::from([(FieldName::parse("tier").unwrap(), FieldKind::Number)])
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

fn record(cells: &[&[u8]]) -> csv::ByteRecord {
    csv::ByteRecord::from(cells.to_vec())
}

#[test]
fn headers_map_by_their_usual_names_or_as_chosen() {
    let given = headers(&[
        "Full Name",
        "Phone number",
        "E-mail",
        "Opt out SMS",
        "Tier",
        "Extra",
    ]);
    let chosen = BTreeMap::from([("Extra".to_owned(), "ignore".to_owned())]);
    let mapping = Mapping::from_headers(&given, &chosen, &definitions()).unwrap();
    assert_eq!(mapping.targets()[0], Target::Name);
    assert_eq!(mapping.targets()[1], Target::Phones);
    assert_eq!(mapping.targets()[2], Target::Emails);
    assert_eq!(mapping.targets()[3].key(), "opt_out_sms");
    assert_eq!(mapping.targets()[4].key(), "tier");
    assert_eq!(mapping.targets()[5], Target::Ignore);
}

#[test]
fn a_file_without_a_name_column_or_with_unknown_columns_is_refused() {
    let errors = Mapping::from_headers(
        &headers(&["phone", "mystery"]),
        &BTreeMap::new(),
        &definitions(),
    )
    .unwrap_err();
    assert!(errors.get("columns").is_some());
    assert!(errors.get("columns.mystery").is_some());
}

#[test]
fn each_bad_row_is_refused_with_its_kind_and_column() {
    let names = headers(&["name", "phone", "email", "notes", "tier", "consent_sms"]);
    let mapping = Mapping::from_headers(&names, &BTreeMap::new(), &definitions()).unwrap();
    let check = |cells: &[&[u8]], expected: &str| {
        let result = mapping.row(&record(cells), &names, &definitions());
        match (result, expected) {
            (Ok(_), "") => {}
            (Err(reason), prefix) if !prefix.is_empty() => {
                assert!(
                    reason.starts_with(prefix),
                    "{reason:?} should start {prefix:?}"
                );
            }
            (other, _) => panic!("{cells:?}: {other:?}, expected {expected:?}"),
        }
    };
    let long = "x".repeat(10_001);
    let long_name = "n".repeat(201);
    check(
        &[
            b"Ada",
            b"+442079460958",
            b"ada@example.com",
            b"",
            b"3",
            b"yes",
        ],
        "",
    );
    check(
        &[b"Ada", b"07946 0958", b"", b"", b"", b""],
        "bad phone in column \"phone\"",
    );
    check(
        &[b"Ada", b"", b"ada@", b"", b"", b""],
        "bad email in column \"email\"",
    );
    check(
        &[b"Ada\xff", b"", b"", b"", b"", b""],
        "invalid UTF-8 in column \"name\"",
    );
    check(
        &[b"Ada", b"", b"", long.as_bytes(), b"", b""],
        "field too long in column \"notes\"",
    );
    check(
        &[long_name.as_bytes(), b"", b"", b"", b"", b""],
        "field too long in column \"name\"",
    );
    check(
        &[b"Ada", b"", b"", b"", b"", b"", b"extra"],
        "too many columns",
    );
    check(&[b"Ada", b""], "too few columns");
    check(
        &[b"Ada", b"", b"", b"", b"high", b""],
        "bad value in column \"tier\"",
    );
    check(
        &[b"Ada", b"", b"", b"", b"", b"perhaps"],
        "bad flag in column \"consent_sms\"",
    );
    check(
        &[b"", b"", b"", b"", b"", b""],
        "bad name in column \"name\"",
    );
}

#[test]
fn a_row_fills_every_mapped_field() {
    let names = headers(&["name", "phones", "tags", "consent_email", "tier"]);
    let mapping = Mapping::from_headers(&names, &BTreeMap::new(), &definitions()).unwrap();
    let state = mapping
        .row(
            &record(&[
                b"Ada",
                b"+442079460958; +33612345678",
                b"VIP,beta",
                b"yes",
                b"2",
            ]),
            &names,
            &definitions(),
        )
        .unwrap();
    assert_eq!(state.personal.phones.len(), 2);
    assert_eq!(state.tags.len(), 2);
    assert!(state.channels.get(Channel::Email).consent);
    assert_eq!(state.personal.custom.len(), 1);
}
