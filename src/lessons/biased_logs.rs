//! Lesson 1, "Your logs are biased": a production recommender (a softmax over what users like
//! plus a push towards popular items) decides what gets shown; a candidate that surfaces the long
//! tail is evaluated on those logs — naively and with IPS/SNIPS — against its exact value, and
//! again on logs from sharper and sharper production recommenders.

use super::common::{self, Estimate, RATE, Weights};
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::error::Result;
use crate::estimators::Kernel;
use crate::world::{CollectOptions, Log, Policy, PolicySpec, ScoreSpec, Signal, World, WorldConfig};
use serde::Serialize;
use std::sync::Arc;

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Production sharpness β.
    pub beta: f64,
    /// Weight of popularity in production's score (next to relevance 1).
    pub pop_bias: f64,
    /// The candidate's push towards less popular items.
    pub tail: f64,
    /// Zipf exponent of item popularity.
    pub skew: f64,
    /// Logged visits.
    pub rounds: usize,
    /// Seed.
    pub seed: u64,
}

impl Config {
    /// Read `{ beta, popBias, tail, skew, rounds, seed }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let c = Config {
            beta: o.required_number("beta", 0.0, 10.0)?,
            pop_bias: o.required_number("popBias", 0.0, 5.0)?,
            tail: o.required_number("tail", 0.0, 5.0)?,
            skew: o.required_number("skew", 0.0, 3.0)?,
            rounds: o.required_integer("rounds", 10, 1_000_000)? as usize,
            seed: o.seed("seed", 0)?,
        };
        o.finish_with(&["beta", "popBias", "tail", "skew", "rounds", "seed"])?;
        Ok(c)
    }
}

/// Production: softmax(β · (relevance + popBias · popularity)).
pub fn production(beta: f64, pop_bias: f64) -> PolicySpec {
    PolicySpec::Softmax { beta, score: ScoreSpec { relevance: 1.0, popularity: pop_bias, ..Default::default() } }
}

/// The candidate: softmax(2 · (relevance − tail · popularity)).
pub fn candidate(tail: f64) -> PolicySpec {
    PolicySpec::Softmax { beta: 2.0, score: ScoreSpec { relevance: 1.0, popularity: -tail, ..Default::default() } }
}

/// The world of the lesson: 500 users, 100 items, popularity skew from the page.
pub fn world_config(c: &Config) -> WorldConfig {
    WorldConfig {
        seed: c.seed,
        n_users: 500,
        n_items: 100,
        popularity_skew: c.skew,
        popularity_effect: 0.5,
        ..Default::default()
    }
}

/// Production sharpness values of the sweep.
pub const SWEEP_BETAS: [f64; 11] = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0];

/// The ways one log is read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Readings {
    /// Mean logged reward: production's own click rate, not the candidate's.
    pub logged: f64,
    /// The naive reading (logged clicks weighted by π_e, no propensities).
    pub naive: f64,
    /// IPS.
    pub ipw: Estimate,
    /// SNIPS.
    pub snipw: Estimate,
    /// Effective sample size of the IPS weights.
    pub ess: f64,
    /// The importance weights: mean (≈ 1 when nothing is missing), largest, ESS.
    pub weights: Weights,
    /// Share of the IPS estimate carried by the 1% of visits with the largest weights.
    pub top_share: f64,
}

/// The page's log, grouped for the reweighting view: the visits to one tenth of the catalog (by
/// popularity) that were clicked or not, with how much they count in each reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightBin {
    /// Popularity decile of the items (0: the most popular tenth).
    pub decile: usize,
    /// Whether these visits were clicked.
    pub clicked: bool,
    /// Number of visits.
    pub visits: usize,
    /// Σ π_e(a|u): their total weight in the naive reading.
    pub naive_weight: f64,
    /// Σ π_e(a|u)/π₀(a|u): their total weight in IPS.
    pub ips_weight: f64,
}

/// Group a log's visits by popularity decile and click.
fn reweighting(world: &World, log: &Log, target: &Policy) -> Vec<WeightBin> {
    let pop = world.popularity();
    let ni = pop.len();
    let order = crate::stats::order_desc(pop);
    let mut decile = vec![0usize; ni];
    for (rank, &item) in order.iter().enumerate() {
        decile[item] = (rank * 10 / ni).min(9);
    }
    let mut bins: Vec<WeightBin> = (0..20)
        .map(|j| WeightBin { decile: j / 2, clicked: j % 2 == 1, visits: 0, naive_weight: 0.0, ips_weight: 0.0 })
        .collect();
    for r in 0..log.n_rows() {
        let (u, a) = (log.user[r] as usize, log.action[r] as usize);
        let pe = target.probs(u)[a];
        let b = &mut bins[decile[a] * 2 + usize::from(log.reward[r] > 0.0)];
        b.visits += 1;
        b.naive_weight += pe;
        b.ips_weight += pe / log.pscore[r];
    }
    bins
}

/// One point of the sweep over production sharpness.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepPoint {
    /// Production sharpness.
    pub beta: f64,
    /// The naive reading.
    pub naive: f64,
    /// IPS.
    pub ipw: Estimate,
    /// Effective sample size of the IPS weights.
    pub ess: f64,
}

/// Exposure of each popularity decile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exposure {
    /// Under production.
    pub production: Vec<f64>,
    /// Under the candidate.
    pub candidate: Vec<f64>,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// The candidate's exact click rate.
    pub truth: f64,
    /// Production's exact click rate.
    pub production_value: f64,
    /// Share of impressions per popularity decile.
    pub exposure: Exposure,
    /// The readings of the page's log.
    pub main: Readings,
    /// The page's log grouped for the reweighting view.
    pub reweighting: Vec<WeightBin>,
    /// Readings of one log per production sharpness (so far).
    pub sweep: Vec<SweepPoint>,
    /// Progress of the run.
    pub progress: Progress,
}

/// One log of `rounds` visits from `logger`.
fn log_of(world: &Arc<World>, logger: &PolicySpec, rounds: usize, seed: u64) -> Result<Log> {
    Log::collect(world.clone(), logger, &CollectOptions { n_rounds: rounds, seed, len_list: 1, reward: None })
}

/// Read one log of `rounds` visits from `logger` for `target`.
fn readings(world: &Arc<World>, logger: &PolicySpec, target: &Policy, rounds: usize, seed: u64) -> Result<Readings> {
    readings_of(&log_of(world, logger, rounds, seed)?, target)
}

/// Read a log for `target`.
fn readings_of(log: &Log, target: &Policy) -> Result<Readings> {
    let (ipw, weights) = common::weighted_estimate(log, target, Kernel::Ipw(f64::INFINITY), RATE);
    let (snipw, _) = common::weighted_estimate(log, target, Kernel::Snipw, RATE);
    let mut w = common::weights(log, target);
    // share of Σ w·r carried by the visits with the top 1% of weights
    let wr: f64 = w.iter().zip(&log.reward).map(|(w, r)| w * r).sum();
    let idx = crate::stats::order_desc(&w);
    let k = (w.len() / 100).max(1);
    let top: f64 = idx[..k].iter().map(|&i| w[i] * log.reward[i]).sum();
    w.clear();
    Ok(Readings {
        logged: log.naive_value(),
        naive: common::naive_weighted(log, target),
        ipw,
        snipw,
        ess: weights.ess,
        weights,
        top_share: if wr > 0.0 { top / wr } else { f64::NAN },
    })
}

/// The lesson's run: first the exact values, exposure and the page's log; then the sweep, three
/// logs per step.
pub struct Runner {
    config: Config,
    world: Arc<World>,
    target: Policy,
    output: Option<Output>,
    next_sweep: usize,
}

impl Runner {
    /// Prepare a run.
    pub fn new(config: Config) -> Result<Runner> {
        let world = common::world(world_config(&config))?;
        let target = Policy::compile(&world, &candidate(config.tail))?;
        Ok(Runner { config, world, target, output: None, next_sweep: 0 })
    }

    fn total(&self) -> usize {
        1 + SWEEP_BETAS.len()
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        let c = &self.config;
        let total = self.total();
        match &mut self.output {
            None => {
                let logger = production(c.beta, c.pop_bias);
                let logger_policy = Policy::compile(&self.world, &logger)?;
                let main_log = log_of(&self.world, &logger, c.rounds, c.seed + 1)?;
                let pop = self.world.popularity();
                let bins = |p: &Policy| common::by_popularity_bin(&common::exposure(&self.world, p), pop, 10);
                self.output = Some(Output {
                    truth: self.world.policy_value(&self.target, Signal::Click)?,
                    production_value: self.world.policy_value(&logger_policy, Signal::Click)?,
                    exposure: Exposure { production: bins(&logger_policy), candidate: bins(&self.target) },
                    main: readings_of(&main_log, &self.target)?,
                    reweighting: reweighting(&self.world, &main_log, &self.target),
                    sweep: Vec::new(),
                    progress: Progress::new(1, total, "steps"),
                });
            }
            Some(out) => {
                if self.next_sweep >= SWEEP_BETAS.len() {
                    return Ok(None);
                }
                let end = (self.next_sweep + 3).min(SWEEP_BETAS.len());
                for i in self.next_sweep..end {
                    let beta = SWEEP_BETAS[i];
                    let r =
                        readings(&self.world, &production(beta, c.pop_bias), &self.target, c.rounds, c.seed + 100 + i as u64)?;
                    out.sweep.push(SweepPoint { beta, naive: r.naive, ipw: r.ipw, ess: r.ess });
                }
                self.next_sweep = end;
                out.progress = Progress::new(1 + end, total, "steps");
            }
        }
        Ok(self.output.clone().map(LessonOutput::BiasedLogs))
    }
}

/// The naive reading's limit on an endless log: Σ_u p(u) Σ_a π_e π₀ q / Σ_u p(u) Σ_a π_e π₀, where q
/// is the click probability (the average over logs of one long log's naive estimate).
pub fn naive_limit(world: &World, logger: &Policy, target: &Policy) -> f64 {
    let ni = world.n_items();
    let (mut num, mut den) = (0.0, 0.0);
    for (u, &pu) in world.arrival().iter().enumerate() {
        if pu == 0.0 {
            continue;
        }
        let (pe, p0) = (target.probs(u), logger.probs(u));
        for a in 0..ni {
            let w = pu * pe[a] * p0[a];
            num += w * world.expected_signal(Signal::Click, u, a);
            den += w;
        }
    }
    num / den
}

/// The problem of exercise "naive-threshold" for a learner's seed: a world, a production popularity
/// bias, a candidate tail boost, and the required overstatement.
struct Problem {
    config: Config,
    threshold: f64,
    /// (β, the naive reading's overstatement on an endless log) along the slider's steps.
    curve: Vec<(f64, f64)>,
    answer: f64,
}

fn problem(learner_seed: u64) -> Result<Problem> {
    // Draw instances from the learner's seed until one whose answer lies inside the slider.
    let mut rng = crate::rng::Rng::new(crate::rng::derive_seed(learner_seed, 0xe8e4));
    for _ in 0..50 {
        let config = Config {
            beta: 1.0,
            pop_bias: [0.3, 0.5, 0.8, 1.0, 1.2][rng.below(5)],
            tail: [0.6, 0.8, 1.0, 1.2][rng.below(4)],
            skew: 1.0,
            rounds: 50_000,
            seed: 1 + rng.below(9999) as u64,
        };
        let threshold = [0.25, 0.3, 0.35][rng.below(3)];
        let world = common::world(world_config(&config))?;
        let target = Policy::compile(&world, &candidate(config.tail))?;
        let truth = world.policy_value(&target, Signal::Click)?;
        let mut curve = Vec::new();
        for step in 0..=20 {
            let beta = step as f64 * 0.25;
            let logger = Policy::compile(&world, &production(beta, config.pop_bias))?;
            curve.push((beta, naive_limit(&world, &logger, &target) / truth - 1.0));
        }
        if let Some(&(answer, _)) = curve.iter().find(|(_, e)| *e > threshold) {
            if (0.5..=4.5).contains(&answer) {
                return Ok(Problem { config, threshold, curve, answer });
            }
        }
    }
    Err(crate::error::Error::unsupported("exercise", "no problem instance found for this seed"))
}

/// Exercise "naive-threshold" for a learner's seed.
pub fn exercise(learner_seed: u64) -> Result<super::Exercise> {
    let p = problem(learner_seed)?;
    let c = &p.config;
    Ok(super::Exercise {
        goal: format!(
            "In the world with seed {}, production's popularity bias is {} and the candidate's tail boost is {}. Find the smallest production sharpness β on the slider (steps of 0.25) at which the naive estimate, on average over many logs, overstates the candidate's true click rate by more than {:.0}%.",
            c.seed,
            c.pop_bias,
            c.tail,
            100.0 * p.threshold
        ),
        state: vec![
            ("seed".into(), c.seed as f64),
            ("popBias".into(), c.pop_bias),
            ("tail".into(), c.tail),
            ("rounds".into(), c.rounds as f64),
        ],
        hints: vec![
            "The readout above the charts gives the naive estimate's error for one log: with 50,000 logged visits its noise is about ±1–2%.".into(),
            "The bottom chart repeats the evaluation for β = 0, 0.5, …, 5: find where the naive line first rises that far above the truth, then try the quarter steps around it.".into(),
            "A sharper production shows its favourites more: the naive error grows with β and then levels off. Move β up from 0 until the error first passes the goal.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a β) to exercise "naive-threshold".
pub fn check(learner_seed: u64, answer: &Value) -> Result<super::Check> {
    let p = problem(learner_seed)?;
    let beta = match answer {
        Value::Number(x) if x.is_finite() => *x,
        other => return Err(crate::error::Error::invalid("answer", format!("expected a number β, got {}", other.describe()))),
    };
    let at = |b: f64| p.curve.iter().find(|(x, _)| (x - b).abs() < 1e-9).map(|(_, e)| *e);
    let pct = |e: f64| format!("{:.0}%", 100.0 * e);
    let correct = (beta - p.answer).abs() < 1e-9;
    let message = match at(beta) {
        Some(e) if correct => format!(
            "At β = {beta} the naive estimate overstates the click rate by {} on average, the first step past {}.",
            pct(e),
            pct(p.threshold)
        ),
        Some(e) if e > p.threshold => {
            format!("At β = {beta} it overstates by {}, past the goal, but a smaller β already does: look below.", pct(e))
        }
        Some(e) => format!("At β = {beta} the naive estimate overstates by {} on average: not yet {}.", pct(e), pct(p.threshold)),
        None => format!("β = {beta} is not one of the slider's steps (0, 0.25, …, 5)."),
    };
    let solution = format!(
        "On an endless log the naive estimate overstates the truth by {} at β = 0, and the error grows with β: {}. The first step past {} is β = {}.",
        pct(p.curve[0].1),
        p.curve.iter().step_by(2).map(|(b, e)| format!("{} at β = {b}", pct(*e))).collect::<Vec<_>>().join(", "),
        pct(p.threshold),
        p.answer
    );
    Ok(super::Check { correct, message, solution, answer: super::Answer::Number(p.answer) })
}
