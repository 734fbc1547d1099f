//! `up` against the recording fake: refusal without sysbox, create vs reuse, hooks order/forms/once, failures.

use super::*;
use crate::config::model::MountEntry;
use crate::engine::ExecOutput;
use crate::engine::fake_containers::{Call, FakeContainers};
use crate::isolation::{Level, probe};
use crate::policy::PolicyError;
use crate::run::known_hosts;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Reporter for Recorder {
    fn info(&self, m: &str) {
        self.0.lock().unwrap().push(format!("info: {m}"));
    }
    fn warn(&self, m: &str) {
        self.0.lock().unwrap().push(format!("warn: {m}"));
    }
}

/// A loopback listener that greets like sshd, so readiness checks pass.
async fn fake_sshd() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = socket.write_all(b"SSH-2.0-fake\r\n").await;
        }
    });
    port
}

struct Env {
    _dir: tempfile::TempDir,
    options: UpOptions,
    engine: Arc<FakeContainers>,
    target: Target,
}

async fn env(runtimes: &[&str], config: serde_json::Value) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(FakeContainers::with_runtimes(runtimes));
    engine.pin_port(fake_sshd().await);
    answer_with(&engine, probe::fixtures::sysbox(), Some(HOST_KEYS));
    let mut options = UpOptions::new(PolicyOptions::default());
    options.ssh_dir = dir.path().join("home/.ssh");
    options.config_dir = dir.path().join("config/containai");
    options.ready_timeout = Duration::from_secs(5);
    let local = dir.path().join("proj");
    let workspace = WorkspaceInfo {
        local_workspace_folder: local.clone(),
        config_file: local.join(".devcontainer/devcontainer.json"),
        workspace_folder: "/workspaces/proj".into(),
        workspace_mount: Some(format!("type=bind,source={},target=/workspaces/proj", local.display())),
        devcontainer_id: "0123456789abcdef".into(),
    };
    let target = Target {
        config: serde_json::from_value(config).unwrap(),
        workspace,
        image: "containai-cache:k1".into(),
        image_key: "k1".into(),
        layers_built: 2,
        features: vec![("containai/sshd".into(), serde_json::json!({"postCreateCommand": "echo feature-post-create"}))],
        remote_user: "dev".into(),
        metadata: serde_json::json!([]),
        egress: None,
    };
    Env { _dir: dir, options, engine, target }
}

async fn run_up(e: &Env, reporter: &dyn Reporter) -> Result<UpResult> {
    let policy = preflight(e.engine.as_ref(), &e.target.config, &e.target.workspace, &[], &e.options, reporter).await?;
    up(e.engine.as_ref(), &e.target, &policy, &e.options, reporter).await
}

/// The user commands run so far (lifecycle hooks), as their last argv element.
fn hook_commands(engine: &FakeContainers) -> Vec<String> {
    engine
        .execs()
        .into_iter()
        .filter(|r| r.user.as_deref() == Some("dev"))
        .map(|r| r.cmd.last().cloned().unwrap_or_default())
        .collect()
}

/// What [`hooks_config`] runs on a first `up`, in order (last argv elements).
const ALL_HOOKS: [&str; 7] = [
    "echo on-create",
    "update-content",
    "echo feature-post-create",
    "echo post-create-a",
    "post-create-b",
    "echo post-start",
    "echo post-attach",
];

fn hooks_config() -> serde_json::Value {
    serde_json::json!({
        "image": "x",
        "onCreateCommand": "echo on-create",
        "updateContentCommand": ["echo", "update-content"],
        "postCreateCommand": {"a": "echo post-create-a", "b": ["echo", "post-create-b"]},
        "postStartCommand": "echo post-start",
        "postAttachCommand": "echo post-attach",
        "remoteEnv": {"GREETING": "${containerEnv:LANG_X:none}-x"}
    })
}

#[tokio::test]
async fn without_sysbox_nothing_is_created() {
    let e = env(&["runc"], serde_json::json!({"image": "x"})).await;
    let err = run_up(&e, &Recorder::default()).await.unwrap_err();
    assert!(matches!(err, RunError::Policy(PolicyError::SysboxMissing { .. })), "{err}");
    assert!(e.engine.creates().is_empty());
    assert_eq!(e.engine.calls(), vec![Call::Info]);
}

#[tokio::test]
async fn first_up_creates_under_sysbox_runs_hooks_in_order_and_writes_ssh() {
    let e = env(&["runc", "sysbox-runc"], hooks_config()).await;
    let out = run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(
        (out.runtime.as_str(), out.isolation.class, out.layers_built),
        ("sysbox-runc", policy::Isolation::Sysbox, 2)
    );
    assert_eq!(
        (out.isolation.user_namespaces.level, out.isolation.procfs_virtualisation.level),
        (Level::Yes, Level::Yes)
    );
    let create = &e.engine.creates()[0];
    assert_eq!(create.body.host_config.as_ref().unwrap().runtime.as_deref(), Some("sysbox-runc"));
    assert_eq!(hook_commands(&e.engine), ALL_HOOKS);
    let exec = e.engine.execs().into_iter().find(|r| r.user.as_deref() == Some("dev")).unwrap();
    assert_eq!(exec.env, vec!["GREETING=none-x"]);
    assert_eq!(exec.working_dir.as_deref(), Some("/workspaces/proj"));
    let ssh = out.ssh.unwrap();
    let text = std::fs::read_to_string(&ssh.config_file).unwrap();
    assert!(text.contains(&format!("Port {}", ssh.port)) && text.contains("User dev"), "{text}");
    assert!(std::fs::read_to_string(e.options.ssh_dir.join("config")).unwrap().starts_with(ssh_config::INCLUDE_LINE));
}

#[tokio::test]
async fn second_up_reuses_and_runs_only_post_attach() {
    let e = env(&["sysbox-runc"], hooks_config()).await;
    let first = run_up(&e, &Recorder::default()).await.unwrap();
    let before = e.engine.calls().len();
    let second = run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(first.container_id, second.container_id);
    let new_calls = &e.engine.calls()[before..];
    assert!(!new_calls.iter().any(|c| matches!(c, Call::Create(_) | Call::Start(_))), "{new_calls:?}");
    let execs: Vec<&Call> =
        new_calls.iter().filter(|c| matches!(c, Call::Exec { request, .. } if !probe::is_probe(request))).collect();
    assert_eq!(execs.len(), 1, "only postAttachCommand runs: {execs:?}");
}

#[tokio::test]
async fn a_stopped_container_is_started_and_post_start_runs_again_but_not_post_create() {
    let e = env(&["sysbox-runc"], hooks_config()).await;
    let first = run_up(&e, &Recorder::default()).await.unwrap();
    e.engine.stop_container(&first.container_id, None).await.unwrap();
    e.engine.on_exec(|r| {
        (r.cmd == ["ls", "-1", super::super::hooks::MARKER_DIR]).then(|| ExecOutput {
            exit_code: 0,
            stdout: "onCreateCommand\nupdateContentCommand\npostCreateCommand\n".into(),
            ..Default::default()
        })
    });
    let before = hook_commands(&e.engine).len();
    run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(hook_commands(&e.engine)[before..], ["echo post-start", "echo post-attach"]);
}

#[tokio::test]
async fn a_changed_image_is_kept_with_a_warning_unless_replacement_is_asked() {
    let mut e = env(&["sysbox-runc"], serde_json::json!({"image": "x"})).await;
    let first = run_up(&e, &Recorder::default()).await.unwrap();
    e.target.image_key = "k2".into();
    let reporter = Recorder::default();
    let kept = run_up(&e, &reporter).await.unwrap();
    assert_eq!(kept.container_id, first.container_id);
    assert!(reporter.0.lock().unwrap().iter().any(|l| l.starts_with("warn: the image changed")));
    e.options.remove_existing = true;
    let replaced = run_up(&e, &Recorder::default()).await.unwrap();
    assert_ne!(replaced.container_id, first.container_id);
    assert!(e.engine.calls().contains(&Call::Remove(first.container_id)));
}

#[tokio::test]
async fn expect_existing_fails_when_there_is_none() {
    let mut e = env(&["sysbox-runc"], serde_json::json!({"image": "x"})).await;
    e.options.expect_existing = true;
    assert!(matches!(run_up(&e, &Recorder::default()).await, Err(RunError::NoContainer(_))));
    assert!(e.engine.creates().is_empty());
}

#[tokio::test]
async fn a_failing_hook_stops_the_rest_and_is_named_with_its_exit_code() {
    let e = env(&["sysbox-runc"], hooks_config()).await;
    e.engine.on_exec(|r| {
        (r.cmd.last().map(String::as_str) == Some("update-content")).then(|| ExecOutput {
            exit_code: 3,
            stderr: "boom\n".into(),
            ..Default::default()
        })
    });
    let err = run_up(&e, &Recorder::default()).await.unwrap_err().to_string();
    assert!(err.starts_with("`updateContentCommand` failed with exit code 3"), "{err}");
    assert!(err.contains("boom"));
    assert!(!hook_commands(&e.engine).iter().any(|c| c.contains("post-create")));
}

#[tokio::test]
async fn skip_post_create_runs_no_container_hook() {
    let mut e = env(&["sysbox-runc"], hooks_config()).await;
    e.options.skip_post_create = true;
    run_up(&e, &Recorder::default()).await.unwrap();
    assert!(hook_commands(&e.engine).is_empty());
}

#[tokio::test]
async fn builds_under_a_weaker_default_runtime_are_refused_before_anything_runs() {
    let mut e = env(&["sysbox-runc", "runc"], serde_json::json!({"image": "x"})).await;
    Arc::get_mut(&mut e.engine).unwrap().set_default_runtime("runc");
    let err = run_up(&e, &Recorder::default()).await.unwrap_err();
    assert!(matches!(err, RunError::Policy(PolicyError::WeakBuildRuntime { .. })), "{err}");
    assert!(e.engine.creates().is_empty());
}

#[tokio::test]
async fn a_setting_that_needs_trust_is_refused_before_anything_is_created_until_trusted() {
    let mut e = env(&["sysbox-runc"], serde_json::json!({"image": "x"})).await;
    run_up(&e, &Recorder::default()).await.unwrap();
    // Safe additions need no trust; a host folder outside the workspace does, from the first `up` on.
    e.target.config.run_args = Some(vec!["--cap-add=SYS_PTRACE".into()]);
    e.options.remove_existing = true;
    run_up(&e, &Recorder::default()).await.unwrap();
    let creates = e.engine.creates().len();
    e.target.config.mounts = Some(vec![MountEntry::Text("type=bind,source=/opt,target=/o".into())]);
    let err = run_up(&e, &Recorder::default()).await.unwrap_err();
    assert!(matches!(err, RunError::Policy(PolicyError::Untrusted { first: true, .. })), "{err}");
    assert!(err.to_string().contains("`mounts[0]`: bind mount of `/opt`"), "{err}");
    assert_eq!(e.engine.creates().len(), creates);
    let assessment = crate::policy::assess::assess(&e.target.config, &e.target.workspace, &[], &[], &[]).unwrap();
    let store = crate::policy::trust::default_store(&e.options.config_dir);
    crate::policy::trust::trust(&store, &e.target.workspace, &assessment.fingerprint).unwrap();
    run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(e.engine.creates().len(), creates + 1);
}

#[tokio::test]
async fn the_docker_socket_is_refused_and_kept_only_with_the_flag_and_then_with_a_warning() {
    let config =
        serde_json::json!({"image": "x", "mounts": ["type=bind,source=/run/docker.sock,target=/var/run/docker.sock"]});
    let mut e = env(&["sysbox-runc"], config).await;
    let err = run_up(&e, &Recorder::default()).await.unwrap_err();
    assert!(
        matches!(err, RunError::Policy(PolicyError::Refused(_))) && err.to_string().contains("docker.sock"),
        "{err}"
    );
    assert!(e.engine.creates().is_empty());
    e.options.policy.allow_unsafe_config = true;
    let recorder = Recorder::default();
    run_up(&e, &recorder).await.unwrap();
    let log = recorder.0.lock().unwrap().clone();
    assert!(log.iter().any(|l| l.starts_with("warn: UNSAFE") && l.contains("docker.sock")), "{log:?}");
    assert_eq!(e.engine.creates().len(), 1);
}

#[tokio::test]
async fn secrets_reach_the_hooks_only_and_are_masked_in_their_output() {
    let mut e = env(&["sysbox-runc"], hooks_config()).await;
    e.options.flow.secrets = super::super::secrets::Secrets::parse(r#"{"TOKEN": "s3cr3t-value"}"#).unwrap();
    e.engine.on_exec(|r| {
        r.env.iter().any(|v| v == "TOKEN=s3cr3t-value").then(|| ExecOutput {
            exit_code: 0,
            stdout: "token is s3cr3t-value\n".into(),
            ..Default::default()
        })
    });
    let recorder = Recorder::default();
    run_up(&e, &recorder).await.unwrap();
    let hooks: Vec<_> = e.engine.execs().into_iter().filter(|r| r.user.as_deref() == Some("dev")).collect();
    assert!(!hooks.is_empty() && hooks.iter().all(|r| r.env.contains(&"TOKEN=s3cr3t-value".to_string())));
    let create = serde_json::to_string(&e.engine.creates()[0].body).unwrap();
    assert!(!create.contains("s3cr3t"), "{create}");
    let log = recorder.0.lock().unwrap().join("\n");
    assert!(log.contains("token is ********") && !log.contains("s3cr3t"), "{log}");
}

/// Scripts a probe answer that wins over the sysbox one `env` installs (scripts are tried in order: clear, re-add).
/// What the fake container's `READ_HOST_KEYS` prints.
const HOST_KEYS: &str = "ssh-ed25519 AAAAhostkey root@fake\n";

/// Scripts the fake container: systemd running, the isolation probe printing `probe_output`, and `host_keys`
/// served by its sshd (`None`: none readable).
fn answer_with(engine: &FakeContainers, probe_output: String, host_keys: Option<&'static str>) {
    engine.clear_scripts();
    engine.on_exec(|r| {
        (r.cmd == ["systemctl", "is-system-running"]).then(|| ExecOutput {
            exit_code: 0,
            stdout: "running\n".into(),
            ..Default::default()
        })
    });
    engine.on_exec(move |r| {
        probe::is_probe(r).then(|| ExecOutput { stdout: probe_output.clone(), ..Default::default() })
    });
    let reads_keys = |r: &crate::engine::ExecRequest| r.cmd.iter().any(|c| c.contains(known_hosts::READ_HOST_KEYS));
    engine.on_exec(move |r| {
        reads_keys(r).then(|| ExecOutput { stdout: host_keys.unwrap_or_default().into(), ..Default::default() })
    });
}

fn answer_probe_with(engine: &FakeContainers, output: String) {
    answer_with(engine, output, Some(HOST_KEYS));
}

#[tokio::test]
async fn a_sysbox_container_without_a_user_namespace_or_sysboxfs_is_an_error_and_runs_no_hook() {
    let e = env(&["sysbox-runc"], hooks_config()).await;
    answer_probe_with(&e.engine, probe::fixtures::runc_insecure());
    let err = run_up(&e, &Recorder::default()).await.unwrap_err();
    let RunError::IsolationFailed { shortfalls, .. } = &err else { panic!("{err}") };
    assert!(shortfalls[0].starts_with("user namespace: no"), "{shortfalls:?}");
    assert!(shortfalls.iter().any(|s| s.starts_with("procfs virtualisation: partial")), "{shortfalls:?}");
    assert!(hook_commands(&e.engine).is_empty(), "hooks ran in a container that failed its probes");
    assert!(!e.options.ssh_dir.join("config").exists(), "ssh was set up for a container that failed its probes");
}

#[tokio::test]
async fn plain_runc_in_the_insecure_mode_is_reported_without_a_user_namespace_but_comes_up() {
    let mut e = env(&["runc"], serde_json::json!({"image": "x"})).await;
    e.options.policy.allow_insecure_runtime = true;
    answer_probe_with(&e.engine, probe::fixtures::runc_insecure());
    let out = run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!((out.isolation.class, out.isolation.user_namespaces.level), (policy::Isolation::None, Level::No));
    assert_eq!(out.isolation.syscall_vetting.level, Level::No);
}

#[path = "up_flow_tests.rs"]
mod flow;

#[tokio::test]
async fn the_container_is_made_from_the_merged_configuration_and_metadata_beyond_the_lists_is_refused() {
    let mut e = env(&["sysbox-runc"], serde_json::json!({"image": "x", "containerEnv": {"A": "config"}})).await;
    e.target.metadata = serde_json::json!([
        {"containerEnv": {"FROM_LABEL": "1"}, "capAdd": ["SYS_PTRACE"]},
        {"id": "./dind", "init": true,
         "mounts": [{"type": "volume", "source": "dind-${devcontainerId}", "target": "/var/lib/docker"}]},
        {"containerEnv": {"A": "config"}},
    ]);
    run_up(&e, &Recorder::default()).await.unwrap();
    let body = e.engine.creates().remove(0).body;
    let vars = body.env.unwrap();
    assert!(vars.contains(&"A=config".to_string()) && vars.contains(&"FROM_LABEL=1".to_string()), "{vars:?}");
    let host = body.host_config.unwrap();
    let mounts = host.mounts.unwrap();
    assert!(mounts.iter().any(|m| m.source.as_deref() == Some("dind-0123456789abcdef")), "{mounts:?}");
    assert_eq!(host.cap_add.unwrap(), ["SYS_PTRACE"]);

    // A feature that names another workspace's volume is refused before the container is made.
    let mut e = env(&["sysbox-runc"], serde_json::json!({"image": "x"})).await;
    e.target.metadata =
        serde_json::json!([{"id": "./thief", "mounts": ["type=volume,source=victim-data,target=/loot"]}, {}]);
    let err = run_up(&e, &Recorder::default()).await.unwrap_err();
    assert!(
        matches!(err, RunError::Policy(PolicyError::Refused(_))) && err.to_string().contains("victim-data"),
        "{err}"
    );
    assert!(e.engine.creates().is_empty());
}

#[tokio::test]
async fn behind_egress_the_proxy_comes_first_publishes_the_ports_and_a_dead_one_is_restarted() {
    let mut e = env(&["runc", "sysbox-runc"], serde_json::json!({"image": "x", "forwardPorts": [3000]})).await;
    e.engine.insert_network(crate::engine::NetworkInfo { name: "bridge".into(), ..Default::default() });
    e.engine.on_exec(|r| {
        r.cmd.join(" ").contains("curl -s").then(|| ExecOutput {
            exit_code: 0,
            stdout: "400".into(),
            stderr: String::new(),
        })
    });
    let user = policy::egress::UserEgress::default();
    e.target.egress = Some(crate::egress::Attachment {
        policy: policy::egress::resolve(None, &user).unwrap(),
        network: "containai-egress-0123456789abcdef".into(),
        proxy_name: "proj-egress".into(),
        proxy_image: "containai-egress:0011".into(),
        sandbox_name: "proj".into(),
        squid_conf: "http_port 3128\n".into(),
        runtime: "sysbox-runc".into(),
        labels: Default::default(),
        systemd_dropin: e.options.config_dir.join("egress/systemd.conf"),
    });
    let out = run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(out.egress, "allowlist");
    let creates = e.engine.creates();
    assert_eq!(creates.len(), 2, "the proxy, then the sandbox");
    assert_eq!(creates[0].name, "proj-egress");
    let proxy_ports = creates[0].body.host_config.as_ref().unwrap().port_bindings.clone().unwrap_or_default();
    assert!(proxy_ports.contains_key("22/tcp") && proxy_ports.contains_key("3000/tcp"), "{proxy_ports:?}");
    let sandbox = creates[1].body.host_config.as_ref().unwrap();
    assert_eq!(sandbox.port_bindings, None, "an internal network publishes nothing");
    assert_eq!(sandbox.network_mode.as_deref(), Some("containai-egress-0123456789abcdef"));
    assert!(out.ssh.is_some() && out.forwarded_ports.len() == 1, "{out:?}");
    let internal = e.engine.networks().into_iter().find(|n| n.name.starts_with("containai-egress-")).unwrap();
    assert!(internal.internal);

    // The proxy died: the next `up` starts it again before anything else, and keeps the sandbox.
    let proxy_id = e.engine.inspect_container("proj-egress").await.unwrap().unwrap().id;
    e.engine.stop_container(&proxy_id, None).await.unwrap();
    let again = run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(again.container_id, out.container_id);
    assert_eq!(e.engine.creates().len(), 2);
    assert!(e.engine.inspect_container("proj-egress").await.unwrap().unwrap().running);
}
