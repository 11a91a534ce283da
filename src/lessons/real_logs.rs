//! Lesson 12, "Real logs: the Open Bandit Dataset": estimate the production Bernoulli-TS policy's
//! click rate from the uniform-random log of the same traffic ([`crate::obd`]), compare with what
//! BTS really got on its own log, and see how estimators trade bias for variance on small real
//! logs (resampled) and on large synthetic ones (a [`crate::lab`] in a world shaped like the data).
//!
//! The two logs are files ([`super::DataFile`]: the shipped sample or the learner's own CSVs),
//! parsed once per pair of ids and kept in a thread-local cache, as are the estimates of the last
//! (smoothing, λ).

use super::common::{self, Estimate, RATE, Spread, Weights};
use super::random_bucket::required_seed;
use super::{Data, LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::estimators::interval::estimate_and_se;
use crate::estimators::kernel_by_name;
use crate::estimators::standard::round_rewards_from_terms;
use crate::lab::{EstimatorSpec, Lab, Scenario};
use crate::obd::{ObdLog, parse_obd_csv};
use crate::rng::{Rng, derive_seed};
use crate::world::{PolicySpec, RewardModelSpec, ScoreSpec, World, WorldConfig};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Pseudo-impressions of the tabular reward model's prior.
    pub smoothing: f64,
    /// λ of Switch-DR and DRos.
    pub lambda: f64,
    /// Seed of the resampling and of the synthetic world.
    pub seed: u64,
}

impl Config {
    /// Read `{ smoothing, lambda, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let c = Config {
            smoothing: o.required_number("smoothing", 0.0, 1e6)?,
            lambda: o.required_number("lambda", 1e-9, 1e9)?,
            seed: required_seed(&o)?,
        };
        o.finish_with(&["smoothing", "lambda", "seed"])?;
        Ok(c)
    }
}

/// The estimators compared, in OBP's names.
pub const ESTIMATORS: [&str; 7] = ["dm", "ipw", "snipw", "dr", "sndr", "switch-dr", "dr-os"];
/// Sizes of the subsamples of the real log.
pub const SUBSAMPLES: [usize; 6] = [250, 500, 1000, 2000, 5000, 10000];
/// Subsamples per size.
pub const RESAMPLES: usize = 200;
/// Sizes of the synthetic logs, and replicated logs of each.
pub const SYNTHETIC: [(usize, usize); 3] = [(1000, 40), (10000, 40), (100000, 12)];
/// The estimators of the RMSE curves.
pub const CURVES: [&str; 3] = ["dm", "ipw", "dr"];

/// The two logs, parsed, and what depends on them alone.
pub struct Parsed {
    /// The logged data (the random policy's log, or the learner's).
    pub logged: ObdLog,
    /// The evaluation policy's own log.
    pub target: ObdLog,
    /// The evaluation policy: its log's empirical action distribution per position, padded to the
    /// logged data's shape (n_actions × len_list).
    pub dist: Vec<f64>,
    /// The importance weights π_e(a, k)/pscore of the logged rows.
    pub weights: Weights,
}

/// Parse the two logs and check that the evaluation policy fits the logged data's shape.
pub fn parse(logged: &str, target: &str) -> Result<Parsed> {
    let logged = parse_obd_csv(logged).map_err(|e| e.within("logged data: "))?;
    let target = parse_obd_csv(target).map_err(|e| e.within("the evaluation policy's log: "))?;
    if target.n_actions > logged.n_actions || target.len_list > logged.len_list {
        return Err(Error::invalid(
            "data.target",
            format!(
                "the evaluation policy's log has {} items × {} positions, the logged data only {} × {}",
                target.n_actions, target.len_list, logged.n_actions, logged.len_list
            ),
        ));
    }
    let td = target.empirical_action_dist();
    let l = logged.len_list;
    let mut dist = vec![0.0; logged.n_actions * l];
    for a in 0..target.n_actions {
        for k in 0..target.len_list {
            dist[a * l + k] = td[a * target.len_list + k];
        }
    }
    let w: Vec<f64> = (0..logged.n_rounds())
        .map(|i| dist[logged.action[i] as usize * l + logged.position[i] as usize] / logged.pscore[i])
        .collect();
    Ok(Parsed { weights: Weights::of(&w), logged, target, dist })
}

/// Each estimator on the logged data, against the evaluation policy's own click rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EstimateRow {
    /// OBP's name.
    pub name: &'static str,
    /// The estimate with its normal 95% interval and, when it should not be believed as it
    /// stands, a caution.
    pub estimate: Estimate,
    /// |estimate − on-policy click rate| / on-policy click rate.
    pub relative_error: f64,
}

/// A relative RMSE with its 95% Monte-Carlo band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// RMSE / reference.
    pub rmse: f64,
    /// Lower end of the band.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

impl Band {
    fn of(s: &Spread, reference: f64) -> Band {
        Band { rmse: s.rmse / reference, lo: s.rmse_lo / reference, hi: s.rmse_hi / reference }
    }
}

/// DM, IPS and DR's relative RMSE at one log size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RmsePoint {
    /// Rows per log.
    pub n: usize,
    /// DM.
    pub dm: Band,
    /// IPS.
    pub ipw: Band,
    /// DR.
    pub dr: Band,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Rows of the logged data.
    pub n_logged: usize,
    /// Rows of the evaluation policy's log.
    pub n_target: usize,
    /// Items.
    pub n_actions: usize,
    /// Slots.
    pub len_list: usize,
    /// Click rate of the logged data.
    pub logged_ctr: f64,
    /// Clicks in the logged data.
    pub clicks: f64,
    /// Clicks in the evaluation policy's log.
    pub target_clicks: f64,
    /// The evaluation policy's click rate on its own log, with a Wilson interval (the reference the
    /// estimates are compared with: itself uncertain).
    pub on_policy: Estimate,
    /// Its standard error √(p(1 − p)/n).
    pub on_policy_se: f64,
    /// The estimates.
    pub estimates: Vec<EstimateRow>,
    /// Effective sample size of the importance weights.
    pub ess: f64,
    /// The largest importance weight.
    pub max_weight: f64,
    /// Share of the logged rows whose item the evaluation policy never shows there (weight 0).
    pub zero_weight_share: f64,
    /// DM, IPS and DR on random subsamples of the logged data, against the on-policy rate.
    pub real: Vec<RmsePoint>,
    /// The same estimators on simulated logs in a world shaped like the data, against its exact truth.
    pub synthetic: Vec<RmsePoint>,
    /// Progress, in steps.
    pub progress: Progress,
}

/// What the estimates of one (smoothing, λ) leave for the resampling: the base output and DM,
/// IPS and DR's per-round values.
#[derive(Clone)]
struct Estimates {
    key: (String, u64, u64),
    base: Output,
    round_rewards: [Vec<f64>; 3],
}

thread_local! {
    static PARSED: RefCell<Option<(String, Rc<Parsed>)>> = const { RefCell::new(None) };
    static ESTIMATES: RefCell<Option<Rc<Estimates>>> = const { RefCell::new(None) };
}

/// The cache key of a pair of files: their ids (a new upload has a new id) and lengths.
fn source_key(data: &Data) -> Result<(String, &str, &str)> {
    let file = |name: &str| {
        data.get(name).ok_or_else(|| {
            Error::invalid(
                format!("data.{name}"),
                "is required: real-logs reads two logs in the Open Bandit Dataset's CSV format, data.logged (e.g. a random policy's log) and data.target (the evaluation policy's own log), each { id, text }",
            )
        })
    };
    let (logged, target) = (file("logged")?, file("target")?);
    if let Some(other) = data.keys().find(|k| *k != "logged" && *k != "target") {
        return Err(Error::invalid(format!("data.{other}"), "unknown file; real-logs reads data.logged and data.target"));
    }
    Ok((
        format!("{}:{}|{}:{}", logged.id, logged.text.len(), target.id, target.text.len()),
        logged.text.as_str(),
        target.text.as_str(),
    ))
}

fn parsed(data: &Data) -> Result<(String, Rc<Parsed>)> {
    let (key, logged, target) = source_key(data)?;
    if let Some(p) = PARSED.with(|c| c.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, p)| p.clone())) {
        return Ok((key, p));
    }
    let p = Rc::new(parse(logged, target)?);
    PARSED.with(|c| *c.borrow_mut() = Some((key.clone(), p.clone())));
    ESTIMATES.with(|c| *c.borrow_mut() = None);
    Ok((key, p))
}

/// Every estimator on the logged data for (smoothing, λ).
fn estimate(p: &Parsed, source: &str, c: &Config) -> Result<Estimates> {
    let q = p.logged.tabular_reward_model(c.smoothing);
    let target = &p.target;
    let n_target = target.n_rounds() as f64;
    let target_clicks: f64 = target.reward.iter().sum();
    let on_policy = target.ctr();
    let on_policy_se = (on_policy * (1.0 - on_policy) / n_target).sqrt();
    let mut round_rewards: [Vec<f64>; 3] = Default::default();
    let mut estimates = Vec::new();
    for name in ESTIMATORS {
        let lambda = if name == "switch-dr" || name == "dr-os" { Some(c.lambda) } else { None };
        let kernel = kernel_by_name(name, lambda)?;
        let terms = p.logged.terms(kernel, &p.dist, Some(&q))?;
        let (v, se) = estimate_and_se(kernel.normalizer(), &terms);
        let mut e = Estimate::normal(v, se, RATE, Some(&p.weights));
        if name == "dm" && e.caution.is_none() {
            e.caution = Some("counts only the rounds' noise, not the error of the reward model it relies on".into());
        }
        if let Some(j) = CURVES.iter().position(|x| *x == name) {
            round_rewards[j] = round_rewards_from_terms(kernel.normalizer(), &terms);
        }
        estimates.push(EstimateRow { name, relative_error: (v - on_policy).abs() / on_policy, estimate: e });
    }
    let zero = (0..p.logged.n_rounds())
        .filter(|&i| p.dist[p.logged.action[i] as usize * p.logged.len_list + p.logged.position[i] as usize] == 0.0)
        .count();
    let base = Output {
        n_logged: p.logged.n_rounds(),
        n_target: target.n_rounds(),
        n_actions: p.logged.n_actions,
        len_list: p.logged.len_list,
        logged_ctr: p.logged.ctr(),
        clicks: p.logged.reward.iter().sum(),
        target_clicks,
        on_policy: Estimate::proportion(target_clicks, n_target),
        on_policy_se,
        estimates,
        ess: p.weights.ess,
        max_weight: p.weights.max,
        zero_weight_share: zero as f64 / p.logged.n_rounds() as f64,
        real: Vec::new(),
        synthetic: Vec::new(),
        progress: Progress::new(1, 1 + SUBSAMPLES.len() + SYNTHETIC.len(), "steps"),
    };
    Ok(Estimates { key: (source.to_string(), c.smoothing.to_bits(), c.lambda.to_bits()), base, round_rewards })
}

/// DM, IPS and DR's relative RMSE over [`RESAMPLES`] subsamples of `m` rounds (drawn with
/// replacement from the per-round values), against the on-policy rate. Stream `stream` of the
/// seed: the same numbers however the work is split.
pub fn resample(round_rewards: &[Vec<f64>; 3], m: usize, reference: f64, seed: u64, stream: u64) -> RmsePoint {
    let bands: Vec<Band> = round_rewards
        .iter()
        .enumerate()
        .map(|(j, rr)| {
            let mut rng = Rng::derived(derive_seed(seed, stream), j as u64);
            let n = rr.len();
            let reps: Vec<(f64, f64, f64)> = (0..RESAMPLES)
                .map(|_| {
                    let sum: f64 = (0..m).map(|_| rr[rng.below(n)]).sum();
                    (sum / m as f64, f64::NAN, f64::NAN)
                })
                .collect();
            Band::of(&common::spread(&reps, reference), reference)
        })
        .collect();
    RmsePoint { n: m, dm: bands[0], ipw: bands[1], dr: bands[2] }
}

/// The synthetic world: shaped like the Open Bandit Dataset sample (80 items, clicks about as
/// rare).
pub fn synthetic_world(c: &Config) -> WorldConfig {
    WorldConfig { seed: c.seed, n_users: 1000, n_items: 80, base_click_rate: 0.005, popularity_effect: 0.5, ..Default::default() }
}

/// The replicated experiment at one synthetic log size: uniform logging, a popularity-leaning
/// softmax to evaluate, DM, IPS and DR with the tabular reward model.
pub fn synthetic_scenario(c: &Config, n_rounds: usize, replicates: usize) -> Scenario {
    Scenario {
        logger: PolicySpec::Uniform,
        target: PolicySpec::Softmax { beta: 2.0, score: ScoreSpec { relevance: 1.0, popularity: 0.5, ..Default::default() } },
        n_rounds,
        replicates,
        seed: c.seed,
        estimators: CURVES
            .iter()
            .map(|n| EstimatorSpec { name: n.to_string(), lambda: None, component: None, label: n.to_string() })
            .collect(),
        reward_model: RewardModelSpec::Tabular { smoothing: c.smoothing },
        alpha: 0.05,
        n_bootstrap_samples: 0,
        reward: None,
        cross_fit: Default::default(),
    }
}

/// DM, IPS and DR's relative RMSE against the exact truth over a lab's replicates.
pub fn synthetic_point(lab: &Lab) -> RmsePoint {
    let truth = lab.truth();
    let band = |j: usize| {
        let reps: Vec<(f64, f64, f64)> =
            lab.replicates().iter().map(|r| (r.estimates[j].value, r.estimates[j].lower, r.estimates[j].upper)).collect();
        Band::of(&common::spread(&reps, truth), truth)
    };
    RmsePoint { n: lab.scenario().n_rounds, dm: band(0), ipw: band(1), dr: band(2) }
}

/// Rows a step may simulate in the synthetic world.
const SYNTHETIC_ROWS_PER_STEP: usize = 50_000;

/// The lesson's run: the estimates on the real logs first, then one subsample size per step, then
/// the synthetic logs in bounded steps.
pub struct Runner {
    config: Config,
    estimates: Option<Rc<Estimates>>,
    output: Output,
    next_real: usize,
    world: Option<Arc<World>>,
    lab: Option<Lab>,
    next_synthetic: usize,
    started: bool,
}

impl Runner {
    /// Prepare a run on the files `data` (`logged` and `target`); parses them unless they are the
    /// ones parsed last.
    pub fn new(config: Config, data: &Data) -> Result<Runner> {
        let (source, p) = parsed(data)?;
        let key = (source.clone(), config.smoothing.to_bits(), config.lambda.to_bits());
        let cached = ESTIMATES.with(|c| c.borrow().as_ref().filter(|e| e.key == key).cloned());
        let estimates = match cached {
            Some(e) => e,
            None => {
                let e = Rc::new(estimate(&p, &source, &config)?);
                ESTIMATES.with(|c| *c.borrow_mut() = Some(e.clone()));
                e
            }
        };
        let output = estimates.base.clone();
        let n = estimates.round_rewards[0].len();
        let next_real = 0;
        let mut r = Runner {
            config,
            estimates: Some(estimates),
            output,
            next_real,
            world: None,
            lab: None,
            next_synthetic: 0,
            started: false,
        };
        // subsample sizes the log can hold
        r.output.progress = Progress::new(1, 1 + r.sizes(n).len() + SYNTHETIC.len(), "steps");
        Ok(r)
    }

    fn sizes(&self, n: usize) -> Vec<usize> {
        SUBSAMPLES.iter().copied().filter(|&m| m <= n).collect()
    }

    fn done_steps(&self) -> f64 {
        let n = self.estimates.as_ref().map(|e| e.round_rewards[0].len()).unwrap_or(0);
        let partial = match &self.lab {
            Some(lab) => lab.replicates_done() as f64 / lab.scenario().replicates as f64,
            None => 0.0,
        };
        1.0 + self.next_real.min(self.sizes(n).len()) as f64 + self.next_synthetic as f64 + partial
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        let e = self.estimates.clone().ok_or_else(|| Error::unsupported("lesson", "real-logs has no estimates"))?;
        let sizes = self.sizes(e.round_rewards[0].len());
        if !self.started {
            self.started = true;
        } else if self.next_real < sizes.len() {
            let m = sizes[self.next_real];
            let point = resample(&e.round_rewards, m, e.base.on_policy.estimate, self.config.seed, self.next_real as u64);
            self.output.real.push(point);
            self.next_real += 1;
        } else if self.next_synthetic < SYNTHETIC.len() {
            let (m, reps) = SYNTHETIC[self.next_synthetic];
            if self.lab.is_none() {
                let world = match &self.world {
                    Some(w) => w.clone(),
                    None => {
                        let w = common::world(synthetic_world(&self.config))?;
                        self.world = Some(w.clone());
                        w
                    }
                };
                self.lab = Some(Lab::new(world, synthetic_scenario(&self.config, m, reps))?);
            }
            let lab = self.lab.as_mut().ok_or_else(|| Error::unsupported("lesson", "no lab"))?;
            lab.step((SYNTHETIC_ROWS_PER_STEP / m).max(1))?;
            if lab.replicates_done() >= reps {
                self.output.synthetic.push(synthetic_point(lab));
                self.lab = None;
                self.next_synthetic += 1;
            }
        } else {
            return Ok(None);
        }
        let total = 1 + sizes.len() + SYNTHETIC.len();
        self.output.progress = Progress { done: self.done_steps(), total: total as f64, unit: "steps" };
        Ok(Some(LessonOutput::RealLogs(self.output.clone())))
    }
}
