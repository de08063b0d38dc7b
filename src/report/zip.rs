// SPDX-License-Identifier: GPL-3.0-or-later
//! The smallest ZIP writer an OpenDocument package needs (APPNOTE 6.3.x, without ZIP64):
//! entries stored or deflated, in the order given, into memory.
//!
//! Owns: local headers, the central directory and its end record. Entries carry a fixed
//! date (1980-01-01), so the same content always gives the same bytes. Knows nothing of
//! what the entries hold.

use std::io::Write;

use flate2::Crc;
use flate2::write::DeflateEncoder;

/// Why an archive could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    /// An entry or the archive is larger than a ZIP without ZIP64 can say (4 GiB).
    #[error("the file {0} is too large for a spreadsheet")]
    TooLarge(String),
    /// The compressor failed.
    #[error("cannot compress {name}: {source}")]
    Compress {
        /// The entry.
        name: String,
        /// Why.
        source: std::io::Error,
    },
}

/// How an entry is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// As is (the OpenDocument `mimetype` entry must be).
    Stored,
    /// Deflated at a fast level.
    Deflated,
}

struct Central {
    name: String,
    method: u16,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

/// An archive being written.
#[derive(Default)]
pub struct Archive {
    bytes: Vec<u8>,
    entries: Vec<Central>,
}

/// The deflate level: the quickest, which still makes the repetitive XML of a sheet about
/// 20 times smaller (level 2 made it about 26 times smaller for 7 % more of a year
/// report's instructions).
pub const LEVEL: u32 = 1;
/// MS-DOS date of 1980-01-01 (time 00:00:00 is 0).
const DOS_DATE: u16 = (1 << 5) | 1;

fn u32_of(n: usize, name: &str) -> Result<u32, ZipError> {
    u32::try_from(n).map_err(|_| ZipError::TooLarge(name.to_string()))
}

impl Archive {
    /// An empty archive with room for `bytes` bytes, so that adding a large entry does not
    /// copy what came before it into a larger buffer.
    pub fn with_capacity(bytes: usize) -> Archive {
        Archive {
            bytes: Vec::with_capacity(bytes),
            entries: Vec::new(),
        }
    }

    /// Adds an entry named `name` (ASCII) holding `data`.
    pub fn add(&mut self, name: &str, data: &[u8], method: Method) -> Result<(), ZipError> {
        let mut crc = Crc::new();
        crc.update(data);
        let packed;
        let (body, code) = match method {
            Method::Stored => (data, 0u16),
            Method::Deflated => {
                let mut enc = DeflateEncoder::new(
                    Vec::with_capacity(data.len() / 8),
                    flate2::Compression::new(LEVEL),
                );
                let compress = |source| ZipError::Compress {
                    name: name.to_string(),
                    source,
                };
                enc.write_all(data).map_err(compress)?;
                packed = enc.finish().map_err(compress)?;
                (packed.as_slice(), 8u16)
            }
        };
        let entry = Central {
            name: name.to_string(),
            method: code,
            crc: crc.sum(),
            compressed: u32_of(body.len(), name)?,
            size: u32_of(data.len(), name)?,
            offset: u32_of(self.bytes.len(), name)?,
        };
        self.push(entry, body);
        Ok(())
    }

    /// Adds an entry named `name` whose `size` bytes, of checksum `crc`, were deflated by
    /// the caller into `packed`.
    pub fn add_deflated(
        &mut self,
        name: &str,
        packed: &[u8],
        crc: u32,
        size: usize,
    ) -> Result<(), ZipError> {
        let entry = Central {
            name: name.to_string(),
            method: 8,
            crc,
            compressed: u32_of(packed.len(), name)?,
            size: u32_of(size, name)?,
            offset: u32_of(self.bytes.len(), name)?,
        };
        self.push(entry, packed);
        Ok(())
    }

    fn push(&mut self, entry: Central, body: &[u8]) {
        let b = &mut self.bytes;
        b.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        b.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
        b.extend_from_slice(&0u16.to_le_bytes()); // flags
        b.extend_from_slice(&entry.method.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes()); // time
        b.extend_from_slice(&DOS_DATE.to_le_bytes());
        b.extend_from_slice(&entry.crc.to_le_bytes());
        b.extend_from_slice(&entry.compressed.to_le_bytes());
        b.extend_from_slice(&entry.size.to_le_bytes());
        let name_len = u16::try_from(entry.name.len()).unwrap_or(u16::MAX);
        b.extend_from_slice(&name_len.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes()); // no extra field
        b.extend_from_slice(entry.name.as_bytes());
        b.extend_from_slice(body);
        self.entries.push(entry);
    }

    /// Writes the central directory and returns the archive's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, ZipError> {
        let start = u32_of(self.bytes.len(), "archive")?;
        let b = &mut self.bytes;
        for e in &self.entries {
            b.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            b.extend_from_slice(&20u16.to_le_bytes()); // made by: 2.0, MS-DOS attributes
            b.extend_from_slice(&20u16.to_le_bytes()); // version needed
            b.extend_from_slice(&0u16.to_le_bytes()); // flags
            b.extend_from_slice(&e.method.to_le_bytes());
            b.extend_from_slice(&0u16.to_le_bytes());
            b.extend_from_slice(&DOS_DATE.to_le_bytes());
            b.extend_from_slice(&e.crc.to_le_bytes());
            b.extend_from_slice(&e.compressed.to_le_bytes());
            b.extend_from_slice(&e.size.to_le_bytes());
            b.extend_from_slice(
                &u16::try_from(e.name.len())
                    .unwrap_or(u16::MAX)
                    .to_le_bytes(),
            );
            b.extend_from_slice(&[0; 12]); // extra, comment, disk, internal and external attributes
            b.extend_from_slice(&e.offset.to_le_bytes());
            b.extend_from_slice(e.name.as_bytes());
        }
        let size = u32_of(b.len(), "archive")? - start;
        let count = u16::try_from(self.entries.len()).unwrap_or(u16::MAX);
        b.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        b.extend_from_slice(&[0; 4]); // this disk, the directory's disk
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&size.to_le_bytes());
        b.extend_from_slice(&start.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes()); // no comment
        Ok(self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_with_their_names_methods_and_bytes() {
        let text = "<row/>".repeat(1000);
        let mut a = Archive::default();
        a.add("mimetype", b"application/x", Method::Stored).unwrap();
        a.add("dir/content.xml", text.as_bytes(), Method::Deflated)
            .unwrap();
        let bytes = a.finish().unwrap();
        // The first entry's name and data sit at fixed offsets, uncompressed.
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(&bytes[38..51], b"application/x");
        let mut read = read_back(&bytes);
        assert_eq!(read.remove("mimetype").unwrap(), b"application/x");
        assert_eq!(read.remove("dir/content.xml").unwrap(), text.as_bytes());
        assert!(bytes.len() < 500, "deflated: {}", bytes.len());
        let again = {
            let mut c = Archive::default();
            c.add("mimetype", b"application/x", Method::Stored).unwrap();
            c.add("dir/content.xml", text.as_bytes(), Method::Deflated)
                .unwrap();
            c.finish().unwrap()
        };
        assert_eq!(again, bytes, "the same content gives the same bytes");
    }

    /// Reads an archive back through the central directory, independently of the writer.
    fn read_back(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
        use std::io::Read;
        let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
        let u32_at = |i: usize| {
            u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize
        };
        let end = bytes.len() - 22;
        assert_eq!(u32_at(end), 0x0605_4b50);
        let (count, mut at) = (u16_at(end + 10), u32_at(end + 16));
        let mut out = std::collections::BTreeMap::new();
        for _ in 0..count {
            assert_eq!(u32_at(at), 0x0201_4b50);
            let (method, crc, csize, name_len) = (
                u16_at(at + 10),
                u32_at(at + 16),
                u32_at(at + 20),
                u16_at(at + 28),
            );
            let offset = u32_at(at + 42);
            let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).unwrap();
            let data_at = offset + 30 + u16_at(offset + 26) + u16_at(offset + 28);
            let raw = &bytes[data_at..data_at + csize];
            let data = if method == 8 {
                let mut d = Vec::new();
                flate2::read::DeflateDecoder::new(raw)
                    .read_to_end(&mut d)
                    .unwrap();
                d
            } else {
                raw.to_vec()
            };
            let mut check = Crc::new();
            check.update(&data);
            assert_eq!(check.sum() as usize, crc, "{name}");
            out.insert(name, data);
            at += 46 + name_len;
        }
        out
    }
}
