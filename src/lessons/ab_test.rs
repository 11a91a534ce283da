//! Simulated A/B tests, shared by the lessons that compare recommenders online
//! (`offline-online`, `intent`).
//!
//! An arm of an A/B test is fresh traffic served by one policy: [`run_arm`] collects it from the
//! world (the core's own draws, so a test is the same natively and in every browser). A metric of
//! the test is a mean over sessions; [`Moments`] accumulates a metric's per-session values and
//! merges, so a long test can be simulated in chunks (one step of a lesson each) and summed.
//! [`difference`] and [`lift`] compare two arms with a normal interval (the delta method for a
//! relative lift), [`expected_lift`] gives the same comparison from exact means and variances
//! (what a test of n sessions per arm would show on average, and its standard error), and
//! [`proportion`] is the Wilson interval of a plain share (it never leaves [0, 1]).

use super::common::{Estimate, Range, Z95};
use crate::error::Result;
use crate::rng::Rng;
use crate::world::{CollectOptions, Log, Policy, World};
use serde::Serialize;
use std::sync::Arc;

/// Running sums of one metric's per-session values: count, sum and sum of squares. Mergeable.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    /// Sessions.
    pub n: usize,
    /// Σx.
    pub sum: f64,
    /// Σx².
    pub sq: f64,
}

impl Moments {
    /// Add one session's value.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sq += x * x;
    }

    /// The moments of some values.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Moments {
        let mut m = Moments::default();
        values.into_iter().for_each(|x| m.add(x));
        m
    }

    /// Add another accumulator (e.g. the next chunk of the same arm).
    pub fn merge(&mut self, other: &Moments) {
        self.n += other.n;
        self.sum += other.sum;
        self.sq += other.sq;
    }

    /// Mean per session and its standard error, √(σ̂²/(n − 1)) with σ̂² = Σx²/n − mean².
    pub fn summary(&self) -> ArmMean {
        if self.n == 0 {
            return ArmMean { mean: f64::NAN, se: f64::NAN, n: 0 };
        }
        let n = self.n as f64;
        let mean = self.sum / n;
        let se = if self.n > 1 { ((self.sq / n - mean * mean).max(0.0) / (n - 1.0)).sqrt() } else { f64::NAN };
        ArmMean { mean, se, n: self.n }
    }
}

/// An arm's mean of a metric per session, its standard error and its number of sessions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ArmMean {
    /// Mean per session.
    pub mean: f64,
    /// Standard error of the mean.
    pub se: f64,
    /// Sessions.
    pub n: usize,
}

/// One arm's traffic: `sessions` sessions of `len` items each from `policy`, drawn with `seed`.
pub fn run_arm(world: &Arc<World>, policy: &Policy, sessions: usize, len: usize, seed: u64) -> Result<Log> {
    Log::collect_compiled(
        world.clone(),
        policy.clone(),
        &CollectOptions { n_rounds: sessions, seed, len_list: len, reward: None },
    )
}

/// An arm whose metric is one yes/no outcome per visit at a rate `p` known exactly, e.g. the click
/// rate of a single-item policy whose exact value is `p`: `visits` Bernoulli(`p`) draws. Visits
/// are independent and each clicks with probability Σᵤ P(u) Σᵢ π(i|u) P(click|u, i) = `p`, so this
/// is the click count of a simulated test exactly in distribution, without simulating who
/// visited and what they were shown (a hundred times cheaper than [`run_arm`]).
pub fn bernoulli_arm(p: f64, visits: usize, seed: u64) -> ArmMean {
    let mut rng = Rng::new(seed);
    let k = (0..visits).filter(|_| rng.bernoulli(p)).count() as f64;
    Moments { n: visits, sum: k, sq: k }.summary()
}

/// The sum of `values` (one per row) over each session of `len` consecutive rows.
pub fn session_sums(values: &[f64], len: usize) -> impl Iterator<Item = f64> + '_ {
    values.chunks_exact(len).map(|c| c.iter().sum())
}

/// An estimate from an A/B test with a normal interval, and a caution when it should not be
/// believed as it stands: no estimate, no events, or an interval that leaves the possible range.
pub fn normal_estimate(estimate: f64, se: f64, range: Range, sessions: usize) -> Estimate {
    let (lower, upper) = (estimate - Z95 * se, estimate + Z95 * se);
    let caution = if !estimate.is_finite() || !se.is_finite() {
        Some("no estimate: an arm has no sessions or no events".to_string())
    } else if upper == lower {
        Some("no events: no interval".to_string())
    } else if lower < range.lo || upper > range.hi {
        Some(format!(
            "normal approximation, unreliable with {} sessions per arm: the interval is cut to the possible range [{}, {}]",
            super::common::format_count(sessions as f64),
            range.lo,
            range.hi
        ))
    } else {
        None
    };
    let mut e = Estimate { estimate, lower, upper, caution };
    e.cut_to(range);
    e
}

/// B − A with its 95% normal interval (independent arms); `range` is the difference's possible range.
pub fn difference(a: &ArmMean, b: &ArmMean, range: Range) -> Estimate {
    // √(a² + b²) rather than f64::hypot, which calls the platform's C library natively and a
    // port of musl's in Wasm: the same bits everywhere (see crate::math)
    normal_estimate(b.mean - a.mean, (a.se * a.se + b.se * b.se).sqrt(), range, a.n.min(b.n))
}

/// A relative lift of B over A: the estimate and its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Lift {
    /// B/A − 1 (or 1 − B/A when fewer is better).
    pub value: f64,
    /// Standard error (delta method).
    pub se: f64,
}

/// The relative lift of B over A, B/A − 1 (1 − B/A when fewer is better), with the delta-method
/// standard error |B/A|·√((se_B/B)² + (se_A/A)²).
pub fn lift_of(a_mean: f64, a_se: f64, b_mean: f64, b_se: f64, fewer_is_better: bool) -> Lift {
    let ratio = b_mean / a_mean;
    let (rb, ra) = (b_se / b_mean, a_se / a_mean);
    let se = ratio.abs() * (rb * rb + ra * ra).sqrt();
    Lift { value: if fewer_is_better { 1.0 - ratio } else { ratio - 1.0 }, se }
}

/// The relative lift of B over A in an A/B test, with its 95% interval (a lift of a non-negative
/// metric is at least −100%; when fewer is better, at most +100%).
pub fn lift(a: &ArmMean, b: &ArmMean, fewer_is_better: bool) -> Estimate {
    let l = lift_of(a.mean, a.se, b.mean, b.se, fewer_is_better);
    let range = if fewer_is_better { Range { lo: f64::NEG_INFINITY, hi: 1.0 } } else { Range { lo: -1.0, hi: f64::INFINITY } };
    normal_estimate(l.value, l.se, range, a.n.min(b.n))
}

/// What an A/B test of `n` sessions per arm shows on average, from each arm's exact mean and
/// variance per session: the exact lift and the standard error the test would have.
pub fn expected_lift(a_mean: f64, a_var: f64, b_mean: f64, b_var: f64, n: usize, fewer_is_better: bool) -> Lift {
    let n = n as f64;
    lift_of(a_mean, (a_var / n).sqrt(), b_mean, (b_var / n).sqrt(), fewer_is_better)
}

/// Who wins a test at the 95% level, from the interval of B's lift (or of B − A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// The interval lies below 0.
    #[serde(rename = "A wins")]
    AWins,
    /// The interval contains 0.
    #[serde(rename = "can’t tell")]
    CantTell,
    /// The interval lies above 0.
    #[serde(rename = "B wins")]
    BWins,
}

impl Verdict {
    /// The verdict of an interval of B's lift.
    pub fn of(e: &Estimate) -> Verdict {
        if e.lower > 0.0 {
            Verdict::BWins
        } else if e.upper < 0.0 {
            Verdict::AWins
        } else {
            Verdict::CantTell
        }
    }
}

/// The share k/n with its 95% Wilson score interval, which stays within [0, 1] (a normal interval
/// would not at 0 or n events); no estimate when n = 0.
pub fn proportion(k: usize, n: usize) -> Estimate {
    if n == 0 {
        return Estimate {
            estimate: f64::NAN,
            lower: f64::NAN,
            upper: f64::NAN,
            caution: Some("no sessions: nothing to count".into()),
        };
    }
    let (kf, nf) = (k as f64, n as f64);
    let p = kf / nf;
    let z2 = Z95 * Z95;
    let den = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / den;
    let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / den;
    // at 0 or n events the bound is exactly 0 or 1 (the arithmetic leaves a rounding error)
    let lower = if k == 0 { 0.0 } else { (centre - half).max(0.0) };
    let upper = if k == n { 1.0 } else { (centre + half).min(1.0) };
    Estimate { estimate: p, lower, upper, caution: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{PolicySpec, Signal, WorldConfig};

    #[test]
    fn moments_merge_like_one_pass_and_give_the_standard_error() {
        let xs = [1.0, 2.0, 4.0, 7.0];
        let mut a = Moments::of(xs[..2].iter().copied());
        a.merge(&Moments::of(xs[2..].iter().copied()));
        assert_eq!(a, Moments::of(xs));
        let s = a.summary();
        assert_eq!(s.mean, 3.5);
        let sd = crate::stats::std_dev(&xs);
        assert!((s.se - sd / 2.0).abs() < 1e-12, "{} vs {}", s.se, sd / 2.0);
    }

    #[test]
    fn lifts_and_verdicts() {
        let a = ArmMean { mean: 2.0, se: 0.01, n: 10_000 };
        let b = ArmMean { mean: 2.2, se: 0.01, n: 10_000 };
        let l = lift(&a, &b, false);
        assert!((l.estimate - 0.1).abs() < 1e-12);
        assert_eq!(Verdict::of(&l), Verdict::BWins);
        let fewer = lift(&a, &b, true);
        assert!((fewer.estimate + 0.1).abs() < 1e-12);
        assert_eq!(Verdict::of(&fewer), Verdict::AWins);
        let d = difference(&a, &b, Range { lo: -5.0, hi: 5.0 });
        assert!((d.estimate - 0.2).abs() < 1e-12 && d.caution.is_none());
        let e = expected_lift(2.0, 1.0, 2.2, 1.0, 10_000, false);
        assert!(
            (e.value - 0.1).abs() < 1e-12
                && (e.se - 1.1 * ((0.01f64 / 2.2).powi(2) + (0.01f64 / 2.0).powi(2)).sqrt()).abs() < 1e-15
        );
    }

    #[test]
    fn wilson_stays_in_range_and_says_when_there_is_nothing_to_count() {
        let z = proportion(0, 50);
        assert_eq!((z.estimate, z.lower), (0.0, 0.0));
        assert!(z.upper > 0.0 && z.upper < 0.1);
        let all = proportion(50, 50);
        assert_eq!(all.upper, 1.0);
        assert!(all.lower < 1.0);
        assert!(proportion(0, 0).caution.is_some());
        // 0.4 ± : textbook Wilson for 40/100 is [0.3094, 0.4980]
        let w = proportion(40, 100);
        assert!((w.lower - 0.3094).abs() < 1e-4 && (w.upper - 0.4980).abs() < 1e-4, "{w:?}");
    }

    #[test]
    fn an_arm_is_the_policy_s_own_traffic() {
        let world = Arc::new(World::new(WorldConfig { n_users: 50, n_items: 10, ..Default::default() }).unwrap());
        let p = Policy::compile(&world, &PolicySpec::Uniform).unwrap();
        let log = run_arm(&world, &p, 20_000, 1, 3).unwrap();
        let m = Moments::of(session_sums(&log.reward, 1)).summary();
        let truth = world.policy_value(&p, Signal::Click).unwrap();
        assert!((m.mean - truth).abs() < 4.0 * m.se, "{m:?} vs {truth}");
        // the same test drawn visit by visit from the exact rate: the same mean and spread
        let b = bernoulli_arm(truth, 20_000, 3);
        assert!((b.mean - truth).abs() < 4.0 * b.se, "{b:?} vs {truth}");
        assert!((b.se / m.se - 1.0).abs() < 0.05, "{b:?} vs {m:?}");
    }
}
