//! D1 calls of the pass (core's `d1_*` methods): arguments in, core's
//! records out (`D1Value` is core's enum: a sealed class in Kotlin); checks
//! are core's. Each is a suspend function: cancelling the coroutine drops
//! the Rust future.

use std::path::Path;

use boardingpass::{D1Database, D1Result, D1Value, Error};

use crate::inflight::InFlight;
use crate::pass::Pass;

#[uniffi::export(async_runtime = "tokio")]
impl Pass {
    /// Creates a D1 database (listed in the ticket, audited as `resource_created`).
    pub async fn create_d1_database(&self, name: String) -> Result<D1Database, Error> {
        let _op = InFlight::enter();
        self.inner.create_d1_database(&name).await
    }

    /// Every D1 database of the account.
    pub async fn d1_databases(&self) -> Result<Vec<D1Database>, Error> {
        let _op = InFlight::enter();
        self.inner.d1_databases().await
    }

    /// Deletes a D1 database and its data.
    pub async fn delete_d1_database(&self, database_id: String) -> Result<(), Error> {
        let _op = InFlight::enter();
        self.inner.delete_d1_database(&database_id).await
    }

    /// Runs SQL with `params` bound to its `?` placeholders: one result per
    /// statement. A statement the database refuses throws
    /// `BoardingpassException.Sql` and the whole call changes nothing.
    #[uniffi::method(default(params = []))]
    pub async fn d1_query(&self, database_id: String, sql: String, params: Vec<D1Value>) -> Result<Vec<D1Result>, Error> {
        let _op = InFlight::enter();
        self.inner.d1_query(&database_id, &sql, params).await
    }

    /// Applies the `NNNN_name.sql` files of `directory` not applied yet, in
    /// order, recorded as wrangler records them; returns their names.
    pub async fn d1_apply_migrations(&self, database_id: String, directory: String) -> Result<Vec<String>, Error> {
        let _op = InFlight::enter();
        self.inner.d1_apply_migrations(&database_id, Path::new(&directory)).await
    }
}
