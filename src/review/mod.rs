//! Review tooling: reads rendered trees back and compares, verifies and explains them.

pub mod check;
pub mod explain;
pub mod facts;
pub mod mask;
pub mod tree;
pub mod treediff;
pub mod verify;
