//! The disclosure policy page: the Markdown the security team writes (or the default one
//! shipped here), and the HTML it becomes.
//!
//! The policy is written by staff but read by the public, so its HTML is treated as
//! untrusted: pulldown-cmark renders it with raw HTML left out (as cmark does by default), and
//! ammonia then keeps only a short list of tags and attributes, links only to `http`,
//! `https`, `mailto` or relative URLs, and marks every link `noopener noreferrer nofollow`.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser};

/// The policy a new installation publishes until the security team writes its own.
pub const DEFAULT_POLICY: &str = include_str!("default_policy.md");

/// The largest policy accepted; the default is under 7 KiB.
pub const MAX_POLICY_BYTES: usize = 100 * 1024;

/// The tags the rendered policy may hold: what CommonMark and its tables produce, less images.
const TAGS: &[&str] = &[
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tag_attributes = HashMap::from([
        ("a", HashSet::from(["href", "title"])),
        ("ol", HashSet::from(["start"])),
    ]);
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(TAGS.iter().copied().collect())
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    builder
});

/// The policy's HTML, safe to place in a page as it is.
pub fn render_markdown(source: &str) -> String {
    let events = Parser::new_ext(
        source,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .filter(|event| !matches!(event, Event::Html(_) | Event::InlineHtml(_)));
    let mut html = String::with_capacity(source.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events);
    SANITIZER.clean(&html).to_string()
}

/// Checks a policy the security team submits; the error is a sentence for the form.
pub fn validate_policy(source: &str) -> Result<(), String> {
    if source.trim().is_empty() {
        return Err("the policy is empty".to_owned());
    }
    if source.len() > MAX_POLICY_BYTES {
        return Err(format!(
            "the policy is longer than {} KiB",
            MAX_POLICY_BYTES / 1024
        ));
    }
    if source.contains('\0') {
        return Err("the policy contains a NUL character".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(markdown: &str, expected: &str) {
        assert_eq!(render_markdown(markdown).trim_end(), expected, "{markdown}");
    }

    #[test]
    fn markdown_structure_survives() {
        check(
            "# Scope\n\nSome *text*.",
            "<h1>Scope</h1>\n<p>Some <em>text</em>.</p>",
        );
        check(
            "## Rules\n\n- one\n- **two**\n\n3. three",
            "<h2>Rules</h2>\n<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>\n\
             <ol start=\"3\">\n<li>three</li>\n</ol>",
        );
        check(
            "> quoted `code`",
            "<blockquote>\n<p>quoted <code>code</code></p>\n</blockquote>",
        );
        check(
            "```\nlet x = 1;\n```",
            "<pre><code>let x = 1;\n</code></pre>",
        );
        check(
            "| a | b |\n|---|---|\n| 1 | 2 |",
            "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n\
             <tr><td>1</td><td>2</td></tr>\n</tbody></table>",
        );
    }

    #[test]
    fn links_survive_with_a_rel_that_protects_the_reader() {
        let rel = "rel=\"noopener noreferrer nofollow\"";
        check(
            "[report](https://example.com/r)",
            &format!("<p><a href=\"https://example.com/r\" {rel}>report</a></p>"),
        );
        check(
            "[form](/security/report)",
            &format!("<p><a href=\"/security/report\" {rel}>form</a></p>"),
        );
        check(
            "[mail](mailto:security@example.com)",
            &format!("<p><a href=\"mailto:security@example.com\" {rel}>mail</a></p>"),
        );
    }

    #[test]
    fn scripts_and_dangerous_urls_are_neutralised() {
        let attacks = [
            "<script>alert(1)</script>",
            "text <script>alert(1)</script> inline",
            "<img src=x onerror=alert(1)>",
            "![x](https://example.com/x.png)",
            "<iframe src=\"https://evil.example\"></iframe>",
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "<javascript:alert(1)>",
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "<p style=\"color:red\" onclick=\"alert(1)\">x</p>",
            "<div><a href=\"https://ok.example\" onmouseover=\"alert(1)\">x</a></div>",
        ];
        for attack in attacks {
            let html = render_markdown(attack).to_ascii_lowercase();
            for forbidden in [
                "<script",
                "<img",
                "<iframe",
                "<div",
                "href=\"javascript:",
                "href=\"data:",
                "src=",
                "onerror",
                "onclick",
                "onmouseover",
                "style=",
            ] {
                assert!(!html.contains(forbidden), "{attack} gave {html}");
            }
        }
    }

    #[test]
    fn raw_html_is_left_out_but_the_markdown_around_it_stays() {
        check("before <b>bold</b> after", "<p>before bold after</p>");
        check("<div>\nblock\n</div>\n\n# Heading", "<h1>Heading</h1>");
        check("<!-- a note -->\n\ntext", "<p>text</p>");
    }

    #[test]
    fn the_default_policy_is_valid_and_short() {
        assert_eq!(validate_policy(DEFAULT_POLICY), Ok(()));
        assert!(DEFAULT_POLICY.lines().count() <= 150);
        // The policy speaks of the service, not of how it is built.
        let lower = DEFAULT_POLICY.to_lowercase();
        let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
        for word in [
            "ai",
            "rust",
            "axum",
            "sqlx",
            "llm",
            "artificial",
            "generated",
        ] {
            assert!(!words.contains(&word), "the policy mentions {word:?}");
        }
    }

    #[test]
    fn the_default_policy_renders_with_every_section_class_and_rule() {
        let rendered = render_markdown(DEFAULT_POLICY);
        // Markdown keeps the source's line breaks inside paragraphs.
        let html = rendered.split_whitespace().collect::<Vec<_>>().join(" ");
        for heading in [
            "Scope",
            "Vulnerabilities we accept",
            "Findings we do not consider",
            "How to report",
            "Rules of conduct",
            "Safe harbour",
            "Our commitments",
        ] {
            assert!(html.contains(&format!("<h2>{heading}</h2>")), "{heading}");
        }
        let accepted_classes = [
            "cross-site scripting",
            "cross-site request forgery",
            "SQL injection",
            "mixed content",
            "man-in-the-middle",
            "authentication and authorisation flaws",
            "server-side code execution",
        ];
        let rules = [
            "only test accounts",
            "no denial-of-service test",
            "no data beyond the minimum",
            "if you come across personal data",
            "no social engineering",
            "no physical attack",
            "no public disclosure",
        ];
        let reporting_and_commitments = [
            "<a href=\"/security/report\" rel=\"noopener noreferrer nofollow\">",
            "POST /api/v1/reports",
            "CVSS 3.1 or CVSS 4.0",
            "private tracking link",
            "within 1 business day",
            "within 5 business days",
            "<td>Critical</td><td>7 days</td>",
            "<td>Low</td><td>90 days</td>",
            "Hall of Fame, with your consent",
        ];
        for phrase in accepted_classes
            .iter()
            .chain(&rules)
            .chain(&reporting_and_commitments)
        {
            assert!(html.contains(phrase), "missing {phrase:?}");
        }
        assert!(!html.contains("<script") && !html.contains("style="));
    }

    #[test]
    fn policies_that_are_empty_too_long_or_hold_nul_are_refused() {
        assert_eq!(validate_policy(""), Err("the policy is empty".to_owned()));
        assert_eq!(
            validate_policy(" \n\t"),
            Err("the policy is empty".to_owned())
        );
        let long = "a".repeat(MAX_POLICY_BYTES + 1);
        assert_eq!(
            validate_policy(&long),
            Err("the policy is longer than 100 KiB".to_owned())
        );
        assert_eq!(validate_policy(&"a".repeat(MAX_POLICY_BYTES)), Ok(()));
        assert_eq!(
            validate_policy("# Policy\0"),
            Err("the policy contains a NUL character".to_owned())
        );
    }
}
