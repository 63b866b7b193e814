//! How a tenant asks for contacts: exact phone, exact email, a tag, words of the name, and
//! whether any channel is opted out; and the page it wants.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::contact::{ContactEmail, Tag};
use super::errors::FieldErrors;
use super::phone::PhoneE164;
use super::terms::{TermKind, name_words};

/// A search as given, before checking: the query string of the API and the list page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SearchInput {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub tag: Option<String>,
    /// Words of the name, all of which must match (whole words, any case).
    pub q: Option<String>,
    pub opted_out: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A checked search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// Terms every result must have.
    pub terms: Vec<(TermKind, String)>,
    pub opted_out: Option<bool>,
}

/// Which page of the results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    /// Results start after this contact id.
    pub after: Option<String>,
}

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

impl SearchInput {
    pub fn check(&self) -> Result<(Search, PageRequest), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut terms = Vec::new();
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        if let Some(phone) = given(&self.phone) {
            match PhoneE164::parse(&phone) {
                Ok(phone) => terms.push((TermKind::Phone, phone.as_str().to_owned())),
                Err(err) => errors.insert("phone", err.to_string()),
            }
        }
        if let Some(email) = given(&self.email) {
            match ContactEmail::parse(&email) {
                Ok(email) => terms.push((TermKind::Email, email.as_str().to_owned())),
                Err(err) => errors.insert("email", err),
            }
        }
        if let Some(tag) = given(&self.tag) {
            match Tag::parse(&tag) {
                Ok(tag) => terms.push((TermKind::Tag, tag.as_str().to_owned())),
                Err(err) => errors.insert("tag", err),
            }
        }
        if let Some(q) = given(&self.q) {
            terms.extend(name_words(&q).into_iter().map(|w| (TermKind::NameWord, w)));
        }
        let opted_out = match given(&self.opted_out).as_deref() {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                errors.insert("opted_out", "give true or false");
                None
            }
        };
        let limit = match given(&self.limit) {
            None => DEFAULT_LIMIT,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    errors.insert("limit", format!("give a number from 1 to {MAX_LIMIT}"));
                    DEFAULT_LIMIT
                }
            },
        };
        let after = match given(&self.cursor) {
            None => None,
            Some(cursor) => match decode_cursor(&cursor) {
                Some(id) => Some(id),
                None => {
                    errors.insert(
                        "cursor",
                        "this cursor is not one Rampart gave; start again without it",
                    );
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((Search { terms, opted_out }, PageRequest { limit, after }))
    }
}

const CURSOR_PREFIX: &str = "after:";

/// The opaque cursor that continues after the contact `id`.
pub fn encode_cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{id}"))
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let id = text.strip_prefix(CURSOR_PREFIX)?;
    let plausible = id.starts_with("ctc_")
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    plausible.then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{SearchInput, encode_cursor};
    use crate::model::terms::TermKind;

    #[test]
    fn a_search_becomes_terms_and_a_page() {
        let input = SearchInput {
            phone: Some("+44 20 7946 0958".into()),
            q: Some("Ada LOVELACE".into()),
            opted_out: Some("false".into()),
            limit: Some("10".into()),
            cursor: Some(encode_cursor("ctc_0192abc")),
            ..SearchInput::default()
        };
        let (search, page) = input.check().unwrap();
        assert_eq!(
            search.terms,
            [
                (TermKind::Phone, "+442079460958".to_owned()),
                (TermKind::NameWord, "ada".to_owned()),
                (TermKind::NameWord, "lovelace".to_owned()),
            ]
        );
        assert_eq!(search.opted_out, Some(false));
        assert_eq!(page.limit, 10);
        assert_eq!(page.after.as_deref(), Some("ctc_0192abc"));
    }

    #[test]
    fn bad_parameters_are_each_named() {
        let input = SearchInput {
            phone: Some("12".into()),
            email: Some("nope".into()),
            opted_out: Some("maybe".into()),
            limit: Some("500".into()),
            cursor: Some("garbage!".into()),
            ..SearchInput::default()
        };
        let errors = input.check().unwrap_err();
        for field in ["phone", "email", "opted_out", "limit", "cursor"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }
}
