// SPDX-License-Identifier: GPL-3.0-or-later
//! The demo's mail and chart as a real browser shows them: the HTML mail at phone width
//! (360 px) and desktop width (1200 px) with nothing wider than the window, and the chart
//! on a light and a dark page. Screenshots stay in `target/tmp/rendering/` for a look.

#[path = "support/browser.rs"]
mod browser;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use browser::Scheme;

/// The demo config with its own store and paths, in `dir`.
fn demo_config(dir: &Path) -> PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let config = std::fs::read_to_string(demo.join("caltally.toml"))
        .expect("demo config")
        .replace(
            "store = \"../../target/demo/caltally.db\"",
            &format!("store = \"{}\"", dir.join("store.db").display()),
        )
        .replace(
            "ics = \"collectif.ics\"",
            &format!("ics = \"{}\"", demo.join("collectif.ics").display()),
        );
    let path = dir.join("caltally.toml");
    std::fs::write(&path, config).expect("config");
    path
}

fn caltally(config: &Path) -> Command {
    let mut c = Command::cargo_bin("caltally").expect("binary");
    c.env("CALTALLY_NOW", "2026-11-03T06:00:00+01:00")
        .arg("--config")
        .arg(config);
    c
}

/// The HTML part of the demo's mail to `amis`, written to `dir/amis.html`.
fn demo_mail_html(dir: &Path) -> PathBuf {
    let config = demo_config(dir);
    caltally(&config)
        .args(["send", "--month", "2026-10", "--dry-run", "--out"])
        .arg(dir)
        .assert()
        .success();
    let eml = std::fs::read(dir.join("amis-2026-10.eml")).expect("amis-2026-10.eml");
    let message = mail_parser::MessageParser::default()
        .parse(&eml)
        .expect("a message");
    let html = message.body_html(0).expect("an HTML part").into_owned();
    let path = dir.join("amis.html");
    std::fs::write(&path, html).expect("html");
    path
}

#[test]
fn the_mail_fits_a_phone_and_a_desktop() {
    let dir = browser::output_dir("mail");
    let page = demo_mail_html(&dir);
    for width in [360, 1200] {
        let (scroll, inner) = browser::widths(&page, width);
        assert_eq!(inner, width, "the window is {width} px wide");
        assert!(
            scroll <= inner,
            "at {width} px the mail is {scroll} px wide: it overflows"
        );
        browser::screenshot(
            &page,
            width,
            Scheme::Light,
            &dir.join(format!("mail-{width}.png")),
        );
    }
}

/// Minutes of `h:mm`.
fn minutes(hmm: &str) -> i64 {
    let (h, m) = hmm.split_once(':').expect("h:mm");
    h.parse::<i64>().expect("hours") * 60 + m.parse::<i64>().expect("minutes")
}

#[test]
fn the_chart_adds_up_and_reads_on_light_and_dark_pages() {
    let dir = browser::output_dir("chart");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/collectif.ics");
    // One untagged hour, and an association whose name is too long for the chart.
    let extra = dir.join("extra.ics");
    std::fs::write(
        &extra,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n\
         BEGIN:VEVENT\r\nUID:untagged@t\r\nDTSTAMP:20261001T080000Z\r\n\
         DTSTART:20261006T080000Z\r\nDTEND:20261006T090000Z\r\nSUMMARY:Réunion\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:long@t\r\nDTSTAMP:20261001T080000Z\r\n\
         DTSTART:20261007T080000Z\r\nDTEND:20261007T093000Z\r\n\
         SUMMARY:Atelier #association-des-usagers-du-logiciel-libre-de-namur\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n",
    )
    .expect("extra calendar");
    let out = dir.join("report");
    Command::cargo_bin("caltally")
        .expect("binary")
        .env("CALTALLY_NOW", "2026-11-03T06:00:00+01:00")
        .env("XDG_CONFIG_HOME", &dir)
        .env_remove("CALTALLY_CONFIG")
        .args([
            "report",
            "--month",
            "2026-10",
            "--tz",
            "Europe/Brussels",
            "--lang",
            "fr",
        ])
        .arg("--source")
        .arg(&demo)
        .arg("--source")
        .arg(&extra)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let svg = std::fs::read_to_string(out.join("summary.svg")).expect("summary.svg");
    let summary = std::fs::read_to_string(out.join("summary.md")).expect("summary.md");
    let total_row = summary
        .lines()
        .find(|l| l.starts_with("| **Total**"))
        .expect("the total row");
    let total = total_row.split('|').nth(5).expect("the total cell");
    let bars: i64 = svg
        .lines()
        .filter(|l| l.starts_with("<text x=") && !l.contains("text-anchor"))
        .filter_map(|l| l.split('>').nth(1)?.split('<').next())
        .filter(|v| v.contains(':'))
        .map(minutes)
        .sum();
    assert_eq!(
        bars,
        minutes(total.trim().trim_matches('*')),
        "the bars add up to the table's total: {svg}"
    );
    assert!(
        svg.contains("<title>À revoir</title>À revoir</text>"),
        "{svg}"
    );
    assert!(
        svg.contains("<title>association-des-usagers-du-logiciel-libre-de-namur</title>association-des-usagers…</text>"),
        "{svg}"
    );
    assert!(svg.contains(r##"<rect width="100%" height="100%" fill="#ffffff""##));
    for (scheme, page_colour, name) in [
        (Scheme::Light, "#ffffff", "light"),
        (Scheme::Dark, "#121212", "dark"),
    ] {
        let page = dir.join(format!("chart-{name}.html"));
        std::fs::write(
            &page,
            format!(
                "<!DOCTYPE html><html><head><meta name=\"color-scheme\" content=\"light dark\"></head>\
                 <body style=\"background:{page_colour};margin:8px\"><img src=\"{}\"></body></html>",
                out.join("summary.svg").display()
            ),
        )
        .expect("page");
        browser::screenshot(&page, 700, scheme, &dir.join(format!("chart-{name}.png")));
    }
}
