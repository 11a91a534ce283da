//! Lesson 3, "IPS, SNIPS, DM, DR and friends": a production recommender (the logger) and a
//! candidate (the target) whose distance from it is a slider. Many logs are collected
//! ([`crate::lab`]), every standard estimator of Open Bandit Pipeline estimates the candidate's
//! value on each, and the lesson reports each estimator's bias, spread, RMSE and interval coverage
//! against the exact truth ([`common::spread`]) for every λ of a grid at once, so that moving the
//! λ slider redraws from memory; plus the importance-weight diagnostics of one log against the
//! exact weight distribution.
//!
//! The replicated logs of a setting (everything but λ) are kept between runs in a small
//! thread-local cache and resumed: a slider move that keeps the setting continues where the
//! previous run stopped. The reward model is part of that setting ([`ModelSetting`]); a second
//! setting (e.g. a cross-fitted model) is one more variant and one more cached lab, with its
//! estimators' statistics under their own ids.

use super::common::{self, Spread};
use super::random_bucket::required_seed;
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::lab::{EstimatorSpec, Lab, Scenario};
use crate::stats;
use crate::world::{CollectOptions, Log, Policy, PolicySpec, RewardModelSpec, ScoreSpec, Signal, World, WorldConfig};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

/// Replicated logs per setting.
pub const REPLICATES: usize = 200;
/// The λ grid, in units of the importance weight w = π_e/π_b (see [`FAMILIES`] for OBP's λ).
pub const LAMBDAS: [f64; 7] = [1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0];
/// Rounds per log the page offers.
pub const ROUNDS: [f64; 6] = [500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0];

/// Where DM and the DR family get their reward model q̂.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModelSetting {
    /// The true expected click, blended with a model that ignores the user (misspecification).
    Simulated,
    /// Item averages fitted on each log and used on that same log.
    Tabular,
    /// One ridge regression per item on the users' features, fitted on each log and used on it.
    Ridge,
}

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Logger–target mismatch in [0, 1].
    pub mismatch: f64,
    /// The slider's λ, a weight (one of [`LAMBDAS`]).
    pub lambda: f64,
    /// Misspecification of the simulated model, in [0, 1].
    pub misspec: f64,
    /// The reward model.
    pub model: ModelSetting,
    /// Rounds per log.
    pub rounds: usize,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ mismatch, lambda, misspec, model, rounds, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let lambda = o.required_number("lambda", 1.0, 1000.0)?;
        if !LAMBDAS.contains(&lambda) {
            return Err(Error::invalid("state.lambda", format!("expected one of {LAMBDAS:?}, got {lambda}")));
        }
        if !o.has("model") {
            return Err(Error::invalid("state.model", "is required: expected one of true, tabular, ridge"));
        }
        let model = match o.choice("model", "true", &["true", "tabular", "ridge"])? {
            "tabular" => ModelSetting::Tabular,
            "ridge" => ModelSetting::Ridge,
            _ => ModelSetting::Simulated,
        };
        let c = Config {
            mismatch: o.required_number("mismatch", 0.0, 1.0)?,
            lambda,
            misspec: o.required_number("misspec", 0.0, 1.0)?,
            model,
            rounds: o.required_number("rounds", 500.0, 20_000.0)? as usize,
            seed: required_seed(&o)?,
        };
        if !ROUNDS.contains(&(c.rounds as f64)) {
            return Err(Error::invalid("state.rounds", format!("expected one of {ROUNDS:?}, got {}", c.rounds)));
        }
        o.finish_with(&["mismatch", "lambda", "misspec", "model", "rounds", "seed"])?;
        Ok(c)
    }
}

/// The lesson's world: 500 users, 100 items.
pub fn world_config(c: &Config) -> WorldConfig {
    WorldConfig { seed: c.seed, n_users: 500, n_items: 100, ..Default::default() }
}

/// Production: a softmax (β 1.5) over half what users like and a strong push towards popular items.
pub fn logger() -> PolicySpec {
    PolicySpec::Softmax { beta: 1.5, score: ScoreSpec { relevance: 0.5, popularity: 1.0, ..Default::default() } }
}

/// The candidate at mismatch m ∈ [0, 1]: m = 0 is production itself; m = 1 is sharper (β 3.5),
/// cares about what each user likes and turns the popularity push around (towards the long
/// tail), so it likes what production rarely shows.
pub fn target(m: f64) -> PolicySpec {
    PolicySpec::Softmax {
        beta: 1.5 + 2.0 * m,
        score: ScoreSpec { relevance: 0.5 + 0.5 * m, popularity: 1.0 - 1.5 * m, ..Default::default() },
    }
}

/// The reward model q̂ of DM and the DR family.
pub fn reward_model(c: &Config) -> RewardModelSpec {
    match c.model {
        ModelSetting::Simulated => RewardModelSpec::True { misspecification: c.misspec, bias: 0.0, noise: 0.0, seed: 0 },
        ModelSetting::Tabular => RewardModelSpec::Tabular { smoothing: 10.0 },
        ModelSetting::Ridge => RewardModelSpec::Ridge { lambda: 1.0 },
    }
}

/// Estimators without a λ: (id, OBP name).
pub const BASE: [(&str, &str); 5] = [("dm", "dm"), ("ipw", "ipw"), ("snipw", "snipw"), ("dr", "dr"), ("sndr", "sndr")];

/// A family of estimators with a λ, each run at every λ of [`LAMBDAS`].
pub struct Family {
    /// Id prefix (`ipwc@30`).
    pub id: &'static str,
    /// OBP name.
    pub name: &'static str,
    /// The slider's λ (a weight scale) to OBP's `lambda_`.
    pub obp: fn(f64) -> f64,
}

/// The λ-estimators. Clipping and switching thresholds are weights already; DRos's shrinkage
/// ŵ = λw/(w² + λ) bends at w = √λ, so it gets λ²; SG's ŵ = w/(1 − λ + λw) saturates at 1/λ,
/// so it gets 1/λ.
pub const FAMILIES: [Family; 6] = [
    Family { id: "ipwc", name: "ipw", obp: |l| l },
    Family { id: "drc", name: "dr", obp: |l| l },
    Family { id: "switch", name: "switch-dr", obp: |l| l },
    Family { id: "dros", name: "dr-os", obp: |l| l * l },
    Family { id: "sgipw", name: "sg-ipw", obp: |l| 1.0 / l },
    Family { id: "sgdr", name: "sg-dr", obp: |l| 1.0 / l },
];

/// The id of a λ-estimator at the slider's λ: `ipwc@30`.
pub fn id_at(family: &str, lambda: f64) -> String {
    format!("{family}@{lambda}")
}

/// Every estimator the lab runs, labelled by its id.
pub fn specs() -> Vec<EstimatorSpec> {
    let mut v: Vec<EstimatorSpec> = BASE
        .iter()
        .map(|(id, name)| EstimatorSpec { name: name.to_string(), lambda: None, component: None, label: id.to_string() })
        .collect();
    for f in &FAMILIES {
        for &l in &LAMBDAS {
            v.push(EstimatorSpec { name: f.name.into(), lambda: Some((f.obp)(l)), component: None, label: id_at(f.id, l) });
        }
    }
    v
}

/// The estimators the page shows at the slider's λ, in its order.
pub fn shown(lambda: f64) -> Vec<String> {
    let mut v: Vec<String> = BASE.iter().map(|b| b.0.to_string()).collect();
    for f in ["ipwc", "sgipw", "drc", "switch", "dros", "sgdr"] {
        v.push(id_at(f, lambda));
    }
    v
}

/// Settings at which an estimator says nothing about the candidate: SG-IPS at OBP's λ = 1 (the
/// slider's λ = 1) gives every logged round the same weight, so it is the plain mean of the
/// logged clicks, production's own click rate, whatever the candidate does.
pub fn degenerate(id: &str) -> bool {
    id == id_at("sgipw", 1.0)
}

/// The replicated experiment of a setting with `replicates` logs.
pub fn lab_scenario(c: &Config, replicates: usize) -> Scenario {
    Scenario {
        logger: logger(),
        target: target(c.mismatch),
        n_rounds: c.rounds,
        replicates,
        seed: c.seed,
        estimators: specs(),
        reward_model: reward_model(c),
        alpha: 0.05,
        n_bootstrap_samples: 0,
        reward: None,
        cross_fit: Default::default(),
    }
}

/// What the replicated logs depend on (not λ: every λ runs at once).
#[derive(Debug, Clone, PartialEq)]
struct LabKey {
    seed: u64,
    mismatch: f64,
    rounds: usize,
    model: RewardModelSpec,
}

impl LabKey {
    fn of(c: &Config) -> LabKey {
        LabKey { seed: c.seed, mismatch: c.mismatch, rounds: c.rounds, model: reward_model(c) }
    }
}

/// Replicated logs kept between runs (per thread: the page's worker, a test thread).
const LAB_CACHE: usize = 2;

/// The exact weight distribution by (seed, mismatch bits).
type ExactCache = Vec<((u64, u64), Rc<ExactWeights>)>;
/// One log's diagnostics by (seed, mismatch bits, rounds).
type OneLogCache = Option<((u64, u64, usize), WeightDiagnostics)>;

thread_local! {
    static LABS: RefCell<Vec<(LabKey, Rc<RefCell<Lab>>)>> = const { RefCell::new(Vec::new()) };
    static EXACT: RefCell<ExactCache> = const { RefCell::new(Vec::new()) };
    static ONE_LOG: RefCell<OneLogCache> = const { RefCell::new(None) };
}

fn cached_lab(world: &Arc<World>, c: &Config) -> Result<Rc<RefCell<Lab>>> {
    let key = LabKey::of(c);
    if let Some(lab) = LABS.with(|l| l.borrow().iter().find(|(k, _)| *k == key).map(|(_, lab)| lab.clone())) {
        return Ok(lab);
    }
    let lab = Rc::new(RefCell::new(Lab::new(world.clone(), lab_scenario(c, REPLICATES))?));
    LABS.with(|l| {
        let mut l = l.borrow_mut();
        l.push((key, lab.clone()));
        if l.len() > LAB_CACHE {
            l.remove(0);
        }
    });
    Ok(lab)
}

/// Bins of the importance weight, growing tenfold: bin 0 is below 10⁻⁴, bin b ∈ 1..=8 runs from
/// `EDGES[b − 1]` to ten times it, bin 9 is at or above 10⁴.
pub const EDGES: [f64; 9] = [1e-4, 1e-3, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0];

fn bin_of(w: f64) -> usize {
    EDGES.iter().take_while(|&&e| w >= e).count()
}

/// The exact distribution of the importance weight under the logger (an infinitely long log).
#[derive(Debug, Clone, PartialEq)]
pub struct ExactWeights {
    /// Share of rounds in each bin.
    pub rounds: [f64; 10],
    /// Share of the total weight in each bin (= the candidate's probability of such items).
    pub mass: [f64; 10],
    /// E[w²] (the expected ESS of n rounds is n / E[w²]).
    pub ew2: f64,
    /// The largest weight.
    pub max_weight: f64,
}

/// See [`ExactWeights`].
pub fn exact_weights(world: &World, mismatch: f64) -> Result<ExactWeights> {
    let pb = Policy::compile(world, &logger())?;
    let pe = Policy::compile(world, &target(mismatch))?;
    let (pb, pe) = (pb.table()?, pe.table()?);
    let ni = world.n_items();
    let mut e = ExactWeights { rounds: [0.0; 10], mass: [0.0; 10], ew2: 0.0, max_weight: 0.0 };
    for (u, &a) in world.arrival().iter().enumerate() {
        if a == 0.0 {
            continue;
        }
        for i in 0..ni {
            let k = u * ni + i;
            if pb[k] == 0.0 {
                continue;
            }
            let w = pe[k] / pb[k];
            let b = bin_of(w);
            e.rounds[b] += a * pb[k];
            e.mass[b] += a * pe[k];
            e.ew2 += a * pe[k] * w;
            e.max_weight = e.max_weight.max(w);
        }
    }
    Ok(e)
}

fn cached_exact(world: &World, c: &Config) -> Result<Rc<ExactWeights>> {
    let key = (c.seed, c.mismatch.to_bits());
    if let Some(e) = EXACT.with(|x| x.borrow().iter().find(|(k, _)| *k == key).map(|(_, e)| e.clone())) {
        return Ok(e);
    }
    let e = Rc::new(exact_weights(world, c.mismatch)?);
    EXACT.with(|x| {
        let mut x = x.borrow_mut();
        x.push((key, e.clone()));
        if x.len() > 16 {
            x.remove(0);
        }
    });
    Ok(e)
}

/// One bin of the weight histogram.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightBin {
    /// Bin index (see [`EDGES`]).
    pub bin: usize,
    /// Share of this log's rounds in the bin.
    pub rounds_log: f64,
    /// Exact share of rounds.
    pub rounds_exact: f64,
    /// Share of this log's total weight in the bin.
    pub mass_log: f64,
    /// Exact share of the weight.
    pub mass_exact: f64,
}

/// The importance weights of one log, against their exact distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightDiagnostics {
    /// The histogram, from the first to the last bin that holds anything visible.
    pub bins: Vec<WeightBin>,
    /// Effective sample size (Σw)²/Σw².
    pub ess: f64,
    /// Mean weight.
    pub mean_weight: f64,
    /// Largest weight.
    pub max_weight: f64,
    /// Expected ESS of a log of this length: n / E[w²].
    pub ess_expected: f64,
    /// Largest weight any round can have.
    pub max_weight_exact: f64,
    /// Share of the total weight carried by the largest 1% of the weights.
    pub top1_share: f64,
}

/// Weigh one log of the setting (the log production collects with the page's seed).
pub fn one_log(world: &Arc<World>, c: &Config, exact: &ExactWeights) -> Result<WeightDiagnostics> {
    let log =
        Log::collect(world.clone(), &logger(), &CollectOptions { n_rounds: c.rounds, seed: c.seed, len_list: 1, reward: None })?;
    let target = Policy::compile(world, &target(c.mismatch))?;
    let w = common::weights(&log, &target);
    let (mut rounds, mut mass) = ([0.0; 10], [0.0; 10]);
    let (mut s1, mut s2, mut max_weight) = (0.0, 0.0, 0.0f64);
    for &x in &w {
        let b = bin_of(x);
        rounds[b] += 1.0;
        mass[b] += x;
        s1 += x;
        s2 += x * x;
        max_weight = max_weight.max(x);
    }
    let visible = |b: usize| rounds[b] > 0.0 || exact.rounds[b] > 5e-4 || exact.mass[b] > 5e-4;
    let first = (0..10).find(|&b| visible(b)).unwrap_or(0);
    let last = (0..10).rev().find(|&b| visible(b)).unwrap_or(9);
    let n = w.len() as f64;
    let bins = (first..=last)
        .map(|b| WeightBin {
            bin: b,
            rounds_log: rounds[b] / n,
            rounds_exact: exact.rounds[b],
            mass_log: if s1 > 0.0 { mass[b] / s1 } else { 0.0 },
            mass_exact: exact.mass[b],
        })
        .collect();
    let mut sorted = w.clone();
    crate::stats::sort(&mut sorted);
    let k = ((0.01 * n).round() as usize).max(1);
    let top: f64 = sorted[sorted.len() - k..].iter().sum();
    Ok(WeightDiagnostics {
        bins,
        ess: if s2 > 0.0 { s1 * s1 / s2 } else { 0.0 },
        mean_weight: s1 / n,
        max_weight,
        ess_expected: c.rounds as f64 / exact.ew2,
        max_weight_exact: exact.max_weight,
        top1_share: if s1 > 0.0 { top / s1 } else { f64::NAN },
    })
}

/// The middle 95% and median of the effective sample size over the logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EssRange {
    /// 2.5% quantile.
    pub lo: f64,
    /// Median.
    pub median: f64,
    /// 97.5% quantile.
    pub hi: f64,
}

/// The estimator with the lowest RMSE among those shown at one λ.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Crown {
    /// The slider's λ.
    pub lambda: f64,
    /// The id of the estimator with the lowest RMSE, degenerate settings aside (`None` while no
    /// estimator has one).
    pub best: Option<String>,
    /// A degenerate setting (see [`degenerate`]) whose RMSE is lower still, if any: it earns no
    /// crown, and the page says why.
    pub degenerate: Option<String>,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// The candidate's exact click rate.
    pub truth: f64,
    /// Production's exact click rate.
    pub logger_value: f64,
    /// Every estimator over the logs so far, by id (`dm`, `ipwc@30`, …).
    pub stats: BTreeMap<String, Spread>,
    /// Weight diagnostics of one log (once computed).
    pub weights: Option<WeightDiagnostics>,
    /// The effective sample size over the logs so far.
    pub ess_over_logs: EssRange,
    /// The lowest RMSE at each λ of [`LAMBDAS`].
    pub crown: Vec<Crown>,
    /// Progress, in replicated logs.
    pub progress: Progress,
}

/// Summaries of every estimator over the lab's replicates so far.
pub fn summarize(lab: &Lab) -> BTreeMap<String, Spread> {
    let truth = lab.truth();
    lab.scenario()
        .estimators
        .iter()
        .enumerate()
        .map(|(j, e)| {
            let reps: Vec<(f64, f64, f64)> =
                lab.replicates().iter().map(|r| (r.estimates[j].value, r.estimates[j].lower, r.estimates[j].upper)).collect();
            (e.label.clone(), common::spread(&reps, truth))
        })
        .collect()
}

/// The crown at every λ.
pub fn crowns(stats: &BTreeMap<String, Spread>) -> Vec<Crown> {
    LAMBDAS
        .iter()
        .map(|&lambda| {
            let mut best: Option<(&String, f64)> = None;
            let mut degen: Option<(&String, f64)> = None;
            let ids = shown(lambda);
            for id in &ids {
                // an estimator that failed on some logs (NaN) is not crowned: its RMSE over the
                // others would flatter it
                let rmse = stats.get(id).filter(|s| s.failed == 0).map(|s| s.rmse).unwrap_or(f64::NAN);
                if !rmse.is_finite() {
                    continue;
                }
                let slot = if degenerate(id) { &mut degen } else { &mut best };
                if slot.is_none_or(|(_, r)| rmse < r) {
                    *slot = Some((id, rmse));
                }
            }
            let degenerate = match (degen, best) {
                (Some((d, rd)), Some((_, rb))) if rd < rb => Some(d.clone()),
                (Some((d, _)), None) => Some(d.clone()),
                _ => None,
            };
            Crown { lambda, best: best.map(|b| b.0.clone()), degenerate }
        })
        .collect()
}

/// Rows a step may simulate (each row is estimated 47 times).
const ROWS_PER_STEP: usize = 20_000;

/// The lesson's run: a first replicate (or the cached ones) to draw at once, the weight
/// diagnostics, then the remaining replicates in bounded steps.
pub struct Runner {
    config: Config,
    world: Arc<World>,
    lab: Rc<RefCell<Lab>>,
    logger_value: f64,
    weights: Option<WeightDiagnostics>,
    started: bool,
}

impl Runner {
    /// Prepare a run (resuming the setting's cached logs, if any).
    pub fn new(config: Config) -> Result<Runner> {
        let world = common::world(world_config(&config))?;
        let lab = cached_lab(&world, &config)?;
        let logger_value = world.policy_value(&Policy::compile(&world, &logger())?, Signal::Click)?;
        let key = (config.seed, config.mismatch.to_bits(), config.rounds);
        let weights = ONE_LOG.with(|o| o.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, w)| w.clone()));
        Ok(Runner { config, world, lab, logger_value, weights, started: false })
    }

    fn output(&self) -> Output {
        let lab = self.lab.borrow();
        let stats = summarize(&lab);
        let mut ess: Vec<f64> = lab.replicates().iter().map(|r| r.ess).collect();
        crate::stats::sort(&mut ess);
        Output {
            truth: lab.truth(),
            logger_value: self.logger_value,
            crown: crowns(&stats),
            stats,
            weights: self.weights.clone(),
            ess_over_logs: EssRange {
                lo: stats::percentile_sorted(&ess, 2.5),
                median: stats::percentile_sorted(&ess, 50.0),
                hi: stats::percentile_sorted(&ess, 97.5),
            },
            progress: Progress::new(lab.replicates_done(), REPLICATES, "replicated logs"),
        }
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        let done = self.lab.borrow().replicates_done();
        if !self.started {
            // the first output: the cached logs as they are, or one replicate
            self.started = true;
            if done == 0 {
                self.lab.borrow_mut().step(1)?;
            }
        } else if self.weights.is_none() {
            let exact = cached_exact(&self.world, &self.config)?;
            let w = one_log(&self.world, &self.config, &exact)?;
            let key = (self.config.seed, self.config.mismatch.to_bits(), self.config.rounds);
            ONE_LOG.with(|o| *o.borrow_mut() = Some((key, w.clone())));
            self.weights = Some(w);
        } else if done < REPLICATES {
            let k = (ROWS_PER_STEP / self.config.rounds).max(1);
            self.lab.borrow_mut().step(k)?;
        } else {
            return Ok(None);
        }
        Ok(Some(LessonOutput::Estimators(self.output())))
    }
}
