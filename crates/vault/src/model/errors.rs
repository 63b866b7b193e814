//! Validation errors by field, the shape every form and the API's `errors` member take.

use std::collections::BTreeMap;

/// Field name → what is wrong with it, in words the person can act on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the first error of a field: it is usually the one to fix first.
    pub fn insert(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// The first error, for reports that give one reason per row.
    pub fn first(&self) -> Option<(&str, &str)> {
        self.0.iter().next().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
    }
}
