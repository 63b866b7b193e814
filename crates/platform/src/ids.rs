//! Opaque identifiers: a type prefix and a UUIDv7, so ids sort by creation time and say what
//! they name (`ten_…`, `usr_…`, `req_…`).

use uuid::Uuid;

/// A new id such as `req_01933b4c7e5a7c3d9a0b1c2d3e4f5a6b` for the given prefix.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", Uuid::now_v7().simple())
}

/// Whether `id` has the shape [`new_id`] gives with `prefix`: the prefix, `_`, and 32
/// lower-case hex digits. Ids from a request are checked before they reach a query, so
/// bytes a database refuses (such as NUL) never do.
pub fn is_well_formed(prefix: &str, id: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|hex| {
            hex.len() == 32
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_ids_are_exactly_what_new_id_makes() {
        assert!(is_well_formed("ctc", &new_id("ctc")));
        assert!(!is_well_formed("imp", &new_id("ctc")));
        for bad in [
            "ctc_",
            "ctc_a\0b",
            "ctc_0190F5B2C3D47E8F9A0B1C2D3E4F5A6B",
            "ctc_0190f5b2c3d47e8f9a0b1c2d3e4f5a6",
            "",
        ] {
            assert!(!is_well_formed("ctc", bad), "{bad:?}");
        }
    }

    #[test]
    fn ids_carry_their_prefix_and_sort_by_creation() {
        let first = new_id("req");
        let second = new_id("req");
        assert!(first.starts_with("req_"));
        assert_eq!(first.len(), 4 + 32);
        assert!(first < second);
    }
}
