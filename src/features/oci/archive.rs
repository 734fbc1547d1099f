//! A feature folder's files ⇄ the tar archive of the distribution spec (`./install.sh`, …; plain or gzipped
//! on read; plain, sorted and with zeroed times and owners on write, so that packing is reproducible).

use super::{OciError, Result};
use crate::context::ContextFile;
use std::io::Read;

/// Unpacks a feature tarball into its files, sorted by path. Only regular files are kept (folders are
/// implied); links, devices and paths leaving the archive are errors.
pub fn unpack(reference: &str, bytes: &[u8]) -> Result<Vec<ContextFile>> {
    let bad = |message: String| OciError::BadArchive { reference: reference.to_string(), message };
    let reader: Box<dyn Read> =
        if bytes.starts_with(&[0x1f, 0x8b]) { Box::new(flate2::read::GzDecoder::new(bytes)) } else { Box::new(bytes) };
    let mut archive = tar::Archive::new(reader);
    let mut files = Vec::new();
    for entry in archive.entries().map_err(|e| bad(e.to_string()))? {
        let mut entry = entry.map_err(|e| bad(e.to_string()))?;
        let kind = entry.header().entry_type();
        let path = entry.path().map_err(|e| bad(e.to_string()))?.into_owned();
        let mut parts = Vec::new();
        for component in path.components() {
            match component {
                std::path::Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                std::path::Component::CurDir => {}
                _ => return Err(bad(format!("`{}` leaves the archive", path.display()))),
            }
        }
        if kind.is_dir() || parts.is_empty() || kind.is_pax_global_extensions() {
            continue;
        }
        if !kind.is_file() {
            return Err(bad(format!("`{}` is not a regular file or folder", path.display())));
        }
        let mode = entry.header().mode().map_err(|e| bad(e.to_string()))? & 0o7777;
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(|e| bad(e.to_string()))?;
        files.push(ContextFile { path: parts.join("/"), mode, bytes: data });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|later, earlier| later.path == earlier.path);
    Ok(files)
}

/// Packs files (paths relative to the feature folder) as `./path` entries, sorted, reproducibly.
pub fn pack(files: &[ContextFile]) -> Vec<u8> {
    let mut sorted: Vec<&ContextFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut builder = tar::Builder::new(Vec::new());
    for file in sorted {
        let mut header = tar::Header::new_gnu();
        header.set_size(file.bytes.len() as u64);
        header.set_mode(file.mode);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, format!("./{}", file.path), file.bytes.as_slice())
            .expect("writing a tar into memory cannot fail");
    }
    builder.into_inner().expect("writing a tar into memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, mode: u32, bytes: &[u8]) -> ContextFile {
        ContextFile { path: path.into(), mode, bytes: bytes.to_vec() }
    }

    #[test]
    fn pack_and_unpack_round_trip_reproducibly() {
        let files = vec![file("sub/a.txt", 0o644, b"a"), file("install.sh", 0o755, b"echo\n")];
        let packed = pack(&files);
        assert_eq!(packed, pack(&[files[1].clone(), files[0].clone()]));
        let unpacked = unpack("r", &packed).unwrap();
        assert_eq!(
            unpacked.iter().map(|f| (f.path.as_str(), f.mode)).collect::<Vec<_>>(),
            [("install.sh", 0o755), ("sub/a.txt", 0o644)]
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &packed).unwrap();
        assert_eq!(unpack("r", &gz.finish().unwrap()).unwrap().len(), 2);
    }

    #[test]
    fn links_are_refused() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder.append_link(&mut header, "./install.sh", "/etc/passwd").unwrap();
        let err = unpack("r", &builder.into_inner().unwrap()).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}
