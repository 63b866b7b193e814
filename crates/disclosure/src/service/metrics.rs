//! The program's figures: how fast reports were acknowledged, triaged and fixed, by
//! severity, and the share of each commitment kept. The team sees them in the console; the
//! public summary shows the same figures without any report.

use super::view::ReportView;
use super::{Disclosure, DisclosureError};
use crate::model::clock::ClockStatus;
use crate::model::lifecycle::Severity;

/// One commitment's record: how many clocks ended, how many on time, and the median time
/// taken, in hours.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kept {
    pub ended: usize,
    pub on_time: usize,
    pub median_hours: Option<f64>,
}

impl Kept {
    /// The share kept, in percent; `None` before any clock ended.
    pub fn percent(&self) -> Option<u32> {
        (self.ended > 0).then(|| (self.on_time * 100 / self.ended) as u32)
    }

    fn of(durations_and_kept: &[(i64, bool)]) -> Self {
        let mut hours: Vec<f64> = durations_and_kept
            .iter()
            .map(|(millis, _)| *millis as f64 / 3_600_000.0)
            .collect();
        hours.sort_by(f64::total_cmp);
        let median_hours = match hours.len() {
            0 => None,
            n if n % 2 == 1 => Some(hours[n / 2]),
            n => Some((hours[n / 2 - 1] + hours[n / 2]) / 2.0),
        };
        Self {
            ended: durations_and_kept.len(),
            on_time: durations_and_kept.iter().filter(|(_, kept)| *kept).count(),
            median_hours,
        }
    }
}

/// The fix figures of one severity.
#[derive(Debug, Clone, PartialEq)]
pub struct FixFigures {
    pub severity: Severity,
    pub kept: Kept,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub reports: usize,
    pub open: usize,
    pub overdue: usize,
    pub first_response: Kept,
    pub triage: Kept,
    pub fixes: Vec<FixFigures>,
}

impl Disclosure {
    pub async fn metrics(&self) -> Result<Metrics, DisclosureError> {
        Ok(figures(&self.latest_views(10_000).await?))
    }
}

/// The figures of a set of reports: pure, for tests.
pub fn figures(views: &[ReportView]) -> Metrics {
    let ended = |status: ClockStatus| match status {
        ClockStatus::Met { on_time } => Some(on_time),
        ClockStatus::Running { .. } => None,
    };
    let mut first_response = Vec::new();
    let mut triage = Vec::new();
    let mut fixes: Vec<(Severity, Vec<(i64, bool)>)> =
        Severity::ALL.iter().map(|s| (*s, Vec::new())).collect();
    for view in views {
        let started = view.submitted_at.as_millis();
        if let (Some(on_time), Some(at)) =
            (ended(view.first_response.status), view.first_response_at)
        {
            first_response.push((at.as_millis() - started, on_time));
        }
        if let (Some(on_time), Some(at)) = (ended(view.triage.status), view.triaged_at) {
            triage.push((at.as_millis() - started, on_time));
        }
        if let (Some(fix), Some(severity), Some(accepted), Some(fixed)) =
            (view.fix, view.severity, view.accepted_at, view.fixed_at)
            && let Some(on_time) = ended(fix.status)
            && let Some((_, list)) = fixes.iter_mut().find(|(s, _)| *s == severity)
        {
            list.push((fixed.as_millis() - accepted.as_millis(), on_time));
        }
    }
    Metrics {
        reports: views.len(),
        open: views.iter().filter(|v| v.state.is_open()).count(),
        overdue: views.iter().filter(|v| v.overdue()).count(),
        first_response: Kept::of(&first_response),
        triage: Kept::of(&triage),
        fixes: fixes
            .into_iter()
            .map(|(severity, list)| FixFigures {
                severity,
                kept: Kept::of(&list),
            })
            .collect(),
    }
}

/// Bars of an SVG chart: (label, percent kept) laid out for the template.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub percent: u32,
    pub y: u32,
    pub width: u32,
}

impl Metrics {
    /// One bar per commitment that has ended clocks, 300 units wide at 100 %.
    pub fn bars(&self) -> Vec<Bar> {
        let mut rows: Vec<(String, &Kept)> = vec![
            ("First response".to_owned(), &self.first_response),
            ("Triage".to_owned(), &self.triage),
        ];
        for fix in &self.fixes {
            rows.push((format!("Fix, {}", fix.severity.label()), &fix.kept));
        }
        rows.into_iter()
            .filter_map(|(label, kept)| Some((label, kept.percent()?)))
            .enumerate()
            .map(|(i, (label, percent))| Bar {
                label,
                percent,
                y: 10 + 30 * i as u32,
                width: percent * 3,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use platform::clock::Timestamp;

    use super::{Kept, figures};
    use crate::model::clock::{Calendar, Targets};
    use crate::service::view::ReportView;
    use crate::store::reports::ReportRecord;

    fn at(text: &str) -> i64 {
        Timestamp::parse_rfc3339(text).unwrap().as_millis()
    }

    fn report(id: &str, submitted: &str) -> ReportRecord {
        ReportRecord {
            id: id.into(),
            title: "t".into(),
            class: "other".into(),
            affected: "a".into(),
            impact: "i".into(),
            steps: "s".into(),
            proof_of_concept: String::new(),
            cvss_v3: None,
            cvss_v3_tenths: None,
            cvss_v4: None,
            cvss_v4_tenths: None,
            state: "triaging".into(),
            severity: None,
            duplicate_of: None,
            reporter_name: None,
            reporter_email: None,
            reporter_user_id: None,
            reporter_token_id: None,
            credit: true,
            credit_organisation: None,
            credit_link: None,
            show_email: false,
            show_organisation: false,
            show_link: false,
            submitted_at: at(submitted),
            first_response_at: None,
            triaged_at: None,
            accepted_at: None,
            fixed_at: None,
            resolved_at: None,
            closed_at: None,
            disclosed_at: None,
            disclose_on: None,
            fix_target: None,
            updated_at: at(submitted),
        }
    }

    #[test]
    fn figures_count_kept_commitments_and_median_times() {
        // Monday 09:00: the first response is due by Tuesday's end, triage by Monday next.
        let mut on_time = report("rpt_a", "2026-03-02T09:00:00Z");
        on_time.first_response_at = Some(at("2026-03-02T11:00:00Z"));
        on_time.triaged_at = Some(at("2026-03-03T09:00:00Z"));
        on_time.accepted_at = on_time.triaged_at;
        on_time.state = "fixed".into();
        on_time.severity = Some("high".into());
        on_time.fixed_at = Some(at("2026-03-13T09:00:00Z"));
        let mut late = report("rpt_b", "2026-03-02T09:00:00Z");
        late.first_response_at = Some(at("2026-03-05T09:00:00Z"));
        let open = report("rpt_c", "2026-03-02T09:00:00Z");
        let now = Timestamp::parse_rfc3339("2026-03-06T12:00:00Z").unwrap();
        let views: Vec<ReportView> = [on_time, late, open]
            .into_iter()
            .map(|r| {
                ReportView::of(
                    r,
                    Vec::new(),
                    &Calendar::default(),
                    &Targets::default(),
                    &[],
                    now,
                )
            })
            .collect();
        let metrics = figures(&views);
        assert_eq!(metrics.reports, 3);
        assert_eq!(metrics.first_response.ended, 2);
        assert_eq!(metrics.first_response.on_time, 1);
        assert_eq!(metrics.first_response.percent(), Some(50));
        // 2 h and 72 h: the median of two is their mean.
        assert_eq!(metrics.first_response.median_hours, Some(37.0));
        assert_eq!(metrics.triage.percent(), Some(100));
        let high = metrics
            .fixes
            .iter()
            .find(|f| f.severity.as_str() == "high")
            .unwrap();
        assert_eq!(high.kept.percent(), Some(100));
        assert_eq!(high.kept.median_hours, Some(240.0));
        // Rpt_b's triage and rpt_c's first response are still running on Friday: rpt_c's is
        // overdue (due Tuesday), which the queue shows.
        assert!(metrics.overdue >= 1);
        assert_eq!(Kept::default().percent(), None);
        let bars = metrics.bars();
        assert_eq!(bars[0].label, "First response");
        assert_eq!(bars[0].width, 150);
    }
}
