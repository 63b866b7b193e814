//! What a page's form shows above and beside its fields after a refusal.

use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct FormState {
    /// Shown above the form.
    pub message: Option<String>,
    /// By field name, shown beside each field.
    pub errors: BTreeMap<String, String>,
}

impl FormState {
    /// A refusal because of the fields named in `errors`.
    pub fn refused(errors: BTreeMap<String, String>) -> Self {
        Self {
            message: Some("Some fields need attention.".into()),
            errors,
        }
    }

    /// What is wrong with `field`, for the template.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_its_fields() {
        let state = FormState::refused(BTreeMap::from([("email".into(), "Not an address".into())]));
        assert_eq!(state.error("email"), Some("Not an address"));
        assert_eq!(state.error("name"), None);
        assert!(state.message.is_some());
        assert!(FormState::default().message.is_none());
    }
}
