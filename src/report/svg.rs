// SPDX-License-Identifier: GPL-3.0-or-later
//! The SVG bar chart written beside `summary.md` (and linked from it, so it shows on Gitea
//! and other forges): one bar per association, volunteer and paid hours stacked, and a bar
//! of its own for the hours under review (no association), so that the bars add up to the
//! summary table's total.
//!
//! It reads the same on a light or a dark page: an opaque white background, a title line,
//! dark text. A long name is cut with an ellipsis; the full name is its `<title>` (shown
//! on hover).

use std::io::{self, Write};

use super::{Report, Totals};

const WIDTH: i64 = 640;
const LABEL: i64 = 190;
const BAR: i64 = 22;
const GAP: i64 = 10;
/// Rows start below the title.
const TOP: i64 = 46;
/// The longest name shown whole, in characters (13 px sans-serif fits about 26 in 180 px).
const NAME_CHARS: usize = 24;
const VOLUNTEER: &str = "#2e8b57";
const PAID: &str = "#4169e1";
const OTHER: &str = "#8c8c8c";
const REVIEW: &str = "#d2691e";
const TEXT: &str = "#1a1a1a";

/// Writes the chart.
pub fn write_chart(mut w: impl Write, r: &Report) -> io::Result<()> {
    let t = r.lang.text();
    let mut rows: Vec<(&str, &Totals, bool)> = r
        .associations
        .iter()
        .map(|a| (a.name.as_str(), &a.totals, false))
        .collect();
    if r.unassigned.total() > 0 {
        rows.push((t.review, &r.unassigned, true));
    }
    let max = rows
        .iter()
        .map(|(_, totals, _)| totals.total())
        .max()
        .unwrap_or(0)
        .max(1);
    let height = TOP + rows.len() as i64 * (BAR + GAP) + 30;
    let title = format!("{} — {}", t.report_title, t.period(&r.period));
    writeln!(
        w,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13" fill="{TEXT}">"#
    )?;
    writeln!(w, r#"<title>{}</title>"#, xml(&title))?;
    writeln!(
        w,
        r##"<rect width="100%" height="100%" fill="#ffffff" stroke="#d0d0d0"/>"##
    )?;
    writeln!(
        w,
        r#"<text x="12" y="24" font-size="15" font-weight="bold">{}</text>"#,
        xml(&title)
    )?;
    let scale = |m: i64| m * (WIDTH - LABEL - 70) / max;
    for (i, (name, totals, review)) in rows.iter().enumerate() {
        let y = TOP + i as i64 * (BAR + GAP);
        let shown = shorten(name, NAME_CHARS);
        writeln!(
            w,
            r#"<text x="{}" y="{}" text-anchor="end"><title>{}</title>{}</text>"#,
            LABEL - 8,
            y + BAR - 6,
            xml(name),
            xml(&shown)
        )?;
        let mut x = LABEL;
        let parts = if *review {
            vec![(totals.total(), REVIEW)]
        } else {
            vec![
                (totals.volunteer, VOLUNTEER),
                (totals.paid, PAID),
                (totals.unspecified, OTHER),
            ]
        };
        for (minutes, colour) in parts {
            let width = scale(minutes);
            if width > 0 {
                writeln!(
                    w,
                    r#"<rect x="{x}" y="{y}" width="{width}" height="{BAR}" fill="{colour}"/>"#
                )?;
            }
            x += width;
        }
        writeln!(
            w,
            r#"<text x="{}" y="{}">{}</text>"#,
            x + 6,
            y + BAR - 6,
            t.duration(totals.total())
        )?;
    }
    let y = TOP + rows.len() as i64 * (BAR + GAP) + 14;
    let mut legend = vec![
        (t.volunteer, VOLUNTEER),
        (t.paid, PAID),
        (t.unspecified, OTHER),
    ];
    if r.unassigned.total() > 0 {
        legend.push((t.review, REVIEW));
    }
    let mut x = 12;
    for (label, colour) in legend {
        writeln!(
            w,
            r#"<rect x="{x}" y="{}" width="12" height="12" fill="{colour}"/><text x="{}" y="{}">{}</text>"#,
            y - 10,
            x + 18,
            y,
            xml(label)
        )?;
        x += 18 + 8 * label.chars().count() as i64 + 24;
    }
    writeln!(w, "</svg>")
}

/// `name` cut to `max` characters, the last one an ellipsis, if it is longer.
fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_string();
    }
    let kept: String = name.chars().take(max - 1).collect();
    format!("{}…", kept.trim_end())
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_end_with_an_ellipsis() {
        assert_eq!(shorten("Les Amis", 24), "Les Amis");
        let cut = shorten("Association des usagers du logiciel libre de Namur", 24);
        assert_eq!(cut.chars().count(), 24);
        assert!(cut.ends_with('…') && cut.starts_with("Association des usagers"));
        assert_eq!(shorten("abcdé", 3), "ab…");
    }
}
