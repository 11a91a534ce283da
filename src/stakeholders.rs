//! Who else the recommender serves: exposure of items and creators, its inequality, revenue, and
//! a creator-viability loop where creators who get too little exposure leave the platform (after
//! RecSim NG's ecosystem model), all computed exactly from a policy's action probabilities.

use crate::error::{Error, Result};
use crate::stats::gini;
use crate::world::{Policy, World};

/// Exact stakeholder metrics of a single-item policy.
#[derive(Debug, Clone, PartialEq)]
pub struct StakeholderMetrics {
    /// Expected clicks per visit.
    pub engagement: f64,
    /// Expected revenue per visit (clicks × price).
    pub revenue: f64,
    /// Share of impressions of each item.
    pub item_exposure: Vec<f64>,
    /// Share of impressions of each creator.
    pub creator_exposure: Vec<f64>,
    /// Gini coefficient of creator exposure (0 equal, → 1 one creator gets everything).
    pub creator_gini: f64,
    /// Share of impressions that goes to the 80% least popular items.
    pub tail_share: f64,
}

/// Metrics of a probability table (n_users × n_items) on `world`.
pub fn metrics_of_table(world: &World, table: &[f64]) -> StakeholderMetrics {
    let ni = world.n_items();
    let mut item_exposure = vec![0.0; ni];
    let (mut engagement, mut revenue) = (0.0, 0.0);
    for (u, &w) in world.arrival().iter().enumerate() {
        if w == 0.0 {
            continue;
        }
        for i in 0..ni {
            let p = w * table[u * ni + i];
            item_exposure[i] += p;
            let r = world.rel(u, i);
            engagement += p * r;
            revenue += p * r * world.item_price()[i];
        }
    }
    let mut creator_exposure = vec![0.0; world.config().n_creators];
    for (i, e) in item_exposure.iter().enumerate() {
        creator_exposure[world.item_creator()[i] as usize] += e;
    }
    let by_pop = crate::stats::order_desc(world.popularity());
    let head = (ni as f64 * 0.2).ceil() as usize;
    let tail_share = by_pop[head..].iter().map(|&i| item_exposure[i]).sum();
    StakeholderMetrics { engagement, revenue, creator_gini: gini(&creator_exposure), item_exposure, creator_exposure, tail_share }
}

/// Metrics of a policy.
pub fn metrics(world: &World, policy: &Policy) -> Result<StakeholderMetrics> {
    Ok(metrics_of_table(world, policy.table()?))
}

/// One round of the creator-viability loop.
#[derive(Debug, Clone, PartialEq)]
pub struct EcosystemRound {
    /// Round number (0: everyone still there).
    pub round: usize,
    /// Creators still on the platform.
    pub active_creators: usize,
    /// Items still available.
    pub active_items: usize,
    /// Expected clicks per visit with what is left.
    pub engagement: f64,
    /// Gini of creator exposure among all creators (those who left have zero).
    pub creator_gini: f64,
}

/// Run the loop: each round the policy recommends among the remaining items (its probabilities
/// renormalized over them — exactly a softmax over the remaining items for softmax policies),
/// and every creator whose exposure share is below `threshold` × (1 / active creators) leaves
/// with all their items.
pub fn creator_dynamics(world: &World, policy: &Policy, rounds: usize, threshold: f64) -> Result<Vec<EcosystemRound>> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Error::invalid("threshold", format!("expected a fraction of the fair share in [0, 1], got {threshold}")));
    }
    if rounds > 1000 {
        return Err(Error::invalid("rounds", format!("expected at most 1000 rounds, got {rounds}")));
    }
    let (nu, ni) = (world.n_users(), world.n_items());
    let base = policy.table()?;
    let mut active_creator = vec![true; world.config().n_creators];
    let mut out = Vec::with_capacity(rounds + 1);
    let mut table = vec![0.0; nu * ni];
    for round in 0..=rounds {
        let active_item: Vec<bool> = (0..ni).map(|i| active_creator[world.item_creator()[i] as usize]).collect();
        for u in 0..nu {
            let row = &base[u * ni..(u + 1) * ni];
            let z: f64 = row.iter().zip(&active_item).filter(|(_, a)| **a).map(|(p, _)| p).sum();
            for i in 0..ni {
                table[u * ni + i] = if active_item[i] && z > 0.0 { row[i] / z } else { 0.0 };
            }
        }
        let m = metrics_of_table(world, &table);
        let n_active = active_creator.iter().filter(|a| **a).count();
        out.push(EcosystemRound {
            round,
            active_creators: n_active,
            active_items: active_item.iter().filter(|a| **a).count(),
            engagement: m.engagement,
            creator_gini: m.creator_gini,
        });
        if n_active == 0 {
            break;
        }
        let fair = 1.0 / n_active as f64;
        for (c, active) in active_creator.iter_mut().enumerate() {
            if *active && m.creator_exposure[c] < threshold * fair {
                *active = false;
            }
        }
        // the most exposed creator always stays, so the platform never empties
        if active_creator.iter().all(|a| !a) {
            let best = (0..m.creator_exposure.len())
                .max_by(|&a, &b| crate::stats::cmp(m.creator_exposure[a], m.creator_exposure[b]))
                .unwrap_or(0);
            active_creator[best] = true;
        }
    }
    Ok(out)
}
