//! Egress against the real engine (runc in the explicit insecure mode): "outside" HTTP(S) servers on their own
//! network as `allowed.test` and `denied.test`, a workspace whose repository widens the allowlist (refused
//! until trusted) and whose proxy joins that network. From inside the sandbox: the allowed name answers through
//! the proxy (HTTP, HTTPS by CONNECT), the denied one is refused and logged, a direct connection and the
//! metadata address fail, systemd's units get the proxy; with the proxy killed nothing gets out until `up`
//! restores it; `down --remove` leaves no proxy or network.

use crate::support::egress::Outside;
use crate::support::sandbox::{Home, json};
use crate::support::{BASE_IMAGE, docker, text};
use serde_json::{Value, json};
use std::path::Path;

fn config(egress: Value) -> Value {
    json!({
        "image": BASE_IMAGE,
        "features": {"containai/apt-packages": {"packages": "curl"}},
        "customizations": {"containai": {"egress": egress}},
    })
}

/// Runs `script` in the sandbox as root (through `containai exec`): exit code and output.
fn inside(home: &Home, ws: &Path, script: &str) -> (i32, String) {
    let out = home.run("exec", Some(ws), &["--", "sh", "-c", script]);
    (out.status.code().unwrap_or(-1), text(&out))
}

fn up(home: &Home, ws: &Path, extra: &[&str]) -> (Value, std::process::Output) {
    let mut args = vec!["--allow-insecure-runtime"];
    args.extend_from_slice(extra);
    let out = home.run("up", Some(ws), &args);
    (json(&out), out)
}

/// Removes the workspace's containers, proxy and network however the test ends.
struct Cleanup<'a>(&'a Home, &'a Path);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.run("down", Some(self.1), &["--remove"]);
    }
}

#[test]
fn the_sandbox_reaches_only_allowed_names_through_its_proxy_and_the_log_shows_the_rest() {
    let outside = Outside::new(&["allowed.test", "denied.test"]);
    let home = Home::new();
    let ws = home.workspace(&crate::support::unique("egress"), &config(json!(["allowed.test"])));
    let _cleanup = Cleanup(&home, &ws);
    let network_flag = ["--egress-network", outside.network.as_str()];

    // The repository widens the list: a host-affecting setting, refused until the user trusts it.
    let (refused, out) = up(&home, &ws, &network_flag);
    assert!(!out.status.success(), "{}", text(&out));
    let description = refused["description"].as_str().unwrap_or_default();
    assert!(
        description.contains("customizations.containai.egress") && description.contains("`allowed.test`"),
        "{refused}"
    );
    assert!(home.run("trust", Some(&ws), &[]).status.success());

    let started = std::time::Instant::now();
    let (result, out) = up(&home, &ws, &network_flag);
    assert!(out.status.success(), "{}", text(&out));
    eprintln!("egress: up took {:?}", started.elapsed());
    assert_eq!(result["egress"], "allowlist", "{result}");
    let id = result["containerId"].as_str().unwrap();
    let name = docker(&["inspect", "-f", "{{.Name}}", id]).trim_start_matches('/').to_string();
    let proxy = format!("{name}-egress");
    assert_eq!(docker(&["inspect", "-f", "{{.State.Running}}", &proxy]), "true");
    // The sandbox's only network is internal.
    let networks = docker(&["inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", id]);
    let networks: Vec<&str> = networks.split_whitespace().collect();
    assert_eq!(networks.len(), 1, "{networks:?}");
    assert_eq!(docker(&["network", "inspect", "-f", "{{.Internal}}", networks[0]]), "true");

    // Allowed: HTTP and HTTPS (CONNECT) through the proxy from the environment.
    let (code, output) = inside(&home, &ws, "curl -sS -m 20 http://allowed.test/");
    assert!(code == 0 && output.contains("hello from allowed.test"), "{code}: {output}");
    let (code, output) = inside(&home, &ws, "curl -sSk -m 20 https://allowed.test/");
    assert!(code == 0 && output.contains("hello from allowed.test"), "{code}: {output}");

    // Denied by name: 403 for HTTP, CONNECT refused for HTTPS.
    let (code, output) = inside(&home, &ws, "curl -s -o /dev/null -w '%{http_code}' -m 20 http://denied.test/");
    assert!(code == 0 && output.contains("403"), "{code}: {output}");
    let (code, output) = inside(&home, &ws, "curl -sSk -m 20 https://denied.test/");
    assert!(code != 0 && !output.contains("hello"), "{code}: {output}");

    // Around the proxy: a raw connection to a server's address, the metadata address, both ways.
    let address = outside.address(1);
    assert!(!address.is_empty());
    let direct = format!("curl -sS --noproxy '*' -m 5 http://{address}/");
    let (code, output) = inside(&home, &ws, &direct);
    assert!(code != 0 && !output.contains("hello"), "direct connection: {code}: {output}");
    let (code, output) =
        inside(&home, &ws, &format!("curl -s -o /dev/null -w '%{{http_code}}' -m 10 http://{address}/"));
    assert!(output.contains("403"), "an address through the proxy: {code}: {output}");
    let (code, output) = inside(&home, &ws, "curl -sS --noproxy '*' -m 5 http://169.254.169.254/");
    assert!(code != 0, "metadata, direct: {output}");
    let (_, output) = inside(&home, &ws, "curl -s -o /dev/null -w '%{http_code}' -m 10 http://169.254.169.254/latest/");
    assert!(output.contains("403"), "metadata through the proxy: {output}");

    // systemd's units (dockerd among them) get the proxy too.
    let (code, output) = inside(&home, &ws, "systemd-run --quiet --pipe --wait env");
    assert!(code == 0 && output.contains(&format!("HTTPS_PROXY=http://{proxy}:3128")), "{output}");

    // The log: what was allowed and what was refused, with bytes.
    let log = home.run("egress", None, &["log", "--workspace-folder", ws.to_str().unwrap(), "--json"]);
    assert!(log.status.success(), "{}", text(&log));
    let records: Vec<Value> =
        String::from_utf8_lossy(&log.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let find = |host: &str, allowed: bool| records.iter().any(|r| r["host"] == host && r["allowed"] == allowed);
    assert!(find("allowed.test", true) && find("denied.test", false) && find("169.254.169.254", false), "{records:?}");
    assert!(records.iter().any(|r| r["host"] == "allowed.test" && r["bytes"].as_u64() > Some(0)), "{records:?}");
    assert!(records.iter().any(|r| r["method"] == "CONNECT" && r["port"] == 443), "{records:?}");

    // `verify` measures the same from inside: no direct route, the proxy refuses a name off the list.
    let verify = home.run("verify", None, &["--workspace-folder", ws.to_str().unwrap(), "--json"]);
    let verify = json(&verify);
    assert_eq!(verify["egress"]["level"], "yes", "{verify}");
    assert_eq!(verify["egressObservations"]["metadata"], "closed", "{verify}");

    // `list` shows the egress mode.
    let list = home.run("list", None, &["--json"]);
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    let entry = list.as_array().unwrap().iter().find(|e| e["containerId"] == id).cloned().unwrap_or_default();
    assert_eq!(entry["egress"], "allowlist", "{list}");
    assert!(entry["sshPort"].as_u64().is_some(), "ssh is published by the proxy: {entry}");

    // The proxy killed: nothing gets out; `up` brings it back.
    docker(&["kill", &proxy]);
    let (code, output) = inside(&home, &ws, "curl -sS -m 10 http://allowed.test/");
    assert!(code != 0 && !output.contains("hello"), "with the proxy dead: {code}: {output}");
    let (again, out) = up(&home, &ws, &network_flag);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(again["containerId"], result["containerId"]);
    let (code, output) = inside(&home, &ws, "curl -sS -m 20 http://allowed.test/");
    assert!(code == 0 && output.contains("hello from allowed.test"), "after up: {code}: {output}");

    // down --remove: no proxy, no network left.
    let down = home.run("down", Some(&ws), &["--remove"]);
    assert!(down.status.success(), "{}", text(&down));
    assert!(docker(&["ps", "-aq", "--filter", &format!("name=^{proxy}$")]).is_empty());
    assert!(docker(&["network", "ls", "-q", "--filter", &format!("name=^{}$", networks[0])]).is_empty());
}

/// A repository cannot open egress: `"open"` in devcontainer.json is refused before anything is built or run.
#[test]
fn a_repository_that_opens_egress_is_refused() {
    let home = Home::new();
    for egress in [json!("open"), json!({"mode": "open"})] {
        let ws = home.workspace(&crate::support::unique("egress-open"), &config(egress.clone()));
        let (refused, out) = up(&home, &ws, &[]);
        assert!(!out.status.success(), "{}", text(&out));
        let description = refused["description"].as_str().unwrap_or_default();
        assert!(
            description.contains("customizations.containai.egress") && description.contains("only you"),
            "{refused}"
        );
        assert!(crate::support::sandbox::workspace_containers(&ws).is_empty(), "{egress}: a container was created");
        // Trusting the workspace does not make it the user's choice.
        home.run("trust", Some(&ws), &[]);
        let (_, out) = up(&home, &ws, &[]);
        assert!(!out.status.success(), "{egress}: trusted, and still only the user may open egress");
    }
}

/// The sandbox's own dockerd pulls through the proxy: a registry (Debian's `docker-registry`, the host's binary
/// run in a container) on the outside network as `registry.test`, allowed by the user on the command line; an
/// image pushed to it from the host; `docker pull registry.test:5000/…` inside the sandbox. Then a name off the
/// list is refused to the same dockerd.
#[test]
fn the_inner_dockerd_pulls_from_a_registry_on_an_allowed_name() {
    let outside = Outside::new(&[]);
    let dir = tempfile::tempdir().unwrap();
    let registry_config = dir.path().join("config.yml");
    std::fs::write(
        &registry_config,
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: /tmp/registry\nhttp:\n  addr: :5000\n",
    )
    .unwrap();
    let registry = crate::support::unique("cai-egress-registry");
    let out = crate::support::docker_output(&[
        "run",
        "-d",
        "--name",
        &registry,
        "--network",
        &outside.network,
        "--network-alias",
        "registry.test",
        "-p",
        "127.0.0.1::5000",
        "-v",
        "/usr/bin/docker-registry:/usr/bin/docker-registry:ro",
        "-v",
        &format!("{}:/etc/registry.yml:ro", registry_config.display()),
        crate::support::egress::server_image(),
        "docker-registry",
        "serve",
        "/etc/registry.yml",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    struct Gone(String);
    impl Drop for Gone {
        fn drop(&mut self) {
            docker(&["rm", "-f", &self.0]);
        }
    }
    let _registry = Gone(registry.clone());
    // A tiny image pushed from the host through the published port.
    let port = docker(&["port", &registry, "5000/tcp"]);
    let port = port.rsplit(':').next().unwrap().trim().to_string();
    let pushed = format!("localhost:{port}/egress/tiny:1");
    let tar = dir.path().join("tiny.tar");
    std::fs::write(dir.path().join("hello.txt"), "tiny image\n").unwrap();
    let made = std::process::Command::new("tar")
        .args(["-cf", tar.to_str().unwrap(), "-C", dir.path().to_str().unwrap(), "hello.txt"])
        .status()
        .unwrap();
    assert!(made.success());
    let imported = crate::support::docker_output(&["import", tar.to_str().unwrap(), &pushed]);
    assert!(imported.status.success(), "{}", text(&imported));
    let mut pushed_ok = false;
    for _ in 0..30 {
        if crate::support::docker_output(&["push", &pushed]).status.success() {
            pushed_ok = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    docker(&["rmi", &pushed]);
    assert!(pushed_ok, "the image was not pushed to the test registry");

    let home = Home::new();
    let config = json!({
        "image": BASE_IMAGE,
        "features": {"containai/apt-packages": {"packages": "curl"}, "containai/dockerd": {}},
    });
    let ws = home.workspace(&crate::support::unique("egress-dockerd"), &config);
    let _cleanup = Cleanup(&home, &ws);
    let (result, out) = up(&home, &ws, &["--egress", "registry.test:5000", "--egress-network", &outside.network]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(result["egress"], "allowlist", "{result}");
    // The registry is plain HTTP: the inner dockerd is told so, as a user would tell it.
    let setup = "mkdir -p /etc/docker && echo '{\"insecure-registries\": [\"registry.test:5000\"]}' > /etc/docker/daemon.json \
                 && systemctl restart docker && for i in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done";
    let (code, output) = inside(&home, &ws, setup);
    assert_eq!(code, 0, "{output}");
    let (code, output) = inside(&home, &ws, "docker pull registry.test:5000/egress/tiny:1");
    assert_eq!(code, 0, "the inner dockerd did not pull through the proxy: {output}");
    let (code, output) = inside(&home, &ws, "docker image inspect -f '{{.Id}}' registry.test:5000/egress/tiny:1");
    assert!(code == 0 && output.contains("sha256:"), "{output}");
    // A registry off the list: refused to the same dockerd.
    let (code, output) = inside(&home, &ws, "docker pull denied.example:5000/egress/tiny:1");
    assert!(code != 0, "a registry off the list answered: {output}");
    let log = home.run("egress", None, &["log", "--workspace-folder", ws.to_str().unwrap(), "--json"]);
    let log = String::from_utf8_lossy(&log.stdout).to_string();
    assert!(log.contains("registry.test") && log.contains("denied.example"), "{log}");
}
