//! The kernel's transparent huge page mode: whether the hashing memory's request for huge
//! pages (see [`crate::model::hashing::HashingMemory`]) is granted. Shown by `rampart admin
//! hashing time`, and warned about at start when it is off.

/// The kernel's transparent huge page mode, which decides whether the hashing memory's
/// request for huge pages is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HugePages {
    Always,
    Madvise,
    Never,
    /// Not Linux, or the setting cannot be read.
    Unknown,
}

impl HugePages {
    pub const SETTING: &str = "/sys/kernel/mm/transparent_hugepage/enabled";

    pub fn of_this_machine() -> Self {
        std::fs::read_to_string(Self::SETTING).map_or(Self::Unknown, |text| Self::parse(&text))
    }

    /// The bracketed choice of a line such as `always [madvise] never`.
    pub fn parse(setting: &str) -> Self {
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

    pub fn name(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Madvise => "madvise",
            Self::Never => "never",
            Self::Unknown => "unknown",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Self::Always | Self::Madvise => "the hashing memory is on huge pages",
            Self::Never => {
                "hashes run on 4 KiB pages, about a tenth slower; set it to madvise to speed them up"
            }
            Self::Unknown => "whether the hashing memory is on huge pages is not known here",
        }
    }
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
