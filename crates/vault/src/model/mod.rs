//! The vault's rules, free of HTTP, SQL and keys: what a valid contact is, how a search is
//! asked, how an imported row becomes a contact, how an exported cell is made safe.

pub mod contact;
pub mod custom;
pub mod errors;
pub mod export;
pub mod import;
pub mod phone;
pub mod search;
pub mod terms;

pub use contact::{Channel, Channels, Contact, ContactInput, Personal, Tag};
pub use custom::{CustomValue, FieldKind, FieldName};
pub use errors::FieldErrors;
pub use phone::PhoneE164;
