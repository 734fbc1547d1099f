//! Command line → the pipeline; the only place that knows anyhow and the terminal.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
