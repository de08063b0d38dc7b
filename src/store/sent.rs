// SPDX-License-Identifier: GPL-3.0-or-later
//! The sent log: one row per mail of `send`, written as `sending` before its SMTP session
//! and turned to `sent` after it, with the entries that mail told about.

use rusqlite::params;

use super::{Store, StoreError};

/// One mail of the sent log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRow {
    /// Association key.
    pub association: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Row id (0 before it is written).
    pub id: i64,
    /// Digest of the association's entries that the mail carried.
    pub fingerprint: String,
    /// Those entries (JSON of closing items).
    pub items: String,
    /// `report` or `correction`.
    pub kind: String,
    /// `sending` (the session was started, its outcome is unknown) or `sent`.
    pub state: String,
    /// Unix time.
    pub at: i64,
    /// Recipients, comma-separated.
    pub recipients: String,
    /// Message-ID.
    pub message_id: String,
}

impl Store {
    /// The mails logged for `association` and `month`, oldest first.
    pub fn sent(&self, association: &str, month: &str) -> Result<Vec<SentRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, association, month, fingerprint, items, kind, state, at, recipients, message_id
             FROM sent WHERE association = ?1 AND month = ?2 ORDER BY id",
        )?;
        let rows = stmt.query_map([association, month], |r| {
            Ok(SentRow {
                id: r.get(0)?,
                association: r.get(1)?,
                month: r.get(2)?,
                fingerprint: r.get(3)?,
                items: r.get(4)?,
                kind: r.get(5)?,
                state: r.get(6)?,
                at: r.get(7)?,
                recipients: r.get(8)?,
                message_id: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Logs a mail as `sending`, before its SMTP session (committed, and synced to disk,
    /// when this returns); returns its row id.
    pub fn begin_sending(&self, row: &SentRow) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO sent (association, month, fingerprint, items, kind, state, at, recipients, message_id)
             VALUES (?1, ?2, ?3, ?4, ?5, 'sending', ?6, ?7, ?8)",
            params![
                row.association,
                row.month,
                row.fingerprint,
                row.items,
                row.kind,
                row.at,
                row.recipients,
                row.message_id
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Marks a logged mail as sent, once the server accepted it.
    pub fn mark_sent(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE sent SET state = 'sent' WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Forgets a mail the server refused (it is sent again on the next run).
    pub fn forget_sending(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM sent WHERE id = ?1 AND state = 'sending'", [id])?;
        Ok(())
    }

    /// How many associations were mailed about `month`.
    pub fn mailed_associations(&self, month: &str) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(DISTINCT association) FROM sent WHERE month = ?1 AND state = 'sent'",
            [month],
            |r| r.get(0),
        )?)
    }

    /// Forgets the interrupted mails of `association` and `month` (`send --resend`);
    /// returns how many.
    pub fn forget_interrupted(&self, association: &str, month: &str) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM sent WHERE association = ?1 AND month = ?2 AND state = 'sending'",
            params![association, month],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_log_is_written_before_and_confirmed_after() {
        let store = Store::in_memory().expect("store");
        let row = SentRow {
            id: 0,
            association: "amis".into(),
            month: "2026-10".into(),
            fingerprint: "f1".into(),
            items: "[]".into(),
            kind: "report".into(),
            state: String::new(),
            at: 1,
            recipients: "a@example.org".into(),
            message_id: "<m@example.org>".into(),
        };
        let first = store.begin_sending(&row).expect("begin");
        assert_eq!(
            store.sent("amis", "2026-10").expect("log")[0].state,
            "sending"
        );
        store.mark_sent(first).expect("sent");
        store.forget_sending(first).expect("no-op once sent");
        let second = store.begin_sending(&row).expect("a correction");
        assert_ne!(first, second);
        let log = store.sent("amis", "2026-10").expect("log");
        assert_eq!(
            log.iter()
                .map(|r| (r.id, r.state.as_str()))
                .collect::<Vec<_>>(),
            [(first, "sent"), (second, "sending")]
        );
        assert!(store.sent("amis", "2026-11").expect("log").is_empty());
        assert_eq!(
            store.forget_interrupted("amis", "2026-10").expect("forget"),
            1
        );
        assert_eq!(store.sent("amis", "2026-10").expect("log").len(), 1);
        store
            .forget_sending(first)
            .expect("a sent mail is never forgotten");
        assert_eq!(store.sent("amis", "2026-10").expect("log").len(), 1);
    }
}
