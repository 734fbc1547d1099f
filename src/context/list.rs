//! A folder on disk (+ its `.dockerignore`) → the sorted list of entries Docker would send, and that list → a tar.
//!
//! The same listing feeds the key ([`super::hash`]) and the tar stream, so what is keyed is what is sent.

use super::dockerignore::{DockerIgnore, MatchState};
use super::stat_cache::Stamp;
use super::{ContextError, Result};
use bytes::Bytes;
use futures_util::stream::BoxStream;
use rayon::prelude::*;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    File,
    Symlink(PathBuf),
}

/// One path of a context, relative to its root with `/` separators, with what `lstat` said of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    pub path: String,
    pub kind: EntryKind,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    /// Size, times and inode, for the stat cache.
    pub stamp: Stamp,
}

/// Lists `root` as Docker would send it: `.dockerignore` applied, `keep` paths (the Dockerfile and
/// `.dockerignore`, as the docker CLI does) always included, sorted by path, sockets and devices skipped.
/// Folders are walked in parallel.
pub fn list(root: &Path, keep: &[&str]) -> Result<Vec<ContextEntry>> {
    let ignore_path = root.join(".dockerignore");
    let ignore = DockerIgnore::load(root)
        .map_err(|source| ContextError::Io { path: ignore_path.clone(), source })?
        .map_err(|bad| ContextError::DockerIgnore {
            path: ignore_path,
            line: bad.line,
            pattern: bad.pattern,
            message: bad.message,
        })?;
    let walk = Walk { ignore: &ignore, keep };
    let mut entries = walk.dir(root, "", &ignore.root_state())?;
    entries.par_sort_unstable_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}

struct Walk<'a> {
    ignore: &'a DockerIgnore,
    keep: &'a [&'a str],
}

impl Walk<'_> {
    fn dir(&self, abs: &Path, rel: &str, state: &MatchState) -> Result<Vec<ContextEntry>> {
        let io = |source| ContextError::Io { path: abs.to_path_buf(), source };
        let children: Vec<_> = std::fs::read_dir(abs).map_err(io)?.collect::<Result<_, _>>().map_err(io)?;
        children
            .par_iter()
            .try_fold(Vec::new, |mut out, child| {
                self.child(child, rel, state, &mut out)?;
                Ok(out)
            })
            .try_reduce(Vec::new, |mut a, b| {
                a.extend(b);
                Ok(a)
            })
    }

    fn child(
        &self,
        child: &std::fs::DirEntry,
        rel: &str,
        state: &MatchState,
        out: &mut Vec<ContextEntry>,
    ) -> Result<()> {
        let io = |source| ContextError::Io { path: child.path(), source };
        let name = child.file_name();
        let Some(name) = name.to_str() else {
            return Err(io(std::io::Error::other("the file name is not valid UTF-8")));
        };
        let path = if rel.is_empty() { name.to_string() } else { format!("{rel}/{name}") };
        let child_state = self.ignore.state_of(state, &path);
        let kept = self.keep.contains(&path.as_str());
        let excluded = self.ignore.excluded(&child_state) && !kept;
        let file_type = child.file_type().map_err(io)?;
        if file_type.is_dir() {
            let keep_below = self
                .keep
                .iter()
                .any(|k| k.len() > path.len() && k.starts_with(&path) && k.as_bytes()[path.len()] == b'/');
            if excluded && !keep_below && !self.ignore.may_reinclude_below(&path) {
                return Ok(());
            }
            if !excluded {
                out.push(entry(child, path.clone(), EntryKind::Dir)?);
            }
            out.extend(self.dir(&child.path(), &path, &child_state)?);
        } else if excluded {
        } else if file_type.is_file() {
            out.push(entry(child, path, EntryKind::File)?);
        } else if file_type.is_symlink() {
            let target = std::fs::read_link(child.path()).map_err(io)?;
            out.push(entry(child, path, EntryKind::Symlink(target))?);
        }
        Ok(())
    }
}

/// The entry for `child` (`lstat` relative to its open folder, which spares a path lookup per file).
fn entry(child: &std::fs::DirEntry, path: String, kind: EntryKind) -> Result<ContextEntry> {
    let meta = child.metadata().map_err(|source| ContextError::Io { path: child.path(), source })?;
    Ok(ContextEntry { path, kind, mode: meta.mode() & 0o7777, stamp: Stamp::of(&meta) })
}

fn header_for(meta: &std::fs::Metadata) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_metadata_in_mode(meta, tar::HeaderMode::Complete);
    // Like the docker CLI: owned by root in the image, whoever owns the files here.
    header.set_uid(0);
    header.set_gid(0);
    let _ = header.set_username("");
    let _ = header.set_groupname("");
    header
}

/// Writes `entries` of `root` as a tar, then `extra` in-memory files (e.g. a Dockerfile), to `out`.
pub fn write_tar<W: Write>(root: &Path, entries: &[ContextEntry], extra: &[(String, Vec<u8>)], out: W) -> Result<W> {
    let mut builder = tar::Builder::new(out);
    for entry in entries {
        let abs = root.join(&entry.path);
        let io = |source| ContextError::Io { path: abs.clone(), source };
        if extra.iter().any(|(name, _)| *name == entry.path) {
            continue;
        }
        let meta = std::fs::symlink_metadata(&abs).map_err(io)?;
        let mut header = header_for(&meta);
        match &entry.kind {
            EntryKind::Dir => builder.append_data(&mut header, &entry.path, std::io::empty()).map_err(io)?,
            EntryKind::File => {
                let file = std::fs::File::open(&abs).map_err(io)?;
                builder.append_data(&mut header, &entry.path, file).map_err(io)?
            }
            EntryKind::Symlink(target) => builder.append_link(&mut header, &entry.path, target).map_err(io)?,
        }
    }
    append_memory(&mut builder, extra.iter().map(|(p, b)| (p.as_str(), 0o644, b.as_slice())))
        .map_err(|source| ContextError::Io { path: root.to_path_buf(), source })?;
    builder.into_inner().map_err(|source| ContextError::Io { path: root.to_path_buf(), source })
}

/// An in-memory tar of `(path, mode, bytes)` files; a path the tar format refuses (`..`, absolute) is an error.
pub fn memory_tar<'a>(files: impl IntoIterator<Item = (&'a str, u32, &'a [u8])>) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    append_memory(&mut builder, files)?;
    builder.into_inner()
}

fn append_memory<'a, W: Write>(
    builder: &mut tar::Builder<W>,
    files: impl IntoIterator<Item = (&'a str, u32, &'a [u8])>,
) -> std::io::Result<()> {
    for (path, mode, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(mode);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, path, bytes)?;
    }
    Ok(())
}

/// Sends the chunks written to it through a channel, blocking when the receiver is behind.
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
    buffer: Vec<u8>,
}

const CHUNK: usize = 256 * 1024;

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the engine stopped reading the context"))
    }
}

/// The tar of `entries` (+ `extra`) as a stream, produced on a blocking thread while it is sent.
/// Must be called inside a tokio runtime.
pub fn tar_stream(
    root: PathBuf,
    entries: Vec<ContextEntry>,
    extra: Vec<(String, Vec<u8>)>,
) -> BoxStream<'static, std::io::Result<Bytes>> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let writer = ChannelWriter { sender: sender.clone(), buffer: Vec::with_capacity(CHUNK) };
        let result = write_tar(&root, &entries, &extra, writer)
            .and_then(|mut w| w.flush().map_err(|source| ContextError::Io { path: root.clone(), source }));
        if let Err(err) = result {
            let _ = sender.blocking_send(Err(std::io::Error::other(err.to_string())));
        }
    });
    Box::pin(futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx)))
}
