//! Reading JavaScript values into Rust, with errors that name the argument and say what was
//! expected.
//!
//! A page can pass anything: getters that throw, Proxies whose traps throw or that were revoked,
//! objects nested thousands deep, arrays of strings, typed arrays with a lying `length`. Two rules
//! keep the module alive through all of it:
//!
//! 1. **Every JS operation that can run a script's code is imported with `catch`.** An exception
//!    that unwinds through Wasm frames skips their epilogues and leaks shadow-stack space; a few
//!    hundred such leaks and every later call traps with "memory access out of bounds". So
//!    property reads, `Object.keys`, `Array.isArray` (it throws on a revoked Proxy) and array
//!    conversions all go through the functions below, which turn a JS exception into an [`Error`]
//!    naming the argument. Only `typeof`-style checks (`as_f64`, `as_string`, `is_object`) and
//!    `instanceof` (whose generated shim catches) are used directly.
//! 2. **Nothing is coerced.** A JS number parameter is taken as a `JsValue` and must be of type
//!    `number` (no `valueOf`, which could also free the object being called); array elements must
//!    be numbers (`null`, `true`, `"1"`, `[1]` and Dates are rejected with their index); integers
//!    are checked, never wrapped.

use crate::config::Value;
use crate::error::{Error, Result};
use js_sys::{Array, Float64Array, Int32Array, JsString, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsError};

#[wasm_bindgen]
extern "C" {
    /// `Array.prototype.concat.call([], x)`: a fresh Array holding x's elements, each read once
    /// by index (never through an iterator), holes kept as holes.
    #[wasm_bindgen(catch, js_namespace = ["Array", "prototype", "concat"], js_name = call)]
    fn js_concat(this: &Array, x: &JsValue) -> std::result::Result<Array, JsValue>;
    /// `Array.prototype.every.call(x, f)`.
    #[wasm_bindgen(catch, js_namespace = ["Array", "prototype", "every"], js_name = call)]
    fn js_every(x: &JsValue, f: &JsValue) -> std::result::Result<bool, JsValue>;
    #[wasm_bindgen(thread_local_v2, js_namespace = Number, js_name = isFinite)]
    static IS_FINITE: JsValue;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn js_is_array(x: &JsValue) -> std::result::Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn js_keys(x: &JsValue) -> std::result::Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = getPrototypeOf)]
    fn js_prototype_of(x: &JsValue) -> std::result::Result<JsValue, JsValue>;
    /// `Object.prototype.toString.call(x)`: "[object Object]", "[object Date]", …
    #[wasm_bindgen(catch, js_namespace = ["Object", "prototype", "toString"], js_name = call)]
    fn js_tag(x: &JsValue) -> std::result::Result<JsString, JsValue>;
    /// `Float64Array.prototype.set.call(dst, src)`: copies a typed array into Wasm memory reading
    /// only internal slots (no `length` getter a script could have redefined).
    #[wasm_bindgen(catch, js_namespace = Float64Array, js_name = "prototype.set.call")]
    fn copy_f64(dst: &mut [f64], src: &JsValue) -> std::result::Result<(), JsValue>;
    /// The same into a view of Wasm memory (see [`copied`]).
    #[wasm_bindgen(catch, js_namespace = Float64Array, js_name = "prototype.set.call")]
    fn copy_f64_into(dst: &Float64Array, src: &JsValue) -> std::result::Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = Uint32Array, js_name = "prototype.set.call")]
    fn copy_u32_into(dst: &Uint32Array, src: &JsValue) -> std::result::Result<(), JsValue>;
    /// `Uint32Array.prototype.set.call(dst, src)` into a slice of Wasm memory (an Int32Array's
    /// values wrap: a negative index becomes one too large, which the checks refuse).
    #[wasm_bindgen(catch, js_namespace = Uint32Array, js_name = "prototype.set.call")]
    fn copy_u32(dst: &mut [u32], src: &JsValue) -> std::result::Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = Int32Array, js_name = "prototype.set.call")]
    fn copy_i32_into(dst: &js_sys::Int32Array, src: &JsValue) -> std::result::Result<(), JsValue>;
    #[wasm_bindgen(thread_local_v2, js_namespace = Object, js_name = prototype)]
    static OBJECT_PROTOTYPE: JsValue;
    /// The global constructors (read once, on first use).
    #[wasm_bindgen(thread_local_v2, js_name = Float64Array)]
    static F64_CTOR: js_sys::Function;
    #[wasm_bindgen(thread_local_v2, js_name = Uint32Array)]
    static U32_CTOR: js_sys::Function;
    /// `%TypedArray%.prototype`, whose `length` getter reads the internal slot (a typed array's own
    /// `length` property may be a script's getter).
    #[wasm_bindgen(thread_local_v2, js_namespace = Uint8Array, js_name = prototype)]
    static UINT8_PROTOTYPE: JsValue;
}

/// Most values a single array argument may hold (2²⁷ doubles are 1 GiB, receval's limit for a
/// single allocation; see [`crate::limits`]).
pub const MAX_ARRAY_LENGTH: usize = crate::limits::MAX_BYTES / 8;
/// How deep a config object may nest.
pub const MAX_DEPTH: usize = 32;
/// How many values a config object may hold in all.
pub const MAX_CONFIG_VALUES: usize = 100_000;

/// A JS Float64Array copy of `xs`.
pub fn f64_array(xs: &[f64]) -> Float64Array {
    Float64Array::from(xs)
}

/// A JS Int32Array copy of indices (each below 2³¹ by the limits on every size).
pub fn i32_array(xs: &[u32]) -> Int32Array {
    let v: Vec<i32> = xs.iter().map(|&x| x as i32).collect();
    Int32Array::from(&v[..])
}

/// Set a property of a fresh plain object (which cannot fail).
pub fn set(o: &js_sys::Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(o, &JsValue::from_str(k), &v.into());
}

/// Turn a core error into a JS `Error` whose message names the argument.
pub fn js_error(e: Error) -> JsError {
    JsError::new(&js_spelling(&e.to_string()))
}

/// A core message as a JS user reads it: Rust writes an infinite f64 as `inf` and `-inf`, JS as
/// `Infinity` and `-Infinity` (what the caller typed). Only the whole word changes (`info`,
/// `infinite` or `x_inf` stay as they are), and not a quoted name (`unknown estimator "inf"`);
/// `NaN` is spelled alike in both.
pub fn js_spelling(msg: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    let mut prev: Option<char> = None;
    while let Some(i) = rest.find("inf") {
        let before = rest[..i].chars().next_back().or(prev);
        let after = rest[i + 3..].chars().next();
        out.push_str(&rest[..i]);
        // a name the caller wrote, quoted in the message (`inf`, "inf"), stays as it is
        let quoted = matches!(before, Some('"' | '`' | '\''));
        let whole = !before.is_some_and(word) && !after.is_some_and(word) && !quoted;
        out.push_str(if whole { "Infinity" } else { "inf" });
        prev = Some('f');
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

/// The message of a JS exception (for errors that say why an argument could not be read).
fn exception_message(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s.chars().take(200).collect();
    }
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        // `message` may itself be a throwing getter.
        if let Ok(m) = Reflect::get(err, &JsValue::from_str("message")) {
            if let Some(s) = m.as_string() {
                return s.chars().take(200).collect();
            }
        }
        return "an Error".into();
    }
    describe(e)
}

/// The error for a JS exception raised while reading argument `name`.
pub fn thrown(name: &str, e: JsValue) -> Error {
    Error::invalid(name, format!("could not be read: reading it threw ({})", exception_message(&e)))
}

/// `Array.isArray(v)`, which throws for a revoked Proxy.
pub fn is_array(name: &str, v: &JsValue) -> Result<bool> {
    if !v.is_object() {
        return Ok(false);
    }
    js_is_array(v).map_err(|e| thrown(name, e))
}

/// `v[key]`, with a throwing getter or trap reported as an error about `name`.
pub fn get(name: &str, v: &JsValue, key: &JsValue) -> Result<JsValue> {
    Reflect::get(v, key).map_err(|e| thrown(name, e))
}

/// A typed array (any `ArrayBuffer` view but a `DataView`).
pub(crate) fn is_typed_array(v: &JsValue) -> bool {
    v.is_object() && js_sys::ArrayBuffer::is_view(v) && !v.is_instance_of::<js_sys::DataView>()
}

/// The real length of a typed array, read from its internal slot rather than from a `length`
/// property that a script may have redefined.
pub(crate) fn typed_array_length(name: &str, v: &JsValue) -> Result<usize> {
    Ok(typed_array_slot(name, v, "length")?.as_f64().unwrap_or(0.0) as usize)
}

/// `%TypedArray%.prototype`'s own getter for `key` (`length`, `buffer`, `byteOffset`,
/// `Symbol.toStringTag`), which reads the internal slot; `None` if a script removed it.
fn typed_array_getter(key: &JsValue) -> Option<js_sys::Function> {
    UINT8_PROTOTYPE.with(|p| {
        let base = Reflect::get_prototype_of(p).ok()?;
        let desc = Reflect::get_own_property_descriptor(&base, key).ok()?;
        Reflect::get(&desc, &JsValue::from_str("get")).ok()?.dyn_into::<js_sys::Function>().ok()
    })
}

/// The kind of a typed array ("Float64Array", "Int32Array", …) from its internal slot, through
/// the intrinsic `%TypedArray%.prototype[Symbol.toStringTag]` getter: unlike `instanceof`, a
/// prototype a page has swapped cannot change it, and no code of the page runs. `None` for
/// anything that is not a typed array.
pub(crate) fn typed_array_kind(v: &JsValue) -> Option<String> {
    let getter = typed_array_getter(&js_sys::Symbol::to_string_tag().into())?;
    Reflect::apply(&getter, v, &Array::new()).ok()?.as_string()
}

/// A typed array's `length`, `buffer` or `byteOffset`, read through `%TypedArray%.prototype`'s
/// own getter (the internal slot), never through a property a script may have redefined.
fn typed_array_slot(name: &str, v: &JsValue, slot: &str) -> Result<JsValue> {
    let getter = typed_array_getter(&JsValue::from_str(slot))
        .ok_or_else(|| Error::invalid(name, format!("could not be read: %TypedArray%.prototype.{slot} is missing")))?;
    Reflect::apply(&getter, v, &Array::new()).map_err(|e| thrown(name, e))
}

/// A Float64Array, Int32Array or Uint32Array to copy into Wasm memory block by block: its
/// buffer and offset, read from internal slots, and its length (at most [`MAX_ARRAY_LENGTH`]).
/// Each block is a fresh view of that buffer made by the intrinsic constructor, so no method or
/// species constructor of the page's array runs (`subarray` would call one).
pub(crate) struct BlockSource {
    buffer: JsValue,
    byte_offset: usize,
    /// Values in the array.
    pub len: usize,
    /// An Int32Array (its values are copied as unsigned: a negative one reads as 2³¹ or more).
    pub signed: bool,
}

impl BlockSource {
    /// `None` if `v` is not a Float64Array (`wide`) or an Int32Array or Uint32Array within the
    /// limits. The kind is read from the array's internal slot: a Float32Array whose prototype a
    /// page set to Float64Array.prototype would otherwise be read as raw doubles.
    pub(crate) fn of(v: &JsValue, wide: bool) -> Option<BlockSource> {
        let kind = typed_array_kind(v)?;
        let ok = if wide { kind == "Float64Array" } else { kind == "Uint32Array" || kind == "Int32Array" };
        if !ok {
            return None;
        }
        let len = typed_array_length("input", v).ok()?;
        if len > MAX_ARRAY_LENGTH {
            return None;
        }
        let buffer = typed_array_slot("input", v, "buffer").ok()?;
        let byte_offset = typed_array_slot("input", v, "byteOffset").ok()?.as_f64()? as usize;
        Some(BlockSource { buffer, byte_offset, len, signed: kind == "Int32Array" })
    }

    /// Copy values `start..start + dst.len()` of a Float64Array source into `dst`; `false` if that
    /// throws (a detached or shrunk buffer) or the range is not in the array.
    pub(crate) fn copy_f64(&self, start: usize, dst: &mut [f64]) -> bool {
        let view = F64_CTOR.with(|c| self.view(c, 8, start, dst.len()));
        view.is_some_and(|v| copy_f64(dst, &v).is_ok())
    }

    /// `new Ctor(buffer, byteOffset + width × start, n)` (the intrinsic constructor), or `None`
    /// if the range is not in the array or the constructor throws.
    fn view(&self, ctor: &js_sys::Function, width: usize, start: usize, n: usize) -> Option<JsValue> {
        if start + n > self.len {
            return None;
        }
        // in f64: on wasm32 a usize sum could wrap for a view far into a buffer of over 4 GiB
        let offset = self.byte_offset as f64 + (width as f64) * (start as f64);
        let args = Array::of3(&self.buffer, &JsValue::from_f64(offset), &JsValue::from_f64(n as f64));
        Reflect::construct(ctor, &args).ok()
    }

    /// The same for an Int32Array or Uint32Array of indices, read as unsigned (a negative index
    /// becomes one too large, which the checks refuse).
    pub(crate) fn copy_u32(&self, start: usize, dst: &mut [u32]) -> bool {
        let view = U32_CTOR.with(|c| self.view(c, 4, start, dst.len()));
        view.is_some_and(|v| copy_u32(dst, &v).is_ok())
    }
}

/// Check an array's length against the limits before copying it into Wasm memory (also against
/// the memory receval holds already: see [`crate::limits`]).
fn check_length(name: &str, n: f64) -> Result<usize> {
    if n > MAX_ARRAY_LENGTH as f64 {
        return Err(Error::invalid(
            name,
            format!(
                "holds {n} values, more than the {MAX_ARRAY_LENGTH} (1 GiB of numbers) a single array may hold; see the limits in the README"
            ),
        ));
    }
    crate::limits::check(name, &format!("an array of {n} numbers"), n, 8)?;
    Ok(n as usize)
}

/// The length of an `Array` (a Proxy's `length` may throw).
fn array_length(name: &str, v: &JsValue) -> Result<usize> {
    let n = get(name, v, &JsValue::from_str("length"))?;
    match n.as_f64() {
        Some(x) if x >= 0.0 && x.fract() == 0.0 => check_length(name, x),
        _ => Err(Error::invalid(name, format!("expected an array with a numeric length, got length {}", describe(&n)))),
    }
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
    } else if v.is_function() {
        "a function".into()
    } else if v.is_bigint() {
        "a BigInt".into()
    } else if v.is_symbol() {
        "a Symbol".into()
    } else if v.is_object() {
        match js_tag(v).ok().and_then(|t| t.as_string()) {
            Some(t) if t == "[object Array]" => "an array".into(),
            Some(t) if t == "[object Object]" => "an object".into(),
            Some(t) => {
                let kind = t.trim_start_matches("[object ").trim_end_matches(']').to_string();
                format!("{} {kind}", if kind.starts_with(['A', 'E', 'I', 'O', 'U']) { "an" } else { "a" })
            }
            None => "an object".into(),
        }
    } else {
        format!("a {}", v.js_typeof().as_string().unwrap_or_default())
    }
}

/// A field of an object; `None` when absent, `undefined` or `null`.
pub fn field(obj: &JsValue, key: &str) -> Result<Option<JsValue>> {
    let v = get(key, obj, &JsValue::from_str(key))?;
    Ok(if v.is_undefined() || v.is_null() { None } else { Some(v) })
}

/// A required field.
pub fn required(obj: &JsValue, key: &str, what: &str) -> Result<JsValue> {
    field(obj, key)?.ok_or_else(|| Error::invalid(key, format!("is required: expected {what}")))
}

/// Check that `obj` is an object (not an array, not a primitive, not a function).
pub fn expect_object(obj: &JsValue, name: &str, what: &str) -> Result<()> {
    if !obj.is_object() || obj.is_function() || is_array(name, obj)? {
        return Err(Error::invalid(name, format!("expected {what}, got {}", describe(obj))));
    }
    // a Date, Map, RegExp, typed array or boxed primitive is an object too, but not one whose
    // fields anyone meant as options
    let tag = js_tag(obj).map_err(|e| thrown(name, e))?;
    if tag.as_string().as_deref() != Some("[object Object]") {
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

/// The own enumerable string keys of an object.
pub(crate) fn keys(name: &str, obj: &JsValue) -> Result<Vec<String>> {
    let ks = js_keys(obj).map_err(|e| thrown(name, e))?;
    Ok(ks.iter().filter_map(|k| k.as_string()).collect())
}

/// The error for an unknown key, with a hint when it is the snake_case of an allowed one.
pub fn unknown_key(name: &str, key: &str, allowed: &[&str]) -> Error {
    let camel = camel_case(key);
    let hint =
        if camel != key && allowed.contains(&camel.as_str()) { format!(" (did you mean `{camel}`?)") } else { String::new() };
    Error::invalid(name, format!("unknown key `{key}`{hint}; expected some of: {}", allowed.join(", ")))
}

/// For plain objects (literals, JSON), reject keys that are not in `allowed`, so that a typo
/// (`positions`, or OBP's snake_case `action_dist`) is an error rather than a silently ignored
/// option. Class instances (whose fields are getters) are not checked.
pub fn check_keys(obj: &JsValue, name: &str, allowed: &[&str]) -> Result<()> {
    if !obj.is_object() {
        return Ok(());
    }
    let proto = js_prototype_of(obj).map_err(|e| thrown(name, e))?;
    let plain = proto.is_null() || OBJECT_PROTOTYPE.with(|p| js_sys::Object::is(&proto, p));
    if !plain {
        return Ok(());
    }
    for key in keys(name, obj)? {
        if !allowed.contains(&key.as_str()) {
            return Err(unknown_key(name, &key, allowed));
        }
    }
    Ok(())
}

/// The error for an array element that is not a number.
fn not_a_number(key: &str, i: usize, el: &JsValue) -> Error {
    Error::invalid(key, format!("expected numbers, got {} at index {i}", describe(el)))
}

/// A number array: any typed array but BigInt ones (a `Float64Array` is copied in one block), or
/// an `Array` whose every element is a number. Non-finite numbers pass through here and are
/// rejected by the core's validation with their index (some arguments, such as λ grids, allow
/// `Infinity`); anything else in an `Array` — `null`, booleans, strings, nested arrays, Dates,
/// holes — is rejected here with its index, never converted.
/// A typed array `src` of `n` elements (its length read from its internal slot just before)
/// copied into a new vector in one block, without first filling the vector with zeros: `view`
/// makes a JS view of the vector's uninitialized capacity (no Rust reference to it exists), `copy`
/// is `%TypedArray%.prototype.set`, which writes all `n` elements or throws, and the length is set
/// only after it returned and `src` still has `n` elements.
fn copied<T, V>(
    key: &str,
    src: &JsValue,
    n: usize,
    view: impl FnOnce(*mut T) -> V,
    copy: impl FnOnce(&V, &JsValue) -> std::result::Result<(), JsValue>,
) -> Result<Vec<T>> {
    let mut out: Vec<T> = Vec::with_capacity(n);
    // No allocation between making the view and the copy: Wasm memory cannot grow under it.
    let dst = view(out.as_mut_ptr());
    copy(&dst, src).map_err(|e| thrown(key, e))?;
    let now = typed_array_length(key, src)? as usize;
    if now != n {
        return Err(Error::invalid(key, format!("changed while it was read: its length was {n}, then {now}")));
    }
    // SAFETY: `set` wrote the n elements of `src` (same length) into the n slots of the view
    unsafe { out.set_len(n) };
    Ok(out)
}

pub fn f64_vec(key: &str, v: &JsValue) -> Result<Vec<f64>> {
    if is_typed_array(v) {
        let n = check_length(key, typed_array_length(key, v)? as f64)?;
        if n == 0 {
            // also what a detached buffer reports; copying from one would throw
            return Ok(Vec::new());
        }
        if v.is_instance_of::<Float64Array>() {
            // SAFETY: the view covers exactly the vector's capacity and lives only during the copy
            return copied(key, v, n, |p| unsafe { Float64Array::view_mut_raw(p, n) }, copy_f64_into);
        }
        if v.is_instance_of::<js_sys::BigInt64Array>() || v.is_instance_of::<js_sys::BigUint64Array>() {
            return Err(Error::invalid(key, "expected numbers; BigInt arrays are not supported"));
        }
        // Other typed arrays (Int8Array, Float32Array, …): the constructor copies from the
        // internal slots (`Float64Array.from` would go through an iterator a script can replace).
        return Ok(Float64Array::new(v).to_vec());
    }
    if !is_array(key, v)? {
        return Err(Error::invalid(key, format!("expected an array of numbers (Array or Float64Array), got {}", describe(v))));
    }
    // An Array (or a Proxy of one, or a subclass). `concat` copies it into a fresh Array of ours,
    // reading each element exactly once, by index: never through an iterator a script may have
    // replaced, never a second time after it was checked (a getter may answer differently). The
    // copy has no getters, so it can be checked and then copied into Wasm memory in one block.
    let n = array_length(key, v)?;
    let copy = js_concat(&Array::new(), v).map_err(|e| thrown(key, e))?;
    if copy.length() as usize != n {
        return Err(Error::invalid(key, format!("changed while it was read: its length was {n}, then {}", copy.length())));
    }
    // Holes and `undefined` first (fast even for a sparse array claiming 2²⁷ elements)...
    if copy.includes(&JsValue::UNDEFINED, 0) {
        if let Some((i, el)) = first_not_number(&copy, n) {
            return Err(not_a_number(key, i, &el));
        }
    }
    // ...then anything else that is not a finite number (non-finite numbers pass on to the
    // core's validation, which names their index; some arguments allow Infinity).
    let all_finite = IS_FINITE.with(|f| js_every(&copy, f)).map_err(|e| thrown(key, e))?;
    if !all_finite {
        if let Some((i, el)) = first_not_number(&copy, n) {
            return Err(not_a_number(key, i, &el));
        }
    }
    let mut out = vec![0.0; n];
    if n > 0 {
        copy_f64(&mut out, &copy).map_err(|e| thrown(key, e))?;
    }
    Ok(out)
}

/// What `f64_vec` checks, without keeping a copy when it need not read the elements: a typed
/// array (not a BigInt one) within the size limits is accepted as it is; anything else goes
/// through `f64_vec`, which names the first element that is not a number.
pub fn check_f64_array(key: &str, v: &JsValue) -> Result<()> {
    if is_typed_array(v) {
        let n = check_length(key, typed_array_length(key, v)? as f64)?;
        if n > 0 && (v.is_instance_of::<js_sys::BigInt64Array>() || v.is_instance_of::<js_sys::BigUint64Array>()) {
            return Err(Error::invalid(key, "expected numbers; BigInt arrays are not supported"));
        }
        return Ok(());
    }
    f64_vec(key, v).map(drop)
}

/// The first element of an Array of ours (no getters) that is not a number, with its index.
fn first_not_number(a: &Array, n: usize) -> Option<(usize, JsValue)> {
    (0..n).map(|i| (i, a.get(i as u32))).find(|(_, x)| x.as_f64().is_none())
}

/// An index array: `Int32Array`, `Uint32Array`, or numbers that are non-negative integers below 2³².
pub fn index_vec(key: &str, v: &JsValue) -> Result<Vec<u32>> {
    if is_typed_array(v) {
        let n = check_length(key, typed_array_length(key, v)? as f64)?;
        if n == 0 {
            return Ok(Vec::new());
        }
        if v.is_instance_of::<Uint32Array>() {
            // SAFETY: as in `f64_vec`
            return copied(key, v, n, |p| unsafe { Uint32Array::view_mut_raw(p, n) }, copy_u32_into);
        }
        if v.is_instance_of::<Int32Array>() {
            // SAFETY: as in `f64_vec`
            let xs: Vec<i32> = copied(key, v, n, |p| unsafe { Int32Array::view_mut_raw(p, n) }, copy_i32_into)?;
            if let Some((i, x)) = xs.iter().enumerate().find(|(_, x)| **x < 0) {
                return Err(Error::invalid(key, format!("expected non-negative integers, got {x} at index {i}")));
            }
            return Ok(xs.into_iter().map(|x| x as u32).collect());
        }
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

/// A number (of JS type `number`: nothing is converted).
pub fn number(key: &str, v: &JsValue) -> Result<f64> {
    v.as_f64().ok_or_else(|| Error::invalid(key, format!("expected a number, got {}", describe(v))))
}

/// A finite number.
pub fn finite(key: &str, v: &JsValue) -> Result<f64> {
    let x = number(key, v)?;
    if !x.is_finite() {
        return Err(Error::invalid(key, format!("expected a finite number, got {x}")));
    }
    Ok(x)
}

/// An optional finite number: `None` for `undefined` or `null`.
pub fn opt_finite(key: &str, v: &JsValue) -> Result<Option<f64>> {
    if v.is_undefined() || v.is_null() { Ok(None) } else { finite(key, v).map(Some) }
}

/// A non-negative integer up to `max`.
pub fn integer(key: &str, v: &JsValue, max: f64) -> Result<u64> {
    let x = number(key, v)?;
    if !(x >= 0.0 && x.fract() == 0.0 && x <= max) {
        return Err(Error::invalid(key, format!("expected an integer in [0, {max}], got {x}")));
    }
    Ok(x as u64)
}

/// An index `0 ≤ i < n` (a user, a position, …).
#[cfg(feature = "course")]
pub fn index(key: &str, v: &JsValue, n: usize, what: &str) -> Result<usize> {
    let x = number(key, v)?;
    if !(x >= 0.0 && x.fract() == 0.0 && x < n as f64) {
        return Err(Error::invalid(key, format!("expected an integer with 0 ≤ {key} < {what} ({n}), got {x}")));
    }
    Ok(x as usize)
}

/// An optional non-negative integer field with a default.
pub fn integer_field(obj: &JsValue, key: &str, default: Option<u64>, max: f64) -> Result<Option<u64>> {
    match field(obj, key)? {
        Some(v) => integer(key, &v, max).map(Some),
        None => Ok(default),
    }
}

/// An optional boolean field (`true` or `false`, nothing else).
pub fn bool_field(obj: &JsValue, key: &str) -> Result<Option<bool>> {
    match field(obj, key)? {
        Some(v) => {
            v.as_bool().map(Some).ok_or_else(|| Error::invalid(key, format!("expected true or false, got {}", describe(&v))))
        }
        None => Ok(None),
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

/// Longest string argument (a CSV file's text is the largest expected): 256 MiB of UTF-16.
pub const MAX_STRING_LENGTH: u32 = 1 << 28;

/// A string (of JS type `string`: nothing is converted).
pub fn string(key: &str, v: &JsValue) -> Result<String> {
    if !v.is_string() {
        return Err(Error::invalid(key, format!("expected a string, got {}", describe(v))));
    }
    let n = v.unchecked_ref::<JsString>().length();
    if n > MAX_STRING_LENGTH {
        return Err(Error::invalid(key, format!("is a string of {n} characters, more than the {MAX_STRING_LENGTH} allowed")));
    }
    Ok(v.as_string().unwrap_or_default())
}

/// A name argument (an estimator's, a signal's, a strategy's): a short string.
pub fn name(key: &str, v: &JsValue) -> Result<String> {
    if !v.is_string() {
        return Err(Error::invalid(key, format!("expected a string, got {}", describe(v))));
    }
    let s: &JsString = v.unchecked_ref();
    if s.length() > 200 {
        return Err(Error::invalid(key, format!("expected a short name, got a string of {} characters", s.length())));
    }
    Ok(v.as_string().unwrap_or_default())
}

/// A JS value as a config tree (see [`crate::config`]). `undefined`/`null` read as `Null`.
/// Reads only own enumerable properties of plain objects and elements of arrays, with every
/// access guarded; rejects functions, Symbols, BigInts and objects that are not plain data
/// (Dates, Maps, …) with the path of the value, and nesting deeper than [`MAX_DEPTH`].
pub fn config_value(v: &JsValue, name: &str) -> Result<Value> {
    let mut budget = MAX_CONFIG_VALUES;
    read_value(v, name, 0, &mut budget)
}

/// [`config_value`] of an optional argument.
#[cfg(feature = "course")]
pub fn opt_config(v: &Option<JsValue>, name: &str) -> Result<Value> {
    match v {
        Some(v) => config_value(v, name),
        None => Ok(Value::Null),
    }
}

fn read_value(v: &JsValue, path: &str, depth: usize, budget: &mut usize) -> Result<Value> {
    if *budget == 0 {
        return Err(Error::invalid(path, format!("holds more than {MAX_CONFIG_VALUES} values; a config should be small")));
    }
    *budget -= 1;
    if v.is_undefined() || v.is_null() {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(x) = v.as_f64() {
        return Ok(Value::Number(x));
    }
    if v.is_string() {
        return name(path, v).map(Value::String);
    }
    if !v.is_object() || v.is_function() {
        return Err(Error::invalid(
            path,
            format!("expected a number, string, boolean, array or plain object, got {}", describe(v)),
        ));
    }
    if depth >= MAX_DEPTH {
        return Err(Error::invalid(path, format!("is nested more than {MAX_DEPTH} levels deep")));
    }
    if is_typed_array(v) {
        return Ok(Value::Array(f64_vec(path, v)?.into_iter().map(Value::Number).collect()));
    }
    if is_array(path, v)? {
        let n = array_length(path, v)?;
        if n > *budget {
            return Err(Error::invalid(path, format!("holds more than {MAX_CONFIG_VALUES} values; a config should be small")));
        }
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let p = format!("{path}[{i}]");
            let el = get(&p, v, &JsValue::from_f64(i as f64))?;
            out.push(read_value(&el, &p, depth + 1, budget)?);
        }
        return Ok(Value::Array(out));
    }
    let tag = js_tag(v).map_err(|e| thrown(path, e))?;
    if tag.as_string().as_deref() != Some("[object Object]") {
        return Err(Error::invalid(path, format!("expected a plain object, got {}", describe(v))));
    }
    let ks = keys(path, v)?;
    if ks.len() > *budget {
        return Err(Error::invalid(path, format!("holds more than {MAX_CONFIG_VALUES} values; a config should be small")));
    }
    let mut out = Vec::with_capacity(ks.len());
    for k in ks {
        let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
        let el = get(&p, v, &JsValue::from_str(&k))?;
        out.push((k, read_value(&el, &p, depth + 1, budget)?));
    }
    Ok(Value::Object(out))
}

/// A fresh array of `v`'s elements (for arguments that are lists of objects or names).
pub fn array_elements(name: &str, v: &JsValue) -> Result<Vec<JsValue>> {
    if !is_array(name, v)? {
        return Err(Error::invalid(name, format!("expected an array, got {}", describe(v))));
    }
    let n = array_length(name, v)?;
    if n > MAX_CONFIG_VALUES {
        return Err(Error::invalid(name, format!("holds {n} values; expected at most {MAX_CONFIG_VALUES}")));
    }
    (0..n).map(|i| get(&format!("{name}[{i}]"), v, &JsValue::from_f64(i as f64))).collect()
}

/// Serialize a Rust value into a plain JS object (structs as objects, maps as objects).
pub fn to_js<T: serde::Serialize>(value: &T) -> std::result::Result<JsValue, JsError> {
    let s = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&s).map_err(|e| JsError::new(&format!("internal error while converting a result: {e}")))
}

#[cfg(test)]
mod tests {
    use super::js_spelling;

    #[test]
    fn infinities_are_spelled_as_in_js_and_nothing_else_changes() {
        assert_eq!(
            js_spelling("expected a finite number, got inf at index 3"),
            "expected a finite number, got Infinity at index 3"
        );
        assert_eq!(js_spelling("got -inf"), "got -Infinity");
        assert_eq!(js_spelling("inf"), "Infinity");
        assert_eq!(js_spelling("λ in [0, inf], got NaN"), "λ in [0, Infinity], got NaN");
        for same in ["infinite", "info", "x_inf", "2inf", "finf", "inference", "", "no match"] {
            assert_eq!(js_spelling(same), same);
        }
        assert_eq!(js_spelling("inf inf,inf"), "Infinity Infinity,Infinity");
        assert_eq!(js_spelling("infinf"), "infinf");
        // a name the caller typed, quoted, is theirs
        for same in ["unknown slate estimator \"inf\"; expected one of sips", "`inf`: unknown key", "'inf'"] {
            assert_eq!(js_spelling(same), same);
        }
    }
}
