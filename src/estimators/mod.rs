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
pub mod embed;
pub mod input;
pub mod interval;
pub mod multi;
pub mod slate;
pub mod standard;
pub mod streaming;
pub mod tuning;

pub use diagnostics::{WeightDiagnostics, weight_diagnostics};
pub use input::{BanditData, BanditFeedback, BanditFeedbackParts};
pub use interval::{BootstrapOptions, Interval};
pub use slate::{
    CheckedSlateSums, PreparedSlateEstimate, SLATE_BLOCK, SLATE_ESTIMATORS, SlateEstimator, SlateFeedbackParts,
    slate_value_checked,
};
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

/// Rounds per block of [`estimate_policy_value_checked`]: a block of 10 actions with its reward
/// model (2 × 160 KB) stays in cache between its check and its estimate.
const CHECKED_BLOCK: usize = 2048;

/// Validate `parts` as [`BanditFeedback::new`] does and estimate as [`estimate_policy_value`]
/// does, reading the data from memory once: block by block, each block is checked, then its
/// terms are added while it is still in cache (see [`CheckedSums`]). On any error the whole input
/// goes the usual way, so the error is the same too (the one a separate validation would report
/// first).
pub fn estimate_policy_value_checked(estimator_name: &str, parts: BanditFeedbackParts<'_>, lambda: Option<f64>) -> Result<f64> {
    let usual = || estimate_policy_value(estimator_name, &BanditFeedback::new(parts)?, lambda);
    let Ok(mut sums) = CheckedSums::new(estimator_name, lambda) else { return usual() };
    if !parts.shapes_agree() {
        return usual();
    }
    let n = parts.reward.len();
    for start in (0..n).step_by(CHECKED_BLOCK) {
        if !sums.add(parts.rounds(start, (start + CHECKED_BLOCK).min(n))) {
            return usual();
        }
    }
    sums.finish()
}

/// A standard estimator's sums over rounds given block by block, in round order. Each block is
/// checked as [`BanditFeedback::new`] checks a whole input, then its terms are added while it is
/// still in cache. The sums run in the same order as [`estimate_policy_value`]'s, so the value
/// is the same bit for bit.
#[derive(Debug, Clone)]
pub struct CheckedSums {
    kernel: standard::Kernel,
    n: usize,
    sums: (f64, f64, f64),
}

impl CheckedSums {
    /// Empty sums for OBP's `estimator_name` (a standard estimator) with optional λ.
    pub fn new(estimator_name: &str, lambda: Option<f64>) -> Result<Self> {
        let kernel = kernel_by_name(estimator_name, lambda)?;
        kernel.validate()?;
        Ok(CheckedSums { kernel, n: 0, sums: (0.0, 0.0, 0.0) })
    }

    /// Whether the estimator reads the reward model q̂.
    pub fn needs_reward_model(&self) -> bool {
        self.kernel.needs_reward_model()
    }

    /// Check the next rounds and add their terms. `false` if they fail a check: the sums are then
    /// of no use, and the caller validates the whole input the usual way, which names the
    /// first problem as a separate validation would.
    pub fn add(&mut self, block: BanditFeedbackParts<'_>) -> bool {
        let Ok(block) = BanditFeedback::new(block) else { return false };
        let (mut sa, mut su, mut sd) = self.sums;
        let added = self.kernel.for_each_round(&block, |_, t| {
            sa += t.a;
            su += t.u;
            sd += t.d;
        });
        self.sums = (sa, su, sd);
        self.n += block.n_rounds();
        added.is_ok()
    }

    /// The estimate from every round added.
    pub fn finish(&self) -> Result<f64> {
        let (sa, su, sd) = self.sums;
        self.kernel.finish(self.n, sa, su, sd)
    }
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
    interval_from_terms(kernel.normalizer(), &kernel.terms(data)?, method)
}

/// An interval from round terms (what every estimator family shares).
pub fn interval_from_terms(norm: standard::EmptyNormalizer, terms: &[RoundTerms], method: IntervalMethod) -> Result<Interval> {
    match method {
        IntervalMethod::Bootstrap(o) => interval::bootstrap_terms(norm, terms, &o),
        IntervalMethod::ObpBootstrap(o) => {
            let values = standard::round_rewards_from_terms(norm, terms);
            interval::bootstrap_values(&values, &o)
        }
        IntervalMethod::Normal { alpha } => interval::normal_terms(norm, terms, alpha),
        IntervalMethod::Bernstein { alpha, range } => {
            let values = standard::round_rewards_from_terms(norm, terms);
            let (lo, hi) = range
                .unwrap_or_else(|| values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v))));
            interval::empirical_bernstein(&values, alpha, lo, hi)
        }
    }
}

/// Inputs that some estimator families need beyond the standard bandit input.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extra<'a> {
    /// For `mipw`, `snmipw`.
    pub embed: Option<embed::EmbedParts<'a>>,
    /// For the `multi_*` estimators.
    pub multi: Option<multi::MultiParts<'a>>,
}

/// The families of OBP's estimators that take a bandit input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// [`STANDARD_ESTIMATORS`].
    Standard,
    /// [`embed::EMBED_ESTIMATORS`]: action embeddings.
    Embed,
    /// [`multi::MULTI_ESTIMATORS`]: several loggers.
    Multi,
}

/// The family of an estimator name (an error listing every name when it is unknown).
pub fn family(estimator_name: &str) -> Result<Family> {
    if embed::EMBED_ESTIMATORS.contains(&estimator_name) {
        Ok(Family::Embed)
    } else if multi::MULTI_ESTIMATORS.contains(&estimator_name) {
        Ok(Family::Multi)
    } else if STANDARD_ESTIMATORS.contains(&estimator_name) {
        Ok(Family::Standard)
    } else {
        Err(crate::error::Error::invalid(
            "estimatorName",
            format!(
                "unknown estimator {estimator_name:?}; expected one of {}, {}, {}",
                STANDARD_ESTIMATORS.join(", "),
                embed::EMBED_ESTIMATORS.join(", "),
                multi::MULTI_ESTIMATORS.join(", ")
            ),
        ))
    }
}

/// An estimator's name as a `'static` string (for outputs), from any family.
pub fn family_name(estimator_name: &str) -> Result<&'static str> {
    STANDARD_ESTIMATORS
        .iter()
        .chain(embed::EMBED_ESTIMATORS.iter())
        .chain(multi::MULTI_ESTIMATORS.iter())
        .find(|n| **n == estimator_name)
        .copied()
        .ok_or_else(|| family(estimator_name).err().unwrap_or_else(|| crate::error::Error::invalid("estimatorName", "unknown")))
}

/// Whether an estimator (of any family) uses the reward model.
pub fn needs_reward_model(estimator_name: &str) -> Result<bool> {
    Ok(match family(estimator_name)? {
        Family::Standard => kernel_by_name(estimator_name, None)?.needs_reward_model(),
        Family::Embed => false,
        Family::Multi => estimator_name.ends_with("_dr"),
    })
}

/// The round terms and normalizer of any estimator (standard, embedding, multi-logger).
pub fn terms_of(
    estimator_name: &str,
    data: &BanditFeedback<'_>,
    lambda: Option<f64>,
    extra: &Extra<'_>,
) -> Result<(Vec<RoundTerms>, standard::EmptyNormalizer)> {
    let missing = |arg: &str, what: &str| {
        crate::error::Error::invalid(arg, format!("is required: the `{estimator_name}` estimator needs {what}"))
    };
    Ok(match family(estimator_name)? {
        Family::Standard => {
            let k = kernel_by_name(estimator_name, lambda)?;
            (k.terms(data)?, k.normalizer())
        }
        Family::Embed => {
            if let Some(l) = lambda {
                return Err(crate::error::Error::invalid("lambda", format!("`{estimator_name}` takes no lambda, got {l}")));
            }
            let e = extra.embed.ok_or_else(|| missing("actionEmbed", "actionEmbed, pEA, nCatPerDim and piB"))?;
            let (t, norm, _) = embed::embed_terms(estimator_name, data, &e)?;
            (t, norm)
        }
        Family::Multi => {
            let m = extra.multi.ok_or_else(|| missing("stratumIdx", "stratumIdx (and pscoreAvg for the balanced ones)"))?;
            (multi::multi_terms(estimator_name, data, lambda, &m)?, standard::EmptyNormalizer::NotNormalized)
        }
    })
}

/// The estimate of any estimator (see [`terms_of`]).
pub fn estimate_any(estimator_name: &str, data: &BanditFeedback<'_>, lambda: Option<f64>, extra: &Extra<'_>) -> Result<f64> {
    if family(estimator_name)? == Family::Standard {
        return estimate_policy_value(estimator_name, data, lambda);
    }
    let (terms, norm) = terms_of(estimator_name, data, lambda, extra)?;
    Ok(interval::estimate_and_se(norm, &terms).0)
}

/// The per-round values of any estimator (their mean is the estimate).
pub fn round_rewards_any(
    estimator_name: &str,
    data: &BanditFeedback<'_>,
    lambda: Option<f64>,
    extra: &Extra<'_>,
) -> Result<Vec<f64>> {
    let (terms, norm) = terms_of(estimator_name, data, lambda, extra)?;
    Ok(standard::round_rewards_from_terms(norm, &terms))
}

/// An interval for any estimator.
pub fn interval_any(
    estimator_name: &str,
    data: &BanditFeedback<'_>,
    lambda: Option<f64>,
    extra: &Extra<'_>,
    method: IntervalMethod,
) -> Result<Interval> {
    let (terms, norm) = terms_of(estimator_name, data, lambda, extra)?;
    interval_from_terms(norm, &terms, method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_names_its_estimators_and_says_which_read_a_reward_model() {
        for name in STANDARD_ESTIMATORS.iter().chain(&embed::EMBED_ESTIMATORS).chain(&multi::MULTI_ESTIMATORS) {
            assert_eq!(family_name(name).unwrap(), *name);
        }
        assert!(family_name("ipx").unwrap_err().to_string().contains("ipx"));
        for (name, q) in [
            ("ipw", false),
            ("snipw", false),
            ("dm", true),
            ("dr", true),
            ("sndr", true),
            ("switch-dr", true),
            ("mipw", false),
            ("snmipw", false),
            ("multi_ipw", false),
            ("multi_bal_ipw", false),
            ("multi_dr", true),
            ("multi_weighted_dr", true),
        ] {
            assert_eq!(needs_reward_model(name).unwrap(), q, "{name}");
        }
        assert!(needs_reward_model("nope").is_err());
    }
}
