pub mod accounts;
pub mod assets;
pub mod claim;
pub mod kv;
pub mod provisioning;
mod form_fields;
mod script_upload;
pub mod scripts;
