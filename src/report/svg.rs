// SPDX-License-Identifier: GPL-3.0-or-later
//! The SVG bar chart written beside `summary.md` (and linked from it, so it shows on Gitea
//! and other forges): one bar per association, volunteer and paid hours stacked.

use std::io::{self, Write};

use super::Report;

const WIDTH: i64 = 640;
const LABEL: i64 = 190;
const BAR: i64 = 22;
const GAP: i64 = 10;
const VOLUNTEER: &str = "#2e8b57";
const PAID: &str = "#4169e1";
const OTHER: &str = "#a9a9a9";

/// Writes the chart.
pub fn write_chart(mut w: impl Write, r: &Report) -> io::Result<()> {
    let t = r.lang.text();
    let max = r
        .associations
        .iter()
        .map(|a| a.totals.total())
        .max()
        .unwrap_or(0)
        .max(1);
    let rows = r.associations.len() as i64;
    let height = 40 + rows * (BAR + GAP) + 30;
    writeln!(
        w,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">"#
    )?;
    writeln!(
        w,
        r#"<title>{} — {}</title>"#,
        xml(t.report_title),
        xml(&t.period(&r.period))
    )?;
    let scale = |m: i64| m * (WIDTH - LABEL - 70) / max;
    for (i, a) in r.associations.iter().enumerate() {
        let y = 20 + i as i64 * (BAR + GAP);
        writeln!(
            w,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LABEL - 8,
            y + BAR - 6,
            xml(&a.name)
        )?;
        let mut x = LABEL;
        for (minutes, colour) in [
            (a.totals.volunteer, VOLUNTEER),
            (a.totals.paid, PAID),
            (a.totals.unspecified, OTHER),
        ] {
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
            t.duration(a.totals.total())
        )?;
    }
    let y = 20 + rows * (BAR + GAP) + 14;
    for (i, (label, colour)) in [
        (t.volunteer, VOLUNTEER),
        (t.paid, PAID),
        (t.unspecified, OTHER),
    ]
    .iter()
    .enumerate()
    {
        let x = LABEL + i as i64 * 140;
        writeln!(
            w,
            r#"<rect x="{x}" y="{}" width="12" height="12" fill="{colour}"/><text x="{}" y="{}">{}</text>"#,
            y - 10,
            x + 18,
            y,
            xml(label)
        )?;
    }
    writeln!(w, "</svg>")
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
