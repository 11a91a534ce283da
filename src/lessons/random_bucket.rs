//! Lesson 2, "The 1% randomized bucket": production (a popularity-leaning softmax) serves most
//! visits and a share of them goes to a uniformly random bucket. A deterministic candidate is
//! evaluated four ways over replicated logs ([`crate::lab`]): the naive mean of logged clicks, IPS
//! and replay on the bucket rows alone (mixture component 1, propensity 1/m), and IPS/SNIPS on
//! every row with the mixture propensities (the balanced estimator). The "how many days?" curves
//! come from the exact per-visit variances of those estimators in this world, computed from its
//! tables, and the simulated spread checks them.

use super::common::{self, Estimate, RATE, Spread, Weights, Z95};
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::estimators::Kernel;
use crate::estimators::streaming::TermMoments;
use crate::lab::{EstimatorSpec, Lab, Scenario};
use crate::rng::derive_seed;
use crate::world::{CollectOptions, Log, Policy, PolicySpec, RewardModelSpec, ScoreSpec, World, WorldConfig};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Share of visits in the uniformly random bucket, in [0, 1].
    pub share: f64,
    /// Visits per day.
    pub traffic: f64,
    /// Days of logging.
    pub days: f64,
    /// Production sharpness β.
    pub beta: f64,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ share, traffic, days, beta, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let c = Config {
            share: o.required_number("share", 0.0, 1.0)?,
            traffic: o.required_number("traffic", 1000.0, 20_000.0)?,
            days: o.required_number("days", 1.0, 14.0)?,
            beta: o.required_number("beta", 0.0, 5.0)?,
            seed: required_seed(&o)?,
        };
        o.finish_with(&["share", "traffic", "days", "beta", "seed"])?;
        Ok(c)
    }

    /// Visits in one log: traffic × days (at least 1).
    pub fn n_rounds(&self) -> usize {
        (self.traffic * self.days).round().max(1.0) as usize
    }
}

/// The page always sends its seed.
pub(crate) fn required_seed(o: &Obj<'_>) -> Result<u64> {
    if !o.has("seed") {
        return Err(Error::invalid(o.path_of("seed"), "is required: expected a non-negative integer"));
    }
    o.seed("seed", 0)
}

/// The lesson's world: 500 users, 100 items, the simulator's defaults otherwise.
pub fn world_config(c: &Config) -> WorldConfig {
    WorldConfig { seed: c.seed, n_users: 500, n_items: 100, ..Default::default() }
}

/// Weight of popularity in production's score, next to relevance 1.
pub const PRODUCTION_POPULARITY: f64 = 1.5;
/// The candidate's push towards less popular items.
pub const CANDIDATE_TAIL: f64 = 0.25;
/// Normal quantile of 80% power (one-sided), added to [`Z95`] for a call that is right 4 times in 5.
pub const Z80: f64 = 0.841_621_233_572_914_3;
/// Days of logging on the x axis of the "how many days?" chart.
pub const DAY_GRID: [f64; 23] = [
    0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 21.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 270.0, 365.0, 540.0, 730.0,
    1095.0, 1825.0, 3650.0,
];
/// Further days, added while a curve has not yet crossed the gap.
const DAY_GRID_MORE: [f64; 11] =
    [5000.0, 7300.0, 10000.0, 20000.0, 36500.0, 50000.0, 100000.0, 200000.0, 365000.0, 500000.0, 1000000.0];

/// Production: softmax(β · (relevance + 1.5 · popularity)).
pub fn production(beta: f64) -> PolicySpec {
    PolicySpec::Softmax { beta, score: ScoreSpec { relevance: 1.0, popularity: PRODUCTION_POPULARITY, ..Default::default() } }
}

/// The candidate: deterministic, so that replay applies — each user's single best item, nudged
/// towards the tail.
pub fn candidate() -> PolicySpec {
    PolicySpec::Greedy { score: ScoreSpec { relevance: 1.0, popularity: -CANDIDATE_TAIL, ..Default::default() } }
}

/// The logger: production with a uniform bucket of share `share` (component 1 of the mixture;
/// the whole log when the share is 1).
pub fn logger(c: &Config) -> PolicySpec {
    PolicySpec::with_random_bucket(production(c.beta), c.share)
}

/// Which logger component is the bucket (`None`: there is none).
pub fn bucket_component(share: f64) -> Option<usize> {
    if share <= 0.0 {
        None
    } else if share >= 1.0 {
        Some(0)
    } else {
        Some(1)
    }
}

/// The estimators, by the keys the page uses.
pub const NAIVE: &str = "naive";
/// IPS on the bucket rows alone (propensity 1/m).
pub const BUCKET_IPW: &str = "bucketIpw";
/// Replay on the bucket rows alone.
pub const REPLAY: &str = "replay";
/// IPS on every row with the mixture propensity (the balanced estimator).
pub const BALANCED_IPW: &str = "balancedIpw";
/// SNIPS on every row with the mixture propensity.
pub const BALANCED_SNIPW: &str = "balancedSnipw";

/// Exact per-visit variances of the estimators (rounds are i.i.d.: user ~ arrival, item ~ logger,
/// click ~ Bernoulli(relevance)) and the exact values. With w = π_e/μ and V the candidate's value:
/// IPS has E[w² r] − V², SNIPS and replay (delta method) E[w² (r − V)²]; per bucket visit
/// (μ = 1/m) for the bucket-only estimators, per visit (μ the mixture) for the balanced ones.
/// E[r²] = E[r] because clicks are 0/1.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Variances {
    /// The candidate's exact click rate.
    pub value: f64,
    /// Production's.
    pub production_value: f64,
    /// The uniform policy's (the bucket's visitors).
    pub uniform_value: f64,
    /// Per bucket visit.
    pub bucket_ipw: f64,
    /// Per bucket visit.
    pub replay: f64,
    /// Per visit.
    pub balanced_ipw: f64,
    /// Per visit.
    pub balanced_snipw: f64,
    /// The largest importance weight π_e/μ any visit can carry with the mixture propensity μ
    /// (at most m/b with a bucket; with none, 1 over production's smallest probability of a
    /// candidate's pick).
    pub max_weight: f64,
}

impl Variances {
    fn of(&self, key: &str) -> f64 {
        match key {
            BUCKET_IPW => self.bucket_ipw,
            REPLAY => self.replay,
            BALANCED_IPW => self.balanced_ipw,
            _ => self.balanced_snipw,
        }
    }
}

/// See [`Variances`].
pub fn per_visit_variance(world: &World, c: &Config) -> Result<Variances> {
    let q = world.relevance();
    let arrival = world.arrival();
    let pe = Policy::compile(world, &candidate())?;
    let pe = pe.table()?;
    let p0 = Policy::compile(world, &production(c.beta))?;
    let p0 = p0.table()?;
    let m = world.n_items();
    let mf = m as f64;
    let b = c.share.clamp(0.0, 1.0);
    let (mut v, mut v0, mut vu) = (0.0, 0.0, 0.0);
    for (u, &a) in arrival.iter().enumerate() {
        for i in 0..m {
            let k = u * m + i;
            v += a * pe[k] * q[k];
            v0 += a * p0[k] * q[k];
            vu += (a * q[k]) / mf;
        }
    }
    let (mut bucket_a, mut bucket_b, mut bal_a, mut bal_b, mut max_weight) = (0.0, 0.0, 0.0, 0.0, 0.0f64);
    for (u, &pu) in arrival.iter().enumerate() {
        if pu == 0.0 {
            continue;
        }
        for i in 0..m {
            let k = u * m + i;
            let e = pe[k];
            if e == 0.0 {
                continue;
            }
            let mu = (1.0 - b) * p0[k] + b / mf;
            bucket_a += pu * e * e * q[k];
            bucket_b += pu * e * e;
            bal_a += (pu * e * e * q[k]) / mu;
            bal_b += (pu * e * e) / mu;
            max_weight = max_weight.max(e / mu);
        }
    }
    // E[w²(r−V)²] = E[w² r](1 − 2V) + V² E[w²]
    let snipw = |a: f64, bb: f64| a * (1.0 - 2.0 * v) + v * v * bb;
    Ok(Variances {
        value: v,
        production_value: v0,
        uniform_value: vu,
        bucket_ipw: mf * bucket_a - v * v,
        replay: mf * snipw(bucket_a, bucket_b),
        balanced_ipw: bal_a - v * v,
        balanced_snipw: snipw(bal_a, bal_b),
        max_weight,
    })
}

/// Share of the visits an estimator uses: the bucket's for the bucket-only ones, all otherwise.
fn used_share(key: &str, share: f64) -> f64 {
    if key == BUCKET_IPW || key == REPLAY { share } else { 1.0 }
}

/// Days until the half-width z·σ/√(visits) of a 95% interval falls below |gap| (∞ when it never does).
pub fn days_to_decide(variance: f64, visits_per_day: f64, gap: f64, z: f64) -> f64 {
    if visits_per_day.is_nan() || visits_per_day <= 0.0 || gap.is_nan() || gap == 0.0 {
        return f64::INFINITY;
    }
    (z * z * variance) / (gap * gap) / visits_per_day
}

/// A point of a curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// Days of logging.
    pub x: f64,
    /// 95% half-width after that many days.
    pub y: f64,
}

/// The exact part: values, the gap, and how long each estimator needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Theory {
    /// Exact values and per-visit variances.
    pub variance: Variances,
    /// The candidate's value minus production's.
    pub gap: f64,
    /// The estimators that have something to use (no bucket-only ones without a bucket).
    pub keys: Vec<&'static str>,
    /// Each estimator's 95% half-width against days of logging.
    pub curves: BTreeMap<&'static str, Vec<Point>>,
    /// Days until the 95% interval is narrower than the gap (about a coin flip for a correct call).
    pub days: BTreeMap<&'static str, f64>,
    /// Days for a correct call 4 times in 5 (80% power).
    pub days80: BTreeMap<&'static str, f64>,
    /// The 95% half-width the exact variance predicts for one log of the page's length.
    pub predicted_half_width: BTreeMap<&'static str, f64>,
}

/// The exact part of the lesson for config `c`.
pub fn theory(world: &World, c: &Config) -> Result<Theory> {
    let v = per_visit_variance(world, c)?;
    let gap = v.value - v.production_value;
    let keys: Vec<&'static str> =
        [BUCKET_IPW, REPLAY, BALANCED_IPW, BALANCED_SNIPW].into_iter().filter(|k| used_share(k, c.share) > 0.0).collect();
    let mut days = BTreeMap::new();
    let mut days80 = BTreeMap::new();
    for &k in &keys {
        let per_day = c.traffic * used_share(k, c.share);
        days.insert(k, days_to_decide(v.of(k), per_day, gap, Z95));
        days80.insert(k, days_to_decide(v.of(k), per_day, gap, Z95 + Z80));
    }
    let longest = days.values().copied().filter(|d| d.is_finite()).fold(0.0, f64::max);
    let mut grid = DAY_GRID.to_vec();
    for d in DAY_GRID_MORE {
        if grid[grid.len() - 1] >= 1.5 * longest {
            break;
        }
        grid.push(d);
    }
    let n = c.traffic * c.days;
    let mut curves = BTreeMap::new();
    let mut predicted_half_width = BTreeMap::new();
    for &k in &keys {
        let per_day = c.traffic * used_share(k, c.share);
        curves.insert(k, grid.iter().map(|&d| Point { x: d, y: Z95 * (v.of(k) / (per_day * d)).sqrt() }).collect());
        predicted_half_width.insert(k, Z95 * (v.of(k) / (n * used_share(k, c.share))).sqrt());
    }
    Ok(Theory { variance: v, gap, keys, curves, days, days80, predicted_half_width })
}

/// Replicated logs for a log of `n` visits: about 100 for small logs, fewer (not under 20) for big
/// ones.
pub fn replicates_for(n: usize) -> usize {
    (5_000_000 / n.max(1)).clamp(20, 100)
}

/// What an analyst sees on one log (the first replicate): each estimate with an interval a
/// learner can believe, or a caution saying why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FirstLog {
    /// Visits in the log.
    pub n: usize,
    /// Visits in the bucket.
    pub bucket_visits: usize,
    /// Bucket visits whose random item was the candidate's pick (what replay averages).
    pub matches: usize,
    /// Clicks on those.
    pub matched_clicks: f64,
    /// The estimates by key: the naive mean and replay are plain proportions (Wilson intervals,
    /// within [0, 1]); the weighted ones have normal intervals with a caution when these cannot
    /// be believed.
    pub estimates: BTreeMap<&'static str, Estimate>,
    /// Importance weights of the weighted estimates, by key.
    pub weights: BTreeMap<&'static str, Weights>,
}

/// Read the first replicate's log (the same log as the lab's replicate 0).
pub fn first_log(world: &Arc<World>, logger: &Policy, target: &Policy, c: &Config) -> Result<FirstLog> {
    let n = c.n_rounds();
    let log = Log::collect_compiled(
        world.clone(),
        logger.clone(),
        &CollectOptions { n_rounds: n, seed: derive_seed(c.seed, 0), len_list: 1, reward: None },
    )?;
    let mut estimates = BTreeMap::new();
    let mut weights = BTreeMap::new();
    let clicks: f64 = log.reward.iter().sum();
    estimates.insert(NAIVE, Estimate::proportion(clicks, n as f64));
    let (ipw, w) = common::weighted_estimate(&log, target, Kernel::Ipw(f64::INFINITY), RATE);
    estimates.insert(BALANCED_IPW, ipw);
    weights.insert(BALANCED_IPW, w);
    let (snipw, w) = common::weighted_estimate(&log, target, Kernel::Snipw, RATE);
    estimates.insert(BALANCED_SNIPW, snipw);
    weights.insert(BALANCED_SNIPW, w);
    let (mut bucket_visits, mut matches, mut matched_clicks) = (0, 0, 0.0);
    if let Some(comp) = bucket_component(c.share) {
        let mf = world.n_items() as f64;
        let rows: Vec<usize> = (0..log.n_rows()).filter(|&r| log.component[r] as usize == comp).collect();
        bucket_visits = rows.len();
        let pe = |r: usize| target.probs(log.user[r] as usize)[log.action[r] as usize];
        // IPS on the bucket rows with their own propensity 1/m (the lab's estimate, same terms)
        let kernel = Kernel::Ipw(f64::INFINITY);
        let terms: Vec<_> = rows.iter().map(|&r| kernel.round_terms(log.reward[r], 1.0 / mf, pe(r), 0.0, 0.0)).collect();
        let (v, se) = TermMoments::from_terms(&terms).estimate_and_se(kernel.normalizer());
        let w: Vec<f64> = rows.iter().map(|&r| pe(r) * mf).collect();
        let wsum = Weights::of(&w);
        estimates.insert(BUCKET_IPW, Estimate::normal(v, se, RATE, Some(&wsum)));
        weights.insert(BUCKET_IPW, wsum);
        // replay: the clicks of the matching bucket visits, a plain proportion
        for &r in &rows {
            if pe(r) == 1.0 {
                matches += 1;
                matched_clicks += log.reward[r];
            }
        }
        let mut replay = Estimate::proportion(matched_clicks, matches as f64);
        if matches == 0 {
            replay.caution = Some("no bucket visit showed the candidate's pick: replay has nothing to average".into());
        } else if matches < 30 {
            replay.caution = Some(format!("rests on only {matches} matching visit{}", if matches == 1 { "" } else { "s" }));
        }
        estimates.insert(REPLAY, replay);
    }
    Ok(FirstLog { n, bucket_visits, matches, matched_clicks, estimates, weights })
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// The candidate's exact click rate.
    pub truth: f64,
    /// Production's.
    pub production_value: f64,
    /// A uniformly random item's.
    pub uniform_value: f64,
    /// Visits per log.
    pub n_rounds: usize,
    /// The exact part.
    pub theory: Theory,
    /// Replicated logs so far.
    pub replicates: usize,
    /// Mean number of bucket visits per log.
    pub bucket_rows: f64,
    /// The first log, as an analyst sees it (once simulated).
    pub first: Option<FirstLog>,
    /// Each estimator over the replicated logs (normal intervals, as the lab computes them, for
    /// the coverage).
    pub sim: BTreeMap<&'static str, Spread>,
    /// Logs in which replay found no matching visit (its estimate is left out: it says nothing).
    pub no_match: usize,
    /// Progress, in replicated logs.
    pub progress: Progress,
}

/// The lab's estimators: (key, spec); "replayMatched" is SNIPS on the bucket, NaN when replay
/// matched nothing.
pub fn lab_estimators(share: f64) -> Vec<(&'static str, EstimatorSpec)> {
    let spec = |name: &str, component: Option<usize>, label: &str| EstimatorSpec {
        name: name.into(),
        lambda: None,
        component,
        label: label.into(),
    };
    let mut list = vec![
        (NAIVE, spec("naive", None, "naive")),
        (BALANCED_IPW, spec("ipw", None, "balanced ipw")),
        (BALANCED_SNIPW, spec("snipw", None, "balanced snipw")),
    ];
    if let Some(c) = bucket_component(share) {
        list.push((BUCKET_IPW, spec("ipw", Some(c), "bucket ipw")));
        list.push((REPLAY, spec("rm", Some(c), "bucket replay")));
        // With a uniform logger and a deterministic candidate, SNIPS on the bucket is replay,
        // except that it is NaN (not OBP's 0) when no bucket visit matched: it tells us when
        // replay had nothing.
        list.push(("replayMatched", spec("snipw", Some(c), "bucket snipw")));
    }
    list
}

/// The replicated experiment of the lesson with `replicates` logs (the page runs
/// [`replicates_for`] of them).
pub fn lab_scenario(c: &Config, replicates: usize) -> Scenario {
    Scenario {
        logger: logger(c),
        target: candidate(),
        n_rounds: c.n_rounds(),
        replicates,
        seed: c.seed,
        estimators: lab_estimators(c.share).into_iter().map(|e| e.1).collect(),
        reward_model: RewardModelSpec::True { misspecification: 0.0, bias: 0.0, noise: 0.0, seed: 0 },
        alpha: 0.05,
        n_bootstrap_samples: 0,
        reward: None,
        cross_fit: Default::default(),
    }
}

/// Rows a step may simulate (a step should take tens of milliseconds in a browser).
const ROWS_PER_STEP: usize = 100_000;

/// The lesson's run: the exact part first, then the first replicate with the first log's
/// readings, then more replicates in bounded steps.
pub struct Runner {
    config: Config,
    world: Arc<World>,
    theory: Theory,
    keys: Vec<&'static str>,
    lab: Lab,
    reps: BTreeMap<&'static str, Vec<(f64, f64, f64)>>,
    bucket_rows: usize,
    no_match: usize,
    first: Option<FirstLog>,
    started: bool,
}

impl Runner {
    /// Prepare a run.
    pub fn new(config: Config) -> Result<Runner> {
        let world = common::world(world_config(&config))?;
        let theory = theory(&world, &config)?;
        let keys = lab_estimators(config.share).iter().map(|e| e.0).collect();
        let lab = Lab::new(world.clone(), lab_scenario(&config, replicates_for(config.n_rounds())))?;
        Ok(Runner {
            config,
            world,
            theory,
            keys,
            lab,
            reps: BTreeMap::new(),
            bucket_rows: 0,
            no_match: 0,
            first: None,
            started: false,
        })
    }

    fn simulate(&mut self, n: usize) -> Result<()> {
        for rep in self.lab.step(n)? {
            let mut row: BTreeMap<&'static str, (f64, f64, f64)> =
                self.keys.iter().zip(&rep.estimates).map(|(k, e)| (*k, (e.value, e.lower, e.upper))).collect();
            if let Some(i) = self.keys.iter().position(|k| *k == BUCKET_IPW) {
                self.bucket_rows += rep.estimates[i].n;
            }
            // replay with no matching bucket visit carries no information (OBP returns 0)
            if row.get("replayMatched").is_some_and(|m| !m.0.is_finite()) {
                self.no_match += 1;
                row.insert(REPLAY, (f64::NAN, f64::NAN, f64::NAN));
            }
            for (k, v) in row {
                if k != "replayMatched" {
                    self.reps.entry(k).or_default().push(v);
                }
            }
        }
        Ok(())
    }

    fn output(&self) -> Output {
        let done = self.lab.replicates_done();
        let truth = self.lab.truth();
        let v = &self.theory.variance;
        Output {
            truth: v.value,
            production_value: v.production_value,
            uniform_value: v.uniform_value,
            n_rounds: self.config.n_rounds(),
            theory: self.theory.clone(),
            replicates: done,
            bucket_rows: if self.reps.contains_key(BUCKET_IPW) { self.bucket_rows as f64 / done.max(1) as f64 } else { 0.0 },
            first: self.first.clone(),
            sim: self.reps.iter().map(|(k, r)| (*k, common::spread(r, truth))).collect(),
            no_match: self.no_match,
            progress: Progress::new(done, self.lab.scenario().replicates, "replicated logs"),
        }
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        let total = self.lab.scenario().replicates;
        if !self.started {
            // the exact part: drawn while the logs are simulated
            self.started = true;
        } else if self.first.is_none() {
            let logger = Policy::compile(&self.world, &logger(&self.config))?;
            let target = Policy::compile(&self.world, &candidate())?;
            self.first = Some(first_log(&self.world, &logger, &target, &self.config)?);
            self.simulate(1)?;
        } else if self.lab.replicates_done() < total {
            let k = (ROWS_PER_STEP / self.config.n_rounds()).max(1);
            self.simulate(k)?;
        } else {
            return Ok(None);
        }
        Ok(Some(LessonOutput::RandomBucket(self.output())))
    }
}
