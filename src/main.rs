//! The `benchforge` binary: parses the command line and hands over to `benchforge::cli`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match benchforge::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                benchforge::cli::EXIT_BAD_INPUT
            } else {
                0
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    // Whatever escapes every inner catch is still one line on stderr, never a backtrace.
    match benchforge::guard::catch_panic(|| benchforge::cli::run(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("benchforge: internal error: {message} (please report this)");
            ExitCode::from(benchforge::cli::EXIT_BAD_INPUT)
        }
    }
}
