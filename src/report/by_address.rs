// SPDX-License-Identifier: GPL-3.0-or-later
//! Maps keyed by the address of text that many entries share (an event's summary is one
//! `Arc<str>` for all its occurrences), for what a renderer makes once per event.
//!
//! Owns only the hashing: an address is already unique, so it is mixed with one
//! multiplication instead of the default hasher's rounds, which cost more than the lookup.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map from the address of shared text to what was made of it.
pub type ByAddress<V> = HashMap<*const u8, V, BuildHasherDefault<AddressHasher>>;

/// The same, keyed by the address as a number, for a map that threads share (a pointer
/// key would make it neither `Send` nor `Sync`).
pub type SharedByAddress<V> = HashMap<usize, V, BuildHasherDefault<AddressHasher>>;

/// Hashes one address: its bits multiplied by an odd constant, the high half folded onto
/// the low half so that both the bucket (low bits) and the tag (high bits) vary.
#[derive(Debug, Default, Clone, Copy)]
pub struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let product = u128::from(self.0 ^ n) * 0x9e37_79b9_7f4a_7c15;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_text_is_found_by_its_address_and_nothing_else() {
        let texts: Vec<std::sync::Arc<str>> = (0..1000).map(|i| format!("t{i}").into()).collect();
        let mut map: ByAddress<usize> = ByAddress::default();
        for (i, t) in texts.iter().enumerate() {
            map.insert(t.as_ptr(), i);
        }
        let copies: Vec<std::sync::Arc<str>> = texts.to_vec();
        for (i, t) in copies.iter().enumerate() {
            assert_eq!(map.get(&t.as_ptr()), Some(&i));
        }
        let equal = String::from("t1");
        assert_eq!(map.get(&equal.as_ptr()), None);
        assert_eq!(map.len(), 1000);
    }

    #[test]
    fn nearby_addresses_spread_over_buckets_and_tags() {
        let hash = |n: usize| {
            let mut h = AddressHasher::default();
            h.write_usize(n);
            h.finish()
        };
        let low: std::collections::HashSet<u64> = (0..256)
            .map(|i| hash(0x7f00_0000 + 16 * i) & 0xff)
            .collect();
        let high: std::collections::HashSet<u64> =
            (0..256).map(|i| hash(0x7f00_0000 + 16 * i) >> 57).collect();
        assert!(low.len() > 128, "{}", low.len());
        assert!(high.len() > 64, "{}", high.len());
    }
}
