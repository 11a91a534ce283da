//! The JavaScript API: `#[wasm_bindgen]` exports that validate their arguments, convert them and
//! call the core. Nothing else lives here. Every error becomes a JS `Error` whose message names
//! the argument and what was expected; no input reachable from JS may panic.

mod convert;
mod estimators;
#[cfg(feature = "course")]
mod extras;
#[cfg(feature = "course")]
mod lessons;
mod obd;
mod workbench;
#[cfg(feature = "course")]
mod world;

pub use estimators::*;
#[cfg(feature = "course")]
pub use extras::*;
#[cfg(feature = "course")]
pub use lessons::*;
pub use obd::*;
pub use workbench::*;
#[cfg(feature = "course")]
pub use world::*;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = include_str!("types.d.ts");

/// The version of the receval crate this package was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The first `n` 64-bit outputs of receval's generator for `seed`, as decimal strings: the same
/// natively, in node and in every browser (what the determinism tests compare).
#[wasm_bindgen(js_name = seededDraws)]
pub fn seeded_draws(
    #[wasm_bindgen(unchecked_param_type = "number")] seed: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] n: JsValue,
) -> Result<Vec<String>, JsError> {
    let seed = convert::integer("seed", &seed, 9_007_199_254_740_991.0).map_err(convert::js_error)?;
    let n = convert::integer("n", &n, 1_000_000.0).map_err(convert::js_error)?;
    let mut rng = crate::rng::Rng::new(seed);
    Ok((0..n).map(|_| rng.next_u64().to_string()).collect())
}

/// Kendall's τ-b rank correlation of two equally long arrays of numbers (ties as in SciPy).
#[wasm_bindgen(js_name = kendallTau)]
pub fn kendall_tau(x: JsValue, y: JsValue) -> Result<f64, JsError> {
    let a = convert::f64_vec("x", &x).map_err(convert::js_error)?;
    let b = convert::f64_vec("y", &y).map_err(convert::js_error)?;
    if a.len() != b.len() {
        return Err(JsError::new(&format!("`y`: expected the same length as `x` ({}), got {}", a.len(), b.len())));
    }
    if let Some((i, v)) = a.iter().chain(&b).enumerate().find(|(_, v)| !v.is_finite()) {
        let msg = format!("`x`/`y`: expected finite numbers, got {v} at position {i} of x followed by y");
        return Err(JsError::new(&convert::js_spelling(&msg)));
    }
    Ok(crate::stats::kendall_tau(&a, &b))
}
