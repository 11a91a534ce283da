//! JS bindings of `crate::obd`: an Open Bandit Dataset log parsed from its CSV text.

use super::convert::*;
use crate::error::{Error, Result};
use js_sys::{Float64Array, Int32Array, Object};
use wasm_bindgen::prelude::*;

type JsResult<T> = std::result::Result<T, JsError>;

/// An Open Bandit Dataset log (parsed from its CSV format).
#[wasm_bindgen(js_name = ObdLog)]
pub struct ObdHandle {
    log: crate::obd::ObdLog,
}

#[wasm_bindgen(js_class = ObdLog)]
impl ObdHandle {
    /// Parse OBD CSV text (original or trimmed columns).
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "string")] csv: JsValue) -> JsResult<ObdHandle> {
        let csv = string("csv", &csv).map_err(js_error)?;
        Ok(ObdHandle { log: crate::obd::parse_obd_csv(&csv).map_err(js_error)? })
    }
    /// Rows.
    #[wasm_bindgen(getter, js_name = nRounds)]
    pub fn n_rounds(&self) -> usize {
        self.log.n_rounds()
    }
    /// max(item_id) + 1.
    #[wasm_bindgen(getter, js_name = nActions)]
    pub fn n_actions(&self) -> usize {
        self.log.n_actions
    }
    /// Slots.
    #[wasm_bindgen(getter, js_name = lenList)]
    pub fn len_list(&self) -> usize {
        self.log.len_list
    }
    /// Click-through rate.
    #[wasm_bindgen(getter)]
    pub fn ctr(&self) -> f64 {
        self.log.ctr()
    }
    /// Items.
    #[wasm_bindgen(getter)]
    pub fn action(&self) -> Int32Array {
        i32_array(&self.log.action)
    }
    /// Slots (0-based).
    #[wasm_bindgen(getter)]
    pub fn position(&self) -> Int32Array {
        i32_array(&self.log.position)
    }
    /// Clicks.
    #[wasm_bindgen(getter)]
    pub fn reward(&self) -> Float64Array {
        f64_array(&self.log.reward)
    }
    /// Propensities.
    #[wasm_bindgen(getter)]
    pub fn pscore(&self) -> Float64Array {
        f64_array(&self.log.pscore)
    }
    /// The log's empirical action distribution per slot (nActions × lenList).
    #[wasm_bindgen(js_name = empiricalActionDist)]
    pub fn empirical_action_dist(&self) -> Float64Array {
        f64_array(&self.log.empirical_action_dist())
    }
    /// Smoothed click rate per item and slot (nActions × lenList).
    #[wasm_bindgen(js_name = tabularRewardModel)]
    pub fn tabular_reward_model(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] smoothing: JsValue,
    ) -> JsResult<Float64Array> {
        let s = opt_finite("smoothing", &smoothing).map_err(js_error)?.unwrap_or(10.0);
        if s < 0.0 {
            return Err(js_error(Error::invalid("smoothing", format!("expected a finite number ≥ 0, got {s}"))));
        }
        Ok(f64_array(&self.log.tabular_reward_model(s)))
    }
    /// Estimate a non-contextual policy `dist` (nActions × lenList) on this log with a standard
    /// estimator, computed row by row without n × nActions arrays: `{ estimate, lower, upper,
    /// standardError, roundRewards }` (normal interval; options: `{ rewardModel, lambda, alpha }`).
    #[wasm_bindgen(
        unchecked_return_type = "{ estimate: number; lower: number; upper: number; standardError: number; roundRewards: Float64Array }"
    )]
    pub fn estimate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: JsValue,
        dist: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ rewardModel?: ArrayLike<number>; lambda?: number; alpha?: number }")]
        options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let run = || -> Result<Object> {
            let estimator_name = name("estimatorName", &estimator_name)?;
            let d = f64_vec("dist", &dist)?;
            let (mut q, mut lambda, mut alpha) = (None, None, 0.05);
            if let Some(o) = options.as_ref().filter(|o| !o.is_undefined() && !o.is_null()) {
                expect_object(o, "options", "an object { rewardModel, lambda, alpha }")?;
                check_keys(o, "options", &["rewardModel", "lambda", "alpha"])?;
                q = field(o, "rewardModel")?.map(|v| f64_vec("rewardModel", &v)).transpose()?;
                lambda = number_field(o, "lambda")?;
                alpha = number_field(o, "alpha")?.unwrap_or(0.05);
            }
            let kernel = crate::estimators::kernel_by_name(&estimator_name, lambda)?;
            let terms = self.log.terms(kernel, &d, q.as_deref())?;
            let (v, se) = crate::estimators::interval::estimate_and_se(kernel.normalizer(), &terms);
            let iv = crate::estimators::interval::normal_terms(kernel.normalizer(), &terms, alpha)?;
            let rr = crate::estimators::standard::round_rewards_from_terms(kernel.normalizer(), &terms);
            let obj = Object::new();
            set(&obj, "estimate", v);
            set(&obj, "lower", iv.lower);
            set(&obj, "upper", iv.upper);
            set(&obj, "standardError", se);
            set(&obj, "roundRewards", f64_array(&rr));
            Ok(obj)
        };
        Ok(run().map_err(js_error)?.into())
    }

    /// Estimator input for a non-contextual policy `dist` (nActions × lenList, e.g. another log's
    /// empiricalActionDist()), with an optional reward model of the same shape.
    #[wasm_bindgen(js_name = banditInput, unchecked_return_type = "BanditInput")]
    pub fn bandit_input(&self, dist: JsValue, reward_model: Option<JsValue>) -> JsResult<JsValue> {
        let run = || -> Result<Object> {
            let d = f64_vec("dist", &dist)?;
            let q = reward_model.filter(|v| !v.is_undefined() && !v.is_null()).map(|v| f64_vec("rewardModel", &v)).transpose()?;
            let b = self.log.bandit_data(&d, q.as_deref())?;
            b.view()?;
            let obj = Object::new();
            set(&obj, "reward", f64_array(&b.reward));
            set(&obj, "action", i32_array(&b.action));
            set(&obj, "pscore", f64_array(&b.pscore));
            set(&obj, "position", i32_array(&self.log.position));
            set(&obj, "actionDist", f64_array(&b.action_dist));
            if let Some(q) = &b.estimated_rewards_by_reg_model {
                set(&obj, "estimatedRewardsByRegModel", f64_array(q));
            }
            set(&obj, "nActions", b.n_actions as f64);
            set(&obj, "lenList", b.len_list as f64);
            Ok(obj)
        };
        Ok(run().map_err(js_error)?.into())
    }
}
