//! D1 calls of `BoardingPass` (core's `d1_*` methods): argument and result
//! conversions only. Parameters and cells are JS values through core's
//! `D1Value` conversions (core/src/d1_napi.rs); checks are core's. Each call
//! takes an optional `{ signal }` like the pass's other operations.

use boardingpass as bp;
use napi::bindgen_prelude::*;
use napi::JsValue;
use napi_derive::napi;

use crate::abort::Abort;
use crate::pass::{BoardingPass, SignalOptions};
use crate::promise;

fn abort(env: &Env, options: Option<SignalOptions>) -> Result<Abort> {
    Abort::link(env, options.and_then(|o| o.signal))
}

/// Core's result object plus `records`: each row as an object keyed by
/// column, from core's `D1Result::records`. A raw handle, valid in the
/// scope that settles the promise, because the result type cannot borrow `env`.
fn with_records(env: &Env, result: bp::D1Result) -> Result<sys::napi_value> {
    let mut records = Vec::with_capacity(result.rows.len());
    for row in result.records() {
        let mut record = Object::new(env)?;
        for (column, value) in row {
            record.set(column, value.clone())?;
        }
        records.push(record);
    }
    let mut out = result.into_unknown(env)?.coerce_to_object()?;
    out.set("records", records)?;
    Ok(out.raw())
}

#[napi]
impl BoardingPass {
    /// Creates a D1 database (listed in the ticket, audited as `resource_created`).
    #[napi(ts_return_type = "Promise<D1Database>")]
    pub fn create_d1_database(&self, env: &Env, name: String, options: Option<SignalOptions>) -> Result<AsyncBlock<bp::D1Database>> {
        let abort = abort(env, options)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.create_d1_database(&name)).await };
        promise::spawn(env, abort, fut, |_, d| Ok(d))
    }

    /// Every D1 database of the account.
    #[napi(ts_return_type = "Promise<D1Database[]>")]
    pub fn d1_databases(&self, env: &Env, options: Option<SignalOptions>) -> Result<AsyncBlock<Vec<bp::D1Database>>> {
        let abort = abort(env, options)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.d1_databases()).await };
        promise::spawn(env, abort, fut, |_, d| Ok(d))
    }

    /// Deletes a D1 database and its data.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn delete_d1_database(&self, env: &Env, database_id: String, options: Option<SignalOptions>) -> Result<AsyncBlock<()>> {
        let abort = abort(env, options)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.delete_d1_database(&database_id)).await };
        promise::spawn(env, abort, fut, |_, ()| Ok(()))
    }

    /// Runs SQL with `params` bound to its `?` placeholders (null, number,
    /// bigint, string, Buffer/Uint8Array): one result per statement, its rows
    /// as arrays and as `records`. A statement the database refuses rejects
    /// with `SqlError` and the whole call changes nothing.
    #[napi(ts_return_type = "Promise<D1QueryResult[]>")]
    pub fn d1_query(
        &self,
        env: &Env,
        database_id: String,
        sql: String,
        #[napi(ts_arg_type = "Array<null | number | bigint | boolean | string | Uint8Array>")] params: Option<Vec<bp::D1Value>>,
        options: Option<SignalOptions>,
    ) -> Result<AsyncBlock<Vec<sys::napi_value>>> {
        let abort = abort(env, options)?;
        let (pass, cancel, params) = (self.inner.clone(), abort.token.clone(), params.unwrap_or_default());
        let fut = async move { bp::cancellable(Some(&cancel), pass.d1_query(&database_id, &sql, params)).await };
        promise::spawn(env, abort, fut, |env, results| results.into_iter().map(|r| with_records(env, r)).collect())
    }

    /// Applies the `NNNN_name.sql` files of `directory` not applied yet, in
    /// order, recorded as wrangler records them; resolves to their names.
    #[napi(ts_return_type = "Promise<string[]>")]
    pub fn d1_apply_migrations(&self, env: &Env, database_id: String, directory: String, options: Option<SignalOptions>) -> Result<AsyncBlock<Vec<String>>> {
        let abort = abort(env, options)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.d1_apply_migrations(&database_id, std::path::Path::new(&directory))).await };
        promise::spawn(env, abort, fut, |_, names| Ok(names))
    }
}
