//! More of `up` against the recording fake: `down` and the workspace lock, pinned host keys, and the lifecycle
//! flags (`--skip-non-blocking-commands`, `--prebuild`, `--skip-post-attach`).

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_waits_for_the_workspace_lock_that_up_holds() {
    let e = env(&["runc", "sysbox-runc"], serde_json::json!({"image": "x"})).await;
    run_up(&e, &Recorder::default()).await.unwrap();
    let before = e.engine.calls().len();
    let held = crate::run::lock::workspace(&e.options.config_dir, &e.target.workspace.devcontainer_id).await.unwrap();
    let (engine, workspace, ssh_dir, config_dir) =
        (e.engine.clone(), e.target.workspace.clone(), e.options.ssh_dir.clone(), e.options.config_dir.clone());
    let down =
        tokio::spawn(
            async move { crate::run::ops::down(engine.as_ref(), &workspace, true, &ssh_dir, &config_dir).await },
        );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!down.is_finished(), "down went ahead while the workspace was locked");
    assert_eq!(e.engine.calls().len(), before, "down touched the engine while the workspace was locked");
    drop(held);
    let known = e.options.config_dir.join("ssh/known_hosts");
    assert!(std::fs::read_to_string(&known).unwrap().contains("AAAAhostkey"));
    let result = down.await.unwrap().unwrap();
    assert!(result.removed);
    assert_eq!(std::fs::read_to_string(&known).unwrap(), "", "the removed container's host keys were kept");
    assert!(e.engine.calls().len() > before);
}

#[tokio::test]
async fn host_keys_are_pinned_from_the_container_and_read_again_only_when_needed() {
    let e = env(&["runc", "sysbox-runc"], serde_json::json!({"image": "x"})).await;
    let reads = |engine: &FakeContainers| {
        engine.execs().iter().filter(|r| r.cmd.iter().any(|c| c.contains(known_hosts::READ_HOST_KEYS))).count()
    };
    let host = run_up(&e, &Recorder::default()).await.unwrap().ssh.unwrap().host;
    let known = e.options.config_dir.join("ssh/known_hosts");
    assert_eq!(std::fs::read_to_string(&known).unwrap(), format!("{host} ssh-ed25519 AAAAhostkey\n"));
    let entry = std::fs::read_to_string(
        e.options.ssh_dir.join(format!("containai.d/{}.conf", host.trim_start_matches("containai-"))),
    )
    .unwrap();
    assert!(entry.contains("StrictHostKeyChecking yes") && !entry.contains("accept-new"), "{entry}");
    assert_eq!(reads(&e.engine), 1);

    run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(reads(&e.engine), 1, "a running container with pinned keys is not asked again");
    std::fs::remove_file(&known).unwrap();
    run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(reads(&e.engine), 2);
    assert!(known_hosts::knows(&known, &host));
}

#[tokio::test]
async fn a_container_serving_no_readable_host_key_is_an_error() {
    let e = env(&["runc", "sysbox-runc"], serde_json::json!({"image": "x"})).await;
    answer_with(&e.engine, probe::fixtures::sysbox(), None);
    let err = run_up(&e, &Recorder::default()).await.unwrap_err();
    assert!(err.to_string().contains("serves no ssh host key"), "{err}");
}

/// Makes the fake container keep the hook markers `mark_done` writes and list them as `done_stages` reads them.
fn keep_markers(engine: &FakeContainers) {
    let marked = Arc::new(Mutex::new(Vec::<String>::new()));
    let written = marked.clone();
    engine.on_exec(move |r| {
        let script = r.cmd.last()?;
        let stage =
            script.strip_prefix(&format!("mkdir -p {0} && date -u +%FT%TZ > {0}/", crate::run::hooks::MARKER_DIR))?;
        written.lock().unwrap().push(stage.to_string());
        Some(ExecOutput::default())
    });
    engine.on_exec(move |r| {
        (r.cmd == ["ls", "-1", crate::run::hooks::MARKER_DIR]).then(|| ExecOutput {
            stdout: marked.lock().unwrap().iter().map(|m| format!("{m}\n")).collect(),
            ..Default::default()
        })
    });
}

#[tokio::test]
async fn skip_non_blocking_commands_stops_at_wait_for_and_the_next_up_runs_the_rest() {
    let mut e = env(&["sysbox-runc"], hooks_config()).await;
    keep_markers(&e.engine);
    e.options.flow = lifecycle::Flow::default().until_wait_for(&e.target.config);
    run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(hook_commands(&e.engine), ["echo on-create", "update-content"]);
    e.options.flow = lifecycle::Flow::default();
    run_up(&e, &Recorder::default()).await.unwrap();
    // postStartCommand was due since the container started: it runs now, once.
    let expected = ALL_HOOKS;
    assert_eq!(hook_commands(&e.engine), expected);
    run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(hook_commands(&e.engine)[expected.len()..], ["echo post-attach"]);

    // `waitFor` moves the stop: with postCreateCommand, everything once-per-container runs, nothing after.
    let mut config = hooks_config();
    config["waitFor"] = "postCreateCommand".into();
    let mut e = env(&["sysbox-runc"], config).await;
    e.options.flow = lifecycle::Flow::default().until_wait_for(&e.target.config);
    run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(hook_commands(&e.engine), expected[..5]);
}

#[tokio::test]
async fn prebuild_runs_on_create_and_update_content_again_and_skip_post_attach_skips_it() {
    let mut e = env(&["sysbox-runc"], hooks_config()).await;
    keep_markers(&e.engine);
    e.options.flow = lifecycle::Flow::default().prebuild();
    run_up(&e, &Recorder::default()).await.unwrap();
    run_up(&e, &Recorder::default()).await.unwrap();
    assert_eq!(hook_commands(&e.engine), ["echo on-create", "update-content", "update-content"]);
    e.options.flow = lifecycle::Flow { skip_post_attach: true, ..Default::default() };
    run_up(&e, &Recorder::default()).await.unwrap();
    let rest = &hook_commands(&e.engine)[3..];
    assert_eq!(rest, ["echo feature-post-create", "echo post-create-a", "post-create-b", "echo post-start"]);
}

#[tokio::test]
async fn dotfiles_install_once_between_post_create_and_post_start_and_a_failure_is_a_warning() {
    let mut e = env(&["sysbox-runc"], hooks_config()).await;
    keep_markers(&e.engine);
    let dotfiles = crate::run::dotfiles::Dotfiles {
        repository: "octo/dots".into(),
        install_command: None,
        target_path: "~/dotfiles".into(),
    };
    e.options.flow.dotfiles = Some(dotfiles.clone());
    run_up(&e, &Recorder::default()).await.unwrap();
    let order: Vec<String> = e
        .engine
        .execs()
        .into_iter()
        .filter(|r| r.user.as_deref() == Some("dev"))
        .map(|r| r.cmd.get(4).cloned().unwrap_or_else(|| r.cmd.last().cloned().unwrap_or_default()))
        .collect();
    let at = order.iter().position(|c| c == "https://github.com/octo/dots.git").expect("the dotfiles ran");
    assert_eq!((order[at - 1].as_str(), order[at + 1].as_str()), ("post-create-b", "echo post-start"), "{order:?}");

    // Done once: a later up does not clone again, even when the host record says all stages ran.
    let before = e.engine.execs().len();
    run_up(&e, &Recorder::default()).await.unwrap();
    let again = e.engine.execs()[before..].iter().filter(|r| r.cmd.iter().any(|c| c.contains("octo/dots"))).count();
    assert_eq!(again, 0);

    // A failing install is said, and up goes on.
    let mut e = env(&["sysbox-runc"], serde_json::json!({"image": "x", "postStartCommand": "echo after"})).await;
    e.engine.on_exec(|r| {
        r.cmd.iter().any(|c| c == "dotfiles").then(|| ExecOutput {
            exit_code: 3,
            stderr: "git is not installed in the container\n".into(),
            ..Default::default()
        })
    });
    e.options.flow.dotfiles = Some(dotfiles);
    let reporter = Recorder::default();
    run_up(&e, &reporter).await.unwrap();
    let said = reporter.0.lock().unwrap().join("\n");
    assert!(said.contains("warn: the dotfiles were not installed (exit code 3): git is not installed"), "{said}");
    assert!(hook_commands(&e.engine).iter().any(|c| c == "echo after"));
}
