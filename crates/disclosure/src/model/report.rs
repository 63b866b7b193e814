//! What a researcher submits, and the checks it passes before it becomes a report.
//!
//! [`ReportInput`] is the form or JSON body as sent, every field a string so that a missing or
//! mistyped field becomes a message next to that field rather than a refused request.
//! [`ReportInput::validate`] turns it into a [`ValidReport`], whose fields are private so
//! that only validated text reaches the store, or into [`ReportErrors`], one message per
//! field saying what to do. Messages never repeat what was typed: they end up in pages and
//! logs, and a report is an undisclosed vulnerability.
//!
//! CVSS vectors are only trimmed here; `model::cvss` parses and scores them.

use std::collections::BTreeMap;
use std::fmt;

use identity::model::email::Email;
use serde::{Deserialize, Serialize};

/// The classes of vulnerability the policy accepts reports for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VulnerabilityClass {
    CrossSiteScripting,
    CrossSiteRequestForgery,
    SqlInjection,
    MixedContent,
    ManInTheMiddle,
    Authentication,
    Authorisation,
    ServerSideCodeExecution,
    Other,
}

impl VulnerabilityClass {
    pub const ALL: [Self; 9] = [
        Self::CrossSiteScripting,
        Self::CrossSiteRequestForgery,
        Self::SqlInjection,
        Self::MixedContent,
        Self::ManInTheMiddle,
        Self::Authentication,
        Self::Authorisation,
        Self::ServerSideCodeExecution,
        Self::Other,
    ];

    /// The stable name stored in the database and used by the API and the form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrossSiteScripting => "cross_site_scripting",
            Self::CrossSiteRequestForgery => "cross_site_request_forgery",
            Self::SqlInjection => "sql_injection",
            Self::MixedContent => "mixed_content",
            Self::ManInTheMiddle => "man_in_the_middle",
            Self::Authentication => "authentication",
            Self::Authorisation => "authorisation",
            Self::ServerSideCodeExecution => "server_side_code_execution",
            Self::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|class| class.as_str() == text)
    }

    /// Words for the form's choices and the report's page.
    pub fn label(self) -> &'static str {
        match self {
            Self::CrossSiteScripting => "Cross-site scripting (XSS)",
            Self::CrossSiteRequestForgery => "Cross-site request forgery (CSRF)",
            Self::SqlInjection => "SQL injection",
            Self::MixedContent => "Mixed content",
            Self::ManInTheMiddle => "Man-in-the-middle",
            Self::Authentication => "Authentication flaw",
            Self::Authorisation => "Authorisation flaw",
            Self::ServerSideCodeExecution => "Server-side code execution",
            Self::Other => "Other",
        }
    }
}

impl fmt::Display for VulnerabilityClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A report as submitted, before any check. Missing fields are empty rather than errors.
///
/// The rules checkbox must send the value `true` (`<input type="checkbox" value="true">`):
/// an unchecked box sends nothing, which reads as `false`.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReportInput {
    pub title: String,
    /// The class's stored name, such as `sql_injection`.
    pub class: String,
    /// The product and version, or the URL, found vulnerable.
    pub affected: String,
    pub impact: String,
    pub steps: String,
    pub proof_of_concept: String,
    pub cvss_v3: Option<String>,
    pub cvss_v4: Option<String>,
    pub accepted_rules: bool,
    /// A field hidden from people; only a bot fills it in.
    pub honeypot: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
}

/// Leaves the report's text out, so that logging the input cannot leak the vulnerability.
impl fmt::Debug for ReportInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportInput")
            .field("class", &self.class)
            .field("accepted_rules", &self.accepted_rules)
            .finish_non_exhaustive()
    }
}

/// A report whose every field passed its check, ready to be stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidReport {
    title: String,
    class: VulnerabilityClass,
    affected: String,
    impact: String,
    steps: String,
    proof_of_concept: Option<String>,
    cvss_v3: Option<String>,
    cvss_v4: Option<String>,
    reporter_name: Option<String>,
    reporter_email: Option<Email>,
}

impl ValidReport {
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn class(&self) -> VulnerabilityClass {
        self.class
    }
    pub fn affected(&self) -> &str {
        &self.affected
    }
    pub fn impact(&self) -> &str {
        &self.impact
    }
    pub fn steps(&self) -> &str {
        &self.steps
    }
    pub fn proof_of_concept(&self) -> Option<&str> {
        self.proof_of_concept.as_deref()
    }
    /// Trimmed but not yet parsed: see `model::cvss`.
    pub fn cvss_v3(&self) -> Option<&str> {
        self.cvss_v3.as_deref()
    }
    /// Trimmed but not yet parsed: see `model::cvss`.
    pub fn cvss_v4(&self) -> Option<&str> {
        self.cvss_v4.as_deref()
    }
    pub fn reporter_name(&self) -> Option<&str> {
        self.reporter_name.as_deref()
    }
    pub fn reporter_email(&self) -> Option<&Email> {
        self.reporter_email.as_ref()
    }
}

/// Like [`ReportInput`]'s, shows the class alone.
impl fmt::Debug for ValidReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidReport")
            .field("class", &self.class)
            .finish_non_exhaustive()
    }
}

/// What is wrong with a submission: field name → what to do about it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ReportErrors(BTreeMap<String, String>);

impl ReportErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records a problem with `field`. A field keeps its first message: that is the one to
    /// fix first.
    pub fn insert(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }

    /// Field and message, in field-name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(field, message)| (field.as_str(), message.as_str()))
    }

    pub fn into_inner(self) -> BTreeMap<String, String> {
        self.0
    }
}

/// Names the fields only; the messages are for the form.
impl fmt::Display for ReportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<&str> = self.0.keys().map(String::as_str).collect();
        write!(f, "the report needs changes to: {}", fields.join(", "))
    }
}

impl std::error::Error for ReportErrors {}

/// The rules of one free-text field.
struct Field {
    name: &'static str,
    /// As in "enter a title".
    indefinite: &'static str,
    /// As in "shorten the title".
    definite: &'static str,
    min_chars: usize,
    max_chars: usize,
    /// Titles and names go into lists and mail subjects: one line, no direction overrides.
    one_line: bool,
}

const fn field(
    name: &'static str,
    (indefinite, definite): (&'static str, &'static str),
    (min_chars, max_chars): (usize, usize),
    one_line: bool,
) -> Field {
    Field {
        name,
        indefinite,
        definite,
        min_chars,
        max_chars,
        one_line,
    }
}

const TITLE: Field = field("title", ("a title", "the title"), (3, 200), true);
const AFFECTED: Field = field(
    "affected",
    (
        "the affected product and version, or its URL",
        "the affected product",
    ),
    (1, 500),
    false,
);
const IMPACT: Field = field("impact", ("the impact", "the impact"), (1, 10_000), false);
const STEPS: Field = field(
    "steps",
    ("the steps to reproduce", "the steps to reproduce"),
    (1, 20_000),
    false,
);
const PROOF_OF_CONCEPT: Field = field(
    "proof_of_concept",
    ("a proof of concept", "the proof of concept"),
    (0, 50_000),
    false,
);
const REPORTER_NAME: Field = field("reporter_name", ("your name", "your name"), (0, 200), true);
// No length rule for the vectors: `model::cvss` refuses anything that is not one.
const CVSS_V3: Field = field(
    "cvss_v3",
    ("a CVSS v3 vector", "the CVSS v3 vector"),
    (0, usize::MAX),
    true,
);
const CVSS_V4: Field = field(
    "cvss_v4",
    ("a CVSS v4 vector", "the CVSS v4 vector"),
    (0, usize::MAX),
    true,
);

impl ReportInput {
    /// Whether the honeypot field was filled in, which people never see to do.
    pub fn is_bot(&self) -> bool {
        self.honeypot
            .as_deref()
            .is_some_and(|text| !text.trim().is_empty())
    }

    /// Checks every field and reports every problem at once, not just the first.
    pub fn validate(self) -> Result<ValidReport, ReportErrors> {
        let mut errors = ReportErrors::default();
        let title = TITLE.check(&self.title, &mut errors);
        let class = class(&self.class, &mut errors);
        let affected = AFFECTED.check(&self.affected, &mut errors);
        let impact = IMPACT.check(&self.impact, &mut errors);
        let steps = STEPS.check(&self.steps, &mut errors);
        let proof_of_concept =
            PROOF_OF_CONCEPT.check_optional(Some(&self.proof_of_concept), &mut errors);
        let cvss_v3 = CVSS_V3.check_optional(self.cvss_v3.as_deref(), &mut errors);
        let cvss_v4 = CVSS_V4.check_optional(self.cvss_v4.as_deref(), &mut errors);
        let reporter_name =
            REPORTER_NAME.check_optional(self.reporter_name.as_deref(), &mut errors);
        let reporter_email = email(self.reporter_email.as_deref(), &mut errors);
        if !self.accepted_rules {
            errors.insert(
                "accepted_rules",
                "accept the rules of conduct to submit a report",
            );
        }
        match class {
            Some(class) if errors.is_empty() => Ok(ValidReport {
                title,
                class,
                affected,
                impact,
                steps,
                proof_of_concept,
                cvss_v3,
                cvss_v4,
                reporter_name,
                reporter_email,
            }),
            _ => Err(errors),
        }
    }
}

impl Field {
    /// The field's text, normalised; a problem with it goes into `errors`.
    fn check(&self, raw: &str, errors: &mut ReportErrors) -> String {
        let text = normalise(raw);
        if let Some(message) = self.problem(&text) {
            errors.insert(self.name, message);
        }
        text
    }

    /// Like [`Field::check`] for a field that may be left out: `None` when it was.
    fn check_optional(&self, raw: Option<&str>, errors: &mut ReportErrors) -> Option<String> {
        Some(self.check(raw.unwrap_or_default(), errors)).filter(|text| !text.is_empty())
    }

    fn problem(&self, text: &str) -> Option<String> {
        let length = text.chars().count();
        let message = if length == 0 && self.min_chars > 0 {
            format!("enter {}", self.indefinite)
        } else if self.one_line && text.contains(['\n', '\t']) {
            format!("write {} on one line", self.definite)
        } else if text.chars().any(|c| self.refuses(c)) {
            format!(
                "remove the invisible control characters from {}",
                self.definite
            )
        } else if length < self.min_chars {
            format!(
                "write {} of at least {} characters",
                self.indefinite, self.min_chars
            )
        } else if length > self.max_chars {
            format!(
                "shorten {} to at most {} characters",
                self.definite, self.max_chars
            )
        } else {
            return None;
        };
        Some(message)
    }

    /// Control characters hide text and break layouts; newline and tab are the two that
    /// written text needs. Direction overrides make a line read other than it is stored
    /// ("Trojan Source"): tolerable in a proof of concept, which may be about just that, but
    /// not in a title shown in lists and mail subjects.
    fn refuses(&self, c: char) -> bool {
        let direction_override = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        (c.is_control() && c != '\n' && c != '\t') || (self.one_line && direction_override)
    }
}

/// Trimmed, with the CR LF line ends browsers send from text areas made LF; a CR alone is
/// then a control character like any other.
fn normalise(raw: &str) -> String {
    raw.replace("\r\n", "\n").trim().to_owned()
}

fn class(raw: &str, errors: &mut ReportErrors) -> Option<VulnerabilityClass> {
    let class = VulnerabilityClass::parse(raw.trim());
    if class.is_none() {
        errors.insert("class", "choose the class of vulnerability from the list");
    }
    class
}

/// `None` when no address was given, which is allowed: reports may be anonymous. Uses
/// identity's rules for an address, which also lower-case it.
fn email(raw: Option<&str>, errors: &mut ReportErrors) -> Option<Email> {
    let text = raw.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return None;
    }
    let email = Email::parse(text).ok();
    if email.is_none() {
        errors.insert(
            "reporter_email",
            "enter an email address such as name@example.com, or leave it empty",
        );
    }
    email
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete() -> ReportInput {
        ReportInput {
            title: "  Stored XSS in the invoice note  ".into(),
            class: "cross_site_scripting".into(),
            affected: "https://app.example.com/invoices".into(),
            impact: "Runs script as any member who opens the invoice.".into(),
            steps: "1. Create an invoice.\r\n2. Put a script in the note.\r\n".into(),
            proof_of_concept: String::new(),
            accepted_rules: true,
            ..ReportInput::default()
        }
    }

    /// The messages for `complete()` changed by `edit`.
    fn errors(edit: impl FnOnce(&mut ReportInput)) -> BTreeMap<String, String> {
        let mut input = complete();
        edit(&mut input);
        input
            .validate()
            .map(|_| BTreeMap::new())
            .unwrap_or_else(ReportErrors::into_inner)
    }

    /// Checks one field's message for a value, `None` meaning the whole report passes.
    fn check(field: &str, value: &str, expected: Option<&str>) {
        let found = errors(|input| match field {
            "title" => input.title = value.into(),
            "class" => input.class = value.into(),
            "affected" => input.affected = value.into(),
            "impact" => input.impact = value.into(),
            "steps" => input.steps = value.into(),
            "proof_of_concept" => input.proof_of_concept = value.into(),
            "cvss_v3" => input.cvss_v3 = Some(value.into()),
            "cvss_v4" => input.cvss_v4 = Some(value.into()),
            "reporter_name" => input.reporter_name = Some(value.into()),
            "reporter_email" => input.reporter_email = Some(value.into()),
            other => panic!("no field {other}"),
        });
        let expected: BTreeMap<String, String> = expected
            .map(|m| (field.to_owned(), m.to_owned()))
            .into_iter()
            .collect();
        assert_eq!(found, expected, "{field} = {value:?}");
    }

    #[test]
    fn a_complete_report_is_accepted_trimmed_with_empty_options_left_out() {
        let report = complete().validate().unwrap();
        assert_eq!(report.title(), "Stored XSS in the invoice note");
        assert_eq!(report.class(), VulnerabilityClass::CrossSiteScripting);
        assert_eq!(
            report.steps(),
            "1. Create an invoice.\n2. Put a script in the note."
        );
        assert_eq!(report.proof_of_concept(), None);
        assert_eq!((report.cvss_v3(), report.cvss_v4()), (None, None));
        assert_eq!(
            (report.reporter_name(), report.reporter_email()),
            (None, None)
        );
    }

    #[test]
    fn each_field_is_checked_by_its_rule() {
        let product = "enter the affected product and version, or its URL";
        let bidi = "remove the invisible control characters from the title";
        #[rustfmt::skip]
        let cases = [
            ("title", "   ", Some("enter a title")),
            ("title", "ab", Some("write a title of at least 3 characters")),
            ("title", "abc", None),
            ("title", "two\nlines", Some("write the title on one line")),
            ("title", "a\ttab", Some("write the title on one line")),
            ("title", "evil\u{202e}txt.exe", Some(bidi)),
            ("class", "", Some("choose the class of vulnerability from the list")),
            ("class", "CROSS_SITE_SCRIPTING", Some("choose the class of vulnerability from the list")),
            ("class", "clickjacking", Some("choose the class of vulnerability from the list")),
            ("class", " sql_injection ", None),
            ("affected", "", Some(product)),
            ("impact", "\n\t ", Some("enter the impact")),
            ("steps", "", Some("enter the steps to reproduce")),
            ("proof_of_concept", "", None),
            ("proof_of_concept", "<script>\r\n\talert(1)\r\n</script>", None),
            ("proof_of_concept", "// Trojan Source: \u{202e}", None),
            ("reporter_name", "", None),
            ("reporter_name", "Ada\nBcc: x@example.com", Some("write your name on one line")),
        ];
        for (field, value, expected) in cases {
            check(field, value, expected);
        }
    }

    #[test]
    fn each_field_has_a_maximum_length_in_characters() {
        for (field, definite, max) in [
            ("title", "the title", 200),
            ("affected", "the affected product", 500),
            ("impact", "the impact", 10_000),
            ("steps", "the steps to reproduce", 20_000),
            ("proof_of_concept", "the proof of concept", 50_000),
            ("reporter_name", "your name", 200),
        ] {
            check(field, &"é".repeat(max), None);
            let message = format!("shorten {definite} to at most {max} characters");
            check(field, &"a".repeat(max + 1), Some(&message));
        }
    }

    #[test]
    fn control_characters_other_than_newline_and_tab_are_refused_everywhere() {
        for (field, definite) in [
            ("title", "the title"),
            ("affected", "the affected product"),
            ("impact", "the impact"),
            ("steps", "the steps to reproduce"),
            ("proof_of_concept", "the proof of concept"),
            ("cvss_v3", "the CVSS v3 vector"),
            ("cvss_v4", "the CVSS v4 vector"),
            ("reporter_name", "your name"),
        ] {
            let message = format!("remove the invisible control characters from {definite}");
            for value in [
                "bell\u{7}here",
                "carriage\rreturn",
                "nul\0byte",
                "esc\u{1b}[31m",
            ] {
                check(field, value, Some(&message));
            }
        }
    }

    #[test]
    fn the_proof_of_concept_is_kept_trimmed_when_given() {
        let mut input = complete();
        input.proof_of_concept = " curl -X POST … \n".into();
        let report = input.validate().unwrap();
        assert_eq!(report.proof_of_concept(), Some("curl -X POST …"));
    }

    #[test]
    fn the_rules_must_be_accepted() {
        let found = errors(|input| input.accepted_rules = false);
        assert_eq!(
            found["accepted_rules"],
            "accept the rules of conduct to submit a report"
        );
    }

    #[test]
    fn the_email_is_optional_but_must_look_like_one() {
        let refused = Some("enter an email address such as name@example.com, or leave it empty");
        let too_long = format!("ada@{}.com", "a".repeat(247));
        #[rustfmt::skip]
        let cases = [
            ("", None), ("   ", None), ("ada@example.com", None),
            ("ada", refused), ("ada@@example.com", refused), ("@example.com", refused),
            ("ada@localhost", refused), ("ada lovelace@example.com", refused),
            ("ada\u{7}@example.com", refused), (too_long.as_str(), refused),
        ];
        for (value, expected) in cases {
            check("reporter_email", value, expected);
        }
        let mut input = complete();
        input.reporter_email = Some(" Ada@Example.com ".into());
        let report = input.validate().unwrap();
        assert_eq!(
            report.reporter_email().map(Email::as_str),
            Some("ada@example.com")
        );
    }

    #[test]
    fn cvss_vectors_are_trimmed_but_not_judged_here() {
        let mut input = complete();
        input.cvss_v3 = Some("  CVSS:3.1/AV:N  ".into());
        input.cvss_v4 = Some("not a vector".into());
        let report = input.validate().unwrap();
        assert_eq!(report.cvss_v3(), Some("CVSS:3.1/AV:N"));
        assert_eq!(report.cvss_v4(), Some("not a vector"));
        let mut input = complete();
        input.cvss_v3 = Some("  ".into());
        assert_eq!(input.validate().unwrap().cvss_v3(), None);
    }

    #[test]
    fn every_problem_is_reported_at_once_without_echoing_what_was_typed() {
        let secret = "s3cr3t\u{7}";
        let found = errors(|input| {
            *input = ReportInput {
                title: secret.repeat(100),
                class: secret.into(),
                affected: secret.into(),
                reporter_email: Some(secret.into()),
                ..ReportInput::default()
            };
        });
        let fields: Vec<&str> = found.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "accepted_rules",
                "affected",
                "class",
                "impact",
                "reporter_email",
                "steps",
                "title"
            ]
        );
        assert!(found.values().all(|message| !message.contains("s3cr3t")));
    }

    #[test]
    fn a_filled_honeypot_marks_a_bot() {
        let mut input = complete();
        assert!(!input.is_bot());
        input.honeypot = Some("  ".into());
        assert!(!input.is_bot());
        input.honeypot = Some("http://spam.example".into());
        assert!(input.is_bot());
    }

    #[test]
    fn the_input_deserialises_from_json_with_missing_fields_empty() {
        let input: ReportInput = serde_json::from_value(serde_json::json!({
            "title": "SQL injection in search",
            "class": "sql_injection",
            "cvss_v3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "accepted_rules": true,
        }))
        .unwrap();
        assert_eq!(input.class, "sql_injection");
        assert!(input.accepted_rules);
        assert_eq!(input.steps, "");
        assert_eq!(input.reporter_email, None);
        let fields: Vec<String> = input
            .validate()
            .unwrap_err()
            .into_inner()
            .into_keys()
            .collect();
        assert_eq!(fields, ["affected", "impact", "steps"]);
    }

    #[test]
    fn debug_output_leaves_the_report_text_out() {
        let mut input = complete();
        input.proof_of_concept = "document.cookie".into();
        assert!(!format!("{input:?}").contains("cookie"));
        assert!(!format!("{:?}", input.validate().unwrap()).contains("invoice"));
    }

    #[test]
    fn classes_round_trip_through_their_strings() {
        for class in VulnerabilityClass::ALL {
            assert_eq!(VulnerabilityClass::parse(class.as_str()), Some(class));
        }
        assert_eq!(
            VulnerabilityClass::CrossSiteScripting.label(),
            "Cross-site scripting (XSS)"
        );
    }

    #[test]
    fn report_errors_keep_the_first_message_per_field_and_name_only_fields() {
        let mut errors = ReportErrors::default();
        assert!(errors.is_empty());
        errors.insert("title", "enter a title");
        errors.insert("title", "something else");
        errors.insert("class", "choose the class of vulnerability from the list");
        let pairs: Vec<(&str, &str)> = errors.iter().collect();
        assert_eq!(
            pairs,
            [
                ("class", "choose the class of vulnerability from the list"),
                ("title", "enter a title")
            ]
        );
        assert_eq!(
            errors.to_string(),
            "the report needs changes to: class, title"
        );
        assert_eq!(
            serde_json::to_value(&errors).unwrap(),
            serde_json::json!({
                "class": "choose the class of vulnerability from the list",
                "title": "enter a title",
            })
        );
    }
}
