// SPDX-License-Identifier: GPL-3.0-or-later
//! Checks that association keys and aliases cannot be confused: two keys equal after case
//! and accent folding (`amis`, `Amis`), or an alias equal to another association's key or
//! alias, would make the classification of a tag depend on the order of the file.

use std::collections::BTreeMap;

use super::AssociationConfig;
use crate::classify::normalise;

/// Two associations that the same tag would match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Clash {
    /// The dotted key to point at (the later of the two).
    pub key: String,
    /// What collides with what, and what to do.
    pub message: String,
}

/// One way a tag can name an association: its key, or one of its aliases.
#[derive(Debug, Clone, Copy)]
struct Name<'a> {
    association: &'a str,
    written: &'a str,
    is_key: bool,
}

impl Name<'_> {
    fn describe(&self) -> String {
        if self.is_key {
            format!("the association key [associations.{}]", self.association)
        } else {
            format!(
                "the alias \"{}\" of [associations.{}]",
                self.written, self.association
            )
        }
    }
}

/// The first clash between the associations' keys and aliases, if any.
pub(super) fn find_clash(associations: &BTreeMap<String, AssociationConfig>) -> Option<Clash> {
    let mut seen: BTreeMap<String, Name<'_>> = BTreeMap::new();
    for (key, a) in associations {
        let own = Name {
            association: key,
            written: key,
            is_key: true,
        };
        let aliases = a.tags.iter().map(|t| Name {
            association: key,
            written: t,
            is_key: false,
        });
        let mut mine: BTreeMap<String, Name<'_>> = BTreeMap::new();
        for name in std::iter::once(own).chain(aliases) {
            let folded = normalise(name.written);
            if let Some(earlier) = seen.get(&folded) {
                return Some(clash(earlier, &name));
            }
            mine.entry(folded).or_insert(name);
        }
        seen.extend(mine);
    }
    None
}

fn clash(earlier: &Name<'_>, later: &Name<'_>) -> Clash {
    let key = if later.is_key {
        format!("associations.{}", later.association)
    } else {
        format!("associations.{}.tags", later.association)
    };
    Clash {
        key,
        message: format!(
            "{} and {} are the same tag once case and accents are ignored; \
             rename one, or merge the two associations",
            earlier.describe(),
            later.describe()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn associations(list: &[(&str, &[&str])]) -> BTreeMap<String, AssociationConfig> {
        list.iter()
            .map(|(k, tags)| {
                let a = AssociationConfig {
                    tags: tags.iter().map(|t| t.to_string()).collect(),
                    ..Default::default()
                };
                (k.to_string(), a)
            })
            .collect()
    }

    #[test]
    fn keys_equal_after_folding_clash() {
        let c = find_clash(&associations(&[("Amis", &[]), ("amis", &[])])).unwrap();
        assert!(c.message.contains("[associations.Amis]"), "{}", c.message);
        assert!(c.message.contains("[associations.amis]"), "{}", c.message);
        let c = find_clash(&associations(&[("ecole", &[]), ("école", &[])])).unwrap();
        assert!(c.message.contains("école"), "{}", c.message);
    }

    #[test]
    fn an_alias_may_not_name_another_association() {
        let c = find_clash(&associations(&[("amis", &[]), ("radio", &["Amis"])])).unwrap();
        assert_eq!(c.key, "associations.radio.tags");
        assert!(
            c.message
                .contains("the alias \"Amis\" of [associations.radio]")
        );
        let c = find_clash(&associations(&[
            ("amis", &["quartier"]),
            ("radio", &["Quartier"]),
        ]))
        .unwrap();
        assert!(
            c.message
                .contains("the alias \"quartier\" of [associations.amis]")
        );
    }

    #[test]
    fn own_aliases_and_distinct_names_are_fine() {
        let list = associations(&[("amis", &["Amis", "asso-amis"]), ("radio", &["fm"])]);
        assert_eq!(find_clash(&list), None);
    }
}
