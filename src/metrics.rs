//! Offline ranking metrics on logged feedback: what teams often compute instead of off-policy
//! estimates. For each user in a log, the items they clicked are "relevant"; a candidate's top k
//! items for that user are compared with that set.
//!
//! On logs collected by a production recommender these metrics inherit its bias: an item the
//! production policy never showed can never be a logged click, so candidates that agree with
//! production look better. The inverse-propensity-weighted variant (Yang et al., *Unbiased
//! Offline Recommender Evaluation for Missing-Not-At-Random Implicit Feedback*, RecSys 2018)
//! weights each logged click by 1/pscore.

use crate::error::{Error, Result};
use crate::world::Log;
use std::collections::BTreeMap;

/// Precision, recall and NDCG at k, averaged over the users with at least one logged click. An
/// item a user clicked has gain 1 (or, weighted, the mean 1/pscore of its clicks).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankingMetrics {
    /// Mean precision@k.
    pub precision: f64,
    /// Mean recall@k.
    pub recall: f64,
    /// Mean NDCG@k.
    pub ndcg: f64,
    /// Users averaged over.
    pub users: usize,
}

/// Metrics of a candidate whose scores are `scores` (n_users × n_items; higher is better) on the
/// clicks of `log`, at cut-off `k`. With `ipw`, each logged click counts 1/pscore instead of 1
/// (gains and the ideal ranking are weighted alike).
pub fn ranking_metrics(log: &Log, scores: &[f64], k: usize, ipw: bool) -> Result<RankingMetrics> {
    let (nu, ni) = (log.world().n_users(), log.n_actions());
    if scores.len() != nu * ni {
        return Err(Error::invalid("scores", format!("expected n_users × n_items = {} values, got {}", nu * ni, scores.len())));
    }
    if k == 0 || k > ni {
        return Err(Error::invalid("k", format!("expected 1 ≤ k ≤ nItems ({ni}), got {k}")));
    }
    Ok(LoggedClicks::of(log, ipw).metrics(&top_items(scores, ni, k), k, k))
}

/// Each user's `k` best items by `scores` (n_users × n_items; higher first, ties by item index),
/// flat n_users × k: the rankings [`LoggedClicks::metrics`] reads. Compute them once per
/// candidate and reuse them on many logs.
pub fn top_items(scores: &[f64], n_items: usize, k: usize) -> Vec<u32> {
    let k = k.min(n_items);
    let mut idx: Vec<usize> = (0..n_items).collect();
    let mut out = Vec::with_capacity(scores.len() / n_items.max(1) * k);
    for row in scores.chunks_exact(n_items) {
        crate::stats::order_desc_into(&mut idx, row);
        out.extend(idx[..k].iter().map(|&i| i as u32));
    }
    out
}

/// The items each user clicked in a log, with their gains (1, or with `ipw` the mean 1/pscore of
/// the item's clicks): the "relevant" sets of the ranking metrics, built once per log and shared
/// by every candidate evaluated on it.
#[derive(Debug, Clone)]
pub struct LoggedClicks {
    clicked: BTreeMap<u32, BTreeMap<u32, f64>>,
    ipw: bool,
}

impl LoggedClicks {
    /// The clicks of `log`.
    pub fn of(log: &Log, ipw: bool) -> LoggedClicks {
        // user → item → (sum of weights, clicks); an item's gain is 1, or its mean 1/pscore with ipw
        let mut sums: BTreeMap<u32, BTreeMap<u32, (f64, f64)>> = BTreeMap::new();
        for r in 0..log.n_rows() {
            if log.reward[r] > 0.0 {
                let e = sums.entry(log.user[r]).or_default().entry(log.action[r]).or_default();
                e.0 += if ipw { 1.0 / log.pscore[r] } else { 1.0 };
                e.1 += 1.0;
            }
        }
        let clicked = sums.into_iter().map(|(u, items)| (u, items.into_iter().map(|(i, (w, c))| (i, w / c)).collect())).collect();
        LoggedClicks { clicked, ipw }
    }

    /// Users with at least one click.
    pub fn users(&self) -> usize {
        self.clicked.len()
    }

    /// Precision, recall and NDCG at `k` of rankings `top` (each user's best items, flat
    /// n_users × `width` as [`top_items`] gives them, `width` ≥ `k`), averaged over the users with
    /// a click (`NaN` when there are none).
    pub fn metrics(&self, top: &[u32], width: usize, k: usize) -> RankingMetrics {
        assert!(k >= 1 && k <= width, "cut-off k = {k} beyond the rankings' width {width}");
        if self.clicked.is_empty() {
            return RankingMetrics { precision: f64::NAN, recall: f64::NAN, ndcg: f64::NAN, users: 0 };
        }
        let discounts: Vec<f64> = (0..k).map(|j| 1.0 / crate::math::ln(j as f64 + 2.0) * std::f64::consts::LN_2).collect();
        let discount = |j: usize| discounts[j];
        let (mut p, mut rc, mut nd) = (0.0, 0.0, 0.0);
        for (&u, items) in &self.clicked {
            let ranked = &top[u as usize * width..u as usize * width + k];
            let total: f64 = items.values().sum();
            let mut hits = 0.0;
            let mut dcg = 0.0;
            for (j, i) in ranked.iter().enumerate() {
                if let Some(g) = items.get(i) {
                    hits += g;
                    dcg += g * discount(j);
                }
            }
            let mut gains: Vec<f64> = items.values().copied().collect();
            crate::stats::sort(&mut gains);
            gains.reverse();
            let idcg: f64 = gains.iter().take(k).enumerate().map(|(j, g)| g * discount(j)).sum();
            p += hits / (k as f64 * if self.ipw { total / items.len() as f64 } else { 1.0 });
            rc += hits / total;
            nd += dcg / idcg;
        }
        let n = self.clicked.len() as f64;
        RankingMetrics { precision: p / n, recall: rc / n, ndcg: nd / n, users: self.clicked.len() }
    }
}
