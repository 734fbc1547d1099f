//! The corpus (`CONTAINAI_CORPUS`'s templates, read in place) against a real registry: the `ghcr.io` features
//! the corpus configs use are published to `docker-registry` on 127.0.0.1 under the same ids (their real
//! devcontainer-feature.json from the corpus's `features/`, a stand-in install.sh), and containai's user
//! config mirrors `ghcr.io` there. Every corpus config that uses only those features is rendered with its
//! template's defaults and gets through `build --plan`, its lockfile naming `ghcr.io`. The config's `image` is
//! the local test base (this machine has no image registry). Needs the Docker engine (the base image's id).

use crate::support::corpus;

use crate::support::registry::{Registry, containai, publish};
use containai::templates::{Template, TemplateRef, options, render};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const PREFIX: &str = "ghcr.io/devcontainers/features/";
const BASE: &str = "containai-test/base:bookworm";

/// Each corpus template folder with its devcontainer.json as parsed (JSONC).
pub(crate) fn corpus() -> Vec<(PathBuf, Value)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus::templates())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("devcontainer.json").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let file = dir.join("devcontainer.json");
            let value = containai::config::jsonc::parse(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
            (dir, value)
        })
        .collect()
}

/// The config's feature keys.
pub(crate) fn feature_keys(config: &Value) -> Vec<String> {
    config["features"].as_object().map(|f| f.keys().cloned().collect()).unwrap_or_default()
}

/// `ghcr.io/devcontainers/features/<id>:<major>` → (id, major).
fn ghcr_feature(key: &str) -> Option<(String, u64)> {
    let (id, tag) = key.strip_prefix(PREFIX)?.split_once(':')?;
    Some((id.to_string(), tag.parse().ok()?))
}

/// A collection with `src/<id>/`: the corpus's devcontainer-feature.json at the major the configs ask for, the
/// stand-in install.sh. Options the configs set (`used`) that the corpus's metadata no longer declares (the
/// templates lag behind the features: `enableNonRootDocker`) are declared again as strings, as older versions
/// had them, since containai refuses undeclared options.
fn fixture_collection(wanted: &BTreeMap<String, u64>, used: &BTreeMap<String, BTreeSet<String>>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/oci/corpus/install.sh");
    for (id, major) in wanted {
        let metadata_file = corpus::features().join(id).join("devcontainer-feature.json");
        let mut metadata: Value = serde_json::from_str(&std::fs::read_to_string(&metadata_file).unwrap()).unwrap();
        let corpus_version = semver::Version::parse(metadata["version"].as_str().unwrap()).unwrap();
        let options = metadata["options"].as_object_mut().unwrap();
        let missing: Vec<&String> = used.get(id).into_iter().flatten().filter(|o| !options.contains_key(*o)).collect();
        for option in missing {
            eprintln!("`{id}`: the corpus sets `{option}`, which its devcontainer-feature.json no longer declares");
            options.insert(option.clone(), json!({"type": "string", "default": ""}));
        }
        let version = match corpus_version.major == *major {
            true => corpus_version.to_string(),
            false => format!("{major}.0.0"),
        };
        metadata["version"] = version.into();
        let folder = dir.path().join("src").join(id);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("devcontainer-feature.json"), serde_json::to_string_pretty(&metadata).unwrap())
            .unwrap();
        std::fs::copy(&script, folder.join("install.sh")).unwrap();
    }
    dir
}

/// The template at `dir` rendered with its defaults, its `image` as the template names it.
pub(crate) fn rendered(dir: &Path) -> Value {
    let template = Template::load(&TemplateRef::Local(dir.to_path_buf())).unwrap();
    let values = options::resolve(&template, &Map::new()).unwrap();
    let files = render::render(&template, &values, &[]).unwrap();
    let file = files.iter().find(|f| f.path == "devcontainer.json").expect("a rendered devcontainer.json");
    containai::config::jsonc::parse(dir, std::str::from_utf8(&file.bytes).unwrap()).unwrap()
}

/// The template at `dir` rendered with its defaults; `image` replaced by the local base.
fn render_config(dir: &Path) -> Value {
    let mut config = rendered(dir);
    config["image"] = BASE.into();
    config
}

/// The ghcr.io features the corpus uses, published to a fresh local registry; `(registry, collection, wanted,
/// uses)`.
#[allow(clippy::type_complexity)]
pub(crate) fn published_features(
    configs: &[(PathBuf, Value)],
) -> (Registry, tempfile::TempDir, BTreeMap<String, u64>, BTreeMap<(String, u64), usize>) {
    // The ghcr.io features the corpus uses, by id and the major versions its configs ask for.
    let mut uses: BTreeMap<(String, u64), usize> = BTreeMap::new();
    let mut options_used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, config) in configs {
        for key in feature_keys(config) {
            if let Some(feature) = ghcr_feature(&key) {
                let set = config["features"][&key].as_object().into_iter().flat_map(|o| o.keys().cloned());
                options_used.entry(feature.0.clone()).or_default().extend(set);
                *uses.entry(feature).or_default() += 1;
            }
        }
    }
    assert!(!uses.is_empty(), "the corpus uses no ghcr.io feature");
    let wanted: BTreeMap<String, u64> = uses.keys().cloned().collect();
    assert_eq!(wanted.len(), uses.len(), "one major per feature in the corpus: {uses:?}");
    let registry = Registry::start();
    let col = fixture_collection(&wanted, &options_used);
    publish(col.path(), &registry.host, "devcontainers/features");
    (registry, col, wanted, uses)
}

#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn corpus_configs_using_mirrored_features_plan() {
    let configs = corpus();
    let (registry, _col, wanted, uses) = published_features(&configs);
    let host = registry.host.clone();
    let home = tempfile::tempdir().unwrap();
    let user_config = home.path().join("containai.json");
    std::fs::write(&user_config, json!({"registryMirrors": {"ghcr.io": host}}).to_string()).unwrap();
    let cache = home.path().join("cache");

    let (mut ran, mut skipped) = (Vec::new(), Vec::new());
    for (dir, raw) in &configs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let keys = feature_keys(raw);
        let published = |k: &String| ghcr_feature(k).is_some_and(|(id, _)| wanted.contains_key(&id));
        if keys.is_empty() || !keys.iter().all(published) {
            continue;
        }
        if raw.get("image").is_none() {
            // Compose and Dockerfile configs: the corpus has no compose file or Dockerfile beside them.
            skipped.push(name);
            continue;
        }
        let ws = crate::support::registry::workspace(&render_config(dir));
        let ws_arg = ws.path().to_str().unwrap();
        let (ok, out, err) = containai(
            &["build", "--plan", "--workspace-folder", ws_arg],
            &[("CONTAINAI_CONFIG", &user_config), ("XDG_CACHE_HOME", &cache), ("HOME", home.path())],
        );
        assert!(ok, "{name}: build --plan failed: {err}");
        let plan: Value = serde_json::from_str(out.trim()).unwrap();
        let layers: BTreeSet<String> =
            plan["layers"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap().to_string()).collect();
        let lock: Value = serde_json::from_str(
            &std::fs::read_to_string(ws.path().join(".devcontainer/devcontainer-lock.json")).unwrap(),
        )
        .unwrap();
        for key in &keys {
            let (id, _) = ghcr_feature(key).unwrap();
            assert!(layers.contains(&format!("feature:{key}")), "{name}: no layer for `{key}`: {layers:?}");
            let resolved = lock["features"][key]["resolved"].as_str().unwrap_or_default();
            assert!(resolved.starts_with(&format!("{PREFIX}{id}@sha256:")), "{name}: {lock}");
        }
        ran.push(name);
    }
    eprintln!(
        "corpus configs planned with mirrored features: {} ({}); skipped (no image): {skipped:?}",
        ran.len(),
        ran.join(", ")
    );
    eprintln!("features published: {wanted:?}; uses: {uses:?}");
    assert!(!ran.is_empty(), "no corpus config used only the published features");
}

/// `docker ARGS`, which must succeed.
fn docker_ok(args: &[&str]) {
    let out = std::process::Command::new("docker").args(args).output().unwrap();
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The test base pushed as `mirrored` (where a mirror serves `image` from), and `image` itself gone from the
/// engine, so that a build must pull it through the mirror.
fn stand_in(image: &str, mirrored: &str) {
    docker_ok(&["tag", BASE, mirrored]);
    docker_ok(&["push", "-q", mirrored]);
    docker_ok(&["rmi", mirrored]);
    let _ = std::process::Command::new("docker").args(["rmi", image]).output();
}

#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn corpus_image_templates_build_through_mirrors_and_five_come_up() {
    let configs = corpus();
    let (registry, _col, wanted, _) = published_features(&configs);
    let host = registry.host.clone();
    // Every image-based template whose features are all published, with the image it names (rendered).
    let mut chosen: Vec<(String, Value)> = Vec::new();
    for (dir, raw) in &configs {
        let published = |k: &String| ghcr_feature(k).is_some_and(|(id, _)| wanted.contains_key(&id));
        if raw.get("image").is_some() && feature_keys(raw).iter().all(published) {
            chosen.push((dir.file_name().unwrap().to_string_lossy().to_string(), rendered(dir)));
        }
    }
    // The images live on mcr.microsoft.com: the registry stands in for it (the test base under each name).
    let images: BTreeSet<String> = chosen.iter().map(|(_, c)| c["image"].as_str().unwrap().to_string()).collect();
    let mcr: Vec<&String> = images.iter().filter(|i| i.starts_with("mcr.microsoft.com/")).collect();
    assert!(mcr.len() >= 5, "the corpus names mcr.microsoft.com images: {images:?}");
    for image in &mcr {
        stand_in(image, &format!("{host}/mcr/{}", image.trim_start_matches("mcr.microsoft.com/")));
    }
    let home = tempfile::tempdir().unwrap();
    let user_config = home.path().join("containai.json");
    let mirrors = json!({"registryMirrors": {"ghcr.io": host, "mcr.microsoft.com": format!("{host}/mcr")}});
    std::fs::write(&user_config, mirrors.to_string()).unwrap();
    let envs = [
        ("CONTAINAI_CONFIG", user_config.as_path()),
        ("XDG_CACHE_HOME", &home.path().join("cache")),
        ("XDG_CONFIG_HOME", &home.path().join("config")),
        ("HOME", home.path()),
    ];
    let (mut built, mut up, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    let mut workspaces = Vec::new();
    for (name, config) in chosen.iter().filter(|(_, c)| c["image"].as_str().is_some_and(|i| i.starts_with("mcr."))) {
        let ws = crate::support::registry::workspace(config);
        let ws_arg = ws.path().to_str().unwrap().to_string();
        let (ok, _, err) = containai(&["build", "--allow-insecure-runtime", "--workspace-folder", &ws_arg], &envs);
        assert!(ok, "{name}: build through the mirrors failed: {err}");
        built.push(name.clone());
        if up.len() < 5 {
            let args = ["up", "--allow-insecure-runtime", "--skip-post-create", "--workspace-folder", &ws_arg];
            let (ok, out, err) = containai(&args, &envs);
            // Features that ask for more than the policy's lists (dind's `privileged`, go's
            // `seccomp=unconfined`) are refused before anything is created: said, not an error of the test.
            if !ok && err.contains("refused: the config would reach past the sandbox") {
                refused.push(name.clone());
                workspaces.push(ws);
                continue;
            }
            assert!(ok, "{name}: up failed: {err}");
            let result: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
            assert!(result["ssh"]["port"].as_u64().is_some(), "{name}: not ssh-ready: {result}");
            up.push(name.clone());
        }
        workspaces.push(ws);
    }
    for ws in &workspaces {
        let ws_arg = ws.path().to_str().unwrap();
        let _ = containai(&["down", "--remove", "--workspace-folder", ws_arg], &envs);
    }
    for image in &mcr {
        let _ = std::process::Command::new("docker").args(["rmi", image.as_str()]).output();
    }
    eprintln!(
        "corpus image templates built through the mirrors: {} ({}); up to ssh-ready: {up:?}",
        built.len(),
        built.join(", ")
    );
    assert!(up.len() == 5, "five templates came up: {up:?}");
}

/// Stand-ins for the files the corpus leaves out beside a template's devcontainer.json (its Dockerfile, a local
/// feature, a host script), each written for this test in the shape the template's own has: the Dockerfiles
/// start `FROM` the image the template names (an option where the template has one), the feature and the script
/// do what the template's are for.
fn stand_ins(name: &str) -> Vec<(&'static str, &'static str)> {
    const STEP: &str = "RUN echo stand-in > /etc/containai-stand-in\n";
    match name {
        "anaconda" => vec![("Dockerfile", "FROM mcr.microsoft.com/devcontainers/anaconda:1-3\n")],
        "miniconda" => vec![("Dockerfile", "FROM mcr.microsoft.com/devcontainers/miniconda:1-3\n")],
        "cpp" => vec![(
            "Dockerfile",
            "FROM mcr.microsoft.com/devcontainers/cpp:1-${templateOption:imageVariant}\n\
             ARG REINSTALL_CMAKE_VERSION_FROM_SOURCE=\"none\"\nCOPY ./cmake-version.sh /tmp/\n",
        )],
        // The template builds the user's own Dockerfile: here one from a Docker Hub official image.
        "docker-existing-dockerfile" => vec![("Dockerfile", "FROM ubuntu:24.04\n")],
        "kubernetes-helm" => vec![
            ("local-features/copy-kube-config/devcontainer-feature.json", r#"{"id": "copy-kube-config"}"#),
            ("local-features/copy-kube-config/install.sh", "#!/bin/sh\necho copy-kube-config > /etc/copy-kube\n"),
            ("ensure-mount-sources", "mkdir -p \"$HOME/.kube\" \"$HOME/.minikube\"\n"),
        ],
        _ => vec![],
    }
    .into_iter()
    .chain((name == "cpp").then_some(("cmake-version.sh", "#!/bin/sh\n")))
    .chain((name != "kubernetes-helm").then_some(("Dockerfile.step", STEP)))
    .collect()
}

#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn corpus_dockerfile_and_local_feature_templates_build_through_mirrors() {
    let names = ["anaconda", "cpp", "docker-existing-dockerfile", "kubernetes-helm", "miniconda"];
    let configs = corpus();
    let (registry, _col, _, _) = published_features(&configs);
    let host = registry.host.clone();
    let home = tempfile::tempdir().unwrap();
    let mut workspaces = Vec::new();
    // The images the builds start from: the Dockerfiles' `FROM`s, kubernetes-helm's `image`.
    let mut from_images = BTreeSet::new();
    for name in names {
        // The template with its stand-ins, rendered with its defaults into a workspace's `.devcontainer/`.
        let template = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(corpus::templates().join(name)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), template.path().join(entry.file_name())).unwrap();
        }
        for (path, text) in stand_ins(name) {
            let (path, text) = match path {
                // The step every stand-in Dockerfile ends with, so each builds something of its own.
                "Dockerfile.step" => {
                    let file = template.path().join("Dockerfile");
                    let mut all = std::fs::read_to_string(&file).unwrap();
                    all.push_str(text);
                    ("Dockerfile", all)
                }
                _ => (path, text.to_string()),
            };
            let file = template.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        let loaded = Template::load(&TemplateRef::Local(template.path().to_path_buf())).unwrap();
        let values = options::resolve(&loaded, &Map::new()).unwrap();
        let ws = tempfile::tempdir().unwrap();
        for file in render::render(&loaded, &values, &[]).unwrap() {
            if file.path.starts_with("devcontainer-template") {
                continue;
            }
            let target = ws.path().join(".devcontainer").join(&file.path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, &file.bytes).unwrap();
            let text = std::str::from_utf8(&file.bytes).unwrap();
            if file.path == "Dockerfile" {
                from_images.extend(containai::context::from_images::from_images(text, &BTreeMap::new(), None));
            }
            if file.path == "devcontainer.json" {
                let config = containai::config::jsonc::parse(&target, text).unwrap();
                from_images.extend(config["image"].as_str().map(String::from));
            }
        }
        workspaces.push((name, ws));
    }
    // The registry stands in for mcr.microsoft.com and Docker Hub: the test base under each `FROM` image's path.
    let mirrored = |image: &str| match image.strip_prefix("mcr.microsoft.com/") {
        Some(path) => format!("{host}/mcr/{path}"),
        None => format!("{host}/hub/library/{image}"),
    };
    assert_eq!(from_images.len(), 5, "one base image per template: {from_images:?}");
    for image in &from_images {
        stand_in(image, &mirrored(image));
    }
    let user_config = home.path().join("containai.json");
    let mirrors = json!({"registryMirrors": {
        "ghcr.io": host, "mcr.microsoft.com": format!("{host}/mcr"), "docker.io": format!("{host}/hub")
    }});
    std::fs::write(&user_config, mirrors.to_string()).unwrap();
    let envs = [
        ("CONTAINAI_CONFIG", user_config.as_path()),
        ("XDG_CACHE_HOME", &home.path().join("cache")),
        ("XDG_CONFIG_HOME", &home.path().join("config")),
        ("HOME", home.path()),
    ];
    let mut built = Vec::new();
    for (name, ws) in &workspaces {
        let ws_arg = ws.path().to_str().unwrap();
        // kubernetes-helm's initializeCommand runs a workspace script on the host: trusted first, as a user would.
        let (ok, _, err) = containai(&["trust", "--workspace-folder", ws_arg], &envs);
        assert!(ok, "{name}: trust failed: {err}");
        let (ok, out, err) = containai(&["build", "--plan", "--workspace-folder", ws_arg], &envs);
        assert!(ok, "{name}: build --plan failed: {err}");
        let plan: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(plan["layers"][0]["name"], "base", "{name}: {plan}");
        let (ok, out, err) = containai(&["build", "--allow-insecure-runtime", "--workspace-folder", ws_arg], &envs);
        assert!(ok, "{name}: build through the mirrors failed: {err}");
        let result: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
        assert!(result["imageId"].as_str().is_some_and(|id| id.starts_with("sha256:")), "{name}: {result}");
        built.push(*name);
    }
    // A Dockerfile template comes up to ssh-ready, and kubernetes-helm's mounts of `~/.kube` and `~/.minikube`
    // (credentials) are refused by the policy, named, with nothing created.
    let (_, cpp) = workspaces.iter().find(|(n, _)| *n == "cpp").unwrap();
    let cpp_arg = cpp.path().to_str().unwrap();
    let args = ["up", "--allow-insecure-runtime", "--skip-post-create", "--workspace-folder", cpp_arg];
    let (ok, out, err) = containai(&args, &envs);
    assert!(ok, "cpp: up failed: {err}");
    let result: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert!(result["ssh"]["port"].as_u64().is_some(), "cpp: not ssh-ready: {result}");
    let _ = containai(&["down", "--remove", "--workspace-folder", cpp_arg], &envs);
    let (_, helm) = workspaces.iter().find(|(n, _)| *n == "kubernetes-helm").unwrap();
    let helm_arg = helm.path().to_str().unwrap();
    let (ok, _, err) = containai(&["up", "--allow-insecure-runtime", "--workspace-folder", helm_arg], &envs);
    assert!(!ok && err.contains(".kube"), "kubernetes-helm: the `~/.kube` mount is not refused: {err}");
    for image in &from_images {
        let _ = std::process::Command::new("docker").args(["rmi", image.as_str()]).output();
    }
    eprintln!("corpus Dockerfile and local-feature templates built through the mirrors: {built:?}");
}
