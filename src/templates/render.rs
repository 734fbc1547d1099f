//! A template + option values + `--omit-paths` → the files to write, `${templateOption:NAME}` replaced, every
//! devcontainer.json among them checked against containai's schema.

use super::options::OptionValues;
use super::{Result, Template, TemplateError};
use crate::config::{jsonc, validate};
use std::path::Path;

/// A file ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Relative to the workspace, `/`-separated.
    pub path: String,
    pub mode: u32,
    pub bytes: Vec<u8>,
}

/// Leaves out the omitted files, substitutes the options, checks the devcontainer.json files.
pub fn render(template: &Template, values: &OptionValues, omit_paths: &[String]) -> Result<Vec<RenderedFile>> {
    let omitted = omitted(template, omit_paths)?;
    let mut out = Vec::new();
    for (file, _) in template.files.iter().zip(&omitted).filter(|(_, omit)| !**omit) {
        let bytes = match std::str::from_utf8(&file.bytes) {
            Ok(text) => substitute(text, values)
                .map_err(|option| TemplateError::UndeclaredOption {
                    template: template.id().to_string(),
                    file: file.path.clone(),
                    option,
                })?
                .into_bytes(),
            Err(_) => file.bytes.clone(),
        };
        if is_devcontainer_json(&file.path) {
            check_config(template, &file.path, &bytes)?;
        }
        out.push(RenderedFile { path: file.path.clone(), mode: file.mode, bytes });
    }
    Ok(out)
}

/// Which files `--omit-paths` leaves out: `a/b` (a file, or everything under folder `a/b`), `dir/` or `dir/*`.
/// An entry that matches nothing is an error: a typo would otherwise write the file meant to be left out.
fn omitted(template: &Template, omit_paths: &[String]) -> Result<Vec<bool>> {
    let mut omitted = vec![false; template.files.len()];
    for raw in omit_paths {
        let path = raw.trim_start_matches("./");
        let folder = path.trim_end_matches('*').trim_end_matches('/');
        let mut matched = false;
        for (file, omit) in template.files.iter().zip(omitted.iter_mut()) {
            let under = !folder.is_empty() && file.path.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/'));
            if file.path == path || under {
                *omit = true;
                matched = true;
            }
        }
        if !matched {
            let files = template.files.iter().map(|f| format!("`{}`", f.path)).collect::<Vec<_>>().join(", ");
            return Err(TemplateError::OmitMatchesNothing {
                template: template.id().to_string(),
                path: raw.clone(),
                files,
            });
        }
    }
    Ok(omitted)
}

/// Replaces `${templateOption:NAME}` (spaces around NAME allowed, as in the reference CLI). `Err(NAME)` for an
/// option the template does not declare.
pub fn substitute(text: &str, values: &OptionValues) -> std::result::Result<String, String> {
    const OPEN: &str = "${templateOption:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = after[..end].trim();
        if !super::metadata::valid_option_id(name) {
            out.push_str(OPEN);
            rest = after;
            continue;
        }
        out.push_str(values.get(name).ok_or_else(|| name.to_string())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is_devcontainer_json(path: &str) -> bool {
    matches!(path.rsplit('/').next(), Some("devcontainer.json" | ".devcontainer.json"))
}

/// The rendered devcontainer.json must parse and pass the schema (a quote in a value could break it).
fn check_config(template: &Template, path: &str, bytes: &[u8]) -> Result<()> {
    let invalid = |e| TemplateError::InvalidResult {
        template: template.id().to_string(),
        file: path.to_string(),
        error: Box::new(e),
    };
    let text = String::from_utf8_lossy(bytes);
    let value = jsonc::parse(Path::new(path), &text).map_err(invalid)?;
    validate::validate(Path::new(path), &text, &value).map_err(invalid)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::{TemplateFile, TemplateMetadata, TemplateRef};

    fn values() -> OptionValues {
        OptionValues::from([("image".to_string(), "debian:bookworm".to_string()), ("x".to_string(), String::new())])
    }

    #[test]
    fn substitutes_every_occurrence_and_leaves_other_variables() {
        let text =
            "${templateOption:image} ${templateOption: image } ${localEnv:HOME} ${templateOption:x}! ${templateOption:";
        assert_eq!(
            substitute(text, &values()).unwrap(),
            "debian:bookworm debian:bookworm ${localEnv:HOME} ! ${templateOption:"
        );
        assert_eq!(substitute("${templateOption:nope}", &values()).unwrap_err(), "nope");
    }

    fn template(files: &[(&str, &str)]) -> Template {
        Template {
            source: TemplateRef::Builtin("t".into()),
            metadata: TemplateMetadata::parse(r#"{"id": "t", "options": {"image": {"type": "string"}}}"#).unwrap(),
            files: files
                .iter()
                .map(|(p, t)| TemplateFile { path: p.to_string(), mode: 0o644, bytes: t.as_bytes().to_vec() })
                .collect(),
        }
    }

    #[test]
    fn omit_paths_take_files_and_folders_and_must_match() {
        let t = template(&[("a.txt", ""), (".github/x.yml", ""), (".github/y/z.yml", ""), ("b/c.txt", "")]);
        let kept = |omit: &[&str]| -> Vec<String> {
            let omit: Vec<String> = omit.iter().map(|s| s.to_string()).collect();
            render(&t, &values(), &omit).unwrap().into_iter().map(|f| f.path).collect()
        };
        assert_eq!(kept(&[".github/*", "./a.txt"]), ["b/c.txt"]);
        assert_eq!(kept(&[".github/", "b"]), ["a.txt"]);
        let err = render(&t, &values(), &["nope.txt".to_string()]).unwrap_err().to_string();
        assert!(err.contains("`nope.txt` matches no file") && err.contains("`b/c.txt`"), "{err}");
    }

    #[test]
    fn a_value_that_breaks_devcontainer_json_is_refused() {
        let t = template(&[(".devcontainer/devcontainer.json", r#"{"image": "${templateOption:image}"}"#)]);
        let bad = OptionValues::from([("image".to_string(), "a\"b".to_string())]);
        let err = render(&t, &bad, &[]).unwrap_err();
        assert!(matches!(err, TemplateError::InvalidResult { .. }), "{err}");
        assert!(render(&t, &values(), &[]).is_ok());
    }
}
