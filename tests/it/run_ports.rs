//! `forwardPorts` for real (engine-backed, runc insecure mode): two workspaces forwarding the same port both
//! come up; the first gets it on 127.0.0.1, the second an ephemeral port, said on stderr and in
//! `forwardedPorts`; a server in the second container answers there. Fails when no engine answers.

use crate::support::sandbox::{Home, Workspaces, json};
use crate::support::{docker, text, token};
use serde_json::{Value, json};
use std::io::Read;

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
}

/// The result's `forwardedPorts` as `(container, host)`.
fn forwarded(result: &Value) -> Vec<(u64, u64)> {
    let list = result["forwardedPorts"].as_array().unwrap_or_else(|| panic!("no forwardedPorts: {result}"));
    list.iter().map(|p| (p["container"].as_u64().unwrap(), p["host"].as_u64().unwrap())).collect()
}

/// The container that publishes a sandbox's ports: its egress proxy (a sandbox on its internal network cannot).
fn publisher(sandbox: &str) -> String {
    format!("{}-egress", docker(&["inspect", "-f", "{{.Name}}", sandbox]).trim_start_matches('/'))
}

#[test]
fn two_workspaces_forwarding_one_port_both_come_up_and_say_where() {
    let home = Home::new();
    let port = free_port();
    let config = json!({
        "image": "containai-test/base:bookworm",
        "forwardPorts": [port],
        "customizations": {"containai": {"ssh": false}}
    });
    let a = home.workspace(&token("cai-ports-a"), &config);
    let b = home.workspace(&token("cai-ports-b"), &config);
    let _images = Workspaces(vec![a.clone(), b.clone()]);
    let up = |ws| home.run("up", Some(ws), &["--allow-insecure-runtime", "--skip-post-create"]);

    let first = up(&a);
    assert!(first.status.success(), "{}", text(&first));
    let first = json(&first);
    assert_eq!(forwarded(&first), [(u64::from(port), u64::from(port))]);
    let id_a = first["containerId"].as_str().unwrap();
    assert_eq!(docker(&["port", &publisher(id_a), &format!("{port}/tcp")]), format!("127.0.0.1:{port}"));

    let second = up(&b);
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains(&format!("port {port} is in use on 127.0.0.1")), "{}", text(&second));
    let second = json(&second);
    let [(container, host)] = forwarded(&second)[..] else { panic!("{second}") };
    assert_eq!(container, u64::from(port));
    assert_ne!(host, u64::from(port));
    let id_b = second["containerId"].as_str().unwrap();
    assert_eq!(docker(&["port", &publisher(id_b), &format!("{port}/tcp")]), format!("127.0.0.1:{host}"));

    // A server in the second container answers on the port the result names.
    let reply = token("hello");
    let serve = format!("systemd-socket-activate -l {port} --inetd -a /bin/echo {reply}");
    docker(&["exec", "-d", id_b, "sh", "-c", &serve]);
    let mut got = String::new();
    for _ in 0..50 {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", host as u16)) {
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            got.clear();
            let _ = stream.read_to_string(&mut got);
            if got.contains(&reply) {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(got.trim(), reply);

    // The next up of the first workspace reuses its container and reports the same port.
    let again = up(&a);
    assert!(again.status.success(), "{}", text(&again));
    let again = json(&again);
    assert_eq!(
        (again["containerId"].as_str(), forwarded(&again)),
        (Some(id_a), vec![(u64::from(port), u64::from(port))])
    );
}
