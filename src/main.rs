fn main() -> std::process::ExitCode {
    // Like every Unix filter: when the reader of our output goes away (`| head`), end
    // quietly instead of panicking on the broken pipe. Rust ignores SIGPIPE by default.
    // SAFETY: called first thing, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    kubeprint::cli::main()
}
