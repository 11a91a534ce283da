//! Logs: what a logging policy showed, what users did, and the exact probability of each logged
//! decision — in columns (struct of arrays), one row per impression.
//!
//! A round of a single-item policy is one row. A round of a ranking policy (`lenList` > 1) shows
//! `lenList` items and logs one row per position, as in the Open Bandit Dataset; `slate_id` ties
//! the rows of a round together. `n_rows` is what the estimators call `n_rounds`.

use super::policy::{Policy, PolicySpec};
use super::{PositionBias, Signal, World, response};
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::estimators::BanditData;
use crate::rng::Rng;
use std::collections::HashMap;
use std::sync::Arc;

/// Options of [`World::collect`](super::World).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CollectOptions {
    /// Rounds (sessions); a ranking round logs `len_list` rows.
    pub n_rounds: usize,
    /// Seed of this log.
    pub seed: u64,
    /// Items per round (1: single-item recommendations).
    pub len_list: usize,
    /// Reward signal (default: the world's).
    pub reward: Option<Signal>,
}

impl CollectOptions {
    /// Parse `{ nRounds, seed, lenList, reward }`.
    pub fn from_value(v: &Value, path: &str) -> Result<Self> {
        let o = Obj::new(v, path)?;
        if !o.has("nRounds") {
            return Err(Error::invalid(
                o.path_of("nRounds"),
                "is required: expected the number of rounds to log (1 to 10,000,000)",
            ));
        }
        let c = CollectOptions {
            n_rounds: o.integer("nRounds", 0, 1, 10_000_000)? as usize,
            seed: o.seed("seed", 0)?,
            len_list: o.integer("lenList", 1, 1, 100)? as usize,
            reward: o.string("reward")?.map(|s| Signal::by_name(s, &o.path_of("reward"))).transpose()?,
        };
        o.finish_with(&["nRounds", "seed", "lenList", "reward"])?;
        Ok(c)
    }
}

/// Bytes one row of a [`Log`] takes (its columns and the eight signals), for size checks.
pub const ROW_BYTES: usize = 4 * 5 + 3 + 8 * 5 + 8 * 8;

/// Check that a table of `count` doubles (n_rows × n_items × len_list, say) fits the limits.
pub(crate) fn check_table(argument: &str, what: &str, count: f64) -> Result<()> {
    crate::limits::check(argument, what, count, 8)
}

/// A collected log (see the module docs).
#[derive(Debug, Clone)]
pub struct Log {
    pub(crate) world: Arc<World>,
    /// Number of items per round.
    pub len_list: usize,
    /// Which signal is the reward.
    pub reward_signal: Signal,
    /// Round (slate) of each row.
    pub slate_id: Vec<u32>,
    /// Position of each row (0-based).
    pub position: Vec<u32>,
    /// Item shown.
    pub action: Vec<u32>,
    /// User of the round.
    pub user: Vec<u32>,
    /// Session intent (0 listening, 1 sampling) — hidden from estimators, kept for teaching.
    pub intent: Vec<u8>,
    /// The intent when the user declared it, −1 when unknown (see `intent.declaredShare`).
    pub declared: Vec<i8>,
    /// Mixture component that acted (0 when the logger is not a mixture; for ε-greedy, 1 means
    /// the uniform exploration).
    pub component: Vec<u32>,
    /// Whether the user examined the row's position (hidden).
    pub examined: Vec<u8>,
    /// The reward (the chosen signal).
    pub reward: Vec<f64>,
    /// Logging probability of this item at this position (single items: of this item).
    pub pscore: Vec<f64>,
    /// Logging probability of the whole ranking of the round.
    pub pscore_slate: Vec<f64>,
    /// Logging probability of the ranking's prefix down to this position.
    pub pscore_cascade: Vec<f64>,
    /// Every signal, in [`Signal::ALL`] order.
    pub signals: Vec<Vec<f64>>,
    /// The explicit rating when one was given, `NaN` otherwise.
    pub rating: Vec<f64>,
    /// The logging policy, when it is a fixed (not online) policy.
    pub(crate) logger: Option<Policy>,
    /// For online loggers: the action distribution of each batch and the batch of each row.
    pub(crate) online_dists: Option<(Vec<Vec<f64>>, Vec<u32>)>,
}

/// Per-examination outcome of one item.
pub(crate) struct Outcome {
    pub(crate) signals: [f64; 8],
    pub(crate) rating: f64,
}

/// The declared intent of a session (−1 when the user did not declare it).
pub(crate) fn declare(world: &World, intent: usize, rng: &mut Rng) -> i8 {
    let share = world.config().intent.declared_share;
    if share > 0.0 && rng.bernoulli(share) { intent as i8 } else { -1 }
}

pub(crate) fn respond(world: &World, u: usize, i: usize, intent: usize, rng: &mut Rng) -> Outcome {
    use response::*;
    let liked = rng.bernoulli(world.rel(u, i));
    let skip = rng.bernoulli(SKIP[intent][if liked { 0 } else { 1 }]);
    let dwell =
        if skip { SKIP_DWELL[intent][if liked { 0 } else { 1 }] * (0.5 + rng.uniform()) } else { 60.0 + 180.0 * rng.uniform() };
    let save = liked && rng.bernoulli(SAVE[intent]);
    let true_rating = world.true_rating(u, i);
    let rated = rng.bernoulli(world.rating_probability(true_rating));
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    Outcome {
        signals: [
            b(liked),
            b(!skip),
            b(skip),
            dwell,
            b(save),
            b(rated && true_rating >= 4),
            b(rated && true_rating <= 2),
            b(liked) * world.item_price()[i],
        ],
        rating: if rated { true_rating as f64 } else { f64::NAN },
    }
}

impl Log {
    pub(crate) fn empty(world: Arc<World>, len_list: usize, reward_signal: Signal, capacity: usize) -> Log {
        fn v<T>(c: usize) -> Vec<T> {
            Vec::with_capacity(c)
        }
        let c = capacity;
        Log {
            world,
            len_list,
            reward_signal,
            slate_id: v(c),
            position: v(c),
            action: v(c),
            user: v(c),
            intent: v(c),
            declared: v(c),
            component: v(c),
            examined: v(c),
            reward: v(c),
            pscore: v(c),
            pscore_slate: v(c),
            pscore_cascade: v(c),
            signals: (0..8).map(|_| v(c)).collect(),
            rating: v(c),
            logger: None,
            online_dists: None,
        }
    }

    /// Append one row.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        slate: usize,
        k: usize,
        item: usize,
        u: usize,
        intent: usize,
        component: usize,
        outcome: Option<Outcome>,
        p: [f64; 3],
    ) {
        self.slate_id.push(slate as u32);
        self.position.push(k as u32);
        self.action.push(item as u32);
        self.user.push(u as u32);
        self.intent.push(intent as u8);
        self.declared.push(-1);
        self.component.push(component as u32);
        self.examined.push(outcome.is_some() as u8);
        let (signals, rating) = outcome.map(|o| (o.signals, o.rating)).unwrap_or(([0.0; 8], f64::NAN));
        let ri = Signal::ALL.iter().position(|s| *s == self.reward_signal).unwrap_or(0);
        self.reward.push(signals[ri]);
        for (col, x) in self.signals.iter_mut().zip(signals) {
            col.push(x);
        }
        self.rating.push(rating);
        self.pscore.push(p[0]);
        self.pscore_slate.push(p[1]);
        self.pscore_cascade.push(p[2]);
    }

    /// Collect a log from a fixed policy.
    pub fn collect(world: Arc<World>, spec: &PolicySpec, opts: &CollectOptions) -> Result<Log> {
        if let PolicySpec::Online(o) = spec {
            return super::online::collect(world, o, opts);
        }
        let policy = Policy::compile(&world, spec)?;
        Log::collect_compiled(world, policy, opts)
    }

    /// Collect with an already compiled policy.
    pub fn collect_compiled(world: Arc<World>, policy: Policy, opts: &CollectOptions) -> Result<Log> {
        let mut log = Log::simulate(world, &policy, opts, false)?;
        log.logger = Some(policy);
        Ok(log)
    }

    /// A one-item-per-round log that keeps only what the estimators read: `user`, `action`,
    /// `component`, `reward`, `pscore` and `position`. Every other column is empty, and the
    /// logger is not stored. The draws are those of [`Log::collect_compiled`], so the kept
    /// columns are identical to its; writing a quarter of the bytes makes it several times
    /// faster (the lab simulates thousands of logs and drops each after estimating on it).
    pub(crate) fn collect_lean(world: Arc<World>, policy: &Policy, opts: &CollectOptions) -> Result<Log> {
        if opts.len_list != 1 {
            return Err(Error::invalid("lenList", format!("a lean log has one item per round, got {}", opts.len_list)));
        }
        Log::simulate(world, policy, opts, true)
    }

    fn simulate(world: Arc<World>, policy: &Policy, opts: &CollectOptions, lean: bool) -> Result<Log> {
        let (ni, l) = (world.n_items(), opts.len_list);
        if l > ni {
            return Err(Error::invalid("lenList", format!("expected 1 ≤ lenList ≤ nItems ({ni}), got {l}")));
        }
        crate::limits::check(
            "nRounds",
            &format!("a log of {} rounds × {l} items", opts.n_rounds),
            opts.n_rounds as f64 * l as f64,
            ROW_BYTES,
        )?;
        let signal = opts.reward.unwrap_or(world.config().reward);
        let mut log = Log::empty(world.clone(), l, signal, if lean { 0 } else { opts.n_rounds * l });
        let mut rng = Rng::new(opts.seed);
        let w = &*world;
        if l == 1 {
            // Draw the users first, then simulate the rounds grouped by user: each user's rows of
            // the policy and relevance tables stay in cache while their rounds are simulated.
            // (Rounds are exchangeable, so the order of simulation changes nothing but speed.)
            let comps = policy.components();
            let weights: Vec<f64> = comps.iter().map(|c| c.0).collect();
            let tables = policy.alias_tables();
            let probs = policy.table()?;
            let n = opts.n_rounds;
            let users: Vec<u32> = (0..n).map(|_| w.draw_user(&mut rng) as u32).collect();
            let mut start = vec![0usize; w.n_users() + 1];
            users.iter().for_each(|&u| start[u as usize + 1] += 1);
            for i in 0..w.n_users() {
                start[i + 1] += start[i];
            }
            let mut order = vec![0usize; n];
            for (r, &u) in users.iter().enumerate() {
                order[start[u as usize]] = r;
                start[u as usize] += 1;
            }
            // One compact record per round, written where the round belongs (scattered writes
            // touch ~2 cache lines instead of one per column), then split into columns in order.
            #[derive(Clone, Copy)]
            struct Rec {
                signals: [f64; 8],
                rating: f64,
                p: f64,
                a: u32,
                c: u16,
                intent: u8,
                declared: i8,
            }
            let ri = Signal::ALL.iter().position(|s| *s == signal).unwrap_or(0);
            // The lean loop repeats the full one's draws (keep the two in step): it is the lab's hot
            // path, and a shared loop writing either record adds a branch per round to both.
            if lean {
                #[derive(Clone, Copy)]
                struct Lean {
                    reward: f64,
                    p: f64,
                    a: u32,
                    c: u32,
                }
                let mut recs = vec![Lean { reward: 0.0, p: 0.0, a: 0, c: 0 }; n];
                for &round in &order {
                    let u = users[round] as usize;
                    let intent = rng.bernoulli(w.user_sampling()[u]) as usize;
                    declare(w, intent, &mut rng);
                    let c = if comps.len() == 1 { 0 } else { rng.categorical(&weights) };
                    let a = tables[c].sample(u, &mut rng);
                    let o = respond(w, u, a, intent, &mut rng);
                    recs[round] = Lean { reward: o.signals[ri], p: probs[u * ni + a], a: a as u32, c: c as u32 };
                }
                log.position = vec![0; n];
                log.user = users;
                log.action = recs.iter().map(|r| r.a).collect();
                log.component = recs.iter().map(|r| r.c).collect();
                log.reward = recs.iter().map(|r| r.reward).collect();
                log.pscore = recs.iter().map(|r| r.p).collect();
                return Ok(log);
            }
            let mut recs = vec![Rec { signals: [0.0; 8], rating: 0.0, p: 0.0, a: 0, c: 0, intent: 0, declared: -1 }; n];
            for &round in &order {
                let u = users[round] as usize;
                let intent = rng.bernoulli(w.user_sampling()[u]) as usize;
                let declared = declare(w, intent, &mut rng);
                let c = if comps.len() == 1 { 0 } else { rng.categorical(&weights) };
                let a = tables[c].sample(u, &mut rng);
                let o = respond(w, u, a, intent, &mut rng);
                recs[round] = Rec {
                    signals: o.signals,
                    rating: o.rating,
                    p: probs[u * ni + a],
                    a: a as u32,
                    c: c as u16,
                    intent: intent as u8,
                    declared,
                };
            }
            log.slate_id = (0..n as u32).collect();
            log.position = vec![0; n];
            log.user = users;
            log.action = recs.iter().map(|r| r.a).collect();
            log.intent = recs.iter().map(|r| r.intent).collect();
            log.declared = recs.iter().map(|r| r.declared).collect();
            log.component = recs.iter().map(|r| r.c as u32).collect();
            log.examined = vec![1; n];
            log.reward = recs.iter().map(|r| r.signals[ri]).collect();
            log.pscore = recs.iter().map(|r| r.p).collect();
            log.pscore_slate = log.pscore.clone();
            log.pscore_cascade = log.pscore.clone();
            log.rating = recs.iter().map(|r| r.rating).collect();
            log.signals = (0..8).map(|j| recs.iter().map(|r| r.signals[j]).collect()).collect();
        } else {
            let mut marg_cache: HashMap<usize, Vec<f64>, crate::rng::MixHash> = HashMap::default();
            for round in 0..opts.n_rounds {
                let u = w.draw_user(&mut rng);
                let intent = rng.bernoulli(w.user_sampling()[u]) as usize;
                let declared = declare(w, intent, &mut rng);
                let (slate, c) = policy.sample_ranking(u, l, &mut rng)?;
                let prefix = policy.prefix_probs(u, &slate);
                if let std::collections::hash_map::Entry::Vacant(e) = marg_cache.entry(u) {
                    e.insert(policy.marginals(u, l)?);
                }
                let marg = &marg_cache[&u];
                let mut stopped = false;
                for (k, &a) in slate.iter().enumerate() {
                    let examined = match w.config().position_bias {
                        PositionBias::PositionBased { .. } => rng.bernoulli(w.examination(k)),
                        PositionBias::Cascade => !stopped,
                    };
                    let outcome = if examined { Some(respond(w, u, a, intent, &mut rng)) } else { None };
                    if outcome.as_ref().is_some_and(|o| o.signals[0] > 0.0) {
                        stopped = true;
                    }
                    log.push(round, k, a, u, intent, c, outcome, [marg[a * l + k], prefix[l - 1], prefix[k]]);
                    if let Some(d) = log.declared.last_mut() {
                        *d = declared;
                    }
                }
            }
        }
        Ok(log)
    }

    /// The world the log came from.
    pub fn world(&self) -> &Arc<World> {
        &self.world
    }
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.action.len()
    }
    /// Number of rounds (slates).
    pub fn n_slates(&self) -> usize {
        self.n_rows() / self.len_list
    }
    /// Number of actions (items).
    pub fn n_actions(&self) -> usize {
        self.world.n_items()
    }
    /// A signal's column.
    pub fn signal(&self, s: Signal) -> &[f64] {
        let i = Signal::ALL.iter().position(|x| *x == s).unwrap_or(0);
        &self.signals[i]
    }

    /// Per-user cache of a policy's item-position marginals for the users in this log.
    fn marginals_by_user(&self, policy: &Policy) -> Result<HashMap<u32, Vec<f64>>> {
        let mut m = HashMap::new();
        for &u in &self.user {
            if let std::collections::hash_map::Entry::Vacant(e) = m.entry(u) {
                e.insert(policy.marginals(u as usize, self.len_list)?);
            }
        }
        Ok(m)
    }

    /// The policy's probabilities in the logged contexts, flat n_rows × n_items × len_list
    /// (OBP's `action_dist`): for single items π(a | user); for rankings the item-position
    /// marginal P(a at position k | user).
    pub fn action_dist(&self, policy: &Policy) -> Result<Vec<f64>> {
        self.check_row_table("actionDist")?;
        let (ni, l) = (self.n_actions(), self.len_list);
        let mut out = Vec::with_capacity(self.n_rows() * ni * l);
        if l == 1 {
            for &u in &self.user {
                out.extend_from_slice(policy.probs(u as usize));
            }
        } else {
            let m = self.marginals_by_user(policy)?;
            for &u in &self.user {
                out.extend_from_slice(&m[&u]);
            }
        }
        Ok(out)
    }

    /// Check that an n_rows × n_items × len_list table of this log fits the memory limits.
    pub fn check_row_table(&self, argument: &str) -> Result<()> {
        let (n, ni, l) = (self.n_rows(), self.n_actions(), self.len_list);
        check_table(argument, &format!("an array of {n} rows × {ni} items × {l} positions"), n as f64 * ni as f64 * l as f64)
    }

    /// The logging policy's `action_dist` (OBP's `pi_b`), when it is known for every row.
    pub fn pi_b(&self) -> Result<Vec<f64>> {
        if let Some(p) = &self.logger {
            return self.action_dist(p);
        }
        if let Some((dists, batch)) = &self.online_dists {
            self.check_row_table("piB")?;
            let mut out = Vec::with_capacity(self.n_rows() * self.n_actions());
            for &b in batch {
                out.extend_from_slice(&dists[b as usize]);
            }
            return Ok(out);
        }
        Err(Error::unsupported("log", "the logging policy's distribution is not known for this log"))
    }

    /// Examination probability of a row's position given the items logged above it.
    fn examination_given_prefix(&self, row: usize) -> f64 {
        let k = self.position[row] as usize;
        match self.world.config().position_bias {
            PositionBias::PositionBased { .. } => self.world.examination(k),
            PositionBias::Cascade => {
                let u = self.user[row] as usize;
                (row - k..row).map(|j| 1.0 - self.world.rel(u, self.action[j] as usize)).product()
            }
        }
    }

    /// True expected rewards E[r | context, a, k] for every row and action, flat
    /// n_rows × n_items × len_list. For single items: E[r | user, a]. For rankings under the
    /// position-based model: (1/(k+1))^η · E[r | user, a, examined]; under the cascade: the
    /// probability of reaching position k given the logged items above, times E[r | …].
    pub fn expected_reward(&self, signal: Option<Signal>) -> Result<Vec<f64>> {
        self.check_row_table("expectedReward")?;
        let s = signal.unwrap_or(self.reward_signal);
        let (ni, l) = (self.n_actions(), self.len_list);
        let mut out = vec![0.0; self.n_rows() * ni * l];
        let mut cache: HashMap<u32, Vec<f64>> = HashMap::new();
        for row in 0..self.n_rows() {
            let u = self.user[row];
            let base = cache.entry(u).or_insert_with(|| (0..ni).map(|a| self.world.expected_signal(s, u as usize, a)).collect());
            let block = &mut out[row * ni * l..(row + 1) * ni * l];
            if l == 1 {
                block.copy_from_slice(base);
            } else {
                for k in 0..l {
                    let e = match self.world.config().position_bias {
                        PositionBias::PositionBased { .. } => self.world.examination(k),
                        PositionBias::Cascade => {
                            // reaching k given the logged items above k in this row's slate
                            let start = row - self.position[row] as usize;
                            (start..start + k).map(|j| 1.0 - self.world.rel(u as usize, self.action[j] as usize)).product()
                        }
                    };
                    for a in 0..ni {
                        block[a * l + k] = e * base[a];
                    }
                }
            }
        }
        Ok(out)
    }

    /// The estimator input for evaluating `target` on this log, with an optional reward model
    /// (flat n_rows × n_items × len_list) and, when known, the logger's full distribution.
    pub fn bandit_data(&self, target: &Policy, reward_model: Option<Vec<f64>>) -> Result<BanditData> {
        Ok(BanditData {
            reward: self.reward.clone(),
            action: self.action.clone(),
            pscore: self.pscore.clone(),
            position: if self.len_list > 1 { Some(self.position.clone()) } else { None },
            action_dist: self.action_dist(target)?,
            estimated_rewards_by_reg_model: reward_model,
            pi_b: self.pi_b().ok(),
            n_actions: self.n_actions(),
            len_list: self.len_list,
        })
    }

    /// The same log with other rewards (one per row, finite), e.g. a reward a lesson computed from
    /// several signals. The reward signal's name stays for reference.
    pub fn with_reward_values(&self, values: Vec<f64>) -> Result<Log> {
        if values.len() != self.n_rows() {
            return Err(Error::invalid(
                "values",
                format!("expected one reward per row ({}), got {}", self.n_rows(), values.len()),
            ));
        }
        if let Some((i, x)) = values.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(Error::invalid("values", format!("expected finite numbers, got {x} at index {i}")));
        }
        let mut log = self.clone();
        log.reward = values;
        Ok(log)
    }

    /// Mean logged reward: the naive estimate of any policy's value (rankings: per round).
    pub fn naive_value(&self) -> f64 {
        self.reward.iter().sum::<f64>() / self.n_slates() as f64
    }

    /// Examination probability of each row's position given the logged items above it
    /// (position-bias propensities for click-through correction).
    pub fn examination_propensity(&self) -> Vec<f64> {
        (0..self.n_rows()).map(|r| self.examination_given_prefix(r)).collect()
    }

    /// The rows of one mixture component of the logger (e.g. the uniform randomized bucket), with
    /// that component's own propensities: within those rows, actions followed the component alone,
    /// so an estimator must divide by its probabilities, not the mixture's.
    pub fn component_subset(&self, c: usize) -> Result<Log> {
        let logger = self
            .logger
            .as_ref()
            .ok_or_else(|| Error::unsupported("component", "this log's logger is an online policy without components"))?;
        let comp = logger.component_policy(c).ok_or_else(|| {
            Error::invalid("component", format!("the logger has {} component(s) (0-based), got {c}", logger.components().len()))
        })?;
        let mut sub = self.subset(|r| self.component[r] as usize == c);
        let l = self.len_list;
        let mut marg: HashMap<u32, Vec<f64>> = HashMap::new();
        for s in 0..sub.n_slates() {
            let u = sub.user[s * l];
            if l == 1 {
                sub.pscore[s] = comp.probs(u as usize)[sub.action[s] as usize];
                sub.pscore_slate[s] = sub.pscore[s];
                sub.pscore_cascade[s] = sub.pscore[s];
                continue;
            }
            let slate: Vec<usize> = (0..l).map(|k| sub.action[s * l + k] as usize).collect();
            let prefix = comp.prefix_probs(u as usize, &slate);
            if let std::collections::hash_map::Entry::Vacant(e) = marg.entry(u) {
                e.insert(comp.marginals(u as usize, l)?);
            }
            for k in 0..l {
                sub.pscore[s * l + k] = marg[&u][slate[k] * l + k];
                sub.pscore_slate[s * l + k] = prefix[l - 1];
                sub.pscore_cascade[s * l + k] = prefix[k];
            }
        }
        sub.component.iter_mut().for_each(|x| *x = 0);
        sub.logger = Some(comp);
        Ok(sub)
    }

    /// Rows in `keep` (e.g. one market), as a new log with the same world.
    pub fn subset(&self, keep: impl Fn(usize) -> bool) -> Log {
        let rows: Vec<usize> = (0..self.n_rows()).filter(|&r| keep(r)).collect();
        let pick_u32 = |v: &[u32]| rows.iter().map(|&r| v[r]).collect::<Vec<_>>();
        let pick_f = |v: &[f64]| rows.iter().map(|&r| v[r]).collect::<Vec<_>>();
        Log {
            world: self.world.clone(),
            len_list: self.len_list,
            reward_signal: self.reward_signal,
            slate_id: pick_u32(&self.slate_id),
            position: pick_u32(&self.position),
            action: pick_u32(&self.action),
            user: pick_u32(&self.user),
            intent: rows.iter().map(|&r| self.intent[r]).collect(),
            declared: rows.iter().map(|&r| self.declared[r]).collect(),
            component: pick_u32(&self.component),
            examined: rows.iter().map(|&r| self.examined[r]).collect(),
            reward: pick_f(&self.reward),
            pscore: pick_f(&self.pscore),
            pscore_slate: pick_f(&self.pscore_slate),
            pscore_cascade: pick_f(&self.pscore_cascade),
            signals: self.signals.iter().map(|c| pick_f(c)).collect(),
            rating: pick_f(&self.rating),
            logger: self.logger.clone(),
            online_dists: self.online_dists.as_ref().map(|(d, b)| (d.clone(), pick_u32(b))),
        }
    }

    /// The log as CSV with a header (one row per impression; OBD-like column names).
    pub fn to_csv(&self) -> String {
        let mut s = String::from(
            "slate_id,position,item_id,user_id,market,click,stream,skip,dwell,save,thumbs_up,thumbs_down,revenue,rating,reward,propensity_score,pscore_slate,pscore_cascade\n",
        );
        for r in 0..self.n_rows() {
            let u = self.user[r] as usize;
            let sig: Vec<String> = self.signals.iter().map(|c| fmt_num(c[r])).collect();
            s.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{}\n",
                self.slate_id[r],
                self.position[r],
                self.action[r],
                u,
                self.world.user_market()[u],
                sig.join(","),
                if self.rating[r].is_nan() { String::new() } else { fmt_num(self.rating[r]) },
                fmt_num(self.reward[r]),
                fmt_num(self.pscore[r]),
                fmt_num(self.pscore_slate[r]),
                fmt_num(self.pscore_cascade[r]),
            ));
        }
        s
    }
}

/// Shortest round-trip decimal for a float (Rust's `Display` is round-trip exact).
pub(crate) fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}
