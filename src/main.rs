fn main() -> std::process::ExitCode {
    dozen::cli::main()
}
