//! The model every stage shares: the release matrix, the kube-vip pin and the checked
//! cluster.

pub mod cluster;
pub mod kube_vip;
pub mod matrix;
