//! Configuration values (world, policies, scenarios) read from a JSON-like tree with errors that
//! give the full path of the offending key: `` `policy.components[1].weight`: expected a number
//! in (0, 1], got -0.5 ``. Unknown keys are errors (a typo must not silently fall back to a
//! default), and every number is range-checked where it is read.
//!
//! [`Value`] implements `serde::Deserialize`, so the JS bindings obtain it from any JS object
//! with `serde-wasm-bindgen`; Rust callers build it with [`Value::object`] or use the typed
//! config structs directly.

use crate::error::{Error, Result};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::fmt;

/// A JSON-like value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null` or `undefined`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, keys in order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// An object from pairs (for Rust callers and tests).
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A short description for error messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Number(x) => format!("{x}"),
            Value::String(s) => format!("the string {s:?}"),
            Value::Array(_) => "an array".into(),
            Value::Object(_) => "an object".into(),
        }
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Number(x)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON-like value")
            }
            fn visit_unit<E>(self) -> std::result::Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_none<E>(self) -> std::result::Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
                Value::deserialize(d)
            }
            fn visit_bool<E>(self, b: bool) -> std::result::Result<Value, E> {
                Ok(Value::Bool(b))
            }
            fn visit_f64<E>(self, x: f64) -> std::result::Result<Value, E> {
                Ok(Value::Number(x))
            }
            fn visit_i64<E>(self, x: i64) -> std::result::Result<Value, E> {
                Ok(Value::Number(x as f64))
            }
            fn visit_u64<E>(self, x: u64) -> std::result::Result<Value, E> {
                Ok(Value::Number(x as f64))
            }
            fn visit_str<E>(self, s: &str) -> std::result::Result<Value, E> {
                Ok(Value::String(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> std::result::Result<Value, E> {
                Ok(Value::String(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element()? {
                    out.push(v);
                }
                Ok(Value::Array(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Value::Object(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A view of an object being read: tracks which keys were used so that [`Obj::finish`] can
/// reject the rest, and prefixes every error with the object's path.
pub struct Obj<'a> {
    path: String,
    entries: &'a [(String, Value)],
    used: RefCell<Vec<bool>>,
}

fn join(path: &str, key: &str) -> String {
    let simple = !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    match (path.is_empty(), simple) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (true, false) => format!("[{key:?}]"),
        (false, false) => format!("{path}[{key:?}]"),
    }
}

impl<'a> Obj<'a> {
    /// Read `value` as an object at `path` ("" for the root). `null` reads as an empty object.
    pub fn new(value: &'a Value, path: &str) -> Result<Obj<'a>> {
        static EMPTY: [(String, Value); 0] = [];
        match value {
            Value::Object(entries) => Ok(Obj { path: path.to_string(), entries, used: RefCell::new(vec![false; entries.len()]) }),
            Value::Null => Ok(Obj { path: path.to_string(), entries: &EMPTY, used: RefCell::new(vec![]) }),
            other => Err(Error::invalid(
                if path.is_empty() { "config" } else { path },
                format!("expected an object, got {}", other.describe()),
            )),
        }
    }

    /// The path of a key of this object.
    pub fn path_of(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// This object's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw value of a key (marks it used); `None` when absent or null.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        self.used.borrow_mut()[i] = true;
        match &self.entries[i].1 {
            Value::Null => None,
            v => Some(v),
        }
    }

    /// Whether a key is present and not null (marks it used: `{ key: undefined }` is the same
    /// as leaving the key out).
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A number in `[lo, hi]` (either end may be infinite), or `default` when absent.
    pub fn number(&self, key: &str, default: f64, lo: f64, hi: f64) -> Result<f64> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Number(x)) if *x >= lo && *x <= hi => Ok(*x),
            Some(v) => {
                Err(Error::invalid(self.path_of(key), format!("expected a number in {}, got {}", range(lo, hi), v.describe())))
            }
        }
    }

    /// A required number in `[lo, hi]`.
    pub fn required_number(&self, key: &str, lo: f64, hi: f64) -> Result<f64> {
        if !self.has(key) {
            return Err(Error::invalid(self.path_of(key), format!("is required: expected a number in {}", range(lo, hi))));
        }
        self.number(key, f64::NAN, lo, hi)
    }

    /// A required integer in `[lo, hi]` (a fraction is an error, never truncated).
    pub fn required_integer(&self, key: &str, lo: u64, hi: u64) -> Result<u64> {
        if !self.has(key) {
            return Err(Error::invalid(self.path_of(key), format!("is required: expected an integer in [{lo}, {hi}]")));
        }
        self.integer(key, 0, lo, hi)
    }

    /// An integer in `[lo, hi]`, or `default` when absent.
    pub fn integer(&self, key: &str, default: u64, lo: u64, hi: u64) -> Result<u64> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Number(x)) if x.fract() == 0.0 && *x >= lo as f64 && *x <= hi as f64 => Ok(*x as u64),
            Some(v) => {
                Err(Error::invalid(self.path_of(key), format!("expected an integer in [{lo}, {hi}], got {}", v.describe())))
            }
        }
    }

    /// A seed: any non-negative integer up to 2⁵³ − 1 (JavaScript's safe integers).
    pub fn seed(&self, key: &str, default: u64) -> Result<u64> {
        self.integer(key, default, 0, (1u64 << 53) - 1)
    }

    /// A boolean, or `default` when absent.
    pub fn boolean(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(Error::invalid(self.path_of(key), format!("expected true or false, got {}", v.describe()))),
        }
    }

    /// One of `choices`, or `default` when absent.
    pub fn choice(&self, key: &str, default: &'static str, choices: &[&'static str]) -> Result<&'static str> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::String(s)) => choices.iter().find(|c| **c == s).copied().ok_or_else(|| {
                Error::invalid(self.path_of(key), format!("unknown value {s:?}; expected one of {}", choices.join(", ")))
            }),
            Some(v) => {
                Err(Error::invalid(self.path_of(key), format!("expected one of {}, got {}", choices.join(", "), v.describe())))
            }
        }
    }

    /// A string, or `None` when absent.
    pub fn string(&self, key: &str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(Error::invalid(self.path_of(key), format!("expected a string, got {}", v.describe()))),
        }
    }

    /// An array, or `None` when absent.
    pub fn array(&self, key: &str) -> Result<Option<&'a [Value]>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => Err(Error::invalid(self.path_of(key), format!("expected an array, got {}", v.describe()))),
        }
    }

    /// A nested object (an empty one when absent).
    pub fn object(&self, key: &str) -> Result<Obj<'a>> {
        match self.get(key) {
            None => Obj::new(&Value::Null, &self.path_of(key)),
            Some(v) => Obj::new(v, &self.path_of(key)),
        }
    }

    /// Reject keys that were never read.
    pub fn finish(&self) -> Result<()> {
        let used = self.used.borrow();
        if let Some(i) = used.iter().position(|u| !u) {
            let key = &self.entries[i].0;
            return Err(Error::invalid(
                self.path_of(key),
                "unknown key (check its spelling; see the documented options)".to_string(),
            ));
        }
        Ok(())
    }

    /// Reject keys outside `allowed`, listing them (a more helpful [`Obj::finish`]).
    pub fn finish_with(&self, allowed: &[&str]) -> Result<()> {
        let used = self.used.borrow();
        if let Some(i) = used.iter().position(|u| !u) {
            let key = &self.entries[i].0;
            return Err(Error::invalid(self.path_of(key), format!("unknown key; expected some of: {}", allowed.join(", "))));
        }
        Ok(())
    }
}

fn range(lo: f64, hi: f64) -> String {
    let l = if lo == f64::NEG_INFINITY { "(-∞".to_string() } else { format!("[{lo}") };
    let h = if hi == f64::INFINITY { "∞)".to_string() } else { format!("{hi}]") };
    format!("{l}, {h}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_path_and_unknown_keys_are_rejected() {
        let v = Value::object([("beta", Value::from(2.0)), ("betta", Value::from(1.0))]);
        let o = Obj::new(&v, "policy").unwrap();
        assert_eq!(o.number("beta", 0.0, -10.0, 10.0).unwrap(), 2.0);
        let e = o.finish().unwrap_err();
        assert_eq!(e.argument(), "policy.betta");
        let e = o.number("beta", 0.0, 3.0, 10.0).unwrap_err();
        assert!(e.to_string().contains("[3, 10]"), "{e}");
        let e = o.integer("beta", 0, 0, 1).unwrap_err();
        assert_eq!(e.argument(), "policy.beta");
    }
}
