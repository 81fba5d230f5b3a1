// With the `napi` feature, napi-derive writes this crate's TypeScript
// definitions where the napi CLI collects them for bindings-node/index.d.ts.
fn main() {
    #[cfg(feature = "napi")]
    napi_build::setup();
}
