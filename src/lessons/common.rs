//! Pieces several lessons share: a cache of worlds, estimates with honest intervals, weight
//! summaries, exposure by popularity, and summaries of replicated estimates.

use crate::config::Obj;
use crate::error::{Error, Result};
use crate::estimators::interval::{estimate_and_se, normal_from};
use crate::estimators::{Kernel, RoundTerms};
use crate::stats;
use crate::world::{Log, Policy, World, WorldConfig};
use serde::Serialize;
use std::cell::RefCell;
use std::sync::Arc;

/// Worlds kept between runs (per thread: a page's worker, or a test thread).
const WORLD_CACHE: usize = 4;

thread_local! {
    static WORLDS: RefCell<Vec<(String, Arc<World>)>> = const { RefCell::new(Vec::new()) };
}

/// The world of `config`, built once and shared by the runs that follow (building one takes tens
/// of milliseconds; a slider that does not change the world should not pay for it).
pub fn world(config: WorldConfig) -> Result<Arc<World>> {
    let key = format!("{config:?}");
    if let Some(w) = WORLDS.with(|c| c.borrow().iter().find(|(k, _)| *k == key).map(|(_, w)| w.clone())) {
        return Ok(w);
    }
    let w = Arc::new(World::new(config)?);
    WORLDS.with(|c| {
        let mut c = c.borrow_mut();
        c.push((key, w.clone()));
        if c.len() > WORLD_CACHE {
            c.remove(0);
        }
    });
    Ok(w)
}

/// A required choice among `choices` in a lesson's state (the page always sends every key).
pub fn required_choice(o: &Obj, key: &str, choices: &[&'static str]) -> Result<&'static str> {
    if !o.has(key) {
        return Err(Error::invalid(o.path_of(key), format!("is required: expected one of {}", choices.join(", "))));
    }
    o.choice(key, choices[0], choices)
}

/// A required boolean in a lesson's state.
pub fn required_bool(o: &Obj, key: &str) -> Result<bool> {
    if !o.has(key) {
        return Err(Error::invalid(o.path_of(key), "is required: expected true or false"));
    }
    o.boolean(key, false)
}

/// A required integer in `[lo, hi]` in a lesson's state.
pub fn required_int(o: &Obj, key: &str, lo: u64, hi: u64) -> Result<u64> {
    if !o.has(key) {
        return Err(Error::invalid(o.path_of(key), format!("is required: expected an integer in [{lo}, {hi}]")));
    }
    o.integer(key, lo, lo, hi)
}

/// Two-sided 95% normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;

/// An estimate with its 95% interval, and a caution when the interval should not be believed as
/// it stands (the page prints it beside the numbers).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    /// The point estimate.
    pub estimate: f64,
    /// Lower end of the interval.
    pub lower: f64,
    /// Upper end of the interval.
    pub upper: f64,
    /// Why the interval is not to be trusted as it stands (`None`: nothing to say).
    pub caution: Option<String>,
}

/// A reward's possible range, for checking intervals against it: clicks and likes are in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Smallest possible value.
    pub lo: f64,
    /// Largest possible value.
    pub hi: f64,
}

/// Rewards that are 0 or 1 (a click, a like), averaged per round.
pub const RATE: Range = Range { lo: 0.0, hi: 1.0 };

/// What a reader needs to know about the importance weights behind an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Weights {
    /// Effective sample size (Σw)²/Σw².
    pub ess: f64,
    /// Mean weight: 1 in expectation when the log can contain everything the evaluated policy
    /// does; far below 1 when the visits that would carry the large weights are missing.
    pub mean: f64,
    /// Standard error of `mean`.
    pub mean_se: f64,
    /// The largest weight.
    pub max: f64,
}

impl Weights {
    /// Summarize importance weights.
    pub fn of(w: &[f64]) -> Weights {
        let n = w.len() as f64;
        let mean = w.iter().map(|x| x / n).sum::<f64>();
        Weights {
            ess: ess(w),
            mean,
            mean_se: if w.len() > 1 { stats::std_dev(w) / n.sqrt() } else { f64::NAN },
            max: w.iter().cloned().fold(0.0, f64::max),
        }
    }

    /// Whether the log is evidently missing the visits that carry the evaluated policy's mass:
    /// the mean weight is below 0.9 and more than 4 standard errors below 1.
    pub fn missing_mass(&self) -> bool {
        self.mean < 0.9 && self.mean < 1.0 - 4.0 * self.mean_se
    }
}

impl Estimate {
    /// A normal interval `estimate ± z·se`, with a caution when it should not be believed as it
    /// stands: no estimate; no events (a zero-width interval from zero events says nothing); the
    /// log evidently lacks the visits that carry the evaluated policy's choices (the weights
    /// average far below 1); the interval leaves the possible `range` (the normal approximation
    /// is visibly off); or it rests on fewer than 30 effective rounds.
    ///
    /// An interval that leaves the possible range is cut to it (the truth lies in the range, so
    /// the cut interval covers whenever the uncut one does) and the caution says so.
    pub fn normal(estimate: f64, se: f64, range: Range, weights: Option<&Weights>) -> Estimate {
        let iv = normal_from(estimate, se, 0.05);
        Estimate::from_interval(estimate, iv.lower, iv.upper, range, weights)
    }

    /// An estimate with an interval computed elsewhere (e.g. a slate estimator's delta-method
    /// interval), with the same cautions as [`Estimate::normal`].
    pub fn from_interval(estimate: f64, lower: f64, upper: f64, range: Range, weights: Option<&Weights>) -> Estimate {
        let mut e = Estimate { estimate, lower, upper, caution: None };
        e.caution = e.caution_for(range, weights);
        e.cut_to(range);
        e
    }

    /// Cut the interval to the possible range: [max(lower, lo), min(upper, hi)], and where the
    /// whole interval lies outside it, the end of the range it lies beyond.
    pub fn cut_to(&mut self, range: Range) {
        if self.lower.is_nan() || self.upper.is_nan() {
            return;
        }
        self.lower = self.lower.clamp(range.lo, range.hi);
        self.upper = self.upper.clamp(range.lo, range.hi);
    }

    /// A plain proportion `successes / n` (clicks per visit) with its Wilson interval, which
    /// stays within [0, 1] and keeps a width at 0 or `n` successes, where a normal interval
    /// collapses to a point; with no rounds at all, no estimate and a caution saying so.
    pub fn proportion(successes: f64, n: f64) -> Estimate {
        if n <= 0.0 {
            return Estimate {
                estimate: f64::NAN,
                lower: f64::NAN,
                upper: f64::NAN,
                caution: Some("no rounds to count: no estimate".into()),
            };
        }
        let (lower, upper) = wilson(successes, n);
        Estimate { estimate: successes / n, lower, upper, caution: None }
    }

    fn caution_for(&self, range: Range, weights: Option<&Weights>) -> Option<String> {
        if !self.estimate.is_finite() {
            return Some("no estimate: no round carries weight".into());
        }
        if self.upper - self.lower == 0.0 && (self.estimate == range.lo || self.estimate == range.hi) {
            return Some("no events: no interval".into());
        }
        if let Some(w) = weights.filter(|w| w.missing_mass()) {
            return Some(format!(
                "the log lacks the visits the evaluated policy would choose most: its importance weights average {:.2} where they should average 1, so the estimate misses what was never logged and its interval is too narrow",
                w.mean
            ));
        }
        let ess = weights.map(|w| w.ess);
        let ess_text = ess.map(format_count).unwrap_or_else(|| "unknown".into());
        if self.estimate > range.hi || self.estimate < range.lo {
            return Some(format!(
                "outside the possible range [{}, {}]: a weighted estimate is not bounded by the rewards, since rare rounds carry large weights (effective sample size {ess_text})",
                range.lo, range.hi
            ));
        }
        if self.lower < range.lo || self.upper > range.hi {
            return Some(match ess {
                Some(_) => format!(
                    "normal approximation, unreliable: effective sample size {ess_text}; the interval is cut to the possible range [{}, {}]",
                    range.lo, range.hi
                ),
                None => format!(
                    "normal approximation, unreliable: the interval left the possible range and is cut to [{}, {}]",
                    range.lo, range.hi
                ),
            });
        }
        if ess.is_some_and(|e| e < 30.0) {
            return Some(format!("rests on an effective sample of only {ess_text} rounds"));
        }
        None
    }
}

/// A count for prose: "12", "1,234", "0.4".
pub fn format_count(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    if x < 10.0 {
        return format!("{:.1}", x);
    }
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The round terms of a standard estimator on a single-item log, for a target policy, without
/// building n × nItems arrays (π_e of the logged item is a table lookup).
pub fn single_item_terms(log: &Log, target: &Policy, kernel: Kernel) -> Vec<RoundTerms> {
    (0..log.n_rows())
        .map(|r| {
            let pe = target.probs(log.user[r] as usize)[log.action[r] as usize];
            kernel.round_terms(log.reward[r], log.pscore[r], pe, 0.0, 0.0)
        })
        .collect()
}

/// Importance weights π_e/π₀ of a single-item log's rows under `target`.
pub fn weights(log: &Log, target: &Policy) -> Vec<f64> {
    (0..log.n_rows()).map(|r| target.probs(log.user[r] as usize)[log.action[r] as usize] / log.pscore[r]).collect()
}

/// Effective sample size (Σw)²/Σw² (0 when every weight is 0).
pub fn ess(weights: &[f64]) -> f64 {
    let max = weights.iter().cloned().fold(0.0, f64::max);
    if max <= 0.0 {
        return 0.0;
    }
    let (s1, s2) = weights.iter().fold((0.0, 0.0), |(a, b), &w| (a + w / max, b + (w / max) * (w / max)));
    s1 * s1 / s2
}

/// IPS or SNIPS (by `kernel`) of a target on a single-item log with a normal interval, and a
/// summary of its importance weights.
pub fn weighted_estimate(log: &Log, target: &Policy, kernel: Kernel, range: Range) -> (Estimate, Weights) {
    let terms = single_item_terms(log, target, kernel);
    let (v, se) = estimate_and_se(kernel.normalizer(), &terms);
    let w = Weights::of(&weights(log, target));
    (Estimate::normal(v, se, range, Some(&w)), w)
}

/// The naive reading of a log for a target: logged rewards weighted by how much the target likes
/// each logged item, Σ π_e(aᵢ|uᵢ) rᵢ / Σ π_e(aᵢ|uᵢ) — IPS without the division by the logging
/// propensity.
pub fn naive_weighted(log: &Log, target: &Policy) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for r in 0..log.n_rows() {
        let pe = target.probs(log.user[r] as usize)[log.action[r] as usize];
        num += pe * log.reward[r];
        den += pe;
    }
    if den > 0.0 { num / den } else { f64::NAN }
}

/// Each item's share of impressions under a single-item policy (users weighted by arrival).
pub fn exposure(world: &World, policy: &Policy) -> Vec<f64> {
    let ni = world.n_items();
    let mut e = vec![0.0; ni];
    for (u, &w) in world.arrival().iter().enumerate() {
        if w == 0.0 {
            continue;
        }
        for (x, p) in e.iter_mut().zip(policy.probs(u)) {
            *x += w * p;
        }
    }
    e
}

/// Sum item shares into `bins` popularity bins: bin 0 holds the most popular tenth (for 10 bins)
/// of the catalog. Ties in popularity keep item order.
pub fn by_popularity_bin(shares: &[f64], popularity: &[f64], bins: usize) -> Vec<f64> {
    let order = crate::stats::order_desc(popularity);
    let mut out = vec![0.0; bins];
    let n = order.len();
    for (rank, &item) in order.iter().enumerate() {
        out[(rank * bins / n).min(bins - 1)] += shares[item];
    }
    out
}

/// Bias, spread and coverage of one estimator over replicated logs, against the exact truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spread {
    /// Replicates with a finite estimate.
    pub n: usize,
    /// Replicates whose estimate failed (NaN): never silently dropped from the reader's view.
    pub failed: usize,
    /// Mean estimate.
    pub mean: f64,
    /// Mean − truth.
    pub bias: f64,
    /// Standard error of the bias (sd / √n).
    pub bias_se: f64,
    /// Standard deviation over replicates.
    pub sd: f64,
    /// Root mean squared error against the truth.
    pub rmse: f64,
    /// 2.5% and 97.5% quantiles of the estimates.
    pub lo: f64,
    /// See `lo`.
    pub hi: f64,
    /// Share of replicates whose interval covers the truth (failed replicates count as misses).
    pub coverage: f64,
    /// Mean interval width.
    pub mean_width: f64,
    /// 95% Monte-Carlo interval of the RMSE (from the standard error of the mean squared error
    /// over the replicates, √(MSE ± 1.96·se), so it never goes below 0): how much the RMSE itself
    /// could move with other replicates.
    pub rmse_lo: f64,
    /// See `rmse_lo`.
    pub rmse_hi: f64,
    /// 95% Wilson interval of the coverage share (a proportion of replicates: bounded by 0 and 1).
    pub coverage_lo: f64,
    /// See `coverage_lo`.
    pub coverage_hi: f64,
}

/// Summarize `(estimate, lower, upper)` per replicate against `truth`.
pub fn spread(reps: &[(f64, f64, f64)], truth: f64) -> Spread {
    let vals: Vec<f64> = reps.iter().map(|r| r.0).filter(|v| v.is_finite()).collect();
    let n = vals.len();
    let failed = reps.len() - n;
    if n == 0 {
        return Spread {
            n,
            failed,
            mean: f64::NAN,
            bias: f64::NAN,
            bias_se: f64::NAN,
            sd: f64::NAN,
            rmse: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
            coverage: f64::NAN,
            mean_width: f64::NAN,
            rmse_lo: f64::NAN,
            rmse_hi: f64::NAN,
            coverage_lo: f64::NAN,
            coverage_hi: f64::NAN,
        };
    }
    let mean = stats::mean(&vals);
    let sd = if n > 1 { stats::std_dev(&vals) } else { f64::NAN };
    let sq: Vec<f64> = vals.iter().map(|v| (v - truth) * (v - truth)).collect();
    let mse = sq.iter().sum::<f64>() / n as f64;
    let rmse = mse.sqrt();
    let mse_se = if n > 1 { stats::std_dev(&sq) / (n as f64).sqrt() } else { f64::NAN };
    let mut sorted = vals.clone();
    crate::stats::sort(&mut sorted);
    let covered = reps.iter().filter(|r| r.0.is_finite() && r.1 <= truth && truth <= r.2).count();
    let widths: Vec<f64> = reps.iter().map(|r| r.2 - r.1).filter(|w| w.is_finite()).collect();
    let (coverage_lo, coverage_hi) = wilson(covered as f64, reps.len() as f64);
    Spread {
        n,
        failed,
        mean,
        bias: mean - truth,
        bias_se: sd / (n as f64).sqrt(),
        sd,
        rmse,
        lo: stats::percentile_sorted(&sorted, 2.5),
        hi: stats::percentile_sorted(&sorted, 97.5),
        coverage: covered as f64 / reps.len() as f64,
        mean_width: if widths.is_empty() { f64::NAN } else { stats::mean(&widths) },
        rmse_lo: (mse - Z95 * mse_se).max(0.0).sqrt(),
        rmse_hi: (mse + Z95 * mse_se).sqrt(),
        coverage_lo,
        coverage_hi,
    }
}

/// The 95% Wilson score interval of a proportion `successes / n` (bounded by 0 and 1, and not
/// of zero width when there are no successes or no failures); `NaN`s when `n` is 0.
pub fn wilson(successes: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let p = successes / n;
    let z2 = Z95 * Z95;
    let den = 1.0 + z2 / n;
    let mid = (p + z2 / (2.0 * n)) / den;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / den;
    // exactly 0 with no successes and 1 with no failures (not a rounding error away)
    let lower = if successes <= 0.0 { 0.0 } else { (mid - half).max(0.0) };
    let upper = if successes >= n { 1.0 } else { (mid + half).min(1.0) };
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_prose() {
        assert_eq!(format_count(1234.4), "1,234");
        assert_eq!(format_count(3.25), "3.2");
        assert_eq!(format_count(1_000_000.0), "1,000,000");
    }

    #[test]
    fn intervals_that_leave_the_range_or_rest_on_nothing_say_so() {
        let w = |ess: f64| Weights { ess, mean: 1.0, mean_se: 0.01, max: 10.0 };
        assert_eq!(Estimate::normal(0.5, 0.01, RATE, Some(&w(5000.0))).caution, None);
        let wide = Estimate::normal(0.05, 0.05, RATE, Some(&w(40.0)));
        assert!(wide.caution.as_deref().unwrap().starts_with("normal approximation, unreliable: effective sample size 40"));
        // cut to the possible range, and said so: 0.05 ± 0.098 shows as [0, 0.148]
        assert_eq!(wide.lower, 0.0);
        assert!((wide.upper - (0.05 + 1.959963984540054 * 0.05)).abs() < 1e-12);
        assert!(wide.caution.as_deref().unwrap().contains("cut to the possible range [0, 1]"));
        // an estimate above the range (IPS can exceed 1): the interval ends at 1, the caution names why
        let over = Estimate::normal(1.3, 0.1, RATE, Some(&w(40.0)));
        assert_eq!((over.lower, over.upper), (1.0, 1.0));
        assert!(over.caution.as_deref().unwrap().starts_with("outside the possible range"));
        assert_eq!(Estimate::normal(0.0, 0.0, RATE, Some(&w(250.0))).caution.as_deref(), Some("no events: no interval"));
        assert!(Estimate::normal(0.3, 0.01, RATE, Some(&w(12.0))).caution.unwrap().contains("only 12 rounds"));
        let missing = Weights { ess: 60.0, mean: 0.05, mean_se: 0.01, max: 90.0 };
        assert!(
            Estimate::normal(0.013, 0.002, RATE, Some(&missing))
                .caution
                .unwrap()
                .contains("average 0.05 where they should average 1")
        );
    }

    #[test]
    fn wilson_intervals_stay_in_range_and_keep_a_width_at_zero_events() {
        let e = Estimate::proportion(0.0, 250.0);
        assert_eq!((e.estimate, e.lower), (0.0, 0.0));
        assert!(e.upper > 0.01 && e.upper < 0.02, "{e:?}");
        let e = Estimate::proportion(250.0, 250.0);
        assert_eq!((e.estimate, e.upper), (1.0, 1.0));
        // 10 of 100: the textbook 95% Wilson interval [0.0552, 0.1744]
        let (lo, hi) = wilson(10.0, 100.0);
        assert!((lo - 0.05523).abs() < 1e-4 && (hi - 0.17437).abs() < 1e-4, "{lo} {hi}");
        assert!(Estimate::proportion(0.0, 0.0).caution.is_some());
    }

    #[test]
    fn spread_counts_failed_replicates_as_misses() {
        let s = spread(&[(1.0, 0.5, 1.5), (f64::NAN, f64::NAN, f64::NAN), (1.0, 0.9, 1.1)], 1.0);
        assert_eq!((s.n, s.failed), (2, 1));
        assert!((s.coverage - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(s.bias, 0.0);
    }

    #[test]
    fn spread_has_an_rmse_interval_and_a_wilson_coverage_interval() {
        let reps: Vec<(f64, f64, f64)> = (0..100).map(|i| (i as f64 / 100.0, -1.0, if i < 90 { 2.0 } else { -0.5 })).collect();
        let s = spread(&reps, 0.5);
        assert!(s.rmse_lo < s.rmse && s.rmse < s.rmse_hi, "{s:?}");
        assert!((s.coverage - 0.9).abs() < 1e-15);
        assert!(s.coverage_lo < 0.9 && 0.9 < s.coverage_hi && s.coverage_hi < 1.0, "{s:?}");
        // every interval covered: the Wilson interval stays below 1 and is not of zero width
        let all = spread(&[(0.5, 0.0, 1.0); 20], 0.5);
        assert_eq!(all.coverage, 1.0);
        assert!(all.coverage_lo > 0.8 && all.coverage_lo < 1.0 && all.coverage_hi == 1.0, "{all:?}");
    }

    #[test]
    fn a_proportion_has_a_bounded_interval_even_with_no_events() {
        let none = Estimate::proportion(0.0, 7.0);
        assert_eq!((none.estimate, none.lower), (0.0, 0.0));
        assert!(none.upper > 0.2 && none.upper < 0.5, "{none:?}");
        let all = Estimate::proportion(7.0, 7.0);
        assert!(all.lower > 0.5 && all.upper == 1.0);
        assert!(Estimate::proportion(0.0, 0.0).caution.unwrap().contains("no estimate"));
        let (lo, hi) = wilson(42.0, 10_000.0);
        assert!(lo > 0.003 && lo < 0.0032 && hi > 0.0056 && hi < 0.0058, "{lo} {hi}");
    }

    #[test]
    fn popularity_bins_put_the_most_popular_first() {
        let pop = [0.1, 0.4, 0.2, 0.3];
        assert_eq!(by_popularity_bin(&[1.0, 2.0, 3.0, 4.0], &pop, 2), vec![2.0 + 4.0, 3.0 + 1.0]);
    }
}
