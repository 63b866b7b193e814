//! CVSS base scores of the vectors that researchers and the security team attach to reports.
//!
//! Scoring is RustSec's `cvss` crate. In front of it sits our own reading of the vector,
//! because the crate is lenient where a report form must not be: it scores a CVSS 3 vector
//! with metrics missing and lets a repeated metric overwrite the first. Here every base
//! metric must be given exactly once, anything else is refused with a sentence saying what
//! is wrong, and nothing longer than [`MAX_VECTOR_LEN`] is parsed at all.
//!
//! Only base metrics are accepted: the score kept with a report is the base score (CVSS-B in
//! 4.0 terms), and threat or environmental metrics would change it. CVSS 3.0 vectors are
//! accepted too and keep their `CVSS:3.0/` prefix; for base scores 3.0 and 3.1 share the
//! formula, 3.1 only made its rounding exact.

use serde::Serialize;

/// The longest vector read; a complete base vector of either version is under 80 bytes.
pub const MAX_VECTOR_LEN: usize = 200;

/// Which CVSS specification a vector follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CvssVersion {
    #[serde(rename = "3.0")]
    V3_0,
    #[serde(rename = "3.1")]
    V3_1,
    #[serde(rename = "4.0")]
    V4_0,
}

impl CvssVersion {
    /// The version as written after `CVSS:` in a vector.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }
}

/// The qualitative severity rating of a score (the same bands in 3.x and 4.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Rating {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Rating {
    /// The band of a score: 0.0 none, 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0
    /// critical.
    pub fn from_score(score: f64) -> Self {
        match score {
            s if s < 0.1 => Self::None,
            s if s < 4.0 => Self::Low,
            s if s < 7.0 => Self::Medium,
            s if s < 9.0 => Self::High,
            _ => Self::Critical,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        }
    }
}

/// A scored vector: only made by [`score_v3`], [`score_v4`] or [`CvssScore::parse`], so the
/// score always belongs to the vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvssScore {
    version: CvssVersion,
    vector: String,
    score: f64,
    rating: Rating,
}

impl CvssScore {
    /// Scores a vector of either version, chosen by its prefix.
    pub fn parse(vector: &str) -> Result<Self, CvssError> {
        check_length(vector)?;
        let prefix = vector.trim().get(..7).map(str::to_ascii_uppercase);
        match prefix.as_deref() {
            Some("CVSS:3.") => score_v3(vector),
            Some("CVSS:4.") => score_v4(vector),
            _ => Err(CvssError::NotCvss),
        }
    }

    pub fn version(&self) -> CvssVersion {
        self.version
    }

    /// The vector as the library prints it: upper case, metrics in the specification's order.
    pub fn vector(&self) -> &str {
        &self.vector
    }

    /// The base score, 0.0 to 10.0 with one decimal.
    pub fn score(&self) -> f64 {
        self.score
    }

    pub fn rating(&self) -> Rating {
        self.rating
    }
}

/// Why a vector was refused. Messages quote at most a metric's short name or value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    #[error("the vector is longer than {MAX_VECTOR_LEN} bytes")]
    TooLong,
    #[error("not a CVSS vector: it must start with CVSS:3.1/ or CVSS:4.0/")]
    NotCvss,
    #[error("not a CVSS {expected} vector: it must start with CVSS:{expected}/")]
    WrongPrefix { expected: &'static str },
    #[error("part {position} of the vector is not a metric:value pair such as AV:N")]
    MalformedPart { position: usize },
    #[error("unknown metric {name}")]
    UnknownMetric { name: String },
    #[error("{metric} is not a base metric: only base metrics are accepted")]
    NotBaseMetric { metric: &'static str },
    #[error("{metric} ({label}) is given more than once")]
    DuplicateMetric {
        metric: &'static str,
        label: &'static str,
    },
    #[error("{metric} ({label}) is missing")]
    MissingMetric {
        metric: &'static str,
        label: &'static str,
    },
    #[error("{metric} ({label}) cannot be {value}: it takes {allowed}")]
    InvalidValue {
        metric: &'static str,
        label: &'static str,
        value: String,
        allowed: String,
    },
    #[error("the vector could not be scored")]
    Unscorable,
}

/// A base metric: its abbreviation, its name, and the values it takes.
struct Metric {
    key: &'static str,
    label: &'static str,
    values: &'static [&'static str],
}

const fn metric(key: &'static str, label: &'static str, values: &'static [&'static str]) -> Metric {
    Metric { key, label, values }
}

const IMPACT: &[&str] = &["H", "L", "N"];

/// CVSS v3.1 specification, section 2 and table 15.
const V3_BASE: &[Metric] = &[
    metric("AV", "Attack Vector", &["N", "A", "L", "P"]),
    metric("AC", "Attack Complexity", &["L", "H"]),
    metric("PR", "Privileges Required", &["N", "L", "H"]),
    metric("UI", "User Interaction", &["N", "R"]),
    metric("S", "Scope", &["U", "C"]),
    metric("C", "Confidentiality", IMPACT),
    metric("I", "Integrity", IMPACT),
    metric("A", "Availability", IMPACT),
];

/// The temporal and environmental metrics of CVSS 3.x.
const V3_OTHER: &[&str] = &[
    "E", "RL", "RC", "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA",
];

/// CVSS v4.0 specification, section 2 and the vector string table.
const V4_BASE: &[Metric] = &[
    metric("AV", "Attack Vector", &["N", "A", "L", "P"]),
    metric("AC", "Attack Complexity", &["L", "H"]),
    metric("AT", "Attack Requirements", &["N", "P"]),
    metric("PR", "Privileges Required", &["N", "L", "H"]),
    metric("UI", "User Interaction", &["N", "P", "A"]),
    metric("VC", "Vulnerable System Confidentiality", IMPACT),
    metric("VI", "Vulnerable System Integrity", IMPACT),
    metric("VA", "Vulnerable System Availability", IMPACT),
    metric("SC", "Subsequent System Confidentiality", IMPACT),
    metric("SI", "Subsequent System Integrity", IMPACT),
    metric("SA", "Subsequent System Availability", IMPACT),
];

/// The threat, environmental and supplemental metrics of CVSS 4.0.
const V4_OTHER: &[&str] = &[
    "E", "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI",
    "MSA", "S", "AU", "R", "V", "RE", "U",
];

/// Scores a CVSS 3.1 (or 3.0) base vector such as `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`.
pub fn score_v3(vector: &str) -> Result<CvssScore, CvssError> {
    check_length(vector)?;
    let vector = vector.trim().to_ascii_uppercase();
    let rest = vector
        .strip_prefix("CVSS:3.1/")
        .or_else(|| vector.strip_prefix("CVSS:3.0/"))
        .ok_or(CvssError::WrongPrefix { expected: "3.1" })?;
    check_metrics(rest, V3_BASE, V3_OTHER)?;
    let base: cvss::v3::Base = vector.parse().map_err(|_| CvssError::Unscorable)?;
    let version = match base.minor_version {
        0 => CvssVersion::V3_0,
        _ => CvssVersion::V3_1,
    };
    Ok(scored(version, base.to_string(), base.score().value()))
}

/// Scores a CVSS 4.0 base vector such as
/// `CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N`.
pub fn score_v4(vector: &str) -> Result<CvssScore, CvssError> {
    check_length(vector)?;
    let vector = vector.trim().to_ascii_uppercase();
    let rest = vector
        .strip_prefix("CVSS:4.0/")
        .ok_or(CvssError::WrongPrefix { expected: "4.0" })?;
    check_metrics(rest, V4_BASE, V4_OTHER)?;
    let parsed: cvss::v4::Vector = vector.parse().map_err(|_| CvssError::Unscorable)?;
    Ok(scored(
        CvssVersion::V4_0,
        parsed.to_string(),
        parsed.score().value(),
    ))
}

fn check_length(vector: &str) -> Result<(), CvssError> {
    if vector.len() > MAX_VECTOR_LEN {
        return Err(CvssError::TooLong);
    }
    Ok(())
}

fn scored(version: CvssVersion, vector: String, raw: f64) -> CvssScore {
    // The library's scores already have one decimal; this removes any binary residue.
    let score = (raw * 10.0).round() / 10.0;
    CvssScore {
        version,
        vector,
        score,
        rating: Rating::from_score(score),
    }
}

/// Checks the metrics after the prefix: well formed, known, base only, each exactly once,
/// each with a value it takes.
fn check_metrics(rest: &str, base: &[Metric], other: &[&'static str]) -> Result<(), CvssError> {
    let mut seen = vec![false; base.len()];
    for (index, part) in rest.split('/').enumerate() {
        let position = index + 2;
        let Some((key, value)) = part.split_once(':') else {
            return Err(CvssError::MalformedPart { position });
        };
        if key.is_empty() || value.is_empty() || value.contains(':') {
            return Err(CvssError::MalformedPart { position });
        }
        let Some(slot) = base.iter().position(|m| m.key == key) else {
            return Err(match other.iter().find(|&&o| o == key) {
                Some(&metric) => CvssError::NotBaseMetric { metric },
                None => CvssError::UnknownMetric { name: shown(key) },
            });
        };
        let metric = &base[slot];
        if seen[slot] {
            return Err(CvssError::DuplicateMetric {
                metric: metric.key,
                label: metric.label,
            });
        }
        if !metric.values.contains(&value) {
            return Err(CvssError::InvalidValue {
                metric: metric.key,
                label: metric.label,
                value: shown(value),
                allowed: metric.values.join(", "),
            });
        }
        seen[slot] = true;
    }
    match base.iter().zip(&seen).find(|(_, seen)| !**seen) {
        Some((missing, _)) => Err(CvssError::MissingMetric {
            metric: missing.key,
            label: missing.label,
        }),
        None => Ok(()),
    }
}

/// A name or value fit to quote back: short and plain, or not quoted at all.
fn shown(text: &str) -> String {
    if (1..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        format!("`{text}`")
    } else {
        "(not shown)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_v3(vector: &str, score: f64, rating: Rating) {
        let scored = score_v3(vector).unwrap();
        assert_eq!(scored.score(), score, "{vector}");
        assert_eq!(scored.rating(), rating, "{vector}");
        assert_eq!(scored.vector(), vector);
    }

    #[track_caller]
    fn check_v4(vector: &str, score: f64, rating: Rating) {
        let scored = score_v4(vector).unwrap();
        assert_eq!(scored.score(), score, "{vector}");
        assert_eq!(scored.rating(), rating, "{vector}");
        assert_eq!(scored.vector(), vector);
        assert_eq!(scored.version(), CvssVersion::V4_0);
    }

    /// FIRST, "Common Vulnerability Scoring System v3.1: Examples"
    /// (https://www.first.org/cvss/v3-1/cvss-v31-examples_r2.pdf); the same vectors and
    /// scores are carried by independent implementations' known-answer tables.
    #[test]
    fn cvss_3_1_scores_match_first_published_examples() {
        use Rating::*;
        // CVE-2013-1937, phpMyAdmin reflected cross-site scripting.
        check_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Medium);
        // CVE-2013-0375, MySQL stored SQL injection.
        check_v3("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, Medium);
        // CVE-2014-3566, SSLv3 POODLE.
        check_v3("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, Low);
        // CVE-2012-1516, VMware guest to host escape.
        check_v3(
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
            9.9,
            Critical,
        );
        // CVE-2009-0783, Apache Tomcat XML parser.
        check_v3("CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2, Medium);
        // CVE-2012-0384, Cisco IOS command execution (PR:H in the 3.1 edition).
        check_v3("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2, High);
        // CVE-2014-0160, OpenSSL Heartbleed.
        check_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, High);
        // CVE-2014-6271, GNU Bash Shellshock.
        check_v3(
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            9.8,
            Critical,
        );
        // CVE-2008-1447, DNS Kaminsky bug.
        check_v3("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8, Medium);
        // CVE-2014-2005, Sophos login screen bypass.
        check_v3("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, Medium);
        // CVE-2013-6014, Juniper proxy ARP denial of service.
        check_v3(
            "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H",
            9.3,
            Critical,
        );
        // CVE-2019-7551, Cantemo Portal stored cross-site scripting.
        check_v3(
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H",
            9.0,
            Critical,
        );
        // CVE-2015-0970, SearchBlox cross-site request forgery.
        check_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, High);
    }

    /// FIRST, "Common Vulnerability Scoring System v4.0: Examples"
    /// (https://www.first.org/cvss/v4.0/examples), base vectors; the first two also appear in
    /// the v4.0 calculator's documentation.
    #[test]
    fn cvss_4_0_scores_match_first_published_examples() {
        use Rating::*;
        check_v4(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            9.3,
            Critical,
        );
        check_v4(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
            10.0,
            Critical,
        );
        check_v4(
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            8.5,
            High,
        );
        // CVE-2022-41741, nginx mp4 module: attack requirements present.
        check_v4(
            "CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            7.3,
            High,
        );
        // CVE-2020-3549, Cisco Firepower.
        check_v4(
            "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            7.7,
            High,
        );
        // CVE-2023-3089, OpenShift FIPS mode.
        check_v4(
            "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N",
            8.3,
            High,
        );
        // CVE-2021-44714, Adobe Acrobat Reader: active user interaction.
        check_v4(
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
            4.6,
            Medium,
        );
        // CVE-2022-22186, Juniper: impact on subsequent systems only.
        check_v4(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N",
            6.9,
            Medium,
        );
        // CVE-2023-21989, Oracle VirtualBox.
        check_v4(
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N",
            5.9,
            Medium,
        );
        // CVE-2020-3947, VMware Workstation.
        check_v4(
            "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
            9.4,
            Critical,
        );
        // CVE-2013-6014, Juniper proxy ARP, rescored in 4.0.
        check_v4(
            "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:H/SI:N/SA:H",
            6.4,
            Medium,
        );
    }

    #[test]
    fn a_vector_without_impact_scores_zero_and_rates_none() {
        let v3 = score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N").unwrap();
        assert_eq!((v3.score(), v3.rating()), (0.0, Rating::None));
        let v4 = score_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N");
        assert_eq!(v4.unwrap().rating(), Rating::None);
    }

    #[test]
    fn vectors_are_normalised_to_upper_case_and_the_specifications_order() {
        let scored = score_v3(" cvss:3.1/s:u/av:n/ac:l/pr:n/ui:n/c:h/i:n/a:n\n").unwrap();
        assert_eq!(
            scored.vector(),
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
        );
        assert_eq!(scored.score(), 7.5);
    }

    #[test]
    fn cvss_3_0_vectors_are_scored_and_keep_their_version() {
        let scored = score_v3("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N").unwrap();
        assert_eq!(scored.version(), CvssVersion::V3_0);
        assert_eq!(
            scored.vector(),
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
        );
        assert_eq!(scored.score(), 6.1);
    }

    #[test]
    fn parse_picks_the_version_from_the_prefix() {
        let v3 = CvssScore::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!((v3.version(), v3.score()), (CvssVersion::V3_1, 9.8));
        let v4 =
            CvssScore::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
        assert_eq!(v4.unwrap().score(), 9.3);
        assert_eq!(CvssScore::parse("AV:N/AC:L"), Err(CvssError::NotCvss));
        assert_eq!(CvssScore::parse(""), Err(CvssError::NotCvss));
    }

    #[track_caller]
    fn refused(result: Result<CvssScore, CvssError>, message: &str) {
        assert_eq!(result.unwrap_err().to_string(), message);
    }

    #[test]
    fn malformed_cvss_3_vectors_are_refused_with_the_reason() {
        refused(
            score_v3("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            "not a CVSS 3.1 vector: it must start with CVSS:3.1/",
        );
        refused(
            score_v3("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            "not a CVSS 3.1 vector: it must start with CVSS:3.1/",
        );
        refused(
            score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
            "A (Availability) is missing",
        );
        refused(
            score_v3("CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            "AV (Attack Vector) is given more than once",
        );
        refused(
            score_v3("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            "AV (Attack Vector) cannot be `X`: it takes N, A, L, P",
        );
        refused(
            score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:N"),
            "unknown metric `ZZ`",
        );
        refused(
            score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F"),
            "E is not a base metric: only base metrics are accepted",
        );
        refused(
            score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"),
            "part 10 of the vector is not a metric:value pair such as AV:N",
        );
        refused(
            score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H:H"),
            "part 9 of the vector is not a metric:value pair such as AV:N",
        );
    }

    #[test]
    fn malformed_cvss_4_vectors_are_refused_with_the_reason() {
        refused(
            score_v4("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            "not a CVSS 4.0 vector: it must start with CVSS:4.0/",
        );
        refused(
            score_v4("CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            "AT (Attack Requirements) is missing",
        );
        refused(
            score_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            "UI (User Interaction) cannot be `R`: it takes N, P, A",
        );
        refused(
            score_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A"),
            "E is not a base metric: only base metrics are accepted",
        );
        refused(
            score_v4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/SA:H"),
            "SA (Subsequent System Availability) is given more than once",
        );
    }

    #[test]
    fn long_or_strange_input_is_refused_without_being_echoed() {
        let long = format!("CVSS:3.1/{}", "AV:N/".repeat(60));
        assert_eq!(score_v3(&long), Err(CvssError::TooLong));
        assert_eq!(CvssScore::parse(&long), Err(CvssError::TooLong));
        let script = "CVSS:3.1/<script>:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        refused(score_v3(script), "unknown metric (not shown)");
        let value = "CVSS:3.1/AV:<b>/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        refused(
            score_v3(value),
            "AV (Attack Vector) cannot be (not shown): it takes N, A, L, P",
        );
    }
}
