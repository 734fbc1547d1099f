//! `containai init` arguments → a template (default `agent-sandbox`) applied to the workspace, its options asked
//! for on a terminal when `-a` is not given; `{"files": [...]}` on stdout.

use super::Printer;
use super::templates::{CommonArgs, apply};
use anyhow::Result;
use containai::report::Reporter;
use containai::templates::{self, Template, prompt};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct InitArgs {
    /// A built-in id or a template folder (`./path`); see `containai templates list`.
    #[arg(short = 't', long = "template-id", value_name = "ID|PATH", default_value = templates::DEFAULT_TEMPLATE)]
    pub template: String,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(args: InitArgs, printer: &Printer) -> Result<ExitCode> {
    let template = Template::find(&args.template)?;
    let mut opts = args.common.apply_options()?;
    if args.common.args.is_none() && std::io::stdin().is_terminal() {
        let answers = prompt::ask(&template, &mut std::io::stdin().lock(), &mut std::io::stderr())?;
        opts.args = answers.args;
        opts.omit_paths.extend(answers.omit_paths);
    }
    let applied = apply(&template, &args.common.workspace_folder, &opts, printer)?;
    printer.info(&format!(
        "wrote {} file{} from template `{}` into `{}`; next: `containai up`",
        applied.files.len(),
        if applied.files.len() == 1 { "" } else { "s" },
        template.id(),
        args.common.workspace_folder.display()
    ));
    Ok(ExitCode::SUCCESS)
}
