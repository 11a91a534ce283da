//! JS bindings of the estimators: validate, convert, call the core.

use super::convert::*;
use crate::error::{Error, Result};
use crate::estimators::{
    self as est, BanditData, BootstrapOptions, IntervalMethod, PreparedSlateEstimate, SlateEstimator, SlateFeedbackParts,
    StreamingEstimator, StreamingState, kernel_by_name,
    tuning::{TuningMethod, TuningOptions, tune},
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
    "actionEmbed",
    "pEA",
    "nCatPerDim",
    "stratumIdx",
    "pscoreAvg",
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
        if est::family(name)? == est::Family::Standard {
            kernel_by_name(name, lambda)?;
        }
        Ok(Need { reward_model: est::needs_reward_model(name)?, pi_b: est::family(name)? == est::Family::Embed })
    }
}

/// The inputs of the embedding and multi-logger estimators, read only for them.
#[derive(Debug, Default)]
pub(crate) struct ExtraData {
    action_embed: Option<Vec<u32>>,
    p_e_a: Option<Vec<f64>>,
    n_cat_per_dim: usize,
    stratum_idx: Option<Vec<u32>>,
    pscore_avg: Option<Vec<f64>>,
}

impl ExtraData {
    /// Read what `estimator_name`'s family needs from `input`.
    pub(crate) fn read(input: &JsValue, estimator_name: &str) -> Result<ExtraData> {
        Ok(match est::family(estimator_name)? {
            est::Family::Standard => ExtraData::default(),
            est::Family::Embed => ExtraData {
                action_embed: Some(index_vec(
                    "actionEmbed",
                    &required(input, "actionEmbed", "the logged action's embedding, flat nRounds × dimEmbed")?,
                )?),
                p_e_a: Some(f64_vec("pEA", &required(input, "pEA", "p(e_d | a), flat nActions × nCatPerDim × dimEmbed")?)?),
                n_cat_per_dim: integer_field(input, "nCatPerDim", None, MAX_INT)?
                    .ok_or_else(|| Error::invalid("nCatPerDim", "is required: expected the categories per embedding dimension"))?
                    as usize,
                ..Default::default()
            },
            est::Family::Multi => ExtraData {
                stratum_idx: Some(index_vec("stratumIdx", &required(input, "stratumIdx", "the logger of each round, in 0..K")?)?),
                pscore_avg: field(input, "pscoreAvg")?.map(|v| f64_vec("pscoreAvg", &v)).transpose()?,
                ..Default::default()
            },
        })
    }

    /// The parts the core's estimators take, borrowing `self` and the input's `pi_b`.
    pub(crate) fn parts<'a>(&'a self, data: &'a BanditData) -> est::Extra<'a> {
        const EMPTY: &[f64] = &[];
        est::Extra {
            embed: self.action_embed.as_deref().map(|action_embed| est::embed::EmbedParts {
                action_embed,
                pi_b: data.pi_b.as_deref().unwrap_or(EMPTY),
                p_e_a: self.p_e_a.as_deref().unwrap_or(EMPTY),
                n_cat_per_dim: self.n_cat_per_dim,
            }),
            multi: self.stratum_idx.as_deref().map(|stratum_idx| est::multi::MultiParts {
                stratum_idx,
                pscore_avg: self.pscore_avg.as_deref().unwrap_or(EMPTY),
            }),
        }
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

/// What `params` asks for: a fixed λ (`{ lambda }`, or none: OBP's default), or λ tuned on the
/// data as OBP's `*Tuning` estimators do (`{ lambdas, tuningMethod, useBiasUpperBound, delta }`).
#[derive(Debug, Clone)]
pub(crate) enum LambdaChoice {
    Fixed(Option<f64>),
    Tuned(TuningOptions),
}

impl LambdaChoice {
    /// The λ to use on `data` (tuning it if asked).
    pub(crate) fn resolve(&self, estimator_name: &str, data: &est::BanditFeedback<'_>) -> Result<Option<f64>> {
        match self {
            LambdaChoice::Fixed(l) => Ok(*l),
            LambdaChoice::Tuned(o) => Ok(Some(tune(estimator_name, data, o)?.best_lambda)),
        }
    }
}

const PARAM_KEYS: [&str; 5] = ["lambda", "lambdas", "tuningMethod", "useBiasUpperBound", "delta"];

/// `params`: `{ lambda }`, `{ lambdas, tuningMethod = "slope", useBiasUpperBound = true, delta = 0.1 }`, or nothing.
pub(crate) fn lambda_param(params: &Option<JsValue>) -> Result<LambdaChoice> {
    let Some(params) = params.as_ref().filter(|p| !p.is_undefined() && !p.is_null()) else {
        return Ok(LambdaChoice::Fixed(None));
    };
    expect_object(params, "params", "an object { lambda } or { lambdas, tuningMethod, useBiasUpperBound, delta }")?;
    check_keys(params, "params", &PARAM_KEYS)?;
    let lambda = number_field(params, "lambda")?;
    let Some(lambdas) = field(params, "lambdas")? else {
        for k in ["tuningMethod", "useBiasUpperBound", "delta"] {
            if field(params, k)?.is_some() {
                return Err(Error::invalid(k, "applies only when tuning λ: give `lambdas`, the candidates"));
            }
        }
        return Ok(LambdaChoice::Fixed(lambda));
    };
    if lambda.is_some() {
        return Err(Error::invalid("lambda", "give either a fixed `lambda` or candidate `lambdas` to tune, not both"));
    }
    let mut o = TuningOptions { lambdas: f64_vec("lambdas", &lambdas)?, ..Default::default() };
    if let Some(m) = field(params, "tuningMethod")? {
        o.method = TuningMethod::by_name(&name("tuningMethod", &m)?)?;
    }
    if let Some(b) = field(params, "useBiasUpperBound")? {
        o.use_bias_upper_bound = b
            .as_bool()
            .ok_or_else(|| Error::invalid("useBiasUpperBound", format!("expected true or false, got {}", describe(&b))))?;
    }
    if let Some(d) = field(params, "delta")? {
        o.delta = number("delta", &d)?;
    }
    Ok(LambdaChoice::Tuned(o))
}

/// An estimator name and what `params` asks of λ (resolve it on the data once they are read).
fn name_and_lambda(estimator_name: &JsValue, params: &Option<JsValue>) -> Result<(String, LambdaChoice)> {
    Ok((name("estimatorName", estimator_name)?, lambda_param(params)?))
}

/// What every one-shot estimator call starts with: `params`, then the input converted and
/// validated for what `estimator_name` needs (and the logging policy's probabilities with
/// `pi_b`), then λ (tuned on the input when `params` asks). Callers use `data.view_trusted()`.
fn checked_call(
    estimator_name: &JsValue,
    input: &JsValue,
    params: &Option<JsValue>,
    pi_b: bool,
) -> Result<(String, Option<f64>, BanditData, ExtraData)> {
    let (estimator_name, choice, data, extra) = read_call(estimator_name, input, params, pi_b)?;
    let lambda = choice.resolve(&estimator_name, &data.view()?)?;
    Ok((estimator_name, lambda, data, extra))
}

/// What [`checked_call`] reads, before the data is validated and λ resolved.
fn read_call(
    estimator_name: &JsValue,
    input: &JsValue,
    params: &Option<JsValue>,
    pi_b: bool,
) -> Result<(String, LambdaChoice, BanditData, ExtraData)> {
    let estimator_name = name("estimatorName", estimator_name)?;
    let choice = lambda_param(params)?;
    let fixed = if let LambdaChoice::Fixed(l) = choice { l } else { None };
    let need = Need::for_estimator(&estimator_name, fixed)?;
    let data = bandit_data_with(input, Need { pi_b: pi_b || need.pi_b, ..need })?;
    let extra = ExtraData::read(input, &estimator_name)?;
    Ok((estimator_name, choice, data, extra))
}

const INTERVAL_KEYS: [&str; 5] = ["alpha", "nBootstrapSamples", "randomState", "method", "valueRange"];

/// `options` of the interval functions.
pub(crate) fn interval_method(options: &Option<JsValue>) -> Result<IntervalMethod> {
    interval_method_with(options, &[])
}

/// `options` of the interval functions, which may also hold `extra_keys` (read by the caller).
fn interval_method_with(options: &Option<JsValue>, extra_keys: &[&str]) -> Result<IntervalMethod> {
    let mut boot = BootstrapOptions::default();
    let Some(options) = options.as_ref().filter(|o| !o.is_undefined() && !o.is_null()) else {
        return Ok(IntervalMethod::Bootstrap(boot));
    };
    expect_object(options, "options", "an object { alpha, nBootstrapSamples, randomState, method }")?;
    let allowed: Vec<&str> = INTERVAL_KEYS.iter().chain(extra_keys).copied().collect();
    check_keys(options, "options", &allowed)?;
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
            if r.len() != 2 || !(r[0].is_finite() && r[1].is_finite() && r[0] < r[1]) {
                return Err(Error::invalid("valueRange", format!("expected [lo, hi] with finite lo < hi, got {r:?}")));
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
    /// Bootstrap resamples on which a self-normalized estimator was undefined (0/0), left out.
    pub degenerate_resamples: usize,
}

pub(crate) fn interval_out(
    data: &est::BanditFeedback<'_>,
    name: &str,
    lambda: Option<f64>,
    method: IntervalMethod,
) -> Result<IntervalOut> {
    interval_out_any(data, name, lambda, &est::Extra::default(), method)
}

/// [`interval_out`] for any estimator family.
pub(crate) fn interval_out_any(
    data: &est::BanditFeedback<'_>,
    name: &str,
    lambda: Option<f64>,
    extra: &est::Extra<'_>,
    method: IntervalMethod,
) -> Result<IntervalOut> {
    let iv = est::interval_any(name, data, lambda, extra, method)?;
    Ok(IntervalOut {
        mean: iv.mean,
        lower: iv.lower,
        upper: iv.upper,
        estimate: est::estimate_any(name, data, lambda, extra)?,
        method: method_name(&method),
        alpha: alpha_of(&method),
        degenerate_resamples: iv.degenerate_resamples,
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
    diagnostics_any(name, data, lambda, &est::Extra::default())
}

/// Diagnostics for any estimator family: the standard ones from their kernel; the embedding and
/// multi-logger ones from the weights they use.
fn diagnostics_any(
    name: &str,
    data: &est::BanditFeedback<'_>,
    lambda: Option<f64>,
    extra: &est::Extra<'_>,
) -> Result<DiagnosticsOut> {
    if est::family(name)? != est::Family::Standard {
        // The estimate validates what these estimators need (λ, strata, embeddings) exactly as
        // estimatePolicyValue does, so diagnostics accept and refuse the same inputs.
        est::estimate_any(name, data, lambda, extra)?;
        let (weights, mut warnings) = match est::family(name)? {
            est::Family::Embed => {
                let e = extra.embed.ok_or_else(|| Error::invalid("actionEmbed", "is required"))?;
                (est::embed::embed_terms(name, data, &e)?.2, est::embed::embed_warnings(name))
            }
            _ => {
                let m = extra.multi.ok_or_else(|| Error::invalid("stratumIdx", "is required"))?;
                let p = if name.contains("_bal_") { m.pscore_avg } else { data.pscore() };
                let l = lambda.unwrap_or(f64::INFINITY);
                ((0..data.n_rounds()).map(|i| (data.pi_e_logged(i) / p[i]).min(l)).collect(), Vec::new())
            }
        };
        let d = est::diagnostics::from_weights(&weights);
        warnings.extend(d.warnings);
        return Ok(DiagnosticsOut {
            estimator_name: est::family_name(name)?,
            lambda,
            n_rounds: d.n_rounds,
            effective_sample_size: d.effective_sample_size,
            ess_ratio: d.ess_ratio,
            mean_weight: d.mean_weight,
            max_weight: d.max_weight,
            zero_weight_share: d.zero_weight_share,
            mean_raw_weight: d.mean_raw_weight,
            mean_raw_weight_se: d.mean_raw_weight_se,
            unsupported_mass: None,
            mass_on_unlogged_actions: 0.0,
            support_violation: d.support_violation,
            warnings,
        });
    }
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
    #[wasm_bindgen(unchecked_param_type = "EstimatorName")] estimator_name: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
) -> std::result::Result<f64, JsError> {
    if let (Ok(name), Ok(LambdaChoice::Fixed(lambda))) = (name("estimatorName", &estimator_name), lambda_param(&params)) {
        if matches!(est::family(&name), Ok(est::Family::Standard)) {
            if let Some(value) = estimate_streamed(&name, lambda, &input) {
                return value.map_err(js_error);
            }
        }
    }
    let (estimator_name, choice, data, extra) = read_call(&estimator_name, &input, &params, false).map_err(js_error)?;
    if let (LambdaChoice::Fixed(lambda), Ok(est::Family::Standard)) = (&choice, est::family(&estimator_name)) {
        // checked and estimated in one pass over the data (the same value and errors)
        return est::estimate_policy_value_checked(&estimator_name, data.parts(), *lambda).map_err(js_error);
    }
    let lambda = choice.resolve(&estimator_name, &data.view().map_err(js_error)?).map_err(js_error)?;
    est::estimate_any(&estimator_name, &data.view_trusted(), lambda, &extra.parts(&data)).map_err(js_error)
}

/// Values per block of [`estimate_streamed`] (rounds × nActions × lenList): 256 KB of π_e, and as
/// much of q̂, stay in cache from their copy through their check to their terms.
const STREAM_BLOCK_CELLS: usize = 32_768;

/// `estimatePolicyValue` of a standard estimator with a fixed λ on an input of typed arrays
/// (Float64Array values; Int32Array or Uint32Array indices). The log is copied into Wasm memory
/// one block of rounds at a time, and each block is checked and its terms added while it is in
/// cache ([`est::CheckedSums`]), instead of copying whole arrays and reading them again: the same
/// value bit for bit, in less time, and the memory it takes does not grow with the log.
///
/// `None` for any other input (plain arrays, arrays over the size limits, rows of more than a
/// block's values), or as soon as anything fails (a read, a copy, a check): the caller then takes
/// the usual path, which reads the input again and names the first problem.
fn estimate_streamed(estimator_name: &str, lambda: Option<f64>, input: &JsValue) -> Option<Result<f64>> {
    expect_object(input, "input", "an object").ok()?;
    check_keys(input, "input", BANDIT_KEYS).ok()?;
    let mut sums = est::CheckedSums::new(estimator_name, lambda).ok()?;
    // Every field is read (any getter runs) before the arrays' buffers are: from then on no
    // code of the page runs until the estimate is done.
    let read = |key: &str| field(input, key).ok();
    let (reward, action, pscore, position, action_dist) =
        (read("reward")??, read("action")??, read("pscore")??, read("position")?, read("actionDist")??);
    let n_actions = integer_field(input, "nActions", None, MAX_INT).ok()?? as usize;
    let len_list = integer_field(input, "lenList", Some(1), MAX_INT).ok()?? as usize;
    let n_rounds = integer_field(input, "nRounds", None, MAX_INT).ok()?;
    let q = if sums.needs_reward_model() { Some(read("estimatedRewardsByRegModel")??) } else { None };
    let (reward, pscore, action_dist) =
        (BlockSource::of(&reward, true)?, BlockSource::of(&pscore, true)?, BlockSource::of(&action_dist, true)?);
    let action = BlockSource::of(&action, false)?;
    let position = match position {
        Some(p) => Some(BlockSource::of(&p, false)?),
        None => None,
    };
    let q = match q {
        Some(q) => Some(BlockSource::of(&q, true)?),
        None => None,
    };
    let n = reward.len;
    let row = n_actions.checked_mul(len_list)?;
    let cells = row.checked_mul(n)?;
    let per_round = [&action, &pscore].into_iter().chain(&position).all(|v| v.len == n);
    // a row larger than a block (thousands of actions) goes the usual way, which checks its size
    if n == 0 || row == 0 || row > STREAM_BLOCK_CELLS || n_rounds.is_some_and(|m| m as usize != n) || !per_round {
        return None;
    }
    if action_dist.len != cells || q.as_ref().is_some_and(|q| q.len != cells) {
        return None;
    }
    let b = (STREAM_BLOCK_CELLS / row).min(n);
    let (mut r, mut a, mut p) = (vec![0.0; b], vec![0u32; b], vec![0.0; b]);
    let mut k = vec![0u32; if position.is_some() { b } else { 0 }];
    let mut d = vec![0.0; b * row];
    let mut qb = vec![0.0; if q.is_some() { b * row } else { 0 }];
    for start in (0..n).step_by(b) {
        let m = b.min(n - start);
        let copied = reward.copy_f64(start, &mut r[..m])
            && action.copy_u32(start, &mut a[..m])
            && pscore.copy_f64(start, &mut p[..m])
            && position.as_ref().is_none_or(|v| v.copy_u32(start, &mut k[..m]))
            && action_dist.copy_f64(start * row, &mut d[..m * row])
            && q.as_ref().is_none_or(|v| v.copy_f64(start * row, &mut qb[..m * row]));
        let block = est::BanditFeedbackParts {
            reward: &r[..m],
            action: &a[..m],
            pscore: &p[..m],
            position: position.as_ref().map(|_| &k[..m]),
            action_dist: &d[..m * row],
            estimated_rewards_by_reg_model: q.as_ref().map(|_| &qb[..m * row]),
            pi_b: None,
            n_actions,
            len_list,
        };
        if !copied || !sums.add(block) {
            return None;
        }
    }
    Some(sums.finish())
}

/// The per-round values whose mean is the estimate (OBP's `_estimate_round_rewards`).
#[wasm_bindgen(js_name = estimateRoundRewards)]
pub fn estimate_round_rewards(
    #[wasm_bindgen(unchecked_param_type = "EstimatorName")] estimator_name: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
) -> std::result::Result<Float64Array, JsError> {
    let (estimator_name, lambda, data, extra) = checked_call(&estimator_name, &input, &params, false).map_err(js_error)?;
    let rr = est::round_rewards_any(&estimator_name, &data.view_trusted(), lambda, &extra.parts(&data)).map_err(js_error)?;
    Ok(Float64Array::from(&rr[..]))
}

/// An interval for the estimate: `{ mean, lower, upper, estimate, method, alpha }`.
#[wasm_bindgen(js_name = estimateInterval, unchecked_return_type = "IntervalResult")]
pub fn estimate_interval(
    #[wasm_bindgen(unchecked_param_type = "EstimatorName")] estimator_name: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
    #[wasm_bindgen(unchecked_param_type = "IntervalOptions")] options: Option<JsValue>,
) -> std::result::Result<JsValue, JsError> {
    let method = interval_method(&options).map_err(js_error)?;
    let (estimator_name, lambda, data, extra) = checked_call(&estimator_name, &input, &params, false).map_err(js_error)?;
    let out = interval_out_any(&data.view_trusted(), &estimator_name, lambda, &extra.parts(&data), method).map_err(js_error)?;
    to_js(&out)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TuneOut {
    /// OBP's `best_hyperparam`.
    best_lambda: f64,
    /// The candidates, sorted as OBP sorts them.
    lambdas: Vec<f64>,
    /// OBP's `estimated_mse_score_dict`, in `lambdas` order (tuningMethod "mse").
    estimated_mse_scores: Option<Vec<f64>>,
    /// SLOPE's estimate and confidence width per candidate (tuningMethod "slope").
    slope: Option<SlopeOut>,
    /// The estimate at the chosen λ.
    estimate: f64,
}

#[derive(Serialize)]
struct SlopeOut {
    theta: Vec<f64>,
    cnf: Vec<f64>,
}

/// Choose λ for `estimatorName` on this log as OBP's `*Tuning` estimators do:
/// `params = { lambdas, tuningMethod = "slope", useBiasUpperBound = true, delta = 0.1 }`.
/// Returns `{ bestLambda, lambdas, estimatedMseScores?, slope?: { theta, cnf }, estimate }`.
#[wasm_bindgen(js_name = tuneLambda, unchecked_return_type = "TuneResult")]
pub fn tune_lambda(
    #[wasm_bindgen(unchecked_param_type = "TunableEstimatorName")] estimator_name: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TuningParams")] params: JsValue,
) -> std::result::Result<JsValue, JsError> {
    let run = || -> Result<TuneOut> {
        let estimator_name = name("estimatorName", &estimator_name)?;
        let LambdaChoice::Tuned(options) = lambda_param(&Some(params.clone()))? else {
            return Err(Error::invalid("lambdas", "is required: expected the candidate λ values to choose from"));
        };
        let need = Need::for_estimator(&estimator_name, None)?;
        let data = bandit_data_with(&input, need)?;
        let view = data.view()?;
        let t = tune(&estimator_name, &view, &options)?;
        Ok(TuneOut {
            best_lambda: t.best_lambda,
            estimate: est::estimate_policy_value(&estimator_name, &view, Some(t.best_lambda))?,
            lambdas: t.lambdas,
            estimated_mse_scores: t.mse_scores,
            slope: t.slope.map(|s| SlopeOut { theta: s.theta, cnf: s.cnf }),
        })
    };
    to_js(&run().map_err(js_error)?)
}

/// Weight diagnostics and warnings for an estimator on a log.
#[wasm_bindgen(js_name = estimateDiagnostics, unchecked_return_type = "EstimateDiagnostics")]
pub fn estimate_diagnostics(
    #[wasm_bindgen(unchecked_param_type = "EstimatorName")] estimator_name: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
) -> std::result::Result<JsValue, JsError> {
    let (estimator_name, lambda, data, extra) = checked_call(&estimator_name, &input, &params, true).map_err(js_error)?;
    to_js(&diagnostics_any(&estimator_name, &data.view_trusted(), lambda, &extra.parts(&data)).map_err(js_error)?)
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
        for (i, e) in array_elements("estimators", estimators)?.iter().enumerate() {
            let at = format!("estimators[{i}]");
            let (n, lambda) = if e.is_string() {
                let n = name(&at, e)?;
                kernel_by_name(&n, None).map_err(|x| x.rename(&at))?;
                (n, None)
            } else {
                expect_object(e, &at, "an estimator name or { estimatorName, lambda }")?;
                check_keys(e, &at, &["estimatorName", "lambda"])?;
                let prefix = format!("{at}.");
                let read = || -> Result<(String, Option<f64>)> {
                    let n = name("estimatorName", &required(e, "estimatorName", "an estimator name")?)?;
                    let lambda = number_field(e, "lambda")?;
                    kernel_by_name(&n, lambda)?;
                    Ok((n, lambda))
                };
                read().map_err(|x| x.within(&prefix))?
            };
            list.push((n, lambda));
        }
    }
    let truth = match options.as_ref().filter(|o| o.is_object()) {
        Some(o) => field(o, "groundTruth")?.map(|v| finite("groundTruth", &v)).transpose()?,
        None => None,
    };
    let extra: Vec<&str> = std::iter::once("groundTruth").chain(extra_keys.iter().copied()).collect();
    let opts = interval_method_with(options, &extra)?;
    let mut rows = Vec::new();
    for (name, lambda) in list {
        let iv = interval_out(&view, &name, lambda, opts)?;
        let mut d = diagnostics(&name, &view, lambda)?;
        if iv.degenerate_resamples > 0 {
            d.warnings.push(format!(
                "{} of the bootstrap resamples had no round with a positive weight, where {} is 0/0; the interval is computed from the others",
                iv.degenerate_resamples, d.estimator_name
            ));
        }
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
    /// Each round's π_e of the logged action, gathered once at construction (not for a writable
    /// handle, whose arrays may change): IPW-type estimates then read n values, not n rows.
    pi_e_logged: Vec<f64>,
    /// Made by `allocate`: the page may write into the arrays through `views()` at any time, so
    /// every call checks them first (a handle made from an input was checked once and is private).
    writable: bool,
}

impl BanditDataHandle {
    /// The data as the estimators read it: checked now if the page can write to it.
    fn view(&self) -> Result<est::BanditFeedback<'_>> {
        if self.writable { self.data.view() } else { Ok(self.data.view_trusted().with_pi_e_logged(&self.pi_e_logged)) }
    }

    /// `f` on the data (checked first if writable) with `choice`'s λ resolved on it, as a JS error.
    fn with_view<T>(
        &self,
        estimator_name: &str,
        choice: &LambdaChoice,
        f: impl FnOnce(&est::BanditFeedback<'_>, Option<f64>) -> Result<T>,
    ) -> std::result::Result<T, JsError> {
        let run = || {
            let data = self.view()?;
            f(&data, choice.resolve(estimator_name, &data)?)
        };
        run().map_err(js_error)
    }
}

#[wasm_bindgen(js_class = BanditData)]
impl BanditDataHandle {
    /// Copy and validate an input object.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "BanditInput")] input: JsValue,
    ) -> std::result::Result<BanditDataHandle, JsError> {
        let data = bandit_data(&input).map_err(js_error)?;
        let pi_e_logged = data.view().map_err(js_error)?.pi_e_logged_rounds();
        Ok(BanditDataHandle { data, pi_e_logged, writable: false })
    }

    /// An empty log of `nRounds` rounds over `nActions` actions (all zeros) for a page to fill in
    /// place, without building arrays in JS and copying them in: get the arrays with `views()`,
    /// write every round, then call the estimators. Since the page can write to the arrays at any
    /// time, every call checks them first (one pass, fused with the estimate for
    /// `estimatePolicyValue`). `options`: `{ lenList = 1, rewardModel = false }`; with
    /// `lenList > 1` a `position` array is allocated too, with `rewardModel` an
    /// `estimatedRewardsByRegModel` array.
    pub fn allocate(
        #[wasm_bindgen(js_name = nRounds, unchecked_param_type = "number")] n_rounds: JsValue,
        #[wasm_bindgen(js_name = nActions, unchecked_param_type = "number")] n_actions: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ lenList?: number; rewardModel?: boolean }")] options: Option<JsValue>,
    ) -> std::result::Result<BanditDataHandle, JsError> {
        let run = || -> Result<BanditDataHandle> {
            let n = integer("nRounds", &n_rounds, MAX_INT)? as usize;
            let k = integer("nActions", &n_actions, MAX_INT)? as usize;
            if n == 0 || k == 0 {
                return Err(Error::invalid(if n == 0 { "nRounds" } else { "nActions" }, "expected a positive integer, got 0"));
            }
            let (mut len_list, mut reward_model) = (1, false);
            if let Some(o) = options.as_ref().filter(|o| !o.is_undefined() && !o.is_null()) {
                expect_object(o, "options", "an object { lenList, rewardModel }")?;
                check_keys(o, "options", &["lenList", "rewardModel"])?;
                len_list = integer_field(o, "lenList", Some(1), MAX_INT)?.unwrap_or(1) as usize;
                if len_list == 0 {
                    return Err(Error::invalid("options.lenList", "expected a positive integer, got 0"));
                }
                reward_model = bool_field(o, "rewardModel")?.unwrap_or(false);
            }
            // every array at once, in f64 (on wasm32 a usize product of these could wrap)
            let cells = n as f64 * k as f64 * len_list as f64;
            let tables = if reward_model { 2.0 } else { 1.0 };
            let per_round = if len_list > 1 { 24.0 } else { 20.0 };
            let what = format!("a log of {n} rounds × {k} actions × {len_list} positions");
            crate::limits::check("nRounds", &what, (8.0 * cells * tables + per_round * n as f64) / 8.0, 8)?;
            let cells = n
                .checked_mul(k)
                .and_then(|c| c.checked_mul(len_list))
                .ok_or_else(|| Error::invalid("nRounds", format!("{what} is too large")))?;
            Ok(BanditDataHandle {
                data: BanditData {
                    reward: vec![0.0; n],
                    action: vec![0; n],
                    pscore: vec![0.0; n],
                    position: (len_list > 1).then(|| vec![0; n]),
                    action_dist: vec![0.0; cells],
                    estimated_rewards_by_reg_model: reward_model.then(|| vec![0.0; cells]),
                    pi_b: None,
                    n_actions: k,
                    len_list,
                },
                pi_e_logged: Vec::new(),
                writable: true,
            })
        };
        run().map_err(js_error)
    }

    /// The arrays of a handle made by `allocate`, as views of Wasm memory to write into:
    /// `{ reward, action, pscore, actionDist, position?, estimatedRewardsByRegModel? }`.
    ///
    /// A view is valid until the module's memory grows, which any later call into the module may
    /// do: get the views, fill them, and call nothing else in between (a view whose memory moved
    /// has length 0, and what is written to it is lost). Do not keep them after `free()`.
    #[wasm_bindgen(unchecked_return_type = "BanditDataViews")]
    pub fn views(&mut self) -> std::result::Result<JsValue, JsError> {
        if !self.writable {
            return Err(js_error(Error::unsupported(
                "views",
                "this BanditData was made from an input and is read-only; BanditData.allocate(nRounds, nActions, options) makes one to fill in place",
            )));
        }
        let d = &mut self.data;
        let o = js_sys::Object::new();
        // SAFETY: each view covers exactly one of the handle's vectors, which are never resized
        // while the handle lives; no allocation happens between making the views and returning
        // them (the object and its properties live in JS), and the doc above says how long they
        // stay valid.
        unsafe {
            set(&o, "reward", Float64Array::view_mut_raw(d.reward.as_mut_ptr(), d.reward.len()));
            set(&o, "action", js_sys::Uint32Array::view_mut_raw(d.action.as_mut_ptr(), d.action.len()));
            set(&o, "pscore", Float64Array::view_mut_raw(d.pscore.as_mut_ptr(), d.pscore.len()));
            set(&o, "actionDist", Float64Array::view_mut_raw(d.action_dist.as_mut_ptr(), d.action_dist.len()));
            if let Some(p) = d.position.as_mut() {
                set(&o, "position", js_sys::Uint32Array::view_mut_raw(p.as_mut_ptr(), p.len()));
            }
            if let Some(q) = d.estimated_rewards_by_reg_model.as_mut() {
                set(&o, "estimatedRewardsByRegModel", Float64Array::view_mut_raw(q.as_mut_ptr(), q.len()));
            }
        }
        Ok(o.into())
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
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
    ) -> std::result::Result<f64, JsError> {
        // every argument is read (a getter may run page code) before the data is checked and read
        let (estimator_name, choice) = name_and_lambda(&estimator_name, &params).map_err(js_error)?;
        if let (true, LambdaChoice::Fixed(lambda)) = (self.writable, &choice) {
            // checked and estimated in one pass, as the one-shot call does
            return est::estimate_policy_value_checked(&estimator_name, self.data.parts(), *lambda).map_err(js_error);
        }
        self.with_view(&estimator_name, &choice, |data, lambda| est::estimate_policy_value(&estimator_name, data, lambda))
    }

    /// See the top-level `estimateRoundRewards`.
    #[wasm_bindgen(js_name = estimateRoundRewards)]
    pub fn estimate_round_rewards(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
    ) -> std::result::Result<Float64Array, JsError> {
        let (estimator_name, choice) = name_and_lambda(&estimator_name, &params).map_err(js_error)?;
        let rr =
            self.with_view(&estimator_name, &choice, |data, lambda| est::estimate_round_rewards(&estimator_name, data, lambda))?;
        Ok(Float64Array::from(&rr[..]))
    }

    /// See the top-level `estimateInterval`.
    #[wasm_bindgen(js_name = estimateInterval, unchecked_return_type = "IntervalResult")]
    pub fn estimate_interval(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
        #[wasm_bindgen(unchecked_param_type = "IntervalOptions")] options: Option<JsValue>,
    ) -> std::result::Result<JsValue, JsError> {
        let (estimator_name, choice) = name_and_lambda(&estimator_name, &params).map_err(js_error)?;
        let method = interval_method(&options).map_err(js_error)?;
        to_js(&self.with_view(&estimator_name, &choice, |data, lambda| interval_out(data, &estimator_name, lambda, method))?)
    }

    /// See the top-level `estimateDiagnostics`.
    #[wasm_bindgen(js_name = estimateDiagnostics, unchecked_return_type = "EstimateDiagnostics")]
    pub fn estimate_diagnostics(
        &self,
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
    ) -> std::result::Result<JsValue, JsError> {
        let (estimator_name, choice) = name_and_lambda(&estimator_name, &params).map_err(js_error)?;
        to_js(&self.with_view(&estimator_name, &choice, |data, lambda| diagnostics(&estimator_name, data, lambda))?)
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
        #[wasm_bindgen(unchecked_param_type = "StandardEstimatorName")] estimator_name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "EstimatorParams")] params: Option<JsValue>,
    ) -> std::result::Result<StreamingHandle, JsError> {
        let run = || -> Result<StreamingEstimator> {
            let estimator_name = name("estimatorName", &estimator_name)?;
            let LambdaChoice::Fixed(lambda) = lambda_param(&params)? else {
                return Err(Error::invalid(
                    "lambdas",
                    "tuning λ needs the whole log; a streaming estimator takes a fixed `lambda` (tune it with tuneLambda first)",
                ));
            };
            StreamingEstimator::new(&estimator_name, lambda)
        };
        Ok(StreamingHandle { inner: run().map_err(js_error)? })
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
        #[wasm_bindgen(unchecked_param_type = "number")] reward: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] pscore: JsValue,
        #[wasm_bindgen(js_name = piE, unchecked_param_type = "number")] pi_e: JsValue,
        #[wasm_bindgen(js_name = qLogged, unchecked_param_type = "number | undefined")] q_logged: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] dm: JsValue,
    ) -> std::result::Result<(), JsError> {
        let check = |name: &str, ok: bool, want: &str, x: f64| {
            if ok { Ok(()) } else { Err(js_error(Error::invalid(name, format!("expected {want}, got {x}")))) }
        };
        let reward = finite("reward", &reward).map_err(js_error)?;
        let pscore = number("pscore", &pscore).map_err(js_error)?;
        let pi_e = number("piE", &pi_e).map_err(js_error)?;
        let q_logged = opt_finite("qLogged", &q_logged).map_err(js_error)?;
        let dm = opt_finite("dm", &dm).map_err(js_error)?;
        check(
            "pscore",
            (crate::estimators::input::MIN_PSCORE..=1.0).contains(&pscore),
            "a probability in (0, 1] (not subnormal)",
            pscore,
        )?;
        check("piE", (0.0..=1.0).contains(&pi_e), "a probability in [0, 1]", pi_e)?;
        let needs = self.inner.kernel().needs_reward_model();
        let (q, d) = match (q_logged, dm) {
            (Some(q), Some(d)) => (q, d),
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
    pub fn interval(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] alpha: JsValue,
    ) -> std::result::Result<JsValue, JsError> {
        let alpha = opt_finite("alpha", &alpha).map_err(js_error)?.unwrap_or(0.05);
        let iv = self.inner.interval(alpha).map_err(js_error)?;
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
        let run = || -> Result<StreamingEstimator> {
            let s = StreamingState::from_value(&config_value(&state, "state")?)?;
            StreamingEstimator::from_state(&s)
        };
        Ok(StreamingHandle { inner: run().map_err(js_error)? })
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

/// The slate input's number arrays, in the order of `SlateArrays::f`.
const SLATE_NUMBER_KEYS: [&str; 9] = [
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

/// `estimateSlatePolicyValue` on typed arrays, streamed as [`estimate_streamed`] streams the
/// standard estimators: blocks of the five arrays SIPS, IIPS, RIPS (or a self-normalized one)
/// reads are copied into Wasm memory, checked and summed while still in cache
/// ([`est::CheckedSlateSums`]), which gives the usual path's value bit for bit.
///
/// `None` for anything else — another estimator, params, plain arrays, an `action` that is not a
/// Uint32Array, an array the estimator does not read that is not a typed array of numbers, a log
/// not laid out slate after slate with positions in order — or as soon as anything fails: the
/// caller then takes the usual path, which reads the input again and names the first problem.
fn slate_streamed(estimator_name: &JsValue, input: &JsValue, params: &Option<JsValue>) -> Option<f64> {
    if params.as_ref().is_some_and(|p| !p.is_undefined() && !p.is_null()) {
        return None;
    }
    let est = SlateEstimator::by_name(&name("estimatorName", estimator_name).ok()?).ok()?;
    expect_object(input, "slateInput", "an object").ok()?;
    check_keys(input, "slateInput", SLATE_KEYS).ok()?;
    // Every field is read (any getter runs) before the arrays' buffers are.
    let read = |key: &str| field(input, key).ok();
    let mut numbers = Vec::new();
    for key in SLATE_NUMBER_KEYS {
        if let Some(v) = read(key)? {
            numbers.push((key, v));
        }
    }
    let (reward, slate_id, position) = (read("reward")??, read("slateId")??, read("position")??);
    let len_list = integer_field(input, "lenList", None, MAX_INT).ok()?? as usize;
    let n_rounds = integer_field(input, "nRounds", None, MAX_INT).ok()?;
    integer_field(input, "nUniqueAction", None, MAX_INT).ok()?;
    if read("action")?.is_some_and(|a| !a.is_instance_of::<js_sys::Uint32Array>() || check_f64_array("action", &a).is_err()) {
        return None;
    }
    est::CheckedSlateSums::new(est, 1, 1)?; // not an estimator the sums compute: the usual path
    let [bn, en] = [est.reads()[0], est.reads()[1]];
    let (mut b, mut e) = (None, None);
    for (key, v) in &numbers {
        if *key == bn {
            b = Some(BlockSource::of(v, true)?);
        } else if *key == en {
            e = Some(BlockSource::of(v, true)?);
        } else if !is_typed_array(v) || check_f64_array(key, v).is_err() {
            return None;
        }
    }
    let (b, e) = (b?, e?);
    let (reward, slate_id, position) =
        (BlockSource::of(&reward, true)?, BlockSource::of(&slate_id, false)?, BlockSource::of(&position, false)?);
    let n = reward.len;
    if n == 0 || len_list > n || [&slate_id, &position, &b, &e].iter().any(|v| v.len != n) {
        return None;
    }
    if n_rounds.is_some_and(|m| (m as usize).checked_mul(len_list) != Some(n)) {
        return None;
    }
    let mut sums = est::CheckedSlateSums::new(est, len_list, n)?;
    let m = est::SLATE_BLOCK.min(n);
    let (mut ids, mut pos, mut r, mut bb, mut eb) = (vec![0u32; m], vec![0u32; m], vec![0.0; m], vec![0.0; m], vec![0.0; m]);
    for start in (0..n).step_by(m) {
        let k = m.min(n - start);
        let copied = slate_id.copy_u32(start, &mut ids[..k])
            && position.copy_u32(start, &mut pos[..k])
            && reward.copy_f64(start, &mut r[..k])
            && b.copy_f64(start, &mut bb[..k])
            && e.copy_f64(start, &mut eb[..k]);
        // an Int32Array's negative id reads as one of 2³¹ or more, which the usual path refuses;
        // the sums check that ids never decrease, so the block's last id bounds them all
        let ids_ok = !slate_id.signed || ids[k - 1] < 1 << 31;
        if !copied || !ids_ok || !sums.add(&ids[..k], &pos[..k], &r[..k], &bb[..k], &eb[..k]) {
            return None;
        }
    }
    sums.finish()
}

struct SlateArrays {
    slate_id: Vec<u32>,
    position: Vec<u32>,
    reward: Vec<f64>,
    len_list: usize,
    f: [Option<Vec<f64>>; 9],
    action: Option<Vec<u32>>,
    n_unique_action: Option<usize>,
}

/// The slate input's arrays, copying only the number arrays `est` reads (the others are checked
/// as `f64_vec` would check them, without a copy: a typed array is taken as it is).
fn slate_arrays(input: &JsValue, est: SlateEstimator) -> Result<SlateArrays> {
    expect_object(input, "slateInput", "an object { slateId, position, reward, lenList, … }")?;
    check_keys(input, "slateInput", SLATE_KEYS)?;
    let mut f: [Option<Vec<f64>>; 9] = Default::default();
    for (slot, key) in f.iter_mut().zip(SLATE_NUMBER_KEYS) {
        match field(input, key)? {
            Some(v) if est.reads().contains(&key) => *slot = Some(f64_vec(key, &v)?),
            Some(v) => check_f64_array(key, &v)?,
            None => {}
        }
    }
    let reward = f64_vec("reward", &required(input, "reward", "the reward of each slot")?)?;
    let len_list = integer_field(input, "lenList", None, MAX_INT)?
        .ok_or_else(|| Error::invalid("lenList", "is required: expected the slate length (a positive integer)"))?
        as usize;
    if let Some(n) = integer_field(input, "nRounds", None, MAX_INT)? {
        if (n as usize).checked_mul(len_list) != Some(reward.len()) {
            return Err(Error::invalid(
                "nRounds",
                format!(
                    "is {n}, but `reward` has {} slots, which is not `nRounds` × `lenList` ({n} × {len_list}): one of the three is wrong",
                    reward.len()
                ),
            ));
        }
    }
    Ok(SlateArrays {
        slate_id: index_vec("slateId", &required(input, "slateId", "the slate of each slot")?)?,
        position: index_vec("position", &required(input, "position", "the position of each slot")?)?,
        reward,
        len_list,
        f,
        action: field(input, "action")?.map(|v| index_vec("action", &v)).transpose()?,
        n_unique_action: integer_field(input, "nUniqueAction", None, MAX_INT)?.map(|x| x as usize),
    })
}

fn prepared_slate(estimator_name: &JsValue, input: &JsValue, params: &Option<JsValue>) -> Result<PreparedSlateEstimate> {
    with_slate_parts(estimator_name, input, params, PreparedSlateEstimate::new)
}

/// Read a slate estimator's name, input and (empty) params, and `call` it on the parts.
fn with_slate_parts<T>(
    estimator_name: &JsValue,
    input: &JsValue,
    params: &Option<JsValue>,
    call: impl FnOnce(SlateEstimator, SlateFeedbackParts<'_>) -> Result<T>,
) -> Result<T> {
    let est = SlateEstimator::by_name(&name("estimatorName", estimator_name)?)?;
    if let Some(params) = params.as_ref().filter(|p| !p.is_undefined() && !p.is_null()) {
        expect_object(params, "params", "an object (slate estimators take no parameters)")?;
        check_keys(params, "params", &[])?;
    }
    let s = slate_arrays(input, est)?;
    let f = &s.f;
    call(
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
    #[wasm_bindgen(unchecked_param_type = "SlateEstimatorName")] estimator_name: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SlateInput")] slate_input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "{}")] params: Option<JsValue>,
) -> std::result::Result<f64, JsError> {
    if let Some(v) = slate_streamed(&estimator_name, &slate_input, &params) {
        return Ok(v);
    }
    with_slate_parts(&estimator_name, &slate_input, &params, crate::estimators::slate_value_checked).map_err(js_error)
}

/// Slot-level values of a slate estimator (their sum over slots / number of slates is the estimate).
#[wasm_bindgen(js_name = estimateSlateRoundRewards)]
pub fn estimate_slate_round_rewards(
    #[wasm_bindgen(unchecked_param_type = "SlateEstimatorName")] estimator_name: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SlateInput")] slate_input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "{}")] params: Option<JsValue>,
) -> std::result::Result<Float64Array, JsError> {
    let p = prepared_slate(&estimator_name, &slate_input, &params).map_err(js_error)?;
    Ok(Float64Array::from(p.round_rewards()))
}

/// An interval for a slate estimate (bootstrap over slates by default).
#[wasm_bindgen(js_name = estimateSlateInterval, unchecked_return_type = "IntervalResult")]
pub fn estimate_slate_interval(
    #[wasm_bindgen(unchecked_param_type = "SlateEstimatorName")] estimator_name: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SlateInput")] slate_input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "{}")] params: Option<JsValue>,
    #[wasm_bindgen(unchecked_param_type = "IntervalOptions")] options: Option<JsValue>,
) -> std::result::Result<JsValue, JsError> {
    let run = || -> Result<IntervalOut> {
        let method = interval_method(&options)?;
        let p = prepared_slate(&estimator_name, &slate_input, &params)?;
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
            degenerate_resamples: iv.degenerate_resamples,
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
