//! Tests of context listing, tar writing and keying on real temporary folders.

use super::hash::{DockerfileBuild, digest_context, dockerfile_build_key};
use super::list::{self as context, EntryKind};
use super::stat_cache::StatCache;
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

fn write(root: &Path, path: &str, text: &str) {
    let abs = root.join(path);
    std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
    std::fs::write(abs, text).unwrap();
}

/// Sets every file's mtime an hour back, so the stat cache does not treat them as racy.
fn age(root: &Path) {
    let past = SystemTime::now() - Duration::from_secs(3600);
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            std::fs::File::options().write(true).open(entry.path()).unwrap().set_modified(past).unwrap();
        }
    }
}

fn sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Dockerfile", "FROM scratch\n");
    write(root, ".dockerignore", "node_modules\n*.log\nsecrets\n!secrets/public.pem\nDockerfile\n");
    write(root, "src/main.rs", "fn main() {}\n");
    write(root, "src/debug.log", "noise\n");
    write(root, "app.log", "noise\n");
    write(root, "node_modules/x/index.js", "module\n");
    write(root, "secrets/private.key", "KEY\n");
    write(root, "secrets/public.pem", "PEM\n");
    std::os::unix::fs::symlink("src/main.rs", root.join("link")).unwrap();
    std::fs::set_permissions(root.join("src/main.rs"), std::fs::Permissions::from_mode(0o750)).unwrap();
    dir
}

#[test]
fn listing_applies_dockerignore_and_keeps_the_dockerfile() {
    let dir = sample();
    let entries = context::list(dir.path(), &["Dockerfile", ".dockerignore"]).unwrap();
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    // `*.log` is anchored at the root (Docker, not gitignore): `src/debug.log` is sent.
    let expected = [".dockerignore", "Dockerfile", "link", "secrets/public.pem", "src", "src/debug.log", "src/main.rs"];
    assert_eq!(paths, expected);
    let link = entries.iter().find(|e| e.path == "link").unwrap();
    assert_eq!(link.kind, EntryKind::Symlink("src/main.rs".into()));
}

#[test]
fn the_tar_holds_exactly_the_listed_entries_with_their_modes_owned_by_root() {
    let dir = sample();
    let entries = context::list(dir.path(), &["Dockerfile"]).unwrap();
    let extra = vec![("Dockerfile".to_string(), b"FROM override\n".to_vec())];
    let tar = context::write_tar(dir.path(), &entries, &extra, Vec::new()).unwrap();
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut seen = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        assert_eq!((entry.header().uid().unwrap(), entry.header().gid().unwrap()), (0, 0));
        let mode = entry.header().mode().unwrap() & 0o7777;
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        seen.insert(path, (mode, text));
    }
    let paths: Vec<&str> = seen.keys().map(String::as_str).collect();
    let expected = [".dockerignore", "Dockerfile", "link", "secrets/public.pem", "src", "src/debug.log", "src/main.rs"];
    assert_eq!(paths, expected);
    assert_eq!(seen["Dockerfile"].1, "FROM override\n");
    assert_eq!(seen["src/main.rs"], (0o750, "fn main() {}\n".to_string()));
}

fn key(root: &Path, args: &BTreeMap<String, String>, target: Option<&str>, cache: &mut StatCache) -> String {
    let dockerfile = std::fs::read(root.join("Dockerfile")).unwrap();
    let build = DockerfileBuild {
        root,
        dockerfile: &dockerfile,
        dockerfile_in_context: Some("Dockerfile"),
        build_args: args,
        target,
    };
    dockerfile_build_key(&build, cache).unwrap().0
}

#[test]
fn the_key_follows_content_args_target_and_modes_but_not_excluded_files_or_touches() {
    let dir = sample();
    let root = dir.path();
    let none = BTreeMap::new();
    let mut cache = StatCache::in_memory();
    let first = key(root, &none, None, &mut cache);
    assert_eq!(first.len(), 64);
    assert_eq!(key(root, &none, None, &mut cache), first, "deterministic");

    write(root, "app.log", "other noise\n");
    write(root, "node_modules/y.js", "more\n");
    assert_eq!(key(root, &none, None, &mut cache), first, "excluded files do not count");

    let past = SystemTime::now() - Duration::from_secs(7200);
    std::fs::File::options().write(true).open(root.join("src/main.rs")).unwrap().set_modified(past).unwrap();
    assert_eq!(key(root, &none, None, &mut cache), first, "a touch without change keeps the key");

    let args = BTreeMap::from([("A".to_string(), "1".to_string())]);
    let with_args = key(root, &args, None, &mut cache);
    assert_ne!(with_args, first);
    assert_ne!(key(root, &none, Some("dev"), &mut cache), first);

    std::fs::set_permissions(root.join("src/main.rs"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let moded = key(root, &none, None, &mut cache);
    assert_ne!(moded, first, "a mode change changes the key");

    write(root, "src/main.rs", "fn main() { println!(); }\n");
    assert_ne!(key(root, &none, None, &mut cache), moded, "a content change changes the key");

    write(root, "Dockerfile", "FROM scratch\nLABEL a=b\n");
    let other_dockerfile = key(root, &none, None, &mut cache);
    assert_ne!(other_dockerfile, moded);
}

#[test]
fn an_unchanged_context_is_rekeyed_from_the_stat_cache_without_reading_files() {
    let dir = sample();
    let root = dir.path();
    age(root);
    let cache_dir = tempfile::tempdir().unwrap();
    let cache_file = cache_dir.path().join("stat");
    let cold = digest_context(root, &["Dockerfile"], &mut StatCache::open(cache_file.clone())).unwrap();
    assert_eq!(cold.hashed, cold.files);
    assert_eq!(cold.files, 5, "{:?}", cold.entries);

    let warm = digest_context(root, &["Dockerfile"], &mut StatCache::open(cache_file.clone())).unwrap();
    assert_eq!(warm.hashed, 0, "every file came from the stat cache");
    assert_eq!(warm.digest, cold.digest);

    // Same size, same content length, new bytes: the changed stamp (mtime/ctime) forces a re-read.
    write(root, "secrets/public.pem", "MEP\n");
    let changed = digest_context(root, &["Dockerfile"], &mut StatCache::open(cache_file)).unwrap();
    assert_eq!(changed.hashed, 1);
    assert_ne!(changed.digest, cold.digest);
}

#[test]
fn a_bad_dockerignore_pattern_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".dockerignore", "ok\nbad[\n");
    let err = context::list(dir.path(), &[]).unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("`bad[`"), "{err}");
}
