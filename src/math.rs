//! Transcendental functions with the same bits on every platform.
//!
//! `f64::exp`, `ln`, `powf` and `cos` call the platform's C library natively (glibc, whose
//! results can differ in the last bit from other implementations) but a pure-Rust port of musl's
//! libm on wasm32. receval promises the same numbers natively, in node and in the browser, so
//! the core calls the `libm` crate everywhere instead. (`sqrt` is correctly rounded by IEEE 754
//! on every platform and needs no wrapper.)

/// eˣ.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// Natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// xʸ.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// Cosine.
#[inline]
pub fn cos(x: f64) -> f64 {
    libm::cos(x)
}
