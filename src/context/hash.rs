//! A user Dockerfile build (Dockerfile bytes, args, target, filtered context folder) → its blake3 key.
//!
//! Every file of the context (sorted paths, modes, bytes) is hashed in parallel with rayon; a [`StatCache`]
//! reuses the hash of a file whose path, size, mtime, ctime and inode are unchanged, so an unchanged large
//! context is re-keyed by `lstat` alone.

use super::KEY_VERSION;
use super::list::{self as context, ContextEntry, EntryKind};
use super::stat_cache::StatCache;
use super::{ContextError, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;
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
        let mut bytes = Vec::with_capacity(size as usize + 1);
        file.read_to_end(&mut bytes)?;
        Ok(*blake3::hash(&bytes).as_bytes())
    }
}

/// The content hash of one entry (`None` for folders), and whether its bytes had to be read.
fn content_of(root: &Path, entry: &ContextEntry, cache: &StatCache) -> Result<(Option<[u8; 32]>, bool)> {
    Ok(match &entry.kind {
        EntryKind::Dir => (None, false),
        EntryKind::Symlink(target) => (Some(*blake3::hash(target.as_os_str().as_encoded_bytes()).as_bytes()), false),
        EntryKind::File => match cache.get(&entry.path, &entry.stamp) {
            Some(hash) => (Some(hash), false),
            None => {
                let abs = root.join(&entry.path);
                let hash =
                    hash_file(&abs, entry.stamp.size).map_err(|source| ContextError::Io { path: abs, source })?;
                (Some(hash), true)
            }
        },
    })
}

/// The hash of one entry: kind, path, mode and content.
fn entry_hash(entry: &ContextEntry, content: Option<[u8; 32]>) -> [u8; 32] {
    let kind = match entry.kind {
        EntryKind::Dir => b'd',
        EntryKind::File => b'f',
        EntryKind::Symlink(_) => b'l',
    };
    let mut bytes = Vec::with_capacity(entry.path.len() + 48);
    bytes.push(kind);
    bytes.extend_from_slice(&(entry.path.len() as u64).to_le_bytes());
    bytes.extend_from_slice(entry.path.as_bytes());
    bytes.extend_from_slice(&entry.mode.to_le_bytes());
    bytes.extend_from_slice(&content.unwrap_or([0; 32]));
    *blake3::hash(&bytes).as_bytes()
}

/// Digests already listed entries of `root` (in parallel), updating and saving `cache`.
pub fn digest_entries(root: &Path, entries: Vec<ContextEntry>, cache: &mut StatCache) -> Result<ContextDigest> {
    let keyed: Vec<(Option<[u8; 32]>, bool, [u8; 32])> = entries
        .par_iter()
        .map(|e| content_of(root, e, cache).map(|(content, read)| (content, read, entry_hash(e, content))))
        .collect::<Result<_>>()?;
    let all: Vec<u8> = keyed.iter().flat_map(|k| k.2).collect();
    let digest = blake3::hash(&all);
    let is_file = |e: &ContextEntry| e.kind == EntryKind::File;
    let files = entries.iter().filter(|e| is_file(e)).count();
    let bytes = entries.iter().filter(|e| is_file(e)).map(|e| e.stamp.size).sum();
    let hashed = keyed.iter().filter(|k| k.1).count();
    if hashed > 0 || cache.len() != files {
        let fresh = entries.iter().zip(&keyed).filter(|(e, _)| is_file(e));
        cache.replace(fresh.map(|(e, k)| (e.path.clone(), e.stamp, k.0.unwrap_or([0; 32]))));
        // A cache that cannot be written only makes the next run slower.
        let _ = cache.save();
    }
    Ok(ContextDigest { digest: digest.to_hex().to_string(), entries, files, bytes, hashed })
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
