//! Audit events from core, delivered to a Kotlin listener.

use std::sync::Arc;

use boardingpass::AuditEvent;

/// Receives each audit record, secrets already scrubbed by core (on a Rust
/// thread, before the operation that produced it returns: keep it quick).
#[uniffi::export(with_foreign)]
pub trait AuditListener: Send + Sync {
    fn on_audit(&self, event: AuditEvent);
}

/// Core's callback form of a listener.
pub(crate) fn to_core(listener: Arc<dyn AuditListener>) -> Arc<dyn Fn(&AuditEvent) + Send + Sync> {
    Arc::new(move |event: &AuditEvent| listener.on_audit(event.clone()))
}
