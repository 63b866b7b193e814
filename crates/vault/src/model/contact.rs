//! A contact: its personal fields (sealed together at rest), its tags, and its consent and
//! opt-out flags per channel; and the checks every change goes through.

use std::collections::BTreeMap;
use std::fmt;

use identity::model::email::Email;
use platform::clock::Timestamp;
use serde::{Deserialize, Serialize};

use super::custom::{CustomValue, FieldKind, FieldName};
use super::errors::FieldErrors;
use super::phone::PhoneE164;

/// Limits that keep one contact small enough to seal, index and show.
pub const MAX_NAME: usize = 200;
pub const MAX_NOTES: usize = 10_000;
pub const MAX_PHONES: usize = 10;
pub const MAX_EMAILS: usize = 10;
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG: usize = 64;

/// An email address of a contact: checked and lower-cased as identity checks its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContactEmail(String);

impl ContactEmail {
    pub fn parse(raw: &str) -> Result<Self, String> {
        Email::parse(raw)
            .map(|email| Self(email.as_str().to_owned()))
            .map_err(|err| err.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ContactEmail {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ContactEmail> for String {
    fn from(value: ContactEmail) -> Self {
        value.0
    }
}

/// A tag: trimmed and lower-cased, so `VIP` and ` vip` are one tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let tag = raw.trim().to_lowercase();
        let length = tag.chars().count();
        if length == 0 || length > MAX_TAG {
            return Err(format!("a tag has 1 to {MAX_TAG} characters"));
        }
        if tag.chars().any(|c| c.is_control() || c == ',' || c == ';') {
            return Err("a tag cannot hold commas, semicolons or control characters".to_owned());
        }
        Ok(Self(tag))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tag {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Tag> for String {
    fn from(value: Tag) -> Self {
        value.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The personal fields of a contact: encrypted together as one record at rest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Personal {
    #[serde(rename = "n")]
    pub name: String,
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<PhoneE164>,
    #[serde(rename = "e", default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<ContactEmail>,
    #[serde(rename = "o", default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    #[serde(rename = "c", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom: BTreeMap<FieldName, CustomValue>,
}

/// A way of reaching a contact, each with its own consent and opt-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Call,
    Sms,
    Email,
}

impl Channel {
    pub const ALL: [Self; 3] = [Self::Call, Self::Sms, Self::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Sms => "sms",
            Self::Email => "email",
        }
    }

    fn shift(self) -> u32 {
        match self {
            Self::Call => 0,
            Self::Sms => 2,
            Self::Email => 4,
        }
    }
}

/// Consent and opt-out for one channel. An opt-out overrides consent: a person who said no
/// is never contacted on that channel, whatever an older consent said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelFlags {
    pub consent: bool,
    pub opted_out: bool,
}

/// Every channel's flags, stored as one small integer of bits so a search by opt-out is one
/// comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Channels(u32);

/// The bits of every channel's opt-out.
pub const OPT_OUT_BITS: i64 = 0b10_1010;

impl Channels {
    pub fn from_bits(bits: i64) -> Self {
        Self(u32::try_from(bits & 0b11_1111).unwrap_or(0))
    }

    pub fn bits(self) -> i64 {
        i64::from(self.0)
    }

    pub fn get(self, channel: Channel) -> ChannelFlags {
        let bits = self.0 >> channel.shift();
        ChannelFlags {
            consent: bits & 1 == 1,
            opted_out: bits & 2 == 2,
        }
    }

    pub fn set(&mut self, channel: Channel, flags: ChannelFlags) {
        let consent = flags.consent && !flags.opted_out;
        let bits = u32::from(consent) | (u32::from(flags.opted_out) << 1);
        self.0 = (self.0 & !(0b11 << channel.shift())) | (bits << channel.shift());
    }

    pub fn any_opted_out(self) -> bool {
        i64::from(self.0) & OPT_OUT_BITS != 0
    }
}

/// What a contact is, apart from its id and times.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactState {
    pub personal: Personal,
    pub tags: Vec<Tag>,
    pub channels: Channels,
}

/// A stored contact, opened.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: String,
    pub state: ContactState,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The custom fields a tenant has defined.
pub type FieldDefinitions = BTreeMap<FieldName, FieldKind>;

/// Flags as a caller may give them: only what is given changes.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagsInput {
    pub consent: Option<bool>,
    pub opted_out: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelsInput {
    pub call: Option<FlagsInput>,
    pub sms: Option<FlagsInput>,
    pub email: Option<FlagsInput>,
}

/// A contact as a caller writes it: every field optional, so the same shape creates (where
/// `name` is required) and patches (where what is absent stays as it was).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub name: Option<String>,
    pub phones: Option<Vec<String>>,
    pub emails: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub notes: Option<String>,
    /// A `null` value removes the field's value.
    pub custom_fields: Option<BTreeMap<String, serde_json::Value>>,
    pub channels: Option<ChannelsInput>,
}

/// Custom field values given as text (forms and CSV cells), or as JSON (the API).
pub enum RawValue<'a> {
    Json(&'a serde_json::Value),
    Text(&'a str),
}

impl ContactInput {
    /// The new state of a contact after this input, and the names of the fields it changed.
    /// `base` is `None` when creating.
    pub fn apply(
        &self,
        base: Option<&ContactState>,
        definitions: &FieldDefinitions,
    ) -> Result<(ContactState, Vec<String>), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut next = base.cloned().unwrap_or_default();
        if let Some(name) = &self.name {
            next.personal.name = check_name(&mut errors, name);
        } else if base.is_none() {
            errors.insert("name", "give the contact a name");
        }
        if let Some(phones) = &self.phones {
            next.personal.phones = check_list(&mut errors, "phones", phones, MAX_PHONES, |raw| {
                PhoneE164::parse(raw).map_err(|err| err.to_string())
            });
        }
        if let Some(emails) = &self.emails {
            next.personal.emails = check_list(
                &mut errors,
                "emails",
                emails,
                MAX_EMAILS,
                ContactEmail::parse,
            );
        }
        if let Some(tags) = &self.tags {
            next.tags = check_list(&mut errors, "tags", tags, MAX_TAGS, Tag::parse);
        }
        if let Some(notes) = &self.notes {
            if notes.chars().count() > MAX_NOTES {
                errors.insert(
                    "notes",
                    format!("notes hold at most {MAX_NOTES} characters"),
                );
            } else {
                next.personal.notes = notes.trim().to_owned();
            }
        }
        if let Some(custom) = &self.custom_fields {
            for (name, value) in custom {
                let value = (!value.is_null()).then_some(RawValue::Json(value));
                set_custom(&mut errors, &mut next.personal, definitions, name, value);
            }
        }
        if let Some(channels) = &self.channels {
            for (channel, given) in [
                (Channel::Call, channels.call),
                (Channel::Sms, channels.sms),
                (Channel::Email, channels.email),
            ] {
                if let Some(given) = given {
                    let mut flags = next.channels.get(channel);
                    if let Some(consent) = given.consent {
                        flags.consent = consent;
                    }
                    if let Some(opted_out) = given.opted_out {
                        flags.opted_out = opted_out;
                    }
                    next.channels.set(channel, flags);
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let changed = changed_fields(base, &next);
        Ok((next, changed))
    }
}

pub(crate) fn check_name(errors: &mut FieldErrors, raw: &str) -> String {
    let name = raw.trim();
    let length = name.chars().count();
    if length == 0 {
        errors.insert("name", "give the contact a name");
    } else if length > MAX_NAME {
        errors.insert(
            "name",
            format!("a name holds at most {MAX_NAME} characters"),
        );
    } else if name.chars().any(char::is_control) {
        errors.insert("name", "a name cannot hold control characters");
    }
    name.to_owned()
}

/// Checks each item, drops blanks and duplicates, and keeps the order given.
pub(crate) fn check_list<T: PartialEq>(
    errors: &mut FieldErrors,
    field: &str,
    raw: &[impl AsRef<str>],
    max: usize,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Vec<T> {
    let mut items = Vec::new();
    for item in raw
        .iter()
        .map(AsRef::as_ref)
        .filter(|s| !s.trim().is_empty())
    {
        match parse(item) {
            Ok(value) if !items.contains(&value) => items.push(value),
            Ok(_) => {}
            Err(message) => errors.insert(field, message),
        }
    }
    if items.len() > max {
        errors.insert(field, format!("at most {max}"));
    }
    items
}

pub(crate) fn set_custom(
    errors: &mut FieldErrors,
    personal: &mut Personal,
    definitions: &FieldDefinitions,
    name: &str,
    value: Option<RawValue<'_>>,
) {
    let key = format!("custom_fields.{name}");
    let Some((field, kind)) = FieldName::parse(name)
        .ok()
        .and_then(|field| definitions.get(&field).map(|kind| (field, *kind)))
    else {
        errors.insert(key, "no such custom field; define it first");
        return;
    };
    let checked = match value {
        None => {
            personal.custom.remove(&field);
            return;
        }
        Some(RawValue::Json(json)) => kind.check_json(json),
        Some(RawValue::Text(text)) if text.trim().is_empty() => {
            personal.custom.remove(&field);
            return;
        }
        Some(RawValue::Text(text)) => kind.check_text(text),
    };
    match checked {
        Ok(value) => {
            personal.custom.insert(field, value);
        }
        Err(message) => errors.insert(key, message),
    }
}

/// The names (never the values) of what differs: what the audit entry of a write records.
pub fn changed_fields(base: Option<&ContactState>, next: &ContactState) -> Vec<String> {
    let empty = ContactState::default();
    let old = base.unwrap_or(&empty);
    let mut changed = Vec::new();
    let mut check = |name: &str, differs: bool| {
        if differs {
            changed.push(name.to_owned());
        }
    };
    check("name", old.personal.name != next.personal.name);
    check("phones", old.personal.phones != next.personal.phones);
    check("emails", old.personal.emails != next.personal.emails);
    check("notes", old.personal.notes != next.personal.notes);
    check("tags", old.tags != next.tags);
    for channel in Channel::ALL {
        let name = format!("channels.{}", channel.as_str());
        check(
            &name,
            old.channels.get(channel) != next.channels.get(channel),
        );
    }
    let names: std::collections::BTreeSet<&FieldName> = old
        .personal
        .custom
        .keys()
        .chain(next.personal.custom.keys())
        .collect();
    for name in names {
        let differs = old.personal.custom.get(name) != next.personal.custom.get(name);
        check(&format!("custom_fields.{name}"), differs);
    }
    changed
}

#[cfg(test)]
mod tests;
