// SPDX-License-Identifier: GPL-3.0-or-later
//! Fetching object bodies with `calendar-multiget` (RFC 4791 §7.9): batches of at most
//! [`MULTIGET_BATCH`] hrefs, with a few requests in flight at once ([`in_flight`]: two to a
//! near and light server, [`MULTIGETS_IN_FLIGHT`] otherwise) on scoped threads of the
//! standard library.
//!
//! Owns: the batches, the window of requests in flight, the bound on one object
//! ([`MAX_OBJECT`]) and the halving of an answer over the client's response bound. It does
//! not know what an object means nor where it goes: the caller's `prepare` runs on the
//! fetching threads (to read an object's time bounds, say) and the caller's `receive` runs
//! on the calling thread (to write into the calendar's one transaction, say).
//!
//! Key rules:
//! - *Same outcome as one request at a time.* Batches reach `receive` in the order of the
//!   hrefs, whatever order the answers arrive in.
//! - *Bounded memory.* A batch is only asked for while fewer than [`in_flight`]
//!   batches are in flight, waiting for their turn, or being received: at most that many
//!   answers are held.
//! - *A failure stops the fetch.* A failed request (or a failed `receive`) stops new
//!   requests; the ones in flight are finished and their answers dropped, every thread is
//!   joined, and the first failure in the order of the batches is returned. Every request goes through the one [`Client`], so the origin
//!   check, the size bound and the retries apply to each.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::http::{Client, HttpError};
use super::xml;
use super::{CaldavError, absolute, expect, host, multistatus, path_of};

/// Largest multiget batch.
pub const MULTIGET_BATCH: usize = 100;
/// Multiget requests in flight at once for one calendar, when the server is far or slow
/// to answer. Radicale and Nextcloud (PHP-FPM) both serve concurrent requests; a few hide
/// the round trips and the client's own work without crowding a small server.
pub const MULTIGETS_IN_FLIGHT: usize = 4;
/// Requests in flight to a near and light server ([`in_flight`]).
pub const MULTIGETS_IN_FLIGHT_NEAR: usize = 2;
/// A server whose quickest answer came within this is near and light ([`in_flight`]).
pub const NEAR: Duration = Duration::from_millis(5);

/// How many multigets to keep in flight, from the quickest answer the server gave so
/// far (discovery's small requests come first). In flight requests hide round trips and
/// use a server's parallel workers; against a server that answers within [`NEAR`] (on
/// the same machine or network, with little work per request, like Radicale) there is no
/// round trip to hide, and more requests only queue and contend in the server (Radicale
/// serves them on one Python interpreter): measured on 5,000 objects from a local
/// Radicale, 2 in flight took 1.39 s and 4 took 1.54 s (medians of 8); through a proxy
/// adding 30 ms of round trip, 2 took 2.15 s and 4 took 1.84 s. Nextcloud's PHP start-up
/// alone takes longer than [`NEAR`].
pub fn in_flight(quickest_answer: Option<Duration>) -> usize {
    match quickest_answer {
        Some(t) if t < NEAR => MULTIGETS_IN_FLIGHT_NEAR,
        _ => MULTIGETS_IN_FLIGHT,
    }
}

/// Largest object kept (4 MiB); a larger one is stored without its data, as unreadable.
pub const MAX_OBJECT: usize = 4 * 1024 * 1024;

/// A fetched object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Decoded href.
    pub href: String,
    /// ETag.
    pub etag: Option<String>,
    /// Body (empty when [`Fetched::problem`] is [`ObjectProblem::TooLarge`]).
    pub data: String,
    /// What was wrong with it, if anything.
    pub problem: Option<ObjectProblem>,
}

/// Why an object is not kept exactly as the server sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectProblem {
    /// Bytes that are not UTF-8 were replaced by U+FFFD.
    NotUtf8,
    /// Larger than [`MAX_OBJECT`] (or than a whole response): its data is not kept.
    TooLarge,
}

/// The answer to one batch, as handed to `receive`.
#[derive(Debug)]
pub struct Batch<T> {
    /// How many hrefs the batch asked for (for progress).
    pub asked: usize,
    /// The objects answered, each passed through `prepare`.
    pub objects: Vec<T>,
    /// Hrefs of the batch that the server left out or answered 404 (gone).
    pub missing: Vec<String>,
}

/// Why fetching stopped.
#[derive(Debug, thiserror::Error)]
pub enum FetchError<E> {
    /// A request failed.
    #[error(transparent)]
    Caldav(CaldavError),
    /// The caller's `receive` failed.
    #[error(transparent)]
    Receive(E),
}

impl<E> From<CaldavError> for FetchError<E> {
    fn from(e: CaldavError) -> Self {
        FetchError::Caldav(e)
    }
}

/// Fetches the bodies of `hrefs` from the calendar at `url`, [`in_flight`] requests at a
/// time: `prepare` turns each object into a `T` on the fetching thread,
/// then `receive` gets the batches in order on this thread. Returns after the last batch
/// was received, or with the first failure once every request in flight has ended.
pub fn fetch_objects<T, E>(
    client: &Client,
    url: &str,
    hrefs: &[String],
    username: &str,
    prepare: impl Fn(Fetched) -> T + Sync,
    mut receive: impl FnMut(Batch<T>) -> Result<(), E>,
) -> Result<(), FetchError<E>>
where
    T: Send,
{
    let batches: Vec<&[String]> = hrefs.chunks(MULTIGET_BATCH).collect();
    let (mut answered, mut missing) = (0, 0);
    let quickest = client.quickest_answer();
    let window = in_flight(quickest);
    log::debug!(
        "{}: {} multiget(s), {window} in flight (quickest answer so far: {quickest:?})",
        host(url),
        batches.len()
    );
    in_order(
        &batches,
        window,
        |batch| fetch_batch(client, url, batch, username, &prepare),
        |batch| {
            answered += batch.objects.len();
            missing += batch.missing.len();
            receive(batch).map_err(FetchError::Receive)
        },
    )?;
    if answered == 0 && !hrefs.is_empty() && missing == hrefs.len() {
        log::warn!(
            "{}: calendar-multiget returned none of {} objects",
            host(url),
            hrefs.len()
        );
    }
    Ok(())
}

/// One batch: its objects, prepared, and the hrefs left out.
fn fetch_batch<T>(
    client: &Client,
    url: &str,
    batch: &[String],
    username: &str,
    prepare: &impl Fn(Fetched) -> T,
) -> Result<Batch<T>, CaldavError> {
    let mut objects = Vec::with_capacity(batch.len());
    let mut missing = Vec::new();
    fetch_bounded(client, url, batch, username, &mut objects, &mut missing)?;
    Ok(Batch {
        asked: batch.len(),
        objects: objects.into_iter().map(prepare).collect(),
        missing,
    })
}

/// One multiget; an answer over the response bound is asked again in halves, and a
/// single object over it is kept as [`ObjectProblem::TooLarge`].
fn fetch_bounded(
    client: &Client,
    url: &str,
    batch: &[String],
    username: &str,
    objects: &mut Vec<Fetched>,
    missing: &mut Vec<String>,
) -> Result<(), CaldavError> {
    match multiget(client, url, batch, username) {
        Err(CaldavError::Http(HttpError::TooLarge { .. })) if batch.len() > 1 => {
            let (a, b) = batch.split_at(batch.len() / 2);
            fetch_bounded(client, url, a, username, objects, missing)?;
            fetch_bounded(client, url, b, username, objects, missing)
        }
        Err(CaldavError::Http(HttpError::TooLarge { .. })) => {
            objects.extend(batch.iter().map(|h| Fetched {
                href: h.clone(),
                etag: None,
                data: String::new(),
                problem: Some(ObjectProblem::TooLarge),
            }));
            Ok(())
        }
        Err(e) => Err(e),
        Ok(got) => {
            let seen: HashSet<&str> = got.iter().map(|f| f.href.as_str()).collect();
            missing.extend(batch.iter().filter(|h| !seen.contains(h.as_str())).cloned());
            objects.extend(got);
            Ok(())
        }
    }
}

fn multiget(
    client: &Client,
    url: &str,
    batch: &[String],
    username: &str,
) -> Result<Vec<Fetched>, CaldavError> {
    let encoded: Vec<String> = batch
        .iter()
        .map(|h| path_of(&absolute(url, h)))
        .map(|p| encode_path(&p))
        .collect();
    let reply = client.send(
        "REPORT",
        url,
        Some("1"),
        Some(&xml::multiget_body(&encoded)),
        &[],
    )?;
    let reply = expect(reply, &[207], "REPORT calendar-multiget", url, username)?;
    let ms = multistatus(&reply, "REPORT calendar-multiget", url)?;
    drop(reply);
    Ok(ms
        .responses
        .into_iter()
        .filter_map(|r| {
            let data = r.props.calendar_data?;
            let (data, problem) = if data.len() > MAX_OBJECT {
                (String::new(), Some(ObjectProblem::TooLarge))
            } else if r.props.calendar_data_lossy {
                (data, Some(ObjectProblem::NotUtf8))
            } else {
                (data, None)
            };
            Some(Fetched {
                href: r.href,
                etag: r.props.etag,
                data,
                problem,
            })
        })
        .collect())
}

fn encode_path(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, super::PATH_SET).to_string()
}

/// The window shared by the fetching threads and the receiving one.
struct Window<R, W> {
    /// Jobs handed to a thread so far (they are handed in order).
    started: usize,
    /// Jobs received so far (received in order).
    received: usize,
    /// Results (`W`: the error of a job) waiting for their turn.
    done: BTreeMap<usize, Result<R, W>>,
    /// No new job may start: a failure, or every job received.
    stop: bool,
    /// A fetching thread panicked: the scope re-raises it once all are joined.
    panicked: bool,
}

struct Shared<R, W> {
    window: Mutex<Window<R, W>>,
    changed: Condvar,
}

impl<R, W> Shared<R, W> {
    /// Nothing panics while holding the lock, so a poisoned lock still holds a
    /// consistent window.
    fn lock(&self) -> MutexGuard<'_, Window<R, W>> {
        self.window.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, Window<R, W>>) -> MutexGuard<'a, Window<R, W>> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the window and wakes every thread waiting on it.
    fn update(&self, change: impl FnOnce(&mut Window<R, W>)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }
}

/// Tells the receiving thread that a fetching thread panicked, so it stops waiting.
struct PanicAlarm<'a, R, W>(&'a Shared<R, W>);

impl<R, W> Drop for PanicAlarm<'_, R, W> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.update(|w| {
                w.stop = true;
                w.panicked = true;
            });
        }
    }
}

/// Closes the window when the receiving thread is done, however it ends.
struct StopOnDrop<'a, R, W>(&'a Shared<R, W>);

impl<R, W> Drop for StopOnDrop<'_, R, W> {
    fn drop(&mut self) {
        self.0.update(|w| w.stop = true);
    }
}

/// Runs `work` on every job with at most `limit` jobs between start and receipt, on
/// `limit` scoped threads, and hands each result to `receive` on this thread in the
/// order of `jobs`. The first error (of `work` or `receive`) stops new jobs and is
/// returned once every thread has ended.
fn in_order<J, R, W, E>(
    jobs: &[J],
    limit: usize,
    work: impl Fn(&J) -> Result<R, W> + Sync,
    mut receive: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    J: Sync,
    R: Send,
    W: Send + Into<E>,
{
    let limit = limit.max(1);
    let shared = Shared {
        window: Mutex::new(Window {
            started: 0,
            received: 0,
            done: BTreeMap::new(),
            stop: false,
            panicked: false,
        }),
        changed: Condvar::new(),
    };
    std::thread::scope(|scope| {
        for _ in 0..limit.min(jobs.len()) {
            scope.spawn(|| run_jobs(&shared, jobs, limit, &work));
        }
        // Set on every way out, a panic in `receive` included, so no thread waits forever.
        let _stop = StopOnDrop(&shared);
        receive_in_order(&shared, jobs.len(), &mut receive)
    })
}

/// A fetching thread: takes the next job while the window has room.
fn run_jobs<J, R, W>(
    shared: &Shared<R, W>,
    jobs: &[J],
    limit: usize,
    work: &impl Fn(&J) -> Result<R, W>,
) {
    let _alarm = PanicAlarm(shared);
    loop {
        let index = {
            let mut w = shared.lock();
            loop {
                if w.stop || w.started == jobs.len() {
                    return;
                }
                if w.started < w.received + limit {
                    break;
                }
                w = shared.wait(w);
            }
            w.started += 1;
            w.started - 1
        };
        let result = work(&jobs[index]);
        shared.update(|w| {
            w.done.insert(index, result);
        });
    }
}

/// The receiving thread: each result in turn; stops at the first error.
fn receive_in_order<R, W: Into<E>, E>(
    shared: &Shared<R, W>,
    count: usize,
    receive: &mut impl FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    for index in 0..count {
        let result = {
            let mut w = shared.lock();
            loop {
                if let Some(result) = w.done.remove(&index) {
                    break result;
                }
                if w.panicked {
                    // The scope re-raises the panic once every thread has ended.
                    return Ok(());
                }
                w = shared.wait(w);
            }
        };
        let outcome = result.map_err(Into::into).and_then(&mut *receive);
        shared.update(|w| match outcome {
            Ok(()) => w.received = index + 1,
            Err(_) => w.stop = true,
        });
        outcome?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn two_requests_in_flight_to_a_near_light_server_the_full_bound_otherwise() {
        let ms = Duration::from_millis;
        assert_eq!(in_flight(Some(ms(1))), MULTIGETS_IN_FLIGHT_NEAR);
        assert_eq!(in_flight(Some(Duration::from_micros(4_999))), 2);
        assert_eq!(in_flight(Some(NEAR)), MULTIGETS_IN_FLIGHT);
        assert_eq!(in_flight(Some(ms(30))), 4);
        assert_eq!(in_flight(None), 4, "nothing measured yet: the full bound");
    }

    /// Jobs that sleep so that later ones finish first; counts jobs running at once.
    struct Probe {
        running: AtomicUsize,
        most: AtomicUsize,
        ran: AtomicUsize,
    }

    impl Probe {
        fn new() -> Probe {
            Probe {
                running: AtomicUsize::new(0),
                most: AtomicUsize::new(0),
                ran: AtomicUsize::new(0),
            }
        }

        fn job(&self, n: &u64, fail_at: Option<u64>) -> Result<u64, String> {
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(now, Ordering::SeqCst);
            self.ran.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5 * (n % 4)));
            self.running.fetch_sub(1, Ordering::SeqCst);
            if Some(*n) == fail_at {
                Err(format!("job {n} failed"))
            } else {
                Ok(n * 10)
            }
        }
    }

    #[test]
    fn results_come_in_order_with_at_most_the_limit_running() {
        let jobs: Vec<u64> = (0..40).rev().collect();
        let probe = Probe::new();
        let mut got = Vec::new();
        in_order(
            &jobs,
            3,
            |n| probe.job(n, None),
            |r| {
                got.push(r);
                Ok::<(), String>(())
            },
        )
        .expect("no failure");
        let expected: Vec<u64> = jobs.iter().map(|n| n * 10).collect();
        assert_eq!(got, expected);
        let most = probe.most.load(Ordering::SeqCst);
        assert!((1..=3).contains(&most), "{most} jobs at once");
    }

    #[test]
    fn the_first_failure_stops_new_jobs_and_is_returned() {
        let jobs: Vec<u64> = (0..100).collect();
        let probe = Probe::new();
        let mut got = Vec::new();
        let err = in_order(
            &jobs,
            4,
            |n| probe.job(n, Some(5)),
            |r| {
                got.push(r);
                Ok::<(), String>(())
            },
        )
        .unwrap_err();
        assert_eq!(err, "job 5 failed");
        assert_eq!(got, [0, 10, 20, 30, 40], "only the results before it");
        let ran = probe.ran.load(Ordering::SeqCst);
        assert!(ran <= 5 + 4, "{ran} jobs ran: none after the window");
    }

    #[test]
    fn a_failing_receiver_stops_too() {
        let jobs: Vec<u64> = (0..50).collect();
        let probe = Probe::new();
        let err = in_order(
            &jobs,
            2,
            |n| probe.job(n, None),
            |r| {
                if r == 30 {
                    Err("full".to_string())
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
        assert_eq!(err, "full");
        assert!(probe.ran.load(Ordering::SeqCst) <= 4 + 2);
    }

    #[test]
    fn no_jobs_and_a_zero_limit_are_fine() {
        let none: [u64; 0] = [];
        in_order(&none, 4, |n| Ok::<u64, ()>(*n), |_| Ok::<(), ()>(())).expect("nothing to do");
        let mut got = Vec::new();
        in_order(
            &[1u64, 2],
            0,
            |n| Ok::<u64, ()>(*n),
            |r| {
                got.push(r);
                Ok::<(), ()>(())
            },
        )
        .expect("one at a time");
        assert_eq!(got, [1, 2]);
    }

    #[test]
    #[should_panic(expected = "scoped thread panicked")]
    fn a_panicking_job_is_raised_not_waited_for() {
        let jobs: Vec<u64> = (0..10).collect();
        let _ = in_order(
            &jobs,
            3,
            |n| {
                if *n == 0 {
                    std::thread::sleep(Duration::from_millis(20));
                    panic!("job panicked");
                }
                Ok::<u64, ()>(*n)
            },
            |_| Ok::<(), ()>(()),
        );
    }
}
