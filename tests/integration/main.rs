//! kubeprint's integration tests, one binary (each test binary links the whole crate
//! with its crypto): the command line, every rendered artifact, the validators, review
//! tooling and bad input. The end-to-end VM test is `tests/e2e.rs`.

#[path = "../common/mod.rs"]
mod common;

mod additions;
mod architecture;
mod artifacts;
mod baked;
mod bundle;
mod cli;
mod delivery;
mod diagnostics;
mod docs;
mod expiry;
mod fuzz;
mod ha;
mod habits;
mod hardening;
mod hostile;
mod image;
mod import;
mod limits;
mod matrix;
mod offline;
mod patches;
mod pki;
mod proxy;
mod publish;
mod quiet;
mod readiness;
mod redact;
mod registries;
mod remove;
mod renew;
mod review;
mod runtime;
mod secrets_file;
mod snapshots;
mod token_secret;
mod tree_safety;
mod upgrade;
mod urls;
mod user_files;
mod validators;
mod vip;
