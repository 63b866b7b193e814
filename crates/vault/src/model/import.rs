//! The import's rules: which column feeds which field, and when a row is refused. A row is
//! imported whole or not at all; a refused row is reported by its line and a reason that
//! names the column, never the value.

use std::collections::BTreeMap;

use super::contact::{
    Channel, ChannelFlags, ContactEmail, ContactState, FieldDefinitions, MAX_EMAILS, MAX_NOTES,
    MAX_PHONES, MAX_TAGS, RawValue, Tag, check_list, check_name, set_custom,
};
use super::custom::FieldName;
use super::errors::FieldErrors;
use super::export::unescape_cell;
use super::phone::PhoneE164;

/// The longest cell accepted, in bytes: longer is refused, whatever the column.
pub const MAX_CELL: usize = 10_000;

/// What a column of the file feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Name,
    Phones,
    Emails,
    Tags,
    Notes,
    Consent(ChannelTarget),
    OptOut(ChannelTarget),
    Custom(FieldName),
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelTarget(pub Channel);

impl Target {
    /// The name a column of this target has in exports and in the mapping form.
    pub fn key(&self) -> String {
        match self {
            Self::Name => "name".into(),
            Self::Phones => "phones".into(),
            Self::Emails => "emails".into(),
            Self::Tags => "tags".into(),
            Self::Notes => "notes".into(),
            Self::Consent(ChannelTarget(c)) => format!("consent_{}", c.as_str()),
            Self::OptOut(ChannelTarget(c)) => format!("opt_out_{}", c.as_str()),
            Self::Custom(name) => name.as_str().to_owned(),
            Self::Ignore => "ignore".into(),
        }
    }

    /// Reads a target's key, or a common way of writing a header (`Phone number`, `E-mail`).
    pub fn parse(text: &str, definitions: &FieldDefinitions) -> Option<Self> {
        let key: String = text
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect();
        let key = key.trim_matches('_');
        let target = match key {
            "name" | "full_name" | "contact" | "contact_name" => Self::Name,
            "phone" | "phones" | "phone_number" | "mobile" | "telephone" | "tel" => Self::Phones,
            "email" | "emails" | "e_mail" | "email_address" => Self::Emails,
            "tags" | "tag" | "labels" => Self::Tags,
            "notes" | "note" | "comments" => Self::Notes,
            "ignore" | "" => Self::Ignore,
            other => {
                if let Some(target) = channel_target(other) {
                    return Some(target);
                }
                let name = FieldName::parse(other).ok()?;
                definitions
                    .contains_key(&name)
                    .then_some(Self::Custom(name))?
            }
        };
        Some(target)
    }

    /// Every target a column can be mapped to, for the mapping form.
    pub fn choices(definitions: &FieldDefinitions) -> Vec<Self> {
        let mut all = vec![
            Self::Name,
            Self::Phones,
            Self::Emails,
            Self::Tags,
            Self::Notes,
        ];
        for channel in Channel::ALL {
            all.push(Self::Consent(ChannelTarget(channel)));
            all.push(Self::OptOut(ChannelTarget(channel)));
        }
        all.extend(definitions.keys().cloned().map(Self::Custom));
        all.push(Self::Ignore);
        all
    }
}

fn channel_target(key: &str) -> Option<Target> {
    let (prefix, channel) = key.rsplit_once('_')?;
    let channel = Channel::ALL.into_iter().find(|c| c.as_str() == channel)?;
    match prefix {
        "consent" => Some(Target::Consent(ChannelTarget(channel))),
        "opt_out" | "opted_out" => Some(Target::OptOut(ChannelTarget(channel))),
        _ => None,
    }
}

/// Which column feeds which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    targets: Vec<Target>,
}

impl Mapping {
    /// Maps each header by its name, unless `chosen` (header → target key) says otherwise.
    /// Refuses a file none of whose columns is the name, and headers it cannot place.
    pub fn from_headers(
        headers: &[String],
        chosen: &BTreeMap<String, String>,
        definitions: &FieldDefinitions,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut targets = Vec::with_capacity(headers.len());
        for header in headers {
            let given = chosen.get(header).map_or(header.as_str(), String::as_str);
            match Target::parse(given, definitions) {
                Some(target) => targets.push(target),
                None => {
                    errors.insert(
                        format!("columns.{header}"),
                        "map this column to a field, or to ignore",
                    );
                    targets.push(Target::Ignore);
                }
            }
        }
        for (index, target) in targets.iter().enumerate() {
            let single = matches!(target, Target::Name | Target::Notes);
            if single && targets[..index].contains(target) {
                errors.insert(
                    format!("columns.{}", headers[index]),
                    format!("only one column can be the {}", target.key()),
                );
            }
        }
        if !targets.contains(&Target::Name) {
            errors.insert("columns", "one column must hold the name");
        }
        if errors.is_empty() {
            Ok(Self { targets })
        } else {
            Err(errors)
        }
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// A row as a contact, or the reason it is refused.
    pub fn row(
        &self,
        cells: &csv::ByteRecord,
        headers: &[String],
        definitions: &FieldDefinitions,
    ) -> Result<ContactState, String> {
        if cells.len() > self.targets.len() {
            return Err(format!(
                "too many columns: {} where the header has {}",
                cells.len(),
                self.targets.len()
            ));
        }
        if cells.len() < self.targets.len() {
            return Err(format!(
                "too few columns: {} where the header has {}",
                cells.len(),
                self.targets.len()
            ));
        }
        let mut state = ContactState::default();
        let mut errors = FieldErrors::new();
        for ((target, raw), header) in self.targets.iter().zip(cells).zip(headers) {
            let text = std::str::from_utf8(raw)
                .map(unescape_cell)
                .map_err(|_| format!("invalid UTF-8 in column \"{header}\""))?;
            if text.len() > MAX_CELL {
                return Err(format!(
                    "field too long in column \"{header}\": at most {MAX_CELL} bytes"
                ));
            }
            apply_cell(&mut state, &mut errors, target, text, definitions);
            if let Some((_, message)) = errors.first() {
                return Err(describe(target, header, message));
            }
        }
        Ok(state)
    }
}

fn apply_cell(
    state: &mut ContactState,
    errors: &mut FieldErrors,
    target: &Target,
    text: &str,
    definitions: &FieldDefinitions,
) {
    let split =
        |text: &str| -> Vec<String> { text.split([';', ',', '\n']).map(str::to_owned).collect() };
    let personal = &mut state.personal;
    match target {
        Target::Name => personal.name = check_name(errors, text),
        Target::Phones => {
            let phones = check_list(errors, "phones", &split(text), MAX_PHONES, |raw| {
                PhoneE164::parse(raw).map_err(|err| err.to_string())
            });
            merge(&mut personal.phones, phones);
        }
        Target::Emails => {
            let emails = check_list(
                errors,
                "emails",
                &split(text),
                MAX_EMAILS,
                ContactEmail::parse,
            );
            merge(&mut personal.emails, emails);
        }
        Target::Tags => {
            let tags = check_list(errors, "tags", &split(text), MAX_TAGS, Tag::parse);
            merge(&mut state.tags, tags);
        }
        Target::Notes if text.chars().count() > MAX_NOTES => {
            errors.insert("notes", format!("at most {MAX_NOTES} characters"));
        }
        Target::Notes => personal.notes = text.trim().to_owned(),
        Target::Consent(ChannelTarget(channel)) | Target::OptOut(ChannelTarget(channel)) => {
            let Some(flag) = parse_flag(text) else {
                errors.insert("flag", "give yes or no (or true, false, 1, 0)");
                return;
            };
            let mut flags: ChannelFlags = state.channels.get(*channel);
            if matches!(target, Target::Consent(_)) {
                flags.consent = flag;
            } else {
                flags.opted_out = flag;
            }
            state.channels.set(*channel, flags);
        }
        Target::Custom(name) => set_custom(
            errors,
            personal,
            definitions,
            name.as_str(),
            Some(RawValue::Text(text)),
        ),
        Target::Ignore => {}
    }
}

/// What an imported row does to the contact it matched, under the `update` policy: lists
/// (phones, emails, tags) gain what the row adds; the name, notes, custom values and flags
/// take the row's value where its column is mapped and the cell is not empty. An opt-out is
/// never cleared by an import: only the person's own request, through an edit, does that.
pub fn merge_into(existing: &ContactState, row: &ContactState, targets: &[Target]) -> ContactState {
    let mut next = existing.clone();
    let (personal, incoming) = (&mut next.personal, &row.personal);
    if !incoming.name.is_empty() {
        personal.name.clone_from(&incoming.name);
    }
    if !incoming.notes.is_empty() {
        personal.notes.clone_from(&incoming.notes);
    }
    merge(&mut personal.phones, incoming.phones.clone());
    merge(&mut personal.emails, incoming.emails.clone());
    merge(&mut next.tags, row.tags.clone());
    for (name, value) in &incoming.custom {
        personal.custom.insert(name.clone(), value.clone());
    }
    for target in targets {
        let (Target::Consent(ChannelTarget(channel)) | Target::OptOut(ChannelTarget(channel))) =
            target
        else {
            continue;
        };
        let mut flags = next.channels.get(*channel);
        let given = row.channels.get(*channel);
        if matches!(target, Target::Consent(_)) {
            flags.consent = given.consent;
        } else {
            flags.opted_out |= given.opted_out;
        }
        next.channels.set(*channel, flags);
    }
    next
}

fn merge<T: PartialEq>(into: &mut Vec<T>, more: Vec<T>) {
    for item in more {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "0" | "n" => Some(false),
        "yes" | "true" | "1" | "y" => Some(true),
        _ => None,
    }
}

/// The reason a row is refused: its kind first (`bad phone`, `bad email`, `field too long`),
/// then the column.
fn describe(target: &Target, header: &str, message: &str) -> String {
    let kind = match target {
        Target::Phones => "bad phone",
        Target::Emails => "bad email",
        Target::Name | Target::Notes if message.contains("at most") => "field too long",
        Target::Name => "bad name",
        Target::Tags => "bad tag",
        Target::Custom(_) => "bad value",
        _ => "bad flag",
    };
    format!("{kind} in column \"{header}\": {message}")
}

#[cfg(test)]
mod tests;
