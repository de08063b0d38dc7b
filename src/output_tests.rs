// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of [`super`]: report folders keep what caltally did not write, replace only what it
//! did, take turns under their lock, and are left as they were when a report is not committed.

use super::*;

#[test]
fn the_index_lists_report_folders_only_and_leaves_a_foreign_index_alone() {
    let base = tempfile::tempdir().expect("temp dir");
    write_report(
        &base.path().join("2026-10"),
        &[("a.md".into(), b"a".to_vec())],
        &|_| false,
    )
    .expect("written");
    write_report(
        &base.path().join("2026-09"),
        &[("a.md".into(), b"a".to_vec())],
        &|_| false,
    )
    .expect("written");
    fs::create_dir(base.path().join("photos")).expect("folder");
    let render = |names: &[String]| format!("{INDEX_MARK}\n{}\n", names.join(",")).into_bytes();
    assert!(write_index(base.path(), &render).expect("index"));
    let text = fs::read_to_string(base.path().join("index.md")).expect("read");
    assert!(text.ends_with("\n2026-09,2026-10\n"), "{text}");
    fs::write(base.path().join("index.md"), "my own notes").expect("write");
    assert!(!write_index(base.path(), &render).expect("index"));
    let text = fs::read_to_string(base.path().join("index.md")).expect("read");
    assert_eq!(text, "my own notes");
}

#[test]
fn files_given_but_not_committed_leave_the_folder_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("r");
    write_report(&out, &files(&[("a.md", "1")]), &|_| true).expect("first");
    let before = std::fs::read_to_string(out.join(MANIFEST)).expect("manifest");
    {
        let pending = Pending::begin(&out).expect("begun");
        pending.add("a.md", b"2").expect("given");
        pending.add("b.md", b"2").expect("given");
        // Dropped: a render that failed after some files were given.
    }
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("listed")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [MANIFEST, LOCK, "a.md"]);
    assert_eq!(std::fs::read_to_string(out.join("a.md")).expect("a"), "1");
    assert_eq!(
        std::fs::read_to_string(out.join(MANIFEST)).expect("manifest"),
        before
    );
    // Given from several threads, then committed: every file is in place.
    let pending = Pending::begin(&out).expect("begun");
    std::thread::scope(|s| {
        for name in ["b.md", "c.md", "d.md", "e.md", "f.md", "g.md"] {
            let pending = &pending;
            s.spawn(move || pending.add(name, name.as_bytes()).expect("given"));
        }
    });
    let written = pending.commit(&|_| true).expect("committed");
    assert_eq!(written, ["b.md", "c.md", "d.md", "e.md", "f.md", "g.md"]);
    assert!(
        !out.join("a.md").exists(),
        "stale, and listed in the manifest: removed"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("e.md")).expect("e"),
        "e.md"
    );
}

#[test]
fn a_folder_made_for_a_report_that_is_not_committed_goes_with_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("reports").join("2026-11");
    {
        let pending = Pending::begin(&out).expect("begun");
        pending.add("a.md", b"1").expect("given");
        assert!(out.join(LOCK).is_file());
        // Dropped: a render that failed.
    }
    assert!(
        !dir.path().join("reports").exists(),
        "both folders made are gone"
    );
    // Something else put in the folder meanwhile keeps it, and what holds it.
    {
        let pending = Pending::begin(&out).expect("begun");
        fs::write(out.join("notes.txt"), "mine").expect("written");
        drop(pending);
    }
    assert_eq!(names(&out), ["notes.txt"]);
    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).expect("read"),
        "mine"
    );
    // Committed: the folder stays, with its lock.
    let fresh = dir.path().join("2026-12");
    let pending = Pending::begin(&fresh).expect("begun");
    pending.add("a.md", b"1").expect("given");
    pending.commit(&|_| true).expect("committed");
    assert_eq!(names(&fresh), [MANIFEST, LOCK, "a.md"]);
}

#[test]
fn a_writer_waiting_for_a_folder_that_goes_makes_it_again_and_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("2026-11");
    let first = Pending::begin(&out).expect("begun");
    let (started, waiting) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        let second = s.spawn(|| {
            started.send(()).expect("told");
            let pending = Pending::begin(&out).expect("begun after the first gave up");
            pending.add("b.md", b"2").expect("given");
            pending.commit(&|_| true).expect("committed")
        });
        waiting.recv().expect("started");
        // Time for the second writer to wait on the lock; the test holds either way.
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(first);
        assert_eq!(second.join().expect("the second writer ends"), ["b.md"]);
    });
    assert_eq!(names(&out), [MANIFEST, LOCK, "b.md"]);
    // Its lock is the folder's own: a third writer waits for it as it should.
    let held = fs::File::open(out.join(LOCK)).expect("lock file");
    assert!(
        held.try_lock().is_ok(),
        "nobody holds the lock once all are done"
    );
}

fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    list.iter()
        .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
        .collect()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn all(_: &str) -> bool {
    true
}

fn none(_: &str) -> bool {
    false
}

#[test]
fn a_full_report_removes_only_stale_files_it_wrote() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("2026-10");
    write_report(&out, &files(&[("a.md", "1"), ("b.md", "1")]), &all).expect("first");
    let written = write_report(&out, &files(&[("a.md", "2")]), &all).expect("second");
    assert_eq!(written, ["a.md"]);
    assert_eq!(fs::read_to_string(out.join("a.md")).expect("a"), "2");
    assert!(
        !out.join("b.md").exists(),
        "b.md was caltally's and is stale"
    );
    assert_eq!(names(&out), [MANIFEST, LOCK, "a.md"]);
    assert_eq!(
        read_manifest(&out).expect("manifest"),
        BTreeSet::from(["a.md".to_string()])
    );
}

#[test]
fn a_partial_report_replaces_only_its_files() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("2026-10");
    write_report(&out, &files(&[("a.md", "1"), ("b.md", "1")]), &all).expect("full");
    write_report(&out, &files(&[("a.md", "2")]), &none).expect("partial");
    assert_eq!(fs::read_to_string(out.join("b.md")).expect("b kept"), "1");
    assert_eq!(read_manifest(&out).expect("manifest").len(), 2);
}

#[test]
fn files_caltally_did_not_write_are_never_removed() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("out");
    write_report(&out, &files(&[("a.md", "1")]), &all).expect("first");
    fs::write(out.join("thesis.txt"), "mine").expect("user file");
    fs::create_dir(out.join("sub")).expect("user folder");
    // A manifest naming things outside the folder, or hidden, is not followed.
    fs::write(
        out.join(MANIFEST),
        format!("{MANIFEST_HEAD}\na.md\n../escape\n.hidden\nsub\n"),
    )
    .expect("edit manifest");
    fs::write(root.path().join("escape"), "outside").expect("outside");
    write_report(&out, &files(&[("c.md", "1")]), &all).expect("second");
    assert!(out.join("thesis.txt").exists() && out.join("sub").is_dir());
    assert!(root.path().join("escape").exists());
    assert!(!out.join("a.md").exists());
}

#[test]
fn a_foreign_folder_or_a_file_is_refused_untouched() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("thesis");
    fs::create_dir(&out).expect("mkdir");
    fs::write(out.join("thesis.txt"), "mine").expect("user file");
    let err = write_report(&out, &files(&[("a.md", "1")]), &all).unwrap_err();
    assert!(
        matches!(err, OutputError::Foreign { .. }) && err.is_usage(),
        "{err}"
    );
    assert!(err.to_string().contains("`thesis.txt`"), "{err}");
    assert_eq!(
        names(&out),
        ["thesis.txt"],
        "nothing written, nothing removed"
    );
    let file = root.path().join("report.txt");
    fs::write(&file, "mine").expect("file");
    let err = write_report(&file, &files(&[("a.md", "1")]), &all).unwrap_err();
    assert!(matches!(err, OutputError::NotAFolder(_)), "{err}");
    assert_eq!(fs::read_to_string(&file).expect("kept"), "mine");
}

#[test]
fn an_earlier_report_without_manifest_is_taken_over_without_deleting() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("2026-10");
    fs::create_dir(&out).expect("mkdir");
    let header = crate::report::csv::ENTRIES_HEADER.join(",");
    fs::write(out.join("entries.csv"), format!("{header}\r\n")).expect("old csv");
    fs::write(out.join("old.md"), "old page").expect("old page");
    write_report(&out, &files(&[("entries.csv", "new")]), &all).expect("taken over");
    assert_eq!(
        fs::read_to_string(out.join("entries.csv")).expect("csv"),
        "new"
    );
    assert!(out.join("old.md").exists(), "not listed, so not removed");
}

#[test]
fn temporaries_of_a_crashed_writer_are_cleaned() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("2026-10");
    write_report(&out, &files(&[("a.md", "1")]), &all).expect("first");
    fs::write(out.join(format!("{TEMP_PREFIX}1-a.md")), "half").expect("temp");
    write_report(&out, &files(&[("a.md", "2")]), &all).expect("second");
    assert_eq!(names(&out), [MANIFEST, LOCK, "a.md"]);
}
