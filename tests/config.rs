// SPDX-License-Identifier: GPL-3.0-or-later
//! The config forgives the usual slips (`email = "x@y"`, `emails` for `email`) and explains
//! every error in plain words with the file, the line, the key and what is expected; it
//! refuses association names that the same tag would match.

use std::path::Path;

use caltally::config::Config;

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(text, Path::new("caltally.toml")).map_err(|e| e.to_string())
}

#[test]
fn one_address_is_a_list_of_one_and_email_or_emails_both_work() {
    let c = parse(
        "[associations.amis]\nemail = \"tresorerie@amis.example\"\n\
         [associations.radio]\nemails = [\"a@radio.example\", \"b@radio.example\"]\n\
         [people.alice]\nemail = \"alice@collectif.example\"\n\
         [people.bob]\nemails = \"bob@collectif.example\"\n",
    )
    .expect("valid");
    assert_eq!(c.associations["amis"].email, ["tresorerie@amis.example"]);
    assert_eq!(c.associations["radio"].email.len(), 2);
    assert_eq!(c.people["alice"].emails, ["alice@collectif.example"]);
    assert_eq!(c.people["bob"].emails, ["bob@collectif.example"]);
}

#[test]
fn a_decimal_comma_says_to_write_a_dot() {
    let err = parse(
        "timezone = \"Europe/Brussels\"\n[valuation]\n\
         rates = [{ from = \"2024-11-01\", per_hour = \"11,88\" }]\n",
    )
    .unwrap_err();
    assert_eq!(
        err,
        "caltally.toml:3: key `valuation.rates.per_hour`: `11,88` is text with a decimal comma; \
         write a number with a dot and no quotes: per_hour = 11.88"
    );
}

#[test]
fn no_serde_jargon_reaches_the_user() {
    let cases = [
        (
            "[associations.amis]\ntags = \"amis\"\n",
            "caltally.toml:2: key `associations.amis.tags`: expected a list in brackets",
        ),
        (
            "[people.alice]\nemail = 3\n",
            "caltally.toml:2: key `people.alice.email`: expected an address in quotes or a list of them, found the number 3",
        ),
        (
            "[mail]\nsmtp = \"smtp://x.example\"\nfrom = \"a@x.example\"\nsend_on_day = \"3\"\n",
            "caltally.toml:4: key `mail.send_on_day`: expected a whole number, such as 3, found the text \"3\"",
        ),
        (
            "[classify]\nvolunter = []\n",
            "caltally.toml:2: key `classify.volunter`: unknown key `volunter`; the keys allowed here are",
        ),
        (
            "[mail]\nfrom = \"a@x.example\"\n",
            "caltally.toml:1: key `mail`: the key `smtp` is missing here",
        ),
    ];
    for (text, expected) in cases {
        let err = parse(text).unwrap_err();
        assert!(err.starts_with(expected), "{text}\n→ {err}");
        for jargon in [
            "invalid type",
            "expected a sequence",
            "f64",
            "u32",
            "missing field",
        ] {
            assert!(!err.contains(jargon), "{err}");
        }
    }
}

#[test]
fn a_source_without_caldav_or_ics_is_reported_at_its_own_line() {
    let err = parse(
        "timezone = \"Europe/Brussels\"\n\n[[source]]\nics = \"a.ics\"\n\n\
         [[source]]\nname = \"Collectif\"\n",
    )
    .unwrap_err();
    assert!(
        err.starts_with("caltally.toml:6: key `source`: source #2 has neither `caldav` nor `ics`"),
        "{err}"
    );
}

#[test]
fn keys_equal_after_folding_are_an_error_naming_both() {
    let err = parse("[associations.amis]\nname = \"A\"\n[associations.Amis]\nname = \"B\"\n")
        .unwrap_err();
    assert!(
        err.contains("[associations.Amis]") && err.contains("[associations.amis]"),
        "{err}"
    );
    assert!(
        err.starts_with("caltally.toml:3:") || err.starts_with("caltally.toml:1:"),
        "{err}"
    );
    let err = parse(
        "[associations.amis]\ntags = [\"quartier\"]\n\
         [associations.radio]\ntags = [\"fm\", \"Quartier\"]\n",
    )
    .unwrap_err();
    assert!(
        err.starts_with("caltally.toml:4: key `associations.radio.tags`")
            && err.contains("the alias \"quartier\" of [associations.amis]")
            && err.contains("the alias \"Quartier\" of [associations.radio]"),
        "{err}"
    );
    let err = parse("[associations.amis]\n[associations.radio]\ntags = [\"AMIS\"]\n").unwrap_err();
    assert!(
        err.contains("the association key [associations.amis]"),
        "{err}"
    );
}
