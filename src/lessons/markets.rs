//! Lesson 11, "Many markets, many languages": one model per market (A) against one global model
//! (B), both trained on the same production log; the average over all users can improve while a
//! small market gets worse; per-segment off-policy evaluation with intervals; and Simpson's
//! paradox in a staged A/B rollout of a cheaper global candidate C against A.

use super::common::{self, Estimate, RATE};
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::Result;
use crate::estimators::Kernel;
use crate::world::{CollectOptions, Log, Market, Policy, PolicySpec, ScoreSpec, Signal, World, WorldConfig};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// The two markets' names.
pub const MARKETS: [&str; 2] = ["Large market", "Small market"];
/// Share of the catalog in the small market's language.
pub const SMALL_ITEM_SHARE: f64 = 0.2;

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Share of users (and traffic) in the small market.
    pub small_share: f64,
    /// Language barrier: logit penalty for an item in another market's language.
    pub penalty: f64,
    /// Visits in the production log the models are trained and evaluated on.
    pub rounds: usize,
    /// Rollout skew of candidate C: C gets (1 + skew)/2 of the large market's visits and
    /// (1 − skew)/2 of the small market's.
    pub rollout: f64,
    /// Visits in the A/B test.
    pub visits: usize,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ smallShare, penalty, rounds, rollout, visits, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let c = Config {
            small_share: o.required_number("smallShare", 0.01, 0.5)?,
            penalty: o.required_number("penalty", 0.0, 4.0)?,
            rounds: common::required_int(&o, "rounds", 1000, 50_000)? as usize,
            rollout: o.required_number("rollout", 0.0, 0.9)?,
            visits: common::required_int(&o, "visits", 1000, 300_000)? as usize,
            seed: o.seed("seed", 0)?,
        };
        o.finish_with(&["smallShare", "penalty", "rounds", "rollout", "visits", "seed"])?;
        Ok(c)
    }
}

/// The lesson's world: 1,000 users and 150 items in two markets.
pub fn world_config(c: &Config) -> WorldConfig {
    WorldConfig {
        seed: c.seed,
        n_users: 1000,
        n_items: 150,
        markets: vec![
            Market { name: MARKETS[0].into(), user_share: 1.0 - c.small_share, item_share: 1.0 - SMALL_ITEM_SHARE },
            Market { name: MARKETS[1].into(), user_share: c.small_share, item_share: SMALL_ITEM_SHARE },
        ],
        language_penalty: c.penalty,
        ..Default::default()
    }
}

/// The production recommender that logged the training data: softmax on relevance (β = 1) with
/// a 10% uniformly random bucket.
pub fn production() -> PolicySpec {
    PolicySpec::Mixture {
        components: vec![(0.9, PolicySpec::Softmax { beta: 1.0, score: ScoreSpec::relevance() }), (0.1, PolicySpec::Uniform)],
    }
}

/// A softmax over a registered model's scores.
fn on_model(beta: f64, model: &str) -> PolicySpec {
    PolicySpec::Softmax { beta, score: ScoreSpec { model: Some((model.into(), 1.0)), ..Default::default() } }
}

/// Smoothed click rate of each item among `rows` of `log`, (clicks + 1)/(shows + 10): the
/// "popularity model" both recommenders learn.
fn item_rates(log: &Log, n_items: usize, keep: impl Fn(usize) -> bool) -> Vec<f64> {
    let mut clicks = vec![0.0; n_items];
    let mut shows = vec![0.0; n_items];
    for r in (0..log.n_rows()).filter(|&r| keep(r)) {
        shows[log.action[r] as usize] += 1.0;
        clicks[log.action[r] as usize] += log.reward[r];
    }
    clicks.iter().zip(&shows).map(|(c, s)| (c + 1.0) / (s + 10.0)).collect()
}

/// Exact click rates of a policy in each market and over all users.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Values {
    /// Per market (arrival-weighted mean over its users).
    pub markets: [f64; 2],
    /// Over all users.
    pub all: f64,
}

fn values(world: &World, policy: &Policy) -> Result<(Values, [f64; 2])> {
    let v = world.policy_value_by_user(policy, Signal::Click)?;
    let (mut num, mut den) = ([0.0; 2], [0.0; 2]);
    for (u, (&a, &m)) in world.arrival().iter().zip(world.user_market()).enumerate() {
        num[m as usize] += a * v[u];
        den[m as usize] += a;
    }
    Ok((Values { markets: [num[0] / den[0], num[1] / den[1]], all: num[0] + num[1] }, den))
}

/// A, B and C.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Truth {
    /// One model per market.
    #[serde(rename = "A")]
    pub a: Values,
    /// One global model.
    #[serde(rename = "B")]
    pub b: Values,
    /// The cheaper global candidate (softmax β = 2 on the global model).
    #[serde(rename = "C")]
    pub c: Values,
}

/// A policy's SNIPS estimate in one segment of the production log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    /// SNIPS with its 95% normal interval.
    pub snips: Estimate,
    /// Effective sample size of the importance weights.
    pub ess: f64,
}

/// Per-segment estimates of one policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentEstimates {
    /// Per market.
    pub markets: [Segment; 2],
    /// All users.
    pub all: Segment,
}

/// SNIPS per segment of A and B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimates {
    /// A.
    #[serde(rename = "A")]
    pub a: SegmentEstimates,
    /// B.
    #[serde(rename = "B")]
    pub b: SegmentEstimates,
}

/// What one arm of the A/B test measured in one group of visits.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmStat {
    /// Click rate with its 95% Wilson interval.
    pub rate: Estimate,
    /// Visits.
    pub n: usize,
    /// Clicks.
    pub clicks: f64,
}

impl ArmStat {
    fn of(clicks: f64, n: usize) -> ArmStat {
        ArmStat { rate: Estimate::proportion(clicks, n as f64), n, clicks }
    }
}

/// One arm of the A/B test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arm {
    /// Per market.
    pub markets: [ArmStat; 2],
    /// Pooled over markets.
    pub pooled: ArmStat,
}

/// The staged A/B test of C against A.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbTest {
    /// The current model A.
    #[serde(rename = "A")]
    pub a: Arm,
    /// The candidate C.
    #[serde(rename = "C")]
    pub c: Arm,
}

/// Exact pooled click rates of each arm for its own mix of traffic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pooled {
    /// A.
    #[serde(rename = "A")]
    pub a: f64,
    /// C.
    #[serde(rename = "C")]
    pub c: f64,
}

/// C's share of each market's visits in the A/B test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Allocation {
    /// Of the large market.
    pub large: f64,
    /// Of the small market.
    pub small: f64,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Exact click rates.
    pub truth: Truth,
    /// Each market's share of the traffic.
    pub traffic: [f64; 2],
    /// Exact pooled click rates of the A/B test's arms.
    pub pooled: Pooled,
    /// C's share of each market in the A/B test.
    pub allocation: Allocation,
    /// Rows of the production log from each market.
    pub rows: [usize; 2],
    /// Per-segment SNIPS (once computed).
    pub estimates: Option<Estimates>,
    /// The A/B test (once simulated).
    pub ab: Option<AbTest>,
    /// Progress of the run.
    pub progress: Progress,
}

/// What does not depend on the A/B test's settings: the production log, the trained policies,
/// their exact values and their per-segment estimates.
struct Trained {
    log: Log,
    a: Policy,
    b: Policy,
    c: Policy,
    truth: Truth,
    traffic: [f64; 2],
    rows: [usize; 2],
    estimates: Option<Estimates>,
}

const TRAINED_KEPT: usize = 4;

thread_local! {
    /// Trained policies by (world, log size): a move of the A/B test's sliders reuses them.
    static TRAINED: RefCell<Vec<(String, Rc<RefCell<Trained>>)>> = const { RefCell::new(Vec::new()) };
}

fn train(world: &Arc<World>, c: &Config) -> Result<Rc<RefCell<Trained>>> {
    let key = format!("{:?}|{}", world.config(), c.rounds);
    if let Some(t) = TRAINED.with(|t| t.borrow().iter().find(|(k, _)| *k == key).map(|(_, t)| t.clone())) {
        return Ok(t);
    }
    // Both models learn from the same production log: per-market click rates (A), global ones (B).
    let log = Log::collect(
        world.clone(),
        &production(),
        &CollectOptions { n_rounds: c.rounds, seed: c.seed + 1, len_list: 1, reward: None },
    )?;
    let n = world.n_items();
    let market = world.user_market();
    let logged = &log;
    let in_market = |m: u32| move |r: usize| market[logged.user[r] as usize] == m;
    let per_market = [item_rates(&log, n, in_market(0)), item_rates(&log, n, in_market(1))];
    let global = item_rates(&log, n, |_| true);
    let (mut a, mut b) = (Vec::with_capacity(market.len() * n), Vec::with_capacity(market.len() * n));
    for &m in market {
        a.extend_from_slice(&per_market[m as usize]);
        b.extend_from_slice(&global);
    }
    // Registered under names that carry the log size (the world is shared by every run of it).
    let (name_a, name_b) = (format!("markets/per-market/{}", c.rounds), format!("markets/global/{}", c.rounds));
    world.add_model(&name_a, a)?;
    world.add_model(&name_b, b)?;
    let pa = Policy::compile(world, &on_model(3.0, &name_a))?;
    let pb = Policy::compile(world, &on_model(3.0, &name_b))?;
    let pc = Policy::compile(world, &on_model(2.0, &name_b))?;
    let (va, traffic) = values(world, &pa)?;
    let truth = Truth { a: va, b: values(world, &pb)?.0, c: values(world, &pc)?.0 };
    let rows = [(0..log.n_rows()).filter(|&r| in_market(0)(r)).count(), (0..log.n_rows()).filter(|&r| in_market(1)(r)).count()];
    let t = Rc::new(RefCell::new(Trained { log, a: pa, b: pb, c: pc, truth, traffic, rows, estimates: None }));
    TRAINED.with(|cache| {
        let mut cache = cache.borrow_mut();
        cache.push((key, t.clone()));
        if cache.len() > TRAINED_KEPT {
            cache.remove(0);
        }
    });
    Ok(t)
}

/// SNIPS of `policy` on the rows of `log` that `keep`.
fn segment(log: &Log, policy: &Policy, keep: impl Fn(usize) -> bool) -> Segment {
    let sub = log.subset(keep);
    let (snips, w) = common::weighted_estimate(&sub, policy, Kernel::Snipw, RATE);
    Segment { snips, ess: w.ess }
}

fn segments(world: &World, log: &Log, policy: &Policy) -> SegmentEstimates {
    let market = world.user_market();
    let of = |m: u32| segment(log, policy, |r| market[log.user[r] as usize] == m);
    SegmentEstimates { markets: [of(0), of(1)], all: segment(log, policy, |_| true) }
}

/// The lesson's run: exact values (first output), per-segment estimates, then the A/B test's two
/// arms, one per step.
pub struct Runner {
    config: Config,
    world: Arc<World>,
    trained: Rc<RefCell<Trained>>,
    share: [[f64; 2]; 2],
    arm_a: Option<Arm>,
    output: Option<Output>,
    step: usize,
}

impl Runner {
    /// Prepare a run.
    pub fn new(config: Config) -> Result<Runner> {
        let world = common::world(world_config(&config))?;
        let trained = train(&world, &config)?;
        let traffic = trained.borrow().traffic;
        let (al, as_) = (0.5 + config.rollout / 2.0, 0.5 - config.rollout / 2.0);
        // visits of each arm (A, C) in each market, as shares of all visits
        let share = [[traffic[0] * (1.0 - al), traffic[1] * (1.0 - as_)], [traffic[0] * al, traffic[1] * as_]];
        Ok(Runner { config, world, trained, share, arm_a: None, output: None, step: 0 })
    }

    /// One arm of the A/B test: the first visits of each market in a log of the arm's policy.
    fn arm(&self, policy: &Policy, share: [f64; 2], seed: u64) -> Result<Arm> {
        let traffic = self.trained.borrow().traffic;
        let v = self.config.visits as f64;
        let want = [(v * share[0]).round() as usize, (v * share[1]).round() as usize];
        let n_rounds = (1.3 * (want[0] as f64 / traffic[0] + want[1] as f64 / traffic[1])).ceil() as usize + 200;
        let log = Log::collect_compiled(
            self.world.clone(),
            policy.clone(),
            &CollectOptions { n_rounds, seed, len_list: 1, reward: None },
        )?;
        let market = self.world.user_market();
        let (mut n, mut clicks) = ([0usize; 2], [0.0; 2]);
        for r in 0..log.n_rows() {
            let m = market[log.user[r] as usize] as usize;
            if n[m] < want[m] {
                n[m] += 1;
                clicks[m] += log.reward[r];
            }
        }
        Ok(Arm {
            markets: [ArmStat::of(clicks[0], n[0]), ArmStat::of(clicks[1], n[1])],
            pooled: ArmStat::of(clicks[0] + clicks[1], n[0] + n[1]),
        })
    }
}

/// Steps of a run: exact values, estimates, arm A, arm C.
const STEPS: usize = 4;

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        let c = &self.config;
        self.step += 1;
        match self.step {
            1 => {
                let t = self.trained.borrow();
                let pooled = |k: usize, v: &Values| {
                    let s = self.share[k];
                    (s[0] * v.markets[0] + s[1] * v.markets[1]) / (s[0] + s[1])
                };
                self.output = Some(Output {
                    truth: t.truth,
                    traffic: t.traffic,
                    pooled: Pooled { a: pooled(0, &t.truth.a), c: pooled(1, &t.truth.c) },
                    allocation: Allocation { large: 0.5 + c.rollout / 2.0, small: 0.5 - c.rollout / 2.0 },
                    rows: t.rows,
                    estimates: None,
                    ab: None,
                    progress: Progress::new(1, STEPS, "steps"),
                });
            }
            2 => {
                let mut t = self.trained.borrow_mut();
                if t.estimates.is_none() {
                    let (a, b) = (segments(&self.world, &t.log, &t.a), segments(&self.world, &t.log, &t.b));
                    t.estimates = Some(Estimates { a, b });
                }
                let out = self.output.as_mut().expect("step 1 ran");
                out.estimates = t.estimates.clone();
                out.progress = Progress::new(2, STEPS, "steps");
            }
            3 => {
                let policy = self.trained.borrow().a.clone();
                self.arm_a = Some(self.arm(&policy, self.share[0], c.seed + 11)?);
                self.output.as_mut().expect("step 1 ran").progress = Progress::new(3, STEPS, "steps");
            }
            4 => {
                let policy = self.trained.borrow().c.clone();
                let arm_c = self.arm(&policy, self.share[1], c.seed + 12)?;
                let out = self.output.as_mut().expect("step 1 ran");
                out.ab = Some(AbTest { a: self.arm_a.take().expect("step 3 ran"), c: arm_c });
                out.progress = Progress::new(4, STEPS, "steps");
            }
            _ => return Ok(None),
        }
        Ok(self.output.clone().map(LessonOutput::Markets))
    }
}
