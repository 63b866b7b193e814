//! Password hashing: Argon2id in PHC strings, with parameters at least OWASP's (19 MiB,
//! t=2, p=1). A stored hash made with weaker parameters verifies, and is reported as
//! needing a rehash so the next successful log-in upgrades it.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use super::SecretText;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl HashingParams {
    /// OWASP's minimum for Argon2id: 19 MiB, two passes, one lane.
    pub const OWASP_MINIMUM: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// Memory one hash needs, for sizing the pool of concurrent hashes.
    pub fn memory_bytes(self) -> u64 {
        u64::from(self.memory_kib) * 1024
    }

    fn weaker_than(self, other: Self) -> bool {
        self.memory_kib < other.memory_kib
            || self.iterations < other.iterations
            || self.parallelism < other.parallelism
    }
}

impl Default for HashingParams {
    fn default() -> Self {
        Self::OWASP_MINIMUM
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    #[error("argon2 parameters are below OWASP's minimum (19456 KiB, t=2, p=1)")]
    TooWeak,
    #[error("argon2 parameters are invalid: {0}")]
    InvalidParams(String),
    #[error("the stored password hash is not a PHC string Rampart can read")]
    UnreadableHash,
    #[error("password hashing failed")]
    Failed,
}

/// The result of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Right password; `needs_rehash` when the stored hash used weaker parameters.
    Valid {
        needs_rehash: bool,
    },
    Invalid,
}

impl Verification {
    pub fn is_valid(self) -> bool {
        matches!(self, Self::Valid { .. })
    }
}

/// The working memory of one hash, kept and reused from hash to hash. Allocating 19 MiB
/// afresh for every hash makes the allocator's heaps grow far past what is in use at once.
///
/// The memory is laid on transparent huge pages where the kernel offers them. Argon2id
/// reads blocks all over its memory; on 4 KiB pages most of those reads also miss the TLB
/// and walk the page tables, and two hashes at once do that through the same memory bus.
/// On 2 MiB pages one hash runs about a tenth faster, and two at once lose almost nothing
/// to each other. Where huge pages are off, the hint does nothing.
pub struct HashingMemory {
    blocks: Vec<Block>,
    /// The first block that starts at or just past a 2 MiB boundary: the blocks before it
    /// share a partial huge page with memory outside the buffer, so the kernel gives them
    /// 4 KiB pages, and hashes use the blocks from here on.
    start: usize,
}

/// The size of a transparent huge page on x86-64 and AArch64.
const HUGE_PAGE_BYTES: usize = 2 << 20;
const BLOCK_BYTES: usize = std::mem::size_of::<Block>();

impl HashingMemory {
    pub fn new() -> Self {
        Self {
            blocks: Vec::new(),
            start: 0,
        }
    }

    /// `count` blocks, growing the buffer the first time (or for a stored hash made with
    /// more memory than the current parameters).
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.blocks.len() - self.start < count {
            // Room for `count` blocks from a 2 MiB boundary to the end of a whole huge page,
            // advised while no page is touched yet: a page already faulted in stays 4 KiB.
            let capacity = (count * BLOCK_BYTES).next_multiple_of(HUGE_PAGE_BYTES) / BLOCK_BYTES
                + HUGE_PAGE_BYTES / BLOCK_BYTES;
            let mut blocks = Vec::<Block>::with_capacity(capacity);
            let address = blocks.as_ptr().addr();
            kevy_madvise::advise_hugepage(blocks.as_ptr().cast::<u8>(), capacity * BLOCK_BYTES);
            let start = (address.next_multiple_of(HUGE_PAGE_BYTES) - address).div_ceil(BLOCK_BYTES);
            blocks.resize(start + count, Block::default());
            *self = Self { blocks, start };
        }
        &mut self.blocks[self.start..self.start + count]
    }
}

impl Default for HashingMemory {
    fn default() -> Self {
        Self::new()
    }
}

/// Hashes and verifies passwords with one set of parameters.
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    argon2_params: Params,
    params: HashingParams,
    /// A hash of nothing in particular, verified for unknown accounts so that they take as
    /// long to refuse as known ones.
    dummy: String,
}

impl PasswordHasher {
    pub fn new(params: HashingParams) -> Result<Self, HashingError> {
        if params.weaker_than(HashingParams::OWASP_MINIMUM) {
            return Err(HashingError::TooWeak);
        }
        let argon2_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| HashingError::InvalidParams(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params.clone());
        let mut hasher = Self {
            argon2,
            argon2_params,
            params,
            dummy: String::new(),
        };
        hasher.dummy = hasher.hash(&SecretText::new(
            "rampart dummy password for unknown accounts",
        ))?;
        Ok(hasher)
    }

    pub fn params(&self) -> HashingParams {
        self.params
    }

    /// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a fresh random salt.
    pub fn hash(&self, password: &SecretText) -> Result<String, HashingError> {
        self.hash_in(password, &mut HashingMemory::new())
    }

    /// [`PasswordHasher::hash`] in the given working memory.
    pub fn hash_in(
        &self,
        password: &SecretText,
        memory: &mut HashingMemory,
    ) -> Result<String, HashingError> {
        let salt = SaltString::generate(&mut OsRng);
        let output = compute(
            &self.argon2,
            &self.argon2_params,
            password,
            salt.as_salt(),
            memory,
        )?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.argon2_params)
                .map_err(|_| HashingError::Failed)?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(phc.to_string())
    }

    /// Checks `password` against a stored PHC string, whatever parameters it was made with.
    pub fn verify(
        &self,
        password: &SecretText,
        stored: &str,
    ) -> Result<Verification, HashingError> {
        self.verify_in(password, stored, &mut HashingMemory::new())
    }

    /// [`PasswordHasher::verify`] in the given working memory.
    pub fn verify_in(
        &self,
        password: &SecretText,
        stored: &str,
        memory: &mut HashingMemory,
    ) -> Result<Verification, HashingError> {
        let parsed = PasswordHash::new(stored).map_err(|_| HashingError::UnreadableHash)?;
        let algorithm =
            Algorithm::try_from(parsed.algorithm).map_err(|_| HashingError::UnreadableHash)?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).map_err(|_| HashingError::UnreadableHash)?,
            None => Version::V0x13,
        };
        let params = Params::try_from(&parsed).map_err(|_| HashingError::UnreadableHash)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(HashingError::UnreadableHash);
        };
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let output = compute(&argon2, &params, password, salt, memory)?;
        // `Output`'s equality runs in constant time.
        if output == expected {
            Ok(Verification::Valid {
                needs_rehash: self.needs_rehash(&parsed),
            })
        } else {
            Ok(Verification::Invalid)
        }
    }

    /// Spends the same work as [`PasswordHasher::verify_in`] for an account that does not
    /// exist.
    pub fn verify_nobody_in(&self, password: &SecretText, memory: &mut HashingMemory) {
        let _ = self.verify_in(password, &self.dummy, memory);
    }

    fn needs_rehash(&self, stored: &PasswordHash<'_>) -> bool {
        if stored.algorithm != Algorithm::Argon2id.ident()
            || stored.version != Some(Version::V0x13.into())
        {
            return true;
        }
        let Ok(params) = Params::try_from(stored) else {
            return true;
        };
        let stored = HashingParams {
            memory_kib: params.m_cost(),
            iterations: params.t_cost(),
            parallelism: params.p_cost(),
        };
        stored.weaker_than(self.params)
    }
}

/// The raw Argon2 output of `password` and `salt` under `params`, in `memory`.
fn compute(
    argon2: &Argon2<'_>,
    params: &Params,
    password: &SecretText,
    salt: Salt<'_>,
    memory: &mut HashingMemory,
) -> Result<Output, HashingError> {
    let mut salt_bytes = [0u8; 64];
    let salt = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|_| HashingError::UnreadableHash)?;
    let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let blocks = memory.blocks(params.block_count());
    Output::init_with(length, |out| {
        argon2
            .hash_password_into_with_memory(password.expose().as_bytes(), salt, out, &mut *blocks)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|_| HashingError::Failed)
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
    use argon2::{AssociatedData, ParamsBuilder};

    use super::*;

    /// RFC 9106, section 5.3: the Argon2id test vector.
    #[test]
    fn rfc_9106_argon2id_vector() {
        let params = ParamsBuilder::new()
            .m_cost(32)
            .t_cost(3)
            .p_cost(4)
            .output_len(32)
            .data(AssociatedData::new(&[0x04; 12]).unwrap())
            .build()
            .unwrap();
        let secret = [0x03; 8];
        let argon2 =
            Argon2::new_with_secret(&secret, Algorithm::Argon2id, Version::V0x13, params).unwrap();
        let mut tag = [0u8; 32];
        argon2
            .hash_password_into(&[0x01; 32], &[0x02; 16], &mut tag)
            .unwrap();
        assert_eq!(
            hex::encode(tag),
            "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
        );
    }

    #[test]
    fn a_hash_is_a_phc_string_with_the_configured_parameters_and_verifies() {
        let hasher = PasswordHasher::new(HashingParams::default()).unwrap();
        let password = SecretText::new("violet-anchor-drizzle-87");
        let hash = hasher.hash(&password).unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert_eq!(
            hasher.verify(&password, &hash).unwrap(),
            Verification::Valid {
                needs_rehash: false
            }
        );
        assert_eq!(
            hasher.verify(&SecretText::new("wrong"), &hash).unwrap(),
            Verification::Invalid
        );
        assert_ne!(
            hash,
            hasher.hash(&password).unwrap(),
            "each hash has its own salt"
        );
    }

    #[test]
    fn working_memory_starts_on_a_huge_page_boundary_and_grows_for_bigger_hashes() {
        let mut memory = HashingMemory::new();
        for count in [19 * 1024, 8 * 1024, 64 * 1024] {
            let blocks = memory.blocks(count);
            assert_eq!(blocks.len(), count);
            // Blocks are 64-byte aligned, so the first one starts within a block of the
            // boundary, not always on it.
            let past_boundary = blocks.as_ptr().addr() % HUGE_PAGE_BYTES;
            assert!(
                past_boundary < BLOCK_BYTES,
                "{count} blocks: {past_boundary}"
            );
        }
        // The buffer grew once for 19 MiB and once for 64 MiB, never for the smaller hash.
        assert!(memory.blocks.len() - memory.start >= 64 * 1024);
    }

    #[test]
    fn hashes_made_in_reused_memory_agree_with_the_argon2_crate_both_ways() {
        let hasher = PasswordHasher::new(HashingParams::default()).unwrap();
        let password = SecretText::new("violet-anchor-drizzle-87");
        let mut memory = HashingMemory::new();
        let ours = hasher.hash_in(&password, &mut memory).unwrap();
        let again = hasher.hash_in(&password, &mut memory).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok()
        );
        let theirs = Argon2::default()
            .hash_password(
                password.expose().as_bytes(),
                &SaltString::generate(&mut OsRng),
            )
            .unwrap()
            .to_string();
        for stored in [&ours, &again, &theirs] {
            assert!(
                hasher
                    .verify_in(&password, stored, &mut memory)
                    .unwrap()
                    .is_valid()
            );
            assert!(
                !hasher
                    .verify_in(&SecretText::new("wrong"), stored, &mut memory)
                    .unwrap()
                    .is_valid()
            );
        }
    }

    #[test]
    fn a_hash_with_weaker_parameters_verifies_and_asks_for_a_rehash() {
        let password = SecretText::new("violet-anchor-drizzle-87");
        let old = PasswordHasher::new(HashingParams::default())
            .unwrap()
            .hash(&password)
            .unwrap();
        let stronger = PasswordHasher::new(HashingParams {
            memory_kib: 24 * 1024,
            iterations: 3,
            parallelism: 1,
        })
        .unwrap();
        assert_eq!(
            stronger.verify(&password, &old).unwrap(),
            Verification::Valid { needs_rehash: true }
        );
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(19456, 2, 1, None).unwrap(),
        );
        let legacy = argon2i
            .hash_password(
                b"violet-anchor-drizzle-87",
                &SaltString::generate(&mut OsRng),
            )
            .unwrap()
            .to_string();
        assert_eq!(
            stronger.verify(&password, &legacy).unwrap(),
            Verification::Valid { needs_rehash: true }
        );
    }

    #[test]
    fn parameters_below_owasp_are_refused_and_garbage_hashes_are_errors() {
        assert!(matches!(
            PasswordHasher::new(HashingParams {
                memory_kib: 4096,
                iterations: 2,
                parallelism: 1
            }),
            Err(HashingError::TooWeak)
        ));
        let hasher = PasswordHasher::new(HashingParams::default()).unwrap();
        assert!(matches!(
            hasher.verify(&SecretText::new("x"), "not a hash"),
            Err(HashingError::UnreadableHash)
        ));
    }
}
