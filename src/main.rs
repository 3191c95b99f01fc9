fn main() -> std::process::ExitCode {
    kubeprint::cli::main()
}
