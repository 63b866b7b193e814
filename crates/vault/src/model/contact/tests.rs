use std::collections::BTreeMap;

use super::{Channel, ChannelFlags, Channels, ContactInput, FieldDefinitions};
use crate::model::custom::{CustomValue, FieldKind, FieldName};

fn definitions() -> FieldDefinitions {
    BTreeMap::from([(FieldName::parse("tier").unwrap(), FieldKind::Number)])
}

fn input(json: serde_json::Value) -> ContactInput {
    serde_json::from_value(json).unwrap()
}

#[test]
fn a_new_contact_is_normalised_and_every_field_it_sets_is_named() {
    let given = input(serde_json::json!({
        "name": "  Ada Lovelace ",
        "phones": ["+44 20 7946 0958", "0044 20 7946 0958", ""],
        "emails": ["Ada@Example.com"],
        "tags": ["VIP", "vip", "Newsletter"],
        "custom_fields": {"tier": 2},
        "channels": {"email": {"consent": true}}
    }));
    let (state, changed) = given.apply(None, &definitions()).unwrap();
    assert_eq!(state.personal.name, "Ada Lovelace");
    assert_eq!(state.personal.phones.len(), 1, "duplicates collapse");
    assert_eq!(state.personal.emails[0].as_str(), "ada@example.com");
    let tags: Vec<&str> = state.tags.iter().map(|t| t.as_str()).collect();
    assert_eq!(tags, ["vip", "newsletter"]);
    assert_eq!(
        state.personal.custom.values().next(),
        Some(&CustomValue::Number(2.0))
    );
    assert_eq!(
        changed,
        [
            "name",
            "phones",
            "emails",
            "tags",
            "channels.email",
            "custom_fields.tier"
        ]
    );
}

#[test]
fn every_invalid_field_is_reported_and_nothing_is_applied() {
    let given = input(serde_json::json!({
        "name": "",
        "phones": ["020 7946 0958"],
        "emails": ["not an email"],
        "tags": ["a,b"],
        "custom_fields": {"tier": "high", "unknown": 1}
    }));
    let errors = given.apply(None, &definitions()).unwrap_err();
    for field in [
        "name",
        "phones",
        "emails",
        "tags",
        "custom_fields.tier",
        "custom_fields.unknown",
    ] {
        assert!(errors.get(field).is_some(), "{field}: {errors:?}");
    }
}

#[test]
fn a_patch_changes_only_what_it_gives() {
    let (base, _) = input(serde_json::json!({"name": "Ada", "notes": "met at the fair"}))
        .apply(None, &definitions())
        .unwrap();
    let (next, changed) = input(serde_json::json!({"phones": ["+33612345678"]}))
        .apply(Some(&base), &definitions())
        .unwrap();
    assert_eq!(next.personal.name, "Ada");
    assert_eq!(next.personal.notes, "met at the fair");
    assert_eq!(changed, ["phones"]);
    let (_, unchanged) = input(serde_json::json!({"name": "Ada"}))
        .apply(Some(&base), &definitions())
        .unwrap();
    assert!(unchanged.is_empty());
}

#[test]
fn an_opt_out_overrides_consent_and_each_channel_keeps_its_own_bits() {
    let mut channels = Channels::default();
    channels.set(
        Channel::Sms,
        ChannelFlags {
            consent: true,
            opted_out: true,
        },
    );
    channels.set(
        Channel::Email,
        ChannelFlags {
            consent: true,
            opted_out: false,
        },
    );
    assert_eq!(
        channels.get(Channel::Sms),
        ChannelFlags {
            consent: false,
            opted_out: true
        }
    );
    assert!(channels.get(Channel::Email).consent);
    assert_eq!(channels.get(Channel::Call), ChannelFlags::default());
    assert!(channels.any_opted_out());
    assert_eq!(Channels::from_bits(channels.bits()), channels);
}
