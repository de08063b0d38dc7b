// SPDX-License-Identifier: GPL-3.0-or-later
//! The words of `check`: each finding's detail and fix hint in French or English, made from
//! its problem name and values, and the people an event names who are not in `[people]`,
//! with a "did you mean" against the configured ones.
//!
//! Owns: the human text only. The JSON keys and the problem names stay English and stable.

use super::{Finding, finding, levenshtein};
use crate::classify::{Rules, normalise};
use crate::model::Entry;
use crate::report::i18n::Lang;

/// Sets each finding's `detail` and `hint` in `lang`.
pub fn localize(findings: &mut [Finding], lang: Lang) {
    for f in findings {
        let (detail, hint) = describe(f.problem, &f.args, lang);
        f.detail = detail;
        f.hint = hint;
    }
}

/// The one line of a period with nothing to review.
pub(super) fn nothing_to_review(lang: Lang, period: &str) -> String {
    match lang {
        Lang::Fr => format!("{period} : rien à revoir"),
        Lang::En => format!("{period}: nothing to review"),
    }
}

/// The heading of findings with nobody named.
pub(super) fn nobody(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "(personne de nommé)",
        Lang::En => "(nobody named)",
    }
}

/// `: ` or ` : ` (French typography).
pub(super) fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => " : ",
        Lang::En => ": ",
    }
}

/// ` ×3 occurrences` for a series, nothing for one occurrence.
pub(super) fn times(lang: Lang, count: usize) -> String {
    match (count, lang) {
        (0 | 1, _) => String::new(),
        (n, Lang::Fr) => format!(", {n} occurrences"),
        (n, Lang::En) => format!(", {n} occurrences"),
    }
}

fn tags(list: &[String], fr: bool) -> String {
    let tagged: Vec<String> = list.iter().map(|t| format!("#{t}")).collect();
    match tagged.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => {
            let or = if fr { "ou" } else { "or" };
            format!("{} {or} {last}", rest.join(", "))
        }
    }
}

fn arg(args: &[String], i: usize) -> &str {
    args.get(i).map_or("", String::as_str)
}

/// The detail and the fix hint of one problem.
fn describe(problem: &str, args: &[String], lang: Lang) -> (String, String) {
    let fr = lang == Lang::Fr;
    let pick = |en: String, fr_text: String| if fr { fr_text } else { en };
    let add_association = || {
        if args.is_empty() {
            pick(
                "add a hashtag naming the association".into(),
                "ajoutez un hashtag qui nomme l'association".into(),
            )
        } else {
            pick(
                format!("add {}", tags(args, false)),
                format!("ajoutez {}", tags(args, true)),
            )
        }
    };
    match problem {
        "untagged" => (pick("no tag".into(), "aucun tag".into()), add_association()),
        "no-association" => (
            pick(
                "no association among the tags".into(),
                "aucune association parmi les tags".into(),
            ),
            add_association(),
        ),
        "ambiguous" => (
            pick(
                format!("several associations: {}", tags(args, false)),
                format!("plusieurs associations : {}", tags(args, true)),
            ),
            pick(
                format!("keep one: {}", tags(args, false)),
                format!("gardez-en une : {}", tags(args, true)),
            ),
        ),
        "both-kinds" => {
            let both = args.iter().map(|t| format!("#{t}")).collect::<Vec<_>>();
            let both = if fr {
                both.join(" et ")
            } else {
                both.join(" and ")
            };
            (
                pick(
                    "both a volunteer and a paid word".into(),
                    "à la fois bénévole et payé".into(),
                ),
                pick(
                    format!("both {both}: keep one"),
                    format!("à la fois {both} : gardez-en un"),
                ),
            )
        }
        "all-day-without-hours" => (
            pick(
                "all-day event, not counted".into(),
                "événement d'une journée, non compté".into(),
            ),
            pick(
                "add a duration tag such as #3h, or give the event times".into(),
                "ajoutez une durée comme #3h, ou donnez des heures à l'événement".into(),
            ),
        ),
        "confidential-stub" => (
            pick(
                "CLASS:CONFIDENTIAL event seen as \"Busy\"".into(),
                "événement CLASS:CONFIDENTIAL vu comme « Occupé »".into(),
            ),
            pick(
                "sync with the owner's account, or make the event public".into(),
                "synchronisez avec le compte de son auteur, ou rendez l'événement public".into(),
            ),
        ),
        "no-kind" => (
            pick(
                "no kind: neither volunteer nor paid".into(),
                "aucun type : ni bénévole ni payé".into(),
            ),
            pick(
                format!(
                    "add {}, or set default_kind for this association",
                    tags(args, false)
                ),
                format!(
                    "ajoutez {}, ou donnez un default_kind à cette association",
                    tags(args, true)
                ),
            ),
        ),
        "over-12h" => {
            let minutes: i64 = arg(args, 0).parse().unwrap_or_default();
            let length = match minutes % 60 {
                0 => format!("{} h", minutes / 60),
                m => format!("{} h {m:02}", minutes / 60),
            };
            (
                pick(format!("lasts {length}"), format!("dure {length}")),
                pick(
                    "check the end time, or split the event".into(),
                    "vérifiez l'heure de fin, ou découpez l'événement".into(),
                ),
            )
        }
        "zero-length" => (
            pick(
                "ends when it starts".into(),
                "finit quand il commence".into(),
            ),
            pick(
                "give the event an end time".into(),
                "donnez une heure de fin à l'événement".into(),
            ),
        ),
        "unknown-tag" => {
            let tag = arg(args, 0);
            let hint = match args.get(1) {
                Some(k) => pick(
                    format!("did you mean #{k}?"),
                    format!("vouliez-vous dire #{k} ?"),
                ),
                None => pick(
                    "fix the typo, or add the tag to an association in the config".into(),
                    "corrigez la faute, ou ajoutez le tag à une association dans la configuration"
                        .into(),
                ),
            };
            (
                pick(format!("unknown tag #{tag}"), format!("tag inconnu #{tag}")),
                hint,
            )
        }
        "unknown-person" => {
            let name = arg(args, 0);
            let hint = match args.get(1) {
                Some(k) => pick(
                    format!("did you mean {k}?"),
                    format!("vouliez-vous dire {k} ?"),
                ),
                None => pick(
                    "add this person to [people] in the config, or fix the name".into(),
                    "ajoutez cette personne à [people] dans la configuration, ou corrigez le nom"
                        .into(),
                ),
            };
            (
                pick(
                    format!("\"{name}\" is not in [people]"),
                    format!("« {name} » n'est pas dans [people]"),
                ),
                hint,
            )
        }
        "overlap" => (
            pick(
                format!("overlaps \"{}\" ({})", arg(args, 1), arg(args, 0)),
                format!("chevauche « {} » ({})", arg(args, 1), arg(args, 0)),
            ),
            pick(
                "check the times of both events".into(),
                "vérifiez les heures des deux événements".into(),
            ),
        ),
        "volunteer-and-paid" => (
            pick(
                format!(
                    "\"{}\" for {} both as a volunteer and paid: not allowed for the same activity and organisation (Belgian volunteering law)",
                    arg(args, 0),
                    arg(args, 1)
                ),
                format!(
                    "« {} » pour {} à la fois bénévole et payé : interdit pour la même activité et la même organisation (loi belge sur le volontariat)",
                    arg(args, 0),
                    arg(args, 1)
                ),
            ),
            pick(
                "keep one kind for this activity".into(),
                "gardez un seul type pour cette activité".into(),
            ),
        ),
        "unknown-tzid" => (
            arg(args, 0).to_string(),
            pick(
                "choose a named time zone (such as Europe/Brussels) in the calendar app".into(),
                "choisissez un fuseau nommé (comme Europe/Brussels) dans l'application d'agenda"
                    .into(),
            ),
        ),
        _ => (String::new(), String::new()),
    }
}

/// People an entry names (ORGANIZER, ATTENDEE, `@mention`) who are not `[people]` keys, once
/// per event series, with the closest configured person. Nothing when `[people]` is empty.
pub(super) fn unknown_people(entries: &[Entry], rules: &Rules) -> Vec<Finding> {
    if rules.people.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for e in entries {
        for p in e.people.iter() {
            if rules.people.iter().any(|r| &r.key == p) {
                continue;
            }
            let mut args = vec![p.clone()];
            args.extend(suggest_person(p, rules));
            out.push(finding(e, "unknown-person", args));
        }
    }
    out
}

/// `Chloé (chloe)` for the configured person closest to `name`: equal once case and
/// accents are folded, or equal on the first word, or within a small edit distance of their
/// key, name, e-mail or e-mail's local part.
fn suggest_person(name: &str, rules: &Rules) -> Option<String> {
    let folded = normalise(name.trim_start_matches('@'));
    let first = folded
        .split(['-', '.', '@'])
        .next()
        .unwrap_or_default()
        .to_string();
    let mut best: Option<(usize, &crate::classify::PersonRule)> = None;
    for person in &rules.people {
        let mut forms = vec![normalise(&person.key), normalise(&person.name)];
        for email in &person.emails {
            forms.push(normalise(email));
            forms.extend(email.split('@').next().map(normalise));
        }
        let distance = forms
            .iter()
            .map(|f| {
                let f_first = f.split(['-', '.', '@']).next().unwrap_or_default();
                if *f == folded || f_first == first || *f == first {
                    0
                } else {
                    levenshtein(&folded, f)
                }
            })
            .min()
            .unwrap_or(usize::MAX);
        let limit = if folded.chars().count() <= 4 { 1 } else { 2 };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, person));
        }
    }
    best.map(|(_, p)| format!("{} ({})", p.name, p.key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::PersonRule;

    fn rules() -> Rules {
        Rules {
            people: vec![PersonRule {
                key: "chloe".into(),
                name: "Chloé".into(),
                emails: vec!["chloe.m@collectif.example".into()],
            }],
            ..Rules::default()
        }
    }

    #[test]
    fn one_person_is_not_three() {
        let r = rules();
        for name in [
            "Chloé",
            "CHLOE",
            "Chloé Martin",
            "chloe.m@collectif.example",
            "Chloee",
        ] {
            assert_eq!(
                suggest_person(name, &r).as_deref(),
                Some("Chloé (chloe)"),
                "{name}"
            );
        }
        assert_eq!(suggest_person("Driss", &r), None);
    }

    #[test]
    fn hints_in_both_languages() {
        let args = vec!["benevole".to_string(), "paye".to_string()];
        assert_eq!(
            describe("both-kinds", &args, Lang::En).1,
            "both #benevole and #paye: keep one"
        );
        assert_eq!(
            describe("both-kinds", &args, Lang::Fr).1,
            "à la fois #benevole et #paye : gardez-en un"
        );
        let keys = vec!["amis".to_string(), "ecole".to_string()];
        assert_eq!(
            describe("untagged", &keys, Lang::En).1,
            "add #amis or #ecole"
        );
        assert_eq!(
            describe("untagged", &keys, Lang::Fr).1,
            "ajoutez #amis ou #ecole"
        );
    }
}
