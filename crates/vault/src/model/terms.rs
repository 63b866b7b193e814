//! What a contact can be found by: the exact phone numbers and email addresses, the words of
//! its name, its tags. Each becomes a term that `keys` turns into a keyed blind index, so
//! the database holds no searchable plaintext.

use super::contact::ContactState;

/// The kind of a term: part of what is hashed, so a phone can never match a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermKind {
    Phone,
    Email,
    NameWord,
    Tag,
    /// A whole name, lower-cased: how an import recognises, in memory, a row it already
    /// saw that has neither phone nor email. Never stored.
    FullName,
}

impl TermKind {
    pub fn label(self) -> &'static [u8] {
        match self {
            Self::Phone => b"phone",
            Self::Email => b"email",
            Self::NameWord => b"word",
            Self::Tag => b"tag",
            Self::FullName => b"fullname",
        }
    }
}

/// At most this many words of a name are indexed.
pub const MAX_NAME_WORDS: usize = 16;

/// The words of a name as the index sees them: lower-cased runs of letters and digits.
pub fn name_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        if !words.contains(&word) {
            words.push(word);
        }
        if words.len() == MAX_NAME_WORDS {
            break;
        }
    }
    words
}

/// Every term of a contact, without duplicates.
pub fn terms_of(state: &ContactState) -> Vec<(TermKind, String)> {
    let personal = &state.personal;
    let mut terms = Vec::new();
    terms.extend(
        personal
            .phones
            .iter()
            .map(|p| (TermKind::Phone, p.as_str().to_owned())),
    );
    terms.extend(
        personal
            .emails
            .iter()
            .map(|e| (TermKind::Email, e.as_str().to_owned())),
    );
    terms.extend(
        name_words(&personal.name)
            .into_iter()
            .map(|w| (TermKind::NameWord, w)),
    );
    terms.extend(
        state
            .tags
            .iter()
            .map(|t| (TermKind::Tag, t.as_str().to_owned())),
    );
    terms
}

#[cfg(test)]
mod tests {
    use super::name_words;

    #[test]
    fn name_words_are_lower_cased_runs_of_letters_and_digits() {
        assert_eq!(
            name_words("Ada  Lovelace-Byron"),
            ["ada", "lovelace", "byron"]
        );
        assert_eq!(name_words("ÉMILE Zola zola"), ["émile", "zola"]);
        assert!(name_words(" -- ").is_empty());
    }
}
