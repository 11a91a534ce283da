//! A simulated world where the truth is known: users, items, creators and markets; a
//! ground-truth response model; toy recommenders as logging and target policies; logs with exact
//! propensities; and the exact expected reward of every policy.
//!
//! # The model
//! * **Items** have a main topic (and a little of the others), a long-tail **popularity**
//!   (Zipf with exponent `popularitySkew`), a **creator**, a **market** (language) and a price.
//! * **Users** have latent tastes over topics, a market, an activity level (how often they
//!   arrive), features a model can see (a noisy view of their tastes), and a propensity to be in a
//!   *sampling* session ("build a playlist": skip almost everything, save what they like) rather
//!   than a *listening* one.
//! * **Relevance**: user u *likes* item i, when they look at it, with probability
//!   `rel(u, i) = σ(b₀ + tasteStrength·⟨taste_u, topics_i⟩ + popularityEffect·z_pop(i) + noise·ε_ui
//!   − languagePenalty·[market differs])`, with b₀ set so that the average is `baseClickRate` and
//!   z_pop the standardized log-popularity times `popularitySkew` (a steeper tail, a stronger pull).
//! * **Examination** of position k (0-based) in a ranking: position-based model `(1/(k+1))^η`,
//!   or a cascade (the user reads down the list and stops after the first click).
//! * **Signals** of an examined item, given *liked* L and the session's intent, are documented
//!   on [`Signal`]; their expectations are closed-form, so every policy value is exact.
//!
//! Everything is drawn from `seed` through independent sub-streams (items, users, noise), so a
//! world is the same natively, in node and in the browser.

mod export;
mod log;
mod models;
mod online;
mod policy;
pub mod ratings;

pub use export::{ObpFeedback, SlateRewardModel, SlateTargetFeedback, obp_feedback, slate_feedback, slate_feedback_with};
pub use log::{CollectOptions, Log};
pub use models::{CrossFit, RecommenderSpec, RewardModelSpec};
pub use online::OnlineSpec;
pub use policy::{Examination, Policy, PolicySpec, ScoreSpec};
pub use ratings::Ratings;

use crate::config::{Obj, Value};
use crate::error::{Error, Result};
use crate::math;
use crate::rng::{AliasTable, Rng, derive_seed};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// The signals an examined item produces. Expectations (given examination, liked probability
/// `rel`, intent) are closed-form; see [`World::expected_signal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Signal {
    /// Clicked / played: the user liked it (probability `rel`). The default reward.
    Click,
    /// Played past the skip threshold (not skipped).
    Stream,
    /// Skipped early. Listening: 85% of disliked and 5% of liked items. Sampling: 90% of every item,
    /// liked or not — a skip means dislike when listening and nothing when sampling.
    Skip,
    /// Seconds played (streams last 60–240 s; skips 2–30 s, liked items a little longer).
    Dwell,
    /// Saved to a playlist: 5% of liked items when listening, 60% when sampling.
    Save,
    /// Thumbs up: given (missing not at random) with probability rising with how extreme the
    /// user's true rating is, and only ratings of 4–5.
    ThumbsUp,
    /// Thumbs down: as above, ratings 1–2.
    ThumbsDown,
    /// Revenue: a click times the item's price.
    Revenue,
}

impl Signal {
    /// Every signal, in a fixed order.
    pub const ALL: [Signal; 8] = [
        Signal::Click,
        Signal::Stream,
        Signal::Skip,
        Signal::Dwell,
        Signal::Save,
        Signal::ThumbsUp,
        Signal::ThumbsDown,
        Signal::Revenue,
    ];

    /// The name used in configs and columns.
    pub fn name(&self) -> &'static str {
        match self {
            Signal::Click => "click",
            Signal::Stream => "stream",
            Signal::Skip => "skip",
            Signal::Dwell => "dwell",
            Signal::Save => "save",
            Signal::ThumbsUp => "thumbsUp",
            Signal::ThumbsDown => "thumbsDown",
            Signal::Revenue => "revenue",
        }
    }

    /// Parse a name.
    pub fn by_name(name: &str, arg: &str) -> Result<Signal> {
        Signal::ALL.iter().copied().find(|s| s.name() == name).ok_or_else(|| {
            Error::invalid(arg, format!("unknown signal {name:?}; expected one of {}", Signal::ALL.map(|s| s.name()).join(", ")))
        })
    }
}

/// How examination decays down a ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PositionBias {
    /// Position-based model: position k (0-based) is examined with probability (1/(k+1))^η.
    PositionBased {
        /// Steepness η ≥ 0 (0: every position is examined).
        eta: f64,
    },
    /// Cascade: the user examines positions in order and stops after the first click.
    Cascade,
}

/// Intent and skip behaviour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntentConfig {
    /// Average share of sessions with the *sampling* intent.
    pub sampling_share: f64,
    /// How strongly a user's sampling propensity follows their taste for topic 0 (logit units per
    /// standard deviation): sampling sessions then favour some content over other.
    pub taste_link: f64,
    /// Share of sessions whose intent the user declares (e.g. by opening a "build a playlist"
    /// screen): logged in the `declared` column, unknown (−1) otherwise.
    pub declared_share: f64,
}

/// Explicit ratings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatingConfig {
    /// Probability that an examined item gets a rating when the true rating is 3 (the mildest).
    pub rate: f64,
    /// Missing-not-at-random strength: the rating probability is `rate·(1 + mnar·(|r − 3|/2)²)`,
    /// capped at 1 (extremes are rated more often).
    pub mnar: f64,
}

/// A market (language) with its shares of users and of items.
#[derive(Debug, Clone, PartialEq)]
pub struct Market {
    /// Display name.
    pub name: String,
    /// Share of users (shares sum to 1).
    pub user_share: f64,
    /// Share of items (shares sum to 1).
    pub item_share: f64,
}

/// Every knob of a world, with defaults. Build from JSON with [`WorldConfig::from_value`].
#[derive(Debug, Clone, PartialEq)]
pub struct WorldConfig {
    /// Seed of everything.
    pub seed: u64,
    /// Number of users.
    pub n_users: usize,
    /// Number of items.
    pub n_items: usize,
    /// Number of topics.
    pub n_topics: usize,
    /// Number of creators (suppliers).
    pub n_creators: usize,
    /// Dimension of the user features a model can see.
    pub n_features: usize,
    /// Zipf exponent of item popularity (0: all equally popular).
    pub popularity_skew: f64,
    /// How much popularity raises the chance of liking (logit units per sd of log-popularity).
    pub popularity_effect: f64,
    /// Weight of taste match in the liking logit.
    pub taste_strength: f64,
    /// Standard deviation of the idiosyncratic user×item logit noise.
    pub noise: f64,
    /// Average probability of liking an item (over users weighted by activity, and items).
    pub base_click_rate: f64,
    /// Zipf exponent of user activity (0: every user arrives equally often).
    pub user_activity_skew: f64,
    /// Noise of the visible user features around the true tastes.
    pub feature_noise: f64,
    /// Markets; one market `all` by default.
    pub markets: Vec<Market>,
    /// Logit penalty for an item from another market (language).
    pub language_penalty: f64,
    /// Examination model of rankings.
    pub position_bias: PositionBias,
    /// Session intents.
    pub intent: IntentConfig,
    /// Explicit feedback.
    pub ratings: RatingConfig,
    /// Default reward signal of logs and policy values.
    pub reward: Signal,
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            seed: 0,
            n_users: 1000,
            n_items: 200,
            n_topics: 8,
            n_creators: 50,
            n_features: 4,
            popularity_skew: 1.0,
            popularity_effect: 0.4,
            taste_strength: 1.5,
            noise: 0.5,
            base_click_rate: 0.1,
            user_activity_skew: 0.0,
            feature_noise: 0.5,
            markets: vec![Market { name: "all".into(), user_share: 1.0, item_share: 1.0 }],
            language_penalty: 2.0,
            position_bias: PositionBias::PositionBased { eta: 1.0 },
            intent: IntentConfig { sampling_share: 0.0, taste_link: 0.0, declared_share: 0.0 },
            ratings: RatingConfig { rate: 0.1, mnar: 2.0 },
            reward: Signal::Click,
        }
    }
}

/// The keys a world config accepts (for error messages and docs).
pub const WORLD_KEYS: &[&str] = &[
    "seed",
    "nUsers",
    "nItems",
    "nTopics",
    "nCreators",
    "nFeatures",
    "popularitySkew",
    "popularityEffect",
    "tasteStrength",
    "noise",
    "baseClickRate",
    "userActivitySkew",
    "featureNoise",
    "markets",
    "languagePenalty",
    "positionBias",
    "intent",
    "ratings",
    "reward",
];

impl WorldConfig {
    /// Read a config object; every key is optional, unknown keys and out-of-range values are errors.
    pub fn from_value(v: &Value) -> Result<Self> {
        let o = Obj::new(v, "")?;
        let d = WorldConfig::default();
        let n_items = o.integer("nItems", d.n_items as u64, 2, 5000)? as usize;
        let mut c = WorldConfig {
            seed: o.seed("seed", d.seed)?,
            n_users: o.integer("nUsers", d.n_users as u64, 1, 100_000)? as usize,
            n_items,
            n_topics: o.integer("nTopics", d.n_topics as u64, 1, 64)? as usize,
            n_creators: o.integer("nCreators", d.n_creators.min(n_items) as u64, 1, n_items as u64)? as usize,
            n_features: o.integer("nFeatures", d.n_features as u64, 0, 64)? as usize,
            popularity_skew: o.number("popularitySkew", d.popularity_skew, 0.0, 3.0)?,
            popularity_effect: o.number("popularityEffect", d.popularity_effect, -3.0, 3.0)?,
            taste_strength: o.number("tasteStrength", d.taste_strength, 0.0, 10.0)?,
            noise: o.number("noise", d.noise, 0.0, 5.0)?,
            base_click_rate: o.number("baseClickRate", d.base_click_rate, 0.001, 0.999)?,
            user_activity_skew: o.number("userActivitySkew", d.user_activity_skew, 0.0, 3.0)?,
            feature_noise: o.number("featureNoise", d.feature_noise, 0.0, 5.0)?,
            markets: d.markets.clone(),
            language_penalty: o.number("languagePenalty", d.language_penalty, 0.0, 10.0)?,
            position_bias: d.position_bias,
            intent: d.intent,
            ratings: d.ratings,
            reward: d.reward,
        };
        if let Some(ms) = o.array("markets")? {
            if ms.is_empty() || ms.len() > 16 {
                return Err(Error::invalid("markets", format!("expected 1 to 16 markets, got {}", ms.len())));
            }
            c.markets = ms
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let mo = Obj::new(m, &format!("markets[{i}]"))?;
                    let market = Market {
                        name: mo.string("name")?.unwrap_or("market").to_string(),
                        user_share: mo.required_number("userShare", 0.0, 1.0)?,
                        item_share: mo.required_number("itemShare", 0.0, 1.0)?,
                    };
                    mo.finish_with(&["name", "userShare", "itemShare"])?;
                    Ok(market)
                })
                .collect::<Result<_>>()?;
            for (key, share) in [("userShare", 0), ("itemShare", 1)] {
                let total: f64 = c.markets.iter().map(|m| if share == 0 { m.user_share } else { m.item_share }).sum();
                if (total - 1.0).abs() > 1e-9 {
                    return Err(Error::invalid(
                        format!("markets[].{key}"),
                        format!("expected shares that sum to 1, got {total}"),
                    ));
                }
            }
        }
        let pb = o.object("positionBias")?;
        let eta = pb.number("eta", 1.0, 0.0, 5.0)?; // read (and checked) for both models; the cascade ignores it
        c.position_bias = match pb.choice("model", "pbm", &["pbm", "cascade"])? {
            "cascade" => PositionBias::Cascade,
            _ => PositionBias::PositionBased { eta },
        };
        pb.finish_with(&["model", "eta"])?;
        let it = o.object("intent")?;
        c.intent = IntentConfig {
            sampling_share: it.number("samplingShare", d.intent.sampling_share, 0.0, 1.0)?,
            taste_link: it.number("tasteLink", d.intent.taste_link, -5.0, 5.0)?,
            declared_share: it.number("declaredShare", d.intent.declared_share, 0.0, 1.0)?,
        };
        it.finish_with(&["samplingShare", "tasteLink", "declaredShare"])?;
        let ra = o.object("ratings")?;
        c.ratings = RatingConfig {
            rate: ra.number("rate", d.ratings.rate, 0.0, 1.0)?,
            mnar: ra.number("mnar", d.ratings.mnar, 0.0, 20.0)?,
        };
        ra.finish_with(&["rate", "mnar"])?;
        if let Some(r) = o.string("reward")? {
            c.reward = Signal::by_name(r, "reward")?;
        }
        o.finish_with(WORLD_KEYS)?;
        Ok(c)
    }
}

/// Response constants (documented on [`Signal`]).
pub(crate) mod response {
    /// P(skip | liked) and P(skip | disliked) when listening, then when sampling.
    pub const SKIP: [[f64; 2]; 2] = [[0.05, 0.85], [0.90, 0.90]];
    /// P(save | liked) when listening, when sampling.
    pub const SAVE: [f64; 2] = [0.05, 0.60];
    /// Mean dwell of a stream (seconds; uniform on 60–240).
    pub const STREAM_DWELL: f64 = 150.0;
    /// Mean dwell of a skip: [intent][liked=0 / disliked=1]; uniform on ±50% around the mean.
    pub const SKIP_DWELL: [[f64; 2]; 2] = [[20.0, 5.0], [25.0, 8.0]];
}

/// The generated world.
#[derive(Debug, Clone)]
pub struct World {
    config: WorldConfig,
    /// Probability that each user is the one arriving in a round.
    arrival: Vec<f64>,
    /// Alias table of the arrival distribution.
    arrival_alias: AliasTable,
    user_market: Vec<u32>,
    user_taste: Vec<f64>,
    user_features: Vec<f64>,
    user_sampling: Vec<f64>,
    item_topic: Vec<u32>,
    item_topics: Vec<f64>,
    item_popularity: Vec<f64>,
    item_pop_z: Vec<f64>,
    item_creator: Vec<u32>,
    item_market: Vec<u32>,
    item_price: Vec<f64>,
    /// P(like | examined), n_users × n_items.
    rel: Vec<f64>,
    /// True rating 1..=5, n_users × n_items.
    rating: Vec<u8>,
    /// Learned scores registered by name (n_users × n_items each).
    /// Shared by every clone of this world (and so by every log of it): a model registered after
    /// a log was collected is visible to that log's policies too.
    models: Arc<RwLock<BTreeMap<String, Arc<Vec<f64>>>>>,
}

/// The most user × item pairs a world may have. Every pair holds a relevance and a rating, every
/// policy compiled on the world a probability per pair, and building costs about half a
/// microsecond per pair: 10⁷ pairs are ~5 s and ~90 MB before any policy; 10⁸ would be ~45 s and
/// 0.9 GB, with each policy another 0.8 GB.
pub const MAX_WORLD_PAIRS: usize = 10_000_000;

fn check_world_size(n_users: usize, n_items: usize) -> Result<()> {
    let pairs = n_users as f64 * n_items as f64;
    if pairs > MAX_WORLD_PAIRS as f64 {
        return Err(Error::invalid(
            "nUsers",
            format!(
                "nUsers × nItems = {n_users} × {n_items} = {pairs:.0} pairs, more than the {MAX_WORLD_PAIRS} a world may have: it would take about {:.0} s to build and {} of memory before any policy (each policy adds {}); use fewer users or items",
                pairs * 0.45e-6,
                crate::limits::human_bytes(pairs * 9.0),
                crate::limits::human_bytes(pairs * 8.0)
            ),
        ));
    }
    crate::limits::check("nUsers", &format!("a world of {n_users} users × {n_items} items"), pairs, 9)
}

fn zipf_weights(n: usize, s: f64, rng: &mut Rng) -> Vec<f64> {
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut w = vec![0.0; n];
    for (rank, &i) in order.iter().enumerate() {
        w[i] = math::powf((rank + 1) as f64, -s);
    }
    let z: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= z);
    w
}

fn cdf(p: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    let mut out: Vec<f64> = p
        .iter()
        .map(|x| {
            acc += x;
            acc
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = f64::INFINITY; // a draw u ∈ [0,1) always lands
    }
    out
}

/// Index of the first cumulative value above `u` (binary search).
pub(crate) fn draw_from_cdf(cdf: &[f64], u: f64) -> usize {
    cdf.partition_point(|&c| c <= u).min(cdf.len() - 1)
}

#[inline]
pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + math::exp(-x))
}

impl World {
    /// Generate a world from a config.
    pub fn new(config: WorldConfig) -> Result<World> {
        let c = &config;
        let (nu, ni, nt) = (c.n_users, c.n_items, c.n_topics);
        check_world_size(nu, ni)?;
        let share_cdf = |f: &dyn Fn(&Market) -> f64| cdf(&c.markets.iter().map(f).collect::<Vec<_>>());
        // Items
        let mut ri = Rng::derived(c.seed, 1);
        let item_market_cdf = share_cdf(&|m| m.item_share);
        let mut item_topic = Vec::with_capacity(ni);
        let mut item_topics = vec![0.0; ni * nt];
        let mut item_market = Vec::with_capacity(ni);
        let mut item_price = Vec::with_capacity(ni);
        for i in 0..ni {
            let t = ri.below(nt);
            item_topic.push(t as u32);
            let row = &mut item_topics[i * nt..(i + 1) * nt];
            let raw: Vec<f64> = (0..nt).map(|_| ri.uniform()).collect();
            let z: f64 = raw.iter().sum();
            for (x, r) in row.iter_mut().zip(&raw) {
                *x = 0.2 * r / z;
            }
            row[t] += 0.8;
            item_market.push(draw_from_cdf(&item_market_cdf, ri.uniform()) as u32);
            item_price.push(math::exp(0.5 * ri.normal()));
        }
        let item_popularity = zipf_weights(ni, c.popularity_skew, &mut ri);
        let logp: Vec<f64> = item_popularity.iter().map(|p| math::ln(*p)).collect();
        let (m, s) = (crate::stats::mean(&logp), crate::stats::std_dev(&logp));
        // Standardized log-popularity, scaled by the skew: with skew 0 popularity carries no
        // signal, and a steeper tail makes popularity matter more to what users like.
        let item_pop_z: Vec<f64> = logp.iter().map(|x| if s > 0.0 { c.popularity_skew * (x - m) / s } else { 0.0 }).collect();
        let creator_weights = zipf_weights(c.n_creators, 1.0, &mut ri);
        let creator_cdf = cdf(&creator_weights);
        // every creator gets at least one item when possible, the rest follow the Zipf weights
        let mut item_creator: Vec<u32> = (0..ni).map(|i| if i < c.n_creators { i as u32 } else { 0 }).collect();
        for x in item_creator.iter_mut().skip(c.n_creators) {
            *x = draw_from_cdf(&creator_cdf, ri.uniform()) as u32;
        }
        ri.shuffle(&mut item_creator);

        // Users
        let mut ru = Rng::derived(c.seed, 2);
        let user_market_cdf = share_cdf(&|m| m.user_share);
        let mut user_taste = Vec::with_capacity(nu * nt);
        let mut user_market = Vec::with_capacity(nu);
        let mut user_features = Vec::with_capacity(nu * c.n_features);
        let mut user_sampling = Vec::with_capacity(nu);
        let base = c.intent.sampling_share;
        for _ in 0..nu {
            let taste: Vec<f64> = (0..nt).map(|_| ru.normal()).collect();
            user_market.push(draw_from_cdf(&user_market_cdf, ru.uniform()) as u32);
            for j in 0..c.n_features {
                user_features.push(taste[j % nt] + c.feature_noise * ru.normal());
            }
            let p = if base <= 0.0 || base >= 1.0 {
                base
            } else {
                sigmoid(math::ln(base / (1.0 - base)) + c.intent.taste_link * taste[0])
            };
            user_sampling.push(p);
            user_taste.extend(taste);
        }
        let arrival = zipf_weights(nu, c.user_activity_skew, &mut ru);
        let arrival_alias = AliasTable::new(&arrival, nu);

        // Relevance logits without intercept, then the intercept that hits base_click_rate.
        let mut logit = vec![0.0; nu * ni];
        let mut rating_noise = vec![0.0; nu * ni];
        for u in 0..nu {
            let mut rn = Rng::derived(c.seed, 1_000_000 + u as u64);
            let taste = &user_taste[u * nt..(u + 1) * nt];
            for i in 0..ni {
                let aff: f64 = taste.iter().zip(&item_topics[i * nt..(i + 1) * nt]).map(|(a, b)| a * b).sum();
                let mismatch = if user_market[u] != item_market[i] { c.language_penalty } else { 0.0 };
                logit[u * ni + i] =
                    c.taste_strength * aff + c.popularity_effect * item_pop_z[i] + c.noise * rn.normal() - mismatch;
                rating_noise[u * ni + i] = 0.6 * rn.normal();
            }
        }
        let mean_at = |b: f64| -> (f64, f64) {
            let (mut f, mut df) = (0.0, 0.0);
            for u in 0..nu {
                let (mut fu, mut dfu) = (0.0, 0.0);
                for &l in &logit[u * ni..(u + 1) * ni] {
                    let p = sigmoid(l + b);
                    fu += p;
                    dfu += p * (1.0 - p);
                }
                f += arrival[u] * fu / ni as f64;
                df += arrival[u] * dfu / ni as f64;
            }
            (f, df)
        };
        let target = c.base_click_rate;
        let mut b = math::ln(target / (1.0 - target));
        for _ in 0..30 {
            let (f, df) = mean_at(b);
            if (f - target).abs() < 1e-12 || df <= 0.0 {
                break;
            }
            b = (b - (f - target) / df).clamp(-50.0, 50.0);
        }
        let rel: Vec<f64> = logit.iter().map(|l| sigmoid(l + b)).collect();
        let rating: Vec<u8> =
            rel.iter().zip(&rating_noise).map(|(r, e)| (1.0 + 4.0 * r + e).round().clamp(1.0, 5.0) as u8).collect();

        Ok(World {
            config,
            arrival,
            arrival_alias,
            user_market,
            user_taste,
            user_features,
            user_sampling,
            item_topic,
            item_topics,
            item_popularity,
            item_pop_z,
            item_creator,
            item_market,
            item_price,
            rel,
            rating,
            models: Arc::new(RwLock::new(BTreeMap::new())),
        })
    }

    /// Build from a JSON-like config.
    pub fn from_value(v: &Value) -> Result<World> {
        World::new(WorldConfig::from_value(v)?)
    }

    /// The config.
    pub fn config(&self) -> &WorldConfig {
        &self.config
    }
    /// Number of users.
    pub fn n_users(&self) -> usize {
        self.config.n_users
    }
    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.config.n_items
    }
    /// Arrival probability of each user.
    pub fn arrival(&self) -> &[f64] {
        &self.arrival
    }
    /// P(like | examined) for user u and item i.
    #[inline]
    pub fn rel(&self, u: usize, i: usize) -> f64 {
        self.rel[u * self.config.n_items + i]
    }
    /// The whole relevance matrix (n_users × n_items).
    pub fn relevance(&self) -> &[f64] {
        &self.rel
    }
    /// Item popularity (sums to 1).
    pub fn popularity(&self) -> &[f64] {
        &self.item_popularity
    }
    /// Standardized log-popularity of each item, times the popularity skew.
    pub fn popularity_z(&self) -> &[f64] {
        &self.item_pop_z
    }
    /// Creator of each item.
    pub fn item_creator(&self) -> &[u32] {
        &self.item_creator
    }
    /// Market of each item.
    pub fn item_market(&self) -> &[u32] {
        &self.item_market
    }
    /// Main topic of each item.
    pub fn item_topic(&self) -> &[u32] {
        &self.item_topic
    }
    /// Topic mix of each item (n_items × n_topics).
    pub fn item_topics(&self) -> &[f64] {
        &self.item_topics
    }
    /// Price of each item.
    pub fn item_price(&self) -> &[f64] {
        &self.item_price
    }
    /// Market of each user.
    pub fn user_market(&self) -> &[u32] {
        &self.user_market
    }
    /// Visible features of each user (n_users × n_features).
    pub fn user_features(&self) -> &[f64] {
        &self.user_features
    }
    /// Latent tastes (n_users × n_topics).
    pub fn user_taste(&self) -> &[f64] {
        &self.user_taste
    }
    /// Probability that a session of each user has the sampling intent.
    pub fn user_sampling(&self) -> &[f64] {
        &self.user_sampling
    }
    /// True rating (1–5) of user u for item i.
    pub fn true_rating(&self, u: usize, i: usize) -> u8 {
        self.rating[u * self.config.n_items + i]
    }

    /// Draw the arriving user.
    pub(crate) fn draw_user(&self, rng: &mut Rng) -> usize {
        self.arrival_alias.sample(0, rng)
    }

    /// Examination probability of position k under the position-based model (1 for the cascade's
    /// first position; the cascade's later positions depend on the items above).
    pub fn examination(&self, k: usize) -> f64 {
        match self.config.position_bias {
            PositionBias::PositionBased { eta } => math::powf(1.0 / (k as f64 + 1.0), eta),
            PositionBias::Cascade => {
                if k == 0 {
                    1.0
                } else {
                    f64::NAN
                }
            }
        }
    }

    /// Probability that an examined item gets rated, given its true rating.
    pub fn rating_probability(&self, rating: u8) -> f64 {
        let x = (rating as f64 - 3.0).abs() / 2.0;
        (self.config.ratings.rate * (1.0 + self.config.ratings.mnar * x * x)).min(1.0)
    }

    /// E[signal | examined, user u, item i, intent] (intent 0 = listening, 1 = sampling).
    pub fn expected_signal_given_intent(&self, signal: Signal, u: usize, i: usize, intent: usize) -> f64 {
        use response::*;
        let r = self.rel(u, i);
        match signal {
            Signal::Click => r,
            Signal::Skip => r * SKIP[intent][0] + (1.0 - r) * SKIP[intent][1],
            Signal::Stream => 1.0 - (r * SKIP[intent][0] + (1.0 - r) * SKIP[intent][1]),
            Signal::Dwell => {
                r * (SKIP[intent][0] * SKIP_DWELL[intent][0] + (1.0 - SKIP[intent][0]) * STREAM_DWELL)
                    + (1.0 - r) * (SKIP[intent][1] * SKIP_DWELL[intent][1] + (1.0 - SKIP[intent][1]) * STREAM_DWELL)
            }
            Signal::Save => r * SAVE[intent],
            Signal::ThumbsUp | Signal::ThumbsDown => {
                let rating = self.true_rating(u, i);
                let hit = if signal == Signal::ThumbsUp { rating >= 4 } else { rating <= 2 };
                if hit { self.rating_probability(rating) } else { 0.0 }
            }
            Signal::Revenue => r * self.item_price[i],
        }
    }

    /// E[signal | examined, user u, item i], averaged over the user's session intents.
    pub fn expected_signal(&self, signal: Signal, u: usize, i: usize) -> f64 {
        let p = self.user_sampling[u];
        let listen = if p < 1.0 { self.expected_signal_given_intent(signal, u, i, 0) } else { 0.0 };
        let sample = if p > 0.0 { self.expected_signal_given_intent(signal, u, i, 1) } else { 0.0 };
        (1.0 - p) * listen + p * sample
    }

    /// The table E[signal | examined, u, i] for every user and item (n_users × n_items).
    pub fn expected_signal_table(&self, signal: Signal) -> Vec<f64> {
        let ni = self.n_items();
        if signal == Signal::Click {
            return self.rel.clone();
        }
        (0..self.n_users() * ni).map(|x| self.expected_signal(signal, x / ni, x % ni)).collect()
    }

    /// Register learned scores (n_users × n_items) under a name, for policies to use as
    /// `score: { model: name }`.
    pub fn add_model(&self, name: &str, scores: Vec<f64>) -> Result<()> {
        if scores.len() != self.n_users() * self.n_items() {
            return Err(Error::invalid(
                "scores",
                format!("expected n_users × n_items = {} values, got {}", self.n_users() * self.n_items(), scores.len()),
            ));
        }
        if let Some((i, x)) = scores.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(Error::invalid("scores", format!("expected finite numbers, got {x} at index {i}")));
        }
        if name.is_empty() {
            return Err(Error::invalid("name", "expected a non-empty model name"));
        }
        self.models.write().unwrap_or_else(|e| e.into_inner()).insert(name.to_string(), Arc::new(scores));
        Ok(())
    }

    /// Learned scores registered under `name`.
    pub fn model(&self, name: &str) -> Result<Arc<Vec<f64>>> {
        let models = self.models.read().unwrap_or_else(|e| e.into_inner());
        models.get(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = models.keys().map(|s| s.as_str()).collect();
            Error::invalid(
                "score.model",
                format!(
                    "no model named {name:?}; fit one first (fitRecommender){}",
                    if known.is_empty() { String::new() } else { format!("; known: {}", known.join(", ")) }
                ),
            )
        })
    }

    /// Names of the registered models.
    pub fn model_names(&self) -> Vec<String> {
        self.models.read().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect()
    }

    /// Exact expected reward per round of a single-item policy: Σᵤ P(u) Σᵢ π(i|u) E[r | u, i].
    pub fn policy_value(&self, policy: &Policy, signal: Signal) -> Result<f64> {
        let by_user = self.policy_value_by_user(policy, signal)?;
        Ok(self.arrival.iter().zip(&by_user).map(|(w, v)| w * v).sum())
    }

    /// The exact expected reward of a single-item policy for each user, Σᵢ π(i|u) E[r | u, i]
    /// (weight by `arrival()` within any segment of users for the segment's value).
    pub fn policy_value_by_user(&self, policy: &Policy, signal: Signal) -> Result<Vec<f64>> {
        let probs = policy.table()?;
        let ni = self.n_items();
        let table_owned;
        let table: &[f64] = if signal == Signal::Click {
            &self.rel
        } else {
            table_owned = self.expected_signal_table(signal);
            &table_owned
        };
        Ok(probs
            .chunks_exact(ni)
            .zip(table.chunks_exact(ni))
            .map(|(row, t)| row.iter().zip(t).map(|(p, r)| p * r).sum())
            .collect())
    }

    /// Expected total reward per round of a ranking policy showing `len` items.
    ///
    /// Exact when tractable: under the position-based model Σₖ eₖ Σₐ P(a at k) E[r | a]
    /// (item-position marginals by enumeration), under the cascade by enumerating every ranking.
    /// Otherwise a Monte-Carlo value over `mc_rounds` simulated rounds with its standard error.
    pub fn ranking_value(
        &self,
        policy: &Policy,
        len: usize,
        signal: Signal,
        mc_rounds: usize,
        seed: u64,
    ) -> Result<RankingValue> {
        if len == 1 {
            return Ok(RankingValue { value: self.policy_value(policy, signal)?, standard_error: 0.0, exact: true, n_rounds: 0 });
        }
        let ni = self.n_items();
        let table = self.expected_signal_table(signal);
        let users: Vec<usize> = (0..self.n_users()).filter(|&u| self.arrival[u] > 0.0).collect();
        let rankings = (0..len).fold(1.0, |acc, k| acc * (ni - k) as f64);
        let exact = match self.config.position_bias {
            PositionBias::PositionBased { .. } => {
                let mut v = 0.0;
                let mut ok = true;
                for &u in &users {
                    match policy.marginals(u, len) {
                        Ok(m) => {
                            for a in 0..ni {
                                for k in 0..len {
                                    v += self.arrival[u] * m[a * len + k] * self.examination(k) * table[u * ni + a];
                                }
                            }
                        }
                        Err(_) => {
                            ok = false;
                            break;
                        }
                    }
                }
                ok.then_some(v)
            }
            PositionBias::Cascade => {
                let mut v = 0.0;
                let mut exact = true;
                let mut slate = vec![0usize; len];
                for &u in &users {
                    let (rel, val) = (&self.rel[u * ni..(u + 1) * ni], &table[u * ni..(u + 1) * ni]);
                    match policy.cascade_value(u, len, rel, val) {
                        Some(x) => v += self.arrival[u] * x,
                        None if rankings * users.len() as f64 <= 2.0e7 => {
                            v += self.arrival[u] * cascade_enumerate(self, policy, u, &table, &mut slate, 0)
                        }
                        None => {
                            exact = false;
                            break;
                        }
                    }
                }
                exact.then_some(v)
            }
        };
        if let Some(value) = exact {
            return Ok(RankingValue { value, standard_error: 0.0, exact: true, n_rounds: 0 });
        }
        self.ranking_value_monte_carlo(policy, len, signal, mc_rounds, seed)
    }

    /// [`World::ranking_value`] by Monte Carlo only: `mc_rounds` users drawn by arrival, a ranking
    /// drawn from the policy for each, and the mean of each ranking's exact expected reward.
    pub fn ranking_value_monte_carlo(
        &self,
        policy: &Policy,
        len: usize,
        signal: Signal,
        mc_rounds: usize,
        seed: u64,
    ) -> Result<RankingValue> {
        let ni = self.n_items();
        let table = self.expected_signal_table(signal);
        // Monte Carlo: draw users by arrival and rankings from the policy, and average each
        // ranking's exact expected reward given the ranking (not a simulated click: the
        // conditional expectation has less variance and needs no propensities, which for long
        // rankings over many items are too costly to compute exactly).
        let mut rng = crate::rng::Rng::new(seed);
        let n = mc_rounds.max(2);
        let (mut mean, mut m2) = (0.0, 0.0);
        for i in 0..n {
            let u = self.draw_user(&mut rng);
            let (ranking, _) = policy.sample_ranking(u, len, &mut rng)?;
            let mut v = 0.0;
            let mut reach = 1.0;
            for (k, &a) in ranking.iter().enumerate() {
                match self.config.position_bias {
                    PositionBias::Cascade => {
                        v += reach * table[u * ni + a];
                        reach *= 1.0 - self.rel(u, a);
                    }
                    _ => v += self.examination(k) * table[u * ni + a],
                }
            }
            // Welford: no per-round storage, whatever mcRounds is
            let d = v - mean;
            mean += d / (i + 1) as f64;
            m2 += d * (v - mean);
        }
        Ok(RankingValue {
            value: mean,
            standard_error: (m2 / (n - 1) as f64).sqrt() / (n as f64).sqrt(),
            exact: false,
            n_rounds: n,
        })
    }

    /// Seed for sub-experiment `stream` of this world.
    pub fn derive_seed(&self, stream: u64) -> u64 {
        derive_seed(self.config.seed, stream)
    }
}

/// The value of a ranking policy: exact, or Monte Carlo with its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankingValue {
    /// Expected total reward per round.
    pub value: f64,
    /// Standard error (0 when exact).
    pub standard_error: f64,
    /// Whether `value` is exact.
    pub exact: bool,
    /// Simulated rounds behind a Monte-Carlo value.
    pub n_rounds: usize,
}

/// Σ over rankings extending `slate[..depth]` of P(ranking) × its cascade value.
fn cascade_enumerate(world: &World, policy: &Policy, u: usize, table: &[f64], slate: &mut Vec<usize>, depth: usize) -> f64 {
    let (ni, len) = (world.n_items(), slate.len());
    if depth == len {
        let p = policy.prefix_probs(u, slate)[len - 1];
        if p == 0.0 {
            return 0.0;
        }
        let mut reach = 1.0;
        let mut v = 0.0;
        for &a in slate.iter() {
            v += reach * table[u * ni + a];
            reach *= 1.0 - world.rel(u, a);
        }
        return p * v;
    }
    let mut total = 0.0;
    for a in 0..ni {
        if slate[..depth].contains(&a) {
            continue;
        }
        slate[depth] = a;
        if policy.prefix_probs(u, &slate[..=depth])[depth] > 0.0 {
            total += cascade_enumerate(world, policy, u, table, slate, depth + 1);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_relevance_hits_the_base_rate_and_worlds_are_deterministic() {
        let w = World::new(WorldConfig { n_users: 200, n_items: 50, ..Default::default() }).unwrap();
        let mean: f64 = (0..200).map(|u| w.arrival()[u] * (0..50).map(|i| w.rel(u, i)).sum::<f64>() / 50.0).sum();
        assert!((mean - 0.1).abs() < 1e-9, "{mean}");
        let w2 = World::new(WorldConfig { n_users: 200, n_items: 50, ..Default::default() }).unwrap();
        assert_eq!(w.relevance(), w2.relevance());
        let w3 = World::new(WorldConfig { n_users: 200, n_items: 50, seed: 1, ..Default::default() }).unwrap();
        assert_ne!(w.relevance(), w3.relevance());
    }

    #[test]
    fn config_errors_name_the_key() {
        let bad = Value::object([("nUsers", Value::from(-3.0))]);
        assert_eq!(WorldConfig::from_value(&bad).unwrap_err().argument(), "nUsers");
        let bad = Value::object([("popularitySkw", Value::from(1.0))]);
        let e = WorldConfig::from_value(&bad).unwrap_err();
        assert_eq!(e.argument(), "popularitySkw");
        assert!(e.to_string().contains("popularitySkew"), "{e}");
        let bad = Value::object([("positionBias", Value::object([("model", Value::from("dbn"))]))]);
        assert_eq!(WorldConfig::from_value(&bad).unwrap_err().argument(), "positionBias.model");
        let markets = Value::Array(vec![
            Value::object([("userShare", Value::from(0.5)), ("itemShare", Value::from(0.5))]),
            Value::object([("userShare", Value::from(0.4)), ("itemShare", Value::from(0.5))]),
        ]);
        let e = WorldConfig::from_value(&Value::object([("markets", markets)])).unwrap_err();
        assert!(e.to_string().contains("sum to 1"), "{e}");
    }
}
