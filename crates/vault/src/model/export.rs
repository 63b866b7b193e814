//! The export's rules: its columns, and cells a spreadsheet cannot mistake for a formula.

use super::contact::{Channel, Contact, FieldDefinitions};

/// A cell that starts with one of these is run as a formula by spreadsheets (OWASP's CSV
/// injection list); tab and carriage return can hide one behind blank space.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Prefixes a formula-looking cell with `'`, which spreadsheets show as text and hide.
pub fn escape_cell(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Undoes [`escape_cell`], so an exported file imports back as it was.
pub fn unescape_cell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

/// The header row: the built-in columns, then each custom field.
pub fn header(definitions: &FieldDefinitions) -> Vec<String> {
    let mut columns: Vec<String> = [
        "id",
        "name",
        "phones",
        "emails",
        "tags",
        "notes",
        "created_at",
        "updated_at",
    ]
    .map(str::to_owned)
    .to_vec();
    for channel in Channel::ALL {
        columns.push(format!("consent_{}", channel.as_str()));
        columns.push(format!("opt_out_{}", channel.as_str()));
    }
    columns.extend(definitions.keys().map(|name| name.as_str().to_owned()));
    columns
}

/// One contact as cells in the order of [`header`], every cell escaped. Phone numbers start
/// with `+` and are escaped like any other cell; importing the file again reads them back.
pub fn row(contact: &Contact, definitions: &FieldDefinitions) -> Vec<String> {
    let state = &contact.state;
    let personal = &state.personal;
    let join = |items: Vec<&str>| items.join("; ");
    let mut cells = vec![
        contact.id.clone(),
        personal.name.clone(),
        join(personal.phones.iter().map(|p| p.as_str()).collect()),
        join(personal.emails.iter().map(|e| e.as_str()).collect()),
        join(state.tags.iter().map(|t| t.as_str()).collect()),
        personal.notes.clone(),
        contact.created_at.rfc3339(),
        contact.updated_at.rfc3339(),
    ];
    for channel in Channel::ALL {
        let flags = state.channels.get(channel);
        cells.push(yes_no(flags.consent));
        cells.push(yes_no(flags.opted_out));
    }
    for name in definitions.keys() {
        cells.push(
            personal
                .custom
                .get(name)
                .map(|value| value.to_text())
                .unwrap_or_default(),
        );
    }
    cells.iter().map(|cell| escape_cell(cell)).collect()
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::escape_cell;

    #[test]
    fn cells_a_spreadsheet_would_run_are_escaped() {
        for (given, expected) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("Ada", "Ada"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(escape_cell(given), expected, "{given:?}");
            assert_eq!(super::unescape_cell(&escape_cell(given)), given);
        }
    }
}
