//! Streaming, mergeable estimators (after Vowpal Wabbit's `estimators` library).
//!
//! Every standard estimator is `mean(a) + Σu/Σd` over per-round terms (see
//! [`super::standard::RoundTerms`]), so its whole state is the count, the means and the
//! co-moments of (a, u, d). Adding a round is a Welford update; merging two partial states is
//! Chan et al.'s parallel formula; the value and a delta-method normal interval are read off the
//! state at any time. A page can update an estimate as rounds arrive, and Web Workers can each
//! take a slice of a log and send back a state to merge.

use super::input::BanditFeedback;
use super::interval::{Interval, check_alpha, normal_from};
use super::standard::{EmptyNormalizer, Kernel, RoundTerms, kernel_by_name};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Running count, means and co-moments of (a, u, d); mergeable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TermMoments {
    /// Number of rounds added.
    pub n: u64,
    /// Means of a, u, d.
    pub mean: [f64; 3],
    /// Sums of co-deviations Σ(xⱼ − x̄ⱼ)(xₖ − x̄ₖ) for j, k ∈ {a, u, d}.
    pub comoment: [[f64; 3]; 3],
}

impl TermMoments {
    /// Add one round (Welford's update).
    pub fn add(&mut self, t: RoundTerms) {
        let x = [t.a, t.u, t.d];
        self.n += 1;
        let n = self.n as f64;
        let delta: [f64; 3] = std::array::from_fn(|j| x[j] - self.mean[j]);
        for (m, d) in self.mean.iter_mut().zip(delta) {
            *m += d / n;
        }
        let delta2: [f64; 3] = std::array::from_fn(|j| x[j] - self.mean[j]);
        for (row, dj) in self.comoment.iter_mut().zip(delta) {
            for (c, dk) in row.iter_mut().zip(delta2) {
                *c += dj * dk;
            }
        }
    }

    /// The moments of a whole slice in two passes (means, then co-deviations): the same state
    /// as adding every round, without a division per round.
    pub fn from_terms(terms: &[RoundTerms]) -> TermMoments {
        let n = terms.len();
        if n == 0 {
            return TermMoments::default();
        }
        let nf = n as f64;
        let (sa, su, sd) = terms.iter().fold((0.0, 0.0, 0.0), |s, t| (s.0 + t.a, s.1 + t.u, s.2 + t.d));
        let mean = [sa / nf, su / nf, sd / nf];
        let mut c = [[0.0; 3]; 3];
        for t in terms {
            let x = [t.a - mean[0], t.u - mean[1], t.d - mean[2]];
            c[0][0] += x[0] * x[0];
            c[0][1] += x[0] * x[1];
            c[0][2] += x[0] * x[2];
            c[1][1] += x[1] * x[1];
            c[1][2] += x[1] * x[2];
            c[2][2] += x[2] * x[2];
        }
        c[1][0] = c[0][1];
        c[2][0] = c[0][2];
        c[2][1] = c[1][2];
        TermMoments { n: n as u64, mean, comoment: c }
    }

    /// [`TermMoments::from_terms`] of terms `{ a, u: 0, d: 1 }` (an estimator that is a plain
    /// mean of `a`), from the `a`s alone: the same bits for every field when the `a`s are finite,
    /// in a third of the memory traffic. (With an infinite `a`, `from_terms` would also put NaN
    /// in the cross moments, which an unnormalized estimate never reads.)
    pub fn from_plain_terms(a: &[f64]) -> TermMoments {
        let n = a.len();
        if n == 0 {
            return TermMoments::default();
        }
        let nf = n as f64;
        let ma = a.iter().fold(0.0, |s, &x| s + x) / nf;
        let c00 = a.iter().fold(0.0, |c, &x| c + (x - ma) * (x - ma));
        let mut comoment = [[0.0; 3]; 3];
        comoment[0][0] = c00;
        TermMoments { n: n as u64, mean: [ma, 0.0, 1.0], comoment }
    }

    /// Merge another state into this one (Chan, Golub & LeVeque 1979).
    pub fn merge(&mut self, other: &TermMoments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = other.clone();
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let delta: [f64; 3] = std::array::from_fn(|j| other.mean[j] - self.mean[j]);
        for j in 0..3 {
            self.mean[j] += delta[j] * nb / n;
            for k in 0..3 {
                self.comoment[j][k] += other.comoment[j][k] + delta[j] * delta[k] * na * nb / n;
            }
        }
        self.n += other.n;
    }

    fn cov(&self, j: usize, k: usize) -> f64 {
        if self.n < 2 { 0.0 } else { self.comoment[j][k] / (self.n - 1) as f64 }
    }

    /// The estimate and its delta-method standard error under a normalizer rule.
    pub fn estimate_and_se(&self, norm: EmptyNormalizer) -> (f64, f64) {
        if self.n == 0 {
            return (f64::NAN, f64::NAN);
        }
        let nf = self.n as f64;
        let [ma, mu, md] = self.mean;
        let ratio_used = norm != EmptyNormalizer::NotNormalized && !(norm == EmptyNormalizer::Zero && md == 0.0);
        if !ratio_used {
            return (ma, (self.cov(0, 0) / nf).sqrt());
        }
        let r = mu / md;
        // ψ = a + (u − r d)/d̄ ; Var ψ expanded in the co-moments.
        let var = self.cov(0, 0)
            + (self.cov(1, 1) + r * r * self.cov(2, 2) - 2.0 * r * self.cov(1, 2)) / (md * md)
            + 2.0 * (self.cov(0, 1) - r * self.cov(0, 2)) / md;
        (ma + r, (var.max(0.0) / nf).sqrt())
    }
}

/// A standard estimator as a streaming accumulator.
///
/// ```
/// use receval::estimators::{StreamingEstimator, BanditFeedback, BanditFeedbackParts};
/// let mut left = StreamingEstimator::new("snipw", None)?;
/// let mut right = left.clone();
/// left.add_round(1.0, 0.5, 0.8, 0.0, 0.0);
/// right.add_round(0.0, 0.25, 0.1, 0.0, 0.0);
/// left.merge(&right)?;
/// // SNIPW = Σ r w / Σ w with w = 1.6 and 0.4
/// assert!((left.value() - 1.6 / 2.0).abs() < 1e-15);
/// # Ok::<(), receval::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StreamingEstimator {
    kernel: Kernel,
    moments: TermMoments,
}

/// The serializable state of a [`StreamingEstimator`] (what a Web Worker posts back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamingState {
    /// OBP's estimator name.
    pub estimator_name: String,
    /// λ, when the estimator has one (may be +∞: send the state with `postMessage`, whose
    /// structured clone keeps `Infinity`, not through JSON, which turns it into `null`).
    pub lambda: Option<f64>,
    /// The moments.
    pub moments: TermMoments,
}

impl StreamingState {
    /// Read a state from a config tree (`{ estimatorName, lambda, moments: { n, mean, comoment } }`,
    /// what `state()` returns in JS), with errors that name the bad key.
    pub fn from_value(v: &crate::config::Value) -> Result<StreamingState> {
        use crate::config::{Obj, Value};
        let o = Obj::new(v, "state")?;
        let estimator_name =
            o.string("estimatorName")?.ok_or_else(|| Error::invalid("state.estimatorName", "is required"))?.to_string();
        let lambda = if o.has("lambda") { Some(o.number("lambda", 0.0, f64::NEG_INFINITY, f64::INFINITY)?) } else { None };
        let m = o.object("moments")?;
        let n = m.integer("n", 0, 0, (1u64 << 53) - 1)?;
        let three = |x: Option<&[Value]>, path: &str| -> Result<[f64; 3]> {
            match x {
                Some([Value::Number(a), Value::Number(b), Value::Number(c)]) => Ok([*a, *b, *c]),
                _ => Err(Error::invalid(path, "expected an array of three numbers")),
            }
        };
        let mean = three(m.array("mean")?, "state.moments.mean")?;
        let rows = m.array("comoment")?.ok_or_else(|| Error::invalid("state.moments.comoment", "is required"))?;
        if rows.len() != 3 {
            return Err(Error::invalid("state.moments.comoment", "expected a 3 × 3 array"));
        }
        let mut comoment = [[0.0; 3]; 3];
        for (j, r) in rows.iter().enumerate() {
            let path = format!("state.moments.comoment[{j}]");
            comoment[j] = three(if let Value::Array(a) = r { Some(a) } else { None }, &path)?;
        }
        m.finish_with(&["n", "mean", "comoment"])?;
        o.finish_with(&["estimatorName", "lambda", "moments"])?;
        Ok(StreamingState { estimator_name, lambda, moments: TermMoments { n, mean, comoment } })
    }
}

impl StreamingEstimator {
    /// An empty accumulator for OBP's `estimator_name` and optional λ.
    pub fn new(estimator_name: &str, lambda: Option<f64>) -> Result<Self> {
        Ok(StreamingEstimator { kernel: kernel_by_name(estimator_name, lambda)?, moments: TermMoments::default() })
    }

    /// The estimator's formula.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Rounds added so far.
    pub fn n_rounds(&self) -> u64 {
        self.moments.n
    }

    /// Add one round from raw quantities (see [`Kernel::round_terms`]); `q_logged` and `dm` are
    /// used only by the model-based estimators. Values are not validated here: use
    /// [`StreamingEstimator::add_feedback`] for validated input.
    pub fn add_round(&mut self, reward: f64, pscore: f64, pi_e: f64, q_logged: f64, dm: f64) {
        self.moments.add(self.kernel.round_terms(reward, pscore, pi_e, q_logged, dm));
    }

    /// Add every round of validated feedback.
    pub fn add_feedback(&mut self, data: &BanditFeedback<'_>) -> Result<()> {
        let moments = &mut self.moments;
        self.kernel.for_each_round(data, |_, t| moments.add(t))
    }

    /// Merge a partial state of the same estimator.
    pub fn merge(&mut self, other: &StreamingEstimator) -> Result<()> {
        if self.kernel != other.kernel {
            return Err(Error::invalid(
                "other",
                format!("cannot merge a {:?} accumulator into a {:?} accumulator", other.kernel, self.kernel),
            ));
        }
        self.moments.merge(&other.moments);
        Ok(())
    }

    /// The current estimate (`NaN` before any round).
    pub fn value(&self) -> f64 {
        self.moments.estimate_and_se(self.kernel.normalizer()).0
    }

    /// Delta-method standard error of the current estimate.
    pub fn standard_error(&self) -> f64 {
        self.moments.estimate_and_se(self.kernel.normalizer()).1
    }

    /// Normal interval `value ± z₁₋α/₂ · SE`.
    pub fn interval(&self, alpha: f64) -> Result<Interval> {
        check_alpha(alpha)?;
        let (v, se) = self.moments.estimate_and_se(self.kernel.normalizer());
        Ok(normal_from(v, se, alpha))
    }

    /// The state, for sending elsewhere.
    pub fn state(&self) -> StreamingState {
        StreamingState {
            estimator_name: self.kernel.name().to_string(),
            lambda: self.kernel.lambda(),
            moments: self.moments.clone(),
        }
    }

    /// Rebuild from a state.
    pub fn from_state(state: &StreamingState) -> Result<Self> {
        // Means and co-moments may be NaN: an estimator that is undefined on some round (dr-os with
        // λ = 0 on a round of weight 0, as in OBP) has a NaN state, and restoring it must give the
        // same NaN estimate rather than an error.
        let mut e = StreamingEstimator::new(&state.estimator_name, state.lambda)?;
        e.moments = state.moments.clone();
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::{RoundTerms, TermMoments};
    use crate::estimators::standard::EmptyNormalizer;

    #[test]
    fn plain_terms_give_the_same_bits_as_full_terms() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let a: Vec<f64> = (0..1001)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 11) as f64 / (1u64 << 53) as f64 * 37.0 - 3.0
            })
            .collect();
        let full = TermMoments::from_terms(&a.iter().map(|&a| RoundTerms { a, u: 0.0, d: 1.0 }).collect::<Vec<_>>());
        let plain = TermMoments::from_plain_terms(&a);
        assert_eq!(full, plain);
        let bits = |m: &TermMoments| {
            let (v, se) = m.estimate_and_se(EmptyNormalizer::NotNormalized);
            (v.to_bits(), se.to_bits())
        };
        assert_eq!(bits(&full), bits(&plain));
        assert_eq!(TermMoments::from_plain_terms(&[]), TermMoments::default());
        assert_eq!(TermMoments::from_plain_terms(&[2.5]), TermMoments::from_terms(&[RoundTerms { a: 2.5, u: 0.0, d: 1.0 }]));
    }
}
