//! Lesson "Which estimator should I trust?": choosing an estimator's λ from the data alone, and
//! fitting its reward model without letting a round score itself.
//!
//! * **λ from the data.** For one estimator family (`ipw`, `dr`, `switch-dr` or `dr-os`), every log
//!   is estimated at each λ of [`LAMBDAS`]; OBP's two data-driven choices, SLOPE and the estimated
//!   MSE ([`crate::estimators::tuning`]), each pick one λ per log. Over the replicated logs, the
//!   *oracle* λ is the fixed λ with the lowest RMSE against the exact truth: what one would choose
//!   knowing the answer. The lesson compares the tuned estimators' RMSE with the oracle's.
//! * **Cross-fitting.** The reward model q̂ (one ridge regression per item on the users' features)
//!   is fitted either on the whole log it then scores (what OBP's `fit_predict` does with
//!   `n_folds = 1`) or K-fold cross-fitted (each round predicted by the model fitted on the other
//!   folds). DM and DR with each are compared; the tuning above uses the cross-fitted model.
//!
//! The world, production and the candidate are those of the estimators lesson
//! ([`super::estimators::logger`], [`super::estimators::target`]), over 300 users and 40 items.

use super::common::{self, Spread};
use super::random_bucket::required_seed;
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::estimators::interval::normal_from;
use crate::estimators::tuning::{TuningMethod, TuningOptions, tune};
use crate::estimators::{BanditFeedback, BanditFeedbackParts, kernel_by_name};
use crate::rng::derive_seed;
use crate::stats;
use crate::world::{CollectOptions, CrossFit, Log, Policy, RewardModelSpec, Signal, World, WorldConfig};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The candidate λ values (∞ last: no clipping, switching or shrinkage).
pub const LAMBDAS: [f64; 10] = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, f64::INFINITY];
/// The families whose λ the page tunes.
pub const FAMILIES: [&str; 4] = ["ipw", "dr", "switch-dr", "dr-os"];
/// Rounds per log the page offers.
pub const ROUNDS: [f64; 4] = [500.0, 1000.0, 2000.0, 5000.0];
/// Fold counts the page offers.
pub const FOLDS: [f64; 4] = [2.0, 3.0, 5.0, 10.0];
/// Replicated logs.
pub const REPLICATES: usize = 100;
/// Ridge penalty of the reward model.
pub const RIDGE: f64 = 1.0;
/// Interval level: 95%.
const ALPHA: f64 = 0.05;
/// The reward models compared, in the page's order: (id, estimator, cross-fitted).
pub const FITS: [(&str, &str, bool); 4] =
    [("dm-same", "dm", false), ("dr-same", "dr", false), ("dm-cross", "dm", true), ("dr-cross", "dr", true)];

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Logger–target mismatch in [0, 1] (as in the estimators lesson).
    pub mismatch: f64,
    /// The estimator family whose λ is tuned (one of [`FAMILIES`]).
    pub family: String,
    /// Rounds per log.
    pub rounds: usize,
    /// Folds of the cross-fitted reward model.
    pub folds: usize,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ mismatch, family, rounds, folds, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        if !o.has("family") {
            return Err(Error::invalid("state.family", format!("is required: expected one of {}", FAMILIES.join(", "))));
        }
        let family = o.choice("family", "dr", &FAMILIES)?.to_string();
        let rounds = o.required_number("rounds", 500.0, 5000.0)?;
        if !ROUNDS.contains(&rounds) {
            return Err(Error::invalid("state.rounds", format!("expected one of {ROUNDS:?}, got {rounds}")));
        }
        let folds = o.required_number("folds", 2.0, 10.0)?;
        if !FOLDS.contains(&folds) {
            return Err(Error::invalid("state.folds", format!("expected one of {FOLDS:?}, got {folds}")));
        }
        let c = Config {
            mismatch: o.required_number("mismatch", 0.0, 1.0)?,
            family,
            rounds: rounds as usize,
            folds: folds as usize,
            seed: required_seed(&o)?,
        };
        o.finish_with(&["mismatch", "family", "rounds", "folds", "seed"])?;
        Ok(c)
    }
}

/// The lesson's world: 300 users, 40 items.
pub fn world_config(c: &Config) -> WorldConfig {
    WorldConfig { seed: c.seed, n_users: 300, n_items: 40, ..Default::default() }
}

/// One λ's estimates over the logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FixedLambda {
    /// λ (`null` in JSON for ∞: see `label`).
    pub lambda: Option<f64>,
    /// "1", "20", "∞".
    pub label: String,
    /// The estimates' spread against the truth.
    pub stats: Spread,
}

/// A data-driven choice of λ over the logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tuned {
    /// "slope" or "mse".
    pub method: String,
    /// The tuned estimates' spread (each log estimated at its own chosen λ).
    pub stats: Spread,
    /// How many logs chose each λ of [`LAMBDAS`] (same order).
    pub picks: Vec<usize>,
    /// The tuned RMSE over the oracle's (≥ 1 up to Monte Carlo noise... and below 1 when a
    /// per-log choice beats every fixed λ).
    pub rmse_ratio: f64,
}

/// The lesson's output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// The candidate's exact value (expected clicks per round).
    pub truth: f64,
    /// Production's exact value.
    pub logger_value: f64,
    /// The family tuned.
    pub family: String,
    /// Every fixed λ, in [`LAMBDAS`] order.
    pub fixed: Vec<FixedLambda>,
    /// Index of the oracle λ (lowest RMSE over the logs so far).
    pub oracle: usize,
    /// SLOPE and the MSE choice, in that order.
    pub tuned: Vec<Tuned>,
    /// DM and DR with the reward model fitted on the same log and cross-fitted, by [`FITS`] id.
    pub fits: BTreeMap<String, Spread>,
    /// Median effective sample size of a log (Σw)²/Σw².
    pub median_ess: f64,
    /// Logs done so far.
    pub progress: Progress,
}

/// One log's numbers: per λ (estimate, lower, upper), each method's (chosen index, estimate,
/// lower, upper), and per fit (estimate, lower, upper).
#[derive(Debug, Clone)]
struct Replicate {
    fixed: Vec<(f64, f64, f64)>,
    tuned: [(usize, (f64, f64, f64)); 2],
    fits: [(f64, f64, f64); 4],
    ess: f64,
}

/// The lesson's run.
pub struct Runner {
    config: Config,
    world: Arc<World>,
    logger: Policy,
    target: Policy,
    truth: f64,
    logger_value: f64,
    reps: Vec<Replicate>,
}

/// Mean and 95% normal interval of a log's round rewards.
fn with_interval(rr: &[f64]) -> (f64, f64, f64) {
    let m = stats::mean(rr);
    let se = (stats::variance(rr) / rr.len() as f64).sqrt();
    let iv = normal_from(m, se, ALPHA);
    (m, iv.lower, iv.upper)
}

impl Runner {
    /// Prepare a run.
    pub fn new(config: Config) -> Result<Runner> {
        let world = common::world(world_config(&config))?;
        let logger = Policy::compile(&world, &super::estimators::logger())?;
        let target = Policy::compile(&world, &super::estimators::target(config.mismatch))?;
        let truth = world.policy_value(&target, Signal::Click)?;
        let logger_value = world.policy_value(&logger, Signal::Click)?;
        Ok(Runner { config, world, logger, target, truth, logger_value, reps: Vec::new() })
    }

    fn replicate(&self, r: usize) -> Result<Replicate> {
        let c = &self.config;
        let seed = derive_seed(c.seed, r as u64);
        let opts = CollectOptions { n_rounds: c.rounds, seed, len_list: 1, reward: Some(Signal::Click) };
        let log = Log::collect_lean(self.world.clone(), &self.logger, &opts)?;
        let (n, ni) = (log.n_rows(), self.world.n_items());
        let model = RewardModelSpec::Ridge { lambda: RIDGE };
        let same = model.user_table(&log)?;
        let (cross, fold) = model.user_tables_cross(&log, CrossFit { n_folds: c.folds, seed: derive_seed(seed, 0xf01d) })?;
        let pe = self.target.table()?;
        let mut action_dist = Vec::with_capacity(n * ni);
        let mut q_same = Vec::with_capacity(n * ni);
        let mut q_cross = Vec::with_capacity(n * ni);
        for (r, &u) in log.user.iter().enumerate() {
            let row = u as usize * ni..(u as usize + 1) * ni;
            action_dist.extend_from_slice(&pe[row.clone()]);
            q_same.extend_from_slice(&same[row.clone()]);
            q_cross.extend_from_slice(&cross[fold[r] as usize][row]);
        }
        fn data<'a>(log: &'a Log, action_dist: &'a [f64], q: &'a [f64], ni: usize) -> Result<BanditFeedback<'a>> {
            BanditFeedback::new(BanditFeedbackParts {
                reward: &log.reward,
                action: &log.action,
                pscore: &log.pscore,
                position: None,
                action_dist,
                estimated_rewards_by_reg_model: Some(q),
                pi_b: None,
                n_actions: ni,
                len_list: 1,
            })
        }
        let (d_same, d_cross) = (data(&log, &action_dist, &q_same, ni)?, data(&log, &action_dist, &q_cross, ni)?);
        // each log is estimated ~30 times with the same models: their DM values once per model
        // (both have a model: `data` gives them one)
        let (dm_same, dm_cross) = (d_same.dm_rounds(), d_cross.dm_rounds());
        let d_same = dm_same.as_deref().map_or(d_same, |dm| d_same.with_dm_rounds(dm));
        let d_cross = dm_cross.as_deref().map_or(d_cross, |dm| d_cross.with_dm_rounds(dm));
        let fixed = LAMBDAS
            .iter()
            .map(|&l| Ok(with_interval(&kernel_by_name(&c.family, Some(l))?.round_rewards(&d_cross)?)))
            .collect::<Result<Vec<_>>>()?;
        let choose = |method| -> Result<(usize, (f64, f64, f64))> {
            let t = tune(&c.family, &d_cross, &TuningOptions { lambdas: LAMBDAS.to_vec(), method, ..Default::default() })?;
            let j = LAMBDAS.iter().position(|&l| l == t.best_lambda).unwrap_or(LAMBDAS.len() - 1);
            Ok((j, fixed[j]))
        };
        let tuned = [choose(TuningMethod::Slope)?, choose(TuningMethod::Mse)?];
        let fit = |name: &str, d: &BanditFeedback<'_>| -> Result<(f64, f64, f64)> {
            Ok(with_interval(&kernel_by_name(name, None)?.round_rewards(d)?))
        };
        let fits = [fit("dm", &d_same)?, fit("dr", &d_same)?, fit("dm", &d_cross)?, fit("dr", &d_cross)?];
        let (mut s1, mut s2) = (0.0, 0.0);
        for i in 0..n {
            let w = d_cross.weight(i);
            s1 += w;
            s2 += w * w;
        }
        Ok(Replicate { fixed, tuned, fits, ess: if s2 > 0.0 { s1 * s1 / s2 } else { 0.0 } })
    }

    /// The output over the logs so far.
    pub fn output(&self) -> Output {
        let truth = self.truth;
        let fixed: Vec<FixedLambda> = LAMBDAS
            .iter()
            .enumerate()
            .map(|(j, &l)| {
                let reps: Vec<_> = self.reps.iter().map(|r| r.fixed[j]).collect();
                FixedLambda {
                    lambda: l.is_finite().then_some(l),
                    label: if l.is_finite() { format!("{l}") } else { "∞".into() },
                    stats: common::spread(&reps, truth),
                }
            })
            .collect();
        // the lowest RMSE; among λs that tie with it (at mismatch 0 every weight is 1 and no λ
        // clips anything) the largest, so that the oracle never "clips" where clipping changes nothing
        let best = fixed.iter().map(|f| f.stats.rmse).filter(|r| r.is_finite()).fold(f64::INFINITY, f64::min);
        let oracle = (0..fixed.len()).rev().find(|&j| fixed[j].stats.rmse <= best * (1.0 + 1e-9)).unwrap_or(0);
        let tuned = ["slope", "mse"]
            .iter()
            .enumerate()
            .map(|(m, name)| {
                let reps: Vec<_> = self.reps.iter().map(|r| r.tuned[m].1).collect();
                let mut picks = vec![0; LAMBDAS.len()];
                self.reps.iter().for_each(|r| picks[r.tuned[m].0] += 1);
                let s = common::spread(&reps, truth);
                Tuned { method: name.to_string(), rmse_ratio: s.rmse / fixed[oracle].stats.rmse, stats: s, picks }
            })
            .collect();
        let fits = FITS
            .iter()
            .enumerate()
            .map(|(k, (id, _, _))| {
                let reps: Vec<_> = self.reps.iter().map(|r| r.fits[k]).collect();
                (id.to_string(), common::spread(&reps, truth))
            })
            .collect();
        let mut ess: Vec<f64> = self.reps.iter().map(|r| r.ess).collect();
        crate::stats::sort(&mut ess);
        Output {
            truth,
            logger_value: self.logger_value,
            family: self.config.family.clone(),
            fixed,
            oracle,
            tuned,
            fits,
            median_ess: stats::percentile_sorted(&ess, 50.0),
            progress: Progress::new(self.reps.len(), REPLICATES, "replicated logs"),
        }
    }
}

/// Rounds a step may simulate (each is estimated about thirty times).
const ROUNDS_PER_STEP: usize = 20_000;

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        let done = self.reps.len();
        if done >= REPLICATES {
            return Ok(None);
        }
        let k = if done == 0 { 1 } else { (ROUNDS_PER_STEP / self.config.rounds).max(1) };
        for r in done..(done + k).min(REPLICATES) {
            let rep = self.replicate(r)?;
            self.reps.push(rep);
        }
        Ok(Some(LessonOutput::ChoosingEstimators(self.output())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logs_fixed_lambda_estimates_are_the_estimators_own() {
        // the clipped DR at λ = ∞ equals plain DR on the same (cross-fitted) inputs, and every
        // tuned estimate is one of the log's fixed-λ estimates
        let r = Runner::new(Config { mismatch: 0.75, family: "dr".into(), rounds: 500, folds: 2, seed: 3 }).unwrap();
        let rep = r.replicate(0).unwrap();
        assert!((rep.fixed[LAMBDAS.len() - 1].0 - rep.fits[3].0).abs() < 1e-12);
        for (j, est) in rep.tuned {
            assert_eq!(est, rep.fixed[j]);
        }
    }

    #[test]
    fn with_no_mismatch_no_lambda_clips_and_the_oracle_keeps_every_weight() {
        // the candidate is production itself: every weight is 1, every λ ≥ 1 gives the same
        // estimates, and the oracle is λ = ∞ (the first of the tied λs would read "clip at 1")
        let mut run = Runner::new(Config { mismatch: 0.0, family: "ipw".into(), rounds: 500, folds: 2, seed: 3 }).unwrap();
        while run.step().unwrap().is_some() {}
        let o = run.output();
        let first = o.fixed[0].stats.rmse;
        assert!(
            o.fixed.iter().all(|f| (f.stats.rmse - first).abs() <= 1e-12 * first),
            "{:?}",
            o.fixed.iter().map(|f| f.stats.rmse).collect::<Vec<_>>()
        );
        assert_eq!(o.fixed[o.oracle].label, "∞");
    }

    #[test]
    fn bad_states_name_the_key() {
        let ok = |k: &str, v: Value| {
            let mut pairs = vec![
                ("mismatch", Value::Number(0.5)),
                ("family", Value::String("dr".into())),
                ("rounds", Value::Number(1000.0)),
                ("folds", Value::Number(2.0)),
                ("seed", Value::Number(1.0)),
            ];
            pairs.retain(|(key, _)| *key != k);
            pairs.push((k, v));
            Config::from_value(&Value::object(pairs))
        };
        assert!(ok("family", Value::String("dr".into())).is_ok());
        for (k, v) in [
            ("family", Value::String("snipw".into())),
            ("rounds", Value::Number(700.0)),
            ("folds", Value::Number(4.0)),
            ("mismatch", Value::Number(2.0)),
        ] {
            let e = ok(k, v).unwrap_err().to_string();
            assert!(e.contains(&format!("state.{k}")), "{k}: {e}");
        }
    }
}
