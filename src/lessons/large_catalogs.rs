//! Lesson "Large catalogs": IPS's variance grows with the number of items the logger spreads
//! over; marginalized IPS (MIPS, Saito & Joachims, ICML 2022; OBP's `mipw` and `snmipw`, see
//! [`crate::estimators::embed`]) weighs by the logged item's *embedding* — here its topic — and
//! keeps the variance in check, paying with bias when the reward depends on more than the topic.
//!
//! One world of 50 users and 5,000 items in 10 topics; a catalog of K items is the world's first
//! K items, for every K of [`SIZES`] at once (the chart's x axis), so the catalog slider only
//! picks which size the details show and redraws from memory.
//!
//! * **Logger**: a softmax over the world's liking logits (β = [`LOGGER_BETA`]): it spreads over
//!   the whole catalog, and its probability of any one item falls like 1/K.
//! * **Target**: ε-greedy ([`EPSILON`]) on the world's relevance: the user's best item in the
//!   catalog with probability 1 − ε, otherwise uniform. Its weight on the best item grows like K.
//! * **Reward**: a click with probability q(u, i) = (1 − γ)·r̄(u, topic(i)) + γ·rel(u, i), where
//!   r̄ is the user's average liking of the topic's items and γ (`miss`) is the share of the
//!   appeal the topic misses. At γ = 0 the reward depends on the item through its topic only (no
//!   "direct effect"), and MIPS is exactly unbiased; at γ > 0 it is biased, and the bias is exact.
//!
//! The exact truth, and the exact bias and variance of IPS and MIPS for a log of n rounds, come
//! from the tables; 100 replicated logs per catalog size give every estimator's MSE with a Monte
//! Carlo interval. The estimators are computed in one pass per log from running sums (the
//! per-round weights equal those of [`crate::estimators::embed::embed_terms`] and of `ipw`: see
//! the tests), because OBP's input shape (n × K probabilities per log) would be 5 million numbers
//! per log at K = 5,000.

use super::common::{self, Estimate, Spread, Weights};
use super::random_bucket::required_seed;
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::rng::{Rng, derive_seed};
use crate::world::{World, WorldConfig};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

/// Catalog sizes, the chart's x axis (the slider's values).
pub const SIZES: [usize; 7] = [10, 30, 100, 300, 1000, 3000, 5000];
/// Rounds per log the page offers.
pub const ROUNDS: [f64; 4] = [500.0, 1000.0, 2000.0, 5000.0];
/// Replicated logs per catalog size.
pub const REPLICATES: usize = 100;
/// Users (contexts).
pub const N_USERS: usize = 50;
/// Topics (the embedding's categories).
pub const N_TOPICS: usize = 10;
/// Sharpness of the logger's softmax over the liking logits.
pub const LOGGER_BETA: f64 = 1.0;
/// The target's exploration share.
pub const EPSILON: f64 = 0.2;
/// The estimators, by OBP name, in the page's order.
pub const ESTIMATORS: [&str; 4] = ["ipw", "snipw", "mipw", "snmipw"];

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The catalog size the details show (one of [`SIZES`]).
    pub items: usize,
    /// γ: the share of an item's appeal its topic misses, in [0, 1].
    pub miss: f64,
    /// Rounds per log.
    pub rounds: usize,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ items, miss, rounds, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let items = o.required_number("items", 10.0, 5000.0)?;
        if !SIZES.iter().any(|&s| s as f64 == items) {
            return Err(Error::invalid("state.items", format!("expected one of {SIZES:?}, got {items}")));
        }
        let rounds = o.required_number("rounds", 500.0, 5000.0)?;
        if !ROUNDS.contains(&rounds) {
            return Err(Error::invalid("state.rounds", format!("expected one of {ROUNDS:?}, got {rounds}")));
        }
        let c = Config {
            items: items as usize,
            miss: o.required_number("miss", 0.0, 1.0)?,
            rounds: rounds as usize,
            seed: required_seed(&o)?,
        };
        o.finish_with(&["items", "miss", "rounds", "seed"])?;
        Ok(c)
    }
}

/// The lesson's world: 50 users, 5,000 items in 10 topics, every user arriving equally often.
pub fn world_config(seed: u64) -> WorldConfig {
    WorldConfig {
        seed,
        n_users: N_USERS,
        n_items: *SIZES.last().unwrap(),
        n_topics: N_TOPICS,
        user_activity_skew: 0.0,
        ..Default::default()
    }
}

/// The policies restricted to one catalog (the world's first `k` items).
struct Catalog {
    k: usize,
    /// π_b(i | u), N_USERS × k.
    pb: Vec<f64>,
    /// Its cumulative sums per user (for drawing).
    cdf: Vec<f64>,
    /// The target's favourite item per user.
    best: Vec<usize>,
    /// p(topic | u, π_b) and p(topic | u, π_e), N_USERS × N_TOPICS.
    pb_topic: Vec<f64>,
    pe_topic: Vec<f64>,
}

impl Catalog {
    fn new(world: &World, k: usize) -> Catalog {
        let topic = world.item_topic();
        let mut pb = vec![0.0; N_USERS * k];
        let mut cdf = vec![0.0; N_USERS * k];
        let mut best = vec![0; N_USERS];
        let mut pb_topic = vec![0.0; N_USERS * N_TOPICS];
        let mut pe_topic = vec![0.0; N_USERS * N_TOPICS];
        let mut count = [0.0; N_TOPICS];
        for &t in &topic[..k] {
            count[t as usize] += 1.0;
        }
        for u in 0..N_USERS {
            let logit = |i: usize| {
                let r = world.rel(u, i);
                crate::math::ln(r / (1.0 - r))
            };
            let top = (0..k).map(logit).fold(f64::NEG_INFINITY, f64::max);
            let row = &mut pb[u * k..(u + 1) * k];
            for (i, x) in row.iter_mut().enumerate() {
                *x = crate::math::exp(LOGGER_BETA * (logit(i) - top));
            }
            let z: f64 = row.iter().sum();
            let mut acc = 0.0;
            for (i, x) in row.iter_mut().enumerate() {
                *x /= z;
                acc += *x;
                cdf[u * k + i] = acc;
                pb_topic[u * N_TOPICS + topic[i] as usize] += *x;
            }
            cdf[u * k + k - 1] = f64::INFINITY;
            // the first of the best in case of ties
            best[u] = (0..k).fold(0, |b, i| if world.rel(u, i) > world.rel(u, b) { i } else { b });
            for t in 0..N_TOPICS {
                pe_topic[u * N_TOPICS + t] = EPSILON * count[t] / k as f64;
            }
            pe_topic[u * N_TOPICS + topic[best[u]] as usize] += 1.0 - EPSILON;
        }
        Catalog { k, pb, cdf, best, pb_topic, pe_topic }
    }

    fn pe(&self, u: usize, i: usize) -> f64 {
        EPSILON / self.k as f64 + if i == self.best[u] { 1.0 - EPSILON } else { 0.0 }
    }

    /// IPS's weight of item `i` for user `u`.
    fn w(&self, u: usize, i: usize) -> f64 {
        self.pe(u, i) / self.pb[u * self.k + i]
    }

    /// MIPS's weight of topic `t` for user `u`.
    fn wm(&self, u: usize, t: usize) -> f64 {
        self.pe_topic[u * N_TOPICS + t] / self.pb_topic[u * N_TOPICS + t]
    }
}

/// Every catalog of a world.
struct Tables {
    world: Arc<World>,
    catalogs: Vec<Catalog>,
}

/// The expected click q(u, i) of every user and item at a γ, N_USERS × 5,000.
fn reward_table(world: &World, miss: f64) -> Vec<f64> {
    let ni = world.n_items();
    let topic = world.item_topic();
    let mut q = vec![0.0; N_USERS * ni];
    for u in 0..N_USERS {
        let (mut sum, mut n) = ([0.0; N_TOPICS], [0.0; N_TOPICS]);
        for i in 0..ni {
            sum[topic[i] as usize] += world.rel(u, i);
            n[topic[i] as usize] += 1.0;
        }
        for i in 0..ni {
            let t = topic[i] as usize;
            q[u * ni + i] = (1.0 - miss) * sum[t] / n[t] + miss * world.rel(u, i);
        }
    }
    q
}

/// Exact values of one catalog.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exact {
    /// The target's true click rate.
    pub truth: f64,
    /// IPS's MSE for a log of n rounds (it is unbiased: all variance).
    pub mse_ipw: f64,
    /// MIPS's bias.
    pub bias_mipw: f64,
    /// MIPS's MSE for a log of n rounds (bias² + variance).
    pub mse_mipw: f64,
    /// The largest IPS weight any round can have.
    pub max_weight_ipw: f64,
    /// The largest MIPS weight.
    pub max_weight_mipw: f64,
}

fn exact(c: &Catalog, topic: &[u32], q: &[f64], ni: usize, n: usize) -> Exact {
    let (mut v, mut m2, mut e_m, mut m2_m, mut max_w, mut max_wm) = (0.0, 0.0, 0.0, 0.0, 0.0f64, 0.0f64);
    let p_user = 1.0 / N_USERS as f64;
    for u in 0..N_USERS {
        for i in 0..c.k {
            let (pb, pe, qi) = (c.pb[u * c.k + i], c.pe(u, i), q[u * ni + i]);
            let (w, wm) = (pe / pb, c.wm(u, topic[i] as usize));
            v += p_user * pe * qi;
            m2 += p_user * pb * w * w * qi;
            e_m += p_user * pb * wm * qi;
            m2_m += p_user * pb * wm * wm * qi;
            max_w = max_w.max(w);
            max_wm = max_wm.max(wm);
        }
    }
    let n = n as f64;
    Exact {
        truth: v,
        mse_ipw: (m2 - v * v) / n,
        bias_mipw: e_m - v,
        mse_mipw: (e_m - v) * (e_m - v) + (m2_m - e_m * e_m) / n,
        max_weight_ipw: max_w,
        max_weight_mipw: max_wm,
    }
}

/// The exact values at every catalog size of [`SIZES`] for a world's `seed`, the share of the
/// appeal the topics `miss` and logs of `rounds` rounds (the lesson's exact part, without logs).
pub fn exact_by_size(seed: u64, miss: f64, rounds: usize) -> Result<Vec<(usize, Exact)>> {
    let tables = cached_tables(seed)?;
    let w = &tables.world;
    let q = reward_table(w, miss);
    Ok(SIZES.iter().zip(&tables.catalogs).map(|(&items, c)| (items, exact(c, w.item_topic(), &q, w.n_items(), rounds))).collect())
}

/// Running sums of one estimator's weights over a log (rewards are 0 or 1, so r² = r).
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    w: f64,
    w2: f64,
    wr: f64,
    w2r: f64,
    max: f64,
}

impl Sums {
    fn add(&mut self, w: f64, r: f64) {
        self.w += w;
        self.w2 += w * w;
        self.wr += w * r;
        self.w2r += w * w * r;
        self.max = self.max.max(w);
    }

    fn weights(&self, n: f64) -> Weights {
        let mean = self.w / n;
        let var = ((self.w2 - n * mean * mean) / (n - 1.0)).max(0.0);
        Weights {
            ess: if self.w2 > 0.0 { self.w * self.w / self.w2 } else { 0.0 },
            mean,
            mean_se: (var / n).sqrt(),
            max: self.max,
        }
    }

    /// The plain estimate (`ipw`, `mipw`): mean of w·r, with its standard error.
    fn plain(&self, n: f64) -> Estimate {
        let v = self.wr / n;
        let var = ((self.w2r - n * v * v) / (n - 1.0)).max(0.0);
        Estimate::normal(v, (var / n).sqrt(), common::RATE, Some(&self.weights(n)))
    }

    /// The self-normalized estimate (`snipw`, `snmipw`): Σw·r / Σw, with the delta method's
    /// standard error √Σ w²(r − V̂)² / Σw.
    fn normalized(&self, n: f64) -> Estimate {
        if self.w <= 0.0 {
            return Estimate::normal(f64::NAN, f64::NAN, common::RATE, None);
        }
        let v = self.wr / self.w;
        let ss = (self.w2r - 2.0 * v * self.w2r + v * v * self.w2).max(0.0);
        Estimate::normal(v, ss.sqrt() / self.w, common::RATE, Some(&self.weights(n)))
    }
}

/// One log's estimates, in [`ESTIMATORS`]' order, and its weights.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OneLog {
    /// `ipw`, `snipw`, `mipw`, `snmipw`.
    pub estimates: Vec<Estimate>,
    /// IPS's weights.
    pub weights_ipw: Weights,
    /// MIPS's weights.
    pub weights_mipw: Weights,
}

/// Collect one log of `n` rounds from catalog `c` and estimate.
fn one_log(c: &Catalog, topic: &[u32], q: &[f64], ni: usize, n: usize, rng: &mut Rng) -> OneLog {
    let (mut ips, mut mips) = (Sums::default(), Sums::default());
    for _ in 0..n {
        let u = rng.below(N_USERS);
        let cdf = &c.cdf[u * c.k..(u + 1) * c.k];
        let x = rng.uniform();
        let i = cdf.partition_point(|&p| p <= x).min(c.k - 1);
        let r = if rng.uniform() < q[u * ni + i] { 1.0 } else { 0.0 };
        ips.add(c.w(u, i), r);
        mips.add(c.wm(u, topic[i] as usize), r);
    }
    let nf = n as f64;
    OneLog {
        estimates: vec![ips.plain(nf), ips.normalized(nf), mips.plain(nf), mips.normalized(nf)],
        weights_ipw: ips.weights(nf),
        weights_mipw: mips.weights(nf),
    }
}

/// The tables of a seed's world (every catalog), kept between runs.
fn cached_tables(seed: u64) -> Result<Rc<Tables>> {
    thread_local! {
        static TABLES: RefCell<Vec<(u64, Rc<Tables>)>> = const { RefCell::new(Vec::new()) };
    }
    if let Some(t) = TABLES.with(|c| c.borrow().iter().find(|(k, _)| *k == seed).map(|(_, t)| t.clone())) {
        return Ok(t);
    }
    let world = common::world(world_config(seed))?;
    let catalogs = SIZES.iter().map(|&k| Catalog::new(&world, k)).collect();
    let t = Rc::new(Tables { world, catalogs });
    TABLES.with(|c| {
        let mut c = c.borrow_mut();
        c.push((seed, t.clone()));
        if c.len() > 2 {
            c.remove(0);
        }
    });
    Ok(t)
}

/// What the replicated logs depend on: everything but the catalog slider.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RunKey {
    seed: u64,
    miss: u64,
    rounds: usize,
}

/// The replicated logs of a setting: per catalog size, one row per log of
/// (estimate, lower, upper) per estimator, and the first log in full.
struct Replicates {
    q: Vec<f64>,
    exact: Vec<Exact>,
    reps: Vec<Vec<[(f64, f64, f64); 4]>>,
    first: Vec<Option<OneLog>>,
}

thread_local! {
    static RUNS: RefCell<Vec<(RunKey, Rc<RefCell<Replicates>>)>> = const { RefCell::new(Vec::new()) };
}

/// The seed of the log of replicate `rep` at catalog `s` (independent of how the run is stepped).
fn log_seed(seed: u64, rep: usize, s: usize) -> u64 {
    derive_seed(derive_seed(seed, 0x1a_7ca7), (rep * SIZES.len() + s) as u64)
}

/// One catalog size's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SizeResult {
    /// Items in the catalog.
    pub items: usize,
    /// Exact values.
    pub exact: Exact,
    /// Each estimator over the logs so far, by OBP name.
    pub stats: BTreeMap<String, Spread>,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Every catalog size, in [`SIZES`]' order.
    pub sizes: Vec<SizeResult>,
    /// The index of the slider's catalog in `sizes`.
    pub chosen: usize,
    /// The first log at the slider's catalog.
    pub one_log: Option<OneLog>,
    /// Progress, in replicated logs per catalog size.
    pub progress: Progress,
}

/// Rounds a step may simulate.
const ROUNDS_PER_STEP: usize = 150_000;

/// The lesson's run: the exact values and one log per catalog first, then the replicates in
/// bounded steps (resumed from the cache when only the catalog slider moved).
pub struct Runner {
    config: Config,
    tables: Rc<Tables>,
    run: Rc<RefCell<Replicates>>,
    started: bool,
}

impl Runner {
    /// Prepare a run.
    pub fn new(config: Config) -> Result<Runner> {
        let tables = cached_tables(config.seed)?;
        let key = RunKey { seed: config.seed, miss: config.miss.to_bits(), rounds: config.rounds };
        let run = match RUNS.with(|r| r.borrow().iter().find(|(k, _)| *k == key).map(|(_, x)| x.clone())) {
            Some(run) => run,
            None => {
                let w = &tables.world;
                let q = reward_table(w, config.miss);
                let exact = tables.catalogs.iter().map(|c| exact(c, w.item_topic(), &q, w.n_items(), config.rounds)).collect();
                let run = Rc::new(RefCell::new(Replicates {
                    q,
                    exact,
                    reps: vec![Vec::new(); SIZES.len()],
                    first: vec![None; SIZES.len()],
                }));
                RUNS.with(|r| {
                    let mut r = r.borrow_mut();
                    r.push((key, run.clone()));
                    if r.len() > 3 {
                        r.remove(0);
                    }
                });
                run
            }
        };
        Ok(Runner { config, tables, run, started: false })
    }

    fn replicate(&self, k: usize) {
        let mut run = self.run.borrow_mut();
        let w = &self.tables.world;
        let (topic, ni) = (w.item_topic(), w.n_items());
        for _ in 0..k {
            let rep = run.reps[0].len();
            if rep >= REPLICATES {
                return;
            }
            for (s, c) in self.tables.catalogs.iter().enumerate() {
                let mut rng = Rng::new(log_seed(self.config.seed, rep, s));
                let log = one_log(c, topic, &run.q, ni, self.config.rounds, &mut rng);
                let row = std::array::from_fn(|j| {
                    let e = &log.estimates[j];
                    (e.estimate, e.lower, e.upper)
                });
                run.reps[s].push(row);
                if rep == 0 {
                    run.first[s] = Some(log);
                }
            }
        }
    }

    fn output(&self) -> Output {
        let run = self.run.borrow();
        let sizes = SIZES
            .iter()
            .enumerate()
            .map(|(s, &items)| {
                let truth = run.exact[s].truth;
                let stats = ESTIMATORS
                    .iter()
                    .enumerate()
                    .map(|(j, name)| {
                        let reps: Vec<(f64, f64, f64)> = run.reps[s].iter().map(|r| r[j]).collect();
                        (name.to_string(), common::spread(&reps, truth))
                    })
                    .collect();
                SizeResult { items, exact: run.exact[s], stats }
            })
            .collect();
        let chosen = SIZES.iter().position(|&k| k == self.config.items).unwrap_or(0);
        Output {
            sizes,
            chosen,
            one_log: run.first[chosen].clone(),
            progress: Progress::new(run.reps[0].len(), REPLICATES, "replicated logs per catalog size"),
        }
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        let done = self.run.borrow().reps[0].len();
        if !self.started {
            self.started = true;
            if done == 0 {
                self.replicate(1);
            }
        } else if done < REPLICATES {
            self.replicate((ROUNDS_PER_STEP / (self.config.rounds * SIZES.len())).max(1));
        } else {
            return Ok(None);
        }
        Ok(Some(LessonOutput::LargeCatalogs(self.output())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::embed::{EmbedParts, embed_terms};
    use crate::estimators::{BanditFeedback, BanditFeedbackParts};

    #[test]
    fn the_weights_are_obps_mipw_and_ipw_weights() {
        // MIPS's weight of a round equals OBP's mipw weight with p(e|a) the item's topic, and
        // IPS's weight is π_e/π_b, on the 20-item catalog
        let t = cached_tables(3).unwrap();
        let c = &t.catalogs[1];
        let topic = t.world.item_topic();
        let (k, n) = (c.k, 6);
        let rounds: Vec<(usize, usize)> = (0..n).map(|j| ((7 * j) % N_USERS, (3 * j + 1) % k)).collect();
        let mut pi_e = vec![0.0; n * k];
        let mut pi_b = vec![0.0; n * k];
        for (j, &(u, _)) in rounds.iter().enumerate() {
            for i in 0..k {
                pi_e[j * k + i] = c.pe(u, i);
                pi_b[j * k + i] = c.pb[u * k + i];
            }
        }
        let actions: Vec<u32> = rounds.iter().map(|r| r.1 as u32).collect();
        let reward = vec![1.0; n];
        let pscore: Vec<f64> = rounds.iter().map(|&(u, i)| c.pb[u * k + i]).collect();
        let embed: Vec<u32> = actions.iter().map(|&a| topic[a as usize]).collect();
        let mut p_e_a = vec![0.0; k * N_TOPICS];
        for a in 0..k {
            p_e_a[a * N_TOPICS + topic[a] as usize] = 1.0;
        }
        let data = BanditFeedback::new(BanditFeedbackParts {
            reward: &reward,
            action: &actions,
            pscore: &pscore,
            position: None,
            action_dist: &pi_e,
            estimated_rewards_by_reg_model: None,
            pi_b: None,
            n_actions: k,
            len_list: 1,
        })
        .unwrap();
        let parts = EmbedParts { action_embed: &embed, pi_b: &pi_b, p_e_a: &p_e_a, n_cat_per_dim: N_TOPICS };
        let (_, _, w) = embed_terms("mipw", &data, &parts).unwrap();
        for (j, &(u, i)) in rounds.iter().enumerate() {
            assert!((w[j] - c.wm(u, topic[i] as usize)).abs() < 1e-12, "round {j}: {} vs {}", w[j], c.wm(u, topic[i] as usize));
            assert!((c.w(u, i) - pi_e[j * k + i] / pscore[j]).abs() < 1e-12);
        }
    }

    #[test]
    fn mips_is_exactly_unbiased_when_the_topic_carries_all_the_appeal() {
        let t = cached_tables(5).unwrap();
        let w = &t.world;
        for (miss, unbiased) in [(0.0, true), (0.5, false)] {
            let q = reward_table(w, miss);
            for c in &t.catalogs {
                let e = exact(c, w.item_topic(), &q, w.n_items(), 1000);
                assert_eq!(e.bias_mipw.abs() < 1e-12, unbiased, "miss {miss}, {} items: bias {}", c.k, e.bias_mipw);
            }
        }
    }

    #[test]
    fn the_replicates_average_to_the_exact_values() {
        // IPS and MIPS over 200 logs: mean within 4 standard errors of the exact expectation,
        // and IPS's variance within a generous band of the exact one
        let mut r = Runner::new(Config { items: 100, miss: 0.5, rounds: 500, seed: 2 }).unwrap();
        while r.step().unwrap().is_some() {}
        let o = r.output();
        for s in &o.sizes {
            let (ips, mips) = (&s.stats["ipw"], &s.stats["mipw"]);
            assert!(ips.bias.abs() < 4.0 * ips.bias_se, "{} items: IPS bias {} ± {}", s.items, ips.bias, ips.bias_se);
            assert!(
                (mips.bias - s.exact.bias_mipw).abs() < 4.0 * mips.bias_se,
                "{} items: MIPS bias {} vs exact {}",
                s.items,
                mips.bias,
                s.exact.bias_mipw
            );
        }
    }
}
