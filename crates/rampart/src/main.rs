//! The `rampart` command: parse the command line, run it, report failure.

use std::process::ExitCode;

fn main() -> ExitCode {
    rampart::cli::main()
}
