//! Diagnostics of importance weights: is the estimate resting on a handful of rounds, and does
//! the evaluation policy put mass where the logger had none?
//!
//! An importance-weighted estimate is only as good as its weights. Under the logging policy the
//! raw weight w = π_e/π_b has mean exactly 1 when the logger covers every action the target can
//! take, and mean 1 − (target mass outside the logger's support) otherwise. So a mean weight well
//! below 1 is evidence of a support violation even when the logger's full distribution is
//! unknown; when it is known (OBP's `pi_b`), the unsupported mass is computed exactly.

use super::input::BanditFeedback;
use super::standard::Kernel;
use crate::error::Result;
use crate::stats;

/// Weight diagnostics for one estimator on one log.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightDiagnostics {
    /// Number of rounds.
    pub n_rounds: usize,
    /// Effective sample size (Σw)²/Σw² of the weights the estimator uses (raw weights for DM).
    pub effective_sample_size: f64,
    /// ESS / n: 1 for equal weights, near 0 when a few rounds dominate.
    pub ess_ratio: f64,
    /// Mean of the weights the estimator uses.
    pub mean_weight: f64,
    /// Largest weight the estimator uses.
    pub max_weight: f64,
    /// Share of rounds whose weight is 0 (the target never takes the logged action).
    pub zero_weight_share: f64,
    /// Mean raw weight π_e/pscore: ≈ 1 under full support (expected value exactly 1).
    pub mean_raw_weight: f64,
    /// Standard error of `mean_raw_weight`.
    pub mean_raw_weight_se: f64,
    /// Target mass on actions the logger cannot take, averaged over rounds: exact when `pi_b`
    /// was given, else `None`.
    pub unsupported_mass: Option<f64>,
    /// Average target mass on actions that never occur in this log (a hint, not proof: a small
    /// log can miss actions the logger does take).
    pub mass_on_unlogged_actions: f64,
    /// True when the target puts mass where the logger had none: exactly (with `pi_b`), or
    /// with evidence (mean raw weight more than 4 standard errors below 1).
    pub support_violation: bool,
    /// Human-readable findings, empty when all is well.
    pub warnings: Vec<String>,
}

/// Compute [`WeightDiagnostics`] for `kernel` on `data`.
pub fn weight_diagnostics(kernel: Kernel, data: &BanditFeedback<'_>) -> Result<WeightDiagnostics> {
    kernel.validate()?;
    let n = data.n_rounds();
    let nf = n as f64;
    let raw: Vec<f64> = (0..n).map(|i| data.weight(i)).collect();
    let used: Vec<f64> = match kernel {
        Kernel::Dm => raw.clone(),
        // replay keeps exactly the rounds where the evaluation policy takes the logged action with
        // probability 1 (not every round with a positive weight)
        Kernel::Rm => (0..n).map(|i| if data.pi_e_logged(i) == 1.0 { 1.0 } else { 0.0 }).collect(),
        _ => raw.iter().map(|&w| kernel.effective_weight(w)).collect(),
    };
    let max_weight = used.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let ess = effective_sample_size(&used, max_weight);
    let mean_weight = used.iter().map(|w| w / nf).sum::<f64>();
    let zero_share = used.iter().filter(|&&w| w == 0.0).count() as f64 / nf;
    let mean_raw = raw.iter().map(|w| w / nf).sum::<f64>();
    let se_raw = stats::std_dev(&raw) / nf.sqrt();

    let (na, kk) = (data.n_actions(), data.len_list());
    let unsupported_mass = data.pi_b().map(|pb| {
        let mut total = 0.0;
        for i in 0..n {
            let k = data.position_of(i);
            for a in 0..na {
                if pb[(i * na + a) * kk + k] == 0.0 {
                    total += data.pi_e(i, a, k);
                }
            }
        }
        total / nf
    });
    let mut logged = vec![false; na];
    data.action().iter().for_each(|&a| logged[a as usize] = true);
    let mut unlogged_mass = 0.0;
    if logged.iter().any(|l| !l) {
        for i in 0..n {
            let k = data.position_of(i);
            unlogged_mass += (0..na).filter(|&a| !logged[a]).map(|a| data.pi_e(i, a, k)).sum::<f64>();
        }
        unlogged_mass /= nf;
    }

    let evidence = mean_raw < 1.0 - 4.0 * se_raw && mean_raw < 0.99;
    let support_violation = match unsupported_mass {
        Some(m) => m > 1e-12,
        None => evidence,
    };
    let mut warnings = Vec::new();
    if let Some(m) = unsupported_mass.filter(|&m| m > 1e-12) {
        warnings.push(format!(
            "support violation: the evaluation policy puts {:.1}% of its mass (averaged over rounds) on actions the logging policy never takes; no weighting can recover that part of its value, so IPW-type estimates are biased (downward for non-negative rewards).",
            100.0 * m
        ));
    } else if unsupported_mass.is_none() && evidence {
        warnings.push(format!(
            "likely support violation: the mean importance weight is {mean_raw:.3} ± {se_raw:.3}, well below 1; the evaluation policy seems to put about {:.1}% of its mass where the logger had none.",
            100.0 * (1.0 - mean_raw)
        ));
    }
    if unlogged_mass > 0.01 {
        warnings.push(format!(
            "the evaluation policy puts {:.1}% of its mass on actions that never appear in this log.",
            100.0 * unlogged_mass
        ));
    }
    if kernel != Kernel::Dm && n >= 10 && (ess.is_nan() || ess < 0.01 * nf) {
        warnings.push(format!(
            "effective sample size is {ess:.1} of {n} rounds: the estimate rests on very few rounds and its variance is high."
        ));
    }
    Ok(WeightDiagnostics {
        n_rounds: n,
        effective_sample_size: ess,
        ess_ratio: ess / nf,
        mean_weight,
        max_weight,
        zero_weight_share: zero_share,
        mean_raw_weight: mean_raw,
        mean_raw_weight_se: se_raw,
        unsupported_mass,
        mass_on_unlogged_actions: unlogged_mass,
        support_violation,
        warnings,
    })
}

/// ESS = (Σw)²/Σw² of weights whose largest is `max_weight`, computed on w / max w so that weights
/// near 1/(smallest propensity) cannot overflow Σw² (an ESS of NaN would slip past every warning);
/// 0 when every weight is 0.
fn effective_sample_size(w: &[f64], max_weight: f64) -> f64 {
    let scale = if max_weight > 0.0 { max_weight } else { 1.0 };
    let (s1, s2) = w.iter().fold((0.0, 0.0), |(a, b), &x| (a + x / scale, b + (x / scale) * (x / scale)));
    if s2 > 0.0 { s1 * s1 / s2 } else { 0.0 }
}

/// Diagnostics from the weights an estimator uses (embedding and multi-logger estimators, whose
/// weights are not a standard kernel's): effective sample size, mean and largest weight, share of
/// zero weights, and evidence of missing support (mean weight far below 1).
pub fn from_weights(w: &[f64]) -> WeightDiagnostics {
    let n = w.len();
    let nf = n as f64;
    let max_weight = w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let ess = effective_sample_size(w, max_weight);
    let mean = w.iter().map(|x| x / nf).sum::<f64>();
    let se = stats::std_dev(w) / nf.sqrt();
    let evidence = mean < 1.0 - 4.0 * se && mean < 0.99;
    let mut warnings = Vec::new();
    if evidence {
        warnings.push(format!(
            "likely support violation: the mean importance weight is {mean:.3} ± {se:.3}, well below 1; the evaluation policy seems to put about {:.1}% of its mass where the logger had none.",
            100.0 * (1.0 - mean)
        ));
    }
    if n >= 10 && (ess.is_nan() || ess < 0.01 * nf) {
        warnings.push(format!(
            "effective sample size is {ess:.1} of {n} rounds: the estimate rests on very few rounds and its variance is high."
        ));
    }
    WeightDiagnostics {
        n_rounds: n,
        effective_sample_size: ess,
        ess_ratio: ess / nf,
        mean_weight: mean,
        max_weight,
        zero_weight_share: w.iter().filter(|&&x| x == 0.0).count() as f64 / nf,
        mean_raw_weight: mean,
        mean_raw_weight_se: se,
        unsupported_mass: None,
        mass_on_unlogged_actions: 0.0,
        support_violation: evidence,
        warnings,
    }
}
