//! From a log to what other tools read: OBP's `bandit_feedback` (in memory and as JSON) and the
//! slate estimators' inputs for a ranking target policy.

use super::log::{Log, fmt_num};
use super::policy::{Examination, Policy};
use crate::error::Result;
use std::collections::HashMap;
use std::fmt::Write;

/// OBP's `bandit_feedback` dictionary, flat arrays with their dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct ObpFeedback {
    /// Rows.
    pub n_rounds: usize,
    /// Actions.
    pub n_actions: usize,
    /// Positions.
    pub len_list: usize,
    /// Logged action per row.
    pub action: Vec<u32>,
    /// Position per row.
    pub position: Vec<u32>,
    /// Reward per row.
    pub reward: Vec<f64>,
    /// Logging propensity per row.
    pub pscore: Vec<f64>,
    /// The user's visible features per row (n_rounds × context_dim).
    pub context: Vec<f64>,
    /// Columns of `context`.
    pub context_dim: usize,
    /// Item features (n_actions × action_context_dim): topic mix and log-popularity.
    pub action_context: Vec<f64>,
    /// Columns of `action_context`.
    pub action_context_dim: usize,
    /// The logging policy's distribution, n_rounds × n_actions × len_list, when known.
    pub pi_b: Option<Vec<f64>>,
}

/// Build OBP's `bandit_feedback` from a log.
pub fn obp_feedback(log: &Log) -> ObpFeedback {
    let w = log.world();
    let d = w.config().n_features;
    let nt = w.config().n_topics;
    let mut context = Vec::with_capacity(log.n_rows() * d);
    for &u in &log.user {
        context.extend_from_slice(&w.user_features()[u as usize * d..(u as usize + 1) * d]);
    }
    let mut action_context = Vec::with_capacity(w.n_items() * (nt + 1));
    for i in 0..w.n_items() {
        action_context.extend_from_slice(&w.item_topics()[i * nt..(i + 1) * nt]);
        action_context.push(crate::math::ln(w.popularity()[i]));
    }
    ObpFeedback {
        n_rounds: log.n_rows(),
        n_actions: log.n_actions(),
        len_list: log.len_list,
        action: log.action.clone(),
        position: log.position.clone(),
        reward: log.reward.clone(),
        pscore: log.pscore.clone(),
        context,
        context_dim: d,
        action_context,
        action_context_dim: nt + 1,
        pi_b: log.pi_b().ok(),
    }
}

fn json_array(out: &mut String, xs: impl Iterator<Item = String>) {
    out.push('[');
    for (i, x) in xs.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&x);
    }
    out.push(']');
}

fn json_num(x: f64) -> String {
    if x.is_finite() { fmt_num(x) } else { "null".into() }
}

fn json_matrix(out: &mut String, xs: &[f64], cols: usize) {
    let rows = xs.len().checked_div(cols).unwrap_or(0);
    json_array(
        out,
        (0..rows).map(|r| {
            let mut s = String::new();
            json_array(&mut s, xs[r * cols..(r + 1) * cols].iter().map(|&x| json_num(x)));
            s
        }),
    );
}

impl ObpFeedback {
    /// JSON with OBP's shapes: `context` n × d, `action_context` m × d', `pi_b` n × m × len_list.
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "{{\"n_rounds\":{},\"n_actions\":{},\"len_list\":{},\"action\":",
            self.n_rounds, self.n_actions, self.len_list
        );
        json_array(&mut s, self.action.iter().map(|x| x.to_string()));
        s.push_str(",\"position\":");
        json_array(&mut s, self.position.iter().map(|x| x.to_string()));
        s.push_str(",\"reward\":");
        json_array(&mut s, self.reward.iter().map(|&x| json_num(x)));
        s.push_str(",\"pscore\":");
        json_array(&mut s, self.pscore.iter().map(|&x| json_num(x)));
        s.push_str(",\"context\":");
        json_matrix(&mut s, &self.context, self.context_dim);
        s.push_str(",\"action_context\":");
        json_matrix(&mut s, &self.action_context, self.action_context_dim);
        if let Some(pb) = &self.pi_b {
            s.push_str(",\"pi_b\":");
            let block = self.n_actions * self.len_list;
            json_array(
                &mut s,
                (0..self.n_rounds).map(|r| {
                    let mut t = String::new();
                    json_matrix(&mut t, &pb[r * block..(r + 1) * block], self.len_list);
                    t
                }),
            );
        }
        s.push('}');
        s
    }
}

/// The evaluation-policy side of the slate estimators' input, for every row of a ranking log.
#[derive(Debug, Clone, PartialEq)]
pub struct SlateTargetFeedback {
    /// Whole-slate probability (repeated on each row of a slate).
    pub pscore: Vec<f64>,
    /// Probability of the row's item at the row's position.
    pub pscore_item_position: Vec<f64>,
    /// Probability of the slate's prefix down to the row.
    pub pscore_cascade: Vec<f64>,
    /// π_e(a | logged prefix) per position, flat n_slates × len_list × n_items (Cascade-DR).
    pub action_dist: Vec<f64>,
    /// π_e(a at position k) per position, flat n_slates × len_list × n_items (pseudoinverse).
    pub item_position_dist: Vec<f64>,
    /// Cascade-DR's reward model q̂ₖ(x, a₁..ₖ₋₁, a) for each item a at each position k given the
    /// logged items above (see [`SlateRewardModel`]), flat n_slates × len_list × n_items.
    pub q_hat: Vec<f64>,
}

/// Which reward model fills `q_hat`, the input Cascade-DR needs.
///
/// Cascade-DR (Kiyohara et al., WSDM 2022) is doubly robust when q̂ₖ estimates
/// Qₖ(x, a₁..ₖ) = E[rₖ + rₖ₊₁ + … + r_L | x, a₁..ₖ], the expected reward from position k to the end
/// with the positions below k drawn from the *evaluation* policy: then the estimate is unbiased
/// whatever the propensities (even wrong ones). A model of the immediate reward at k alone is not
/// that, and loses the property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SlateRewardModel {
    /// The exact Qₖ from the world's response model and the evaluation policy's continuation: the
    /// best case, a perfect model.
    #[default]
    Cumulative,
    /// A fitted recursive model (as OBP's `SlateRegressionModel`): from the last position up,
    /// regress rₖ + Σₐ π_e(a | a₁..ₖ) q̂ₖ₊₁(a) on the item at k, per position (a shrunken mean per
    /// item and position: it sees neither the user nor the items above).
    Fitted,
    /// The true expected reward at position k only: what a careless model estimates. Not
    /// Cascade-DR's Q, kept to show what goes wrong.
    Immediate,
}

impl SlateRewardModel {
    /// By name: "cumulative", "fitted" or "immediate".
    pub fn by_name(name: &str, argument: &str) -> Result<SlateRewardModel> {
        match name {
            "cumulative" => Ok(SlateRewardModel::Cumulative),
            "fitted" => Ok(SlateRewardModel::Fitted),
            "immediate" => Ok(SlateRewardModel::Immediate),
            other => Err(crate::error::Error::invalid(
                argument,
                format!("unknown slate reward model {other:?}; expected \"cumulative\", \"fitted\" or \"immediate\""),
            )),
        }
    }
}

/// Evaluate a ranking target on a log: the arrays the slate estimators need, with Cascade-DR's
/// exact cumulative reward model.
pub fn slate_feedback(log: &Log, target: &Policy) -> Result<SlateTargetFeedback> {
    slate_feedback_with(log, target, SlateRewardModel::Cumulative)
}

/// [`slate_feedback`] with a choice of Cascade-DR's reward model.
pub fn slate_feedback_with(log: &Log, target: &Policy, model: SlateRewardModel) -> Result<SlateTargetFeedback> {
    let (l, ni, n) = (log.len_list, log.n_actions(), log.n_rows());
    let expected = log.expected_reward(None)?;
    let mut marg: HashMap<u32, Vec<f64>> = HashMap::new();
    let mut out = SlateTargetFeedback {
        pscore: vec![0.0; n],
        pscore_item_position: vec![0.0; n],
        pscore_cascade: vec![0.0; n],
        action_dist: vec![0.0; n * ni],
        item_position_dist: vec![0.0; n * ni],
        q_hat: vec![0.0; n * ni],
    };
    for s in 0..log.n_slates() {
        let rows = s * l..(s + 1) * l;
        let u = log.user[s * l];
        let slate: Vec<usize> = rows.clone().map(|r| log.action[r] as usize).collect();
        let prefix = target.prefix_probs(u as usize, &slate);
        if let std::collections::hash_map::Entry::Vacant(e) = marg.entry(u) {
            e.insert(target.marginals(u as usize, l)?);
        }
        let m = &marg[&u];
        let cond = target.conditionals(u as usize, &slate);
        for (k, r) in rows.enumerate() {
            out.pscore[r] = prefix[l - 1];
            out.pscore_cascade[r] = prefix[k];
            out.pscore_item_position[r] = m[slate[k] * l + k];
            for a in 0..ni {
                out.action_dist[r * ni + a] = cond[k * ni + a];
                out.item_position_dist[r * ni + a] = m[a * l + k];
                out.q_hat[r * ni + a] = expected[(r * ni + a) * l + k];
            }
        }
    }
    match model {
        SlateRewardModel::Immediate => {}
        SlateRewardModel::Cumulative => cumulative_q(log, target, &mut out.q_hat)?,
        SlateRewardModel::Fitted => fitted_q(log, &out.action_dist, &mut out.q_hat),
    }
    Ok(out)
}

/// Fill `q` (holding the immediate expected rewards) with the exact Qₖ: the immediate reward of
/// the item at k plus the expected reward of the positions below, drawn from the target given
/// the logged items above and the item at k. Continuations are cached per user and placed items.
fn cumulative_q(log: &Log, target: &Policy, q: &mut [f64]) -> Result<()> {
    let world = log.world();
    let (l, ni) = (log.len_list, log.n_actions());
    let signal = log.reward_signal;
    let cascade = matches!(world.config().position_bias, super::PositionBias::Cascade);
    let exam: Vec<f64> = (0..l).map(|k| world.examination(k)).collect();
    let mut cache: HashMap<(u32, Vec<u32>), f64> = HashMap::new();
    let mut rows_of_user: HashMap<u32, (Vec<f64>, Vec<f64>)> = HashMap::new();
    for s in 0..log.n_slates() {
        let u = log.user[s * l];
        let (value, rel) = rows_of_user
            .entry(u)
            .or_insert_with(|| {
                let u = u as usize;
                ((0..ni).map(|a| world.expected_signal(signal, u, a)).collect(), (0..ni).map(|a| world.rel(u, a)).collect())
            })
            .clone();
        let slate: Vec<usize> = (s * l..(s + 1) * l).map(|r| log.action[r] as usize).collect();
        let mut reach = 1.0;
        for k in 0..l {
            let r = s * l + k;
            let mut placed = slate[..k].to_vec();
            placed.push(0);
            for a in 0..ni {
                if slate[..k].contains(&a) {
                    q[r * ni + a] = 0.0; // cannot be placed again
                    continue;
                }
                placed[k] = a;
                let key = (u, placed.iter().map(|&x| x as u32).collect::<Vec<_>>());
                let future = match cache.get(&key) {
                    Some(&f) => f,
                    None => {
                        let e = if cascade { Examination::Cascade(&rel) } else { Examination::PositionBased(&exam) };
                        let f = target.continuation_value(u as usize, &placed, l, e, &value)?;
                        cache.insert(key, f);
                        f
                    }
                };
                q[r * ni + a] = if cascade { reach * (value[a] + (1.0 - rel[a]) * future) } else { exam[k] * value[a] + future };
            }
            reach *= 1.0 - rel[slate[k]];
        }
    }
    Ok(())
}

/// Fill `q` with a fitted recursive model: from the last position up, the shrunken mean per item
/// at position k of rₖ + Σₐ π_e(a | a₁..ₖ) q̂ₖ₊₁(a), the logged reward plus the model's value of
/// what the target would place next (`action_dist`: π_e(a | logged prefix) per row).
fn fitted_q(log: &Log, action_dist: &[f64], q: &mut [f64]) {
    const SMOOTHING: f64 = 10.0;
    let (l, ni) = (log.len_list, log.n_actions());
    let slates = log.n_slates();
    let mut next: Vec<f64> = Vec::new(); // q̂ₖ₊₁(a), per item
    for k in (0..l).rev() {
        let (mut sum, mut count, mut total) = (vec![0.0; ni], vec![0.0; ni], 0.0);
        for s in 0..slates {
            let r = s * l + k;
            let mut y = log.reward[r];
            if k + 1 < l {
                let below = r + 1;
                y += (0..ni).map(|a| action_dist[below * ni + a] * next[a]).sum::<f64>();
            }
            let a = log.action[r] as usize;
            sum[a] += y;
            count[a] += 1.0;
            total += y;
        }
        let prior = total / slates as f64;
        let fitted: Vec<f64> = (0..ni).map(|a| (sum[a] + SMOOTHING * prior) / (count[a] + SMOOTHING)).collect();
        for s in 0..slates {
            let r = s * l + k;
            q[r * ni..(r + 1) * ni].copy_from_slice(&fitted);
        }
        next = fitted;
    }
}
