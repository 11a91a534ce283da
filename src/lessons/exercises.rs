//! The checked exercises of the lessons after the first ("Learning by predicting"): for each, the
//! instance a learner's seed draws, the check of an answer and the worked solution, all computed
//! here from the lesson's own scenario (the same numbers the page shows once its controls are set
//! to the instance's state). Lesson 1's exercise lives with its lesson ([`super::biased_logs`]).
//!
//! Each exercise draws its instance from the learner's seed (so two learners get comparable, not
//! identical, problems), keeps only instances whose answer lies strictly inside the answer's
//! range (so neither end of a slider is right by accident), and stays cheap: exact computations
//! from the world's tables where the lesson has them, one short lesson run where it does not.

use super::{Answer, Check, Exercise, LessonOutput};
use crate::config::Value;
use crate::error::{Error, Result};
use crate::rng::{Rng, derive_seed};

/// A page state from (control, value) pairs.
fn state(pairs: &[(&str, Value)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn num(x: f64) -> Value {
    Value::Number(x)
}

/// The numeric (control, value) pairs of a state, for the page's "set the controls" button.
fn numeric(pairs: &[(&str, Value)]) -> Vec<(String, f64)> {
    pairs
        .iter()
        .filter_map(|(k, v)| match v {
            Value::Number(x) => Some((k.to_string(), *x)),
            _ => None,
        })
        .collect()
}

fn number_answer(answer: &Value, what: &str) -> Result<f64> {
    match answer {
        Value::Number(x) if x.is_finite() => Ok(*x),
        other => Err(Error::invalid("answer", format!("expected a number ({what}), got {}", other.describe()))),
    }
}

fn choice_answer<'a>(answer: &'a Value, options: &[&str]) -> Result<&'a str> {
    match answer {
        Value::String(s) if options.contains(&s.as_str()) => Ok(s.as_str()),
        other => Err(Error::invalid("answer", format!("expected one of {}, got {}", options.join(", "), other.describe()))),
    }
}

fn no_instance(id: &str) -> Error {
    Error::unsupported("exercise", format!("no instance of {id} found for this seed"))
}

fn pct(x: f64) -> String {
    let p = 100.0 * x;
    if (p - p.round()).abs() < 1e-9 { format!("{p:.0}%") } else { format!("{}%", (p * 10.0).round() / 10.0) }
}

fn days_text(d: f64) -> String {
    if !d.is_finite() {
        "never".into()
    } else if d < 10.0 {
        format!("{d:.1} days")
    } else {
        format!("{:.0} days", d)
    }
}

// ---------------------------------------------------------------------------------------------
// random-bucket: the smallest bucket that decides.

/// The bucket shares of the page's slider, without 0 (no bucket) and 1 (all traffic random).
const BUCKET_SHARES: [f64; 9] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5];

struct BucketProblem {
    traffic: f64,
    days: f64,
    beta: f64,
    seed: u64,
    gap: f64,
    /// (share, days replay needs) along the slider.
    curve: Vec<(f64, f64)>,
    answer: f64,
}

fn bucket_problem(learner_seed: u64) -> Result<BucketProblem> {
    use super::random_bucket as rb;
    let mut rng = Rng::new(derive_seed(learner_seed, 0x2b0c));
    for _ in 0..50 {
        let c = rb::Config {
            share: 0.01,
            traffic: [2000.0, 5000.0, 10_000.0, 20_000.0][rng.below(4)],
            days: [3.0, 5.0, 7.0, 10.0, 14.0][rng.below(5)],
            beta: [2.0, 2.5, 3.0, 3.5][rng.below(4)],
            seed: 1 + rng.below(9999) as u64,
        };
        let world = super::common::world(rb::world_config(&c))?;
        let v = rb::per_visit_variance(&world, &c)?;
        let gap = v.value - v.production_value;
        let curve: Vec<(f64, f64)> =
            BUCKET_SHARES.iter().map(|&s| (s, rb::days_to_decide(v.replay, c.traffic * s, gap, super::common::Z95))).collect();
        if let Some(&(answer, _)) = curve.iter().find(|(_, d)| *d <= c.days) {
            return Ok(BucketProblem { traffic: c.traffic, days: c.days, beta: c.beta, seed: c.seed, gap, curve, answer });
        }
    }
    Err(no_instance("bucket-share"))
}

fn bucket_state(p: &BucketProblem) -> Vec<(&'static str, Value)> {
    vec![("traffic", num(p.traffic)), ("days", num(p.days)), ("beta", num(p.beta)), ("seed", num(p.seed as f64))]
}

/// random-bucket's exercise "bucket-share".
pub fn bucket_share(learner_seed: u64) -> Result<Exercise> {
    let p = bucket_problem(learner_seed)?;
    Ok(Exercise {
        goal: format!(
            "In the world with seed {}, production's sharpness is β = {} and the service gets {} visits a day. Find the smallest bucket share on the slider for which replay on the bucket alone gets its 95% interval narrower than the gap between the candidate and production within {} days. Answer in percent (5 for 5%).",
            p.seed,
            p.beta,
            p.traffic,
            p.days
        ),
        state: numeric(&bucket_state(&p)),
        hints: vec![
            "The first readout says how many days each estimator needs before its 95% interval is narrower than the gap; replay on the bucket alone is one of them.".into(),
            "Replay only uses the bucket's visits: doubling the bucket halves the days it needs.".into(),
            "Start from a small bucket and move the share up one step at a time until replay's days fall to the goal or below.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a share in percent) to "bucket-share".
pub fn bucket_share_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = bucket_problem(learner_seed)?;
    let share = number_answer(answer, "a bucket share in percent")? / 100.0;
    let at = p.curve.iter().find(|(s, _)| (s - share).abs() < 1e-9).map(|(_, d)| *d);
    let correct = (share - p.answer).abs() < 1e-9;
    let message = match at {
        Some(d) if correct => format!(
            "With a {} bucket replay needs {} at {} visits a day: within {} days, and the step below would not be.",
            pct(share),
            days_text(d),
            p.traffic,
            p.days
        ),
        Some(d) if d <= p.days => {
            format!(
                "With a {} bucket replay needs {}: within {} days, but a smaller bucket already is.",
                pct(share),
                days_text(d),
                p.days
            )
        }
        Some(d) => format!("With a {} bucket replay needs {}: more than {} days.", pct(share), days_text(d), p.days),
        None => format!("{} is not one of the slider's shares (0.1%, 0.2%, 0.5%, 1%, 2%, 5%, 10%, 20%, 50%).", pct(share)),
    };
    let solution = format!(
        "The gap is {:.4} clicks per visit. Replay's days shrink in proportion to the bucket: {}. The first share within {} days is {}.",
        p.gap,
        p.curve.iter().map(|(s, d)| format!("{} at {}", days_text(*d), pct(*s))).collect::<Vec<_>>().join(", "),
        p.days,
        pct(p.answer)
    );
    Ok(Check { correct, message, solution, answer: Answer::Number((100.0 * p.answer * 10.0).round() / 10.0) })
}

// ---------------------------------------------------------------------------------------------
// estimators: the λ that minimizes RMSE.

struct LambdaProblem {
    pairs: Vec<(&'static str, Value)>,
    /// (λ, RMSE of DRos at λ).
    curve: Vec<(f64, f64)>,
    answer: f64,
}

fn lambda_problem(learner_seed: u64) -> Result<LambdaProblem> {
    use super::estimators as est;
    let mut rng = Rng::new(derive_seed(learner_seed, 0x1a3b));
    for _ in 0..12 {
        let pairs: Vec<(&'static str, Value)> = vec![
            ("mismatch", num([0.6, 0.7, 0.8, 0.9, 1.0][rng.below(5)])),
            ("lambda", num(30.0)),
            ("misspec", num([0.3, 0.4, 0.5, 0.6][rng.below(4)])),
            ("model", Value::String("true".into())),
            ("rounds", num([500.0, 1000.0][rng.below(2)])),
            ("seed", num((1 + rng.below(9999)) as f64)),
        ];
        let out = match super::run_to_end("estimators", &state(&pairs))? {
            LessonOutput::Estimators(o) => o,
            _ => unreachable!("the estimators lesson returns its output"),
        };
        let curve: Vec<(f64, f64)> =
            est::LAMBDAS.iter().map(|&l| (l, out.stats.get(&est::id_at("dros", l)).map_or(f64::NAN, |s| s.rmse))).collect();
        if curve.iter().any(|(_, r)| !r.is_finite()) {
            continue;
        }
        let mut sorted: Vec<f64> = curve.iter().map(|(_, r)| *r).collect();
        crate::stats::sort(&mut sorted);
        let (best, second) = (sorted[0], sorted[1]);
        let answer = curve.iter().find(|(_, r)| *r == best).map(|(l, _)| *l).expect("a best λ");
        // a clear winner inside the slider's range
        if answer > est::LAMBDAS[0] && answer < est::LAMBDAS[est::LAMBDAS.len() - 1] && second > 1.03 * best {
            return Ok(LambdaProblem { pairs, curve, answer });
        }
    }
    Err(no_instance("best-lambda"))
}

fn value_of(pairs: &[(&str, Value)], key: &str) -> f64 {
    pairs
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| if let Value::Number(x) = v { Some(*x) } else { None })
        .unwrap_or(f64::NAN)
}

/// estimators' exercise "best-lambda".
pub fn best_lambda(learner_seed: u64) -> Result<Exercise> {
    let p = lambda_problem(learner_seed)?;
    let v = |k| value_of(&p.pairs, k);
    Ok(Exercise {
        goal: format!(
            "With a logger–target mismatch of {}, a reward model misspecified by {}, {} rounds per log and seed {}, which weight threshold λ of the slider gives DR with optimistic shrinkage (DRos) the smallest RMSE over the lesson's replicated logs?",
            v("mismatch"),
            v("misspec"),
            v("rounds"),
            v("seed")
        ),
        state: numeric(&p.pairs).into_iter().filter(|(k, _)| k != "lambda").collect(),
        hints: vec![
            "Set the controls for this problem, then move λ: the RMSE chart and table show each estimator's RMSE at the slider's λ.".into(),
            "A small λ shrinks the large weights hard: DRos then leans on the (misspecified) model and is biased. A large λ keeps the weights: unbiased, but the spread of IPS comes back.".into(),
            "RMSE² = bias² + spread²: the best λ is where the falling bias and the growing spread balance. Compare DRos's RMSE at each step of λ.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a λ) to "best-lambda".
pub fn best_lambda_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = lambda_problem(learner_seed)?;
    let lambda = number_answer(answer, "a weight threshold λ")?;
    let best = p.curve.iter().find(|(l, _)| *l == p.answer).map(|(_, r)| *r).unwrap_or(f64::NAN);
    let correct = lambda == p.answer;
    let message = match p.curve.iter().find(|(l, _)| *l == lambda) {
        Some((_, r)) if correct => format!("At λ = {lambda} DRos's RMSE is {r:.4}, the smallest of the slider's λ."),
        Some((_, r)) => {
            format!("At λ = {lambda} DRos's RMSE is {r:.4}; another λ does better ({:.0}% lower).", 100.0 * (1.0 - best / r))
        }
        None => format!("λ = {lambda} is not one of the slider's values (1, 3, 10, 30, 100, 300, 1000)."),
    };
    let solution = format!(
        "DRos's RMSE over the replicated logs: {}. The smallest is at λ = {}: below it the shrinkage's bias dominates, above it the weights' variance.",
        p.curve.iter().map(|(l, r)| format!("{r:.4} at λ = {l}")).collect::<Vec<_>>().join(", "),
        p.answer
    );
    Ok(Check { correct, message, solution, answer: Answer::Number(p.answer) })
}

// ---------------------------------------------------------------------------------------------
// markets: the rollout skew at which the pooled A/B test flips.

/// The rollout slider's steps (C's extra share of the large market).
fn rollouts() -> Vec<f64> {
    (0..=18).map(|k| k as f64 * 0.05).map(|x| (x * 100.0).round() / 100.0).collect()
}

struct RolloutProblem {
    pairs: Vec<(&'static str, Value)>,
    truth: (f64, f64),
    /// (rollout, pooled A, pooled C).
    curve: Vec<(f64, f64, f64)>,
    answer: f64,
}

fn markets_pooled(pairs: &[(&'static str, Value)], rollout: f64) -> Result<(f64, f64, (f64, f64))> {
    let mut p = pairs.to_vec();
    p.push(("rollout", num(rollout)));
    let mut run = super::start("markets", &state(&p))?;
    match run.step()? {
        Some(LessonOutput::Markets(o)) => Ok((o.pooled.a, o.pooled.c, (o.truth.a.all, o.truth.c.all))),
        _ => Err(Error::unsupported("exercise", "the markets lesson gave no exact values")),
    }
}

fn rollout_problem(learner_seed: u64) -> Result<RolloutProblem> {
    let mut rng = Rng::new(derive_seed(learner_seed, 0x3c4d));
    for _ in 0..20 {
        let pairs: Vec<(&'static str, Value)> = vec![
            ("smallShare", num([0.05, 0.1, 0.2][rng.below(3)])),
            ("penalty", num([1.5, 2.0, 2.5, 3.0][rng.below(4)])),
            ("rounds", num(20_000.0)),
            ("visits", num(100_000.0)),
            ("seed", num((1 + rng.below(9999)) as f64)),
        ];
        let mut curve = Vec::new();
        let mut truth = (f64::NAN, f64::NAN);
        for r in rollouts() {
            let (a, c, t) = markets_pooled(&pairs, r)?;
            truth = t;
            curve.push((r, a, c));
        }
        if truth.0 <= truth.1 {
            continue; // C is not worse than A: no paradox to find
        }
        if let Some(&(answer, _, _)) = curve.iter().find(|(_, a, c)| c > a) {
            if answer > 0.0 && answer < 0.9 {
                return Ok(RolloutProblem { pairs, truth, curve, answer });
            }
        }
    }
    Err(no_instance("simpson-rollout"))
}

/// markets' exercise "simpson-rollout".
pub fn simpson_rollout(learner_seed: u64) -> Result<Exercise> {
    let p = rollout_problem(learner_seed)?;
    let v = |k| value_of(&p.pairs, k);
    Ok(Exercise {
        goal: format!(
            "With {} of the users in the small market, a language barrier of {} and seed {}, the per-market model A beats the cheaper global candidate C overall ({:.4} against {:.4} clicks per visit). Find the smallest rollout skew on the slider at which the staged A/B test, pooled over both markets, nevertheless shows C ahead of A (in expectation).",
            pct(v("smallShare")),
            v("penalty"),
            v("seed"),
            p.truth.0,
            p.truth.1
        ),
        state: numeric(&p.pairs),
        hints: vec![
            "The rollout skew gives C more of the large market and leaves A more of the small one, where every model is clicked less.".into(),
            "The A/B readout gives each arm's exact pooled click rate for its own mix of traffic: move the skew until C's pooled rate passes A's.".into(),
            "At skew 0 both arms get the same mix and the pooled test is fair; raise the skew one step at a time.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a rollout skew) to "simpson-rollout".
pub fn simpson_rollout_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = rollout_problem(learner_seed)?;
    let r = number_answer(answer, "a rollout skew")?;
    let correct = (r - p.answer).abs() < 1e-9;
    let message = match p.curve.iter().find(|(x, _, _)| (x - r).abs() < 1e-9) {
        Some(&(_, a, c)) if correct => {
            format!("At skew {r} the pooled test shows C at {c:.4} and A at {a:.4}: C ahead, the first step where it is.")
        }
        Some(&(_, a, c)) if c > a => {
            format!("At skew {r} C is ahead pooled ({c:.4} against {a:.4}), but a smaller skew already puts it there.")
        }
        Some(&(_, a, c)) => format!("At skew {r} the pooled test still shows A ahead ({a:.4} against C's {c:.4})."),
        None => format!("{r} is not one of the slider's steps (0, 0.05, …, 0.9)."),
    };
    let solution = format!(
        "Pooled click rates (A, C) as the skew grows: {}. C first leads at skew {}, although per market and overall A is better: the skew sends A the small market's harder traffic (Simpson's paradox).",
        p.curve.iter().step_by(3).map(|(x, a, c)| format!("{a:.3} and {c:.3} at {x}")).collect::<Vec<_>>().join(", "),
        p.answer
    );
    Ok(Check { correct, message, solution, answer: Answer::Number(p.answer) })
}

// ---------------------------------------------------------------------------------------------
// large-catalogs: the catalog size from which MIPS beats IPS.

struct CrossoverProblem {
    seed: u64,
    miss: f64,
    rounds: usize,
    /// (items, exact MSE of IPS, exact MSE of MIPS) at every size of the slider.
    sizes: Vec<(usize, f64, f64)>,
    answer: usize,
}

fn crossover_problem(learner_seed: u64) -> Result<CrossoverProblem> {
    use super::large_catalogs::exact_by_size;
    let mut rng = Rng::new(derive_seed(learner_seed, 0x1c47));
    let seed = 1 + rng.below(9999) as u64;
    for _ in 0..12 {
        let miss = [0.2, 0.3, 0.4, 0.5, 0.6][rng.below(5)];
        let rounds = [500, 1000, 2000, 5000][rng.below(4)];
        let sizes: Vec<(usize, f64, f64)> =
            exact_by_size(seed, miss, rounds)?.into_iter().map(|(k, e)| (k, e.mse_ipw, e.mse_mipw)).collect();
        // the smallest size from which on MIPS's MSE stays below IPS's; not the first size (then
        // there is nothing to find) and not never
        let first = (0..sizes.len()).find(|&i| sizes[i..].iter().all(|(_, ipw, mipw)| mipw < ipw));
        if let Some(i) = first.filter(|&i| i > 0) {
            return Ok(CrossoverProblem { seed, miss, rounds, answer: sizes[i].0, sizes });
        }
    }
    Err(no_instance("mips-crossover"))
}

/// large-catalogs' exercise "mips-crossover".
pub fn mips_crossover(learner_seed: u64) -> Result<Exercise> {
    let p = crossover_problem(learner_seed)?;
    Ok(Exercise {
        goal: format!(
            "In the world with seed {}, the topics miss {} of what makes users click and every log has {} rounds. Find the smallest catalog size on the slider from which on MIPS's mean squared error stays below IPS's.",
            p.seed,
            pct(p.miss),
            p.rounds
        ),
        state: vec![("seed".into(), p.seed as f64), ("miss".into(), p.miss), ("rounds".into(), p.rounds as f64)],
        hints: vec![
            "IPS is unbiased but its variance grows with the catalog; MIPS's variance hardly moves, but the topics it weighs miss part of the appeal, so it keeps a bias.".into(),
            "The MSE chart shows both at every size at once: look for where MIPS's line passes under IPS's dashed exact line and stays there.".into(),
            "Mean squared error is bias² plus variance over the rounds: more rounds shrink IPS's variance, not MIPS's bias, so the crossing moves to larger catalogs.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a catalog size, as the page's option value) to "mips-crossover".
pub fn mips_crossover_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = crossover_problem(learner_seed)?;
    let names: Vec<String> = p.sizes.iter().map(|s| s.0.to_string()).collect();
    let ids: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    let chosen: usize = choice_answer(answer, &ids)?.parse().expect("a size");
    let &(k, ipw, mipw) = p.sizes.iter().find(|s| s.0 == chosen).expect("one of the sizes");
    let correct = chosen == p.answer;
    let message = if correct {
        format!(
            "At {k} items MIPS's MSE is {mipw:.2e} against IPS's {ipw:.2e}, and it stays below at every larger size; at the size before, IPS's is still lower."
        )
    } else if mipw < ipw && k > p.answer {
        format!("At {k} items MIPS is ahead ({mipw:.2e} against {ipw:.2e}), but it already is at a smaller size.")
    } else if mipw < ipw {
        format!("At {k} items MIPS is ahead ({mipw:.2e} against {ipw:.2e}), but IPS takes the lead again at a larger size.")
    } else {
        format!(
            "At {k} items IPS still has the lower MSE ({ipw:.2e} against MIPS's {mipw:.2e}): MIPS's bias costs more than IPS's variance."
        )
    };
    let solution = format!(
        "Exact MSE of IPS and MIPS by catalog size: {}. MIPS stays ahead from {} items on: IPS's variance grows with the catalog, MIPS's bias of missing {} of the appeal does not.",
        p.sizes.iter().map(|(k, i, m)| format!("{k}: {i:.1e} and {m:.1e}")).collect::<Vec<_>>().join(", "),
        p.answer,
        pct(p.miss)
    );
    Ok(Check { correct, message, solution, answer: Answer::Choice(p.answer.to_string()) })
}

// ---------------------------------------------------------------------------------------------
// choosing-estimators: the oracle's λ, read off the RMSE chart.

struct OracleProblem {
    mismatch: f64,
    rounds: usize,
    seed: u64,
    /// (λ's label, RMSE over the replicated logs), in the lesson's order.
    curve: Vec<(String, f64)>,
    answer: String,
    /// SLOPE's and the MSE choice's RMSE.
    tuned: (f64, f64),
}

fn oracle_problem(learner_seed: u64) -> Result<std::rc::Rc<OracleProblem>> {
    use super::Run as _;
    use super::choosing_estimators as ce;
    cached("oracle-lambda", learner_seed, || {
        let mut rng = Rng::new(derive_seed(learner_seed, 0x0ac1e));
        for _ in 0..8 {
            let mismatch = [0.5, 0.75, 1.0][rng.below(3)];
            let rounds = [500, 1000][rng.below(2)];
            let seed = 1 + rng.below(9999) as u64;
            let config = ce::Config { mismatch, family: "dr".into(), rounds, folds: 2, seed };
            let mut run = ce::Runner::new(config)?;
            while run.step()?.is_some() {}
            let o = run.output();
            let curve: Vec<(String, f64)> = o.fixed.iter().map(|f| (f.label.clone(), f.stats.rmse)).collect();
            let mut sorted: Vec<f64> = curve.iter().map(|c| c.1).collect();
            crate::stats::sort(&mut sorted);
            // a clear winner: the runner-up's RMSE at least 3% higher
            if sorted[1] > 1.03 * sorted[0] {
                return Ok(OracleProblem {
                    mismatch,
                    rounds,
                    seed,
                    answer: o.fixed[o.oracle].label.clone(),
                    curve,
                    tuned: (o.tuned[0].stats.rmse, o.tuned[1].stats.rmse),
                });
            }
        }
        Err(no_instance("oracle-lambda"))
    })
}

/// choosing-estimators' exercise "oracle-lambda".
pub fn oracle_lambda(learner_seed: u64) -> Result<Exercise> {
    let p = oracle_problem(learner_seed)?;
    Ok(Exercise {
        goal: format!(
            "With DR clipped at λ (its reward model cross-fitted in 2 folds), a logger–target mismatch of {}, {} rounds per log and seed {}, which fixed λ would the oracle choose: the one with the smallest RMSE over the replicated logs?",
            p.mismatch, p.rounds, p.seed
        ),
        state: vec![
            ("mismatch".into(), p.mismatch),
            ("rounds".into(), p.rounds as f64),
            ("seed".into(), p.seed as f64),
        ],
        hints: vec![
            "Set the estimator to DR with 2 folds (the button above does it); the first chart has one bar per fixed λ, its height the RMSE against the truth over the logs.".into(),
            "Small λ clips hard and leans on the reward model, which is biased here; λ = ∞ keeps every weight, unbiased but noisy. The best λ balances the two.".into(),
            "The oracle knows the truth; SLOPE and the MSE choice do not. Their bars, at the right, show how close a choice made from the log alone comes.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a λ's label: "1" … "500", "∞") to "oracle-lambda".
pub fn oracle_lambda_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = oracle_problem(learner_seed)?;
    let labels: Vec<&str> = p.curve.iter().map(|c| c.0.as_str()).collect();
    let chosen = choice_answer(answer, &labels)?;
    let rmse = |l: &str| p.curve.iter().find(|c| c.0 == l).map_or(f64::NAN, |c| c.1);
    let (best, got) = (rmse(&p.answer), rmse(chosen));
    let correct = chosen == p.answer;
    let message = if correct {
        format!(
            "At λ = {chosen} DR's RMSE is {got:.4}, the smallest of the ten; SLOPE's choice reached {:.4} and the MSE choice {:.4}.",
            p.tuned.0, p.tuned.1
        )
    } else {
        format!("At λ = {chosen} DR's RMSE is {got:.4}; another λ does better ({:.0}% lower).", 100.0 * (1.0 - best / got))
    };
    let solution = format!(
        "DR's RMSE over the replicated logs: {}. The smallest is at λ = {}: below it the clipping's bias dominates, above it the weights' variance.",
        p.curve.iter().map(|(l, r)| format!("{r:.4} at λ = {l}")).collect::<Vec<_>>().join(", "),
        p.answer
    );
    Ok(Check { correct, message, solution, answer: Answer::Choice(p.answer.clone()) })
}

// ---------------------------------------------------------------------------------------------
// causal-graph: the adjustment set that recovers the effect.

/// The adjustment sets a learner can choose.
pub const ADJUSTMENT_SETS: [&str; 4] = ["none", "taste", "popularity", "both"];

struct GraphProblem {
    config: super::causal_graph::Config,
    answer: &'static str,
}

fn set_of(taste: bool, popularity: bool) -> &'static str {
    match (taste, popularity) {
        (false, false) => "none",
        (true, false) => "taste",
        (false, true) => "popularity",
        (true, true) => "both",
    }
}

fn graph_problem(learner_seed: u64) -> GraphProblem {
    let mut rng = Rng::new(derive_seed(learner_seed, 0x4e5f));
    // Arrows of the four confounding kinds, each on or off; shown → click always on. Every graph
    // has an answer (the confounders), so any draw will do.
    let config = super::causal_graph::Config {
        confounding: [1.0, 1.5, 2.0][rng.below(3)],
        taste_to_exposure: rng.bernoulli(0.6),
        popularity_to_exposure: rng.bernoulli(0.6),
        taste_to_click: rng.bernoulli(0.6),
        popularity_to_click: rng.bernoulli(0.6),
        exposure_to_click: true,
        adjust_taste: false,
        adjust_popularity: false,
        n: 5000,
        seed: 1 + rng.below(9999) as u64,
    };
    let g = super::causal_graph::graph(&config);
    let has = |name: &str| g.confounders.iter().any(|x| x.name == name);
    GraphProblem { answer: set_of(has("taste"), has("popularity")), config }
}

fn arrows(c: &super::causal_graph::Config) -> String {
    let on: Vec<&str> = [
        (c.taste_to_exposure, "taste → shown"),
        (c.taste_to_click, "taste → click"),
        (c.popularity_to_exposure, "popularity → shown"),
        (c.popularity_to_click, "popularity → click"),
        (c.exposure_to_click, "shown → click"),
    ]
    .into_iter()
    .filter(|(b, _)| *b)
    .map(|(_, s)| s)
    .collect();
    on.join(", ")
}

/// causal-graph's exercise "adjustment-set".
pub fn adjustment_set(learner_seed: u64) -> Result<Exercise> {
    let p = graph_problem(learner_seed);
    let c = &p.config;
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    Ok(Exercise {
        goal: format!(
            "In your graph the arrows are: {}. Which is the smallest adjustment set that recovers the effect of showing an item on its click?",
            arrows(c)
        ),
        state: vec![
            ("confounding".into(), c.confounding),
            ("tasteToExposure".into(), b(c.taste_to_exposure)),
            ("popularityToExposure".into(), b(c.popularity_to_exposure)),
            ("tasteToClick".into(), b(c.taste_to_click)),
            ("popularityToClick".into(), b(c.popularity_to_click)),
            ("exposureToClick".into(), 1.0),
            ("n".into(), c.n as f64),
            ("seed".into(), c.seed as f64),
        ],
        hints: vec![
            "A back-door path runs shown ← X → click: it needs an arrow from X into shown and one from X into click.".into(),
            "A variable with an arrow into only one of shown and click opens no back-door path: adjusting for it is not needed.".into(),
            "Adjust for exactly the variables that point into both shown and click; if none does, the naive reading is already causal.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (one of [`ADJUSTMENT_SETS`]) to "adjustment-set".
pub fn adjustment_set_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = graph_problem(learner_seed);
    let chosen = choice_answer(answer, &ADJUSTMENT_SETS)?;
    let mut c = p.config.clone();
    c.adjust_taste = chosen == "taste" || chosen == "both";
    c.adjust_popularity = chosen == "popularity" || chosen == "both";
    let g = super::causal_graph::graph(&c);
    let names = |xs: &[super::causal_graph::Confounder]| xs.iter().map(|x| x.name).collect::<Vec<_>>().join(" and ");
    let extra: Vec<&str> = [("taste", c.adjust_taste), ("popularity", c.adjust_popularity)]
        .into_iter()
        .filter(|(n, on)| *on && !g.confounders.iter().any(|x| x.name == *n))
        .map(|(n, _)| n)
        .collect();
    let correct = chosen == p.answer;
    let message = if !g.open.is_empty() {
        format!(
            "With {chosen} adjusted, the back-door path through {} stays open: the estimate still mixes the effect with confounding.",
            names(&g.open)
        )
    } else if !extra.is_empty() {
        format!(
            "Adjusting for {chosen} closes every back-door path, but {} opens none here: a smaller set does it.",
            extra.join(" and ")
        )
    } else if g.confounders.is_empty() {
        "No variable points into both shown and click: there is no back-door path, and the naive reading already recovers the effect.".into()
    } else {
        format!("Adjusting for {} closes every back-door path, and nothing less does.", names(&g.confounders))
    };
    let solution = if g.confounders.is_empty() {
        format!(
            "The arrows are {}. No variable points into both shown and click, so no back-door path is open: adjust for nothing.",
            arrows(&c)
        )
    } else {
        format!(
            "The arrows are {}. Back-door paths shown ← X → click run through {}: adjusting for exactly {} closes them all ({}).",
            arrows(&c),
            names(&g.confounders),
            names(&g.confounders),
            p.answer
        )
    };
    Ok(Check { correct, message, solution, answer: Answer::Choice(p.answer.into()) })
}

// ---------------------------------------------------------------------------------------------
// intent: how many sessions an A/B test needs.

/// The signals an intent exercise may ask about (with their names on the page).
const INTENT_SIGNALS: [(&str, &str); 4] =
    [("save", "saves"), ("intentAware", "the intent-aware reward"), ("stream", "streams"), ("thumbsUp", "thumbs up")];

struct SessionsProblem {
    pairs: Vec<(&'static str, Value)>,
    signal: (&'static str, &'static str),
    lift: f64,
    /// Standard error of the lift at one session per arm (it shrinks as 1/√n).
    se1: f64,
    answer: f64,
}

fn sessions_problem(learner_seed: u64) -> Result<SessionsProblem> {
    use super::intent;
    let mut rng = Rng::new(derive_seed(learner_seed, 0x5a6b));
    for _ in 0..4 {
        let pairs: Vec<(&'static str, Value)> = vec![
            ("share", num([0.2, 0.3, 0.4, 0.5][rng.below(4)])),
            ("sessions", num(10_000.0)),
            ("method", Value::String("dwell".into())),
            ("declared", num(0.2)),
            ("seed", num((1 + rng.below(9999)) as f64)),
        ];
        let first = rng.below(INTENT_SIGNALS.len());
        let mut p = pairs.clone();
        p.push(("signal", Value::String("intentAware".into())));
        let mut run = super::start("intent", &state(&p))?;
        let point = loop {
            match run.step()? {
                Some(LessonOutput::Intent(o)) if o.main.is_some() => break o.main.expect("checked"),
                Some(_) => continue,
                None => return Err(Error::unsupported("exercise", "the intent lesson gave no exact values")),
            }
        };
        // the first signal (from the seed's choice on) whose answer is a test of a sensible size
        for k in 0..INTENT_SIGNALS.len() {
            let signal = INTENT_SIGNALS[(first + k) % INTENT_SIGNALS.len()];
            let s = intent::SIGNALS.iter().position(|x| *x == signal.0).expect("a signal");
            let l = intent::expected(&point.exact, s, 1);
            let n = (super::common::Z95 * l.se / l.value).powi(2).ceil();
            if l.value.is_finite() && l.value != 0.0 && (3000.0..=150_000.0).contains(&n) {
                return Ok(SessionsProblem { pairs, signal, lift: l.value, se1: l.se, answer: n });
            }
        }
    }
    Err(no_instance("test-size"))
}

/// The tolerance of "test-size": the page's simulated interval is read by eye, and the size
/// needed grows with the square of its half-width.
const SESSIONS_TOLERANCE: f64 = 0.2;

/// intent's exercise "test-size".
pub fn test_size(learner_seed: u64) -> Result<Exercise> {
    let p = sessions_problem(learner_seed)?;
    let v = |k| value_of(&p.pairs, k);
    Ok(Exercise {
        goal: format!(
            "With {} of sessions spent sampling (world seed {}), judge the A/B test by {}. About how many sessions per arm does the test need before its 95% interval for B's lift is expected to exclude 0? (Within 20%.)",
            pct(v("share")),
            v("seed"),
            p.signal.1
        ),
        state: {
            // the signal as its index in the lesson's list (the page maps it back to its name)
            let mut st = numeric(&p.pairs);
            st.push(("signal".into(), super::intent::SIGNALS.iter().position(|x| *x == p.signal.0).expect("a signal") as f64));
            st
        },
        hints: vec![
            format!(
                "Set the controls for this problem and choose {} as the signal: the readout gives B's lift and its 95% interval at 10,000 sessions per arm.",
                p.signal.1
            ),
            "The interval's half-width shrinks as 1/√n: four times the sessions, half the width.".into(),
            "Solve half-width × √(10,000 / n) = |lift| for n: n = 10,000 × (half-width / lift)².".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (sessions per arm) to "test-size".
pub fn test_size_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = sessions_problem(learner_seed)?;
    let n = number_answer(answer, "sessions per arm")?;
    let half = |n: f64| super::common::Z95 * p.se1 / n.sqrt();
    let correct = n > 0.0 && (n - p.answer).abs() <= SESSIONS_TOLERANCE * p.answer;
    let message = if n <= 0.0 {
        "A test needs at least one session per arm.".into()
    } else if correct {
        format!(
            "With {n} sessions per arm the expected 95% half-width is {:.4} against a lift of {:.4}: close to the size where 0 leaves the interval.",
            half(n),
            p.lift.abs()
        )
    } else if n < p.answer {
        format!(
            "With {n} sessions per arm the expected 95% half-width is {:.4}, wider than the lift of {:.4}: the interval still contains 0. More sessions.",
            half(n),
            p.lift.abs()
        )
    } else {
        format!(
            "With {n} sessions per arm the half-width is {:.4}, well inside the lift of {:.4}: a smaller test would do.",
            half(n),
            p.lift.abs()
        )
    };
    let solution = format!(
        "B's expected lift in {} is {:.4}, and one session per arm gives a standard error of {:.3}. The 95% half-width 1.96 × {:.3} / √n falls below |lift| at n = (1.96 × {:.3} / {:.4})² ≈ {:.0} sessions per arm.",
        p.signal.1,
        p.lift,
        p.se1,
        p.se1,
        p.se1,
        p.lift.abs(),
        p.answer
    );
    Ok(Check { correct, message, solution, answer: Answer::Number(p.answer) })
}

// ---------------------------------------------------------------------------------------------
// position-bias: correct a position's click-through for examination.

struct CtrProblem {
    pairs: Vec<(&'static str, Value)>,
    eta: f64,
    position: usize,
    impressions: f64,
    clicks: f64,
    exam: f64,
    answer: f64,
}

fn ctr_problem(learner_seed: u64) -> Result<std::rc::Rc<CtrProblem>> {
    cached("corrected-ctr", learner_seed, || draw_ctr_problem(learner_seed))
}

fn draw_ctr_problem(learner_seed: u64) -> Result<CtrProblem> {
    let mut rng = Rng::new(derive_seed(learner_seed, 0x6c7d));
    for _ in 0..10 {
        let eta = [0.5, 0.75, 1.0, 1.25, 1.5][rng.below(5)];
        let len_list = [3.0, 4.0, 5.0][rng.below(3)];
        let pairs: Vec<(&'static str, Value)> = vec![
            ("model", Value::String("pbm".into())),
            ("eta", num(eta)),
            ("lenList", num(len_list)),
            ("logger", Value::String("uniform".into())),
            ("rounds", num(1000.0)),
            ("sharp", num(2.0)),
            ("seed", num((1 + rng.below(9999)) as f64)),
        ];
        let mut run = super::start("position-bias", &state(&pairs))?;
        let ctr = loop {
            match run.step()? {
                Some(LessonOutput::PositionBias(o)) if !o.ctr.is_empty() => break o.ctr,
                Some(_) => continue,
                None => return Err(Error::unsupported("exercise", "the position-bias lesson gave no click-through table")),
            }
        };
        let row = &ctr[ctr.len() - 1];
        let answer = row.clicks / row.impressions / row.exam;
        if row.clicks > 0.0 && answer > 0.01 && answer < 0.95 {
            return Ok(CtrProblem {
                pairs,
                eta,
                position: row.position,
                impressions: row.impressions,
                clicks: row.clicks,
                exam: row.exam,
                answer,
            });
        }
    }
    Err(no_instance("corrected-ctr"))
}

/// How far from the corrected click-through an answer may be (rounding by hand).
const CTR_TOLERANCE: f64 = 0.005;

/// position-bias's exercise "corrected-ctr".
pub fn corrected_ctr(learner_seed: u64) -> Result<Exercise> {
    let p = ctr_problem(learner_seed)?;
    Ok(Exercise {
        goal: format!(
            "A uniform logger shuffles songs into {} positions (seed {}); users examine position k with probability 1/k^η, η = {}. The last position, {}, was shown {} times and clicked {} times. What share of the songs shown there would users click if they always looked (the click-through corrected for position)? Answer as a share, e.g. 0.2.",
            value_of(&p.pairs, "lenList"),
            value_of(&p.pairs, "seed"),
            p.eta,
            p.position,
            p.impressions,
            p.clicks
        ),
        state: numeric(&p.pairs),
        hints: vec![
            "Under the position-based model a click needs two things: the user looks at the position, and likes the song.".into(),
            format!("The naive click-through at position {} is {} / {}; only a share 1/{}^{} of the users looked there.", p.position, p.clicks, p.impressions, p.position, p.eta),
            "Divide the naive click-through by the examination probability (the chart's corrected column shows it once the controls are set).".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a share) to "corrected-ctr".
pub fn corrected_ctr_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = ctr_problem(learner_seed)?;
    let x = number_answer(answer, "a corrected click-through, as a share")?;
    let naive = p.clicks / p.impressions;
    let correct = (x - p.answer).abs() <= CTR_TOLERANCE;
    let message = if correct {
        format!("Right: {naive:.3} naive, divided by the examination probability {:.3}, is {:.3}.", p.exam, p.answer)
    } else if (x - naive).abs() <= CTR_TOLERANCE {
        format!(
            "{x} is the naive click-through: it counts the users who never looked at position {} as if they had said no.",
            p.position
        )
    } else if x < p.answer {
        format!("{x} is too low: position {} was examined by only {:.0}% of users.", p.position, 100.0 * p.exam)
    } else {
        format!("{x} is too high: divide the naive click-through by the examination probability once, not more.")
    };
    let solution = format!(
        "Naive click-through {} / {} = {naive:.4}. Examination probability at position {} is 1/{}^{} = {:.4}. Corrected: {naive:.4} / {:.4} = {:.4}.",
        p.clicks, p.impressions, p.position, p.position, p.eta, p.exam, p.exam, p.answer
    );
    Ok(Check { correct, message, solution, answer: Answer::Number((p.answer * 1000.0).round() / 1000.0) })
}

// ---------------------------------------------------------------------------------------------
// stakeholders: the smallest fairness weight that reaches an exposure target.

struct GammaProblem {
    pairs: Vec<(&'static str, Value)>,
    target: f64,
    /// (γ, small creators' exposure share, engagement) along the frontier.
    frontier: Vec<(f64, f64, f64)>,
    answer: f64,
}

fn gamma_problem(learner_seed: u64) -> Result<GammaProblem> {
    let mut rng = Rng::new(derive_seed(learner_seed, 0x7e8f));
    for _ in 0..10 {
        let pairs: Vec<(&'static str, Value)> = vec![
            ("gamma", num(0.0)),
            ("beta", num([2.0, 2.5, 3.0, 3.5, 4.0][rng.below(5)])),
            ("threshold", num(0.5)),
            ("rounds", num(10.0)),
            ("visits", num(10_000.0)),
            ("seed", num((1 + rng.below(9999)) as f64)),
        ];
        let out = match super::run_to_end("stakeholders", &state(&pairs))? {
            LessonOutput::Stakeholders(o) => o,
            _ => unreachable!("the stakeholders lesson returns its output"),
        };
        let frontier: Vec<(f64, f64, f64)> = out.frontier.iter().map(|p| (p.gamma, p.small_exposure, p.engagement)).collect();
        let start = frontier[0].1;
        // a target between today's share and the largest the slider reaches
        let end = frontier.iter().map(|f| f.1).fold(f64::NEG_INFINITY, f64::max);
        let frac = [0.3, 0.5, 0.7][rng.below(3)];
        let target = ((start + frac * (end - start)) * 100.0).round() / 100.0;
        if let Some(&(answer, _, _)) = frontier.iter().find(|f| f.1 >= target) {
            if answer > 0.0 && answer < 0.6 - 1e-9 {
                return Ok(GammaProblem { pairs, target, frontier, answer });
            }
        }
    }
    Err(no_instance("exposure-target"))
}

/// stakeholders' exercise "exposure-target".
pub fn exposure_target(learner_seed: u64) -> Result<Exercise> {
    let p = gamma_problem(learner_seed)?;
    Ok(Exercise {
        goal: format!(
            "In the world with seed {} (user-side sharpness β = {}), the smallest creators get {} of the exposure under clicks only. Find the smallest fairness weight γ on the slider (steps of 0.05) that gives them at least {}, and note what it costs in clicks.",
            value_of(&p.pairs, "seed"),
            value_of(&p.pairs, "beta"),
            pct(p.frontier[0].1),
            pct(p.target)
        ),
        state: numeric(&p.pairs).into_iter().filter(|(k, _)| k != "gamma").collect(),
        hints: vec![
            "The trade-off chart and the readout give the small creators' share of exposure for the selected γ.".into(),
            "The larger γ, the more the boost for under-exposed creators weighs against clicks: their share grows with γ.".into(),
            "Move γ up from 0 one step at a time and stop at the first step that reaches the target.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a γ) to "exposure-target".
pub fn exposure_target_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = gamma_problem(learner_seed)?;
    let g = number_answer(answer, "a fairness weight γ")?;
    let correct = (g - p.answer).abs() < 1e-9;
    let cost = |e: f64| 100.0 * (1.0 - e / p.frontier[0].2);
    let message = match p.frontier.iter().find(|f| (f.0 - g).abs() < 1e-9) {
        Some(&(_, s, e)) if correct => format!(
            "At γ = {g} the smallest creators get {} of the exposure, the first step to reach {}; it costs {:.1}% of the clicks.",
            pct(s),
            pct(p.target),
            cost(e)
        ),
        Some(&(_, s, _)) if s >= p.target => {
            format!("At γ = {g} they get {}, past the target, but a smaller γ already reaches it.", pct(s))
        }
        Some(&(_, s, _)) => format!("At γ = {g} they get {}: not yet {}.", pct(s), pct(p.target)),
        None => format!("γ = {g} is not one of the slider's steps (0, 0.05, …, 0.6)."),
    };
    let solution = format!(
        "The smallest creators' share of exposure along γ: {}. It first reaches {} at γ = {}.",
        p.frontier.iter().step_by(2).map(|(g, s, _)| format!("{} at {g}", pct(*s))).collect::<Vec<_>>().join(", "),
        pct(p.target),
        p.answer
    );
    Ok(Check { correct, message, solution, answer: Answer::Number(p.answer) })
}

// ---------------------------------------------------------------------------------------------
// cold-start: how many questions close part of the gap.

struct QuestionsProblem {
    pairs: Vec<(&'static str, Value)>,
    frac: f64,
    cold: f64,
    oracle: f64,
    /// Mean quality of the top 10 after 0, 1, … questions (adaptive).
    curve: Vec<f64>,
    answer: usize,
}

fn questions_problem(learner_seed: u64) -> Result<std::rc::Rc<QuestionsProblem>> {
    cached("questions-needed", learner_seed, || draw_questions_problem(learner_seed))
}

fn draw_questions_problem(learner_seed: u64) -> Result<QuestionsProblem> {
    let mut rng = Rng::new(derive_seed(learner_seed, 0x8f90));
    for _ in 0..4 {
        let pairs: Vec<(&'static str, Value)> = vec![
            ("tau", num([1.5, 2.0, 3.0, 4.0][rng.below(4)])),
            ("users", num(50.0)),
            ("strategy", Value::String("adaptive".into())),
            ("options", num([2.0, 3.0, 4.0][rng.below(3)])),
            ("questions", num(8.0)),
            ("seed", num((1 + rng.below(9999)) as f64)),
        ];
        let out = match super::run_to_end("cold-start", &state(&pairs))? {
            LessonOutput::ColdStart(o) => o,
            _ => unreachable!("the cold-start lesson returns its output"),
        };
        let Some(curves) = out.curves else { continue };
        let curve = curves.adaptive.mean.clone();
        let first = rng.below(3);
        for k in 0..3 {
            let frac = [0.3, 0.4, 0.5][(first + k) % 3];
            let goal = out.cold_start + frac * (out.oracle - out.cold_start);
            if let Some(answer) = curve.iter().position(|&q| q >= goal) {
                if (2..=7).contains(&answer) {
                    return Ok(QuestionsProblem { pairs, frac, cold: out.cold_start, oracle: out.oracle, curve, answer });
                }
            }
        }
    }
    Err(no_instance("questions-needed"))
}

/// cold-start's exercise "questions-needed".
pub fn questions_needed(learner_seed: u64) -> Result<Exercise> {
    let p = questions_problem(learner_seed)?;
    Ok(Exercise {
        goal: format!(
            "New users (seed {}) answer questions with {} options at decisiveness τ = {}. Their top 10 starts at a quality of {:.3} and would reach {:.3} if we knew them. With adaptive questions, after how many answers does the quality first close {:.0}% of that gap (reach {:.3})?",
            value_of(&p.pairs, "seed"),
            value_of(&p.pairs, "options"),
            value_of(&p.pairs, "tau"),
            p.cold,
            p.oracle,
            100.0 * p.frac,
            p.cold + p.frac * (p.oracle - p.cold)
        ),
        state: numeric(&p.pairs),
        hints: vec![
            "The curves chart shows the top 10's quality after each number of questions, one line per strategy; follow the adaptive one.".into(),
            "The dashed lines are where users start (cold start) and what knowing them would give (oracle); the goal is part of the way between them.".into(),
            "Find the first number of questions at which the adaptive line is at or above the goal.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a number of questions) to "questions-needed".
pub fn questions_needed_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = questions_problem(learner_seed)?;
    let k = number_answer(answer, "a number of questions")?;
    let goal = p.cold + p.frac * (p.oracle - p.cold);
    let correct = k == p.answer as f64;
    let message = match (k >= 0.0 && k.fract() == 0.0).then(|| p.curve.get(k as usize)).flatten() {
        Some(q) if correct => format!("After {k} answers the quality is {q:.3}, the first to reach {goal:.3}."),
        Some(q) if *q >= goal => {
            format!("After {k} answers the quality is {q:.3}, past the goal, but fewer answers already reach it.")
        }
        Some(q) => format!("After {k} answers the quality is {q:.3}: not yet {goal:.3}."),
        None => format!("{k} is not a number of questions from 0 to {}.", p.curve.len() - 1),
    };
    let solution = format!(
        "The adaptive strategy's quality after 0, 1, … answers: {}. The goal {goal:.3} is first reached after {} answers.",
        p.curve.iter().map(|q| format!("{q:.3}")).collect::<Vec<_>>().join(", "),
        p.answer
    );
    Ok(Check { correct, message, solution, answer: Answer::Number(p.answer as f64) })
}

// ---------------------------------------------------------------------------------------------
// A cache of instances whose drawing runs a lesson: every check of an answer needs the instance
// again, and the lesson's run takes a moment.

/// Instances by (exercise id, learner seed).
type Instances = Vec<(&'static str, u64, std::rc::Rc<dyn std::any::Any>)>;

thread_local! {
    static INSTANCES: std::cell::RefCell<Instances> = const { std::cell::RefCell::new(Vec::new()) };
}

fn cached<T: 'static>(id: &'static str, seed: u64, draw: impl FnOnce() -> Result<T>) -> Result<std::rc::Rc<T>> {
    let hit = INSTANCES.with(|c| c.borrow().iter().find(|(i, s, _)| *i == id && *s == seed).map(|(_, _, p)| p.clone()));
    if let Some(p) = hit.and_then(|p| p.downcast::<T>().ok()) {
        return Ok(p);
    }
    let p = std::rc::Rc::new(draw()?);
    INSTANCES.with(|c| {
        let mut c = c.borrow_mut();
        c.push((id, seed, p.clone()));
        if c.len() > 8 {
            c.remove(0);
        }
    });
    Ok(p)
}

// ---------------------------------------------------------------------------------------------
// offline-online: pick the A/B winner from the logs alone.

struct WinnerProblem {
    pairs: Vec<(&'static str, Value)>,
    /// The four candidates: (id, label, exact online value, DR median, NDCG median).
    four: Vec<(&'static str, &'static str, f64, f64, f64)>,
    answer: &'static str,
}

fn winner_problem(learner_seed: u64) -> Result<std::rc::Rc<WinnerProblem>> {
    cached("ab-winner", learner_seed, || {
        let mut rng = Rng::new(derive_seed(learner_seed, 0x90a1));
        for _ in 0..3 {
            let pairs: Vec<(&'static str, Value)> = vec![
                ("bucket", num(0.05)),
                ("rounds", num(20_000.0)),
                ("popBias", num([0.5, 1.0, 1.5, 2.0][rng.below(4)])),
                ("metric", Value::String("dr".into())),
                ("k", num(10.0)),
                ("seed", num((1 + rng.below(9999)) as f64)),
            ];
            let out = match super::run_to_end("offline-online", &state(&pairs))? {
                LessonOutput::OfflineOnline(o) => o,
                _ => unreachable!("the offline-online lesson returns its output"),
            };
            let Some(off) = out.offline else { continue };
            let all: Vec<_> = out
                .candidates
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id, c.label, c.value, off.dr.all[i].median, off.ndcg.all[i].median))
                .collect();
            for _ in 0..20 {
                // four distinct candidates
                let mut idx: Vec<usize> = Vec::new();
                while idx.len() < 4 {
                    let i = rng.below(all.len());
                    if !idx.contains(&i) {
                        idx.push(i);
                    }
                }
                let four: Vec<_> = idx.iter().map(|&i| all[i]).collect();
                let mut by_value = four.clone();
                by_value.sort_by(|a, b| b.2.total_cmp(&a.2));
                let best = by_value[0];
                let by_dr = four.iter().max_by(|a, b| a.3.total_cmp(&b.3)).expect("four");
                let by_ndcg = four.iter().max_by(|a, b| a.4.total_cmp(&b.4)).expect("four");
                // a clear winner that the logs, read with DR, find, and that NDCG on logged clicks misses
                if best.2 - by_value[1].2 >= 0.01 && by_dr.0 == best.0 && by_ndcg.0 != best.0 {
                    return Ok(WinnerProblem { pairs, answer: best.0, four });
                }
            }
        }
        Err(no_instance("ab-winner"))
    })
}

/// offline-online's exercise "ab-winner".
pub fn ab_winner(learner_seed: u64) -> Result<Exercise> {
    let p = winner_problem(learner_seed)?;
    Ok(Exercise {
        goal: format!(
            "Production leans towards popular items with strength {} (seed {}, 20,000 logged visits, a 5% random bucket). Of these four candidates, which would win an A/B test? Decide from the offline scores alone: {}.",
            value_of(&p.pairs, "popBias"),
            value_of(&p.pairs, "seed"),
            p.four.iter().map(|c| c.1).collect::<Vec<_>>().join("; ")
        ),
        state: numeric(&p.pairs),
        hints: vec![
            "The offline chart scores every candidate on each of the 20 logs with the metric you choose; the online chart is what an A/B test would see, but you are not to use it.".into(),
            "Precision and NDCG count the logged clicks a candidate would have shown at the top: they reward agreeing with production, which chose what got clicked.".into(),
            "IPS and DR reweight the logged clicks by how likely production was to show them: choose one of them and compare the four candidates' medians.".into(),
        ],
        options: p.four.iter().map(|c| (c.0.to_string(), c.1.to_string())).collect(),
    })
}

/// Check an answer (a candidate's id) to "ab-winner".
pub fn ab_winner_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = winner_problem(learner_seed)?;
    let ids: Vec<&str> = p.four.iter().map(|c| c.0).collect();
    let chosen = choice_answer(answer, &ids)?;
    let c = p.four.iter().find(|c| c.0 == chosen).expect("one of the four");
    let best = p.four.iter().find(|c| c.0 == p.answer).expect("the answer");
    let correct = chosen == p.answer;
    let message = if correct {
        format!(
            "{} is online the best of the four: {:.4} clicks per visit, and DR on the logs ranks it first ({:.4}).",
            c.1, c.2, c.3
        )
    } else {
        format!(
            "Online, {} gets {:.4} clicks per visit, {:.4} less than the best of the four. Its NDCG on the logged clicks is {:.3}: {}",
            c.1,
            c.2,
            best.2 - c.2,
            c.4,
            if p.four.iter().all(|x| x.4 <= c.4) {
                "the highest, because it agrees with production's choices."
            } else {
                "look at an estimator that corrects for what production chose."
            }
        )
    };
    let solution = format!(
        "DR's medians over the logs: {}. NDCG@10 on logged clicks: {}. The online click rates: {}. DR finds the winner, {}; NDCG rewards agreeing with production.",
        p.four.iter().map(|c| format!("{} {:.4}", c.1, c.3)).collect::<Vec<_>>().join(", "),
        p.four.iter().map(|c| format!("{} {:.3}", c.1, c.4)).collect::<Vec<_>>().join(", "),
        p.four.iter().map(|c| format!("{} {:.4}", c.1, c.2)).collect::<Vec<_>>().join(", "),
        best.1
    );
    Ok(Check { correct, message, solution, answer: Answer::Choice(p.answer.into()) })
}

// ---------------------------------------------------------------------------------------------
// feedback: the proxy that lands closest to satisfaction.

/// The page's proxies.
pub const PROXIES: [&str; 5] = ["dwell30", "dwell120", "save", "engaged", "thumbs"];

struct ProxyProblem {
    sampling: f64,
    seed: u64,
    truth: f64,
    /// (key, label, rate).
    rates: Vec<(&'static str, &'static str, f64)>,
    answer: &'static str,
}

fn proxy_problem(learner_seed: u64) -> Result<std::rc::Rc<ProxyProblem>> {
    cached("closest-proxy", learner_seed, || {
        let mut rng = Rng::new(derive_seed(learner_seed, 0xa1b2));
        for _ in 0..6 {
            let sampling = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9][rng.below(9)];
            let seed = 1 + rng.below(9999) as u64;
            let pairs: Vec<(&'static str, Value)> = vec![
                ("mnar", num(2.0)),
                ("rate", num(0.1)),
                ("perUser", num(20.0)),
                ("choose", num(2.0)),
                ("survey", num(2.0)),
                ("proxy", Value::String("engaged".into())),
                ("sampling", num(sampling)),
                ("seed", num(seed as f64)),
            ];
            let out = match super::run_to_end("feedback", &state(&pairs))? {
                LessonOutput::Feedback(o) => o,
                _ => unreachable!("the feedback lesson returns its output"),
            };
            let Some(proxy) = out.proxy else { continue };
            let rates: Vec<_> =
                proxy.signals.iter().filter(|s| PROXIES.contains(&s.key)).map(|s| (s.key, s.label, s.rate)).collect();
            let mut by_error = rates.clone();
            by_error.sort_by(|a, b| (a.2 - proxy.truth).abs().total_cmp(&(b.2 - proxy.truth).abs()));
            if by_error.len() >= 2 && (by_error[1].2 - proxy.truth).abs() - (by_error[0].2 - proxy.truth).abs() >= 0.01 {
                return Ok(ProxyProblem { sampling, seed, truth: proxy.truth, answer: by_error[0].0, rates });
            }
        }
        Err(no_instance("closest-proxy"))
    })
}

/// feedback's exercise "closest-proxy".
pub fn closest_proxy(learner_seed: u64) -> Result<Exercise> {
    let p = proxy_problem(learner_seed)?;
    Ok(Exercise {
        goal: format!(
            "In the world with seed {}, {} of sessions are spent building playlists (sampling). Which implicit signal's rate lands closest to the true share of plays users like?",
            p.seed,
            pct(p.sampling)
        ),
        state: vec![("sampling".into(), p.sampling), ("seed".into(), p.seed as f64)],
        hints: vec![
            "The proxy chart and its table give each signal's rate next to the true share of liked plays.".into(),
            "Sampling sessions cut plays short whether the track is liked or not: dwell-time signals fall with more sampling, while saves rise.".into(),
            "Compare each signal's rate with the truth at this mix and take the smallest gap.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a proxy's key) to "closest-proxy".
pub fn closest_proxy_check(learner_seed: u64, answer: &Value) -> Result<Check> {
    let p = proxy_problem(learner_seed)?;
    let chosen = choice_answer(answer, &PROXIES)?;
    let (_, label, rate) = *p.rates.iter().find(|r| r.0 == chosen).expect("a proxy");
    let correct = chosen == p.answer;
    let message = format!(
        "“{label}” rates {} of plays against {} liked{}",
        pct(rate),
        pct(p.truth),
        if correct { ": the closest of the five." } else { ": another signal is closer." }
    );
    let solution = format!(
        "At {} sampling the signals read {}, against {} of plays liked. Closest: {}.",
        pct(p.sampling),
        p.rates.iter().map(|r| format!("{} {}", r.1, pct(r.2))).collect::<Vec<_>>().join(", "),
        pct(p.truth),
        p.rates.iter().find(|r| r.0 == p.answer).expect("the answer").1
    );
    Ok(Check { correct, message, solution, answer: Answer::Choice(p.answer.into()) })
}

// ---------------------------------------------------------------------------------------------
// real-logs: the setting that brings an estimator closest to the on-policy rate, on these logs.

/// The slider's values of the reward model's smoothing and of λ.
const SMOOTHINGS: [f64; 5] = [0.0, 1.0, 10.0, 100.0, 1000.0];
const REAL_LAMBDAS: [f64; 7] = [1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 1000.0];

struct SettingProblem {
    /// The estimator's name in the lesson and on the page.
    estimator: (&'static str, &'static str),
    /// The control the learner moves, and the other one's fixed value.
    control: &'static str,
    fixed: (&'static str, f64),
    on_policy: f64,
    /// (value of the control, relative error of the estimator there).
    curve: Vec<(f64, f64)>,
    answer: f64,
}

fn relative_errors(data: &super::Data, estimator: &str, control: &str, fixed: (&str, f64)) -> Result<(f64, Vec<(f64, f64)>)> {
    let values: &[f64] = if control == "smoothing" { &SMOOTHINGS } else { &REAL_LAMBDAS };
    let mut curve = Vec::new();
    let mut on_policy = f64::NAN;
    for &x in values {
        let st = state(&[(control, num(x)), (fixed.0, num(fixed.1)), ("seed", num(1.0))]);
        let mut run = super::start_with_data("real-logs", &st, data)?;
        match run.step()? {
            Some(LessonOutput::RealLogs(o)) => {
                on_policy = o.on_policy.estimate;
                let e = o.estimates.iter().find(|e| e.name == estimator).map_or(f64::NAN, |e| e.relative_error);
                curve.push((x, e));
            }
            _ => return Err(Error::unsupported("exercise", "the real-logs lesson gave no estimates")),
        }
    }
    Ok((on_policy, curve))
}

fn setting_problem(learner_seed: u64, data: &super::Data) -> Result<SettingProblem> {
    if data.is_empty() {
        return Err(Error::invalid("data", "this exercise is about the lesson's logs: send them as data (logged and target)"));
    }
    // (estimator, page name, control moved, fixed control and value), in an order drawn from the seed
    let mut kinds: Vec<(&str, &str, &str, (&str, f64))> = vec![("dm", "DM", "smoothing", ("lambda", 10.0))];
    for s in [1.0, 10.0, 100.0, 1000.0] {
        kinds.push(("switch-dr", "Switch-DR", "lambda", ("smoothing", s)));
        kinds.push(("dr-os", "DRos", "lambda", ("smoothing", s)));
    }
    let mut rng = Rng::new(derive_seed(learner_seed, 0xb2c3));
    for i in (1..kinds.len()).rev() {
        kinds.swap(i, rng.below(i + 1));
    }
    for (name, label, control, fixed) in kinds {
        let (on_policy, curve) = relative_errors(data, name, control, fixed)?;
        if curve.iter().any(|(_, e)| !e.is_finite()) {
            continue;
        }
        let mut errs: Vec<f64> = curve.iter().map(|(_, e)| *e).collect();
        crate::stats::sort(&mut errs);
        let answer = curve.iter().find(|(_, e)| *e == errs[0]).expect("a best value").0;
        let inside = answer > curve[0].0 && answer < curve[curve.len() - 1].0;
        // a clear best value strictly inside the slider
        if inside && errs[1] - errs[0] >= 0.003 {
            return Ok(SettingProblem { estimator: (name, label), control, fixed, on_policy, curve, answer });
        }
    }
    Err(no_instance("closest-setting"))
}

fn control_name(control: &str) -> &'static str {
    if control == "smoothing" { "the reward model's smoothing" } else { "λ" }
}

/// real-logs' exercise "closest-setting" (about the logs in `data`).
pub fn closest_setting(learner_seed: u64, data: &super::Data) -> Result<Exercise> {
    let p = setting_problem(learner_seed, data)?;
    let values = p.curve.iter().map(|(x, _)| format!("{x}")).collect::<Vec<_>>().join(", ");
    Ok(Exercise {
        goal: format!(
            "On these logs, with {} set to {}, which value of {} on the slider ({values}) brings {}'s estimate closest to the click rate BTS got on its own log?",
            control_name(p.fixed.0),
            p.fixed.1,
            control_name(p.control),
            p.estimator.1
        ),
        state: vec![(p.fixed.0.to_string(), p.fixed.1)],
        hints: vec![
            format!("The first chart shows every estimate next to BTS's on-policy rate; the second gives each one's relative error. Follow {}.", p.estimator.1),
            format!("Move {} one step at a time and note {}'s relative error at each.", control_name(p.control), p.estimator.1),
            "The on-policy rate is itself a measurement with its own interval: the closest value on this log need not be the best in general.".into(),
        ],
        options: Vec::new(),
    })
}

/// Check an answer (a value of the moved control) to "closest-setting".
pub fn closest_setting_check(learner_seed: u64, answer: &Value, data: &super::Data) -> Result<Check> {
    let p = setting_problem(learner_seed, data)?;
    let x = number_answer(answer, "a value of the slider")?;
    let best = p.curve.iter().find(|(v, _)| *v == p.answer).map_or(f64::NAN, |(_, e)| *e);
    let correct = x == p.answer;
    let message = match p.curve.iter().find(|(v, _)| *v == x) {
        Some((_, e)) if correct => {
            format!("At {x} {} is {:.1}% off BTS's rate, the closest of the slider's values.", p.estimator.1, 100.0 * e)
        }
        Some((_, e)) => {
            format!("At {x} {} is {:.1}% off; another value gets within {:.1}%.", p.estimator.1, 100.0 * e, 100.0 * best)
        }
        None => format!("{x} is not one of the slider's values."),
    };
    let solution = format!(
        "BTS got {:.5} clicks per impression on its own log. {}'s relative error as {} moves: {}. The smallest is at {}.",
        p.on_policy,
        p.estimator.1,
        control_name(p.control),
        p.curve.iter().map(|(v, e)| format!("{:.1}% at {v}", 100.0 * e)).collect::<Vec<_>>().join(", "),
        p.answer
    );
    Ok(Check { correct, message, solution, answer: Answer::Number(p.answer) })
}

#[cfg(test)]
mod tests {
    use super::super::{check_exercise, exercise};
    use super::*;
    use std::time::Instant;

    /// The options of a choice exercise (the instance's, or the page's fixed ones).
    fn options_of(ex: &Exercise, id: &str) -> Vec<String> {
        if !ex.options.is_empty() {
            return ex.options.iter().map(|(v, _)| v.clone()).collect();
        }
        let fixed: &[&str] = match id {
            "adjustment-set" => &ADJUSTMENT_SETS,
            "closest-proxy" => &PROXIES,
            "mips-crossover" => &["10", "30", "100", "300", "1000", "3000", "5000"],
            "oracle-lambda" => &["1", "2", "5", "10", "20", "50", "100", "200", "500", "∞"],
            _ => &[],
        };
        fixed.iter().map(|s| s.to_string()).collect()
    }

    /// A wrong answer for an instance whose right one is `right`.
    fn wrong(right: &Answer, options: &[String]) -> Value {
        match right {
            Answer::Number(x) => Value::Number(x * 2.0 + 1.0),
            Answer::Choice(c) => Value::String(options.iter().find(|s| *s != c).expect("another choice").clone()),
            Answer::Order(o) => Value::Array(o.iter().rev().map(|s| Value::String(s.clone())).collect()),
        }
    }

    fn as_value(a: &Answer) -> Value {
        match a {
            Answer::Number(x) => Value::Number(*x),
            Answer::Choice(c) => Value::String(c.clone()),
            Answer::Order(o) => Value::Array(o.iter().map(|s| Value::String(s.clone())).collect()),
        }
    }

    fn exercised(slug: &str, id: &str) {
        let mut goals = std::collections::BTreeSet::new();
        for seed in [1u64, 2, 3, 77, 123_456] {
            let t = Instant::now();
            let ex = exercise(slug, id, seed).unwrap();
            assert_eq!(ex, exercise(slug, id, seed).unwrap(), "{slug}/{id}: same seed, same instance");
            assert!(ex.hints.len() >= 2 && ex.goal.len() > 40);
            // the check of the right answer (which it reports) passes, of a wrong one fails
            let options = options_of(&ex, id);
            let probe = match options.first() {
                Some(o) => check_exercise(slug, id, seed, &Value::String(o.clone())),
                None => check_exercise(slug, id, seed, &Value::Number(-1.0)),
            };
            let right = probe.unwrap().answer;
            let ok = check_exercise(slug, id, seed, &as_value(&right)).unwrap();
            assert!(ok.correct, "{slug}/{id} seed {seed}: the right answer passes: {}", ok.message);
            let bad = check_exercise(slug, id, seed, &wrong(&right, &options)).unwrap();
            assert!(!bad.correct, "{slug}/{id} seed {seed}: a wrong answer fails: {}", bad.message);
            assert!(!bad.message.is_empty() && !ok.solution.is_empty());
            goals.insert(ex.goal);
            assert!(t.elapsed().as_secs_f64() < 5.0, "{slug}/{id}: {:?} for one instance and three checks", t.elapsed());
        }
        assert!(goals.len() >= 3, "{slug}/{id}: different learners get different instances ({} distinct of 5)", goals.len());
    }

    #[test]
    fn bucket_share_is_checked_and_seeded() {
        exercised("random-bucket", "bucket-share");
    }

    #[test]
    fn bucket_share_answer_decides_in_time_and_the_step_below_does_not() {
        for seed in 1..6 {
            let p = bucket_problem(seed).unwrap();
            let i = p.curve.iter().position(|(s, _)| *s == p.answer).unwrap();
            assert!(p.curve[i].1 <= p.days);
            assert!(i == 0 || p.curve[i - 1].1 > p.days);
        }
    }

    #[test]
    fn best_lambda_is_checked_and_seeded() {
        exercised("estimators", "best-lambda");
    }

    #[test]
    fn simpson_rollout_is_checked_and_seeded() {
        exercised("markets", "simpson-rollout");
    }

    #[test]
    fn oracle_lambda_is_checked_and_seeded() {
        exercised("choosing-estimators", "oracle-lambda");
    }

    #[test]
    fn mips_crossover_is_checked_and_seeded() {
        exercised("large-catalogs", "mips-crossover");
    }

    #[test]
    fn simpson_rollout_flips_the_pooled_test_although_a_is_better() {
        for seed in 1..4 {
            let p = rollout_problem(seed).unwrap();
            assert!(p.truth.0 > p.truth.1);
            let (_, a, c) = p.curve.iter().find(|(r, _, _)| *r == p.answer).copied().unwrap();
            assert!(c > a);
            let (_, a0, c0) = p.curve[0];
            assert!(a0 > c0, "at skew 0 the pooled test is fair and A leads");
        }
    }

    #[test]
    fn test_size_is_checked_and_seeded() {
        exercised("intent", "test-size");
    }

    #[test]
    fn test_size_answer_puts_the_half_width_at_the_lift() {
        for seed in 1..3 {
            let p = sessions_problem(seed).unwrap();
            let half = |n: f64| super::super::common::Z95 * p.se1 / n.sqrt();
            assert!(half(p.answer) <= p.lift.abs() && half(p.answer - 1.0) > p.lift.abs());
        }
    }

    #[test]
    fn corrected_ctr_is_checked_and_seeded() {
        exercised("position-bias", "corrected-ctr");
    }

    #[test]
    fn corrected_ctr_is_the_naive_rate_over_the_examination_probability() {
        for seed in 1..4 {
            let p = ctr_problem(seed).unwrap();
            assert!((p.exam - (p.position as f64).powf(-p.eta)).abs() < 1e-12);
            assert!(p.answer > p.clicks / p.impressions, "the correction raises a lower position's rate");
            let naive = corrected_ctr_check(seed, &Value::Number(p.clicks / p.impressions)).unwrap();
            assert!(!naive.correct && naive.message.contains("naive"));
        }
    }

    #[test]
    fn exposure_target_is_checked_and_seeded() {
        exercised("stakeholders", "exposure-target");
    }

    #[test]
    fn exposure_target_is_first_reached_at_the_answer() {
        let mut past_checked = 0;
        for seed in 1..4 {
            let p = gamma_problem(seed).unwrap();
            let i = p.frontier.iter().position(|f| f.0 == p.answer).unwrap();
            assert!(p.frontier[i].1 >= p.target && p.frontier[i - 1].1 < p.target);
            // the feedback on a wrong step says which side of the target it is on
            let below = exposure_target_check(seed, &Value::Number(p.frontier[i - 1].0)).unwrap();
            assert!(!below.correct && below.message.contains("not yet"), "{}", below.message);
            if let Some(&(g, s, _)) = p.frontier[i + 1..].iter().find(|f| f.1 >= p.target) {
                let past = exposure_target_check(seed, &Value::Number(g)).unwrap();
                assert!(!past.correct && past.message.contains("past the target"), "γ = {g} ({s}): {}", past.message);
                past_checked += 1;
            }
        }
        assert!(past_checked > 0, "no seed had a step past the answer that still reaches the target");
    }

    #[test]
    fn questions_needed_is_checked_and_seeded() {
        exercised("cold-start", "questions-needed");
    }

    #[test]
    fn ab_winner_is_checked_and_seeded() {
        exercised("offline-online", "ab-winner");
    }

    #[test]
    fn closest_proxy_is_checked_and_seeded() {
        exercised("feedback", "closest-proxy");
    }

    /// The shipped sample of the Open Bandit Dataset, as the page sends it.
    fn obd_sample() -> super::super::Data {
        let read = |f: &str| std::fs::read_to_string(format!("{}/www/data/obd/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        [("logged", "random_all.csv"), ("target", "bts_all.csv")]
            .into_iter()
            .map(|(k, f)| (k.to_string(), super::super::DataFile { id: f.into(), text: read(f) }))
            .collect()
    }

    #[test]
    fn closest_setting_is_checked_and_seeded_on_the_shipped_logs() {
        use super::super::{check_exercise_with_data, exercise_with_data};
        let data = obd_sample();
        let mut goals = std::collections::BTreeSet::new();
        for seed in [1u64, 2, 3, 4, 77] {
            let t = Instant::now();
            let ex = exercise_with_data("real-logs", "closest-setting", seed, &data).unwrap();
            assert_eq!(ex, exercise_with_data("real-logs", "closest-setting", seed, &data).unwrap());
            let right =
                check_exercise_with_data("real-logs", "closest-setting", seed, &Value::Number(-1.0), &data).unwrap().answer;
            assert!(check_exercise_with_data("real-logs", "closest-setting", seed, &as_value(&right), &data).unwrap().correct);
            assert!(!check_exercise_with_data("real-logs", "closest-setting", seed, &wrong(&right, &[]), &data).unwrap().correct);
            goals.insert(ex.goal);
            assert!(t.elapsed().as_secs_f64() < 5.0, "{:?}", t.elapsed());
        }
        assert!(goals.len() >= 2, "different learners get different instances");
        // without the logs the exercise says what it needs
        let e = super::super::exercise("real-logs", "closest-setting", 1).unwrap_err();
        assert!(e.to_string().contains("data"), "{e}");
    }

    #[test]
    fn adjustment_set_is_checked_and_seeded() {
        exercised("causal-graph", "adjustment-set");
    }

    #[test]
    fn adjustment_set_answers_every_kind_of_graph() {
        let kinds: std::collections::BTreeSet<&str> = (1..60).map(|s| graph_problem(s).answer).collect();
        assert_eq!(kinds.len(), 4, "none, taste, popularity and both all occur: {kinds:?}");
        // a wrong set either leaves a path open or adjusts more than needed
        for s in 1..20 {
            let p = graph_problem(s);
            for set in ADJUSTMENT_SETS {
                let r = adjustment_set_check(s, &Value::String(set.into())).unwrap();
                assert_eq!(r.correct, set == p.answer);
            }
        }
    }
}
