// SPDX-License-Identifier: GPL-3.0-or-later
//! File names of associations: the one place that turns association keys into the stems of
//! their report pages (`<stem>.md`), mail attachments and `.eml` files.
//!
//! A name is collision-free, bounded and never special. Letters, digits, `-` and `_` are
//! kept, any other character becomes `-`, and the stem is cut to [`MAX_STEM`] bytes. A
//! stem that is reserved (`summary`, `entries`, `index`, one starting with `.` or `-`, a
//! Windows device name such as `con` or `lpt1`) or that was cut gets a suffix: `-` and
//! the first hex digits of a hash of the key, so the name stays the same from one report
//! to the next.
//!
//! With configured associations, two keys with one stem are a config error
//! ([`clashing_keys`]). In zero configuration any tag may be an association, so a key that
//! is not already a plain name (`a.b`, `a/b`) always gets the suffix, and a plain key keeps
//! its name; should two names still meet, the later key gets a longer suffix.

use std::collections::{BTreeMap, BTreeSet};

/// Longest stem in bytes before the suffix.
pub const MAX_STEM: usize = 64;

/// Hex digits of the usual suffix.
const SHORT_HASH: usize = 8;

/// Names caltally writes for the whole period, which no page may take.
const RESERVED: [&str; 3] = ["summary", "entries", "index"];

/// Where the keys come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `[associations.KEY]` in the config: checked for clashes when the config is loaded.
    Configured,
    /// Zero configuration: the keys are tags from the calendar.
    ZeroConfig,
}

impl Naming {
    /// The naming of a config: zero configuration when it has no `[associations]`.
    pub fn of(configured_keys: usize) -> Naming {
        if configured_keys == 0 {
            Naming::ZeroConfig
        } else {
            Naming::Configured
        }
    }
}

/// The stem of each key's files, collision-free over `keys`.
pub fn association_stems<'a>(
    keys: impl IntoIterator<Item = &'a str>,
    naming: Naming,
) -> BTreeMap<String, String> {
    let keys: BTreeSet<&str> = keys.into_iter().collect();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut stems = BTreeMap::new();
    // Plain names first, so a key that is its own name keeps it whatever else appears.
    let (plain, other): (Vec<&str>, Vec<&str>) = keys
        .iter()
        .partition(|k| stem_of(k, naming, SHORT_HASH) == **k);
    for key in plain.into_iter().chain(other) {
        let mut stem = stem_of(key, naming, SHORT_HASH);
        if taken.contains(&stem.to_lowercase()) {
            stem = stem_of(key, naming, 16);
        }
        taken.insert(stem.to_lowercase());
        stems.insert(key.to_string(), stem);
    }
    stems
}

/// The first two configured keys that would share a file name (compared without case, as some
/// file systems do).
pub fn clashing_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Option<(String, String)> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for key in keys {
        let stem = stem_of(key, Naming::Configured, SHORT_HASH).to_lowercase();
        if let Some(first) = seen.get(&stem) {
            return Some((first.to_string(), key.to_string()));
        }
        seen.insert(stem, key);
    }
    None
}

/// The stem of one key, before any clash with another key is considered; a longer
/// `hash_len` for a second try.
fn stem_of(key: &str, naming: Naming, hash_len: usize) -> String {
    let clean = sanitise(key);
    let short = cut(&clean);
    let needs_suffix = short.len() < clean.len()
        || is_reserved(short)
        || hash_len > SHORT_HASH
        || (naming == Naming::ZeroConfig && clean != key);
    if needs_suffix {
        // A name starting with `-` reads as an option, one starting with `.` is hidden.
        let lead = if short.starts_with(['.', '-']) || short.is_empty() {
            "_"
        } else {
            ""
        };
        format!("{lead}{short}-{}", hash_hex(key, hash_len))
    } else {
        clean
    }
}

/// Letters, digits, `-` and `_` kept; anything else `-`.
fn sanitise(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// At most [`MAX_STEM`] bytes, cut on a character boundary.
fn cut(stem: &str) -> &str {
    if stem.len() <= MAX_STEM {
        return stem;
    }
    let mut end = MAX_STEM;
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    &stem[..end]
}

fn is_reserved(stem: &str) -> bool {
    let lower = stem.to_lowercase();
    let device = |prefix: &str| {
        lower
            .strip_prefix(prefix)
            .is_some_and(|n| n.len() == 1 && n.as_bytes()[0].is_ascii_digit())
    };
    stem.is_empty()
        || stem.starts_with(['.', '-'])
        || RESERVED.contains(&lower.as_str())
        || ["con", "prn", "aux", "nul"].contains(&lower.as_str())
        || device("com")
        || device("lpt")
}

/// The first `len` hex digits of a 64-bit FNV-1a hash of `key` twice (128 bits at most):
/// stable across runs, platforms and versions, unlike the standard library's hasher.
fn hash_hex(key: &str, len: usize) -> String {
    let fnv = |seed: u64| {
        key.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let text = format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    );
    text[..len.min(text.len())].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zero(keys: &[&str]) -> BTreeMap<String, String> {
        association_stems(keys.iter().copied(), Naming::ZeroConfig)
    }

    #[test]
    fn plain_keys_keep_their_name() {
        let stems = association_stems(["amis", "école", "asso_2-b"], Naming::Configured);
        assert_eq!(stems["amis"], "amis");
        assert_eq!(stems["école"], "école");
        assert_eq!(stems["asso_2-b"], "asso_2-b");
        assert_eq!(
            association_stems(["asso.one"], Naming::Configured)["asso.one"],
            "asso-one"
        );
    }

    #[test]
    fn zero_config_names_never_collide_and_are_stable() {
        let keys = [
            "a.b", "a/b", "a-b", "summary", "entries", "index", "-x", ".hidden",
        ];
        let stems = zero(&keys);
        let names: BTreeSet<&String> = stems.values().collect();
        assert_eq!(names.len(), keys.len(), "{stems:?}");
        assert_eq!(stems["a-b"], "a-b", "a plain key keeps its name");
        for k in keys.iter().filter(|k| **k != "a-b") {
            let s = &stems[*k];
            assert_ne!(s, "a-b");
            assert!(!s.starts_with(['.', '-']), "{s}");
            assert!(!RESERVED.contains(&s.as_str()), "{s}");
            assert_eq!(s, &zero(&[k])[*k], "{k}: the same alone as with the others");
        }
        assert!(stems["a.b"].starts_with("a-b-") && stems["a.b"].len() == 3 + 1 + 8);
        assert!(stems["summary"].starts_with("summary-"));
    }

    #[test]
    fn long_keys_are_bounded() {
        let long = "x".repeat(300);
        let stem = &zero(&[&long])[&long];
        assert_eq!(stem.len(), MAX_STEM + 1 + SHORT_HASH);
        let accents = "é".repeat(200);
        let stem = &association_stems([accents.as_str()], Naming::Configured)[&accents];
        assert!(stem.len() <= MAX_STEM + 1 + SHORT_HASH, "{stem}");
        let other = format!("{long}y");
        let both = zero(&[&long, &other]);
        assert_ne!(
            both[&long], both[&other],
            "cut alike, told apart by the hash"
        );
    }

    #[test]
    fn windows_device_names_are_reserved() {
        for k in ["con", "NUL", "com1", "lpt9"] {
            let s = &association_stems([k], Naming::Configured)[k];
            assert!(s.starts_with(&format!("{k}-")), "{s}");
        }
        assert_eq!(
            association_stems(["com10", "console"], Naming::Configured)["console"],
            "console"
        );
    }

    #[test]
    fn a_forged_key_cannot_take_another_name() {
        let forged = zero(&["a.b"])["a.b"].clone();
        let stems = zero(&["a.b", &forged]);
        assert_ne!(stems["a.b"], stems[&forged], "{stems:?}");
    }

    #[test]
    fn configured_keys_with_one_name_clash() {
        assert_eq!(
            clashing_keys(["asso-one", "asso.one"]),
            Some(("asso-one".into(), "asso.one".into()))
        );
        assert!(clashing_keys(["Amis", "amis"]).is_some());
        assert_eq!(clashing_keys(["amis", "radio"]), None);
    }
}
