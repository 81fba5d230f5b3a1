//! Entry points for the fuzz targets in `tests/fuzz` (feature `fuzzing`,
//! never enabled by users): every parser and validator that takes input from
//! a server or a project on disk, reachable without a network or a pass.

use reqwest::header::HeaderMap;

use crate::error::Error;

pub use crate::assets::ignore::Ignore;
pub use crate::assets::{build_manifest, AssetOptions, Manifest};
pub use crate::progress::Progress;
pub use crate::pow::{Challenge, DEFAULT_WORK_CAP};
pub use crate::untrusted::{claim_url, credential, dns_label, identifier, printable};
pub use crate::worker::{Module, ModuleKind, Worker};

/// One HTTP answer through the v4 envelope decoder: `Ok(true)` when it
/// decoded as a success.
pub fn decode_envelope(status: u16, headers: &HeaderMap, body: &[u8]) -> Result<bool, Error> {
    crate::envelope::decode("GET /fuzz", status, headers, body).map(|_| true)
}

/// A D1 `/raw` answer's `result` (JSON text) through the decoder: the
/// statements' results, every row as wide as its columns.
pub fn decode_d1_answer(json: &str) -> Result<Vec<crate::d1::D1Result>, Error> {
    let result: Vec<serde_json::Value> = serde_json::from_str(json).map_err(|e| Error::protocol("POST /fuzz/raw", e.to_string()))?;
    crate::d1::decode_raw_answer("POST /fuzz/raw", result)
}

/// The order wrangler applies migration files in, for these file names.
pub fn migration_order(names: &[String]) -> Vec<String> {
    crate::migrations::order(names)
}

/// A wrangler config file's text through the loader's parser.
pub fn parse_wrangler_config(text: &str, toml: bool) -> Result<(), Error> {
    crate::project::parse_config_text(text, toml, std::path::Path::new("wrangler.fuzz")).map(|_| ())
}

/// JSONC comment and trailing-comma stripping, as the config loader applies it.
pub fn jsonc_to_json(text: &str) -> String {
    crate::project::jsonc_to_json(text)
}

/// The specifiers a module's source pulls in, as the upload follows them:
/// `(specifier, relative to the importing file)`.
pub fn module_references(source: &str, kind: ModuleKind) -> Vec<(String, bool)> {
    crate::imports::references(source, kind)
}
