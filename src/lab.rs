//! Replicated experiments: R times, collect a log from the logging policy and estimate the target
//! policy's value with several estimators; report each estimator's bias, standard deviation, RMSE
//! and interval coverage against the world's exact truth — the numbers every lesson plots.
//!
//! A [`Lab`] runs replicates in steps (`step(n)`), so a Web Worker can stream partial results and
//! stop as soon as the learner moves a slider. Replicate r uses seed `derive_seed(seed, r)`, so
//! results do not depend on how the work was split into steps.
//!
//! The lab works on single-item logs, where a context is a user: π_e(a | u), q̂(u, a) and the DM
//! term Σₐ π_e(a|u) q̂(u, a) are computed once per user rather than once per row.

use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::estimators::interval::{BootstrapOptions, bootstrap_terms, normal_from};
use crate::estimators::streaming::TermMoments;
use crate::estimators::{Kernel, RoundTerms, kernel_by_name};
use crate::rng::derive_seed;
use crate::world::{CollectOptions, CrossFit, Log, Policy, PolicySpec, RewardModelSpec, Signal, World};
use std::sync::Arc;

/// One estimator of a scenario: OBP's name, λ, and optionally a mixture component of the logger
/// whose rows alone are used (with that component's own propensities) — e.g. IPW on the uniform
/// randomized bucket only.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimatorSpec {
    /// OBP name, or `"naive"` for the mean logged reward.
    pub name: String,
    /// λ.
    pub lambda: Option<f64>,
    /// Logger component whose rows are used.
    pub component: Option<usize>,
    /// Label for display.
    pub label: String,
}

/// A lab scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Logging policy.
    pub logger: PolicySpec,
    /// Evaluation (target) policy.
    pub target: PolicySpec,
    /// Rows per log.
    pub n_rounds: usize,
    /// Number of replicates.
    pub replicates: usize,
    /// Seed.
    pub seed: u64,
    /// Estimators.
    pub estimators: Vec<EstimatorSpec>,
    /// Reward model for DM and the DR family.
    pub reward_model: RewardModelSpec,
    /// How the reward model is cross-fitted on each replicate's log (`rewardModel.nFolds`; the
    /// split's seed is derived from the replicate's).
    pub cross_fit: CrossFit,
    /// Interval level.
    pub alpha: f64,
    /// Bootstrap resamples per interval (0: normal intervals).
    pub n_bootstrap_samples: usize,
    /// Reward signal (default: the world's).
    pub reward: Option<Signal>,
}

fn parse_estimator(v: &Value, path: &str) -> Result<EstimatorSpec> {
    let (name, lambda, component, label) = match v {
        Value::String(s) => (s.clone(), None, None, None),
        _ => {
            let o = Obj::new(v, path)?;
            let name =
                o.string("estimatorName")?.ok_or_else(|| Error::invalid(o.path_of("estimatorName"), "is required"))?.to_string();
            let lambda = if o.has("lambda") { Some(o.number("lambda", 0.0, f64::NEG_INFINITY, f64::INFINITY)?) } else { None };
            let component = if o.has("component") { Some(o.integer("component", 0, 0, 64)? as usize) } else { None };
            let label = o.string("label")?.map(|s| s.to_string());
            o.finish_with(&["estimatorName", "lambda", "component", "label"])?;
            (name, lambda, component, label)
        }
    };
    if name != "naive" {
        kernel_by_name(&name, lambda).map_err(|e| e.within(&format!("{path}.")))?;
    }
    let label = label.unwrap_or_else(|| {
        let mut l = name.clone();
        if let Some(x) = lambda {
            l.push_str(&format!(" (λ={x})"));
        }
        if let Some(c) = component {
            l.push_str(&format!(" [component {c}]"));
        }
        l
    });
    Ok(EstimatorSpec { name, lambda, component, label })
}

impl Scenario {
    /// Parse `{ logger, target, nRounds, replicates, seed, estimators, rewardModel, alpha, nBootstrapSamples, reward }`.
    pub fn from_value(v: &Value) -> Result<Self> {
        let o = Obj::new(v, "scenario")?;
        let policy = |k: &str| -> Result<PolicySpec> {
            let pv = o.get(k).ok_or_else(|| Error::invalid(o.path_of(k), "is required: expected a policy config"))?;
            PolicySpec::from_value(pv, &o.path_of(k))
        };
        let estimators = match o.array("estimators")? {
            Some(list) => list
                .iter()
                .enumerate()
                .map(|(i, e)| parse_estimator(e, &format!("scenario.estimators[{i}]")))
                .collect::<Result<Vec<_>>>()?,
            None => ["naive", "ipw", "snipw", "dm", "dr"]
                .iter()
                .map(|n| parse_estimator(&Value::from(*n), ""))
                .collect::<Result<Vec<_>>>()?,
        };
        if estimators.is_empty() {
            return Err(Error::invalid("scenario.estimators", "expected at least one estimator"));
        }
        let reward_model = match o.get("rewardModel") {
            Some(v) => RewardModelSpec::from_value_cross(v, "scenario.rewardModel")?,
            None => (RewardModelSpec::True { misspecification: 0.0, bias: 0.0, noise: 0.0, seed: 0 }, CrossFit::default()),
        };
        let s = Scenario {
            logger: policy("logger")?,
            target: policy("target")?,
            n_rounds: o.integer("nRounds", 10_000, 1, 10_000_000)? as usize,
            replicates: o.integer("replicates", 100, 1, 100_000)? as usize,
            seed: o.seed("seed", 0)?,
            estimators,
            reward_model: reward_model.0,
            cross_fit: reward_model.1,
            alpha: o.number("alpha", 0.05, 1e-9, 0.5)?,
            n_bootstrap_samples: o.integer("nBootstrapSamples", 0, 0, 100_000)? as usize,
            reward: o.string("reward")?.map(|s| Signal::by_name(s, "scenario.reward")).transpose()?,
        };
        o.finish_with(&[
            "logger",
            "target",
            "nRounds",
            "replicates",
            "seed",
            "estimators",
            "rewardModel",
            "alpha",
            "nBootstrapSamples",
            "reward",
        ])?;
        Ok(s)
    }
}

/// One estimator's result on one replicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Interval lower end.
    pub lower: f64,
    /// Interval upper end.
    pub upper: f64,
    /// Rows used.
    pub n: usize,
}

/// One replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Replicate {
    /// Index.
    pub index: usize,
    /// One estimate per scenario estimator, in order.
    pub estimates: Vec<Estimate>,
    /// Effective sample size of the raw importance weights (all rows).
    pub ess: f64,
    /// Largest raw importance weight.
    pub max_weight: f64,
}

/// Summary of one estimator over the replicates run so far.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimatorSummary {
    /// The spec.
    pub spec: EstimatorSpec,
    /// Replicates on which the estimator failed (NaN): left out of mean, SD and RMSE, counted as
    /// misses for coverage. A failing estimator must not look better: compare RMSEs only between
    /// estimators with no failures, or say how many failed.
    pub failed: usize,
    /// Mean estimate.
    pub mean: f64,
    /// Mean − truth.
    pub bias: f64,
    /// Standard deviation of the estimates.
    pub sd: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Share of intervals that contain the truth.
    pub coverage: f64,
    /// Mean interval width.
    pub mean_width: f64,
    /// Standard error of `mean` (sd / √R), for judging the bias.
    pub mean_se: f64,
}

/// A replicated experiment in progress.
pub struct Lab {
    world: Arc<World>,
    scenario: Scenario,
    logger: Policy,
    target: Policy,
    truth: f64,
    kernels: Vec<Option<Kernel>>,
    fixed_q: Option<Vec<Vec<f64>>>,
    replicates: Vec<Replicate>,
}

impl Lab {
    /// Prepare a lab: compile the policies and compute the exact truth.
    pub fn new(world: Arc<World>, scenario: Scenario) -> Result<Lab> {
        let logger = Policy::compile(&world, &scenario.logger).map_err(|e| e.within("scenario.logger."))?;
        let target = Policy::compile(&world, &scenario.target).map_err(|e| e.within("scenario.target."))?;
        let signal = scenario.reward.unwrap_or(world.config().reward);
        let truth = world.policy_value(&target, signal)?;
        let kernels = scenario
            .estimators
            .iter()
            .map(|e| if e.name == "naive" { Ok(None) } else { kernel_by_name(&e.name, e.lambda).map(Some) })
            .collect::<Result<_>>()?;
        let n_components = logger.components().len();
        for (i, e) in scenario.estimators.iter().enumerate() {
            if let Some(c) = e.component {
                if c >= n_components {
                    return Err(Error::invalid(
                        format!("scenario.estimators[{i}].component"),
                        format!("the logger has {n_components} component(s) (0-based), got {c}"),
                    ));
                }
            }
        }
        Ok(Lab { world, scenario, logger, target, truth, kernels, fixed_q: None, replicates: Vec::new() })
    }

    /// The exact value of the target policy.
    pub fn truth(&self) -> f64 {
        self.truth
    }
    /// Replicates run so far.
    pub fn replicates_done(&self) -> usize {
        self.replicates.len()
    }
    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    /// All replicates so far.
    pub fn replicates(&self) -> &[Replicate] {
        &self.replicates
    }

    /// Run up to `n` more replicates (fewer if the scenario's total is reached); returns them.
    pub fn step(&mut self, n: usize) -> Result<Vec<Replicate>> {
        let end = (self.replicates.len() + n).min(self.scenario.replicates);
        let mut out = Vec::new();
        for r in self.replicates.len()..end {
            let rep = self.run_replicate(r)?;
            out.push(rep.clone());
            self.replicates.push(rep);
        }
        Ok(out)
    }

    /// Run one replicate with its own seed.
    pub fn run_replicate(&mut self, r: usize) -> Result<Replicate> {
        let s = &self.scenario;
        let opts = CollectOptions { n_rounds: s.n_rounds, seed: derive_seed(s.seed, r as u64), len_list: 1, reward: s.reward };
        let log = Log::collect_lean(self.world.clone(), &self.logger, &opts)?;
        let ni = self.world.n_items();
        let needs_q = self.kernels.iter().flatten().any(|k| k.needs_reward_model());
        // q̂(user, item): one table, or one per fold when cross-fitted (rows use their fold's)
        let q_owned;
        let (q, fold): (&[Vec<f64>], Vec<u8>) = if !needs_q {
            (&[], Vec::new())
        } else if s.reward_model.is_fixed() {
            if self.fixed_q.is_none() {
                self.fixed_q = Some(vec![s.reward_model.user_table(&log)?]);
            }
            (self.fixed_q.as_deref().unwrap_or(&[]), vec![0; log.n_rows()])
        } else {
            let cross = CrossFit { n_folds: s.cross_fit.n_folds, seed: derive_seed(opts.seed, s.cross_fit.seed ^ 0xf01d) };
            let (tables, fold) = s.reward_model.user_tables_cross(&log, cross)?;
            q_owned = tables;
            (&q_owned, fold)
        };
        // DM term per fold and user
        let nu = self.world.n_users();
        let dm: Vec<Vec<f64>> = q
            .iter()
            .map(|t| {
                (0..nu)
                    .map(|u| {
                        let p = self.target.probs(u);
                        p.iter().zip(&t[u * ni..(u + 1) * ni]).map(|(a, b)| a * b).sum()
                    })
                    .collect()
            })
            .collect();
        // Per-row quantities, read once (each is a random access into a users × items table).
        let n = log.n_rows();
        let pi_e: Vec<f64> = (0..n).map(|r| self.target.probs(log.user[r] as usize)[log.action[r] as usize]).collect();
        let (q_row, dm_row): (Vec<f64>, Vec<f64>) = if needs_q {
            (0..n)
                .map(|r| {
                    let (u, f) = (log.user[r] as usize, fold[r] as usize);
                    (q[f][u * ni + log.action[r] as usize], dm[f][u])
                })
                .unzip()
        } else {
            (vec![0.0; n], vec![0.0; n])
        };
        let mut estimates = Vec::with_capacity(s.estimators.len());
        let mut terms: Vec<RoundTerms> = Vec::with_capacity(n);
        let mut plain: Vec<f64> = Vec::new();
        for (e, kernel) in s.estimators.iter().zip(&self.kernels) {
            let rows = Rows {
                n,
                ni,
                component: e.component,
                comp_table: e.component.map(|c| self.logger.components()[c].1.as_slice()),
                comp: &log.component,
                user: &log.user,
                action: &log.action,
                reward: &log.reward,
                pscore: &log.pscore,
                pi_e: &pi_e,
                q_row: &q_row,
                dm_row: &dm_row,
            };
            let norm = kernel.map(|k| k.normalizer()).unwrap_or(crate::estimators::standard::EmptyNormalizer::NotNormalized);
            // An unnormalized estimator's interval needs only its `a` terms (u = 0, d = 1): keep
            // those alone, unless the bootstrap resamples whole terms.
            let a_only = norm == crate::estimators::standard::EmptyNormalizer::NotNormalized && s.n_bootstrap_samples == 0;
            terms.clear();
            plain.clear();
            // The kernel is passed by value to an always-inlined loop, once per variant, so that
            // each loop is compiled with its own formula and no per-row dispatch.
            macro_rules! fill {
                ($k:expr) => {
                    if a_only { rows.fill(&mut plain, $k, |t| t.a) } else { rows.fill(&mut terms, $k, |t| t) }
                };
            }
            match *kernel {
                None => fill!(None),
                Some(Kernel::Dm) => fill!(Some(Kernel::Dm)),
                Some(Kernel::Ipw(l)) => fill!(Some(Kernel::Ipw(l))),
                Some(Kernel::Snipw) => fill!(Some(Kernel::Snipw)),
                Some(Kernel::Dr(l)) => fill!(Some(Kernel::Dr(l))),
                Some(Kernel::Sndr) => fill!(Some(Kernel::Sndr)),
                Some(Kernel::SwitchDr(l)) => fill!(Some(Kernel::SwitchDr(l))),
                Some(Kernel::DrOs(l)) => fill!(Some(Kernel::DrOs(l))),
                Some(Kernel::SgIpw(l)) => fill!(Some(Kernel::SgIpw(l))),
                Some(Kernel::SgDr(l)) => fill!(Some(Kernel::SgDr(l))),
                Some(Kernel::Rm) => fill!(Some(Kernel::Rm)),
            }
            let n_terms = if a_only { plain.len() } else { terms.len() };
            if n_terms == 0 {
                estimates.push(Estimate { value: f64::NAN, lower: f64::NAN, upper: f64::NAN, n: 0 });
                continue;
            }
            let moments = if a_only { TermMoments::from_plain_terms(&plain) } else { TermMoments::from_terms(&terms) };
            let (value, se) = moments.estimate_and_se(norm);
            let (lower, upper) = if s.n_bootstrap_samples > 0 {
                let o = BootstrapOptions {
                    alpha: s.alpha,
                    n_bootstrap_samples: s.n_bootstrap_samples,
                    random_state: Some(derive_seed(opts.seed, 0xb007)),
                };
                let iv = bootstrap_terms(norm, &terms, &o)?;
                (iv.lower, iv.upper)
            } else {
                let iv = normal_from(value, se, s.alpha);
                (iv.lower, iv.upper)
            };
            estimates.push(Estimate { value, lower, upper, n: n_terms });
        }
        let (mut s1, mut s2, mut mx) = (0.0, 0.0, 0.0f64);
        for r in 0..n {
            let w = pi_e[r] / log.pscore[r];
            s1 += w;
            s2 += w * w;
            mx = mx.max(w);
        }
        Ok(Replicate { index: r, estimates, ess: if s2 > 0.0 { s1 * s1 / s2 } else { 0.0 }, max_weight: mx })
    }

    /// Summaries over the replicates run so far.
    pub fn summary(&self) -> Vec<EstimatorSummary> {
        let r = self.replicates.len();
        self.scenario
            .estimators
            .iter()
            .enumerate()
            .map(|(j, spec)| {
                let vals: Vec<f64> = self.replicates.iter().map(|x| x.estimates[j].value).filter(|v| v.is_finite()).collect();
                let mean = crate::stats::mean(&vals);
                let sd = crate::stats::std_dev(&vals);
                let rmse = (vals.iter().map(|v| (v - self.truth).powi(2)).sum::<f64>() / vals.len().max(1) as f64).sqrt();
                let covered = self
                    .replicates
                    .iter()
                    .filter(|x| x.estimates[j].lower <= self.truth && self.truth <= x.estimates[j].upper)
                    .count();
                let widths: Vec<f64> = self
                    .replicates
                    .iter()
                    .map(|x| x.estimates[j].upper - x.estimates[j].lower)
                    .filter(|w| w.is_finite())
                    .collect();
                EstimatorSummary {
                    spec: spec.clone(),
                    failed: r - vals.len(),
                    mean,
                    bias: mean - self.truth,
                    sd,
                    rmse: if vals.is_empty() { f64::NAN } else { rmse },
                    coverage: if r == 0 { f64::NAN } else { covered as f64 / r as f64 },
                    mean_width: crate::stats::mean(&widths),
                    mean_se: sd / (vals.len().max(1) as f64).sqrt(),
                }
            })
            .collect()
    }
}

/// The columns a replicate's estimators read.
struct Rows<'a> {
    n: usize,
    ni: usize,
    component: Option<usize>,
    comp_table: Option<&'a [f64]>,
    comp: &'a [u32],
    user: &'a [u32],
    action: &'a [u32],
    reward: &'a [f64],
    pscore: &'a [f64],
    pi_e: &'a [f64],
    q_row: &'a [f64],
    dm_row: &'a [f64],
}

impl Rows<'_> {
    /// Row r's terms under `kernel` (`None`: the naive mean of the rewards).
    #[inline(always)]
    fn term(&self, kernel: Option<Kernel>, r: usize) -> RoundTerms {
        match kernel {
            None => RoundTerms { a: self.reward[r], u: 0.0, d: 1.0 },
            Some(k) => {
                let p = match self.comp_table {
                    Some(t) => t[self.user[r] as usize * self.ni + self.action[r] as usize],
                    None => self.pscore[r],
                };
                k.round_terms(self.reward[r], p, self.pi_e[r], self.q_row[r], self.dm_row[r])
            }
        }
    }

    /// Append what `keep` keeps of the terms of every row (of the component's rows only, with
    /// one) to `out`.
    #[inline(always)]
    fn fill<T: Copy + Default>(&self, out: &mut Vec<T>, kernel: Option<Kernel>, keep: impl Fn(RoundTerms) -> T) {
        match self.component {
            Some(c) => {
                for r in 0..self.n {
                    if self.comp[r] as usize == c {
                        out.push(keep(self.term(kernel, r)));
                    }
                }
            }
            None => {
                out.resize(self.n, T::default());
                for (r, t) in out.iter_mut().enumerate() {
                    *t = keep(self.term(kernel, r));
                }
            }
        }
    }
}
