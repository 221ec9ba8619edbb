//! `chekt`: the CHeKT API from a terminal (feature `cli`). See
//! `chekt --help` and `chekt_api::cli`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    chekt_api::cli::exit_on_ctrl_c();
    chekt_api::cli::run(std::env::args_os()).await
}
