//! The course's lessons as scenarios: everything a lesson page shows — truths, estimates,
//! intervals, sweeps, tables — computed here, in the core, from one seeded generator.
//!
//! A lesson page (`www/lessons/<slug>.html`) sends its controls' state; the lesson's scenario
//! turns it into numbers; the page's task module (`www/js/tasks/<slug>.js`) only forwards the
//! state, streams the partial results and shapes them for the charts. So a lesson's numbers are
//! the same natively, in node and in every browser for the same state, can be benchmarked and
//! tested natively (the claims a page makes are tests in `tests/claims/`), and the same model
//! never lives in two languages.
//!
//! Each lesson module has
//! * a `Config` read from the page's state ([`Config::from_value`]-style, every key required:
//!   the page always sends its whole state; the defaults live in the lesson's JSON spec,
//!   `www/lessons/<slug>.json`, which the tests read too);
//! * an `Output` (serde, camelCase): exactly what the charts and the readout need;
//! * a runner that implements [`Run`]: `step()` does a bounded amount of work (tens of
//!   milliseconds) and returns the output so far, so that a page can draw partial results and
//!   drop a run as soon as the next slider move replaces it.
//!
//! [`start`] starts a lesson by its slug; [`run_to_end`] runs one to completion (tests, benches,
//! the determinism digest); [`digest`] fingerprints an output.

pub mod ab_test;
pub mod biased_logs;
pub mod causal_graph;
pub mod choosing_estimators;
pub mod cold_start;
pub mod common;
pub mod estimators;
pub mod exercises;
pub mod feedback;
pub mod intent;
pub mod large_catalogs;
pub mod markets;
pub mod offline_online;
pub mod position_bias;
pub mod random_bucket;
pub mod rating_predictors;
pub mod real_logs;
pub mod stakeholders;

use crate::config::Value;
use crate::error::{Error, Result};
use serde::Serialize;

/// How far a run has come: `done` of `total` `unit`s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    /// Work done.
    pub done: f64,
    /// Work in all.
    pub total: f64,
    /// What is counted ("steps", "replicated logs", …).
    pub unit: &'static str,
}

impl Progress {
    /// `done` of `total` `unit`s.
    pub fn new(done: usize, total: usize, unit: &'static str) -> Progress {
        Progress { done: done as f64, total: total as f64, unit }
    }
}

/// A lesson's (partial) output, tagged by lesson for Rust callers; serialized as the lesson's own
/// output object.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // a few outputs a second: their size does not matter
pub enum LessonOutput {
    /// `biased-logs`.
    BiasedLogs(biased_logs::Output),
    /// `random-bucket`.
    RandomBucket(random_bucket::Output),
    /// `estimators`.
    Estimators(estimators::Output),
    /// `real-logs`.
    RealLogs(real_logs::Output),
    /// `offline-online`.
    OfflineOnline(offline_online::Output),
    /// `intent`.
    Intent(intent::Output),
    /// `position-bias`.
    PositionBias(position_bias::Output),
    /// `causal-graph`.
    CausalGraph(causal_graph::Output),
    /// `markets`.
    Markets(markets::Output),
    /// `feedback`.
    Feedback(feedback::Output),
    /// `cold-start`.
    ColdStart(cold_start::Output),
    /// `stakeholders`.
    Stakeholders(stakeholders::Output),
    /// `large-catalogs`.
    LargeCatalogs(large_catalogs::Output),
    /// `choosing-estimators`.
    ChoosingEstimators(choosing_estimators::Output),
}

/// A lesson run in steps.
pub trait Run {
    /// Do the next bounded piece of work and return the output so far, or `None` once the run
    /// is complete (the last output returned was the complete one).
    fn step(&mut self) -> Result<Option<LessonOutput>>;
}

/// Every lesson's slug, in course order.
pub const SLUGS: &[&str] = &[
    "biased-logs",
    "random-bucket",
    "estimators",
    "offline-online",
    "intent",
    "real-logs",
    "position-bias",
    "causal-graph",
    "markets",
    "feedback",
    "cold-start",
    "stakeholders",
    "large-catalogs",
    "choosing-estimators",
];

/// A file a lesson reads besides its state: a log the learner loaded, or a data file the page
/// ships. `id` names this content (a new upload gets a new id): a lesson keys what it derives from
/// the text (parsed logs, estimates) by it, so the text is parsed once, however often a slider
/// moves.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFile {
    /// Names the content: equal ids promise equal texts.
    pub id: String,
    /// The file's text.
    pub text: String,
}

/// A lesson's files by name (e.g. `logged` and `target` for `real-logs`); empty for the lessons
/// that read none. Files stay out of the page's state (and so out of its links).
pub type Data = std::collections::BTreeMap<String, DataFile>;

/// Start lesson `slug` with the page's state `state` (for the lessons that read no files).
pub fn start(slug: &str, state: &Value) -> Result<Box<dyn Run>> {
    start_with_data(slug, state, &Data::new())
}

/// Start lesson `slug` with the page's state and the files it reads.
pub fn start_with_data(slug: &str, state: &Value, data: &Data) -> Result<Box<dyn Run>> {
    /// The lessons that read files.
    const READ_FILES: &[&str] = &["real-logs"];
    if let Some(name) = data.keys().next().filter(|_| SLUGS.contains(&slug) && !READ_FILES.contains(&slug)) {
        return Err(Error::invalid(format!("data.{name}"), format!("lesson {slug} reads no files")));
    }
    match slug {
        "biased-logs" => Ok(Box::new(biased_logs::Runner::new(biased_logs::Config::from_value(state)?)?)),
        "random-bucket" => Ok(Box::new(random_bucket::Runner::new(random_bucket::Config::from_value(state)?)?)),
        "estimators" => Ok(Box::new(estimators::Runner::new(estimators::Config::from_value(state)?)?)),
        "real-logs" => Ok(Box::new(real_logs::Runner::new(real_logs::Config::from_value(state)?, data)?)),
        "offline-online" => Ok(Box::new(offline_online::Runner::new(offline_online::Config::from_value(state)?)?)),
        "intent" => Ok(Box::new(intent::Runner::new(intent::Config::from_value(state)?)?)),
        "position-bias" => Ok(Box::new(position_bias::Runner::new(position_bias::Config::from_value(state)?)?)),
        "causal-graph" => Ok(Box::new(causal_graph::Runner::new(causal_graph::Config::from_value(state)?)?)),
        "markets" => Ok(Box::new(markets::Runner::new(markets::Config::from_value(state)?)?)),
        "feedback" => Ok(Box::new(feedback::Runner::new(feedback::Config::from_value(state)?)?)),
        "cold-start" => Ok(Box::new(cold_start::Runner::new(cold_start::Config::from_value(state)?)?)),
        "stakeholders" => Ok(Box::new(stakeholders::Runner::new(stakeholders::Config::from_value(state)?)?)),
        "large-catalogs" => Ok(Box::new(large_catalogs::Runner::new(large_catalogs::Config::from_value(state)?)?)),
        "choosing-estimators" => Ok(Box::new(choosing_estimators::Runner::new(choosing_estimators::Config::from_value(state)?)?)),
        other => Err(Error::invalid("lesson", format!("unknown lesson {other:?}; expected one of {}", SLUGS.join(", ")))),
    }
}

/// Run lesson `slug` to completion and return its final output.
pub fn run_to_end(slug: &str, state: &Value) -> Result<LessonOutput> {
    run_to_end_with_data(slug, state, &Data::new())
}

/// [`run_to_end`] for a lesson that reads files.
pub fn run_to_end_with_data(slug: &str, state: &Value, data: &Data) -> Result<LessonOutput> {
    let mut run = start_with_data(slug, state, data)?;
    let mut last = None;
    while let Some(out) = run.step()? {
        last = Some(out);
    }
    last.ok_or_else(|| Error::unsupported("lesson", format!("lesson {slug} produced no output")))
}

/// A checked exercise as a learner sees it: the goal (for this learner's instance), the state the
/// page should be set to for it, and hints to show one at a time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exercise {
    /// What to find, with this instance's numbers.
    pub goal: String,
    /// Controls to set for the problem (the page offers a button).
    pub state: Vec<(String, f64)>,
    /// Hints, gentlest first.
    pub hints: Vec<String>,
    /// The options of a choice (or the items of an order) that depend on the instance, as
    /// `[value, label]` pairs (empty: the page's own options).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<(String, String)>,
}

/// The verdict on an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Whether the answer meets the goal.
    pub correct: bool,
    /// What the answer gives, in words (computed, not canned).
    pub message: String,
    /// The worked solution (the page shows it once solved, or after three tries).
    pub solution: String,
    /// The right answer (shown with the solution).
    pub answer: Answer,
}

/// An exercise's answer: a number, a choice, or an order of choices.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// A number.
    Number(f64),
    /// One of the options.
    Choice(String),
    /// The options in order.
    Order(Vec<String>),
}

/// Lesson `slug`'s exercise `id` for a learner's `seed`.
pub fn exercise(slug: &str, id: &str, seed: u64) -> Result<Exercise> {
    exercise_with_data(slug, id, seed, &Data::new())
}

/// [`exercise`] for a lesson that reads files (its exercise is about the learner's logs).
pub fn exercise_with_data(slug: &str, id: &str, seed: u64, data: &Data) -> Result<Exercise> {
    match (slug, id) {
        ("real-logs", "closest-setting") => exercises::closest_setting(seed, data),
        ("biased-logs", "naive-threshold") => biased_logs::exercise(seed),
        ("random-bucket", "bucket-share") => exercises::bucket_share(seed),
        ("estimators", "best-lambda") => exercises::best_lambda(seed),
        ("markets", "simpson-rollout") => exercises::simpson_rollout(seed),
        ("causal-graph", "adjustment-set") => exercises::adjustment_set(seed),
        ("intent", "test-size") => exercises::test_size(seed),
        ("position-bias", "corrected-ctr") => exercises::corrected_ctr(seed),
        ("stakeholders", "exposure-target") => exercises::exposure_target(seed),
        ("cold-start", "questions-needed") => exercises::questions_needed(seed),
        ("offline-online", "ab-winner") => exercises::ab_winner(seed),
        ("feedback", "closest-proxy") => exercises::closest_proxy(seed),
        ("large-catalogs", "mips-crossover") => exercises::mips_crossover(seed),
        ("choosing-estimators", "oracle-lambda") => exercises::oracle_lambda(seed),
        _ => Err(Error::invalid("exercise", format!("lesson {slug:?} has no exercise {id:?}"))),
    }
}

/// Check an answer to lesson `slug`'s exercise `id` for a learner's `seed`.
pub fn check_exercise(slug: &str, id: &str, seed: u64, answer: &Value) -> Result<Check> {
    check_exercise_with_data(slug, id, seed, answer, &Data::new())
}

/// [`check_exercise`] for a lesson that reads files.
pub fn check_exercise_with_data(slug: &str, id: &str, seed: u64, answer: &Value, data: &Data) -> Result<Check> {
    match (slug, id) {
        ("real-logs", "closest-setting") => exercises::closest_setting_check(seed, answer, data),
        ("biased-logs", "naive-threshold") => biased_logs::check(seed, answer),
        ("random-bucket", "bucket-share") => exercises::bucket_share_check(seed, answer),
        ("estimators", "best-lambda") => exercises::best_lambda_check(seed, answer),
        ("markets", "simpson-rollout") => exercises::simpson_rollout_check(seed, answer),
        ("causal-graph", "adjustment-set") => exercises::adjustment_set_check(seed, answer),
        ("intent", "test-size") => exercises::test_size_check(seed, answer),
        ("position-bias", "corrected-ctr") => exercises::corrected_ctr_check(seed, answer),
        ("stakeholders", "exposure-target") => exercises::exposure_target_check(seed, answer),
        ("cold-start", "questions-needed") => exercises::questions_needed_check(seed, answer),
        ("offline-online", "ab-winner") => exercises::ab_winner_check(seed, answer),
        ("feedback", "closest-proxy") => exercises::closest_proxy_check(seed, answer),
        ("large-catalogs", "mips-crossover") => exercises::mips_crossover_check(seed, answer),
        ("choosing-estimators", "oracle-lambda") => exercises::oracle_lambda_check(seed, answer),
        _ => Err(Error::invalid("exercise", format!("lesson {slug:?} has no exercise {id:?}"))),
    }
}

/// A fingerprint of an output: FNV-1a over its `Debug` text, in which every number is printed
/// exactly (Rust's float formatting is the same on every platform), so equal digests mean equal
/// numbers natively, in node and in browsers.
pub fn digest(output: &LessonOutput) -> String {
    let text = format!("{output:?}");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
