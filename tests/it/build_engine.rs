//! Hand-written build plans FROM the test base image → built by `containai::image::execute` on the real engine.

use crate::support::{BASE_IMAGE, Images, engine, unique_key};
use containai::engine::ImageEngine;
use containai::image::{BuildError, BuildOptions, BuildOutcome, execute};
use containai::plan::model::{BuildPlan, ContextFile, Layer, LayerContext, cache_tag};
use containai::report::{LayerSource, Reporter};
use std::sync::Mutex;

/// Keeps every log line.
#[derive(Default)]
struct Lines(Mutex<Vec<String>>);

impl Reporter for Lines {
    fn layer_log(&self, name: &str, line: &str) {
        self.0.lock().unwrap().push(format!("{name}: {line}"));
    }
}

fn plan(layers: Vec<Layer>) -> BuildPlan {
    BuildPlan { features: vec![], layers, metadata: serde_json::json!([]) }
}

fn track(images: &Images, plan: &BuildPlan, outcome: Option<&BuildOutcome>) {
    for l in &plan.layers {
        images.add(cache_tag(&l.key));
    }
    for l in outcome.map(|o| o.layers.as_slice()).unwrap_or_default() {
        images.add(l.image_id.clone());
    }
}

#[tokio::test]
async fn a_plan_builds_once_then_every_layer_is_cached() {
    let docker = engine().await;
    let images = Images::new();
    let (k1, k2, k3) = (unique_key("base"), unique_key("feature"), unique_key("user"));
    let script = ContextFile {
        path: "install.sh".into(),
        mode: 0o755,
        bytes: b"#!/bin/sh\necho hello > /etc/feature-ran\n".to_vec(),
    };
    let plan = plan(vec![
        Layer::new("base", &k1, None, format!("FROM {BASE_IMAGE}\n"), LayerContext::Empty),
        Layer::new(
            "feature:test/hello",
            &k2,
            Some(&k1),
            "COPY install.sh /tmp/f/install.sh\nRUN /tmp/f/install.sh\n",
            LayerContext::Files { files: vec![script] },
        ),
        Layer::new("user", &k3, Some(&k2), "RUN test \"$(cat /etc/feature-ran)\" = hello\n", LayerContext::Empty),
    ]);
    track(&images, &plan, None);

    let first = execute(&plan, &docker, &Lines::default(), &BuildOptions::default()).await.unwrap();
    track(&images, &plan, Some(&first));
    assert_eq!(first.layers_built, 3);
    for l in &plan.layers {
        let image = docker.inspect_image(&cache_tag(&l.key)).await.unwrap().expect("layer tagged by its key");
        assert_eq!(image.labels.get("containai.key"), Some(&l.key));
        assert_eq!(image.labels.get("containai.parent-key"), l.parent_key.as_ref());
    }

    let second = execute(&plan, &docker, &Lines::default(), &BuildOptions::default()).await.unwrap();
    assert_eq!(second.layers_built, 0);
    assert!(second.layers.iter().all(|l| l.source == LayerSource::Cached));
    assert_eq!(second.image_id, first.image_id);

    let name = format!("containai-test/{}:latest", &unique_key("name")[..16]);
    images.add(name.clone());
    let options = BuildOptions { no_cache: true, image_names: vec![name.clone()], ..Default::default() };
    let rebuilt = execute(&plan, &docker, &Lines::default(), &options).await.unwrap();
    track(&images, &plan, Some(&rebuilt));
    assert_eq!(rebuilt.layers_built, 3);
    assert_eq!(docker.inspect_image(&name).await.unwrap().map(|i| i.id), Some(rebuilt.image_id.clone()));
}

#[tokio::test]
async fn a_failing_run_names_the_layer_shows_its_log_tail_and_tags_nothing() {
    let docker = engine().await;
    let images = Images::new();
    let (k1, k2) = (unique_key("base"), unique_key("failing"));
    let plan = plan(vec![
        Layer::new("base", &k1, None, format!("FROM {BASE_IMAGE}\n"), LayerContext::Empty),
        Layer::new(
            "feature:containai/broken",
            &k2,
            Some(&k1),
            "RUN echo preparing && echo broken-marker-51 >&2 && exit 7\n",
            LayerContext::Empty,
        ),
    ]);
    track(&images, &plan, None);
    let err = execute(&plan, &docker, &Lines::default(), &BuildOptions::default()).await.unwrap_err();
    let text = err.to_string();
    match err {
        BuildError::LayerFailed { layer, message, log_tail } => {
            assert_eq!(layer, "feature:containai/broken");
            assert!(message.contains("non-zero code: 7"), "{message}");
            assert!(log_tail.iter().any(|l| l.contains("broken-marker-51")), "{log_tail:?}");
        }
        other => panic!("expected a layer failure, got {other:?}"),
    }
    assert!(text.starts_with("layer `feature:containai/broken` failed to build"), "{text}");
    assert!(text.contains("  | broken-marker-51"), "{text}");
    assert_eq!(docker.inspect_image(&cache_tag(&k2)).await.unwrap(), None, "a failed layer has no tag");
    assert!(docker.inspect_image(&cache_tag(&k1)).await.unwrap().is_some(), "the layer before it is kept");
}

#[tokio::test]
async fn a_directory_context_sends_only_what_dockerignore_lets_through() {
    let docker = engine().await;
    let images = Images::new();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, text: &str| {
        std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        std::fs::write(root.join(path), text).unwrap();
    };
    write(
        "Dockerfile",
        &format!("FROM {BASE_IMAGE}\nCOPY . /ctx\nRUN cd /ctx && find . -mindepth 1 | sort | sed 's/^/listing: /'\n"),
    );
    write(".dockerignore", "node_modules\n*.log\nsecrets\n!secrets/public.pem\n**/*.tmp\n");
    write("src/main.rs", "fn main() {}\n");
    write("src/nested.log", "kept: *.log is anchored at the root\n");
    write("app.log", "excluded\n");
    write("node_modules/x/index.js", "excluded\n");
    write("secrets/private.key", "excluded\n");
    write("secrets/public.pem", "re-included\n");
    write("a/b/c.tmp", "excluded\n");
    let (k1, k2) = (unique_key("dir"), unique_key("check"));
    let context = LayerContext::Directory { root: root.into(), dockerfile: "Dockerfile".into() };
    let check = "RUN test -f /ctx/secrets/public.pem && test ! -e /ctx/secrets/private.key && test ! -e /ctx/app.log\n";
    let plan = plan(vec![
        Layer::new("base", &k1, None, "", context),
        Layer::new("user", &k2, Some(&k1), check, LayerContext::Empty),
    ]);
    track(&images, &plan, None);
    let lines = Lines::default();
    let outcome = execute(&plan, &docker, &lines, &BuildOptions::default()).await.unwrap();
    track(&images, &plan, Some(&outcome));
    let listing: Vec<String> =
        lines.0.lock().unwrap().iter().filter_map(|l| l.strip_prefix("base: listing: ./").map(String::from)).collect();
    let expected = [
        ".dockerignore",
        "Dockerfile",
        "a",
        "a/b",
        "secrets",
        "secrets/public.pem",
        "src",
        "src/main.rs",
        "src/nested.log",
    ];
    assert_eq!(listing, expected);
}
