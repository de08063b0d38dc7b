// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of [`super`]: server URLs, plain-text SMTP only to loopback, inline styles in
//! HTML tables, and a message's parts and encoded subject.

use super::*;

#[test]
fn server_urls() {
    let s = Server::parse("smtp://mail.example.org", "required").unwrap();
    assert_eq!((s.port, s.security), (587, Security::StartTls));
    let s = Server::parse("smtps://mail.example.org", "required").unwrap();
    assert_eq!((s.port, s.security), (465, Security::Implicit));
    let s = Server::parse("smtp://127.0.0.1:2525", "never").unwrap();
    assert_eq!(
        (s.host.as_str(), s.port, s.security),
        ("127.0.0.1", 2525, Security::Plain)
    );
    assert!(Server::parse("mail.example.org", "required").is_err());
    assert!(Server::parse("smtp://mail.example.org:x", "required").is_err());
    assert!(Server::parse("smtp://mail.example.org", "maybe").is_err());
    assert!(Server::parse("http://mail.example.org", "required").is_err());
    assert!(Server::parse("smtp://user@mail.example.org", "required").is_err());
}

#[test]
fn plain_text_only_to_loopback() {
    for host in [
        "localhost",
        "LOCALHOST.",
        "127.0.0.1",
        "127.8.9.10",
        "[::1]",
    ] {
        let s = Server::parse(&format!("smtp://{host}:25"), "never")
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(s.security, Security::Plain, "{host}");
    }
    for host in [
        "mail.example.org",
        "10.0.0.1",
        "128.0.0.1",
        "[::2]",
        "localhost.example.org",
        "127.0.0.1.nip.io",
    ] {
        let err = Server::parse(&format!("smtp://{host}:25"), "never").unwrap_err();
        assert!(matches!(err, MailError::PlainText(_)), "{host}: {err}");
        assert!(err.to_string().contains("clear text"), "{err}");
    }
    assert!(is_loopback("::ffff:127.0.0.1"));
    assert!(!is_loopback("::ffff:10.0.0.1"));
}

#[test]
fn html_tables_get_inline_styles() {
    let md = "# Titre & co\n\n| A | h |\n|---|--:|\n| x | 1:30 |\n";
    let html = markdown_to_html(md, "T <1>");
    assert!(html.contains("<title>T &lt;1&gt;</title>"));
    assert!(html.contains("<table style=\"border-collapse:collapse"));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("<div style=\"overflow-x:auto"));
    assert!(html.contains("1:30</td>"));
    assert!(html.contains("nowrap\">1:30</td>"), "{html}");
    assert!(!html.contains("nowrap\">x</td>"), "{html}");
    assert!(html.contains("<td style=\"text-align:right;border:1px solid"));
    assert!(html.contains("<th style=\"text-align:left;border:1px solid"));
    assert!(!html.contains("<td>") && !html.contains("<th>"));
    assert!(html.contains(">Titre &amp; co</h1>"));
}

#[test]
fn message_has_parts_and_encoded_subject() {
    let letter = Letter {
        from: "Le collectif <help@collectif.example>".into(),
        reply_to: "help@collectif.example".into(),
        to: vec!["tresorerie@amis.example".into()],
        cc: vec![],
        subject: "Rapport d'heures — Les Amis — octobre 2026".into(),
        date: SystemTime::UNIX_EPOCH,
        message_id: "x.1@collectif.example".into(),
        in_reply_to: Some("caltally.first@collectif.example".into()),
        references: vec!["caltally.first@collectif.example".into()],
        title: "t".into(),
        markdown: "| a |\n|---|\n| é |\n".into(),
        plain: "a\né\n".into(),
        attachments: vec![Attached {
            name: "amis-2026-10.csv".into(),
            content_type: "text/csv; charset=utf-8".into(),
            bytes: b"a,b\n".to_vec(),
        }],
    };
    let eml = String::from_utf8(to_eml(&build(&letter).unwrap())).unwrap();
    assert!(
        eml.contains("Subject: Rapport d'heures =?utf-8?b?4oCU?= Les Amis"),
        "{eml}"
    );
    assert!(eml.contains("Message-ID: <x.1@collectif.example>"));
    assert!(
        eml.contains("In-Reply-To: <caltally.first@collectif.example>"),
        "{eml}"
    );
    assert!(
        eml.contains("References: <caltally.first@collectif.example>"),
        "{eml}"
    );
    assert!(eml.contains("multipart/mixed") && eml.contains("multipart/alternative"));
    assert!(eml.contains("filename=\"amis-2026-10.csv\""));
    assert_eq!(
        domain_of("Le collectif <help@collectif.example>"),
        "collectif.example"
    );
    assert!(parse_mailbox("not an address").is_err());
}
