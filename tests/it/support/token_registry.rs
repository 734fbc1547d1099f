//! A registry behind bearer-token auth, as ghcr.io and Docker Hub answer: a proxy on a free 127.0.0.1 port in
//! front of a plain `docker-registry` that answers `401` with a `Bearer` challenge to any request without its
//! token, serves `/token` to a client that logs in (basic) as `user`/`password`, and forwards the rest.
#![allow(dead_code)]

use super::registry::Registry;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const TOKEN: &str = "containai-test-bearer-token";

/// The proxy and its registry; stopped on drop.
pub struct TokenRegistry {
    pub registry: Registry,
    /// `localhost:PORT` of the proxy.
    pub host: String,
    /// How many tokens `/token` handed out.
    pub tokens_issued: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl TokenRegistry {
    pub fn start(user: &str, password: &str) -> TokenRegistry {
        let registry = Registry::start();
        let backend = registry.host.replace("localhost", "127.0.0.1");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, tokens_issued) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
        let basic = format!("Basic {}", data_encoding::BASE64.encode(format!("{user}:{password}").as_bytes()));
        let (stopping, issued) = (stop.clone(), tokens_issued.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let (backend, basic, issued) = (backend.clone(), basic.clone(), issued.clone());
                std::thread::spawn(move || serve(client, &backend, port, &basic, &issued));
            }
        });
        TokenRegistry { registry, host: format!("localhost:{port}"), tokens_issued, stop, port }
    }
}

impl Drop for TokenRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// One connection: one request (every answer closes the connection).
fn serve(mut client: TcpStream, backend: &str, port: u16, basic: &str, issued: &AtomicUsize) {
    let Some((head, rest)) = read_head(&mut client) else { return };
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
    };
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let authorization = header("authorization").unwrap_or("").to_string();
    if path.starts_with("/token") {
        let answer = match authorization == basic {
            true => {
                issued.fetch_add(1, Ordering::SeqCst);
                let body = format!(r#"{{"token":"{TOKEN}","access_token":"{TOKEN}","expires_in":300}}"#);
                let length = body.len();
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{body}"
                )
            }
            false => "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
        };
        let _ = client.write_all(answer.as_bytes());
        return;
    }
    if authorization != format!("Bearer {TOKEN}") {
        let challenge = format!(
            "Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"containai-test\",scope=\"repository:pull\""
        );
        let answer = format!(
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {challenge}\r\nDocker-Distribution-API-Version: registry/2.0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = client.write_all(answer.as_bytes());
        return;
    }
    let Ok(mut upstream) = TcpStream::connect(backend) else { return };
    let head: String = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:") && !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect();
    let _ = upstream.write_all(format!("{head}Connection: close\r\n\r\n").as_bytes());
    let _ = upstream.write_all(&rest);
    let (mut from_client, mut to_upstream) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_upstream);
        let _ = to_upstream.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(Shutdown::Both);
}

/// The request head (up to the blank line) and the bytes read past it.
fn read_head(client: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            return Some((head, buffer[end + 4..].to_vec()));
        }
        let n = client.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..n]);
        // A TLS handshake (the engine tries https first): closed at once, so that it falls back to http.
        if buffer[0] == 0x16 {
            return None;
        }
    }
}
