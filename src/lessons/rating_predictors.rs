//! Four simple predictors of explicit ratings (1–5 stars), trained on observed ratings, and their
//! exact mean absolute error over every user–item pair of a world:
//!
//! * the **global average** of the observed ratings;
//! * each **item's average**, shrunk towards the global one by [`SHRINK`] pseudo-ratings;
//! * the **propensity-weighted average** Σ r/P / Σ 1/P (each rating counted 1/P times);
//! * a **personalized taste model** that knows each user's tastes up to an error, as a
//!   well-learned model would: 1 + 4·σ(logit P(like) + error·ε) with ε standard normal, drawn once
//!   per world seed from the core's generator ([`taste_model`]). It is simulated from the world's
//!   tastes, not fitted.
//!
//! With no observed rating at all, every average falls back to 3, the middle of the scale.

use crate::math;
use crate::rng::Rng;
use crate::world::{Ratings, World};
use std::sync::Arc;

/// Pseudo-ratings that shrink each item's average towards the global average.
pub const SHRINK: f64 = 3.0;

/// Names of the predictors, in the order of [`Predictors::predict`].
pub const NAMES: [&str; 4] = ["Global average", "Item average", "Propensity-weighted average", "Personalized taste model"];

/// Sub-stream of a world seed that draws the taste model's errors.
const TASTE_STREAM: u64 = 0x7a57_e000;

/// The personalized taste model's prediction for every pair (n_users × n_items): 1 + 4·σ(logit
/// rel(u, i) + `error`·ε), ε ~ N(0, 1) from the core's generator seeded by `seed`.
pub fn taste_model(world: &World, error: f64, seed: u64) -> Vec<f64> {
    let mut rng = Rng::derived(seed, TASTE_STREAM);
    world
        .relevance()
        .iter()
        .map(|&rel| {
            let p = rel.clamp(1e-9, 1.0 - 1e-9);
            let z = rng.normal();
            1.0 + 4.0 / (1.0 + math::exp(-(math::ln(p / (1.0 - p)) + error * z)))
        })
        .collect()
}

/// The four predictors, trained.
#[derive(Debug, Clone)]
pub struct Predictors {
    /// Global average of the training ratings (3 with none).
    pub global: f64,
    /// Propensity-weighted average (3 with none).
    pub weighted: f64,
    /// Each item's shrunk average.
    pub item: Vec<f64>,
    /// The taste model's prediction per pair.
    pub taste: Arc<Vec<f64>>,
    n_items: usize,
}

impl Predictors {
    /// Train on `train` (ratings with their propensities) for a world of `n_items` items, with the
    /// taste model `taste` (n_users × n_items).
    pub fn train(train: &Ratings, n_items: usize, taste: Arc<Vec<f64>>) -> Predictors {
        let n = train.rating.len();
        let (mut sum, mut wsum, mut wden) = (0.0, 0.0, 0.0);
        let mut isum = vec![0.0; n_items];
        let mut icnt = vec![0.0; n_items];
        for j in 0..n {
            let r = train.rating[j] as f64;
            sum += r;
            wsum += r / train.propensity[j];
            wden += 1.0 / train.propensity[j];
            isum[train.item[j] as usize] += r;
            icnt[train.item[j] as usize] += 1.0;
        }
        let global = if n > 0 { sum / n as f64 } else { 3.0 };
        let weighted = if n > 0 { wsum / wden } else { 3.0 };
        let item = isum.iter().zip(&icnt).map(|(s, c)| (s + SHRINK * global) / (c + SHRINK)).collect();
        Predictors { global, weighted, item, taste, n_items }
    }

    /// Predictor `p`'s rating for user `u` and item `i`.
    #[inline]
    pub fn predict(&self, p: usize, u: usize, i: usize) -> f64 {
        match p {
            0 => self.global,
            1 => self.item[i],
            2 => self.weighted,
            _ => self.taste[u * self.n_items + i],
        }
    }

    /// Each predictor's exact mean absolute error over every user–item pair of `world`.
    pub fn true_mae(&self, world: &World) -> [f64; 4] {
        let mut t = [0.0; 4];
        let (nu, ni) = (world.n_users(), world.n_items());
        for u in 0..nu {
            for i in 0..ni {
                let r = world.true_rating(u, i) as f64;
                t[0] += (self.global - r).abs();
                t[1] += (self.item[i] - r).abs();
                t[2] += (self.weighted - r).abs();
                t[3] += (self.taste[u * ni + i] - r).abs();
            }
        }
        t.map(|x| x / (nu * ni) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldConfig;

    #[test]
    fn averages_fall_back_to_the_middle_and_weighting_counts_one_over_p() {
        let empty = Ratings { user: vec![], item: vec![], rating: vec![], propensity: vec![] };
        let p = Predictors::train(&empty, 3, Arc::new(vec![0.0; 6]));
        assert_eq!((p.global, p.weighted, p.item.clone()), (3.0, 3.0, vec![3.0; 3]));
        let r = Ratings { user: vec![0, 1], item: vec![0, 0], rating: vec![5, 1], propensity: vec![0.5, 0.1] };
        let p = Predictors::train(&r, 2, Arc::new(vec![0.0; 4]));
        assert_eq!(p.global, 3.0);
        // 5·2 + 1·10 over 2 + 10
        assert!((p.weighted - 20.0 / 12.0).abs() < 1e-12);
        assert!((p.item[0] - (6.0 + 9.0) / 5.0).abs() < 1e-12);
        assert_eq!(p.item[1], 3.0);
    }

    #[test]
    fn the_taste_model_stays_on_the_scale_and_follows_relevance() {
        let w = World::new(WorldConfig { n_users: 50, n_items: 20, ..Default::default() }).unwrap();
        let t = taste_model(&w, 0.8, 1);
        assert!(t.iter().all(|x| (1.0..=5.0).contains(x)));
        assert_eq!(t, taste_model(&w, 0.8, 1));
        // with no error the model is a monotone function of relevance
        let exact = taste_model(&w, 0.0, 1);
        let (a, b) = (0, 1);
        assert_eq!(w.rel(0, a) < w.rel(0, b), exact[a] < exact[b]);
    }
}
