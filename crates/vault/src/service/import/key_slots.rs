//! A map from 64-bit keys to 32-bit slots that an import fills one key at a time and
//! never shrinks: how it remembers the contacts it created.
//!
//! Keys first land in a small B-tree; when that holds `RECENT_LIMIT` keys they are merged
//! into two sorted arrays, stored in fixed-size chunks so growing never copies them or
//! holds two copies at once. That is 12 bytes a key, where a B-tree of every key took
//! about 20 and a hash map twice that, doubling at once when it grew.

use std::collections::BTreeMap;

/// Keys held in the B-tree before a merge: large enough that merges are rare (each moves
/// every key after the first new one), small enough to stay a megabyte or two.
const RECENT_LIMIT: usize = 1 << 16;

/// Interpolation steps before bisection takes over, and the range below which it takes
/// over at once (a few cache lines of keys).
const INTERPOLATION_STEPS: usize = 4;
const BISECT_BELOW: usize = 32;

/// Elements per chunk of the sorted arrays.
const CHUNK_BITS: u32 = 16;
const CHUNK: usize = 1 << CHUNK_BITS;

#[derive(Default)]
pub(super) struct KeySlots {
    keys: Chunked<i64>,
    slots: Chunked<u32>,
    recent: BTreeMap<i64, u32>,
}

impl KeySlots {
    pub fn get(&self, key: i64) -> Option<u32> {
        if let Some(slot) = self.recent.get(&key) {
            return Some(*slot);
        }
        self.position(key).map(|at| self.slots.get(at))
    }

    /// Maps `key` to `slot` unless it already maps somewhere: the first contact that had a
    /// key keeps it.
    pub fn insert_if_absent(&mut self, key: i64, slot: u32) {
        if self.get(key).is_some() {
            return;
        }
        self.recent.insert(key, slot);
        if self.recent.len() >= RECENT_LIMIT {
            self.merge_recent();
        }
    }

    /// Where `key` is in the sorted arrays.
    ///
    /// The keys are blind-index terms, HMAC outputs spread evenly over `i64`, so a key's
    /// value says about where it sits: a key at a fraction of the way between the range's
    /// first and last keys is near that fraction of the way along, give or take √n. Each
    /// step guesses so, and reads the keys √n to either side to bracket it; three steps
    /// narrow a few million keys to a few dozen, in about a third of the cache misses of
    /// bisecting. A guess that misses its bracket still narrows the range to one side, and
    /// bisection finishes, so keys that are not spread evenly cost a little more, never a
    /// wrong answer.
    fn position(&self, key: i64) -> Option<usize> {
        // The key, if present, is at an index in [low, high).
        let (mut low, mut high) = (0, self.keys.len());
        for _ in 0..INTERPOLATION_STEPS {
            if high - low <= BISECT_BELOW {
                break;
            }
            let (first, last) = (self.keys.get(low), self.keys.get(high - 1));
            if key < first || key > last {
                return None;
            }
            let guess = low + interpolate(key, first, last, high - low - 1);
            let reach = (high - low).isqrt();
            let below = guess.saturating_sub(reach).max(low);
            let above = (guess + reach).min(high - 1);
            if self.keys.get(below) > key {
                high = below;
            } else if self.keys.get(above) < key {
                low = above + 1;
            } else {
                (low, high) = (below, above + 1);
            }
        }
        while low < high {
            let middle = low + (high - low) / 2;
            match self.keys.get(middle).cmp(&key) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    /// Merges the B-tree into the arrays from the back, so each old element moves once and
    /// none is overwritten before it has moved. No key of the B-tree is in the arrays.
    fn merge_recent(&mut self) {
        let recent = std::mem::take(&mut self.recent);
        let old = self.keys.len();
        self.keys.grow_by(recent.len());
        self.slots.grow_by(recent.len());
        let mut read = old;
        let mut write = old + recent.len();
        for (key, slot) in recent.into_iter().rev() {
            while read > 0 && self.keys.get(read - 1) > key {
                read -= 1;
                write -= 1;
                self.keys.set(write, self.keys.get(read));
                self.slots.set(write, self.slots.get(read));
            }
            write -= 1;
            self.keys.set(write, key);
            self.slots.set(write, slot);
        }
    }
}

/// Where `key` falls between `first` and `last` (with `first <= key <= last`), scaled to
/// `0..=span` positions.
fn interpolate(key: i64, first: i64, last: i64, span: usize) -> usize {
    let width = i128::from(last) - i128::from(first);
    if width == 0 {
        return 0;
    }
    let offset = (i128::from(key) - i128::from(first)) * span as i128 / width;
    usize::try_from(offset).unwrap_or(0).min(span)
}

/// A growable array in chunks of `CHUNK` elements.
struct Chunked<T> {
    chunks: Vec<Box<[T]>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Copy + Default> Chunked<T> {
    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, at: usize) -> T {
        self.chunks[at >> CHUNK_BITS][at & (CHUNK - 1)]
    }

    fn set(&mut self, at: usize, value: T) {
        self.chunks[at >> CHUNK_BITS][at & (CHUNK - 1)] = value;
    }

    /// Adds `more` default elements at the end.
    fn grow_by(&mut self, more: usize) {
        self.len += more;
        while self.chunks.len() * CHUNK < self.len {
            self.chunks
                .push(vec![T::default(); CHUNK].into_boxed_slice());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{KeySlots, RECENT_LIMIT};

    #[test]
    fn finds_every_key_across_merges_and_keeps_the_first_slot() {
        let mut map = KeySlots::default();
        let mut expected = HashMap::new();
        // A multiplicative hash scatters keys as terms are scattered; every seventh key
        // repeats an earlier one, whose first slot must stay.
        let count = 3 * RECENT_LIMIT + 123;
        for n in 0..count as u64 {
            let source = if n % 7 == 6 { n / 2 } else { n };
            let key = source.wrapping_mul(0x9E37_79B9_7F4A_7C15) as i64;
            let slot = u32::try_from(n).unwrap();
            map.insert_if_absent(key, slot);
            expected.entry(key).or_insert(slot);
        }
        assert_eq!(map.recent.len() + map.keys.len(), expected.len());
        // About 6/7 of the keys are new: two merges have happened.
        assert_eq!(map.keys.len(), 2 * RECENT_LIMIT);
        for (key, slot) in &expected {
            assert_eq!(map.get(*key), Some(*slot), "key {key}");
        }
        for at in 1..map.keys.len() {
            assert!(map.keys.get(at - 1) < map.keys.get(at), "sorted at {at}");
        }
        assert_eq!(map.get(12_345), None);
        assert_eq!(map.get(i64::MIN), None);
    }

    #[test]
    fn finds_keys_that_are_not_spread_evenly() {
        let mut map = KeySlots::default();
        // Two dense clusters at the ends of the range and a sparse run between them: every
        // interpolation guess lands far from its key.
        let clustered = (0..RECENT_LIMIT as i64)
            .map(|n| i64::MIN + n)
            .chain((0..RECENT_LIMIT as i64).map(|n| i64::MAX - n))
            .chain((0..1000).map(|n| n * 1_000_003));
        let keys: Vec<i64> = clustered.collect();
        for (slot, key) in keys.iter().enumerate() {
            map.insert_if_absent(*key, u32::try_from(slot).unwrap());
        }
        assert!(map.keys.len() >= 2 * RECENT_LIMIT, "merged into the arrays");
        for (slot, key) in keys.iter().enumerate() {
            assert_eq!(
                map.get(*key),
                Some(u32::try_from(slot).unwrap()),
                "key {key}"
            );
        }
        for absent in [
            i64::MIN + RECENT_LIMIT as i64,
            -1,
            1,
            1_000_002,
            i64::MAX - 70_000,
        ] {
            assert_eq!(map.get(absent), None, "key {absent}");
        }
    }
}
