// SPDX-License-Identifier: GPL-3.0-or-later
//! The reminder log: one row per reminder the server accepted, naming the person (empty for
//! the collective's own message), the month and the digest of the list of problems it told.
//! A person is reminded again for a month only when that digest changes.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

impl Store {
    /// The digest of the last reminder sent to `person` about `month`, if any.
    pub fn last_reminder(&self, person: &str, month: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT digest FROM reminders WHERE person = ?1 AND month = ?2
                 ORDER BY id DESC LIMIT 1",
                [person, month],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The people whose last reminder about `month` listed problems (not the empty list).
    pub fn reminded_people(&self, month: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT r.person FROM reminders r WHERE r.month = ?1 AND r.digest != '' AND r.id =
             (SELECT max(id) FROM reminders WHERE person = r.person AND month = r.month)
             ORDER BY r.person",
        )?;
        let rows = stmt.query_map([month], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Logs a reminder the server accepted (an empty `digest`: the person has nothing left
    /// to fix, so the same problems coming back are told again).
    pub fn log_reminder(
        &self,
        person: &str,
        month: &str,
        digest: &str,
        at: i64,
        recipients: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO reminders (person, month, digest, at, recipients)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![person, month, digest, at, recipients],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_reminder_of_a_person_and_month_is_kept() {
        let store = Store::in_memory().expect("store");
        assert_eq!(store.last_reminder("alice", "2026-10").expect("log"), None);
        store
            .log_reminder("alice", "2026-10", "d1", 1, "alice@example.org")
            .expect("logged");
        store
            .log_reminder("alice", "2026-10", "d2", 2, "alice@example.org")
            .expect("logged");
        store
            .log_reminder("", "2026-10", "c1", 2, "help@example.org")
            .expect("logged");
        assert_eq!(
            store
                .last_reminder("alice", "2026-10")
                .expect("log")
                .as_deref(),
            Some("d2")
        );
        assert_eq!(
            store.last_reminder("", "2026-10").expect("log").as_deref(),
            Some("c1")
        );
        assert_eq!(store.last_reminder("alice", "2026-11").expect("log"), None);
        assert_eq!(store.last_reminder("bruno", "2026-10").expect("log"), None);
        assert_eq!(
            store.reminded_people("2026-10").expect("log"),
            ["", "alice"]
        );
        store
            .log_reminder("alice", "2026-10", "", 3, "")
            .expect("logged");
        assert_eq!(store.reminded_people("2026-10").expect("log"), [""]);
    }
}
