//! Lesson 6, "A skip is not always a dislike". Sessions of five tracks have a hidden intent:
//! listening (a skip means "I don't like this") or sampling tracks for a playlist (almost every
//! track is skipped after a short preview, liked or not; liked ones get saved). Two candidate
//! recommenders rank each user's tracks by the same personal taste score plus a track-quality
//! score learned from production logs: A learned it with "not skipped" (stream) as the reward, B
//! with an intent-aware reward that reads saves in sessions recognised as sampling. Which one is
//! better, and which signal says so?
//!
//! The truth is how many of their tracks users like. Everything with an exact value is computed
//! exactly from the world's tables and its response model (`world::response`,
//! [`World::expected_signal_given_intent`]): the expected value of every signal per session for
//! each candidate and its variance (so the width of an A/B test's interval at any size is known in
//! advance), and the intent-aware reward with a fallible intent rule (a small dynamic programme
//! over the tracks of a session). One A/B test is simulated at the chosen size
//! ([`super::ab_test`]), and the sweep repeats the training and the exact evaluation as the share
//! of sampling sessions grows.

use super::ab_test::{self, ArmMean, Moments, Verdict};
use super::common::{Estimate, Range};
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::math;
use crate::metrics;
use crate::rng::Rng;
use crate::world::response::{SAVE, SKIP, SKIP_DWELL, STREAM_DWELL};
use crate::world::{CollectOptions, IntentConfig, Log, Policy, PolicySpec, PositionBias, ScoreSpec, Signal, World, WorldConfig};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Tracks per session; every one of them is heard (a queue: η = 0, no position bias).
pub const LEN: usize = 5;
/// Users who love topic 0 sample more (logit units per sd of their taste for topic 0).
pub const TASTE_LINK: f64 = 3.0;
/// Standard deviation of the error of the personal taste score, relative to the true taste.
pub const PERSONAL_NOISE: f64 = 1.0;
/// Weight of the learned track-quality score next to the personal score (both standardized).
pub const QUALITY_WEIGHT: f64 = 1.5;
/// L2 penalty of the quality score (a ridge regression on an intercept: a shrunken mean).
pub const RIDGE_LAMBDA: f64 = 1.0;
/// Production sessions the two quality scores are learned from, collected in chunks.
pub const TRAIN_SESSIONS: usize = 4000;
/// Sessions per training chunk.
pub const TRAIN_CHUNK: usize = 1000;
/// Training chunks.
pub const TRAIN_CHUNKS: usize = TRAIN_SESSIONS / TRAIN_CHUNK;
/// Production: share of sessions from the user's personal top 10 (the rest shuffle the catalog).
pub const PRODUCTION_PERSONAL: f64 = 0.7;
/// Sessions per arm in one chunk of the A/B test (fixed, so that a run is reproducible).
pub const CHUNK: usize = 1000;
/// Shares of sampling sessions in the sweep (and the steps of the slider).
pub const SHARES: [f64; 10] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/// A skip at least this long (seconds) is a preview: listeners skip what they dislike in 2.5–7.5 s.
pub const PREVIEW_SECONDS: f64 = 7.5;
/// Streams last `STREAM_DWELL` ± this many seconds (60–240 s), uniformly; skips last their
/// `SKIP_DWELL` ± 50%, uniformly — the dwell draws of the world's response model
/// (`world::log::respond`), which `world::response` gives only the means of. The tests check
/// both against simulated sessions.
pub const STREAM_DWELL_HALF_RANGE: f64 = 90.0;

/// The ways to recognise a sampling session.
pub const METHODS: [&str; 3] = ["burst", "dwell", "declared"];
/// The signals an A/B test can be judged by (`click`, liked, is the hidden truth).
pub const SIGNALS: [&str; 7] = ["click", "stream", "skip", "dwell", "save", "thumbsUp", "intentAware"];
const LOGGED: [Signal; 6] = [Signal::Click, Signal::Stream, Signal::Skip, Signal::Dwell, Signal::Save, Signal::ThumbsUp];

/// What the intent-aware reward divides by: P(stream | liked, listening), P(stream | disliked,
/// listening) and P(save | liked, sampling).
const HI: f64 = 1.0 - SKIP[0][0];
const LO: f64 = 1.0 - SKIP[0][1];
const SV: f64 = SAVE[1];

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Share of sessions spent sampling for a playlist.
    pub share: f64,
    /// The signal the readout and the sweep follow (index in [`SIGNALS`], never 0).
    pub signal: usize,
    /// Sessions per arm of the A/B test.
    pub sessions: usize,
    /// How sampling sessions are recognised (index in [`METHODS`]).
    pub method: usize,
    /// Share of sessions that declare their intent.
    pub declared: f64,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ share, signal, sessions, method, declared, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        for key in ["signal", "method", "seed"] {
            if !o.has(key) {
                return Err(Error::invalid(format!("state.{key}"), "is required"));
            }
        }
        let signal = o.choice("signal", "stream", &SIGNALS[1..])?;
        let method = o.choice("method", "dwell", &METHODS)?;
        let c = Config {
            share: o.required_number("share", 0.0, 0.9)?,
            signal: SIGNALS.iter().position(|s| *s == signal).unwrap_or(1),
            sessions: o.required_number("sessions", 1000.0, 100_000.0)? as usize,
            method: METHODS.iter().position(|m| *m == method).unwrap_or(1),
            declared: o.required_number("declared", 0.0, 1.0)?,
            seed: o.seed("seed", 0)?,
        };
        o.finish_with(&["share", "signal", "sessions", "method", "declared", "seed"])?;
        Ok(c)
    }

    /// A/B chunks of [`CHUNK`] sessions per arm.
    pub fn chunks(&self) -> usize {
        (self.sessions as f64 / CHUNK as f64).round().max(1.0) as usize
    }
}

/// A small catalog with strong tastes over three topics and no visible user features, so a model
/// fitted on the logs can only learn how good each track is for everybody: a track-quality score.
pub fn world_config(seed: u64, sampling_share: f64, declared: f64) -> WorldConfig {
    WorldConfig {
        seed,
        n_users: 500,
        n_items: 60,
        n_topics: 3,
        n_features: 0,
        taste_strength: 3.0,
        popularity_effect: 0.4,
        base_click_rate: 0.2,
        position_bias: PositionBias::PositionBased { eta: 0.0 },
        intent: IntentConfig { sampling_share, taste_link: TASTE_LINK, declared_share: declared },
        ..Default::default()
    }
}

/// The name of the personal taste score on a lesson world.
const PERSONAL: &str = "intent-personal";

/// Production: five of the user's personal top 10 in 70% of sessions, a shuffle of the catalog in
/// the rest.
pub fn production() -> PolicySpec {
    PolicySpec::Mixture {
        components: vec![
            (PRODUCTION_PERSONAL, PolicySpec::TopK { k: 10, score: model(PERSONAL) }),
            (1.0 - PRODUCTION_PERSONAL, PolicySpec::Uniform),
        ],
    }
}

fn model(name: &str) -> ScoreSpec {
    ScoreSpec { model: Some((name.to_string(), 1.0)), ..Default::default() }
}

/// A candidate: each user's top five by the combined score registered under `name`.
pub fn candidate(name: &str) -> PolicySpec {
    PolicySpec::TopK { k: LEN, score: model(name) }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + math::exp(-x))
}

/// Each seed's users: arrival probabilities and taste for topic 0 (they do not depend on intents).
type Users = Rc<(Vec<f64>, Vec<f64>)>;

thread_local! {
    static USERS: RefCell<Vec<(u64, Users)>> = const { RefCell::new(Vec::new()) };
    static PERSONAL_SCORES: RefCell<Vec<(u64, Rc<Vec<f64>>)>> = const { RefCell::new(Vec::new()) };
    static CONTEXTS: RefCell<Vec<(CtxKey, Ctx)>> = const { RefCell::new(Vec::new()) };
    static POINTS: RefCell<Vec<(PointKey, Rc<Point>)>> = const { RefCell::new(Vec::new()) };
    static AB_CHUNKS: RefCell<Vec<(PointKey, AbChunks)>> = const { RefCell::new(Vec::new()) };
}

fn remember<K: PartialEq, V>(list: &mut Vec<(K, V)>, key: K, value: V, max: usize) {
    list.retain(|(k, _)| *k != key);
    list.push((key, value));
    if list.len() > max {
        list.remove(0);
    }
}

fn recall<K: PartialEq, V: Clone>(list: &[(K, V)], key: &K) -> Option<V> {
    list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

fn users(seed: u64) -> Result<Users> {
    if let Some(u) = USERS.with(|c| recall(&c.borrow(), &seed)) {
        return Ok(u);
    }
    // Users' tastes and arrival are drawn from their own stream, whatever the catalog: a world
    // of two items has the same users and builds thirty times faster.
    let probe = World::new(WorldConfig { n_items: 2, n_creators: 2, ..world_config(seed, 0.5, 0.0) })?;
    let nt = probe.config().n_topics;
    let taste0 = (0..probe.n_users()).map(|u| probe.user_taste()[u * nt]).collect();
    let u = Rc::new((probe.arrival().to_vec(), taste0));
    USERS.with(|c| remember(&mut c.borrow_mut(), seed, u.clone(), 8));
    Ok(u)
}

/// The world's `samplingShare` is the propensity of a user with average taste; with the taste link,
/// the share of sessions spent sampling differs. The `samplingShare` under which the share of
/// sessions (users weighted by how often they arrive) is `share` (bisection on the logit scale).
pub fn sampling_base(seed: u64, share: f64) -> Result<f64> {
    if share <= 0.0 || share >= 1.0 {
        return Ok(share);
    }
    let u = users(seed)?;
    let share_at = |b: f64| u.0.iter().zip(&u.1).map(|(w, t)| w * sigmoid(b + TASTE_LINK * t)).sum::<f64>();
    let (mut lo, mut hi) = (-30.0, 30.0);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if share_at(mid) < share {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(sigmoid((lo + hi) / 2.0))
}

/// Standardize each row of `n` values (mean 0, sd 1; a constant row becomes 0 − mean = 0).
fn standardize_rows(x: &mut [f64], n: usize) {
    for row in x.chunks_exact_mut(n) {
        let m = row.iter().sum::<f64>() / n as f64;
        let v = row.iter().map(|y| (y - m) * (y - m)).sum::<f64>() / n as f64;
        let sd = if v > 0.0 { v.sqrt() } else { 1.0 };
        row.iter_mut().for_each(|y| *y = (*y - m) / sd);
    }
}

/// The personal taste score of a seed: each user's true relevance plus an error as large as it
/// (standardized per user), drawn from the core's generator.
fn personal(world: &World, seed: u64) -> Rc<Vec<f64>> {
    if let Some(p) = PERSONAL_SCORES.with(|c| recall(&c.borrow(), &seed)) {
        return p;
    }
    let ni = world.n_items();
    let mut rel = world.relevance().to_vec();
    standardize_rows(&mut rel, ni);
    let mut rng = Rng::derived(seed, 0x1_7e47);
    let mut noise: Vec<f64> = (0..rel.len()).map(|_| rng.normal()).collect();
    standardize_rows(&mut noise, ni);
    let mut p: Vec<f64> = rel.iter().zip(&noise).map(|(r, e)| r + PERSONAL_NOISE * e).collect();
    standardize_rows(&mut p, ni);
    let p = Rc::new(p);
    PERSONAL_SCORES.with(|c| remember(&mut c.borrow_mut(), seed, p.clone(), 4));
    p
}

/// Counts of an intent rule's reading against the hidden intent ("positive": sampling).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Confusion {
    /// Sampling sessions read as sampling.
    pub tp: usize,
    /// Listening sessions read as sampling.
    pub fp: usize,
    /// Sampling sessions read as listening.
    #[serde(rename = "fn")]
    pub fn_: usize,
    /// Listening sessions read as listening.
    pub tn: usize,
}

impl Confusion {
    fn add(&mut self, read: &[bool], intent: &[u8]) {
        for (s, &r) in read.iter().enumerate() {
            match (intent[s * LEN] == 1, r) {
                (true, true) => self.tp += 1,
                (false, true) => self.fp += 1,
                (true, false) => self.fn_ += 1,
                (false, false) => self.tn += 1,
            }
        }
    }

    fn merge(&mut self, o: &Confusion) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.tn += o.tn;
    }
}

/// Which sessions an intent rule reads as sampling. A declared intent is used when there is one;
/// otherwise `burst`: at least 4 of the 5 tracks skipped; `dwell`: at least 2 skips that lasted a
/// preview (≥ 7.5 s); `declared`: undeclared sessions count as listening.
pub fn classify(method: usize, skip: &[f64], dwell: &[f64], declared: &[i8]) -> Vec<bool> {
    (0..skip.len() / LEN)
        .map(|s| {
            let r0 = s * LEN;
            if declared[r0] >= 0 {
                return declared[r0] == 1;
            }
            let rows = r0..r0 + LEN;
            match METHODS[method] {
                "burst" => rows.filter(|&r| skip[r] > 0.0).count() >= 4,
                "dwell" => rows.filter(|&r| skip[r] > 0.0 && dwell[r] >= PREVIEW_SECONDS).count() >= 2,
                _ => false,
            }
        })
        .collect()
}

/// The intent-aware reward of each play: (stream − 0.15)/0.80 in a session read as listening,
/// save/0.60 in one read as sampling. Either has expectation P(liked) when the intent is right.
pub fn intent_aware_rewards(read: &[bool], stream: &[f64], save: &[f64]) -> Vec<f64> {
    (0..stream.len()).map(|r| if read[r / LEN] { save[r] / SV } else { (stream[r] - LO) / (HI - LO) }).collect()
}

// ----- exact moments of a session's signals -----

/// E[dwell²] of a track given the intent and whether it was liked (0) or not (1): a skip lasts
/// uniformly SKIP_DWELL ± 50% (second moment d²·13/12), a stream STREAM_DWELL ± 90 s.
fn dwell2(intent: usize, k: usize) -> f64 {
    let (ps, d) = (SKIP[intent][k], SKIP_DWELL[intent][k]);
    let h = STREAM_DWELL_HALF_RANGE;
    ps * d * d * 13.0 / 12.0 + (1.0 - ps) * (STREAM_DWELL * STREAM_DWELL + h * h / 3.0)
}

/// Per method, intent and liked (index 0) / disliked (1): a track's contribution to the
/// intent-aware reward split by whether it counts towards "sampling" (event e = 1: a skip for
/// `burst`, a preview for `dwell`): P(e), E[R; e], E[R²; e] for the listening reward (stream −
/// lo)/(hi − lo) and for the sampling reward save/sv. Layout: [p0, p1, mL0, mL1, sL0, sL1, mS0,
/// mS1, sS0, sS1].
fn aware_track(method: usize, intent: usize, liked: bool) -> [f64; 10] {
    let k = if liked { 0 } else { 1 };
    let (ps, d) = (SKIP[intent][k], SKIP_DWELL[intent][k]);
    let long = ((1.5 * d - PREVIEW_SECONDS) / d).clamp(0.0, 1.0); // P(a skip lasts a preview)
    let pv = if liked { SAVE[intent] } else { 0.0 };
    let mut out = [0.0; 10];
    for (skip, pk) in [(1.0, ps), (0.0, 1.0 - ps)] {
        let previews: &[(f64, f64)] = if skip == 1.0 { &[(1.0, long), (0.0, 1.0 - long)] } else { &[(0.0, 1.0)] };
        for &(prev, pg) in previews {
            for (save, pw) in [(1.0, pv), (0.0, 1.0 - pv)] {
                let q = pk * pg * pw;
                let e = match METHODS[method] {
                    "burst" => skip as usize,
                    "dwell" => prev as usize,
                    _ => 0,
                };
                let rl = (1.0 - skip - LO) / (HI - LO);
                let rs = save / SV;
                out[e] += q;
                out[2 + e] += q * rl;
                out[4 + e] += q * rl * rl;
                out[6 + e] += q * rs;
                out[8 + e] += q * rs * rs;
            }
        }
    }
    out
}

/// E[S], E[S²] and P(read as sampling) of the intent-aware reward summed over a session's tracks
/// (liked with probabilities `rs`), given the intent. The rule counts events over the five
/// tracks, so they are coupled; the programme adds one track at a time (tracks are independent
/// given the user and the intent): P(c events), E[S; c] and E[S²; c] for both readings.
fn aware_session(rs: &[f64], intent: usize, method: usize, declared_share: f64, table: &[[[f64; 10]; 2]; 2]) -> (f64, f64, f64) {
    const K: usize = LEN + 1;
    let (mut f, mut gl, mut hl, mut gs, mut hs) = ([0.0; K], [0.0; K], [0.0; K], [0.0; K], [0.0; K]);
    f[0] = 1.0;
    let [liked, disliked] = table[intent];
    for &r in rs {
        let t: [f64; 10] = std::array::from_fn(|j| r * liked[j] + (1.0 - r) * disliked[j]);
        let (mut nf, mut ngl, mut nhl, mut ngs, mut nhs) = ([0.0; K], [0.0; K], [0.0; K], [0.0; K], [0.0; K]);
        for c in 0..LEN {
            if f[c] == 0.0 {
                continue;
            }
            for e in 0..2 {
                let pe = t[e];
                let x = c + e;
                nf[x] += f[c] * pe;
                ngl[x] += gl[c] * pe + f[c] * t[2 + e];
                nhl[x] += hl[c] * pe + 2.0 * gl[c] * t[2 + e] + f[c] * t[4 + e];
                ngs[x] += gs[c] * pe + f[c] * t[6 + e];
                nhs[x] += hs[c] * pe + 2.0 * gs[c] * t[6 + e] + f[c] * t[8 + e];
            }
        }
        (f, gl, hl, gs, hs) = (nf, ngl, nhl, ngs, nhs);
    }
    let thr = match METHODS[method] {
        "burst" => 4,
        "dwell" => 2,
        _ => usize::MAX,
    };
    let (mut m, mut m2, mut p_sampling) = (0.0, 0.0, 0.0);
    let (mut ml, mut m2l, mut ms, mut m2s) = (0.0, 0.0, 0.0, 0.0);
    for c in 0..=LEN {
        if c >= thr {
            m += gs[c];
            m2 += hs[c];
            p_sampling += f[c];
        } else {
            m += gl[c];
            m2 += hl[c];
        }
        ml += gl[c];
        m2l += hl[c];
        ms += gs[c];
        m2s += hs[c];
    }
    // a declared session is read with its true intent
    let d = declared_share;
    let (dm, dm2) = if intent == 1 { (ms, m2s) } else { (ml, m2l) };
    (d * dm + (1.0 - d) * m, d * dm2 + (1.0 - d) * m2, d * intent as f64 + (1.0 - d) * p_sampling)
}

/// One value per signal, in [`SIGNALS`] order (serialized by name).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Signals {
    /// Liked tracks (the hidden truth).
    pub click: f64,
    /// Streams.
    pub stream: f64,
    /// Skips.
    pub skip: f64,
    /// Listening time (seconds).
    pub dwell: f64,
    /// Saves.
    pub save: f64,
    /// Thumbs up.
    pub thumbs_up: f64,
    /// The intent-aware reward.
    pub intent_aware: f64,
}

impl Signals {
    /// The value of signal `i` (in [`SIGNALS`] order).
    pub fn get(&self, i: usize) -> f64 {
        [self.click, self.stream, self.skip, self.dwell, self.save, self.thumbs_up, self.intent_aware][i]
    }
    fn slot(&mut self, i: usize) -> &mut f64 {
        match i {
            0 => &mut self.click,
            1 => &mut self.stream,
            2 => &mut self.skip,
            3 => &mut self.dwell,
            4 => &mut self.save,
            5 => &mut self.thumbs_up,
            _ => &mut self.intent_aware,
        }
    }
}

/// A candidate's exact values per session.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exact {
    /// Expected value of each signal per session.
    pub mean: Signals,
    /// Its variance per session (over users, intents and draws).
    pub variance: Signals,
    /// Liked tracks per listening session.
    pub listening: f64,
    /// Liked tracks per sampling session.
    pub sampling: f64,
    /// P(read as sampling | listening), P(read as sampling | sampling) in this candidate's sessions.
    pub flagged: [f64; 2],
    /// Share of its tracks from genre 0, the genre whose fans sample most.
    pub genre0: f64,
}

/// Exact mean and variance per session of every signal for a candidate (its top five `top` per
/// user), liked tracks in listening and in sampling sessions, and how often the rule reads a
/// session as sampling, by true intent.
pub fn exact_values(world: &World, top: &[u32], method: usize, declared_share: f64) -> Exact {
    let table = [0, 1].map(|intent| [aware_track(method, intent, true), aware_track(method, intent, false)]);
    let (mut m1, mut m2) = ([0.0; 7], [0.0; 7]);
    let (mut liked, mut weight, mut flagged) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    let mut rs = [0.0; LEN];
    let mut genre0 = 0.0;
    for (u, &w) in world.arrival().iter().enumerate() {
        if w == 0.0 {
            continue;
        }
        let items = &top[u * LEN..(u + 1) * LEN];
        genre0 += w * items.iter().filter(|&&i| world.item_topic()[i as usize] == 0).count() as f64 / LEN as f64;
        for (k, &i) in items.iter().enumerate() {
            rs[k] = world.rel(u, i as usize);
        }
        let p_sampling = world.user_sampling()[u];
        for intent in 0..2 {
            let pi = if intent == 1 { p_sampling } else { 1.0 - p_sampling };
            if pi == 0.0 {
                continue;
            }
            let wi = w * pi;
            // per session: sum over tracks of each signal's mean and variance (tracks are
            // independent given the user and the intent)
            let (mut mean, mut var) = ([0.0; 6], [0.0; 6]);
            for (k, &i) in items.iter().enumerate() {
                let (i, r) = (i as usize, rs[k]);
                let at = |s: Signal| world.expected_signal_given_intent(s, u, i, intent);
                let (st, sv, th) = (at(Signal::Stream), at(Signal::Save), at(Signal::ThumbsUp));
                let dw = at(Signal::Dwell);
                let bern = [r, st, 1.0 - st, f64::NAN, sv, th];
                for j in [0, 1, 2, 4, 5] {
                    mean[j] += bern[j];
                    var[j] += bern[j] * (1.0 - bern[j]);
                }
                mean[3] += dw;
                var[3] += r * dwell2(intent, 0) + (1.0 - r) * dwell2(intent, 1) - dw * dw;
            }
            for j in 0..6 {
                m1[j] += wi * mean[j];
                m2[j] += wi * (var[j] + mean[j] * mean[j]);
            }
            let (a, a2, ps) = aware_session(&rs, intent, method, declared_share, &table);
            m1[6] += wi * a;
            m2[6] += wi * a2;
            liked[intent] += wi * mean[0];
            weight[intent] += wi;
            flagged[intent] += wi * ps;
        }
    }
    let mut out = Exact {
        mean: Signals::default(),
        variance: Signals::default(),
        listening: if weight[0] > 0.0 { liked[0] / weight[0] } else { f64::NAN },
        sampling: if weight[1] > 0.0 { liked[1] / weight[1] } else { f64::NAN },
        flagged: [0, 1].map(|i| if weight[i] > 0.0 { flagged[i] / weight[i] } else { f64::NAN }),
        genre0,
    };
    for j in 0..7 {
        *out.mean.slot(j) = m1[j];
        *out.variance.slot(j) = (m2[j] - m1[j] * m1[j]).max(0.0);
    }
    out
}

// ----- one world (one share of sampling sessions): train, evaluate exactly -----

/// Sessions of the production log by hidden intent, and how many declared theirs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Sessions {
    /// Listening sessions.
    pub listening: usize,
    /// Sampling sessions.
    pub sampling: usize,
    /// Sessions that declared their intent.
    pub declared: usize,
}

/// A world (one share of sampling sessions) and what its production log taught so far.
struct Context {
    seed: u64,
    world: Arc<World>,
    production: Policy,
    chunks: usize,
    plays: Vec<f64>,
    stream: Vec<f64>,
    aware: [Vec<f64>; 3],
    classifier: [Confusion; 3],
    sessions: Sessions,
    /// Learned candidates by name: the compiled policy and each user's five tracks.
    candidates: Vec<(String, Learned)>,
}

type Ctx = Rc<RefCell<Context>>;
/// A learned candidate: its policy and each user's five tracks.
type Learned = Rc<(Policy, Vec<u32>)>;
/// The chunks of an A/B test simulated so far: per chunk, A's and B's sessions.
type AbChunks = Rc<RefCell<Vec<[ArmChunk; 2]>>>;
type CtxKey = (u64, u64, u64);
type PointKey = (u64, u64, usize, u64);

fn context(seed: u64, share: f64, declared: f64) -> Result<Ctx> {
    let key = (seed, declared.to_bits(), share.to_bits());
    if let Some(c) = CONTEXTS.with(|c| recall(&c.borrow(), &key)) {
        CONTEXTS.with(|cs| remember(&mut cs.borrow_mut(), key, c.clone(), 12));
        return Ok(c);
    }
    let world = Arc::new(World::new(world_config(seed, sampling_base(seed, share)?, declared))?);
    world.add_model(PERSONAL, personal(&world, seed).to_vec())?;
    let production = Policy::compile(&world, &production())?;
    let ni = world.n_items();
    let c = Rc::new(RefCell::new(Context {
        seed,
        world,
        production,
        chunks: 0,
        plays: vec![0.0; ni],
        stream: vec![0.0; ni],
        aware: std::array::from_fn(|_| vec![0.0; ni]),
        classifier: [Confusion::default(); 3],
        sessions: Sessions::default(),
        candidates: Vec::new(),
    }));
    CONTEXTS.with(|cs| remember(&mut cs.borrow_mut(), key, c.clone(), 12));
    Ok(c)
}

impl Context {
    fn trained(&self) -> bool {
        self.chunks >= TRAIN_CHUNKS
    }

    /// Collect one more chunk of the production log and add it to the training statistics.
    fn train_chunk(&mut self) -> Result<()> {
        let seed = self.seed * 1009 + 17 + self.chunks as u64 * 7;
        let log = Log::collect_compiled(
            self.world.clone(),
            self.production.clone(),
            &CollectOptions { n_rounds: TRAIN_CHUNK, seed, len_list: LEN, reward: None },
        )?;
        let (skip, dwell, stream, save) =
            (log.signal(Signal::Skip), log.signal(Signal::Dwell), log.signal(Signal::Stream), log.signal(Signal::Save));
        for r in 0..log.n_rows() {
            self.plays[log.action[r] as usize] += 1.0;
            self.stream[log.action[r] as usize] += stream[r];
        }
        for m in 0..METHODS.len() {
            let read = classify(m, skip, dwell, &log.declared);
            self.classifier[m].add(&read, &log.intent);
            for (r, x) in intent_aware_rewards(&read, stream, save).into_iter().enumerate() {
                self.aware[m][log.action[r] as usize] += x;
            }
        }
        for s in 0..log.n_slates() {
            if log.intent[s * LEN] == 1 {
                self.sessions.sampling += 1;
            } else {
                self.sessions.listening += 1;
            }
            if log.declared[s * LEN] >= 0 {
                self.sessions.declared += 1;
            }
        }
        self.chunks += 1;
        Ok(())
    }

    /// A candidate: the quality score learned from the production log (per track, a ridge
    /// regression on an intercept, Σ reward / (plays + λ)), standardized and added to the
    /// personal score with weight 1.5, registered as `name`; its policy and each user's five tracks.
    fn learn(&mut self, name: &str, sums: &[f64]) -> Result<Learned> {
        if let Some(c) = recall(&self.candidates, &name.to_string()) {
            return Ok(c);
        }
        let ni = self.world.n_items();
        let mut quality: Vec<f64> = sums.iter().zip(&self.plays).map(|(s, n)| s / (n + RIDGE_LAMBDA)).collect();
        standardize_rows(&mut quality, ni);
        let p = personal(&self.world, self.seed);
        let mut combined: Vec<f64> = p.iter().enumerate().map(|(x, v)| v + QUALITY_WEIGHT * quality[x % ni]).collect();
        standardize_rows(&mut combined, ni);
        self.world.add_model(name, combined)?;
        let policy = Policy::compile(&self.world, &candidate(name))?;
        let top = metrics::top_items(&policy.score_table(), ni, LEN);
        let c = Rc::new((policy, top));
        self.candidates.push((name.to_string(), c.clone()));
        Ok(c)
    }

    /// Candidates A (quality learned from streams) and B (from the intent-aware reward of `method`).
    fn learn_both(&mut self, method: usize) -> Result<[Learned; 2]> {
        let stream = self.stream.clone();
        let aware = self.aware[method].clone();
        Ok([self.learn("intent-stream", &stream)?, self.learn(&format!("intent-aware-{}", METHODS[method]), &aware)?])
    }
}

/// Both candidates at one share, trained and evaluated exactly.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Point {
    /// Share of sampling sessions.
    pub share: f64,
    /// Each rule's reading of the production log's sessions (in [`METHODS`] order).
    pub classifier: [Confusion; 3],
    /// The production log's sessions.
    pub sessions: Sessions,
    /// Exact values of A and B.
    pub exact: [Exact; 2],
    /// Share of the tracks B recommends that A does not.
    pub differ: f64,
}

fn evaluate(ctx: &Ctx, method: usize, declared: f64, share: f64) -> Result<Point> {
    let [a, b] = ctx.borrow_mut().learn_both(method)?;
    let c = ctx.borrow();
    let moved =
        a.1.chunks_exact(LEN)
            .zip(b.1.chunks_exact(LEN))
            .map(|(ta, tb)| tb.iter().filter(|i| !ta.contains(i)).count())
            .sum::<usize>();
    Ok(Point {
        share,
        classifier: c.classifier,
        sessions: c.sessions,
        exact: [exact_values(&c.world, &a.1, method, declared), exact_values(&c.world, &b.1, method, declared)],
        differ: moved as f64 / a.1.len() as f64,
    })
}

// ----- the simulated A/B test -----

/// One chunk of one arm: [`CHUNK`] sessions, each signal summed per session.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ArmChunk {
    /// Per signal (in [`SIGNALS`] order).
    pub signals: [Moments; 7],
    /// Liked tracks in listening sessions.
    pub liked_listening: Moments,
    /// Liked tracks in sampling sessions.
    pub liked_sampling: Moments,
    /// The rule's reading of these sessions against their hidden intent.
    pub classified: Confusion,
}

impl ArmChunk {
    fn merge(&mut self, o: &ArmChunk) {
        self.signals.iter_mut().zip(&o.signals).for_each(|(a, b)| a.merge(b));
        self.liked_listening.merge(&o.liked_listening);
        self.liked_sampling.merge(&o.liked_sampling);
        self.classified.merge(&o.classified);
    }
}

/// One chunk of one arm of the test: the candidate serves [`CHUNK`] fresh sessions.
fn ab_chunk(world: &Arc<World>, policy: &Policy, method: usize, seed: u64) -> Result<ArmChunk> {
    let log = ab_test::run_arm(world, policy, CHUNK, LEN, seed)?;
    let read = classify(method, log.signal(Signal::Skip), log.signal(Signal::Dwell), &log.declared);
    let mut arm = ArmChunk::default();
    arm.classified.add(&read, &log.intent);
    let aware = intent_aware_rewards(&read, log.signal(Signal::Stream), log.signal(Signal::Save));
    for (j, s) in LOGGED.iter().enumerate() {
        for (q, v) in ab_test::session_sums(log.signal(*s), LEN).enumerate() {
            arm.signals[j].add(v);
            if j == 0 {
                if log.intent[q * LEN] == 1 { &mut arm.liked_sampling } else { &mut arm.liked_listening }.add(v);
            }
        }
    }
    ab_test::session_sums(&aware, LEN).for_each(|v| arm.signals[6].add(v));
    Ok(arm)
}

/// Seed of chunk `i` of arm `arm` (0: A, 1: B).
pub fn chunk_seed(seed: u64, share: f64, declared: f64, arm: u64, i: usize) -> u64 {
    let base = (seed as u32).wrapping_mul(7919) as i32 as i64;
    let x = base
        + (share * 100.0).round() as i64 * 131
        + (declared * 100.0).round() as i64 * 977
        + arm as i64 * 65537
        + i as i64 * 17
        + 3;
    x.rem_euclid(1 << 32) as u64
}

// ----- what the page shows -----

/// An arm of the A/B test: per signal, the mean per session and its standard error.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmOut {
    /// Per signal (in [`SIGNALS`] order).
    pub signals: Vec<ArmMean>,
    /// Liked tracks per listening session.
    pub liked_listening: ArmMean,
    /// Liked tracks per sampling session.
    pub liked_sampling: ArmMean,
}

/// The A/B test so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AbOut {
    /// Sessions per arm.
    pub sessions: usize,
    /// A and B.
    pub arms: [ArmOut; 2],
    /// The rule's reading of the test's sessions (both arms).
    pub classified: Confusion,
}

/// B's lift over A judged by one signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerdictRow {
    /// The signal.
    pub key: &'static str,
    /// The A/B test's lift with its 95% interval.
    pub lift: Estimate,
    /// The exact expected lift.
    pub exact: f64,
    /// The standard error a test of this size has, from the exact variances.
    pub exact_se: f64,
    /// The test's verdict at the 95% level.
    pub verdict: Verdict,
}

/// B − A in liked tracks per session, in one kind of session.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServeRow {
    /// "listening", "sampling" or "all".
    pub key: &'static str,
    /// Exact.
    pub exact: f64,
    /// What the A/B test measured, with its 95% interval.
    pub measured: Estimate,
    /// Sessions of this kind in A's and in B's arm.
    pub sessions: [usize; 2],
}

/// A rule's reading of the production log, as shares with Wilson intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleOut {
    /// The rule.
    pub method: &'static str,
    /// Counts.
    pub counts: Confusion,
    /// Share of sampling sessions read as sampling.
    pub recognised: Estimate,
    /// Share of listening sessions read as sampling.
    pub mistaken: Estimate,
    /// Share of all sessions read right.
    pub right: Estimate,
}

/// The expected lift of one signal and where 95% of A/B tests of the chosen size land.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// Expected lift.
    pub value: f64,
    /// 2.5% of tests land below.
    pub lo: f64,
    /// 2.5% of tests land above.
    pub hi: f64,
}

/// One share of sampling sessions in the sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepOut {
    /// Share of sampling sessions.
    pub share: f64,
    /// B's true lift in liked tracks.
    pub truth: f64,
    /// Per signal (in [`SIGNALS`] order): the expected lift and the band of tests of the chosen size.
    pub lifts: Vec<Band>,
    /// Share of B's tracks that A does not play.
    pub differ: f64,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Share of sampling sessions.
    pub share: f64,
    /// The rules' readings of the production log (as soon as its first chunk is in).
    pub rules: Option<Vec<RuleOut>>,
    /// The production log's sessions.
    pub sessions: Option<Sessions>,
    /// Both candidates at this share, exactly.
    pub main: Option<Point>,
    /// B's true lift in liked tracks, B/A − 1.
    pub truth: Option<f64>,
    /// The A/B test so far.
    pub ab: Option<AbOut>,
    /// Per signal: B's lift in the test and its expectation.
    pub verdicts: Vec<VerdictRow>,
    /// B − A in liked tracks per session: in listening, in sampling and in all sessions.
    pub serves: Vec<ServeRow>,
    /// The sweep over shares of sampling sessions (so far).
    pub sweep: Vec<SweepOut>,
    /// Progress of the run.
    pub progress: Progress,
}

fn rules(classifier: &[Confusion; 3]) -> Vec<RuleOut> {
    classifier
        .iter()
        .enumerate()
        .map(|(m, c)| RuleOut {
            method: METHODS[m],
            counts: *c,
            recognised: ab_test::proportion(c.tp, c.tp + c.fn_),
            mistaken: ab_test::proportion(c.fp, c.fp + c.tn),
            right: ab_test::proportion(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn_),
        })
        .collect()
}

/// B's expected lift over A in signal `s` and the standard error of a test of `n` sessions per arm.
pub fn expected(exact: &[Exact; 2], s: usize, n: usize) -> ab_test::Lift {
    let [a, b] = exact;
    ab_test::expected_lift(a.mean.get(s), a.variance.get(s), b.mean.get(s), b.variance.get(s), n, SIGNALS[s] == "skip")
}

fn sweep_point(p: &Point, n: usize) -> SweepOut {
    SweepOut {
        share: p.share,
        truth: expected(&p.exact, 0, n).value,
        lifts: (0..SIGNALS.len())
            .map(|s| {
                let e = expected(&p.exact, s, n);
                Band { value: e.value, lo: e.value - super::common::Z95 * e.se, hi: e.value + super::common::Z95 * e.se }
            })
            .collect(),
        differ: p.differ,
    }
}

// ----- the run -----

/// The lesson's run: (1) the production log at the chosen share, one chunk per step (the rules'
/// readings are drawn after the first), then the two candidates, evaluated exactly; (2) the A/B
/// test, a few chunks per step; (3) the sweep over the other shares, training and evaluating one
/// share per few steps. Points and A/B chunks are cached, so moving a control that changes none
/// of them redraws at once.
pub struct Runner {
    config: Config,
    key: PointKey,
    main: Option<Rc<Point>>,
    ab: AbChunks,
    sweep: Vec<Rc<Point>>,
    /// Index into the other shares of the sweep.
    next_share: usize,
    done: usize,
    total: usize,
    finished: bool,
    /// Whether the run includes the sweep over shares.
    sweep_too: bool,
}

/// A/B chunks (per arm) simulated per step.
const AB_CHUNKS_PER_STEP: usize = 1;

fn point_key(c: &Config, share: f64) -> PointKey {
    (c.seed, c.declared.to_bits(), c.method, share.to_bits())
}

impl Runner {
    /// Prepare a run.
    pub fn new(config: Config) -> Result<Runner> {
        let key = point_key(&config, config.share);
        let ab = match AB_CHUNKS.with(|c| recall(&c.borrow(), &key)) {
            Some(ab) => ab,
            None => {
                let ab = Rc::new(RefCell::new(Vec::new()));
                AB_CHUNKS.with(|c| remember(&mut c.borrow_mut(), key, ab.clone(), 100));
                ab
            }
        };
        let others = SHARES.iter().filter(|&&s| s != config.share).count();
        let total = TRAIN_CHUNKS + 1 + config.chunks().div_ceil(AB_CHUNKS_PER_STEP) + others * (TRAIN_CHUNKS + 1);
        Ok(Runner {
            key,
            main: None,
            ab,
            sweep: Vec::new(),
            next_share: 0,
            done: 0,
            total,
            finished: false,
            sweep_too: true,
            config,
        })
    }

    /// The chosen share only: the production log, both candidates exactly and the A/B test, without
    /// the sweep over other shares (for tests of what one setting shows, and benches).
    pub fn without_sweep(config: Config) -> Result<Runner> {
        let mut r = Runner::new(config)?;
        r.sweep_too = false;
        r.total = TRAIN_CHUNKS + 1 + r.config.chunks().div_ceil(AB_CHUNKS_PER_STEP);
        Ok(r)
    }

    fn others(&self) -> Vec<f64> {
        SHARES.iter().copied().filter(|&s| s != self.config.share).collect()
    }

    fn output(&self, rules_from: Option<(&[Confusion; 3], Sessions)>) -> Output {
        let c = &self.config;
        let main = self.main.as_deref();
        let classifier = main.map(|p| (&p.classifier, p.sessions)).or(rules_from);
        let n_chunks = c.chunks().min(self.ab.borrow().len());
        let ab = (main.is_some() && n_chunks > 0).then(|| {
            let chunks = &self.ab.borrow()[..n_chunks];
            let arm = |i: usize| {
                let mut m = ArmChunk::default();
                chunks.iter().for_each(|ch| m.merge(&ch[i]));
                m
            };
            let (a, b) = (arm(0), arm(1));
            let out = |m: &ArmChunk| ArmOut {
                signals: m.signals.iter().map(|x| x.summary()).collect(),
                liked_listening: m.liked_listening.summary(),
                liked_sampling: m.liked_sampling.summary(),
            };
            let mut classified = a.classified;
            classified.merge(&b.classified);
            AbOut { sessions: a.signals[0].n, arms: [out(&a), out(&b)], classified }
        });
        let (mut verdicts, mut serves) = (Vec::new(), Vec::new());
        if let (Some(p), Some(ab)) = (main, ab.as_ref()) {
            let [a, b] = &ab.arms;
            for s in 0..SIGNALS.len() {
                let lift = ab_test::lift(&a.signals[s], &b.signals[s], SIGNALS[s] == "skip");
                let e = expected(&p.exact, s, ab.sessions);
                verdicts.push(VerdictRow { key: SIGNALS[s], verdict: Verdict::of(&lift), lift, exact: e.value, exact_se: e.se });
            }
            let range = Range { lo: -(LEN as f64), hi: LEN as f64 };
            let [ea, eb] = &p.exact;
            for (key, am, bm, exact) in [
                ("listening", &a.liked_listening, &b.liked_listening, eb.listening - ea.listening),
                ("sampling", &a.liked_sampling, &b.liked_sampling, eb.sampling - ea.sampling),
                ("all", &a.signals[0], &b.signals[0], eb.mean.click - ea.mean.click),
            ] {
                serves.push(ServeRow { key, exact, measured: ab_test::difference(am, bm, range), sessions: [am.n, bm.n] });
            }
        }
        let mut sweep: Vec<SweepOut> = self.sweep.iter().map(|p| sweep_point(p, c.sessions)).collect();
        sweep.sort_by(|x, y| x.share.total_cmp(&y.share));
        Output {
            share: c.share,
            rules: classifier.map(|(cl, _)| rules(cl)),
            sessions: classifier.map(|(_, s)| s),
            truth: main.map(|p| expected(&p.exact, 0, 1).value),
            main: main.cloned(),
            ab,
            verdicts,
            serves,
            sweep,
            progress: Progress::new(self.done.min(self.total), self.total, "steps"),
        }
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        if self.finished {
            return Ok(None);
        }
        let c = self.config.clone();
        // 1. the chosen share: the production log, then both candidates exactly
        if self.main.is_none() {
            if let Some(p) = POINTS.with(|ps| recall(&ps.borrow(), &self.key)) {
                // evaluated before (by the sweep of an earlier run): draw it at once, then test
                self.done = TRAIN_CHUNKS + 1;
                self.main = Some(p.clone());
                self.sweep.push(p);
                if self.ab.borrow().len() < self.config.chunks() {
                    return Ok(Some(LessonOutput::Intent(self.output(None))));
                }
            } else {
                let ctx = context(c.seed, c.share, c.declared)?;
                if !ctx.borrow().trained() {
                    ctx.borrow_mut().train_chunk()?;
                    self.done = ctx.borrow().chunks;
                    let cb = ctx.borrow();
                    return Ok(Some(LessonOutput::Intent(self.output(Some((&cb.classifier, cb.sessions))))));
                }
                let p = Rc::new(evaluate(&ctx, c.method, c.declared, c.share)?);
                POINTS.with(|ps| remember(&mut ps.borrow_mut(), self.key, p.clone(), 400));
                self.done = TRAIN_CHUNKS + 1;
                self.main = Some(p.clone());
                self.sweep.push(p);
                return Ok(Some(LessonOutput::Intent(self.output(None))));
            }
        }
        // 2. the A/B test, a few chunks per step (cached: they depend on the point only)
        let n_chunks = c.chunks();
        if self.ab.borrow().len() < n_chunks {
            let ctx = context(c.seed, c.share, c.declared)?;
            if !ctx.borrow().trained() {
                // the world was evicted by other runs: rebuild its training statistics first
                ctx.borrow_mut().train_chunk()?;
                return Ok(Some(LessonOutput::Intent(self.output(None))));
            }
            let [a, b] = ctx.borrow_mut().learn_both(c.method)?;
            let world = ctx.borrow().world.clone();
            for _ in 0..AB_CHUNKS_PER_STEP {
                let i = self.ab.borrow().len();
                if i >= n_chunks {
                    break;
                }
                let chunk = [
                    ab_chunk(&world, &a.0, c.method, chunk_seed(c.seed, c.share, c.declared, 0, i))?,
                    ab_chunk(&world, &b.0, c.method, chunk_seed(c.seed, c.share, c.declared, 1, i))?,
                ];
                self.ab.borrow_mut().push(chunk);
            }
            self.done = TRAIN_CHUNKS + 1 + self.ab.borrow().len().min(n_chunks).div_ceil(AB_CHUNKS_PER_STEP);
            return Ok(Some(LessonOutput::Intent(self.output(None))));
        }
        let base = TRAIN_CHUNKS + 1 + n_chunks.div_ceil(AB_CHUNKS_PER_STEP);
        // 3. the sweep: train and evaluate the other shares, one training chunk per step
        let others = if self.sweep_too { self.others() } else { Vec::new() };
        while self.next_share < others.len() {
            let share = others[self.next_share];
            let key = point_key(&c, share);
            if let Some(p) = POINTS.with(|ps| recall(&ps.borrow(), &key)) {
                self.sweep.push(p);
                self.next_share += 1;
                self.done = base + self.next_share * (TRAIN_CHUNKS + 1);
                continue;
            }
            let ctx = context(c.seed, share, c.declared)?;
            if !ctx.borrow().trained() {
                ctx.borrow_mut().train_chunk()?;
                self.done = base + self.next_share * (TRAIN_CHUNKS + 1) + ctx.borrow().chunks;
                return Ok(Some(LessonOutput::Intent(self.output(None))));
            }
            let p = Rc::new(evaluate(&ctx, c.method, c.declared, share)?);
            POINTS.with(|ps| remember(&mut ps.borrow_mut(), key, p.clone(), 400));
            self.sweep.push(p);
            self.next_share += 1;
            self.done = base + self.next_share * (TRAIN_CHUNKS + 1);
            return Ok(Some(LessonOutput::Intent(self.output(None))));
        }
        self.finished = true;
        self.done = self.total;
        Ok(Some(LessonOutput::Intent(self.output(None))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sampling_base_gives_the_share_of_sessions() {
        for share in [0.1, 0.4, 0.9] {
            let base = sampling_base(3, share).unwrap();
            let w = World::new(world_config(3, base, 0.0)).unwrap();
            let got: f64 = w.arrival().iter().zip(w.user_sampling()).map(|(a, p)| a * p).sum();
            assert!((got - share).abs() < 1e-9, "{share}: {got}");
        }
    }

    #[test]
    fn chunk_seeds_follow_the_old_formula() {
        // (Math.imul(seed, 7919) + round(100 share)·131 + round(100 declared)·977 + arm·65537 + 17 i + 3) >>> 0
        assert_eq!(chunk_seed(1, 0.4, 0.2, 1, 2), 7919 + 40 * 131 + 20 * 977 + 65537 + 34 + 3);
    }

    /// The exact moments against a large simulated test: every signal's mean and variance per
    /// session, liked tracks by intent, and how often the rule reads sessions as sampling.
    #[test]
    fn exact_moments_match_simulated_sessions() {
        for (method, declared) in [(1, 0.2), (0, 0.0), (2, 0.5)] {
            let ctx = context(2, 0.4, declared).unwrap();
            while !ctx.borrow().trained() {
                ctx.borrow_mut().train_chunk().unwrap();
            }
            let [_, b] = ctx.borrow_mut().learn_both(method).unwrap();
            let world = ctx.borrow().world.clone();
            let ex = exact_values(&world, &b.1, method, declared);
            let mut arm = ArmChunk::default();
            for i in 0..40 {
                arm.merge(&ab_chunk(&world, &b.0, method, 99 + i).unwrap());
            }
            for s in 0..SIGNALS.len() {
                let m = arm.signals[s].summary();
                let want = ex.mean.get(s);
                assert!((m.mean - want).abs() < 4.0 * m.se, "{} ({method}): {} vs exact {want} ± {}", SIGNALS[s], m.mean, m.se);
                // the variance: the sample variance of 40,000 sessions has a relative standard error
                // √((κ − 1)/n) below 1% for these sums (kurtosis κ < 5), so 4% is 4 of them
                let var = m.se * m.se * (m.n - 1) as f64;
                let tol = 0.04 * ex.variance.get(s);
                assert!(
                    (var - ex.variance.get(s)).abs() < tol,
                    "{}: variance {var} vs {} (tol {tol})",
                    SIGNALS[s],
                    ex.variance.get(s)
                );
            }
            let c = arm.classified;
            let (f0, f1) = (c.fp as f64 / (c.fp + c.tn) as f64, c.tp as f64 / (c.tp + c.fn_) as f64);
            let se0 = (ex.flagged[0] * (1.0 - ex.flagged[0]) / (c.fp + c.tn) as f64).sqrt();
            let se1 = (ex.flagged[1] * (1.0 - ex.flagged[1]) / (c.tp + c.fn_) as f64).sqrt();
            assert!((f0 - ex.flagged[0]).abs() <= 4.0 * se0 + 1e-12, "flagged listening {f0} vs {}", ex.flagged[0]);
            assert!((f1 - ex.flagged[1]).abs() <= 4.0 * se1 + 1e-12, "flagged sampling {f1} vs {}", ex.flagged[1]);
            let (l, s) = (arm.liked_listening.summary(), arm.liked_sampling.summary());
            assert!((l.mean - ex.listening).abs() < 4.0 * l.se && (s.mean - ex.sampling).abs() < 4.0 * s.se);
        }
    }

    #[test]
    fn dwell_draws_have_the_ranges_the_moments_assume() {
        // streams: uniform on STREAM_DWELL ± 90 s; skips: uniform on SKIP_DWELL ± 50%
        let ctx = context(4, 0.5, 0.0).unwrap();
        let world = ctx.borrow().world.clone();
        let p = Policy::compile(&world, &PolicySpec::Uniform).unwrap();
        let log = ab_test::run_arm(&world, &p, 20_000, LEN, 1).unwrap();
        let (skip, dwell) = (log.signal(Signal::Skip), log.signal(Signal::Dwell));
        let streams: Vec<f64> = (0..log.n_rows()).filter(|&r| skip[r] == 0.0).map(|r| dwell[r]).collect();
        let (lo, hi) = streams.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &d| (a.min(d), b.max(d)));
        assert!(lo >= STREAM_DWELL - STREAM_DWELL_HALF_RANGE && hi <= STREAM_DWELL + STREAM_DWELL_HALF_RANGE);
        assert!(lo < STREAM_DWELL - STREAM_DWELL_HALF_RANGE + 1.0 && hi > STREAM_DWELL + STREAM_DWELL_HALF_RANGE - 1.0);
        let m2 = streams.iter().map(|d| d * d).sum::<f64>() / streams.len() as f64;
        let want = STREAM_DWELL * STREAM_DWELL + STREAM_DWELL_HALF_RANGE.powi(2) / 3.0;
        assert!((m2 / want - 1.0).abs() < 0.01, "{m2} vs {want}");
        let skips: Vec<f64> = (0..log.n_rows()).filter(|&r| skip[r] > 0.0).map(|r| dwell[r]).collect();
        let (lo, hi) = skips.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &d| (a.min(d), b.max(d)));
        let all: Vec<f64> = SKIP_DWELL.iter().flatten().copied().collect();
        let (dmin, dmax) = all.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &d| (a.min(d), b.max(d)));
        assert!(lo >= 0.5 * dmin && hi <= 1.5 * dmax && lo < 0.5 * dmin + 0.5 && hi > 1.5 * dmax - 1.0, "{lo} {hi}");
    }
}
