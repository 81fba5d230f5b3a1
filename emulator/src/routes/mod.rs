pub mod accounts;
pub mod assets;
pub mod claim;
pub mod d1;
pub mod kv;
pub mod provisioning;
mod form_fields;
pub(crate) mod script_upload;
pub mod scripts;
