//! Reading JavaScript values into Rust, with errors that name the argument and say what was
//! expected. Nothing here panics on any input a script can construct: every conversion checks the
//! JS type first and every JS call that can throw is imported with `catch`.

use crate::error::{Error, Result};
use js_sys::{Array, Float64Array, Int32Array, Object, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsError};

#[wasm_bindgen]
extern "C" {
    /// `Float64Array.from(x)`: converts any typed array or array-like with ToNumber; throws on
    /// BigInt elements, which we catch.
    #[wasm_bindgen(catch, js_namespace = Float64Array, js_name = from)]
    fn float64_from(x: &JsValue) -> std::result::Result<Float64Array, JsValue>;
}

/// Turn a core error into a JS `Error` whose message names the argument.
pub fn js_error(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

/// A short description of a JS value's type for error messages: "a string", "an object", "null".
pub fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        "undefined".into()
    } else if v.is_null() {
        "null".into()
    } else if let Some(s) = v.as_string() {
        let short: String = s.chars().take(20).collect();
        format!("a string ({short:?})")
    } else if let Some(b) = v.as_bool() {
        format!("a boolean ({b})")
    } else if let Some(x) = v.as_f64() {
        format!("the number {x}")
    } else if Array::is_array(v) {
        "an array".into()
    } else if v.is_function() {
        "a function".into()
    } else if v.is_bigint() {
        "a BigInt".into()
    } else if v.is_object() {
        "an object".into()
    } else {
        format!("a {}", v.js_typeof().as_string().unwrap_or_default())
    }
}

/// A field of an object; `None` when absent, `undefined` or `null`.
pub fn field(obj: &JsValue, key: &str) -> Result<Option<JsValue>> {
    let v =
        Reflect::get(obj, &JsValue::from_str(key)).map_err(|_| Error::invalid(key, "could not be read (the getter threw)"))?;
    Ok(if v.is_undefined() || v.is_null() { None } else { Some(v) })
}

/// A required field.
pub fn required(obj: &JsValue, key: &str, what: &str) -> Result<JsValue> {
    field(obj, key)?.ok_or_else(|| Error::invalid(key, format!("is required: expected {what}")))
}

/// Check that `obj` is an object (not an array, not a primitive).
pub fn expect_object(obj: &JsValue, name: &str, what: &str) -> Result<()> {
    if !obj.is_object() || Array::is_array(obj) || obj.is_function() {
        return Err(Error::invalid(name, format!("expected {what}, got {}", describe(obj))));
    }
    Ok(())
}

fn camel_case(s: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in s.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// For plain objects (literals, JSON), reject keys that are not in `allowed`, so that a typo
/// (`positions`, or OBP's snake_case `action_dist`) is an error rather than a silently ignored
/// option. Class instances (whose fields are getters) are not checked.
pub fn check_keys(obj: &JsValue, name: &str, allowed: &[&str]) -> Result<()> {
    let Some(o) = obj.dyn_ref::<Object>() else { return Ok(()) };
    let proto = Object::get_prototype_of(obj);
    let plain = proto.is_null() || Object::is(&proto, &Object::get_prototype_of(&Object::new()));
    if !plain {
        return Ok(());
    }
    for key in Object::keys(o).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            let camel = camel_case(&key);
            let hint = if camel != key && allowed.contains(&camel.as_str()) {
                format!(" (did you mean `{camel}`?)")
            } else {
                String::new()
            };
            return Err(Error::invalid(name, format!("unknown key `{key}`{hint}; expected some of: {}", allowed.join(", "))));
        }
    }
    Ok(())
}

/// A number array: `Float64Array` (copied in one block), any other typed array, or an `Array` of
/// numbers. Non-finite values pass through here and are rejected by the core's validation with
/// their index; non-numbers in an `Array` are rejected here with their type.
pub fn f64_vec(key: &str, v: &JsValue) -> Result<Vec<f64>> {
    if let Some(a) = v.dyn_ref::<Float64Array>() {
        return Ok(a.to_vec());
    }
    let is_array = Array::is_array(v);
    if !(is_array || js_sys::ArrayBuffer::is_view(v)) || v.is_instance_of::<js_sys::DataView>() {
        return Err(Error::invalid(key, format!("expected an array of numbers (Array or Float64Array), got {}", describe(v))));
    }
    let out = float64_from(v).map_err(|_| Error::invalid(key, "expected numbers; BigInt arrays are not supported"))?.to_vec();
    if is_array {
        let arr: &Array = v.unchecked_ref();
        for (i, x) in out.iter().enumerate() {
            if x.is_nan() {
                let el = arr.get(i as u32);
                if el.as_f64().is_none() {
                    return Err(Error::invalid(key, format!("expected numbers, got {} at index {i}", describe(&el))));
                }
            }
        }
    }
    Ok(out)
}

/// An index array: `Int32Array`, `Uint32Array`, or numbers that are non-negative integers.
pub fn index_vec(key: &str, v: &JsValue) -> Result<Vec<u32>> {
    if let Some(a) = v.dyn_ref::<Uint32Array>() {
        return Ok(a.to_vec());
    }
    if let Some(a) = v.dyn_ref::<Int32Array>() {
        let xs = a.to_vec();
        if let Some((i, x)) = xs.iter().enumerate().find(|(_, x)| **x < 0) {
            return Err(Error::invalid(key, format!("expected non-negative integers, got {x} at index {i}")));
        }
        return Ok(xs.into_iter().map(|x| x as u32).collect());
    }
    let xs = f64_vec(key, v)?;
    let mut out = Vec::with_capacity(xs.len());
    for (i, &x) in xs.iter().enumerate() {
        if !(x >= 0.0 && x.fract() == 0.0 && x < 4_294_967_296.0) {
            return Err(Error::invalid(key, format!("expected non-negative integers, got {x} at index {i}")));
        }
        out.push(x as u32);
    }
    Ok(out)
}

/// A number.
pub fn number(key: &str, v: &JsValue) -> Result<f64> {
    v.as_f64().ok_or_else(|| Error::invalid(key, format!("expected a number, got {}", describe(v))))
}

/// A non-negative integer up to `max`.
pub fn integer(key: &str, v: &JsValue, max: f64) -> Result<u64> {
    let x = number(key, v)?;
    if !(x >= 0.0 && x.fract() == 0.0 && x <= max) {
        return Err(Error::invalid(key, format!("expected an integer in [0, {max}], got {x}")));
    }
    Ok(x as u64)
}

/// An optional non-negative integer field with a default.
pub fn integer_field(obj: &JsValue, key: &str, default: Option<u64>, max: f64) -> Result<Option<u64>> {
    match field(obj, key)? {
        Some(v) => integer(key, &v, max).map(Some),
        None => Ok(default),
    }
}

/// An optional number field.
pub fn number_field(obj: &JsValue, key: &str) -> Result<Option<f64>> {
    field(obj, key)?.map(|v| number(key, &v)).transpose()
}

/// An optional seed: a non-negative safe integer.
pub fn seed_field(obj: &JsValue, key: &str) -> Result<Option<u64>> {
    integer_field(obj, key, None, 9_007_199_254_740_991.0)
}

/// A string.
pub fn string(key: &str, v: &JsValue) -> Result<String> {
    v.as_string().ok_or_else(|| Error::invalid(key, format!("expected a string, got {}", describe(v))))
}

/// Serialize a Rust value into a plain JS object (structs as objects, maps as objects).
pub fn to_js<T: serde::Serialize>(value: &T) -> std::result::Result<JsValue, JsError> {
    let s = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&s).map_err(|e| JsError::new(&format!("internal error while converting a result: {e}")))
}
