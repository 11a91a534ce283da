//! Lesson 4, "Position bias in rankings": a catalog of ten songs ranked for each visit, clicks
//! that depend on where an item is shown (position-based model with exponent η, or a cascade),
//! click-through by position read naively and corrected by the examination propensity, and the
//! slate estimators (SIPS, IIPS, RIPS, Cascade-DR, pseudoinverse) for a new ranking policy,
//! against its exact value — on the page's log, then on many replicated logs.
//!
//! The exact value of the new policy (a Plackett–Luce ranking) comes from a dynamic programme
//! over the *set* of items placed so far ([`pl_ranking_value`]): under Plackett–Luce the chance
//! of the next item depends only on which items are above it, and so does the cascade's chance
//! of reaching the next slot, Π(1 − rel). 2^m states of m items instead of m!/(m−L)! rankings.

use super::common::{self, Estimate, Range, Weights};
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::estimators::{PreparedSlateEstimate, SlateEstimator, SlateFeedbackParts};
use crate::math;
use crate::rng::MixHash;
use crate::world::{
    CollectOptions, Examination, Log, Policy, PolicySpec, PositionBias, ScoreSpec, SlateTargetFeedback, World, WorldConfig,
};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Items in the catalog (fewer than 16: the continuation cache packs an item in 4 bits).
pub const N_ITEMS: usize = 10;
const _: () = assert!(N_ITEMS < 16);
/// Users.
pub const N_USERS: usize = 100;
/// Average probability of liking an item.
pub const BASE_CLICK_RATE: f64 = 0.2;
/// Share of the production traffic that gets a uniformly random ranking (the randomized bucket).
pub const BUCKET: f64 = 0.1;

/// How users click.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClickModel {
    /// Position-based: slot k (1-based) is examined with probability (1/k)^η.
    PositionBased,
    /// Cascade: read from the top, leave after the first click.
    Cascade,
}

/// Who logged the rankings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Logger {
    /// Uniformly random rankings.
    Uniform,
    /// Production (Plackett–Luce on relevance and popularity) with a 10% random bucket.
    Production,
}

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Click model.
    pub model: ClickModel,
    /// Position bias η (the position-based model's; the cascade ignores it except in the
    /// position-only correction it is compared with).
    pub eta: f64,
    /// List length L.
    pub len_list: usize,
    /// The logger.
    pub logger: Logger,
    /// Logged rankings.
    pub rounds: usize,
    /// Sharpness β of the new policy.
    pub sharp: f64,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ model, eta, lenList, logger, rounds, sharp, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let c = Config {
            model: match common::required_choice(&o, "model", &["pbm", "cascade"])? {
                "cascade" => ClickModel::Cascade,
                _ => ClickModel::PositionBased,
            },
            eta: o.required_number("eta", 0.0, 3.0)?,
            len_list: common::required_int(&o, "lenList", 2, 5)? as usize,
            logger: match common::required_choice(&o, "logger", &["uniform", "production"])? {
                "uniform" => Logger::Uniform,
                _ => Logger::Production,
            },
            rounds: common::required_int(&o, "rounds", 100, 5000)? as usize,
            sharp: o.required_number("sharp", 0.0, 3.0)?,
            seed: o.seed("seed", 0)?,
        };
        o.finish_with(&["model", "eta", "lenList", "logger", "rounds", "sharp", "seed"])?;
        Ok(c)
    }
}

/// The production ranker: Plackett–Luce on what users like plus a push towards popular items.
pub fn production() -> PolicySpec {
    PolicySpec::Softmax { beta: 2.0, score: ScoreSpec { relevance: 1.0, popularity: 0.5, ..Default::default() } }
}

/// The logger of `c`: uniform, or production with its random bucket.
pub fn logger(c: &Config) -> PolicySpec {
    match c.logger {
        Logger::Uniform => PolicySpec::Uniform,
        Logger::Production => {
            PolicySpec::Mixture { components: vec![(1.0 - BUCKET, production()), (BUCKET, PolicySpec::Uniform)] }
        }
    }
}

/// The new ranking policy: Plackett–Luce on the true relevance with sharpness β.
pub fn target(c: &Config) -> PolicySpec {
    PolicySpec::Softmax { beta: c.sharp, score: ScoreSpec::relevance() }
}

/// The lesson's world: 100 users, 10 items, a 20% base click rate, the page's click model.
pub fn world_config(c: &Config) -> WorldConfig {
    WorldConfig {
        seed: c.seed,
        n_users: N_USERS,
        n_items: N_ITEMS,
        n_creators: N_ITEMS.min(WorldConfig::default().n_creators),
        base_click_rate: BASE_CLICK_RATE,
        position_bias: match c.model {
            ClickModel::Cascade => PositionBias::Cascade,
            ClickModel::PositionBased => PositionBias::PositionBased { eta: c.eta },
        },
        ..Default::default()
    }
}

/// Replicated logs for the spread chart: fewer when each log is large, to bound the run time.
pub fn replicates_for(c: &Config) -> usize {
    ((160_000.0 / (c.rounds * c.len_list) as f64).round() as usize).clamp(10, 40)
}

/// Rankings per collected chunk (each chunk has its own seed, as the page always had).
fn chunk_slates(len_list: usize) -> usize {
    match len_list {
        0..=3 => 1000,
        4 => 700,
        _ => 500,
    }
}

/// Seed of chunk `c` of the log seeded `seed`.
fn chunk_seed(seed: u64, c: usize) -> u64 {
    seed * 1009 + c as u64
}

/// Seed of replicated log `r` (0: the page's own log).
fn replicate_seed(seed: u64, r: usize) -> u64 {
    seed + 100_003 * r as u64
}

// ---------------------------------------------------------------------------------------------
// The exact value of a Plackett–Luce ranking policy.

/// The most items [`pl_ranking_value`] handles (2^m states).
pub const MAX_DP_ITEMS: usize = 20;

/// Expected clicks per ranking of `len` slots for one user under a Plackett–Luce policy with
/// weights `w` (item a is drawn next with probability w_a / Σ of the weights left), where an
/// examined item a is clicked with probability `rel[a]`: Σₖ Σ_a P(a at k) · θₖ · rel[a], with
/// θₖ from `exam`. Exact, by a dynamic programme over the set of items placed so far.
/// `theta` holds θₖ for the position-based model (ignored for the cascade).
pub fn pl_ranking_value(w: &[f64], rel: &[f64], len: usize, cascade: bool, theta: &[f64]) -> Result<f64> {
    let m = w.len();
    if m > MAX_DP_ITEMS || rel.len() != m || len == 0 || len > m || (!cascade && theta.len() < len) {
        return Err(Error::invalid(
            "lenList",
            format!("the exact ranking value needs 1 ≤ lenList ≤ items ≤ {MAX_DP_ITEMS}; got {len} of {m} items"),
        ));
    }
    let size = 1usize << m;
    let mut p = vec![0.0; size];
    let mut wsum = vec![0.0; size];
    let mut reach = vec![0.0; size];
    let mut bits = vec![0u8; size];
    let total: f64 = w.iter().sum();
    p[0] = 1.0;
    reach[0] = 1.0;
    let mut value = 0.0;
    for mask in 0..size {
        if mask > 0 {
            let low = mask & mask.wrapping_neg();
            let j = low.trailing_zeros() as usize;
            let rest = mask ^ low;
            bits[mask] = bits[rest] + 1;
            if bits[mask] as usize >= len {
                continue; // never extended: no slot below the list
            }
            wsum[mask] = wsum[rest] + w[j];
            reach[mask] = reach[rest] * (1.0 - rel[j]);
        }
        let pm = p[mask];
        let k = bits[mask] as usize;
        if pm == 0.0 || k >= len {
            continue;
        }
        let left = total - wsum[mask];
        if left.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        let e = if cascade { reach[mask] } else { theta[k] };
        for a in 0..m {
            if mask & (1 << a) != 0 || w[a] == 0.0 {
                continue;
            }
            let q = pm * w[a] / left;
            value += q * e * rel[a];
            if k + 1 < len {
                p[mask | (1 << a)] += q;
            }
        }
    }
    Ok(value)
}

/// The exact expected clicks per ranking of `len` slots of a softmax (Plackett–Luce) `policy` on
/// `world`, Σᵤ P(u) V(u), under the world's click model — what [`World::ranking_value`] computes
/// for such policies, by [`pl_ranking_value`].
pub fn exact_ranking_value(world: &World, policy: &Policy, len: usize) -> Result<f64> {
    if !matches!(policy.spec(), PolicySpec::Softmax { .. }) {
        return Err(Error::unsupported("policy", "the exact ranking value here is for softmax (Plackett–Luce) policies"));
    }
    let ni = world.n_items();
    let logits = policy.score_table();
    let (cascade, theta): (bool, Vec<f64>) = match world.config().position_bias {
        PositionBias::Cascade => (true, Vec::new()),
        PositionBias::PositionBased { .. } => (false, (0..len).map(|k| world.examination(k)).collect()),
    };
    let mut v = 0.0;
    for (u, &arrival) in world.arrival().iter().enumerate() {
        if arrival == 0.0 {
            continue;
        }
        let l = &logits[u * ni..(u + 1) * ni];
        let mx = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = l.iter().map(|x| math::exp(x - mx)).collect();
        v += arrival * pl_ranking_value(&w, &world.relevance()[u * ni..(u + 1) * ni], len, cascade, &theta)?;
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
// Click-through by slot.

/// Click-through statistics by slot, accumulated over the chunks of a log.
#[derive(Debug, Clone, Default)]
struct CtrSums {
    n: Vec<f64>,
    clicks: Vec<f64>,
    ips: Vec<f64>,
    ips2: Vec<f64>,
    pos: Vec<f64>,
    pos2: Vec<f64>,
    rel: Vec<f64>,
    exam: Vec<f64>,
    /// Σ of the weights 1/θ and of their squares (for the effective sample size).
    w: Vec<f64>,
    w2: Vec<f64>,
    w_max: Vec<f64>,
}

impl CtrSums {
    fn new(len: usize) -> CtrSums {
        let z = || vec![0.0; len];
        CtrSums {
            n: z(),
            clicks: z(),
            ips: z(),
            ips2: z(),
            pos: z(),
            pos2: z(),
            rel: z(),
            exam: z(),
            w: z(),
            w2: z(),
            w_max: z(),
        }
    }

    fn add(&mut self, log: &Log, world: &World, eta: f64) {
        let e = log.examination_propensity();
        let ni = world.n_items();
        let rel = world.relevance();
        for i in 0..log.n_rows() {
            let k = log.position[i] as usize;
            let c = log.reward[i];
            self.n[k] += 1.0;
            self.clicks[k] += c;
            self.ips[k] += c / e[i];
            self.ips2[k] += (c / e[i]) * (c / e[i]);
            self.rel[k] += rel[log.user[i] as usize * ni + log.action[i] as usize];
            self.exam[k] += e[i];
            self.w[k] += 1.0 / e[i];
            self.w2[k] += 1.0 / (e[i] * e[i]);
            self.w_max[k] = self.w_max[k].max(1.0 / e[i]);
            // what a position-only correction, (1/k)^η, makes of the same clicks
            let pe = position_only(k, eta);
            self.pos[k] += c / pe;
            self.pos2[k] += (c / pe) * (c / pe);
        }
    }
}

/// The position-based examination (1/k)^η of slot k (0-based), whatever the click model.
fn position_only(k: usize, eta: f64) -> f64 {
    math::powf(1.0 / (k as f64 + 1.0), eta)
}

/// Click-through of one slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CtrRow {
    /// Slot, 1 = top.
    pub position: usize,
    /// Rankings that had an item in this slot.
    pub impressions: f64,
    /// Clicks in this slot.
    pub clicks: f64,
    /// Clicks ÷ impressions, with a Wilson interval.
    pub naive: Estimate,
    /// Each click divided by the chance its slot was examined: the mean attractiveness of the
    /// items shown there.
    pub corrected: Estimate,
    /// Each click divided by the position-based (1/k)^η, whatever the click model (the wrong
    /// correction under the cascade).
    pub position_only: Estimate,
    /// The mean probability that the user likes the items shown in this slot.
    pub truth: f64,
    /// Mean examination probability of the slot.
    pub exam: f64,
}

/// A click rate divided by a known examination probability θ of its slot: the Wilson interval
/// of the clicks, divided by θ and kept within [0, 1] (a mean attractiveness is a probability);
/// a point estimate above 1 is said to be impossible.
fn rate_over(clicks: f64, n: f64, theta: f64) -> Estimate {
    let w = Estimate::proportion(clicks, n);
    let estimate = w.estimate / theta;
    let mut e = Estimate { estimate, lower: (w.lower / theta).min(1.0), upper: (w.upper / theta).min(1.0), caution: None };
    if estimate > 1.0 {
        e.caution = Some(format!(
            "above 100%, which no click rate can be: {} click{} divided by an examination probability of {:.3}",
            clicks,
            if clicks == 1.0 { "" } else { "s" },
            theta
        ));
    } else if clicks == 0.0 {
        e.caution = Some("no clicks in this slot: only the upper end of the interval says anything".into());
    }
    e
}

fn ctr_rows(s: &CtrSums, c: &Config) -> Vec<CtrRow> {
    (0..s.n.len())
        .map(|k| {
            let n = s.n[k];
            let naive = Estimate::proportion(s.clicks[k], n);
            let corrected = match c.model {
                ClickModel::PositionBased => rate_over(s.clicks[k], n, position_only(k, c.eta)),
                ClickModel::Cascade => {
                    let ips = s.ips[k] / n;
                    let se = ((s.ips2[k] / n - ips * ips).max(0.0) / (n - 1.0)).sqrt();
                    // the weights 1/θ of the slot's impressions: their effective sample size says
                    // how many impressions the corrected rate rests on. (Their mean is not 1 in
                    // expectation, unlike importance weights: no standard error, so no
                    // missing-mass caution.)
                    let w = Weights {
                        ess: if s.w2[k] > 0.0 { s.w[k] * s.w[k] / s.w2[k] } else { 0.0 },
                        mean: s.w[k] / n,
                        mean_se: f64::NAN,
                        max: s.w_max[k],
                    };
                    Estimate::normal(ips, se, common::RATE, Some(&w))
                }
            };
            CtrRow {
                position: k + 1,
                impressions: n,
                clicks: s.clicks[k],
                naive,
                corrected,
                position_only: rate_over(s.clicks[k], n, position_only(k, c.eta)),
                truth: s.rel[k] / n,
                exam: s.exam[k] / n,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Slate estimators on a log collected in chunks.

/// The slate estimators' input for the new policy on a log collected in chunks, merged (slate
/// ids shifted so that every ranking keeps its own), and the logged clicks per ranking.
#[derive(Debug, Default)]
struct Slates {
    len: usize,
    n_items: usize,
    n_slates: usize,
    slate_id: Vec<u32>,
    position: Vec<u32>,
    action: Vec<u32>,
    reward: Vec<f64>,
    pscore: Vec<f64>,
    pscore_item_position: Vec<f64>,
    pscore_cascade: Vec<f64>,
    e_pscore: Vec<f64>,
    e_item_position: Vec<f64>,
    e_cascade: Vec<f64>,
    action_dist: Vec<f64>,
    item_position_dist: Vec<f64>,
    q_hat: Vec<f64>,
    clicks: f64,
    clicks2: f64,
}

impl Slates {
    fn new(len: usize, n_items: usize) -> Slates {
        Slates { len, n_items, ..Default::default() }
    }

    fn append(&mut self, log: &Log, target: &mut TargetSide) -> Result<()> {
        let f = target.feedback(log)?;
        let l = self.len;
        for s in log.reward.chunks_exact(l) {
            let mut c = 0.0;
            for x in s {
                c += x;
            }
            self.clicks += c;
            self.clicks2 += c * c;
        }
        let shift = self.n_slates as u32;
        self.slate_id.extend(log.slate_id.iter().map(|id| id + shift));
        self.n_slates += log.n_slates();
        self.position.extend_from_slice(&log.position);
        self.action.extend_from_slice(&log.action);
        self.reward.extend_from_slice(&log.reward);
        self.pscore.extend_from_slice(&log.pscore_slate);
        self.pscore_item_position.extend_from_slice(&log.pscore);
        self.pscore_cascade.extend_from_slice(&log.pscore_cascade);
        self.e_pscore.extend_from_slice(&f.pscore);
        self.e_item_position.extend_from_slice(&f.pscore_item_position);
        self.e_cascade.extend_from_slice(&f.pscore_cascade);
        self.action_dist.extend_from_slice(&f.action_dist);
        self.item_position_dist.extend_from_slice(&f.item_position_dist);
        self.q_hat.extend_from_slice(&f.q_hat);
        Ok(())
    }

    /// The logged clicks per ranking, mean ± 1.96 standard errors.
    fn logged(&self) -> Estimate {
        let n = self.n_slates as f64;
        let mean = self.clicks / n;
        let se = ((self.clicks2 / n - mean * mean).max(0.0) / (n - 1.0)).sqrt();
        Estimate::from_interval(
            mean,
            mean - common::Z95 * se,
            mean + common::Z95 * se,
            Range { lo: 0.0, hi: self.len as f64 },
            None,
        )
    }

    fn parts(&self) -> SlateFeedbackParts<'_> {
        SlateFeedbackParts {
            slate_id: &self.slate_id,
            position: &self.position,
            reward: &self.reward,
            len_list: self.len,
            pscore: Some(&self.pscore),
            evaluation_policy_pscore: Some(&self.e_pscore),
            pscore_item_position: Some(&self.pscore_item_position),
            evaluation_policy_pscore_item_position: Some(&self.e_item_position),
            pscore_cascade: Some(&self.pscore_cascade),
            evaluation_policy_pscore_cascade: Some(&self.e_cascade),
            action: Some(&self.action),
            n_unique_action: Some(self.n_items),
            q_hat: Some(&self.q_hat),
            evaluation_policy_action_dist: Some(&self.action_dist),
            evaluation_policy_item_position_dist: Some(&self.item_position_dist),
        }
    }

    /// The importance weights behind an estimator: per ranking for SIPS, per slot for the others.
    fn weights(&self, est: SlateEstimator) -> Option<Weights> {
        let ratio = |e: &[f64], b: &[f64]| e.iter().zip(b).map(|(e, b)| e / b).collect::<Vec<f64>>();
        match est {
            SlateEstimator::Sips => {
                let w = ratio(&self.e_pscore, &self.pscore);
                Some(Weights::of(&w.iter().step_by(self.len).copied().collect::<Vec<_>>()))
            }
            SlateEstimator::Iips => Some(Weights::of(&ratio(&self.e_item_position, &self.pscore_item_position))),
            SlateEstimator::Rips | SlateEstimator::CascadeDr => Some(Weights::of(&ratio(&self.e_cascade, &self.pscore_cascade))),
            _ => None,
        }
    }

    /// Every estimator with a normal (delta-method) 95% interval.
    fn estimate_all(&self, logger: Logger) -> Result<Estimates> {
        let range = Range { lo: 0.0, hi: self.len as f64 };
        let one = |est: SlateEstimator| -> Result<Estimate> {
            let p = PreparedSlateEstimate::new(est, self.parts())?;
            let iv = p.normal(0.05)?;
            Ok(Estimate::from_interval(p.value(), iv.lower, iv.upper, range, self.weights(est).as_ref()))
        };
        Ok(Estimates {
            sips: one(SlateEstimator::Sips)?,
            iips: one(SlateEstimator::Iips)?,
            rips: one(SlateEstimator::Rips)?,
            cascade_dr: one(SlateEstimator::CascadeDr)?,
            pi: match logger {
                Logger::Uniform => one(SlateEstimator::Pi)?,
                Logger::Production => Estimate {
                    estimate: f64::NAN,
                    lower: f64::NAN,
                    upper: f64::NAN,
                    caution: Some("needs a uniform logger".into()),
                },
            },
        })
    }
}

/// The new policy's side of the slate estimators' input: what the core's
/// [`world::slate_feedback`](crate::world::slate_feedback) computes — Cascade-DR's reward model
/// included, the exact expected clicks from slot k to the end of the list — with three shortcuts
/// that make it several times faster here: the item-position marginals (kept by the policy) and
/// the continuation values are kept for the whole run (not recomputed for every chunk of every
/// log), and the
/// chance of each item at slot k given the items above — and so the chance of each ranking and
/// of its prefixes — comes from the Plackett–Luce identity P(a next | above) = π(a) / Σ_{b not
/// above} π(b), with π the policy's single-item probabilities (the core recomputes the
/// Plackett–Luce weights, an exponential per item, for each of the L × items candidates of every
/// ranking).
struct TargetSide {
    policy: Policy,
    /// Expected clicks of the slots below the placed items, by user and placed items (packed:
    /// see `cumulative`).
    continuations: HashMap<u64, f64, MixHash>,
    /// Each user's click probabilities (the expected reward of an examined item).
    rel: HashMap<u32, Vec<f64>, MixHash>,
}

impl TargetSide {
    fn new(policy: Policy) -> Result<TargetSide> {
        if !matches!(policy.spec(), PolicySpec::Softmax { .. }) {
            return Err(Error::unsupported("target", "the lesson's new policy is a softmax (Plackett–Luce) ranking"));
        }
        Ok(TargetSide { policy, continuations: HashMap::default(), rel: HashMap::default() })
    }

    /// Cascade-DR's q̂ₖ(a) for slot k of a logged ranking: the exact expected clicks from slot k to
    /// the end of the list with item a at k, the logged items above and the new policy's
    /// continuation below (as the core's `SlateRewardModel::Cumulative`). `reach`: the chance of
    /// reaching slot k under the cascade, given the items above.
    fn cumulative(&mut self, log: &Log, u: u32, above: &[usize], a: usize, reach: f64) -> Result<f64> {
        let world = log.world();
        let (l, ni) = (log.len_list, log.n_actions());
        let rel = self.rel.entry(u).or_insert_with(|| (0..ni).map(|b| world.rel(u as usize, b)).collect());
        // the user's id, then the placed items (plus one, so that no digit is 0) 4 bits each: ten
        // items, at most five slots
        let key = ((u as u64) << 32) | above.iter().chain(std::iter::once(&a)).fold(0u64, |k, &x| (k << 4) | (x as u64 + 1));
        let future = match self.continuations.get(&key) {
            // nothing below the last slot
            _ if above.len() + 1 >= l => 0.0,
            Some(&f) => f,
            None => {
                let mut placed: Vec<usize> = above.to_vec();
                placed.push(a);
                let (exam, e);
                let how = match world.config().position_bias {
                    PositionBias::Cascade => Examination::Cascade(rel),
                    PositionBias::PositionBased { .. } => {
                        exam = (0..l).map(|k| world.examination(k)).collect::<Vec<f64>>();
                        e = Examination::PositionBased(&exam);
                        e
                    }
                };
                let f = self.policy.continuation_value(u as usize, &placed, l, how, rel)?;
                self.continuations.insert(key, f);
                f
            }
        };
        let k = above.len();
        Ok(match world.config().position_bias {
            PositionBias::Cascade => reach * (rel[a] + (1.0 - rel[a]) * future),
            PositionBias::PositionBased { .. } => world.examination(k) * rel[a] + future,
        })
    }

    fn feedback(&mut self, log: &Log) -> Result<SlateTargetFeedback> {
        let (l, ni, n) = (log.len_list, log.n_actions(), log.n_rows());
        let zeros = |k: usize| vec![0.0; k];
        let mut out = SlateTargetFeedback {
            pscore: zeros(n),
            pscore_item_position: zeros(n),
            pscore_cascade: zeros(n),
            action_dist: zeros(n * ni),
            item_position_dist: zeros(n * ni),
            q_hat: zeros(n * ni),
        };
        let mut left = vec![true; ni];
        for s in 0..log.n_slates() {
            let rows = s * l..(s + 1) * l;
            let u = log.user[s * l];
            let slate: Vec<usize> = rows.clone().map(|r| log.action[r] as usize).collect();
            // (the policy keeps each user's marginals once computed)
            let (m, p) = (self.policy.marginals(u as usize, l)?, self.policy.probs(u as usize).to_vec());
            left.iter_mut().for_each(|x| *x = true);
            let mut reach = 1.0;
            // the chance of the ranking down to each slot, pick by pick (the same identity)
            let mut prefix = 1.0;
            for (k, r) in rows.clone().enumerate() {
                let rest: f64 = (0..ni).filter(|&a| left[a]).map(|a| p[a]).sum();
                prefix *= if rest > 0.0 { p[slate[k]] / rest } else { 0.0 };
                out.pscore_cascade[r] = prefix;
                left[slate[k]] = false;
            }
            left.iter_mut().for_each(|x| *x = true);
            for (k, r) in rows.enumerate() {
                out.pscore[r] = prefix;
                out.pscore_item_position[r] = m[slate[k] * l + k];
                let rest: f64 = (0..ni).filter(|&a| left[a]).map(|a| p[a]).sum();
                for a in 0..ni {
                    out.action_dist[r * ni + a] = if left[a] && rest > 0.0 { p[a] / rest } else { 0.0 };
                    out.item_position_dist[r * ni + a] = m[a * l + k];
                    // an item above cannot be placed again
                    out.q_hat[r * ni + a] = if left[a] { self.cumulative(log, u, &slate[..k], a, reach)? } else { 0.0 };
                }
                left[slate[k]] = false;
                reach *= 1.0 - log.world().rel(u as usize, slate[k]);
            }
        }
        Ok(out)
    }
}

/// The slate estimators' estimates of the new policy's clicks per ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimates {
    /// Standard slate IPS: the whole ranking's weight.
    pub sips: Estimate,
    /// Independent IPS: the item at its slot.
    pub iips: Estimate,
    /// Reward-interaction IPS: the ranking down to the slot.
    pub rips: Estimate,
    /// Cascade doubly robust: RIPS with a reward model as control variate.
    #[serde(rename = "cascade-dr")]
    pub cascade_dr: Estimate,
    /// The pseudoinverse (uniform logger only; NaN with a caution otherwise).
    pub pi: Estimate,
}

impl Estimates {
    /// (name, estimate) in the page's order.
    pub fn all(&self) -> [(&'static str, &Estimate); 5] {
        [("sips", &self.sips), ("iips", &self.iips), ("rips", &self.rips), ("cascade-dr", &self.cascade_dr), ("pi", &self.pi)]
    }
}

/// One log read by every estimator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reading {
    /// The logged clicks per ranking (the logger's own value).
    pub naive: Estimate,
    /// The estimators.
    pub est: Estimates,
}

/// Bias, spread and coverage of each estimator over the replicated logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spreads {
    /// The logged clicks per ranking.
    pub naive: common::Spread,
    /// SIPS.
    pub sips: common::Spread,
    /// IIPS.
    pub iips: common::Spread,
    /// RIPS.
    pub rips: common::Spread,
    /// Cascade-DR.
    #[serde(rename = "cascade-dr")]
    pub cascade_dr: common::Spread,
    /// PI.
    pub pi: common::Spread,
}

fn spreads(reps: &[Reading], truth: f64) -> Spreads {
    let of = |f: &dyn Fn(&Reading) -> &Estimate| {
        common::spread(
            &reps
                .iter()
                .map(|r| {
                    let e = f(r);
                    (e.estimate, e.lower, e.upper)
                })
                .collect::<Vec<_>>(),
            truth,
        )
    };
    Spreads {
        naive: of(&|r| &r.naive),
        sips: of(&|r| &r.est.sips),
        iips: of(&|r| &r.est.iips),
        rips: of(&|r| &r.est.rips),
        cascade_dr: of(&|r| &r.est.cascade_dr),
        pi: of(&|r| &r.est.pi),
    }
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// The new policy's exact expected clicks per ranking (NaN until computed).
    pub truth: f64,
    /// Click-through by slot in the page's log.
    pub ctr: Vec<CtrRow>,
    /// The page's log read by every estimator (once computed).
    pub main: Option<Reading>,
    /// Spread over the logs so far (once the first is read).
    pub spread: Option<Spreads>,
    /// Logs read so far.
    pub done: usize,
    /// Logs in all.
    pub replicates: usize,
    /// Progress of the run.
    pub progress: Progress,
}

/// The lesson's run: the page's log and its click-through (first output), the estimators on it,
/// then one replicated log per step.
pub struct Runner {
    config: Config,
    world: Arc<World>,
    logger: Policy,
    target: TargetSide,
    total: usize,
    /// The page's log, collected by the first step (which draws its click-through chart) and
    /// evaluated by the second, so that a slider move redraws that chart without waiting for the
    /// new policy's side of every ranking.
    main: Vec<Log>,
    reps: Vec<Reading>,
    output: Option<Output>,
}

impl Runner {
    /// Prepare a run.
    pub fn new(config: Config) -> Result<Runner> {
        let world = common::world(world_config(&config))?;
        let logger = Policy::compile(&world, &logger(&config))?;
        let target = TargetSide::new(Policy::compile(&world, &target(&config))?)?;
        let total = replicates_for(&config);
        Ok(Runner { config, world, logger, target, total, main: Vec::new(), reps: Vec::new(), output: None })
    }

    /// Collect log `r`, chunk by chunk; feed the click-through sums when given.
    fn logs(&self, r: usize, mut ctr: Option<&mut CtrSums>) -> Result<Vec<Log>> {
        let c = &self.config;
        let seed = replicate_seed(c.seed, r);
        let per = chunk_slates(c.len_list);
        let mut logs = Vec::new();
        let mut done = 0;
        while done < c.rounds {
            let n = per.min(c.rounds - done);
            let log = Log::collect_compiled(
                self.world.clone(),
                self.logger.clone(),
                &CollectOptions { n_rounds: n, seed: chunk_seed(seed, logs.len()), len_list: c.len_list, reward: None },
            )?;
            if let Some(s) = ctr.as_deref_mut() {
                s.add(&log, &self.world, c.eta);
            }
            logs.push(log);
            done += n;
        }
        Ok(logs)
    }

    /// The slate estimators' input from a log's chunks (the new policy's side is the slow part:
    /// the exact continuations of every ranking prefix).
    fn slates(&mut self, logs: &[Log]) -> Result<Slates> {
        let mut slates = Slates::new(self.config.len_list, self.world.n_items());
        for log in logs {
            slates.append(log, &mut self.target)?;
        }
        Ok(slates)
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        let total = self.total;
        let out = match self.output.take() {
            None => {
                let mut sums = CtrSums::new(self.config.len_list);
                self.main = self.logs(0, Some(&mut sums))?;
                Output {
                    truth: f64::NAN,
                    ctr: ctr_rows(&sums, &self.config),
                    main: None,
                    spread: None,
                    done: 0,
                    replicates: total,
                    progress: Progress::new(0, total, "logs"),
                }
            }
            Some(out) if out.main.is_none() => {
                let mut out = out;
                out.truth = exact_ranking_value(&self.world, &self.target.policy, self.config.len_list)?;
                let logs = std::mem::take(&mut self.main);
                let slates = self.slates(&logs)?;
                let reading = Reading { naive: slates.logged(), est: slates.estimate_all(self.config.logger)? };
                self.reps.push(reading.clone());
                out.main = Some(reading);
                out.spread = Some(spreads(&self.reps, out.truth));
                out.done = 1;
                out.progress = Progress::new(1, total, "logs");
                out
            }
            Some(out) => {
                let r = self.reps.len();
                if r >= total {
                    self.output = Some(out);
                    return Ok(None);
                }
                let mut out = out;
                let logs = self.logs(r, None)?;
                let slates = self.slates(&logs)?;
                self.reps.push(Reading { naive: slates.logged(), est: slates.estimate_all(self.config.logger)? });
                out.spread = Some(spreads(&self.reps, out.truth));
                out.done = self.reps.len();
                out.progress = Progress::new(self.reps.len(), total, "logs");
                out
            }
        };
        self.output = Some(out.clone());
        Ok(Some(LessonOutput::PositionBias(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exact_ranking_value_agrees_with_the_world_s() {
        for model in [ClickModel::PositionBased, ClickModel::Cascade] {
            for len in 2..=4 {
                for (seed, sharp) in [(1, 0.0), (2, 1.0), (3, 2.5)] {
                    let c = Config { model, eta: 1.3, len_list: len, logger: Logger::Uniform, rounds: 1000, sharp, seed };
                    let world = World::new(WorldConfig { n_users: 20, ..world_config(&c) }).unwrap();
                    let p = Policy::compile(&world, &target(&c)).unwrap();
                    let ours = exact_ranking_value(&world, &p, len).unwrap();
                    let theirs = world.ranking_value(&p, len, crate::world::Signal::Click, 10, 0).unwrap();
                    assert!(theirs.exact);
                    assert!((ours - theirs.value).abs() < 1e-12, "{model:?} L={len} β={sharp}: {ours} vs {}", theirs.value);
                }
            }
        }
    }

    #[test]
    fn the_new_policy_s_side_of_the_input_is_the_core_s() {
        for (model, logger, len) in
            [(ClickModel::Cascade, Logger::Production, 3), (ClickModel::PositionBased, Logger::Uniform, 5)]
        {
            let c = Config { model, eta: 1.0, len_list: len, logger, rounds: 300, sharp: 2.5, seed: 4 };
            let world = Arc::new(World::new(world_config(&c)).unwrap());
            let log = Log::collect(
                world.clone(),
                &super::logger(&c),
                &CollectOptions { n_rounds: 300, seed: 9, len_list: len, reward: None },
            )
            .unwrap();
            let policy = Policy::compile(&world, &target(&c)).unwrap();
            let core = crate::world::slate_feedback(&log, &policy).unwrap();
            let ours = TargetSide::new(policy).unwrap().feedback(&log).unwrap();
            let close = |a: &[f64], b: &[f64]| {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-12 * x.abs().max(1e-3))
            };
            assert!(close(&core.pscore, &ours.pscore) && close(&core.pscore_cascade, &ours.pscore_cascade));
            assert!(close(&core.pscore_item_position, &ours.pscore_item_position));
            assert!(close(&core.action_dist, &ours.action_dist), "conditionals");
            assert!(close(&core.item_position_dist, &ours.item_position_dist) && close(&core.q_hat, &ours.q_hat));
        }
    }

    #[test]
    fn a_uniform_ranking_of_equally_liked_items_gets_the_sum_of_examinations() {
        // every item liked with probability r: position-based value r Σₖ θₖ; cascade 1 − (1 − r)^L
        let (r, len) = (0.3, 3);
        let theta = [1.0, 0.5, 0.25];
        let v = pl_ranking_value(&[1.0; 6], &[r; 6], len, false, &theta).unwrap();
        assert!((v - r * 1.75).abs() < 1e-12, "{v}");
        let v = pl_ranking_value(&[1.0; 6], &[r; 6], len, true, &[]).unwrap();
        assert!((v - (1.0 - (1.0 - r).powi(3))).abs() < 1e-12, "{v}");
        assert!(pl_ranking_value(&[1.0; 21], &[r; 21], 2, true, &[]).is_err());
    }

    #[test]
    fn a_click_rate_divided_by_its_examination_stays_a_probability_and_says_when_it_cannot() {
        let e = rate_over(0.0, 250.0, 1.0 / 27.0);
        assert_eq!(e.lower, 0.0);
        assert!(e.upper > 0.0 && e.upper <= 1.0);
        assert!(e.caution.unwrap().starts_with("no clicks"));
        let e = rate_over(5.0, 100.0, 1.0 / 27.0);
        assert!(e.estimate > 1.0 && e.upper == 1.0);
        assert!(e.caution.unwrap().starts_with("above 100%"));
        assert_eq!(rate_over(30.0, 100.0, 0.5).caution, None);
    }
}
