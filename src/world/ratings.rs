//! Explicit ratings, missing not at random, and a randomly sampled test set (the Yahoo! R3 and
//! Coat design): how an offline metric computed on the ratings users chose to give differs from
//! the same metric on a random sample, and how inverse-propensity weighting repairs it
//! (Schnabel et al., *Recommendations as Treatments: Debiasing Learning and Evaluation*, ICML 2016).
//!
//! * **Self-selected**: each item is consumed by user u independently with probability
//!   min(1, k·π(i|u)) under a chooser policy π (users mostly consume what they like, k items on
//!   average), and a consumed item is rated with the world's missing-not-at-random probability,
//!   which grows with how extreme the true rating is. The propensity of observing (u, i) is the
//!   product of the two, exactly.
//! * **Random**: each user is asked to rate k items drawn uniformly without replacement, and
//!   answers every time (propensity k/m).

use super::World;
use super::policy::Policy;
use crate::error::{Error, Result};
use crate::rng::Rng;

/// Observed ratings with their exact observation propensities.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratings {
    /// User of each rating.
    pub user: Vec<u32>,
    /// Item of each rating.
    pub item: Vec<u32>,
    /// The rating, 1–5.
    pub rating: Vec<u8>,
    /// Probability that this (user, item) rating is observed.
    pub propensity: Vec<f64>,
}

/// Draw self-selected ratings: `per_user` consumed items per user on average under `chooser`.
pub fn self_selected(world: &World, chooser: &Policy, per_user: f64, seed: u64) -> Result<Ratings> {
    if !(per_user > 0.0 && per_user.is_finite()) {
        return Err(Error::invalid("perUser", format!("expected a positive number of items per user, got {per_user}")));
    }
    let (nu, ni) = (world.n_users(), world.n_items());
    let mut rng = Rng::new(seed);
    let mut out = Ratings { user: vec![], item: vec![], rating: vec![], propensity: vec![] };
    for u in 0..nu {
        let probs = chooser.probs(u);
        for i in 0..ni {
            let consume = (per_user * probs[i]).min(1.0);
            let r = world.true_rating(u, i);
            let q = world.rating_probability(r);
            let consumed = rng.bernoulli(consume);
            let rated = rng.bernoulli(q);
            if consumed && rated {
                out.user.push(u as u32);
                out.item.push(i as u32);
                out.rating.push(r);
                out.propensity.push(consume * q);
            }
        }
    }
    Ok(out)
}

/// Draw a random test set: `per_user` distinct uniformly random items per user, all rated.
pub fn random_set(world: &World, per_user: usize, seed: u64) -> Result<Ratings> {
    let (nu, ni) = (world.n_users(), world.n_items());
    if per_user == 0 || per_user > ni {
        return Err(Error::invalid("perUser", format!("expected 1 ≤ perUser ≤ nItems ({ni}), got {per_user}")));
    }
    let mut rng = Rng::new(seed);
    let mut out = Ratings { user: vec![], item: vec![], rating: vec![], propensity: vec![] };
    let mut pool: Vec<usize> = (0..ni).collect();
    for u in 0..nu {
        for j in 0..per_user {
            let k = j + rng.below(ni - j);
            pool.swap(j, k);
            let i = pool[j];
            out.user.push(u as u32);
            out.item.push(i as u32);
            out.rating.push(world.true_rating(u, i));
            out.propensity.push(per_user as f64 / ni as f64);
        }
    }
    Ok(out)
}
