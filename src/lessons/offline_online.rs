//! Lesson 5, "Does offline predict online?": a dozen candidate recommenders are scored offline on
//! logs that a popularity-leaning production recommender collected (precision@k and NDCG@k on the
//! logged clicks, IPS and DR with a tabular reward model), on all logs and on the rows of a
//! uniformly randomized bucket, and each offline score is compared with the candidates' online
//! value (exact, and simulated A/B tests) by Kendall's τ. Everything is repeated on [`LOGS`]
//! independent logs, so the charts can show how much the ranking of the candidates depends on the
//! luck of the draw.

use super::ab_test::{self, ArmMean};
use super::common::{self, Estimate, RATE};
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::estimators::Kernel;
use crate::metrics::{self, LoggedClicks};
use crate::stats;
use crate::world::{CollectOptions, Log, Policy, PolicySpec, RecommenderSpec, ScoreSpec, Signal, World, WorldConfig};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Independent logs (replicates) per setting.
pub const LOGS: usize = 20;
/// Largest k of the k control (each candidate's top `K_MAX` items per user are kept).
pub const K_MAX: usize = 20;
/// Visits per arm of each simulated A/B test.
pub const AB_ROUNDS: usize = 10_000;
/// Softmax sharpness of production and of every candidate (the same randomization for all).
pub const BETA: f64 = 3.0;
/// Logged visits that the two learned models are trained on ("last month's" production logs).
pub const TRAIN_ROUNDS: usize = 20_000;
/// Pseudo-observations of the tabular reward model (each item's mean click shrunk to the overall mean).
pub const SMOOTHING: f64 = 10.0;
/// The offline metrics, in the order of [`Offline`].
pub const METRICS: [&str; 4] = ["precision", "ndcg", "ipw", "dr"];

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Share of traffic in the uniformly randomized bucket.
    pub bucket: f64,
    /// Logged visits per log.
    pub rounds: usize,
    /// Weight of popularity in production's score.
    pub pop_bias: f64,
    /// The metric the scatter plots show (display only: every metric is computed).
    pub metric: &'static str,
    /// Cut-off of precision@k and NDCG@k.
    pub k: usize,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ bucket, rounds, popBias, metric, k, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        if !o.has("metric") {
            return Err(Error::invalid("state.metric", format!("is required: expected one of {}", METRICS.join(", "))));
        }
        let c = Config {
            bucket: o.required_number("bucket", 0.0, 0.5)?,
            rounds: o.required_number("rounds", 100.0, 100_000.0)? as usize,
            pop_bias: o.required_number("popBias", 0.0, 3.0)?,
            metric: o.choice("metric", "ndcg", &METRICS)?,
            k: o.required_number("k", 1.0, K_MAX as f64)? as usize,
            seed: o.seed("seed", 0)?,
        };
        if !o.has("seed") {
            return Err(Error::invalid("state.seed", "is required: expected a non-negative integer"));
        }
        o.finish_with(&["bucket", "rounds", "popBias", "metric", "k", "seed"])?;
        Ok(c)
    }
}

/// The lesson's world: 500 users, 100 items, otherwise the defaults.
pub fn world_config(seed: u64) -> WorldConfig {
    WorldConfig { seed, n_users: 500, n_items: 100, ..Default::default() }
}

/// Production: softmax(β · (relevance + popBias · popularity)).
pub fn production(pop_bias: f64) -> PolicySpec {
    soft(ScoreSpec { relevance: 1.0, popularity: pop_bias, ..Default::default() })
}

/// Production with a uniformly random bucket of share `bucket` (mixture component 1).
pub fn logger(pop_bias: f64, bucket: f64) -> PolicySpec {
    PolicySpec::with_random_bucket(production(pop_bias), bucket)
}

fn soft(score: ScoreSpec) -> PolicySpec {
    PolicySpec::Softmax { beta: BETA, score }
}

fn blend(relevance: f64, popularity: f64, noise: f64, noise_seed: u64) -> ScoreSpec {
    ScoreSpec { relevance, popularity, noise, noise_seed, model: None }
}

/// The names under which the two item-kNN models of a production setting are registered.
pub fn model_names(pop_bias: f64) -> (String, String) {
    (format!("oo-knn-{pop_bias}"), format!("oo-knn-ipw-{pop_bias}"))
}

/// The twelve candidates: (id, label, policy). Blends of true taste, popularity and model error,
/// and two item-kNN models fitted on an earlier production log (registered by [`fit_models`]).
pub fn candidate_specs(pop_bias: f64) -> Vec<(&'static str, &'static str, PolicySpec)> {
    let (knn, knn_ipw) = model_names(pop_bias);
    let model = |name: String| soft(ScoreSpec { model: Some((name, 1.0)), ..Default::default() });
    vec![
        ("production", "Production (today’s recommender)", production(pop_bias)),
        ("taste", "True taste", soft(ScoreSpec::relevance())),
        ("err05", "Taste + small model error", soft(blend(1.0, 0.0, 0.5, 1))),
        ("err1", "Taste + medium model error", soft(blend(1.0, 0.0, 1.0, 2))),
        ("err2", "Taste + large model error", soft(blend(1.0, 0.0, 2.0, 3))),
        ("pop05", "Taste + mild popularity boost", soft(blend(1.0, 0.5, 0.0, 0))),
        ("pop2", "Taste + strong popularity boost", soft(blend(1.0, 2.0, 0.0, 0))),
        ("popular", "Most popular items", soft(ScoreSpec { popularity: 1.0, ..Default::default() })),
        ("tail05", "Taste + mild long-tail boost", soft(blend(1.0, -0.5, 0.0, 0))),
        ("tail1", "Taste + strong long-tail boost", soft(blend(1.0, -1.0, 0.0, 0))),
        ("knn", "Item-kNN trained on production logs", model(knn)),
        ("knnIpw", "Item-kNN trained with IPS weights", model(knn_ipw)),
    ]
}

/// Seed of the log the two item-kNN models are trained on.
pub fn train_seed(seed: u64) -> u64 {
    7919 * seed + 3
}
/// Seed of replicate `r`'s production log.
pub fn log_seed(seed: u64, r: usize) -> u64 {
    104_729 * seed + 31 * r as u64 + 5
}
/// Seed of the A/B test of candidate `j` in replicate `r`.
pub fn ab_seed(seed: u64, r: usize, j: usize) -> u64 {
    1_000_003 * seed + 7_919 * r as u64 + 101 * j as u64 + 17
}

/// The earlier production log the two item-kNN models are trained on.
pub fn training_log(world: &Arc<World>, seed: u64, pop_bias: f64) -> Result<Log> {
    Log::collect(
        world.clone(),
        &production(pop_bias),
        &CollectOptions { n_rounds: TRAIN_ROUNDS, seed: train_seed(seed), len_list: 1, reward: None },
    )
}

/// Fit one item-kNN model on the training log, naively or with IPS weights, and register it.
pub fn fit_model(world: &Arc<World>, train: &Log, pop_bias: f64, ipw: bool) -> Result<()> {
    let (knn, knn_ipw) = model_names(pop_bias);
    let scores = RecommenderSpec::ItemKnn { neighbors: 20, ipw, clip: 100.0 }.fit(train)?;
    world.add_model(if ipw { &knn_ipw } else { &knn }, scores)
}

/// Fit the two item-kNN models (naive and IPS-weighted) on an earlier production log and register
/// them on `world`; returns the training log.
pub fn fit_models(world: &Arc<World>, seed: u64, pop_bias: f64) -> Result<Log> {
    let train = training_log(world, seed, pop_bias)?;
    fit_model(world, &train, pop_bias, false)?;
    fit_model(world, &train, pop_bias, true)?;
    Ok(train)
}

/// A candidate, prepared once per world and production setting.
pub struct Prepared {
    /// Short id.
    pub id: &'static str,
    /// Label.
    pub label: &'static str,
    /// The compiled policy.
    pub policy: Policy,
    /// Exact online click rate.
    pub value: f64,
    /// Overlap with production: Σᵤ P(u) Σₐ min(π_c(a|u), π_prod(a|u)) (1: the same recommendations).
    pub overlap: f64,
    /// Where its most likely item ranks in users' true taste ([`taste_rank`]).
    pub taste_rank: f64,
    /// Each user's top [`K_MAX`] items (flat n_users × K_MAX).
    pub top: Vec<u32>,
}

/// Overlap of two single-item policies, Σᵤ P(u) Σₐ min(π₁(a|u), π₂(a|u)).
pub fn overlap(world: &World, a: &Policy, b: &Policy) -> f64 {
    world
        .arrival()
        .iter()
        .enumerate()
        .map(|(u, w)| w * a.probs(u).iter().zip(b.probs(u)).map(|(x, y)| x.min(*y)).sum::<f64>())
        .sum()
}

/// Prepare candidate `spec`; `production` is production's prepared policy (`None` for production itself).
pub fn prepare_one(
    world: &Arc<World>,
    id: &'static str,
    label: &'static str,
    spec: &PolicySpec,
    production: Option<&Policy>,
) -> Result<Prepared> {
    let policy = Policy::compile(world, spec)?;
    Ok(Prepared {
        id,
        label,
        value: world.policy_value(&policy, Signal::Click)?,
        overlap: overlap(world, &policy, production.unwrap_or(&policy)),
        taste_rank: taste_rank(world, &policy),
        top: metrics::top_items(&policy.score_table(), world.n_items(), K_MAX),
        policy,
    })
}

/// Prepare every candidate of a production setting on `world` (the item-kNN models must be
/// registered: [`fit_models`]).
pub fn prepare(world: &Arc<World>, pop_bias: f64) -> Result<Vec<Prepared>> {
    let mut out: Vec<Prepared> = Vec::new();
    for (id, label, spec) in candidate_specs(pop_bias) {
        let p = prepare_one(world, id, label, &spec, out.first().map(|p| &p.policy))?;
        out.push(p);
    }
    Ok(out)
}

/// Where a policy's most likely item ranks in each user's true taste (1: the user's favourite),
/// averaged over users weighted by how often they arrive.
pub fn taste_rank(world: &World, policy: &Policy) -> f64 {
    let ni = world.n_items();
    world
        .arrival()
        .iter()
        .enumerate()
        .map(|(u, w)| {
            let p = policy.probs(u);
            let best = (0..ni).fold(0, |b, i| if p[i] > p[b] { i } else { b });
            let r = world.rel(u, best);
            w * (1 + (0..ni).filter(|&i| world.rel(u, i) > r).count()) as f64
        })
        .sum()
}

/// The importance weights behind the IPS-weighted item-kNN: each training row counts
/// min(1/π₀, 100), rescaled to average 1 (the core's `weighting: "ipw"`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrainingWeights {
    /// Visits in the training log.
    pub visits: usize,
    /// Clicks in it.
    pub clicks: usize,
    /// Share of the clicks' total weight carried by the 1% of clicks with the largest weights.
    pub top_share: f64,
    /// The largest weight of a click (the mean weight of a visit is 1).
    pub max_weight: f64,
}

impl TrainingWeights {
    /// The weights of a training log.
    pub fn of(train: &Log) -> TrainingWeights {
        let raw: Vec<f64> = train.pscore.iter().map(|p| (1.0 / p).min(100.0)).collect();
        let mean = raw.iter().sum::<f64>() / raw.len() as f64;
        let mut clicked: Vec<f64> = raw.iter().zip(&train.reward).filter(|(_, r)| **r > 0.0).map(|(w, _)| w / mean).collect();
        crate::stats::sort(&mut clicked);
        clicked.reverse();
        let total: f64 = clicked.iter().sum();
        let top: f64 = clicked[..clicked.len().div_ceil(100)].iter().sum();
        TrainingWeights {
            visits: train.n_rows(),
            clicks: clicked.len(),
            top_share: if total > 0.0 { top / total } else { f64::NAN },
            max_weight: clicked.first().copied().unwrap_or(f64::NAN),
        }
    }
}

/// The tabular reward model of a single-item log: each item's mean logged reward shrunk to the
/// overall mean with [`SMOOTHING`] pseudo-observations — the core's `{ kind: "tabular" }` reward
/// model (`RewardModelSpec::Tabular`), read as one row per item instead of one per logged row.
pub fn tabular(log: &Log, n_items: usize) -> Vec<f64> {
    let mut sum = vec![0.0; n_items];
    let mut cnt = vec![0.0; n_items];
    let mut total = 0.0;
    for r in 0..log.n_rows() {
        sum[log.action[r] as usize] += log.reward[r];
        cnt[log.action[r] as usize] += 1.0;
        total += log.reward[r];
    }
    let prior = if log.n_rows() > 0 { total / log.n_rows() as f64 } else { 0.0 };
    sum.iter().zip(&cnt).map(|(s, c)| (s + SMOOTHING * prior) / (c + SMOOTHING)).collect()
}

/// IPS and DR (tabular reward model `q`) of a candidate on a single-item log, each logged row
/// weighted by π_e/π₀ with π₀ the row's logged propensity: the core's estimators
/// ([`Kernel::round_terms`]), with DM's part Σₐ π_e(a|u) q̂(a) computed once per user.
pub fn ips_dr(log: &Log, policy: &Policy, q: &[f64]) -> (f64, f64) {
    let n = log.n_rows();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let nu = log.world().n_users();
    let dm: Vec<f64> = (0..nu).map(|u| policy.probs(u).iter().zip(q).map(|(p, q)| p * q).sum()).collect();
    let (ipw, dr) = (Kernel::Ipw(f64::INFINITY), Kernel::Dr(f64::INFINITY));
    let (mut si, mut sd) = (0.0, 0.0);
    for r in 0..n {
        let (u, a) = (log.user[r] as usize, log.action[r] as usize);
        let pe = policy.probs(u)[a];
        si += ipw.round_terms(log.reward[r], log.pscore[r], pe, 0.0, 0.0).a;
        sd += dr.round_terms(log.reward[r], log.pscore[r], pe, q[a], dm[u]).a;
    }
    (ipw.combine(n, si, 0.0, 0.0), dr.combine(n, sd, 0.0, 0.0))
}

/// Kendall's τ-b, `NaN` when a value is missing or there are fewer than two.
pub fn tau(x: &[f64], y: &[f64]) -> f64 {
    if x.len() < 2 || x.iter().any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    stats::kendall_tau(x, y)
}

/// Median, middle 80% (10% and 90% quantiles) and extremes of the finite values over logs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantiles {
    /// Median.
    pub median: f64,
    /// 10% quantile.
    pub lo: f64,
    /// 90% quantile.
    pub hi: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
    /// Finite values summarized.
    pub n: usize,
}

impl Quantiles {
    /// Summarize `xs` (non-finite values are left out and not counted).
    pub fn of(xs: impl IntoIterator<Item = f64>) -> Quantiles {
        let mut s: Vec<f64> = xs.into_iter().filter(|x| x.is_finite()).collect();
        crate::stats::sort(&mut s);
        let q = |p: f64| stats::percentile_sorted(&s, p);
        Quantiles {
            median: q(50.0),
            lo: q(10.0),
            hi: q(90.0),
            min: s.first().copied().unwrap_or(f64::NAN),
            max: s.last().copied().unwrap_or(f64::NAN),
            n: s.len(),
        }
    }
}

/// Something computed on all logged visits and, when there is a bucket, on its rows only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BySource<T> {
    /// On all logged visits.
    pub all: T,
    /// On the randomized bucket's visits (`None` without a bucket).
    pub bucket: Option<T>,
}

/// Per metric: per source, each candidate's value over logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offline {
    /// Precision@k on logged clicks.
    pub precision: BySource<Vec<Quantiles>>,
    /// NDCG@k on logged clicks.
    pub ndcg: BySource<Vec<Quantiles>>,
    /// IPS.
    pub ipw: BySource<Vec<Quantiles>>,
    /// DR.
    pub dr: BySource<Vec<Quantiles>>,
}

/// Kendall τ of each offline ranking (and of the A/B tests') with the exact online order, over logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Taus {
    /// Precision@k.
    pub precision: BySource<Quantiles>,
    /// NDCG@k.
    pub ndcg: BySource<Quantiles>,
    /// IPS.
    pub ipw: BySource<Quantiles>,
    /// DR.
    pub dr: BySource<Quantiles>,
    /// A/B tests (one per candidate and replicate).
    pub ab: BySource<Quantiles>,
}

/// One candidate as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateOut {
    /// Short id.
    pub id: &'static str,
    /// Label.
    pub label: &'static str,
    /// Exact online click rate.
    pub value: f64,
    /// Overlap with production's recommendations.
    pub overlap: f64,
    /// Where its most likely item ranks in users' true taste (1: their favourite), on average.
    pub taste_rank: f64,
    /// The first replicate's A/B test: click rate per visit with its 95% interval.
    pub ab: Option<Estimate>,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// The candidates (all twelve once the two item-kNN models are trained).
    pub candidates: Vec<CandidateOut>,
    /// The importance weights the IPS-weighted item-kNN was trained with.
    pub knn_weights: Option<TrainingWeights>,
    /// Each offline metric of each candidate, over logs.
    pub offline: Option<Offline>,
    /// Kendall τ of each offline metric with the online order, over logs.
    pub tau: Option<Taus>,
    /// Logs done.
    pub logs_done: usize,
    /// Logs in all.
    pub logs_total: usize,
    /// Visits per arm of each A/B test.
    pub ab_rounds: usize,
    /// Rows of the randomized bucket per log.
    pub bucket_rows: Quantiles,
    /// Progress of the run.
    pub progress: Progress,
}

/// A production setting's candidates and the A/B tests done so far (they do not depend on the
/// logs, so every run of the setting reuses them).
struct Candidates {
    world: Arc<World>,
    pop_bias: f64,
    seed: u64,
    /// The candidates prepared so far (the ten without a learned model first).
    list: Vec<Prepared>,
    /// The log the item-kNN models learn from, between the steps that fit them.
    train: Option<Log>,
    knn_weights: Option<TrainingWeights>,
    /// Per replicate: each candidate's A/B test (click rate per visit).
    ab: Vec<Vec<ArmMean>>,
}

type Shared = Rc<RefCell<Candidates>>;
type RunKey = (u64, u64, u64, usize, usize);

thread_local! {
    static CANDIDATES: RefCell<Vec<((u64, u64), Shared)>> = const { RefCell::new(Vec::new()) };
    static RUNS: RefCell<Vec<(RunKey, Output)>> = const { RefCell::new(Vec::new()) };
}

fn remember<K: PartialEq, V>(list: &mut Vec<(K, V)>, key: K, value: V, max: usize) {
    list.retain(|(k, _)| *k != key);
    list.push((key, value));
    if list.len() > max {
        list.remove(0);
    }
}

/// The candidates prepared by each step before the item-kNN models: 0..2 (with the world), 2..4, …
const PREP_CHUNKS: [usize; 5] = [2, 4, 6, 8, 10];
/// Steps that prepare the candidates: those chunks, then one per item-kNN model.
const PREP_STEPS: usize = PREP_CHUNKS.len() + 2;

fn candidates(seed: u64, pop_bias: f64) -> Result<Shared> {
    let key = (seed, pop_bias.to_bits());
    if let Some(c) = CANDIDATES.with(|c| c.borrow().iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())) {
        return Ok(c);
    }
    let world = common::world(world_config(seed))?;
    let c = Rc::new(RefCell::new(Candidates {
        world,
        pop_bias,
        seed,
        list: Vec::new(),
        train: None,
        knn_weights: None,
        ab: Vec::new(),
    }));
    CANDIDATES.with(|cs| remember(&mut cs.borrow_mut(), key, c.clone(), 4));
    Ok(c)
}

impl Candidates {
    fn complete(&self) -> bool {
        self.list.len() == 12
    }

    /// The next piece of preparation: a few of the candidates without a learned model (see
    /// [`PREP_CHUNKS`]), then each item-kNN model (trained on an earlier production log) and its
    /// candidate.
    fn advance(&mut self) -> Result<()> {
        let specs = candidate_specs(self.pop_bias);
        let n = self.list.len();
        if let Some(&end) = PREP_CHUNKS.iter().find(|&&e| e > n) {
            for (id, label, spec) in &specs[n..end] {
                let p = prepare_one(&self.world, id, label, spec, self.list.first().map(|p| &p.policy))?;
                self.list.push(p);
            }
        } else if n < specs.len() {
            if self.train.is_none() {
                let train = training_log(&self.world, self.seed, self.pop_bias)?;
                self.knn_weights = Some(TrainingWeights::of(&train));
                self.train = Some(train);
            }
            let ipw = n == 11;
            fit_model(&self.world, self.train.as_ref().expect("collected above"), self.pop_bias, ipw)?;
            let (id, label, spec) = &specs[n];
            let p = prepare_one(&self.world, id, label, spec, Some(&self.list[0].policy))?;
            self.list.push(p);
            if ipw {
                self.train = None;
            }
        }
        Ok(())
    }
}

/// The A/B tests of replicate `r`: every candidate serves [`AB_ROUNDS`] visits, each a click with
/// the candidate's exact click rate ([`ab_test::bernoulli_arm`]).
pub fn ab_tests(list: &[Prepared], seed: u64, r: usize) -> Vec<ArmMean> {
    list.iter().enumerate().map(|(j, c)| ab_test::bernoulli_arm(c.value, AB_ROUNDS, ab_seed(seed, r, j))).collect()
}

/// Every offline metric of every candidate on one log (in [`METRICS`] order, each on all rows
/// and, with a bucket, on the bucket's rows), and the number of bucket rows.
pub fn offline_metrics(log: &Log, list: &[Prepared], k: usize, bucket: bool) -> Result<(Vec<BySource<Vec<f64>>>, usize)> {
    let ni = log.n_actions();
    let read = |l: &Log| -> Vec<Vec<f64>> {
        let q = tabular(l, ni);
        let clicks = LoggedClicks::of(l, false);
        let mut m: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(list.len())).collect();
        for c in list {
            let rm = clicks.metrics(&c.top, K_MAX, k);
            let (ipw, dr) = ips_dr(l, &c.policy, &q);
            m[0].push(rm.precision);
            m[1].push(rm.ndcg);
            m[2].push(ipw);
            m[3].push(dr);
        }
        m
    };
    let all = read(log);
    Ok(if bucket {
        let sub = log.component_subset(1)?;
        let rows = sub.n_rows();
        (all.into_iter().zip(read(&sub)).map(|(a, b)| BySource { all: a, bucket: Some(b) }).collect(), rows)
    } else {
        (all.into_iter().map(|a| BySource { all: a, bucket: None }).collect(), 0)
    })
}

/// The lesson's run: the candidates (fitted models, exact values) first; then one replicate per
/// step: a production log with every offline metric of every candidate, and the replicate's A/B
/// tests (cached per seed and production setting).
pub struct Runner {
    config: Config,
    key: RunKey,
    cached: Option<Output>,
    cands: Option<Shared>,
    values: Vec<f64>,
    logger: Option<Policy>,
    /// Per metric: per source, per log, each candidate's value.
    offline: Vec<BySource<Vec<Vec<f64>>>>,
    /// Per metric: per source, τ per log.
    taus: Vec<BySource<Vec<f64>>>,
    ab_taus: Vec<f64>,
    bucket_rows: Vec<f64>,
    last: Option<Output>,
    finished: bool,
}

/// Numbers of logs after which the charts get new data (redrawing them takes longer than a log;
/// in between, a step returns the last data with new progress, which the charts skip).
pub const REFRESH: [usize; 6] = [1, 2, 4, 7, 12, LOGS];

impl Runner {
    /// Prepare a run.
    pub fn new(config: Config) -> Result<Runner> {
        let key = (config.seed, config.pop_bias.to_bits(), config.bucket.to_bits(), config.rounds, config.k);
        let cached = RUNS.with(|r| r.borrow().iter().find(|(k, _)| *k == key).map(|(_, o)| o.clone()));
        let bucket = config.bucket > 0.0;
        Ok(Runner {
            key,
            cached,
            cands: None,
            values: Vec::new(),
            logger: None,
            offline: (0..4).map(|_| BySource { all: Vec::new(), bucket: bucket.then(Vec::new) }).collect(),
            taus: (0..4).map(|_| BySource { all: Vec::new(), bucket: bucket.then(Vec::new) }).collect(),
            ab_taus: Vec::new(),
            bucket_rows: Vec::new(),
            last: None,
            finished: false,
            config,
        })
    }

    fn logs_done(&self) -> usize {
        self.taus[0].all.len()
    }

    fn snapshot(&self, fresh: bool) -> Output {
        let prepared = self.cands.as_ref().map_or(0, |c| {
            let n = c.borrow().list.len();
            PREP_CHUNKS.iter().filter(|&&e| e <= n).count() + n.saturating_sub(10)
        });
        let progress = Progress::new(prepared + self.logs_done(), PREP_STEPS + LOGS, "steps");
        if !fresh && let Some(last) = &self.last {
            return Output { progress, ..last.clone() };
        }
        let c = self.cands.as_ref().expect("the candidates come first").borrow();
        let ab0 = c.ab.first();
        let candidates = c
            .list
            .iter()
            .enumerate()
            .map(|(j, p)| CandidateOut {
                id: p.id,
                label: p.label,
                value: p.value,
                overlap: p.overlap,
                taste_rank: p.taste_rank,
                ab: ab0.map(|ab| ab_test::normal_estimate(ab[j].mean, ab[j].se, RATE, ab[j].n)),
            })
            .collect();
        let (offline, tau) = if self.logs_done() == 0 {
            (None, None)
        } else {
            let per_cand = |logs: &Vec<Vec<f64>>| -> Vec<Quantiles> {
                (0..c.list.len()).map(|j| Quantiles::of(logs.iter().map(|row| row[j]))).collect()
            };
            let off = |i: usize| BySource {
                all: per_cand(&self.offline[i].all),
                bucket: self.offline[i].bucket.as_ref().map(per_cand),
            };
            let t = |i: usize| BySource {
                all: Quantiles::of(self.taus[i].all.iter().copied()),
                bucket: self.taus[i].bucket.as_ref().map(|b| Quantiles::of(b.iter().copied())),
            };
            let ab = BySource { all: Quantiles::of(self.ab_taus.iter().copied()), bucket: None };
            (
                Some(Offline { precision: off(0), ndcg: off(1), ipw: off(2), dr: off(3) }),
                Some(Taus { precision: t(0), ndcg: t(1), ipw: t(2), dr: t(3), ab }),
            )
        };
        Output {
            candidates,
            knn_weights: c.knn_weights,
            offline,
            tau,
            logs_done: self.logs_done(),
            logs_total: LOGS,
            ab_rounds: AB_ROUNDS,
            bucket_rows: Quantiles::of(self.bucket_rows.iter().copied()),
            progress,
        }
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        if self.finished {
            return Ok(None);
        }
        if let Some(out) = self.cached.take() {
            self.finished = true;
            return Ok(Some(LessonOutput::OfflineOnline(out)));
        }
        let c = &self.config;
        let cands = match self.cands.clone() {
            Some(cands) => cands,
            None => {
                let cands = candidates(c.seed, c.pop_bias)?;
                self.cands = Some(cands.clone());
                cands
            }
        };
        if !cands.borrow().complete() || self.logger.is_none() {
            // 1. the candidates (cached per seed and production setting) and their exact values,
            // a few per step; the first step already draws the online chart
            if !cands.borrow().complete() {
                cands.borrow_mut().advance()?;
            }
            if cands.borrow().complete() {
                self.values = cands.borrow().list.iter().map(|p| p.value).collect();
                self.logger = Some(Policy::compile(&cands.borrow().world, &logger(c.pop_bias, c.bucket))?);
            }
            let out = self.snapshot(true);
            self.last = Some(out.clone());
            return Ok(Some(LessonOutput::OfflineOnline(out)));
        }
        let r = self.logs_done();
        // 2. one production log (with its bucket): every offline metric of every candidate; and
        // the replicate's A/B tests unless an earlier run did them
        let world = cands.borrow().world.clone();
        let logger = self.logger.clone().expect("compiled with the candidates");
        let log = Log::collect_compiled(
            world,
            logger,
            &CollectOptions { n_rounds: c.rounds, seed: log_seed(c.seed, r), len_list: 1, reward: None },
        )?;
        let (m, rows) = offline_metrics(&log, &cands.borrow().list, c.k, c.bucket > 0.0)?;
        self.bucket_rows.push(rows as f64);
        for (i, by) in m.into_iter().enumerate() {
            self.taus[i].all.push(tau(&by.all, &self.values));
            self.offline[i].all.push(by.all);
            if let (Some(b), Some(t), Some(o)) = (by.bucket, self.taus[i].bucket.as_mut(), self.offline[i].bucket.as_mut()) {
                t.push(tau(&b, &self.values));
                o.push(b);
            }
        }
        if cands.borrow().ab.len() == r {
            let tests = ab_tests(&cands.borrow().list, c.seed, r);
            cands.borrow_mut().ab.push(tests);
        }
        let means: Vec<f64> = cands.borrow().ab[r].iter().map(|x| x.mean).collect();
        self.ab_taus.push(tau(&means, &self.values));
        let done = self.logs_done();
        let mut out = self.snapshot(done == 1 || REFRESH.contains(&done));
        self.last = Some(out.clone());
        if done == LOGS {
            self.finished = true;
            out.progress = Progress::new(PREP_STEPS + LOGS, PREP_STEPS + LOGS, "steps");
            RUNS.with(|r| remember(&mut r.borrow_mut(), self.key, out.clone(), 24));
        }
        Ok(Some(LessonOutput::OfflineOnline(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::RewardModelSpec;

    #[test]
    fn the_tabular_model_is_the_core_s() {
        let world = Arc::new(World::new(world_config(3)).unwrap());
        let log = Log::collect(
            world.clone(),
            &logger(1.0, 0.05),
            &CollectOptions { n_rounds: 3000, seed: 9, len_list: 1, reward: None },
        )
        .unwrap();
        for l in [log.clone(), log.component_subset(1).unwrap()] {
            let core = RewardModelSpec::Tabular { smoothing: SMOOTHING }.user_table(&l).unwrap();
            let mine = tabular(&l, 100);
            for u in [0, 17, 499] {
                assert_eq!(&core[u * 100..(u + 1) * 100], &mine[..]);
            }
        }
    }

    #[test]
    fn ips_and_dr_are_the_core_estimators() {
        use crate::estimators::kernel_by_name;
        let world = Arc::new(World::new(world_config(3)).unwrap());
        let log = Log::collect(
            world.clone(),
            &logger(1.0, 0.0),
            &CollectOptions { n_rounds: 2000, seed: 2, len_list: 1, reward: None },
        )
        .unwrap();
        let target = Policy::compile(&world, &soft(blend(1.0, -0.5, 0.0, 0))).unwrap();
        let q = tabular(&log, 100);
        let (ipw, dr) = ips_dr(&log, &target, &q);
        let qt = RewardModelSpec::Tabular { smoothing: SMOOTHING }.fit(&log).unwrap();
        let data = log.bandit_data(&target, Some(qt)).unwrap();
        let fb = data.view().unwrap();
        let core_ipw = kernel_by_name("ipw", None).unwrap().estimate(&fb).unwrap();
        let core_dr = kernel_by_name("dr", None).unwrap().estimate(&fb).unwrap();
        assert!((ipw - core_ipw).abs() < 1e-12 && (dr - core_dr).abs() < 1e-12, "{ipw} {core_ipw} {dr} {core_dr}");
    }

    #[test]
    fn precomputed_rankings_give_the_core_s_ranking_metrics() {
        let world = common::world(world_config(5)).unwrap();
        fit_models(&world, 5, 1.0).unwrap();
        let list = prepare(&world, 1.0).unwrap();
        let log = Log::collect(
            world.clone(),
            &logger(1.0, 0.0),
            &CollectOptions { n_rounds: 4000, seed: 1, len_list: 1, reward: None },
        )
        .unwrap();
        let clicks = LoggedClicks::of(&log, false);
        for c in &list {
            for k in [1, 10, 20] {
                let core = metrics::ranking_metrics(&log, &c.policy.score_table(), k, false).unwrap();
                assert_eq!(clicks.metrics(&c.top, K_MAX, k), core, "{} at k = {k}", c.id);
            }
        }
    }
}
