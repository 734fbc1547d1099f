//! Base images pulled by containai from a real registry (Debian's `docker-registry` standing in for
//! mcr.microsoft.com): an `image` config through a mirror, then present under its own name and not pulled again;
//! `--offline`, which pulls nothing and names the image; a Dockerfile's `FROM` on a registry that wants a login,
//! pulled with a credential helper's answer that no output shows.

use crate::support::registry::{Registry, credential_helper};
use crate::support::sandbox::{Home, json};
use crate::support::token_registry::TokenRegistry;
use crate::support::{BASE_IMAGE, docker, docker_output, tar_of, text, token};
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const MCR_IMAGE: &str = "mcr.microsoft.com/devcontainers/base:bookworm";
/// The test base with the system layer's packages (so that the builds here run no apt), made by the engine's
/// build cache once per machine.
const SYSTEMD_BASE: &str = "containai-test/pull-systemd:bookworm";
const TINY_IMAGE: &str = "containai-test/pull-tiny:1";
const USER: &str = "puller";
const PASSWORD: &str = "pw-8d2e41-never-printed";

fn ok(out: Output, what: &str) -> Output {
    assert!(out.status.success(), "{what} failed:\n{}", text(&out));
    out
}

fn systemd_base() -> &'static str {
    static MADE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let dockerfile = format!(
            "FROM {BASE_IMAGE}\nRUN apt-get update -o Acquire::Languages=none && DEBIAN_FRONTEND=noninteractive \
             apt-get install -y --no-install-recommends systemd systemd-sysv dbus iproute2 sudo ca-certificates \
             procps && rm -rf /var/lib/apt/lists/*\n"
        );
        docker_build(SYSTEMD_BASE, dockerfile.as_bytes());
    });
    SYSTEMD_BASE
}

/// A one-file image (quick to push and pull) for the tests that only plan: made once per run.
fn tiny_image() -> &'static str {
    static MADE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let files = [("Dockerfile", 0o644, "FROM scratch\nCOPY marker /marker\n"), ("marker", 0o644, "tiny\n")];
        docker_build(TINY_IMAGE, &tar_of(&files));
    });
    TINY_IMAGE
}

/// `docker build -t TAG -` (classic builder) with `input` (a Dockerfile, or a tar of the context) on stdin.
fn docker_build(tag: &str, input: &[u8]) {
    let mut child = Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "-t", tag, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input).unwrap();
    ok(child.wait_with_output().unwrap(), &format!("docker build of `{tag}`"));
}

/// Pushes `image` as `target` with the docker CLI (logged in through `docker_config` when given), leaving no
/// local `target`.
fn push_as(image: &str, target: &str, docker_config: Option<&Path>) {
    ok(docker_output(&["tag", image, target]), "docker tag");
    let mut push = Command::new("docker");
    if let Some(dir) = docker_config {
        push.env("DOCKER_CONFIG", dir);
    }
    ok(push.args(["push", target]).output().unwrap(), "docker push");
    ok(docker_output(&["rmi", target]), "docker rmi");
}

fn image_id(reference: &str) -> String {
    docker(&["image", "inspect", "--format", "{{.Id}}", reference])
}

/// containai's user config in `home`, mirroring `registry` at `target`.
fn mirror(home: &Home, registry: &str, target: &str) {
    let dir = home.path().join(".config/containai");
    std::fs::create_dir_all(&dir).unwrap();
    let config = json!({"registryMirrors": {registry: target}});
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_image_config_is_pulled_through_the_mirror_once_and_kept_under_its_own_name() {
    let mut registry = Registry::start();
    let source = format!("{}/mcr/devcontainers/base:bookworm", registry.host);
    push_as(systemd_base(), &source, None);
    docker(&["rmi", MCR_IMAGE]);
    assert_eq!(image_id(MCR_IMAGE), "", "`{MCR_IMAGE}` is still here");
    let home = Home::new();
    mirror(&home, "mcr.microsoft.com", &format!("{}/mcr", registry.host));
    let ws = home.workspace("ws", &json!({"image": MCR_IMAGE}));

    let first = ok(home.run("build", Some(&ws), &[]), "the first build");
    let log = stderr(&first);
    let pulling: Vec<&str> = log.lines().filter(|l| l.contains("pull")).collect();
    assert_eq!(pulling.len(), 2, "one line as the pull starts, one as it ends, none per layer:\n{log}");
    assert!(pulling[0].starts_with(&format!("info: pulling `{MCR_IMAGE}` through `{source}` for linux/")), "{log}");
    assert!(pulling[1].starts_with(&format!("info: pulled `{MCR_IMAGE}` through `{source}` (")), "{log}");
    assert_eq!(image_id(MCR_IMAGE), image_id(SYSTEMD_BASE), "present under its own name");
    assert_eq!(image_id(&source), "", "the mirror's name is not left behind");

    // The registry gone: the second build needs nothing from it.
    registry.stop();
    let second = ok(home.run("build", Some(&ws), &[]), "the second build");
    assert!(!stderr(&second).contains("pull"), "{}", stderr(&second));
    let (first, second) = (json(&first), json(&second));
    assert_eq!((&second["imageKey"], &second["layersBuilt"]), (&first["imageKey"], &json!(0)), "{second}");
    docker(&["rmi", MCR_IMAGE]);
}

#[test]
fn offline_pulls_nothing_and_names_the_missing_image() {
    let registry = Registry::start();
    let path = format!("containai-test/{}:1", token("offline"));
    let (name, source) = (format!("mcr.microsoft.com/{path}"), format!("{}/mcr/{path}", registry.host));
    push_as(tiny_image(), &source, None);
    let home = Home::new();
    mirror(&home, "mcr.microsoft.com", &format!("{}/mcr", registry.host));
    let ws = home.workspace("ws", &json!({"image": name}));
    for args in [&["--offline"][..], &["--plan", "--offline"]] {
        let out = home.run("build", Some(&ws), args);
        let log = stderr(&out);
        assert!(!out.status.success(), "{args:?}: {}", text(&out));
        assert!(log.contains(&format!("the image `{name}` is not in the engine, and `--offline`")), "{log}");
        assert!(log.contains("hint: ") && !log.contains("pulling"), "{log}");
        assert_eq!(image_id(&name), "", "{args:?} pulled it");
    }
    // It was there to pull: `build --plan` (which needs the image's id) pulls it.
    let plan = ok(home.run("build", Some(&ws), &["--plan"]), "build --plan");
    assert!(stderr(&plan).contains(&format!("pulled `{name}`")), "{}", stderr(&plan));
    assert_eq!(image_id(&name), image_id(TINY_IMAGE));
    docker(&["rmi", &name]);
}

#[test]
fn a_dockerfile_from_on_a_registry_with_a_login_is_pulled_with_the_credential_helpers_answer() {
    let registry = Registry::start_with_login(USER, PASSWORD);
    let host = registry.host.clone();
    let image = format!("{host}/private/base:{}", token("t"));
    let pusher = tempfile::tempdir().unwrap();
    let auth = data_encoding::BASE64.encode(format!("{USER}:{PASSWORD}").as_bytes());
    std::fs::write(pusher.path().join("config.json"), json!({"auths": {&host: {"auth": auth}}}).to_string()).unwrap();
    push_as(systemd_base(), &image, Some(pusher.path()));

    let home = Home::new();
    let ws = home.workspace("ws", &json!({"build": {"dockerfile": "Dockerfile"}}));
    let marker = token("from-private");
    std::fs::write(ws.join(".devcontainer/Dockerfile"), format!("FROM {image}\nRUN echo {marker} > /etc/marker\n"))
        .unwrap();

    // No login: the registry refuses, and the error says how to log in.
    let empty = tempfile::tempdir().unwrap();
    let refused = home.command("build", Some(&ws), &[]).env("DOCKER_CONFIG", empty.path()).output().unwrap();
    let log = stderr(&refused);
    assert!(!refused.status.success(), "{log}");
    assert!(
        log.contains(&format!("cannot pull `{image}`")) && log.contains(&format!("`docker login {host}`")),
        "{log}"
    );

    let helper = tempfile::tempdir().unwrap();
    credential_helper(helper.path(), &host, USER, PASSWORD);
    let path = format!("{}:{}", helper.path().join("bin").display(), std::env::var("PATH").unwrap());
    let mut build = home.command("build", Some(&ws), &[]);
    let built = build.env("DOCKER_CONFIG", helper.path()).env("PATH", path).output().unwrap();
    let built = ok(built, "the build with the helper's login");
    assert!(stderr(&built).contains(&format!("info: pulled `{image}` (")), "{}", stderr(&built));
    let asked = std::fs::read_to_string(helper.path().join("helper.log")).unwrap();
    assert!(asked.lines().any(|l| l == format!("get {host}")), "the helper was asked: {asked}");
    assert_eq!(image_id(&image), image_id(SYSTEMD_BASE), "the `FROM` image is here under its name");
    let final_image = json(&built)["imageName"][0].as_str().unwrap().to_string();
    let seen = docker(&["run", "--rm", "--entrypoint", "cat", &final_image, "/etc/marker"]);
    assert_eq!(seen, marker);
    for out in [&refused, &built] {
        assert!(!text(out).contains(PASSWORD), "the password appeared in the output");
    }
    docker(&["rmi", &image]);
}

#[test]
fn a_registry_answering_with_bearer_challenges_is_pulled_from_with_a_token_for_the_users_login() {
    let tokens = TokenRegistry::start(USER, PASSWORD);
    let path = format!("o/base:{}", token("bearer"));
    // Pushed to the registry itself; pulled through the token proxy, as from ghcr.io.
    push_as(tiny_image(), &format!("{}/{path}", tokens.registry.host), None);
    let (name, source) = (format!("ghcr.io/{path}"), format!("{}/{path}", tokens.host));
    let home = Home::new();
    mirror(&home, "ghcr.io", &tokens.host);
    let ws = home.workspace("ws", &json!({"image": name}));

    let empty = tempfile::tempdir().unwrap();
    let refused = home.command("build", Some(&ws), &["--plan"]).env("DOCKER_CONFIG", empty.path()).output().unwrap();
    assert!(!refused.status.success(), "{}", text(&refused));
    assert!(stderr(&refused).contains(&format!("cannot pull `{name}` through `{source}`")), "{}", stderr(&refused));
    assert_eq!(tokens.tokens_issued.load(std::sync::atomic::Ordering::SeqCst), 0);

    let helper = tempfile::tempdir().unwrap();
    credential_helper(helper.path(), &tokens.host, USER, PASSWORD);
    let path = format!("{}:{}", helper.path().join("bin").display(), std::env::var("PATH").unwrap());
    let mut plan = home.command("build", Some(&ws), &["--plan"]);
    let planned = ok(plan.env("DOCKER_CONFIG", helper.path()).env("PATH", path).output().unwrap(), "build --plan");
    assert!(stderr(&planned).contains(&format!("pulled `{name}` through `{source}`")), "{}", stderr(&planned));
    assert!(tokens.tokens_issued.load(std::sync::atomic::Ordering::SeqCst) >= 1, "no token was asked for");
    assert_eq!(image_id(&name), image_id(TINY_IMAGE));
    for out in [&refused, &planned] {
        assert!(!text(out).contains(PASSWORD), "the password appeared in the output");
    }
    docker(&["rmi", &name]);
}
