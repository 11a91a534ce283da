//! JS bindings of the estimators: validate, convert, call the core.

use super::convert::*;
use crate::error::{Error, Result};
use crate::estimators::{
    self as est, BanditData, BootstrapOptions, IntervalMethod, PreparedSlateEstimate, SlateEstimator, SlateFeedbackParts,
    StreamingEstimator, StreamingState, kernel_by_name,
};
use js_sys::Float64Array;
use serde::Serialize;
use wasm_bindgen::prelude::*;

const BANDIT_KEYS: &[&str] = &[
    "reward",
    "action",
    "pscore",
    "position",
    "actionDist",
    "estimatedRewardsByRegModel",
    "nActions",
    "lenList",
    "piB",
    "nRounds",
    "context",
    "actionContext",
];

const MAX_INT: f64 = 2_147_483_647.0;

/// Which optional arrays of a bandit input to read (copying and validating an unused
/// n × nActions array would double the cost of IPW on a large log).
#[derive(Clone, Copy)]
pub(crate) struct Need {
    pub reward_model: bool,
    pub pi_b: bool,
}

impl Need {
    pub const ALL: Need = Need { reward_model: true, pi_b: true };
    pub fn for_estimator(name: &str, lambda: Option<f64>) -> Result<Need> {
        Ok(Need { reward_model: kernel_by_name(name, lambda)?.needs_reward_model(), pi_b: false })
    }
}

/// Read a bandit input object (see `BanditInput` in the TypeScript types).
pub(crate) fn bandit_data(input: &JsValue) -> Result<BanditData> {
    bandit_data_with(input, Need::ALL)
}

/// Read a bandit input object, skipping the optional arrays that are not needed.
pub(crate) fn bandit_data_with(input: &JsValue, need: Need) -> Result<BanditData> {
    expect_object(input, "input", "an object { reward, action, pscore, actionDist, nActions, … }")?;
    check_keys(input, "input", BANDIT_KEYS)?;
    let f64s = |key: &str, what: &str| -> Result<Vec<f64>> { f64_vec(key, &required(input, key, what)?) };
    let opt_f64s = |key: &str| -> Result<Option<Vec<f64>>> { field(input, key)?.map(|v| f64_vec(key, &v)).transpose() };
    let reward = f64s("reward", "an array of observed rewards, one per round")?;
    let action = index_vec("action", &required(input, "action", "an array of logged action indices, one per round")?)?;
    let pscore = f64s("pscore", "an array of logging propensities, one per round")?;
    let position = field(input, "position")?.map(|v| index_vec("position", &v)).transpose()?;
    let action_dist = f64s("actionDist", "the evaluation policy's probabilities, flat n_rounds × nActions × lenList")?;
    let n_actions = integer_field(input, "nActions", None, MAX_INT)?
        .ok_or_else(|| Error::invalid("nActions", "is required: expected the number of actions (a positive integer)"))?
        as usize;
    let len_list = integer_field(input, "lenList", Some(1), MAX_INT)?.unwrap_or(1) as usize;
    if let Some(n) = integer_field(input, "nRounds", None, MAX_INT)? {
        if n as usize != reward.len() {
            return Err(Error::invalid("nRounds", format!("is {n} but `reward` has {} values", reward.len())));
        }
    }
    Ok(BanditData {
        reward,
        action,
        pscore,
        position,
        action_dist,
        estimated_rewards_by_reg_model: if need.reward_model { opt_f64s("estimatedRewardsByRegModel")? } else { None },
        pi_b: if need.pi_b { opt_f64s("piB")? } else { None },
        n_actions,
        len_list,
    })
}

/// `params`: `{ lambda }` or nothing.
pub(crate) fn lambda_param(params: &Option<JsValue>) -> Result<Option<f64>> {
    let Some(params) = params.as_ref().filter(|p| !p.is_undefined() && !p.is_null()) else { return Ok(None) };
    expect_object(params, "params", "an object { lambda }")?;
    check_keys(params, "params", &["lambda"])?;
    number_field(params, "lambda")
}

/// What every one-shot estimator call starts with: λ from `params`, then the input converted and
/// checked for what `estimator_name` needs (and the logging policy's probabilities with `pi_b`).
fn checked_call(
    estimator_name: &str,
    input: &JsValue,
    params: &Option<JsValue>,
    pi_b: bool,
) -> Result<(Option<f64>, BanditData)> {
    let lambda = lambda_param(params)?;
    let need = Need::for_estimator(estimator_name, lambda)?;
    let data = bandit_data_with(input, Need { pi_b, ..need })?;
    Ok((lambda, data))
}

/// `options` of the interval functions.
pub(crate) fn interval_method(options: &Option<JsValue>) -> Result<IntervalMethod> {
    let mut boot = BootstrapOptions::default();
    let Some(options) = options.as_ref().filter(|o| !o.is_undefined() && !o.is_null()) else {
        return Ok(IntervalMethod::Bootstrap(boot));
    };
    expect_object(options, "options", "an object { alpha, nBootstrapSamples, randomState, method }")?;
    check_keys(options, "options", &["alpha", "nBootstrapSamples", "randomState", "method", "valueRange"])?;
    if let Some(a) = number_field(options, "alpha")? {
        boot.alpha = a;
    }
    if let Some(n) = integer_field(options, "nBootstrapSamples", None, 10_000_000.0)? {
        boot.n_bootstrap_samples = n as usize;
    }
    boot.random_state = seed_field(options, "randomState")?;
    let method = match field(options, "method")? {
        Some(m) => string("method", &m)?,
        None => "bootstrap".to_string(),
    };
    let range = match field(options, "valueRange")? {
        Some(v) => {
            let r = f64_vec("valueRange", &v)?;
            if r.len() != 2 {
                return Err(Error::invalid("valueRange", format!("expected [lo, hi], got {} numbers", r.len())));
            }
            Some((r[0], r[1]))
        }
        None => None,
    };
    Ok(match method.as_str() {
        "bootstrap" => IntervalMethod::Bootstrap(boot),
        "obp-bootstrap" => IntervalMethod::ObpBootstrap(boot),
        "normal" => IntervalMethod::Normal { alpha: boot.alpha },
        "bernstein" => IntervalMethod::Bernstein { alpha: boot.alpha, range },
        other => {
            return Err(Error::invalid(
                "method",
                format!(
                    "unknown interval method {other:?}; expected \"bootstrap\", \"obp-bootstrap\", \"normal\" or \"bernstein\""
                ),
            ));
        }
    })
}

fn method_name(m: &IntervalMethod) -> &'static str {
    match m {
        IntervalMethod::Bootstrap(_) => "bootstrap",
        IntervalMethod::ObpBootstrap(_) => "obp-bootstrap",
        IntervalMethod::Normal { .. } => "normal",
        IntervalMethod::Bernstein { .. } => "bernstein",
    }
}

fn alpha_of(m: &IntervalMethod) -> f64 {
    match *m {
        IntervalMethod::Bootstrap(o) | IntervalMethod::ObpBootstrap(o) => o.alpha,
        IntervalMethod::Normal { alpha } | IntervalMethod::Bernstein { alpha, .. } => alpha,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IntervalOut {
    /// Centre: mean of the bootstrap estimates (OBP's convention) or the point estimate.
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
    /// The point estimate on the full data.
    pub estimate: f64,
    pub method: &'static str,
    pub alpha: f64,
}

pub(crate) fn interval_out(
    data: &est::BanditFeedback<'_>,
    name: &str,
    lambda: Option<f64>,
    method: IntervalMethod,
) -> Result<IntervalOut> {
    let iv = est::estimate_interval(name, data, lambda, method)?;
    Ok(IntervalOut {
        mean: iv.mean,
        lower: iv.lower,
        upper: iv.upper,
        estimate: est::estimate_policy_value(name, data, lambda)?,
        method: method_name(&method),
        alpha: alpha_of(&method),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DiagnosticsOut {
    estimator_name: &'static str,
    lambda: Option<f64>,
    n_rounds: usize,
    effective_sample_size: f64,
    ess_ratio: f64,
    mean_weight: f64,
    max_weight: f64,
    zero_weight_share: f64,
    mean_raw_weight: f64,
    mean_raw_weight_se: f64,
    unsupported_mass: Option<f64>,
    mass_on_unlogged_actions: f64,
    support_violation: bool,
    warnings: Vec<String>,
}

fn diagnostics(name: &str, data: &est::BanditFeedback<'_>, lambda: Option<f64>) -> Result<DiagnosticsOut> {
    let kernel = kernel_by_name(name, lambda)?;
    let d = est::weight_diagnostics(kernel, data)?;
    let mut warnings = kernel.warnings(data)?;
    warnings.extend(d.warnings);
    Ok(DiagnosticsOut {
        estimator_name: kernel.name(),
        lambda: kernel.lambda(),
        n_rounds: d.n_rounds,
        effective_sample_size: d.effective_sample_size,
        ess_ratio: d.ess_ratio,
        mean_weight: d.mean_weight,
        max_weight: d.max_weight,
        zero_weight_share: d.zero_weight_share,
        mean_raw_weight: d.mean_raw_weight,
        mean_raw_weight_se: d.mean_raw_weight_se,
        unsupported_mass: d.unsupported_mass,
        mass_on_unlogged_actions: d.mass_on_unlogged_actions,
        support_violation: d.support_violation,
        warnings,
    })
}

/// Estimate the policy value of the evaluation policy whose action distribution is
/// `input.actionDist` with OBP's estimator `estimatorName`.
#[wasm_bindgen(js_name = estimatePolicyValue)]
pub fn estimate_policy_value(
    #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: &str,
    #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
) -> std::result::Result<f64, JsError> {
    let (lambda, data) = checked_call(estimator_name, &input, &params, false).map_err(js_error)?;
    est::estimate_policy_value(estimator_name, &data.view().map_err(js_error)?, lambda).map_err(js_error)
}

/// The per-round values whose mean is the estimate (OBP's `_estimate_round_rewards`).
#[wasm_bindgen(js_name = estimateRoundRewards)]
pub fn estimate_round_rewards(
    #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: &str,
    #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
) -> std::result::Result<Float64Array, JsError> {
    let (lambda, data) = checked_call(estimator_name, &input, &params, false).map_err(js_error)?;
    let rr = est::estimate_round_rewards(estimator_name, &data.view().map_err(js_error)?, lambda).map_err(js_error)?;
    Ok(Float64Array::from(&rr[..]))
}

/// An interval for the estimate: `{ mean, lower, upper, estimate, method, alpha }`.
#[wasm_bindgen(js_name = estimateInterval, unchecked_return_type = "IntervalResult")]
pub fn estimate_interval(
    #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: &str,
    #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
    #[wasm_bindgen(unchecked_param_type = "IntervalOptions")] options: Option<JsValue>,
) -> std::result::Result<JsValue, JsError> {
    let method = interval_method(&options).map_err(js_error)?;
    let (lambda, data) = checked_call(estimator_name, &input, &params, false).map_err(js_error)?;
    let out = interval_out(&data.view().map_err(js_error)?, estimator_name, lambda, method).map_err(js_error)?;
    to_js(&out)
}

/// Weight diagnostics and warnings for an estimator on a log.
#[wasm_bindgen(js_name = estimateDiagnostics, unchecked_return_type = "EstimateDiagnostics")]
pub fn estimate_diagnostics(
    #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: &str,
    #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
) -> std::result::Result<JsValue, JsError> {
    let (lambda, data) = checked_call(estimator_name, &input, &params, true).map_err(js_error)?;
    to_js(&diagnostics(estimator_name, &data.view().map_err(js_error)?, lambda).map_err(js_error)?)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SummaryRow {
    estimator_name: &'static str,
    lambda: Option<f64>,
    estimate: f64,
    lower: f64,
    upper: f64,
    method: &'static str,
    relative_ee: Option<f64>,
    squared_error: Option<f64>,
    effective_sample_size: f64,
    support_violation: bool,
    warnings: Vec<String>,
}

/// Run several estimators on one log (OBP's `OffPolicyEvaluation.summarize_off_policy_estimates`):
/// `estimators` is an array of names or `{ estimatorName, lambda }`; without it, every standard
/// estimator that the input supports (the model-based ones need `estimatedRewardsByRegModel`).
#[wasm_bindgen(js_name = summarizeOffPolicyEstimates, unchecked_return_type = "SummaryRow[]")]
pub fn summarize_off_policy_estimates(
    #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "Array<StandardEstimatorName | { estimatorName: StandardEstimatorName; lambda?: number }>"
    )]
    estimators: Option<JsValue>,
    #[wasm_bindgen(unchecked_param_type = "IntervalOptions & { groundTruth?: number }")] options: Option<JsValue>,
) -> std::result::Result<JsValue, JsError> {
    summarize(&input, &estimators, &options).map_err(js_error).and_then(|rows| to_js(&rows))
}

fn summarize(input: &JsValue, estimators: &Option<JsValue>, options: &Option<JsValue>) -> Result<Vec<SummaryRow>> {
    let data = bandit_data(input)?;
    summarize_data(&data, estimators, options, &[])
}

/// Run several estimators on validated data (`extra_keys` are option keys the caller handles).
pub(crate) fn summarize_data(
    data: &BanditData,
    estimators: &Option<JsValue>,
    options: &Option<JsValue>,
    extra_keys: &[&str],
) -> Result<Vec<SummaryRow>> {
    let none = JsValue::UNDEFINED;
    let estimators = estimators.as_ref().unwrap_or(&none);
    let view = data.view()?;
    let mut list: Vec<(String, Option<f64>)> = Vec::new();
    if estimators.is_undefined() || estimators.is_null() {
        for name in est::STANDARD_ESTIMATORS {
            if view.has_reward_model() || !kernel_by_name(name, None)?.needs_reward_model() {
                list.push((name.to_string(), None));
            }
        }
    } else {
        if !js_sys::Array::is_array(estimators) {
            return Err(Error::invalid(
                "estimators",
                format!("expected an array of estimator names or {{ estimatorName, lambda }}, got {}", describe(estimators)),
            ));
        }
        for (i, e) in js_sys::Array::from(estimators).iter().enumerate() {
            if let Some(s) = e.as_string() {
                list.push((s, None));
            } else {
                expect_object(&e, &format!("estimators[{i}]"), "a name or { estimatorName, lambda }")?;
                check_keys(&e, &format!("estimators[{i}]"), &["estimatorName", "lambda"])?;
                let name = string("estimatorName", &required(&e, "estimatorName", "an estimator name")?)
                    .map_err(|x| x.within(&format!("estimators[{i}].")))?;
                list.push((name, number_field(&e, "lambda")?));
            }
        }
    }
    let (opts, truth) = match options {
        Some(o) if o.is_object() => {
            let truth = number_field(o, "groundTruth")?;
            // Validate the interval options without the extra keys.
            let copy = js_sys::Object::assign(&js_sys::Object::new(), o.unchecked_ref());
            for k in std::iter::once(&"groundTruth").chain(extra_keys) {
                js_sys::Reflect::delete_property(&copy, &JsValue::from_str(k)).ok();
            }
            (interval_method(&Some(copy.into()))?, truth)
        }
        _ => (interval_method(options)?, None),
    };
    let mut rows = Vec::new();
    for (name, lambda) in list {
        let iv = interval_out(&view, &name, lambda, opts)?;
        let d = diagnostics(&name, &view, lambda)?;
        rows.push(SummaryRow {
            estimator_name: d.estimator_name,
            lambda: d.lambda,
            estimate: iv.estimate,
            lower: iv.lower,
            upper: iv.upper,
            method: iv.method,
            relative_ee: truth.map(|t| ((iv.estimate - t) / t).abs()),
            squared_error: truth.map(|t| (iv.estimate - t).powi(2)),
            effective_sample_size: d.effective_sample_size,
            support_violation: d.support_violation,
            warnings: d.warnings,
        });
    }
    Ok(rows)
}

/// Bandit feedback validated once and kept in Wasm memory, for calling many estimators on the same
/// log without copying it again.
#[wasm_bindgen(js_name = BanditData)]
pub struct BanditDataHandle {
    data: BanditData,
}

#[wasm_bindgen(js_class = BanditData)]
impl BanditDataHandle {
    /// Copy and validate an input object.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    ) -> std::result::Result<BanditDataHandle, JsError> {
        let data = bandit_data(&input).map_err(js_error)?;
        data.view().map_err(js_error)?;
        Ok(BanditDataHandle { data })
    }

    /// Number of rounds.
    #[wasm_bindgen(getter, js_name = nRounds)]
    pub fn n_rounds(&self) -> usize {
        self.data.reward.len()
    }

    /// See the top-level `estimatePolicyValue`.
    #[wasm_bindgen(js_name = estimatePolicyValue)]
    pub fn estimate_policy_value(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: &str,
        #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
    ) -> std::result::Result<f64, JsError> {
        let lambda = lambda_param(&params).map_err(js_error)?;
        est::estimate_policy_value(estimator_name, &self.data.view_trusted(), lambda).map_err(js_error)
    }

    /// See the top-level `estimateRoundRewards`.
    #[wasm_bindgen(js_name = estimateRoundRewards)]
    pub fn estimate_round_rewards(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: &str,
        #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
    ) -> std::result::Result<Float64Array, JsError> {
        let lambda = lambda_param(&params).map_err(js_error)?;
        let rr = est::estimate_round_rewards(estimator_name, &self.data.view_trusted(), lambda).map_err(js_error)?;
        Ok(Float64Array::from(&rr[..]))
    }

    /// See the top-level `estimateInterval`.
    #[wasm_bindgen(js_name = estimateInterval, unchecked_return_type = "IntervalResult")]
    pub fn estimate_interval(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: &str,
        #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
        #[wasm_bindgen(unchecked_param_type = "IntervalOptions")] options: Option<JsValue>,
    ) -> std::result::Result<JsValue, JsError> {
        let lambda = lambda_param(&params).map_err(js_error)?;
        let method = interval_method(&options).map_err(js_error)?;
        to_js(&interval_out(&self.data.view_trusted(), estimator_name, lambda, method).map_err(js_error)?)
    }

    /// See the top-level `estimateDiagnostics`.
    #[wasm_bindgen(js_name = estimateDiagnostics, unchecked_return_type = "EstimateDiagnostics")]
    pub fn estimate_diagnostics(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: &str,
        #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
    ) -> std::result::Result<JsValue, JsError> {
        let lambda = lambda_param(&params).map_err(js_error)?;
        to_js(&diagnostics(estimator_name, &self.data.view_trusted(), lambda).map_err(js_error)?)
    }
}

/// A streaming, mergeable estimator: add rounds as they arrive, merge partial states from Web
/// Workers, read the value and a normal interval at any time.
#[wasm_bindgen(js_name = StreamingEstimator)]
pub struct StreamingHandle {
    inner: StreamingEstimator,
}

#[wasm_bindgen(js_class = StreamingEstimator)]
impl StreamingHandle {
    /// An empty accumulator for a standard estimator.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: &str,
        #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
    ) -> std::result::Result<StreamingHandle, JsError> {
        let lambda = lambda_param(&params).map_err(js_error)?;
        Ok(StreamingHandle { inner: StreamingEstimator::new(estimator_name, lambda).map_err(js_error)? })
    }

    /// Add every round of a (validated) bandit input.
    pub fn add(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    ) -> std::result::Result<(), JsError> {
        let data = bandit_data(&input).map_err(js_error)?;
        self.inner.add_feedback(&data.view().map_err(js_error)?).map_err(js_error)
    }

    /// Add one round: reward, logging propensity of the logged action, the evaluation policy's
    /// probability of it, and (model-based estimators) q̂ of the logged action and the round's
    /// DM value Σₐ π_e(a) q̂(a).
    #[wasm_bindgen(js_name = addRound)]
    pub fn add_round(
        &mut self,
        reward: f64,
        pscore: f64,
        pi_e: f64,
        q_logged: Option<f64>,
        dm: Option<f64>,
    ) -> std::result::Result<(), JsError> {
        let check = |name: &str, ok: bool, want: &str, x: f64| {
            if ok { Ok(()) } else { Err(js_error(Error::invalid(name, format!("expected {want}, got {x}")))) }
        };
        check("reward", reward.is_finite(), "a finite number", reward)?;
        check("pscore", pscore > 0.0 && pscore <= 1.0, "a probability in (0, 1]", pscore)?;
        check("piE", (0.0..=1.0).contains(&pi_e), "a probability in [0, 1]", pi_e)?;
        let needs = self.inner.kernel().needs_reward_model();
        let (q, d) = match (q_logged, dm) {
            (Some(q), Some(d)) if q.is_finite() && d.is_finite() => (q, d),
            _ if needs => {
                return Err(js_error(Error::invalid(
                    "qLogged",
                    format!("the `{}` estimator needs finite qLogged and dm for every round", self.inner.kernel().name()),
                )));
            }
            _ => (0.0, 0.0),
        };
        self.inner.add_round(reward, pscore, pi_e, q, d);
        Ok(())
    }

    /// Merge another accumulator of the same estimator into this one.
    pub fn merge(&mut self, other: &StreamingHandle) -> std::result::Result<(), JsError> {
        self.inner.merge(&other.inner).map_err(js_error)
    }

    /// The current estimate.
    #[wasm_bindgen(getter)]
    pub fn value(&self) -> f64 {
        self.inner.value()
    }

    /// The delta-method standard error.
    #[wasm_bindgen(getter, js_name = standardError)]
    pub fn standard_error(&self) -> f64 {
        self.inner.standard_error()
    }

    /// Rounds added so far.
    #[wasm_bindgen(getter, js_name = nRounds)]
    pub fn n_rounds(&self) -> f64 {
        self.inner.n_rounds() as f64
    }

    /// Normal interval (default α = 0.05).
    #[wasm_bindgen(unchecked_return_type = "{ mean: number; lower: number; upper: number }")]
    pub fn interval(&self, alpha: Option<f64>) -> std::result::Result<JsValue, JsError> {
        let iv = self.inner.interval(alpha.unwrap_or(0.05)).map_err(js_error)?;
        to_js(&IntervalTriple { mean: iv.mean, lower: iv.lower, upper: iv.upper })
    }

    /// The state as a plain object (post it to another worker, then `StreamingEstimator.fromState`).
    #[wasm_bindgen(unchecked_return_type = "StreamingState")]
    pub fn state(&self) -> std::result::Result<JsValue, JsError> {
        to_js(&self.inner.state())
    }

    /// Rebuild an accumulator from `state()`.
    #[wasm_bindgen(js_name = fromState)]
    pub fn from_state(
        #[wasm_bindgen(unchecked_param_type = "StreamingState")] state: JsValue,
    ) -> std::result::Result<StreamingHandle, JsError> {
        let s: StreamingState = serde_wasm_bindgen::from_value(state)
            .map_err(|e| js_error(Error::invalid("state", format!("expected the object returned by state(): {e}"))))?;
        Ok(StreamingHandle { inner: StreamingEstimator::from_state(&s).map_err(js_error)? })
    }
}

#[derive(Serialize)]
struct IntervalTriple {
    mean: f64,
    lower: f64,
    upper: f64,
}

const SLATE_KEYS: &[&str] = &[
    "slateId",
    "position",
    "reward",
    "lenList",
    "pscore",
    "evaluationPolicyPscore",
    "pscoreItemPosition",
    "evaluationPolicyPscoreItemPosition",
    "pscoreCascade",
    "evaluationPolicyPscoreCascade",
    "action",
    "nUniqueAction",
    "qHat",
    "evaluationPolicyActionDist",
    "evaluationPolicyItemPositionDist",
    "nRounds",
];

struct SlateArrays {
    slate_id: Vec<u32>,
    position: Vec<u32>,
    reward: Vec<f64>,
    len_list: usize,
    f: [Option<Vec<f64>>; 9],
    action: Option<Vec<u32>>,
    n_unique_action: Option<usize>,
}

fn slate_arrays(input: &JsValue) -> Result<SlateArrays> {
    expect_object(input, "slateInput", "an object { slateId, position, reward, lenList, … }")?;
    check_keys(input, "slateInput", SLATE_KEYS)?;
    let keys = [
        "pscore",
        "evaluationPolicyPscore",
        "pscoreItemPosition",
        "evaluationPolicyPscoreItemPosition",
        "pscoreCascade",
        "evaluationPolicyPscoreCascade",
        "qHat",
        "evaluationPolicyActionDist",
        "evaluationPolicyItemPositionDist",
    ];
    let mut f: [Option<Vec<f64>>; 9] = Default::default();
    for (slot, key) in f.iter_mut().zip(keys) {
        *slot = field(input, key)?.map(|v| f64_vec(key, &v)).transpose()?;
    }
    Ok(SlateArrays {
        slate_id: index_vec("slateId", &required(input, "slateId", "the slate of each slot")?)?,
        position: index_vec("position", &required(input, "position", "the position of each slot")?)?,
        reward: f64_vec("reward", &required(input, "reward", "the reward of each slot")?)?,
        len_list: integer_field(input, "lenList", None, MAX_INT)?
            .ok_or_else(|| Error::invalid("lenList", "is required: expected the slate length (a positive integer)"))?
            as usize,
        f,
        action: field(input, "action")?.map(|v| index_vec("action", &v)).transpose()?,
        n_unique_action: integer_field(input, "nUniqueAction", None, MAX_INT)?.map(|x| x as usize),
    })
}

fn prepared_slate(name: &str, input: &JsValue, params: &Option<JsValue>) -> Result<PreparedSlateEstimate> {
    let est = SlateEstimator::by_name(name)?;
    if let Some(params) = params.as_ref().filter(|p| !p.is_undefined() && !p.is_null()) {
        expect_object(params, "params", "an object (slate estimators take no parameters)")?;
        check_keys(params, "params", &[])?;
    }
    let s = slate_arrays(input)?;
    let f = &s.f;
    PreparedSlateEstimate::new(
        est,
        SlateFeedbackParts {
            slate_id: &s.slate_id,
            position: &s.position,
            reward: &s.reward,
            len_list: s.len_list,
            pscore: f[0].as_deref(),
            evaluation_policy_pscore: f[1].as_deref(),
            pscore_item_position: f[2].as_deref(),
            evaluation_policy_pscore_item_position: f[3].as_deref(),
            pscore_cascade: f[4].as_deref(),
            evaluation_policy_pscore_cascade: f[5].as_deref(),
            q_hat: f[6].as_deref(),
            evaluation_policy_action_dist: f[7].as_deref(),
            evaluation_policy_item_position_dist: f[8].as_deref(),
            action: s.action.as_deref(),
            n_unique_action: s.n_unique_action,
        },
    )
}

/// Estimate a ranking policy's expected total reward per slate with a slate estimator.
#[wasm_bindgen(js_name = estimateSlatePolicyValue)]
pub fn estimate_slate_policy_value(
    #[wasm_bindgen(unchecked_param_type = "SlateEstimatorName")] estimator_name: &str,
    #[wasm_bindgen(unchecked_param_type = "SlateInput")] slate_input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "{}")] params: Option<JsValue>,
) -> std::result::Result<f64, JsError> {
    Ok(prepared_slate(estimator_name, &slate_input, &params).map_err(js_error)?.value())
}

/// Slot-level values of a slate estimator (their sum over slots / number of slates is the estimate).
#[wasm_bindgen(js_name = estimateSlateRoundRewards)]
pub fn estimate_slate_round_rewards(
    #[wasm_bindgen(unchecked_param_type = "SlateEstimatorName")] estimator_name: &str,
    #[wasm_bindgen(unchecked_param_type = "SlateInput")] slate_input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "{}")] params: Option<JsValue>,
) -> std::result::Result<Float64Array, JsError> {
    let p = prepared_slate(estimator_name, &slate_input, &params).map_err(js_error)?;
    Ok(Float64Array::from(p.round_rewards()))
}

/// An interval for a slate estimate (bootstrap over slates by default).
#[wasm_bindgen(js_name = estimateSlateInterval, unchecked_return_type = "IntervalResult")]
pub fn estimate_slate_interval(
    #[wasm_bindgen(unchecked_param_type = "SlateEstimatorName")] estimator_name: &str,
    #[wasm_bindgen(unchecked_param_type = "SlateInput")] slate_input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "{}")] params: Option<JsValue>,
    #[wasm_bindgen(unchecked_param_type = "IntervalOptions")] options: Option<JsValue>,
) -> std::result::Result<JsValue, JsError> {
    let run = || -> Result<IntervalOut> {
        let method = interval_method(&options)?;
        let p = prepared_slate(estimator_name, &slate_input, &params)?;
        let iv = match method {
            IntervalMethod::Bootstrap(o) => p.bootstrap(&o)?,
            IntervalMethod::ObpBootstrap(o) => p.bootstrap_obp(&o)?,
            IntervalMethod::Normal { alpha } => p.normal(alpha)?,
            IntervalMethod::Bernstein { .. } => {
                return Err(Error::unsupported("method", "the Bernstein bound is available for the standard estimators only"));
            }
        };
        Ok(IntervalOut {
            mean: iv.mean,
            lower: iv.lower,
            upper: iv.upper,
            estimate: p.value(),
            method: method_name(&method),
            alpha: alpha_of(&method),
        })
    };
    to_js(&run().map_err(js_error)?)
}

/// The names of the estimators, for building menus.
#[wasm_bindgen(js_name = estimatorNames, unchecked_return_type = "{ standard: StandardEstimatorName[]; slate: SlateEstimatorName[] }")]
pub fn estimator_names() -> std::result::Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Names {
        standard: &'static [&'static str],
        slate: &'static [&'static str],
    }
    to_js(&Names { standard: &est::STANDARD_ESTIMATORS, slate: &est::SLATE_ESTIMATORS })
}
