//! An online bandit as a logging policy: batch Bernoulli Thompson sampling, like the production
//! policy of the Open Bandit Dataset.
//!
//! At the start of each batch the policy computes, by Monte Carlo over its Beta posteriors, the
//! probability that each item would win a Thompson draw, and then *samples from exactly that
//! distribution* for the whole batch. So the propensity it logs is the one it really used (not an
//! approximation of an argmax), and the log is fit for importance weighting. Posteriors are
//! updated at the end of each batch with the batch's rewards (reward > 0 counts as a success).

use super::log::{CollectOptions, Log, declare, respond};
use super::{Signal, World};
use crate::config::Obj;
use crate::error::{Error, Result};
use crate::rng::Rng;
use std::sync::Arc;

/// An online policy config: `{ kind: "thompson", batchSize = 1000, nSamples = 1000, priorAlpha = 1, priorBeta = 1 }`.
#[derive(Debug, Clone, PartialEq)]
pub struct OnlineSpec {
    /// Rounds between posterior updates.
    pub batch_size: usize,
    /// Monte Carlo draws used to compute the batch's action distribution.
    pub n_samples: usize,
    /// Beta prior α.
    pub prior_alpha: f64,
    /// Beta prior β.
    pub prior_beta: f64,
}

impl OnlineSpec {
    pub(crate) fn from_obj(o: &Obj<'_>) -> Result<Self> {
        let s = OnlineSpec {
            batch_size: o.integer("batchSize", 1000, 1, 10_000_000)? as usize,
            n_samples: o.integer("nSamples", 1000, 10, 1_000_000)? as usize,
            prior_alpha: o.number("priorAlpha", 1.0, 1e-3, 1e6)?,
            prior_beta: o.number("priorBeta", 1.0, 1e-3, 1e6)?,
        };
        o.finish_with(&["kind", "batchSize", "nSamples", "priorAlpha", "priorBeta"])?;
        Ok(s)
    }

    /// The policy kind's name.
    pub fn kind_name(&self) -> &'static str {
        "thompson"
    }
}

/// Collect a log with batch Thompson sampling.
pub(crate) fn collect(world: Arc<World>, spec: &OnlineSpec, opts: &CollectOptions) -> Result<Log> {
    if opts.len_list != 1 {
        return Err(Error::unsupported("lenList", "the Thompson-sampling logger recommends single items: use lenList = 1"));
    }
    let ni = world.n_items();
    let signal = opts.reward.unwrap_or(world.config().reward);
    let si = Signal::ALL.iter().position(|s| *s == signal).unwrap_or(0);
    let mut log = Log::empty(world.clone(), 1, signal, opts.n_rounds);
    let mut rng = Rng::new(opts.seed);
    let mut mc = Rng::derived(opts.seed, 0x7e57);
    let (mut succ, mut fail) = (vec![spec.prior_alpha; ni], vec![spec.prior_beta; ni]);
    let mut dists: Vec<Vec<f64>> = Vec::new();
    let mut batch_of = Vec::with_capacity(opts.n_rounds);
    let mut pending: Vec<(usize, bool)> = Vec::new();
    let mut cdf = vec![0.0; ni];
    for round in 0..opts.n_rounds {
        if round % spec.batch_size == 0 {
            for (a, ok) in pending.drain(..) {
                if ok {
                    succ[a] += 1.0;
                } else {
                    fail[a] += 1.0;
                }
            }
            let mut wins = vec![0.0; ni];
            for _ in 0..spec.n_samples {
                let mut best = (f64::NEG_INFINITY, 0);
                for a in 0..ni {
                    let x = mc.beta(succ[a], fail[a]);
                    if x > best.0 {
                        best = (x, a);
                    }
                }
                wins[best.1] += 1.0;
            }
            wins.iter_mut().for_each(|w| *w /= spec.n_samples as f64);
            let mut acc = 0.0;
            for (c, p) in cdf.iter_mut().zip(&wins) {
                acc += p;
                *c = acc;
            }
            dists.push(wins);
        }
        let b = dists.len() - 1;
        let u = world.draw_user(&mut rng);
        let intent = rng.bernoulli(world.user_sampling()[u]) as usize;
        let declared = declare(&world, intent, &mut rng);
        let x = rng.uniform() * cdf[ni - 1];
        let a = cdf.partition_point(|&v| v <= x).min(ni - 1);
        let p = dists[b][a];
        let outcome = respond(&world, u, a, intent, &mut rng);
        pending.push((a, outcome_positive(&outcome_signals(&outcome), si)));
        log.push(round, 0, a, u, intent, 0, Some(outcome), [p, p, p]);
        if let Some(d) = log.declared.last_mut() {
            *d = declared;
        }
        batch_of.push(b as u32);
    }
    log.online_dists = Some((dists, batch_of));
    Ok(log)
}

fn outcome_signals(o: &super::log::Outcome) -> [f64; 8] {
    o.signals
}

fn outcome_positive(signals: &[f64; 8], si: usize) -> bool {
    signals[si] > 0.0
}
