//! The model every stage shares: the release matrix, the kube-vip pin and the checked
//! cluster.

pub(crate) mod cluster;
pub(crate) mod images;
pub(crate) mod kube_vip;
pub(crate) mod matrix;
