//! The user's CA certificates (here the host's `/usr/local/share/ca-certificates`, which holds the CA of the
//! TLS-intercepting proxy of these machines) → a keyed `ca` layer after the system layer: a feature's install
//! reaches registry.npmjs.org over HTTPS with it and fails without it; a repository cannot add one, and with
//! none configured the plan is unchanged.

use crate::support::sandbox::{Home, json, plan_layers};
use crate::support::{BASE_IMAGE, Images, text};
use serde_json::json;
use std::path::Path;

/// A local feature that installs curl (apt is plain http) and fetches an HTTPS URL of the npm registry.
fn fetching_feature(workspace: &Path, marker: &str) {
    let dir = workspace.join(".devcontainer/fetch");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("devcontainer-feature.json"), r#"{"id": "fetch", "version": "1.0.0"}"#).unwrap();
    let script = format!(
        "#!/bin/sh\nset -e\n# {marker}\napt-get update -qq >/dev/null\n\
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl >/dev/null\n\
         curl -sS -o /dev/null -w 'https-status=%{{http_code}}\\n' https://registry.npmjs.org/npm/latest\n"
    );
    std::fs::write(dir.join("install.sh"), script).unwrap();
}

fn user_config(home: &Home, config: &serde_json::Value) {
    let dir = home.path().join(".config/containai");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
}

fn host_has_extra_cas() -> bool {
    std::fs::read_dir(containai::plan::ca::HOST_CA_DIR)
        .map(|d| d.filter_map(Result::ok).any(|e| e.path().extension().is_some_and(|x| x == "crt")))
        .unwrap_or(false)
}

#[test]
fn a_ca_layer_is_keyed_by_the_certificates_and_absent_without_them() {
    let home = Home::new();
    let ws = home.workspace(&crate::support::unique("ca-plan"), &json!({"image": BASE_IMAGE}));
    let plain = plan_layers(&home, &ws);
    assert!(plain.iter().all(|(name, _, _)| name != "ca"), "{plain:?}");
    // A repository cannot name certificates: the setting is not one of devcontainer.json's.
    crate::support::write_workspace(
        &ws,
        &json!({"image": BASE_IMAGE, "customizations": {"containai": {"caCertificates": ["/etc/ssl/certs/ca-certificates.crt"]}}}),
    );
    let refused = home.run("build", Some(&ws), &["--plan"]);
    assert!(
        !refused.status.success() && text(&refused).contains("unknown property `caCertificates`"),
        "{}",
        text(&refused)
    );
    crate::support::write_workspace(&ws, &json!({"image": BASE_IMAGE}));
    // The certificates of the host store (a file of many PEM blocks) given on the command line.
    let bundle = "/etc/ssl/certs/ca-certificates.crt";
    let out = home.run("build", Some(&ws), &["--plan", "--ca-certificate", bundle]);
    assert!(out.status.success(), "{}", text(&out));
    let plan = json(&out);
    let names: Vec<&str> = plan["layers"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["base", "system", "ca", "user"]);
    let ca = &plan["layers"][2];
    assert_eq!(ca["parentKey"].as_str(), Some(plain[1].1.as_str()), "the ca layer sits on the system layer");
    assert_eq!(plan["layers"][1]["key"].as_str(), Some(plain[1].1.as_str()));
    assert_ne!(plan["layers"][3]["key"].as_str(), Some(plain[2].1.as_str()));
    // The same certificates from the user config: the same key; a private key is refused.
    user_config(&home, &json!({"caCertificates": [bundle]}));
    let from_config = plan_layers(&home, &ws);
    assert_eq!(from_config[2].1, ca["key"].as_str().unwrap());
    let key = home.dir.path().join("key.pem");
    std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").unwrap();
    let refused = home.run("build", Some(&ws), &["--plan", "--ca-certificate", key.to_str().unwrap()]);
    assert!(!refused.status.success() && text(&refused).contains("not PEM"), "{}", text(&refused));
}

#[test]
fn with_the_host_cas_a_build_reaches_npm_over_https_and_without_them_it_does_not() {
    assert!(host_has_extra_cas(), "this test needs the proxy's CA in {}", containai::plan::ca::HOST_CA_DIR);
    let images = Images::new();
    let marker = crate::support::unique("ca-fetch");
    let home = Home::new();
    let ws = home.workspace(&marker, &json!({"image": BASE_IMAGE, "features": {"./fetch": {}}}));
    fetching_feature(&ws, &marker);

    let without = home.run("build", Some(&ws), &[]);
    let log = text(&without);
    assert!(!without.status.success(), "HTTPS worked without the proxy's CA:\n{log}");
    assert!(log.contains("certificate"), "{log}");

    user_config(&home, &json!({"hostCaCertificates": true}));
    let name = format!("containai-test/{marker}:1");
    images.add(name.clone());
    let with = home.run("build", Some(&ws), &["--image-name", &name]);
    assert!(with.status.success(), "{}", text(&with));
    let env = crate::support::docker(&["image", "inspect", "--format", "{{json .Config.Env}}", &name]);
    for var in ["NODE_EXTRA_CA_CERTS=", "REQUESTS_CA_BUNDLE=", "PIP_CERT=", "SSL_CERT_FILE="] {
        assert!(env.contains(var), "{var} in {env}");
    }
    // The container trusts them too: curl inside the built image.
    let out = crate::support::docker_output(&[
        "run",
        "--rm",
        "--entrypoint",
        "curl",
        &name,
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "https://registry.npmjs.org/npm/latest",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200", "{}", text(&out));
}
