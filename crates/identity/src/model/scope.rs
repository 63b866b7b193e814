//! What an API token may do. A token holds a set of scopes chosen when it is created.

use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    ContactsRead,
    ContactsWrite,
    AccessLogRead,
    ReportsWrite,
}

impl Scope {
    pub const ALL: [Self; 4] = [
        Self::ContactsRead,
        Self::ContactsWrite,
        Self::AccessLogRead,
        Self::ReportsWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ContactsRead => "contacts:read",
            Self::ContactsWrite => "contacts:write",
            Self::AccessLogRead => "access-log:read",
            Self::ReportsWrite => "reports:write",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::ContactsRead => "read contacts",
            Self::ContactsWrite => "create, change and delete contacts",
            Self::AccessLogRead => "read the access log",
            Self::ReportsWrite => "submit vulnerability reports",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == text)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-empty set of scopes, stored as space-separated names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(BTreeSet<Scope>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopesError {
    #[error("choose at least one scope")]
    Empty,
    #[error(
        "`{0}` is not a scope; scopes are contacts:read, contacts:write, access-log:read and reports:write"
    )]
    Unknown(String),
}

impl Scopes {
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, ScopesError> {
        let mut set = BTreeSet::new();
        for name in names.into_iter().flat_map(str::split_whitespace) {
            set.insert(Scope::parse(name).ok_or_else(|| ScopesError::Unknown(name.to_owned()))?);
        }
        if set.is_empty() {
            return Err(ScopesError::Empty);
        }
        Ok(Self(set))
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    pub fn to_text(&self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_from_names_and_refuse_unknown_or_none() {
        let scopes = Scopes::parse(["contacts:write contacts:read", "contacts:read"]).unwrap();
        assert_eq!(scopes.to_text(), "contacts:read contacts:write");
        assert!(scopes.contains(Scope::ContactsRead));
        assert!(!scopes.contains(Scope::ReportsWrite));
        assert_eq!(Scopes::parse([" "]), Err(ScopesError::Empty));
        assert_eq!(
            Scopes::parse(["admin"]),
            Err(ScopesError::Unknown("admin".into()))
        );
    }
}
