//! Cache poisoning through a real registry (Debian's `docker-registry`): an attacker who controls a `cacheFrom`
//! repository serves a layer with the right `containai.key` labels over forged content. Workspace A, which names
//! that repository, pulls it; workspace B, with the same plan and no `cacheFrom`, builds that layer itself and
//! gets the genuine content. Fails when no engine answers.

use crate::support::registry::Registry;
use crate::support::sandbox::{Home, json, local_feature, plan_layers};
use crate::support::{Images, docker, text, token};
use serde_json::json;
use std::process::Command;

#[test]
fn a_layer_pulled_for_one_workspace_never_serves_another() {
    let registry = Registry::start();
    let repo = format!("{}/poison/cache", registry.host.replace("localhost", "127.0.0.1"));
    let home = Home::new();
    let id = token("poison");
    let config = json!({
        "image": "containai-test/base:bookworm",
        "features": {format!("./{id}"): {}},
        "customizations": {"containai": {"ssh": false}}
    });
    let (a, b) = (home.workspace(&format!("a{id}"), &config), home.workspace(&format!("b{id}"), &config));
    local_feature(&a, &id, "0");
    local_feature(&b, &id, "0");
    let layers = plan_layers(&home, &a);
    assert_eq!(plan_layers(&home, &b), layers, "the same plan");
    let at = layers.iter().position(|(name, _, _)| name.contains(&id)).expect("the feature's layer");
    let (key, parent) = (&layers[at].1, layers[at].2.clone().expect("a parent"));
    // Removed last added first: each layer is added before the image built on it.
    let images = Images::new();

    // The layers before the feature's are this machine's own (built, or already there).
    let base_only = home.workspace(&format!("c{id}"), &json!({"image": "containai-test/base:bookworm"}));
    let own = home.run("build", Some(&base_only), &[]);
    assert!(own.status.success(), "{}", text(&own));

    // The attacker's registry: the feature's key and parent key as labels, forged content.
    let forged = format!("{repo}:{key}");
    let dir = tempfile::tempdir().unwrap();
    let dockerfile = format!(
        "FROM containai-test/base:bookworm\nRUN echo forged > /etc/{id}\n\
         LABEL containai.key=\"{key}\" containai.parent-key=\"{parent}\"\n"
    );
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    let built = Command::new("docker").args(["build", "-q", "-t", &forged]).arg(dir.path()).output().unwrap();
    assert!(built.status.success(), "{}", text(&built));
    let pushed = Command::new("docker").args(["push", &forged]).output().unwrap();
    docker(&["rmi", &forged]);
    assert!(pushed.status.success(), "{}", text(&pushed));

    // A names the repository: the forged layer is pulled, the user layer built on it.
    let out_a = home.run("build", Some(&a), &["--cache-from", &repo]);
    assert!(out_a.status.success(), "{}", text(&out_a));
    let out_a = json(&out_a);
    let image_a = out_a["imageName"][0].as_str().unwrap().to_string();
    images.add(format!("{}:{key}", image_a.rsplit_once(':').unwrap().0));
    images.add(&image_a);
    assert_eq!(out_a["layers"][at]["source"], "registry", "{out_a}");
    assert!(image_a.starts_with("containai-cache/from-"), "{image_a}");
    let cat = |image: &str| {
        docker(&["run", "--rm", "--network", "none", "--entrypoint", "cat", image, &format!("/etc/{id}")])
    };
    assert_eq!(cat(&image_a), "forged", "A took what it asked for");

    // B, no cacheFrom: the feature's layer is built here, with the genuine content.
    let out_b = home.run("build", Some(&b), &[]);
    assert!(out_b.status.success(), "{}", text(&out_b));
    let out_b = json(&out_b);
    let image_b = out_b["imageName"][0].as_str().unwrap().to_string();
    images.add(format!("containai-cache:{key}"));
    images.add(&image_b);
    assert_eq!(out_b["layers"][at]["source"], "built", "{out_b}");
    assert!(out_b["layersBuilt"].as_u64().unwrap() >= 2, "the feature and the user layer: {out_b}");
    assert_eq!(image_b, format!("containai-cache:{}", layers.last().unwrap().1));
    assert_eq!(cat(&image_b), id, "B's image has the feature's own content");
}
