//! Large action spaces: marginalized inverse propensity weighting (MIPW, Saito & Joachims, ICML
//! 2022), as Open Bandit Pipeline 0.5.7's `estimators_embed` computes it when the conditional
//! distribution of the action embeddings is known (`p_e_a`).
//!
//! With many actions, IPS's weights π_e(a|x)/π_b(a|x) grow with the number of actions the logger
//! spreads over. MIPW weighs by how likely each policy is to produce the logged action's
//! *embedding* e (for instance its topics) instead:
//! w(x, e) = p(e | x, π_e) / p(e | x, π_b), p(e | x, π) = Σₐ π(a|x) p(e|a), with
//! p(e|a) = Πᵈ p(e_d | a). It is unbiased when the reward depends on the action only through its
//! embedding, and its variance no longer grows with the number of actions.
//!
//! * `mipw`: round reward rᵢ · w(xᵢ, eᵢ).
//! * `snmipw`: OBP 0.5.7's self-normalized variant, reproduced exactly — note that OBP computes
//!   its weight as a product over embedding dimensions of per-dimension marginal ratios,
//!   Πᵈ (Σₐ π_e(a|x) p(e_d|a)) / Πᵈ (Σₐ π_b(a|x) p(e_d|a)), which equals `mipw`'s joint weight only
//!   when the dimensions are independent under both policies. The estimator's warnings say so.
//!
//! OBP's embedding selection (`embedding_selection_method`) and its classifier-estimated weights
//! (without `p_e_a`) are not implemented.

use super::input::{BanditFeedback, check_distribution, check_indices, check_len};
use super::standard::{EmptyNormalizer, RoundTerms};
use crate::error::{Error, Result};

/// The estimators of this module.
pub const EMBED_ESTIMATORS: [&str; 2] = ["mipw", "snmipw"];

/// What MIPW needs beyond the standard input.
#[derive(Debug, Clone, Copy)]
pub struct EmbedParts<'a> {
    /// The logged action's embedding per round, flat n_rounds × dim_embed (OBP's `action_embed`),
    /// each category in `0..n_cat_per_dim`.
    pub action_embed: &'a [u32],
    /// The logging policy over all actions, flat n_rounds × n_actions × len_list (OBP's `pi_b`).
    pub pi_b: &'a [f64],
    /// p(e_d = c | a), flat n_actions × n_cat_per_dim × dim_embed (OBP's `p_e_a`).
    pub p_e_a: &'a [f64],
    /// Categories per embedding dimension.
    pub n_cat_per_dim: usize,
}

/// The dimension of the embedding, after checking every shape and distribution.
fn validate(data: &BanditFeedback<'_>, e: &EmbedParts<'_>) -> Result<usize> {
    let (n, na, l) = (data.n_rounds(), data.n_actions(), data.len_list());
    if e.n_cat_per_dim == 0 {
        return Err(Error::invalid("nCatPerDim", "expected a positive integer, got 0"));
    }
    if e.action_embed.is_empty() || e.action_embed.len() % n != 0 {
        return Err(Error::invalid(
            "actionEmbed",
            format!("expected n_rounds ({n}) × dimEmbed values, got {}", e.action_embed.len()),
        ));
    }
    let dim = e.action_embed.len() / n;
    check_indices("actionEmbed", e.action_embed, e.n_cat_per_dim, "nCatPerDim")?;
    check_len(
        "pEA",
        e.p_e_a.len(),
        na * e.n_cat_per_dim * dim,
        &format!("nActions {na} × nCatPerDim {} × dimEmbed {dim}", e.n_cat_per_dim),
    )?;
    if let Some((i, x)) = e.p_e_a.iter().enumerate().find(|(_, x)| !(**x >= 0.0 && **x <= 1.0)) {
        return Err(Error::invalid("pEA", format!("expected probabilities in [0, 1], got {x} at index {i}")));
    }
    for a in 0..na {
        for d in 0..dim {
            let s: f64 = (0..e.n_cat_per_dim).map(|c| e.p_e_a[(a * e.n_cat_per_dim + c) * dim + d]).sum();
            if (s - 1.0).abs() > super::input::SUM_TOLERANCE {
                return Err(Error::invalid(
                    "pEA",
                    format!("expected p(e_d | a) to sum to 1 over the categories, got {s} for action {a}, dimension {d}"),
                ));
            }
        }
    }
    check_len("piB", e.pi_b.len(), n * na * l, &format!("n_rounds {n} × nActions {na} × lenList {l}"))?;
    check_distribution("piB", e.pi_b, n, na, l)?;
    Ok(dim)
}

/// The round terms of `mipw` or `snmipw`, their normalizer, and the marginal weights.
pub fn embed_terms(
    estimator_name: &str,
    data: &BanditFeedback<'_>,
    e: &EmbedParts<'_>,
) -> Result<(Vec<RoundTerms>, EmptyNormalizer, Vec<f64>)> {
    let self_normalized = match estimator_name {
        "mipw" => false,
        "snmipw" => true,
        other => {
            return Err(Error::invalid(
                "estimatorName",
                format!("unknown embedding estimator {other:?}; expected mipw or snmipw"),
            ));
        }
    };
    let dim = validate(data, e)?;
    let (n, na, l, nc) = (data.n_rounds(), data.n_actions(), data.len_list(), e.n_cat_per_dim);
    let p = |a: usize, c: usize, d: usize| e.p_e_a[(a * nc + c) * dim + d];
    let r = data.reward();
    let mut weights = Vec::with_capacity(n);
    let mut terms = Vec::with_capacity(n);
    for i in 0..n {
        let k = data.position_of(i);
        let emb = &e.action_embed[i * dim..(i + 1) * dim];
        let pi_b = |a: usize| e.pi_b[(i * na + a) * l + k];
        let (num, den) = if self_normalized {
            // OBP's snmipw: product over dimensions of the per-dimension marginals
            (0..dim).fold((1.0, 1.0), |(num, den), d| {
                let c = emb[d] as usize;
                let (pe, pb) =
                    (0..na).fold((0.0, 0.0), |(x, y), a| (x + data.pi_e(i, a, k) * p(a, c, d), y + pi_b(a) * p(a, c, d)));
                (num * pe, den * pb)
            })
        } else {
            (0..na).fold((0.0, 0.0), |(num, den), a| {
                let joint: f64 = (0..dim).map(|d| p(a, emb[d] as usize, d)).product();
                (num + data.pi_e(i, a, k) * joint, den + pi_b(a) * joint)
            })
        };
        if den <= 0.0 {
            return Err(Error::invalid(
                "piB",
                format!(
                    "the logging policy cannot produce the embedding logged at round {i} (its probability under piB and pEA is 0): the log or its inputs disagree"
                ),
            ));
        }
        let w = num / den;
        weights.push(w);
        terms.push(if self_normalized {
            RoundTerms { a: 0.0, u: r[i] * w, d: w }
        } else {
            RoundTerms { a: r[i] * w, u: 0.0, d: 1.0 }
        });
    }
    let norm = if self_normalized { EmptyNormalizer::Nan } else { EmptyNormalizer::NotNormalized };
    Ok((terms, norm, weights))
}

/// What to tell a reader about an embedding estimate.
pub fn embed_warnings(estimator_name: &str) -> Vec<String> {
    if estimator_name == "snmipw" {
        vec!["snmipw reproduces Open Bandit Pipeline 0.5.7, whose weight is a product of per-dimension marginal ratios rather than mipw's joint ratio self-normalized: the two agree only when the embedding's dimensions are independent under both policies.".into()]
    } else {
        Vec::new()
    }
}
