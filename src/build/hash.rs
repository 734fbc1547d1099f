//! A user Dockerfile build (Dockerfile bytes, args, target, filtered context folder) → its blake3 key.
//!
//! Every file of the context (sorted paths, modes, bytes) is hashed in parallel with rayon; a [`StatCache`]
//! reuses the hash of a file whose path, size, mtime, ctime and inode are unchanged, so an unchanged large
//! context is re-keyed by `lstat` alone.

use super::context::{self, ContextEntry, EntryKind};
use super::error::{BuildError, Result};
use super::stat_cache::{Stamp, StatCache};
use crate::plan::model::KEY_VERSION;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Files at least this large are hashed with blake3's own parallelism as well.
const LARGE_FILE: u64 = 4 * 1024 * 1024;

/// The digest of a filtered context folder.
#[derive(Debug, Clone)]
pub struct ContextDigest {
    /// blake3 hex over every entry (path, kind, mode, content hash or link target), in path order.
    pub digest: String,
    /// The entries that were keyed, which are exactly the ones the tar will send.
    pub entries: Vec<ContextEntry>,
    pub files: usize,
    pub bytes: u64,
    /// Files whose bytes were read (not found unchanged in the stat cache).
    pub hashed: usize,
}

/// Lists `root` (honouring `.dockerignore`, always keeping the `keep` paths) and digests it.
pub fn digest_context(root: &Path, keep: &[&str], cache: &mut StatCache) -> Result<ContextDigest> {
    let entries = context::list(root, keep)?;
    digest_entries(root, entries, cache)
}

struct Keyed {
    mode: u32,
    content: [u8; 32],
    stamp: Option<Stamp>,
    read: bool,
}

fn hash_file(path: &Path, size: u64) -> std::io::Result<[u8; 32]> {
    let mut file = std::fs::File::open(path)?;
    if size >= LARGE_FILE {
        let mut hasher = blake3::Hasher::new();
        let mut buffer = vec![0u8; LARGE_FILE as usize];
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update_rayon(&buffer[..n]);
        }
        Ok(*hasher.finalize().as_bytes())
    } else {
        let mut bytes = Vec::with_capacity(size as usize);
        file.read_to_end(&mut bytes)?;
        Ok(*blake3::hash(&bytes).as_bytes())
    }
}

fn key_entry(root: &Path, entry: &ContextEntry, cache: &StatCache) -> Result<Keyed> {
    let abs = root.join(&entry.path);
    let io = |source| BuildError::Context { path: abs.clone(), source };
    let meta = std::fs::symlink_metadata(&abs).map_err(io)?;
    let mode = meta.mode() & 0o7777;
    Ok(match &entry.kind {
        EntryKind::Dir => Keyed { mode, content: [0; 32], stamp: None, read: false },
        EntryKind::Symlink(target) => {
            let content = *blake3::hash(target.as_os_str().as_encoded_bytes()).as_bytes();
            Keyed { mode, content, stamp: None, read: false }
        }
        EntryKind::File => {
            let stamp = Stamp::of(&meta);
            match cache.get(&entry.path, &stamp) {
                Some(content) => Keyed { mode, content, stamp: Some(stamp), read: false },
                None => Keyed { mode, content: hash_file(&abs, meta.size()).map_err(io)?, stamp: Some(stamp), read: true },
            }
        }
    })
}

/// Digests already listed entries of `root`, updating and saving `cache`.
pub fn digest_entries(root: &Path, entries: Vec<ContextEntry>, cache: &mut StatCache) -> Result<ContextDigest> {
    let keyed: Vec<Keyed> = entries.par_iter().map(|e| key_entry(root, e, cache)).collect::<Result<_>>()?;
    let mut hasher = blake3::Hasher::new();
    let (mut files, mut bytes, mut hashed) = (0, 0, 0);
    for (entry, k) in entries.iter().zip(&keyed) {
        let kind = match entry.kind {
            EntryKind::Dir => b'd',
            EntryKind::File => b'f',
            EntryKind::Symlink(_) => b'l',
        };
        hasher.update(&[kind]);
        hasher.update(&(entry.path.len() as u64).to_le_bytes());
        hasher.update(entry.path.as_bytes());
        hasher.update(&k.mode.to_le_bytes());
        hasher.update(&k.content);
        if let Some(stamp) = k.stamp {
            files += 1;
            bytes += stamp.size;
        }
        hashed += usize::from(k.read);
    }
    if hashed > 0 || cache.len() != files {
        cache.replace(
            entries.iter().zip(&keyed).filter_map(|(e, k)| k.stamp.map(|s| (e.path.clone(), s, k.content))),
        );
        // A cache that cannot be written only makes the next run slower.
        let _ = cache.save();
    }
    Ok(ContextDigest { digest: hasher.finalize().to_hex().to_string(), entries, files, bytes, hashed })
}

/// Everything that makes a user Dockerfile build.
#[derive(Debug, Clone)]
pub struct DockerfileBuild<'a> {
    /// The context folder (`build.context`).
    pub root: &'a Path,
    /// The Dockerfile's bytes.
    pub dockerfile: &'a [u8],
    /// The Dockerfile's path relative to `root` when it lies inside it (always sent, as the docker CLI does).
    pub dockerfile_in_context: Option<&'a str>,
    pub build_args: &'a BTreeMap<String, String>,
    pub target: Option<&'a str>,
}

#[derive(Serialize)]
struct KeyInput<'a> {
    version: u32,
    kind: &'static str,
    dockerfile: String,
    build_args: &'a BTreeMap<String, String>,
    target: Option<&'a str>,
    context: &'a str,
}

/// The key of a user Dockerfile build, and the digest of its context.
pub fn dockerfile_build_key(build: &DockerfileBuild, cache: &mut StatCache) -> Result<(String, ContextDigest)> {
    let mut keep = vec![".dockerignore"];
    keep.extend(build.dockerfile_in_context);
    let digest = digest_context(build.root, &keep, cache)?;
    let input = KeyInput {
        version: KEY_VERSION,
        kind: "dockerfile-build",
        dockerfile: blake3::hash(build.dockerfile).to_hex().to_string(),
        build_args: build.build_args,
        target: build.target,
        context: &digest.digest,
    };
    let json = serde_json::to_vec(&input).expect("a key input always serialises");
    Ok((blake3::hash(&json).to_hex().to_string(), digest))
}
