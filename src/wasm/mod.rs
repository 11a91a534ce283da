//! The JavaScript API: `#[wasm_bindgen]` exports that validate their arguments, convert them and
//! call the core. Nothing else lives here. Every error becomes a JS `Error` whose message names
//! the argument and what was expected; no input reachable from JS may panic.

mod convert;
mod estimators;

pub use estimators::*;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = include_str!("types.d.ts");

/// The version of the receval crate this package was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
