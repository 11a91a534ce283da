//! Toy recommenders: policies that give *exact* action probabilities, for single items and for
//! rankings (Plackett–Luce and friends), so that logs carry exact propensities and policy values
//! are exact.
//!
//! Policy configs (JSON):
//!
//! | kind | fields | single item | ranking of L items |
//! |---|---|---|---|
//! | `uniform` | | 1/m | uniform without replacement |
//! | `softmax` | `beta`, `score` | softmax(β·z) | Plackett–Luce with weights exp(β·z) |
//! | `greedy` | `score` | argmax (ties share) | top-L (ties by item index) |
//! | `top-k` | `k`, `score` | uniform over the top k | uniform ranking of the top k |
//! | `popularity` | `power` | ∝ popularityᵖ | Plackett–Luce with those weights |
//! | `epsilon-greedy` | `epsilon`, `base` | (1−ε)·base + ε·uniform | the whole ranking from base or uniform |
//! | `mixture` | `components: [{weight, policy}]` | Σ weight·policy | one component per session |
//! | `thompson` | see [`super::OnlineSpec`] | an online bandit (logging only) | |
//!
//! `z` is the policy's score standardized per user (zero mean, unit variance over items), so a
//! given β means the same skew in every world whatever its click rates; β = 0 is uniform, large β
//! near greedy, negative β deliberately bad (OBP's convention). A `score` is `"relevance"` (the
//! true probability of liking, the default), `"popularity"`, `"noise"`, `"model:NAME"` (scores of
//! a recommender fitted with `fitRecommender`), or a weighted blend such as
//! `{ relevance: 1, popularity: 0.5, noise: 0.3, noiseSeed: 7 }`.

use super::World;
use super::online::OnlineSpec;
use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::rng::{AliasTable, Rng, derive_seed};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Where a policy's scores come from: a weighted blend of standardized components.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScoreSpec {
    /// Weight of the true relevance.
    pub relevance: f64,
    /// Weight of log-popularity.
    pub popularity: f64,
    /// Weight of fixed random noise (a model's error).
    pub noise: f64,
    /// Seed of the noise.
    pub noise_seed: u64,
    /// A registered model and its weight.
    pub model: Option<(String, f64)>,
}

impl ScoreSpec {
    /// The true relevance only (the default score).
    pub fn relevance() -> Self {
        ScoreSpec { relevance: 1.0, ..Default::default() }
    }

    fn from_value(v: Option<&Value>, path: &str) -> Result<Self> {
        match v {
            None => Ok(ScoreSpec::relevance()),
            Some(Value::String(s)) => match s.as_str() {
                "relevance" => Ok(ScoreSpec::relevance()),
                "popularity" => Ok(ScoreSpec { popularity: 1.0, ..Default::default() }),
                "noise" => Ok(ScoreSpec { noise: 1.0, ..Default::default() }),
                m if m.starts_with("model:") => Ok(ScoreSpec { model: Some((m[6..].to_string(), 1.0)), ..Default::default() }),
                other => Err(Error::invalid(
                    path,
                    format!(
                        "unknown score {other:?}; expected \"relevance\", \"popularity\", \"noise\", \"model:NAME\" or an object of weights"
                    ),
                )),
            },
            Some(v @ Value::Object(_)) => {
                let o = Obj::new(v, path)?;
                let w = |k| o.number(k, 0.0, -100.0, 100.0);
                let s = ScoreSpec {
                    relevance: w("relevance")?,
                    popularity: w("popularity")?,
                    noise: w("noise")?,
                    noise_seed: o.seed("noiseSeed", 0)?,
                    model: match o.string("model")? {
                        Some(name) => Some((name.to_string(), o.number("modelWeight", 1.0, -100.0, 100.0)?)),
                        None if o.has("modelWeight") => {
                            return Err(Error::invalid(
                                format!("{path}.modelWeight"),
                                "weighs a model's scores: give the model's name in `model` too",
                            ));
                        }
                        None => None,
                    },
                };
                o.finish_with(&["relevance", "popularity", "noise", "noiseSeed", "model", "modelWeight"])?;
                if s.relevance == 0.0 && s.popularity == 0.0 && s.noise == 0.0 && s.model.is_none() {
                    return Err(Error::invalid(
                        path,
                        "expected at least one non-zero weight (relevance, popularity, noise or model)",
                    ));
                }
                Ok(s)
            }
            Some(other) => {
                Err(Error::invalid(path, format!("expected a score name or an object of weights, got {}", other.describe())))
            }
        }
    }

    /// Standardized scores for every user and item (n_users × n_items).
    pub fn compute(&self, world: &World) -> Result<Vec<f64>> {
        let (nu, ni) = (world.n_users(), world.n_items());
        let mut out = vec![0.0; nu * ni];
        let mut add = |w: f64, f: &dyn Fn(usize, usize) -> f64| {
            if w == 0.0 {
                return;
            }
            let mut row = vec![0.0; ni];
            for u in 0..nu {
                row.iter_mut().enumerate().for_each(|(i, x)| *x = f(u, i));
                standardize(&mut row);
                for (o, x) in out[u * ni..(u + 1) * ni].iter_mut().zip(&row) {
                    *o += w * x;
                }
            }
        };
        add(self.relevance, &|u, i| world.rel(u, i));
        add(self.popularity, &|_, i| world.popularity_z()[i]);
        if self.noise != 0.0 {
            let seed = derive_seed(self.noise_seed, 0x5c0e);
            add(self.noise, &|u, i| {
                let mut r = Rng::new(derive_seed(seed, (u * ni + i) as u64));
                r.normal()
            });
        }
        if let Some((name, w)) = &self.model {
            let m = world.model(name)?;
            add(*w, &|u, i| m[u * ni + i]);
        }
        for u in 0..nu {
            standardize(&mut out[u * ni..(u + 1) * ni]);
        }
        Ok(out)
    }
}

/// Zero mean, unit variance (population sd); all zeros when constant.
fn standardize(xs: &mut [f64]) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt();
    for x in xs.iter_mut() {
        *x = if sd > 1e-12 { (*x - m) / sd } else { 0.0 };
    }
}

/// A policy config.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicySpec {
    /// Uniformly random.
    Uniform,
    /// Softmax (single items) / Plackett–Luce (rankings) over β·score.
    Softmax {
        /// Inverse temperature.
        beta: f64,
        /// Score.
        score: ScoreSpec,
    },
    /// The best item / the top-L items.
    Greedy {
        /// Score.
        score: ScoreSpec,
    },
    /// Uniform over the top k items.
    TopK {
        /// How many (0: the default, 10 or every item of a smaller catalog).
        k: usize,
        /// Score.
        score: ScoreSpec,
    },
    /// Proportional to popularity^power.
    Popularity {
        /// Exponent.
        power: f64,
    },
    /// Base policy with probability 1 − ε, uniform with probability ε.
    EpsilonGreedy {
        /// Exploration probability.
        epsilon: f64,
        /// Base policy.
        base: Box<PolicySpec>,
    },
    /// A mixture: each session follows one component, chosen with its weight.
    Mixture {
        /// (weight, policy); weights are positive and sum to 1.
        components: Vec<(f64, PolicySpec)>,
    },
    /// An online bandit (logging only).
    Online(OnlineSpec),
}

const KINDS: &[&str] = &["uniform", "softmax", "greedy", "top-k", "popularity", "epsilon-greedy", "mixture", "thompson"];

impl PolicySpec {
    /// Parse a policy config at `path` (e.g. "policy").
    pub fn from_value(v: &Value, path: &str) -> Result<Self> {
        let o = Obj::new(v, path)?;
        let kind = match o.get("kind") {
            Some(Value::String(s)) => s.as_str(),
            Some(other) => {
                return Err(Error::invalid(
                    o.path_of("kind"),
                    format!("expected one of {}, got {}", KINDS.join(", "), other.describe()),
                ));
            }
            None => return Err(Error::invalid(o.path_of("kind"), format!("is required: expected one of {}", KINDS.join(", ")))),
        };
        let spec = match kind {
            "uniform" => {
                o.finish_with(&["kind"])?;
                PolicySpec::Uniform
            }
            "softmax" => {
                let s = PolicySpec::Softmax {
                    beta: o.required_number("beta", -1000.0, 1000.0)?,
                    score: ScoreSpec::from_value(o.get("score"), &o.path_of("score"))?,
                };
                o.finish_with(&["kind", "beta", "score"])?;
                s
            }
            "greedy" => {
                let s = PolicySpec::Greedy { score: ScoreSpec::from_value(o.get("score"), &o.path_of("score"))? };
                o.finish_with(&["kind", "score"])?;
                s
            }
            "top-k" => {
                let s = PolicySpec::TopK {
                    k: o.integer("k", 0, 1, 1_000_000)? as usize,
                    score: ScoreSpec::from_value(o.get("score"), &o.path_of("score"))?,
                };
                o.finish_with(&["kind", "k", "score"])?;
                s
            }
            "popularity" => {
                let s = PolicySpec::Popularity { power: o.number("power", 1.0, 0.0, 10.0)? };
                o.finish_with(&["kind", "power"])?;
                s
            }
            "epsilon-greedy" => {
                let base = o.get("base").ok_or_else(|| Error::invalid(o.path_of("base"), "is required: expected a policy"))?;
                let s = PolicySpec::EpsilonGreedy {
                    epsilon: o.required_number("epsilon", 0.0, 1.0)?,
                    base: Box::new(PolicySpec::from_value(base, &o.path_of("base"))?),
                };
                o.finish_with(&["kind", "epsilon", "base"])?;
                s
            }
            "mixture" => {
                let comps = o.array("components")?.ok_or_else(|| {
                    Error::invalid(
                        o.path_of("components"),
                        "is required: expected [{ weight, policy }, …] with positive weights that sum to 1",
                    )
                })?;
                if comps.is_empty() {
                    return Err(Error::invalid(o.path_of("components"), "expected at least one component"));
                }
                let mut components = Vec::new();
                for (i, c) in comps.iter().enumerate() {
                    let p = format!("{}[{i}]", o.path_of("components"));
                    let co = Obj::new(c, &p)?;
                    let weight = co.required_number("weight", f64::NEG_INFINITY, f64::INFINITY)?;
                    if !(weight > 0.0 && weight <= 1.0) {
                        return Err(Error::invalid(
                            co.path_of("weight"),
                            format!("mixture weights are positive and sum to 1; got {weight}"),
                        ));
                    }
                    let pv =
                        co.get("policy").ok_or_else(|| Error::invalid(co.path_of("policy"), "is required: expected a policy"))?;
                    components.push((weight, PolicySpec::from_value(pv, &co.path_of("policy"))?));
                    co.finish_with(&["weight", "policy"])?;
                }
                let total: f64 = components.iter().map(|c| c.0).sum();
                if (total - 1.0).abs() > 1e-9 {
                    return Err(Error::invalid(
                        o.path_of("components"),
                        format!("mixture weights are positive and sum to 1; they sum to {total}"),
                    ));
                }
                o.finish_with(&["kind", "components"])?;
                PolicySpec::Mixture { components }
            }
            "thompson" => PolicySpec::Online(OnlineSpec::from_obj(&o)?),
            other => {
                return Err(Error::invalid(
                    o.path_of("kind"),
                    format!("unknown policy kind {other:?}; expected one of {}", KINDS.join(", ")),
                ));
            }
        };
        Ok(spec)
    }

    /// A uniform randomized bucket of share `bucket` next to `production`.
    pub fn with_random_bucket(production: PolicySpec, bucket: f64) -> PolicySpec {
        if bucket <= 0.0 {
            return production;
        }
        if bucket >= 1.0 {
            return PolicySpec::Uniform;
        }
        PolicySpec::Mixture { components: vec![(1.0 - bucket, production), (bucket, PolicySpec::Uniform)] }
    }
}

#[derive(Debug, Clone)]
enum Node {
    Uniform,
    /// Plackett–Luce / softmax with these logits (n_users × n_items).
    Logits(Arc<Vec<f64>>),
    /// Plackett–Luce with the same weights for every user.
    Weights(Arc<Vec<f64>>),
    /// Deterministic order by score (ties by index).
    Greedy(Ranked),
    /// Uniform over the top k by score.
    TopK(usize, Ranked),
    Mixture(Vec<(f64, Node)>),
}

/// A compiled policy: exact probabilities for every user of a world.
#[derive(Debug, Clone)]
pub struct Policy {
    spec: PolicySpec,
    node: Node,
    n_items: usize,
    /// Single-item probabilities (n_users × n_items), computed once.
    table: Arc<Vec<f64>>,
    /// Tables of the top-level mixture components (for recording which one acted).
    component_tables: Vec<(f64, Arc<Vec<f64>>)>,
    /// Alias tables of the components, built on first use and shared by clones.
    alias: Arc<OnceLock<Vec<AliasTable>>>,
    /// Item-position marginals already computed, by (user, list length), shared by clones (a
    /// lesson collects many logs with one policy); at most [`MARGINALS_CACHED`] numbers.
    marginals: Arc<Mutex<MarginalsCache>>,
}

/// Item-position marginals by (user, list length), and how many numbers they hold.
type MarginalsCache = (HashMap<(usize, usize), Arc<Vec<f64>>, crate::rng::MixHash>, usize);

/// The most numbers a policy keeps in its marginals cache (8 MB).
const MARGINALS_CACHED: usize = 1 << 20;

/// Largest number of prefixes enumerated for exact item-position marginals of one user.
pub const ENUMERATION_LIMIT: f64 = 2.0e6;

impl Policy {
    /// Compile a spec against a world.
    pub fn compile(world: &World, spec: &PolicySpec) -> Result<Policy> {
        let node = compile_node(world, spec)?;
        let (nu, ni) = (world.n_users(), world.n_items());
        let table = Arc::new(node_table(&node, nu, ni));
        let component_tables = match &node {
            Node::Mixture(parts) => parts.iter().map(|(w, n)| (*w, Arc::new(node_table(n, nu, ni)))).collect(),
            _ => vec![(1.0, table.clone())],
        };
        Ok(Policy {
            spec: spec.clone(),
            node,
            n_items: ni,
            table,
            component_tables,
            alias: Arc::new(OnceLock::new()),
            marginals: Arc::default(),
        })
    }

    /// Parse and compile.
    pub fn from_value(world: &World, v: &Value, path: &str) -> Result<Policy> {
        Policy::compile(world, &PolicySpec::from_value(v, path)?)
    }

    /// The spec.
    pub fn spec(&self) -> &PolicySpec {
        &self.spec
    }

    /// Single-item probabilities, n_users × n_items.
    pub fn table(&self) -> Result<&[f64]> {
        Ok(&self.table)
    }

    /// π(· | u) for single items.
    pub fn probs(&self, u: usize) -> &[f64] {
        &self.table[u * self.n_items..(u + 1) * self.n_items]
    }

    /// The top-level components (weight, single-item table); one component of weight 1 unless
    /// the policy is a mixture (ε-greedy is a mixture of its base and uniform).
    pub(crate) fn components(&self) -> &[(f64, Arc<Vec<f64>>)] {
        &self.component_tables
    }

    /// The `c`-th top-level component as a policy of its own (a mixture's part; for ε-greedy,
    /// component 1 is the uniform exploration). `None` when there is no such component.
    pub fn component_policy(&self, c: usize) -> Option<Policy> {
        let node = match &self.node {
            Node::Mixture(parts) => parts.get(c)?.1.clone(),
            n if c == 0 => n.clone(),
            _ => return None,
        };
        let table = self.component_tables.get(c)?.1.clone();
        Some(Policy {
            spec: self.spec.clone(),
            node,
            n_items: self.n_items,
            component_tables: vec![(1.0, table.clone())],
            table,
            alias: Arc::new(OnceLock::new()),
            marginals: Arc::default(),
        })
    }

    /// Alias tables (one per component) for O(1) single-item draws.
    pub(crate) fn alias_tables(&self) -> &[AliasTable] {
        self.alias.get_or_init(|| self.component_tables.iter().map(|(_, t)| AliasTable::new(t, self.n_items)).collect())
    }

    /// The scores by which the policy orders items for every user (n_users × n_items): its logits or
    /// score for score-based policies, popularity weights, and its single-item probabilities for
    /// uniform and mixtures. Ranking metrics sort items by these.
    pub fn score_table(&self) -> Vec<f64> {
        let nu = self.table.len() / self.n_items;
        match &self.node {
            Node::Logits(l) => l.to_vec(),
            Node::Greedy(l) | Node::TopK(_, l) => l.to_vec(),
            Node::Weights(w) => (0..nu).flat_map(|_| w.iter().copied()).collect(),
            _ => self.table.to_vec(),
        }
    }

    /// Sample a ranking of `len` items for user u; returns the items and the top-level component.
    pub fn sample_ranking(&self, u: usize, len: usize, rng: &mut Rng) -> Result<(Vec<usize>, usize)> {
        self.check_len(len)?;
        match &self.node {
            Node::Mixture(parts) => {
                let c = rng.categorical(&parts.iter().map(|p| p.0).collect::<Vec<_>>());
                Ok((sample_node(&parts[c].1, u, len, self.n_items, rng)?, c))
            }
            n => Ok((sample_node(n, u, len, self.n_items, rng)?, 0)),
        }
    }

    fn check_len(&self, len: usize) -> Result<()> {
        if len == 0 || len > self.n_items {
            return Err(Error::invalid("lenList", format!("expected 1 ≤ lenList ≤ nItems ({}), got {len}", self.n_items)));
        }
        Ok(())
    }

    /// Probability of each prefix of `slate` (entry k: the first k+1 items, in order) for user u.
    /// The last entry is the whole-slate probability.
    pub fn prefix_probs(&self, u: usize, slate: &[usize]) -> Vec<f64> {
        prefix_node(&self.node, u, slate, self.n_items)
    }

    /// Exact item-position marginals P(item a at position k | u), flat n_items × len.
    pub fn marginals(&self, u: usize, len: usize) -> Result<Vec<f64>> {
        self.check_len(len)?;
        // (a poisoned lock only means another thread panicked while inserting: the map is whole)
        if let Some(m) = self.marginals.lock().unwrap_or_else(|e| e.into_inner()).0.get(&(u, len)) {
            return Ok(m.to_vec());
        }
        let m = marginals_node(&self.node, u, len, self.n_items)?;
        let mut cache = self.marginals.lock().unwrap_or_else(|e| e.into_inner());
        if cache.1 + m.len() <= MARGINALS_CACHED {
            cache.1 += m.len();
            cache.0.insert((u, len), Arc::new(m.clone()));
        }
        Ok(m)
    }

    /// Probability of each item at position k given the items above it (the conditional that
    /// Cascade-DR's `evaluation_policy_action_dist` holds), flat len × n_items. After a prefix
    /// this policy never places (a deterministic ranking, a different first item) the conditional
    /// is undefined; those rows hold the uniform distribution over the items not yet placed, so
    /// every row is a distribution. Their value never matters: every term of such a row is
    /// weighted by the prefix's probability, 0.
    pub fn conditionals(&self, u: usize, slate: &[usize]) -> Vec<f64> {
        let ni = self.n_items;
        let mut out = vec![0.0; slate.len() * ni];
        let prefix = self.prefix_probs(u, slate);
        let mut ext = slate.to_vec();
        for k in 0..slate.len() {
            let above = if k == 0 { 1.0 } else { prefix[k - 1] };
            if above <= 0.0 {
                let left = (0..ni).filter(|a| !slate[..k].contains(a)).count();
                for a in (0..ni).filter(|a| !slate[..k].contains(a)) {
                    out[k * ni + a] = 1.0 / left as f64;
                }
                continue;
            }
            for a in 0..ni {
                if slate[..k].contains(&a) {
                    continue;
                }
                ext[k] = a;
                let p = prefix_node(&self.node, u, &ext[..=k], ni)[k];
                out[k * ni + a] = p / above;
            }
            ext[k] = slate[k];
        }
        out
    }
}

/// How the positions of a ranking are examined, for [`Policy::continuation_value`].
#[derive(Debug, Clone, Copy)]
pub enum Examination<'a> {
    /// Position-based model: position k (absolute, 0-based) is examined with probability `exam[k]`.
    PositionBased(&'a [f64]),
    /// Cascade: the user reads down the list and stops after the first click; `rel[a]` is the
    /// probability of clicking item a when it is examined.
    Cascade(&'a [f64]),
}

impl Policy {
    /// The expected total reward of positions `placed.len()..len` of a ranking for user u, given
    /// that `placed` fills the positions above (in order) and the rest is drawn from this policy
    /// (for a mixture, from each component in proportion to how likely it was to place `placed`).
    /// `value[a]` is the expected reward of item a when examined. Under the cascade, the value
    /// given that the user reaches position `placed.len()`.
    pub fn continuation_value(
        &self,
        u: usize,
        placed: &[usize],
        len: usize,
        exam: Examination<'_>,
        value: &[f64],
    ) -> Result<f64> {
        self.check_len(len)?;
        continuation_node(&self.node, u, placed, len, self.n_items, exam, value)
    }
}

fn continuation_node(
    node: &Node,
    u: usize,
    placed: &[usize],
    len: usize,
    ni: usize,
    exam: Examination<'_>,
    value: &[f64],
) -> Result<f64> {
    let start = placed.len();
    if start >= len {
        return Ok(0.0);
    }
    let left = len - start;
    let pbm_sum = |items: &mut dyn Iterator<Item = usize>| -> f64 {
        let mut v = 0.0;
        let mut reach = 1.0;
        for (j, a) in items.enumerate() {
            match exam {
                Examination::PositionBased(e) => v += e[start + j] * value[a],
                Examination::Cascade(rel) => {
                    v += reach * value[a];
                    reach *= 1.0 - rel[a];
                }
            }
        }
        v
    };
    Ok(match node {
        Node::Mixture(parts) => {
            let post: Vec<f64> =
                parts.iter().map(|(w, n)| w * if start == 0 { 1.0 } else { prefix_node(n, u, placed, ni)[start - 1] }).collect();
            let z: f64 = post.iter().sum();
            if z <= 0.0 {
                return Ok(0.0);
            }
            let mut v = 0.0;
            for ((_, n), p) in parts.iter().zip(&post) {
                if *p > 0.0 {
                    v += p / z * continuation_node(n, u, placed, len, ni, exam, value)?;
                }
            }
            v
        }
        Node::Greedy(s) => pbm_sum(&mut s.order(u, ni).into_iter().filter(|a| !placed.contains(a)).take(left)),
        pl => {
            let mut l = match pl {
                Node::Uniform => vec![0.0; ni],
                Node::TopK(k, s) => {
                    let mut l = vec![f64::NEG_INFINITY; ni];
                    for &i in s.order(u, ni).iter().take(*k) {
                        l[i] = 0.0;
                    }
                    l
                }
                other => pl_log_weights(other, u, ni).unwrap_or_default(),
            };
            for &a in placed {
                l[a] = f64::NEG_INFINITY;
            }
            match exam {
                Examination::PositionBased(e) => {
                    let m = pl_marginals(&l, left)?;
                    (0..ni).map(|a| (0..left).map(|j| m[a * left + j] * e[start + j]).sum::<f64>() * value[a]).sum()
                }
                Examination::Cascade(rel) => {
                    if ni > 128 || pl_work(ni, left).1 > ENUMERATION_LIMIT {
                        return Err(Error::unsupported(
                            "lenList",
                            format!(
                                "the exact cascade value of a ranking of {left} more among {ni} items is too large to compute"
                            ),
                        ));
                    }
                    pl_cascade_value(&l, left, rel, value)
                }
            }
        }
    })
}

fn compile_node(world: &World, spec: &PolicySpec) -> Result<Node> {
    Ok(match spec {
        PolicySpec::Uniform => Node::Uniform,
        PolicySpec::Softmax { beta, score } => {
            let mut z = score.compute(world)?;
            z.iter_mut().for_each(|x| *x *= beta);
            Node::Logits(Arc::new(z))
        }
        PolicySpec::Greedy { score } => Node::Greedy(Ranked::new(score.compute(world)?, world.n_items())),
        PolicySpec::TopK { k, score } => {
            let k = &if *k == 0 { 10.min(world.n_items()) } else { *k };
            if *k > world.n_items() {
                return Err(Error::invalid("k", format!("expected k ≤ nItems ({}), got {k}", world.n_items())));
            }
            Node::TopK(*k, Ranked::new(score.compute(world)?, world.n_items()))
        }
        PolicySpec::Popularity { power } => {
            Node::Weights(Arc::new(world.popularity().iter().map(|p| crate::math::powf(*p, *power)).collect()))
        }
        PolicySpec::EpsilonGreedy { epsilon, base } => {
            let b = compile_node(world, base).map_err(|e| e.within("base."))?;
            if *epsilon == 0.0 {
                b
            } else if *epsilon == 1.0 {
                Node::Uniform
            } else {
                Node::Mixture(vec![(1.0 - epsilon, b), (*epsilon, Node::Uniform)])
            }
        }
        PolicySpec::Mixture { components } => Node::Mixture(
            components
                .iter()
                .enumerate()
                .map(|(i, (w, p))| Ok((*w, compile_node(world, p).map_err(|e| e.within(&format!("components[{i}].policy.")))?)))
                .collect::<Result<_>>()?,
        ),
        PolicySpec::Online(o) => {
            return Err(Error::unsupported(
                "policy.kind",
                format!(
                    "{} is an online bandit: its action probabilities change as it learns, so it can be a logging policy (collect) but has no fixed action distribution or value",
                    o.kind_name()
                ),
            ));
        }
    })
}

/// Scores (n_users × n_items) with each user's items sorted by descending score, ties by index,
/// computed once (greedy and top-k policies read the order every round).
#[derive(Debug, Clone)]
struct Ranked {
    scores: Arc<Vec<f64>>,
    order: Arc<Vec<u32>>,
}

impl Ranked {
    fn new(scores: Vec<f64>, ni: usize) -> Ranked {
        let order = scores.chunks(ni.max(1)).flat_map(|row| order(row).into_iter().map(|i| i as u32)).collect();
        Ranked { scores: Arc::new(scores), order: Arc::new(order) }
    }

    /// User u's items, best first.
    fn order(&self, u: usize, ni: usize) -> Vec<usize> {
        self.order[u * ni..(u + 1) * ni].iter().map(|&i| i as usize).collect()
    }
}

impl std::ops::Deref for Ranked {
    type Target = Vec<f64>;
    fn deref(&self) -> &Vec<f64> {
        &self.scores
    }
}

/// Items sorted by descending score, ties by index.
fn order(scores: &[f64]) -> Vec<usize> {
    crate::stats::order_desc(scores)
}

fn softmax_into(logits: &[f64], out: &mut [f64]) {
    let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut z = 0.0;
    for (o, l) in out.iter_mut().zip(logits) {
        *o = crate::math::exp(l - m);
        z += *o;
    }
    out.iter_mut().for_each(|o| *o /= z);
}

fn node_table(node: &Node, nu: usize, ni: usize) -> Vec<f64> {
    let mut t = Vec::with_capacity(nu * ni);
    for u in 0..nu {
        t.extend(node_row(node, u, ni));
    }
    t
}

/// π(· | u) of a node (single item).
fn node_row(node: &Node, u: usize, ni: usize) -> Vec<f64> {
    let mut row = vec![0.0; ni];
    match node {
        Node::Uniform => row.iter_mut().for_each(|x| *x = 1.0 / ni as f64),
        Node::Logits(l) => softmax_into(&l[u * ni..(u + 1) * ni], &mut row),
        Node::Weights(w) => {
            let z: f64 = w.iter().sum();
            row.iter_mut().zip(w.iter()).for_each(|(x, w)| *x = w / z);
        }
        Node::Greedy(s) => {
            let s = &s[u * ni..(u + 1) * ni];
            let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let ties = s.iter().filter(|&&x| x == m).count() as f64;
            row.iter_mut().zip(s).for_each(|(x, &v)| *x = if v == m { 1.0 / ties } else { 0.0 });
        }
        Node::TopK(k, s) => {
            for &i in s.order(u, ni).iter().take(*k) {
                row[i] = 1.0 / *k as f64;
            }
        }
        Node::Mixture(parts) => {
            for (w, n) in parts {
                row.iter_mut().zip(node_row(n, u, ni)).for_each(|(x, p)| *x += w * p);
            }
        }
    }
    row
}

/// Plackett–Luce log-weights of a node for user u (None for non-PL nodes): the logits of a softmax,
/// ln(weight) of a weight node (−∞ for a zero weight). Rankings are computed in log space, each
/// pick normalized by the largest weight still in play, so that no β makes the remaining weights
/// underflow or cancel (see [`remaining`]).
fn pl_log_weights(node: &Node, u: usize, ni: usize) -> Option<Vec<f64>> {
    match node {
        Node::Logits(l) => Some(l[u * ni..(u + 1) * ni].to_vec()),
        Node::Weights(w) => Some(w.iter().map(|&x| if x > 0.0 { crate::math::ln(x) } else { f64::NEG_INFINITY }).collect()),
        _ => None,
    }
}

/// A Plackett–Luce ranking's weights relative to the largest still in play, for the picks of
/// rankings of up to `len` items: with fewer than `len` items placed, the largest log-weight m
/// still in play is that of one of the `len` items with the largest log-weights, so the weights
/// exp(lₐ − m) come from `len` rows computed once (exp(lₐ − l_b) for each of those b) instead of
/// one exponential per item and pick. The values are the same bits as computing exp(lₐ − m) at
/// each pick: m *is* l_b.
struct PlWeights<'a> {
    l: &'a [f64],
    /// The `len` items with the largest log-weights, largest first (ties by index).
    top: Vec<usize>,
    /// rows[i][a] = exp(lₐ − l_top[i]).
    rows: Vec<Vec<f64>>,
}

impl<'a> PlWeights<'a> {
    fn new(l: &'a [f64], len: usize) -> PlWeights<'a> {
        let mut top = crate::stats::order_desc(l);
        top.truncate(len.min(l.len()));
        let rows = top.iter().map(|&b| l.iter().map(|&x| crate::math::exp(x - l[b])).collect()).collect();
        PlWeights { l, top, rows }
    }

    /// The items not yet placed (`placed(a)` false), as (w, s): each item's weight relative to the
    /// largest still in play, wₐ = exp(lₐ − m), and their sum s = Σ wₐ over the items not placed,
    /// so that the next pick is a with probability wₐ / s (w is empty and s = 0 when no item with
    /// a positive weight is left). Summed directly, in item order: subtracting the placed weights
    /// from a total instead cancels catastrophically when one weight dominates (at β = 30 the
    /// error was ~1e-3; at β = 40 the remainder came out exactly 0, so rankings the sampler drew
    /// got probability 0).
    fn remaining(&self, placed: impl Fn(usize) -> bool) -> (std::borrow::Cow<'_, [f64]>, f64) {
        let l = self.l;
        let (w, m) = match self.top.iter().position(|&b| !placed(b)) {
            Some(i) => (std::borrow::Cow::Borrowed(self.rows[i].as_slice()), l[self.top[i]]),
            // more items placed than the rows cover: compute the row at this pick
            None => {
                let m = l.iter().enumerate().filter(|&(a, _)| !placed(a)).map(|(_, &x)| x).fold(f64::NEG_INFINITY, f64::max);
                (std::borrow::Cow::Owned(l.iter().map(|&x| crate::math::exp(x - m)).collect()), m)
            }
        };
        if m == f64::NEG_INFINITY {
            return (std::borrow::Cow::Borrowed(&[]), 0.0);
        }
        let s = w.iter().enumerate().filter(|&(a, _)| !placed(a)).map(|(_, &x)| x).sum();
        (w, s)
    }
}

fn sample_node(node: &Node, u: usize, len: usize, ni: usize, rng: &mut Rng) -> Result<Vec<usize>> {
    let uniform_from = |pool: &mut Vec<usize>, rng: &mut Rng| -> Vec<usize> {
        (0..len)
            .map(|_| {
                let j = rng.below(pool.len());
                pool.swap_remove(j)
            })
            .collect()
    };
    Ok(match node {
        Node::Uniform => uniform_from(&mut (0..ni).collect(), rng),
        Node::Greedy(s) => s.order(u, ni).into_iter().take(len).collect(),
        Node::TopK(k, s) => {
            if *k < len {
                return Err(Error::invalid(
                    "k",
                    format!("a top-k policy ranks only its top k = {k} items; lenList = {len} needs k ≥ lenList"),
                ));
            }
            uniform_from(&mut s.order(u, ni).into_iter().take(*k).collect(), rng)
        }
        Node::Mixture(parts) => {
            let c = rng.categorical(&parts.iter().map(|p| p.0).collect::<Vec<_>>());
            sample_node(&parts[c].1, u, len, ni, rng)?
        }
        pl => {
            let l = pl_log_weights(pl, u, ni).unwrap_or_default();
            let pw = PlWeights::new(&l, len);
            let mut placed = vec![false; ni];
            let mut out = Vec::with_capacity(len);
            for _ in 0..len {
                let (w, total) = pw.remaining(|a| placed[a]);
                let mut x = rng.uniform() * total;
                let (mut pick, mut last) = (None, None);
                for a in (0..ni).filter(|&a| !placed[a] && total > 0.0) {
                    let v = w[a];
                    if v > 0.0 {
                        last = Some(a);
                        if x < v {
                            pick = Some(a);
                            break;
                        }
                        x -= v;
                    }
                }
                let a = pick.or(last).ok_or_else(|| {
                    Error::unsupported(
                        "lenList",
                        format!("the ranking policy gives a positive probability to fewer than lenList = {len} items"),
                    )
                })?;
                out.push(a);
                placed[a] = true;
            }
            out
        }
    })
}

fn prefix_node(node: &Node, u: usize, slate: &[usize], ni: usize) -> Vec<f64> {
    let len = slate.len();
    let distinct = (1..len).all(|k| !slate[..k].contains(&slate[k]));
    let mut out = vec![0.0; len];
    if !distinct {
        return out;
    }
    match node {
        Node::Uniform => {
            let mut p = 1.0;
            for (k, o) in out.iter_mut().enumerate() {
                p /= (ni - k) as f64;
                *o = p;
            }
        }
        Node::Greedy(s) => {
            let top = s.order(u, ni);
            for k in 0..len {
                out[k] = if slate[..=k] == top[..=k] { 1.0 } else { 0.0 };
            }
        }
        Node::TopK(k, s) => {
            let top: Vec<usize> = s.order(u, ni).into_iter().take(*k).collect();
            let mut p = 1.0;
            for j in 0..len {
                if !top.contains(&slate[j]) || j >= *k {
                    p = 0.0;
                } else {
                    p /= (*k - j) as f64;
                }
                out[j] = p;
            }
        }
        Node::Mixture(parts) => {
            for (w, n) in parts {
                out.iter_mut().zip(prefix_node(n, u, slate, ni)).for_each(|(o, p)| *o += w * p);
            }
        }
        pl => {
            let l = pl_log_weights(pl, u, ni).unwrap_or_default();
            let pw = PlWeights::new(&l, len);
            let mut p = 1.0;
            for k in 0..len {
                let (w, rest) = pw.remaining(|a| slate[..k].contains(&a));
                p *= if rest > 0.0 { w[slate[k]] / rest } else { 0.0 };
                out[k] = p;
            }
        }
    }
    out
}

fn marginals_node(node: &Node, u: usize, len: usize, ni: usize) -> Result<Vec<f64>> {
    let mut out = vec![0.0; ni * len];
    match node {
        Node::Uniform => out.iter_mut().for_each(|x| *x = 1.0 / ni as f64),
        Node::Greedy(s) => {
            for (k, &i) in s.order(u, ni).iter().take(len).enumerate() {
                out[i * len + k] = 1.0;
            }
        }
        Node::TopK(k, s) => {
            if *k < len {
                return Err(Error::invalid(
                    "k",
                    format!("a top-k policy ranks only its top k = {k} items; lenList = {len} needs k ≥ lenList"),
                ));
            }
            for &i in s.order(u, ni).iter().take(*k) {
                for p in 0..len {
                    out[i * len + p] = 1.0 / *k as f64;
                }
            }
        }
        Node::Mixture(parts) => {
            for (w, n) in parts {
                out.iter_mut().zip(marginals_node(n, u, len, ni)?).for_each(|(o, p)| *o += w * p);
            }
        }
        pl => out = pl_marginals(&pl_log_weights(pl, u, ni).unwrap_or_default(), len)?,
    }
    Ok(out)
}

/// Exact item-position marginals (flat n × len) of a Plackett–Luce ranking with log-weights `l`
/// (−∞: never placed), by dynamic programming over placed sets or by enumerating prefixes,
/// whichever is cheaper; an error beyond [`ENUMERATION_LIMIT`] steps.
fn pl_marginals(l: &[f64], len: usize) -> Result<Vec<f64>> {
    let ni = l.len();
    let mut out = vec![0.0; ni * len];
    let (orderings, sets) = pl_work(ni, len);
    if orderings.min(sets) > ENUMERATION_LIMIT {
        return Err(Error::unsupported(
            "lenList",
            format!(
                "exact item-position probabilities of a Plackett–Luce ranking need {:e} steps for {ni} items and lenList {len}, above the limit {ENUMERATION_LIMIT:e}; use fewer items or a shorter list",
                orderings.min(sets)
            ),
        ));
    }
    if sets < orderings {
        // Dynamic programming over the *set* of items placed so far: the probability of the
        // next pick depends only on that set, not on its order.
        let pw = PlWeights::new(l, len);
        for (k, layer) in pl_layers(&pw, len).iter().enumerate() {
            for &(set, p) in layer {
                let (w, rest) = pw.remaining(|a| set >> a & 1 == 1);
                if rest <= 0.0 {
                    continue;
                }
                for a in (0..ni).filter(|&a| set >> a & 1 == 0) {
                    out[a * len + k] += p * w[a] / rest;
                }
            }
        }
    } else {
        let mut used = vec![false; ni];
        pl_enumerate(&PlWeights::new(l, len), 1.0, 0, len, &mut used, &mut out);
    }
    Ok(out)
}

/// Steps of the two exact methods for a Plackett–Luce ranking of `len` among `n` items:
/// enumerating ordered prefixes, or walking sets of placed items (only for n ≤ 128).
fn pl_work(n: usize, len: usize) -> (f64, f64) {
    let orderings = (0..len.saturating_sub(1)).fold(n as f64, |acc, k| acc * (n - k - 1) as f64);
    let mut sets = 0.0;
    let mut binom = 1.0;
    for k in 0..len {
        sets += binom * n as f64;
        binom = binom * (n - k) as f64 / (k + 1) as f64;
    }
    (orderings, if n <= 128 { sets } else { f64::INFINITY })
}

/// The probability that the first k picks of a Plackett–Luce ranking are exactly the set S, for
/// k = 0..len−1: layer k lists (S as a bitmask, P(S)), from the ranking's weights. Requires ≤ 128
/// items.
fn pl_layers(pw: &PlWeights, len: usize) -> Vec<Vec<(u128, f64)>> {
    let mut layers = vec![vec![(0u128, 1.0)]];
    for _ in 1..len {
        let mut next: std::collections::HashMap<u128, f64, crate::rng::MixHash> = std::collections::HashMap::default();
        for &(set, p) in layers.last().map(|x| x.as_slice()).unwrap_or(&[]) {
            let (w, rest) = pw.remaining(|a| set >> a & 1 == 1);
            if rest <= 0.0 {
                continue;
            }
            for a in (0..pw.l.len()).filter(|&a| set >> a & 1 == 0) {
                let q = w[a];
                if q > 0.0 {
                    *next.entry(set | 1 << a).or_insert(0.0) += p * q / rest;
                }
            }
        }
        let mut layer: Vec<(u128, f64)> = next.into_iter().collect();
        layer.sort_by_key(|x| x.0); // deterministic order of summation
        layers.push(layer);
    }
    layers
}

/// Expected cascade value of a Plackett–Luce ranking with log-weights `l` over `len` positions:
/// Σₖ Σ_S P(first k = S) Σ_{a∉S} P(a next | S) · Πⱼ∈S (1 − relⱼ) · valueₐ, where the user stops
/// after the first click (probability relⱼ). Exact, by the same dynamic programming over sets.
pub(crate) fn pl_cascade_value(l: &[f64], len: usize, rel: &[f64], value: &[f64]) -> f64 {
    let mut v = 0.0;
    let pw = PlWeights::new(l, len);
    for layer in pl_layers(&pw, len) {
        for (set, p) in layer {
            let (w, rest) = pw.remaining(|a| set >> a & 1 == 1);
            if rest <= 0.0 {
                continue;
            }
            let reach: f64 = (0..l.len()).filter(|&j| set >> j & 1 == 1).map(|j| 1.0 - rel[j]).product();
            for a in (0..l.len()).filter(|&a| set >> a & 1 == 0) {
                v += p * w[a] / rest * reach * value[a];
            }
        }
    }
    v
}

impl Policy {
    /// Expected total reward per round under the cascade model for user u, exactly, when the
    /// policy is a mixture of Plackett–Luce, uniform, top-k and greedy rankings over at most 128
    /// items; `None` otherwise. `rel` is P(click | examined) per item (the user stops after a
    /// click), `value` the expected reward of an examined item.
    pub fn cascade_value(&self, u: usize, len: usize, rel: &[f64], value: &[f64]) -> Option<f64> {
        if self.n_items > 128 || pl_work(self.n_items, len).1 > ENUMERATION_LIMIT {
            return None;
        }
        Some(cascade_node(&self.node, u, len, self.n_items, rel, value))
    }
}

fn cascade_node(node: &Node, u: usize, len: usize, ni: usize, rel: &[f64], value: &[f64]) -> f64 {
    match node {
        Node::Mixture(parts) => parts.iter().map(|(w, n)| w * cascade_node(n, u, len, ni, rel, value)).sum(),
        Node::Greedy(s) => {
            let mut reach = 1.0;
            let mut v = 0.0;
            for &a in s.order(u, ni).iter().take(len) {
                v += reach * value[a];
                reach *= 1.0 - rel[a];
            }
            v
        }
        Node::Uniform => pl_cascade_value(&vec![0.0; ni], len, rel, value),
        Node::TopK(k, s) => {
            let mut l = vec![f64::NEG_INFINITY; ni];
            for &i in s.order(u, ni).iter().take(*k) {
                l[i] = 0.0;
            }
            pl_cascade_value(&l, len, rel, value)
        }
        pl => pl_cascade_value(&pl_log_weights(pl, u, ni).unwrap_or_default(), len, rel, value),
    }
}

/// Depth-first enumeration of Plackett–Luce prefixes: at `depth` with prefix probability `p`, add
/// each next item's probability to its marginal and recurse.
fn pl_enumerate(pw: &PlWeights, p: f64, depth: usize, len: usize, used: &mut [bool], out: &mut [f64]) {
    let (w, rest) = pw.remaining(|a| used[a]);
    if p == 0.0 || rest <= 0.0 {
        return;
    }
    for a in 0..pw.l.len() {
        let wa = if used[a] { 0.0 } else { w[a] };
        if wa == 0.0 {
            continue;
        }
        let q = p * wa / rest;
        out[a * len + depth] += q;
        if depth + 1 < len {
            used[a] = true;
            pl_enumerate(pw, q, depth + 1, len, used, out);
            used[a] = false;
        }
    }
}
