//! A context's files' (path, size, mtime, ctime, inode) → their blake3 hashes from the last run, kept on disk
//! under the user's cache folder so an unchanged context is re-keyed without reading its files.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"CAISTAT1";
/// A file modified this recently may change again within the same timestamp tick; it is not cached.
const RACY_NANOS: i64 = 2_000_000_000;

/// What must be unchanged for a cached hash to be reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            size: meta.size(),
            mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            ctime_ns: meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
            ino: meta.ino(),
            dev: meta.dev(),
        }
    }
}

/// The cache of one context root.
#[derive(Debug, Default)]
pub struct StatCache {
    path: Option<PathBuf>,
    /// Sorted by path (binary search: no hashing of 100,000 paths, and loading is one pass).
    entries: Vec<(String, Stamp, [u8; 32])>,
}

impl StatCache {
    /// A cache that is never written (tests, `--no-cache`).
    pub fn in_memory() -> StatCache {
        StatCache::default()
    }

    /// The cache stored in `file`; a missing or unreadable file is an empty cache.
    pub fn open(file: PathBuf) -> StatCache {
        let entries = std::fs::read(&file).ok().and_then(|bytes| decode(&bytes)).unwrap_or_default();
        StatCache { path: Some(file), entries }
    }

    /// The cache of `root` in the user's cache folder (`<cache dir>/containai/context-stat/<hash of root>`),
    /// or an in-memory one when the user has no cache folder.
    pub fn for_root(root: &Path) -> StatCache {
        let Some(base) = dirs::cache_dir() else { return StatCache::in_memory() };
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let name = blake3::hash(root.as_os_str().as_encoded_bytes()).to_hex();
        StatCache::open(base.join("containai").join("context-stat").join(&name[..32]))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The cached hash of `path` when its stamp is unchanged.
    pub fn get(&self, path: &str, stamp: &Stamp) -> Option<[u8; 32]> {
        let found = self.entries.binary_search_by(|(p, _, _)| p.as_str().cmp(path)).ok()?;
        let (_, cached, hash) = &self.entries[found];
        (cached == stamp).then_some(*hash)
    }

    /// Replaces the whole content with this run's files (so deleted files drop out), leaving out racy ones.
    pub fn replace(&mut self, files: impl IntoIterator<Item = (String, Stamp, [u8; 32])>) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(i64::MAX);
        self.entries = files.into_iter().filter(|(_, stamp, _)| now - stamp.mtime_ns > RACY_NANOS).collect();
        self.entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    }

    /// Writes the cache atomically (temp file + rename), 0600 in 0700 folders. A cache that cannot be written is
    /// only slower.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let dir = path.parent().unwrap_or(Path::new("."));
        crate::lock::private_dir(dir).map_err(|e| e.source)?;
        let mut temp = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut temp, &encode(&self.entries))?;
        temp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

fn encode(entries: &[(String, Stamp, [u8; 32])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + entries.len() * 96);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for (path, s, hash) in entries {
        out.extend_from_slice(&(path.len() as u32).to_le_bytes());
        out.extend_from_slice(path.as_bytes());
        for n in [s.size, s.mtime_ns as u64, s.ctime_ns as u64, s.ino, s.dev] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(hash);
    }
    out
}

fn decode(bytes: &[u8]) -> Option<Vec<(String, Stamp, [u8; 32])>> {
    let mut at = 0;
    let mut take = |n: usize| {
        let slice = bytes.get(at..at + n);
        at += n;
        slice
    };
    if take(8)? != MAGIC {
        return None;
    }
    let count = u64::from_le_bytes(take(8)?.try_into().ok()?);
    let mut entries = Vec::with_capacity(count.min(10_000_000) as usize);
    for _ in 0..count {
        let len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        let path = std::str::from_utf8(take(len)?).ok()?.to_string();
        let mut n = [0u64; 5];
        for slot in &mut n {
            *slot = u64::from_le_bytes(take(8)?.try_into().ok()?);
        }
        let hash: [u8; 32] = take(32)?.try_into().ok()?;
        let stamp = Stamp { size: n[0], mtime_ns: n[1] as i64, ctime_ns: n[2] as i64, ino: n[3], dev: n[4] };
        entries.push((path, stamp, hash));
    }
    // Written sorted; a file that is not is treated as no cache rather than trusted.
    entries.windows(2).all(|w| w[0].0 < w[1].0).then_some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_file_and_drops_racy_entries() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/cache");
        let old = Stamp { size: 3, mtime_ns: 1_000_000_000, ctime_ns: 1_000_000_000, ino: 7, dev: 1 };
        let fresh = Stamp { mtime_ns: i64::MAX / 2, ..old };
        let mut cache = StatCache::open(file.clone());
        assert!(cache.is_empty());
        cache.replace([("a".to_string(), old, [1; 32]), ("b".to_string(), fresh, [2; 32])]);
        cache.save().unwrap();
        let loaded = StatCache::open(file.clone());
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded.get("a", &old), Some([1; 32]));
        assert_eq!(loaded.get("a", &Stamp { size: 4, ..old }), None);
        assert_eq!(loaded.get("b", &fresh), None);
        std::fs::write(&file, b"garbage").unwrap();
        assert!(StatCache::open(file).is_empty());
    }

    #[test]
    fn its_folders_are_0700_and_its_file_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("containai/contexts/cache");
        let mut cache = StatCache::open(file.clone());
        cache.replace([("a".to_string(), Stamp { size: 1, mtime_ns: 0, ctime_ns: 0, ino: 1, dev: 1 }, [1; 32])]);
        cache.save().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("containai")), 0o700);
        assert_eq!(mode(&dir.path().join("containai/contexts")), 0o700);
        assert_eq!(mode(&file), 0o600);
    }
}
