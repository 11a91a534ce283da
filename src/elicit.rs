//! Cold-start preference elicitation: ask a new user to pick among a few topics, update a belief
//! about their tastes after every answer, and recommend from that belief.
//!
//! * **Choice model.** Shown a set S of topics, a user with tastes t picks topic j with probability
//!   exp(τ tⱼ) / Σ_{k∈S} exp(τ t_k) (a multinomial logit; τ = `choice_sharpness`).
//! * **Belief.** The world's prior over tastes, N(0, I), represented by weighted particles and
//!   updated exactly by Bayes' rule on those particles after each answer.
//! * **Questions.** `random`: a random set of topics; `popular`: the most popular topics first;
//!   `adaptive`: the set with the largest expected information gain about what the
//!   recommendations depend on — the user's favourite topic f = argmax t — that is, the mutual
//!   information I(answer; f) under the current belief. (The information gain about the whole
//!   taste vector, [`Elicitation::information_gain`], spends questions on topics the user does not
//!   care about, and measured no better than random questions here.)
//! * **Recommendations** rank items by the world's relevance model with the belief's mean taste
//!   (taste strength · ⟨t̂, topics_i⟩ + popularity effect · z_pop(i)); their quality for a user is
//!   the mean true probability that the user likes the recommended items.
//!
//! Simulated users are the world's own users, treated as unknown: their true tastes answer the
//! questions and their true relevance scores the recommendations.

use crate::error::{Error, Result};
use crate::math;
use crate::rng::Rng;
use crate::world::World;

/// How questions are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// A random set of topics.
    Random,
    /// The most popular topics first, then the next ones.
    Popular,
    /// The set with the largest expected information gain.
    Adaptive,
}

impl Strategy {
    /// Parse "random", "popular" or "adaptive".
    pub fn by_name(s: &str) -> Result<Strategy> {
        match s {
            "random" => Ok(Strategy::Random),
            "popular" => Ok(Strategy::Popular),
            "adaptive" => Ok(Strategy::Adaptive),
            other => Err(Error::invalid(
                "strategy",
                format!("unknown strategy {other:?}; expected \"random\", \"popular\" or \"adaptive\""),
            )),
        }
    }
}

/// Settings of an elicitation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElicitConfig {
    /// Topics shown per question (≥ 2).
    pub options: usize,
    /// τ of the choice model.
    pub choice_sharpness: f64,
    /// Particles of the belief.
    pub particles: usize,
}

impl Default for ElicitConfig {
    fn default() -> Self {
        ElicitConfig { options: 3, choice_sharpness: 2.0, particles: 1000 }
    }
}

/// An elicitation in progress for one new user.
#[derive(Debug, Clone)]
pub struct Elicitation {
    config: ElicitConfig,
    n_topics: usize,
    particles: Vec<f64>,
    log_weights: Vec<f64>,
    asked: usize,
    popular_order: Vec<usize>,
    rng: Rng,
    /// The adaptive strategy's [`Elicitation::exp_table`] of every particle, built at its first
    /// question and kept: it depends only on the particles, which never move.
    exp_table: Option<Vec<f64>>,
}

/// I(f; k) in nats of a joint distribution over (favourite f < t, answer k < m), flat `t × m`.
fn mutual_information(joint: &[f64], t: usize, m: usize) -> f64 {
    let pf: Vec<f64> = (0..t).map(|f| joint[f * m..(f + 1) * m].iter().sum()).collect();
    let pk: Vec<f64> = (0..m).map(|k| (0..t).map(|f| joint[f * m + k]).sum()).collect();
    let mut mi = 0.0;
    for f in 0..t {
        for k in 0..m {
            let j = joint[f * m + k];
            if j > 0.0 {
                mi += j * math::ln(j / (pf[f] * pk[k]));
            }
        }
    }
    mi.max(0.0)
}

/// Every subset of `k` elements of `0..n`, in lexicographic order.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut cur = Vec::with_capacity(k);
    fn rec(start: usize, n: usize, k: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..n {
            cur.push(i);
            rec(i + 1, n, k, cur, out);
            cur.pop();
        }
    }
    rec(0, n, k, &mut cur, &mut out);
    out
}

impl Elicitation {
    /// Start with the prior. Errors when the settings do not fit the world.
    pub fn new(world: &World, config: ElicitConfig, seed: u64) -> Result<Elicitation> {
        let t = world.config().n_topics;
        if config.options < 2 || config.options > t {
            return Err(Error::invalid("options", format!("expected 2 ≤ options ≤ nTopics ({t}), got {}", config.options)));
        }
        if !(config.choice_sharpness > 0.0 && config.choice_sharpness <= 20.0) {
            return Err(Error::invalid(
                "choiceSharpness",
                format!("expected a number in (0, 20], got {}", config.choice_sharpness),
            ));
        }
        if config.particles < 10 || config.particles > 100_000 {
            return Err(Error::invalid("particles", format!("expected 10 to 100000 particles, got {}", config.particles)));
        }
        let mut rng = Rng::new(seed);
        let particles: Vec<f64> = (0..config.particles * t).map(|_| rng.normal()).collect();
        // topic popularity: total popularity of the items, weighted by their topic mix
        let mut pop = vec![0.0; t];
        for (i, &p) in world.popularity().iter().enumerate() {
            for (k, x) in pop.iter_mut().enumerate() {
                *x += p * world.item_topics()[i * t + k];
            }
        }
        let popular_order = crate::stats::order_desc(&pop);
        Ok(Elicitation {
            config,
            n_topics: t,
            particles,
            log_weights: vec![0.0; config.particles],
            asked: 0,
            popular_order,
            rng,
            exp_table: None,
        })
    }

    /// Questions answered so far.
    pub fn asked(&self) -> usize {
        self.asked
    }

    fn weights(&self) -> Vec<f64> {
        let m = self.log_weights.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = self.log_weights.iter().map(|l| math::exp(l - m)).collect();
        let z: f64 = w.iter().sum();
        w.into_iter().map(|x| x / z).collect()
    }

    /// Expected information gain about the user's favourite topic (the topic with the largest
    /// taste, which decides what gets recommended first): I(answer; argmax t) under the belief.
    pub fn favourite_information_gain(&self, question: &[usize]) -> f64 {
        self.favourite_gain_with(question, &self.weights(), &self.favourites())
    }

    /// Each particle's favourite topic.
    fn favourites(&self) -> Vec<usize> {
        let t = self.n_topics;
        (0..self.config.particles)
            .map(|s| {
                let row = &self.particles[s * t..(s + 1) * t];
                (0..t).max_by(|&a, &b| crate::stats::cmp(row[a], row[b])).unwrap_or(0)
            })
            .collect()
    }

    /// exp(τ tⱼ − τ tᵢ) for every particle and every pair of topics with τ tⱼ ≤ τ tᵢ (the others
    /// are never needed: the subtrahend is the largest τ t of a question): the choice
    /// probabilities of every question, computed once per question choice instead of once per
    /// candidate question, with the same bits.
    fn exp_table(&self, w: &[f64]) -> Vec<f64> {
        let (t, tau) = (self.n_topics, self.config.choice_sharpness);
        let mut table = vec![f64::NAN; w.len() * t * t];
        for (s, &ws) in w.iter().enumerate() {
            if ws == 0.0 {
                continue;
            }
            let row = &self.particles[s * t..(s + 1) * t];
            let cell = &mut table[s * t * t..(s + 1) * t * t];
            for i in 0..t {
                let mx = tau * row[i];
                for j in 0..t {
                    let x = tau * row[j];
                    if x <= mx {
                        cell[j * t + i] = math::exp(x - mx);
                    }
                }
            }
        }
        table
    }

    fn favourite_gain_with(&self, question: &[usize], w: &[f64], favourites: &[usize]) -> f64 {
        let (t, tau) = (self.n_topics, self.config.choice_sharpness);
        // joint of (favourite topic f, answer k): Σ_s w_s 1[argmax t_s = f] p(k | t_s)
        let m = question.len();
        let mut joint = vec![0.0; t * m];
        let mut e = vec![0.0; m];
        for (s, &ws) in w.iter().enumerate() {
            if ws == 0.0 {
                continue;
            }
            let row = &self.particles[s * t..(s + 1) * t];
            let fav = favourites[s];
            let mx = question.iter().map(|&j| tau * row[j]).fold(f64::NEG_INFINITY, f64::max);
            let mut z = 0.0;
            for (k, &j) in question.iter().enumerate() {
                e[k] = math::exp(tau * row[j] - mx);
                z += e[k];
            }
            for k in 0..m {
                joint[fav * m + k] += ws * e[k] / z;
            }
        }
        mutual_information(&joint, t, m)
    }

    /// [`Elicitation::favourite_gain_with`] from the table of [`Elicitation::exp_table`], for
    /// every question of one size at once: particle by particle, each particle's cells read once
    /// for all questions (not streamed through the cache once per candidate question). Every joint
    /// cell still sums the particles in order, so each gain has the same bits as one question at a
    /// time; the cold-start lesson's default run went from ~420 to ~350 ms natively.
    fn favourite_gains(&self, questions: &[Vec<usize>], w: &[f64], favourites: &[usize], table: &[f64]) -> Vec<f64> {
        let (t, tau) = (self.n_topics, self.config.choice_sharpness);
        let m = questions.first().map_or(0, Vec::len);
        debug_assert!(questions.iter().all(|q| q.len() == m));
        let mut joint = vec![0.0; questions.len() * t * m];
        let mut e = vec![0.0; m];
        for (s, &ws) in w.iter().enumerate() {
            if ws == 0.0 {
                continue;
            }
            let row = &self.particles[s * t..(s + 1) * t];
            let cell = &table[s * t * t..(s + 1) * t * t];
            let at = favourites[s] * m;
            for (question, joint) in questions.iter().zip(joint.chunks_exact_mut(t * m)) {
                let top = question.iter().copied().fold(question[0], |a, j| if tau * row[j] > tau * row[a] { j } else { a });
                let mut z = 0.0;
                for (k, &j) in question.iter().enumerate() {
                    e[k] = cell[j * t + top];
                    z += e[k];
                }
                for (jk, ek) in joint[at..at + m].iter_mut().zip(&e) {
                    *jk += ws * ek / z;
                }
            }
        }
        joint.chunks_exact(t * m).map(|j| mutual_information(j, t, m)).collect()
    }

    /// Expected information gain of asking `question` under the current belief (nats).
    pub fn information_gain(&self, question: &[usize]) -> f64 {
        let w = self.weights();
        let (t, tau) = (self.n_topics, self.config.choice_sharpness);
        let mut predictive = vec![0.0; question.len()];
        let mut cond_entropy = 0.0;
        let mut e = vec![0.0; question.len()];
        for (s, &ws) in w.iter().enumerate() {
            if ws == 0.0 {
                continue;
            }
            let row = &self.particles[s * t..(s + 1) * t];
            let m = question.iter().map(|&j| tau * row[j]).fold(f64::NEG_INFINITY, f64::max);
            let mut z = 0.0;
            for (k, &j) in question.iter().enumerate() {
                e[k] = math::exp(tau * row[j] - m);
                z += e[k];
            }
            // H(p) = log Z − Σ p (τ t_j − m)
            let mut h = math::ln(z);
            for (k, &j) in question.iter().enumerate() {
                let p = e[k] / z;
                predictive[k] += ws * p;
                h -= p * (tau * row[j] - m);
            }
            cond_entropy += ws * h;
        }
        let marginal: f64 = predictive.iter().filter(|p| **p > 0.0).map(|p| -p * math::ln(*p)).sum();
        (marginal - cond_entropy).max(0.0)
    }

    /// The next question under a strategy.
    pub fn next_question(&mut self, strategy: Strategy) -> Vec<usize> {
        let (t, m) = (self.n_topics, self.config.options);
        match strategy {
            Strategy::Random => {
                let mut topics: Vec<usize> = (0..t).collect();
                self.rng.shuffle(&mut topics);
                let mut q: Vec<usize> = topics.into_iter().take(m).collect();
                q.sort_unstable();
                q
            }
            Strategy::Popular => (0..m).map(|k| self.popular_order[(self.asked * m + k) % t]).collect(),
            Strategy::Adaptive => {
                let (w, fav) = (self.weights(), self.favourites());
                // every particle's cells (one whose weight is 0 now may not be later, after the
                // largest weight fell): the cells are the same bits whoever computes them
                let table = self.exp_table.take().unwrap_or_else(|| self.exp_table(&vec![1.0; self.config.particles]));
                let questions = subsets(t, m);
                let gains = self.favourite_gains(&questions, &w, &fav, &table);
                let mut best = (f64::NEG_INFINITY, Vec::new());
                for (q, g) in questions.into_iter().zip(gains) {
                    if g > best.0 + 1e-12 {
                        best = (g, q);
                    }
                }
                self.exp_table = Some(table);
                best.1
            }
        }
    }

    /// Record that the user picked `choice` among `question`.
    pub fn answer(&mut self, question: &[usize], choice: usize) -> Result<()> {
        if question.len() < 2 || question.iter().any(|&j| j >= self.n_topics) {
            return Err(Error::invalid("question", format!("expected at least two topics in 0..{}", self.n_topics)));
        }
        if !question.contains(&choice) {
            return Err(Error::invalid("choice", format!("expected one of the topics shown ({question:?}), got {choice}")));
        }
        let (t, tau) = (self.n_topics, self.config.choice_sharpness);
        for s in 0..self.config.particles {
            let row = &self.particles[s * t..(s + 1) * t];
            let m = question.iter().map(|&j| tau * row[j]).fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = question.iter().map(|&j| math::exp(tau * row[j] - m)).sum();
            self.log_weights[s] += tau * row[choice] - m - math::ln(z);
        }
        self.asked += 1;
        Ok(())
    }

    /// The belief's mean taste.
    pub fn mean_taste(&self) -> Vec<f64> {
        let w = self.weights();
        let t = self.n_topics;
        let mut m = vec![0.0; t];
        for (s, ws) in w.iter().enumerate() {
            for k in 0..t {
                m[k] += ws * self.particles[s * t + k];
            }
        }
        m
    }

    /// The top `n` items for the belief's mean taste.
    pub fn recommend(&self, world: &World, n: usize) -> Vec<usize> {
        recommend_for_taste(world, &self.mean_taste(), n)
    }
}

/// Rank items by the world's relevance model for a given taste vector; return the top `n`.
pub fn recommend_for_taste(world: &World, taste: &[f64], n: usize) -> Vec<usize> {
    let (ni, t) = (world.n_items(), world.config().n_topics);
    let c = world.config();
    let score: Vec<f64> = (0..ni)
        .map(|i| {
            let aff: f64 = taste.iter().zip(&world.item_topics()[i * t..(i + 1) * t]).map(|(a, b)| a * b).sum();
            c.taste_strength * aff + c.popularity_effect * world.popularity_z()[i]
        })
        .collect();
    let mut idx = crate::stats::order_desc(&score);
    idx.truncate(n.min(ni));
    idx
}

/// Mean true relevance of `items` for world user `u`.
pub fn quality(world: &World, u: usize, items: &[usize]) -> f64 {
    items.iter().map(|&i| world.rel(u, i)).sum::<f64>() / items.len().max(1) as f64
}

/// Quality curve of a strategy: for `n_users` world users (the first ones of a seeded shuffle),
/// ask `n_questions` questions answered from their true tastes and record the quality of the
/// top-`top_n` recommendations after 0, 1, …, `n_questions` answers. Returns per k the mean over
/// users and its standard error.
pub fn simulate(
    world: &World,
    strategy: Strategy,
    config: ElicitConfig,
    n_users: usize,
    n_questions: usize,
    top_n: usize,
    seed: u64,
) -> Result<Vec<(f64, f64)>> {
    let q = simulate_qualities(world, strategy, config, n_users, n_questions, top_n, seed)?;
    Ok(q.iter().map(|xs| (crate::stats::mean(xs), crate::stats::std_dev(xs) / (xs.len() as f64).sqrt())).collect())
}

/// The per-user qualities behind [`simulate`]: entry k lists, user by user (the same users in the
/// same order for every strategy with the same seed), the quality after k answers. Comparing two
/// strategies user by user gives a paired difference with a much smaller standard error.
pub fn simulate_qualities(
    world: &World,
    strategy: Strategy,
    config: ElicitConfig,
    n_users: usize,
    n_questions: usize,
    top_n: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>> {
    if n_users == 0 || n_users > world.n_users() {
        return Err(Error::invalid(
            "nUsers",
            format!("expected 1 ≤ nUsers ≤ the world's users ({}), got {n_users}", world.n_users()),
        ));
    }
    if top_n == 0 || top_n > world.n_items() {
        return Err(Error::invalid("topN", format!("expected 1 ≤ topN ≤ nItems ({}), got {top_n}", world.n_items())));
    }
    let t = world.config().n_topics;
    let mut order: Vec<usize> = (0..world.n_users()).collect();
    let mut pick = Rng::derived(seed, 1);
    pick.shuffle(&mut order);
    let mut per_k: Vec<Vec<f64>> = vec![Vec::with_capacity(n_users); n_questions + 1];
    for (j, &u) in order.iter().take(n_users).enumerate() {
        let taste = &world.user_taste()[u * t..(u + 1) * t];
        let mut e = Elicitation::new(world, config, crate::rng::derive_seed(seed, 100 + j as u64))?;
        let mut answers = Rng::derived(seed, 10_000 + j as u64);
        per_k[0].push(quality(world, u, &e.recommend(world, top_n)));
        for k in 1..=n_questions {
            let q = e.next_question(strategy);
            let logits: Vec<f64> = q.iter().map(|&x| config.choice_sharpness * taste[x]).collect();
            let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let p: Vec<f64> = logits.iter().map(|l| math::exp(l - m)).collect();
            let z: f64 = p.iter().sum();
            let p: Vec<f64> = p.iter().map(|x| x / z).collect();
            let choice = q[answers.categorical(&p)];
            e.answer(&q, choice)?;
            per_k[k].push(quality(world, u, &e.recommend(world, top_n)));
        }
    }
    Ok(per_k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldConfig;

    #[test]
    fn the_exp_table_and_all_questions_at_once_give_the_same_bits_as_the_direct_gain() {
        let w = World::new(WorldConfig { n_users: 20, n_items: 30, ..Default::default() }).unwrap();
        for options in [2, 3, 4] {
            let mut e = Elicitation::new(&w, ElicitConfig { options, choice_sharpness: 3.0, particles: 200 }, 5).unwrap();
            for _ in 0..3 {
                let (wt, fav) = (e.weights(), e.favourites());
                let table = e.exp_table(&wt);
                let questions = subsets(8, options);
                let all = e.favourite_gains(&questions, &wt, &fav, &table);
                assert_eq!(all.len(), questions.len());
                for (q, c) in questions.iter().zip(all) {
                    let a = e.favourite_gain_with(q, &wt, &fav);
                    assert_eq!(a.to_bits(), c.to_bits(), "{q:?}: from the table, all questions at once");
                }
                let q = e.next_question(Strategy::Adaptive);
                e.answer(&q, q[0]).unwrap();
            }
        }
    }
}
