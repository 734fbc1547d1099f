//! `--secrets-file` (a JSON object of names to string values, as the reference CLI takes it) → environment
//! for the lifecycle commands `up` runs, and a mask that keeps the values out of everything containai prints.
//!
//! Secrets are given to the processes containai starts in the container (the exec requests of the hooks) and
//! nowhere else: not the image, not its labels, not the container's create request, not the result JSON.

use super::{Result, RunError};
use std::collections::BTreeMap;
use std::path::Path;

/// What replaces a secret's value in logs and error messages.
pub const MASK: &str = "********";

/// Secrets by name, in name order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets(BTreeMap<String, String>);

impl Secrets {
    /// Reads a secrets file: one JSON object whose values are strings.
    pub fn load(path: &Path) -> Result<Secrets> {
        let text = std::fs::read_to_string(path).map_err(RunError::io("read", path))?;
        Secrets::parse(&text).map_err(|reason| RunError::Config(format!("{}: {reason}", path.display())))
    }

    /// Parses the file's text; the error names the offending entry.
    pub fn parse(text: &str) -> std::result::Result<Secrets, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let serde_json::Value::Object(map) = value else {
            return Err("a secrets file must hold one JSON object of `\"NAME\": \"value\"` entries".into());
        };
        let mut secrets = BTreeMap::new();
        for (name, value) in map {
            let valid = !name.is_empty() && !name.contains(['=', '\0']);
            if !valid {
                return Err(format!("`{name}` is not an environment variable name"));
            }
            let serde_json::Value::String(value) = value else {
                return Err(format!("`{name}`: the value must be a string"));
            };
            secrets.insert(name, value);
        }
        Ok(Secrets(secrets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `NAME=value` entries, for an exec request's environment.
    pub fn env(&self) -> impl Iterator<Item = String> + '_ {
        self.0.iter().map(|(name, value)| format!("{name}={value}"))
    }

    /// `text` with every secret value replaced by [`MASK`], in each of the forms of [`encodings`] (longest
    /// first, so no part of one stays visible).
    ///
    /// Masking is best effort: it catches a hook that prints a secret as is or in a common encoding, but a hook
    /// that transforms a secret otherwise (splits it, hashes it, encodes it inside a longer text) still prints
    /// something derived from it. Never give a secret to a hook you do not trust.
    pub fn mask(&self, text: &str) -> String {
        let mut forms: Vec<String> = self.0.values().filter(|v| !v.is_empty()).flat_map(|v| encodings(v)).collect();
        forms.sort_by_key(|v| std::cmp::Reverse(v.len()));
        forms.dedup();
        forms.into_iter().fold(text.to_string(), |out, form| out.replace(&form, MASK))
    }
}

/// `value` as is, reversed, in base64 (standard and URL-safe, with and without padding), URL-encoded (`%XX`) and
/// in hex (lower and upper case).
pub fn encodings(value: &str) -> Vec<String> {
    use data_encoding::{BASE64, BASE64_NOPAD, BASE64URL, BASE64URL_NOPAD, HEXLOWER, HEXUPPER};
    let bytes = value.as_bytes();
    let mut forms = vec![value.to_string(), value.chars().rev().collect(), url_encoded(value)];
    forms.extend([BASE64, BASE64_NOPAD, BASE64URL, BASE64URL_NOPAD, HEXLOWER, HEXUPPER].map(|e| e.encode(bytes)));
    forms
}

/// Percent-encoding of every byte outside the unreserved characters (`A-Z a-z 0-9 - . _ ~`).
fn url_encoded(value: &str) -> String {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    value.bytes().map(|b| if keep(b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secrets_file_is_an_object_of_strings() {
        let s = Secrets::parse(r#"{"TOKEN": "abc123", "OTHER": "abc"}"#).unwrap();
        assert_eq!(s.env().collect::<Vec<_>>(), ["OTHER=abc", "TOKEN=abc123"]);
        assert_eq!(s.mask("x abc123 y abc z"), format!("x {MASK} y {MASK} z"));
        for (bad, why) in [
            ("[]", "one JSON object"),
            (r#"{"A": 1}"#, "`A`: the value must be a string"),
            (r#"{"A=B": "x"}"#, "not an environment"),
            ("{", "not JSON"),
        ] {
            assert!(Secrets::parse(bad).unwrap_err().contains(why), "{bad}");
        }
        assert_eq!(Secrets::parse(r#"{"E": ""}"#).unwrap().mask("as is"), "as is");
    }

    #[test]
    fn the_reversed_base64_url_and_hex_forms_are_masked_too() {
        let s = Secrets::parse(r#"{"TOKEN": "s3cr3t/+?&"}"#).unwrap();
        let forms = [
            "s3cr3t/+?&",
            "&?+/t3rc3s",
            "czNjcjN0Lys/Jg==",
            "czNjcjN0Lys/Jg",
            "czNjcjN0Lys_Jg==",
            "s3cr3t%2F%2B%3F%26",
            "7333637233742f2b3f26",
            "7333637233742F2B3F26",
        ];
        for form in forms {
            assert_eq!(s.mask(&format!("<{form}>")), format!("<{MASK}>"), "{form}");
        }
        assert_eq!(s.mask("s3cr3t alone"), "s3cr3t alone", "a part of a secret is not the secret");
    }
}
