//! The `private-integrations` binary: a thin shell over the library's CLI.

use std::process::ExitCode;

fn main() -> ExitCode {
    private_integrations::cli::main()
}
