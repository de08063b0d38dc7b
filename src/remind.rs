// SPDX-License-Identifier: GPL-3.0-or-later
//! Reminders: who is told about which `check` finding, and the words of each message.
//!
//! Owns: the attribution of a finding to one person (the person the finding names if
//! configured, else the first configured person of its event: ORGANIZER, then ATTENDEEs,
//! then mentions), the collective's message for events that name nobody who can be
//! mailed, the digest of a person's list (a reminder is mailed again only when it changes),
//! and the Markdown body and subject of a reminder in the report language. Pure: takes
//! findings, entries and people, returns values; [`crate::app`] sends and logs.
//!
//! Key terms: a *reminder* is one message to one person (or to the collective) about one
//! month; an *item* is one line of it: an event, what is wrong with it, how to fix it.

use chrono::NaiveDate;
use serde::Serialize;

use crate::check::Finding;
use crate::classify::Rules;
use crate::model::{Entry, Period};
use crate::report::i18n::Lang;

/// A configured person, as reminders need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// `[people.KEY]`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Addresses (the first ones identify them in the calendar too).
    pub emails: Vec<String>,
    /// `remind = false` turns their reminders off.
    pub remind: bool,
}

/// One event to fix.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Item {
    /// `YYYY-MM-DD`, or empty.
    pub date: String,
    /// `HH:MM` of a timed event, else empty.
    pub time: String,
    /// UID.
    pub uid: String,
    /// SUMMARY, without control characters.
    pub summary: String,
    /// The finding's stable name (`untagged`, `unknown-tag`…).
    pub problem: String,
    /// The finding's details.
    pub detail: String,
}

/// One message: a person's own events to fix, or the collective's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Person key; empty for the collective's message.
    pub person: String,
    /// Whom the greeting names.
    pub name: String,
    /// Recipients.
    pub to: Vec<String>,
    /// The events, by date.
    pub items: Vec<Item>,
}

impl Reminder {
    /// A digest of the list of items: the same list, the same digest.
    pub fn digest(&self) -> String {
        let text = serde_json::to_string(&self.items).unwrap_or_default();
        crate::closing::digest_text(&text)
    }

    /// Whether this is the collective's message.
    pub fn is_collective(&self) -> bool {
        self.person.is_empty()
    }
}

/// One reminder per person who owns a finding and can be mailed (people with
/// `remind = false` are left out), plus one to `collective` for the findings of events that
/// name nobody configured, or only people without an address. Ordered by person key, the
/// collective first.
pub fn plan_reminders(
    findings: &[Finding],
    entries: &[Entry],
    people: &[Person],
    collective: Option<&str>,
) -> Vec<Reminder> {
    let mut out: Vec<Reminder> = Vec::new();
    for f in findings {
        let owner = owner_of(f, entries, people);
        let (key, name, to) = match owner {
            Some(p) if !p.remind => continue,
            Some(p) if !p.emails.is_empty() => (p.key.clone(), p.name.clone(), p.emails.clone()),
            _ => match collective {
                Some(c) => (String::new(), String::new(), vec![c.to_string()]),
                None => continue,
            },
        };
        let item = item_of(f, entries);
        match out.iter_mut().find(|r| r.person == key) {
            Some(r) => r.items.push(item),
            None => out.push(Reminder {
                person: key,
                name,
                to,
                items: vec![item],
            }),
        }
    }
    for r in &mut out {
        r.items.sort();
        r.items.dedup();
    }
    out.sort_by(|a, b| a.person.cmp(&b.person));
    out
}

/// The configured person a finding is about.
fn owner_of<'a>(f: &Finding, entries: &[Entry], people: &'a [Person]) -> Option<&'a Person> {
    let known = |key: &str| people.iter().find(|p| p.key == key);
    if let Some(p) = known(&f.person) {
        return Some(p);
    }
    let mut events = entries
        .iter()
        .filter(|e| *e.uid == *f.uid && !f.uid.is_empty());
    let event = entries
        .iter()
        .find(|e| *e.uid == *f.uid && e.date.to_string() == f.date)
        .or_else(|| events.next())?;
    event.people.iter().find_map(|k| known(k))
}

fn item_of(f: &Finding, entries: &[Entry]) -> Item {
    let time = entries
        .iter()
        .find(|e| *e.uid == *f.uid && e.date.to_string() == f.date && !e.all_day)
        .map(|e| e.start.format("%H:%M").to_string())
        .unwrap_or_default();
    Item {
        date: f.date.clone(),
        time,
        uid: f.uid.clone(),
        summary: plain(&f.summary),
        problem: f.problem.to_string(),
        detail: plain(&f.detail),
    }
}

/// Calendar text for the middle of a Markdown line: escaped, but a `#` stays readable
/// (it starts a heading only at the start of a line).
fn escape(text: &str) -> String {
    crate::report::markdown::escape(text).replace("\\#", "#")
}

/// Text on one line with no control characters.
pub fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// What every reminder of a month says besides its items.
#[derive(Debug, Clone)]
pub struct Setting<'a> {
    /// The language.
    pub lang: Lang,
    /// The month.
    pub month: &'a Period,
    /// The day its report leaves (`[mail] send_on_day` of the month after), if set.
    pub send_on: Option<NaiveDate>,
    /// `[collective] calendar_url`.
    pub calendar_url: Option<&'a str>,
    /// The collective's name.
    pub collective_name: &'a str,
    /// The collective's address.
    pub collective_email: Option<&'a str>,
    /// The rules (the tags and words to suggest).
    pub rules: &'a Rules,
}

/// The subject of a reminder.
pub fn subject(r: &Reminder, s: &Setting<'_>) -> String {
    let month = s.lang.text().period(s.month);
    let n = r.items.len();
    match s.lang {
        Lang::Fr => format!(
            "Calendrier : {n} point{} à corriger avant le rapport {}",
            if n > 1 { "s" } else { "" },
            of_month(&month)
        ),
        Lang::En => format!(
            "Calendar: {n} thing{} to fix before the {month} report",
            if n > 1 { "s" } else { "" }
        ),
    }
}

/// `d'octobre 2026`, `de novembre 2026`.
fn of_month(month: &str) -> String {
    if month.starts_with(['a', 'o']) {
        format!("d'{month}")
    } else {
        format!("de {month}")
    }
}

/// The body of a reminder, in Markdown (sent as text and as HTML).
pub fn write_markdown(r: &Reminder, s: &Setting<'_>) -> String {
    let fr = s.lang == Lang::Fr;
    let t = s.lang.text();
    let esc = escape;
    let month = t.period(s.month);
    let when = match (s.send_on, fr) {
        (Some(d), true) => format!("qui part le {}", t.date_words(d)),
        (Some(d), false) => format!("which leaves on {}", t.date_words(d)),
        (None, true) => "qui part bientôt".to_string(),
        (None, false) => "which leaves soon".to_string(),
    };
    let mut md = String::new();
    let hello = match (r.is_collective(), fr) {
        (true, true) => "Bonjour,".to_string(),
        (true, false) => "Hello,".to_string(),
        (false, true) => format!("Bonjour {},", esc(&r.name)),
        (false, false) => format!("Hello {},", esc(&r.name)),
    };
    md.push_str(&hello);
    md.push_str("\n\n");
    md.push_str(&match (r.is_collective(), fr) {
        (false, true) => format!(
            "Dans le calendrier partagé, ces événements {} dont vous êtes \
             organisateur ou participant sont à corriger avant le rapport aux associations, {when} :",
            of_month(&month)
        ),
        (false, false) => format!(
            "In the shared calendar, these events of {month} that you organise or attend \
             need a fix before the report to the associations, {when}:"
        ),
        (true, true) => format!(
            "Ces événements {} ne nomment personne à qui l'écrire ; ils sont à \
             corriger avant le rapport aux associations, {when} :",
            of_month(&month)
        ),
        (true, false) => format!(
            "These events of {month} name nobody who can be written to; they need a fix \
             before the report to the associations, {when}:"
        ),
    });
    md.push_str("\n\n");
    for item in &r.items {
        let (what, fix) = explain(item, s);
        let date = NaiveDate::parse_from_str(&item.date, "%Y-%m-%d")
            .map(|d| t.date_words(d))
            .unwrap_or_else(|_| item.date.clone());
        let at = if item.time.is_empty() {
            String::new()
        } else if fr {
            format!(" à {}", item.time)
        } else {
            format!(" at {}", item.time)
        };
        let title = if item.summary.trim().is_empty() {
            if fr { "(sans titre)" } else { "(no title)" }.to_string()
        } else {
            format!("« {} »", esc(item.summary.trim()))
        };
        let title = if fr {
            title
        } else {
            title.replace("« ", "\"").replace(" »", "\"")
        };
        let colon = if fr { " :" } else { ":" };
        md.push_str(&format!(
            "- **{date}{at}** — {title}{colon} {what}. {fix}\n"
        ));
    }
    md.push('\n');
    md.push_str(&match (s.calendar_url, fr) {
        (Some(url), true) => format!("Corrigez-les dans le calendrier : <{url}>\n\n"),
        (Some(url), false) => format!("Fix them in the calendar: <{url}>\n\n"),
        (None, true) => "Corrigez-les dans le calendrier partagé.\n\n".to_string(),
        (None, false) => "Fix them in the shared calendar.\n\n".to_string(),
    });
    md.push_str(if fr {
        "Ce rappel n'est envoyé que s'il reste quelque chose à corriger, et une seule fois \
         pour la même liste.\n\n"
    } else {
        "This reminder is sent only when something is left to fix, and once for the same list.\n\n"
    });
    let contact = s
        .collective_email
        .map(|e| format!(" ({})", esc(e)))
        .unwrap_or_default();
    if !r.is_collective() {
        md.push_str(&if fr {
            format!(
                "Pour ne plus recevoir ces rappels, demandez-le au collectif{contact} : il \
                 ajoutera `remind = false` sous `[people.{}]` dans sa configuration.\n\n",
                r.person
            )
        } else {
            format!(
                "To stop receiving these reminders, ask the collective{contact}: it will add \
                 `remind = false` under `[people.{}]` in its configuration.\n\n",
                r.person
            )
        });
    }
    md.push_str(&format!("— {}\n", esc(s.collective_name)));
    md
}

/// What is wrong with an item, and how to fix it, in plain words.
fn explain(item: &Item, s: &Setting<'_>) -> (String, String) {
    let fr = s.lang == Lang::Fr;
    let tags: Vec<&str> = s
        .rules
        .associations
        .iter()
        .filter_map(|a| a.tags.first().map(String::as_str))
        .take(2)
        .collect();
    let examples = match tags.as_slice() {
        [a, b, ..] if fr => format!("#{a} ou #{b}"),
        [a, b, ..] => format!("#{a} or #{b}"),
        [a] => format!("#{a}"),
        [] => "#association".to_string(),
    };
    let volunteer = s.rules.volunteer.first().map_or("benevole", String::as_str);
    let paid = s.rules.paid.first().map_or("paye", String::as_str);
    let hashtags: Vec<&str> = item
        .detail
        .split(|c: char| c.is_whitespace() || c == ';' || c == '?' || c == ',')
        .filter(|w| w.starts_with('#') && w.len() > 1)
        .collect();
    let esc = escape;
    let pick = |f: &str, e: &str| if fr { f.to_string() } else { e.to_string() };
    match item.problem.as_str() {
        "untagged" | "no-association" => (
            pick("aucune association", "no association"),
            pick(&format!("Ajoutez {examples}."), &format!("Add {examples}.")),
        ),
        "ambiguous" => (
            pick("plusieurs associations", "several associations"),
            pick(
                "Gardez l'étiquette d'une seule association.",
                "Keep the tag of one association only.",
            ),
        ),
        "both-kinds" => (
            pick("à la fois bénévole et payé", "both volunteer and paid"),
            pick(
                &format!("Gardez soit #{volunteer} soit #{paid}."),
                &format!("Both #{volunteer} and #{paid}: keep one."),
            ),
        ),
        "no-kind" => (
            pick("ni bénévole ni payé", "neither volunteer nor paid"),
            pick(
                &format!("Ajoutez #{volunteer} ou #{paid}."),
                &format!("Add #{volunteer} or #{paid}."),
            ),
        ),
        "unknown-tag" => {
            let tag = hashtags.first().map_or(String::new(), |t| esc(t));
            let fix = match hashtags.get(1) {
                Some(k) => pick(
                    &format!("Vouliez-vous dire {} ?", esc(k)),
                    &format!("Did you mean {}?", esc(k)),
                ),
                None => pick(
                    "Corrigez-la, retirez-la, ou demandez au collectif de l'ajouter.",
                    "Correct it, remove it, or ask the collective to add it.",
                ),
            };
            (
                pick(
                    &format!("étiquette inconnue {tag}"),
                    &format!("unknown tag {tag}"),
                ),
                fix,
            )
        }
        "all-day-without-hours" => (
            pick("journée entière sans durée", "all-day event without hours"),
            pick(
                "Ajoutez une durée, par exemple #3h.",
                "Add a duration such as #3h.",
            ),
        ),
        "confidential-stub" => (
            pick(
                "événement privé, vu comme « Occupé »",
                "private event, seen as \"Busy\"",
            ),
            pick(
                "Rendez-le public, ou demandez au collectif de le lire avec votre compte.",
                "Make it public, or ask the collective to read it with your account.",
            ),
        ),
        "over-12h" => (
            pick("plus de 12 heures", "longer than 12 hours"),
            pick("Vérifiez l'heure de fin.", "Check its end time."),
        ),
        "zero-length" => (
            pick("il finit quand il commence", "it ends when it starts"),
            pick("Donnez-lui une heure de fin.", "Give it an end time."),
        ),
        "overlap" => (
            pick(
                "il chevauche un autre de vos événements",
                "it overlaps another of your events",
            ),
            pick(
                "Corrigez les heures de l'un des deux.",
                "Correct the times of one of them.",
            ),
        ),
        "volunteer-and-paid" => (
            pick(
                "la même activité pour la même association, bénévole et payée",
                "the same activity for the same association, both volunteer and paid",
            ),
            pick(
                "La loi sur le volontariat l'interdit : gardez un seul type pour cette activité.",
                "The volunteering law forbids it: keep one kind for this activity.",
            ),
        ),
        "unknown-tzid" => (
            pick("fuseau horaire inconnu", "unknown time zone"),
            pick(
                "Choisissez un fuseau horaire connu dans l'agenda.",
                "Pick a known time zone in the calendar app.",
            ),
        ),
        "unknown-person" => (
            pick(
                &format!(
                    "une personne que le collectif ne connaît pas ({})",
                    esc(&item.detail)
                ),
                &format!(
                    "someone the collective does not know ({})",
                    esc(&item.detail)
                ),
            ),
            pick(
                "Vérifiez son nom ou son adresse dans l'événement.",
                "Check their name or address in the event.",
            ),
        ),
        other => (esc(other), esc(&item.detail)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::AssociationRule;

    fn finding(person: &str, uid: &str, problem: &'static str, detail: &str) -> Finding {
        Finding {
            person: person.into(),
            date: "2026-10-05".into(),
            uid: uid.into(),
            summary: format!("Event {uid}\u{1b}[2J").into(),
            problem,
            detail: detail.into(),
            occurrences: 1,
            hint: String::new(),
            args: Vec::new(),
        }
    }

    fn person(key: &str, emails: &[&str], remind: bool) -> Person {
        Person {
            key: key.into(),
            name: key.to_uppercase(),
            emails: emails.iter().map(|e| e.to_string()).collect(),
            remind,
        }
    }

    #[test]
    fn each_person_gets_their_own_and_the_collective_the_rest() {
        let people = [
            person("alice", &["alice@example.org"], true),
            person("bruno", &["bruno@example.org"], false),
            person("chloe", &[], true),
        ];
        let findings = [
            finding("alice", "a1", "untagged", "no tag"),
            finding("alice", "a1", "untagged", "no tag"),
            finding("bruno", "b1", "untagged", "no tag"),
            finding("chloe", "c1", "untagged", "no tag"),
            finding("Someone", "s1", "over-12h", "800 min"),
        ];
        let plan = plan_reminders(&findings, &[], &people, Some("help@example.org"));
        assert_eq!(plan.len(), 2, "{plan:?}");
        assert!(plan[0].is_collective());
        assert_eq!(plan[0].to, ["help@example.org"]);
        assert_eq!(
            plan[0]
                .items
                .iter()
                .map(|i| i.uid.as_str())
                .collect::<Vec<_>>(),
            ["c1", "s1"]
        );
        assert_eq!(plan[1].person, "alice");
        assert_eq!(plan[1].items.len(), 1);
        assert!(!plan[1].items[0].summary.contains('\u{1b}'));
        assert!(plan_reminders(&findings[..1], &[], &people, None)[0].person == "alice");
        assert!(plan_reminders(&findings[4..], &[], &people, None).is_empty());
    }

    #[test]
    fn the_digest_follows_the_list() {
        let people = [person("alice", &["alice@example.org"], true)];
        let one = plan_reminders(
            &[finding("alice", "a1", "untagged", "")],
            &[],
            &people,
            None,
        );
        let two = plan_reminders(
            &[
                finding("alice", "a1", "untagged", ""),
                finding("alice", "a2", "zero-length", ""),
            ],
            &[],
            &people,
            None,
        );
        assert_eq!(one[0].digest(), one[0].clone().digest());
        assert_ne!(one[0].digest(), two[0].digest());
    }

    #[test]
    fn the_message_says_what_to_fix_and_when_the_report_leaves() {
        let rules = Rules {
            associations: vec![AssociationRule {
                key: "ecole".into(),
                name: "École".into(),
                tags: vec!["ecole".into(), "ecole-des-devoirs".into()],
                default_kind: None,
            }],
            ..Rules::default()
        };
        let month = Period::month(2026, 10).expect("month");
        let s = Setting {
            lang: Lang::Fr,
            month: &month,
            send_on: NaiveDate::from_ymd_opt(2026, 11, 3),
            calendar_url: Some("https://cloud.example/apps/calendar"),
            collective_name: "Le collectif",
            collective_email: Some("help@example.org"),
            rules: &rules,
        };
        let people = [person("alice", &["alice@example.org"], true)];
        let r = &plan_reminders(
            &[finding(
                "alice",
                "a1",
                "unknown-tag",
                "unknown tag #ecole-des-devoir; did you mean #ecole-des-devoirs?",
            )],
            &[],
            &people,
            None,
        )[0];
        let md = write_markdown(r, &s);
        assert!(md.contains("le 3 novembre 2026"), "{md}");
        assert!(
            md.contains("Vouliez-vous dire #ecole-des-devoirs ?"),
            "{md}"
        );
        assert!(md.contains("<https://cloud.example/apps/calendar>"), "{md}");
        assert!(md.contains("remind = false"), "{md}");
        assert_eq!(
            subject(r, &s),
            "Calendrier : 1 point à corriger avant le rapport d'octobre 2026"
        );
    }
}
