//! Engine-backed: `containai build` (and `--plan`) over temporary workspaces → real layers in the engine, cached
//! on the second run, rebuilt from the changed feature on; the user layer's UID update run for real.

use crate::support::{BASE_IMAGE, engine, unique};
use containai::config::{self, LoadOptions};
use containai::engine::ImageEngine;
use containai::features;
use containai::image::{BuildOptions, execute};
use containai::plan::{self, HostUser, cache_tag};
use containai::report::Silent;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

/// A workspace with an image config and a local feature `./marker` whose install.sh writes a unique marker.
fn workspace(image: &str, marker: &str, extra: Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dc = dir.path().join(".devcontainer");
    std::fs::create_dir_all(dc.join("marker")).unwrap();
    let mut config = json!({ "image": image, "features": { "./marker": { "word": "one" } } });
    config.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    std::fs::write(dc.join("devcontainer.json"), config.to_string()).unwrap();
    let feature = json!({"id": "marker", "version": "1.0.0", "options": {"word": {"type": "string", "default": "x"}},
                         "containerEnv": {"MARKER": marker}});
    std::fs::write(dc.join("marker/devcontainer-feature.json"), feature.to_string()).unwrap();
    let script = format!("#!/bin/sh\nset -e\necho \"{marker} $WORD\" > /etc/containai-marker\n");
    std::fs::write(dc.join("marker/install.sh"), script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dc.join("marker/install.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn containai(args: &[&str], workspace: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_containai")).args(args).arg("--workspace-folder").arg(workspace).output().unwrap()
}

fn stdout_json(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "containai failed:\n{stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stderr}"))
}

fn sources(out: &Value) -> Vec<(String, String)> {
    let layers = out["layers"].as_array().unwrap();
    layers.iter().map(|l| (l["name"].as_str().unwrap().into(), l["source"].as_str().unwrap().into())).collect()
}

/// Runs `script` in `image` with `sh` as the entrypoint; its stdout.
fn run_sh(image: &str, script: &str) -> String {
    let out = Command::new("docker")
        .args(["run", "--rm", "--name", &unique("containai-plantest"), "--entrypoint", "sh", image, "-c", script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Removes the references this test made (its own feature and user layers, its image name).
async fn remove(references: &[String]) {
    let docker = engine().await;
    for r in references {
        let _ = docker.remove_image(r, false).await;
    }
}

#[tokio::test]
async fn plan_flag_prints_the_plan_and_builds_nothing() {
    engine().await;
    let marker = unique("marker");
    let ws = workspace(BASE_IMAGE, &marker, json!({}));
    let first = stdout_json(&containai(&["build", "--plan"], ws.path()));
    let again = stdout_json(&containai(&["build", "--plan"], ws.path()));
    assert_eq!(first, again, "an unchanged workspace plans the same");
    assert_eq!(first["features"], json!(["./marker"]));
    let names: Vec<_> = first["layers"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["base", "system", "feature:./marker", "user"]);
    let docker = engine().await;
    for layer in &first["layers"].as_array().unwrap()[2..] {
        let tag = cache_tag(layer["key"].as_str().unwrap());
        assert_eq!(docker.inspect_image(&tag).await.unwrap(), None, "`--plan` built `{tag}`");
    }
}

#[tokio::test]
async fn a_base_image_that_cannot_be_pulled_is_a_clear_error() {
    // Docker Hub has no such image (and cannot be reached from the test machine): the pull fails either way.
    let image = format!("containai-test/{}:absent", unique("nothere"));
    let ws = workspace(&image, "m", json!({}));
    let out = containai(&["build", "--plan"], ws.path());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("cannot pull `{image}`: ")), "{stderr}");
    assert!(stderr.contains("hint: check that `docker.io` answers"), "{stderr}");
}

#[tokio::test]
async fn builds_caches_and_rebuilds_only_from_the_changed_feature() {
    engine().await;
    let marker = unique("marker");
    let name = format!("containai-plantest/{}:latest", unique("image"));
    // A hook with quotes, a backslash, `$` and a newline: the label must reach the image byte for byte.
    let hook = "echo \"a\\b\" $HOME ${PATH}\nsecond line";
    let ws = workspace(BASE_IMAGE, &marker, json!({ "remoteUser": "planner", "postCreateCommand": hook }));
    let built = stdout_json(&containai(&["build", "--image-name", &name], ws.path()));
    assert_eq!(built["outcome"], "success");
    assert_eq!(built["imageName"], json!([name]));
    let s = sources(&built);
    assert_eq!(s[2..], [("feature:./marker".into(), "built".into()), ("user".into(), "built".into())]);

    let cached = stdout_json(&containai(&["build"], ws.path()));
    assert_eq!(cached["layersBuilt"], 0);
    assert_eq!(cached["imageKey"], built["imageKey"]);
    assert!(sources(&cached).iter().all(|(_, source)| source == "cached"), "{cached}");

    let config = ws.path().join(".devcontainer/devcontainer.json");
    let text = std::fs::read_to_string(&config).unwrap().replace("\"one\"", "\"two\"");
    std::fs::write(&config, text).unwrap();
    let changed = stdout_json(&containai(&["build"], ws.path()));
    assert_eq!(changed["layersBuilt"], 2, "{changed}");
    assert_eq!(changed["layers"][1]["key"], built["layers"][1]["key"], "the system layer is untouched");
    let changed_image = cache_tag(changed["imageKey"].as_str().unwrap());

    let seen = run_sh(
        &name,
        "cat /etc/containai-marker; echo $MARKER; id -un planner; \
        test -L /etc/systemd/system/systemd-udevd.service && echo masked; \
        cat /etc/systemd/journald.conf.d/containai.conf; sudo -n -u planner sudo -n true && echo sudo",
    );
    assert_eq!(seen, format!("{marker} one\n{marker}\nplanner\nmasked\n[Journal]\nReadKMsg=no\nsudo\n"));
    assert_eq!(run_sh(&changed_image, "cat /etc/containai-marker"), format!("{marker} two\n"));
    let inspect = Command::new("docker")
        .args([
            "image",
            "inspect",
            &name,
            "--format",
            "{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.StopSignal}}",
        ])
        .output()
        .unwrap();
    // No `CMD`: setting `ENTRYPOINT` cleared the base's, so PID 1 is `/sbin/init` with no arguments.
    assert_eq!(String::from_utf8_lossy(&inspect.stdout), "[\"/sbin/init\"] null SIGRTMIN+3\n");
    let info = engine().await.inspect_image(&name).await.unwrap().unwrap();
    let label: Value = serde_json::from_str(&info.labels["devcontainer.metadata"]).unwrap();
    assert_eq!(
        label,
        json!([{"id": "./marker", "containerEnv": {"MARKER": marker}},
                             {"postCreateCommand": hook, "remoteUser": "planner"}])
    );

    let mut mine = vec![name];
    for out in [&built, &changed] {
        mine.extend(out["layers"].as_array().unwrap()[2..].iter().map(|l| cache_tag(l["key"].as_str().unwrap())));
    }
    remove(&mine).await;
}

#[tokio::test]
async fn the_user_layer_moves_the_remote_user_to_the_host_uid() {
    let docker = engine().await;
    let marker = unique("marker");
    let ws = workspace(BASE_IMAGE, &marker, json!({ "remoteUser": "mover" }));
    let loaded = config::load(&LoadOptions { workspace_folder: ws.path().into(), config_file: None }).unwrap();
    let features = features::resolve(&loaded).unwrap();
    let base = plan::base::resolve(&loaded, &docker, false).await.unwrap();
    let host = HostUser { uid: 4321, gid: 4322 };
    let plan = plan::plan(&loaded, &features, &base, &host, &Silent).unwrap();
    let outcome = execute(&plan, &docker, &Silent, &BuildOptions::default()).await.unwrap();
    let image = cache_tag(&outcome.image_key);
    let seen = run_sh(&image, "id -u mover; id -g mover; stat -c %u:%g /home/mover");
    assert_eq!(seen, "4321\n4322\n4321:4322\n");
    let mine: Vec<String> = plan.layers[2..].iter().map(|l| cache_tag(&l.key)).collect();
    remove(&mine).await;
}

#[tokio::test]
async fn a_base_without_apt_fails_in_the_system_layer_naming_what_is_missing() {
    use crate::support::tar_of;
    use containai::engine::{BuildContextBody, BuildRequest};
    let docker = engine().await;
    let image = format!("containai-plantest/{}:noapt", unique("noapt"));
    let dockerfile = format!("FROM {BASE_IMAGE}\nRUN rm -f /usr/bin/apt-get /usr/bin/dpkg-query\n");
    let request = BuildRequest {
        context: BuildContextBody::Tar(tar_of(&[("Dockerfile", 0o644, &dockerfile)])),
        dockerfile: "Dockerfile".into(),
        tags: vec![image.clone()],
        labels: Default::default(),
        build_args: Default::default(),
        target: None,
        no_cache: false,
        registry_auth: Default::default(),
    };
    docker.build_image(request, &|_| {}).await.unwrap();
    let ws = workspace(&image, &unique("m"), json!({}));
    let planned = stdout_json(&containai(&["build", "--plan"], ws.path()));
    let out = containai(&["build"], ws.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("layer `system` failed to build"), "{stderr}");
    assert!(
        stderr.contains(
            "the base image lacks systemd systemd-sysv dbus iproute2 sudo ca-certificates procps and has no `apt-get`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("hint: containai supports Debian and Ubuntu bases"), "{stderr}");
    remove(&[cache_tag(planned["layers"][0]["key"].as_str().unwrap()), image]).await;
}

#[tokio::test]
async fn a_dockerfile_config_is_the_base_layer_keyed_by_its_filtered_context() {
    engine().await;
    // The first build's content is fixed, so its layers are the shared cache of every run of this test (the
    // system layer installs systemd); the changed build is unique to this run and removed after.
    let marker = "containai plan test app".to_string();
    let dir = tempfile::tempdir().unwrap();
    let dc = dir.path().join(".devcontainer");
    std::fs::create_dir_all(&dc).unwrap();
    let config =
        json!({"build": {"dockerfile": "Dockerfile", "context": "..", "args": {"GREETING": &marker}, "target": "dev"}});
    std::fs::write(dc.join("devcontainer.json"), config.to_string()).unwrap();
    let dockerfile = format!(
        "FROM {BASE_IMAGE} AS dev\nARG GREETING\nRUN echo \"$GREETING\" > /etc/greeting\nCOPY app.txt /opt/app.txt\n\
         LABEL devcontainer.metadata=\"[{{\\\"remoteUser\\\":\\\"fromlabel\\\"}}]\"\n\
         FROM dev AS other\nRUN false\n"
    );
    std::fs::write(dc.join("Dockerfile"), dockerfile).unwrap();
    std::fs::write(dir.path().join("app.txt"), &marker).unwrap();
    std::fs::write(dir.path().join("ignored.txt"), "1").unwrap();
    std::fs::write(dir.path().join(".dockerignore"), "ignored.txt\n").unwrap();

    let built = stdout_json(&containai(&["build"], dir.path()));
    let names: Vec<_> = built["layers"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["base", "system", "user"]);
    let image = cache_tag(built["imageKey"].as_str().unwrap());
    assert_eq!(
        run_sh(&image, "cat /etc/greeting /opt/app.txt; id -un fromlabel"),
        format!("{marker}\n{marker}fromlabel\n")
    );
    let info = engine().await.inspect_image(&image).await.unwrap().unwrap();
    let label: Value = serde_json::from_str(&info.labels["devcontainer.metadata"]).unwrap();
    assert_eq!(label[0], json!({"remoteUser": "fromlabel"}), "the Dockerfile's own label comes first: {label}");

    std::fs::write(dir.path().join("ignored.txt"), "2").unwrap();
    let ignored = stdout_json(&containai(&["build"], dir.path()));
    assert_eq!(ignored["layersBuilt"], 0, "a change to an ignored file rebuilds nothing: {ignored}");

    let unique_app = unique("app");
    std::fs::write(dir.path().join("app.txt"), &unique_app).unwrap();
    let out = containai(&["build"], dir.path());
    let changed = stdout_json(&out);
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(changed["layersBuilt"], 3, "a context change rebuilds from the base: {changed}\n{log}");
    let image = cache_tag(changed["imageKey"].as_str().unwrap());
    assert_eq!(run_sh(&image, "cat /opt/app.txt"), unique_app);

    let layers = changed["layers"].as_array().unwrap();
    remove(&layers.iter().map(|l| cache_tag(l["key"].as_str().unwrap())).collect::<Vec<_>>()).await;
}
