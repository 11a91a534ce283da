//! Slate (ranking) estimators: OBP 0.5.7's SIPS, IIPS, RIPS, their self-normalized versions and
//! Cascade-DR, plus the pseudoinverse estimator of Swaminathan et al. (2017), which OBP lacks.
//!
//! Input is slot-level, as in OBP: one row per (slate, position) with the slot's reward and the
//! behaviour/evaluation propensities the estimator needs. The estimate is the sum of the slot-level
//! values divided by the number of slates, so it estimates the expected *total* reward of a slate.
//!
//! | name | weight of slot k of slate s | propensities used |
//! |---|---|---|
//! | `sips` | π_e(s)/π_b(s), the whole slate | `pscore`, `evaluation_policy_pscore` |
//! | `iips` | π_e(aₖ at k)/π_b(aₖ at k), the item at its position | `pscore_item_position`, … |
//! | `rips` | π_e(a₁..ₖ)/π_b(a₁..ₖ), the prefix down to k (cascade) | `pscore_cascade`, … |
//!
//! `snsips` divides by the mean weight over all slots; `sniips` and `snrips` by the mean weight
//! of the slots at the same position. References: Li et al., *Offline Evaluation of Ranking
//! Policies with Click Models*, KDD 2018 (IIPS); McInerney et al., *Counterfactual Evaluation of
//! Slate Recommendations with Sequential Reward Interactions*, KDD 2020 (RIPS); Kiyohara et al.,
//! *Doubly Robust Off-Policy Evaluation for Ranking Policies under the Cascade Behavior Model*,
//! WSDM 2022 (Cascade-DR); Swaminathan et al., *Off-policy evaluation for slate recommendation*,
//! NeurIPS 2017 (pseudoinverse).

use super::input::{SUM_TOLERANCE, all_finite, all_probabilities, all_propensities, check_indices, check_pscore};
use super::interval::{BootstrapOptions, Interval, bootstrap_units, normal_from};
use crate::error::{Error, Result};
use crate::stats;

/// Slot-level slate feedback before validation. Only the arrays the chosen estimator needs must
/// be present.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlateFeedbackParts<'a> {
    /// Slate of each slot (any non-negative integers; slots of a slate share the id).
    pub slate_id: &'a [u32],
    /// Position of each slot in `0..len_list`.
    pub position: &'a [u32],
    /// Slot-level reward.
    pub reward: &'a [f64],
    /// Slate length.
    pub len_list: usize,
    /// Behaviour probability of the whole slate (repeated on each slot).
    pub pscore: Option<&'a [f64]>,
    /// Evaluation probability of the whole slate.
    pub evaluation_policy_pscore: Option<&'a [f64]>,
    /// Behaviour probability of the slot's item at the slot's position (marginal).
    pub pscore_item_position: Option<&'a [f64]>,
    /// Evaluation probability of the slot's item at the slot's position.
    pub evaluation_policy_pscore_item_position: Option<&'a [f64]>,
    /// Behaviour probability of the slate's prefix down to this slot.
    pub pscore_cascade: Option<&'a [f64]>,
    /// Evaluation probability of the prefix down to this slot.
    pub evaluation_policy_pscore_cascade: Option<&'a [f64]>,
    /// Item of each slot, in `0..n_unique_action` (Cascade-DR, pseudoinverse).
    pub action: Option<&'a [u32]>,
    /// Number of distinct items.
    pub n_unique_action: Option<usize>,
    /// Reward model per (slate, position, item), flat `n_slates × len_list × n_unique_action`
    /// (Cascade-DR): q̂ₖ(x, a₁..ₖ₋₁, a).
    pub q_hat: Option<&'a [f64]>,
    /// Evaluation policy's probability of each item at each position *given the logged prefix*,
    /// flat `n_slates × len_list × n_unique_action` (Cascade-DR).
    pub evaluation_policy_action_dist: Option<&'a [f64]>,
    /// Evaluation policy's *marginal* probability of each item at each position, flat
    /// `n_slates × len_list × n_unique_action` (pseudoinverse).
    pub evaluation_policy_item_position_dist: Option<&'a [f64]>,
}

/// The slate estimators, by OBP name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlateEstimator {
    /// Standard slate IPS (`sips`).
    Sips,
    /// Independent IPS (`iips`).
    Iips,
    /// Reward-interaction IPS (`rips`).
    Rips,
    /// Self-normalized SIPS (`snsips`).
    SnSips,
    /// Self-normalized IIPS (`sniips`).
    SnIips,
    /// Self-normalized RIPS (`snrips`).
    SnRips,
    /// Cascade doubly robust (`cascade-dr`).
    CascadeDr,
    /// Pseudoinverse (`pi`), for a uniform-without-replacement logger.
    Pi,
}

/// Every slate estimator name.
pub const SLATE_ESTIMATORS: [&str; 8] = ["sips", "iips", "rips", "snsips", "sniips", "snrips", "cascade-dr", "pi"];

impl SlateEstimator {
    /// Parse OBP's name.
    pub fn by_name(name: &str) -> Result<Self> {
        Ok(match name {
            "sips" => SlateEstimator::Sips,
            "iips" => SlateEstimator::Iips,
            "rips" => SlateEstimator::Rips,
            "snsips" => SlateEstimator::SnSips,
            "sniips" => SlateEstimator::SnIips,
            "snrips" => SlateEstimator::SnRips,
            "cascade-dr" => SlateEstimator::CascadeDr,
            "pi" => SlateEstimator::Pi,
            _ => {
                return Err(Error::invalid(
                    "estimatorName",
                    format!("unknown slate estimator {name:?}; expected one of {}", SLATE_ESTIMATORS.join(", ")),
                ));
            }
        })
    }

    /// OBP's name.
    pub fn name(&self) -> &'static str {
        match self {
            SlateEstimator::Sips => "sips",
            SlateEstimator::Iips => "iips",
            SlateEstimator::Rips => "rips",
            SlateEstimator::SnSips => "snsips",
            SlateEstimator::SnIips => "sniips",
            SlateEstimator::SnRips => "snrips",
            SlateEstimator::CascadeDr => "cascade-dr",
            SlateEstimator::Pi => "pi",
        }
    }

    /// The number arrays of the input this estimator reads besides `reward` (JS names): the others
    /// are ignored, as in OBP (the JS binding does not copy them into Wasm memory).
    pub fn reads(&self) -> &'static [&'static str] {
        match self {
            SlateEstimator::Sips | SlateEstimator::SnSips => &["pscore", "evaluationPolicyPscore"],
            SlateEstimator::Iips | SlateEstimator::SnIips => &["pscoreItemPosition", "evaluationPolicyPscoreItemPosition"],
            SlateEstimator::Rips | SlateEstimator::SnRips => &["pscoreCascade", "evaluationPolicyPscoreCascade"],
            SlateEstimator::CascadeDr => {
                &["pscoreCascade", "evaluationPolicyPscoreCascade", "qHat", "evaluationPolicyActionDist"]
            }
            SlateEstimator::Pi => &["pscore", "evaluationPolicyItemPositionDist"],
        }
    }

    /// The (behaviour, evaluation) propensity arrays and their JS names.
    fn pscores<'a>(&self, p: &SlateFeedbackParts<'a>) -> Result<(&'a [f64], &'a [f64])> {
        let (b, e, bn, en) = match self {
            SlateEstimator::Sips | SlateEstimator::SnSips | SlateEstimator::Pi => {
                (p.pscore, p.evaluation_policy_pscore, "pscore", "evaluationPolicyPscore")
            }
            SlateEstimator::Iips | SlateEstimator::SnIips => (
                p.pscore_item_position,
                p.evaluation_policy_pscore_item_position,
                "pscoreItemPosition",
                "evaluationPolicyPscoreItemPosition",
            ),
            _ => (p.pscore_cascade, p.evaluation_policy_pscore_cascade, "pscoreCascade", "evaluationPolicyPscoreCascade"),
        };
        let need = |x: Option<&'a [f64]>, name: &str| {
            x.ok_or_else(|| Error::invalid(name, format!("the `{}` estimator needs `{name}` (one value per slot)", self.name())))
        };
        if *self == SlateEstimator::Pi {
            // PI does not use the evaluation policy's whole-slate probability.
            return Ok((need(b, bn)?, &[]));
        }
        Ok((need(b, bn)?, need(e, en)?))
    }
}

/// How much a prefix probability may exceed the one before it in its slate (rounding), in
/// relative terms: more is an increase, which prefix probabilities cannot have.
const PREFIX_TOLERANCE: f64 = 1.0 + 1e-12;

/// Validated slot-level input with its slates grouped.
struct Slates<'a> {
    parts: SlateFeedbackParts<'a>,
    groups: Groups,
}

/// The slots of each slate, slates in first-appearance order of their ids, each slate's slots in
/// log order: slate g's are `slots[start[g]..start[g + 1]]` (one allocation, not one per slate).
#[derive(Debug, Clone)]
struct Groups {
    start: Vec<usize>,
    slots: Vec<usize>,
}

impl Groups {
    fn len(&self) -> usize {
        self.start.len() - 1
    }

    fn iter(&self) -> impl Iterator<Item = &[usize]> {
        self.start.windows(2).map(|w| &self.slots[w[0]..w[1]])
    }

    /// Group the slots of `slate_id`; the error names the first slot (in log order) whose position
    /// its slate already has.
    fn of(slate_id: &[u32], position: &[u32], len_list: usize) -> Result<Groups> {
        let duplicate = |s: u32, i: usize| {
            Error::invalid(
                "position",
                format!(
                    "expected distinct positions within a slate, but slate {s} has position {} twice (index {i})",
                    position[i]
                ),
            )
        };
        // The usual layout, slate after slate (ids never decreasing): each run of equal ids is a
        // slate, and the slots are the log's own order.
        if slate_id.windows(2).all(|w| w[0] <= w[1]) {
            let mut start = vec![0];
            let mut seen = vec![false; len_list];
            for (i, (&s, &k)) in slate_id.iter().zip(position).enumerate() {
                if i > 0 && s != slate_id[i - 1] {
                    // forget the positions of the slate before (only its own: linear in the log)
                    let last = start[start.len() - 1];
                    position[last..i].iter().for_each(|&k| seen[k as usize] = false);
                    start.push(i);
                }
                // positions are checked to be below len_list before grouping
                if std::mem::replace(&mut seen[k as usize], true) {
                    return Err(duplicate(s, i));
                }
            }
            start.push(slate_id.len());
            return Ok(Groups { start, slots: (0..slate_id.len()).collect() });
        }
        let mut index = std::collections::HashMap::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, &s) in slate_id.iter().enumerate() {
            let g = *index.entry(s).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            if groups[g].iter().any(|&j| position[j] == position[i]) {
                return Err(duplicate(s, i));
            }
            groups[g].push(i);
        }
        let mut start = Vec::with_capacity(groups.len() + 1);
        start.push(0);
        for g in &groups {
            start.push(start[start.len() - 1] + g.len());
        }
        Ok(Groups { start, slots: groups.concat() })
    }
}

fn check_len(name: &str, xs: &[f64], n: usize) -> Result<()> {
    if xs.len() != n {
        return Err(Error::invalid(name, format!("expected one value per slot ({n}, like `reward`), got {}", xs.len())));
    }
    Ok(())
}

fn check_finite(name: &str, xs: &[f64]) -> Result<()> {
    if let Some((i, x)) = xs.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(Error::invalid(name, format!("expected finite numbers, got {x} at index {i}")));
    }
    Ok(())
}

fn check_probability(name: &str, xs: &[f64]) -> Result<()> {
    if let Some((i, x)) = xs.iter().enumerate().find(|(_, x)| !(0.0..=1.0).contains(*x)) {
        return Err(Error::invalid(name, format!("expected probabilities in [0, 1], got {x} at index {i}")));
    }
    Ok(())
}

impl<'a> Slates<'a> {
    fn new(est: SlateEstimator, p: SlateFeedbackParts<'a>) -> Result<Self> {
        let n = p.reward.len();
        if n == 0 {
            return Err(Error::invalid("reward", "expected at least one slot, got an empty array"));
        }
        if p.len_list == 0 {
            return Err(Error::invalid("lenList", "expected a positive integer, got 0"));
        }
        if p.len_list > n {
            // Per-position tables are allocated by lenList; a list longer than the whole log
            // cannot be meant (and 10⁹ positions would exhaust the memory).
            return Err(Error::invalid("lenList", format!("expected at most the number of slots ({n}), got {}", p.len_list)));
        }
        if p.slate_id.len() != n {
            return Err(Error::invalid(
                "slateId",
                format!("expected one value per slot ({n}, like `reward`), got {}", p.slate_id.len()),
            ));
        }
        if p.position.len() != n {
            return Err(Error::invalid(
                "position",
                format!("expected one value per slot ({n}, like `reward`), got {}", p.position.len()),
            ));
        }
        check_finite("reward", p.reward)?;
        check_indices("position", p.position, p.len_list, "lenList")?;
        let (b, e) = est.pscores(&p)?;
        let (bn, en) = match est {
            SlateEstimator::Sips | SlateEstimator::SnSips | SlateEstimator::Pi => ("pscore", "evaluationPolicyPscore"),
            SlateEstimator::Iips | SlateEstimator::SnIips => ("pscoreItemPosition", "evaluationPolicyPscoreItemPosition"),
            _ => ("pscoreCascade", "evaluationPolicyPscoreCascade"),
        };
        check_len(bn, b, n)?;
        check_pscore(bn, b)?;
        if est != SlateEstimator::Pi {
            check_len(en, e, n)?;
            check_probability(en, e)?;
        }

        // Group slots by slate and check positions are distinct within a slate.
        let groups = Groups::of(p.slate_id, p.position, p.len_list)?;
        let mut sorted = Vec::new();
        for g in groups.iter() {
            let s = p.slate_id[g[0]];
            match est {
                SlateEstimator::Sips | SlateEstimator::SnSips | SlateEstimator::Pi => {
                    for (arr, name) in [(b, bn), (e, en)] {
                        if !arr.is_empty() && g.iter().any(|&j| arr[j] != arr[g[0]]) {
                            return Err(Error::invalid(
                                name,
                                format!(
                                    "expected the same whole-slate probability on every slot of a slate, but slate {s} has different values"
                                ),
                            ));
                        }
                    }
                }
                SlateEstimator::Rips | SlateEstimator::SnRips | SlateEstimator::CascadeDr => {
                    sorted.clear();
                    sorted.extend_from_slice(g);
                    if !sorted.windows(2).all(|w| p.position[w[0]] < p.position[w[1]]) {
                        // by position (distinct within a slate): the crate's one sorting routine
                        let key: Vec<f64> = g.iter().map(|&j| -f64::from(p.position[j])).collect();
                        sorted.clear();
                        sorted.extend(crate::stats::order_desc(&key).into_iter().map(|i| g[i]));
                    }
                    for (arr, name) in [(b, bn), (e, en)] {
                        if sorted.windows(2).any(|w| arr[w[1]] > arr[w[0]] * PREFIX_TOLERANCE) {
                            return Err(Error::invalid(
                                name,
                                format!(
                                    "expected prefix probabilities that do not increase down a slate, but slate {s} has an increase"
                                ),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        if matches!(est, SlateEstimator::CascadeDr | SlateEstimator::Pi) {
            // These read each slate as a block of len_list consecutive slots in position order.
            for (gi, g) in groups.iter().enumerate() {
                let ok = g.len() == p.len_list
                    && g.iter().enumerate().all(|(k, &j)| j == gi * p.len_list + k && p.position[j] as usize == k);
                if !ok {
                    return Err(Error::invalid(
                        "slateId",
                        format!(
                            "the `{}` estimator expects slots ordered slate by slate, each slate complete with positions 0..{} in order; slate {} (the {}-th) is not",
                            est.name(),
                            p.len_list,
                            p.slate_id[g[0]],
                            gi + 1
                        ),
                    ));
                }
            }
        }
        Ok(Slates { parts: p, groups })
    }

    fn n_slates(&self) -> usize {
        self.groups.len()
    }

    fn needs_items(&self, est: SlateEstimator) -> Result<(&'a [u32], usize)> {
        let m = self.parts.n_unique_action.ok_or_else(|| {
            Error::invalid("nUniqueAction", format!("the `{}` estimator needs the number of distinct items", est.name()))
        })?;
        if m == 0 {
            return Err(Error::invalid("nUniqueAction", "expected a positive integer, got 0"));
        }
        let a = self
            .parts
            .action
            .ok_or_else(|| Error::invalid("action", format!("the `{}` estimator needs the item of each slot", est.name())))?;
        if a.len() != self.parts.reward.len() {
            return Err(Error::invalid(
                "action",
                format!("expected one item per slot ({}), got {}", self.parts.reward.len(), a.len()),
            ));
        }
        check_indices("action", a, m, "nUniqueAction")?;
        Ok((a, m))
    }

    fn dist(&self, est: SlateEstimator, name: &str, x: Option<&'a [f64]>, m: usize, must_sum: bool) -> Result<&'a [f64]> {
        let x = x.ok_or_else(|| {
            Error::invalid(
                name,
                format!("the `{}` estimator needs `{name}`: a flat n_slates × lenList × nUniqueAction array", est.name()),
            )
        })?;
        let Some(want) = self.n_slates().checked_mul(self.parts.len_list).and_then(|c| c.checked_mul(m)) else {
            return Err(Error::invalid(
                name,
                format!("n_slates × lenList × nUniqueAction ({m}) values are more than any array can hold"),
            ));
        };
        if x.len() != want {
            return Err(Error::invalid(
                name,
                format!(
                    "expected length {want} (n_slates {} × lenList {} × nUniqueAction {m}), got {}",
                    self.n_slates(),
                    self.parts.len_list,
                    x.len()
                ),
            ));
        }
        check_finite(name, x)?;
        if must_sum {
            check_probability(name, x)?;
            for (row, chunk) in x.chunks(m).enumerate() {
                let s: f64 = chunk.iter().sum();
                if (s - 1.0).abs() > SUM_TOLERANCE {
                    return Err(Error::invalid(
                        name,
                        format!(
                            "expected each (slate, position) row to sum to 1, got {s} at slate {}, position {}",
                            row / self.parts.len_list,
                            row % self.parts.len_list
                        ),
                    ));
                }
            }
        }
        Ok(x)
    }
}

/// Per-slate terms: the estimate is `mean(a) + Σ_g mean(u_g)·mean(c_g)/mean(d_g)` over slates,
/// where g runs over the normalization groups (none, one global group, or one per position).
struct GroupedTerms {
    n_groups: usize,
    a: Vec<f64>,
    /// `[u, d, c]` per slate and group, flat.
    ucd: Vec<[f64; 3]>,
}

impl GroupedTerms {
    fn estimate_on(&self, slates: impl Iterator<Item = usize> + Clone, n: usize) -> f64 {
        let mut value = slates.clone().map(|s| self.a[s]).sum::<f64>();
        for g in 0..self.n_groups {
            let (mut u, mut d, mut c) = (0.0, 0.0, 0.0);
            for s in slates.clone() {
                let t = self.ucd[s * self.n_groups + g];
                u += t[0];
                d += t[1];
                c += t[2];
            }
            if c > 0.0 {
                value += u * c / d;
            }
        }
        value / n as f64
    }

    fn estimate(&self) -> f64 {
        self.estimate_on(0..self.a.len(), self.a.len())
    }

    fn standard_error(&self) -> f64 {
        let n = self.a.len();
        let nf = n as f64;
        let mut psi = self.a.clone();
        for g in 0..self.n_groups {
            let (mut u, mut d, mut c) = (0.0, 0.0, 0.0);
            for s in 0..n {
                let t = self.ucd[s * self.n_groups + g];
                u += t[0] / nf;
                d += t[1] / nf;
                c += t[2] / nf;
            }
            if c == 0.0 {
                continue;
            }
            for (s, p) in psi.iter_mut().enumerate() {
                let t = self.ucd[s * self.n_groups + g];
                *p += c / d * (t[0] - u) + u / d * (t[2] - c) - u * c / (d * d) * (t[1] - d);
            }
        }
        stats::std_dev(&psi) / nf.sqrt()
    }
}

/// The estimate of `est` on `parts`: the value of [`PreparedSlateEstimate::new`], bit for bit,
/// with the same error for a bad input. SIPS, IIPS, RIPS and their self-normalized versions on a
/// log laid out slate after slate (ids never decreasing, positions increasing within a slate: the
/// usual layout) are checked and summed block by block, a few passes over each block while it is
/// in cache, with no allocation that grows with the log: the sums are those of the general path,
/// in its order. Anything else, and any input that fails a check, goes the general way (which
/// names the defect).
pub fn slate_value_checked(est: SlateEstimator, parts: SlateFeedbackParts<'_>) -> Result<f64> {
    match fused_value(est, &parts) {
        Some(v) => Ok(v),
        None => Ok(PreparedSlateEstimate::new(est, parts)?.value()),
    }
}

/// Slots per block of [`slate_value_checked`] (and of the JS binding's copies): slate id, position,
/// reward and two propensities are 32 bytes a slot, 256 KB a block.
pub const SLATE_BLOCK: usize = 8192;

/// [`slate_value_checked`]'s blocks; `None` when it does not apply or a check fails.
fn fused_value(est: SlateEstimator, p: &SlateFeedbackParts<'_>) -> Option<f64> {
    let (n, l) = (p.reward.len(), p.len_list);
    if n == 0 || p.slate_id.len() != n || p.position.len() != n {
        return None;
    }
    let mut sums = CheckedSlateSums::new(est, l, n)?; // None for lenList 0 or above n
    let (b, e) = est.pscores(p).ok()?;
    if b.len() != n || e.len() != n {
        return None;
    }
    for a in (0..n).step_by(SLATE_BLOCK) {
        let z = (a + SLATE_BLOCK).min(n);
        if !sums.add(&p.slate_id[a..z], &p.position[a..z], &p.reward[a..z], &b[a..z], &e[a..z]) {
            return None;
        }
    }
    sums.finish()
}

/// SIPS, IIPS, RIPS or a self-normalized one of them, summed over slots given block by block in
/// log order: slate after slate, each slate's slots in position order (slate ids never
/// decreasing, positions increasing within a slate: OBP's layout; a slate may straddle two
/// blocks). Each slot is checked as [`PreparedSlateEstimate::new`] checks a whole input, and the
/// sums are its sums in its order, so [`Self::finish`] gives its value bit for bit. A slot that
/// fails a check, or another layout, makes [`Self::add`] return `false`: the caller then goes the
/// general way, which names the problem or handles the layout. After `false` the sums are
/// meaningless.
///
/// A block is checked in two branch-free passes (the values, then the layout: Wasm SIMD, two to
/// four slots a step), then summed in a third with the running sums in locals: issue 16 asks a
/// one-shot call to cost at most twice a copy of its input.
#[derive(Debug, Clone)]
pub struct CheckedSlateSums {
    est: SlateEstimator,
    len_list: usize,
    /// 1 (SNSIPS), lenList (SNIIPS, SNRIPS: a group per position) or 0 (the others)
    n_groups: usize,
    /// Σ over closed slates of their total (what `Iterator::sum` gives, from its own zero)
    total: f64,
    /// (Σ r·w, Σ w, count) per group, over closed slates
    ucd: Vec<[f64; 3]>,
    n_slates: usize,
    open: Option<OpenSlate>,
    /// the slots the log has (given to [`Self::new`]) and those added so far
    n_slots: usize,
    added: usize,
}

/// The slate in progress: its id, its sums so far, and its last slot's position and propensities
/// (positions must increase; SIPS: the propensities may not change, RIPS: they may not increase).
#[derive(Debug, Clone, Copy)]
struct OpenSlate {
    id: u32,
    a: f64,
    ucd: [f64; 3],
    last: (u32, f64, f64),
}

impl OpenSlate {
    /// Add this slate, now closed, to the running sums: its total to `total` (0 for the
    /// self-normalized estimators, `sn`, whose value is in the group sums) and, for SNSIPS
    /// (`one_group`), its sums to that group's.
    #[inline(always)]
    fn close_into(&self, sn: bool, one_group: bool, total: &mut f64, group: &mut [f64; 3]) {
        *total += if sn { 0.0 } else { self.a };
        if one_group {
            for (u, t) in group.iter_mut().zip(self.ucd) {
                *u += t;
            }
        }
    }
}

impl CheckedSlateSums {
    /// Empty sums for a log of `n_slots` slots; `None` for the estimators this does not compute
    /// (Cascade-DR, PI), for lenList 0 and for a lenList above `n_slots` (the general path refuses
    /// it; the self-normalized sums hold a table of lenList entries).
    pub fn new(est: SlateEstimator, len_list: usize, n_slots: usize) -> Option<Self> {
        use SlateEstimator::*;
        let n_groups = match est {
            CascadeDr | Pi => return None,
            _ if len_list == 0 || len_list > n_slots => return None,
            // three sums per position, within the limits
            _ if crate::limits::check("lenList", "a slate table", len_list as f64, 24).is_err() => return None,
            SnSips => 1,
            SnIips | SnRips => len_list,
            Sips | Iips | Rips => 0,
        };
        Some(CheckedSlateSums {
            est,
            len_list,
            n_groups,
            total: std::iter::empty::<f64>().sum::<f64>(),
            ucd: vec![[0.0; 3]; n_groups],
            n_slates: 0,
            open: None,
            n_slots,
            added: 0,
        })
    }

    /// Check the next slots (slate id, position, reward, and the estimator's behaviour and
    /// target propensities, one value each per slot) and add them. `false` if one fails a check,
    /// or if the slots are not laid out as this handles (a valid log with positions out of order
    /// within a slate, or slates not in id order: the general path takes those).
    pub fn add(&mut self, ids: &[u32], pos: &[u32], r: &[f64], b: &[f64], e: &[f64]) -> bool {
        use SlateEstimator::*;
        let m = ids.len();
        if pos.len() != m || r.len() != m || b.len() != m || e.len() != m {
            return false;
        }
        if m == 0 {
            return true;
        }
        self.added += m;
        if !(all_finite(r) & all_propensities(b) & all_probabilities(e)) {
            return false;
        }
        // one loop per estimator, each without a branch on the estimator inside
        match self.est {
            Sips => self.add_as::<WHOLE_SLATE, false>(ids, pos, r, b, e),
            SnSips => self.add_as::<WHOLE_SLATE, true>(ids, pos, r, b, e),
            Iips => self.add_as::<EACH_SLOT, false>(ids, pos, r, b, e),
            SnIips => self.add_as::<EACH_SLOT, true>(ids, pos, r, b, e),
            Rips => self.add_as::<PREFIX, false>(ids, pos, r, b, e),
            SnRips => self.add_as::<PREFIX, true>(ids, pos, r, b, e),
            CascadeDr | Pi => false,
        }
    }

    /// [`Self::add`] after the values' checks, for one estimator: `KIND` says which propensities
    /// it reads (the whole slate's, each slot's, or the prefix's), `SN` whether it is
    /// self-normalized.
    #[inline(always)]
    fn add_as<const KIND: u8, const SN: bool>(&mut self, ids: &[u32], pos: &[u32], r: &[f64], b: &[f64], e: &[f64]) -> bool {
        let l = self.len_list;
        if !(layout_ok::<KIND>(ids, pos, b, e, l)
            && self.open.is_none_or(|s| follows::<KIND>((s.id, s.last.0, s.last.1, s.last.2), (ids[0], pos[0], b[0], e[0]))))
        {
            return false;
        }
        // the sums, in the general path's order, in locals (a slate that starts a log is open
        // from its first slot; each slate is counted when it closes)
        let zero = std::iter::empty::<f64>().sum::<f64>();
        let mut cur = self.open.unwrap_or(OpenSlate { id: ids[0], a: zero, ucd: [0.0; 3], last: (0, 0.0, 0.0) });
        let (mut total, mut n_slates, mut group) = (self.total, self.n_slates, self.ucd.first().copied().unwrap_or_default());
        let slots = ids.iter().zip(pos).zip(r.iter().zip(b).zip(e));
        for ((&id, &k), ((&ri, &bi), &ei)) in slots {
            if id != cur.id {
                cur.close_into(SN, SN && KIND == WHOLE_SLATE, &mut total, &mut group);
                n_slates += 1;
                cur = OpenSlate { id, a: zero, ucd: [0.0; 3], last: (0, 0.0, 0.0) };
            }
            if !SN {
                cur.a += ri * ei / bi;
            } else if KIND == WHOLE_SLATE {
                let w = ei / bi;
                cur.ucd[0] += ri * w;
                cur.ucd[1] += w;
                cur.ucd[2] += 1.0;
            } else if let Some(t) = self.ucd.get_mut(k as usize) {
                // one slot per position and slate: the slate's sums are 0 + its one term,
                // added to its position's group (a slate without that position adds 0)
                let w = ei / bi;
                t[0] += 0.0 + ri * w;
                t[1] += 0.0 + w;
                t[2] += 1.0;
            }
        }
        let last = ids.len() - 1;
        cur.last = (pos[last], b[last], e[last]);
        (self.open, self.total, self.n_slates) = (Some(cur), total, n_slates);
        if SN && KIND == WHOLE_SLATE {
            self.ucd[0] = group;
        }
        true
    }

    /// The estimate: Σ slot values / number of slates. `None` if the slots added are not the
    /// `n_slots` of [`Self::new`] (lenList is checked against those), or where the general path's
    /// table of slates × groups would exceed the memory limits (it refuses such a log).
    pub fn finish(mut self) -> Option<f64> {
        let s = self.open.take()?;
        let n_slates = self.n_slates + 1;
        let table = || crate::limits::check("lenList", "per-position sums", n_slates as f64 * self.n_groups as f64, 24);
        if self.added != self.n_slots || (self.n_groups > 0 && table().is_err()) {
            return None;
        }
        // the last slate closes
        let one_group = self.est == SlateEstimator::SnSips;
        let mut none = [0.0; 3];
        let group = if one_group { &mut self.ucd[0] } else { &mut none };
        s.close_into(self.n_groups > 0, one_group, &mut self.total, group);
        let mut total = self.total;
        for [u, d, c] in self.ucd {
            if c > 0.0 {
                total += u * c / d;
            }
        }
        Some(total / n_slates as f64)
    }
}

/// Whether slot `(id, k, b, e)` may follow slot `(id0, k0, b0, e0)` in a log laid out slate after
/// slate: (slate id, position) increases; within a slate, SIPS's propensities are the same and
/// RIPS's do not increase.
#[inline(always)]
fn follows<const KIND: u8>((id0, k0, b0, e0): (u32, u32, f64, f64), (id, k, b, e): (u32, u32, f64, f64)) -> bool {
    let same = id == id0;
    let mut ok = ((id0 as u64) << 32 | k0 as u64) < ((id as u64) << 32 | k as u64);
    if KIND == WHOLE_SLATE {
        ok &= !same | ((b == b0) & (e == e0));
    }
    if KIND == PREFIX {
        ok &= !same | ((b <= b0 * PREFIX_TOLERANCE) & (e <= e0 * PREFIX_TOLERANCE));
    }
    ok
}

/// Whether a block's slots follow one another ([`follows`]) and every position is below `l`.
/// The same test with Wasm SIMD below: four slots a step.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn layout_ok<const KIND: u8>(ids: &[u32], pos: &[u32], b: &[f64], e: &[f64], l: usize) -> bool {
    let below = pos.iter().fold(true, |all, &k| all & ((k as usize) < l));
    let pairs = ids.windows(2).zip(pos.windows(2)).zip(b.windows(2).zip(e.windows(2)));
    pairs.fold(below, |all, ((i, k), (b, e))| all & follows::<KIND>((i[0], k[0], b[0], e[0]), (i[1], k[1], b[1], e[1])))
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn layout_ok<const KIND: u8>(ids: &[u32], pos: &[u32], b: &[f64], e: &[f64], l: usize) -> bool {
    use core::arch::wasm32::*;
    let m = ids.len();
    if m == 0 || pos.len() != m || b.len() != m || e.len() != m {
        return m == 0;
    }
    // every position below l (l ≤ the log's length, below 2³²)
    let (lanes, mut ok32, mut ok64) =
        (u32x4_splat(l.min(u32::MAX as usize) as u32), u32x4_splat(u32::MAX), u64x2_splat(u64::MAX));
    let tolerance = f64x2_splat(PREFIX_TOLERANCE);
    let mut i = 1;
    while i + 4 <= m {
        // SAFETY: the loads read slots i − 1 to i + 3, all below m (Wasm loads need no alignment)
        let load = |p: *const u32| unsafe { v128_load(p.cast::<v128>()) };
        let (id, id0) = (load(ids[i..].as_ptr()), load(ids[i - 1..].as_ptr()));
        let (k, k0) = (load(pos[i..].as_ptr()), load(pos[i - 1..].as_ptr()));
        let same = i32x4_eq(id, id0);
        let ordered = v128_or(u32x4_gt(id, id0), v128_and(same, u32x4_gt(k, k0)));
        ok32 = v128_and(ok32, v128_and(ordered, u32x4_lt(k, lanes)));
        if KIND != EACH_SLOT {
            for (j, same) in [(0, i64x2_extend_low_i32x4(same)), (2, i64x2_extend_high_i32x4(same))] {
                // SAFETY: slots i + j − 1 to i + j + 1, below m
                let load = |x: &[f64], at: usize| unsafe { v128_load(x[at..].as_ptr().cast::<v128>()) };
                let (bb, b0, ee, e0) = (load(b, i + j), load(b, i + j - 1), load(e, i + j), load(e, i + j - 1));
                let within = if KIND == WHOLE_SLATE {
                    v128_and(f64x2_eq(bb, b0), f64x2_eq(ee, e0))
                } else {
                    v128_and(f64x2_le(bb, f64x2_mul(b0, tolerance)), f64x2_le(ee, f64x2_mul(e0, tolerance)))
                };
                ok64 = v128_and(ok64, v128_or(v128_not(same), within));
            }
        }
        i += 4;
    }
    let slot = |i: usize| (ids[i], pos[i], b[i], e[i]);
    let rest = (i..m).fold((pos[0] as usize) < l, |all, i| all & ((pos[i] as usize) < l) & follows::<KIND>(slot(i - 1), slot(i)));
    rest & u32x4_all_true(ok32) & i64x2_all_true(ok64)
}

/// [`CheckedSlateSums::add_as`]'s kinds of estimator: SIPS reads the whole slate's propensities,
/// IIPS each slot's, RIPS the prefix's.
const WHOLE_SLATE: u8 = 0;
const EACH_SLOT: u8 = 1;
const PREFIX: u8 = 2;

/// Slate-level multiplier of the pseudoinverse estimator for a uniform-without-replacement logger
/// over `m` items and `l` positions: Γ⁺𝟙ₛ takes value `c[0]` on (position j, item sⱼ), `c[1]` on
/// (j, an item of s at another position) and `c[2]` on (j, an item not in s). Found by solving
/// Γθ = 𝟙ₛ within that symmetric family (any solution gives the same estimate on the support).
pub fn pseudoinverse_coefficients(m: usize, l: usize) -> [f64; 3] {
    let (mf, lf) = (m as f64, l as f64);
    // Unknowns (c1, c2, c3); F = c1 + (l−1)c2 + (m−l)c3. Equations (derived in the docs):
    //  A: c1 + (l−1)F/(m−1) − (l−1)c2/(m−1) = m
    //  B: c2 + (l−1)F/(m−1) − (c1 + (l−2)c2)/(m−1) = 0     (only when l ≥ 2)
    //  C: c3 + (l−1)F/(m−1) − (l−1)c3/(m−1) = 0             (only when m > l)
    if m == 1 {
        return [1.0, 0.0, 0.0];
    }
    let k = (lf - 1.0) / (mf - 1.0);
    let f = [1.0, lf - 1.0, mf - lf];
    let mut rows: Vec<([f64; 3], f64)> = vec![([1.0 + k * f[0], k * f[1] - k, k * f[2]], mf)];
    if l >= 2 {
        let inv = 1.0 / (mf - 1.0);
        rows.push(([k * f[0] - inv, 1.0 + k * f[1] - (lf - 2.0) * inv, k * f[2]], 0.0));
    }
    if m > l {
        rows.push(([k * f[0], k * f[1], 1.0 + k * f[2] - k], 0.0));
    }
    let vars: Vec<usize> = [true, l >= 2, m > l].iter().enumerate().filter(|(_, b)| **b).map(|(i, _)| i).collect();
    // Gaussian elimination with partial pivoting on the active unknowns.
    let d = vars.len();
    let mut a: Vec<Vec<f64>> = rows.iter().map(|(r, b)| vars.iter().map(|&v| r[v]).chain([*b]).collect()).collect();
    for col in 0..d {
        let piv = (col..d).max_by(|&x, &y| crate::stats::cmp(a[x][col].abs(), a[y][col].abs())).unwrap_or(col);
        a.swap(col, piv);
        for row in 0..d {
            if row != col && a[col][col] != 0.0 {
                let factor = a[row][col] / a[col][col];
                let pivot_row = a[col].clone();
                for (x, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                    *x -= factor * p;
                }
            }
        }
    }
    let mut c = [0.0; 3];
    for (i, &v) in vars.iter().enumerate() {
        c[v] = a[i][d] / a[i][i];
    }
    c
}

/// A validated slate estimator bound to its input, ready to produce values and intervals.
pub struct PreparedSlateEstimate {
    round_rewards: Vec<f64>,
    terms: GroupedTerms,
    groups: Groups,
}

impl PreparedSlateEstimate {
    /// Validate `parts` for `estimator` and compute its slot-level values.
    pub fn new(estimator: SlateEstimator, parts: SlateFeedbackParts<'_>) -> Result<Self> {
        let slates = Slates::new(estimator, parts)?;
        let (b, e) = estimator.pscores(&parts)?;
        let r = parts.reward;
        let n = r.len();
        let l = parts.len_list;
        let ns = slates.n_slates();
        let mut rr = vec![0.0; n];
        let (n_groups, group_of): (usize, Box<dyn Fn(usize) -> usize>) = match estimator {
            SlateEstimator::SnSips => (1, Box::new(|_| 0)),
            SlateEstimator::SnIips | SlateEstimator::SnRips => (l, Box::new(|i| parts.position[i] as usize)),
            _ => (0, Box::new(|_| 0)),
        };
        // slates × groups sums: lenList × the slates can be far more than the slots (one-slot
        // slates with a long lenList), so the table is checked against the memory limits
        crate::limits::check(
            "lenList",
            &format!("per-position sums for {ns} slates × {n_groups} positions"),
            ns as f64 * n_groups as f64,
            24,
        )?;
        let mut terms = GroupedTerms { n_groups, a: vec![0.0; ns], ucd: vec![[0.0; 3]; ns * n_groups] };
        match estimator {
            SlateEstimator::Sips | SlateEstimator::Iips | SlateEstimator::Rips => {
                for i in 0..n {
                    rr[i] = r[i] * e[i] / b[i];
                }
            }
            SlateEstimator::SnSips | SlateEstimator::SnIips | SlateEstimator::SnRips => {
                let mut sum_w = vec![0.0; n_groups];
                let mut count = vec![0.0; n_groups];
                for i in 0..n {
                    sum_w[group_of(i)] += e[i] / b[i];
                    count[group_of(i)] += 1.0;
                }
                for i in 0..n {
                    let g = group_of(i);
                    rr[i] = r[i] * (e[i] / b[i]) / (sum_w[g] / count[g]);
                }
                for (s, g) in slates.groups.iter().enumerate() {
                    for &i in g {
                        let w = e[i] / b[i];
                        let t = &mut terms.ucd[s * n_groups + group_of(i)];
                        t[0] += r[i] * w;
                        t[1] += w;
                        t[2] += 1.0;
                    }
                }
            }
            SlateEstimator::CascadeDr => {
                let (action, m) = slates.needs_items(estimator)?;
                let q = slates.dist(estimator, "qHat", parts.q_hat, m, false)?;
                let pi = slates.dist(estimator, "evaluationPolicyActionDist", parts.evaluation_policy_action_dist, m, true)?;
                for i in 0..n {
                    let k = i % l;
                    let row = i * m; // slate-major blocks: slot i is (slate i / l, position k)
                    let expected_q: f64 = (0..m).map(|a| q[row + a] * pi[row + a]).sum();
                    let w = e[i] / b[i];
                    let w_prev = if k == 0 { 1.0 } else { e[i - 1] / b[i - 1] };
                    rr[i] = w * (r[i] - q[row + action[i] as usize]) + w_prev * expected_q;
                }
            }
            SlateEstimator::Pi => {
                let (action, m) = slates.needs_items(estimator)?;
                let marg = slates.dist(
                    estimator,
                    "evaluationPolicyItemPositionDist",
                    parts.evaluation_policy_item_position_dist,
                    m,
                    true,
                )?;
                if l > m {
                    return Err(Error::invalid(
                        "lenList",
                        format!("expected lenList ≤ nUniqueAction ({m}) for rankings without repetition, got {l}"),
                    ));
                }
                let uniform = (0..l).map(|j| 1.0 / (m - j) as f64).product::<f64>();
                if let Some((i, &p)) = b.iter().enumerate().find(|(_, p)| ((**p - uniform) / uniform).abs() > 1e-6) {
                    return Err(Error::unsupported(
                        "pscore",
                        format!(
                            "the pseudoinverse estimator (pi) here needs a uniform-without-replacement logger, whose slate probability is (m−L)!/m! = {uniform:e} for m = {m} items and L = {l} positions; slot {i} has pscore {p:e}. Use sips/iips/rips for other loggers."
                        ),
                    ));
                }
                let c = pseudoinverse_coefficients(m, l);
                for s in 0..ns {
                    let base = s * l;
                    let mut theta = 0.0;
                    for j in 0..l {
                        let row = &marg[(base + j) * m..(base + j + 1) * m];
                        let same = row[action[base + j] as usize];
                        let other: f64 = (0..l).filter(|&k| k != j).map(|k| row[action[base + k] as usize]).sum();
                        theta += c[0] * same + c[1] * other + c[2] * (1.0 - same - other);
                    }
                    for k in 0..l {
                        rr[base + k] = r[base + k] * theta;
                    }
                }
            }
        }
        if n_groups == 0 {
            for (s, g) in slates.groups.iter().enumerate() {
                terms.a[s] = g.iter().map(|&i| rr[i]).sum();
            }
        }
        Ok(PreparedSlateEstimate { round_rewards: rr, terms, groups: slates.groups })
    }

    /// The estimate: Σ slot values / number of slates.
    pub fn value(&self) -> f64 {
        self.terms.estimate()
    }

    /// Slot-level values (OBP's `_estimate_round_rewards` of the slate estimators).
    pub fn round_rewards(&self) -> &[f64] {
        &self.round_rewards
    }

    /// Number of distinct slates.
    pub fn n_slates(&self) -> usize {
        self.terms.a.len()
    }

    /// Percentile bootstrap over slates (recomputing self-normalization on each resample).
    pub fn bootstrap(&self, options: &BootstrapOptions) -> Result<Interval> {
        let n = self.n_slates();
        bootstrap_units(n, options, |idx| self.terms.estimate_on(idx.iter().copied(), n))
    }

    /// OBP 0.5.7's procedure: sum the slot values of each slate once (self-normalized
    /// estimators use the full-sample normalizer) and bootstrap the mean of those sums.
    pub fn bootstrap_obp(&self, options: &BootstrapOptions) -> Result<Interval> {
        let n = self.n_slates();
        let mut sums = vec![0.0; n];
        for (s, g) in self.groups.iter().enumerate() {
            sums[s] = g.iter().map(|&i| self.round_rewards[i]).sum();
        }
        super::interval::bootstrap_values(&sums, options)
    }

    /// Normal interval with a delta-method standard error over slates.
    pub fn normal(&self, alpha: f64) -> Result<Interval> {
        super::interval::check_alpha(alpha)?;
        Ok(normal_from(self.value(), self.terms.standard_error(), alpha))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudoinverse_coefficients_match_numpy_pinv() {
        // numpy.linalg.pinv of Γ for uniform logging, applied to 𝟙ₛ (m=10, L=3):
        // 9.333333333, 0.333333333, -0.952380952; (m=5, L=2): 4.5, 0.5, -0.833333333.
        // Our solution may differ from the minimum-norm one by a null-space vector that leaves
        // every estimate unchanged; check the estimate-relevant combination on random marginals.
        for (m, l, want) in [(10, 3, [28.0 / 3.0, 1.0 / 3.0, -20.0 / 21.0]), (5, 2, [4.5, 0.5, -5.0 / 6.0])] {
            let c = pseudoinverse_coefficients(m, l);
            for (x, y) in c.iter().zip(want) {
                assert!((x - y).abs() < 1e-9, "m={m} l={l}: {c:?} vs {want:?}");
            }
        }
    }
}
