// SPDX-License-Identifier: GPL-3.0-or-later
//! A page as a real browser lays it out: Debian's `chromium-headless-shell` (installed by
//! `.ci/run`), which honours `--window-size` exactly. Screenshots of the viewport, and the
//! page's width against the window's, read back with `--dump-dom`.

use std::path::{Path, PathBuf};
use std::process::Command;

const BROWSER: &str = "chromium-headless-shell";

/// How the page is shown.
#[derive(Clone, Copy)]
pub enum Scheme {
    Light,
    Dark,
}

fn browser(width: u32, scheme: Scheme) -> Command {
    let mut c = Command::new(BROWSER);
    // Tests run as root in CI, where Chromium refuses to start without this.
    c.args(["--no-sandbox", "--hide-scrollbars"])
        .arg(format!("--window-size={width},800"));
    if let Scheme::Dark = scheme {
        c.arg("--blink-settings=preferredColorScheme=0");
    }
    c
}

fn url(path: &Path) -> String {
    format!(
        "file://{}",
        path.canonicalize().expect("page path").display()
    )
}

/// Writes a screenshot of the first 800 px of `page` at `width`, and returns its path.
pub fn screenshot(page: &Path, width: u32, scheme: Scheme, png: &Path) -> PathBuf {
    let _ = std::fs::remove_file(png);
    let out = browser(width, scheme)
        .arg(format!("--screenshot={}", png.display()))
        .arg(url(page))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BROWSER} (`.ci/run` installs it): {e}"));
    assert!(
        png.exists(),
        "{BROWSER} wrote no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    png.to_path_buf()
}

/// The page's `scrollWidth` and the window's `innerWidth` once the page has loaded.
pub fn widths(page: &Path, width: u32) -> (u32, u32) {
    let probe = page.with_extension("probe.html");
    let mut html = std::fs::read_to_string(page).expect("page");
    html.push_str(
        "<script>addEventListener('load',()=>document.documentElement.setAttribute(\
         'data-probe',document.documentElement.scrollWidth+' '+innerWidth))</script>",
    );
    std::fs::write(&probe, html).expect("probe page");
    let out = browser(width, Scheme::Light)
        .arg("--dump-dom")
        .arg(url(&probe))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BROWSER} (`.ci/run` installs it): {e}"));
    let dom = String::from_utf8_lossy(&out.stdout);
    let value = dom
        .split("data-probe=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no probe in the page: {dom}"));
    let (scroll, inner) = value.split_once(' ').expect("two widths");
    (
        scroll.parse().expect("scrollWidth"),
        inner.parse().expect("innerWidth"),
    )
}

/// A folder for a test's pages and screenshots, kept after the run (under the target dir).
pub fn output_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("rendering")
        .join(name);
    std::fs::create_dir_all(&dir).expect("output dir");
    dir
}
