//! A small structural causal model of a recommendation, to see when the association in logs is
//! the causal effect of showing an item and when it is not.
//!
//! Four binary variables for a (user, item) pair:
//! * U — the user likes this kind of item (taste), P(U = 1) = `p_taste`;
//! * C — the item is popular (a confounder), P(C = 1) = `p_popular`;
//! * E — the recommender shows the item: P(E = 1 | U, C) = σ(e₀ + e_U·U + e_C·C);
//! * Y — the user clicks/buys it: P(Y = 1 | E, U, C) = σ(y₀ + y_E·E + y_U·U + y_C·C).
//!
//! Switching an edge off sets its coefficient to 0; `confounding` scales the four edges out of U
//! and C. The causal quantity is P(Y = 1 | do(E = e)) = Σ_{u,c} P(u) P(c) P(Y = 1 | e, u, c),
//! computed exactly; from a sample one can compute the naive P(Y | E = e), the back-door
//! adjustment Σ_z P̂(z) P̂(Y | e, z) over a chosen set Z ⊆ {U, C}, and IPW with the estimated
//! propensity P̂(E = e | z). Adjustment is right when Z blocks every back-door path (here: Z
//! contains each of U and C that has edges into both E and Y).

use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::math;
use crate::rng::Rng;

/// The model's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scm {
    /// P(U = 1).
    pub p_taste: f64,
    /// P(C = 1).
    pub p_popular: f64,
    /// Intercept of exposure (logit).
    pub e0: f64,
    /// Taste → exposure.
    pub e_u: f64,
    /// Popularity → exposure.
    pub e_c: f64,
    /// Intercept of the click (logit).
    pub y0: f64,
    /// Exposure → click (the causal effect).
    pub y_e: f64,
    /// Taste → click.
    pub y_u: f64,
    /// Popularity → click.
    pub y_c: f64,
}

impl Default for Scm {
    fn default() -> Self {
        Scm { p_taste: 0.3, p_popular: 0.3, e0: -1.5, e_u: 2.0, e_c: 2.0, y0: -3.0, y_e: 1.0, y_u: 2.0, y_c: 1.0 }
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + math::exp(-x))
}

impl Scm {
    /// Parse `{ pTaste, pPopular, e0, eU, eC, y0, yE, yU, yC, confounding = 1, edges: { tasteToExposure,
    /// popularityToExposure, tasteToClick, popularityToClick, exposureToClick } }` (all optional).
    pub fn from_value(v: &Value) -> Result<Scm> {
        let o = Obj::new(v, "model")?;
        let d = Scm::default();
        let p = |k, def| o.number(k, def, 0.0, 1.0);
        let c = |k, def| o.number(k, def, -10.0, 10.0);
        let mut s = Scm {
            p_taste: p("pTaste", d.p_taste)?,
            p_popular: p("pPopular", d.p_popular)?,
            e0: c("e0", d.e0)?,
            e_u: c("eU", d.e_u)?,
            e_c: c("eC", d.e_c)?,
            y0: c("y0", d.y0)?,
            y_e: c("yE", d.y_e)?,
            y_u: c("yU", d.y_u)?,
            y_c: c("yC", d.y_c)?,
        };
        let k = o.number("confounding", 1.0, 0.0, 5.0)?;
        s.e_u *= k;
        s.e_c *= k;
        s.y_u *= k;
        s.y_c *= k;
        let edges = o.object("edges")?;
        for (key, coef) in [
            ("tasteToExposure", &mut s.e_u),
            ("popularityToExposure", &mut s.e_c),
            ("tasteToClick", &mut s.y_u),
            ("popularityToClick", &mut s.y_c),
            ("exposureToClick", &mut s.y_e),
        ] {
            if !edges.boolean(key, true)? {
                *coef = 0.0;
            }
        }
        edges.finish_with(&[
            "tasteToExposure",
            "popularityToExposure",
            "tasteToClick",
            "popularityToClick",
            "exposureToClick",
        ])?;
        o.finish_with(&["pTaste", "pPopular", "e0", "eU", "eC", "y0", "yE", "yU", "yC", "confounding", "edges"])?;
        Ok(s)
    }

    fn p_u(&self, u: usize) -> f64 {
        if u == 1 { self.p_taste } else { 1.0 - self.p_taste }
    }
    fn p_c(&self, c: usize) -> f64 {
        if c == 1 { self.p_popular } else { 1.0 - self.p_popular }
    }
    /// P(E = 1 | u, c).
    pub fn p_exposed(&self, u: usize, c: usize) -> f64 {
        sigmoid(self.e0 + self.e_u * u as f64 + self.e_c * c as f64)
    }
    /// P(Y = 1 | e, u, c).
    pub fn p_click(&self, e: usize, u: usize, c: usize) -> f64 {
        sigmoid(self.y0 + self.y_e * e as f64 + self.y_u * u as f64 + self.y_c * c as f64)
    }

    /// Exact P(Y = 1 | do(E = e)).
    pub fn interventional(&self, e: usize) -> f64 {
        let mut v = 0.0;
        for u in 0..2 {
            for c in 0..2 {
                v += self.p_u(u) * self.p_c(c) * self.p_click(e, u, c);
            }
        }
        v
    }

    /// Exact observational P(Y = 1 | E = e).
    pub fn observational(&self, e: usize) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for u in 0..2 {
            for c in 0..2 {
                let pe = if e == 1 { self.p_exposed(u, c) } else { 1.0 - self.p_exposed(u, c) };
                let w = self.p_u(u) * self.p_c(c) * pe;
                num += w * self.p_click(e, u, c);
                den += w;
            }
        }
        num / den
    }

    /// Draw `n` units; returns counts per cell (u, c, e, y) indexed u·8 + c·4 + e·2 + y.
    pub fn sample_counts(&self, n: usize, seed: u64) -> [f64; 16] {
        let mut rng = Rng::new(seed);
        let mut counts = [0.0; 16];
        for _ in 0..n {
            let u = rng.bernoulli(self.p_taste) as usize;
            let c = rng.bernoulli(self.p_popular) as usize;
            let e = rng.bernoulli(self.p_exposed(u, c)) as usize;
            let y = rng.bernoulli(self.p_click(e, u, c)) as usize;
            counts[u * 8 + c * 4 + e * 2 + y] += 1.0;
        }
        counts
    }
}

/// Which variables an estimate adjusts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adjust {
    /// Adjust for taste U (is it measured?).
    pub taste: bool,
    /// Adjust for popularity C.
    pub popularity: bool,
}

/// The three estimates of P(Y = 1 | do(E = e)) from a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CausalEstimates {
    /// P̂(Y = 1 | E = e).
    pub naive: f64,
    /// Back-door adjustment over the chosen set.
    pub adjusted: f64,
    /// IPW with the estimated propensity over the chosen set.
    pub ipw: f64,
}

/// Estimates of P(Y = 1 | do(E = e)) from cell counts. Strata without units exposed as `e` make
/// the adjustment undefined: they are reported as an error naming the stratum.
pub fn estimate(counts: &[f64; 16], e: usize, adjust: Adjust) -> Result<CausalEstimates> {
    let n: f64 = counts.iter().sum();
    if n == 0.0 {
        return Err(Error::invalid("n", "expected a sample with at least one unit"));
    }
    let cell = |u: usize, c: usize, ee: usize, y: usize| counts[u * 8 + c * 4 + ee * 2 + y];
    let (mut ny, mut ne) = (0.0, 0.0);
    for u in 0..2 {
        for c in 0..2 {
            ny += cell(u, c, e, 1);
            ne += cell(u, c, e, 0) + cell(u, c, e, 1);
        }
    }
    let naive = if ne > 0.0 { ny / ne } else { f64::NAN };
    // strata z over the adjusted variables; each stratum sums over the others
    let zs: Vec<(Vec<usize>, Vec<usize>)> = {
        let us: Vec<Vec<usize>> = if adjust.taste { vec![vec![0], vec![1]] } else { vec![vec![0, 1]] };
        let cs: Vec<Vec<usize>> = if adjust.popularity { vec![vec![0], vec![1]] } else { vec![vec![0, 1]] };
        us.iter().flat_map(|u| cs.iter().map(move |c| (u.clone(), c.clone()))).collect()
    };
    let (mut adjusted, mut ipw) = (0.0, 0.0);
    for (us, cs) in &zs {
        let (mut nz, mut nze, mut nzey) = (0.0, 0.0, 0.0);
        for &u in us {
            for &c in cs {
                for ee in 0..2 {
                    for y in 0..2 {
                        nz += cell(u, c, ee, y);
                    }
                }
                nze += cell(u, c, e, 0) + cell(u, c, e, 1);
                nzey += cell(u, c, e, 1);
            }
        }
        if nz == 0.0 {
            continue;
        }
        if nze == 0.0 {
            return Err(Error::unsupported(
                "adjust",
                format!(
                    "no unit with exposure = {e} in the stratum taste ∈ {us:?}, popularity ∈ {cs:?}: the adjustment needs positivity there (a bigger sample, or a weaker exposure rule)"
                ),
            ));
        }
        adjusted += (nz / n) * (nzey / nze);
        // IPW: Σ 1[E=e] Y / P̂(E=e | z) / n, with P̂(E=e|z) = nze / nz
        ipw += nzey / (nze / nz) / n;
    }
    Ok(CausalEstimates { naive, adjusted, ipw })
}

/// Percentile-bootstrap standard errors of the three estimates (resampling units, i.e. the cell
/// counts multinomially), `reps` times.
pub fn bootstrap_se(counts: &[f64; 16], e: usize, adjust: Adjust, reps: usize, seed: u64) -> [f64; 3] {
    let n = counts.iter().sum::<f64>() as usize;
    let probs: Vec<f64> = counts.iter().map(|c| c / n.max(1) as f64).collect();
    let alias = crate::rng::AliasTable::new(&probs, 16);
    let mut rng = Rng::new(seed);
    let mut samples: [Vec<f64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..reps {
        let mut c = [0.0; 16];
        for _ in 0..n {
            c[alias.sample(0, &mut rng)] += 1.0;
        }
        if let Ok(est) = estimate(&c, e, adjust) {
            for (s, v) in samples.iter_mut().zip([est.naive, est.adjusted, est.ipw]) {
                if v.is_finite() {
                    s.push(v);
                }
            }
        }
    }
    samples.map(|s| crate::stats::std_dev(&s))
}
