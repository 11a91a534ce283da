//! Off-policy estimators: given logs collected by one policy, estimate how another would have done.
//!
//! Names, formulas and defaults follow Open Bandit Pipeline 0.5.7 so that numbers agree with the
//! library learners use next (checked to 1e-9 against OBP's own output in `tests/obp_parity.rs`).
//! Where OBP is silent, receval says why: see [`Kernel::warnings`] and
//! [`diagnostics::weight_diagnostics`].
//!
//! * [`standard`]: `dm`, `ipw`, `snipw`, `dr`, `sndr`, `switch-dr`, `dr-os`, `sg-ipw`, `sg-dr`, `rm`;
//!   one type per estimator (e.g. [`DoublyRobust`]) and a by-name entry point ([`kernel_by_name`]).
//! * [`slate`]: `sips`, `iips`, `rips`, `snsips`, `sniips`, `snrips`, `cascade-dr` and the
//!   pseudoinverse `pi`.
//! * [`interval`]: bootstrap, normal and empirical-Bernstein intervals.
//! * [`streaming`]: mergeable accumulators for live updates and Web Workers.
//! * [`diagnostics`]: effective sample size, weight summaries, support violations.

pub mod diagnostics;
pub mod input;
pub mod interval;
pub mod slate;
pub mod standard;
pub mod streaming;

pub use diagnostics::{WeightDiagnostics, weight_diagnostics};
pub use input::{BanditData, BanditFeedback, BanditFeedbackParts};
pub use interval::{BootstrapOptions, Interval};
pub use slate::{PreparedSlateEstimate, SLATE_ESTIMATORS, SlateEstimator, SlateFeedbackParts};
pub use standard::{
    DirectMethod, DoublyRobust, DoublyRobustWithShrinkage, InverseProbabilityWeighting, Kernel, OffPolicyEstimator, ReplayMethod,
    RoundTerms, STANDARD_ESTIMATORS, SelfNormalizedDoublyRobust, SelfNormalizedInverseProbabilityWeighting,
    SubGaussianDoublyRobust, SubGaussianInverseProbabilityWeighting, SwitchDoublyRobust, kernel_by_name,
};
pub use streaming::{StreamingEstimator, StreamingState};

use crate::error::Result;

/// How to compute an interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IntervalMethod {
    /// Percentile bootstrap over rounds that recomputes the estimator on each resample, so a
    /// self-normalized estimator's interval includes its normalizer's variance. For estimators
    /// without a normalizer it is exactly OBP's procedure.
    Bootstrap(BootstrapOptions),
    /// OBP 0.5.7's procedure: compute the per-round values once (self-normalized estimators
    /// divide by the full-sample mean weight) and bootstrap their mean. It leaves out the
    /// normalizer's variance — for SNIPW on skewed weights the interval comes out much wider than
    /// the estimator's real spread. Kept for exact comparison with OBP.
    ObpBootstrap(BootstrapOptions),
    /// Normal interval with a delta-method standard error.
    Normal {
        /// Significance level.
        alpha: f64,
    },
    /// Empirical Bernstein bound; `range` is the a-priori range of the per-round values, or
    /// `None` to read it off the data (then a heuristic, not a guarantee).
    Bernstein {
        /// Significance level.
        alpha: f64,
        /// Range of the per-round values.
        range: Option<(f64, f64)>,
    },
}

/// The estimate of OBP's `estimator_name` with optional λ.
pub fn estimate_policy_value(estimator_name: &str, data: &BanditFeedback<'_>, lambda: Option<f64>) -> Result<f64> {
    kernel_by_name(estimator_name, lambda)?.estimate(data)
}

/// The per-round values of OBP's `estimator_name` with optional λ.
pub fn estimate_round_rewards(estimator_name: &str, data: &BanditFeedback<'_>, lambda: Option<f64>) -> Result<Vec<f64>> {
    kernel_by_name(estimator_name, lambda)?.round_rewards(data)
}

/// An interval for OBP's `estimator_name` with optional λ.
pub fn estimate_interval(
    estimator_name: &str,
    data: &BanditFeedback<'_>,
    lambda: Option<f64>,
    method: IntervalMethod,
) -> Result<Interval> {
    let kernel = kernel_by_name(estimator_name, lambda)?;
    let terms = kernel.terms(data)?;
    match method {
        IntervalMethod::Bootstrap(o) => interval::bootstrap_terms(kernel.normalizer(), &terms, &o),
        IntervalMethod::ObpBootstrap(o) => {
            let values = standard::round_rewards_from_terms(kernel.normalizer(), &terms);
            interval::bootstrap_values(&values, &o)
        }
        IntervalMethod::Normal { alpha } => interval::normal_terms(kernel.normalizer(), &terms, alpha),
        IntervalMethod::Bernstein { alpha, range } => {
            let values = standard::round_rewards_from_terms(kernel.normalizer(), &terms);
            let (lo, hi) = range
                .unwrap_or_else(|| values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v))));
            interval::empirical_bernstein(&values, alpha, lo, hi)
        }
    }
}
