//! Confidence intervals for off-policy estimates.
//!
//! * [`bootstrap_terms`]: the percentile bootstrap, as OBP's `estimate_interval` (α, number of
//!   resamples, seed; `mean` is the mean of the bootstrap estimates, as in OBP) — but it resamples
//!   *rounds* and recomputes the estimator. For a self-normalized estimator that re-draws the
//!   normalizer too, where OBP normalizes once and then resamples the normalized values, which
//!   leaves the normalizer's variance out of the interval.
//! * [`normal_terms`]: the CLT interval with a delta-method standard error (the influence function
//!   of `mean(a) + Σu/Σd`), cheap enough to update on every slider move.
//! * [`empirical_bernstein`]: a finite-sample bound for per-round values in a known range
//!   (Maurer & Pontil 2009), valid at any sample size, wide at small ones.

use super::standard::{EmptyNormalizer, RoundTerms};
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::stats;

/// An interval around an estimate. `mean` is the centre the method reports: the mean of the
/// bootstrap estimates for the bootstrap (OBP's convention), the point estimate otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Centre (see above).
    pub mean: f64,
    /// Lower end.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
    /// Bootstrap resamples on which a self-normalized estimator is undefined (every resampled
    /// weight 0, so 0/0): left out of the percentiles and counted here, never silently NaN.
    pub degenerate_resamples: usize,
}

/// Options of the percentile bootstrap, with OBP's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapOptions {
    /// Significance level: the interval covers 1 − α. Default 0.05.
    pub alpha: f64,
    /// Number of bootstrap resamples. Default 10,000.
    pub n_bootstrap_samples: usize,
    /// Seed; `None` draws one from the system's entropy source (as OBP's `random_state=None`).
    pub random_state: Option<u64>,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions { alpha: 0.05, n_bootstrap_samples: 10_000, random_state: None }
    }
}

/// Check α ∈ (0, 1).
pub fn check_alpha(alpha: f64) -> Result<()> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid("alpha", format!("expected a number in (0, 1), e.g. 0.05 for a 95% interval, got {alpha}")));
    }
    Ok(())
}

impl BootstrapOptions {
    /// Validate the options.
    pub fn validate(&self) -> Result<()> {
        check_alpha(self.alpha)?;
        if self.n_bootstrap_samples == 0 {
            return Err(Error::invalid("nBootstrapSamples", "expected a positive integer, got 0"));
        }
        Ok(())
    }

    fn rng(&self) -> Rng {
        Rng::new(self.random_state.unwrap_or_else(Rng::entropy_seed))
    }
}

/// Percentile interval from bootstrap estimates.
pub fn percentile_interval(boot: &[f64], alpha: f64) -> Interval {
    // NaN resamples are the degenerate ones (0/0): left out and counted. (0/0 is a *negative*
    // NaN on most hardware, which `total_cmp` would sort first.)
    let mut ok: Vec<f64> = boot.iter().copied().filter(|x| !x.is_nan()).collect();
    stats::sort(&mut ok);
    Interval {
        mean: stats::mean(&ok),
        lower: stats::percentile_sorted(&ok, 100.0 * (alpha / 2.0)),
        upper: stats::percentile_sorted(&ok, 100.0 * (1.0 - alpha / 2.0)),
        degenerate_resamples: boot.len() - ok.len(),
    }
}

/// Combine sums into an estimate under a normalizer rule (see [`EmptyNormalizer`]).
#[inline]
pub(crate) fn combine(norm: EmptyNormalizer, n: usize, sa: f64, su: f64, sd: f64) -> f64 {
    let plain = sa / n as f64;
    match norm {
        EmptyNormalizer::NotNormalized => plain,
        EmptyNormalizer::Zero if sd == 0.0 => plain,
        _ => plain + su / sd,
    }
}

/// Percentile bootstrap over rounds: resample n rounds with replacement, recompute
/// `mean(a) + Σu/Σd`, repeat.
pub fn bootstrap_terms(norm: EmptyNormalizer, terms: &[RoundTerms], options: &BootstrapOptions) -> Result<Interval> {
    options.validate()?;
    let n = terms.len();
    if n == 0 {
        return Err(Error::invalid("reward", "expected at least one round, got an empty array"));
    }
    let mut rng = options.rng();
    let mut boot = Vec::with_capacity(options.n_bootstrap_samples);
    if norm == EmptyNormalizer::NotNormalized {
        let a: Vec<f64> = terms.iter().map(|t| t.a).collect();
        for _ in 0..options.n_bootstrap_samples {
            // Two accumulators halve the floating-point add latency chain.
            let (mut s0, mut s1) = (0.0, 0.0);
            for _ in 0..n / 2 {
                s0 += a[rng.below(n)];
                s1 += a[rng.below(n)];
            }
            if n % 2 == 1 {
                s0 += a[rng.below(n)];
            }
            boot.push((s0 + s1) / n as f64);
        }
    } else {
        for _ in 0..options.n_bootstrap_samples {
            let (mut sa, mut su, mut sd) = (0.0, 0.0, 0.0);
            for _ in 0..n {
                let t = terms[rng.below(n)];
                sa += t.a;
                su += t.u;
                sd += t.d;
            }
            boot.push(combine(norm, n, sa, su, sd));
        }
    }
    Ok(percentile_interval(&boot, options.alpha))
}

/// Percentile bootstrap of the mean of fixed per-round values (OBP's
/// `estimate_confidence_interval_by_bootstrap`).
pub fn bootstrap_values(values: &[f64], options: &BootstrapOptions) -> Result<Interval> {
    let terms: Vec<RoundTerms> = values.iter().map(|&a| RoundTerms { a, u: 0.0, d: 1.0 }).collect();
    bootstrap_terms(EmptyNormalizer::NotNormalized, &terms, options)
}

/// Percentile bootstrap over arbitrary resampling units: `estimate` receives the indices of one
/// resample (n draws with replacement from `0..n_units`) and returns the estimate on it.
pub fn bootstrap_units(
    n_units: usize,
    options: &BootstrapOptions,
    mut estimate: impl FnMut(&[usize]) -> f64,
) -> Result<Interval> {
    options.validate()?;
    if n_units == 0 {
        return Err(Error::invalid("slateId", "expected at least one slate, got none"));
    }
    let mut rng = options.rng();
    let mut idx = vec![0usize; n_units];
    let mut boot = Vec::with_capacity(options.n_bootstrap_samples);
    for _ in 0..options.n_bootstrap_samples {
        idx.iter_mut().for_each(|j| *j = rng.below(n_units));
        boot.push(estimate(&idx));
    }
    Ok(percentile_interval(&boot, options.alpha))
}

/// The estimate and its delta-method standard error from round terms.
pub fn estimate_and_se(norm: EmptyNormalizer, terms: &[RoundTerms]) -> (f64, f64) {
    let n = terms.len();
    let nf = n as f64;
    let (sa, su, sd) = terms.iter().fold((0.0, 0.0, 0.0), |s, t| (s.0 + t.a, s.1 + t.u, s.2 + t.d));
    let value = combine(norm, n, sa, su, sd);
    let ratio_used = norm != EmptyNormalizer::NotNormalized && !(norm == EmptyNormalizer::Zero && sd == 0.0);
    let psi: Vec<f64> = if ratio_used {
        let r = su / sd;
        let d_bar = sd / nf;
        terms.iter().map(|t| t.a + (t.u - r * t.d) / d_bar).collect()
    } else {
        terms.iter().map(|t| t.a).collect()
    };
    (value, stats::std_dev(&psi) / nf.sqrt())
}

/// Normal (CLT) interval: estimate ± z₁₋α/₂ · SE, with the delta-method SE of [`estimate_and_se`].
pub fn normal_terms(norm: EmptyNormalizer, terms: &[RoundTerms], alpha: f64) -> Result<Interval> {
    check_alpha(alpha)?;
    let (value, se) = estimate_and_se(norm, terms);
    Ok(normal_from(value, se, alpha))
}

/// `value ± z · se`.
pub fn normal_from(value: f64, se: f64, alpha: f64) -> Interval {
    let z = stats::normal_quantile(1.0 - alpha / 2.0);
    Interval { mean: value, lower: value - z * se, upper: value + z * se, degenerate_resamples: 0 }
}

/// Empirical Bernstein interval for the mean of i.i.d. values known to lie in `[lo, hi]`
/// (Maurer & Pontil, *Empirical Bernstein Bounds and Sample Variance Penalization*, COLT 2009,
/// Thm 4, applied to each side at level α/2 and clipped to the range). Valid at every n when the
/// range holds a priori; with a range read off the data it is a heuristic.
pub fn empirical_bernstein(values: &[f64], alpha: f64, lo: f64, hi: f64) -> Result<Interval> {
    check_alpha(alpha)?;
    let n = values.len();
    if n < 2 {
        return Err(Error::invalid("reward", format!("the Bernstein bound needs at least 2 rounds, got {n}")));
    }
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Err(Error::invalid("valueRange", format!("expected finite [lo, hi] with lo ≤ hi, got [{lo}, {hi}]")));
    }
    // The bound holds only for values inside the range; outside it the interval can come out
    // inverted (lower > upper) or exclude the mean. Say so instead.
    if let Some((i, x)) = values.iter().enumerate().find(|(_, x)| !(**x >= lo && **x <= hi)) {
        return Err(Error::invalid(
            "valueRange",
            format!(
                "[{lo}, {hi}] does not contain the per-round value {x} at round {i}: the Bernstein bound needs a range that holds every per-round value (for IPW-type estimators, reward × weight)"
            ),
        ));
    }
    let m = stats::mean(values);
    let v = stats::variance(values);
    let log_term = crate::math::ln(4.0 / alpha); // ln(2/δ) with δ = α/2 per side
    let nf = n as f64;
    let radius = (2.0 * v * log_term / nf).sqrt() + 7.0 * (hi - lo) * log_term / (3.0 * (nf - 1.0));
    Ok(Interval { mean: m, lower: (m - radius).max(lo), upper: (m + radius).min(hi), degenerate_resamples: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(xs: &[f64]) -> Vec<RoundTerms> {
        xs.iter().map(|&a| RoundTerms { a, u: 0.0, d: 1.0 }).collect()
    }

    #[test]
    fn bootstrap_is_seeded_and_brackets_the_mean() {
        let xs: Vec<f64> = (0..500).map(|i| (i % 7) as f64).collect();
        let o = BootstrapOptions { alpha: 0.05, n_bootstrap_samples: 2000, random_state: Some(1) };
        let a = bootstrap_terms(EmptyNormalizer::NotNormalized, &plain(&xs), &o).unwrap();
        let b = bootstrap_terms(EmptyNormalizer::NotNormalized, &plain(&xs), &o).unwrap();
        assert_eq!(a, b);
        let m = stats::mean(&xs);
        assert!(a.lower < m && m < a.upper);
        // The bootstrap width should be close to the normal one (2·1.96·sd/√n), within 15%.
        let w_normal = 2.0 * 1.959964 * stats::std_dev(&xs) / (xs.len() as f64).sqrt();
        assert!(((a.upper - a.lower) / w_normal - 1.0).abs() < 0.15);
    }

    #[test]
    fn delta_method_se_of_a_ratio_matches_closed_form() {
        // For u = r·d with d ∈ {1, 3}: the SN estimate is Σu/Σd; its SE by hand:
        let terms = vec![
            RoundTerms { a: 0.0, u: 1.0, d: 1.0 },
            RoundTerms { a: 0.0, u: 0.0, d: 3.0 },
            RoundTerms { a: 0.0, u: 3.0, d: 3.0 },
            RoundTerms { a: 0.0, u: 0.0, d: 1.0 },
        ];
        let (v, se) = estimate_and_se(EmptyNormalizer::Nan, &terms);
        assert!((v - 0.5).abs() < 1e-15);
        // psi_i = (u_i - 0.5 d_i)/2 = [0.25, -0.75, 0.75, -0.25]; sd = sqrt(1.25/3); se = sd/2
        let want = (1.25f64 / 3.0).sqrt() / 2.0;
        assert!((se - want).abs() < 1e-15);
    }

    #[test]
    fn bernstein_contains_mean_and_respects_range() {
        let xs: Vec<f64> = (0..1000).map(|i| if i % 3 == 0 { 1.0 } else { 0.0 }).collect();
        let iv = empirical_bernstein(&xs, 0.05, 0.0, 1.0).unwrap();
        assert!(iv.lower >= 0.0 && iv.upper <= 1.0 && iv.lower < iv.mean && iv.mean < iv.upper);
        let normal = normal_terms(EmptyNormalizer::NotNormalized, &plain(&xs), 0.05).unwrap();
        assert!(iv.upper - iv.lower > normal.upper - normal.lower, "a finite-sample bound is wider than the CLT interval");
    }

    #[test]
    fn bernstein_rejects_a_range_narrower_than_the_data() {
        // Before: lower 0.319 > upper 0.1 for values above the range.
        let e = empirical_bernstein(&[0.2, 0.4, 0.3, 0.5], 0.05, 0.0, 0.1).unwrap_err();
        assert_eq!(e.argument(), "valueRange");
        assert!(e.message().contains("0.2 at round 0"), "{e}");
    }

    #[test]
    fn bad_options_are_named() {
        let o = BootstrapOptions { alpha: 1.5, ..Default::default() };
        assert_eq!(o.validate().unwrap_err().argument(), "alpha");
        let o = BootstrapOptions { n_bootstrap_samples: 0, ..Default::default() };
        assert_eq!(o.validate().unwrap_err().argument(), "nBootstrapSamples");
    }
}
