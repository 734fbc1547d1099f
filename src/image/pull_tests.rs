//! Pull decisions on the recording fake engine: absent → pulled for the engine's platform, present → nothing,
//! mirrors rewrite the source only, offline pulls nothing and names what is missing.

use super::*;
use crate::engine::ImageInfo;
use crate::engine::fake_images::{Call, FakeImages};
use crate::report::Silent;

const MCR: &str = "mcr.microsoft.com/devcontainers/base:bookworm";

fn image(id: &str) -> ImageInfo {
    ImageInfo { id: id.into(), ..Default::default() }
}

fn pulls(engine: &FakeImages) -> Vec<(String, Option<String>)> {
    let calls = engine.calls().into_iter();
    calls
        .filter_map(|c| if let Call::Pull { reference, platform, .. } = c { Some((reference, platform)) } else { None })
        .collect()
}

fn mirrors(text: &[&str]) -> Vec<Mirror> {
    text.iter().map(|m| m.parse().unwrap()).collect()
}

#[test]
fn mirrors_rewrite_where_an_image_is_pulled_from() {
    let m = mirrors(&["mcr.microsoft.com=localhost:5000/mcr", "docker.io=localhost:5000", "ghcr.io=mirror.example"]);
    assert_eq!(pull_source(MCR, &m), "localhost:5000/mcr/devcontainers/base:bookworm");
    assert_eq!(pull_source("debian:bookworm", &m), "localhost:5000/library/debian:bookworm");
    assert_eq!(pull_source("docker.io/user/x", &m), "localhost:5000/user/x");
    assert_eq!(pull_source("index.docker.io/debian", &m), "localhost:5000/library/debian");
    assert_eq!(pull_source("ghcr.io/o/r:1", &m), "mirror.example/o/r:1");
    assert_eq!(pull_source("quay.io/o/r:1", &m), "quay.io/o/r:1", "no mirror for that registry");
    let pinned = format!("{MCR}@sha256:{}", "0".repeat(64));
    assert_eq!(pull_source(&pinned, &m), pinned, "a digest comes from its own registry");
}

#[tokio::test]
async fn an_absent_image_is_pulled_for_the_engines_platform_and_a_present_one_is_not() {
    let engine = FakeImages::new();
    engine.add_remote("debian:bookworm", image("sha256:d1"));
    engine.add_image("present:1", "sha256:p1", &[]);
    let wanted = ["present:1".to_string(), "debian:bookworm".to_string()];
    let pulled = ensure(&wanted, &engine, &Silent, &PullOptions::default()).await.unwrap();
    assert_eq!(pulled, ["debian:bookworm"]);
    assert_eq!(pulls(&engine), [("debian:bookworm".to_string(), Some("linux/amd64".to_string()))]);
    assert_eq!(engine.image_id("debian:bookworm").as_deref(), Some("sha256:d1"));
    let again = ensure(&wanted, &engine, &Silent, &PullOptions::default()).await.unwrap();
    assert!(again.is_empty());
    assert_eq!(pulls(&engine).len(), 1, "a present image is not pulled again");
}

#[tokio::test]
async fn a_mirrored_image_is_pulled_from_the_mirror_and_named_as_the_config_names_it() {
    let engine = FakeImages::new();
    let source = "localhost:5000/mcr/devcontainers/base:bookworm";
    engine.add_remote(source, image("sha256:m1"));
    let options = PullOptions { offline: false, mirrors: mirrors(&["mcr.microsoft.com=localhost:5000/mcr"]) };
    ensure(&[MCR.to_string()], &engine, &Silent, &options).await.unwrap();
    assert_eq!(pulls(&engine)[0].0, source);
    assert_eq!(engine.image_id(MCR).as_deref(), Some("sha256:m1"));
    assert!(!engine.has_image(source), "the mirror's name is not left behind");
    // Without the mirror the image would have been asked of its own registry, which the fake does not have.
    let plain = FakeImages::new();
    plain.add_remote(source, image("sha256:m1"));
    let err = ensure(&[MCR.to_string()], &plain, &Silent, &PullOptions::default()).await.unwrap_err();
    assert!(matches!(&err, BuildError::Pull { reference, .. } if reference == MCR), "{err}");
}

#[tokio::test]
async fn offline_nothing_is_pulled_and_the_missing_images_are_named() {
    let engine = FakeImages::new();
    engine.add_remote(MCR, image("sha256:m1"));
    engine.add_image("present:1", "sha256:p1", &[]);
    let offline = PullOptions { offline: true, mirrors: vec![] };
    let wanted = [MCR.to_string(), "present:1".to_string(), "other:2".to_string()];
    let err = ensure(&wanted, &engine, &Silent, &offline).await.unwrap_err().to_string();
    assert!(err.starts_with(&format!("the images `{MCR}`, `other:2` are not in the engine")), "{err}");
    assert!(err.contains("`--offline`") && err.contains("\nhint: "), "{err}");
    assert!(pulls(&engine).is_empty());
    assert!(ensure(&["present:1".to_string()], &engine, &Silent, &offline).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_registry_that_cannot_be_reached_is_an_error_with_a_hint() {
    let engine = FakeImages::new();
    engine.set_registry_down(Some("dial tcp 127.0.0.1:1: connection refused"));
    let err = ensure(&[MCR.to_string()], &engine, &Silent, &PullOptions::default()).await.unwrap_err().to_string();
    assert!(err.starts_with(&format!("cannot pull `{MCR}`: dial tcp")), "{err}");
    assert!(err.contains("\nhint: check that `mcr.microsoft.com` answers"), "{err}");
    assert!(!engine.has_image(MCR));
}
