//! From a log to what other tools read: OBP's `bandit_feedback` (in memory and as JSON) and the
//! slate estimators' inputs for a ranking target policy.

use super::log::{Log, fmt_num};
use super::policy::Policy;
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
    /// The true expected reward of each item at each position given the logged prefix (a perfect
    /// reward model for Cascade-DR), flat n_slates × len_list × n_items.
    pub q_hat: Vec<f64>,
}

/// Evaluate a ranking target on a log: the arrays the slate estimators need.
pub fn slate_feedback(log: &Log, target: &Policy) -> Result<SlateTargetFeedback> {
    let (l, ni, n) = (log.len_list, log.n_actions(), log.n_rows());
    let expected = log.expected_reward(None);
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
    Ok(out)
}
