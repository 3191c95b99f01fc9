//! Review tooling: reads rendered trees back and compares, verifies and explains them.

pub(crate) mod artifacts_table;
pub(crate) mod check;
pub(crate) mod explain;
pub(crate) mod facts;
pub(crate) mod mask;
pub(crate) mod ports;
pub(crate) mod tree;
pub(crate) mod treediff;
pub(crate) mod verify;
