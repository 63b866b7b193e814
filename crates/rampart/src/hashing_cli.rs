//! `rampart admin hashing time`: what one Argon2id hash costs on this machine at the
//! configured parameters, and how many log-ins a second it can verify.

use identity::hashing_timer::{HashTimes, time_hashes};
use identity::model::hashing::HashingParams;
use platform::config::Config;
use serde_json::json;

use crate::cli::print;

pub(crate) fn time(
    config: &Config,
    threads: usize,
    count: usize,
    warm_up: usize,
    as_json: bool,
) -> anyhow::Result<()> {
    let identity = &config.identity;
    let params = HashingParams {
        memory_kib: identity.hash_memory_kib,
        iterations: identity.hash_iterations,
        parallelism: identity.hash_parallelism,
    };
    let times = time_hashes(params, threads, count, warm_up)?;
    let huge_pages = HugePages::of_this_machine();
    if as_json {
        print(&format!("{}\n", report_json(&times, huge_pages)));
    } else {
        print(&report_text(
            &times,
            identity.hashing_memory_budget_mib,
            huge_pages,
        ));
    }
    Ok(())
}

/// The kernel's transparent huge page mode, which decides whether the hashing memory's
/// request for huge pages is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HugePages {
    Always,
    Madvise,
    Never,
    /// Not Linux, or the setting cannot be read.
    Unknown,
}

impl HugePages {
    const SETTING: &str = "/sys/kernel/mm/transparent_hugepage/enabled";

    fn of_this_machine() -> Self {
        std::fs::read_to_string(Self::SETTING).map_or(Self::Unknown, |text| Self::parse(&text))
    }

    /// The bracketed choice of a line such as `always [madvise] never`.
    fn parse(setting: &str) -> Self {
        let chosen = setting
            .split_whitespace()
            .find_map(|word| word.strip_prefix('[')?.strip_suffix(']'));
        match chosen {
            Some("always") => Self::Always,
            Some("madvise") => Self::Madvise,
            Some("never") => Self::Never,
            _ => Self::Unknown,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Madvise => "madvise",
            Self::Never => "never",
            Self::Unknown => "unknown",
        }
    }

    fn meaning(self) -> &'static str {
        match self {
            Self::Always | Self::Madvise => "the hashing memory is on huge pages",
            Self::Never => {
                "hashes run on 4 KiB pages, about a tenth slower; set it to madvise to speed them up"
            }
            Self::Unknown => "whether the hashing memory is on huge pages is not known here",
        }
    }
}

fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn report_json(times: &HashTimes, huge_pages: HugePages) -> serde_json::Value {
    json!({
        "transparent_huge_pages": huge_pages.name(),
        "memory_kib": times.params.memory_kib,
        "iterations": times.params.iterations,
        "parallelism": times.params.parallelism,
        "threads": times.threads,
        "samples_ms": times.samples.iter().copied().map(millis).collect::<Vec<_>>(),
        "median_ms": millis(times.median()),
        "hashes_per_second": times.per_second,
    })
}

fn report_text(times: &HashTimes, budget_mib: u64, huge_pages: HugePages) -> String {
    let p = times.params;
    let median = millis(times.median());
    let fastest = times.samples.iter().min().copied().map_or(0.0, millis);
    let slowest = times.samples.iter().max().copied().map_or(0.0, millis);
    let slots = budget_mib * 1024 / u64::from(p.memory_kib.max(1));
    format!(
        "Argon2id, m = {} KiB, t = {}, p = {} (identity.hash_*), on {} thread(s) at once:\n\
         \x20 one hash: median {median:.1} ms (fastest {fastest:.1}, slowest {slowest:.1}) over {} hashes\n\
         \x20 verified: {:.0} log-ins a second in all\n\
         \x20 hashing budget {budget_mib} MiB (identity.hashing_memory_budget_mib): {slots} hashes at once\n\
         \x20 transparent huge pages: {} ({})\n",
        p.memory_kib,
        p.iterations,
        p.parallelism,
        times.threads,
        times.samples.len(),
        times.per_second,
        huge_pages.name(),
        huge_pages.meaning(),
    )
}

#[cfg(test)]
mod tests {
    use super::HugePages;

    #[test]
    fn the_bracketed_choice_of_the_kernel_setting_is_the_mode() {
        assert_eq!(
            HugePages::parse("always [madvise] never\n"),
            HugePages::Madvise
        );
        assert_eq!(
            HugePages::parse("[always] madvise never"),
            HugePages::Always
        );
        assert_eq!(HugePages::parse("always madvise [never]"), HugePages::Never);
        assert_eq!(HugePages::parse("always madvise never"), HugePages::Unknown);
        assert_eq!(HugePages::parse(""), HugePages::Unknown);
    }
}
