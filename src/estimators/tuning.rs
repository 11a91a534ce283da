//! Choosing an estimator's λ from the data, as Open Bandit Pipeline 0.5.7's `estimators_tuning`
//! does (`InverseProbabilityWeightingTuning`, `DoublyRobustTuning`, `SwitchDoublyRobustTuning`,
//! `DoublyRobustWithShrinkageTuning`, `SubGaussianInverseProbabilityWeightingTuning`,
//! `SubGaussianDoublyRobustTuning`).
//!
//! * **SLOPE** (Su, Srinath & Krishnamurthy 2020, in the SLOPE++ form of Tucker & Lee 2021): sort
//!   the candidates by the width of their confidence bound (a Student-t bound on the mean of the
//!   round rewards), widest first, and keep accepting while each estimate stays within
//!   `cnfᵢ + (√6 − 1)·cnfⱼ` of every one accepted before; the last accepted λ wins.
//! * **MSE** (Su, Dimakopoulou, Krishnamurthy & Dudík 2020, §5): the sample variance of the round
//!   rewards / n plus a squared bias estimate, |mean((w − ŵ)(r − q̂))| (and, with
//!   `use_bias_upper_bound`, a Bernstein-style high-probability term); the smallest wins.
//!
//! OBP's details are kept so that numbers agree: the candidate list is sorted (descending for
//! clipping and switching, ascending for shrinkage and sub-Gaussian weights); ties in SLOPE's
//! widths go to the later candidate; a `NaN` width or score in first place wins and elsewhere
//! never does. Where an estimate at the chosen λ is undefined (DRos at λ = 0 with a zero weight,
//! SG at λ = 1) the estimate is `NaN` with the estimator's warning, as in OBP.

use super::input::BanditFeedback;
use super::standard::{Kernel, kernel_by_name};
use crate::error::{Error, Result};
use crate::stats;

/// The estimators whose λ can be tuned.
pub const TUNABLE: [&str; 6] = ["ipw", "dr", "switch-dr", "dr-os", "sg-ipw", "sg-dr"];

/// How λ is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TuningMethod {
    /// SLOPE (OBP's default).
    Slope,
    /// The estimated mean squared error.
    Mse,
}

impl TuningMethod {
    /// By OBP's name: "slope" or "mse".
    pub fn by_name(name: &str) -> Result<TuningMethod> {
        match name {
            "slope" => Ok(TuningMethod::Slope),
            "mse" => Ok(TuningMethod::Mse),
            other => Err(Error::invalid("tuningMethod", format!("expected \"slope\" or \"mse\", got {other:?}"))),
        }
    }
}

/// OBP's tuning arguments (camelCase in JS).
#[derive(Debug, Clone, PartialEq)]
pub struct TuningOptions {
    /// Candidate λ values (`lambdas`; ∞ allowed except for the sub-Gaussian estimators).
    pub lambdas: Vec<f64>,
    /// `tuning_method`, default SLOPE.
    pub method: TuningMethod,
    /// `use_bias_upper_bound` (MSE only), default true.
    pub use_bias_upper_bound: bool,
    /// `delta`, default 0.1.
    pub delta: f64,
}

impl Default for TuningOptions {
    fn default() -> Self {
        TuningOptions { lambdas: Vec::new(), method: TuningMethod::Slope, use_bias_upper_bound: true, delta: 0.1 }
    }
}

/// SLOPE's inputs per candidate (in `Tuning::lambdas` order).
#[derive(Debug, Clone, PartialEq)]
pub struct SlopeDetail {
    /// The estimate at each λ.
    pub theta: Vec<f64>,
    /// The width of its Student-t confidence bound.
    pub cnf: Vec<f64>,
}

/// The outcome of tuning.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// The chosen λ (OBP's `best_hyperparam`).
    pub best_lambda: f64,
    /// The candidates, sorted as OBP sorts them.
    pub lambdas: Vec<f64>,
    /// The estimated MSE of each candidate (OBP's `estimated_mse_score_dict`; MSE method only).
    pub mse_scores: Option<Vec<f64>>,
    /// SLOPE's estimates and widths per candidate (SLOPE only).
    pub slope: Option<SlopeDetail>,
}

/// Check `options` for `estimator_name` and sort its candidates as OBP does.
fn sorted_candidates(estimator_name: &str, options: &TuningOptions) -> Result<Vec<f64>> {
    if !TUNABLE.contains(&estimator_name) {
        return Err(Error::invalid(
            "estimatorName",
            format!("λ can be tuned for {} only, got {estimator_name:?}", TUNABLE.join(", ")),
        ));
    }
    if options.lambdas.is_empty() {
        return Err(Error::invalid("lambdas", "expected at least one candidate λ"));
    }
    let sg = estimator_name.starts_with("sg-");
    for (i, &l) in options.lambdas.iter().enumerate() {
        if l.is_nan() || l < 0.0 || (sg && l > 1.0) {
            let range = if sg { "[0, 1]" } else { "[0, ∞]" };
            return Err(Error::invalid("lambdas", format!("expected every λ in {range}, got {l} at index {i}")));
        }
    }
    if !(0.0..=1.0).contains(&options.delta) {
        return Err(Error::invalid("delta", format!("expected a number in [0, 1], got {}", options.delta)));
    }
    let mut lambdas = options.lambdas.clone();
    crate::stats::sort(&mut lambdas);
    if matches!(estimator_name, "ipw" | "dr" | "switch-dr") {
        lambdas.reverse();
    }
    Ok(lambdas)
}

/// Tune λ of `estimator_name` on `data`.
pub fn tune(estimator_name: &str, data: &BanditFeedback<'_>, options: &TuningOptions) -> Result<Tuning> {
    let lambdas = sorted_candidates(estimator_name, options)?;
    let kernels = lambdas.iter().map(|&l| kernel_by_name(estimator_name, Some(l))).collect::<Result<Vec<_>>>()?;
    let n = data.n_rounds();
    // every candidate of a model-based family reads the same DM values: compute them once
    let dm;
    let data = match kernels.first() {
        Some(k) if k.needs_reward_model() && !data.has_dm_rounds() => match data.dm_rounds() {
            Some(v) => {
                dm = v;
                &data.with_dm_rounds(&dm)
            }
            None => data,
        },
        _ => data,
    };
    Ok(match options.method {
        TuningMethod::Mse => {
            let scores = kernels
                .iter()
                .map(|k| mse_score(*k, data, options.use_bias_upper_bound, options.delta))
                .collect::<Result<Vec<_>>>()?;
            // Python's min(): the first candidate stays unless a later one is strictly smaller
            let mut best = 0;
            for i in 1..scores.len() {
                if scores[i] < scores[best] {
                    best = i;
                }
            }
            Tuning { best_lambda: lambdas[best], lambdas, mse_scores: Some(scores), slope: None }
        }
        TuningMethod::Slope => {
            let t = stats::student_t_quantile(1.0 - options.delta, (n - 1) as f64);
            let mut theta = Vec::with_capacity(kernels.len());
            let mut cnf = Vec::with_capacity(kernels.len());
            for k in &kernels {
                let rr = k.round_rewards(data)?;
                let m = stats::mean(&rr);
                let var = population_variance(&rr, m);
                let ci = (var / (n - 1) as f64).sqrt() * t;
                theta.push(m);
                cnf.push(m - (m - ci)); // as OBP computes it: mean − (mean − ci)
            }
            let best = slope_choice(&theta, &cnf);
            Tuning { best_lambda: lambdas[best], lambdas, mse_scores: None, slope: Some(SlopeDetail { theta, cnf }) }
        }
    })
}

/// numpy's `var` (denominator n).
fn population_variance(xs: &[f64], mean: f64) -> f64 {
    xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64
}

/// The order in which SLOPE visits candidates of widths `cnf`: numpy's argsort (ascending; stable
/// for these short lists; NaN last), then reversed. That is the NaN widths first, by descending
/// index, then the others by descending width, ties by descending index; the latter is
/// `order_desc` (ties by ascending position) of the widths listed from the last: the crate's one
/// sorting routine, not a copy per call site (Wasm size).
fn slope_order(cnf: &[f64]) -> Vec<usize> {
    let n = cnf.len();
    let widths: Vec<usize> = (0..n).rev().filter(|&i| !cnf[i].is_nan()).collect();
    let key: Vec<f64> = widths.iter().map(|&i| cnf[i]).collect();
    let nan = (0..n).rev().filter(|&i| cnf[i].is_nan());
    nan.chain(crate::stats::order_desc(&key).into_iter().map(|j| widths[j])).collect()
}

/// SLOPE's choice among candidates with estimates `theta` and widths `cnf`: the index of the λ.
fn slope_choice(theta: &[f64], cnf: &[f64]) -> usize {
    const C: f64 = 1.449_489_742_783_178; // √6 − 1
    let order = slope_order(cnf);
    let mut accepted: Vec<usize> = Vec::new();
    for (i, &idx) in order.iter().enumerate() {
        let ok = accepted.iter().all(|&j| (theta[j] - theta[idx]).abs() <= cnf[idx] + C * cnf[j]);
        if accepted.is_empty() || ok {
            accepted.push(idx);
        } else {
            return order[i - 1];
        }
    }
    order[order.len() - 1]
}

/// OBP's `_estimate_mse_score` of one kernel: variance of the round rewards / n plus the squared
/// (upper bound of the) bias.
fn mse_score(kernel: Kernel, data: &BanditFeedback<'_>, use_bias_upper_bound: bool, delta: f64) -> Result<f64> {
    let n = data.n_rounds();
    let nf = n as f64;
    let rr = kernel.round_rewards(data)?;
    let m = stats::mean(&rr);
    let sample_variance = population_variance(&rr, m) / nf;
    let q = if matches!(kernel, Kernel::Ipw(_) | Kernel::SgIpw(_)) { None } else { Some(data.reward_model(kernel.name())?) };
    let r = data.reward();
    let (mut bias, mut w2, mut w_max) = (0.0, 0.0, f64::NEG_INFINITY);
    for i in 0..n {
        let w = data.weight(i);
        let w_hat = kernel.effective_weight(w);
        let q_i = q.map(|q| data.q_logged(q, i)).unwrap_or(0.0);
        bias += (w - w_hat) * (r[i] - q_i);
        w2 += w * w;
        w_max = w_max.max(w);
    }
    let mut bias = (bias / nf).abs();
    if use_bias_upper_bound {
        let log_term = crate::math::ln(2.0 / delta);
        bias += (2.0 * (w2 / nf) * log_term / nf).sqrt();
        bias += 2.0 * w_max * log_term / (3.0 * nf);
    }
    Ok(sample_variance + bias * bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_visits_candidates_in_the_order_of_numpys_argsort_reversed() {
        // the reference: a stable ascending sort with every NaN last (−0 ties +0), reversed
        let reference = |cnf: &[f64]| {
            let mut order: Vec<usize> = (0..cnf.len()).collect();
            order.sort_by(|&a, &b| match (cnf[a].is_nan(), cnf[b].is_nan()) {
                (true, true) => std::cmp::Ordering::Equal,
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => crate::stats::cmp(cnf[a], cnf[b]),
            });
            order.reverse();
            order
        };
        // ties, both zeros, NaNs of either sign, both infinities, in random arrangements
        let values = [0.5, 0.5, 0.25, 0.0, -0.0, f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 2.0];
        let mut rng = crate::rng::Rng::new(4);
        for _ in 0..2000 {
            let cnf: Vec<f64> = (0..1 + rng.below(9)).map(|_| values[rng.below(values.len())]).collect();
            assert_eq!(slope_order(&cnf), reference(&cnf), "{cnf:?}");
        }
        assert_eq!(slope_order(&[1.0, f64::NAN, 1.0, -f64::NAN, f64::INFINITY]), vec![3, 1, 4, 2, 0]);
    }

    #[test]
    fn slope_keeps_accepting_while_estimates_agree_and_breaks_ties_like_numpy() {
        // widths 3, 2, 1 (widest first): all agree → the narrowest wins
        assert_eq!(slope_choice(&[0.0, 0.1, 0.2], &[3.0, 2.0, 1.0]), 2);
        // the narrowest disagrees with the first: the one before it wins
        assert_eq!(slope_choice(&[0.0, 0.1, 9.0], &[3.0, 2.0, 1.0]), 1);
        // equal widths: the later candidate comes first (stable ascending, reversed)
        assert_eq!(slope_choice(&[0.0, 5.0], &[1.0, 1.0]), 1);
        // a NaN width goes first and wins, since nothing can agree with it
        assert_eq!(slope_choice(&[0.0, 0.0, f64::NAN], &[1.0, 2.0, f64::NAN]), 2);
    }

    #[test]
    fn bad_tuning_options_are_named() {
        let o = |lambdas: Vec<f64>| TuningOptions { lambdas, ..Default::default() };
        assert_eq!(sorted_candidates("snipw", &o(vec![1.0])).unwrap_err().argument(), "estimatorName");
        assert_eq!(sorted_candidates("ipw", &o(vec![])).unwrap_err().argument(), "lambdas");
        assert_eq!(sorted_candidates("ipw", &o(vec![1.0, f64::NAN])).unwrap_err().argument(), "lambdas");
        assert_eq!(sorted_candidates("sg-ipw", &o(vec![0.5, f64::INFINITY])).unwrap_err().argument(), "lambdas");
        let bad_delta = TuningOptions { lambdas: vec![1.0], delta: 1.5, ..Default::default() };
        assert_eq!(sorted_candidates("ipw", &bad_delta).unwrap_err().argument(), "delta");
        assert_eq!(sorted_candidates("ipw", &o(vec![1.0, f64::INFINITY, 5.0])).unwrap(), vec![f64::INFINITY, 5.0, 1.0]);
        assert_eq!(sorted_candidates("dr-os", &o(vec![10.0, 0.0, 1.0])).unwrap(), vec![0.0, 1.0, 10.0]);
    }
}
