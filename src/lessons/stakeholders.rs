//! Lesson 9, "Who else does the recommender serve?": a family of homepage policies indexed by a
//! fairness weight γ that blends what users click with a boost for the creators production
//! under-exposes; the exact trade-off frontier (engagement, creator-exposure Gini, revenue)
//! ([`crate::stakeholders`]); every objective of the selected policy estimated from one production
//! log with its interval; and the creator-viability loop (creators who get too little exposure
//! leave) for clicks only against γ.

use super::common::{self, Estimate, RATE, Range, Weights};
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::Result;
use crate::estimators::Kernel;
use crate::estimators::RoundTerms;
use crate::estimators::interval::estimate_and_se;
use crate::math;
use crate::rng::Rng;
use crate::stakeholders::{self as sh, EcosystemRound, StakeholderMetrics};
use crate::stats;
use crate::world::{CollectOptions, Log, Policy, PolicySpec, ScoreSpec, Signal, World, WorldConfig};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Users of the platform.
pub const N_USERS: usize = 300;
/// Items on the homepage.
pub const N_ITEMS: usize = 150;
/// Creators (Zipf-sized catalogues).
pub const N_CREATORS: usize = 40;
/// The fairness weights of the frontier (the γ slider moves on this grid): k/20 for k = 0…12.
pub const GAMMAS: [f64; 13] = {
    let mut g = [0.0; 13];
    let mut k = 0;
    while k < 13 {
        g[k] = k as f64 / 20.0;
        k += 1;
    }
    g
};
/// A creator's boost is capped at ln(1/FLOOR): exposure below 1% of the fair share counts as 1%.
pub const FLOOR: f64 = 0.01;
/// Bootstrap resamples of the logged users (exposure estimates).
pub const BOOT: usize = 200;
/// Rows per collected chunk: a larger log is several chunks, so that no step takes long.
pub const CHUNK: usize = 10_000;

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Fairness weight γ (read to the grid of [`GAMMAS`]).
    pub gamma: f64,
    /// Production sharpness β (every softmax here).
    pub beta: f64,
    /// Creators leave below this fraction of a fair share of impressions.
    pub threshold: f64,
    /// Rounds of the creator loop.
    pub rounds: usize,
    /// Visits in the production log.
    pub visits: usize,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ gamma, beta, threshold, rounds, visits, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let c = Config {
            gamma: o.required_number("gamma", 0.0, 0.6)?,
            beta: o.required_number("beta", 1.0, 5.0)?,
            threshold: o.required_number("threshold", 0.0, 1.0)?,
            rounds: o.required_integer("rounds", 1, 50)? as usize,
            visits: o.required_integer("visits", 100, 100_000)? as usize,
            seed: o.required_integer("seed", 0, (1 << 53) - 1)?,
        };
        o.finish_with(&["gamma", "beta", "threshold", "rounds", "visits", "seed"])?;
        Ok(c)
    }

    /// The index of γ on the grid.
    pub fn k(&self) -> usize {
        ((self.gamma * 20.0).round() as usize).min(GAMMAS.len() - 1)
    }
}

/// The platform: 300 users, 150 items from 40 creators.
pub fn world_config(seed: u64) -> WorldConfig {
    WorldConfig {
        seed,
        n_users: N_USERS,
        n_items: N_ITEMS,
        n_creators: N_CREATORS,
        popularity_effect: 0.2,
        taste_strength: 2.5,
        ..Default::default()
    }
}

/// Production: softmax(β · relevance).
pub fn production(beta: f64) -> PolicySpec {
    PolicySpec::Softmax { beta, score: ScoreSpec::relevance() }
}

fn boost_name(beta: f64) -> String {
    format!("stakeholders-boost-{beta}")
}

/// The policy with fairness weight γ: a softmax with production's sharpness β over a blend of the
/// standardized click probability (weight 1 − γ) and the standardized creator boost (weight γ);
/// the world re-standardizes the blend, so β means the same for every γ. The boost must be
/// registered on the world first ([`Runner::new`] does).
pub fn fair_policy(beta: f64, gamma: f64) -> PolicySpec {
    if gamma == 0.0 {
        return production(beta);
    }
    let model = Some((boost_name(beta), if gamma == 1.0 { 1.0 } else { gamma }));
    let relevance = if gamma == 1.0 { 0.0 } else { 1.0 - gamma };
    PolicySpec::Softmax { beta, score: ScoreSpec { relevance, model, ..Default::default() } }
}

/// Exact metrics of one policy of the frontier.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Point {
    /// Fairness weight.
    pub gamma: f64,
    /// Clicks per visit.
    pub engagement: f64,
    /// Revenue per visit.
    pub revenue: f64,
    /// Gini of creator exposure.
    pub gini: f64,
    /// Share of impressions of the 80% least popular items.
    pub tail: f64,
    /// Share of impressions of the bottom half of creators (the 20 production shows least).
    pub small_exposure: f64,
    /// Share of revenue of the bottom half (once the policy's table has been read; NaN before).
    pub small_revenue: f64,
}

/// Shares of impressions and of revenue of each fifth of the creators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shares {
    /// Impressions.
    pub exposure: Vec<f64>,
    /// Revenue.
    pub revenue: Vec<f64>,
}

/// Clicks only against the selected γ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Groups {
    /// Production.
    pub production: Shares,
    /// The selected policy.
    pub selected: Shares,
}

/// IPS and SNIPS of one reward.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// IPS.
    pub ips: Estimate,
    /// SNIPS.
    pub snips: Estimate,
}

/// Every objective of the selected policy estimated from one production log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimates {
    /// Visits in the log.
    pub n: usize,
    /// Production's logged click rate.
    pub logged: f64,
    /// Clicks per visit.
    pub clicks: Pair,
    /// Revenue per visit.
    pub revenue: Pair,
    /// The largest price: revenue per visit lies in [0, this].
    pub max_price: f64,
    /// The importance weights of the log for the selected policy.
    pub weights: Weights,
    /// The bottom half's share of revenue (a ratio of two IPS sums, delta method).
    pub small_revenue: Estimate,
    /// Gini of creator exposure (from π_γ and the logged users; basic bootstrap).
    pub gini: Estimate,
    /// Long-tail share of impressions.
    pub tail: Estimate,
    /// The bottom half's share of impressions.
    pub small_exposure: Estimate,
}

/// The creator loop: clicks only against the selected γ.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Loop {
    /// Clicks only.
    pub clicks_only: Vec<LoopRound>,
    /// The selected γ (`None` until computed).
    pub fair: Option<Vec<LoopRound>>,
}

/// One round of the creator loop.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoopRound {
    /// Round (0: everyone still there).
    pub round: usize,
    /// Creators still active.
    pub active_creators: usize,
    /// Items still available.
    pub active_items: usize,
    /// Clicks per visit with what is left.
    pub engagement: f64,
    /// Gini of creator exposure.
    pub creator_gini: f64,
}

impl From<&EcosystemRound> for LoopRound {
    fn from(r: &EcosystemRound) -> Self {
        LoopRound {
            round: r.round,
            active_creators: r.active_creators,
            active_items: r.active_items,
            engagement: r.engagement,
            creator_gini: r.creator_gini,
        }
    }
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// The selected fairness weight (on the grid).
    pub gamma: f64,
    /// Production sharpness.
    pub beta: f64,
    /// The frontier computed so far, in γ order.
    pub frontier: Vec<Point>,
    /// The selected policy's exact metrics.
    pub selected: Point,
    /// Production's exact metrics.
    pub production: Point,
    /// Who gets shown and who earns (after the second step).
    pub groups: Option<Groups>,
    /// Estimates from the production log (once computed).
    pub estimates: Option<Estimates>,
    /// The creator loop (once computed).
    pub r#loop: Option<Loop>,
    /// Progress.
    pub progress: Progress,
}

// ----- what is known about a (seed, β): the boost, the creator groups, the frontier -----

struct Setup {
    world: Arc<World>,
    /// Creators ranked by production's exposure: the fifth each belongs to (0: the most shown).
    group: Vec<usize>,
    /// Bottom half of creators by production's exposure.
    small: Vec<bool>,
    /// Exact metrics of each γ of the grid (with per-creator exposure), once computed.
    frontier: Vec<Option<(Point, Vec<f64>)>>,
    /// Per-policy detail, once read.
    details: Vec<Option<Rc<Detail>>>,
}

/// A policy's probability table read per user: its creator masses and tail mass, and per-creator
/// revenue.
struct Detail {
    table: Arc<Vec<f64>>,
    user_creator: Vec<f64>,
    user_tail: Vec<f64>,
    creator_revenue: Vec<f64>,
    small_revenue: f64,
}

/// The columns of one chunk of the production log.
struct Chunk {
    user: Vec<u32>,
    action: Vec<u32>,
    pscore: Vec<f64>,
    click: Vec<f64>,
    revenue: Vec<f64>,
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
    static SETUPS: RefCell<Cache<Rc<RefCell<Setup>>>> = const { RefCell::new(Cache::new(6)) };
    static CHUNKS: RefCell<Cache<Rc<Chunk>>> = const { RefCell::new(Cache::new(8)) };
    static ESTIMATES: RefCell<Cache<Estimates>> = const { RefCell::new(Cache::new(12)) };
    static LOOPS: RefCell<Cache<Rc<Vec<LoopRound>>>> = const { RefCell::new(Cache::new(8)) };
}

/// Items outside the most popular 20%.
fn tail_items(world: &World) -> Vec<bool> {
    let pop = world.popularity();
    let by_pop = crate::stats::order_desc(pop);
    let mut tail = vec![false; pop.len()];
    for &i in &by_pop[(0.2 * pop.len() as f64).ceil() as usize..] {
        tail[i] = true;
    }
    tail
}

fn point_of(m: &StakeholderMetrics, small: &[bool], k: usize) -> Point {
    let small_exposure = m.creator_exposure.iter().zip(small).filter(|(_, s)| **s).map(|(e, _)| e).sum();
    Point {
        gamma: GAMMAS[k],
        engagement: m.engagement,
        revenue: m.revenue,
        gini: m.creator_gini,
        tail: m.tail_share,
        small_exposure,
        small_revenue: f64::NAN,
    }
}

fn setup(seed: u64, beta: f64) -> Result<Rc<RefCell<Setup>>> {
    let world = common::world(world_config(seed))?;
    let key = format!("{seed}:{beta}");
    if let Some(s) = SETUPS.with(|c| c.borrow_mut().get(&key)) {
        // the boost lives in the world as a model: a world rebuilt after the cache evicted it
        // needs it again
        if Arc::ptr_eq(&s.borrow().world, &world) {
            return Ok(s);
        }
    }
    let m0 = sh::metrics(&world, &Policy::compile(&world, &production(beta))?)?;
    let e0 = &m0.creator_exposure;
    let nc = N_CREATORS;
    let per_item: Vec<f64> = world.item_creator().iter().map(|&c| -math::ln((nc as f64 * e0[c as usize]).max(FLOOR))).collect();
    let mut scores = Vec::with_capacity(N_USERS * N_ITEMS);
    for _ in 0..N_USERS {
        scores.extend_from_slice(&per_item);
    }
    world.add_model(&boost_name(beta), scores)?;
    // creators ranked by production's exposure: 0 is the most shown
    let rank = crate::stats::order_desc(e0);
    let mut group = vec![0; nc];
    let mut small = vec![false; nc];
    for (r, &c) in rank.iter().enumerate() {
        group[c] = r * 5 / nc;
        small[c] = r >= nc / 2;
    }
    let mut frontier = vec![None; GAMMAS.len()];
    frontier[0] = Some((point_of(&m0, &small, 0), m0.creator_exposure.clone()));
    let s = Rc::new(RefCell::new(Setup { world, group, small, frontier, details: vec![None; GAMMAS.len()] }));
    Ok(SETUPS.with(|c| c.borrow_mut().put(key, s)))
}

impl Setup {
    fn point(&mut self, beta: f64, k: usize) -> Result<(Point, Vec<f64>)> {
        if let Some(p) = &self.frontier[k] {
            return Ok(p.clone());
        }
        let m = sh::metrics(&self.world, &Policy::compile(&self.world, &fair_policy(beta, GAMMAS[k]))?)?;
        let p = (point_of(&m, &self.small, k), m.creator_exposure);
        self.frontier[k] = Some(p.clone());
        Ok(p)
    }

    fn detail(&mut self, beta: f64, k: usize) -> Result<Rc<Detail>> {
        if let Some(d) = &self.details[k] {
            return Ok(d.clone());
        }
        let w = &self.world;
        let (nu, ni, nc) = (N_USERS, N_ITEMS, N_CREATORS);
        let policy = Policy::compile(w, &fair_policy(beta, GAMMAS[k]))?;
        let table = Arc::new(policy.table()?.to_vec());
        let creator = w.item_creator();
        let tail = tail_items(w);
        let mut user_creator = vec![0.0; nu * nc];
        let mut user_tail = vec![0.0; nu];
        let mut creator_revenue = vec![0.0; nc];
        for u in 0..nu {
            let a = w.arrival()[u];
            let mut t = 0.0;
            for i in 0..ni {
                let p = table[u * ni + i];
                let c = creator[i] as usize;
                user_creator[u * nc + c] += p;
                if tail[i] {
                    t += p;
                }
                creator_revenue[c] += a * p * (w.rel(u, i) * w.item_price()[i]);
            }
            user_tail[u] = t;
        }
        let (mut all, mut small) = (0.0, 0.0);
        for (c, r) in creator_revenue.iter().enumerate() {
            all += r;
            if self.small[c] {
                small += r;
            }
        }
        let d = Rc::new(Detail { table, user_creator, user_tail, creator_revenue, small_revenue: small / all });
        self.details[k] = Some(d.clone());
        Ok(d)
    }

    fn shares(&self, exposure: &[f64], revenue: &[f64]) -> Shares {
        let mut e = vec![0.0; 5];
        let mut r = vec![0.0; 5];
        let rt: f64 = revenue.iter().sum();
        for (c, x) in exposure.iter().enumerate() {
            e[self.group[c]] += x;
        }
        for (c, x) in revenue.iter().enumerate() {
            r[self.group[c]] += x / rt;
        }
        Shares { exposure: e, revenue: r }
    }
}

/// The production log's chunk `c` of `size` visits (chunks are independent logs of the same
/// policy, so together they are one larger log).
fn chunk(world: &Arc<World>, seed: u64, beta: f64, size: usize, c: usize) -> Result<Rc<Chunk>> {
    let key = format!("{seed}:{beta}:{size}:{c}");
    if let Some(ch) = CHUNKS.with(|x| x.borrow_mut().get(&key)) {
        return Ok(ch);
    }
    let seed = seed.wrapping_mul(7919).wrapping_add(101).wrapping_add(31 * c as u64);
    let log =
        Log::collect(world.clone(), &production(beta), &CollectOptions { n_rounds: size, seed, len_list: 1, reward: None })?;
    let ch = Rc::new(Chunk {
        revenue: log.signal(Signal::Revenue).to_vec(),
        user: log.user,
        action: log.action,
        pscore: log.pscore,
        click: log.reward,
    });
    Ok(CHUNKS.with(|x| x.borrow_mut().put(key, ch)))
}

fn chunk_sizes(visits: usize) -> Vec<usize> {
    (0..visits.div_ceil(CHUNK)).map(|c| CHUNK.min(visits - c * CHUNK)).collect()
}

/// A Poisson(λ) draw: Knuth's product of uniforms for λ ≤ 30, a rounded normal above.
fn poisson(lambda: f64, rng: &mut Rng) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    if lambda > 30.0 {
        return (lambda + lambda.sqrt() * rng.normal()).round().max(0.0);
    }
    let l = math::exp(-lambda);
    let mut k = 0.0;
    let mut p = rng.uniform();
    while p > l {
        k += 1.0;
        p *= rng.uniform();
    }
    k
}

/// An interval for a share or a Gini (in [0, 1]) with a caution when it leaves [0, 1].
fn bounded(estimate: f64, lower: f64, upper: f64, what: &str) -> Estimate {
    let caution = (lower < 0.0 || upper > 1.0).then(|| format!("the {what} interval leaves [0, 1]: too few visits to trust it"));
    Estimate { estimate, lower, upper, caution }
}

/// Every objective of policy `k` estimated from the production chunks: clicks and revenue per
/// visit with IPS and SNIPS (normal intervals), the bottom half's revenue share (a ratio of two
/// IPS sums, delta-method interval), and the exposure metrics, which need no rewards at all: π_γ
/// is known, only which users visit is estimated, from the logged users (Poisson bootstrap over
/// them, from the core's generator).
/// Also returns the plain percentile interval of the Gini, which the page compares with in prose.
fn estimate(setup: &Setup, d: &Detail, chunks: &[Rc<Chunk>], seed: u64, k: usize) -> (Estimates, (f64, f64)) {
    let (ni, nc, nu) = (N_ITEMS, N_CREATORS, N_USERS);
    let creator = setup.world.item_creator();
    let n: usize = chunks.iter().map(|c| c.user.len()).sum();
    let mut ips = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut snips = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut weights = Vec::with_capacity(n);
    let (mut sa, mut sb, mut logged) = (0.0, 0.0, 0.0);
    let mut counts = vec![0.0; nu];
    let mut ratio_terms: Vec<(bool, f64)> = Vec::with_capacity(n);
    let (ipw, snipw) = (Kernel::Ipw(f64::INFINITY), Kernel::Snipw);
    for ch in chunks {
        for j in 0..ch.user.len() {
            let (u, a) = (ch.user[j] as usize, ch.action[j] as usize);
            let pe = d.table[u * ni + a];
            let p = ch.pscore[j];
            ips.0.push(ipw.round_terms(ch.click[j], p, pe, 0.0, 0.0));
            snips.0.push(snipw.round_terms(ch.click[j], p, pe, 0.0, 0.0));
            ips.1.push(ipw.round_terms(ch.revenue[j], p, pe, 0.0, 0.0));
            snips.1.push(snipw.round_terms(ch.revenue[j], p, pe, 0.0, 0.0));
            weights.push(pe / p);
            let x = pe / p * ch.revenue[j];
            let small = setup.small[creator[a] as usize];
            sb += x;
            if small {
                sa += x;
            }
            ratio_terms.push((small, x));
            counts[u] += 1.0;
            logged += ch.click[j];
        }
    }
    let w = Weights::of(&weights);
    let max_price = setup.world.item_price().iter().cloned().fold(0.0, f64::max);
    let revenue_range = Range { lo: 0.0, hi: max_price };
    let normal = |k: Kernel, terms: &[RoundTerms], range: Range| {
        let (v, se) = estimate_and_se(k.normalizer(), terms);
        Estimate::normal(v, se, range, Some(&w))
    };
    let clicks = Pair { ips: normal(ipw, &ips.0, RATE), snips: normal(snipw, &snips.0, RATE) };
    let revenue = Pair { ips: normal(ipw, &ips.1, revenue_range), snips: normal(snipw, &snips.1, revenue_range) };
    // the bottom half's revenue share Σ w r·1[small] / Σ w r, with the delta method
    let ratio = if sb > 0.0 { sa / sb } else { f64::NAN };
    let v: f64 = ratio_terms.iter().map(|&(s, x)| if s { x } else { 0.0 } - ratio * x).map(|e| e * e).sum();
    let se = if sb > 0.0 { v.sqrt() / sb } else { f64::NAN };
    let small_revenue = Estimate::normal(ratio, se, RATE, None);
    // exposure from π_γ and the logged users
    let exposure_of = |weights: &[f64], total: f64| {
        let mut e = vec![0.0; nc];
        let mut t = 0.0;
        for u in 0..nu {
            let wu = weights[u];
            if wu == 0.0 {
                continue;
            }
            for c in 0..nc {
                e[c] += wu * d.user_creator[u * nc + c];
            }
            t += wu * d.user_tail[u];
        }
        let mut small = 0.0;
        for c in 0..nc {
            e[c] /= total;
            if setup.small[c] {
                small += e[c];
            }
        }
        [stats::gini(&e), t / total, small]
    };
    let point = exposure_of(&counts, n as f64);
    let mut rng = Rng::derived(seed, 0x5a4e_0000 + k as u64);
    let mut boot: [Vec<f64>; 3] = Default::default();
    let mut resample = vec![0.0; nu];
    for _ in 0..BOOT {
        let mut total = 0.0;
        for x in 0..nu {
            resample[x] = poisson(counts[x], &mut rng);
            total += resample[x];
        }
        let e = exposure_of(&resample, total);
        for q in 0..3 {
            boot[q].push(e[q]);
        }
    }
    // The Gini of noisy shares is biased upwards (noise looks like inequality), most when the
    // true Gini is small and the log is short. Subtract the bootstrap's estimate of that bias and
    // use the basic bootstrap interval, which reflects the resamples around the point estimate
    // (the percentile interval would inherit the bias and miss the truth).
    let basic = |q: usize, what: &str| {
        let m = stats::mean(&boot[q]);
        let mut b = boot[q].clone();
        crate::stats::sort(&mut b);
        let (lo, hi) = (stats::percentile_sorted(&b, 2.5), stats::percentile_sorted(&b, 97.5));
        bounded(2.0 * point[q] - m, 2.0 * point[q] - hi, 2.0 * point[q] - lo, what)
    };
    let percentile = {
        let mut b = boot[0].clone();
        crate::stats::sort(&mut b);
        (stats::percentile_sorted(&b, 2.5), stats::percentile_sorted(&b, 97.5))
    };
    let e = Estimates {
        n,
        logged: logged / n as f64,
        clicks,
        revenue,
        max_price,
        weights: w,
        small_revenue,
        gini: basic(0, "Gini"),
        tail: basic(1, "tail share"),
        small_exposure: basic(2, "exposure share"),
    };
    (e, percentile)
}

/// The exact metrics of the policy with fairness weight `gamma` (any γ in [0, 1], on the grid or
/// not), for seed `seed` and sharpness `beta`.
pub fn point_at(seed: u64, beta: f64, gamma: f64) -> Result<Point> {
    let s = setup(seed, beta)?;
    let s = s.borrow();
    let m = sh::metrics(&s.world, &Policy::compile(&s.world, &fair_policy(beta, gamma))?)?;
    let mut p = point_of(&m, &s.small, 0);
    p.gamma = gamma;
    Ok(p)
}

/// One more simulated production log (replicate `replicate` of the page's setting, a log the page
/// never shows): the estimates of the selected policy from it, and the plain percentile interval
/// of the Gini. For checking how often the page's intervals cover the exact values.
pub fn simulate(config: &Config, replicate: u64) -> Result<(Estimates, (f64, f64))> {
    let s = setup(config.seed, config.beta)?;
    let mut s = s.borrow_mut();
    let k = config.k();
    let d = s.detail(config.beta, k)?;
    let chunks: Vec<Rc<Chunk>> = chunk_sizes(config.visits)
        .iter()
        .enumerate()
        .map(|(c, &size)| {
            let seed = crate::rng::derive_seed(config.seed, 0x51_0000 + replicate * 64 + c as u64);
            let log = Log::collect(
                s.world.clone(),
                &production(config.beta),
                &CollectOptions { n_rounds: size, seed, len_list: 1, reward: None },
            )?;
            Ok(Rc::new(Chunk {
                revenue: log.signal(Signal::Revenue).to_vec(),
                user: log.user,
                action: log.action,
                pscore: log.pscore,
                click: log.reward,
            }))
        })
        .collect::<Result<_>>()?;
    Ok(estimate(&s, &d, &chunks, crate::rng::derive_seed(config.seed, 0x52_0000 + replicate), k))
}

fn creator_loop(world: &World, beta: f64, k: usize, threshold: f64, rounds: usize, seed: u64) -> Result<Rc<Vec<LoopRound>>> {
    let key = format!("{seed}:{beta}:{k}:{threshold}:{rounds}");
    if let Some(l) = LOOPS.with(|x| x.borrow_mut().get(&key)) {
        return Ok(l);
    }
    let policy = Policy::compile(world, &fair_policy(beta, GAMMAS[k]))?;
    let rows = sh::creator_dynamics(world, &policy, rounds, threshold)?;
    let l = Rc::new(rows.iter().map(LoopRound::from).collect::<Vec<_>>());
    Ok(LOOPS.with(|x| x.borrow_mut().put(key, l)))
}

/// The stages of a run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The exact metrics of production and of the selected policy.
    Exact,
    /// Who gets shown and who earns.
    Groups,
    /// The rest of the frontier, a few policies per step (from this index of the grid).
    Frontier(usize),
    /// The production log, one chunk per step.
    Log(usize),
    /// Estimates from the log.
    Estimates,
    /// The creator loop under clicks only.
    LoopClicksOnly,
    /// … under the selected γ.
    LoopFair,
    /// Complete.
    Done,
}

/// The lesson's run (everything it computes is cached across runs, keyed by what it depends on).
pub struct Runner {
    config: Config,
    setup: Rc<RefCell<Setup>>,
    stage: Stage,
    output: Option<Output>,
    chunks: Vec<Rc<Chunk>>,
}

impl Runner {
    /// Prepare a run: the world, production's exposure and the creator boost.
    pub fn new(config: Config) -> Result<Runner> {
        let setup = setup(config.seed, config.beta)?;
        Ok(Runner { config, setup, stage: Stage::Exact, output: None, chunks: Vec::new() })
    }

    fn total() -> usize {
        GAMMAS.len() + 3
    }

    fn estimates_key(&self) -> String {
        let c = &self.config;
        format!("{}:{}:{}:{}", c.seed, c.beta, c.visits, c.k())
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        let c = self.config.clone();
        let k = c.k();
        let mut s = self.setup.borrow_mut();
        match self.stage {
            Stage::Exact => {
                let (p0, _) = s.point(c.beta, 0)?;
                let (pk, _) = s.point(c.beta, k)?;
                self.output = Some(Output {
                    gamma: GAMMAS[k],
                    beta: c.beta,
                    frontier: Vec::new(),
                    selected: pk,
                    production: p0,
                    groups: None,
                    estimates: None,
                    r#loop: None,
                    progress: Progress::new(0, Self::total(), "steps"),
                });
                self.stage = Stage::Groups;
            }
            Stage::Groups => {
                let (d0, dk) = (s.detail(c.beta, 0)?, s.detail(c.beta, k)?);
                let (e0, ek) = (s.point(c.beta, 0)?.1, s.point(c.beta, k)?.1);
                let groups =
                    Groups { production: s.shares(&e0, &d0.creator_revenue), selected: s.shares(&ek, &dk.creator_revenue) };
                let out = self.output.as_mut().unwrap();
                out.production.small_revenue = d0.small_revenue;
                out.selected.small_revenue = dk.small_revenue;
                out.groups = Some(groups);
                self.stage = Stage::Frontier(0);
            }
            Stage::Frontier(from) => {
                // at most four new policies per step (each is a softmax table to build and read)
                let mut j = from;
                let mut built = 0;
                while j < GAMMAS.len() && built < 4 {
                    if s.frontier[j].is_none() {
                        s.point(c.beta, j)?;
                        built += 1;
                    }
                    j += 1;
                }
                while j < GAMMAS.len() && s.frontier[j].is_some() {
                    j += 1;
                }
                self.stage = if j < GAMMAS.len() {
                    Stage::Frontier(j)
                } else if ESTIMATES.with(|x| x.borrow_mut().get(&self.estimates_key())).is_some() {
                    Stage::Estimates
                } else {
                    Stage::Log(0)
                };
            }
            Stage::Log(i) => {
                let sizes = chunk_sizes(c.visits);
                self.chunks.push(chunk(&s.world, c.seed, c.beta, sizes[i], i)?);
                self.stage = if i + 1 < sizes.len() { Stage::Log(i + 1) } else { Stage::Estimates };
            }
            Stage::Estimates => {
                let key = self.estimates_key();
                let e = match ESTIMATES.with(|x| x.borrow_mut().get(&key)) {
                    Some(e) => e,
                    None => {
                        let d = s.detail(c.beta, k)?;
                        let (e, _) = estimate(&s, &d, &self.chunks, c.seed, k);
                        ESTIMATES.with(|x| x.borrow_mut().put(key, e))
                    }
                };
                self.chunks.clear();
                self.output.as_mut().unwrap().estimates = Some(e);
                self.stage = Stage::LoopClicksOnly;
            }
            Stage::LoopClicksOnly => {
                let rows = creator_loop(&s.world, c.beta, 0, c.threshold, c.rounds, c.seed)?;
                let fair = (k == 0).then(|| rows.to_vec());
                self.output.as_mut().unwrap().r#loop = Some(Loop { clicks_only: rows.to_vec(), fair });
                self.stage = if k == 0 { Stage::Done } else { Stage::LoopFair };
            }
            Stage::LoopFair => {
                let rows = creator_loop(&s.world, c.beta, k, c.threshold, c.rounds, c.seed)?;
                if let Some(l) = self.output.as_mut().unwrap().r#loop.as_mut() {
                    l.fair = Some(rows.to_vec());
                }
                self.stage = Stage::Done;
            }
            Stage::Done => return Ok(None),
        }
        let out = self.output.as_mut().unwrap();
        out.frontier = s.frontier.iter().flatten().map(|(p, _)| p.clone()).collect();
        // the frontier's points carry the revenue share once their tables were read
        for p in out.frontier.iter_mut() {
            let j = ((p.gamma * 20.0).round()) as usize;
            if let Some(d) = &s.details[j] {
                p.small_revenue = d.small_revenue;
            }
        }
        let done = out.frontier.len()
            + out.estimates.is_some() as usize
            + out.r#loop.as_ref().is_some() as usize
            + out.r#loop.as_ref().is_some_and(|l| l.fair.is_some()) as usize;
        out.progress = Progress::new(done, Self::total(), "steps");
        Ok(Some(LessonOutput::Stakeholders(out.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_draws_have_the_right_mean_on_both_branches() {
        let mut rng = Rng::new(3);
        for lambda in [0.5, 4.0, 50.0] {
            let n = 20_000;
            let m: f64 = (0..n).map(|_| poisson(lambda, &mut rng)).sum::<f64>() / n as f64;
            assert!((m - lambda).abs() < 5.0 * (lambda / n as f64).sqrt(), "λ {lambda}: mean {m}");
        }
        assert_eq!(poisson(0.0, &mut rng), 0.0);
    }

    #[test]
    fn the_grid_and_the_chunks() {
        assert_eq!(GAMMAS[4], 0.2);
        assert_eq!(GAMMAS[12], 0.6);
        assert_eq!(chunk_sizes(25_000), vec![10_000, 10_000, 5_000]);
        assert_eq!(chunk_sizes(1_000), vec![1_000]);
    }
}
