//! CA certificate files the user named (user config, command line; never the repository) → their certificates
//! as PEM blocks checked and re-written, and the keyed `ca` layer that installs them in the system store and
//! points Node, Python and OpenSSL at it, so that builds and containers behind a TLS-intercepting proxy work.

use super::Result;
use super::key::LayerKey;
use super::render::render;
use crate::plan::model::{ContextFile, Layer, LayerContext, cache_tag};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Where the certificates go in the image (`update-ca-certificates` reads `*.crt` below it).
pub const CA_DIR: &str = "/usr/local/share/ca-certificates/containai";
/// The host folder `hostCaCertificates: true` reads (`*.crt`, as `update-ca-certificates` does).
pub const HOST_CA_DIR: &str = "/usr/local/share/ca-certificates";
/// The bundle of the user's certificates alone (for `NODE_EXTRA_CA_CERTS`, which adds to Node's own roots).
const EXTRA_BUNDLE: &str = "containai-extra.pem";

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// The certificates of one named file, re-written as PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaFile {
    /// The file as named (for messages).
    pub source: PathBuf,
    /// Its `CERTIFICATE` blocks, 64-column base64, nothing else.
    pub pem: String,
}

/// The certificates in effect, in the order named (duplicates by content dropped). Empty: no layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaCertificates {
    pub files: Vec<CaFile>,
}

/// Why a named certificate file is refused.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("cannot read the CA certificate `{}`: {source}\nhint: name a readable PEM file in `caCertificates` or `--ca-certificate`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot list `{}` for `hostCaCertificates`: {source}", path.display())]
    ListHost {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the CA certificate file `{}` is not PEM: {reason}\nhint: give `-----BEGIN CERTIFICATE-----` blocks only (no keys, no DER); `openssl x509 -in FILE -out FILE.crt` converts one", path.display())]
    NotPem { path: PathBuf, reason: String },
}

/// `text` → its certificate blocks re-encoded, or why not: at least one block, every block well-formed base64,
/// and no other PEM block (a private key named by mistake never reaches an image).
pub fn certificates_of(text: &str) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line.starts_with("-----BEGIN ") {
            if line != BEGIN {
                return Err(format!("it holds a `{line}` block"));
            }
            let mut body = String::new();
            loop {
                match lines.next() {
                    None => return Err("a certificate block has no end line".into()),
                    Some(END) => break,
                    Some(l) if l.starts_with("-----") => return Err(format!("unexpected `{l}` in a block")),
                    Some(l) => body.push_str(l),
                }
            }
            let der = data_encoding::BASE64
                .decode(body.as_bytes())
                .map_err(|e| format!("a certificate block is not base64 ({e})"))?;
            // A DER certificate is a SEQUENCE (0x30) of some length.
            if der.len() < 64 || der[0] != 0x30 {
                return Err("a certificate block does not hold a DER certificate".into());
            }
            out.push_str(BEGIN);
            out.push('\n');
            let encoded = data_encoding::BASE64.encode(&der);
            for chunk in encoded.as_bytes().chunks(64) {
                out.push_str(std::str::from_utf8(chunk).expect("base64 is ascii"));
                out.push('\n');
            }
            out.push_str(END);
            out.push('\n');
        } else if line.starts_with("-----END ") {
            return Err(format!("`{line}` without its begin line"));
        }
    }
    if out.is_empty() {
        return Err("no `-----BEGIN CERTIFICATE-----` block".into());
    }
    Ok(out)
}

impl CaCertificates {
    /// Reads the named files (and, when `host` is set, every `*.crt` in [`HOST_CA_DIR`], sorted), each checked.
    pub fn read(paths: &[PathBuf], host: bool) -> std::result::Result<CaCertificates, CaError> {
        let mut all: Vec<PathBuf> = Vec::new();
        if host {
            all.extend(host_files(Path::new(HOST_CA_DIR))?);
        }
        all.extend(paths.iter().cloned());
        let mut files: Vec<CaFile> = Vec::new();
        for path in all {
            let text = std::fs::read_to_string(&path).map_err(|source| CaError::Read { path: path.clone(), source })?;
            let pem = certificates_of(&text).map_err(|reason| CaError::NotPem { path: path.clone(), reason })?;
            if !files.iter().any(|f| f.pem == pem) {
                files.push(CaFile { source: path, pem });
            }
        }
        Ok(CaCertificates { files })
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The layer's context: one `NN-<name>.crt` per file and the bundle of them all.
    fn context_files(&self) -> Vec<ContextFile> {
        let mut files: Vec<ContextFile> = self
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| ContextFile {
                path: format!("{i:02}-{}.crt", safe_stem(&f.source)),
                mode: 0o644,
                bytes: f.pem.clone().into_bytes(),
            })
            .collect();
        let bundle: String = self.files.iter().map(|f| f.pem.as_str()).collect();
        files.push(ContextFile { path: EXTRA_BUNDLE.into(), mode: 0o644, bytes: bundle.into_bytes() });
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

/// `*.crt` files of `dir`, sorted; none when it does not exist.
fn host_files(dir: &Path) -> std::result::Result<Vec<PathBuf>, CaError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(CaError::ListHost { path: dir.to_path_buf(), source }),
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "crt") && p.is_file())
        .collect();
    found.sort();
    Ok(found)
}

/// A file stem of `[A-Za-z0-9._-]` only (others become `_`), at most 40 characters.
fn safe_stem(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let safe: String = stem
        .chars()
        .take(40)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect();
    if safe.is_empty() { "ca".into() } else { safe }
}

/// The `ca` layer over `parent`: keyed by the certificates' bytes (a new certificate is a new layer).
pub fn layer(ca: &CaCertificates, parent: &str) -> Result<Layer> {
    let dockerfile = render(
        "ca",
        &json!({
            "parent": cache_tag(parent),
            "dir": CA_DIR,
            "bundle": format!("{CA_DIR}/{EXTRA_BUNDLE}"),
        }),
    )?;
    let files = ca.context_files();
    let key = LayerKey::new("ca", Some(parent), &dockerfile).with_files(&files).hash();
    Ok(Layer::new("ca", key, Some(parent), dockerfile, LayerContext::Files { files }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A syntactically valid DER certificate prefix is enough for the checks (they do not parse X.509).
    fn block(seed: u8) -> String {
        let mut der = vec![0x30, 0x82, 0x01, 0x00];
        der.extend((0..120u8).map(|i| i.wrapping_mul(seed)));
        let b64 = data_encoding::BASE64.encode(&der);
        format!("{BEGIN}\n{b64}\n{END}\n")
    }

    #[test]
    fn certificate_blocks_are_kept_and_anything_else_refused() {
        let two = format!("subject=CN x\n{}\n{}", block(3), block(5));
        let pem = certificates_of(&two).unwrap();
        assert_eq!(pem.matches(BEGIN).count(), 2);
        assert!(!pem.contains("subject"), "{pem}");
        assert!(pem.lines().all(|l| l.len() <= 64));
        let key = format!("{}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", block(3));
        assert!(certificates_of(&key).unwrap_err().contains("PRIVATE KEY"));
        assert!(certificates_of("hello").unwrap_err().contains("no `-----BEGIN"));
        assert!(certificates_of(&format!("{BEGIN}\n!!!!\n{END}\n")).unwrap_err().contains("base64"));
        assert!(certificates_of(&format!("{BEGIN}\nAAAA\n")).unwrap_err().contains("no end"));
        assert!(certificates_of(&format!("{BEGIN}\nAAAA\n{END}\n")).unwrap_err().contains("DER"));
    }

    #[test]
    fn reads_named_files_drops_duplicates_and_names_the_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, bad) = (dir.path().join("a b.crt"), dir.path().join("b.pem"), dir.path().join("bad.crt"));
        std::fs::write(&a, block(3)).unwrap();
        std::fs::write(&b, block(3)).unwrap();
        std::fs::write(&bad, "not a certificate").unwrap();
        let read = CaCertificates::read(&[a.clone(), b], false).unwrap();
        assert_eq!(read.files.len(), 1);
        let names: Vec<String> = read.context_files().into_iter().map(|f| f.path).collect();
        assert_eq!(names, ["00-a_b.crt", EXTRA_BUNDLE]);
        let err = CaCertificates::read(&[a, bad.clone()], false).unwrap_err().to_string();
        assert!(err.contains(&bad.display().to_string()) && err.contains("not PEM"), "{err}");
    }

    #[test]
    fn the_layer_key_follows_the_certificates_bytes() {
        let one = CaCertificates { files: vec![CaFile { source: "/x/a.crt".into(), pem: block(3) }] };
        let other = CaCertificates { files: vec![CaFile { source: "/x/a.crt".into(), pem: block(7) }] };
        let parent = "p".repeat(64);
        let (l1, l2) = (layer(&one, &parent).unwrap(), layer(&other, &parent).unwrap());
        assert_ne!(l1.key, l2.key);
        assert_eq!(l1.key, layer(&one, &parent).unwrap().key);
        assert_ne!(l1.key, layer(&one, &"q".repeat(64)).unwrap().key);
        assert!(l1.dockerfile.contains("update-ca-certificates") && l1.dockerfile.contains("NODE_EXTRA_CA_CERTS"));
    }
}
