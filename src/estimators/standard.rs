//! The standard off-policy estimators of Open Bandit Pipeline 0.5.7, with OBP's names, formulas
//! and defaults.
//!
//! Notation for round i: logged action aᵢ at position kᵢ, reward rᵢ, logging propensity pᵢ,
//! importance weight wᵢ = π_e(aᵢ|xᵢ,kᵢ)/pᵢ, reward model q̂ᵢ(a) = q̂(xᵢ,a,kᵢ) and
//! DMᵢ = Σₐ π_e(a|xᵢ,kᵢ) q̂ᵢ(a) / Σₐ π_e(a|xᵢ,kᵢ). Every estimate is the mean over rounds of a
//! per-round value, the *round rewards* ([`OffPolicyEstimator::estimate_round_rewards`]).
//!
//! Internally each estimator reduces a round to three numbers ([`RoundTerms`]): the estimate is
//! `mean(a) + Σu / Σd`, where the ratio part is used only by the self-normalized estimators. That
//! one decomposition serves the point estimate (one pass, no allocation), the per-round values,
//! the bootstrap (which resamples rounds and recomputes the ratio, so a self-normalized
//! estimator's interval includes its normalizer's variance), the delta-method normal interval
//! and the streaming accumulators.

use super::input::{BanditFeedback, dm_of_row};
use crate::error::{Error, Result};

/// The decomposition of one round: the estimate is `mean(a) + Σu/Σd` (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RoundTerms {
    /// The plain part, averaged over rounds.
    pub a: f64,
    /// Numerator of the self-normalized part.
    pub u: f64,
    /// Denominator of the self-normalized part.
    pub d: f64,
}

/// What a self-normalized estimator returns when its normalizer Σd is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyNormalizer {
    /// Not self-normalized: Σu/Σd is not used.
    NotNormalized,
    /// The ratio part is 0 (OBP's replay method when no logged action matches).
    Zero,
    /// The ratio part is `NaN`, with a warning (SNIPW and SNDR when every weight is zero).
    Nan,
}

/// The per-round formula of a standard estimator; the shared machinery dispatches on it once per
/// call, not per round.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kernel {
    /// Direct method.
    Dm,
    /// IPW with clipping λ.
    Ipw(f64),
    /// Self-normalized IPW.
    Snipw,
    /// DR with clipping λ.
    Dr(f64),
    /// Self-normalized DR.
    Sndr,
    /// Switch-DR with threshold λ.
    SwitchDr(f64),
    /// DR with optimistic shrinkage λ.
    DrOs(f64),
    /// Sub-Gaussian IPW with λ ∈ [0, 1].
    SgIpw(f64),
    /// Sub-Gaussian DR with λ ∈ [0, 1].
    SgDr(f64),
    /// Replay method.
    Rm,
}

impl Kernel {
    /// OBP's `estimator_name`.
    pub fn name(&self) -> &'static str {
        match self {
            Kernel::Dm => "dm",
            Kernel::Ipw(_) => "ipw",
            Kernel::Snipw => "snipw",
            Kernel::Dr(_) => "dr",
            Kernel::Sndr => "sndr",
            Kernel::SwitchDr(_) => "switch-dr",
            Kernel::DrOs(_) => "dr-os",
            Kernel::SgIpw(_) => "sg-ipw",
            Kernel::SgDr(_) => "sg-dr",
            Kernel::Rm => "rm",
        }
    }

    /// How the ratio part behaves (see [`EmptyNormalizer`]).
    pub fn normalizer(&self) -> EmptyNormalizer {
        match self {
            Kernel::Snipw | Kernel::Sndr => EmptyNormalizer::Nan,
            Kernel::Rm => EmptyNormalizer::Zero,
            _ => EmptyNormalizer::NotNormalized,
        }
    }

    /// Whether the estimator uses the reward model q̂.
    pub fn needs_reward_model(&self) -> bool {
        matches!(self, Kernel::Dm | Kernel::Dr(_) | Kernel::Sndr | Kernel::SwitchDr(_) | Kernel::DrOs(_) | Kernel::SgDr(_))
    }

    /// The λ of the estimator, if it has one.
    pub fn lambda(&self) -> Option<f64> {
        match *self {
            Kernel::Ipw(l) | Kernel::Dr(l) | Kernel::SwitchDr(l) | Kernel::DrOs(l) | Kernel::SgIpw(l) | Kernel::SgDr(l) => {
                Some(l)
            }
            _ => None,
        }
    }

    /// The weight this estimator actually multiplies a residual by, from the raw weight w
    /// (clipped, thresholded, shrunk…). For DM it is 0; for the self-normalized estimators it is w.
    #[inline(always)]
    pub fn effective_weight(&self, w: f64) -> f64 {
        match *self {
            Kernel::Dm => 0.0,
            // not `w.min(l)`: in Wasm that is a call to `fmin` on every round (w is finite)
            Kernel::Ipw(l) | Kernel::Dr(l) => {
                if w < l {
                    w
                } else {
                    l
                }
            }
            Kernel::Snipw | Kernel::Sndr => w,
            Kernel::SwitchDr(l) => {
                if w <= l {
                    w
                } else {
                    0.0
                }
            }
            Kernel::DrOs(l) => shrink(w, l),
            Kernel::SgIpw(l) | Kernel::SgDr(l) => w / (1.0 - l + l * w),
            Kernel::Rm => {
                if w > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// Check λ against the estimator's range (OBP's checks, with clearer messages).
    pub fn validate(&self) -> Result<()> {
        match *self {
            Kernel::Ipw(l) | Kernel::Dr(l) | Kernel::SwitchDr(l) | Kernel::DrOs(l) if l.is_nan() || l < 0.0 => {
                Err(Error::invalid(
                    "lambda",
                    format!(
                        "`{}` expects lambda ≥ 0 (Infinity allowed, meaning no {}), got {l}",
                        self.name(),
                        self.lambda_meaning()
                    ),
                ))
            }
            Kernel::SgIpw(l) | Kernel::SgDr(l) if !(0.0..=1.0).contains(&l) => {
                Err(Error::invalid("lambda", format!("`{}` expects lambda in [0, 1], got {l}", self.name())))
            }
            _ => Ok(()),
        }
    }

    fn lambda_meaning(&self) -> &'static str {
        match self {
            Kernel::SwitchDr(_) => "switching",
            Kernel::DrOs(_) => "shrinkage",
            _ => "clipping",
        }
    }

    /// The terms of one round from its raw quantities: reward `r`, logging propensity `pscore`,
    /// π_e of the logged action `pi_e`, and, for the model-based estimators, q̂ of the logged
    /// action `q_logged` and the round's DM value `dm` (ignored otherwise).
    #[inline(always)]
    pub fn round_terms(&self, r: f64, pscore: f64, pi_e: f64, q_logged: f64, dm: f64) -> RoundTerms {
        let w = pi_e / pscore;
        let plain = |a| RoundTerms { a, u: 0.0, d: 1.0 };
        match *self {
            Kernel::Dm => plain(dm),
            Kernel::Snipw => RoundTerms { a: 0.0, u: r * w, d: w },
            Kernel::Sndr => RoundTerms { a: dm, u: w * (r - q_logged), d: w },
            Kernel::Rm => {
                let m = if pi_e == 1.0 { 1.0 } else { 0.0 };
                RoundTerms { a: 0.0, u: m * r, d: m }
            }
            Kernel::Ipw(_) | Kernel::SgIpw(_) => plain(r * self.effective_weight(w)),
            Kernel::Dr(_) | Kernel::SwitchDr(_) | Kernel::DrOs(_) | Kernel::SgDr(_) => {
                plain(dm + self.effective_weight(w) * (r - q_logged))
            }
        }
    }

    /// Visit the terms of every round, in order.
    pub fn for_each_round(&self, data: &BanditFeedback<'_>, mut f: impl FnMut(usize, RoundTerms)) -> Result<()> {
        self.validate()?;
        let r = data.reward();
        let p = data.pscore();
        // One loop per kernel, in which the kernel is a known value: its `match` is resolved
        // once, not on every round.
        macro_rules! rounds {
            ($k:expr) => {{
                let k: Kernel = $k;
                if k.needs_reward_model() {
                    let q = data.reward_model(k.name())?;
                    match data.rows_without_positions().filter(|_| !data.has_dm_rounds()) {
                        Some(rows) => {
                            // without positions (the usual case): each round's rows of π_e and q̂, its
                            // logged action, reward and propensity, zipped (no index checks)
                            let qs = q.chunks_exact(data.n_actions());
                            let a = data.action();
                            for (i, (((pi, q), &a), (&r, &p))) in rows.zip(qs).zip(a).zip(r.iter().zip(p)).enumerate() {
                                let a = a as usize;
                                f(i, k.round_terms(r, p, pi[a], q[a], dm_of_row(pi, q)));
                            }
                        }
                        None => {
                            for i in 0..data.n_rounds() {
                                f(i, k.round_terms(r[i], p[i], data.pi_e_logged(i), data.q_logged(q, i), data.dm_round(q, i)));
                            }
                        }
                    }
                } else if let Some(pe) = data.pi_e_logged_given() {
                    // π_e of each logged action gathered once (a `BanditData` kept in memory)
                    for (i, ((&r, &p), &pe)) in r.iter().zip(p).zip(pe).enumerate() {
                        f(i, k.round_terms(r, p, pe, 0.0, 0.0));
                    }
                } else if let Some(rows) = data.rows_without_positions() {
                    // without positions, as above
                    let a = data.action();
                    for (i, ((row, &a), (&r, &p))) in rows.zip(a).zip(r.iter().zip(p)).enumerate() {
                        f(i, k.round_terms(r, p, row[a as usize], 0.0, 0.0));
                    }
                } else {
                    for i in 0..data.n_rounds() {
                        f(i, k.round_terms(r[i], p[i], data.pi_e_logged(i), 0.0, 0.0));
                    }
                }
            }};
        }
        match *self {
            Kernel::Dm => rounds!(Kernel::Dm),
            Kernel::Ipw(l) => rounds!(Kernel::Ipw(l)),
            Kernel::Snipw => rounds!(Kernel::Snipw),
            Kernel::Dr(l) => rounds!(Kernel::Dr(l)),
            Kernel::Sndr => rounds!(Kernel::Sndr),
            Kernel::SwitchDr(l) => rounds!(Kernel::SwitchDr(l)),
            Kernel::DrOs(l) => rounds!(Kernel::DrOs(l)),
            Kernel::SgIpw(l) => rounds!(Kernel::SgIpw(l)),
            Kernel::SgDr(l) => rounds!(Kernel::SgDr(l)),
            Kernel::Rm => rounds!(Kernel::Rm),
        }
        Ok(())
    }

    /// All round terms.
    pub fn terms(&self, data: &BanditFeedback<'_>) -> Result<Vec<RoundTerms>> {
        let mut out = Vec::with_capacity(data.n_rounds());
        self.for_each_round(data, |_, t| out.push(t))?;
        Ok(out)
    }

    /// Combine sums into an estimate (see [`EmptyNormalizer`]).
    #[inline]
    pub fn combine(&self, n: usize, sum_a: f64, sum_u: f64, sum_d: f64) -> f64 {
        super::interval::combine(self.normalizer(), n, sum_a, sum_u, sum_d)
    }

    /// The estimate, in one pass without allocation.
    pub fn estimate(&self, data: &BanditFeedback<'_>) -> Result<f64> {
        let (mut sa, mut su, mut sd) = (0.0, 0.0, 0.0);
        self.for_each_round(data, |_, t| {
            sa += t.a;
            su += t.u;
            sd += t.d;
        })?;
        self.finish(data.n_rounds(), sa, su, sd)
    }

    /// The estimate from the sums of `n` rounds' terms: an error if it overflowed.
    pub fn finish(&self, n: usize, sa: f64, su: f64, sd: f64) -> Result<f64> {
        let v = self.combine(n, sa, su, sd);
        if v.is_infinite() {
            return Err(Error::unsupported(
                "reward",
                format!(
                    "the {} estimate overflowed to {v}: rewards × importance weights exceed the range of a double; rescale the rewards",
                    self.name()
                ),
            ));
        }
        Ok(v)
    }

    /// The per-round values whose mean is the estimate (OBP's `_estimate_round_rewards`).
    pub fn round_rewards(&self, data: &BanditFeedback<'_>) -> Result<Vec<f64>> {
        let terms = self.terms(data)?;
        Ok(round_rewards_from_terms(self.normalizer(), &terms))
    }

    /// Conditions under which the estimate is `NaN` or not informative, in words.
    pub fn warnings(&self, data: &BanditFeedback<'_>) -> Result<Vec<String>> {
        let mut zero = 0usize;
        let mut first_zero = None;
        let mut matched = 0usize;
        for i in 0..data.n_rounds() {
            let pe = data.pi_e_logged(i);
            if pe == 0.0 {
                zero += 1;
                first_zero.get_or_insert(i);
            }
            if pe == 1.0 {
                matched += 1;
            }
        }
        let n = data.n_rounds();
        let mut out = Vec::new();
        match *self {
            Kernel::DrOs(l) if l == 0.0 && zero > 0 => out.push(format!(
                "dr-os with lambda = 0 is undefined (0/0) on rounds whose importance weight is 0: {zero} of {n} rounds, first at index {}; the estimate is NaN, as in OBP. Its limit as lambda → 0 is the DM estimate; use dm, or lambda > 0.",
                first_zero.unwrap_or(0)
            )),
            Kernel::SgIpw(l) | Kernel::SgDr(l) if l == 1.0 && zero > 0 => out.push(format!(
                "{} with lambda = 1 is undefined (0/0) on rounds whose importance weight is 0: {zero} of {n} rounds, first at index {}; the estimate is NaN, as in OBP. Use lambda < 1.",
                self.name(),
                first_zero.unwrap_or(0)
            )),
            Kernel::Snipw | Kernel::Sndr if zero == n => out.push(format!(
                "{}: every importance weight is 0 (the evaluation policy never chooses a logged action), so the self-normalized estimate is 0/0 = NaN.",
                self.name()
            )),
            Kernel::Rm if matched == 0 => out.push(
                "rm (replay) matched no round: it keeps only rounds where the evaluation policy chooses the logged action with probability 1, and there are none, so the estimate 0 (as in OBP) carries no information. Replay needs a deterministic evaluation policy."
                    .to_string(),
            ),
            Kernel::Rm if matched < n => {
                let non_det = (0..n)
                    .filter(|&i| {
                        let p = data.pi_e_logged(i);
                        p > 0.0 && p < 1.0
                    })
                    .count();
                if non_det > 0 {
                    out.push(format!(
                        "rm (replay) ignores {non_det} rounds where the evaluation policy is stochastic (0 < π_e < 1 for the logged action); replay is meant for deterministic policies."
                    ));
                }
            }
            _ => {}
        }
        if *self == Kernel::Rm && matched > 0 {
            let (lo, hi) = data.pscore().iter().fold((f64::INFINITY, 0.0f64), |(a, b), &p| (a.min(p), b.max(p)));
            if hi - lo > 1e-12 * hi {
                out.push(format!(
                    "rm (replay) is unbiased only when the logger is uniform, and here the logging propensities range from {lo:.3e} to {hi:.3e}: replay averages the matched rounds as if every action had been equally likely; use ipw or snipw."
                ));
            }
        }
        Ok(out)
    }
}

/// Per-round values from terms: `a + u / mean(d)` (or `a` when not normalized).
pub fn round_rewards_from_terms(norm: EmptyNormalizer, terms: &[RoundTerms]) -> Vec<f64> {
    if norm == EmptyNormalizer::NotNormalized {
        return terms.iter().map(|t| t.a).collect();
    }
    let mean_d = terms.iter().map(|t| t.d).sum::<f64>() / terms.len() as f64;
    if mean_d == 0.0 && norm == EmptyNormalizer::Zero {
        return terms.iter().map(|t| t.a).collect();
    }
    terms.iter().map(|t| t.a + t.u / mean_d).collect()
}

/// DRos shrinkage ŵ = λw/(w² + λ); λ = ∞ gives w.
#[inline]
fn shrink(w: f64, l: f64) -> f64 {
    if l.is_infinite() { w } else { l * w / (w * w + l) }
}

/// The methods every standard estimator shares; implemented by each estimator type through its
/// [`Kernel`].
pub trait OffPolicyEstimator {
    /// The per-round formula.
    fn kernel(&self) -> Kernel;

    /// OBP's `estimator_name`.
    fn estimator_name(&self) -> &'static str {
        self.kernel().name()
    }

    /// The estimated policy value V̂(π_e): the mean of the round rewards.
    fn estimate_policy_value(&self, data: &BanditFeedback<'_>) -> Result<f64> {
        self.kernel().estimate(data)
    }

    /// The per-round values whose mean is the estimate.
    fn estimate_round_rewards(&self, data: &BanditFeedback<'_>) -> Result<Vec<f64>> {
        self.kernel().round_rewards(data)
    }
}

macro_rules! estimator {
    ($(#[$doc:meta])* $name:ident, $kernel:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Default)]
        pub struct $name;
        impl OffPolicyEstimator for $name {
            fn kernel(&self) -> Kernel { $kernel }
        }
    };
    ($(#[$doc:meta])* $name:ident { lambda = $default:expr }, $kernel:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name {
            /// The hyperparameter λ (OBP's `lambda_`); see the formula above for its role.
            pub lambda: f64,
        }
        impl Default for $name {
            fn default() -> Self { $name { lambda: $default } }
        }
        impl OffPolicyEstimator for $name {
            fn kernel(&self) -> Kernel { $kernel(self.lambda) }
        }
    };
}

estimator!(
    /// Direct method (`dm`): V̂ = mean over rounds of DMᵢ = Σₐ π_e(a|xᵢ,kᵢ) q̂(xᵢ,a,kᵢ).
    ///
    /// Low variance, biased as far as the reward model is wrong.
    /// Beygelzimer & Langford 2009; Dudík, Langford & Li, *Doubly Robust Policy Evaluation and
    /// Learning*, ICML 2011.
    DirectMethod,
    Kernel::Dm
);

estimator!(
    /// Inverse probability weighting (`ipw`): V̂ = mean of rᵢ · min(wᵢ, λ).
    ///
    /// Unbiased at λ = ∞ (the default) when the logger covers the target's support; λ < ∞ clips
    /// large weights (clipping, not truncation to zero), trading bias for variance.
    /// Horvitz & Thompson, *A Generalization of Sampling Without Replacement from a Finite
    /// Universe*, JASA 1952; Precup, Sutton & Singh 2000; Strehl et al. 2010.
    ///
    /// ```
    /// use receval::estimators::{BanditFeedback, BanditFeedbackParts, InverseProbabilityWeighting, OffPolicyEstimator};
    /// // Two rounds, two actions; the logger chose uniformly, the target always plays action 1.
    /// let data = BanditFeedback::new(BanditFeedbackParts {
    ///     reward: &[1.0, 0.0], action: &[1, 0], pscore: &[0.5, 0.5],
    ///     action_dist: &[0.0, 1.0, 0.0, 1.0], n_actions: 2, len_list: 1, ..Default::default()
    /// })?;
    /// let v = InverseProbabilityWeighting::default().estimate_policy_value(&data)?;
    /// assert_eq!(v, (1.0 * 2.0 + 0.0 * 0.0) / 2.0);
    /// # Ok::<(), receval::Error>(())
    /// ```
    InverseProbabilityWeighting { lambda = f64::INFINITY },
    Kernel::Ipw
);

estimator!(
    /// Self-normalized IPW (`snipw`): V̂ = Σ rᵢwᵢ / Σ wᵢ (per round: rᵢwᵢ / mean(w)).
    ///
    /// Slightly biased, consistent, bounded by the reward range, invariant to adding a constant to
    /// every reward when π_e sums to one.
    /// Swaminathan & Joachims, *The Self-Normalized Estimator for Counterfactual Learning*,
    /// NeurIPS 2015.
    SelfNormalizedInverseProbabilityWeighting,
    Kernel::Snipw
);

estimator!(
    /// Doubly robust (`dr`): V̂ = mean of DMᵢ + min(wᵢ, λ)(rᵢ − q̂ᵢ(aᵢ)).
    ///
    /// Unbiased when either the propensities or the reward model are right (at λ = ∞).
    /// Dudík, Langford & Li, *Doubly Robust Policy Evaluation and Learning*, ICML 2011.
    DoublyRobust { lambda = f64::INFINITY },
    Kernel::Dr
);

estimator!(
    /// Self-normalized doubly robust (`sndr`): V̂ = mean of DMᵢ + wᵢ(rᵢ − q̂ᵢ(aᵢ)) / mean(w).
    ///
    /// Kallus & Uehara, *Intrinsically Efficient, Stable, and Bounded Off-Policy Evaluation for
    /// Reinforcement Learning*, NeurIPS 2019.
    SelfNormalizedDoublyRobust,
    Kernel::Sndr
);

estimator!(
    /// Switch doubly robust (`switch-dr`): V̂ = mean of DMᵢ + 1[wᵢ ≤ λ] wᵢ (rᵢ − q̂ᵢ(aᵢ)).
    ///
    /// Uses the DR correction only where the weight is at most λ and trusts the model elsewhere;
    /// λ = ∞ (default) is DR. Wang, Agarwal & Dudík, *Optimal and Adaptive Off-policy Evaluation
    /// in Contextual Bandits*, ICML 2017.
    SwitchDoublyRobust { lambda = f64::INFINITY },
    Kernel::SwitchDr
);

estimator!(
    /// Doubly robust with optimistic shrinkage (`dr-os`): V̂ = mean of DMᵢ + ŵᵢ(rᵢ − q̂ᵢ(aᵢ))
    /// with ŵ = λw/(w² + λ).
    ///
    /// λ = 0 (OBP's default) gives DM except on rounds with w = 0, where ŵ is 0/0 and the estimate
    /// is `NaN` (see [`Kernel::warnings`]); λ = ∞ gives DR.
    /// Su, Dimakopoulou, Krishnamurthy & Dudík, *Doubly Robust Off-policy Evaluation with
    /// Shrinkage*, ICML 2020.
    DoublyRobustWithShrinkage { lambda = 0.0 },
    Kernel::DrOs
);

estimator!(
    /// Sub-Gaussian IPW (`sg-ipw`): V̂ = mean of rᵢ wᵢ / (1 − λ + λwᵢ), λ ∈ [0, 1].
    ///
    /// λ = 0 (default) is IPW; larger λ smoothly shrinks large weights (power-mean correction).
    /// At λ = 1 rounds with w = 0 are 0/0 and the estimate is `NaN`.
    /// Metelli, Russo & Restelli, *Subgaussian and Differentiable Importance Sampling for
    /// Off-Policy Evaluation and Learning*, NeurIPS 2021.
    SubGaussianInverseProbabilityWeighting { lambda = 0.0 },
    Kernel::SgIpw
);

estimator!(
    /// Sub-Gaussian DR (`sg-dr`): V̂ = mean of DMᵢ + wᵢ/(1 − λ + λwᵢ) (rᵢ − q̂ᵢ(aᵢ)), λ ∈ [0, 1].
    ///
    /// Metelli, Russo & Restelli, NeurIPS 2021 (applied to DR as in OBP).
    SubGaussianDoublyRobust { lambda = 0.0 },
    Kernel::SgDr
);

estimator!(
    /// Replay method (`rm`): V̂ = Σ mᵢ rᵢ / Σ mᵢ with mᵢ = 1[π_e(aᵢ|xᵢ,kᵢ) = 1].
    ///
    /// Keeps the rounds where a deterministic target agrees with the logged action; unbiased for
    /// a uniform logger. 0 when nothing matches (as in OBP; see [`Kernel::warnings`]).
    /// Li, Chu, Langford & Wang, *Unbiased Offline Evaluation of Contextual-bandit-based News
    /// Article Recommendation Algorithms*, WSDM 2011.
    ReplayMethod,
    Kernel::Rm
);

/// Every standard estimator name, in OBP's order.
pub const STANDARD_ESTIMATORS: [&str; 10] = ["dm", "ipw", "snipw", "dr", "sndr", "switch-dr", "dr-os", "sg-ipw", "sg-dr", "rm"];

/// Build a kernel from OBP's `estimator_name` and an optional λ (`None` = OBP's default).
pub fn kernel_by_name(name: &str, lambda: Option<f64>) -> Result<Kernel> {
    let l = |default: f64| lambda.unwrap_or(default);
    // OBP validates λ even where the formula ignores it (SNIPW, SNDR); DM and replay have none.
    if let Some(x) = lambda {
        if matches!(name, "dm" | "rm") {
            return Err(Error::invalid("lambda", format!("`{name}` takes no lambda, got {x}")));
        }
        if x.is_nan() || x < 0.0 {
            return Err(Error::invalid("lambda", format!("`{name}` expects lambda ≥ 0, got {x}")));
        }
    }
    let k = match name {
        "dm" => Kernel::Dm,
        "ipw" => Kernel::Ipw(l(f64::INFINITY)),
        "snipw" => Kernel::Snipw,
        "dr" => Kernel::Dr(l(f64::INFINITY)),
        "sndr" => Kernel::Sndr,
        "switch-dr" => Kernel::SwitchDr(l(f64::INFINITY)),
        "dr-os" => Kernel::DrOs(l(0.0)),
        "sg-ipw" => Kernel::SgIpw(l(0.0)),
        "sg-dr" => Kernel::SgDr(l(0.0)),
        "rm" => Kernel::Rm,
        _ => {
            return Err(Error::invalid(
                "estimatorName",
                format!("unknown standard estimator {name:?}; expected one of {}", STANDARD_ESTIMATORS.join(", ")),
            ));
        }
    };
    k.validate()?;
    Ok(k)
}
