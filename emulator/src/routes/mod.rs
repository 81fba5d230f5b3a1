pub mod accounts;
pub mod assets;
pub mod claim;
mod form_fields;
pub mod provisioning;
mod script_upload;
pub mod scripts;
