// SPDX-License-Identifier: GPL-3.0-or-later
//! Reading calendar sources given directly: a local `.ics` file, a directory of `.ics`
//! files (one object per file, as vdirsyncer writes them), or an `http(s)://` or
//! `webcal://` URL such as a Nextcloud public link with `?export`.
//!
//! Owns: the bytes and the names used in warnings and in the `calendar` column. Knows
//! nothing of iCalendar.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The largest HTTP answer read into memory (64 MiB).
pub const MAX_RESPONSE: u64 = 64 * 1024 * 1024;

/// One file's bytes and where they came from.
#[derive(Debug)]
pub struct Input {
    /// Path or URL, for warnings.
    pub source: String,
    /// Calendar name when the data has no X-WR-CALNAME.
    pub calendar: String,
    /// Raw bytes.
    pub bytes: Bytes,
}

/// The bytes of an input: read into memory, or a local file mapped read-only (no copy;
/// the page cache is read in place).
#[derive(Debug)]
pub enum Bytes {
    /// Read into memory.
    Owned(Vec<u8>),
    /// A mapped file.
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => m,
        }
    }
}

impl Bytes {
    /// Whether these are a mapped file's (rather than bytes read into memory).
    pub fn is_mapped(&self) -> bool {
        matches!(self, Bytes::Mapped(_))
    }

    /// Says that the bytes will not be read again: a mapped file's pages leave this
    /// process's memory (they stay in the system's file cache, and would be read back from
    /// the file if touched). Read bytes are kept.
    pub fn release(&self) {
        if let Bytes::Mapped(map) = self {
            // SAFETY: a read-only mapping of a file: after MADV_DONTNEED a read gets the
            // file's bytes again, so nothing that still borrows them can see other data.
            let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Bytes {
        Bytes::Owned(v)
    }
}

/// Files larger than this are mapped rather than read (1 MiB).
const MAP_FROM: u64 = 1 << 20;

/// Reads a local file: large ones are mapped. A file truncated by another program while
/// it is mapped would stop caltally (SIGBUS) before it writes anything; calendar tools
/// replace files by renaming, which leaves a mapping intact.
fn read_file(path: &Path) -> std::io::Result<Bytes> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() >= MAP_FROM {
        // SAFETY: read-only private mapping of a regular file; see above for truncation.
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(Bytes::Mapped(map));
        }
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::io::Read::read_to_end(&mut &file, &mut bytes)?;
    Ok(Bytes::Owned(bytes))
}

/// Why a source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A local path could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A URL could not be fetched.
    #[error("cannot fetch {url}: {message}")]
    Http {
        /// The URL, without credentials.
        url: String,
        /// Why.
        message: String,
    },
    /// A URL carries a user name or password.
    #[error("{0}")]
    Credentials(String),
    /// The answer is larger than [`MAX_RESPONSE`].
    #[error("cannot fetch {url}: the answer is larger than {} MiB; give a smaller calendar", MAX_RESPONSE >> 20)]
    TooLarge {
        /// The URL.
        url: String,
    },
    /// A directory holds no `.ics` file.
    #[error("{0} holds no .ics file")]
    EmptyDirectory(PathBuf),
}

/// Reads a path or URL. A directory yields one input per `.ics` file, sorted by name.
pub fn read_source(spec: &str, name: Option<&str>) -> Result<Vec<Input>, InputError> {
    if let Some(url) = http_url(spec) {
        refuse_userinfo(&url, "--source").map_err(InputError::Credentials)?;
        return Ok(vec![fetch(&url, name)?]);
    }
    let path = Path::new(spec);
    if path.is_dir() {
        let calendar = name.map(str::to_string).unwrap_or_else(|| stem(path));
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|source| InputError::Io {
                path: path.to_path_buf(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("ics")))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(InputError::EmptyDirectory(path.to_path_buf()));
        }
        return files
            .into_iter()
            .map(|p| {
                let bytes = read_file(&p).map_err(|source| InputError::Io {
                    path: p.clone(),
                    source,
                })?;
                Ok(Input {
                    source: p.display().to_string(),
                    calendar: calendar.clone(),
                    bytes,
                })
            })
            .collect();
    }
    let bytes = read_file(path).map_err(|source| InputError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(vec![Input {
        source: spec.to_string(),
        calendar: name.map(str::to_string).unwrap_or_else(|| stem(path)),
        bytes,
    }])
}

fn stem(path: &Path) -> String {
    let trimmed = path
        .components()
        .next_back()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .unwrap_or_default();
    trimmed
        .strip_suffix(".ics")
        .map(str::to_string)
        .unwrap_or(trimmed)
}

/// The `http(s)` URL of a spec, if it is one (`webcal://` becomes `https://`).
pub fn http_url(spec: &str) -> Option<String> {
    let lower = spec.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Some(spec.to_string())
    } else if lower.starts_with("webcal://") {
        Some(format!("https://{}", &spec["webcal://".len()..]))
    } else {
        None
    }
}

fn fetch(url: &str, name: Option<&str>) -> Result<Input, InputError> {
    let shown = redact(url);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_global(Some(Duration::from_secs(120)))
        .user_agent(concat!("caltally/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let err = |message: String| InputError::Http {
        url: shown.clone(),
        message,
    };
    let mut response = agent.get(url).call().map_err(|e| err(e.to_string()))?;
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => InputError::TooLarge { url: shown.clone() },
            e => err(e.to_string()),
        })?;
    let calendar = name.map(str::to_string).unwrap_or_else(|| {
        let path = shown.split(['?', '#']).next().unwrap_or_default();
        path.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("calendar")
            .trim_end_matches(".ics")
            .to_string()
    });
    Ok(Input {
        source: shown,
        calendar,
        bytes: bytes.into(),
    })
}

/// A URL with any `user:password@` removed.
pub fn redact(url: &str) -> String {
    match userinfo_end(url) {
        Some((scheme_end, at)) => format!("{}{}", &url[..scheme_end], &url[at + 1..]),
        None => url.to_string(),
    }
}

/// `(end of "scheme://", index of the '@')` when the URL's authority holds a userinfo.
fn userinfo_end(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    authority.rfind('@').map(|at| (start, start + at))
}

/// Refuses a URL that carries credentials (`https://user:password@host/`): they would
/// show in messages and in the store. `what` names where the URL was given.
pub fn refuse_userinfo(url: &str, what: &str) -> Result<(), String> {
    if userinfo_end(url).is_none() {
        return Ok(());
    }
    Err(format!(
        "{what} `{}` holds a user name or password in the URL; remove the `user:password@` part \
and give `username` with `password_env`, `password_command` or `password_file` in a [[source]] instead",
        redact(url)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large file is mapped; once released, its pages leave the process, and reading it
    /// again still gives the file's bytes.
    #[test]
    fn a_released_mapping_still_reads_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.ics");
        let content: Vec<u8> = (0..(3u32 << 20)).map(|i| b'A' + (i % 26) as u8).collect();
        std::fs::write(&path, &content).expect("write");
        let bytes = read_file(&path).expect("read");
        assert!(matches!(bytes, Bytes::Mapped(_)));
        assert_eq!(&bytes[..], &content[..]);
        bytes.release();
        assert_eq!(&bytes[..], &content[..]);
        let small = Bytes::from(b"BEGIN:VCALENDAR".to_vec());
        small.release();
        assert_eq!(&small[..], b"BEGIN:VCALENDAR");
    }

    #[test]
    fn urls_are_recognised_and_redacted() {
        assert_eq!(
            http_url("webcal://h/x.ics").as_deref(),
            Some("https://h/x.ics")
        );
        assert_eq!(http_url("./x.ics"), None);
        assert_eq!(
            redact("https://bob:secret@h/cal?export"),
            "https://h/cal?export"
        );
        assert_eq!(redact("https://h/a@b.ics"), "https://h/a@b.ics");
        assert_eq!(redact("https://h?who=a@b"), "https://h?who=a@b");
        assert_eq!(redact("https://bob:p@ss@h/x"), "https://h/x");
        assert!(refuse_userinfo("https://h/a@b.ics", "ics").is_ok());
        let e = refuse_userinfo("https://bob:secret@h/", "caldav").unwrap_err();
        assert!(e.contains("`https://h/`") && !e.contains("secret") && e.contains("password_env"));
    }
}
