#![cfg(not(target_arch = "wasm32"))]
//! The Open Bandit Dataset sample shipped in www/data/obd/ (random and Bernoulli-TS logs of the same
//! traffic): it parses with its documented counts, click rates and propensities, and feeds the
//! estimators.

use receval::estimators::estimate_policy_value;
use receval::obd::{ObdLog, parse_obd_csv};

fn load(file: &str) -> ObdLog {
    let path = format!("{}/www/data/obd/{file}", env!("CARGO_MANIFEST_DIR"));
    parse_obd_csv(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

#[test]
fn the_shipped_sample_has_its_documented_counts_rates_and_propensities() {
    let random = load("random_all.csv");
    let bts = load("bts_all.csv");
    for log in [&random, &bts] {
        assert_eq!(log.n_rounds(), 10_000);
        assert_eq!(log.n_actions, 80);
        assert_eq!(log.len_list, 3);
        assert!(log.position.iter().all(|&k| k < 3));
        assert!(log.pscore.iter().all(|&p| p > 0.0 && p <= 1.0));
        // sorted by time, as OBD's loader does
        assert!(log.timestamp.windows(2).all(|w| w[0] <= w[1]));
    }
    // 38 and 42 clicks in 10,000 impressions
    assert_eq!(random.reward.iter().sum::<f64>(), 38.0);
    assert_eq!(bts.reward.iter().sum::<f64>(), 42.0);
    assert!((random.ctr() - 0.0038).abs() < 1e-15 && (bts.ctr() - 0.0042).abs() < 1e-15);
    // the random policy picks each of the 80 items with probability 1/80; Thompson sampling does not
    assert!(random.pscore.iter().all(|&p| p == 1.0 / 80.0));
    assert!(bts.pscore.iter().any(|&p| (p - 1.0 / 80.0).abs() > 1e-3));

    // BTS's click rate estimated from the random log: every estimator gives a finite rate of the
    // right order (the lesson compares them with the on-policy 0.0042).
    let dist = bts.empirical_action_dist();
    let q = random.tabular_reward_model(10.0);
    let data = random.bandit_data(&dist, Some(&q)).unwrap();
    for name in ["dm", "ipw", "snipw", "dr", "sndr"] {
        let v = estimate_policy_value(name, &data.view().unwrap(), None).unwrap();
        assert!(v > 0.0 && v < 0.02, "{name} = {v}");
    }
}
