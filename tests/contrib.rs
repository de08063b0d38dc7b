// SPDX-License-Identifier: GPL-3.0-or-later
//! What `contrib/` ships for a small self-hosted server: the systemd service and timer pass
//! `systemd-analyze verify` without a warning, the example config keeps its store and
//! reports in the service's StateDirectory and reads its passwords from the credentials the
//! service loads, and such a config really syncs a server with the password taken from
//! `${CREDENTIALS_DIRECTORY}`.

#[path = "support/servers.rs"]
mod servers;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use caltally::config::Config;
use predicates::prelude::*;

fn contrib(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("contrib")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(contrib(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The values of `key=` lines in a unit file.
fn unit_values(unit: &str, key: &str) -> Vec<String> {
    unit.lines()
        .filter_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_systemd_units_verify_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for unit in ["caltally.service", "caltally.timer"] {
        std::fs::copy(contrib(&format!("systemd/{unit}")), d.join(unit)).expect("copy");
    }
    // A drop-in beside the unit runs the binary under test; the unit itself is untouched.
    std::fs::create_dir(d.join("caltally.service.d")).expect("mkdir");
    std::fs::write(
        d.join("caltally.service.d/test.conf"),
        format!(
            "[Service]\nExecStart=\nExecStart={} run --wait\n",
            assert_cmd::cargo::cargo_bin("caltally").display()
        ),
    )
    .expect("drop-in");
    let out = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(d.join("caltally.service"))
        .arg(d.join("caltally.timer"))
        .output()
        .expect("systemd-analyze runs (Debian package `systemd`; .ci/run installs it)");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // Unknown keys and bad values are only warnings, with exit code 0.
    assert!(err.trim().is_empty(), "{err}");
}

#[test]
fn the_example_config_uses_the_state_directory_and_the_credentials() {
    let service = read("systemd/caltally.service");
    assert_eq!(
        unit_values(&service, "ExecStart"),
        ["/usr/bin/caltally run --wait"]
    );
    assert_eq!(unit_values(&service, "StateDirectory"), ["caltally"]);
    assert_eq!(unit_values(&service, "ProtectSystem"), ["strict"]);
    assert_eq!(unit_values(&service, "DynamicUser"), ["yes"]);
    let credentials: Vec<String> = unit_values(&service, "LoadCredential")
        .into_iter()
        .map(|c| c.split_once(':').expect("name:path").0.to_string())
        .collect();
    let config = Config::parse(
        &read("systemd/config.toml"),
        Path::new("/etc/caltally/config.toml"),
    )
    .expect("the example config is valid");
    let store = config.store_path().expect("store");
    assert!(
        store.starts_with("/var/lib/caltally"),
        "{}",
        store.display()
    );
    let output = config.output.clone().expect("output");
    assert!(
        output.starts_with("/var/lib/caltally"),
        "{}",
        output.display()
    );
    let files = config
        .sources
        .iter()
        .filter_map(|s| s.password_file.clone())
        .chain(config.mail.iter().filter_map(|m| m.password_file.clone()));
    let mut n = 0;
    for file in files {
        let name = file
            .strip_prefix("${CREDENTIALS_DIRECTORY}/")
            .unwrap_or_else(|| panic!("{file} is read from the credentials"));
        assert!(credentials.iter().any(|c| c == name), "{name} is loaded");
        n += 1;
    }
    assert_eq!(n, 2, "the CalDAV and the SMTP passwords");
    let cron = read("cron/caltally");
    assert!(
        cron.lines()
            .any(|l| l.starts_with("30 2 * * * caltally /usr/bin/caltally")
                && l.ends_with(" run --wait")),
        "{cron}"
    );
}

#[test]
fn a_password_from_the_credentials_directory_reaches_the_server() {
    let server = servers::start_radicale();
    let calendar = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sync/collectif.ics");
    server.populate(
        "collectif",
        &["--create", calendar.to_str().expect("UTF-8 path")],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let credentials = d.join("credentials");
    std::fs::create_dir(&credentials).expect("mkdir");
    std::fs::write(
        credentials.join("caldav-password"),
        format!("{}\n", servers::PASSWORD),
    )
    .expect("credential");
    std::fs::write(
        d.join("config.toml"),
        format!(
            "timezone = \"Europe/Brussels\"\nstore = \"state/caltally.db\"\n\
             [[source]]\ncaldav = \"{}\"\nusername = \"{}\"\n\
             password_file = \"${{CREDENTIALS_DIRECTORY}}/caldav-password\"\n",
            server.base_url,
            servers::USER
        ),
    )
    .expect("config");
    let sync = || {
        let mut cmd = Command::cargo_bin("caltally").expect("binary");
        cmd.current_dir(d)
            .env_remove("CREDENTIALS_DIRECTORY")
            .args(["--config", "config.toml", "-q", "sync"]);
        cmd
    };
    sync()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("${CREDENTIALS_DIRECTORY}"));
    sync()
        .env("CREDENTIALS_DIRECTORY", &credentials)
        .assert()
        .success()
        .stderr("");
    assert!(d.join("state/caltally.db").is_file());
}
