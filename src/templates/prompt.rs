//! A template's options and optional paths + answers read line by line → `-a` values and `--omit-paths`.
//!
//! Generic over the reader and writer so the dialogue is tested with in-memory text; the CLI passes stdin and
//! stderr when stdin is a terminal.

use super::metadata::{OptionType, TemplateOption};
use super::{Result, Template, TemplateError};
use serde_json::{Map, Value};
use std::io::{BufRead, Write};

/// The answers: option values (every option) and the optional paths the user left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answers {
    pub args: Map<String, Value>,
    pub omit_paths: Vec<String>,
}

/// Asks for each option (an empty answer takes the default), then whether to keep each optional path.
/// An invalid answer is asked again; end of input takes the defaults for everything left.
pub fn ask(template: &Template, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<Answers> {
    let io = TemplateError::Prompt;
    let mut answers = Answers::default();
    let name = template.metadata.name.as_deref().unwrap_or(template.id());
    writeln!(out, "template `{}` ({name}): press enter to take the default in brackets", template.id()).map_err(io)?;
    for (id, option) in &template.metadata.options {
        if let Some(description) = &option.description {
            writeln!(out, "{id}: {description}").map_err(io)?;
        }
        let choices = option.choices();
        if !choices.is_empty() {
            let list: Vec<String> = choices.iter().enumerate().map(|(i, c)| format!("{}) {c}", i + 1)).collect();
            let kind =
                if option.allowed.is_some() || option.kind == OptionType::Boolean { "choices" } else { "suggestions" };
            writeln!(out, "  {kind}: {}", list.join("  ")).map_err(io)?;
        }
        let value = loop {
            write!(out, "  {id} [{}]: ", option.default_value()).map_err(io)?;
            out.flush().map_err(io)?;
            let Some(line) = read_line(input)? else { break option.default_value() };
            match interpret(option, &choices, line.trim()) {
                Ok(value) => break value,
                Err(message) => writeln!(out, "  {message}").map_err(io)?,
            }
        };
        let value = match option.kind {
            OptionType::Boolean => Value::Bool(value == "true"),
            OptionType::String => Value::String(value),
        };
        answers.args.insert(id.clone(), value);
    }
    for path in &template.metadata.optional_paths {
        let keep = loop {
            write!(out, "include optional `{path}`? [Y/n]: ").map_err(io)?;
            out.flush().map_err(io)?;
            let Some(line) = read_line(input)? else { break true };
            match yes_no(line.trim()) {
                Some(keep) => break keep,
                None => writeln!(out, "  answer `y` or `n`").map_err(io)?,
            }
        };
        if !keep {
            answers.omit_paths.push(path.clone());
        }
    }
    Ok(answers)
}

fn read_line(input: &mut dyn BufRead) -> Result<Option<String>> {
    let mut line = String::new();
    match input.read_line(&mut line).map_err(TemplateError::Prompt)? {
        0 => Ok(None),
        _ => Ok(Some(line)),
    }
}

fn yes_no(answer: &str) -> Option<bool> {
    match answer.to_ascii_lowercase().as_str() {
        "" | "y" | "yes" | "true" => Some(true),
        "n" | "no" | "false" => Some(false),
        _ => None,
    }
}

/// An answer → the option's value: empty is the default, a number picks a choice, booleans take yes/no.
fn interpret(option: &TemplateOption, choices: &[String], answer: &str) -> std::result::Result<String, String> {
    if answer.is_empty() {
        return Ok(option.default_value());
    }
    if let Some(choice) = answer.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).and_then(|i| choices.get(i)) {
        return Ok(choice.clone());
    }
    match option.kind {
        OptionType::Boolean => match yes_no(answer) {
            Some(b) => Ok(b.to_string()),
            None => Err("answer `y` or `n`".into()),
        },
        OptionType::String => match &option.allowed {
            Some(allowed) if !allowed.iter().any(|a| a == answer) => {
                Err(format!("`{answer}` is not one of the choices; type one of them or its number"))
            }
            _ => Ok(answer.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::{TemplateMetadata, TemplateRef};
    use serde_json::json;

    fn template() -> Template {
        let text = r#"{"id": "t", "name": "T", "options": {
            "image": {"type": "string", "description": "base image", "proposals": ["debian:bookworm", "ubuntu:24.04"], "default": "debian:bookworm"},
            "flavour": {"type": "string", "enum": ["a", "b"], "default": "a"},
            "docker": {"type": "boolean", "default": true}},
            "optionalPaths": [".github/", "NOTES.txt"]}"#;
        Template {
            source: TemplateRef::Builtin("t".into()),
            metadata: TemplateMetadata::parse(text).unwrap(),
            files: vec![],
        }
    }

    fn run(input: &str) -> (Answers, String) {
        let mut out = Vec::new();
        let answers = ask(&template(), &mut input.as_bytes(), &mut out).unwrap();
        (answers, String::from_utf8(out).unwrap())
    }

    #[test]
    fn empty_answers_take_defaults_and_show_choices() {
        let (answers, shown) = run("\n\n\n\n\n");
        assert_eq!(Value::Object(answers.args), json!({"image": "debian:bookworm", "flavour": "a", "docker": true}));
        assert!(answers.omit_paths.is_empty());
        assert!(shown.contains("image: base image"), "{shown}");
        assert!(shown.contains("suggestions: 1) debian:bookworm  2) ubuntu:24.04"), "{shown}");
        assert!(shown.contains("choices: 1) a  2) b"), "{shown}");
        assert!(shown.contains("  docker [true]: "), "{shown}");
    }

    #[test]
    fn numbers_free_values_reasks_and_optional_paths() {
        let (answers, shown) = run("2\nc\nb\nmaybe\nno\nn\ny\n");
        assert_eq!(Value::Object(answers.args), json!({"image": "ubuntu:24.04", "flavour": "b", "docker": false}));
        assert_eq!(answers.omit_paths, [".github/"]);
        assert!(shown.contains("`c` is not one of the choices"), "{shown}");
        assert!(shown.contains("answer `y` or `n`"), "{shown}");
        let (answers, _) = run("my/image:1\n");
        assert_eq!(answers.args["image"], "my/image:1");
        assert_eq!(answers.args["flavour"], "a", "end of input takes the defaults");
    }
}
