//! `grantex`: the Grantex server and its offline tools.
//!
//! Commands live in [`cli`], one module each; `main` only parses the command line and turns the outcome
//! into the process exit code (0 success, 1 verification or input failure, 2 usage error).

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
