//! What anyone may read: the policy, security.txt, the Hall of Fame and published
//! advisories; and the researcher's credit choices behind the Hall of Fame.

use platform::clock::Timestamp;
use sha2::{Digest, Sha256};

use super::view::ReportView;
use super::{Disclosure, DisclosureError};
use crate::model::lifecycle::State;
use crate::model::report::ReportErrors;
use crate::model::security_txt;
use crate::store::policy;
use crate::store::reports::{self, ReportRecord};

/// A credited researcher as the Hall of Fame shows them.
#[derive(Debug, Clone)]
pub struct HallOfFameEntry {
    pub name: String,
    /// Gravatar's address for the email: SHA-256 of the trimmed, lower-cased address.
    pub gravatar: Option<String>,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub link: Option<String>,
    pub title: String,
    pub severity: Option<String>,
    pub credited_at: Timestamp,
}

/// A researcher's choices about their credit: whether to be credited, under which name,
/// and which optional fields to show.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CreditChoice {
    #[serde(default)]
    pub credit: bool,
    pub name: Option<String>,
    pub organisation: Option<String>,
    pub link: Option<String>,
    #[serde(default)]
    pub show_email: bool,
    #[serde(default)]
    pub show_organisation: bool,
    #[serde(default)]
    pub show_link: bool,
}

impl CreditChoice {
    pub(super) fn validate(self) -> Result<Self, ReportErrors> {
        let mut errors = ReportErrors::default();
        let clean =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let choice = Self {
            name: clean(self.name),
            organisation: clean(self.organisation),
            link: clean(self.link),
            ..self
        };
        for (field, value) in [
            ("name", &choice.name),
            ("organisation", &choice.organisation),
            ("link", &choice.link),
        ] {
            if let Some(value) = value
                && (value.chars().count() > 200 || value.chars().any(char::is_control))
            {
                errors.insert(field, "use at most 200 characters, on one line");
            }
        }
        if let Some(link) = &choice.link
            && (!link.starts_with("https://") || link.contains(char::is_whitespace))
        {
            errors.insert("link", "give an https:// address");
        }
        if errors.is_empty() {
            Ok(choice)
        } else {
            Err(errors)
        }
    }

    /// Applies the choice; returns the names of what changed (for the audit entry).
    pub(super) fn apply(self, record: &mut ReportRecord) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let mut set_flag = |name: &'static str, field: &mut bool, value: bool| {
            if *field != value {
                *field = value;
                changed.push(name);
            }
        };
        set_flag("credit", &mut record.credit, self.credit);
        set_flag("show_email", &mut record.show_email, self.show_email);
        set_flag(
            "show_organisation",
            &mut record.show_organisation,
            self.show_organisation,
        );
        set_flag("show_link", &mut record.show_link, self.show_link);
        if self.name.is_some() && record.reporter_name != self.name {
            record.reporter_name = self.name;
            changed.push("name");
        }
        if record.credit_organisation != self.organisation {
            record.credit_organisation = self.organisation;
            changed.push("organisation");
        }
        if record.credit_link != self.link {
            record.credit_link = self.link;
            changed.push("link");
        }
        changed
    }
}

/// States in which a report earns its credit.
const CREDITED: [State; 3] = [State::Fixed, State::Resolved, State::Disclosed];

impl Disclosure {
    /// The policy page's Markdown: the team's last edit, or the default policy.
    pub async fn policy_markdown(&self) -> Result<String, DisclosureError> {
        let mut conn = self.db().connection().await?;
        Ok(policy::get(&mut conn).await?.map_or_else(
            || crate::model::policy::DEFAULT_POLICY.to_owned(),
            |(markdown, _)| markdown,
        ))
    }

    /// security.txt as of now: its Expires rolls forward with every request.
    pub fn security_txt(&self) -> String {
        security_txt::render(
            &self.inner.security_txt,
            self.now(),
            self.inner.config.security_txt_expires_days,
        )
    }

    /// Credited researchers, most recent first.
    pub async fn hall_of_fame(&self) -> Result<Vec<HallOfFameEntry>, DisclosureError> {
        let mut conn = self.db().connection().await?;
        let states: Vec<&str> = CREDITED.iter().map(|s| s.as_str()).collect();
        let mut entries: Vec<HallOfFameEntry> = reports::in_states(&mut conn, &states)
            .await?
            .into_iter()
            .filter(|r| r.credit)
            .filter_map(entry)
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.credited_at));
        Ok(entries)
    }

    /// A published advisory: a disclosed report, as the public sees it.
    pub async fn advisory(&self, id: &str) -> Result<ReportView, DisclosureError> {
        if !platform::ids::is_well_formed("rpt", id) {
            return Err(DisclosureError::NotFound);
        }
        let view = self.view(id, false).await?;
        if view.state != State::Disclosed {
            return Err(DisclosureError::NotFound);
        }
        Ok(view)
    }

    /// Published advisories, newest first.
    pub async fn advisories(&self) -> Result<Vec<ReportView>, DisclosureError> {
        let ids: Vec<String> = {
            let mut conn = self.db().connection().await?;
            reports::in_states(&mut conn, &[State::Disclosed.as_str()])
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        let mut views = Vec::new();
        for id in ids.iter().rev() {
            views.push(self.view(id, false).await?);
        }
        Ok(views)
    }
}

fn entry(record: ReportRecord) -> Option<HallOfFameEntry> {
    let name = record.reporter_name.clone()?;
    let email = record.reporter_email.clone();
    Some(HallOfFameEntry {
        name,
        gravatar: email.as_deref().map(gravatar_url),
        organisation: record
            .credit_organisation
            .clone()
            .filter(|_| record.show_organisation),
        email: email.filter(|_| record.show_email),
        link: record.credit_link.clone().filter(|_| record.show_link),
        title: record.title,
        severity: record.severity,
        credited_at: Timestamp::from_millis(
            record
                .fixed_at
                .or(record.resolved_at)
                .unwrap_or(record.updated_at),
        ),
    })
}

/// Gravatar's image for an address: SHA-256 of the trimmed, lower-cased address, with an
/// identicon when the person has no Gravatar.
pub fn gravatar_url(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    format!(
        "https://gravatar.com/avatar/{}?d=identicon&s=80",
        hex::encode(digest)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn gravatar_hashes_the_trimmed_lower_cased_address() {
        // SHA-256("myemailaddress@example.com"), Gravatar's documented example address.
        assert_eq!(
            super::gravatar_url("  MyEmailAddress@example.com "),
            "https://gravatar.com/avatar/84059b07d4be67b806386c0aad8070a23f18836bbaae342275dc0a83414c32ee?d=identicon&s=80"
        );
    }
}
