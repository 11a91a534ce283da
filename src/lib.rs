//! # receval — see how recommender-system evaluation goes wrong, and how to fix it
//!
//! Every recommender learns from logs its previous model produced, and those logs are biased:
//! what the model liked was shown, the rest never had a chance. receval is a small, deterministic
//! laboratory for that problem:
//!
//! * [`estimators`] — off-policy estimators (IPS, SNIPS, DM, DR and their robust variants, slate
//!   estimators), with OBP 0.5.7's names, formulas and defaults, intervals and weight diagnostics;
//! * [`world`] — a simulated world with exact ground truth: users, items, creators, markets,
//!   intents, position bias, toy recommenders as logging and target policies, logs;
//! * [`lab`] — replicated experiments: bias, spread, RMSE and coverage of every estimator against
//!   the exact truth;
//! * [`metrics`] — offline ranking metrics (precision, recall, NDCG at k) on logged clicks;
//! * [`elicit`] — cold-start preference elicitation (random, popular-first, information gain);
//! * [`stakeholders`] — exposure of items and creators, inequality, revenue, a creator-viability loop;
//! * [`causal`] — a small structural causal model: naive association vs back-door adjustment and IPW;
//! * [`obd`] — the Open Bandit Dataset's CSV format (real logs);
//! * [`config`] — JSON-like configs with errors that give the path of the bad key;
//! * [`rng`] and [`stats`] — a portable seeded generator and the statistics the rest needs.
//!
//! The core is plain Rust with no WebAssembly or DOM types; the `wasm` module is the only place
//! that knows about JavaScript, and it only validates, converts and calls the core.

// Numeric code here walks several parallel arrays by index; iterator chains would hide that.
#![allow(clippy::needless_range_loop)]

#[cfg(feature = "course")]
pub mod causal;
pub mod config;
#[cfg(feature = "course")]
pub mod elicit;
pub mod error;
pub mod estimators;
#[cfg(feature = "course")]
pub mod lab;
#[cfg(feature = "course")]
pub mod lessons;
pub mod limits;
pub mod math;
#[cfg(feature = "course")]
pub mod metrics;
pub mod obd;
pub mod rng;
#[cfg(feature = "course")]
pub mod stakeholders;
pub mod stats;
pub mod workbench;
#[cfg(feature = "course")]
pub mod world;

pub mod wasm;

pub use error::{Error, ErrorKind, Result};

/// In WebAssembly, count the bytes receval holds so that calls can refuse to grow past
/// [`limits::MAX_TOTAL_BYTES`] with a clear error instead of aborting (see [`limits`]).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: limits::CountingAllocator = limits::CountingAllocator;

/// The README's Rust examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
