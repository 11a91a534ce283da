#![cfg(not(target_arch = "wasm32"))]
//! Exact parity with Open Bandit Pipeline 0.5.7 on its own output (fixtures produced by obp
//! itself; see tests/fixtures/obp/README.md): every estimator, every λ, every evaluation policy,
//! point estimates and per-round values to 1e-9; bootstrap intervals within a quarter of OBP's
//! width at each end (exact digits depend on the random generator).

mod common;
use common::*;
use receval::estimators::{
    BanditFeedback, BanditFeedbackParts, BootstrapOptions, IntervalMethod, PreparedSlateEstimate, SlateEstimator,
    SlateFeedbackParts, estimate_interval, estimate_policy_value, estimate_round_rewards,
};

const TOL: f64 = 1e-9;

fn lambda_of(kwargs: &serde_json::Value) -> Option<f64> {
    kwargs.get("lambda_").map(float)
}

fn check_interval(label: &str, ours: receval::estimators::Interval, obp: &serde_json::Value) {
    let (lo, hi) = (float(&obp["lower"]), float(&obp["upper"]));
    if lo.is_nan() {
        return;
    }
    let quarter = 0.25 * (hi - lo);
    // the bootstrap mean too (our resamples are not numpy's, so within the same quarter), and an
    // interval contains its own mean
    let mean = float(&obp["mean"]);
    assert!((ours.mean - mean).abs() <= quarter, "{label}: mean {} vs OBP {mean} (allowed ±{quarter})", ours.mean);
    assert!(ours.lower <= ours.mean && ours.mean <= ours.upper, "{label}: {ours:?} does not contain its mean");
    assert!((ours.lower - lo).abs() <= quarter, "{label}: lower {} vs OBP {lo} (allowed ±{quarter})", ours.lower);
    assert!((ours.upper - hi).abs() <= quarter, "{label}: upper {} vs OBP {hi} (allowed ±{quarter})", ours.upper);
}

#[test]
fn standard_estimators_match_obp_exactly() {
    let fx = fixture("standard_binary_beta-3.json.gz");
    let inp = &fx["inputs"];
    let reward = floats(&inp["reward"]);
    let action = indices(&inp["action"]);
    let pscore = floats(&inp["pscore"]);
    let q = floats(&inp["estimated_rewards_by_reg_model"]);
    let n_actions = inp["n_actions"].as_u64().unwrap() as usize;
    let boot = &fx["config"]["bootstrap"];
    let options = BootstrapOptions {
        alpha: float(&boot["alpha"]),
        n_bootstrap_samples: boot["n_bootstrap_samples"].as_u64().unwrap() as usize,
        random_state: Some(12345),
    };
    let mut checked = 0;
    for (policy, p) in fx["policies"].as_object().unwrap() {
        let action_dist = floats(&p["action_dist"]);
        let data = BanditFeedback::new(BanditFeedbackParts {
            reward: &reward,
            action: &action,
            pscore: &pscore,
            position: None,
            action_dist: &action_dist,
            estimated_rewards_by_reg_model: Some(&q),
            pi_b: None,
            n_actions,
            len_list: 1,
        })
        .unwrap();
        for (key, e) in p["estimators"].as_object().unwrap() {
            let name = key.split("_lambda").next().unwrap();
            let lambda = lambda_of(&e["kwargs"]);
            let label = format!("{policy}/{key}");
            let want = float(&e["estimate_policy_value"]);
            let got = estimate_policy_value(name, &data, lambda).unwrap();
            assert!(close(got, want, TOL), "{label}: {got} vs OBP {want}");
            let want_rr = floats(&e["round_rewards"]);
            let got_rr = estimate_round_rewards(name, &data, lambda).unwrap();
            assert_eq!(got_rr.len(), want_rr.len());
            for (i, (g, w)) in got_rr.iter().zip(&want_rr).enumerate() {
                assert!(close(*g, *w, TOL), "{label} round {i}: {g} vs OBP {w}");
            }
            // OBP's own procedure matches OBP's interval for every estimator …
            let iv = estimate_interval(name, &data, lambda, IntervalMethod::ObpBootstrap(options)).unwrap();
            check_interval(&label, iv, &e["interval_bootstrap"]);
            // … and receval's default (resample, then renormalize) is the same procedure for every
            // estimator without a normalizer.
            if !matches!(name, "snipw" | "sndr" | "rm") {
                let iv = estimate_interval(name, &data, lambda, IntervalMethod::Bootstrap(options)).unwrap();
                check_interval(&label, iv, &e["interval_bootstrap"]);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 23, "every estimator variant of every policy");
}

#[test]
fn slate_estimators_match_obp_exactly() {
    let fx = fixture("slate_cascade_additive_noclick_uniform.json.gz");
    let inp = &fx["inputs"];
    let get = |k: &str| floats(&inp[k]);
    let (slate_id, position, action) = (indices(&inp["slate_id"]), indices(&inp["position"]), indices(&inp["action"]));
    let reward = get("reward");
    let arrays: Vec<Vec<f64>> = [
        "pscore",
        "evaluation_policy_pscore",
        "pscore_item_position",
        "evaluation_policy_pscore_item_position",
        "pscore_cascade",
        "evaluation_policy_pscore_cascade",
        "q_hat",
        "evaluation_policy_action_dist",
    ]
    .iter()
    .map(|k| get(k))
    .collect();
    let len_list: usize =
        inp["len_list"].as_str().map(|s| s.parse().unwrap()).or(inp["len_list"].as_u64().map(|x| x as usize)).unwrap();
    let n_unique: usize = inp["n_unique_action"]
        .as_str()
        .map(|s| s.parse().unwrap())
        .or(inp["n_unique_action"].as_u64().map(|x| x as usize))
        .unwrap();
    let parts = SlateFeedbackParts {
        slate_id: &slate_id,
        position: &position,
        reward: &reward,
        len_list,
        pscore: Some(&arrays[0]),
        evaluation_policy_pscore: Some(&arrays[1]),
        pscore_item_position: Some(&arrays[2]),
        evaluation_policy_pscore_item_position: Some(&arrays[3]),
        pscore_cascade: Some(&arrays[4]),
        evaluation_policy_pscore_cascade: Some(&arrays[5]),
        action: Some(&action),
        n_unique_action: Some(n_unique),
        q_hat: Some(&arrays[6]),
        evaluation_policy_action_dist: Some(&arrays[7]),
        evaluation_policy_item_position_dist: None,
    };
    let boot = &fx["config"]["bootstrap"];
    let options = BootstrapOptions {
        alpha: 0.05,
        n_bootstrap_samples: boot["n_bootstrap_samples"].as_u64().unwrap() as usize,
        random_state: Some(1),
    };
    let mut checked = 0;
    for (key, e) in fx["estimators"].as_object().unwrap() {
        let est = SlateEstimator::by_name(key).unwrap();
        let prepared = PreparedSlateEstimate::new(est, parts).unwrap();
        let want = float(&e["estimate_policy_value"]);
        assert!(close(prepared.value(), want, TOL), "{key}: {} vs OBP {want}", prepared.value());
        let want_rr = floats(&e["slot_level_round_rewards"]);
        assert_eq!(prepared.round_rewards().len(), want_rr.len(), "{key}: one value per slot of every slate");
        for (i, (g, w)) in prepared.round_rewards().iter().zip(&want_rr).enumerate() {
            assert!(close(*g, *w, TOL), "{key} slot {i}: {g} vs OBP {w}");
        }
        check_interval(key, prepared.bootstrap_obp(&options).unwrap(), &e["interval_bootstrap"]);
        if !key.starts_with("sn") {
            check_interval(key, prepared.bootstrap(&options).unwrap(), &e["interval_bootstrap"]);
        }
        checked += 1;
    }
    assert_eq!(checked, 7);
}

/// λ as the fixtures write it (a number or "Infinity").
fn lambdas_of(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(float).collect()
}

#[test]
fn lambda_tuning_matches_obp_exactly() {
    use receval::estimators::tuning::{TuningMethod, TuningOptions, tune};
    let fx = fixture("tuning_binary_beta-3.json.gz");
    let inp = &fx["inputs"];
    let reward = floats(&inp["reward"]);
    let action = indices(&inp["action"]);
    let pscore = floats(&inp["pscore"]);
    let q = floats(&inp["estimated_rewards_by_reg_model"]);
    let n_actions = inp["n_actions"].as_u64().unwrap() as usize;
    let options = BootstrapOptions { alpha: 0.05, n_bootstrap_samples: 1000, random_state: Some(12345) };
    let (mut checked, mut mse_scores, mut slope_widths) = (0, 0, 0);
    for (policy, p) in fx["policies"].as_object().unwrap() {
        let action_dist = floats(&p["action_dist"]);
        let data = BanditFeedback::new(BanditFeedbackParts {
            reward: &reward,
            action: &action,
            pscore: &pscore,
            position: None,
            action_dist: &action_dist,
            estimated_rewards_by_reg_model: Some(&q),
            pi_b: None,
            n_actions,
            len_list: 1,
        })
        .unwrap();
        for (key, e) in p["tuning_estimators"].as_object().unwrap() {
            assert!(e["error"].is_null(), "{key}: OBP raised");
            let label = format!("{policy}/{key}");
            let name = e["estimator_name"].as_str().unwrap();
            let k = &e["kwargs"];
            let opts = TuningOptions {
                lambdas: lambdas_of(&k["lambdas"]),
                method: TuningMethod::by_name(k["tuning_method"].as_str().unwrap()).unwrap(),
                use_bias_upper_bound: k["use_bias_upper_bound"].as_bool().unwrap(),
                delta: float(&k["delta"]),
            };
            let t = tune(name, &data, &opts).unwrap();
            assert_eq!(t.lambdas, lambdas_of(&e["lambdas_after_obp_sort"]), "{label}: sorted candidates");
            let best = float(&e["best_hyperparam"]);
            assert_eq!(t.best_lambda.to_bits(), best.to_bits(), "{label}: best λ {} vs OBP {best}", t.best_lambda);
            if let Some(scores) = e["estimated_mse_score_by_lambda"].as_array() {
                let ours = t.mse_scores.as_ref().unwrap();
                assert_eq!(ours.len(), scores.len(), "{label}");
                for (o, pair) in ours.iter().zip(scores) {
                    let want = float(&pair[1]);
                    assert!(close(*o, want, TOL * want.abs().max(1e-3)), "{label}: MSE score {o} vs OBP {want}");
                    mse_scores += 1;
                }
            }
            if let Some(d) = e["slope_diagnostics"].as_object() {
                let s = t.slope.as_ref().unwrap();
                let (theta, cnf) = (lambdas_of(&d["theta"]), lambdas_of(&d["cnf"]));
                assert_eq!(s.theta.len(), theta.len(), "{label}");
                for i in 0..theta.len() {
                    assert!(close(s.theta[i], theta[i], TOL), "{label}: θ[{i}] {} vs {}", s.theta[i], theta[i]);
                    assert!(close(s.cnf[i], cnf[i], TOL), "{label}: width[{i}] {} vs {}", s.cnf[i], cnf[i]);
                    slope_widths += 1;
                }
            }
            let want = float(&e["estimate_policy_value"]);
            let got = estimate_policy_value(name, &data, Some(t.best_lambda)).unwrap();
            assert!(close(got, want, TOL), "{label}: {got} vs OBP {want}");
            if e["interval_error"].is_null() {
                let iv = estimate_interval(name, &data, Some(t.best_lambda), IntervalMethod::ObpBootstrap(options)).unwrap();
                check_interval(&label, iv, &e["interval_bootstrap"]);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 432, "every tuning run of the fixture");
    assert!(mse_scores > 1000 && slope_widths > 1000, "{mse_scores} MSE scores, {slope_widths} SLOPE widths");
}

#[test]
fn mipw_and_multi_logger_estimators_match_obp_exactly() {
    use receval::estimators::embed::EmbedParts;
    use receval::estimators::multi::MultiParts;
    use receval::estimators::{Extra, estimate_any, interval_any, round_rewards_any};
    let options = BootstrapOptions { alpha: 0.05, n_bootstrap_samples: 1000, random_state: Some(12345) };
    let mut checked = 0;
    // MIPW (known p(e|a)); OBP's embedding selection (the _exact/_greedy records) is not implemented
    let fx = fixture("embed_binary_beta-3.json.gz");
    let inp = &fx["inputs"];
    let (reward, action, pscore) = (floats(&inp["reward"]), indices(&inp["action"]), floats(&inp["pscore"]));
    let (action_embed, pi_b, p_e_a) = (indices(&inp["action_embed"]), floats(&inp["pi_b"]), floats(&inp["p_e_a"]));
    let n_actions = inp["n_actions"].as_u64().unwrap() as usize;
    let n_cat = inp["p_e_a"]["shape"][1].as_u64().unwrap() as usize;
    for (policy, p) in fx["policies"].as_object().unwrap() {
        let action_dist = floats(&p["action_dist"]);
        let data = BanditFeedback::new(BanditFeedbackParts {
            reward: &reward,
            action: &action,
            pscore: &pscore,
            action_dist: &action_dist,
            n_actions,
            len_list: 1,
            ..Default::default()
        })
        .unwrap();
        let extra = Extra {
            embed: Some(EmbedParts { action_embed: &action_embed, pi_b: &pi_b, p_e_a: &p_e_a, n_cat_per_dim: n_cat }),
            multi: None,
        };
        for name in ["mipw", "snmipw"] {
            let e = &p["estimators"][name];
            let label = format!("{policy}/{name}");
            let want = float(&e["estimate_policy_value"]);
            let got = estimate_any(name, &data, None, &extra).unwrap();
            assert!(close(got, want, TOL), "{label}: {got} vs OBP {want}");
            let want_rr = floats(&e["round_rewards"]);
            let got_rr = round_rewards_any(name, &data, None, &extra).unwrap();
            assert_eq!(got_rr.len(), want_rr.len(), "{label}");
            for (i, (g, w)) in got_rr.iter().zip(&want_rr).enumerate() {
                assert!(close(*g, *w, TOL), "{label} round {i}: {g} vs OBP {w}");
            }
            let iv = interval_any(name, &data, None, &extra, IntervalMethod::ObpBootstrap(options)).unwrap();
            check_interval(&label, iv, &e["interval_bootstrap"]);
            checked += 1;
        }
    }
    // several loggers
    let fx = fixture("multi_loggers_binary.json.gz");
    let inp = &fx["inputs"];
    let (reward, action, pscore) = (floats(&inp["reward"]), indices(&inp["action"]), floats(&inp["pscore"]));
    let (pscore_avg, stratum) = (floats(&inp["pscore_avg"]), indices(&inp["stratum_idx"]));
    let q = floats(&inp["estimated_rewards_by_reg_model"]);
    let n_actions = inp["n_actions"].as_u64().unwrap() as usize;
    for (policy, p) in fx["policies"].as_object().unwrap() {
        let action_dist = floats(&p["action_dist"]);
        let data = BanditFeedback::new(BanditFeedbackParts {
            reward: &reward,
            action: &action,
            pscore: &pscore,
            action_dist: &action_dist,
            estimated_rewards_by_reg_model: Some(&q),
            n_actions,
            len_list: 1,
            ..Default::default()
        })
        .unwrap();
        let extra = Extra { embed: None, multi: Some(MultiParts { stratum_idx: &stratum, pscore_avg: &pscore_avg }) };
        for (key, e) in p["estimators"].as_object().unwrap() {
            let name = key.split("_lambda").next().unwrap();
            let lambda = lambda_of(&e["kwargs"]);
            let label = format!("{policy}/{key}");
            let want = float(&e["estimate_policy_value"]);
            let got = estimate_any(name, &data, lambda, &extra).unwrap();
            assert!(close(got, want, TOL), "{label}: {got} vs OBP {want}");
            let want_rr = floats(&e["round_rewards"]);
            let got_rr = round_rewards_any(name, &data, lambda, &extra).unwrap();
            assert_eq!(got_rr.len(), want_rr.len(), "{label}");
            for (i, (g, w)) in got_rr.iter().zip(&want_rr).enumerate() {
                assert!(close(*g, *w, TOL), "{label} round {i}: {g} vs OBP {w}");
            }
            // OBP 0.5.7's interval of the balanced estimators raises; compare with OBP's bootstrap
            // of the right round rewards, which the fixture records beside the error
            let obp_iv =
                if e["interval_error"].is_null() { &e["interval_bootstrap"] } else { &e["interval_bootstrap_corrected"] };
            let iv = interval_any(name, &data, lambda, &extra, IntervalMethod::ObpBootstrap(options)).unwrap();
            check_interval(&label, iv, obp_iv);
            checked += 1;
        }
    }
    assert_eq!(checked, 4 + 24);
}
