//! The real engine behind `ImageEngine` → version negotiation, inspect, build (ok and failing), tag, list, remove.

use crate::support::{BASE_IMAGE, engine, tar_of, unique};
use containai::engine::{BuildContextBody, BuildRequest, EngineError, ImageEngine};
use std::collections::BTreeMap;
use std::sync::Mutex;

#[tokio::test]
async fn negotiates_the_api_version_and_reports_runtimes() {
    let docker = engine().await;
    let info = docker.engine_info().await.unwrap();
    let (major, minor) = info.api_version.split_once('.').expect("api version `major.minor`");
    assert_eq!(major, "1");
    assert!(minor.parse::<u32>().unwrap() >= 41, "api {}", info.api_version);
    assert!(info.runtimes.iter().any(|r| r == "runc"), "runtimes {:?}", info.runtimes);
    assert!(!info.default_runtime.is_empty());
}

#[tokio::test]
async fn inspects_the_base_image_and_reports_a_missing_one() {
    let docker = engine().await;
    let base = docker.inspect_image(BASE_IMAGE).await.unwrap().expect("base image; run `bash scripts/setup`");
    assert!(base.id.starts_with("sha256:"), "{}", base.id);
    assert!(base.tags.iter().any(|t| t == BASE_IMAGE));
    assert_eq!(docker.inspect_image(&format!("containai-test/{}:none", unique("missing"))).await.unwrap(), None);
}

#[tokio::test]
async fn builds_tags_lists_and_removes_an_image() {
    let docker = engine().await;
    let label = unique("containai.test");
    let tag = format!("containai-test/{}:one", unique("build"));
    let extra = format!("containai-test/{}:two", unique("build"));
    let dockerfile = format!(
        "FROM {BASE_IMAGE}\nCOPY hello.txt /hello.txt\nARG GREETING\nRUN test \"$(cat /hello.txt)\" = \"$GREETING\"\n"
    );
    let context = tar_of(&[("Dockerfile", 0o644, &dockerfile), ("hello.txt", 0o644, "hi there")]);
    let lines = Mutex::new(Vec::new());
    let request = BuildRequest {
        context: BuildContextBody::Tar(context),
        dockerfile: "Dockerfile".into(),
        tags: vec![tag.clone(), extra.clone()],
        labels: BTreeMap::from([(label.clone(), "yes".into())]),
        build_args: BTreeMap::from([("GREETING".into(), "hi there".into())]),
        target: None,
        no_cache: false,
        registry_auth: Default::default(),
    };
    let built = docker.build_image(request, &|l| lines.lock().unwrap().push(l.to_string())).await.unwrap();
    assert!(built.id.starts_with("sha256:"));
    assert!(lines.lock().unwrap().iter().any(|l| l.contains("COPY hello.txt")), "{:?}", lines.lock().unwrap());

    let image = docker.inspect_image(&tag).await.unwrap().expect("tagged");
    assert_eq!(image.id, built.id);
    assert_eq!(image.labels.get(&label).map(String::as_str), Some("yes"));
    assert_eq!(docker.inspect_image(&extra).await.unwrap().map(|i| i.id), Some(built.id.clone()));

    let listed = docker.list_images_by_label(&format!("{label}=yes")).await.unwrap();
    assert_eq!(listed.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), vec![built.id.as_str()]);

    assert!(docker.remove_image(&extra, false).await.unwrap());
    assert!(docker.remove_image(&tag, false).await.unwrap());
    assert!(!docker.remove_image(&tag, false).await.unwrap());
    assert!(docker.list_images_by_label(&label).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failing_build_returns_the_engine_message_and_log_tail_and_tags_nothing() {
    let docker = engine().await;
    let tag = format!("containai-test/{}:x", unique("fail"));
    let dockerfile = format!("FROM {BASE_IMAGE}\nRUN echo about-to-fail && echo marker-7f3a >&2 && exit 3\n");
    let request = BuildRequest {
        context: BuildContextBody::Tar(tar_of(&[("Dockerfile", 0o644, &dockerfile)])),
        dockerfile: "Dockerfile".into(),
        tags: vec![tag.clone()],
        labels: BTreeMap::new(),
        build_args: BTreeMap::new(),
        target: None,
        no_cache: false,
        registry_auth: Default::default(),
    };
    let err = docker.build_image(request, &|_| {}).await.unwrap_err();
    match err {
        EngineError::BuildFailed { message, log_tail } => {
            assert!(message.contains("returned a non-zero code: 3"), "{message}");
            assert!(log_tail.iter().any(|l| l.contains("marker-7f3a")), "{log_tail:?}");
        }
        other => panic!("expected a build failure, got {other:?}"),
    }
    assert_eq!(docker.inspect_image(&tag).await.unwrap(), None);
}
