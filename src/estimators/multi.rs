//! Logs from several logging policies at once (Agarwal et al., *Effective Evaluation Using Logged
//! Bandit Feedback from Multiple Loggers*, KDD 2017; Kallus et al., ICML 2021), as Open Bandit
//! Pipeline 0.5.7's `estimators_multi` computes them. Round i was logged by the logger of stratum
//! `stratum_idx[i]` with propensity `pscore[i]`; `pscore_avg[i]` is the propensity of the mixture of
//! all loggers (weighted by their shares of the rounds).
//!
//! * `multi_ipw` / `multi_dr`: IPS / DR with each round's own logger's propensity ("naive").
//! * `multi_bal_ipw` / `multi_bal_dr`: with the mixture's propensity ("balanced"): the lowest
//!   variance when the loggers' propensities are known.
//! * `multi_weighted_ipw` / `multi_weighted_dr`: with each round's own propensity, the strata
//!   weighted by the inverse of their empirical variance (of r·w for IPW, of the DR round value for
//!   DR), weight_k = n / (var_k · Σⱼ nⱼ/varⱼ).
//!
//! Every estimate is the mean of its round rewards; λ clips the importance weights (default ∞).
//! OBP 0.5.7's `estimate_interval` of the balanced estimators passes `pscore` where it means
//! `pscore_avg` and raises; here it works.

use super::input::{BanditFeedback, check_len, check_pscore};
use super::standard::RoundTerms;
use crate::error::{Error, Result};

/// The estimators of this module.
pub const MULTI_ESTIMATORS: [&str; 6] =
    ["multi_ipw", "multi_bal_ipw", "multi_weighted_ipw", "multi_dr", "multi_bal_dr", "multi_weighted_dr"];

/// What the multi-logger estimators need beyond the standard input (whose `pscore` is each round's
/// own logger's propensity).
#[derive(Debug, Clone, Copy)]
pub struct MultiParts<'a> {
    /// The logger (stratum) of each round, in `0..K`, every stratum present.
    pub stratum_idx: &'a [u32],
    /// The mixture of loggers' propensity of each round's logged action (OBP's `pscore_avg`).
    pub pscore_avg: &'a [f64],
}

/// The round terms (plain means) of a multi-logger estimator with clipping λ (∞ by default).
pub fn multi_terms(
    estimator_name: &str,
    data: &BanditFeedback<'_>,
    lambda: Option<f64>,
    m: &MultiParts<'_>,
) -> Result<Vec<RoundTerms>> {
    if !MULTI_ESTIMATORS.contains(&estimator_name) {
        return Err(Error::invalid(
            "estimatorName",
            format!("unknown multi-logger estimator {estimator_name:?}; expected one of {}", MULTI_ESTIMATORS.join(", ")),
        ));
    }
    let lambda = lambda.unwrap_or(f64::INFINITY);
    if lambda.is_nan() || lambda < 0.0 {
        return Err(Error::invalid(
            "lambda",
            format!("`{estimator_name}` expects lambda ≥ 0 (Infinity: no clipping), got {lambda}"),
        ));
    }
    let n = data.n_rounds();
    check_len("stratumIdx", m.stratum_idx.len(), n, "one per round, like `reward`")?;
    let balanced = estimator_name.contains("_bal_");
    let weighted = estimator_name.contains("_weighted_");
    let dr = estimator_name.ends_with("_dr");
    if balanced {
        check_len("pscoreAvg", m.pscore_avg.len(), n, "one per round, like `reward`")?;
        check_pscore("pscoreAvg", m.pscore_avg)?;
    }
    let q = if dr { Some(data.reward_model(estimator_name)?) } else { None };
    let r = data.reward();
    let p = if balanced { m.pscore_avg } else { data.pscore() };
    // per round: the plain part (DM for DR), and the weighted correction
    let parts: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let w = (data.pi_e_logged(i) / p[i]).min(lambda);
            match q {
                Some(q) => (data.dm_round(q, i), w * (r[i] - data.q_logged(q, i))),
                None => (0.0, r[i] * w),
            }
        })
        .collect();
    if !weighted {
        return Ok(parts.iter().map(|&(a, c)| RoundTerms { a: a + c, u: 0.0, d: 1.0 }).collect());
    }
    let weight = stratum_weights(m.stratum_idx, &parts)?;
    Ok(parts
        .iter()
        .zip(m.stratum_idx)
        .map(|(&(a, c), &s)| RoundTerms { a: a + c * weight[s as usize], u: 0.0, d: 1.0 })
        .collect())
}

/// weight_k = n / (var_k · Σⱼ nⱼ/varⱼ), var_k the population variance of the round value (plain
/// part + correction) within stratum k.
fn stratum_weights(stratum: &[u32], parts: &[(f64, f64)]) -> Result<Vec<f64>> {
    let k = stratum.iter().copied().max().unwrap_or(0) as usize + 1;
    let mut count = vec![0usize; k];
    let mut sum = vec![0.0; k];
    for (&s, &(a, c)) in stratum.iter().zip(parts) {
        count[s as usize] += 1;
        sum[s as usize] += a + c;
    }
    if let Some(missing) = count.iter().position(|&c| c == 0) {
        return Err(Error::invalid(
            "stratumIdx",
            format!(
                "expected strata numbered 0..{k} with every one present (as OBP indexes them), but stratum {missing} has no round"
            ),
        ));
    }
    let mean: Vec<f64> = sum.iter().zip(&count).map(|(s, &c)| s / c as f64).collect();
    let mut var = vec![0.0; k];
    for (&s, &(a, c)) in stratum.iter().zip(parts) {
        let d = a + c - mean[s as usize];
        var[s as usize] += d * d;
    }
    for (j, v) in var.iter_mut().enumerate() {
        *v /= count[j] as f64;
        if *v == 0.0 {
            return Err(Error::unsupported(
                "stratumIdx",
                format!(
                    "the round values of stratum {j} have zero variance over its {} rounds, and the weighted estimator divides by it (OBP returns NaN here)",
                    count[j]
                ),
            ));
        }
    }
    let n = stratum.len() as f64;
    let total: f64 = count.iter().zip(&var).map(|(&c, v)| c as f64 / v).sum();
    Ok(var.iter().map(|v| n / (v * total)).collect())
}
