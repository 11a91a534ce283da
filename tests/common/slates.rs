//! Slate logs shared by the native and the Wasm tests of the one-pass slate estimates
//! (tests/estimator_properties.rs and tests/wasm.rs, which include this file by path). A log's
//! columns are, in order: reward, SIPS's behaviour and target propensities, IIPS's, RIPS's.

/// `cols` with a uniform logger's propensities: every slate has the same ones, position by
/// position, so a slate's first slot has its predecessor's (SIPS), or more than its predecessor's
/// last slot (RIPS). The one pass must take such a log, the commonest of all.
pub fn uniform_logger(pos: &[u32], cols: &[Vec<f64>; 7]) -> [Vec<f64>; 7] {
    let mut uniform = cols.clone();
    for (i, &k) in pos.iter().enumerate() {
        let k = k as i32;
        for (c, x) in [(1, 0.125), (2, 0.25), (3, 0.5), (4, 0.75), (5, 0.9f64.powi(k + 1)), (6, 0.8f64.powi(k + 1))] {
            uniform[c][i] = x;
        }
    }
    uniform
}
