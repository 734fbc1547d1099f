//! A config with 50 features (in memory) → timings of the plan stage (every fragment rendered from templates/ and
//! every layer keyed) and of one layer key over 1 MiB of context files.

use containai::config::discover::Found;
use containai::config::{Loaded, load_text};
use containai::features::{FeatureSource, ResolvedFeature};
use containai::plan::key::LayerKey;
use containai::plan::{self, BaseInput, ContextFile, HostUser};
use containai::report::Silent;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};

const BASE_ID: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000001";

/// A small image config, loaded as `containai build` loads one.
fn loaded() -> Loaded {
    let text = r#"{"image": "containai-test/base:bookworm", "remoteUser": "dev",
                  "postCreateCommand": {"a": "make", "b": ["npm", "ci"]}}"#;
    let found = Found { path: PathBuf::from("/ws/.devcontainer/devcontainer.json"), explicit: false };
    load_text(Path::new("/ws"), &found, text, &|_: &str| None, |_| None).expect("the config loads")
}

/// A local feature with two options, two `containerEnv` entries and an install.sh of `script_bytes` bytes.
fn feature(i: usize, script_bytes: usize) -> ResolvedFeature {
    let id = format!("f{i:02}");
    let metadata = json!({"id": id, "version": "1.0.0",
                          "containerEnv": {"F_HOME": format!("/opt/{id}"), "PATH": format!("/opt/{id}/bin:${{PATH}}")}});
    let script = format!("#!/bin/sh\nset -e\n{}", "echo installing; ".repeat(script_bytes / 17));
    ResolvedFeature {
        reference: format!("./{id}"),
        source: FeatureSource::Local { path: format!("/ws/.devcontainer/{id}").into() },
        model: serde_json::from_value(metadata.clone()).unwrap(),
        metadata,
        options: BTreeMap::from([("version".to_string(), json!(i.to_string())), ("enable".to_string(), json!(true))]),
        env: BTreeMap::from([("VERSION".to_string(), i.to_string()), ("ENABLE".to_string(), "true".to_string())]),
        files: vec![
            ContextFile { path: "devcontainer-feature.json".into(), mode: 0o644, bytes: b"{}".to_vec() },
            ContextFile { path: "install.sh".into(), mode: 0o755, bytes: script.into_bytes() },
        ],
    }
}

fn bench(c: &mut Criterion) {
    let config = loaded();
    let base = BaseInput::Image {
        reference: "containai-test/base:bookworm".into(),
        image_id: BASE_ID.into(),
        metadata_label: Some(r#"[{"remoteUser":"root"}]"#.into()),
        user: String::new(),
    };
    let host = HostUser { uid: 1000, gid: 1000 };
    let features: Vec<ResolvedFeature> = (0..50).map(|i| feature(i, 4096)).collect();
    c.bench_function("plan: 50 features (render + key every layer)", |b| {
        b.iter(|| plan::plan(&config, black_box(&features), &base, &host, &Silent).unwrap())
    });

    let files = vec![
        ContextFile { path: "data.bin".into(), mode: 0o644, bytes: vec![7u8; 1 << 20] },
        ContextFile { path: "install.sh".into(), mode: 0o755, bytes: b"#!/bin/sh\n".to_vec() },
    ];
    let options = BTreeMap::from([("version".to_string(), json!("1"))]);
    let mut group = c.benchmark_group("key");
    group.throughput(Throughput::Bytes(1 << 20));
    group.bench_function("one layer over 1 MiB of files", |b| {
        b.iter(|| {
            let mut key = LayerKey::new("feature:./x", Some("parent"), "FROM x\nRUN ./install.sh\n")
                .with_files(black_box(&files));
            key.options = Some(&options);
            key.hash()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
