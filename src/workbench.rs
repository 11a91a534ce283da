//! What the evaluation workbench (`www/evaluate.html`) needs beyond the estimators when a person
//! evaluates their own log file: a reward model fitted on that log, cross-fitted so that no round
//! is scored by a model that saw it, and a histogram of the importance weights.
//!
//! An uploaded log has no features the core knows about, so the model is tabular: the mean reward
//! of each action within each stratum (the slot, when the log has positions), shrunk towards the
//! stratum's mean as the world's tabular model is ([`crate::world::RewardModelSpec`]).

use crate::error::{Error, Result};
use crate::rng::Rng;

/// A cross-fitted tabular reward model for an uploaded log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TabularSpec {
    /// Number of actions (every logged action is below it).
    pub n_actions: usize,
    /// Number of strata (every stratum index is below it); 1 without strata.
    pub n_strata: usize,
    /// Folds (1: fit on the whole log).
    pub n_folds: usize,
    /// Seed of the split into folds.
    pub fold_seed: u64,
    /// Pseudo-count κ: q̂(a, k) = (Σ rewards + κ·mean reward in stratum k) / (count + κ).
    pub smoothing: f64,
}

/// q̂ for every row and every action, flat n × n_actions, each row's prediction at its own
/// stratum, from a model fitted on the other folds.
pub fn tabular_reward_model(action: &[u32], stratum: Option<&[u32]>, reward: &[f64], spec: TabularSpec) -> Result<Vec<f64>> {
    let n = action.len();
    let TabularSpec { n_actions: m, n_strata: l, n_folds, fold_seed, smoothing } = spec;
    if n == 0 {
        return Err(Error::invalid("action", "expected at least one round"));
    }
    if reward.len() != n {
        return Err(Error::invalid("reward", format!("expected {n} values (one per round), got {}", reward.len())));
    }
    if m == 0 {
        return Err(Error::invalid("nActions", "expected at least 1 action, got 0"));
    }
    if l == 0 {
        return Err(Error::invalid("nStrata", "expected at least 1 stratum, got 0"));
    }
    if let Some(s) = stratum {
        if s.len() != n {
            return Err(Error::invalid("stratum", format!("expected {n} values (one per round), got {}", s.len())));
        }
        if let Some((i, k)) = s.iter().enumerate().find(|(_, k)| **k as usize >= l) {
            return Err(Error::invalid("stratum", format!("expected values in 0..{l}, got {k} at round {i}")));
        }
    }
    if let Some((i, a)) = action.iter().enumerate().find(|(_, a)| **a as usize >= m) {
        return Err(Error::invalid("action", format!("expected values in 0..{m}, got {a} at round {i}")));
    }
    if let Some((i, r)) = reward.iter().enumerate().find(|(_, r)| !r.is_finite()) {
        return Err(Error::invalid("reward", format!("expected finite numbers, got {r} at round {i}")));
    }
    if !(smoothing.is_finite() && smoothing >= 0.0) {
        return Err(Error::invalid("smoothing", format!("expected a finite number ≥ 0, got {smoothing}")));
    }
    if n_folds == 0 || n_folds > n {
        return Err(Error::invalid("nFolds", format!("expected 1 to {n} folds (at most one per round), got {n_folds}")));
    }
    crate::limits::check("rewardModel", "nRounds × nActions predictions", n as f64 * m as f64, 8)?;
    crate::limits::check("rewardModel", "nFolds × nActions × nStrata cells", (n_folds * m) as f64 * l as f64, 16)?;
    let k_of = |i: usize| stratum.map_or(0, |s| s[i] as usize);
    let fold: Vec<usize> = if n_folds == 1 {
        vec![0; n]
    } else {
        let mut order: Vec<usize> = (0..n).collect();
        Rng::new(fold_seed).shuffle(&mut order);
        let mut f = vec![0; n];
        for (j, &i) in order.iter().enumerate() {
            f[i] = j % n_folds;
        }
        f
    };
    // Sums and counts per fold, cell (a, k) and stratum; a fold's model uses the totals minus its own.
    let (mut sum, mut cnt) = (vec![0.0; n_folds * m * l], vec![0.0; n_folds * m * l]);
    let (mut ksum, mut kcnt) = (vec![0.0; n_folds * l], vec![0.0; n_folds * l]);
    for i in 0..n {
        let (f, a, k) = (fold[i], action[i] as usize, k_of(i));
        sum[(f * m + a) * l + k] += reward[i];
        cnt[(f * m + a) * l + k] += 1.0;
        ksum[f * l + k] += reward[i];
        kcnt[f * l + k] += 1.0;
    }
    let total =
        |v: &[f64], cells: usize| -> Vec<f64> { (0..cells).map(|c| (0..n_folds).map(|f| v[f * cells + c]).sum()).collect() };
    let (tsum, tcnt, tksum, tkcnt) = (total(&sum, m * l), total(&cnt, m * l), total(&ksum, l), total(&kcnt, l));
    let all_mean = reward.iter().sum::<f64>() / n as f64;
    let tables: Vec<Vec<f64>> = (0..n_folds)
        .map(|f| {
            let own = n_folds > 1;
            let train = |t: &[f64], v: &[f64], c: usize, cells: usize| if own { t[c] - v[f * cells + c] } else { t[c] };
            (0..m * l)
                .map(|c| {
                    let k = c % l;
                    let (ks, kc) = (train(&tksum, &ksum, k, l), train(&tkcnt, &kcnt, k, l));
                    let prior = if kc > 0.0 { ks / kc } else { all_mean };
                    let (s, c_) = (train(&tsum, &sum, c, m * l), train(&tcnt, &cnt, c, m * l));
                    if c_ + smoothing > 0.0 { (s + smoothing * prior) / (c_ + smoothing) } else { prior }
                })
                .collect()
        })
        .collect();
    let mut q = Vec::with_capacity(n * m);
    for i in 0..n {
        let (t, k) = (&tables[fold[i]], k_of(i));
        q.extend((0..m).map(|a| t[a * l + k]));
    }
    Ok(q)
}

/// A histogram of importance weights w = π_e(a_i | x_i) / π_b(a_i | x_i).
#[derive(Debug, Clone, PartialEq)]
pub struct WeightHistogram {
    /// Rounds whose weight is exactly 0 (the target never takes the logged action).
    pub zero: usize,
    /// Bin edges of the positive weights, equally spaced on a log scale (bins + 1 values).
    pub edges: Vec<f64>,
    /// Rounds per bin (the last bin includes its upper edge).
    pub counts: Vec<usize>,
}

/// Histogram of the weights `pi_e[i] / pscore[i]` with `bins` log-spaced bins between the smallest
/// and the largest positive weight.
pub fn weight_histogram(pi_e: &[f64], pscore: &[f64], bins: usize) -> Result<WeightHistogram> {
    if pi_e.len() != pscore.len() {
        return Err(Error::invalid(
            "pscore",
            format!("expected {} values (one per round, like piE), got {}", pi_e.len(), pscore.len()),
        ));
    }
    if !(1..=1000).contains(&bins) {
        return Err(Error::invalid("bins", format!("expected 1 to 1000 bins, got {bins}")));
    }
    if let Some((i, p)) = pi_e.iter().enumerate().find(|(_, p)| !(0.0..=1.0).contains(*p)) {
        return Err(Error::invalid("piE", format!("expected probabilities in [0, 1], got {p} at round {i}")));
    }
    // below the smallest normal double the weight's reciprocal overflows (as the estimators refuse)
    if let Some((i, p)) = pscore.iter().enumerate().find(|(_, p)| !(**p >= f64::MIN_POSITIVE && **p <= 1.0)) {
        return Err(Error::invalid(
            "pscore",
            format!("expected propensities in (0, 1] (at least 2.2e-308), got {p} at round {i}"),
        ));
    }
    let w: Vec<f64> = pi_e.iter().zip(pscore).map(|(e, b)| e / b).collect();
    let zero = w.iter().filter(|x| **x == 0.0).count();
    let pos = w.iter().copied().filter(|x| *x > 0.0);
    let (lo, hi) = pos.clone().fold((f64::INFINITY, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    if !lo.is_finite() {
        return Ok(WeightHistogram { zero, edges: Vec::new(), counts: Vec::new() });
    }
    let (a, b) = (crate::math::ln(lo), crate::math::ln(hi));
    let bins = if hi > lo { bins } else { 1 };
    let width = (b - a) / bins as f64;
    let edges: Vec<f64> = (0..=bins)
        .map(|j| {
            if j == 0 {
                lo
            } else if j == bins {
                hi
            } else {
                crate::math::exp(a + width * j as f64)
            }
        })
        .collect();
    let mut counts = vec![0; bins];
    for x in pos {
        let j = if width > 0.0 { (((crate::math::ln(x) - a) / width) as usize).min(bins - 1) } else { 0 };
        // the log and exp round: put x in the bin whose edges contain it
        let j = if j + 1 < bins && x >= edges[j + 1] {
            j + 1
        } else if j > 0 && x < edges[j] {
            j - 1
        } else {
            j
        };
        counts[j] += 1;
    }
    Ok(WeightHistogram { zero, edges, counts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(n_folds: usize) -> TabularSpec {
        TabularSpec { n_actions: 2, n_strata: 1, n_folds, fold_seed: 3, smoothing: 0.0 }
    }

    #[test]
    fn one_fold_is_the_cell_mean() {
        let q = tabular_reward_model(&[0, 0, 1, 1], None, &[1.0, 0.0, 1.0, 1.0], spec(1)).unwrap();
        assert_eq!(q, vec![0.5, 1.0, 0.5, 1.0, 0.5, 1.0, 0.5, 1.0]);
    }

    #[test]
    fn cross_fitting_never_uses_the_rounds_own_reward() {
        // Leave-one-out with as many folds as rounds: action 0's rows predict the other row's reward.
        let q = tabular_reward_model(&[0, 0, 1, 1], None, &[1.0, 0.0, 1.0, 1.0], spec(4)).unwrap();
        assert_eq!(q[0], 0.0);
        assert_eq!(q[2], 1.0);
    }

    #[test]
    fn smoothing_shrinks_to_the_stratum_mean_and_strata_are_separate() {
        let s = TabularSpec { n_actions: 2, n_strata: 2, n_folds: 1, fold_seed: 0, smoothing: 1.0 };
        let q = tabular_reward_model(&[0, 1, 0], Some(&[0, 0, 1]), &[1.0, 0.0, 0.0], s).unwrap();
        // stratum 0: mean 0.5; action 0 seen once with 1 → (1 + 0.5) / 2; action 1 never in stratum 1 → its mean 0
        assert_eq!(&q[0..2], &[0.75, 0.25]);
        assert_eq!(&q[4..6], &[0.0, 0.0]);
    }

    #[test]
    fn bad_inputs_name_their_argument() {
        assert!(tabular_reward_model(&[2], None, &[1.0], spec(1)).unwrap_err().to_string().contains("action"));
        assert!(tabular_reward_model(&[0], None, &[f64::NAN], spec(1)).unwrap_err().to_string().contains("reward"));
        assert!(tabular_reward_model(&[0], None, &[1.0], spec(2)).unwrap_err().to_string().contains("nFolds"));
        assert!(weight_histogram(&[0.5], &[0.0], 10).unwrap_err().to_string().contains("pscore"));
        assert!(weight_histogram(&[0.5], &[1e-310], 10).unwrap_err().to_string().contains("pscore"));
        let s = TabularSpec { n_actions: 1, n_strata: 0, n_folds: 1, fold_seed: 0, smoothing: 0.0 };
        assert!(tabular_reward_model(&[0], None, &[1.0], s).unwrap_err().to_string().contains("nStrata"));
    }

    #[test]
    fn histogram_counts_every_round_once() {
        let pi_e = [0.0, 0.1, 0.2, 0.5, 1.0, 1.0];
        let ps = [0.5, 0.5, 0.5, 0.5, 0.5, 0.1];
        let h = weight_histogram(&pi_e, &ps, 4).unwrap();
        assert_eq!(h.zero, 1);
        assert_eq!(h.counts.iter().sum::<usize>(), 5);
        assert_eq!(h.edges.len(), 5);
        assert!((h.edges[0] - 0.2).abs() < 1e-12 && (h.edges[4] - 10.0).abs() < 1e-12);
        assert_eq!(h.counts[3], 1); // the weight 10 is in the last bin
    }
}
