//! Models fitted on logs: reward models q̂ for the direct method and the doubly robust family,
//! and toy recommenders (matrix factorization, item-kNN) trained naively or with
//! inverse-propensity weights, whose scores can drive new policies.

use super::log::Log;
use super::{PositionBias, World};
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::rng::{Rng, derive_seed};
use std::collections::{BTreeMap, HashMap};

/// A reward model config.
///
/// * `{ kind: "true", misspecification = 0, bias = 0, noise = 0, seed = 0 }` — the true expected
///   reward, blended with a structured error for teaching: `misspecification` m ∈ [0, 1] mixes in
///   the item-average model that ignores the user (m = 1: no personalization at all), `bias` adds a
///   constant, `noise` adds fixed per-(user, item) noise of that standard deviation (scaled by the
///   mean reward). Clipped at 0.
/// * `{ kind: "tabular", smoothing = 10 }` — the mean logged reward of each item (and position),
///   shrunk toward the overall mean with `smoothing` pseudo-observations. Not personalized.
/// * `{ kind: "ridge", lambda = 1 }` — one ridge regression per item on the users' visible
///   features (plus an intercept and, for rankings, the position), fitted on the log.
#[derive(Debug, Clone, PartialEq)]
pub enum RewardModelSpec {
    /// True expected reward with teaching errors.
    True {
        /// Share of the non-personalized item-average model.
        misspecification: f64,
        /// Constant added.
        bias: f64,
        /// Noise standard deviation (relative to the mean reward).
        noise: f64,
        /// Seed of the noise.
        seed: u64,
    },
    /// Smoothed per-item means.
    Tabular {
        /// Pseudo-observations of the overall mean.
        smoothing: f64,
    },
    /// Per-item ridge regression on visible user features.
    Ridge {
        /// L2 penalty.
        lambda: f64,
    },
}

/// K-fold cross-fitting of a reward model (OBP's `RegressionModel.fit_predict(n_folds=…)`): the
/// log's rounds are split into `n_folds` folds at random (seeded), and each fold's q̂ comes from a
/// model fitted on the other folds, so that no round is scored by a model that saw it. A model
/// fitted on the very log it evaluates has seen each round's reward and leans towards it, which
/// biases DM and removes some of DR's correction. `n_folds = 1` fits on the whole log (OBP's
/// default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrossFit {
    /// Number of folds (1: no cross-fitting).
    pub n_folds: usize,
    /// Seed of the split into folds.
    pub seed: u64,
}

impl Default for CrossFit {
    fn default() -> Self {
        CrossFit { n_folds: 1, seed: 0 }
    }
}

impl RewardModelSpec {
    /// Parse a reward model config that may also say how to cross-fit it: the keys of
    /// [`RewardModelSpec::from_value`] plus `nFolds` (default 1) and `foldSeed` (default 0).
    pub fn from_value_cross(v: &Value, path: &str) -> Result<(Self, CrossFit)> {
        let o = Obj::new(v, path)?;
        let cross = CrossFit { n_folds: o.integer("nFolds", 1, 1, 100)? as usize, seed: o.seed("foldSeed", 0)? };
        let rest: Vec<(String, Value)> = match v {
            Value::Object(entries) => entries.iter().filter(|(k, _)| k != "nFolds" && k != "foldSeed").cloned().collect(),
            _ => Vec::new(),
        };
        let spec = Self::from_value(&Value::Object(rest), path)?;
        if spec.is_fixed() && cross.n_folds > 1 {
            return Err(Error::invalid(
                format!("{path}.nFolds"),
                "cross-fitting applies to models fitted on the log (tabular, ridge); the \"true\" model is not fitted",
            ));
        }
        Ok((spec, cross))
    }

    /// Parse a reward model config.
    pub fn from_value(v: &Value, path: &str) -> Result<Self> {
        let o = Obj::new(v, path)?;
        let kind = o.choice("kind", "true", &["true", "tabular", "ridge"])?;
        let s = match kind {
            "tabular" => RewardModelSpec::Tabular { smoothing: o.number("smoothing", 10.0, 0.0, 1e9)? },
            "ridge" => RewardModelSpec::Ridge { lambda: o.number("lambda", 1.0, 1e-9, 1e9)? },
            _ => RewardModelSpec::True {
                misspecification: o.number("misspecification", 0.0, 0.0, 1.0)?,
                bias: o.number("bias", 0.0, -1e6, 1e6)?,
                noise: o.number("noise", 0.0, 0.0, 100.0)?,
                seed: o.seed("seed", 0)?,
            },
        };
        o.finish_with(&["kind", "misspecification", "bias", "noise", "seed", "smoothing", "lambda"])?;
        Ok(s)
    }

    /// Whether the model ignores the log (the teaching model built from the truth).
    pub fn is_fixed(&self) -> bool {
        matches!(self, RewardModelSpec::True { .. })
    }

    /// q̂(user, item) for a single-item log, flat n_users × n_items: the same model as
    /// [`RewardModelSpec::fit`] without repeating it per row (the lab uses this).
    pub fn user_table(&self, log: &Log) -> Result<Vec<f64>> {
        if log.len_list != 1 {
            return Err(Error::unsupported("lenList", "per-user reward tables are for single-item logs"));
        }
        let world = log.world();
        let (nu, ni) = (world.n_users(), world.n_items());
        match self {
            RewardModelSpec::True { misspecification, bias, noise, seed } => {
                let mut t = world.expected_signal_table(log.reward_signal);
                if *misspecification > 0.0 || *noise > 0.0 || *bias != 0.0 {
                    let item_avg = item_average(world, log.reward_signal);
                    let scale = item_avg.iter().sum::<f64>() / ni as f64;
                    for (x, v) in t.iter_mut().enumerate() {
                        let (u, a) = (x / ni, x % ni);
                        let mut y = (1.0 - misspecification) * *v + misspecification * item_avg[a];
                        if *noise > 0.0 {
                            y += noise * scale * Rng::new(derive_seed(*seed, (u * ni + a) as u64)).normal();
                        }
                        *v = (y + bias).max(0.0);
                    }
                }
                Ok(t)
            }
            _ => {
                // Fit on the log's rows, then predict once per user (predictions depend only on the
                // user, and users missing from the log get the model's prediction for them).
                let fitted = self.fit_on(log, |_| true)?;
                Ok((0..nu).flat_map(|u| fitted.predict(log, u)).collect())
            }
        }
    }

    /// q̂ for every row of `log` and every action/position, flat n_rows × n_items × len_list.
    pub fn fit(&self, log: &Log) -> Result<Vec<f64>> {
        self.fit_rows(log)
    }

    fn fit_rows(&self, log: &Log) -> Result<Vec<f64>> {
        let (ni, l, n) = (log.n_actions(), log.len_list, log.n_rows());
        let world = log.world();
        match self {
            RewardModelSpec::True { misspecification, bias, noise, seed } => {
                let mut q = log.expected_reward(None)?;
                if *misspecification > 0.0 || *noise > 0.0 || *bias != 0.0 {
                    let item_avg = item_average(world, log.reward_signal);
                    let scale = item_avg.iter().sum::<f64>() / ni as f64;
                    for row in 0..n {
                        let u = log.user[row] as usize;
                        for a in 0..ni {
                            for k in 0..l {
                                let idx = (row * ni + a) * l + k;
                                let exam = exam_factor(world, log, row, k);
                                let mut x = (1.0 - misspecification) * q[idx] + misspecification * exam * item_avg[a];
                                if *noise > 0.0 {
                                    x += exam * noise * scale * Rng::new(derive_seed(*seed, (u * ni + a) as u64)).normal();
                                }
                                q[idx] = (x + bias).max(0.0);
                            }
                        }
                    }
                }
                Ok(q)
            }
            _ => {
                let fitted = self.fit_on(log, |_| true)?;
                let mut q = Vec::with_capacity(n * ni * l);
                let mut cache: HashMap<u32, Vec<f64>> = HashMap::new();
                for r in 0..n {
                    q.extend_from_slice(cache.entry(log.user[r]).or_insert_with(|| fitted.predict(log, log.user[r] as usize)));
                }
                Ok(q)
            }
        }
    }

    /// q̂ for every row, cross-fitted (see [`CrossFit`]): flat n_rows × n_items × len_list. Rounds
    /// (a ranking's rows together) are dealt into folds after a seeded shuffle.
    pub fn fit_cross(&self, log: &Log, cross: CrossFit) -> Result<Vec<f64>> {
        if cross.n_folds <= 1 || self.is_fixed() {
            return self.fit_rows(log);
        }
        let (ni, l, n) = (log.n_actions(), log.len_list, log.n_rows());
        let fold = fold_of_rows(log, cross)?;
        let mut q = vec![0.0; n * ni * l];
        for f in 0..cross.n_folds as u8 {
            let fitted = self.fit_on(log, |r| fold[r] != f)?;
            let mut cache: HashMap<u32, Vec<f64>> = HashMap::new();
            for r in (0..n).filter(|&r| fold[r] == f) {
                let block = cache.entry(log.user[r]).or_insert_with(|| fitted.predict(log, log.user[r] as usize));
                q[r * ni * l..(r + 1) * ni * l].copy_from_slice(block);
            }
        }
        Ok(q)
    }

    /// Cross-fitted q̂(user, item) for a single-item log: one table (n_users × n_items) per fold,
    /// and the fold of each row (what the lab uses).
    pub fn user_tables_cross(&self, log: &Log, cross: CrossFit) -> Result<(Vec<Vec<f64>>, Vec<u8>)> {
        if cross.n_folds <= 1 || self.is_fixed() {
            return Ok((vec![self.user_table(log)?], vec![0; log.n_rows()]));
        }
        if log.len_list != 1 {
            return Err(Error::unsupported("lenList", "per-user reward tables are for single-item logs"));
        }
        let world = log.world();
        let nu = world.n_users();
        let fold = fold_of_rows(log, cross)?;
        let tables = (0..cross.n_folds as u8)
            .map(|f| {
                let fitted = self.fit_on(log, |r| fold[r] != f)?;
                Ok((0..nu).flat_map(|u| fitted.predict(log, u)).collect())
            })
            .collect::<Result<_>>()?;
        Ok((tables, fold))
    }

    /// Fit a log-fitted model (tabular, ridge) on the rows where `train(row)`.
    fn fit_on(&self, log: &Log, train: impl Fn(usize) -> bool) -> Result<Fitted> {
        let (ni, l, n) = (log.n_actions(), log.len_list, log.n_rows());
        let world = log.world();
        match self {
            RewardModelSpec::True { .. } => Err(Error::unsupported("rewardModel", "the true model is not fitted")),
            RewardModelSpec::Tabular { smoothing } => {
                let mut sum = vec![0.0; ni * l];
                let mut cnt = vec![0.0; ni * l];
                let mut pos_sum = vec![0.0; l];
                let mut pos_cnt = vec![0.0; l];
                for r in (0..n).filter(|&r| train(r)) {
                    let (a, k) = (log.action[r] as usize, log.position[r] as usize);
                    sum[a * l + k] += log.reward[r];
                    cnt[a * l + k] += 1.0;
                    pos_sum[k] += log.reward[r];
                    pos_cnt[k] += 1.0;
                }
                let table: Vec<f64> = (0..ni * l)
                    .map(|j| {
                        let k = j % l;
                        let prior = if pos_cnt[k] > 0.0 { pos_sum[k] / pos_cnt[k] } else { 0.0 };
                        (sum[j] + smoothing * prior) / (cnt[j] + smoothing).max(1e-300)
                    })
                    .collect();
                Ok(Fitted::Table(table))
            }
            RewardModelSpec::Ridge { lambda } => {
                let dim = 1 + world.config().n_features + (l - 1);
                let mut xtx = vec![vec![0.0; dim * dim]; ni];
                let mut xty = vec![vec![0.0; dim]; ni];
                for r in (0..n).filter(|&r| train(r)) {
                    let a = log.action[r] as usize;
                    let x = ridge_features(world, log.user[r] as usize, l, log.position[r] as usize);
                    for i in 0..dim {
                        xty[a][i] += x[i] * log.reward[r];
                        for j in 0..dim {
                            xtx[a][i * dim + j] += x[i] * x[j];
                        }
                    }
                }
                let coef: Vec<Vec<f64>> = (0..ni)
                    .map(|a| {
                        let mut m = xtx[a].clone();
                        for i in 0..dim {
                            m[i * dim + i] += lambda;
                        }
                        solve_spd(&m, &xty[a], dim)
                    })
                    .collect();
                Ok(Fitted::Ridge(coef))
            }
        }
    }
}

/// A fitted reward model that can predict for any user.
enum Fitted {
    /// q̂ per item and position (n_items × len_list), the same for every user.
    Table(Vec<f64>),
    /// Per-item ridge coefficients on [1, user features, position indicators].
    Ridge(Vec<Vec<f64>>),
}

impl Fitted {
    /// q̂ for `user`, every item and position (n_items × len_list).
    fn predict(&self, log: &Log, user: usize) -> Vec<f64> {
        let (ni, l) = (log.n_actions(), log.len_list);
        match self {
            Fitted::Table(t) => t.clone(),
            Fitted::Ridge(coef) => {
                let mut b = vec![0.0; ni * l];
                for k in 0..l {
                    let x = ridge_features(log.world(), user, l, k);
                    for (a, c) in coef.iter().enumerate() {
                        b[a * l + k] = x.iter().zip(c).map(|(x, c)| x * c).sum();
                    }
                }
                b
            }
        }
    }
}

/// The ridge model's features of a user at position k: [1, user features, one-hot position ≥ 1].
fn ridge_features(world: &World, u: usize, l: usize, k: usize) -> Vec<f64> {
    let d = world.config().n_features;
    let mut x = vec![1.0];
    x.extend_from_slice(&world.user_features()[u * d..(u + 1) * d]);
    for p in 1..l {
        x.push(if p == k { 1.0 } else { 0.0 });
    }
    x
}

/// The fold of each row: rounds (a ranking's rows together) shuffled with the seed and dealt
/// into `n_folds` folds of (nearly) equal size.
fn fold_of_rows(log: &Log, cross: CrossFit) -> Result<Vec<u8>> {
    let slates = log.n_slates();
    if cross.n_folds > slates {
        return Err(Error::invalid(
            "nFolds",
            format!("expected at most one fold per round: {} folds for {slates} rounds", cross.n_folds),
        ));
    }
    let mut order: Vec<usize> = (0..slates).collect();
    Rng::new(cross.seed).shuffle(&mut order);
    let mut fold_of_slate = vec![0u8; slates];
    for (i, &s) in order.iter().enumerate() {
        fold_of_slate[s] = (i % cross.n_folds) as u8;
    }
    Ok((0..log.n_rows()).map(|r| fold_of_slate[r / log.len_list]).collect())
}

/// Per-item ridge coefficients on [1, user features], from every row of a log (positions ignored).
fn ridge_coefficients(log: &Log, lambda: f64) -> Vec<Vec<f64>> {
    let world = log.world();
    let (ni, d) = (world.n_items(), world.config().n_features);
    let dim = 1 + d;
    let mut xtx = vec![vec![0.0; dim * dim]; ni];
    let mut xty = vec![vec![0.0; dim]; ni];
    for r in 0..log.n_rows() {
        let (u, a) = (log.user[r] as usize, log.action[r] as usize);
        let x: Vec<f64> = std::iter::once(1.0).chain(world.user_features()[u * d..(u + 1) * d].iter().copied()).collect();
        for i in 0..dim {
            xty[a][i] += x[i] * log.reward[r];
            for j in 0..dim {
                xtx[a][i * dim + j] += x[i] * x[j];
            }
        }
    }
    (0..ni)
        .map(|a| {
            let mut m = xtx[a].clone();
            for i in 0..dim {
                m[i * dim + i] += lambda;
            }
            solve_spd(&m, &xty[a], dim)
        })
        .collect()
}

/// Examination factor of position k for a row (1 for single items).
fn exam_factor(world: &World, log: &Log, row: usize, k: usize) -> f64 {
    if log.len_list == 1 {
        return 1.0;
    }
    match world.config().position_bias {
        PositionBias::PositionBased { .. } => world.examination(k),
        PositionBias::Cascade => {
            let start = row - log.position[row] as usize;
            let u = log.user[row] as usize;
            (start..start + k).map(|j| 1.0 - world.rel(u, log.action[j] as usize)).product()
        }
    }
}

/// Arrival-weighted average over users of E[signal | u, a] for each item.
pub(crate) fn item_average(world: &World, signal: super::Signal) -> Vec<f64> {
    let ni = world.n_items();
    let mut avg = vec![0.0; ni];
    for (u, &w) in world.arrival().iter().enumerate() {
        if w > 0.0 {
            for (a, x) in avg.iter_mut().enumerate() {
                *x += w * world.expected_signal(signal, u, a);
            }
        }
    }
    avg
}

/// Solve a symmetric positive definite system by Cholesky (falls back to zeros if singular).
pub(crate) fn solve_spd(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let d = a[i * n + i] - s;
                if d <= 0.0 {
                    return vec![0.0; n];
                }
                l[i * n + i] = d.sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - s) / l[j * n + j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i * n + k] * y[k]).sum::<f64>()) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k * n + i] * x[k]).sum::<f64>()) / l[i * n + i];
    }
    x
}

/// A toy recommender fitted on a log.
///
/// * `{ kind: "mf", factors = 8, epochs = 15, learningRate = 0.05, regularization = 0.02,
///   weighting = "none" | "ipw", clip = 100, seed = 0 }` — matrix factorization of logged rewards
///   (pointwise squared loss); with `"ipw"` each logged row is weighted by 1/pscore (clipped),
///   the propensity-weighted training of Schnabel et al. (2016).
/// * `{ kind: "ridge", lambda = 1 }` — per-item ridge regression of the logged reward on the users'
///   visible features: a simple content-based model of "who likes what".
/// * `{ kind: "item-knn", neighbors = 20, weighting = "none" | "ipw", clip = 100 }` — item-item
///   cosine similarity of (weighted) logged rewards; a user's score for an item sums its
///   similarity to what the user engaged with.
#[derive(Debug, Clone, PartialEq)]
pub enum RecommenderSpec {
    /// Matrix factorization.
    Mf {
        /// Latent dimension.
        factors: usize,
        /// Passes over the log.
        epochs: usize,
        /// SGD step size.
        learning_rate: f64,
        /// L2 penalty.
        regularization: f64,
        /// Weight rows by clipped 1/pscore.
        ipw: bool,
        /// Clip of the weights.
        clip: f64,
        /// Seed of the initialization and shuffling.
        seed: u64,
    },
    /// One ridge regression per item on the users' visible features (plus an intercept).
    Ridge {
        /// L2 penalty.
        lambda: f64,
    },
    /// Item-kNN.
    ItemKnn {
        /// Neighbors kept per item.
        neighbors: usize,
        /// Weight rows by clipped 1/pscore.
        ipw: bool,
        /// Clip of the weights.
        clip: f64,
    },
}

impl RecommenderSpec {
    /// Parse a recommender config.
    pub fn from_value(v: &Value, path: &str) -> Result<Self> {
        let o = Obj::new(v, path)?;
        let kind = o.choice("kind", "mf", &["mf", "item-knn", "ridge"])?;
        let ipw = o.choice("weighting", "none", &["none", "ipw"])? == "ipw";
        let clip = o.number("clip", 100.0, 1.0, 1e9)?;
        let s = if kind == "ridge" {
            RecommenderSpec::Ridge { lambda: o.number("lambda", 1.0, 1e-9, 1e9)? }
        } else if kind == "mf" {
            RecommenderSpec::Mf {
                factors: o.integer("factors", 8, 1, 256)? as usize,
                epochs: o.integer("epochs", 15, 1, 1000)? as usize,
                learning_rate: o.number("learningRate", 0.05, 1e-6, 10.0)?,
                regularization: o.number("regularization", 0.02, 0.0, 100.0)?,
                ipw,
                clip,
                seed: o.seed("seed", 0)?,
            }
        } else {
            RecommenderSpec::ItemKnn { neighbors: o.integer("neighbors", 20, 1, 10_000)? as usize, ipw, clip }
        };
        o.finish_with(&[
            "kind",
            "weighting",
            "clip",
            "factors",
            "epochs",
            "learningRate",
            "regularization",
            "seed",
            "neighbors",
        ])?;
        Ok(s)
    }

    /// Scores for every user and item (n_users × n_items), fitted on `log`.
    pub fn fit(&self, log: &Log) -> Result<Vec<f64>> {
        let world = log.world();
        let (nu, ni, n) = (world.n_users(), world.n_items(), log.n_rows());
        if n == 0 {
            return Err(Error::invalid("log", "expected a log with at least one row"));
        }
        let weights = |ipw: bool, clip: f64| -> Vec<f64> {
            if !ipw {
                return vec![1.0; n];
            }
            let w: Vec<f64> = log.pscore.iter().map(|p| (1.0 / p).min(clip)).collect();
            let m = w.iter().sum::<f64>() / n as f64;
            w.iter().map(|x| x / m).collect()
        };
        match *self {
            RecommenderSpec::Ridge { lambda } => {
                let d = world.config().n_features;
                let coef = ridge_coefficients(log, lambda);
                let mut t = vec![0.0; nu * ni];
                for u in 0..nu {
                    let x: Vec<f64> =
                        std::iter::once(1.0).chain(world.user_features()[u * d..(u + 1) * d].iter().copied()).collect();
                    for a in 0..ni {
                        t[u * ni + a] = x.iter().zip(&coef[a]).map(|(x, c)| x * c).sum();
                    }
                }
                Ok(t)
            }
            RecommenderSpec::Mf { factors, epochs, learning_rate, regularization, ipw, clip, seed } => {
                let w = weights(ipw, clip);
                let mut rng = Rng::new(seed);
                let init = 0.1 / (factors as f64).sqrt();
                let mut p: Vec<f64> = (0..nu * factors).map(|_| init * rng.normal()).collect();
                let mut q: Vec<f64> = (0..ni * factors).map(|_| init * rng.normal()).collect();
                let mut bi = vec![0.0; ni];
                let global = (0..n).map(|r| w[r] * log.reward[r]).sum::<f64>() / w.iter().sum::<f64>();
                let mut order: Vec<usize> = (0..n).collect();
                for _ in 0..epochs {
                    rng.shuffle(&mut order);
                    for &r in &order {
                        let (u, i) = (log.user[r] as usize, log.action[r] as usize);
                        let (pu, qi) = (u * factors, i * factors);
                        let pred = global + bi[i] + (0..factors).map(|f| p[pu + f] * q[qi + f]).sum::<f64>();
                        // weighted error, clipped: a large inverse-propensity weight times the step
                        // size would otherwise throw SGD off the rails
                        let e = (w[r] * (log.reward[r] - pred)).clamp(-1.0 / learning_rate, 1.0 / learning_rate).clamp(-5.0, 5.0);
                        bi[i] += learning_rate * (e - regularization * bi[i]);
                        for f in 0..factors {
                            let (a, b) = (p[pu + f], q[qi + f]);
                            p[pu + f] += learning_rate * (e * b - regularization * a);
                            q[qi + f] += learning_rate * (e * a - regularization * b);
                        }
                    }
                }
                let scores: Vec<f64> = (0..nu * ni)
                    .map(|x| {
                        let (u, i) = (x / ni, x % ni);
                        global + bi[i] + (0..factors).map(|f| p[u * factors + f] * q[i * factors + f]).sum::<f64>()
                    })
                    .collect();
                if scores.iter().any(|x| !x.is_finite()) {
                    return Err(Error::invalid(
                        "learningRate",
                        format!(
                            "matrix factorization diverged (non-finite scores) at learning rate {learning_rate}; lower it or the weight clip"
                        ),
                    ));
                }
                Ok(scores)
            }
            RecommenderSpec::ItemKnn { neighbors, ipw, clip } => {
                let w = weights(ipw, clip);
                // user → (item → weighted reward), in a fixed order: the sums below must not
                // depend on a hash seed (same numbers natively, in node and in the browser)
                let mut by_user: BTreeMap<u32, BTreeMap<u32, f64>> = BTreeMap::new();
                let mut item_total = vec![0.0; ni];
                for r in 0..n {
                    let v = w[r] * log.reward[r];
                    if v != 0.0 {
                        *by_user.entry(log.user[r]).or_default().entry(log.action[r]).or_default() += v;
                        item_total[log.action[r] as usize] += v;
                    }
                }
                let mut dot = vec![0.0; ni * ni];
                let mut norm = vec![0.0; ni];
                for items in by_user.values() {
                    for (&i, &vi) in items {
                        norm[i as usize] += vi * vi;
                        for (&j, &vj) in items {
                            if i != j {
                                dot[i as usize * ni + j as usize] += vi * vj;
                            }
                        }
                    }
                }
                let mut sim = vec![0.0; ni * ni];
                for i in 0..ni {
                    let row: Vec<(usize, f64)> = (0..ni)
                        .filter(|&j| j != i && norm[i] > 0.0 && norm[j] > 0.0)
                        .map(|j| (j, dot[i * ni + j] / (norm[i] * norm[j]).sqrt()))
                        .filter(|x| x.1 > 0.0)
                        .collect();
                    // most similar first, ties by item (row is in item order)
                    let by_sim = crate::stats::order_desc(&row.iter().map(|x| x.1).collect::<Vec<_>>());
                    for &r in by_sim.iter().take(neighbors) {
                        let (j, s) = row[r];
                        sim[i * ni + j] = s;
                    }
                }
                let pop_max = item_total.iter().cloned().fold(0.0, f64::max).max(1e-12);
                let mut scores = vec![0.0; nu * ni];
                for u in 0..nu {
                    let row = &mut scores[u * ni..(u + 1) * ni];
                    // a small popularity term breaks ties and covers users without history
                    for (i, x) in row.iter_mut().enumerate() {
                        *x = 1e-3 * item_total[i] / pop_max;
                    }
                    if let Some(items) = by_user.get(&(u as u32)) {
                        for (&j, &vj) in items {
                            for (i, x) in row.iter_mut().enumerate() {
                                *x += sim[i * ni + j as usize] * vj;
                            }
                        }
                    }
                }
                Ok(scores)
            }
        }
    }
}
