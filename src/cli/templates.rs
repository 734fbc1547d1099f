//! `containai templates list|show|apply` arguments → the built-in templates as text or JSON, or a template's
//! files written into a workspace with `{"files": [...]}` on stdout.

use super::Printer;
use anyhow::{Context, Result};
use containai::report::Reporter;
use containai::templates::{self, Applied, ApplyOptions, Template, options};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct TemplatesArgs {
    #[command(subcommand)]
    pub command: TemplatesCommand,
}

#[derive(clap::Subcommand)]
pub enum TemplatesCommand {
    /// List the built-in templates.
    List {
        /// One JSON array of the templates' `devcontainer-template.json` on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Describe a template: its options (type, default, choices) and the files it writes.
    Show {
        /// A built-in id or a template folder (`./path`).
        template: String,
        /// The template's metadata and files as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Write a template's files into a workspace; prints `{"files": [...]}`.
    Apply(ApplyArgs),
}

/// Options shared by `templates apply` and `init`.
#[derive(clap::Args)]
pub struct ApplyArgs {
    /// A built-in id or a template folder (`./path`).
    #[arg(short = 't', long = "template-id", value_name = "ID|PATH")]
    pub template: String,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(clap::Args)]
pub struct CommonArgs {
    /// Option values as a JSON object, e.g. `{"baseImage": "ubuntu:24.04"}`; unset options take their default.
    #[arg(short = 'a', long = "template-args", value_name = "JSON")]
    pub args: Option<String>,
    /// Folder to write into (created when missing).
    #[arg(short = 'w', long, value_name = "DIR", default_value = ".")]
    pub workspace_folder: PathBuf,
    /// A file (`a/b.txt`) or folder (`dir/`, `dir/*`) of the template not to write; repeatable, or a JSON array.
    #[arg(long = "omit-paths", value_name = "PATH")]
    pub omit_paths: Vec<String>,
    /// Replace files that already exist (each one is named on stderr).
    #[arg(long)]
    pub force: bool,
}

impl CommonArgs {
    /// `--omit-paths` values, a JSON array (as the reference CLI takes it) expanded.
    pub fn omit_paths(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for value in &self.omit_paths {
            if value.trim_start().starts_with('[') {
                let list: Vec<String> = serde_json::from_str(value)
                    .with_context(|| format!("`--omit-paths` `{value}` is not a JSON array of strings"))?;
                out.extend(list);
            } else {
                out.push(value.clone());
            }
        }
        Ok(out)
    }

    pub fn apply_options(&self) -> Result<ApplyOptions> {
        let args = match &self.args {
            Some(text) => options::parse_args(text)?,
            None => Default::default(),
        };
        Ok(ApplyOptions { args, omit_paths: self.omit_paths()?, force: self.force })
    }
}

pub fn run(args: TemplatesArgs, printer: &Printer) -> Result<ExitCode> {
    match args.command {
        TemplatesCommand::List { json } => list(json)?,
        TemplatesCommand::Show { template, json } => show(&Template::find(&template)?, json)?,
        TemplatesCommand::Apply(args) => {
            let template = Template::find(&args.template)?;
            apply(&template, &args.common.workspace_folder, &args.common.apply_options()?, printer)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Applies and reports: replaced files on stderr, `{"files": [...]}` on stdout.
pub fn apply(template: &Template, workspace: &Path, opts: &ApplyOptions, printer: &Printer) -> Result<Applied> {
    let applied = templates::apply(template, workspace, opts)?;
    for path in &applied.replaced {
        printer.warn(&format!("replaced `{}` (`--force`)", path.display()));
    }
    print_line(&json!({ "files": applied.files }).to_string())?;
    Ok(applied)
}

fn print_line(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").context("cannot write to stdout")
}

fn list(json: bool) -> Result<()> {
    let all = templates::source::builtins()?;
    if json {
        let list: Vec<_> = all.iter().map(|t| &t.metadata).collect();
        return print_line(&serde_json::to_string(&list)?);
    }
    let width = all.iter().map(|t| t.id().len()).max().unwrap_or(0);
    let mut text = String::new();
    for t in &all {
        let default = if t.id() == templates::DEFAULT_TEMPLATE { " (default)" } else { "" };
        let name = t.metadata.name.as_deref().unwrap_or("");
        text.push_str(&format!("{:width$}  {name}{default}\n", t.id()));
    }
    print_line(text.trim_end())
}

fn show(template: &Template, json: bool) -> Result<()> {
    let files: Vec<&str> = template.files.iter().map(|f| f.path.as_str()).collect();
    if json {
        let value = json!({ "metadata": template.metadata, "files": files });
        return print_line(&value.to_string());
    }
    let m = &template.metadata;
    let mut text = format!("{} {}", m.id, m.version.as_deref().unwrap_or(""));
    for line in [&m.name, &m.description, &m.documentation_url].into_iter().flatten() {
        text.push_str(&format!("\n{line}"));
    }
    text.push_str("\n\noptions:");
    if m.options.is_empty() {
        text.push_str(" none");
    }
    for (id, option) in &m.options {
        let kind = serde_json::to_value(option.kind)?;
        let default = match option.default_value() {
            value if value.is_empty() => "empty by default".to_string(),
            value => format!("default `{value}`"),
        };
        text.push_str(&format!("\n  {id} ({}, {default})", kind.as_str().unwrap_or("")));
        if let Some(description) = &option.description {
            text.push_str(&format!("\n      {description}"));
        }
        let choices = option.choices();
        if !choices.is_empty() {
            let label = if option.allowed.is_some() { "one of" } else { "e.g." };
            text.push_str(&format!("\n      {label}: {}", choices.join(", ")));
        }
    }
    text.push_str("\n\nfiles:");
    for file in &files {
        let optional = if m.optional_paths.iter().any(|p| is_under(file, p)) { " (optional)" } else { "" };
        text.push_str(&format!("\n  {file}{optional}"));
    }
    print_line(&text)
}

fn is_under(file: &str, optional: &str) -> bool {
    let folder = optional.trim_end_matches('*').trim_end_matches('/');
    file == optional || file.strip_prefix(folder).is_some_and(|rest| rest.starts_with('/'))
}
