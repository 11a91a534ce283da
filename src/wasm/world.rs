//! JS bindings of the simulated world, its logs and the lab.

pub(crate) use super::convert::config_value;
use super::convert::*;
use crate::error::{Error, Result};
use crate::lab::{Lab, Scenario};
use crate::world::{CollectOptions, Log, Policy, PolicySpec, RecommenderSpec, RewardModelSpec, Signal, World};
use js_sys::{Float64Array, Int32Array, Object};
use serde::Serialize;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

type JsResult<T> = std::result::Result<T, JsError>;

fn compile(world: &World, policy: &JsValue, name: &str) -> Result<Policy> {
    if policy.is_undefined() || policy.is_null() {
        return Err(Error::invalid(name, "is required: expected a policy config such as { kind: \"softmax\", beta: 2 }"));
    }
    Policy::from_value(world, &config_value(policy, name)?, name)
}

/// A simulated world (users, items, creators, markets) with exact ground truth.
#[wasm_bindgen(js_name = World)]
pub struct WorldHandle {
    world: Arc<World>,
}

impl WorldHandle {
    /// The core world.
    pub(crate) fn world(&self) -> &World {
        &self.world
    }
    /// A shared handle to the core world.
    pub(crate) fn world_arc(&self) -> Arc<World> {
        self.world.clone()
    }
}

#[wasm_bindgen(js_class = World)]
impl WorldHandle {
    /// Build a world from a config (every key optional; unknown or out-of-range keys throw).
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "WorldConfig")] config: Option<JsValue>) -> JsResult<WorldHandle> {
        let v = opt_config(&config, "config").map_err(js_error)?;
        Ok(WorldHandle { world: Arc::new(World::from_value(&v).map_err(js_error)?) })
    }

    /// Number of users.
    #[wasm_bindgen(getter, js_name = nUsers)]
    pub fn n_users(&self) -> usize {
        self.world.n_users()
    }

    /// Number of items (= actions).
    #[wasm_bindgen(getter, js_name = nItems)]
    pub fn n_items(&self) -> usize {
        self.world.n_items()
    }

    /// The seed.
    #[wasm_bindgen(getter)]
    pub fn seed(&self) -> f64 {
        self.world.config().seed as f64
    }

    /// Exact expected reward per round of a single-item policy (options: `{ reward }`).
    #[wasm_bindgen(js_name = policyValue)]
    pub fn policy_value(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] policy: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ reward?: SignalName }")] options: Option<JsValue>,
    ) -> JsResult<f64> {
        let run = || -> Result<f64> {
            let p = compile(&self.world, &policy, "policy")?;
            let signal = reward_option(&options)?.unwrap_or(self.world.config().reward);
            self.world.policy_value(&p, signal)
        };
        run().map_err(js_error)
    }

    /// Exact expected reward of a single-item policy for each user (nUsers values; options:
    /// `{ reward }`). The value of a segment is the `arrival()`-weighted mean over its users.
    #[wasm_bindgen(js_name = policyValueByUser)]
    pub fn policy_value_by_user(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] policy: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ reward?: SignalName }")] options: Option<JsValue>,
    ) -> JsResult<Float64Array> {
        let run = || -> Result<Vec<f64>> {
            let p = compile(&self.world, &policy, "policy")?;
            let signal = reward_option(&options)?.unwrap_or(self.world.config().reward);
            self.world.policy_value_by_user(&p, signal)
        };
        Ok(f64_array(&run().map_err(js_error)?))
    }

    /// Expected total reward per round of a ranking policy: `{ value, standardError, exact, nRounds }`
    /// (options: `{ lenList, reward, mcRounds = 200000 (at most 10⁷), seed }`; exact when tractable, else
    /// Monte Carlo over rankings drawn from the policy, each valued exactly).
    #[wasm_bindgen(js_name = rankingValue, unchecked_return_type = "{ value: number; standardError: number; exact: boolean; nRounds: number }")]
    pub fn ranking_value(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] policy: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ lenList: number; reward?: SignalName; mcRounds?: number; seed?: number }")]
        options: JsValue,
    ) -> JsResult<JsValue> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out {
            value: f64,
            standard_error: f64,
            exact: bool,
            n_rounds: usize,
        }
        let run = || -> Result<Out> {
            let p = compile(&self.world, &policy, "policy")?;
            let v = config_value(&options, "options")?;
            let o = crate::config::Obj::new(&v, "options")?;
            let len = o.integer("lenList", 1, 1, self.world.n_items() as u64)? as usize;
            let signal = o
                .string("reward")?
                .map(|s| Signal::by_name(s, "options.reward"))
                .transpose()?
                .unwrap_or(self.world.config().reward);
            let mc = o.integer("mcRounds", 200_000, 1, 10_000_000)? as usize;
            let seed = o.seed("seed", 0)?;
            o.finish_with(&["lenList", "reward", "mcRounds", "seed"])?;
            let r = self.world.ranking_value(&p, len, signal, mc, seed)?;
            Ok(Out { value: r.value, standard_error: r.standard_error, exact: r.exact, n_rounds: r.n_rounds })
        };
        to_js(&run().map_err(js_error)?)
    }

    /// Collect a log: `{ nRounds, seed = 0, lenList = 1, reward }`.
    pub fn collect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] policy: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CollectOptions")] options: JsValue,
    ) -> JsResult<LogHandle> {
        let run = || -> Result<Log> {
            let spec = PolicySpec::from_value(&config_value(&policy, "policy")?, "policy")?;
            let opts = CollectOptions::from_value(&config_value(&options, "options")?, "options")?;
            Log::collect(self.world.clone(), &spec, &opts)
        };
        Ok(LogHandle { log: run().map_err(js_error)? })
    }

    /// Examination probability of position k (0-based) under the position-based model
    /// ((1/(k+1))^η); for the cascade only position 0 is known in advance (1), later ones are NaN.
    pub fn examination(&self, #[wasm_bindgen(unchecked_param_type = "number")] k: JsValue) -> JsResult<f64> {
        let k = integer("k", &k, 1e9).map_err(js_error)?;
        Ok(self.world.examination(k as usize))
    }

    /// The world's position-bias model: "pbm" or "cascade".
    #[wasm_bindgen(getter, js_name = clickModel)]
    pub fn click_model(&self) -> String {
        match self.world.config().position_bias {
            crate::world::PositionBias::Cascade => "cascade".into(),
            _ => "pbm".into(),
        }
    }

    /// A policy's single-item probabilities for every user, flat nUsers × nItems.
    #[wasm_bindgen(js_name = actionProbabilities)]
    pub fn action_probabilities(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] policy: JsValue,
    ) -> JsResult<Float64Array> {
        let p = compile(&self.world, &policy, "policy").map_err(js_error)?;
        Ok(f64_array(p.table().map_err(js_error)?))
    }

    /// A ranking policy's item-position probabilities for one user, flat nItems × lenList.
    #[wasm_bindgen(js_name = positionProbabilities)]
    pub fn position_probabilities(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] policy: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] user: JsValue,
        #[wasm_bindgen(js_name = lenList, unchecked_param_type = "number")] len_list: JsValue,
    ) -> JsResult<Float64Array> {
        let run = || -> Result<Vec<f64>> {
            let user = index("user", &user, self.world.n_users(), "nUsers")?;
            let len_list = integer("lenList", &len_list, self.world.n_items() as f64)? as usize;
            if len_list == 0 {
                return Err(Error::invalid("lenList", "expected 1 ≤ lenList ≤ nItems, got 0"));
            }
            compile(&self.world, &policy, "policy")?.marginals(user, len_list)
        };
        Ok(f64_array(&run().map_err(js_error)?))
    }

    /// The true probability that each user likes each item when they look at it, nUsers × nItems.
    pub fn relevance(&self) -> Float64Array {
        f64_array(self.world.relevance())
    }

    /// E[signal | examined] for every user and item (averaged over intents), nUsers × nItems.
    #[wasm_bindgen(js_name = expectedSignal)]
    pub fn expected_signal(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignalName")] signal: JsValue,
    ) -> JsResult<Float64Array> {
        let s = name("signal", &signal).and_then(|n| Signal::by_name(&n, "signal")).map_err(js_error)?;
        Ok(f64_array(&self.world.expected_signal_table(s)))
    }

    /// Item popularity (sums to 1).
    pub fn popularity(&self) -> Float64Array {
        f64_array(self.world.popularity())
    }

    /// Creator of each item.
    #[wasm_bindgen(js_name = itemCreator)]
    pub fn item_creator(&self) -> Int32Array {
        i32_array(self.world.item_creator())
    }

    /// Market of each item.
    #[wasm_bindgen(js_name = itemMarket)]
    pub fn item_market(&self) -> Int32Array {
        i32_array(self.world.item_market())
    }

    /// Main topic of each item.
    #[wasm_bindgen(js_name = itemTopic)]
    pub fn item_topic(&self) -> Int32Array {
        i32_array(self.world.item_topic())
    }

    /// Topic mix of each item (nItems × nTopics; each row sums to 1).
    #[wasm_bindgen(js_name = itemTopics)]
    pub fn item_topics(&self) -> Float64Array {
        f64_array(self.world.item_topics())
    }

    /// Number of topics.
    #[wasm_bindgen(getter, js_name = nTopics)]
    pub fn n_topics(&self) -> usize {
        self.world.config().n_topics
    }

    /// Price of each item.
    #[wasm_bindgen(js_name = itemPrice)]
    pub fn item_price(&self) -> Float64Array {
        f64_array(self.world.item_price())
    }

    /// Market of each user.
    #[wasm_bindgen(js_name = userMarket)]
    pub fn user_market(&self) -> Int32Array {
        i32_array(self.world.user_market())
    }

    /// Probability that each user is the one arriving in a round.
    pub fn arrival(&self) -> Float64Array {
        f64_array(self.world.arrival())
    }

    /// Probability that a session of each user has the sampling intent.
    #[wasm_bindgen(js_name = userSampling)]
    pub fn user_sampling(&self) -> Float64Array {
        f64_array(self.world.user_sampling())
    }

    /// Register scores computed elsewhere (nUsers × nItems) as `model:NAME` for policies.
    #[wasm_bindgen(js_name = addModel)]
    pub fn add_model(
        &mut self,
        #[wasm_bindgen(js_name = name, unchecked_param_type = "string")] model_name: JsValue,
        scores: JsValue,
    ) -> JsResult<()> {
        let model_name = name("name", &model_name).map_err(js_error)?;
        let s = f64_vec("scores", &scores).map_err(js_error)?;
        self.world.add_model(&model_name, s).map_err(js_error)
    }

    /// Fit a recommender on a log and register its scores as `model:NAME` for policies; returns
    /// the scores (nUsers × nItems).
    #[wasm_bindgen(js_name = fitRecommender)]
    pub fn fit_recommender(
        &mut self,
        #[wasm_bindgen(js_name = name, unchecked_param_type = "string")] model_name: JsValue,
        log: &LogHandle,
        #[wasm_bindgen(unchecked_param_type = "RecommenderConfig")] spec: Option<JsValue>,
    ) -> JsResult<Float64Array> {
        let run = |world: &mut Arc<World>| -> Result<Vec<f64>> {
            let model_name = name("name", &model_name)?;
            let spec = RecommenderSpec::from_value(&opt_config(&spec, "spec")?, "spec")?;
            if log.log.world().n_users() != world.n_users() || log.log.world().n_items() != world.n_items() {
                return Err(Error::invalid("log", "expected a log collected from this world"));
            }
            let scores = spec.fit(&log.log)?;
            world.add_model(&model_name, scores.clone())?;
            Ok(scores)
        };
        Ok(f64_array(&run(&mut self.world).map_err(js_error)?))
    }
}

fn reward_option(options: &Option<JsValue>) -> Result<Option<Signal>> {
    let v = opt_config(options, "options")?;
    let o = crate::config::Obj::new(&v, "options")?;
    let s = o.string("reward")?.map(|s| Signal::by_name(s, "options.reward")).transpose()?;
    o.finish_with(&["reward"])?;
    Ok(s)
}

/// A collected log (columns; one row per impression).
#[wasm_bindgen(js_name = Log)]
pub struct LogHandle {
    log: Log,
}

#[wasm_bindgen(js_class = Log)]
impl LogHandle {
    /// Rows (OBP's n_rounds): rounds × lenList.
    #[wasm_bindgen(getter, js_name = nRounds)]
    pub fn n_rounds(&self) -> usize {
        self.log.n_rows()
    }
    /// Rounds (slates).
    #[wasm_bindgen(getter, js_name = nSlates)]
    pub fn n_slates(&self) -> usize {
        self.log.n_slates()
    }
    /// Number of actions (items).
    #[wasm_bindgen(getter, js_name = nActions)]
    pub fn n_actions(&self) -> usize {
        self.log.n_actions()
    }
    /// Items per round.
    #[wasm_bindgen(getter, js_name = lenList)]
    pub fn len_list(&self) -> usize {
        self.log.len_list
    }
    /// The reward signal's name.
    #[wasm_bindgen(getter, js_name = rewardSignal)]
    pub fn reward_signal(&self) -> String {
        self.log.reward_signal.name().to_string()
    }
    /// Item of each row.
    #[wasm_bindgen(getter)]
    pub fn action(&self) -> Int32Array {
        i32_array(&self.log.action)
    }
    /// Position of each row (0-based).
    #[wasm_bindgen(getter)]
    pub fn position(&self) -> Int32Array {
        i32_array(&self.log.position)
    }
    /// Reward of each row.
    #[wasm_bindgen(getter)]
    pub fn reward(&self) -> Float64Array {
        f64_array(&self.log.reward)
    }
    /// Logging probability of the row's item at the row's position.
    #[wasm_bindgen(getter)]
    pub fn pscore(&self) -> Float64Array {
        f64_array(&self.log.pscore)
    }
    /// Logging probability of the round's whole ranking.
    #[wasm_bindgen(getter, js_name = pscoreSlate)]
    pub fn pscore_slate(&self) -> Float64Array {
        f64_array(&self.log.pscore_slate)
    }
    /// Logging probability of the ranking's prefix down to the row.
    #[wasm_bindgen(getter, js_name = pscoreCascade)]
    pub fn pscore_cascade(&self) -> Float64Array {
        f64_array(&self.log.pscore_cascade)
    }
    /// Round of each row.
    #[wasm_bindgen(getter, js_name = slateId)]
    pub fn slate_id(&self) -> Int32Array {
        i32_array(&self.log.slate_id)
    }
    /// User of each row.
    #[wasm_bindgen(getter)]
    pub fn user(&self) -> Int32Array {
        i32_array(&self.log.user)
    }
    /// Hidden session intent of each row (0 listening, 1 sampling).
    #[wasm_bindgen(getter)]
    pub fn intent(&self) -> Int32Array {
        Int32Array::from(&self.log.intent.iter().map(|&x| x as i32).collect::<Vec<_>>()[..])
    }
    /// Mixture component that acted in each row's round.
    #[wasm_bindgen(getter)]
    pub fn component(&self) -> Int32Array {
        i32_array(&self.log.component)
    }
    /// Whether the row's position was examined (hidden).
    #[wasm_bindgen(getter)]
    pub fn examined(&self) -> Int32Array {
        Int32Array::from(&self.log.examined.iter().map(|&x| x as i32).collect::<Vec<_>>()[..])
    }
    /// Explicit rating per row (NaN when none was given).
    #[wasm_bindgen(getter)]
    pub fn rating(&self) -> Float64Array {
        f64_array(&self.log.rating)
    }
    /// A signal's column.
    pub fn signal(
        &self,
        #[wasm_bindgen(js_name = name, unchecked_param_type = "SignalName")] signal: JsValue,
    ) -> JsResult<Float64Array> {
        let s = name("name", &signal).and_then(|n| Signal::by_name(&n, "name")).map_err(js_error)?;
        Ok(f64_array(self.log.signal(s)))
    }
    /// The same log with rewards computed elsewhere (one finite number per row).
    #[wasm_bindgen(js_name = withRewardValues)]
    pub fn with_reward_values(&self, values: JsValue) -> JsResult<LogHandle> {
        let v = f64_vec("values", &values).map_err(js_error)?;
        Ok(LogHandle { log: self.log.with_reward_values(v).map_err(js_error)? })
    }
    /// Declared intent per row (0 listening, 1 sampling, −1 not declared).
    #[wasm_bindgen(getter)]
    pub fn declared(&self) -> Int32Array {
        Int32Array::from(&self.log.declared.iter().map(|&x| x as i32).collect::<Vec<_>>()[..])
    }
    /// The same log with another signal as the reward.
    #[wasm_bindgen(js_name = withReward)]
    pub fn with_reward(
        &self,
        #[wasm_bindgen(js_name = name, unchecked_param_type = "SignalName")] signal: JsValue,
    ) -> JsResult<LogHandle> {
        let s = name("name", &signal).and_then(|n| Signal::by_name(&n, "name")).map_err(js_error)?;
        let mut log = self.log.clone();
        log.reward = log.signal(s).to_vec();
        log.reward_signal = s;
        Ok(LogHandle { log })
    }
    /// A policy's probabilities in the logged contexts, flat nRounds × nActions × lenList (OBP's action_dist).
    #[wasm_bindgen(js_name = actionDist)]
    pub fn action_dist(&self, #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] policy: JsValue) -> JsResult<Float64Array> {
        let run = || -> Result<Vec<f64>> {
            let p = compile(self.log.world(), &policy, "policy")?;
            self.log.action_dist(&p)
        };
        Ok(f64_array(&run().map_err(js_error)?))
    }
    /// The logging policy's action_dist (OBP's pi_b).
    #[wasm_bindgen(js_name = piB)]
    pub fn pi_b(&self) -> JsResult<Float64Array> {
        Ok(f64_array(&self.log.pi_b().map_err(js_error)?))
    }
    /// True expected rewards, flat nRounds × nActions × lenList (options: `{ reward }`).
    #[wasm_bindgen(js_name = expectedReward)]
    pub fn expected_reward(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ reward?: SignalName }")] options: Option<JsValue>,
    ) -> JsResult<Float64Array> {
        let s = reward_option(&options).map_err(js_error)?;
        Ok(f64_array(&self.log.expected_reward(s).map_err(js_error)?))
    }
    /// A reward model's predictions for every row, action and position (estimatedRewardsByRegModel).
    #[wasm_bindgen(js_name = rewardModel)]
    pub fn reward_model(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RewardModelConfig")] spec: Option<JsValue>,
    ) -> JsResult<Float64Array> {
        let run = || -> Result<Vec<f64>> {
            let (model, cross) = RewardModelSpec::from_value_cross(&opt_config(&spec, "spec")?, "spec")?;
            model.fit_cross(&self.log, cross)
        };
        Ok(f64_array(&run().map_err(js_error)?))
    }
    /// The estimator input for a target policy: `{ reward, action, pscore, position, actionDist,
    /// estimatedRewardsByRegModel?, piB?, nActions, lenList, nRounds }` (options: `{ rewardModel }`).
    #[wasm_bindgen(js_name = banditInput, unchecked_return_type = "BanditInput")]
    pub fn bandit_input(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] target: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ rewardModel?: RewardModelConfig }")] options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let run = || -> Result<Object> {
            let p = compile(self.log.world(), &target, "target")?;
            let v = opt_config(&options, "options")?;
            let o = crate::config::Obj::new(&v, "options")?;
            let q = match o.get("rewardModel") {
                Some(m) => {
                    let (model, cross) = RewardModelSpec::from_value_cross(m, "options.rewardModel")?;
                    Some(model.fit_cross(&self.log, cross)?)
                }
                None => None,
            };
            o.finish_with(&["rewardModel"])?;
            let d = self.log.bandit_data(&p, q)?;
            let obj = Object::new();
            set(&obj, "reward", f64_array(&d.reward));
            set(&obj, "action", i32_array(&d.action));
            set(&obj, "pscore", f64_array(&d.pscore));
            set(&obj, "position", i32_array(&self.log.position));
            set(&obj, "actionDist", f64_array(&d.action_dist));
            if let Some(q) = &d.estimated_rewards_by_reg_model {
                set(&obj, "estimatedRewardsByRegModel", f64_array(q));
            }
            if let Some(pb) = &d.pi_b {
                set(&obj, "piB", f64_array(pb));
            }
            set(&obj, "nActions", d.n_actions as f64);
            set(&obj, "lenList", d.len_list as f64);
            set(&obj, "nRounds", d.reward.len() as f64);
            Ok(obj)
        };
        Ok(run().map_err(js_error)?.into())
    }
    /// The slate-estimator input for a ranking target policy (OBP's slate names in camelCase).
    /// `options.rewardModel` fills Cascade-DR's `qHat`: "cumulative" (default: the exact expected
    /// reward from each slot to the end, the model Cascade-DR needs), "fitted" (a recursive model
    /// fitted on the log, as OBP's SlateRegressionModel) or "immediate" (the reward at the slot
    /// only: not Cascade-DR's model, to show what goes wrong).
    #[wasm_bindgen(js_name = slateInput, unchecked_return_type = "SlateInput")]
    pub fn slate_input(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] target: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ rewardModel?: \"cumulative\" | \"fitted\" | \"immediate\" }")] options: Option<
            JsValue,
        >,
    ) -> JsResult<JsValue> {
        let run = || -> Result<Object> {
            let p = compile(self.log.world(), &target, "target")?;
            let v = opt_config(&options, "options")?;
            let o = crate::config::Obj::new(&v, "options")?;
            let model = crate::world::SlateRewardModel::by_name(
                o.choice("rewardModel", "cumulative", &["cumulative", "fitted", "immediate"])?,
                "options.rewardModel",
            )?;
            o.finish_with(&["rewardModel"])?;
            let s = crate::world::slate_feedback_with(&self.log, &p, model)?;
            let obj = Object::new();
            set(&obj, "slateId", i32_array(&self.log.slate_id));
            set(&obj, "position", i32_array(&self.log.position));
            set(&obj, "action", i32_array(&self.log.action));
            set(&obj, "reward", f64_array(&self.log.reward));
            set(&obj, "lenList", self.log.len_list as f64);
            set(&obj, "nUniqueAction", self.log.n_actions() as f64);
            set(&obj, "pscore", f64_array(&self.log.pscore_slate));
            set(&obj, "pscoreItemPosition", f64_array(&self.log.pscore));
            set(&obj, "pscoreCascade", f64_array(&self.log.pscore_cascade));
            set(&obj, "evaluationPolicyPscore", f64_array(&s.pscore));
            set(&obj, "evaluationPolicyPscoreItemPosition", f64_array(&s.pscore_item_position));
            set(&obj, "evaluationPolicyPscoreCascade", f64_array(&s.pscore_cascade));
            set(&obj, "evaluationPolicyActionDist", f64_array(&s.action_dist));
            set(&obj, "evaluationPolicyItemPositionDist", f64_array(&s.item_position_dist));
            set(&obj, "qHat", f64_array(&s.q_hat));
            Ok(obj)
        };
        Ok(run().map_err(js_error)?.into())
    }
    /// π_e of each logged action at its logged position (one value per row): what a target policy
    /// thinks of what was shown.
    #[wasm_bindgen(js_name = targetPscore)]
    pub fn target_pscore(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] target: JsValue,
    ) -> JsResult<Float64Array> {
        let run = || -> Result<Vec<f64>> {
            let p = compile(self.log.world(), &target, "target")?;
            if self.log.len_list == 1 {
                Ok((0..self.log.n_rows()).map(|r| p.probs(self.log.user[r] as usize)[self.log.action[r] as usize]).collect())
            } else {
                let dist = self.log.action_dist(&p)?;
                let (ni, l) = (self.log.n_actions(), self.log.len_list);
                Ok((0..self.log.n_rows())
                    .map(|r| dist[(r * ni + self.log.action[r] as usize) * l + self.log.position[r] as usize])
                    .collect())
            }
        };
        Ok(f64_array(&run().map_err(js_error)?))
    }

    /// Evaluate a target policy on this log with several estimators, inside Wasm (no arrays cross
    /// to JS): like `summarizeOffPolicyEstimates(log.banditInput(target, …), estimators, options)`.
    /// `options`: the interval options, plus `rewardModel` and `groundTruth`.
    #[wasm_bindgen(unchecked_return_type = "SummaryRow[]")]
    pub fn summarize(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] target: JsValue,
        #[wasm_bindgen(
            unchecked_param_type = "Array<StandardEstimatorName | { estimatorName: StandardEstimatorName; lambda?: number }>"
        )]
        estimators: Option<JsValue>,
        #[wasm_bindgen(unchecked_param_type = "IntervalOptions & { rewardModel?: RewardModelConfig; groundTruth?: number }")]
        options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let run = || -> Result<Vec<super::estimators::SummaryRow>> {
            let p = compile(self.log.world(), &target, "target")?;
            let q = match options.as_ref().filter(|o| o.is_object()).map(|o| field(o, "rewardModel")).transpose()?.flatten() {
                Some(m) => {
                    let (model, cross) =
                        RewardModelSpec::from_value_cross(&config_value(&m, "options.rewardModel")?, "options.rewardModel")?;
                    Some(model.fit_cross(&self.log, cross)?)
                }
                None => None,
            };
            let data = self.log.bandit_data(&p, q)?;
            super::estimators::summarize_data(&data, &estimators, &options, &["rewardModel"]).map_err(|e| {
                if e.argument() == "estimatedRewardsByRegModel" {
                    Error::invalid(
                        "options.rewardModel",
                        format!(
                            "is required by model-based estimators ({}): pass one, e.g. {{ kind: \"tabular\" }} or {{ kind: \"true\" }}",
                            e.message().split(':').next().unwrap_or_default()
                        ),
                    )
                } else {
                    e
                }
            })
        };
        to_js(&run().map_err(js_error)?)
    }

    /// Offline ranking metrics of a candidate policy on this log's clicks: `{ precision, recall,
    /// ndcg, users }` at cut-off `k` (options: `{ k = 10, weighting: "none" | "ipw" }`).
    #[wasm_bindgen(js_name = rankingMetrics, unchecked_return_type = "{ precision: number; recall: number; ndcg: number; users: number }")]
    pub fn ranking_metrics(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PolicyConfig")] candidate: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ k?: number; weighting?: \"none\" | \"ipw\" }")] options: Option<JsValue>,
    ) -> JsResult<JsValue> {
        #[derive(Serialize)]
        struct Out {
            precision: f64,
            recall: f64,
            ndcg: f64,
            users: usize,
        }
        let run = || -> Result<Out> {
            let p = compile(self.log.world(), &candidate, "candidate")?;
            let v = opt_config(&options, "options")?;
            let o = crate::config::Obj::new(&v, "options")?;
            let k = o.integer("k", 10.min(self.log.n_actions() as u64), 1, self.log.n_actions() as u64)? as usize;
            let ipw = o.choice("weighting", "none", &["none", "ipw"])? == "ipw";
            o.finish_with(&["k", "weighting"])?;
            let m = crate::metrics::ranking_metrics(&self.log, &p.score_table(), k, ipw)?;
            Ok(Out { precision: m.precision, recall: m.recall, ndcg: m.ndcg, users: m.users })
        };
        to_js(&run().map_err(js_error)?)
    }

    /// Probability that the user examined each row's position, given the items logged above it
    /// (the position-bias propensity: (1/(k+1))^η, or the cascade's chance of reaching k).
    #[wasm_bindgen(js_name = examinationPropensity)]
    pub fn examination_propensity(&self) -> Float64Array {
        f64_array(&self.log.examination_propensity())
    }

    /// Mean logged reward per round (the naive estimate of any policy).
    #[wasm_bindgen(js_name = naiveValue)]
    pub fn naive_value(&self) -> f64 {
        self.log.naive_value()
    }
    /// Rows of one market and/or one logger component: `{ market?, component? }`. With a component
    /// (e.g. 1, the uniform bucket of a mixture), the rows carry that component's own propensities
    /// and the subset's logging policy is that component.
    pub fn subset(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ market?: number; component?: number }")] filter: JsValue,
    ) -> JsResult<LogHandle> {
        let run = || -> Result<Log> {
            let v = config_value(&filter, "filter")?;
            let o = crate::config::Obj::new(&v, "filter")?;
            let market = if o.has("market") { Some(o.integer("market", 0, 0, 64)? as u32) } else { None };
            let component = if o.has("component") { Some(o.integer("component", 0, 0, 64)? as u32) } else { None };
            o.finish_with(&["market", "component"])?;
            let w = self.log.world().clone();
            Ok(self.log.subset(|r| {
                market.is_none_or(|m| w.user_market()[self.log.user[r] as usize] == m)
                    && component.is_none_or(|c| self.log.component[r] == c)
            }))
        };
        Ok(LogHandle { log: run().map_err(js_error)? })
    }
    /// OBP's `bandit_feedback` (snake_case keys: n_rounds, n_actions, action, position, reward,
    /// pscore, context, action_context, pi_b, len_list) with typed arrays.
    #[wasm_bindgen(js_name = toObp)]
    pub fn to_obp(&self) -> JsResult<JsValue> {
        let fb = crate::world::obp_feedback(&self.log);
        let obj = Object::new();
        set(&obj, "n_rounds", fb.n_rounds as f64);
        set(&obj, "n_actions", fb.n_actions as f64);
        set(&obj, "len_list", fb.len_list as f64);
        set(&obj, "action", i32_array(&fb.action));
        set(&obj, "position", i32_array(&fb.position));
        set(&obj, "reward", f64_array(&fb.reward));
        set(&obj, "pscore", f64_array(&fb.pscore));
        set(&obj, "context", f64_array(&fb.context));
        set(&obj, "context_dim", fb.context_dim as f64);
        set(&obj, "action_context", f64_array(&fb.action_context));
        set(&obj, "action_context_dim", fb.action_context_dim as f64);
        if let Some(pb) = &fb.pi_b {
            set(&obj, "pi_b", f64_array(pb));
        }
        Ok(obj.into())
    }
    /// OBP's `bandit_feedback` as JSON text (nested arrays with OBP's shapes; load in Python with
    /// `json.load` and `np.asarray`).
    #[wasm_bindgen(js_name = toObpJson)]
    pub fn to_obp_json(&self) -> String {
        crate::world::obp_feedback(&self.log).to_json()
    }
    /// The log as CSV.
    #[wasm_bindgen(js_name = toCsv)]
    pub fn to_csv(&self) -> String {
        self.log.to_csv()
    }
}

impl LogHandle {
    /// The core log.
    pub fn inner(&self) -> &Log {
        &self.log
    }
}

/// Replicated experiments: bias, spread, RMSE and coverage of estimators against the truth.
#[wasm_bindgen(js_name = Lab)]
pub struct LabHandle {
    lab: Lab,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EstimateOut {
    value: f64,
    lower: f64,
    upper: f64,
    n: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReplicateOut {
    index: usize,
    estimates: Vec<EstimateOut>,
    ess: f64,
    max_weight: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryOut {
    label: String,
    estimator_name: String,
    lambda: Option<f64>,
    component: Option<usize>,
    failed: usize,
    mean: f64,
    bias: f64,
    sd: f64,
    rmse: f64,
    coverage: f64,
    mean_width: f64,
    mean_se: f64,
}

#[wasm_bindgen(js_class = Lab)]
impl LabHandle {
    /// Prepare a lab on a world: `{ logger, target, nRounds, replicates, seed, estimators,
    /// rewardModel, alpha, nBootstrapSamples, reward }`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        world: &WorldHandle,
        #[wasm_bindgen(unchecked_param_type = "LabScenario")] scenario: JsValue,
    ) -> JsResult<LabHandle> {
        let run = || -> Result<Lab> {
            let s = Scenario::from_value(&config_value(&scenario, "scenario")?)?;
            Lab::new(world.world.clone(), s)
        };
        Ok(LabHandle { lab: run().map_err(js_error)? })
    }
    /// The target policy's exact value.
    #[wasm_bindgen(getter)]
    pub fn truth(&self) -> f64 {
        self.lab.truth()
    }
    /// Replicates run so far.
    #[wasm_bindgen(getter, js_name = replicatesDone)]
    pub fn replicates_done(&self) -> usize {
        self.lab.replicates_done()
    }
    /// Replicates in the scenario.
    #[wasm_bindgen(getter, js_name = replicatesTotal)]
    pub fn replicates_total(&self) -> usize {
        self.lab.scenario().replicates
    }
    /// Estimator labels, in order.
    #[wasm_bindgen(getter, unchecked_return_type = "string[]")]
    pub fn labels(&self) -> JsResult<JsValue> {
        to_js(&self.lab.scenario().estimators.iter().map(|e| e.label.clone()).collect::<Vec<_>>())
    }
    /// Run up to `n` more replicates; returns them.
    #[wasm_bindgen(unchecked_return_type = "LabReplicate[]")]
    pub fn step(&mut self, #[wasm_bindgen(unchecked_param_type = "number")] n: JsValue) -> JsResult<JsValue> {
        let n = integer("n", &n, 1e9).map_err(js_error)?;
        let reps = self.lab.step(n as usize).map_err(js_error)?;
        let out: Vec<ReplicateOut> = reps
            .into_iter()
            .map(|r| ReplicateOut {
                index: r.index,
                estimates: r
                    .estimates
                    .iter()
                    .map(|e| EstimateOut { value: e.value, lower: e.lower, upper: e.upper, n: e.n })
                    .collect(),
                ess: r.ess,
                max_weight: r.max_weight,
            })
            .collect();
        to_js(&out)
    }
    /// Summaries over the replicates run so far.
    #[wasm_bindgen(unchecked_return_type = "LabSummary[]")]
    pub fn summary(&self) -> JsResult<JsValue> {
        let out: Vec<SummaryOut> = self
            .lab
            .summary()
            .into_iter()
            .map(|s| SummaryOut {
                label: s.spec.label,
                estimator_name: s.spec.name,
                lambda: s.spec.lambda,
                component: s.spec.component,
                failed: s.failed,
                mean: s.mean,
                bias: s.bias,
                sd: s.sd,
                rmse: s.rmse,
                coverage: s.coverage,
                mean_width: s.mean_width,
                mean_se: s.mean_se,
            })
            .collect();
        to_js(&out)
    }
    /// Run every remaining replicate and return the summaries.
    #[wasm_bindgen(unchecked_return_type = "LabSummary[]")]
    pub fn run(&mut self) -> JsResult<JsValue> {
        let total = self.lab.scenario().replicates;
        self.lab.step(total).map_err(js_error)?;
        self.summary()
    }
}
