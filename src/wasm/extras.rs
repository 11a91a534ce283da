//! JS bindings of the lessons' special-purpose models: ratings (missing not at random), stakeholder
//! metrics, the creator loop, preference elicitation and the causal graph.

use super::convert::*;
use super::world::WorldHandle;
use crate::causal::{Adjust, Scm};
use crate::config::Obj;
use crate::elicit::{ElicitConfig, Elicitation, Strategy};
use crate::error::{Error, Result};
use crate::world::{Policy, World};
use js_sys::{Float64Array, Int32Array, Object};
use serde::Serialize;
use wasm_bindgen::prelude::*;

type JsResult<T> = std::result::Result<T, JsError>;

fn ints(xs: impl Iterator<Item = i32>) -> Int32Array {
    Int32Array::from(&xs.collect::<Vec<_>>()[..])
}

fn policy_of(world: &World, v: &JsValue, name: &str) -> Result<Policy> {
    Policy::from_value(world, &config_value(v, name)?, name)
}

#[wasm_bindgen(js_class = World)]
impl WorldHandle {
    /// Explicit ratings with their exact observation propensities:
    /// `{ mode: "self-selected", perUser = 10 (at most nItems), chooser = softmax(β=2), seed }` (users rate what they
    /// chose, extremes more often) or `{ mode: "random", perUser = 5 (at most nItems), seed }` (a random survey).
    /// Returns `{ user, item, rating, propensity }`.
    #[wasm_bindgen(
        unchecked_return_type = "{ user: Int32Array; item: Int32Array; rating: Int32Array; propensity: Float64Array }"
    )]
    pub fn ratings(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "{ mode: \"self-selected\" | \"random\"; perUser?: number; chooser?: PolicyConfig; seed?: number }"
        )]
        options: JsValue,
    ) -> JsResult<JsValue> {
        let run = || -> Result<Object> {
            let w = self.world();
            let v = config_value(&options, "options")?;
            let o = Obj::new(&v, "options")?;
            let mode = o.choice("mode", "self-selected", &["self-selected", "random"])?;
            let seed = o.seed("seed", 0)?;
            let r = if mode == "random" {
                let k = o.integer("perUser", 5.min(w.n_items() as u64), 1, w.n_items() as u64)? as usize;
                o.finish_with(&["mode", "perUser", "seed"])?;
                crate::world::ratings::random_set(w, k, seed)?
            } else {
                let k = o.number("perUser", 10f64.min(w.n_items() as f64), 0.01, w.n_items() as f64)?;
                let chooser = match o.get("chooser") {
                    Some(c) => Policy::from_value(w, c, "options.chooser")?,
                    None => Policy::compile(
                        w,
                        &crate::world::PolicySpec::Softmax { beta: 2.0, score: crate::world::ScoreSpec::relevance() },
                    )?,
                };
                o.finish_with(&["mode", "perUser", "chooser", "seed"])?;
                crate::world::ratings::self_selected(w, &chooser, k, seed)?
            };
            let obj = Object::new();
            set(&obj, "user", ints(r.user.iter().map(|&x| x as i32)));
            set(&obj, "item", ints(r.item.iter().map(|&x| x as i32)));
            set(&obj, "rating", ints(r.rating.iter().map(|&x| x as i32)));
            set(&obj, "propensity", Float64Array::from(&r.propensity[..]));
            Ok(obj)
        };
        Ok(run().map_err(js_error)?.into())
    }

    /// Every user's true rating (1–5) of every item, nUsers × nItems.
    #[wasm_bindgen(js_name = trueRatings)]
    pub fn true_ratings(&self) -> Int32Array {
        let w = self.world();
        ints((0..w.n_users() * w.n_items()).map(|x| w.true_rating(x / w.n_items(), x % w.n_items()) as i32))
    }

    /// Exact stakeholder metrics of a single-item policy: `{ engagement, revenue, creatorGini,
    /// tailShare, itemExposure, creatorExposure }`.
    #[wasm_bindgen(js_name = stakeholderMetrics)]
    pub fn stakeholder_metrics(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] policy: JsValue,
    ) -> JsResult<JsValue> {
        let run = || -> Result<Object> {
            let m = crate::stakeholders::metrics(self.world(), &policy_of(self.world(), &policy, "policy")?)?;
            let obj = Object::new();
            set(&obj, "engagement", m.engagement);
            set(&obj, "revenue", m.revenue);
            set(&obj, "creatorGini", m.creator_gini);
            set(&obj, "tailShare", m.tail_share);
            set(&obj, "itemExposure", Float64Array::from(&m.item_exposure[..]));
            set(&obj, "creatorExposure", Float64Array::from(&m.creator_exposure[..]));
            Ok(obj)
        };
        Ok(run().map_err(js_error)?.into())
    }

    /// The creator-viability loop: `{ rounds = 10, threshold = 0.2 }` → one row per round.
    #[wasm_bindgen(js_name = creatorDynamics, unchecked_return_type = "{ round: number; activeCreators: number; activeItems: number; engagement: number; creatorGini: number }[]")]
    pub fn creator_dynamics(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] policy: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ rounds?: number; threshold?: number }")] options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Row {
            round: usize,
            active_creators: usize,
            active_items: usize,
            engagement: f64,
            creator_gini: f64,
        }
        let run = || -> Result<Vec<Row>> {
            let p = policy_of(self.world(), &policy, "policy")?;
            let v = opt_config(&options, "options")?;
            let o = Obj::new(&v, "options")?;
            let rounds = o.integer("rounds", 10, 0, 1000)? as usize;
            let threshold = o.number("threshold", 0.2, 0.0, 1.0)?;
            o.finish_with(&["rounds", "threshold"])?;
            Ok(crate::stakeholders::creator_dynamics(self.world(), &p, rounds, threshold)?
                .into_iter()
                .map(|r| Row {
                    round: r.round,
                    active_creators: r.active_creators,
                    active_items: r.active_items,
                    engagement: r.engagement,
                    creator_gini: r.creator_gini,
                })
                .collect())
        };
        to_js(&run().map_err(js_error)?)
    }

    /// Quality curves of preference elicitation over simulated new users:
    /// `{ strategy, options = 3, choiceSharpness = 2, particles = 1000, nUsers = 100, nQuestions = 6,
    /// topN = 10, seed }` → `{ mean, se }` (Float64Arrays over 0…nQuestions answers).
    #[wasm_bindgen(js_name = simulateElicitation, unchecked_return_type = "{ mean: Float64Array; se: Float64Array }")]
    pub fn simulate_elicitation(&self, options: Option<JsValue>) -> JsResult<JsValue> {
        let run = || -> Result<Object> {
            let v = opt_config(&options, "options")?;
            let o = Obj::new(&v, "options")?;
            let strategy = Strategy::by_name(o.choice("strategy", "adaptive", &["random", "popular", "adaptive"])?)?;
            let config = elicit_config(&o, self.world())?;
            let n_users = o.integer("nUsers", 100.min(self.world().n_users() as u64), 1, self.world().n_users() as u64)? as usize;
            let nq = o.integer("nQuestions", 6, 0, 50)? as usize;
            let top_n = o.integer("topN", 10.min(self.world().n_items() as u64), 1, self.world().n_items() as u64)? as usize;
            let seed = o.seed("seed", 0)?;
            o.finish_with(&["strategy", "options", "choiceSharpness", "particles", "nUsers", "nQuestions", "topN", "seed"])?;
            let curve = crate::elicit::simulate(self.world(), strategy, config, n_users, nq, top_n, seed)?;
            let obj = Object::new();
            set(&obj, "mean", Float64Array::from(&curve.iter().map(|c| c.0).collect::<Vec<_>>()[..]));
            set(&obj, "se", Float64Array::from(&curve.iter().map(|c| c.1).collect::<Vec<_>>()[..]));
            Ok(obj)
        };
        Ok(run().map_err(js_error)?.into())
    }

    /// Mean true relevance of `items` for user `user` (how good these recommendations are for them).
    #[wasm_bindgen(js_name = recommendationQuality)]
    pub fn recommendation_quality(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] user: JsValue,
        items: JsValue,
    ) -> JsResult<f64> {
        let run = || -> Result<f64> {
            let w = self.world();
            let user = index("user", &user, w.n_users(), "nUsers")?;
            let items = index_vec("items", &items)?;
            check_items(w, &items)?;
            Ok(crate::elicit::quality(w, user, &items.iter().map(|&i| i as usize).collect::<Vec<_>>()))
        };
        run().map_err(js_error)
    }

    /// The top `n` items for a taste vector (nTopics values) under the world's relevance model
    /// (what an elicitation recommends for its belief's mean taste).
    #[wasm_bindgen(js_name = recommendForTaste)]
    pub fn recommend_for_taste(
        &self,
        taste: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] n: JsValue,
    ) -> JsResult<Int32Array> {
        let w = self.world();
        let n = integer("n", &n, 1e9).map_err(js_error)? as usize;
        let t = f64_vec("taste", &taste).map_err(js_error)?;
        if t.len() != w.config().n_topics || t.iter().any(|x| !x.is_finite()) {
            return Err(js_error(Error::invalid(
                "taste",
                format!("expected {} finite numbers (one per topic)", w.config().n_topics),
            )));
        }
        if n == 0 || n > w.n_items() {
            return Err(js_error(Error::invalid("n", format!("expected 1 ≤ n ≤ nItems ({}), got {n}", w.n_items()))));
        }
        Ok(ints(crate::elicit::recommend_for_taste(w, &t, n).into_iter().map(|x| x as i32)))
    }

    /// A user's latent tastes (nTopics values), for teaching.
    #[wasm_bindgen(js_name = userTaste)]
    pub fn user_taste(&self, #[wasm_bindgen(unchecked_param_type = "number")] user: JsValue) -> JsResult<Float64Array> {
        let w = self.world();
        let t = w.config().n_topics;
        let user = index("user", &user, w.n_users(), "nUsers").map_err(js_error)?;
        Ok(Float64Array::from(&w.user_taste()[user * t..(user + 1) * t]))
    }
}

fn check_items(w: &World, items: &[u32]) -> Result<()> {
    if let Some(i) = items.iter().find(|&&i| i as usize >= w.n_items()) {
        return Err(Error::invalid("items", format!("expected item indices in 0..{}, got {i}", w.n_items())));
    }
    Ok(())
}

/// Elicitation settings; `options` defaults to 3, or every topic of a world with fewer.
fn elicit_config(o: &Obj<'_>, world: &crate::world::World) -> Result<ElicitConfig> {
    let d = ElicitConfig::default();
    Ok(ElicitConfig {
        options: o.integer("options", d.options.min(world.config().n_topics) as u64, 2, 64)? as usize,
        choice_sharpness: o.number("choiceSharpness", d.choice_sharpness, 0.01, 20.0)?,
        particles: o.integer("particles", d.particles as u64, 10, 100_000)? as usize,
    })
}

/// An onboarding session for one new user: ask, answer, recommend.
#[wasm_bindgen(js_name = Elicitation)]
pub struct ElicitationHandle {
    world: std::sync::Arc<World>,
    inner: Elicitation,
}

#[wasm_bindgen(js_class = Elicitation)]
impl ElicitationHandle {
    /// Start from the prior: `{ options = 3, choiceSharpness = 2, particles = 1000, seed }`.
    #[wasm_bindgen(constructor)]
    pub fn new(world: &WorldHandle, options: Option<JsValue>) -> JsResult<ElicitationHandle> {
        let run = || -> Result<ElicitationHandle> {
            let v = opt_config(&options, "options")?;
            let o = Obj::new(&v, "options")?;
            let config = elicit_config(&o, world.world())?;
            let seed = o.seed("seed", 0)?;
            o.finish_with(&["options", "choiceSharpness", "particles", "seed"])?;
            Ok(ElicitationHandle { world: world.world_arc(), inner: Elicitation::new(world.world(), config, seed)? })
        };
        run().map_err(js_error)
    }
    /// Questions answered.
    #[wasm_bindgen(getter)]
    pub fn asked(&self) -> usize {
        self.inner.asked()
    }
    /// The topics to show next under `strategy` ("random", "popular", "adaptive").
    #[wasm_bindgen(js_name = nextQuestion)]
    pub fn next_question(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "\"random\" | \"popular\" | \"adaptive\"")] strategy: JsValue,
    ) -> JsResult<Int32Array> {
        let s = name("strategy", &strategy).and_then(|n| Strategy::by_name(&n)).map_err(js_error)?;
        Ok(ints(self.inner.next_question(s).into_iter().map(|x| x as i32)))
    }
    /// The user picked `choice` among `question`.
    pub fn answer(
        &mut self,
        question: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] choice: JsValue,
    ) -> JsResult<()> {
        let q = index_vec("question", &question).map_err(js_error)?;
        // the chosen topic (one of `question`; the core checks which)
        let choice = integer("choice", &choice, u32::MAX as f64).map_err(js_error)? as usize;
        self.inner.answer(&q.iter().map(|&x| x as usize).collect::<Vec<_>>(), choice).map_err(js_error)
    }
    /// Expected information gain of a question (nats).
    #[wasm_bindgen(js_name = informationGain)]
    pub fn information_gain(&self, question: JsValue) -> JsResult<f64> {
        let q = index_vec("question", &question).map_err(js_error)?;
        let t = self.world.config().n_topics;
        if q.len() < 2 || q.iter().any(|&x| x as usize >= t) {
            return Err(js_error(Error::invalid("question", format!("expected at least two topics in 0..{t}"))));
        }
        Ok(self.inner.information_gain(&q.iter().map(|&x| x as usize).collect::<Vec<_>>()))
    }
    /// The belief's mean taste per topic.
    #[wasm_bindgen(js_name = meanTaste)]
    pub fn mean_taste(&self) -> Float64Array {
        Float64Array::from(&self.inner.mean_taste()[..])
    }
    /// The top `n` items for the current belief.
    pub fn recommend(&self, #[wasm_bindgen(unchecked_param_type = "number")] n: JsValue) -> JsResult<Int32Array> {
        let n = integer("n", &n, 1e9).map_err(js_error)? as usize;
        if n == 0 || n > self.world.n_items() {
            return Err(js_error(Error::invalid("n", format!("expected 1 ≤ n ≤ nItems ({}), got {n}", self.world.n_items()))));
        }
        Ok(ints(self.inner.recommend(&self.world, n).into_iter().map(|x| x as i32)))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CausalOut {
    /// P(Y=1 | do(E=1)), P(Y=1 | do(E=0)).
    do_exposed: f64,
    do_not_exposed: f64,
    /// P(Y=1 | E=1), P(Y=1 | E=0).
    observed_exposed: f64,
    observed_not_exposed: f64,
}

/// Exact interventional and observational click probabilities of a causal model (see
/// `causalEstimate` for the model's keys).
#[wasm_bindgen(js_name = causalTruth, unchecked_return_type = "{ doExposed: number; doNotExposed: number; observedExposed: number; observedNotExposed: number }")]
pub fn causal_truth(model: Option<JsValue>) -> JsResult<JsValue> {
    let run = || -> Result<CausalOut> {
        let v = opt_config(&model, "model")?;
        let s = Scm::from_value(&v)?;
        Ok(CausalOut {
            do_exposed: s.interventional(1),
            do_not_exposed: s.interventional(0),
            observed_exposed: s.observational(1),
            observed_not_exposed: s.observational(0),
        })
    };
    to_js(&run().map_err(js_error)?)
}

/// Estimate P(Y=1 | do(E=e)) from `n` simulated units of a causal model, naively, by back-door
/// adjustment and by IPW over the variables in `adjust`, with bootstrap standard errors.
/// `model`: `{ pTaste, pPopular, e0, eU, eC, y0, yE, yU, yC, confounding, edges: { tasteToExposure, … } }`;
/// `options`: `{ n = 1000, seed = 0, exposure = 1, adjust: { taste = true, popularity = true }, bootstrap = 200 }`.
#[wasm_bindgen(js_name = causalEstimate)]
pub fn causal_estimate(model: Option<JsValue>, options: Option<JsValue>) -> JsResult<JsValue> {
    let run = || -> Result<Object> {
        let mv = opt_config(&model, "model")?;
        let s = Scm::from_value(&mv)?;
        let ov = opt_config(&options, "options")?;
        let o = Obj::new(&ov, "options")?;
        let n = o.integer("n", 1000, 1, 10_000_000)? as usize;
        let seed = o.seed("seed", 0)?;
        let e = o.integer("exposure", 1, 0, 1)? as usize;
        let a = o.object("adjust")?;
        let adjust = Adjust { taste: a.boolean("taste", true)?, popularity: a.boolean("popularity", true)? };
        a.finish_with(&["taste", "popularity"])?;
        let reps = o.integer("bootstrap", 200, 0, 10_000)? as usize;
        o.finish_with(&["n", "seed", "exposure", "adjust", "bootstrap"])?;
        let counts = s.sample_counts(n, seed);
        let est = crate::causal::estimate(&counts, e, adjust)?;
        let se = if reps > 1 {
            crate::causal::bootstrap_se(&counts, e, adjust, reps, crate::rng::derive_seed(seed, 0xb0))
        } else {
            [f64::NAN; 3]
        };
        let obj = Object::new();
        set(&obj, "truth", s.interventional(e));
        set(&obj, "observational", s.observational(e));
        set(&obj, "naive", est.naive);
        set(&obj, "adjusted", est.adjusted);
        set(&obj, "ipw", est.ipw);
        set(&obj, "naiveSe", se[0]);
        set(&obj, "adjustedSe", se[1]);
        set(&obj, "ipwSe", se[2]);
        set(&obj, "counts", Float64Array::from(&counts[..]));
        Ok(obj)
    };
    Ok(run().map_err(js_error)?.into())
}
