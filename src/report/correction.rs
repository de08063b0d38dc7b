// SPDX-License-Identifier: GPL-3.0-or-later
//! The totals a correction mail sets side by side: the month as the association was last
//! told, and as it is now (hours by kind, and the value of volunteer work if configured).
//!
//! Owns: the recount of frozen [`Item`]s (a closing or a logged mail) and its Markdown
//! table. Pure: the items and the rates come in, text goes out.

use std::io::{self, Write};

use super::Totals;
use super::i18n::Text;
use super::valuation::{Valuation, value_dated};
use crate::closing::Item;
use crate::config::Rate;
use crate::model::Kind;

/// The totals of a list of items.
#[derive(Debug, Clone, PartialEq)]
pub struct Recount {
    /// Minutes by kind.
    pub totals: Totals,
    /// Value of the volunteer person-hours, if rates are configured.
    pub valuation: Option<Valuation>,
}

/// Counts `items` (already those of one association).
pub fn recount(items: &[Item], rates: &[Rate], currency: &str) -> Recount {
    let mut totals = Totals::default();
    for i in items {
        totals.add(Kind::parse(&i.kind).unwrap_or(Kind::Unspecified), i.minutes);
    }
    let valuation = (!rates.is_empty()).then(|| {
        let volunteer = items
            .iter()
            .filter(|i| Kind::parse(&i.kind) == Some(Kind::Volunteer))
            .filter_map(|i| {
                let date = chrono::DateTime::parse_from_rfc3339(&i.start).ok()?;
                Some((date.date_naive(), i.minutes * (i.people.max(1) as i64)))
            });
        value_dated(volunteer, rates, currency)
    });
    Recount { totals, valuation }
}

/// Writes the section: a heading and a three-column table (what, before, now).
pub fn write_totals(
    mut w: impl Write,
    before: &Recount,
    now: &Recount,
    t: &Text,
) -> io::Result<()> {
    writeln!(w, "\n## {}\n", t.mail_totals)?;
    writeln!(w, "| | {} | {} |", t.mail_totals_before, t.mail_totals_now)?;
    writeln!(w, "|---|--:|--:|")?;
    for kind in [Kind::Volunteer, Kind::Paid, Kind::Unspecified] {
        let (b, n) = (before.totals.get(kind), now.totals.get(kind));
        if b != 0 || n != 0 {
            writeln!(
                w,
                "| {} | {} | {} |",
                t.kind(kind),
                t.duration(b),
                t.duration(n)
            )?;
        }
    }
    writeln!(
        w,
        "| **{}** | **{}** | **{}** |",
        t.total,
        t.duration(before.totals.total()),
        t.duration(now.totals.total())
    )?;
    if let (Some(b), Some(n)) = (&before.valuation, &now.valuation) {
        writeln!(
            w,
            "| {} | {} | {} |",
            t.valuation,
            t.amount(b.total_cents, &b.currency),
            t.amount(n.total_cents, &n.currency)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::i18n::Lang;
    use chrono::NaiveDate;

    fn item(kind: &str, minutes: i64, people: usize) -> Item {
        Item {
            uid: format!("{kind}{minutes}"),
            recurrence_id: String::new(),
            summary: String::new(),
            start: "2026-10-22T09:00:00+02:00".into(),
            end: "2026-10-22T10:30:00+02:00".into(),
            minutes,
            association: "amis".into(),
            kind: kind.into(),
            people,
        }
    }

    #[test]
    fn totals_before_and_now_with_their_value() {
        let rates = [Rate {
            from: NaiveDate::from_ymd_opt(2024, 11, 1).expect("date"),
            per_hour: 12.0,
        }];
        let before = recount(
            &[item("volunteer", 90, 2), item("paid", 60, 1)],
            &rates,
            "EUR",
        );
        let now = recount(&[item("paid", 60, 1)], &rates, "EUR");
        assert_eq!(before.totals.total(), 150);
        // 1 h 30 for two people at 12 EUR.
        assert_eq!(before.valuation.as_ref().map(|v| v.total_cents), Some(3600));
        let mut out = Vec::new();
        write_totals(&mut out, &before, &now, Lang::En.text()).expect("written");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "\n## The month's totals\n\n| | In our last mail | Now |\n|---|--:|--:|\n\
             | Volunteer | 1:30 | 0:00 |\n| Paid | 1:00 | 1:00 |\n\
             | **Total** | **2:30** | **1:00** |\n| Value of volunteer work | 36.00 EUR | 0.00 EUR |\n"
        );
    }
}
