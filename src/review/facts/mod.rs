//! Review tooling: a rendered [`Tree`] → [`BundleFacts`] (kubeadm documents, CA
//! certificates, package pins, apt repositories, CNI settings, kube-vip's static pod),
//! read back from the files alone, without the secrets file. `verify` checks them
//! against each other and `diff` compares them between two trees.
//!
//! A role bundle is any directory with `bootstrap.sh` and a `steps/` directory, so new
//! roles (`control-plane-join/`, `nodes/<name>/`) are found without changes here. Each
//! fact is collected from every copy of it: the step file, `bootstrap.sh`, and the
//! bootstrap embedded in `user-data.yaml`, so a hand edit to any one copy shows.
//!
//! `model` holds the facts, `readers` the small parsers that interpret them, `discover`
//! finds the bundles and the texts to read, and `scan` reads the facts out of a script.
//!
//! [`Tree`]: crate::review::tree::Tree

mod discover;
mod model;
mod readers;
mod scan;
mod user;

pub(crate) use discover::{bundles, step_name, step_number};
pub(crate) use model::*;
pub(crate) use readers::*;
pub(crate) use scan::heredocs;
