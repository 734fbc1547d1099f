//! The build's display: on a terminal (a pseudo-terminal made by `script`) one line per layer with its state and
//! time, no build output; without a terminal plain lines (the build output only with `-v`); `--log-format json`
//! keeps every event. The JSON result on stdout is the same in every mode.

use crate::support::sandbox::{Home, json, local_feature, own_tags, plan_layers};
use crate::support::{Images, text, token};
use serde_json::json;
use std::process::Command;

#[test]
fn a_build_on_a_terminal_is_one_line_per_layer_and_its_output_stays_hidden() {
    let home = Home::new();
    let marker = token("tty");
    let config = json!({"image": crate::support::BASE_IMAGE, "features": {format!("./{marker}"): {}},
                        "customizations": {"containai": {"ssh": false}}});
    let ws = home.workspace(&marker, &config);
    local_feature(&ws, &marker, "0");
    let images = Images::new();
    for tag in own_tags(&plan_layers(&home, &ws), &marker) {
        images.add(tag);
    }

    // A pseudo-terminal: `script` runs the command with its stdin, stdout and stderr on one.
    let cmd = home.command("build", Some(&ws), &[]);
    let line = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| format!("'{}'", a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut script = Command::new("script");
    script.args(["-qfec", &line, "/dev/null"]);
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    let out = script.output().unwrap();
    // Each redraw ends by clearing the line (ESC [2K): what follows it starts a line of the final screen.
    let screen = String::from_utf8_lossy(&out.stdout).replace('\r', "").replace("\u{1b}[2K", "\n");
    assert!(out.status.success(), "{screen}");
    let finished: Vec<&str> = screen.lines().filter(|l| l.trim_start().starts_with(['B', 'C'])).collect();
    assert!(finished.iter().any(|l| l.trim_start().starts_with("Cached base")), "{screen}");
    assert!(finished.iter().any(|l| l.trim_start().starts_with(&format!("Built feature:./{marker} ("))), "{screen}");
    // The build's output shows only beside the spinner (redrawn in place), never as lines of its own.
    assert!(!screen.contains("info: [") && !screen.lines().any(|l| l.starts_with("Step ")), "{screen}");
    let result = screen.lines().rev().find(|l| l.starts_with('{')).expect("the JSON result");
    assert_eq!(serde_json::from_str::<serde_json::Value>(result).unwrap()["outcome"], "success");

    // Without a terminal: plain lines, the build output only with `-v`.
    local_feature(&ws, &marker, "0 # again");
    let plain = home.run("build", Some(&ws), &[]);
    assert!(plain.status.success() && !text(&plain).contains("Step 1/"), "{}", text(&plain));
    assert!(text(&plain).contains(&format!("layer `feature:./{marker}` built in ")), "{}", text(&plain));
    local_feature(&ws, &marker, "0 # once more");
    let verbose = home.run("build", Some(&ws), &["-v"]);
    assert!(text(&verbose).contains(&format!("[feature:./{marker}] Step 1/")), "{}", text(&verbose));
    assert_eq!(json(&verbose)["outcome"], "success");
    for tag in own_tags(&plan_layers(&home, &ws), &marker) {
        images.add(tag);
    }
}
