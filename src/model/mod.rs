//! The model every stage shares: the release matrix and the checked cluster.

pub mod cluster;
pub mod matrix;
