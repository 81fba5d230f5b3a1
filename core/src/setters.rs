//! Chainable setters for the options structs. They are `#[non_exhaustive]`
//! (new options must not break callers), which forbids struct literals
//! outside this crate, so callers write
//! `VerifyOptions::default().timeout(d).expect_status(200)` instead.

/// `setters!(Type { field: T, text => String } optional { field: T })`:
/// one `fn field(self, value: T) -> Self` per field (`impl Into<T>` for a
/// field written `=>`); an `optional` field is an `Option<T>` set to
/// `Some(value)`.
macro_rules! setters {
    ($ty:ident { $($field:ident $how:tt $t:ty),* $(,)? } $(optional { $($ofield:ident $ohow:tt $ot:ty),* $(,)? })?) => {
        impl $ty {
            $( setters!(@one $field $how $t, std::convert::identity); )*
            $($( setters!(@one $ofield $ohow $ot, Some); )*)?
        }
    };
    (@one $field:ident => $t:ty, $wrap:expr) => {
        #[doc = concat!("Sets `", stringify!($field), "`.")]
        #[must_use]
        pub fn $field(mut self, value: impl Into<$t>) -> Self {
            self.$field = $wrap(value.into());
            self
        }
    };
    (@one $field:ident : $t:ty, $wrap:expr) => {
        #[doc = concat!("Sets `", stringify!($field), "`.")]
        #[must_use]
        pub fn $field(mut self, value: $t) -> Self {
            self.$field = $wrap(value);
            self
        }
    };
}
