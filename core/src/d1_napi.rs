//! With the `napi` feature: a [`D1Value`] is JavaScript's own value in
//! Node (`null`, a number, a string, a `Buffer`), as D1's Worker API
//! returns them, so `D1Result.rows` and query parameters need no wrapper.

use napi::bindgen_prelude::*;

use crate::d1::D1Value;

/// Largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

impl TypeName for D1Value {
    fn type_name() -> &'static str {
        "D1Value"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ToNapiValue for D1Value {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        match val {
            D1Value::Null => Null::to_napi_value(env, Null),
            D1Value::Integer(i) => i64::to_napi_value(env, i),
            D1Value::Real(f) => f64::to_napi_value(env, f),
            D1Value::Text(s) => String::to_napi_value(env, s),
            D1Value::Blob(b) => Buffer::to_napi_value(env, Buffer::from(b)),
        }
    }
}

fn not_a_parameter() -> Error {
    Error::new(Status::InvalidArg, "a D1 parameter is null, a number, a bigint, a boolean, a string or a Uint8Array")
}

impl FromNapiValue for D1Value {
    /// `null`/`undefined`, a number (a whole one within 2^53 is an
    /// INTEGER, as in D1's Worker API), a bigint, a boolean (1/0), a string,
    /// or a `Uint8Array`/`Buffer` (a BLOB).
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut kind = 0;
        check_status!(sys::napi_typeof(env, value, &mut kind))?;
        Ok(match ValueType::from(kind) {
            ValueType::Null | ValueType::Undefined => D1Value::Null,
            ValueType::Boolean => D1Value::Integer(i64::from(bool::from_napi_value(env, value)?)),
            ValueType::Number => {
                let f = f64::from_napi_value(env, value)?;
                if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER {
                    D1Value::Integer(f as i64)
                } else {
                    D1Value::Real(f)
                }
            }
            ValueType::BigInt => {
                let (i, lossless) = BigInt::from_napi_value(env, value)?.get_i64();
                if !lossless {
                    return Err(Error::new(Status::InvalidArg, "a D1 parameter bigint does not fit in 64 bits"));
                }
                D1Value::Integer(i)
            }
            ValueType::String => D1Value::Text(String::from_napi_value(env, value)?),
            // Any other object gets the message below, not napi's "Get TypedArray info failed".
            ValueType::Object => D1Value::Blob(Uint8Array::from_napi_value(env, value).map_err(|_| not_a_parameter())?.to_vec()),
            _ => return Err(not_a_parameter()),
        })
    }
}
