pub mod accounts;
pub mod provisioning;
