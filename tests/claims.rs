#![cfg(all(not(target_arch = "wasm32"), feature = "course"))]
//! Every sentence a lesson page states about a direction or a comparison, as a test on the
//! lesson's own output: at each preset with the preset's own seed (what a learner sees after a
//! click), and over 20 other seeds, where it must hold as often as its wording says ("always",
//! "usually", "more often than not"). Each test quotes its sentence and fails when the page no
//! longer says it (see `Lesson::claim`). One module per lesson.

#[path = "claims/common.rs"]
mod common;

#[path = "claims/biased_logs.rs"]
mod biased_logs;

#[path = "claims/random_bucket.rs"]
mod random_bucket;

#[path = "claims/estimators.rs"]
mod estimators;

#[path = "claims/offline_online.rs"]
mod offline_online;
#[path = "claims/real_logs.rs"]
mod real_logs;

#[path = "claims/intent.rs"]
mod intent;
#[path = "claims/position_bias.rs"]
mod position_bias;

#[path = "claims/markets.rs"]
mod markets;

#[path = "claims/causal_graph.rs"]
mod causal_graph;
#[path = "claims/feedback.rs"]
mod feedback;

#[path = "claims/stakeholders.rs"]
mod stakeholders;

#[path = "claims/cold_start.rs"]
mod cold_start;

#[path = "claims/large_catalogs.rs"]
mod large_catalogs;

#[path = "claims/choosing_estimators.rs"]
mod choosing_estimators;
