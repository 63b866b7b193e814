//! Opaque identifiers: a type prefix and a UUIDv7, so ids sort by creation time and say what
//! they name (`ten_…`, `usr_…`, `req_…`).

use uuid::Uuid;

/// A new id such as `req_01933b4c7e5a7c3d9a0b1c2d3e4f5a6b` for the given prefix.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", Uuid::now_v7().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_sort_by_creation() {
        let first = new_id("req");
        let second = new_id("req");
        assert!(first.starts_with("req_"));
        assert_eq!(first.len(), 4 + 32);
        assert!(first < second);
    }
}
