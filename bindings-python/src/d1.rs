//! D1 calls of `BoardingPass` (core's `d1_*` methods): argument conversions
//! only. Parameters and cells are Python's own values through core's
//! `D1Value` conversions (core/src/python.rs); checks are core's.

use std::path::PathBuf;

use boardingpass::{cancellable, D1Database, D1Result, D1Value};

use crate::errors::py_result;
use crate::pass::PassHandle;
use crate::runtime::Op;

impl PassHandle {
    pub fn create_d1_database(self, name: String) -> Op<D1Database> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.create_d1_database(&name))).await })
    }
    pub fn d1_databases(self) -> Op<Vec<D1Database>> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.d1_databases())).await })
    }
    pub fn delete_d1_database(self, id: String) -> Op<()> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.delete_d1_database(&id))).await })
    }
    pub fn d1_query(self, id: String, sql: String, params: Vec<D1Value>) -> Op<Vec<D1Result>> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.d1_query(&id, &sql, params))).await })
    }
    pub fn d1_apply_migrations(self, id: String, dir: PathBuf) -> Op<Vec<String>> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.d1_apply_migrations(&id, &dir))).await })
    }
}
