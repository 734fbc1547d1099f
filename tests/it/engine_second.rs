//! A second, private engine (tests/it/support/daemon.rs) → it answers, holds what is loaded into it, survives a restart.

use crate::support::daemon::SecondEngine;
use containai::engine::{Docker, ImageEngine};

#[tokio::test]
async fn a_second_engine_is_separate_from_the_shared_one_and_survives_a_restart() {
    let docker0 = std::path::Path::new("/sys/class/net/docker0");
    let had_docker0 = docker0.exists();
    let mut engine = SecondEngine::start(&[]);
    assert_eq!(docker0.exists(), had_docker0, "the second engine left the shared engine's docker0 alone");
    let docker = Docker::connect_to(&engine.host()).await.expect("second engine answers");
    assert!(docker.inspect_image(crate::support::BASE_IMAGE).await.unwrap().is_none(), "a new engine holds no images");
    engine.load_image(crate::support::BASE_IMAGE);
    assert!(docker.inspect_image(crate::support::BASE_IMAGE).await.unwrap().is_some(), "the loaded image is there");
    let shared = crate::support::engine().await;
    // Not the daemon id: engine 20.10 derives it from /etc/docker/key.json, which both daemons share.
    let root = |info: bollard::models::SystemInfo| info.docker_root_dir.unwrap_or_default();
    let second_root = root(docker.client().info().await.unwrap());
    assert!(second_root.starts_with(&engine.dir.display().to_string()), "own data root: {second_root}");
    assert_ne!(root(shared.client().info().await.unwrap()), second_root, "two engines, two data roots");

    engine.stop();
    assert!(docker.inspect_image(crate::support::BASE_IMAGE).await.is_err(), "a stopped engine does not answer");
    engine.resume();
    let docker = Docker::connect_to(&engine.host()).await.expect("answers again after the restart");
    assert!(docker.inspect_image(crate::support::BASE_IMAGE).await.unwrap().is_some(), "data survives the restart");
}
