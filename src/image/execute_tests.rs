//! Tests of [`super::execute`] against the recording fake engine.

use super::BuildError;
use super::execute::{BuildOptions, DOCKERFILE_NAME, LABEL_KEY, LABEL_PARENT_KEY, execute};
use crate::engine::fake_images::{Call, FakeImages};
use crate::plan::model::{BuildPlan, ContextFile, Layer, LayerContext, cache_tag};
use crate::report::{LayerSource, Reporter};
use std::sync::Mutex;

fn plan() -> BuildPlan {
    let install = ContextFile { path: "install.sh".into(), mode: 0o755, bytes: b"#!/bin/sh\necho sshd\n".to_vec() };
    BuildPlan {
        features: vec!["containai/sshd".into()],
        layers: vec![
            Layer::new("base", "k1", None, "FROM debian:bookworm\n", LayerContext::Empty),
            Layer::new("system", "k2", Some("k1"), "RUN echo system\n", LayerContext::Empty),
            Layer::new(
                "feature:containai/sshd",
                "k3",
                Some("k2"),
                "COPY . /tmp/feature\nRUN /tmp/feature/install.sh\n",
                LayerContext::Files { files: vec![install] },
            ),
        ],
        metadata: serde_json::json!([]),
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Reporter for Recorder {
    fn layer_started(&self, name: &str, key: &str) {
        self.0.lock().unwrap().push(format!("start {name} {key}"));
    }
    fn layer_log(&self, name: &str, line: &str) {
        self.0.lock().unwrap().push(format!("log {name} {line}"));
    }
    fn layer_finished(&self, name: &str, source: LayerSource) {
        self.0.lock().unwrap().push(format!("done {name} {source:?}"));
    }
}

async fn run(engine: &FakeImages, options: &BuildOptions) -> super::Result<super::BuildOutcome> {
    execute(&plan(), engine, &Recorder::default(), options).await
}

#[tokio::test]
async fn missing_layers_are_built_in_order_from_their_parent_with_key_labels_and_tags() {
    let engine = FakeImages::new();
    let reporter = Recorder::default();
    let outcome = execute(&plan(), &engine, &reporter, &BuildOptions::default()).await.unwrap();
    assert_eq!(outcome.layers_built, 3);
    assert_eq!(outcome.image_key, "k3");
    let builds = engine.builds();
    let tags: Vec<_> = builds.iter().map(|b| b.tags.clone()).collect();
    assert_eq!(tags, [vec![cache_tag("k1")], vec![cache_tag("k2")], vec![cache_tag("k3")]]);
    // The key labels are one `LABEL` instruction of the rendered Dockerfile (one engine step), not request labels.
    assert_eq!(builds[0].dockerfile, "FROM debian:bookworm\nLABEL containai.key=\"k1\"\n");
    assert_eq!(
        builds[1].dockerfile,
        "FROM containai-cache:k1\nRUN echo system\nLABEL containai.key=\"k2\" containai.parent-key=\"k1\"\n"
    );
    assert!(builds[2].dockerfile.starts_with("FROM containai-cache:k2\nCOPY . /tmp/feature\n"));
    assert_eq!(builds[2].dockerfile_path, DOCKERFILE_NAME);
    assert_eq!(builds[2].files.get("install.sh").map(Vec::as_slice), Some(&b"#!/bin/sh\necho sshd\n"[..]));
    assert_eq!(builds[2].labels.get(LABEL_KEY).map(String::as_str), Some("k3"));
    assert_eq!(builds[2].labels.get(LABEL_PARENT_KEY).map(String::as_str), Some("k2"));
    assert!(!builds[0].labels.contains_key(LABEL_PARENT_KEY));
    assert!(builds.iter().all(|b| !b.no_cache));
    let events = reporter.0.lock().unwrap().clone();
    assert_eq!(events.first().map(String::as_str), Some("start base k1"));
    assert!(events.contains(&"log feature:containai/sshd Step 2/4 : COPY . /tmp/feature".to_string()), "{events:?}");
    assert_eq!(events.last().map(String::as_str), Some("done feature:containai/sshd Built"));
    assert_eq!(engine.image_id(&cache_tag("k3")), Some(outcome.image_id.clone()));
    assert_eq!(outcome.layers[2].image_id, outcome.image_id);
}

#[tokio::test]
async fn a_second_run_builds_nothing() {
    let engine = FakeImages::new();
    let first = run(&engine, &BuildOptions::default()).await.unwrap();
    let second = run(&engine, &BuildOptions::default()).await.unwrap();
    assert_eq!(second.layers_built, 0);
    assert!(second.layers.iter().all(|l| l.source == LayerSource::Cached));
    assert_eq!(second.image_id, first.image_id);
    assert_eq!(engine.builds().len(), 3, "only the first run built");
}

#[tokio::test]
async fn a_cached_layer_is_never_rebuilt_even_when_its_parent_is() {
    let engine = FakeImages::new();
    engine.add_image(&cache_tag("k2"), "sha256:cached2", &[(LABEL_KEY, "k2")]);
    let outcome = run(&engine, &BuildOptions::default()).await.unwrap();
    let sources: Vec<_> = outcome.layers.iter().map(|l| (l.name.as_str(), l.source)).collect();
    assert_eq!(
        sources,
        [("base", LayerSource::Built), ("system", LayerSource::Cached), ("feature:containai/sshd", LayerSource::Built)]
    );
    assert_eq!(outcome.layers[1].image_id, "sha256:cached2");
    assert_eq!(outcome.layers_built, 2);
    assert!(engine.builds().iter().all(|b| b.labels[LABEL_KEY] != "k2"));
}

#[tokio::test]
async fn a_tag_without_the_matching_key_label_is_rebuilt() {
    let engine = FakeImages::new();
    engine.add_image(&cache_tag("k1"), "sha256:impostor", &[(LABEL_KEY, "something-else")]);
    let outcome = run(&engine, &BuildOptions::default()).await.unwrap();
    assert_eq!(outcome.layers[0].source, LayerSource::Built);
    assert_ne!(outcome.layers[0].image_id, "sha256:impostor");
}

#[tokio::test]
async fn a_pulled_layer_is_used_only_by_a_build_that_names_its_repository() {
    let pulled = crate::plan::model::pulled_repository("localhost:5000/cache");
    let engine = FakeImages::new();
    engine.add_image(&format!("{pulled}:k1"), "sha256:pulled1", &[(LABEL_KEY, "k1")]);
    let own = run(&engine, &BuildOptions::default()).await.unwrap();
    assert_eq!(own.layers_built, 3, "not named: not seen");
    assert_ne!(own.layers[0].image_id, "sha256:pulled1");
    let engine = FakeImages::new();
    engine.add_image(&format!("{pulled}:k1"), "sha256:pulled1", &[(LABEL_KEY, "k1")]);
    let options = BuildOptions { repositories: vec![pulled.clone()], ..Default::default() };
    let mut planned = plan();
    planned.layers[1].dockerfile = format!("FROM {}\nRUN echo system\n", cache_tag("k1"));
    let named = execute(&planned, &engine, &Recorder::default(), &options).await.unwrap();
    assert_eq!((named.layers[0].image_id.as_str(), named.layers_built), ("sha256:pulled1", 2));
    let builds = engine.builds();
    assert!(builds[0].dockerfile.starts_with(&format!("FROM {pulled}:k1\n")), "{}", builds[0].dockerfile);
    assert_eq!(
        (builds[0].tags.clone(), builds[1].tags.clone()),
        (vec![format!("{pulled}:k2")], vec![format!("{pulled}:k3")])
    );
}

#[tokio::test]
async fn no_cache_rebuilds_everything_without_looking_up() {
    let engine = FakeImages::new();
    run(&engine, &BuildOptions::default()).await.unwrap();
    let before = engine.calls().len();
    let outcome = run(&engine, &BuildOptions { no_cache: true, ..Default::default() }).await.unwrap();
    assert_eq!(outcome.layers_built, 3);
    let after = &engine.calls()[before..];
    assert!(after.iter().all(|c| matches!(c, Call::Build(b) if b.no_cache)), "{after:?}");
}

#[tokio::test]
async fn a_failing_layer_names_itself_shows_its_log_and_stops_the_build() {
    let engine = FakeImages::new();
    engine.fail_builds_containing("install.sh", "The command returned a non-zero code: 1", &["E: no sshd", "bye"]);
    let err = run(&engine, &BuildOptions::default()).await.unwrap_err();
    match &err {
        BuildError::LayerFailed { layer, log_tail, .. } => {
            assert_eq!(layer, "feature:containai/sshd");
            assert_eq!(log_tail, &["E: no sshd".to_string(), "bye".to_string()]);
        }
        other => panic!("expected LayerFailed, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("layer `feature:containai/sshd` failed") && text.contains("  | E: no sshd"), "{text}");
    assert!(!engine.has_image(&cache_tag("k3")), "a failed layer is never tagged");
    assert!(engine.has_image(&cache_tag("k2")), "layers before it are kept");
}

#[tokio::test]
async fn image_names_tag_the_final_layer() {
    let engine = FakeImages::new();
    let options = BuildOptions { image_names: vec!["me/app:dev".into()], ..Default::default() };
    let outcome = run(&engine, &options).await.unwrap();
    assert!(engine.calls().contains(&Call::Tag { source: outcome.image_id.clone(), target: "me/app:dev".into() }));
    assert_eq!(outcome.image_name, ["me/app:dev"]);
}

#[tokio::test]
async fn a_directory_layer_sends_its_filtered_folder_args_and_target() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM x AS dev\nCOPY . /src\n").unwrap();
    std::fs::write(dir.path().join(".dockerignore"), "secret\n").unwrap();
    std::fs::write(dir.path().join("secret"), "no").unwrap();
    std::fs::write(dir.path().join("keep"), "yes").unwrap();
    let mut user = Layer::new(
        "base",
        "kd",
        None,
        "",
        LayerContext::Directory { root: dir.path().into(), dockerfile: "Dockerfile".into() },
    );
    user.build_args.insert("A".into(), "1".into());
    user.target = Some("dev".into());
    let plan = BuildPlan { features: vec![], layers: vec![user], metadata: serde_json::json!([]) };
    let engine = FakeImages::new();
    engine.add_image("x", "sha256:x", &[]);
    execute(&plan, &engine, &Recorder::default(), &BuildOptions::default()).await.unwrap();
    assert!(!engine.calls().iter().any(|c| matches!(c, Call::Pull { .. })), "its `FROM` image is here");
    let build = &engine.builds()[0];
    assert_eq!(build.files.keys().collect::<Vec<_>>(), [".dockerignore", "Dockerfile", "keep"]);
    assert_eq!(build.dockerfile_path, "Dockerfile");
    assert_eq!(build.dockerfile, "FROM x AS dev\nCOPY . /src\n");
    assert_eq!(build.build_args["A"], "1");
    assert_eq!(build.target.as_deref(), Some("dev"));
}

#[tokio::test]
async fn an_empty_plan_is_an_error() {
    let plan = BuildPlan { features: vec![], layers: vec![], metadata: serde_json::json!([]) };
    let err = execute(&plan, &FakeImages::new(), &Recorder::default(), &BuildOptions::default()).await.unwrap_err();
    assert!(matches!(err, BuildError::EmptyPlan));
}

#[tokio::test]
async fn a_file_path_escaping_the_context_is_an_error_not_a_panic() {
    let evil = ContextFile { path: "../../etc/passwd".into(), mode: 0o644, bytes: b"x".to_vec() };
    let mut plan = plan();
    plan.layers[2].context = LayerContext::Files { files: vec![evil] };
    let engine = FakeImages::new();
    let err = execute(&plan, &engine, &Recorder::default(), &BuildOptions::default()).await.unwrap_err();
    assert!(matches!(err, BuildError::Context { .. }), "{err:?}");
    assert_eq!(engine.builds().len(), 2, "the bad layer was never sent");
}

/// Two builds of one plan at once against one engine; the layers each of them built.
async fn two_at_once(lock_dir: Option<std::path::PathBuf>) -> (FakeImages, [Vec<LayerSource>; 2]) {
    let engine = FakeImages::new();
    engine.set_build_delay(std::time::Duration::from_millis(30));
    let options = BuildOptions { lock_dir, ..Default::default() };
    let (a, b) = tokio::join!(run(&engine, &options), run(&engine, &options));
    let sources = |o: super::BuildOutcome| o.layers.into_iter().map(|l| l.source).collect();
    let both = [sources(a.unwrap()), sources(b.unwrap())];
    (engine, both)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_layer_locks_concurrent_builds_of_one_layer_build_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, [a, b]) = two_at_once(Some(dir.path().to_path_buf())).await;
    assert_eq!(engine.builds().len(), 3, "each of the 3 layers built once");
    for i in 0..3 {
        let built = [a[i], b[i]].iter().filter(|s| **s == LayerSource::Built).count();
        assert_eq!(built, 1, "layer {i}: {a:?} {b:?}");
    }
    // Without the locks the same race builds layers twice: the test above can tell.
    let (unlocked, _) = two_at_once(None).await;
    assert!(unlocked.builds().len() > 3, "{}", unlocked.builds().len());
}
