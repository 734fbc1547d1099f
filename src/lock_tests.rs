//! Tests of [`super`]: exclusive and shared locks between tasks, the layer lock stripes, file modes.

use super::*;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_exclusive_lock_admits_one_holder_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let (inside, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (dir, inside, most) = (dir.path().to_path_buf(), inside.clone(), most.clone());
            tokio::spawn(async move {
                let _lock = workspace(&dir, "abc/def").await.unwrap();
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(most.load(Ordering::SeqCst), 1);
    let file = dir.path().join("locks/workspace-abc_def.lock");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(dir.path().join("locks")).unwrap().permissions().mode() & 0o777, 0o700);
}

#[tokio::test]
async fn shared_locks_coexist_and_keep_an_exclusive_one_out() {
    let dir = tempfile::tempdir().unwrap();
    let a = acquire(dir.path(), CACHE_LOCK, false).await.unwrap();
    let b = acquire(dir.path(), CACHE_LOCK, false).await.unwrap();
    let probe = open(&a.path).unwrap();
    assert!(matches!(probe.try_lock(), Err(std::fs::TryLockError::WouldBlock)));
    drop((a, b));
    assert!(probe.try_lock().is_ok());
}

#[test]
fn layer_locks_are_striped_by_the_first_two_hex_digits_of_the_key() {
    assert_eq!(layer_lock_name("a1b2c3"), "layer-a1");
    assert_eq!(layer_lock_name("A1ffff"), "layer-a1");
    assert_eq!(layer_lock_name("7"), "layer-07");
    assert_eq!(layer_lock_name(""), "layer-00");
    let names: std::collections::BTreeSet<String> =
        (0..4096u32).map(|n| layer_lock_name(&format!("{:03x}{}", n, "e".repeat(61)))).collect();
    assert_eq!(names.len(), LAYER_LOCKS);
}

#[tokio::test]
async fn one_layer_lock_keeps_a_second_builder_of_that_layer_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let key = "c0ffee".repeat(10);
    let held = layer(dir.path(), &key).await.unwrap();
    let other = open(&held.path).unwrap();
    assert!(matches!(other.try_lock(), Err(std::fs::TryLockError::WouldBlock)));
    let elsewhere = open(&lock_path(dir.path(), &layer_lock_name("d0"))).unwrap();
    assert!(elsewhere.try_lock().is_ok());
    drop(held);
    assert!(other.try_lock().is_ok());
}

#[test]
fn private_files_are_written_whole_with_their_mode_in_a_private_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new/sub/file");
    write_private(&file, b"one", 0o600).unwrap();
    write_private(&file, b"two", 0o644).unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), b"two");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&file), mode(file.parent().unwrap())), (0o644, 0o700));
    // Nothing but the file is left behind in its folder.
    assert_eq!(std::fs::read_dir(file.parent().unwrap()).unwrap().count(), 1);
}
