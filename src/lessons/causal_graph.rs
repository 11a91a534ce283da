//! Lesson 10, "Draw the graph before you trust the data": a four-variable causal model of one
//! recommendation (taste U and popularity C → shown E → click Y, see [`crate::causal`]). The
//! graph the page draws — which arrows are on, which back-door paths are open — is read here from
//! the state; from n simulated pairs come the naive association P̂(click | shown), back-door
//! adjustment and IPW over the chosen adjustment set, against the exact P(click | do(show)) and
//! the effect of showing; then the same estimators over many simulated logs of growing size, to
//! see which ones converge to the truth.

use super::common::{self, Estimate, RATE, Range};
use super::{LessonOutput, Progress, Run};
use crate::causal::{self, Adjust, Scm};
use crate::config::{Obj, Value};
use crate::error::Result;
use crate::rng::derive_seed;
use crate::stats;
use serde::Serialize;
use std::cell::RefCell;

/// Sample sizes of the convergence chart (the values of the page's `n` control).
pub const SIZES: [usize; 9] = [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000];

/// Simulated logs per sample size in the convergence chart: 400 small logs (their spread is the
/// story, and they are cheap), down to 30 logs of 20,000 pairs (whose spread is narrow anyway).
pub fn replicates_for(n: usize) -> usize {
    ((200_000.0 / n as f64).round() as usize).clamp(30, 400)
}

/// Bootstrap replicates for the page's log of n pairs: 150 up to 1,000 pairs, fewer (≥ 30) above.
pub fn bootstrap_reps(n: usize) -> usize {
    ((150_000.0 / n as f64).round() as usize).clamp(30, 150)
}

/// Seeds of the convergence chart's logs start here (the page's log uses the seed itself).
const SWEEP_SEED: u64 = 1_000_000;
/// Sample sizes after which the convergence chart is redrawn.
const PUBLISH_AFTER: [usize; 3] = [500, 5000, 20000];
/// Simulated pairs per step of the sweep (a few milliseconds).
const PAIRS_PER_STEP: usize = 100_000;

/// The page's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Multiplies the four arrows out of taste and popularity.
    pub confounding: f64,
    /// Taste → shown.
    pub taste_to_exposure: bool,
    /// Popularity → shown.
    pub popularity_to_exposure: bool,
    /// Taste → click.
    pub taste_to_click: bool,
    /// Popularity → click.
    pub popularity_to_click: bool,
    /// Shown → click (the effect).
    pub exposure_to_click: bool,
    /// Adjust for taste (it is measured).
    pub adjust_taste: bool,
    /// Adjust for popularity.
    pub adjust_popularity: bool,
    /// Logged pairs.
    pub n: usize,
    /// Seed.
    pub seed: u64,
}

const KEYS: [&str; 10] = [
    "confounding",
    "tasteToExposure",
    "popularityToExposure",
    "tasteToClick",
    "popularityToClick",
    "exposureToClick",
    "adjustTaste",
    "adjustPopularity",
    "n",
    "seed",
];

impl Config {
    /// Read the page's state (every key of [`KEYS`]).
    pub fn from_value(v: &Value) -> Result<Config> {
        let o = Obj::new(v, "state")?;
        let b = |k| common::required_bool(&o, k);
        let c = Config {
            confounding: o.required_number("confounding", 0.0, 3.0)?,
            taste_to_exposure: b("tasteToExposure")?,
            popularity_to_exposure: b("popularityToExposure")?,
            taste_to_click: b("tasteToClick")?,
            popularity_to_click: b("popularityToClick")?,
            exposure_to_click: b("exposureToClick")?,
            adjust_taste: b("adjustTaste")?,
            adjust_popularity: b("adjustPopularity")?,
            n: common::required_int(&o, "n", 10, 20_000)? as usize,
            seed: o.seed("seed", 0)?,
        };
        o.finish_with(&KEYS)?;
        Ok(c)
    }

    /// The adjustment set.
    pub fn adjust(&self) -> Adjust {
        Adjust { taste: self.adjust_taste, popularity: self.adjust_popularity }
    }
}

/// The causal model of the state: the core's default weights, the four arrows out of taste and
/// popularity scaled by the confounding strength, arrows switched off set to 0.
pub fn model(c: &Config) -> Scm {
    let mut s = Scm::default();
    let k = c.confounding;
    s.e_u *= k;
    s.e_c *= k;
    s.y_u *= k;
    s.y_c *= k;
    for (on, coef) in [
        (c.taste_to_exposure, &mut s.e_u),
        (c.popularity_to_exposure, &mut s.e_c),
        (c.taste_to_click, &mut s.y_u),
        (c.popularity_to_click, &mut s.y_c),
        (c.exposure_to_click, &mut s.y_e),
    ] {
        if !on {
            *coef = 0.0;
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// The graph.

/// An arrow of the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    /// Tail node: "U" (taste), "C" (popularity) or "E" (shown).
    pub from: &'static str,
    /// Head node: "E" or "Y" (click).
    pub to: &'static str,
    /// The state key of its toggle.
    pub key: &'static str,
    /// Switched on by its toggle.
    pub toggled: bool,
    /// Its weight on the logit scale (0 when off).
    pub coef: f64,
    /// On and of non-zero weight.
    pub on: bool,
    /// Part of a back-door path from shown to click.
    pub backdoor: bool,
    /// Part of a back-door path that the adjustment leaves open.
    pub open: bool,
}

/// A confounder: a variable with arrows into both shown and click.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Confounder {
    /// "U" or "C".
    pub node: &'static str,
    /// "taste" or "popularity".
    pub name: &'static str,
    /// Whether the state adjusts for it.
    pub adjusted: bool,
}

/// The graph of the state and its back-door paths.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Graph {
    /// The five arrows.
    pub edges: Vec<Edge>,
    /// Confounders: each opens a back-door path shown ← it → click.
    pub confounders: Vec<Confounder>,
    /// The confounders not adjusted for: their back-door paths stay open.
    pub open: Vec<Confounder>,
    /// Whether shown → click is on.
    pub effect: bool,
}

/// Read the graph of a state: its arrows, confounders and open back-door paths.
pub fn graph(c: &Config) -> Graph {
    let s = model(c);
    let edge = |from, to, key, toggled, coef: f64| Edge {
        from,
        to,
        key,
        toggled,
        coef,
        on: toggled && coef != 0.0,
        backdoor: false,
        open: false,
    };
    let mut edges = vec![
        edge("U", "E", "tasteToExposure", c.taste_to_exposure, s.e_u),
        edge("U", "Y", "tasteToClick", c.taste_to_click, s.y_u),
        edge("C", "E", "popularityToExposure", c.popularity_to_exposure, s.e_c),
        edge("C", "Y", "popularityToClick", c.popularity_to_click, s.y_c),
        edge("E", "Y", "exposureToClick", c.exposure_to_click, s.y_e),
    ];
    let on = |from: &str, to: &str| edges.iter().any(|e| e.from == from && e.to == to && e.on);
    let confounders: Vec<Confounder> = [
        Confounder { node: "U", name: "taste", adjusted: c.adjust_taste },
        Confounder { node: "C", name: "popularity", adjusted: c.adjust_popularity },
    ]
    .into_iter()
    .filter(|x| on(x.node, "E") && on(x.node, "Y"))
    .collect();
    let effect = on("E", "Y");
    for e in edges.iter_mut() {
        if let Some(x) = confounders.iter().find(|x| x.node == e.from) {
            e.backdoor = true;
            e.open = !x.adjusted;
        }
    }
    let open = confounders.iter().filter(|x| !x.adjusted).cloned().collect();
    Graph { edges, confounders, open, effect }
}

// ---------------------------------------------------------------------------------------------
// Estimates from one log.

/// Exact values of the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Truth {
    /// P(Y=1 | do(E=1)).
    pub do_exposed: f64,
    /// P(Y=1 | do(E=0)).
    pub do_not_exposed: f64,
    /// P(Y=1 | E=1).
    pub observed_exposed: f64,
    /// P(Y=1 | E=0).
    pub observed_not_exposed: f64,
}

/// A stratum of the adjustment set without a single pair of the wanted exposure.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Positivity {
    /// The exposure that is missing (1: never shown, 0: never left unshown).
    pub exposure: u8,
    /// The stratum's taste (None: both, taste is not adjusted for).
    pub taste: Option<u8>,
    /// The stratum's popularity (None: both).
    pub popularity: Option<u8>,
    /// The core's message.
    pub message: String,
}

/// One log's estimates of P(click | do(E = e)), or of the effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reading {
    /// The naive association (for the effect: shown − unshown).
    pub naive: Estimate,
    /// Back-door adjustment.
    pub adjusted: Estimate,
    /// IPW (equal to back-door adjustment with these discrete strata).
    pub ipw: Estimate,
    /// Why the adjusted estimates are missing (positivity), when they are.
    pub positivity: Option<Positivity>,
}

fn missing(why: &str) -> Estimate {
    Estimate { estimate: f64::NAN, lower: f64::NAN, upper: f64::NAN, caution: Some(why.into()) }
}

/// The first stratum of the adjustment set with pairs but none with exposure `e` (in the order
/// the core checks them), when there is one.
fn empty_stratum(counts: &[f64; 16], e: usize, adjust: Adjust) -> Option<(Option<u8>, Option<u8>)> {
    let cell = |u: usize, c: usize, ee: usize, y: usize| counts[u * 8 + c * 4 + ee * 2 + y];
    let us: Vec<Option<u8>> = if adjust.taste { vec![Some(0), Some(1)] } else { vec![None] };
    let cs: Vec<Option<u8>> = if adjust.popularity { vec![Some(0), Some(1)] } else { vec![None] };
    let values = |x: Option<u8>| x.map(|v| vec![v as usize]).unwrap_or_else(|| vec![0, 1]);
    for &u in &us {
        for &c in &cs {
            let (mut nz, mut nze) = (0.0, 0.0);
            for &uu in &values(u) {
                for &cc in &values(c) {
                    for ee in 0..2 {
                        nz += cell(uu, cc, ee, 0) + cell(uu, cc, ee, 1);
                    }
                    nze += cell(uu, cc, e, 0) + cell(uu, cc, e, 1);
                }
            }
            if nz > 0.0 && nze == 0.0 {
                return Some((u, c));
            }
        }
    }
    None
}

const NOTHING: Adjust = Adjust { taste: false, popularity: false };

/// Estimates of P(click | do(E = e)) from `counts`, with bootstrap standard errors; when the
/// adjustment is impossible (positivity), says why and keeps the naive estimate.
fn read(counts: &[f64; 16], e: usize, adjust: Adjust, reps: usize, seed: u64) -> Reading {
    let boot = |a: Adjust| {
        if reps > 1 { causal::bootstrap_se(counts, e, a, reps, derive_seed(seed, 0xb0)) } else { [f64::NAN; 3] }
    };
    match causal::estimate(counts, e, adjust) {
        Ok(est) => {
            let se = boot(adjust);
            Reading {
                naive: Estimate::normal(est.naive, se[0], RATE, None),
                adjusted: Estimate::normal(est.adjusted, se[1], RATE, None),
                ipw: Estimate::normal(est.ipw, se[2], RATE, None),
                positivity: None,
            }
        }
        Err(err) => {
            let naive = match causal::estimate(counts, e, NOTHING) {
                Ok(est) => Estimate::normal(est.naive, boot(NOTHING)[0], RATE, None),
                Err(_) => missing("not a single pair with this exposure"),
            };
            let (taste, popularity) = empty_stratum(counts, e, adjust).unwrap_or((None, None));
            Reading {
                naive,
                adjusted: missing("positivity fails: no estimate"),
                ipw: missing("positivity fails: no estimate"),
                positivity: Some(Positivity { exposure: e as u8, taste, popularity, message: err.to_string() }),
            }
        }
    }
}

/// The effect do(show) − do(not show) from the two readings: differences, with the two standard
/// errors combined, √(SE₁² + SE₀²).
fn effect(shown: &Reading, not_shown: &Reading) -> Reading {
    let diff = |a: &Estimate, b: &Estimate| {
        if !(a.estimate.is_finite() && b.estimate.is_finite()) {
            return missing("no estimate");
        }
        let se = |e: &Estimate| (e.upper - e.lower) / (2.0 * common::Z95);
        let (sa, sb) = (se(a), se(b));
        Estimate::normal(a.estimate - b.estimate, (sa * sa + sb * sb).sqrt(), Range { lo: -1.0, hi: 1.0 }, None)
    };
    Reading {
        naive: diff(&shown.naive, &not_shown.naive),
        adjusted: diff(&shown.adjusted, &not_shown.adjusted),
        ipw: diff(&shown.ipw, &not_shown.ipw),
        positivity: shown.positivity.clone().or_else(|| not_shown.positivity.clone()),
    }
}

/// The page's log read for do(show) and do(not show).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Main {
    /// P(click | do(show)).
    pub shown: Reading,
    /// P(click | do(not show)).
    pub not_shown: Reading,
}

// ---------------------------------------------------------------------------------------------
// The convergence sweep.

/// Mean and 2.5–97.5% spread of estimates from many logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Mean.
    pub mean: f64,
    /// 2.5% quantile.
    pub lo: f64,
    /// 97.5% quantile.
    pub hi: f64,
    /// Standard deviation over the logs.
    pub sd: f64,
    /// Logs with a finite estimate.
    pub count: usize,
}

fn summarize(xs: &[f64]) -> Summary {
    let mut s: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    crate::stats::sort(&mut s);
    let mean = if s.is_empty() { f64::NAN } else { s.iter().sum::<f64>() / s.len() as f64 };
    Summary {
        mean,
        lo: stats::percentile_sorted(&s, 2.5),
        hi: stats::percentile_sorted(&s, 97.5),
        sd: if s.len() > 1 { stats::std_dev(&s) } else { f64::NAN },
        count: s.len(),
    }
}

/// One sample size of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepRow {
    /// Pairs per log.
    pub n: usize,
    /// The naive estimates of P(click | do(show)).
    pub naive: Summary,
    /// The adjusted (back-door = IPW) estimates.
    pub adjusted: Summary,
    /// Logs in which positivity failed (no adjusted estimate).
    pub failed: usize,
    /// Logs simulated.
    pub replicates: usize,
}

const SWEEPS_KEPT: usize = 24;

thread_local! {
    /// Finished sweeps by (model, adjustment set, seed): they do not depend on `n`, so moving the
    /// sample-size slider, or coming back to a graph already seen, costs nothing.
    static SWEEPS: RefCell<Vec<(String, Vec<SweepRow>)>> = const { RefCell::new(Vec::new()) };
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// Exact values.
    pub truth: Truth,
    /// The graph of the state.
    pub graph: Graph,
    /// The page's log.
    pub main: Main,
    /// The effect of showing from the page's log.
    pub effect: Reading,
    /// The sweep, as published so far (in three instalments: up to 500 pairs, 5,000, 20,000).
    pub sweep: Vec<SweepRow>,
    /// Progress of the run.
    pub progress: Progress,
}

/// The lesson's run: the exact values, the graph and the page's log (first output), then the
/// sweep, a bounded number of simulated pairs per step.
pub struct Runner {
    config: Config,
    model: Scm,
    key: String,
    output: Option<Output>,
    cached: Option<Vec<SweepRow>>,
    rows: Vec<SweepRow>,
    size: usize,
    rep: usize,
    naive: Vec<f64>,
    adjusted: Vec<f64>,
    failed: usize,
}

impl Runner {
    /// Prepare a run.
    pub fn new(config: Config) -> Result<Runner> {
        let model = model(&config);
        let key = format!("{model:?}|{:?}|{}", config.adjust(), config.seed);
        let cached = SWEEPS.with(|s| s.borrow().iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()));
        Ok(Runner {
            config,
            model,
            key,
            output: None,
            cached,
            rows: Vec::new(),
            size: 0,
            rep: 0,
            naive: Vec::new(),
            adjusted: Vec::new(),
            failed: 0,
        })
    }

    fn first(&self) -> Output {
        let (c, s) = (&self.config, &self.model);
        let counts = s.sample_counts(c.n, c.seed);
        let reps = bootstrap_reps(c.n);
        let main =
            Main { shown: read(&counts, 1, c.adjust(), reps, c.seed), not_shown: read(&counts, 0, c.adjust(), reps, c.seed) };
        Output {
            truth: Truth {
                do_exposed: s.interventional(1),
                do_not_exposed: s.interventional(0),
                observed_exposed: s.observational(1),
                observed_not_exposed: s.observational(0),
            },
            graph: graph(c),
            effect: effect(&main.shown, &main.not_shown),
            main,
            sweep: Vec::new(),
            progress: Progress::new(0, SIZES.len(), "sample sizes"),
        }
    }

    /// Simulate the next logs of the sweep, about [`PAIRS_PER_STEP`] pairs.
    fn sweep_step(&mut self) {
        let n = SIZES[self.size];
        let replicates = replicates_for(n);
        let end = (self.rep + (PAIRS_PER_STEP / n).max(1)).min(replicates);
        let adjust = self.config.adjust();
        for r in self.rep..end {
            // Replicate r is one stream of pairs cut at each n: the logs of one replicate are nested.
            let counts = self.model.sample_counts(n, SWEEP_SEED + 1000 * self.config.seed + r as u64);
            match causal::estimate(&counts, 1, adjust) {
                Ok(e) => {
                    self.naive.push(e.naive);
                    self.adjusted.push(e.adjusted);
                }
                Err(_) => {
                    // positivity failed in this log: no adjusted estimate, the naive one still exists
                    self.failed += 1;
                    if let Ok(e) = causal::estimate(&counts, 1, NOTHING) {
                        self.naive.push(e.naive);
                    }
                }
            }
        }
        self.rep = end;
        if end == replicates {
            self.rows.push(SweepRow {
                n,
                naive: summarize(&self.naive),
                adjusted: summarize(&self.adjusted),
                failed: self.failed,
                replicates,
            });
            self.naive.clear();
            self.adjusted.clear();
            self.failed = 0;
            self.rep = 0;
            self.size += 1;
            let out = self.output.as_mut().expect("the first step ran");
            if PUBLISH_AFTER.contains(&n) {
                out.sweep = self.rows.clone();
            }
            out.progress = Progress::new(self.size, SIZES.len(), "sample sizes");
        }
    }
}

impl Run for Runner {
    fn step(&mut self) -> Result<Option<LessonOutput>> {
        match self.output.as_mut() {
            None => self.output = Some(self.first()),
            Some(out) if out.progress.done >= out.progress.total => return Ok(None),
            Some(out) => match self.cached.take() {
                // a finished sweep, cached: still two steps, so that the first redraw stays light
                Some(rows) => {
                    out.sweep = rows;
                    out.progress = Progress::new(SIZES.len(), SIZES.len(), "sample sizes");
                }
                None => {
                    self.sweep_step();
                    if self.size == SIZES.len() {
                        let (key, rows) = (self.key.clone(), self.rows.clone());
                        SWEEPS.with(|s| {
                            let mut s = s.borrow_mut();
                            s.retain(|(k, _)| *k != key);
                            s.push((key, rows));
                            if s.len() > SWEEPS_KEPT {
                                s.remove(0);
                            }
                        });
                    }
                }
            },
        }
        Ok(self.output.clone().map(LessonOutput::CausalGraph))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            confounding: 1.0,
            taste_to_exposure: true,
            popularity_to_exposure: true,
            taste_to_click: true,
            popularity_to_click: true,
            exposure_to_click: true,
            adjust_taste: true,
            adjust_popularity: true,
            n: 1000,
            seed: 1,
        }
    }

    #[test]
    fn the_graph_names_its_open_back_door_paths() {
        let g = graph(&config());
        assert_eq!(g.confounders.len(), 2);
        assert!(g.open.is_empty() && g.effect);
        let g = graph(&Config { adjust_taste: false, ..config() });
        assert_eq!(g.open.iter().map(|c| c.name).collect::<Vec<_>>(), ["taste"]);
        assert!(g.edges.iter().filter(|e| e.open).all(|e| e.from == "U"));
        let g = graph(&Config { taste_to_click: false, adjust_taste: false, ..config() });
        assert!(g.open.is_empty(), "taste with one arrow opens no back-door path");
        let g = graph(&Config { confounding: 0.0, ..config() });
        assert!(g.confounders.is_empty() && g.edges.iter().filter(|e| e.on).count() == 1);
    }

    #[test]
    fn an_empty_stratum_is_named_as_the_core_names_it() {
        let c = Config { confounding: 2.5, ..config() };
        let counts = model(&c).sample_counts(1000, 1);
        let r = read(&counts, 0, c.adjust(), 0, 1);
        let p = r.positivity.expect("positivity fails at this seed");
        assert_eq!((p.exposure, p.taste, p.popularity), (0, Some(1), Some(1)), "{}", p.message);
        assert!(p.message.contains("taste ∈ [1], popularity ∈ [1]"), "{}", p.message);
        assert!(r.naive.estimate.is_finite() && r.adjusted.estimate.is_nan());
    }
}
