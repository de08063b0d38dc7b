// SPDX-License-Identifier: GPL-3.0-or-later
//! Classification: from an occurrence's tags and participants to an association, a kind
//! and people, with the reason when a human must decide.
//!
//! Owns: tag extraction (CATEGORIES, `#hashtags` in SUMMARY and DESCRIPTION but not inside
//! URLs, optionally the calendar name), normalisation (NFKD, marks dropped, lowercase),
//! duration tags (`#2h30`, `#90min`, `#3h`), `@mentions`, and the rules of DESIGN.md:
//! a kind word, else the association's default kind, else the global default; with no
//! `[associations]` table any other tag is the association; two associations are
//! ambiguous and never guessed. Does no I/O and knows nothing of time zones.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use std::collections::HashSet;
use std::sync::Arc;

use crate::model::{EventInfo, Kind, Review};

/// Most tags read from one event (CATEGORIES, hashtags and calendar name together); the
/// rest are ignored with a warning.
pub const MAX_TAGS: usize = 1_000;

/// An association as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationRule {
    /// Its key (also a tag).
    pub key: String,
    /// Display name.
    pub name: String,
    /// Normalised tags that mean this association (the key included).
    pub tags: Vec<String>,
    /// Kind when no kind word is present.
    pub default_kind: Option<Kind>,
}

/// A person as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRule {
    /// Key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Lowercased e-mail addresses.
    pub emails: Vec<String>,
}

/// The classification rules, from the config (or the zero-configuration defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Normalised volunteer words.
    pub volunteer: Vec<String>,
    /// Normalised paid words.
    pub paid: Vec<String>,
    /// Kind when nothing else says.
    pub default_kind: Kind,
    /// Configured associations; empty means zero configuration.
    pub associations: Vec<AssociationRule>,
    /// Configured people.
    pub people: Vec<PersonRule>,
    /// Use the calendar's name as a tag.
    pub calendar_tag: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            volunteer: normalise_all(DEFAULT_VOLUNTEER),
            paid: normalise_all(DEFAULT_PAID),
            default_kind: Kind::Unspecified,
            associations: Vec::new(),
            people: Vec::new(),
            calendar_tag: false,
        }
    }
}

/// Built-in volunteer words.
pub const DEFAULT_VOLUNTEER: &[&str] = &["benevole", "volontaire", "volunteer", "vrijwilliger"];
/// Built-in paid words.
pub const DEFAULT_PAID: &[&str] = &["paye", "remunere", "paid", "prixlibre", "betaald"];

/// The result for one occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Classified {
    /// The association key, when exactly one matched.
    pub association: Option<Arc<str>>,
    /// The kind.
    pub kind: Kind,
    /// People keys (configured) or names.
    pub people: Arc<[String]>,
    /// Normalised tags, in order of appearance, without duplicates (shared by every
    /// occurrence of the component).
    pub tags: Arc<[String]>,
    /// Minutes given by a duration tag.
    pub duration: Option<i64>,
    /// Tags that are neither associations, kinds, people nor durations.
    pub unknown_tags: Arc<[String]>,
    /// Why a human must look at it.
    pub review: Option<Review>,
}

impl Rules {
    /// Classifies one occurrence's descriptive data, from calendar `calendar`.
    pub fn classify(&self, info: &EventInfo, calendar: &str) -> Classified {
        self.classify_counted(info, calendar).0
    }

    /// [`Rules::classify`], and whether the event had more than [`MAX_TAGS`] tags.
    pub fn classify_counted(&self, info: &EventInfo, calendar: &str) -> (Classified, bool) {
        let (tags, too_many) = collect_tags(info, self.calendar_tag.then_some(calendar));
        let mut out = Classified {
            people: self.people_of(info).into(),
            ..Classified::default()
        };
        let mut associations: Vec<String> = Vec::new();
        let (mut volunteer, mut paid) = (false, false);
        let mut unknown = Vec::new();
        for tag in &tags {
            if let Some(minutes) = duration_tag(tag) {
                out.duration.get_or_insert(minutes);
            } else if self.volunteer.contains(tag) {
                volunteer = true;
            } else if self.paid.contains(tag) {
                paid = true;
            } else if let Some(a) = self.association_for(tag) {
                if !associations.contains(&a) {
                    associations.push(a);
                }
            } else if !self.is_person(tag) {
                unknown.push(tag.clone());
            }
        }
        out.tags = tags.into();
        out.unknown_tags = unknown.into();
        let association_default = match associations.as_slice() {
            [one] => self
                .associations
                .iter()
                .find(|a| &a.key == one)
                .and_then(|a| a.default_kind),
            _ => None,
        };
        out.kind = match (volunteer, paid) {
            (true, false) => Kind::Volunteer,
            (false, true) => Kind::Paid,
            _ => association_default.unwrap_or(self.default_kind),
        };
        out.review = match associations.len() {
            _ if info.confidential_stub && associations.is_empty() => {
                Some(Review::ConfidentialStub)
            }
            0 => Some(Review::Unclassified),
            1 if volunteer && paid => Some(Review::ConflictingKinds),
            1 => None,
            _ => Some(Review::Ambiguous(associations.clone())),
        };
        if associations.len() == 1 {
            out.association = associations.pop().map(Arc::from);
        }
        (out, too_many)
    }

    fn association_for(&self, tag: &str) -> Option<String> {
        if self.associations.is_empty() {
            return Some(tag.to_string());
        }
        self.associations
            .iter()
            .find(|a| a.tags.iter().any(|t| t == tag))
            .map(|a| a.key.clone())
    }

    fn is_person(&self, tag: &str) -> bool {
        self.people
            .iter()
            .any(|p| normalise(&p.key) == tag || normalise(&p.name) == tag)
    }

    fn people_of(&self, info: &EventInfo) -> Vec<String> {
        let mut people: Vec<String> = Vec::new();
        let mut add = |p: String| {
            if !p.is_empty() && !people.contains(&p) {
                people.push(p);
            }
        };
        for part in info
            .organizer
            .iter()
            .chain(info.attendees.iter())
            .filter(|p| !p.declined)
        {
            let known = part
                .email
                .as_ref()
                .and_then(|e| self.people.iter().find(|p| p.emails.contains(e)));
            match known {
                Some(p) => add(p.key.clone()),
                None => add(part
                    .name
                    .clone()
                    .or_else(|| part.email.clone())
                    .unwrap_or_default()),
            }
        }
        for mention in mentions(&info.summary).chain(mentions(&info.description)) {
            let norm = normalise(&mention);
            let known = self
                .people
                .iter()
                .find(|p| normalise(&p.key) == norm || normalise(&p.name) == norm);
            add(known.map_or(mention, |p| p.key.clone()));
        }
        people
    }

    /// Display name of an association key.
    pub fn association_name(&self, key: &str) -> String {
        self.associations
            .iter()
            .find(|a| a.key == key)
            .map_or_else(|| key.to_string(), |a| a.name.clone())
    }

    /// Display name of a person key.
    pub fn person_name(&self, key: &str) -> String {
        self.people
            .iter()
            .find(|p| p.key == key)
            .map_or_else(|| key.to_string(), |p| p.name.clone())
    }
}

/// Normalises a tag: NFKD, combining marks dropped, lowercase, spaces to `-`.
pub fn normalise(text: &str) -> String {
    let text = text.trim();
    if text.is_ascii() && !text.bytes().any(|b| b.is_ascii_whitespace()) {
        return text.to_ascii_lowercase();
    }
    let folded: String = text
        .trim()
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join("-")
}

fn normalise_all(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| normalise(w)).collect()
}

/// Every tag of an event, normalised, in order, without duplicates: at most
/// [`MAX_TAGS`].
pub fn tags_of(info: &EventInfo, calendar: Option<&str>) -> Vec<String> {
    collect_tags(info, calendar).0
}

/// The first [`MAX_TAGS`] tags of an event, and whether there were more.
pub fn collect_tags(info: &EventInfo, calendar: Option<&str>) -> (Vec<String>, bool) {
    let mut tags: Vec<String> = Vec::new();
    // Few events have many tags: those are looked up in a set, the others in the list.
    const LISTED: usize = 16;
    let mut seen: HashSet<String> = HashSet::new();
    let raw = info
        .categories
        .iter()
        .cloned()
        .chain(hashtags(&info.summary))
        .chain(hashtags(&info.description))
        .chain(calendar.map(str::to_string));
    for t in raw {
        let t = normalise(&t);
        let known = if tags.len() < LISTED {
            tags.contains(&t)
        } else {
            if seen.is_empty() {
                seen.extend(tags.iter().cloned());
            }
            seen.contains(&t)
        };
        if t.is_empty() || known {
            continue;
        }
        if tags.len() == MAX_TAGS {
            return (tags, true);
        }
        if tags.len() >= LISTED {
            seen.insert(t.clone());
        }
        tags.push(t);
    }
    (tags, false)
}

/// `#hashtags` in `text`: `#` not preceded by a letter or digit, then letters, digits,
/// `-` or `_`. Words that are URLs are skipped.
pub fn hashtags(text: &str) -> impl Iterator<Item = String> + '_ {
    marked(text, '#')
}

/// `@mentions` in `text` (an `@` inside an e-mail address is not one).
pub fn mentions(text: &str) -> impl Iterator<Item = String> + '_ {
    marked(text, '@')
}

fn marked(text: &str, mark: char) -> impl Iterator<Item = String> + '_ {
    words_with(text, mark)
        .filter(|w| !is_url(w))
        .flat_map(move |word| {
            let mut found = Vec::new();
            let mut previous: Option<char> = None;
            let mut chars = word.char_indices().peekable();
            while let Some((at, c)) = chars.next() {
                if c == mark && !previous.is_some_and(char::is_alphanumeric) {
                    let start = at + c.len_utf8();
                    let mut end = start;
                    while let Some(&(i, d)) = chars.peek() {
                        if !(d.is_alphanumeric() || d == '-' || d == '_') {
                            break;
                        }
                        end = i + d.len_utf8();
                        previous = Some(d);
                        chars.next();
                    }
                    let tail = word[start..end].trim_end_matches(['-', '_']);
                    if !tail.is_empty() {
                        found.push(tail.to_string());
                    }
                    if end == start {
                        previous = Some(c);
                    }
                } else {
                    previous = Some(c);
                }
            }
            found
        })
}

/// The words of `text` (as `split_whitespace` cuts them) that hold the ASCII `mark`, in
/// order: found from each mark, so that the words without one are never looked at.
fn words_with(text: &str, mark: char) -> impl Iterator<Item = &str> + '_ {
    debug_assert!(mark.is_ascii(), "a mark is one byte");
    let mark = mark as u8;
    let mut from = 0;
    std::iter::from_fn(move || {
        let at = from + memchr::memchr(mark, text.as_bytes().get(from..)?)?;
        // `at` is the mark's own byte (ASCII), so both cuts fall on characters.
        let start = text[..at]
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = text[at..]
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
            .map_or(text.len(), |(i, _)| at + i);
        from = end;
        Some(&text[start..end])
    })
}

/// `text` as an association reads it: without `#hashtags` (duration tags included) and
/// `@mentions`, as [`hashtags`] and [`mentions`] find them, and with spaces tidied. URLs
/// and e-mail addresses are kept.
pub fn without_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_without_markup(&mut out, text);
    out
}

/// Appends [`without_markup`]'s text to `out`.
pub fn push_without_markup(out: &mut String, text: &str) {
    let first = out.len();
    let mut push = |word: &str| {
        if out.len() > first {
            out.push(' ');
        }
        out.push_str(word);
    };
    let mut kept = String::new();
    for word in text.split_whitespace() {
        if !word.bytes().any(|b| b == b'#' || b == b'@') || is_url(word) {
            push(word);
            continue;
        }
        kept.clear();
        let mut previous: Option<char> = None;
        let mut chars = word.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let mark = (c == '#' || c == '@') && !previous.is_some_and(char::is_alphanumeric);
            let start = at + c.len_utf8();
            let mut end = start;
            if mark {
                while let Some(&(i, d)) = chars.peek() {
                    if !(d.is_alphanumeric() || d == '-' || d == '_') {
                        break;
                    }
                    end = i + d.len_utf8();
                    chars.next();
                }
            }
            let tail = &word[start..end];
            if mark && !tail.trim_end_matches(['-', '_']).is_empty() {
                previous = tail.chars().last();
            } else {
                kept.push(c);
                kept.push_str(tail);
                previous = Some(c);
            }
        }
        // Punctuation left by a removed tag ("(#amis)", "#amis,") goes with it.
        if kept.chars().any(char::is_alphanumeric) {
            push(&kept);
        }
    }
}

fn is_url(word: &str) -> bool {
    let w = word.trim_start_matches(['(', '<', '[', '"', '\'']);
    w.contains("://")
        || w.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www."))
        || w.starts_with("mailto:")
}

/// Minutes meant by a duration tag: `2h30`, `2h`, `90min`, `1h30min`, `45m`.
pub fn duration_tag(tag: &str) -> Option<i64> {
    let num = |s: &str| -> Option<i64> {
        if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if let Some(m) = tag.strip_suffix("min").or_else(|| tag.strip_suffix('m')) {
        if let Some((h, mm)) = m.split_once('h') {
            let (h, mm) = (num(h)?, num(mm)?);
            return (mm < 60).then_some(h * 60 + mm);
        }
        return num(m);
    }
    let (h, mm) = tag.split_once('h')?;
    let mm = if mm.is_empty() { 0 } else { num(mm)? };
    (mm < 60).then_some(num(h)? * 60 + mm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Participant;

    fn info(summary: &str, categories: &[&str]) -> EventInfo {
        EventInfo {
            summary: summary.into(),
            categories: categories.iter().map(|c| c.to_string()).collect(),
            ..EventInfo::default()
        }
    }

    #[test]
    fn hashtags_skip_urls_and_words() {
        let found: Vec<String> =
            hashtags("Mise à jour #YunoHost (#amis) voir https://ex.org/p#section a#b #-")
                .collect();
        assert_eq!(found, ["YunoHost", "amis"]);
    }

    #[test]
    fn accents_and_case_are_one_tag() {
        let i = info("#Bénévole BENEVOLE #benevole #amis", &["BÉNÉVOLE"]);
        assert_eq!(tags_of(&i, None), ["benevole", "amis"]);
        let c = Rules::default().classify(&i, "cal");
        assert_eq!(c.kind, Kind::Volunteer);
        assert_eq!(c.association.as_deref(), Some("amis"));
    }

    #[test]
    fn markup_is_removed_for_associations() {
        assert_eq!(
            without_markup("Support #amis #benevole @bruno #1h30"),
            "Support"
        );
        assert_eq!(
            without_markup("Visio (#radio) avec @chloe, voir https://x.example/#top"),
            "Visio avec voir https://x.example/#top"
        );
        assert_eq!(
            without_markup("écrire à a@b.example #Bénévole"),
            "écrire à a@b.example"
        );
        assert_eq!(without_markup("Atelier C# et C++"), "Atelier C# et C++");
        assert_eq!(without_markup("#amis"), "");
    }

    #[test]
    fn many_tags_keep_their_order_without_duplicates() {
        let categories: Vec<String> = (0..40).map(|n| format!("T{}", n % 25)).collect();
        let refs: Vec<&str> = categories.iter().map(String::as_str).collect();
        let i = info("#t3 #t24 #new", &refs);
        let expected: Vec<String> = (0..25)
            .map(|n| format!("t{n}"))
            .chain(["new".to_string()])
            .collect();
        assert_eq!(collect_tags(&i, Some("T7")), (expected, false));
    }

    #[test]
    fn duration_tags() {
        assert_eq!(duration_tag("2h30"), Some(150));
        assert_eq!(duration_tag("90min"), Some(90));
        assert_eq!(duration_tag("3h"), Some(180));
        assert_eq!(duration_tag("1h30min"), Some(90));
        assert_eq!(duration_tag("h"), None);
        assert_eq!(duration_tag("2h75"), None);
        assert_eq!(duration_tag("amis"), None);
    }

    #[test]
    fn two_associations_are_ambiguous_not_guessed() {
        let c = Rules::default().classify(&info("#amis #radio #paye", &[]), "cal");
        assert_eq!(c.association, None);
        assert_eq!(
            c.review,
            Some(Review::Ambiguous(vec!["amis".into(), "radio".into()]))
        );
        assert_eq!(c.kind, Kind::Paid);
    }

    #[test]
    fn configured_mode_uses_aliases_and_default_kind() {
        let rules = Rules {
            associations: vec![AssociationRule {
                key: "amis".into(),
                name: "Les Amis".into(),
                tags: vec!["amis".into(), "les-amis".into()],
                default_kind: Some(Kind::Paid),
            }],
            ..Rules::default()
        };
        let c = rules.classify(&info("Permanence", &["Les Amis", "inconnu"]), "cal");
        assert_eq!(c.association.as_deref(), Some("amis"));
        assert_eq!(c.kind, Kind::Paid);
        assert_eq!(*c.unknown_tags, ["inconnu"]);
    }

    #[test]
    fn people_from_participants_and_mentions() {
        let rules = Rules {
            people: vec![PersonRule {
                key: "alice".into(),
                name: "Alice".into(),
                emails: vec!["alice@ex.org".into()],
            }],
            ..Rules::default()
        };
        let mut i = info("Install @bob, with mail bob@ex.org", &[]);
        i.organizer = Some(Participant {
            email: Some("alice@ex.org".into()),
            name: None,
            declined: false,
        });
        i.attendees.push(Participant {
            email: Some("carol@ex.org".into()),
            name: Some("Carol".into()),
            declined: true,
        });
        assert_eq!(*rules.classify(&i, "cal").people, ["alice", "bob"]);
    }

    proptest::proptest! {
        #[test]
        fn words_with_a_mark_are_the_words_split_whitespace_cuts_that_hold_it(
            text in "[a#@ \t\n\u{a0}\u{2003}é✓.-]{0,40}",
        ) {
            for mark in ['#', '@'] {
                let cut: Vec<&str> = text.split_whitespace().filter(|w| w.contains(mark)).collect();
                let found: Vec<&str> = words_with(&text, mark).collect();
                proptest::prop_assert_eq!(found, cut);
            }
        }
    }
}
