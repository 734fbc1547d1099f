//! A Dockerfile's text + its build args + `target` → the images its stages are built `FROM` (with the `ARG`s
//! declared before the first `FROM` substituted), leaving out `scratch`, earlier stages and stages after the
//! target. A `FROM` whose image cannot be told without running the build (an unset `ARG`) is left out too. Also
//! the stage that is built ([`final_stage`]): the image it starts from, through earlier stages, and its `USER`.

use std::collections::BTreeMap;

/// The images, in order, each once.
pub fn from_images(dockerfile: &str, build_args: &BTreeMap<String, String>, target: Option<&str>) -> Vec<String> {
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: Vec<String> = Vec::new();
    let mut images: Vec<String> = Vec::new();
    let mut seen_from = false;
    for line in instructions(dockerfile) {
        let mut words = line.split_whitespace();
        let instruction = words.next().unwrap_or("").to_ascii_lowercase();
        if instruction == "arg" && !seen_from {
            for declaration in words {
                let (name, default) = declaration.split_once('=').unwrap_or((declaration, ""));
                let value = build_args.get(name).cloned().unwrap_or_else(|| unquote(default).to_string());
                args.insert(name.to_string(), value);
            }
            continue;
        }
        if instruction != "from" {
            continue;
        }
        seen_from = true;
        let mut rest = words.skip_while(|w| w.starts_with("--"));
        let image = rest.next().and_then(|word| substitute(word, &args)).unwrap_or_default();
        let name = match (rest.next(), rest.next()) {
            (Some(as_word), Some(name)) if as_word.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
            _ => None,
        };
        let earlier = stages.iter().any(|s| s.eq_ignore_ascii_case(&image));
        if !image.is_empty() && !image.eq_ignore_ascii_case("scratch") && !earlier && !images.contains(&image) {
            images.push(image);
        }
        let reached = name.is_some() && name.as_deref() == target.map(str::to_ascii_lowercase).as_deref();
        stages.extend(name);
        if reached {
            break;
        }
    }
    images
}

/// The stage a build ends with (the `target`, else the last one): the image it is built on, followed through
/// the earlier stages it names, and the `USER` it runs as when a `USER` of its own or of those stages says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalStage {
    pub image: String,
    pub user: Option<String>,
}

/// The [`FinalStage`] of `dockerfile`; `None` when its image cannot be told without running the build (an unset
/// `ARG`, `scratch`).
pub fn final_stage(
    dockerfile: &str,
    build_args: &BTreeMap<String, String>,
    target: Option<&str>,
) -> Option<FinalStage> {
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    // Each stage: its name, the image it is built on (`None`: unknown), its `USER`.
    let mut stages: Vec<(Option<String>, Option<String>, Option<String>)> = Vec::new();
    for line in instructions(dockerfile) {
        let mut words = line.split_whitespace();
        let instruction = words.next().unwrap_or("").to_ascii_lowercase();
        match instruction.as_str() {
            "arg" if stages.is_empty() => {
                for declaration in words {
                    let (name, default) = declaration.split_once('=').unwrap_or((declaration, ""));
                    let value = build_args.get(name).cloned().unwrap_or_else(|| unquote(default).to_string());
                    args.insert(name.to_string(), value);
                }
            }
            "from" => {
                if let Some((Some(name), _, _)) = stages.last()
                    && target.is_some_and(|t| t.eq_ignore_ascii_case(name))
                {
                    break;
                }
                let mut rest = words.skip_while(|w| w.starts_with("--"));
                let word = rest.next().and_then(|word| substitute(word, &args));
                let name = match (rest.next(), rest.next()) {
                    (Some(as_word), Some(name)) if as_word.eq_ignore_ascii_case("as") => {
                        Some(name.to_ascii_lowercase())
                    }
                    _ => None,
                };
                let earlier = word.as_deref().and_then(|w| {
                    stages.iter().rev().find(|(n, _, _)| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(w)))
                });
                let (image, user) = match earlier {
                    Some((_, image, user)) => (image.clone(), user.clone()),
                    None => (word.filter(|w| !w.eq_ignore_ascii_case("scratch")), None),
                };
                stages.push((name, image, user));
            }
            "user" => {
                if let Some(stage) = stages.last_mut() {
                    // A `USER` naming a build variable cannot be told without running the build.
                    stage.2 = words.next().filter(|u| !u.contains('$')).map(str::to_string);
                }
            }
            _ => {}
        }
    }
    let (_, image, user) = stages.pop()?;
    Some(FinalStage { image: image?, user })
}

/// The instructions: continuation lines joined, comments and blank lines left out.
fn instructions(dockerfile: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote).and_then(|v| v.strip_suffix(quote)) {
            return inner;
        }
    }
    value
}

/// `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alternative}` replaced by the global `ARG`s; `None` when
/// the word names an `ARG` that has no value or uses another form.
fn substitute(word: &str, args: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = word;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (expression, next) = match after.strip_prefix('{') {
            Some(inner) => {
                let end = inner.find('}')?;
                (&inner[..end], &inner[end + 1..])
            }
            None => {
                let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        let value = |name: &str| args.get(name).filter(|v| !v.is_empty());
        let replaced = match (expression.split_once(":-"), expression.split_once(":+")) {
            (Some((name, default)), _) => value(name).map_or(default.to_string(), Clone::clone),
            (None, Some((name, alternative))) => value(name).map_or(String::new(), |_| alternative.to_string()),
            (None, None) => value(expression)?.clone(),
        };
        out.push_str(&replaced);
        rest = next;
    }
    out.push_str(rest);
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::{FinalStage, final_stage, from_images};
    use std::collections::BTreeMap;

    fn images(text: &str, args: &[(&str, &str)], target: Option<&str>) -> Vec<String> {
        let args = args.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
        from_images(text, &args, target)
    }

    #[test]
    fn every_stage_base_but_scratch_and_earlier_stages() {
        let text = "# syntax=docker/dockerfile:1\nFROM debian:bookworm AS build\nRUN make\n\
                    from --platform=$BUILDPLATFORM golang:1.22 as tools\nFROM build AS test\nFROM scratch\n\
                    COPY --from=tools /x /x\nFROM debian:bookworm\n";
        assert_eq!(images(text, &[], None), ["debian:bookworm", "golang:1.22"]);
    }

    #[test]
    fn global_args_are_substituted_from_build_args_then_defaults() {
        let text = "ARG VARIANT=\"bookworm\"\nARG REGISTRY=mcr.microsoft.com\nARG UNSET\n\
                    FROM ${REGISTRY}/devcontainers/base:${VARIANT}\nARG LATE=x\nFROM $UNSET\n\
                    FROM debian:${UNSET:-trixie}\nFROM \\\n  alpine:${VARIANT:+3.20}\nFROM img:${LATE}\n";
        let found = images(text, &[], None);
        assert_eq!(found, ["mcr.microsoft.com/devcontainers/base:bookworm", "debian:trixie", "alpine:3.20"]);
        let found = images(text, &[("VARIANT", "jammy"), ("UNSET", "ubuntu:24.04")], None);
        assert_eq!(found[..2], ["mcr.microsoft.com/devcontainers/base:jammy", "ubuntu:24.04"]);
    }

    #[test]
    fn stages_after_the_target_are_not_built() {
        let text = "FROM a:1 AS first\nFROM b:1 AS Dev\nFROM c:1 AS prod\n";
        assert_eq!(images(text, &[], Some("dev")), ["a:1", "b:1"]);
        assert_eq!(images(text, &[], None), ["a:1", "b:1", "c:1"]);
    }

    #[test]
    fn the_final_stage_is_followed_through_earlier_stages_with_its_user() {
        let stage = |text: &str, target: Option<&str>| final_stage(text, &BTreeMap::new(), target);
        let found =
            |image: &str, user: Option<&str>| Some(FinalStage { image: image.into(), user: user.map(Into::into) });
        let text = "ARG V=3\nFROM py:${V} AS base\nUSER app\nFROM base AS dev\nRUN x\nFROM alpine AS prod\nUSER 0\n";
        assert_eq!(stage(text, None), found("alpine", Some("0")));
        assert_eq!(stage(text, Some("dev")), found("py:3", Some("app")));
        assert_eq!(stage(text, Some("base")), found("py:3", Some("app")));
        assert_eq!(stage("FROM a\nUSER $U\n", None), found("a", None));
        assert_eq!(stage("FROM scratch\nCOPY x /\n", None), None);
        assert_eq!(stage("FROM $UNSET\n", None), None);
    }
}
