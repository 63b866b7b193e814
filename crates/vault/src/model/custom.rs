//! Custom fields: each tenant names its own fields and gives each a type; a contact's value
//! for one is checked against that type.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A custom field's name: lower-case letters, digits and `_`, starting with a letter, at
/// most 40 characters, and not the name of a built-in column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldName(String);

/// Names the import and export already use for built-in columns.
pub const RESERVED: &[&str] = &[
    "id",
    "name",
    "phone",
    "phones",
    "email",
    "emails",
    "tags",
    "notes",
    "created_at",
    "updated_at",
    "consent_call",
    "consent_sms",
    "consent_email",
    "opt_out_call",
    "opt_out_sms",
    "opt_out_email",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidFieldName {
    #[error(
        "a field name has 1 to 40 lower-case letters, digits or underscores and starts with a letter"
    )]
    Shape,
    #[error("that name belongs to a built-in field; choose another")]
    Reserved,
}

impl FieldName {
    pub fn parse(raw: &str) -> Result<Self, InvalidFieldName> {
        let shaped = (1..=40).contains(&raw.len())
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !shaped {
            return Err(InvalidFieldName::Shape);
        }
        if RESERVED.contains(&raw) {
            return Err(InvalidFieldName::Reserved);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FieldName {
    type Error = InvalidFieldName;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<FieldName> for String {
    fn from(value: FieldName) -> Self {
        value.0
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Boolean,
}

impl FieldKind {
    pub const ALL: [Self; 4] = [Self::Text, Self::Number, Self::Date, Self::Boolean];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Boolean => "boolean",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// Checks a value given as JSON (the API).
    pub fn check_json(self, value: &serde_json::Value) -> Result<CustomValue, String> {
        use serde_json::Value as J;
        match (self, value) {
            (Self::Text, J::String(text)) => text_value(text),
            (Self::Number, J::Number(number)) => number
                .as_f64()
                .filter(|n| n.is_finite())
                .map(CustomValue::Number)
                .ok_or_else(|| "give a finite number".to_owned()),
            (Self::Date, J::String(text)) => date_value(text),
            (Self::Boolean, J::Bool(flag)) => Ok(CustomValue::Boolean(*flag)),
            (kind, _) => Err(format!("this field holds a {}", kind.describe())),
        }
    }

    /// Checks a value given as text (a CSV cell or a form field).
    pub fn check_text(self, text: &str) -> Result<CustomValue, String> {
        let text = text.trim();
        match self {
            Self::Text => text_value(text),
            Self::Number => text
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(CustomValue::Number)
                .ok_or_else(|| "give a number such as 42 or 3.5".to_owned()),
            Self::Date => date_value(text),
            Self::Boolean => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok(CustomValue::Boolean(true)),
                "false" | "no" | "0" => Ok(CustomValue::Boolean(false)),
                _ => Err("give true or false".to_owned()),
            },
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Text => "text string",
            Self::Number => "number",
            Self::Date => "date as YYYY-MM-DD",
            Self::Boolean => "true or false",
        }
    }
}

/// The longest text value of a custom field, in characters.
pub const MAX_TEXT: usize = 1_000;

fn text_value(text: &str) -> Result<CustomValue, String> {
    if text.chars().count() > MAX_TEXT {
        Err(format!("at most {MAX_TEXT} characters"))
    } else {
        Ok(CustomValue::Text(text.to_owned()))
    }
}

fn date_value(text: &str) -> Result<CustomValue, String> {
    let bad = || "give a date as YYYY-MM-DD".to_owned();
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (Ok(year), Ok(month), Ok(day)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>())
    else {
        return Err(bad());
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if day == 0 || day > days {
        return Err(bad());
    }
    Ok(CustomValue::Text(text.to_owned()))
}

/// A custom field's value. A date is kept as its checked `YYYY-MM-DD` text: its field's
/// type says it is a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CustomValue {
    Boolean(bool),
    Number(f64),
    Text(String),
}

impl CustomValue {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Boolean(flag) => serde_json::Value::Bool(*flag),
            Self::Number(n) => serde_json::Number::from_f64(*n)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Self::Text(text) => serde_json::Value::String(text.clone()),
        }
    }

    /// The value as one CSV cell or form field.
    pub fn to_text(&self) -> String {
        match self {
            Self::Boolean(flag) => flag.to_string(),
            Self::Number(n) => n.to_string(),
            Self::Text(text) => text.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{CustomValue, FieldKind, FieldName, InvalidFieldName};

    #[test]
    fn field_names_are_plain_identifiers_other_than_the_built_in_ones() {
        assert!(FieldName::parse("loyalty_tier").is_ok());
        assert_eq!(FieldName::parse("Tier"), Err(InvalidFieldName::Shape));
        assert_eq!(FieldName::parse("1tier"), Err(InvalidFieldName::Shape));
        assert_eq!(FieldName::parse(""), Err(InvalidFieldName::Shape));
        assert_eq!(FieldName::parse("email"), Err(InvalidFieldName::Reserved));
    }

    #[test]
    fn values_are_checked_against_their_field_type() {
        let check = |kind: FieldKind, text: &str| kind.check_text(text).ok();
        assert_eq!(
            check(FieldKind::Number, "3.5"),
            Some(CustomValue::Number(3.5))
        );
        assert_eq!(check(FieldKind::Number, "NaN"), None);
        assert_eq!(check(FieldKind::Number, "three"), None);
        assert_eq!(
            check(FieldKind::Date, "2024-02-29"),
            Some(CustomValue::Text("2024-02-29".into()))
        );
        assert_eq!(check(FieldKind::Date, "2023-02-29"), None);
        assert_eq!(check(FieldKind::Date, "2023-13-01"), None);
        assert_eq!(check(FieldKind::Date, "1/2/2023"), None);
        assert_eq!(
            check(FieldKind::Boolean, "Yes"),
            Some(CustomValue::Boolean(true))
        );
        assert_eq!(check(FieldKind::Boolean, "maybe"), None);
        assert!(FieldKind::Text.check_text(&"x".repeat(1_001)).is_err());
        assert!(
            FieldKind::Number
                .check_json(&serde_json::json!("4"))
                .is_err()
        );
        assert!(
            FieldKind::Boolean
                .check_json(&serde_json::json!(true))
                .is_ok()
        );
    }
}
