//! Lesson 8, "Ask the new user": cold-start onboarding questions ([`crate::elicit`]). Simulated
//! new users (the world's own users, treated as unknown) answer 0…`questions` questions chosen at
//! random, popular topics first, or adaptively (largest expected information gain about the
//! user's favourite topic); the quality of the top-10 recommendations after each answer is
//! averaged over users, with standard errors and paired differences (the same users, the same
//! starting belief, under each strategy).
//!
//! The same scenario, given `play: { moves, listener }` in its state, replays one onboarding
//! session for the page's "be the new listener" panel: `moves` lists the answers so far, each a
//! topic index (the learner's tap) or `"L"` (the hidden listener taps, from their true taste, with
//! a draw from the core's generator). A session is kept per thread, so that one more tap
//! continues it instead of replaying it.

use super::common;
use super::{LessonOutput, Progress, Run};
use crate::config::{Obj, Value};
use crate::elicit::{self, ElicitConfig, Elicitation, Strategy};
use crate::error::{Error, Result};
use crate::math;
use crate::rng::{Rng, derive_seed};
use crate::world::{World, WorldConfig};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Users of the world (the pool of simulated new listeners).
pub const N_USERS: usize = 400;
/// Items (tracks).
pub const N_ITEMS: usize = 120;
/// Recommendations judged.
pub const TOP_N: usize = 10;
/// Particles of the belief: fewer for the many simulated users, more for the one played session.
pub const CURVE_PARTICLES: usize = 300;
/// Particles of the played session's belief.
pub const PLAY_PARTICLES: usize = 1000;
/// Independent prior draws that show the spread of the played session's belief.
pub const SPREAD_DRAWS: usize = 20_000;
/// Simulated listeners per step after the first.
const USERS_PER_STEP: usize = 1;
/// Strategies in the order of the output.
pub const STRATEGIES: [(&str, Strategy); 3] =
    [("adaptive", Strategy::Adaptive), ("popular", Strategy::Popular), ("random", Strategy::Random)];

/// One move of a played session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// The learner tapped this topic.
    You(usize),
    /// The hidden listener tapped.
    Listener,
}

/// A request to replay one onboarding session.
#[derive(Debug, Clone, PartialEq)]
pub struct Play {
    /// The answers so far.
    pub moves: Vec<Move>,
    /// Which hidden listener (0: the seed's first; "another listener" adds one).
    pub listener: usize,
}

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Choice sharpness τ.
    pub tau: f64,
    /// Simulated new listeners.
    pub users: usize,
    /// The strategy of the played session's screens.
    pub strategy: Strategy,
    /// Topics per screen.
    pub options: usize,
    /// Screens (answers).
    pub questions: usize,
    /// Seed.
    pub seed: u64,
    /// A played session to replay instead of the comparison (the page's panel).
    pub play: Option<Play>,
}

const STRATEGY_NAMES: [&str; 3] = ["adaptive", "popular", "random"];

impl Config {
    /// Read `{ tau, users, strategy, options, questions, seed }` and, for the panel only,
    /// `play: { moves, listener }`.
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let strategy = common::required_choice(&o, "strategy", &STRATEGY_NAMES)?;
        let mut c = Config {
            tau: o.required_number("tau", 0.25, 8.0)?,
            users: o.required_integer("users", 1, N_USERS as u64)? as usize,
            strategy: Strategy::by_name(strategy)?,
            options: o.required_integer("options", 2, 4)? as usize,
            questions: o.required_integer("questions", 1, 8)? as usize,
            seed: o.required_integer("seed", 0, (1 << 53) - 1)?,
            play: None,
        };
        if o.has("play") {
            let p = o.object("play")?;
            let moves = match p.array("moves")? {
                None => Vec::new(),
                Some(ms) => ms
                    .iter()
                    .enumerate()
                    .map(|(i, m)| match m {
                        Value::String(s) if s == "L" => Ok(Move::Listener),
                        Value::Number(x) if x.fract() == 0.0 && (0.0..8.0).contains(x) => Ok(Move::You(*x as usize)),
                        other => Err(Error::invalid(
                            format!("state.play.moves[{i}]"),
                            format!("expected a topic index (0 to 7) or \"L\", got {}", other.describe()),
                        )),
                    })
                    .collect::<Result<_>>()?,
            };
            if moves.len() > 8 {
                return Err(Error::invalid("state.play.moves", format!("expected at most 8 answers, got {}", moves.len())));
            }
            let listener = p.integer("listener", 0, 0, 100_000)? as usize;
            p.finish_with(&["moves", "listener"])?;
            c.play = Some(Play { moves, listener });
        }
        o.finish_with(&["tau", "users", "strategy", "options", "questions", "seed", "play"])?;
        Ok(c)
    }

    fn elicit(&self, particles: usize) -> ElicitConfig {
        ElicitConfig { options: self.options, choice_sharpness: self.tau, particles }
    }
}

/// The world: 400 listeners, 120 tracks, tastes that matter (taste strength 2).
pub fn world_config(seed: u64) -> WorldConfig {
    WorldConfig { seed, n_users: N_USERS, n_items: N_ITEMS, taste_strength: 2.0, ..Default::default() }
}

/// The seed of simulated listener `j`: each is a world user drawn at random, with their own
/// answers.
pub fn user_seed(seed: u64, j: usize) -> u64 {
    seed.wrapping_mul(1000).wrapping_add(j as u64 + 1)
}

/// The hidden listener of a played session: a world user picked from the seed, and the next one
/// 157 users on for each "another listener".
pub fn listener_of(seed: u64, offset: usize) -> usize {
    let base = (seed.wrapping_mul(2_654_435_761) & 0xffff_ffff) as usize % N_USERS;
    (base + 157 * offset) % N_USERS
}

// ----- what the lesson knows about a world -----

/// Facts of a world: tastes, the quality of a known taste, the list's labels.
struct Facts {
    world: Arc<World>,
    /// Quality of the top 10 for each user when their taste is known.
    oracle: Vec<f64>,
    oracle_mean: f64,
    cold_start_mean: f64,
    /// Rank of each item by popularity (1 = most popular).
    pop_rank: Vec<usize>,
    /// Number of each item within its topic, by popularity ("Jazz #3").
    number_in_topic: Vec<usize>,
}

thread_local! {
    static FACTS: RefCell<Vec<(u64, Rc<Facts>)>> = const { RefCell::new(Vec::new()) };
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    static DRAWS: RefCell<Option<Rc<Vec<f64>>>> = const { RefCell::new(None) };
}

fn facts(seed: u64) -> Result<Rc<Facts>> {
    let world = common::world(world_config(seed))?;
    if let Some(f) =
        FACTS.with(|c| c.borrow().iter().find(|(s, f)| *s == seed && Arc::ptr_eq(&f.world, &world)).map(|x| x.1.clone()))
    {
        return Ok(f);
    }
    let (nu, ni) = (world.n_users(), world.n_items());
    let t = world.config().n_topics;
    let oracle: Vec<f64> = (0..nu)
        .map(|u| elicit::quality(&world, u, &elicit::recommend_for_taste(&world, &world.user_taste()[u * t..(u + 1) * t], TOP_N)))
        .collect();
    let cold = elicit::recommend_for_taste(&world, &vec![0.0; t], TOP_N);
    let cold_start: Vec<f64> = (0..nu).map(|u| elicit::quality(&world, u, &cold)).collect();
    let pop = world.popularity();
    let by_pop = crate::stats::order_desc(pop);
    let mut pop_rank = vec![0; ni];
    let mut number_in_topic = vec![0; ni];
    let mut seen = vec![0; t];
    for (r, &i) in by_pop.iter().enumerate() {
        pop_rank[i] = r + 1;
        let topic = world.item_topic()[i] as usize;
        seen[topic] += 1;
        number_in_topic[i] = seen[topic];
    }
    let f = Rc::new(Facts {
        oracle_mean: oracle.iter().sum::<f64>() / nu as f64,
        cold_start_mean: cold_start.iter().sum::<f64>() / nu as f64,
        oracle,
        pop_rank,
        number_in_topic,
        world,
    });
    FACTS.with(|c| {
        let mut c = c.borrow_mut();
        c.retain(|(s, _)| *s != seed);
        c.push((seed, f.clone()));
        if c.len() > 4 {
            c.remove(0);
        }
    });
    Ok(f)
}

// ----- the comparison -----

/// Mean and standard error per number of answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    /// Mean over simulated listeners, after 0, 1, … answers.
    pub mean: Vec<f64>,
    /// Its standard error (NaN with one listener).
    pub se: Vec<f64>,
    /// Listeners.
    pub n: usize,
}

#[derive(Debug, Clone)]
struct Accumulator {
    count: usize,
    sum: Vec<f64>,
    sq: Vec<f64>,
}

impl Accumulator {
    fn new(n: usize) -> Self {
        Accumulator { count: 0, sum: vec![0.0; n], sq: vec![0.0; n] }
    }
    fn add(&mut self, xs: &[f64]) {
        self.count += 1;
        for (k, x) in xs.iter().enumerate() {
            self.sum[k] += x;
            self.sq[k] += x * x;
        }
    }
    fn curve(&self) -> Curve {
        let n = self.count as f64;
        let mean: Vec<f64> = self.sum.iter().map(|s| s / n).collect();
        let se = self
            .sq
            .iter()
            .zip(&mean)
            .map(|(q, m)| if self.count > 1 { (((q - n * (m * m)) / (n - 1.0)).max(0.0) / n).sqrt() } else { f64::NAN })
            .collect();
        Curve { mean, se, n: self.count }
    }
}

/// The three strategies' curves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curves {
    /// Adaptive screens.
    pub adaptive: Curve,
    /// Popular first.
    pub popular: Curve,
    /// Random screens.
    pub random: Curve,
}

/// Paired differences against random screens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gain {
    /// Adaptive − random.
    pub adaptive: Curve,
    /// Popular first − random.
    pub popular: Curve,
}

/// What the page shows: the comparison (main run) or one played session (`play` runs).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Simulated listeners so far.
    pub users: usize,
    /// Quality curves (main run).
    pub curves: Option<Curves>,
    /// Paired gains (main run).
    pub gain: Option<Gain>,
    /// Mean quality when the taste is known.
    pub oracle: f64,
    /// Mean quality of the popular list everyone starts with.
    pub cold_start: f64,
    /// The played session (the main run's first session after its first step; a play run's).
    pub play: Option<PlaySnapshot>,
    /// Progress.
    pub progress: Progress,
}

// ----- the played session -----

/// One answer of a played session (the first entry: the start, before any answer).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlayStep {
    /// The screen's topics.
    pub question: Option<Vec<usize>>,
    /// The topic tapped.
    pub choice: Option<usize>,
    /// "you" or "listener".
    pub who: Option<&'static str>,
    /// Quality of the list after it, for the hidden listener.
    pub quality: f64,
    /// Rank of the tapped topic in the hidden listener's true taste among the topics shown
    /// (1: their favourite of those), and among all topics.
    pub choice_rank_shown: Option<usize>,
    /// See `choice_rank_shown`.
    pub choice_rank_all: Option<usize>,
}

/// One recommended track.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rec {
    /// Item.
    pub item: usize,
    /// Its main topic.
    pub topic: usize,
    /// Its number within the topic, by popularity.
    pub number: usize,
    /// Its popularity rank.
    pub pop_rank: usize,
    /// How likely the hidden listener is to like it.
    pub like: f64,
    /// Not in the previous list.
    pub is_new: bool,
}

/// What the panel shows of a played session.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaySnapshot {
    /// What identifies the session (seed, strategy, topics per screen, τ, listener): a tap
    /// continues the session with the same key.
    pub key: String,
    /// The hidden listener (world user).
    pub listener: usize,
    /// Which hidden listener of the seed.
    pub listener_offset: usize,
    /// The moves so far (topic index, or "L").
    pub moves: Vec<MoveOut>,
    /// Answers given.
    pub asked: usize,
    /// Screens in all.
    pub questions: usize,
    /// The next screen (None when finished).
    pub question: Option<Vec<usize>>,
    /// Its expected information gain about the whole taste, in nats.
    pub question_gain: f64,
    /// Its expected information gain about the favourite topic (what adaptive screens maximize),
    /// in nats.
    pub question_favourite_gain: f64,
    /// The belief's predictive probability of each answer to the next screen.
    pub predictive: Option<Vec<f64>>,
    /// Every answer so far.
    pub steps: Vec<PlayStep>,
    /// The current top 10.
    pub recs: Vec<Rec>,
    /// The belief's mean taste.
    pub belief_mean: Vec<f64>,
    /// Its posterior standard deviation per topic.
    pub belief_sd: Vec<f64>,
    /// Probability that each topic is the favourite.
    pub favourite: Vec<f64>,
    /// Effective number of the prior draws behind the spread.
    pub ess: f64,
    /// The hidden listener's true taste.
    pub true_taste: Vec<f64>,
    /// Their list's quality with their taste known.
    pub oracle: f64,
}

/// A move as the page writes it: a topic index, or "L" for the hidden listener.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MoveOut {
    /// The learner's tap.
    Topic(usize),
    /// "L".
    Listener(&'static str),
}

struct Session {
    key: String,
    elicitation: Elicitation,
    moves: Vec<Move>,
    steps: Vec<PlayStep>,
    recs: Vec<Vec<usize>>,
    pending: Option<Vec<usize>>,
}

/// Independent prior draws (N(0, I) over the topics), shared by every session of a thread.
fn draws(t: usize) -> Rc<Vec<f64>> {
    DRAWS.with(|d| {
        let mut d = d.borrow_mut();
        if let Some(x) = d.as_ref().filter(|x| x.len() == SPREAD_DRAWS * t) {
            return x.clone();
        }
        let mut rng = Rng::derived(20_240_611, 0x005b_4ead);
        let x = Rc::new((0..SPREAD_DRAWS * t).map(|_| rng.normal()).collect::<Vec<f64>>());
        *d = Some(x.clone());
        x
    })
}

/// Multinomial-logit probabilities of the topics of `question` for a taste.
fn choice_probabilities(taste: &[f64], question: &[usize], tau: f64) -> Vec<f64> {
    let l: Vec<f64> = question.iter().map(|&j| tau * taste[j]).collect();
    let m = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = l.iter().map(|x| math::exp(x - m)).collect();
    let z: f64 = e.iter().sum();
    e.iter().map(|x| x / z).collect()
}

/// The spread of a session's belief, from independent prior draws weighted by the same likelihood
/// (Bayes' rule): posterior sd per topic, probability that each topic is the favourite, ESS, and
/// the predictive probability of each answer to `next`.
struct Spread {
    sd: Vec<f64>,
    favourite: Vec<f64>,
    ess: f64,
    predictive: Option<Vec<f64>>,
}

fn spread(steps: &[PlayStep], tau: f64, t: usize, next: Option<&[usize]>) -> Spread {
    let d = draws(t);
    let m = SPREAD_DRAWS;
    let mut log_w = vec![0.0; m];
    for st in steps {
        let (Some(q), Some(choice)) = (&st.question, st.choice) else { continue };
        for (s, lw) in log_w.iter_mut().enumerate() {
            let row = &d[s * t..(s + 1) * t];
            let mx = q.iter().map(|&j| tau * row[j]).fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = q.iter().map(|&j| math::exp(tau * row[j] - mx)).sum();
            *lw += tau * row[choice] - mx - math::ln(z);
        }
    }
    let mx = log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut w: Vec<f64> = log_w.iter().map(|l| math::exp(l - mx)).collect();
    let total: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= total);
    let mut mean = vec![0.0; t];
    let mut sq = vec![0.0; t];
    let mut favourite = vec![0.0; t];
    for (s, &ws) in w.iter().enumerate() {
        let row = &d[s * t..(s + 1) * t];
        let mut best = 0;
        for k in 0..t {
            mean[k] += ws * row[k];
            sq[k] += ws * row[k] * row[k];
            if row[k] > row[best] {
                best = k;
            }
        }
        favourite[best] += ws;
    }
    let ess = 1.0 / w.iter().map(|x| x * x).sum::<f64>();
    let predictive = next.map(|q| {
        let mut p = vec![0.0; q.len()];
        for (s, &ws) in w.iter().enumerate() {
            if ws == 0.0 {
                continue;
            }
            let probs = choice_probabilities(&d[s * t..(s + 1) * t], q, tau);
            for (x, pk) in p.iter_mut().zip(probs) {
                *x += ws * pk;
            }
        }
        p
    });
    Spread { sd: mean.iter().zip(&sq).map(|(m, q)| (q - m * m).max(0.0).sqrt()).collect(), favourite, ess, predictive }
}

/// Rank (1 = largest) of `taste[choice]` among `taste[j]` for j in `among`.
fn rank_among(taste: &[f64], choice: usize, among: impl Iterator<Item = usize>) -> usize {
    1 + among.filter(|&j| taste[j] > taste[choice]).count()
}

/// Replay (or continue) a played session; returns what the panel shows.
fn play_session(f: &Facts, c: &Config, play: &Play) -> Result<PlaySnapshot> {
    let world = &f.world;
    let t = world.config().n_topics;
    let u = listener_of(c.seed, play.listener);
    let taste = &world.user_taste()[u * t..(u + 1) * t];
    let strategy_name = STRATEGIES.iter().find(|s| s.1 == c.strategy).map(|s| s.0).unwrap_or("adaptive");
    let key = format!("{}|{}|{}|{}|{}", c.seed, strategy_name, c.options, c.tau, u);
    SESSION.with(|cell| -> Result<PlaySnapshot> {
        let mut cell = cell.borrow_mut();
        let resumable = cell.as_ref().is_some_and(|s| {
            s.key == key && s.moves.len() <= play.moves.len() && s.moves.iter().zip(&play.moves).all(|(a, b)| a == b)
        });
        if !resumable {
            let elicitation = Elicitation::new(world, c.elicit(PLAY_PARTICLES), c.seed.wrapping_add(7))?;
            let recs = elicitation.recommend(world, TOP_N);
            let quality = elicit::quality(world, u, &recs);
            *cell = Some(Session {
                key: key.clone(),
                elicitation,
                moves: Vec::new(),
                steps: vec![PlayStep {
                    question: None,
                    choice: None,
                    who: None,
                    quality,
                    choice_rank_shown: None,
                    choice_rank_all: None,
                }],
                recs: vec![recs],
                pending: None,
            });
        }
        let s = cell.as_mut().unwrap();
        for i in s.moves.len()..play.moves.len().min(c.questions) {
            let q = match s.pending.take() {
                Some(q) => q,
                None => s.elicitation.next_question(c.strategy),
            };
            let (choice, who) = match play.moves[i] {
                Move::You(j) => (j, "you"),
                Move::Listener => {
                    let p = choice_probabilities(taste, &q, c.tau);
                    let stream = derive_seed(0xc01d_0000 + play.listener as u64, i as u64);
                    (q[Rng::derived(c.seed, stream).categorical(&p)], "listener")
                }
            };
            if !q.contains(&choice) {
                return Err(Error::invalid(
                    format!("state.play.moves[{i}]"),
                    format!("topic {choice} was not among the topics shown ({q:?})"),
                ));
            }
            s.elicitation.answer(&q, choice)?;
            s.moves.push(play.moves[i]);
            let recs = s.elicitation.recommend(world, TOP_N);
            s.steps.push(PlayStep {
                choice_rank_shown: Some(rank_among(taste, choice, q.iter().copied())),
                choice_rank_all: Some(rank_among(taste, choice, 0..t)),
                question: Some(q),
                choice: Some(choice),
                who: Some(who),
                quality: elicit::quality(world, u, &recs),
            });
            s.recs.push(recs);
        }
        let asked = s.steps.len() - 1;
        let done = asked >= c.questions;
        if !done && s.pending.is_none() {
            s.pending = Some(s.elicitation.next_question(c.strategy));
        }
        let question = if done { None } else { s.pending.clone() };
        let sp = spread(&s.steps, c.tau, t, question.as_deref());
        let last = &s.recs[s.recs.len() - 1];
        let prev = if s.recs.len() > 1 { &s.recs[s.recs.len() - 2] } else { last };
        Ok(PlaySnapshot {
            key: key.clone(),
            listener: u,
            listener_offset: play.listener,
            moves: s
                .moves
                .iter()
                .map(|m| match m {
                    Move::You(j) => MoveOut::Topic(*j),
                    Move::Listener => MoveOut::Listener("L"),
                })
                .collect(),
            asked,
            questions: c.questions,
            question_gain: question.as_deref().map(|q| s.elicitation.information_gain(q)).unwrap_or(f64::NAN),
            question_favourite_gain: question.as_deref().map(|q| s.elicitation.favourite_information_gain(q)).unwrap_or(f64::NAN),
            predictive: sp.predictive,
            question,
            steps: s.steps.clone(),
            recs: last
                .iter()
                .map(|&i| Rec {
                    item: i,
                    topic: world.item_topic()[i] as usize,
                    number: f.number_in_topic[i],
                    pop_rank: f.pop_rank[i],
                    like: world.rel(u, i),
                    is_new: !prev.contains(&i),
                })
                .collect(),
            belief_mean: s.elicitation.mean_taste(),
            belief_sd: sp.sd,
            favourite: sp.favourite,
            ess: sp.ess,
            true_taste: taste.to_vec(),
            oracle: f.oracle[u],
        })
    })
}

/// The lesson's run: the comparison over simulated listeners, streamed a few listeners per step
/// (the first step draws after one listener; the second adds the played session's start), or a
/// played session (one step).
pub struct Runner {
    config: Config,
    facts: Rc<Facts>,
    acc: [Accumulator; 3],
    diff: [Accumulator; 2],
    next_user: usize,
    play: Option<PlaySnapshot>,
    played: bool,
    finished: bool,
}

impl Runner {
    /// Prepare a run.
    pub fn new(config: Config) -> Result<Runner> {
        let facts = facts(config.seed)?;
        let n = config.questions + 1;
        Ok(Runner {
            acc: [Accumulator::new(n), Accumulator::new(n), Accumulator::new(n)],
            diff: [Accumulator::new(n), Accumulator::new(n)],
            config,
            facts,
            next_user: 0,
            play: None,
            played: false,
            finished: false,
        })
    }

    /// Simulated listener `j` under every strategy: the same world user, the same prior particles
    /// and the same answer stream.
    fn simulate(&mut self, j: usize) -> Result<()> {
        let c = &self.config;
        let q: Vec<Vec<f64>> = STRATEGIES
            .iter()
            .map(|(_, strategy)| {
                let per_k = elicit::simulate_qualities(
                    &self.facts.world,
                    *strategy,
                    c.elicit(CURVE_PARTICLES),
                    1,
                    c.questions,
                    TOP_N,
                    user_seed(c.seed, j),
                )?;
                Ok(per_k.iter().map(|xs| xs[0]).collect())
            })
            .collect::<Result<_>>()?;
        for (a, x) in self.acc.iter_mut().zip(&q) {
            a.add(x);
        }
        let minus = |a: &[f64]| a.iter().zip(&q[2]).map(|(x, r)| x - r).collect::<Vec<f64>>();
        self.diff[0].add(&minus(&q[0]));
        self.diff[1].add(&minus(&q[1]));
        Ok(())
    }

    fn output(&self) -> Output {
        Output {
            users: self.acc[0].count,
            curves: Some(Curves { adaptive: self.acc[0].curve(), popular: self.acc[1].curve(), random: self.acc[2].curve() }),
            gain: Some(Gain { adaptive: self.diff[0].curve(), popular: self.diff[1].curve() }),
            oracle: self.facts.oracle_mean,
            cold_start: self.facts.cold_start_mean,
            play: self.play.clone(),
            progress: Progress::new(self.acc[0].count, self.config.users, "simulated listeners"),
        }
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        if self.finished {
            return Ok(None);
        }
        if let Some(play) = self.config.play.clone() {
            // one step of the played session (the page's panel)
            self.finished = true;
            let snap = play_session(&self.facts, &self.config, &play)?;
            return Ok(Some(LessonOutput::ColdStart(Output {
                users: 0,
                curves: None,
                gain: None,
                oracle: self.facts.oracle_mean,
                cold_start: self.facts.cold_start_mean,
                play: Some(snap),
                progress: Progress::new(1, 1, "answers"),
            })));
        }
        if self.next_user == 0 {
            self.simulate(0)?;
            self.next_user = 1;
        } else if !self.played {
            // the played session's start, after the first redraw
            self.played = true;
            let play = Play { moves: Vec::new(), listener: 0 };
            self.play = Some(play_session(&self.facts, &self.config, &play)?);
        } else if self.next_user < self.config.users {
            let end = (self.next_user + USERS_PER_STEP).min(self.config.users);
            for j in self.next_user..end {
                self.simulate(j)?;
            }
            self.next_user = end;
        } else {
            self.finished = true;
            return Ok(None);
        }
        Ok(Some(LessonOutput::ColdStart(self.output())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_and_seeds_follow_the_page() {
        // (2654435761 mod 2³²) mod 400 = 161, then 157 users on per "another listener"
        assert_eq!(listener_of(1, 0), 161);
        assert_eq!(listener_of(1, 1), 318);
        assert_eq!(listener_of(1, 2), (161 + 2 * 157) % 400);
        assert_eq!(user_seed(3, 0), 3001);
    }

    #[test]
    fn choice_probabilities_favour_the_larger_taste_and_sum_to_one() {
        let p = choice_probabilities(&[0.0, 1.0, -1.0], &[0, 1, 2], 2.0);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p[1] > p[0] && p[0] > p[2]);
        assert_eq!(rank_among(&[0.0, 1.0, -1.0], 0, [0, 1, 2].into_iter()), 2);
    }
}
