//! JSON value + substitution context → the value with `${...}` variables replaced as the reference CLI does.
//!
//! Only string values change (object keys never do). Unknown variables, `${containerEnv:...}` included, stay
//! as written for later stages. `${devcontainerId}` is a separate pass ([`devcontainer_id_pass`]).

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// `${localEnv}` or `${env}` without a variable name: the reference refuses the config. Holds the match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingName(pub String);

type Result<T> = std::result::Result<T, MissingName>;

/// What the variables resolve to.
pub struct Context<'a> {
    pub local_workspace_folder: Option<&'a str>,
    pub container_workspace_folder: Option<String>,
    /// Looks up a local environment variable.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Host environment lookup (lossy on non-UTF-8 values, as Node is).
pub fn host_env(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

impl Context<'_> {
    /// Resolves `containerWorkspaceFolder` itself, against its unresolved value, as the reference does first.
    pub fn resolve_container_folder(mut self) -> Result<Self> {
        if let Some(folder) = self.container_workspace_folder.clone() {
            self.container_workspace_folder = Some(replace_all(&folder, &mut |m, v, a| self.resolve(m, v, a))?);
        }
        Ok(self)
    }

    /// Substitutes every string in `value`.
    pub fn apply(&self, value: &Value) -> Result<Value> {
        map_strings(value, &mut |s| replace_all(s, &mut |m, v, a| self.resolve(m, v, a)))
    }

    fn resolve(&self, matched: &str, variable: &str, args: &[&str]) -> Result<String> {
        Ok(match variable {
            "env" | "localEnv" => {
                let Some(name) = args.first() else {
                    return Err(MissingName(matched.to_string()));
                };
                (self.env)(name).unwrap_or_else(|| args.get(1).map(|d| d.to_string()).unwrap_or_default())
            }
            "localWorkspaceFolder" => self.local_workspace_folder.map_or_else(|| matched.into(), str::to_string),
            "localWorkspaceFolderBasename" => {
                self.local_workspace_folder.map_or_else(|| matched.into(), |f| posix_basename(f).to_string())
            }
            "containerWorkspaceFolder" => self.container_workspace_folder.clone().unwrap_or_else(|| matched.into()),
            "containerWorkspaceFolderBasename" => self
                .container_workspace_folder
                .as_deref()
                .map_or_else(|| matched.into(), |f| posix_basename(f).to_string()),
            _ => matched.to_string(),
        })
    }
}

/// Replaces `${devcontainerId}` (the reference does this once the id labels are known).
pub fn devcontainer_id_pass(value: &Value, id: &str) -> Value {
    let replaced: Result<Value> = map_strings(value, &mut |s| {
        replace_all(s, &mut |m, v, _| Ok(if v == "devcontainerId" { id.to_string() } else { m.to_string() }))
    });
    replaced.unwrap_or_else(|_| value.clone())
}

/// `${devcontainerId}`: sha256 of the id labels as JSON with sorted keys, as a base-32 number padded to 52.
pub fn devcontainer_id(labels: &BTreeMap<String, String>) -> String {
    let json = serde_json::to_string(labels).unwrap_or_default();
    let digest = Sha256::digest(json.as_bytes());
    base32_number(&digest)
}

/// Big-endian bytes → the number in base 32 (digits `0-9a-v`), left-padded with `0` to 52 characters,
/// like JavaScript's `BigInt(..).toString(32).padStart(52, '0')`.
fn base32_number(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = Vec::with_capacity(52);
    let (mut acc, mut bits) = (0u32, 0u32);
    // 256 bits are not a multiple of 5: the leading group is short, so walk from the least significant end.
    for &byte in bytes.iter().rev() {
        acc |= (byte as u32) << bits;
        bits += 8;
        while bits >= 5 {
            out.push(DIGITS[(acc & 31) as usize]);
            acc >>= 5;
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(DIGITS[(acc & 31) as usize]);
    }
    while out.len() > 1 && out.last() == Some(&b'0') {
        out.pop();
    }
    while out.len() < 52 {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn posix_basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "";
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Applies `f` to every string value (not keys), rebuilding arrays and objects.
fn map_strings(value: &Value, f: &mut dyn FnMut(&str) -> Result<String>) -> Result<Value> {
    Ok(match value {
        Value::String(s) if s.contains("${") => Value::String(f(s)?),
        Value::Array(items) => Value::Array(items.iter().map(|v| map_strings(v, f)).collect::<Result<_>>()?),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| Ok((k.clone(), map_strings(v, f)?))).collect::<Result<_>>()?)
        }
        other => other.clone(),
    })
}

/// JavaScript's `.` does not match line terminators.
fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// Resolves one match: `(whole match, variable, arguments)` → replacement.
type Resolve<'r> = dyn FnMut(&str, &str, &[&str]) -> Result<String> + 'r;

/// `s.replace(/\$\{(.*?)\}/g, ...)`: each match's inner text is split on `:` into variable and arguments.
fn replace_all(s: &str, resolve: &mut Resolve<'_>) -> Result<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let inner_start = start + 2;
        let end = rest[inner_start..]
            .char_indices()
            .take_while(|&(_, c)| !is_line_terminator(c))
            .find(|&(_, c)| c == '}')
            .map(|(i, _)| inner_start + i);
        let Some(end) = end else {
            // No match at this `$`: the regex moves on by one character.
            out.push_str(&rest[..start + 1]);
            rest = &rest[start + 1..];
            continue;
        };
        out.push_str(&rest[..start]);
        let inner = &rest[inner_start..end];
        let mut parts = inner.split(':');
        let variable = parts.next().unwrap_or("");
        let args: Vec<&str> = parts.collect();
        out.push_str(&resolve(&rest[start..=end], variable, &args)?);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Values shorter than this are not taken for a host variable's value when redacting (they would match too much
/// and are no secret).
const REDACT_MIN: usize = 4;

/// `value` with every host variable's value that `${localEnv:NAME}` put in it written back as `${localEnv:NAME}`:
/// for what leaves the host's process (an image label, a printed result), where a token must not appear.
pub fn redact_local_env(value: &Value, names: &[String], env: &dyn Fn(&str) -> Option<String>) -> Value {
    let mut pairs: Vec<(String, String)> = names
        .iter()
        .filter_map(|n| env(n).filter(|v| v.chars().count() >= REDACT_MIN).map(|v| (v, format!("${{localEnv:{n}}}"))))
        .collect();
    if pairs.is_empty() {
        return value.clone();
    }
    pairs.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
    let redact = |s: &str| pairs.iter().fold(s.to_string(), |out, (v, name)| out.replace(v.as_str(), name));
    fn walk(value: &Value, redact: &dyn Fn(&str) -> String) -> Value {
        match value {
            Value::String(s) => Value::String(redact(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| walk(v, redact)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (redact(k), walk(v, redact))).collect()),
            other => other.clone(),
        }
    }
    walk(value, &redact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/u".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn ctx() -> Context<'static> {
        Context {
            local_workspace_folder: Some("/src/my-app"),
            container_workspace_folder: Some("/workspaces/${localWorkspaceFolderBasename}".into()),
            env: &env,
        }
    }

    #[test]
    fn variables_like_the_reference() {
        let v = json!({
            "a": "${localEnv:HOME}|${env:HOME}|${localEnv:NOPE}|${localEnv:NOPE:dflt:x}|${localEnv:EMPTY:d}",
            "b": ["${localWorkspaceFolder}", "${localWorkspaceFolderBasename}"],
            "c": {"${localEnv:HOME}": "${containerWorkspaceFolder} ${containerWorkspaceFolderBasename}"},
            "d": "${containerEnv:PATH} ${devcontainerId} ${unknown} ${ nope } $${localEnv:HOME}",
            "e": "${localEnv:HOME\n}",
        });
        let out = ctx().resolve_container_folder().unwrap().apply(&v).unwrap();
        assert_eq!(
            out,
            json!({
                "a": "/home/u|/home/u||dflt|",
                "b": ["/src/my-app", "my-app"],
                "c": {"${localEnv:HOME}": "/workspaces/my-app my-app"},
                "d": "${containerEnv:PATH} ${devcontainerId} ${unknown} ${ nope } $/home/u",
                "e": "${localEnv:HOME\n}",
            })
        );
    }

    #[test]
    fn host_values_are_written_back_as_their_variables() {
        let env = |name: &str| match name {
            "TOKEN" => Some("ghp_secret123".to_string()),
            "SHORT" => Some("1".to_string()),
            _ => None,
        };
        let names = vec!["TOKEN".to_string(), "SHORT".to_string(), "UNSET".to_string()];
        let value = json!({"containerEnv": {"GH": "ghp_secret123", "N": "1", "URL": "https://x:ghp_secret123@h"}});
        let redacted = redact_local_env(&value, &names, &env);
        assert_eq!(
            redacted,
            json!({"containerEnv": {"GH": "${localEnv:TOKEN}", "N": "1", "URL": "https://x:${localEnv:TOKEN}@h"}})
        );
    }

    #[test]
    fn env_without_a_name_is_an_error() {
        let err = ctx().apply(&json!({"a": "x ${localEnv} ${env:}"})).unwrap_err();
        assert_eq!(err, MissingName("${localEnv}".into()));
        assert_eq!(ctx().apply(&json!("${env:}")).unwrap(), json!(""));
    }

    #[test]
    fn devcontainer_id_matches_the_reference() {
        // Computed by @devcontainers/cli 0.89.0 for these labels.
        let labels = BTreeMap::from([
            ("devcontainer.local_folder".to_string(), "/tmp/rc1".to_string()),
            ("devcontainer.config_file".to_string(), "/tmp/rc1/.devcontainer/devcontainer.json".to_string()),
        ]);
        let id = devcontainer_id(&labels);
        assert_eq!(id.len(), 52);
        assert_eq!(id, REFERENCE_ID);
        let out = devcontainer_id_pass(&json!(["${devcontainerId}", "${devcontainerId:x}"]), &id);
        assert_eq!(out, json!([id, id]));
    }

    const REFERENCE_ID: &str = "0r7tq9sje9rgmghsptbm58qjlo0qu4arc3o83m9v475q04ahv7v6";
}
