//! JS bindings of `crate::workbench` (the evaluation workbench page): validate, convert, call.

use super::convert::*;
use crate::error::{Error, Result};
use crate::workbench::{TabularSpec, tabular_reward_model, weight_histogram};
use js_sys::{Float64Array, Object};
use wasm_bindgen::prelude::*;

const MAX_INT: f64 = 2_147_483_647.0;

/// A tabular reward model fitted on a log, cross-fitted: `q̂` for every round and every action,
/// flat nRounds × nActions (each round's prediction at its own stratum, e.g. its slot), from a
/// model fitted on the other folds. `input = { action, reward, nActions, stratum?, nStrata?,
/// nFolds = 5, foldSeed = 0, smoothing = 10 }`.
#[wasm_bindgen(js_name = fitTabularRewardModel)]
pub fn fit_tabular_reward_model(
    #[wasm_bindgen(
        unchecked_param_type = "{ action: ArrayLike<number>; reward: ArrayLike<number>; nActions: number; stratum?: ArrayLike<number>; nStrata?: number; nFolds?: number; foldSeed?: number; smoothing?: number }"
    )]
    input: JsValue,
) -> std::result::Result<Float64Array, JsError> {
    let run = || -> Result<Vec<f64>> {
        expect_object(
            &input,
            "input",
            "an object { action, reward, nActions, stratum?, nStrata?, nFolds?, foldSeed?, smoothing? }",
        )?;
        check_keys(&input, "input", &["action", "reward", "nActions", "stratum", "nStrata", "nFolds", "foldSeed", "smoothing"])?;
        let action = index_vec("action", &required(&input, "action", "the logged action of each round")?)?;
        let reward = f64_vec("reward", &required(&input, "reward", "the reward of each round")?)?;
        let stratum = field(&input, "stratum")?.map(|v| index_vec("stratum", &v)).transpose()?;
        let n_actions = integer_field(&input, "nActions", None, MAX_INT)?
            .ok_or_else(|| Error::invalid("nActions", "is required: expected the number of actions"))?
            as usize;
        let n_strata = integer_field(&input, "nStrata", Some(1), MAX_INT)?.unwrap_or(1) as usize;
        let n_folds = integer_field(&input, "nFolds", Some(5), 100.0)?.unwrap_or(5) as usize;
        let fold_seed = seed_field(&input, "foldSeed")?.unwrap_or(0);
        let smoothing = number_field(&input, "smoothing")?.unwrap_or(10.0);
        tabular_reward_model(
            &action,
            stratum.as_deref(),
            &reward,
            TabularSpec { n_actions, n_strata, n_folds, fold_seed, smoothing },
        )
    };
    Ok(f64_array(&run().map_err(js_error)?))
}

/// Histogram of the importance weights piE[i] / pscore[i]: `{ zero, edges, counts }` with `bins`
/// (default 30) bins equally spaced on a log scale between the smallest and largest positive weight.
#[wasm_bindgen(js_name = weightHistogram, unchecked_return_type = "{ zero: number; edges: Float64Array; counts: Float64Array }")]
pub fn weight_histogram_js(
    #[wasm_bindgen(js_name = piE)] pi_e: JsValue,
    pscore: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number | undefined")] bins: JsValue,
) -> std::result::Result<JsValue, JsError> {
    let run = || -> Result<Object> {
        let pi_e = f64_vec("piE", &pi_e)?;
        let pscore = f64_vec("pscore", &pscore)?;
        let bins = if bins.is_undefined() || bins.is_null() { 30 } else { integer("bins", &bins, 1000.0)? as usize };
        let h = weight_histogram(&pi_e, &pscore, bins)?;
        let obj = Object::new();
        set(&obj, "zero", h.zero as f64);
        set(&obj, "edges", f64_array(&h.edges));
        set(&obj, "counts", f64_array(&h.counts.iter().map(|&c| c as f64).collect::<Vec<_>>()));
        Ok(obj)
    };
    Ok(run().map_err(js_error)?.into())
}
