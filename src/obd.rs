//! Reading the Open Bandit Dataset's CSV format (real logs from ZOZOTOWN), with the conventions
//! of Open Bandit Pipeline 0.5.7's `OpenBanditDataset`: rows sorted by the `timestamp` string,
//! `position − 1`, `action = item_id`, `reward = click`, `pscore = propensity_score`,
//! `n_actions = max(item_id) + 1`, `len_list = max(position)`.
//!
//! Accepts the original files (a leading unnamed index column, user features, affinities) and
//! the trimmed copies shipped in `www/data/obd/`. Rows with equal timestamps keep their file order
//! (a stable sort; OBP's sort is not stable, which can only reorder rows, not change an estimate).

use crate::error::{Error, Result};
use crate::estimators::BanditData;

/// A parsed OBD log.
#[derive(Debug, Clone, PartialEq)]
pub struct ObdLog {
    /// Timestamps, sorted.
    pub timestamp: Vec<String>,
    /// Item shown (the action).
    pub action: Vec<u32>,
    /// Slot, 0-based.
    pub position: Vec<u32>,
    /// Click (0/1).
    pub reward: Vec<f64>,
    /// Logging propensity of the item at the slot.
    pub pscore: Vec<f64>,
    /// max(item_id) + 1.
    pub n_actions: usize,
    /// Number of slots.
    pub len_list: usize,
}

/// Split one CSV line (no quoted fields occur in OBD; quotes are rejected with a clear error).
fn fields(line: &str) -> Vec<&str> {
    line.split(',').map(|f| f.trim()).collect()
}

/// Parse OBD CSV text.
pub fn parse_obd_csv(text: &str) -> Result<ObdLog> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| Error::invalid("csv", "expected a header line and rows, got an empty text"))?;
    let header = fields(header.trim_start_matches('\u{feff}'));
    let col = |name: &str| -> Result<usize> {
        header.iter().position(|h| *h == name).ok_or_else(|| {
            Error::invalid("csv", format!("expected a column {name:?} in the header (OBD format: timestamp,item_id,position,click,propensity_score); found: {}", header.join(",")))
        })
    };
    let (ct, ci, cp, cc, cs) = (col("timestamp")?, col("item_id")?, col("position")?, col("click")?, col("propensity_score")?);
    let mut rows: Vec<(String, u32, u32, f64, f64)> = Vec::new();
    for (lineno, line) in lines {
        let f = fields(line);
        let at = |c: usize, what: &str| -> Result<&str> {
            f.get(c).copied().ok_or_else(|| {
                Error::invalid(
                    "csv",
                    format!("line {}: expected {} columns, got {} (missing {what})", lineno + 1, header.len(), f.len()),
                )
            })
        };
        if line.contains('"') {
            return Err(Error::invalid("csv", format!("line {}: quoted fields are not part of the OBD format", lineno + 1)));
        }
        let int = |c: usize, what: &str| -> Result<u32> {
            let s = at(c, what)?;
            s.parse::<u32>().map_err(|_| {
                Error::invalid("csv", format!("line {}: expected a non-negative integer {what}, got {s:?}", lineno + 1))
            })
        };
        let item = int(ci, "item_id")?;
        let pos = int(cp, "position")?;
        if pos == 0 {
            return Err(Error::invalid("csv", format!("line {}: positions in OBD start at 1, got 0", lineno + 1)));
        }
        let click = int(cc, "click")?;
        if click > 1 {
            return Err(Error::invalid("csv", format!("line {}: expected click 0 or 1, got {click}", lineno + 1)));
        }
        let ps = at(cs, "propensity_score")?;
        let p: f64 = ps
            .parse()
            .map_err(|_| Error::invalid("csv", format!("line {}: expected a number propensity_score, got {ps:?}", lineno + 1)))?;
        if !(p > 0.0 && p <= 1.0) {
            return Err(Error::invalid("csv", format!("line {}: expected propensity_score in (0, 1], got {p}", lineno + 1)));
        }
        rows.push((at(ct, "timestamp")?.to_string(), item, pos - 1, click as f64, p));
    }
    if rows.is_empty() {
        return Err(Error::invalid("csv", "expected at least one row after the header"));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let n_actions = rows.iter().map(|r| r.1).max().unwrap_or(0) as usize + 1;
    let len_list = rows.iter().map(|r| r.2).max().unwrap_or(0) as usize + 1;
    // Reward models and action distributions are n_actions × len_list tables (a few of them).
    crate::limits::check(
        "csv",
        &format!("item_id up to {} and position up to {len_list} (tables of n_actions × len_list)", n_actions - 1),
        n_actions as f64 * len_list as f64,
        8 * 4,
    )?;
    Ok(ObdLog {
        timestamp: rows.iter().map(|r| r.0.clone()).collect(),
        action: rows.iter().map(|r| r.1).collect(),
        position: rows.iter().map(|r| r.2).collect(),
        reward: rows.iter().map(|r| r.3).collect(),
        pscore: rows.iter().map(|r| r.4).collect(),
        n_actions,
        len_list,
    })
}

impl ObdLog {
    /// Number of rows.
    pub fn n_rounds(&self) -> usize {
        self.action.len()
    }

    /// Click-through rate (the on-policy value of the logging policy).
    pub fn ctr(&self) -> f64 {
        self.reward.iter().sum::<f64>() / self.n_rounds() as f64
    }

    /// The empirical action distribution of this log's policy at each position: the share of
    /// rows at position k that show item a, flat n_actions × len_list. For a non-contextual
    /// policy such as OBD's Bernoulli TS this estimates its time-averaged distribution.
    pub fn empirical_action_dist(&self) -> Vec<f64> {
        let (m, l) = (self.n_actions, self.len_list);
        let mut counts = vec![0.0; m * l];
        let mut per_pos = vec![0.0; l];
        for (&a, &k) in self.action.iter().zip(&self.position) {
            counts[a as usize * l + k as usize] += 1.0;
            per_pos[k as usize] += 1.0;
        }
        for a in 0..m {
            for k in 0..l {
                if per_pos[k] > 0.0 {
                    counts[a * l + k] /= per_pos[k];
                }
            }
        }
        counts
    }

    /// Estimator input for evaluating a non-contextual policy with distribution `dist`
    /// (n_actions × len_list, e.g. another log's [`ObdLog::empirical_action_dist`]) on this log,
    /// with an optional reward model of the same shape (one prediction per item and position).
    pub fn bandit_data(&self, dist: &[f64], reward_model: Option<&[f64]>) -> Result<BanditData> {
        self.check_policy(dist, reward_model)?;
        let n = self.n_rounds();
        Ok(BanditData {
            reward: self.reward.clone(),
            action: self.action.clone(),
            pscore: self.pscore.clone(),
            position: Some(self.position.clone()),
            action_dist: (0..n).flat_map(|_| dist.iter().copied()).collect(),
            estimated_rewards_by_reg_model: reward_model.map(|q| (0..n).flat_map(|_| q.iter().copied()).collect()),
            pi_b: None,
            n_actions: self.n_actions,
            len_list: self.len_list,
        })
    }

    /// Check a non-contextual distribution (n_actions × len_list) and an optional reward model of
    /// the same shape.
    fn check_policy(&self, dist: &[f64], reward_model: Option<&[f64]>) -> Result<()> {
        let (m, l) = (self.n_actions, self.len_list);
        if dist.len() != m * l {
            return Err(Error::invalid("dist", format!("expected nActions × lenList = {} values, got {}", m * l, dist.len())));
        }
        if let Some((i, x)) = dist.iter().enumerate().find(|(_, x)| !(0.0..=1.0).contains(*x)) {
            return Err(Error::invalid("dist", format!("expected probabilities in [0, 1], got {x} at index {i}")));
        }
        for k in 0..l {
            let s: f64 = (0..m).map(|a| dist[a * l + k]).sum();
            if (s - 1.0).abs() > crate::estimators::input::SUM_TOLERANCE {
                return Err(Error::invalid(
                    "dist",
                    format!("expected the probabilities at each position to sum to 1, got {s} at position {k}"),
                ));
            }
        }
        if let Some(q) = reward_model {
            if q.len() != m * l {
                return Err(Error::invalid(
                    "rewardModel",
                    format!("expected nActions × lenList = {} values, got {}", m * l, q.len()),
                ));
            }
            if let Some((i, x)) = q.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                return Err(Error::invalid("rewardModel", format!("expected finite numbers, got {x} at index {i}")));
            }
        }
        Ok(())
    }

    /// Per-round terms of a standard estimator for a non-contextual target `dist` and reward model
    /// (both n_actions × len_list): O(n), without materializing n × n_actions × len_list arrays.
    pub fn terms(
        &self,
        kernel: crate::estimators::Kernel,
        dist: &[f64],
        reward_model: Option<&[f64]>,
    ) -> Result<Vec<crate::estimators::RoundTerms>> {
        kernel.validate()?;
        self.check_policy(dist, reward_model)?;
        if kernel.needs_reward_model() && reward_model.is_none() {
            return Err(Error::invalid(
                "rewardModel",
                format!("the `{}` estimator needs a reward model (one prediction per item and position)", kernel.name()),
            ));
        }
        let (m, l) = (self.n_actions, self.len_list);
        let q = reward_model.unwrap_or(&[]);
        let dm: Vec<f64> = (0..l)
            .map(|k| {
                if q.is_empty() {
                    return 0.0;
                }
                let (num, den) = (0..m).fold((0.0, 0.0), |(n, d), a| (n + dist[a * l + k] * q[a * l + k], d + dist[a * l + k]));
                num / den
            })
            .collect();
        Ok((0..self.n_rounds())
            .map(|i| {
                let j = self.action[i] as usize * l + self.position[i] as usize;
                let ql = if q.is_empty() { 0.0 } else { q[j] };
                kernel.round_terms(self.reward[i], self.pscore[i], dist[j], ql, dm[self.position[i] as usize])
            })
            .collect())
    }

    /// Smoothed click rate of each item at each position in this log (a tabular reward model),
    /// flat n_actions × len_list: (clicks + κ·CTR_k) / (shows + κ).
    pub fn tabular_reward_model(&self, smoothing: f64) -> Vec<f64> {
        let (m, l) = (self.n_actions, self.len_list);
        let (mut clicks, mut shows) = (vec![0.0; m * l], vec![0.0; m * l]);
        let (mut pc, mut ps) = (vec![0.0; l], vec![0.0; l]);
        for i in 0..self.n_rounds() {
            let j = self.action[i] as usize * l + self.position[i] as usize;
            clicks[j] += self.reward[i];
            shows[j] += 1.0;
            pc[self.position[i] as usize] += self.reward[i];
            ps[self.position[i] as usize] += 1.0;
        }
        (0..m * l)
            .map(|j| {
                let k = j % l;
                let prior = if ps[k] > 0.0 { pc[k] / ps[k] } else { 0.0 };
                (clicks[j] + smoothing * prior) / (shows[j] + smoothing).max(1e-300)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sorts_and_validates() {
        let csv =
            "timestamp,item_id,position,click,propensity_score\n2019-11-24 00:00:02,3,2,1,0.5\n2019-11-24 00:00:01,1,1,0,0.25\n";
        let log = parse_obd_csv(csv).unwrap();
        assert_eq!(log.action, vec![1, 3]);
        assert_eq!(log.position, vec![0, 1]);
        assert_eq!(log.n_actions, 4);
        assert_eq!(log.len_list, 2);
        assert_eq!(log.ctr(), 0.5);
        let bad = "timestamp,item_id,position,click,propensity_score\nx,1,1,0,0\n";
        assert!(parse_obd_csv(bad).unwrap_err().to_string().contains("line 2"));
        assert!(parse_obd_csv("a,b\n1,2\n").unwrap_err().to_string().contains("\"timestamp\""));
    }
}
