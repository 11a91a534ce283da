//! Lesson 7, "Explicit and implicit signals".
//!
//! **Ratings.** Every user has a true rating (1–5) of every item. Users rate only what they chose
//! to consume, and extremes more often ([`crate::world::ratings::self_selected`], with each
//! rating's exact observation propensity); a random survey asks each user about uniformly random
//! items (the Yahoo! R3 / Coat design). Four rating predictors ([`super::rating_predictors`]) are
//! trained on one draw of self-selected ratings and scored by MAE against the truth (every
//! user–item pair), estimated on independent draws of self-selected test ratings naively, with
//! IPS and SNIPS (exact propensities), with IPS on naive-Bayes propensities estimated from the
//! survey (Schnabel et al. 2016, §5), and on the survey. The spread of each estimate comes from
//! re-drawing the test ratings and the survey (replicates); the predictors stay fixed, so the
//! truth does not move.
//!
//! **Implicit signals.** A radio recommender's plays, half in listening and half in sampling
//! sessions ("build a playlist"), give every implicit signal next to the hidden truth (liked: the
//! world's click column). The intent is drawn independently of user and item, so the rate of any
//! signal at a session mix s is exactly (1 − s)·rate(listening) + s·rate(sampling): one log gives
//! every mix.

use super::common::{self, Estimate, RATE};
use super::rating_predictors::{self, Predictors};
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::Result;
use crate::stats;
use crate::world::ratings::{self, Ratings};
use crate::world::{CollectOptions, IntentConfig, Log, Policy, PolicySpec, RatingConfig, ScoreSpec, Signal, World, WorldConfig};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Users of the world.
pub const N_USERS: usize = 500;
/// Items (tracks) of the world.
pub const N_ITEMS: usize = 100;
/// User–item pairs.
pub const PAIRS: usize = N_USERS * N_ITEMS;
/// Replicate draws of the test ratings and of the survey.
pub const REPLICATES: usize = 40;
/// Replicates per step after the first.
const REPLICATES_PER_STEP: usize = 8;
/// Logit-scale error of the personalized taste model.
pub const TASTE_ERROR: f64 = 0.8;
/// Plays in the implicit-signal log (half of them in sampling sessions).
pub const PLAYS: usize = 16_000;
/// Shares of sampling sessions of the proxy sweep.
pub const SAMPLING_GRID: [f64; 11] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

/// A satisfaction proxy: which implicit (or explicit) signal counts a play as satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proxy {
    /// Played for more than 30 seconds.
    Dwell30,
    /// Played for more than 2 minutes.
    Dwell120,
    /// Saved to a playlist.
    Save,
    /// Played for more than 30 seconds, or saved.
    Engaged,
    /// Thumbs up (explicit).
    Thumbs,
}

/// Every proxy, in the page's order: (proxy, key, label, kind).
pub const PROXIES: [(Proxy, &str, &str, &str); 5] = [
    (Proxy::Dwell30, "dwell30", "Played > 30 s", "implicit"),
    (Proxy::Dwell120, "dwell120", "Played > 2 min", "implicit"),
    (Proxy::Save, "save", "Saved to a playlist", "implicit"),
    (Proxy::Engaged, "engaged", "Played > 30 s or saved", "implicit"),
    (Proxy::Thumbs, "thumbs", "Thumbs up", "explicit"),
];

impl Proxy {
    fn index(self) -> usize {
        PROXIES.iter().position(|p| p.0 == self).unwrap_or(0)
    }
    /// Whether play `j` of `log` shows this signal.
    fn fires(self, log: &Log, j: usize) -> bool {
        let dwell = log.signal(Signal::Dwell)[j];
        let save = log.signal(Signal::Save)[j] > 0.0;
        match self {
            Proxy::Dwell30 => dwell > 30.0,
            Proxy::Dwell120 => dwell > 120.0,
            Proxy::Save => save,
            Proxy::Engaged => dwell > 30.0 || save,
            Proxy::Thumbs => log.signal(Signal::ThumbsUp)[j] > 0.0,
        }
    }
}

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Missing-not-at-random strength m.
    pub mnar: f64,
    /// Rating rate ρ of consumed 3★ items.
    pub rate: f64,
    /// Items each user consumes (budget k).
    pub per_user: f64,
    /// Sharpness β of what users consume.
    pub choose: f64,
    /// Random items asked per user in the survey.
    pub survey: usize,
    /// The satisfaction proxy.
    pub proxy: Proxy,
    /// Share of sampling (playlist-building) sessions.
    pub sampling: f64,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ mnar, rate, perUser, choose, survey, proxy, sampling, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let keys: Vec<&'static str> = PROXIES.iter().map(|p| p.1).collect();
        let proxy_key = common::required_choice(&o, "proxy", &keys)?;
        let c = Config {
            mnar: o.required_number("mnar", 0.0, 8.0)?,
            rate: o.required_number("rate", 0.01, 1.0)?,
            per_user: o.required_number("perUser", 1.0, N_ITEMS as f64)?,
            choose: o.required_number("choose", 0.0, 4.0)?,
            survey: o.required_integer("survey", 1, 50)? as usize,
            proxy: PROXIES.iter().find(|p| p.1 == proxy_key).map(|p| p.0).unwrap_or(Proxy::Engaged),
            sampling: o.required_number("sampling", 0.0, 1.0)?,
            seed: o.required_integer("seed", 0, (1 << 53) - 1)?,
        };
        o.finish_with(&["mnar", "rate", "perUser", "choose", "survey", "proxy", "sampling", "seed"])?;
        Ok(c)
    }
}

/// The seed of sub-experiment `k` (training ratings 1, test draws 1000 + r, surveys 5000 + r,
/// plays 9000).
fn seed_of(c: &Config, k: u64) -> u64 {
    c.seed.wrapping_mul(7919).wrapping_add(k)
}

/// The world: 500 users, 100 tracks, the page's rating behaviour, half the sessions sampling.
pub fn world_config(c: &Config) -> WorldConfig {
    WorldConfig {
        seed: c.seed,
        n_users: N_USERS,
        n_items: N_ITEMS,
        ratings: RatingConfig { rate: c.rate, mnar: c.mnar },
        intent: IntentConfig { sampling_share: 0.5, taste_link: 0.0, declared_share: 0.0 },
        ..Default::default()
    }
}

/// What users consume: softmax(β · relevance).
pub fn chooser(choose: f64) -> PolicySpec {
    PolicySpec::Softmax { beta: choose, score: ScoreSpec::relevance() }
}

/// The radio recommender of the implicit-signal log.
pub fn radio() -> PolicySpec {
    PolicySpec::Softmax { beta: 1.0, score: ScoreSpec::relevance() }
}

// ----- replicates: the sums every estimator needs -----

/// One draw of self-selected test ratings, summed per predictor.
#[derive(Debug, Clone)]
struct TestRep {
    n: usize,
    /// Σ 1/P.
    inv: f64,
    /// Σ |error| per predictor.
    err: [f64; 4],
    /// Σ |error|/P per predictor.
    werr: [f64; 4],
    /// Σ |error| per predictor and rating value (index 1–5).
    err_by_rating: [[f64; 6]; 4],
    /// Count per rating value.
    hist: [f64; 6],
    /// Σ 1/P per rating value.
    whist: [f64; 6],
    /// The predictors' order by this draw's naive, IPS and SNIPS estimates agrees with the truth's.
    naive_order: bool,
    ips_order: bool,
    snips_order: bool,
}

/// One random survey, summed per predictor.
#[derive(Debug, Clone)]
struct SurveyRep {
    n: usize,
    err: [f64; 4],
    hist: [f64; 6],
}

/// Predictors trained on one draw of self-selected ratings, their exact MAE, and the test draws so
/// far (cached across runs: a slider that does not change them reuses them).
struct Models {
    predictors: Predictors,
    train_hist: [f64; 6],
    n_train: usize,
    consumed: f64,
    truth: [f64; 4],
    tests: Vec<TestRep>,
}

/// The truth of a world: its true ratings' histogram and mean, and the personalized taste model.
struct Truth {
    dist: [f64; 5],
    mean: f64,
    taste: Arc<Vec<f64>>,
}

struct Cache<T> {
    max: usize,
    entries: Vec<(String, T)>,
}

impl<T: Clone> Cache<T> {
    const fn new(max: usize) -> Self {
        Cache { max, entries: Vec::new() }
    }
    fn get(&mut self, key: &str) -> Option<T> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        let e = self.entries.remove(i);
        let v = e.1.clone();
        self.entries.push(e);
        Some(v)
    }
    fn put(&mut self, key: String, v: T) -> T {
        self.entries.push((key, v.clone()));
        if self.entries.len() > self.max {
            self.entries.remove(0);
        }
        v
    }
}

thread_local! {
    static TRUTHS: RefCell<Cache<Rc<Truth>>> = const { RefCell::new(Cache::new(4)) };
    static MODELS: RefCell<Cache<Rc<RefCell<Models>>>> = const { RefCell::new(Cache::new(8)) };
    static SURVEYS: RefCell<Cache<Rc<RefCell<Vec<SurveyRep>>>>> = const { RefCell::new(Cache::new(16)) };
    static PROXY_STATS: RefCell<Cache<Rc<ProxyStats>>> = const { RefCell::new(Cache::new(8)) };
}

fn truth_of(world: &World, seed: u64) -> Rc<Truth> {
    let key = format!("{seed}");
    if let Some(t) = TRUTHS.with(|c| c.borrow_mut().get(&key)) {
        return t;
    }
    let mut hist = [0.0; 6];
    let mut sum = 0.0;
    for u in 0..N_USERS {
        for i in 0..N_ITEMS {
            let r = world.true_rating(u, i);
            hist[r as usize] += 1.0;
            sum += r as f64;
        }
    }
    let t = Rc::new(Truth {
        dist: [1, 2, 3, 4, 5].map(|k| hist[k] / PAIRS as f64),
        mean: sum / PAIRS as f64,
        taste: Arc::new(rating_predictors::taste_model(world, TASTE_ERROR, seed)),
    });
    TRUTHS.with(|c| c.borrow_mut().put(key, t))
}

/// Expected items consumed per user, Σᵢ min(1, k·π(i|u)) averaged over users.
fn consumed_per_user(chooser: &Policy, per_user: f64) -> f64 {
    let mut c = 0.0;
    for u in 0..N_USERS {
        for &q in chooser.probs(u) {
            c += (per_user * q).min(1.0);
        }
    }
    c / N_USERS as f64
}

fn models_key(c: &Config) -> String {
    format!("{:?}|{}|{}", world_config(c), c.choose, c.per_user)
}

fn models_of(world: &Arc<World>, c: &Config, truth: &Truth) -> Result<Rc<RefCell<Models>>> {
    let key = models_key(c);
    if let Some(m) = MODELS.with(|x| x.borrow_mut().get(&key)) {
        return Ok(m);
    }
    let chooser = Policy::compile(world, &chooser(c.choose))?;
    let train = ratings::self_selected(world, &chooser, c.per_user, seed_of(c, 1))?;
    let mut hist = [0.0; 6];
    for &r in &train.rating {
        hist[r as usize] += 1.0;
    }
    let predictors = Predictors::train(&train, N_ITEMS, truth.taste.clone());
    let truth_mae = predictors.true_mae(world);
    let m = Rc::new(RefCell::new(Models {
        n_train: train.rating.len(),
        consumed: consumed_per_user(&chooser, c.per_user),
        train_hist: hist,
        predictors,
        truth: truth_mae,
        tests: Vec::new(),
    }));
    Ok(MODELS.with(|x| x.borrow_mut().put(key, m)))
}

/// Rank order (best first) of four MAEs, ignoring NaNs. MAEs equal to 9 decimals tie (two
/// predictors that are the same up to rounding, such as the global and the weighted average when
/// every propensity is equal) and keep the predictors' order, whatever the estimator's scale.
fn order(values: &[f64; 4]) -> Vec<usize> {
    let key = |i: usize| (values[i] * 1e9).round();
    let mut idx: Vec<usize> = (0..4).filter(|&i| values[i].is_finite()).collect();
    idx.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
    idx
}

fn test_rep(world: &World, c: &Config, chooser: &Policy, m: &Models, r: usize) -> Result<TestRep> {
    let d = ratings::self_selected(world, chooser, c.per_user, seed_of(c, 1000 + r as u64))?;
    let mut t = TestRep {
        n: d.rating.len(),
        inv: 0.0,
        err: [0.0; 4],
        werr: [0.0; 4],
        err_by_rating: [[0.0; 6]; 4],
        hist: [0.0; 6],
        whist: [0.0; 6],
        naive_order: false,
        ips_order: false,
        snips_order: false,
    };
    for j in 0..d.rating.len() {
        let (u, i, y) = (d.user[j] as usize, d.item[j] as usize, d.rating[j]);
        let w = 1.0 / d.propensity[j];
        t.inv += w;
        t.hist[y as usize] += 1.0;
        t.whist[y as usize] += w;
        for p in 0..4 {
            let e = (m.predictors.predict(p, u, i) - y as f64).abs();
            t.err[p] += e;
            t.werr[p] += e * w;
            t.err_by_rating[p][y as usize] += e;
        }
    }
    let truth = order(&m.truth);
    let n = t.n as f64;
    t.naive_order = order(&t.err.map(|e| if t.n > 0 { e / n } else { f64::NAN })) == truth;
    t.ips_order = order(&t.werr.map(|e| e / PAIRS as f64)) == truth;
    t.snips_order = order(&t.werr.map(|e| if t.inv > 0.0 { e / t.inv } else { f64::NAN })) == truth;
    Ok(t)
}

fn survey_rep(world: &World, c: &Config, m: &Models, r: usize) -> Result<SurveyRep> {
    let d: Ratings = ratings::random_set(world, c.survey, seed_of(c, 5000 + r as u64))?;
    let mut s = SurveyRep { n: d.rating.len(), err: [0.0; 4], hist: [0.0; 6] };
    for j in 0..d.rating.len() {
        let y = d.rating[j];
        s.hist[y as usize] += 1.0;
        for p in 0..4 {
            s.err[p] += (m.predictors.predict(p, d.user[j] as usize, d.item[j] as usize) - y as f64).abs();
        }
    }
    Ok(s)
}

/// Naive-Bayes propensity of observing a rating of value y (Schnabel et al. 2016, §5):
/// P(O | y) = P(y | O) P(O) / P(y), with P(y | O) from the training ratings, P(O) = |test| / pairs,
/// and P(y) from the survey (both histograms add-one smoothed).
fn nb_propensity(train_hist: &[f64; 6], n_test: usize, survey_hist: &[f64; 6], n_survey: usize) -> [f64; 6] {
    let n_train: f64 = train_hist.iter().sum();
    let mut out = [f64::NAN; 6];
    for y in 1..=5 {
        let py_o = (train_hist[y] + 1.0) / (n_train + 5.0);
        let py = (survey_hist[y] + 1.0) / (n_survey as f64 + 5.0);
        out[y] = (py_o * n_test as f64 / PAIRS as f64 / py).min(1.0);
    }
    out
}

/// Mean and middle 95% of a quantity over the replicate draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrawSpread {
    /// Mean over the draws with a finite value.
    pub mean: f64,
    /// 2.5% quantile.
    pub lo: f64,
    /// 97.5% quantile.
    pub hi: f64,
    /// Median.
    pub median: f64,
    /// Standard deviation over those draws (n − 1).
    pub sd: f64,
    /// Draws with a finite value.
    pub n: usize,
}

fn draw_spread(xs: &[f64]) -> DrawSpread {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    let mean = if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 };
    let sd = if v.len() > 1 { stats::std_dev(&v) } else { f64::NAN };
    crate::stats::sort(&mut v);
    DrawSpread {
        mean,
        lo: stats::percentile_sorted(&v, 2.5),
        hi: stats::percentile_sorted(&v, 97.5),
        median: stats::percentile_sorted(&v, 50.0),
        sd,
        n: v.len(),
    }
}

/// Estimates of the four predictors' MAE by one estimator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimates {
    /// Naive: the mean error over self-selected test ratings.
    pub naive: Vec<DrawSpread>,
    /// IPS with the exact propensities.
    pub ips: Vec<DrawSpread>,
    /// SNIPS with the exact propensities.
    pub snips: Vec<DrawSpread>,
    /// IPS with naive-Bayes propensities from the survey.
    pub nb: Vec<DrawSpread>,
    /// The random survey.
    pub survey: Vec<DrawSpread>,
}

/// How many single draws rank the four predictors in the true order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderRight {
    /// Naive.
    pub naive: usize,
    /// IPS.
    pub ips: usize,
    /// SNIPS.
    pub snips: usize,
    /// IPS with naive-Bayes propensities.
    pub nb: usize,
    /// The survey.
    pub survey: usize,
}

/// The two constant predictors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constants {
    /// Global average of the training ratings.
    pub global: f64,
    /// Propensity-weighted average.
    pub weighted: f64,
}

/// Distributions of the rating values (1★ to 5★).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dist {
    /// Over all pairs (exact).
    pub truth: Vec<f64>,
    /// Self-selected test ratings.
    #[serde(rename = "self")]
    pub self_selected: Vec<DrawSpread>,
    /// The same weighted by 1/propensity.
    pub weighted: Vec<DrawSpread>,
    /// The survey.
    pub survey: Vec<DrawSpread>,
}

/// Part 1 of the page: ratings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RatingsOutput {
    /// Replicate draws so far.
    pub replicates: usize,
    /// Exact MAE of each predictor over every pair.
    pub truth: Vec<f64>,
    /// Estimates of the MAEs.
    pub estimates: Estimates,
    /// Single draws (of `replicates`) that rank the predictors in the true order.
    pub order_right: OrderRight,
    /// The constant predictors.
    pub constants: Constants,
    /// Training ratings.
    pub n_train: usize,
    /// Items consumed per user (expected).
    pub consumed: f64,
    /// Mean test ratings per draw.
    pub n_test: f64,
    /// Survey answers.
    pub n_survey: usize,
    /// Distributions of rating values.
    pub dist: Dist,
    /// Mean true rating over every pair.
    pub true_mean: f64,
}

/// Per session type (0 listening, 1 sampling): plays, liked plays, and per proxy its plays and its
/// liked plays.
#[derive(Debug, Clone, Default)]
struct ByIntent {
    n: f64,
    liked: f64,
    signal: [f64; 5],
    both: [f64; 5],
}

struct ProxyStats {
    by: [ByIntent; 2],
    truth: f64,
}

fn proxy_stats(world: &Arc<World>, c: &Config) -> Result<Rc<ProxyStats>> {
    let key = format!("{:?}", world_config(c));
    if let Some(p) = PROXY_STATS.with(|x| x.borrow_mut().get(&key)) {
        return Ok(p);
    }
    let opts = CollectOptions { n_rounds: PLAYS, seed: seed_of(c, 9000), len_list: 1, reward: None };
    let log = Log::collect(world.clone(), &radio(), &opts)?;
    let liked = log.signal(Signal::Click);
    let mut by = [ByIntent::default(), ByIntent::default()];
    for j in 0..log.n_rows() {
        let b = &mut by[log.intent[j] as usize];
        let l = liked[j] > 0.0;
        b.n += 1.0;
        if l {
            b.liked += 1.0;
        }
        for (q, p) in PROXIES.iter().enumerate() {
            if p.0.fires(&log, j) {
                b.signal[q] += 1.0;
                if l {
                    b.both[q] += 1.0;
                }
            }
        }
    }
    let truth = world.policy_value(&Policy::compile(world, &radio())?, Signal::Click)?;
    let p = Rc::new(ProxyStats { by, truth });
    Ok(PROXY_STATS.with(|x| x.borrow_mut().put(key, p)))
}

/// Rate of a signal at sampling share s (the exact mixture of the two session types), with a 95%
/// normal interval.
fn mix_rate(by: &[ByIntent; 2], s: f64, count: impl Fn(&ByIntent) -> f64) -> Estimate {
    let w = [1.0 - s, s];
    let (mut v, mut var) = (0.0, 0.0);
    for (k, b) in by.iter().enumerate() {
        if w[k] == 0.0 {
            continue;
        }
        let q = count(b) / b.n;
        v += w[k] * q;
        var += w[k] * w[k] * q * (1.0 - q) / b.n;
    }
    Estimate::normal(v, var.sqrt(), RATE, None)
}

/// Ratio of two mixed rates A/B (precision: liked ∧ signal / signal; recall: liked ∧ signal /
/// liked), with a delta-method interval kept inside [0, 1] (a caution says when it was cut).
fn mix_ratio(by: &[ByIntent; 2], s: f64, num: impl Fn(&ByIntent) -> f64, den: impl Fn(&ByIntent) -> f64) -> Estimate {
    let w = [1.0 - s, s];
    let (mut a, mut b) = (0.0, 0.0);
    let mut events = 0.0;
    for (k, x) in by.iter().enumerate() {
        a += w[k] * num(x) / x.n;
        b += w[k] * den(x) / x.n;
        if w[k] > 0.0 {
            events += den(x);
        }
    }
    if b <= 0.0 || !b.is_finite() {
        return Estimate { estimate: f64::NAN, lower: f64::NAN, upper: f64::NAN, caution: Some("no events: no estimate".into()) };
    }
    let r = a / b;
    // per play z = 1[num] − R·1[den]; num ⊆ den, so E[z²] = a(1 − 2R) + R² d per session type
    let mut var = 0.0;
    for (k, x) in by.iter().enumerate() {
        if w[k] == 0.0 {
            continue;
        }
        let (an, dn) = (num(x) / x.n, den(x) / x.n);
        let ez = an - r * dn;
        let ez2 = an * (1.0 - 2.0 * r) + r * r * dn;
        var += w[k] * w[k] * (ez2 - ez * ez) / x.n;
    }
    let se = var.max(0.0).sqrt() / b;
    let (lo, hi) = (r - common::Z95 * se, r + common::Z95 * se);
    let caution = if se == 0.0 {
        Some(format!("all {} plays agree: the interval has no width", common::format_count(events)))
    } else if lo < 0.0 || hi > 1.0 {
        Some("normal approximation cut at the ends of [0, 1]".to_string())
    } else {
        None
    };
    Estimate { estimate: r, lower: lo.max(0.0), upper: hi.min(1.0), caution }
}

/// One point of the proxy's sweep over the session mix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// Share of sampling sessions.
    pub x: f64,
    /// The proxy's rate there.
    pub rate: Estimate,
}

/// One signal as a detector of liked plays at the page's session mix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalStats {
    /// Key of the proxy.
    pub key: &'static str,
    /// Its label.
    pub label: &'static str,
    /// "implicit" or "explicit".
    pub kind: &'static str,
    /// Share of plays that carry it.
    pub rate: f64,
    /// Share of its plays that were liked.
    pub precision: Estimate,
    /// Share of liked plays that carry it.
    pub recall: Estimate,
}

/// Part 2 of the page: implicit signals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyOutput {
    /// Exact share of plays users like.
    pub truth: f64,
    /// Plays in the log.
    pub plays: usize,
    /// The chosen proxy's rate at every session mix of the grid.
    pub sweep: Vec<SweepPoint>,
    /// Every signal at the page's mix.
    pub signals: Vec<SignalStats>,
    /// The chosen proxy's rate at the page's mix.
    pub at: Estimate,
    /// Share of liked plays in the log at the page's mix.
    pub liked_at: Estimate,
    /// The chosen proxy's rate when everyone listens.
    pub listening: f64,
    /// … and when everyone builds playlists.
    pub sampling: f64,
}

fn proxy_summary(p: &ProxyStats, c: &Config) -> ProxyOutput {
    let q = c.proxy.index();
    let by = &p.by;
    ProxyOutput {
        truth: p.truth,
        plays: (by[0].n + by[1].n) as usize,
        sweep: SAMPLING_GRID.iter().map(|&x| SweepPoint { x, rate: mix_rate(by, x, |b| b.signal[q]) }).collect(),
        signals: PROXIES
            .iter()
            .enumerate()
            .map(|(k, d)| SignalStats {
                key: d.1,
                label: d.2,
                kind: d.3,
                rate: mix_rate(by, c.sampling, |b| b.signal[k]).estimate,
                precision: mix_ratio(by, c.sampling, |b| b.both[k], |b| b.signal[k]),
                recall: mix_ratio(by, c.sampling, |b| b.both[k], |b| b.liked),
            })
            .collect(),
        at: mix_rate(by, c.sampling, |b| b.signal[q]),
        liked_at: mix_rate(by, c.sampling, |b| b.liked),
        listening: mix_rate(by, 0.0, |b| b.signal[q]).estimate,
        sampling: mix_rate(by, 1.0, |b| b.signal[q]).estimate,
    }
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Ratings.
    pub ratings: RatingsOutput,
    /// Implicit signals (after the first step).
    pub proxy: Option<ProxyOutput>,
    /// Progress of the run.
    pub progress: Progress,
}

fn summarize(m: &Models, truth: &Truth, tests: &[TestRep], surveys: &[SurveyRep]) -> RatingsOutput {
    let r = tests.len().min(surveys.len());
    let mut est: [[Vec<f64>; 4]; 5] = Default::default();
    let mut dist: [[Vec<f64>; 5]; 3] = Default::default();
    let mut n_test = Vec::with_capacity(r);
    let mut right = [0usize; 5];
    for k in 0..r {
        let (t, sv) = (&tests[k], &surveys[k]);
        let nb = nb_propensity(&m.train_hist, t.n, &sv.hist, sv.n);
        n_test.push(t.n as f64);
        let mut nb_row = [0.0; 4];
        let mut survey_row = [0.0; 4];
        for p in 0..4 {
            est[0][p].push(if t.n > 0 { t.err[p] / t.n as f64 } else { f64::NAN });
            est[1][p].push(t.werr[p] / PAIRS as f64);
            est[2][p].push(if t.inv > 0.0 { t.werr[p] / t.inv } else { f64::NAN });
            let mut x = 0.0;
            for y in 1..=5 {
                x += t.err_by_rating[p][y] / nb[y];
            }
            nb_row[p] = x / PAIRS as f64;
            survey_row[p] = sv.err[p] / sv.n as f64;
            est[3][p].push(nb_row[p]);
            est[4][p].push(survey_row[p]);
        }
        let truth_order = order(&m.truth);
        right[0] += t.naive_order as usize;
        right[1] += t.ips_order as usize;
        right[2] += t.snips_order as usize;
        right[3] += (order(&nb_row) == truth_order) as usize;
        right[4] += (order(&survey_row) == truth_order) as usize;
        let wsum: f64 = t.whist.iter().sum();
        for y in 1..=5 {
            dist[0][y - 1].push(if t.n > 0 { t.hist[y] / t.n as f64 } else { f64::NAN });
            dist[1][y - 1].push(if wsum > 0.0 { t.whist[y] / wsum } else { f64::NAN });
            dist[2][y - 1].push(sv.hist[y] / sv.n as f64);
        }
    }
    let spreads = |xs: &[Vec<f64>]| xs.iter().map(|x| draw_spread(x)).collect::<Vec<_>>();
    RatingsOutput {
        replicates: r,
        truth: m.truth.to_vec(),
        estimates: Estimates {
            naive: spreads(&est[0]),
            ips: spreads(&est[1]),
            snips: spreads(&est[2]),
            nb: spreads(&est[3]),
            survey: spreads(&est[4]),
        },
        order_right: OrderRight { naive: right[0], ips: right[1], snips: right[2], nb: right[3], survey: right[4] },
        constants: Constants { global: m.predictors.global, weighted: m.predictors.weighted },
        n_train: m.n_train,
        consumed: m.consumed,
        n_test: draw_spread(&n_test).mean,
        n_survey: surveys.first().map(|s| s.n).unwrap_or(0),
        dist: Dist {
            truth: truth.dist.to_vec(),
            self_selected: spreads(&dist[0]),
            weighted: spreads(&dist[1]),
            survey: spreads(&dist[2]),
        },
        true_mean: truth.mean,
    }
}

/// The lesson's run: first the truth, the predictors and one draw; then the implicit signals;
/// then the other draws, a few per step (all cached across runs).
pub struct Runner {
    config: Config,
    world: Arc<World>,
    chooser: Policy,
    truth: Rc<Truth>,
    models: Rc<RefCell<Models>>,
    surveys: Rc<RefCell<Vec<SurveyRep>>>,
    proxy: Option<ProxyOutput>,
    started: bool,
    finished: bool,
}

impl Runner {
    /// Prepare a run (builds or reuses the world, the predictors and their cached draws).
    pub fn new(config: Config) -> Result<Runner> {
        let world = common::world(world_config(&config))?;
        let truth = truth_of(&world, config.seed);
        let models = models_of(&world, &config, &truth)?;
        let skey = format!("{}|{}", models_key(&config), config.survey);
        let surveys = match SURVEYS.with(|x| x.borrow_mut().get(&skey)) {
            Some(s) => s,
            None => SURVEYS.with(|x| x.borrow_mut().put(skey, Rc::new(RefCell::new(Vec::new())))),
        };
        let chooser = Policy::compile(&world, &chooser(config.choose))?;
        Ok(Runner { config, world, chooser, truth, models, surveys, proxy: None, started: false, finished: false })
    }

    /// Make sure draws 0..upto exist.
    fn draw(&self, upto: usize) -> Result<()> {
        let mut m = self.models.borrow_mut();
        while m.tests.len() < upto {
            let r = m.tests.len();
            let t = test_rep(&self.world, &self.config, &self.chooser, &m, r)?;
            m.tests.push(t);
        }
        let mut s = self.surveys.borrow_mut();
        while s.len() < upto {
            let r = s.len();
            let x = survey_rep(&self.world, &self.config, &m, r)?;
            s.push(x);
        }
        Ok(())
    }

    fn output(&self) -> Output {
        let m = self.models.borrow();
        let s = self.surveys.borrow();
        let ratings = summarize(&m, &self.truth, &m.tests[..m.tests.len().min(REPLICATES)], &s[..s.len().min(REPLICATES)]);
        let done = ratings.replicates;
        Output { ratings, proxy: self.proxy.clone(), progress: Progress::new(done, REPLICATES, "draws of test ratings") }
    }

    fn cached_proxy(&self) -> Option<ProxyOutput> {
        let key = format!("{:?}", world_config(&self.config));
        PROXY_STATS.with(|x| x.borrow_mut().get(&key)).map(|p| proxy_summary(&p, &self.config))
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        if self.finished {
            return Ok(None);
        }
        if !self.started {
            // the truth and one draw (or everything cached from an earlier run)
            self.started = true;
            self.draw(1)?;
            self.proxy = self.cached_proxy();
        } else if self.proxy.is_none() {
            let stats = proxy_stats(&self.world, &self.config)?;
            self.proxy = Some(proxy_summary(&stats, &self.config));
        } else {
            let have = self.models.borrow().tests.len().min(self.surveys.borrow().len());
            if have >= REPLICATES {
                self.finished = true;
                return Ok(None);
            }
            self.draw((have + REPLICATES_PER_STEP).min(REPLICATES))?;
        }
        let out = self.output();
        if out.proxy.is_some() && out.ratings.replicates >= REPLICATES {
            // complete: the next step ends the run
            self.finished = true;
        }
        Ok(Some(LessonOutput::Feedback(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportions_that_agree_everywhere_say_so_and_empty_ones_give_no_estimate() {
        let by = [
            ByIntent { n: 100.0, liked: 40.0, signal: [0.0, 0.0, 10.0, 0.0, 0.0], both: [0.0, 0.0, 10.0, 0.0, 0.0] },
            ByIntent { n: 100.0, liked: 40.0, signal: [0.0, 0.0, 20.0, 0.0, 0.0], both: [0.0, 0.0, 20.0, 0.0, 0.0] },
        ];
        let p = mix_ratio(&by, 0.5, |b| b.both[2], |b| b.signal[2]);
        assert_eq!(p.estimate, 1.0);
        assert!(p.caution.unwrap().contains("all 30 plays agree"));
        let none = mix_ratio(&by, 0.5, |b| b.both[0], |b| b.signal[0]);
        assert!(none.estimate.is_nan());
        assert_eq!(none.caution.as_deref(), Some("no events: no estimate"));
    }
}
