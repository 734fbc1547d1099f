//! Tests of [`super::remote_cache`] against the recording fake engine, whose fake registry also answers lookups.

use super::{CacheOptions, check, execute_with_cache, repositories};
use crate::engine::ImageInfo;
use crate::engine::fake_images::{Call, FakeImages};
use crate::image::BuildOutcome;
use crate::image::execute::{BuildOptions, LABEL_KEY, LABEL_PARENT_KEY};
use crate::plan::model::{BuildPlan, Layer, LayerContext, cache_tag, pulled_repository};
use crate::report::{LayerSource, Reporter};
use std::collections::BTreeMap;
use std::sync::Mutex;

const REPO: &str = "localhost:5000/team/cache";

/// Where a layer pulled from REPO is tagged here.
fn pulled(key: &str) -> String {
    format!("{}:{key}", pulled_repository(REPO))
}

fn plan() -> BuildPlan {
    let layer = |name: &str, key: &str, parent: Option<&str>| {
        Layer::new(name, key, parent, format!("RUN echo {name}\n"), LayerContext::Empty)
    };
    BuildPlan {
        features: vec![],
        layers: vec![layer("base", "k1", None), layer("system", "k2", Some("k1")), layer("user", "k3", Some("k2"))],
        metadata: serde_json::json!([]),
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Reporter for Recorder {
    fn warn(&self, message: &str) {
        self.0.lock().unwrap().push(format!("warn {message}"));
    }
    fn layer_finished(&self, name: &str, source: LayerSource) {
        self.0.lock().unwrap().push(format!("done {name} {source:?}"));
    }
}

impl Recorder {
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

fn from(repos: &[&str]) -> CacheOptions {
    CacheOptions { cache_from: repos.iter().map(|r| r.to_string()).collect(), ..Default::default() }
}

/// Builds the plan on `engine` with `repos` as `--cache-from`.
async fn build_from(engine: &FakeImages, repos: &[&str]) -> BuildOutcome {
    execute_with_cache(&plan(), engine, engine, &Recorder::default(), &BuildOptions::default(), &from(repos))
        .await
        .unwrap()
}

/// Machine A: builds the plan and pushes every layer to REPO; returns what its registry holds.
async fn machine_a() -> FakeImages {
    let a = FakeImages::new();
    let cache = CacheOptions { cache_to: Some(REPO.into()), ..Default::default() };
    let outcome =
        execute_with_cache(&plan(), &a, &a, &Recorder::default(), &BuildOptions::default(), &cache).await.unwrap();
    assert_eq!(outcome.layers_built, 3);
    a
}

/// Machine B with the given keys of A's registry.
fn machine_b(a: &FakeImages, keys: &[&str]) -> FakeImages {
    let b = FakeImages::new();
    for key in keys {
        let reference = format!("{REPO}:{key}");
        b.add_remote(&reference, a.remote(&reference).expect("A pushed it"));
    }
    b
}

#[tokio::test]
async fn cache_to_pushes_every_layer_by_key_and_drops_the_registry_tag() {
    let a = machine_a().await;
    for key in ["k1", "k2", "k3"] {
        let reference = format!("{REPO}:{key}");
        let pushed = a.remote(&reference).unwrap();
        assert_eq!(pushed.labels.get(LABEL_KEY).map(String::as_str), Some(key));
        assert!(!a.has_image(&reference), "the push tag is removed again");
        assert!(a.has_image(&cache_tag(key)));
    }
}

#[tokio::test]
async fn a_second_machine_pulls_every_layer_and_builds_none() {
    let a = machine_a().await;
    let b = machine_b(&a, &["k1", "k2", "k3"]);
    let reporter = Recorder::default();
    let outcome =
        execute_with_cache(&plan(), &b, &b, &reporter, &BuildOptions::default(), &from(&[REPO])).await.unwrap();
    assert_eq!(outcome.layers_built, 0);
    assert!(outcome.layers.iter().all(|l| l.source == LayerSource::Registry), "{:?}", outcome.layers);
    assert_eq!(outcome.image_id, a.image_id(&cache_tag("k3")).unwrap(), "the same image");
    assert_eq!(reporter.lines(), ["done base Registry", "done system Registry", "done user Registry"]);
    assert!(b.builds().is_empty());
    let pulls: Vec<Call> = b.calls().into_iter().filter(|c| matches!(c, Call::Pull { .. })).collect();
    assert_eq!(pulls.len(), 3);
    for key in ["k1", "k2", "k3"] {
        assert!(b.has_image(&pulled(key)) && !b.has_image(&format!("{REPO}:{key}")));
        assert!(!b.has_image(&cache_tag(key)), "a pulled layer is never tagged as built here");
    }
    assert_eq!(outcome.image, pulled("k3"));
}

#[tokio::test]
async fn a_pulled_layer_never_serves_a_build_that_does_not_name_its_registry() {
    // The registry is the attacker's: its `k1` carries the right labels over forged content.
    let b = FakeImages::new();
    let labels = BTreeMap::from([(LABEL_KEY.to_string(), "k1".to_string())]);
    b.add_remote(&format!("{REPO}:k1"), ImageInfo { id: "sha256:forged".into(), labels, ..Default::default() });
    let outcome = build_from(&b, &[REPO]).await;
    let sources: Vec<LayerSource> = outcome.layers.iter().map(|l| l.source).collect();
    assert_eq!(sources, [LayerSource::Registry, LayerSource::Built, LayerSource::Built]);
    // The layers built on the pulled one live with it.
    let builds = b.builds();
    assert!(builds[0].dockerfile.starts_with(&format!("FROM {}\n", pulled("k1"))), "{}", builds[0].dockerfile);
    assert_eq!(builds[0].tags, [pulled("k2")]);
    assert_eq!(outcome.image, pulled("k3"));
    assert!(["k1", "k2", "k3"].iter().all(|k| !b.has_image(&cache_tag(k))));

    // Another workspace, with no cacheFrom: builds every layer itself, none on the forged one.
    let other = build_from(&b, &[]).await;
    assert_eq!(other.layers_built, 3);
    assert_ne!(other.layers[0].image_id, "sha256:forged");
    assert_eq!(other.image, cache_tag("k3"));
    assert!(b.builds()[3..].iter().all(|r| !r.dockerfile.contains("containai-cache/from-")));
    // Naming another registry does not reach it either.
    let third = build_from(&b, &["localhost:5000/other"]).await;
    assert!(third.layers.iter().all(|l| l.source == LayerSource::Cached), "its own layers, built just before");
    assert_eq!(third.image, cache_tag("k3"));
}

#[tokio::test]
async fn lookup_stops_at_the_first_miss_and_builds_the_rest_here() {
    let a = machine_a().await;
    let b = machine_b(&a, &["k1", "k3"]);
    let outcome = build_from(&b, &["localhost:5000/other", REPO]).await;
    let sources: Vec<LayerSource> = outcome.layers.iter().map(|l| l.source).collect();
    assert_eq!(sources, [LayerSource::Registry, LayerSource::Built, LayerSource::Built]);
    let heads: Vec<String> =
        b.calls().into_iter().filter_map(|c| if let Call::Head(r) = c { Some(r) } else { None }).collect();
    let expected = [
        "localhost:5000/other:k1",
        "localhost:5000/team/cache:k1",
        "localhost:5000/other:k2",
        "localhost:5000/team/cache:k2",
    ];
    assert_eq!(heads, expected, "nothing is looked up after the first miss");
}

#[tokio::test]
async fn a_pulled_image_with_the_wrong_labels_is_dropped_and_built() {
    let b = FakeImages::new();
    let labels =
        BTreeMap::from([(LABEL_KEY.to_string(), "k1".to_string()), (LABEL_PARENT_KEY.to_string(), "evil".to_string())]);
    b.add_remote(&format!("{REPO}:k1"), ImageInfo { id: "sha256:evil".into(), labels, ..Default::default() });
    let reporter = Recorder::default();
    let outcome =
        execute_with_cache(&plan(), &b, &b, &reporter, &BuildOptions::default(), &from(&[REPO])).await.unwrap();
    assert_eq!(outcome.layers_built, 3);
    assert_ne!(b.image_id(&cache_tag("k1")).as_deref(), Some("sha256:evil"));
    assert!(
        reporter.lines().iter().any(|l| l.starts_with("warn ") && l.contains("does not carry the labels")),
        "{:?}",
        reporter.lines()
    );
}

#[tokio::test]
async fn an_unreachable_registry_warns_and_builds_unless_the_cache_is_required() {
    let a = machine_a().await;
    let b = machine_b(&a, &["k1", "k2", "k3"]);
    b.set_registry_down(Some("connection refused"));
    let reporter = Recorder::default();
    let outcome =
        execute_with_cache(&plan(), &b, &b, &reporter, &BuildOptions::default(), &from(&[REPO])).await.unwrap();
    assert_eq!(outcome.layers_built, 3);
    let warnings: Vec<String> = reporter.lines().into_iter().filter(|l| l.starts_with("warn ")).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("connection refused") && warnings[0].contains("building `base`"), "{warnings:?}");

    let c = machine_b(&a, &["k1", "k2", "k3"]);
    c.set_registry_down(Some("connection refused"));
    let required = CacheOptions { require_cache: true, ..from(&[REPO]) };
    let err = execute_with_cache(&plan(), &c, &c, &Recorder::default(), &BuildOptions::default(), &required)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("connection refused"), "{err}");
    assert!(c.builds().is_empty());
    let d = machine_b(&a, &["k1"]);
    let err = execute_with_cache(
        &plan(),
        &d,
        &d,
        &Recorder::default(),
        &BuildOptions::default(),
        &CacheOptions { require_cache: true, ..from(&[REPO]) },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("no cache repository has layer `system`"), "{err}");
}

#[tokio::test]
async fn push_sends_the_image_names_and_no_cache_skips_the_registry() {
    let b = FakeImages::new();
    let options =
        BuildOptions { no_cache: true, image_names: vec!["localhost:5000/app:1".into()], ..Default::default() };
    let cache = CacheOptions { push: true, ..from(&[REPO]) };
    let outcome = execute_with_cache(&plan(), &b, &b, &Recorder::default(), &options, &cache).await.unwrap();
    assert_eq!(b.remote("localhost:5000/app:1").map(|i| i.id), Some(outcome.image_id));
    assert!(!b.calls().iter().any(|c| matches!(c, Call::Head(_))), "--no-cache builds without looking up");
}

#[tokio::test]
async fn check_cache_answers_per_layer_without_pulling() {
    let a = machine_a().await;
    let b = machine_b(&a, &["k1", "k3"]);
    let repos = repositories(&[REPO.to_string()]).unwrap();
    let answer = check(&plan(), &b, &Recorder::default(), &repos, false).await.unwrap();
    assert!(!answer.complete);
    let present: Vec<bool> = answer.layers.iter().map(|l| l.in_registry).collect();
    assert_eq!(present, [true, false, true]);
    let full = check(&plan(), &a, &Recorder::default(), &repos, false).await.unwrap();
    assert!(full.complete);
    assert!(!b.calls().iter().any(|c| matches!(c, Call::Pull { .. } | Call::Build(_))));
    let json = serde_json::to_value(&answer).unwrap();
    assert_eq!(json["layers"][0], serde_json::json!({"name": "base", "key": "k1", "inRegistry": true}));
    b.set_registry_down(Some("refused"));
    assert!(!check(&plan(), &b, &Recorder::default(), &repos, false).await.unwrap().complete);
    assert!(check(&plan(), &b, &Recorder::default(), &repos, true).await.is_err());
}
