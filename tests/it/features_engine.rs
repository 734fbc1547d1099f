//! The built-in features' install.sh → a real image on the local engine (needs a Docker engine; fails when
//! none answers): sshd and dockerd install on `containai-test/base:bookworm`, no host keys are baked in,
//! units are enabled, and under systemd both services come up and sshd makes its host keys at first boot;
//! apt-packages refuses words that are not package names.

use crate::support::docker_cli::{Docker, SSHD_IMAGE_CHECKS};
use crate::support::unique;
use containai::features::{FeatureUsers, LocalRoots, ResolvedFeature, resolve_features};
use indexmap::IndexMap;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Writes the features into a build context with a Dockerfile that installs systemd, a `dev` user, and then
/// runs each install.sh with its environment, as the plan will.
fn write_context(dir: &Path, features: &[ResolvedFeature]) {
    let mut dockerfile = String::from(
        "FROM containai-test/base:bookworm\n\
         RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
         systemd systemd-sysv dbus && rm -rf /var/lib/apt/lists/* && useradd -m -s /bin/sh dev\n",
    );
    for (index, feature) in features.iter().enumerate() {
        let folder = format!("{index}-{}", feature.id());
        for file in &feature.files {
            let path = dir.join(&folder).join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.bytes).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(file.mode)).unwrap();
        }
        let env: String = feature.env.iter().map(|(k, v)| format!("{k}='{}'\n", v.replace('\'', "'\\''"))).collect();
        std::fs::write(dir.join(&folder).join("devcontainer-features.env"), env).unwrap();
        dockerfile.push_str(&format!(
            "COPY {folder}/ /tmp/containai-features/{folder}/\n\
             RUN cd /tmp/containai-features/{folder} && set -a && . ./devcontainer-features.env && set +a \
             && ./install.sh && rm -rf /tmp/containai-features/{folder}\n"
        ));
    }
    std::fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
}

fn builtins() -> Vec<ResolvedFeature> {
    let features: IndexMap<String, serde_json::Value> =
        IndexMap::from([("containai/sshd".to_string(), json!({})), ("containai/dockerd".to_string(), json!({}))]);
    let users = FeatureUsers::new(Some("dev"), None);
    let roots = LocalRoots { config_dir: Path::new("/nonexistent"), workspace: Path::new("/nonexistent") };
    resolve_features(&features, &[], roots, &users).unwrap()
}

#[test]
fn builtins_install_and_boot_under_systemd() {
    let docker = Docker::connect();
    let context = tempfile::tempdir().unwrap();
    write_context(context.path(), &builtins());
    let image = docker.build(context.path(), &format!("containai-test/features-engine:{}", unique("t")));

    // Static checks inside the image (no systemd running).
    let checks = SSHD_IMAGE_CHECKS.to_string()
        + r#"
        /usr/sbin/sshd -T -h /tmp/probe_key -C user=dev,host=h,addr=127.0.0.1 > /tmp/effective
        for line in 'passwordauthentication no' 'kbdinteractiveauthentication no' \
                    'permitrootlogin (prohibit-password|without-password)' 'allowtcpforwarding yes'; do
            grep -Eqx "$line" /tmp/effective || { echo "sshd config lacks: $line"; exit 1; }
        done
        echo "ssh=$(systemctl is-enabled ssh)"
        echo "docker=$(systemctl is-enabled docker)"
        echo "containerd=$(systemctl is-enabled containerd)"
        for tool in dockerd docker containerd docker-compose; do command -v "$tool"; done
        echo "groups=$(id -nG dev)"
        grep -q '"data-root": "/var/lib/docker"' /etc/docker/daemon.json && echo data-root-ok
    "#;
    let out = docker.run_sh(&image, &checks);
    for expected in [
        "ssh=enabled",
        "docker=enabled",
        "containerd=enabled",
        "/usr/sbin/dockerd",
        "/usr/bin/docker",
        "/usr/bin/containerd",
        "/usr/bin/docker-compose",
        "data-root-ok",
    ] {
        assert!(out.lines().any(|l| l == expected), "`{expected}` missing in:\n{out}");
    }
    let groups = out.lines().find_map(|l| l.strip_prefix("groups=")).unwrap();
    assert!(groups.split(' ').any(|g| g == "docker"), "dev is not in docker: {groups}");

    // Boot: systemd starts ssh (making host keys first) and docker.
    let container = docker.boot(&image);
    let status = docker.wait_for(
        &container,
        "systemctl is-active ssh docker containerd && ls /etc/ssh/ssh_host_ed25519_key \
         && docker info --format '{{.DockerRootDir}}'",
        std::time::Duration::from_secs(90),
    );
    assert!(status.contains("/var/lib/docker"), "{status}");
}

#[test]
fn a_base_without_apt_is_refused_by_name() {
    let docker = Docker::connect();
    for feature in builtins() {
        let context = tempfile::tempdir().unwrap();
        for file in &feature.files {
            std::fs::write(context.path().join(&file.path), &file.bytes).unwrap();
        }
        let (code, output) = docker.run_mounted(
            "containai-test/base:bookworm",
            context.path(),
            "rm -f /usr/bin/apt-get && sh /feature/install.sh",
        );
        assert_ne!(code, 0, "{}: install.sh succeeded without apt-get", feature.id());
        assert!(output.contains(&format!("containai/{}:", feature.id())), "{output}");
        assert!(output.contains("`apt-get`") && output.contains("Debian, Ubuntu"), "{output}");
    }
}

/// `containai/apt-packages` checks its list before apt-get sees it; the install itself is exercised by
/// tests/it/templates_engine.rs (the agent-sandbox image with `jq`).
#[test]
fn apt_packages_refuses_non_package_words_and_needs_apt_only_for_a_list() {
    let docker = Docker::connect();
    let context = tempfile::tempdir().unwrap();
    let script = containai::assets::FEATURES.get_file("apt-packages/install.sh").expect("features/apt-packages");
    std::fs::write(context.path().join("install.sh"), script.contents()).unwrap();
    let run = |script: &str| docker.run_mounted("containai-test/base:bookworm", context.path(), script);

    for word in ["-oops", "jq;id", "$(id)"] {
        let (code, output) = run(&format!("PACKAGES='jq {word}' sh /feature/install.sh"));
        assert_eq!(code, 1, "`{word}` accepted: {output}");
        assert!(output.contains(&format!("containai/apt-packages: `{word}` is not a package name")), "{output}");
    }
    let (code, output) = run("rm -f /usr/bin/apt-get && PACKAGES=' ' sh /feature/install.sh");
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("containai/apt-packages: no extra packages"), "{output}");
    let (code, output) = run("rm -f /usr/bin/apt-get && PACKAGES='jq' sh /feature/install.sh");
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("containai/apt-packages: this base image has no `apt-get`"), "{output}");
}
