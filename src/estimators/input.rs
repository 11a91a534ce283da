//! Validated inputs of the estimators: bandit feedback (one logged action per round, with an
//! optional position) and slate feedback (one row per slot of a logged ranking).
//!
//! The shapes and names are Open Bandit Pipeline's, so a learner can move arrays between receval
//! and OBP unchanged: `action_dist` and `estimated_rewards_by_reg_model` are flat, row-major
//! `n_rounds × n_actions × len_list` arrays (OBP's 3-d `action_dist`). Validation happens once,
//! here, and says exactly what is wrong; the estimators then trust their input.

use crate::error::{Error, Result};

/// Tolerance for "sums to one" checks: OBP relies on `numpy.allclose` (relative 1e-5).
pub const SUM_TOLERANCE: f64 = 1e-5;

/// Logged bandit feedback and the evaluation policy's action distribution, borrowed and validated.
///
/// Round `i` logged action `action[i]` at position `position[i]` (0 if there are no positions),
/// observed `reward[i]`, and the logging policy chose that action with probability `pscore[i]`.
/// `action_dist[(i * n_actions + a) * len_list + k]` is π_e(a | xᵢ, k).
#[derive(Debug, Clone, Copy)]
pub struct BanditFeedback<'a> {
    reward: &'a [f64],
    action: &'a [u32],
    pscore: &'a [f64],
    position: Option<&'a [u32]>,
    action_dist: &'a [f64],
    estimated_rewards: Option<&'a [f64]>,
    pi_b: Option<&'a [f64]>,
    n_actions: usize,
    len_list: usize,
    /// Each round's DM value, when computed once for several estimators (see
    /// [`BanditFeedback::with_dm_rounds`]); `None` computes it on the fly.
    dm: Option<&'a [f64]>,
    /// Each round's π_e of the logged action, when gathered once for many estimates (see
    /// [`BanditFeedback::with_pi_e_logged`]); `None` reads it from `action_dist`.
    pi_e_logged: Option<&'a [f64]>,
}

/// The parts of [`BanditFeedback`] before validation (all slices, no checks yet).
#[derive(Debug, Clone, Copy, Default)]
pub struct BanditFeedbackParts<'a> {
    /// Observed reward per round.
    pub reward: &'a [f64],
    /// Logged action per round, in `0..n_actions`.
    pub action: &'a [u32],
    /// Logging policy's probability of the logged action (at the logged position), in (0, 1].
    pub pscore: &'a [f64],
    /// Position per round in `0..len_list`; `None` means every round is at position 0.
    pub position: Option<&'a [u32]>,
    /// Evaluation policy π_e, flat `n × n_actions × len_list`.
    pub action_dist: &'a [f64],
    /// Reward model q̂(x, a, k), flat `n × n_actions × len_list`; needed by DM and the DR family.
    pub estimated_rewards_by_reg_model: Option<&'a [f64]>,
    /// Logging policy π_b over all actions, flat `n × n_actions × len_list` (OBP's `pi_b`);
    /// optional, used only by the support diagnostics.
    pub pi_b: Option<&'a [f64]>,
    /// Number of actions.
    pub n_actions: usize,
    /// Number of positions (1 without positions).
    pub len_list: usize,
}

impl<'a> BanditFeedbackParts<'a> {
    /// Rounds `start..end` of parts whose shapes are consistent (see [`Self::shapes_agree`]).
    pub(crate) fn rounds(&self, start: usize, end: usize) -> BanditFeedbackParts<'a> {
        let row = self.n_actions * self.len_list;
        let per_round = |x: &'a [f64]| &x[start * row..end * row];
        BanditFeedbackParts {
            reward: &self.reward[start..end],
            action: &self.action[start..end],
            pscore: &self.pscore[start..end],
            position: self.position.map(|p| &p[start..end]),
            action_dist: per_round(self.action_dist),
            estimated_rewards_by_reg_model: self.estimated_rewards_by_reg_model.map(per_round),
            pi_b: self.pi_b.map(per_round),
            ..*self
        }
    }

    /// Whether every array has the length its round count implies (what [`BanditFeedback::new`]
    /// checks first), with at least one round, action and position.
    pub(crate) fn shapes_agree(&self) -> bool {
        let n = self.reward.len();
        let Some(cells) = self.n_actions.checked_mul(self.len_list).and_then(|row| row.checked_mul(n)) else {
            return false;
        };
        let per_round = |x: Option<&[f64]>| x.is_none_or(|x| x.len() == cells);
        n > 0
            && self.n_actions > 0
            && self.len_list > 0
            && self.action.len() == n
            && self.pscore.len() == n
            && self.position.map_or(self.len_list == 1, |p| p.len() == n)
            && self.action_dist.len() == cells
            && per_round(self.estimated_rewards_by_reg_model)
            && per_round(self.pi_b)
    }
}

/// Whether `x` is in [[`MIN_PSCORE`], 1] (NaN is not).
#[inline(always)]
#[allow(clippy::manual_range_contains)] // `&`, not the `&&` of `contains`: no branch
pub(crate) fn is_propensity(x: f64) -> bool {
    (x >= MIN_PSCORE) & (x <= 1.0)
}

/// Whether `ok` holds for every value: one branch-free pass. `_lanes` is the same test on two
/// values at once, for the Wasm SIMD version below.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn all_values<L>(xs: &[f64], ok: impl Fn(f64) -> bool, _lanes: L) -> bool {
    xs.iter().fold(true, |all, &x| all & ok(x))
}

/// The same with Wasm SIMD: `lanes` gives each of two values' lane all ones when it passes;
/// eight values a step, in two independent chains.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn all_values(
    xs: &[f64],
    ok: impl Fn(f64) -> bool,
    lanes: impl Fn(core::arch::wasm32::v128) -> core::arch::wasm32::v128,
) -> bool {
    use core::arch::wasm32::*;
    // SAFETY: the loop passes pointers to two f64s in bounds; Wasm loads need no alignment
    let test = |p: *const v128| lanes(unsafe { v128_load(p) });
    let (mut m0, mut m1) = (u64x2_splat(u64::MAX), u64x2_splat(u64::MAX));
    let mut eights = xs.chunks_exact(8);
    for c in &mut eights {
        let p = c.as_ptr().cast::<v128>();
        // pointers to values 0-1, 2-3, 4-5 and 6-7 of the eight
        m0 = v128_and(m0, v128_and(test(p), test(p.wrapping_add(2))));
        m1 = v128_and(m1, v128_and(test(p.wrapping_add(1)), test(p.wrapping_add(3))));
    }
    i64x2_all_true(v128_and(m0, m1)) & eights.remainder().iter().fold(true, |all, &x| all & ok(x))
}

/// Whether every value is finite (|x| < ∞ is false for ±∞ and NaN).
pub(crate) fn all_finite(xs: &[f64]) -> bool {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let lanes = |x| {
        use core::arch::wasm32::*;
        f64x2_lt(f64x2_abs(x), f64x2_splat(f64::INFINITY))
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let lanes = ();
    all_values(xs, f64::is_finite, lanes)
}

/// Whether every value is a propensity ([`is_propensity`]).
pub(crate) fn all_propensities(p: &[f64]) -> bool {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let lanes = |x| {
        use core::arch::wasm32::*;
        v128_and(f64x2_ge(x, f64x2_splat(MIN_PSCORE)), f64x2_le(x, f64x2_splat(1.0)))
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let lanes = ();
    all_values(p, is_propensity, lanes)
}

/// Whether every value is a probability, in [0, 1] (NaN is not).
#[allow(clippy::manual_range_contains)] // `&`, not the `&&` of `contains`: no branch
pub(crate) fn all_probabilities(p: &[f64]) -> bool {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let lanes = |x| {
        use core::arch::wasm32::*;
        v128_and(f64x2_ge(x, f64x2_splat(0.0)), f64x2_le(x, f64x2_splat(1.0)))
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let lanes = ();
    all_values(p, |x| (x >= 0.0) & (x <= 1.0), lanes)
}

/// Branch-free scan first (this runs over n × actions × positions values on every call), then
/// a second pass only to describe a failure.
pub(crate) fn check_finite(name: &str, xs: &[f64]) -> Result<()> {
    if all_finite(xs) {
        return Ok(());
    }
    let (i, x) = xs.iter().enumerate().find(|(_, x)| !x.is_finite()).unwrap_or((0, &f64::NAN));
    Err(Error::invalid(name, format!("expected finite numbers, got {x} at index {i}")))
}

pub(crate) fn check_len(name: &str, got: usize, want: usize, what: &str) -> Result<()> {
    if got != want {
        return Err(Error::invalid(name, format!("expected length {want} ({what}), got {got}")));
    }
    Ok(())
}

#[inline(always)]
#[allow(clippy::manual_range_contains)] // `&`, not the `&&` of `contains`: no branch
fn in_unit(x: f64) -> bool {
    (x >= 0.0) & (x <= 1.0)
}

/// A row's sum as the checks define it — the even-indexed and the odd-indexed values summed
/// apart, then together, then the last value of an odd-length row (two independent chains: rows
/// overlap, and the Wasm SIMD path sums in exactly this order) — and whether every value is in
/// [0, 1].
#[inline(always)]
fn row_sum_in_unit(row: &[f64]) -> (f64, bool) {
    let mut pairs = row.chunks_exact(2);
    let (mut s0, mut s1, mut ok) = (0.0, 0.0, true);
    for p in &mut pairs {
        s0 += p[0];
        s1 += p[1];
        ok &= in_unit(p[0]) & in_unit(p[1]);
    }
    let mut s = s0 + s1;
    for &x in pairs.remainder() {
        s += x;
        ok &= in_unit(x);
    }
    (s, ok)
}

/// Whether every row of `row_len` values is in [0, 1] and sums to 1 within [`SUM_TOLERANCE`]:
/// one branch-free pass.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn rows_are_distributions(dist: &[f64], row_len: usize) -> bool {
    dist.chunks_exact(row_len).fold(true, |all, row| {
        let (s, in_range) = row_sum_in_unit(row);
        all & in_range & ((s - 1.0).abs() <= SUM_TOLERANCE)
    })
}

/// The same with Wasm SIMD: two values at a time, the same sums bit for bit (lane 0 holds the
/// even-indexed values, lane 1 the odd-indexed ones).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn rows_are_distributions(dist: &[f64], row_len: usize) -> bool {
    use core::arch::wasm32::*;
    let (zero, one) = (f64x2_splat(0.0), f64x2_splat(1.0));
    let mut in_range = u64x2_splat(u64::MAX);
    let mut all = true;
    for row in dist.chunks_exact(row_len) {
        let mut pairs = row.chunks_exact(2);
        let mut s = f64x2_splat(0.0);
        for p in &mut pairs {
            // SAFETY: `p` is two f64s in bounds; Wasm loads need no alignment
            let x = unsafe { v128_load(p.as_ptr().cast::<v128>()) };
            s = f64x2_add(s, x);
            in_range = v128_and(in_range, v128_and(f64x2_ge(x, zero), f64x2_le(x, one)));
        }
        let mut sum = f64x2_extract_lane::<0>(s) + f64x2_extract_lane::<1>(s);
        for &x in pairs.remainder() {
            sum += x;
            all &= in_unit(x);
        }
        all &= (sum - 1.0).abs() <= SUM_TOLERANCE;
    }
    all & i64x2_all_true(in_range)
}

/// The error for the first value of `dist` outside [0, 1], if there is one.
fn out_of_unit(name: &str, dist: &[f64], row_len: usize, len_list: usize) -> Result<()> {
    if let Some((j, x)) = dist.iter().enumerate().find(|(_, x)| !in_unit(**x)) {
        let (i, a, k) = (j / row_len, (j % row_len) / len_list, j % len_list);
        return Err(Error::invalid(
            name,
            format!("expected probabilities in [0, 1], got {x} at round {i}, action {a}, position {k}"),
        ));
    }
    Ok(())
}

/// n × n_actions × len_list, or an error naming `name` if that does not fit a `usize` (on wasm32 a
/// wrapped product would let a short array pass as a whole log).
fn cells(name: &str, n: usize, n_actions: usize, len_list: usize) -> Result<usize> {
    n.checked_mul(n_actions).and_then(|c| c.checked_mul(len_list)).ok_or_else(|| {
        Error::invalid(
            name,
            format!("n_rounds {n} × nActions {n_actions} × lenList {len_list} values are more than any array can hold"),
        )
    })
}

/// Check that every row of a flat `n × n_actions × len_list` distribution is a probability vector.
pub(crate) fn check_distribution(name: &str, dist: &[f64], n: usize, n_actions: usize, len_list: usize) -> Result<()> {
    check_len(
        name,
        dist.len(),
        cells(name, n, n_actions, len_list)?,
        &format!("n_rounds {n} × nActions {n_actions} × lenList {len_list}"),
    )?;
    let row_len = n_actions * len_list;
    let off = |s: f64| (s - 1.0).abs() > SUM_TOLERANCE;
    if len_list == 1 {
        // One branch-free pass: each row's sum and range together (it vectorizes); the slow path
        // that finds where the problem is runs only when there is one.
        if rows_are_distributions(dist, row_len) {
            return Ok(());
        }
        out_of_unit(name, dist, row_len, len_list)?;
        let (i, s) =
            dist.chunks_exact(row_len).map(|r| row_sum_in_unit(r).0).enumerate().find(|(_, s)| off(*s)).unwrap_or((0, f64::NAN));
        return Err(Error::invalid(
            name,
            format!("expected each round's probabilities over actions to sum to 1, got {s} at round {i}, position 0"),
        ));
    }
    if !dist.iter().fold(true, |ok, &x| ok & in_unit(x)) {
        out_of_unit(name, dist, row_len, len_list)?;
    }
    let mut sums = vec![0.0; len_list];
    for (i, row) in dist.chunks_exact(row_len).enumerate() {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for action_row in row.chunks_exact(len_list) {
            for (s, x) in sums.iter_mut().zip(action_row) {
                *s += x;
            }
        }
        if let Some((k, s)) = sums.iter().enumerate().find(|(_, s)| off(**s)) {
            return Err(Error::invalid(
                name,
                format!("expected each round's probabilities over actions to sum to 1, got {s} at round {i}, position {k}"),
            ));
        }
    }
    Ok(())
}

/// The smallest propensity accepted: the smallest normal double (2.2e-308). Below it (subnormal
/// numbers) 1/p overflows to infinity and every weighted estimate becomes ∞ or NaN.
pub const MIN_PSCORE: f64 = f64::MIN_POSITIVE;

/// Check a propensity array: finite, in [2.2e-308, 1] (positive, and with a finite reciprocal).
pub(crate) fn check_pscore(name: &str, p: &[f64]) -> Result<()> {
    if all_propensities(p) {
        return Ok(());
    }
    if let Some((i, x)) = p.iter().enumerate().find(|(_, x)| !is_propensity(**x)) {
        let hint = if *x == 0.0 {
            " (a zero propensity means the logger could not have chosen the logged action: the log or the propensities are wrong)"
        } else if *x > 0.0 && *x < MIN_PSCORE {
            " (a subnormal propensity: its reciprocal overflows, so every importance weight built on it would be infinite)"
        } else {
            ""
        };
        let x = if *x != 0.0 && x.abs() < 1e-6 { format!("{x:e}") } else { format!("{x}") };
        return Err(Error::invalid(name, format!("expected every value in (0, 1], got {x} at index {i}{hint}")));
    }
    Ok(())
}

pub(crate) fn check_indices(name: &str, xs: &[u32], bound: usize, bound_name: &str) -> Result<()> {
    if let Some((i, x)) = xs.iter().enumerate().find(|(_, x)| **x as usize >= bound) {
        return Err(Error::invalid(
            name,
            format!("expected integers in 0..{bound} ({bound_name} = {bound}), got {x} at index {i}"),
        ));
    }
    Ok(())
}

/// A round's DM value without positions: Σₐ π_e(a) q̂(a) / Σₐ π_e(a), from its rows of π_e and q̂.
#[inline]
pub(crate) fn dm_of_row(pi: &[f64], q: &[f64]) -> f64 {
    let (num, den) = pi.iter().zip(q).fold((0.0, 0.0), |(n, d), (p, q)| (n + p * q, d + p));
    num / den
}

impl<'a> BanditFeedback<'a> {
    /// Validate the parts: equal lengths, at least one round, indices in range, finite values,
    /// propensities in (0, 1], distributions that sum to one per round and position.
    pub fn new(p: BanditFeedbackParts<'a>) -> Result<Self> {
        let n = p.reward.len();
        if n == 0 {
            return Err(Error::invalid("reward", "expected at least one round, got an empty array"));
        }
        if p.n_actions == 0 {
            return Err(Error::invalid("nActions", "expected a positive integer, got 0"));
        }
        if p.len_list == 0 {
            return Err(Error::invalid("lenList", "expected a positive integer, got 0"));
        }
        check_len("action", p.action.len(), n, "one per round, like `reward`")?;
        check_len("pscore", p.pscore.len(), n, "one per round, like `reward`")?;
        check_finite("reward", p.reward)?;
        check_indices("action", p.action, p.n_actions, "nActions")?;
        check_pscore("pscore", p.pscore)?;
        match p.position {
            Some(pos) => {
                check_len("position", pos.len(), n, "one per round, like `reward`")?;
                check_indices("position", pos, p.len_list, "lenList")?;
            }
            None if p.len_list > 1 => {
                return Err(Error::invalid(
                    "position",
                    format!("expected one position per round since lenList = {} > 1", p.len_list),
                ));
            }
            None => {}
        }
        check_distribution("actionDist", p.action_dist, n, p.n_actions, p.len_list)?;
        if let Some(q) = p.estimated_rewards_by_reg_model {
            check_len(
                "estimatedRewardsByRegModel",
                q.len(),
                cells("estimatedRewardsByRegModel", n, p.n_actions, p.len_list)?,
                &format!("n_rounds {n} × nActions {} × lenList {}", p.n_actions, p.len_list),
            )?;
            check_finite("estimatedRewardsByRegModel", q)?;
        }
        if let Some(pb) = p.pi_b {
            check_distribution("piB", pb, n, p.n_actions, p.len_list)?;
        }
        Ok(BanditFeedback {
            reward: p.reward,
            action: p.action,
            pscore: p.pscore,
            position: p.position,
            action_dist: p.action_dist,
            estimated_rewards: p.estimated_rewards_by_reg_model,
            pi_b: p.pi_b,
            n_actions: p.n_actions,
            len_list: p.len_list,
            dm: None,
            pi_e_logged: None,
        })
    }

    /// Number of rounds.
    pub fn n_rounds(&self) -> usize {
        self.reward.len()
    }
    /// Number of actions.
    pub fn n_actions(&self) -> usize {
        self.n_actions
    }
    /// Number of positions.
    pub fn len_list(&self) -> usize {
        self.len_list
    }
    /// Observed rewards.
    pub fn reward(&self) -> &'a [f64] {
        self.reward
    }
    /// Logged actions.
    pub fn action(&self) -> &'a [u32] {
        self.action
    }
    /// Logging propensities.
    pub fn pscore(&self) -> &'a [f64] {
        self.pscore
    }
    /// Whether a reward model was given.
    pub fn has_reward_model(&self) -> bool {
        self.estimated_rewards.is_some()
    }
    /// The logging policy's full distribution, when given.
    pub fn pi_b(&self) -> Option<&'a [f64]> {
        self.pi_b
    }

    /// Position of round `i` (0 without positions).
    #[inline]
    pub fn position_of(&self, i: usize) -> usize {
        self.position.map_or(0, |p| p[i] as usize)
    }

    #[inline]
    fn index(&self, i: usize, a: usize, k: usize) -> usize {
        (i * self.n_actions + a) * self.len_list + k
    }

    /// π_e(a | xᵢ, k).
    #[inline]
    pub fn pi_e(&self, i: usize, a: usize, k: usize) -> f64 {
        self.action_dist[self.index(i, a, k)]
    }

    /// π_e of the logged action at the logged position.
    #[inline]
    pub fn pi_e_logged(&self, i: usize) -> f64 {
        match self.pi_e_logged {
            Some(pe) => pe[i],
            None => self.pi_e(i, self.action[i] as usize, self.position_of(i)),
        }
    }

    /// Every round's π_e of the logged action (as [`BanditFeedback::pi_e_logged`] reads it).
    pub(crate) fn pi_e_logged_rounds(&self) -> Vec<f64> {
        (0..self.n_rounds()).map(|i| self.pi_e_logged(i)).collect()
    }

    /// The same data, with its rounds' π_e of the logged action given (from
    /// [`BanditFeedback::pi_e_logged_rounds`] of this data: the same bits), so that an estimator
    /// that needs nothing else of π_e reads n values instead of a row per round. Panics if `pe`
    /// has not one value per round (a caller's bug).
    pub(crate) fn with_pi_e_logged(self, pe: &'a [f64]) -> Self {
        assert_eq!(pe.len(), self.n_rounds(), "one π_e value per round");
        BanditFeedback { pi_e_logged: Some(pe), ..self }
    }

    /// The rounds' π_e of the logged action, if given.
    #[inline]
    pub(crate) fn pi_e_logged_given(&self) -> Option<&'a [f64]> {
        self.pi_e_logged
    }

    /// The rows of π_e, one per round, when there are no positions (`len_list` 1).
    #[inline]
    pub(crate) fn rows_without_positions(&self) -> Option<std::slice::ChunksExact<'a, f64>> {
        (self.len_list == 1).then(|| self.action_dist.chunks_exact(self.n_actions))
    }

    /// The importance weight wᵢ = π_e(aᵢ | xᵢ, kᵢ) / pscoreᵢ.
    #[inline]
    pub fn weight(&self, i: usize) -> f64 {
        self.pi_e_logged(i) / self.pscore[i]
    }

    /// q̂(xᵢ, aᵢ, kᵢ), or an error naming the missing reward model.
    #[inline]
    pub(crate) fn q_logged(&self, q: &[f64], i: usize) -> f64 {
        q[self.index(i, self.action[i] as usize, self.position_of(i))]
    }

    /// DMᵢ = Σₐ π_e(a|xᵢ,kᵢ) q̂(xᵢ,a,kᵢ) / Σₐ π_e(a|xᵢ,kᵢ) (OBP's weighted average).
    /// `q` is the data's own reward model (callers pass [`BanditFeedback::reward_model`]).
    #[inline]
    pub(crate) fn dm_round(&self, q: &[f64], i: usize) -> f64 {
        if let Some(dm) = self.dm {
            debug_assert!(
                self.estimated_rewards.is_some_and(|own| std::ptr::eq(own, q)),
                "DM values cached for another reward model"
            );
            return dm[i];
        }
        let row = self.n_actions * self.len_list;
        let (pi, q) = (&self.action_dist[i * row..(i + 1) * row], &q[i * row..(i + 1) * row]);
        if self.len_list == 1 {
            return dm_of_row(pi, q);
        }
        let k = self.position_of(i);
        let (num, den) = pi.iter().zip(q).skip(k).step_by(self.len_list).fold((0.0, 0.0), |(n, d), (p, q)| (n + p * q, d + p));
        num / den
    }

    /// Every round's DM value (as [`BanditFeedback::dm_round`] computes it), or `None` without a
    /// reward model. Several model-based estimators on the same data (a λ grid, tuning) read
    /// them once through [`BanditFeedback::with_dm_rounds`] instead of each recomputing the
    /// n × nActions sums.
    pub(crate) fn dm_rounds(&self) -> Option<Vec<f64>> {
        let q = self.estimated_rewards?;
        Some((0..self.n_rounds()).map(|i| self.dm_round(q, i)).collect())
    }

    /// The same data, with its rounds' DM values given (from [`BanditFeedback::dm_rounds`] of this
    /// data: the bits are the same). Panics if `dm` has not one value per round (a caller's bug).
    pub(crate) fn with_dm_rounds(self, dm: &'a [f64]) -> Self {
        assert_eq!(dm.len(), self.n_rounds(), "one DM value per round");
        BanditFeedback { dm: Some(dm), ..self }
    }

    /// Whether the rounds' DM values are already given.
    pub(crate) fn has_dm_rounds(&self) -> bool {
        self.dm.is_some()
    }

    /// The reward model, or an error that says which estimator needed it.
    pub(crate) fn reward_model(&self, estimator: &str) -> Result<&'a [f64]> {
        self.estimated_rewards.ok_or_else(|| {
            Error::invalid(
                "estimatedRewardsByRegModel",
                format!("the `{estimator}` estimator needs a reward model: a flat n_rounds × nActions × lenList array of predicted rewards"),
            )
        })
    }
}

/// Owned bandit feedback (what the JS bindings and the simulator build), validated on creation.
#[derive(Debug, Clone, Default)]
pub struct BanditData {
    /// See [`BanditFeedbackParts::reward`].
    pub reward: Vec<f64>,
    /// See [`BanditFeedbackParts::action`].
    pub action: Vec<u32>,
    /// See [`BanditFeedbackParts::pscore`].
    pub pscore: Vec<f64>,
    /// See [`BanditFeedbackParts::position`].
    pub position: Option<Vec<u32>>,
    /// See [`BanditFeedbackParts::action_dist`].
    pub action_dist: Vec<f64>,
    /// See [`BanditFeedbackParts::estimated_rewards_by_reg_model`].
    pub estimated_rewards_by_reg_model: Option<Vec<f64>>,
    /// See [`BanditFeedbackParts::pi_b`].
    pub pi_b: Option<Vec<f64>>,
    /// Number of actions.
    pub n_actions: usize,
    /// Number of positions.
    pub len_list: usize,
}

impl BanditData {
    /// A validated view.
    pub fn view(&self) -> Result<BanditFeedback<'_>> {
        BanditFeedback::new(self.parts())
    }

    /// The data as unvalidated parts.
    pub fn parts(&self) -> BanditFeedbackParts<'_> {
        BanditFeedbackParts {
            reward: &self.reward,
            action: &self.action,
            pscore: &self.pscore,
            position: self.position.as_deref(),
            action_dist: &self.action_dist,
            estimated_rewards_by_reg_model: self.estimated_rewards_by_reg_model.as_deref(),
            pi_b: self.pi_b.as_deref(),
            n_actions: self.n_actions,
            len_list: self.len_list,
        }
    }

    /// A view without re-validation, for data validated once at construction and not changed
    /// since (a JS `BanditData` made from an input keeps its data private for that reason; one
    /// made by `BanditData.allocate`, which the page writes to, is checked on every call).
    pub(crate) fn view_trusted(&self) -> BanditFeedback<'_> {
        BanditFeedback {
            reward: &self.reward,
            action: &self.action,
            pscore: &self.pscore,
            position: self.position.as_deref(),
            action_dist: &self.action_dist,
            estimated_rewards: self.estimated_rewards_by_reg_model.as_deref(),
            pi_b: self.pi_b.as_deref(),
            n_actions: self.n_actions,
            len_list: self.len_list,
            dm: None,
            pi_e_logged: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{BanditFeedbackParts, check_distribution, rows_are_distributions};

    #[test]
    fn the_fast_distribution_check_accepts_distributions_and_nothing_else() {
        // rows of 3 (an odd length: the pairwise sum has a remainder)
        let ok = [0.2, 0.3, 0.5, 1.0, 0.0, 0.0, 0.1, 0.1, 0.8];
        assert!(rows_are_distributions(&ok, 3));
        let mut off = ok;
        off[4] = 1e-3; // second row sums to 1.001
        assert!(!rows_are_distributions(&off, 3));
        let mut neg = ok;
        (neg[6], neg[7]) = (-0.1, 0.3); // sums to 1, one value below 0
        assert!(!rows_are_distributions(&neg, 3));
        let mut nan = ok;
        nan[8] = f64::NAN;
        assert!(!rows_are_distributions(&nan, 3));
    }

    #[test]
    fn dm_values_given_once_give_every_model_based_estimator_the_same_bits() {
        use super::BanditFeedback;
        use crate::estimators::kernel_by_name;
        // 3 rounds × 3 actions × 2 positions, uneven distributions and model values
        let (reward, action, pscore, position) = ([1.0, 0.0, 1.0], [2, 0, 1], [0.3, 0.6, 0.2], [1, 0, 1]);
        let pi: Vec<f64> = (0..3).flat_map(|_| [0.5, 0.2, 0.1, 0.7, 0.4, 0.1]).collect();
        let q: Vec<f64> = (0..18).map(|i| ((i * 7) % 11) as f64 / 13.0).collect();
        let d = BanditFeedback::new(BanditFeedbackParts {
            reward: &reward,
            action: &action,
            pscore: &pscore,
            position: Some(&position),
            action_dist: &pi,
            estimated_rewards_by_reg_model: Some(&q),
            pi_b: None,
            n_actions: 3,
            len_list: 2,
        })
        .unwrap();
        let dm = d.dm_rounds().unwrap();
        // round 0 is at position 1: (0.2·q[1] + 0.7·q[3] + 0.1·q[5]) / (0.2 + 0.7 + 0.1)
        assert!((dm[0] - (0.2 * q[1] + 0.7 * q[3] + 0.1 * q[5])).abs() < 1e-15);
        let cached = d.with_dm_rounds(&dm);
        assert!(cached.has_dm_rounds() && !d.has_dm_rounds());
        for (name, l) in [("dm", None), ("dr", Some(2.0)), ("sndr", None), ("switch-dr", Some(1.5)), ("dr-os", Some(3.0))] {
            let k = kernel_by_name(name, l).unwrap();
            let bits = |d: &BanditFeedback<'_>| k.round_rewards(d).unwrap().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&d), bits(&cached), "{name}");
        }
    }

    #[test]
    fn rounds_cut_every_array_to_the_same_rounds() {
        // 4 rounds × 2 actions × 2 positions: each array's entries encode their round
        let reward = [0.0, 1.0, 2.0, 3.0];
        let action = [0, 1, 0, 1];
        let pscore = [0.1, 0.2, 0.3, 0.4];
        let position = [0, 1, 1, 0];
        let per_round: Vec<f64> = (0..4).flat_map(|i| [i as f64; 4]).collect();
        let parts = BanditFeedbackParts {
            reward: &reward,
            action: &action,
            pscore: &pscore,
            position: Some(&position),
            action_dist: &per_round,
            estimated_rewards_by_reg_model: Some(&per_round),
            pi_b: Some(&per_round),
            n_actions: 2,
            len_list: 2,
        };
        assert!(parts.shapes_agree());
        let r = parts.rounds(1, 3);
        assert!(r.shapes_agree(), "a cut keeps the shapes consistent");
        assert_eq!(r.reward, &[1.0, 2.0]);
        assert_eq!(r.action, &[1, 0]);
        assert_eq!(r.pscore, &[0.2, 0.3]);
        assert_eq!(r.position, Some(&[1, 1][..]));
        for x in [r.action_dist, r.estimated_rewards_by_reg_model.unwrap(), r.pi_b.unwrap()] {
            assert_eq!(x, &[1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]);
        }
        assert_eq!((r.n_actions, r.len_list), (2, 2));
    }

    #[test]
    fn distribution_errors_name_the_round_action_and_position() {
        // 3 rounds × 2 actions × 1 position
        let ok = [0.5, 0.5, 0.1, 0.9, 1.0, 0.0];
        assert!(check_distribution("d", &ok, 3, 2, 1).is_ok());
        let mut bad = ok;
        bad[5] = 1.5;
        let e = check_distribution("d", &bad, 3, 2, 1).unwrap_err().to_string();
        assert!(e.contains("got 1.5 at round 2, action 1, position 0"), "{e}");
        let mut off = ok;
        off[2] = 0.2;
        let e = check_distribution("d", &off, 3, 2, 1).unwrap_err().to_string();
        assert!(e.contains("sum to 1, got 1.1") && e.contains("round 1, position 0"), "{e}");
        assert!(check_distribution("d", &ok[..4], 3, 2, 1).is_err(), "wrong length");

        // 2 rounds × 3 actions × 2 positions: index (i·3 + a)·2 + k
        let mut ok2 = [0.0; 12];
        for i in 0..2 {
            for k in 0..2 {
                ok2[(i * 3 + k) * 2 + k] = 1.0;
            }
        }
        assert!(check_distribution("d", &ok2, 2, 3, 2).is_ok());
        let mut nan = ok2;
        nan[(3 + 2) * 2 + 1] = f64::NAN;
        let e = check_distribution("d", &nan, 2, 3, 2).unwrap_err().to_string();
        assert!(e.contains("got NaN at round 1, action 2, position 1"), "{e}");
        let mut half = ok2;
        half[3 * 2 + 1] = 0.5; // round 1, action 0, position 1: position 1 now sums to 1.5
        let e = check_distribution("d", &half, 2, 3, 2).unwrap_err().to_string();
        assert!(e.contains("got 1.5 at round 1, position 1"), "{e}");
    }
}
