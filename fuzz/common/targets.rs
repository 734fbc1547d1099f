//! Fuzz input bytes → one parser of containai run on them, with the invariants that must hold for any input.
//!
//! Shared by the libFuzzer binaries (fuzz/fuzz_targets/*.rs) and by `tests/it/robust_fuzz_corpus.rs`, which
//! replays the seed corpus and every committed regression input through these same functions in `cargo test`.
//! A panic here (or a stack overflow, or a hang libFuzzer times out) is a bug in containai, not in the target.

#![allow(dead_code)]

use containai::config::discover::Found;
use containai::context::dockerignore::DockerIgnore;
use containai::features::metadata::FeatureMetadata;
use containai::features::oci::reference::OciRef;
use containai::policy::mounts;
use std::path::{Path, PathBuf};

/// The input as text: parsers take `&str`; non-UTF-8 bytes are the file reader's job (tested elsewhere).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A host environment where every name with a letter first is set (so `${localEnv:X}` substitutes).
fn fake_env(name: &str) -> Option<String> {
    name.chars().next().filter(char::is_ascii_alphabetic).map(|_| format!("value-of-{name}"))
}

/// devcontainer.json text → `config::load_text` end to end (parse, substitute, validate, type). An accepted
/// config, printed as read-configuration prints it, loads again to the same config (printing is stable); a
/// refused one names a line and column inside the text (or none: `0:0`).
pub fn config(data: &[u8]) {
    let Some(text) = text(data) else { return };
    match load(text) {
        Ok(loaded) => {
            let printed = serde_json::to_string(&loaded.value).expect("a loaded config serialises");
            let again = load(&printed).unwrap_or_else(|e| panic!("{text:?} printed as {printed:?} does not load: {e}"));
            assert_eq!(again.value, loaded.value, "{text:?} printed as {printed:?} loads differently");
            assert_eq!(
                serde_json::to_value(&again.model).expect("the typed model serialises"),
                serde_json::to_value(&loaded.model).expect("the typed model serialises"),
                "{text:?}"
            );
        }
        Err(err) => {
            use containai::config::ConfigError as E;
            let at = match &err {
                E::NotUtf8 { line, column, .. }
                | E::TooDeep { line, column, .. }
                | E::Syntax { line, column, .. }
                | E::Invalid { line, column, .. }
                | E::Substitution { line, column, .. } => Some((*line, *column)),
                _ => None,
            };
            if let Some((line, column)) = at.filter(|at| *at != (0, 0)) {
                let chars = text.split('\n').nth(line.wrapping_sub(1)).map(|l| l.chars().count());
                assert!(
                    chars.is_some_and(|n| (1..=n + 1).contains(&column)),
                    "{line}:{column} is outside the text {text:?}: {err}"
                );
            }
            assert!(!err.to_string().is_empty());
        }
    }
}

/// `config::load_text` of `text` as `/fuzz/workspace/.devcontainer/devcontainer.json`, with a fake host.
fn load(text: &str) -> containai::config::Result<containai::config::Loaded> {
    let workspace = Path::new("/fuzz/workspace");
    let found = Found { path: workspace.join(".devcontainer/devcontainer.json"), explicit: false };
    let git_root = |_: &Path| -> Option<PathBuf> { Some(PathBuf::from("/fuzz")) };
    containai::config::load_text(workspace, &found, text, &fake_env, git_root)
}

/// devcontainer-feature.json text → `FeatureMetadata::parse`. What it accepts meets, read from the raw JSON
/// rather than the typed model, the constraints `check` claims (a non-blank `id`; each option's `type` is
/// `boolean` or `string`, its `default` of that type and inside its `enum`); and the typed model, written out as
/// JSON, parses back to itself.
pub fn feature_metadata(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let Ok((model, value)) = FeatureMetadata::parse(text) else { return };
    let id = value.get("id").and_then(serde_json::Value::as_str);
    assert!(id.is_some_and(|id| !id.trim().is_empty()) && id == Some(model.id.as_str()), "id {id:?} of {text:?}");
    let options = value.get("options").and_then(serde_json::Value::as_object);
    assert_eq!(options.map_or(0, |o| o.len()), model.options.len(), "{text:?}");
    for (name, option) in options.into_iter().flatten() {
        let kind = option.get("type").and_then(serde_json::Value::as_str);
        match (kind, option.get("default")) {
            (Some("boolean"), None | Some(serde_json::Value::Bool(_))) => {}
            (Some("string"), None) => {}
            (Some("string"), Some(serde_json::Value::String(default))) => {
                if let Some(allowed) = option.get("enum").and_then(serde_json::Value::as_array) {
                    assert!(
                        allowed.iter().any(|a| a.as_str() == Some(default)),
                        "option {name:?}: {default:?} ∉ enum in {text:?}"
                    );
                }
            }
            (kind, default) => panic!("option {name:?} of type {kind:?} has default {default:?}, accepted in {text:?}"),
        }
    }
    let written = serde_json::to_string(&model).expect("a feature's metadata serialises");
    let (again, _) = FeatureMetadata::parse(&written).unwrap_or_else(|e| panic!("{written:?} does not parse: {e}"));
    assert_eq!(again, model, "{text:?} written as {written:?}");
}

/// `.dockerignore` text, then after a NUL byte one path per line → `is_excluded` on each path never panics; and
/// the same bytes mapped onto a small alphabet (`a b * ? / !`, newline) → `is_excluded` agrees with
/// [`reference_excluded`], a matcher written here from Docker's documented rules.
pub fn dockerignore(data: &[u8]) {
    if let Some(text) = text(data) {
        let (patterns, paths) = text.split_once('\0').unwrap_or((text, "a\na/b\n.git/x"));
        if let Ok(ignore) = DockerIgnore::parse(patterns) {
            for path in paths.lines() {
                let _ = (ignore.is_excluded(path), ignore.may_reinclude_below(path));
            }
        }
    }
    // 64 bytes of patterns, 128 of paths: every pattern compiles a matcher, slow in the debug build.
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let patterns: String =
        data[..split.min(64)].iter().map(|b| ['a', 'b', '*', '?', '/', '!', '\n'][*b as usize % 7]).collect();
    let paths: String = data
        .get(split + 1..)
        .unwrap_or(b"a/b")
        .iter()
        .take(128)
        .map(|b| ['a', 'b', '/', '\n'][*b as usize % 4])
        .collect();
    // Runs of `*` are `**`, which Docker gives its own meaning; a pattern of slashes alone cleans to `.`.
    if patterns.contains("**")
        || patterns
            .lines()
            .map(|l| l.strip_prefix('!').unwrap_or(l))
            .any(|p| !p.is_empty() && p.chars().all(|c| c == '/'))
    {
        return;
    }
    let ignore =
        DockerIgnore::parse(&patterns).unwrap_or_else(|e| panic!("{patterns:?} is a valid .dockerignore: {e:?}"));
    for path in paths.lines() {
        let path = path.trim_matches('/');
        if path.is_empty() || path.contains("//") {
            continue;
        }
        assert_eq!(
            ignore.is_excluded(path),
            reference_excluded(&patterns, path),
            "{path:?} with .dockerignore {patterns:?}"
        );
    }
}

/// Docker's rule, for patterns of `a b * ? / !` and clean paths: a pattern (slashes collapsed, anchored at the
/// root, `!` an exception) matches a path when its segments glob-match the path's first segments (the path
/// itself or a parent); the last pattern that matches decides.
fn reference_excluded(patterns: &str, path: &str) -> bool {
    let path: Vec<&str> = path.split('/').collect();
    let mut excluded = false;
    for line in patterns.lines().filter(|l| !l.is_empty()) {
        let (exception, pattern) = match line.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let segments: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
        if segments.is_empty() {
            continue; // `!` alone
        }
        if segments.len() <= path.len() && segments.iter().zip(&path).all(|(p, s)| glob(p.as_bytes(), s.as_bytes())) {
            excluded = !exception;
        }
    }
    excluded
}

/// One path segment against one pattern segment: `*` any run of characters, `?` one character (the classic
/// two-pointer wildcard match: back to the last `*` on a mismatch, so linear per star).
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    star = Some((sp, st + 1));
                    p = sp + 1;
                    t = st + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

/// A mount string in both Docker forms (`--mount` and `-v`) → a Docker API mount, or a reasoned error.
pub fn mounts(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for parsed in [mounts::parse_mount(text), mounts::parse_volume(text)] {
        match parsed {
            Ok(mount) => {
                assert!(!mount.target.as_deref().unwrap_or("").is_empty(), "a mount always has a target: {text:?}");
                let _ = mounts::is_docker_socket(&mount);
            }
            Err(err) => assert!(!err.to_string().is_empty()),
        }
    }
}

/// An OCI feature reference → `OciRef::parse`; what it prints parses back to the same reference.
pub fn oci_reference(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Some(reference) = OciRef::parse(text) {
        let printed = reference.to_string();
        assert_eq!(OciRef::parse(&printed).as_ref(), Some(&reference), "{text:?} → {printed:?}");
        let _ = (reference.path(), reference.resource(), reference.tag());
    }
    let tags: Vec<String> = text.split(',').map(str::to_string).collect();
    let _ = containai::features::oci::reference::choose_tag(tags.first().map_or("", String::as_str), &tags);
}

/// `runArgs`, one per line → `run_args::parse`. Every flag it reports unknown is in the input (as written, or
/// `flag value` from `flag=value` or from two adjacent arguments); and when it accepts the list, the runArgs
/// classification refuses `--privileged`, `--pid=host`, `--network=host` (`--net`), `--cap-add=ALL` and a
/// `devcontainer.*` label in every spelling Docker takes for them, read from the raw arguments (the last
/// `--privileged`, `--pid` and `--network` win, as in Docker).
pub fn run_args(data: &[u8]) {
    use containai::policy::PolicyError;
    use containai::policy::classify::{Class, run_args_findings};
    let Some(text) = text(data) else { return };
    let args: Vec<String> = text.split('\n').map(str::to_string).collect();
    let parsed = match containai::policy::run_args::parse(&args) {
        Ok(parsed) => parsed,
        Err(PolicyError::UnknownRunArgs(unknown)) => {
            for u in &unknown {
                let named = args.iter().enumerate().any(|(i, a)| {
                    *u == *a
                        || (a.starts_with('-') && *u == a.replacen('=', " ", 1))
                        || args.get(i + 1).is_some_and(|next| *u == format!("{a} {next}"))
                });
                assert!(named, "unknown flag {u:?} is not in {args:?}");
            }
            assert!(!unknown.is_empty());
            return;
        }
        Err(err) => {
            assert!(!err.to_string().is_empty());
            return;
        }
    };
    // In an accepted list every argument that does not start with `-` is the value of the flag before it.
    let (mut privileged, mut pid, mut network) = (false, None, None);
    let mut wanted: Vec<&str> = Vec::new();
    for (i, arg) in args.iter().enumerate().filter(|(_, a)| a.starts_with('-')) {
        let (flag, value) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (arg.as_str(), args.get(i + 1).map(String::as_str).filter(|v| !v.starts_with('-'))),
        };
        match flag {
            // Go's strconv.ParseBool, which Docker's flag parser uses.
            "--privileged" => privileged = matches!(value, None | Some("1" | "t" | "T" | "true" | "TRUE" | "True")),
            "--pid" => pid = value,
            "--network" | "--net" => network = value,
            "--cap-add" if value.is_some_and(|v| v.eq_ignore_ascii_case("all")) => wanted.push("`--cap-add`: `ALL`"),
            "-l" | "--label" if value.is_some_and(|v| v.starts_with("devcontainer.")) => {
                wanted.push("label `devcontainer.")
            }
            _ => {}
        }
    }
    wanted.extend(privileged.then_some("`--privileged` gives"));
    wanted.extend((pid == Some("host")).then_some("`--pid=host` joins"));
    wanted.extend((network == Some("host")).then_some("`--network=host` joins"));
    let findings = run_args_findings(&parsed);
    for what in wanted {
        assert!(
            findings.iter().any(|f| f.class == Class::Refused && f.detail.contains(what)),
            "{what} in {args:?} is not refused: {findings:?}"
        );
    }
}

/// devcontainer-lock.json text → `Lockfile` as `Lockfile::read` reads it; an accepted lockfile written with
/// `to_text` reads back to the same lockfile, and writing that gives the same text.
pub fn lockfile(data: &[u8]) {
    use containai::features::oci::lockfile::Lockfile;
    let Some(text) = text(data) else { return };
    let Ok(lock) = serde_json::from_str::<Lockfile>(text) else { return };
    let written = lock.to_text();
    let again: Lockfile = serde_json::from_str(&written).unwrap_or_else(|e| panic!("{written:?} does not read: {e}"));
    assert_eq!(again, lock, "{text:?} written as {written:?}");
    assert_eq!(again.to_text(), written, "{text:?}");
}

/// Tar (or gzip) bytes → `archive::unpack`: every file it yields has a relative path of plain segments (no
/// `..`, no `.`, nothing absolute or empty), paths are sorted and unique, and packing them unpacks to the same
/// files. Then the same bytes read as files (NUL-separated records: a mode byte, a path over `a b . / é` up to
/// a newline, the content) → `pack` → `unpack` gives those files back, sorted, the first of equal paths kept.
pub fn archive(data: &[u8]) {
    use containai::context::ContextFile;
    use containai::features::oci::archive::{pack, unpack};
    if let Ok(files) = unpack("fuzz", data) {
        for file in &files {
            assert!(
                !file.path.is_empty() && file.path.split('/').all(|s| !s.is_empty() && s != "." && s != ".."),
                "unpacked path {:?} leaves the archive root",
                file.path
            );
            assert!(file.mode <= 0o7777, "{file:?}");
        }
        assert!(files.windows(2).all(|w| w[0].path < w[1].path), "unpacked paths are sorted and unique");
        assert_eq!(unpack("fuzz", &pack(&files)).expect("a packed feature unpacks"), files);
    }
    let mut files: Vec<ContextFile> = Vec::new();
    for record in data.split(|b| *b == 0) {
        let Some((&mode, rest)) = record.split_first() else { continue };
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let path: String = rest[..end].iter().map(|b| ['a', 'b', '.', '/', 'é'][*b as usize % 5]).collect();
        if path.is_empty() || path.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
            continue;
        }
        let mode = (u32::from(mode) << 4 | u32::from(mode)) & 0o7777;
        files.push(ContextFile { path, mode, bytes: rest.get(end + 1..).unwrap_or_default().to_vec() });
    }
    let unpacked = unpack("fuzz", &pack(&files)).unwrap_or_else(|e| panic!("packed {files:?} does not unpack: {e}"));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|later, earlier| later.path == earlier.path);
    assert_eq!(unpacked, files);
}

/// The probe's output, then after a NUL byte the host's `/proc/<pid>/status` → `observe` and `summarize` (under
/// sysbox-runc, as the engine reports it) never panic, and the summary grants user namespaces, an inner
/// engine with them, or "nothing short of sysbox" only when the output's `uid_map` section, read here line by
/// line, has a range whose inside and outside ids differ.
pub fn probe(data: &[u8]) {
    use containai::engine::EngineView;
    use containai::isolation::{probe, summary};
    let Some(text) = text(data) else { return };
    let (output, host_status) = match text.split_once('\0') {
        Some((output, status)) => (output, Some(status)),
        None => (text, None),
    };
    let engine = EngineView {
        runtime: Some(containai::policy::SYSBOX.into()),
        pid: Some(4242),
        engine_id: Some("HOST:ID".into()),
        host_kernel: Some("6.1.0-18-amd64".into()),
        local: true,
        ..Default::default()
    };
    let observed = probe::observe(output, engine, host_status);
    let summary = summary::summarize(&observed);
    let shortfalls = summary::sysbox_shortfalls(&summary);
    let mark = "@@containai-probe ";
    let mut lines = output.lines().skip_while(|l| l.strip_prefix(mark).map(str::trim) != Some("uid_map")).skip(1);
    let shown = lines.by_ref().take_while(|l| !l.starts_with(mark)).any(|l| {
        let n: Vec<Option<u64>> = l.split_whitespace().take(3).map(|f| f.parse().ok()).collect();
        matches!(n[..], [Some(inside), Some(outside), Some(_)] if inside != outside)
    });
    for (what, claimed) in [
        ("user namespaces", summary.user_namespaces.level == summary::Level::Yes),
        ("docker in docker", summary.docker_in_docker.level == summary::Level::Yes),
        ("no sysbox shortfall", shortfalls.is_empty()),
    ] {
        assert!(!claimed || shown, "{what} claimed from {output:?}, whose uid_map is not a mapping: {summary:?}");
    }
}
