//! Roles: what a member of a tenant, or a member of staff, may do.

use std::fmt;

/// A person's role inside their tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Member,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Self; 3] = [Self::Owner, Self::Admin, Self::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Owners and admins invite and remove people.
    pub fn manages_members(self) -> bool {
        self >= Self::Admin
    }

    /// Whether someone with this role may invite, or remove, a person with role `other`:
    /// only an owner may touch owners.
    pub fn may_manage(self, other: Self) -> bool {
        self.manages_members() && (self == Self::Owner || other != Self::Owner)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The role of a member of staff, fixed when the account is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRole {
    Support,
    Manager,
    Security,
}

impl StaffRole {
    pub const ALL: [Self; 3] = [Self::Support, Self::Manager, Self::Security];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Support => "support",
            Self::Manager => "manager",
            Self::Security => "security",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

impl fmt::Display for StaffRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owners_manage_owners_and_members_manage_no_one() {
        let check = |actor: Role, target: Role, expected: bool| {
            assert_eq!(actor.may_manage(target), expected, "{actor} on {target}");
        };
        check(Role::Owner, Role::Owner, true);
        check(Role::Owner, Role::Member, true);
        check(Role::Admin, Role::Admin, true);
        check(Role::Admin, Role::Owner, false);
        check(Role::Member, Role::Member, false);
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        for role in StaffRole::ALL {
            assert_eq!(StaffRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
