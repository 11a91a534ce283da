//! Helpers shared by the native integration tests: reading OBP's reference fixtures.
#![allow(dead_code)]

use serde_json::Value;
use std::io::Read;

/// Load a gzipped JSON fixture from `tests/fixtures/obp/`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/obp/{name}", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut text).expect("gzip");
    serde_json::from_str(&text).expect("json")
}

/// A float, including the strings "NaN", "Infinity", "-Infinity" of the fixture encoding.
pub fn float(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => match s.as_str() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => other.parse().unwrap(),
        },
        other => panic!("not a float: {other}"),
    }
}

/// The flat data of an `{shape, dtype, data}` array, as floats.
pub fn floats(v: &Value) -> Vec<f64> {
    v["data"].as_array().expect("data").iter().map(float).collect()
}

/// The flat data of an `{shape, dtype, data}` array, as indices.
pub fn indices(v: &Value) -> Vec<u32> {
    v["data"].as_array().expect("data").iter().map(|x| x.as_u64().unwrap() as u32).collect()
}

/// `a` equals `b` to `tol` (absolute), with NaN equal to NaN.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol || a == b
}
