//! The proxy's access log (squid's lines in [`super::squid::LOG_FORMAT`]) → records: time, host, port,
//! allowed or denied, bytes; read from the running proxy through the engine.

use super::{EgressError, Result, squid};
use crate::engine::{ContainerEngine, ExecRequest};
use serde::Serialize;

/// One request the sandbox made through its proxy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Seconds since the epoch, with milliseconds.
    pub time: f64,
    /// `GET`, `CONNECT`, ...
    pub method: String,
    pub host: String,
    pub port: Option<u16>,
    pub allowed: bool,
    /// The HTTP status the proxy answered (`403` when it refused).
    pub status: u16,
    /// Bytes of request and reply together.
    pub bytes: u64,
}

/// One log line, or `None` for a line of another shape.
pub fn parse_line(line: &str) -> Option<Record> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [time, method, host, port, status, bytes, result] = fields.as_slice() else { return None };
    Some(Record {
        time: time.parse().ok()?,
        method: method.to_string(),
        host: host.to_string(),
        port: port.parse().ok(),
        allowed: !result.contains("DENIED"),
        status: status.parse().unwrap_or(0),
        bytes: bytes.parse().unwrap_or(0),
    })
}

/// Every record in `text`.
pub fn parse(text: &str) -> Vec<Record> {
    text.lines().filter_map(parse_line).collect()
}

/// The proxy's whole log, read inside it.
pub async fn read(engine: &dyn ContainerEngine, proxy_name: &str) -> Result<Vec<Record>> {
    let proxy = engine.inspect_container(proxy_name).await?.ok_or(EgressError::NoProxy)?;
    if !proxy.running {
        return Err(EgressError::Setup {
            message: format!("egress proxy `{proxy_name}` is not running (the sandbox has no egress)"),
            hint: "run `containai up` to start it again".into(),
        });
    }
    let request = ExecRequest {
        cmd: vec!["cat".into(), squid::ACCESS_LOG.into()],
        user: Some("root".into()),
        ..Default::default()
    };
    let out = engine.exec(&proxy.id, &request).await?;
    Ok(parse(&out.stdout))
}

impl Record {
    /// `time host:port allowed|denied status bytes`, for people.
    pub fn line(&self) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        let verdict = if self.allowed { "allowed" } else { "denied" };
        format!("{:.3} {} {}{port} {verdict} {} {}", self.time, self.method, self.host, self.status, self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squid_lines_become_records() {
        let text = "1796685227.035 GET allowed.test 80 200 3717 TCP_MISS\n\
                    1796685227.044 CONNECT denied.test 443 403 3546 TCP_DENIED\n\
                    2026/12/07 a cache.log line\n";
        let records = parse(text);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].host, "allowed.test");
        assert!(records[0].allowed && records[0].status == 200 && records[0].bytes == 3717);
        assert_eq!((records[1].method.as_str(), records[1].port, records[1].allowed), ("CONNECT", Some(443), false));
        assert_eq!(records[1].line(), "1796685227.044 CONNECT denied.test:443 denied 403 3546");
    }
}
