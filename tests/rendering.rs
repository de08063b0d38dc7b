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
