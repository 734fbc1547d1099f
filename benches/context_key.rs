//! A generated context folder (CONTAINAI_BENCH_FILES files, CONTAINAI_BENCH_MB megabytes in all) → criterion
//! figures for keying it cold (every byte read and hashed) and warm (the stat cache from disk, `lstat` only).
//!
//! Defaults are small (2,000 files, 16 MB) so `cargo test --all-targets` stays quick; `scripts/bench --only context`
//! runs it on 100,000 files / 1 GB.

use containai::context::StatCache;
use containai::context::hash::digest_context;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Writes `files` files totalling about `megabytes` MB, 100 per folder, with pseudo-random bytes, mtimes an hour back.
fn generate(root: &Path, files: u64, megabytes: u64) {
    let size = (megabytes * 1024 * 1024 / files.max(1)) as usize;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut buffer = vec![0u8; size];
    let past = SystemTime::now() - Duration::from_secs(3600);
    for i in 0..files {
        let dir = root.join(format!("d{:04}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&dir).unwrap();
        }
        for chunk in buffer.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        let mut file = std::fs::File::create(dir.join(format!("f{i}.bin"))).unwrap();
        file.write_all(&buffer).unwrap();
        file.set_modified(past).unwrap();
    }
    let ignore = root.join(".dockerignore");
    std::fs::write(&ignore, "d0000/f1.bin\n**/*.tmp\n").unwrap();
    std::fs::File::options().write(true).open(ignore).unwrap().set_modified(past).unwrap();
}

fn bench(c: &mut Criterion) {
    let files = env_number("CONTAINAI_BENCH_FILES", 2_000);
    let megabytes = env_number("CONTAINAI_BENCH_MB", 16);
    let base = std::env::var_os("CONTAINAI_BENCH_DIR").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(base).unwrap();
    let started = std::time::Instant::now();
    generate(dir.path(), files, megabytes);
    eprintln!(
        "context: {files} files, {megabytes} MB, written in {:.1?} at {}",
        started.elapsed(),
        dir.path().display()
    );
    let cache_file = dir.path().with_extension("stat-cache");
    let probe = digest_context(dir.path(), &[], &mut StatCache::open(cache_file.clone())).unwrap();
    phases(dir.path(), &cache_file);

    let mut group = c.benchmark_group("context_key");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(probe.bytes));
    group.bench_function(format!("cold/{files}_files"), |b| {
        b.iter(|| digest_context(dir.path(), &[], &mut StatCache::in_memory()).unwrap())
    });
    group.bench_function(format!("warm/{files}_files"), |b| {
        b.iter(|| {
            let digest = digest_context(dir.path(), &[], &mut StatCache::open(cache_file.clone())).unwrap();
            assert_eq!(digest.hashed, 0, "the warm run must come from the stat cache");
            digest
        })
    });
    group.finish();
    let _ = std::fs::remove_file(cache_file);
}

/// One warm run split into its phases, printed once (where the time goes).
fn phases(root: &Path, cache_file: &Path) {
    let t = std::time::Instant::now();
    let entries = containai::context::list::list(root, &[]).unwrap();
    let listed = t.elapsed();
    let t = std::time::Instant::now();
    let mut cache = StatCache::open(cache_file.to_path_buf());
    let loaded = t.elapsed();
    let t = std::time::Instant::now();
    let digest = containai::context::hash::digest_entries(root, entries, &mut cache).unwrap();
    let digested = t.elapsed();
    eprintln!(
        "warm phases: list+lstat {listed:.1?}, stat cache load {loaded:.1?} ({} entries), digest {digested:.1?} ({} read)",
        cache.len(),
        digest.hashed
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
