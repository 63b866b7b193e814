//! The contact form as the person typed it: built blank, from a stored contact, or from a
//! posted form; shown again as typed when refused; and turned into a [`ContactInput`] that
//! gives every field, so the same input creates and edits.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::contact::{ChannelsInput, FieldDefinitions, FlagsInput};
use crate::model::{Channel, Contact, ContactInput, FieldErrors, FieldKind};

/// A channel's two checkboxes.
#[derive(Debug, Clone)]
pub(super) struct ChannelField {
    /// `call`, `sms` or `email`: the end of the field names and ids.
    pub key: &'static str,
    pub label: &'static str,
    pub consent: bool,
    pub opted_out: bool,
}

/// A custom field of the tenant, with its value as text.
#[derive(Debug, Clone)]
pub(super) struct CustomField {
    pub name: String,
    /// `text`, `number`, `date` or `boolean`: how the field is shown.
    pub kind: &'static str,
    pub value: String,
}

#[derive(Debug, Clone)]
pub(super) struct ContactForm {
    pub name: String,
    /// One per line.
    pub phones: String,
    /// One per line.
    pub emails: String,
    /// Separated by commas.
    pub tags: String,
    pub notes: String,
    pub channels: Vec<ChannelField>,
    pub custom: Vec<CustomField>,
}

pub(super) fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Call => "Phone calls",
        Channel::Sms => "Text messages",
        Channel::Email => "Email",
    }
}

impl ContactForm {
    /// An empty form with a field for each custom field of the tenant.
    pub fn blank(definitions: &FieldDefinitions) -> Self {
        Self {
            name: String::new(),
            phones: String::new(),
            emails: String::new(),
            tags: String::new(),
            notes: String::new(),
            channels: Channel::ALL
                .into_iter()
                .map(|channel| ChannelField {
                    key: channel.as_str(),
                    label: channel_label(channel),
                    consent: false,
                    opted_out: false,
                })
                .collect(),
            custom: definitions
                .iter()
                .map(|(name, kind)| CustomField {
                    name: name.as_str().to_owned(),
                    kind: kind.as_str(),
                    value: String::new(),
                })
                .collect(),
        }
    }

    /// The form filled with a stored contact.
    pub fn of(contact: &Contact, definitions: &FieldDefinitions) -> Self {
        let state = &contact.state;
        let personal = &state.personal;
        let mut form = Self::blank(definitions);
        form.name.clone_from(&personal.name);
        form.phones = lines(personal.phones.iter().map(|p| p.as_str()));
        form.emails = lines(personal.emails.iter().map(|e| e.as_str()));
        form.tags = state
            .tags
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        form.notes.clone_from(&personal.notes);
        for (field, channel) in form.channels.iter_mut().zip(Channel::ALL) {
            let flags = state.channels.get(channel);
            field.consent = flags.consent;
            field.opted_out = flags.opted_out;
        }
        for field in &mut form.custom {
            let value = personal
                .custom
                .iter()
                .find(|(name, _)| name.as_str() == field.name);
            if let Some((_, value)) = value {
                field.value = value.to_text();
            }
        }
        form
    }

    /// The form as posted: `name`, `phones`, `emails`, `tags`, `notes`, the checkboxes
    /// `consent.<channel>` and `opted_out.<channel>`, and `custom.<field>`.
    pub fn posted(pairs: &[(String, String)], definitions: &FieldDefinitions) -> Self {
        let mut form = Self::blank(definitions);
        for (name, value) in pairs {
            match name.as_str() {
                "name" => form.name.clone_from(value),
                "phones" => form.phones.clone_from(value),
                "emails" => form.emails.clone_from(value),
                "tags" => form.tags.clone_from(value),
                "notes" => form.notes.clone_from(value),
                other => form.set_other(other, value),
            }
        }
        form
    }

    fn set_other(&mut self, name: &str, value: &str) {
        if let Some(channel) = name.strip_prefix("consent.") {
            if let Some(field) = self.channels.iter_mut().find(|c| c.key == channel) {
                field.consent = true;
            }
        } else if let Some(channel) = name.strip_prefix("opted_out.") {
            if let Some(field) = self.channels.iter_mut().find(|c| c.key == channel) {
                field.opted_out = true;
            }
        } else if let Some(custom) = name.strip_prefix("custom.") {
            if let Some(field) = self.custom.iter_mut().find(|c| c.name == custom) {
                field.value = value.to_owned();
            }
        }
    }

    /// Every field of the contact, and the custom values whose text is not of their type
    /// (the vault refuses those too; this names the mistake in the form's own words).
    pub fn input(&self) -> (ContactInput, FieldErrors) {
        let mut early = FieldErrors::new();
        let mut custom = BTreeMap::new();
        for field in &self.custom {
            let value = if field.value.trim().is_empty() {
                Value::Null
            } else {
                match FieldKind::parse(field.kind).map(|kind| kind.check_text(&field.value)) {
                    Some(Ok(value)) => value.to_json(),
                    Some(Err(message)) => {
                        early.insert(format!("custom_fields.{}", field.name), message);
                        Value::String(field.value.clone())
                    }
                    None => Value::String(field.value.clone()),
                }
            };
            custom.insert(field.name.clone(), value);
        }
        let flags = |key: &str| {
            let field = self.channels.iter().find(|c| c.key == key)?;
            Some(FlagsInput {
                consent: Some(field.consent),
                opted_out: Some(field.opted_out),
            })
        };
        let input = ContactInput {
            name: Some(self.name.clone()),
            phones: Some(self.phones.lines().map(str::to_owned).collect()),
            emails: Some(self.emails.lines().map(str::to_owned).collect()),
            tags: Some(self.tags.split(',').map(str::to_owned).collect()),
            notes: Some(self.notes.clone()),
            custom_fields: Some(custom),
            channels: Some(ChannelsInput {
                call: flags(Channel::Call.as_str()),
                sms: flags(Channel::Sms.as_str()),
                email: flags(Channel::Email.as_str()),
            }),
        };
        (input, early)
    }
}

fn lines<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use std::collections::BTreeMap;

    use super::ContactForm;
    use crate::model::{Channel, FieldKind, FieldName};

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_posted_form_gives_every_field_and_shows_again_as_typed() {
        let definitions = BTreeMap::from([
            (FieldName::parse("tier").unwrap(), FieldKind::Number),
            (FieldName::parse("since").unwrap(), FieldKind::Date),
        ]);
        let form = ContactForm::posted(
            &pairs(&[
                ("name", " Ada Lovelace "),
                ("phones", "+44 20 7946 0958\r\n\r\n+33 1 23 45 67 89"),
                ("emails", "ada@example.com"),
                ("tags", "VIP, pioneers"),
                ("notes", "met at the fair"),
                ("opted_out.sms", "on"),
                ("consent.email", "on"),
                ("custom.tier", "three"),
                ("custom.since", ""),
                ("custom.unknown", "x"),
            ]),
            &definitions,
        );
        assert_eq!(form.name, " Ada Lovelace ", "kept as typed");
        let (input, early) = form.input();
        assert_eq!(
            early.get("custom_fields.tier"),
            Some("give a number such as 42 or 3.5")
        );
        let errors = input.apply(None, &definitions).unwrap_err();
        assert!(errors.get("custom_fields.tier").is_some());
        let fixed = ContactForm::posted(
            &pairs(&[
                ("name", "Ada Lovelace"),
                ("phones", "+44 20 7946 0958\r\n+33 1 23 45 67 89"),
                ("tags", "VIP, pioneers"),
                ("opted_out.sms", "on"),
                ("consent.email", "on"),
                ("custom.tier", "3"),
            ]),
            &definitions,
        );
        let (input, early) = fixed.input();
        assert!(early.is_empty());
        let (state, _) = input.apply(None, &definitions).unwrap();
        assert_eq!(state.personal.phones.len(), 2);
        assert_eq!(state.tags.len(), 2);
        assert!(state.channels.get(Channel::Sms).opted_out);
        assert!(state.channels.get(Channel::Email).consent);
        assert!(!state.channels.get(Channel::Call).consent);
        assert_eq!(state.personal.custom.len(), 1);
        let contact = crate::model::Contact {
            id: "ctc_1".into(),
            state,
            created_at: platform::clock::Timestamp::from_millis(0),
            updated_at: platform::clock::Timestamp::from_millis(0),
        };
        let again = ContactForm::of(&contact, &definitions);
        assert_eq!(again.phones, "+442079460958\n+33123456789");
        assert_eq!(again.tags, "vip, pioneers");
        assert_eq!(again.custom[1].name, "tier");
        assert_eq!(again.custom[1].value, "3");
    }
}
