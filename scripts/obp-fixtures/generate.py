#!/usr/bin/env python3
"""Generate OBP 0.5.7 reference fixtures for three estimator families.

Writes (gzipped JSON, same conventions as tests/fixtures/obp/standard_binary_beta-3.json.gz):

  tests/fixtures/obp/tuning_binary_beta-3.json.gz
      obp.ope.estimators_tuning: IPW / DR / Switch-DR / DRos / SG-IPW / SG-DR with built-in
      hyperparameter tuning ("slope" and "mse"), on exactly the inputs of the standard fixture.
  tests/fixtures/obp/embed_binary_beta-3.json.gz
      obp.ope.estimators_embed: MIPW / SNMIPW with the true p(e|a) given (p_e_a).
  tests/fixtures/obp/multi_loggers_binary.json.gz
      obp.ope.estimators_multi: naive / balanced / weighted IPW and DR with 3 loggers.

Every number below is produced by OBP 0.5.7's own code; the script only feeds inputs, calls the
estimators and serialises what they return.  A few extra diagnostics (per-lambda SLOPE widths, per-subset
MIPW widths) are computed by calling OBP's own private methods/helpers, and are labelled as such.

Run with the pinned environment described in README.md next to this file:
    /work/obp-venv/bin/python scripts/obp-fixtures/generate.py [--out-dir tests/fixtures/obp]
"""
import argparse
import dataclasses
import datetime
import gzip
import itertools
import json
import math
import os
import platform
import sys
import warnings

import numpy as np
import scipy
import sklearn
import pandas

import obp
from obp.dataset import SyntheticBanditDataset
from obp.dataset import SyntheticBanditDatasetWithActionEmbeds
from obp.dataset import SyntheticMultiLoggersBanditDataset
from obp.dataset import logistic_reward_function
from obp.ope import DoublyRobust
from obp.ope import DoublyRobustTuning
from obp.ope import DoublyRobustWithShrinkage
from obp.ope import DoublyRobustWithShrinkageTuning
from obp.ope import InverseProbabilityWeighting
from obp.ope import InverseProbabilityWeightingTuning
from obp.ope import MarginalizedInverseProbabilityWeighting
from obp.ope import MultiLoggersBalancedDoublyRobust
from obp.ope import MultiLoggersBalancedInverseProbabilityWeighting
from obp.ope import MultiLoggersNaiveDoublyRobust
from obp.ope import MultiLoggersNaiveInverseProbabilityWeighting
from obp.ope import MultiLoggersWeightedDoublyRobust
from obp.ope import MultiLoggersWeightedInverseProbabilityWeighting
from obp.ope import SelfNormalizedMarginalizedInverseProbabilityWeighting
from obp.ope import SubGaussianDoublyRobust
from obp.ope import SubGaussianDoublyRobustTuning
from obp.ope import SubGaussianInverseProbabilityWeighting
from obp.ope import SubGaussianInverseProbabilityWeightingTuning
from obp.ope import SwitchDoublyRobust
from obp.ope import SwitchDoublyRobustTuning
from obp.ope.helper import estimate_student_t_lower_bound
from obp.utils import estimate_confidence_interval_by_bootstrap
from obp.utils import softmax

try:
    import torch  # obp/utils.py imports torch at module level; recorded for provenance only

    TORCH_VERSION = torch.__version__
except Exception:  # pragma: no cover
    TORCH_VERSION = None

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
N_ROUNDS = 2000
RANDOM_STATE = 12345
BOOT = dict(n_bootstrap_samples=1000, alpha=0.05, random_state=12345)
ENCODING_NOTE = (
    "Arrays are {shape, dtype, data}; data is row-major (C order) flattened. Floats are written with "
    "Python repr (round-trip exact). Non-finite floats are the strings 'NaN', 'Infinity', '-Infinity'."
)
Q_HAT_RECIPE = (
    "estimated_rewards_by_reg_model[i, a, 0] = expected_reward[i, a] + 0.1*sin(0.7*i + 1.3*a), clipped to [0,1]"
)


# ----------------------------------------------------------------------------------------------------------
# serialisation helpers (same conventions as the existing fixtures)
# ----------------------------------------------------------------------------------------------------------
def fnum(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def arr(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        data = [fnum(v) for v in a.ravel(order="C").tolist()]
    elif a.dtype.kind in "iub":
        data = [int(v) for v in a.ravel(order="C").tolist()]
    else:
        raise TypeError(a.dtype)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "data": data}


def jsonable(o):
    """Recursively convert numpy scalars / non-finite floats for json.dumps(allow_nan=False)."""
    if isinstance(o, dict):
        return {str(k): jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [jsonable(v) for v in o]
    if isinstance(o, (bool, np.bool_)):
        return bool(o)
    if isinstance(o, (int, np.integer)):
        return int(o)
    if isinstance(o, (float, np.floating)):
        return fnum(o)
    if isinstance(o, np.ndarray):
        return arr(o)
    return o


def lam_key(x):
    x = float(x)
    return "Infinity" if math.isinf(x) else repr(x)


def interval_dict(ci):
    keys = list(ci.keys())
    return {"mean": ci["mean"], "lower": ci[keys[1]], "upper": ci[keys[2]], "obp_keys": keys}


def run_capturing(fn):
    """Call fn(); return (value, error_string_or_None, [warning messages])."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            value, err = fn(), None
        except Exception as e:  # record OBP's own error
            value, err = None, f"{type(e).__name__}: {e}"
    msgs = []
    for m in w:
        s = str(m.message)
        if s not in msgs:
            msgs.append(s)
    return value, err, msgs


def class_defaults(cls):
    out = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING:
            d = f.default
            out[f.name] = d if isinstance(d, (int, float, str, bool, type(None))) else repr(d)
        elif f.default_factory is not dataclasses.MISSING:  # pragma: no cover
            out[f.name] = repr(f.default_factory())
        else:
            out[f.name] = "<required>"
    return out


def meta_block(generator_desc):
    return {
        "generator": "scripts/obp-fixtures/generate.py",
        "description": generator_desc,
        "obp_version": obp.__version__,
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "sklearn_version": sklearn.__version__,
        "pandas_version": pandas.__version__,
        "torch_version": TORCH_VERSION,
        "python_version": platform.python_version(),
        "generated_utc": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "encoding_note": ENCODING_NOTE,
    }


def write_fixture(path, obj):
    text = json.dumps(jsonable(obj), separators=(",", ":"), allow_nan=False)
    with open(path, "wb") as fh:
        with gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=9) as gz:
            gz.write(text.encode("utf-8"))
    return os.path.getsize(path), len(text)


def q_hat_rule(expected_reward):
    n, k = expected_reward.shape
    i = np.arange(n)[:, None]
    a = np.arange(k)[None, :]
    return np.clip(expected_reward + 0.1 * np.sin(0.7 * i + 1.3 * a), 0.0, 1.0)[:, :, None]


def eval_policies(expected_reward):
    """The standard fixture's evaluation policies (softmax_beta5, egreedy_eps0.1, greedy)."""
    n, k = expected_reward.shape
    greedy = np.zeros_like(expected_reward)
    greedy[np.arange(n), expected_reward.argmax(1)] = 1.0
    return {
        "softmax_beta5": (
            softmax(5 * expected_reward)[:, :, None],
            "pi_e(a|x) = softmax(5 * expected_reward[x, :]) computed with obp.utils.softmax (max-shifted)",
        ),
        "egreedy_eps0.1": (
            ((1 - 0.1) * greedy + 0.1 / k)[:, :, None],
            "pi_e = (1 - 0.1) * onehot(argmax_a expected_reward[x, a]) + 0.1 / n_actions",
        ),
        "greedy": (
            greedy[:, :, None],
            "deterministic pi_e = onehot(argmax_a expected_reward[x, a]) (ties -> lowest index)",
        ),
    }


def load_fixture_array(o):
    vals = [float(v.replace("Infinity", "inf")) if isinstance(v, str) else v for v in o["data"]]
    return np.array(vals, dtype=o["dtype"]).reshape(o["shape"])


# ----------------------------------------------------------------------------------------------------------
# (a) lambda tuning
# ----------------------------------------------------------------------------------------------------------
TUNING_FORMULAS = {
    "common": (
        "OBP sorts `lambdas` IN PLACE at __init__ (descending for ipw/dr/switch-dr, ascending for dr-os/sg-ipw/sg-dr); "
        "best_hyperparam is tuned once (cached on the instance) by `slope` or `mse`; then "
        "estimate = base(lambda_=best).estimate_policy_value(...) = mean(base(best)._estimate_round_rewards(...)); "
        "interval = base(best).estimate_interval(...) (bootstrap of those round rewards)."
    ),
    "slope": (
        "C = sqrt(6) - 1; for lam in lambdas (OBP-sorted order): rr = base(lam)._estimate_round_rewards(...); "
        "theta = rr.mean(); cnf = rr.mean() - estimate_student_t_lower_bound(rr, delta) where the lower bound is "
        "rr.mean() - sqrt(np.var(rr)/(n-1)) * scipy.stats.t(n-1).ppf(1-delta) (np.var is ddof=0; note cnf is "
        "computed as m - (m - ci), not ci); order = np.argsort(cnf_list)[::-1] (numpy default sort; stable for "
        "<=16 items, NaN sorts last so comes FIRST after reversal); accept order[0]; for i>=1: if "
        "all(|theta_accepted - theta_i| <= cnf_i + C*cnf_accepted) accept, else return lambdas[order[i-1]]; "
        "if all accepted return lambdas[order[-1]]. use_bias_upper_bound is NOT used by slope."
    ),
    "mse": (
        "score(lam) = np.var(rr_lam)/n + bias**2 with bias = |mean((w - w_hat_lam) * (r - q_hat(x_i,a_i)))| "
        "(q_hat = 0 for ipw / sg-ipw), plus, if use_bias_upper_bound: + sqrt(2*mean(w**2)*log(2/delta)/n) "
        "+ 2*max(w)*log(2/delta)/(3n) (added in that order); stored in estimated_mse_score_dict {lam: score} "
        "(insertion = OBP-sorted order); best = min(dict.items(), key=score)[0] (Python min: first minimum wins; "
        "a NaN in FIRST position wins, a NaN later never wins)."
    ),
    "w_hat": {
        "ipw": "min(w, lam)",
        "dr": "min(w, lam)",
        "switch-dr": "w * 1[w <= lam]",
        "dr-os": "lam*w/(w**2 + lam) if lam < inf else w",
        "sg-ipw": "w / (1 - lam + lam*w)",
        "sg-dr": "w / (1 - lam + lam*w)",
    },
    "round_rewards": {
        "ipw": "r_i * min(w_i, lam)",
        "dr": "DM_i + min(w_i, lam) * (r_i - q_i(a_i)),  DM_i = np.average(q_i(.), weights=pi_e(.|x_i))",
        "switch-dr": "DM_i + 1[w_i <= lam] * w_i * (r_i - q_i(a_i))",
        "dr-os": "DM_i + w_hat_i * (r_i - q_i(a_i)),  w_hat = lam*w/(w**2+lam) (lam<inf) else w",
        "sg-ipw": "r_i * w_i / (1 - lam + lam*w_i)",
        "sg-dr": "DM_i + w_i/(1 - lam + lam*w_i) * (r_i - q_i(a_i))",
    },
}

TUNING_CLASSES = [
    # (estimator_name, tuning class, base class, lambda grids)
    (
        "ipw",
        InverseProbabilityWeightingTuning,
        InverseProbabilityWeighting,
        {
            "grid_std": [1.0, 2.0, 5.0, 10.0, 50.0, 100.0, np.inf],
            "grid_wide": [20.0, 0.0, np.inf, 3.0, 0.5, 1000.0],
        },
    ),
    (
        "dr",
        DoublyRobustTuning,
        DoublyRobust,
        {
            "grid_std": [1.0, 2.0, 5.0, 10.0, 50.0, 100.0, np.inf],
            "grid_wide": [20.0, 0.0, np.inf, 3.0, 0.5, 1000.0],
        },
    ),
    (
        "switch-dr",
        SwitchDoublyRobustTuning,
        SwitchDoublyRobust,
        {
            "grid_std": [1.0, 2.0, 5.0, 10.0, 50.0, 100.0, np.inf],
            "grid_wide": [20.0, 0.0, np.inf, 3.0, 0.5, 1000.0],
        },
    ),
    (
        "dr-os",
        DoublyRobustWithShrinkageTuning,
        DoublyRobustWithShrinkage,
        {
            "grid_std": [0.0, 1.0, 10.0, 100.0, 1000.0, np.inf],
            "grid_wide": [500.0, 0.01, 10000.0, 0.1, 5.0, 50.0],
        },
    ),
    (
        "sg-ipw",
        SubGaussianInverseProbabilityWeightingTuning,
        SubGaussianInverseProbabilityWeighting,
        {
            "grid_std": [0.0, 0.01, 0.05, 0.1, 0.5, 1.0],
            "grid_wide": [0.9, 0.001, 0.3, 0.0, 0.7, 0.2],
        },
    ),
    (
        "sg-dr",
        SubGaussianDoublyRobustTuning,
        SubGaussianDoublyRobust,
        {
            "grid_std": [0.0, 0.01, 0.05, 0.1, 0.5, 1.0],
            "grid_wide": [0.9, 0.001, 0.3, 0.0, 0.7, 0.2],
        },
    ),
]
TUNING_METHODS = ["slope", "mse"]
TUNING_UBB = [True, False]
TUNING_DELTAS = [0.1, 0.05, 0.2]  # not 0.5: t.ppf(0.5) is ~6.6e-17, so every SLOPE width is rounding noise
ROUND_REWARDS_DELTA = 0.1  # round rewards are stored for the lambdas chosen by grid_std/delta=0.1 configs


def slope_diagnostics(base_cls, sorted_lambdas, delta, data):
    """Per-lambda theta/cnf exactly as OBP's _tune_hyperparam_with_slope computes them (not stored by OBP)."""
    thetas, cnfs = [], []
    for lam in sorted_lambdas:
        rr = base_cls(lam)._estimate_round_rewards(**data)
        thetas.append(rr.mean())
        cnf = rr.mean()
        cnf -= estimate_student_t_lower_bound(x=rr, delta=delta)
        cnfs.append(cnf)
    order = np.argsort(cnfs)[::-1]
    return {
        "note": "recomputed with OBP's own base estimator + obp.ope.helper.estimate_student_t_lower_bound; OBP does not store these",
        "lambdas": [float(x) for x in sorted_lambdas],
        "theta": thetas,
        "cnf": cnfs,
        "argsort_desc": [int(i) for i in order],
    }


def gen_tuning(out_dir, std_path):
    std = json.load(gzip.open(std_path, "rt"))
    si = std["inputs"]
    reward = load_fixture_array(si["reward"])
    action = load_fixture_array(si["action"])
    pscore = load_fixture_array(si["pscore"])
    q_hat = load_fixture_array(si["estimated_rewards_by_reg_model"])
    n = reward.shape[0]
    position = np.zeros(n, dtype=int)

    # Regenerate the dataset here only to report how close this machine gets (last-ulp differences in
    # expected_reward / pscore come from BLAS/SIMD kernels); the fixture uses the standard file's inputs.
    ds = SyntheticBanditDataset(
        n_actions=10,
        dim_context=5,
        reward_type="binary",
        reward_function=logistic_reward_function,
        beta=-3.0,
        random_state=RANDOM_STATE,
    )
    bf = ds.obtain_batch_bandit_feedback(n_rounds=N_ROUNDS)
    regen = {
        k: {
            "bit_identical": bool(np.array_equal(np.asarray(bf[k]).astype(float), load_fixture_array(si[k]).astype(float))),
            "max_abs_diff": float(np.max(np.abs(np.asarray(bf[k]).astype(float) - load_fixture_array(si[k]).astype(float)))),
        }
        for k in ["reward", "action", "context", "pscore", "expected_reward", "pi_b"]
    }

    out = {
        "meta": meta_block(
            "obp 0.5.7 estimators_tuning (SLOPE / MSE hyperparameter selection) on the standard fixture's logged data."
        ),
        "config": {
            "inputs_source": (
                "inputs (reward, action, pscore, estimated_rewards_by_reg_model, action_dist) are copied bit-for-bit "
                "from tests/fixtures/obp/standard_binary_beta-3.json.gz (SyntheticBanditDataset(n_actions=10, "
                "dim_context=5, reward_type='binary', reward_function=logistic_reward_function, beta=-3, "
                "random_state=12345), 2,000 rounds). Regenerating the dataset on another CPU can differ in the last "
                "ulp of expected_reward/pscore/pi_b, so always use the stored arrays."
            ),
            "regeneration_check_on_this_machine": regen,
            "q_hat_recipe": Q_HAT_RECIPE,
            "n_rounds": n,
            "bootstrap": BOOT,
            "tuning_methods": TUNING_METHODS,
            "use_bias_upper_bound": TUNING_UBB,
            "deltas": TUNING_DELTAS,
            "lambda_grids": {name: grids for name, _, _, grids in TUNING_CLASSES},
            "lambda_validation": {
                "ipw": "each lambda: int/float, 0 <= lam <= inf, not NaN",
                "dr": "each lambda: int/float, 0 <= lam <= inf, not NaN",
                "switch-dr": "each lambda: int/float, 0 <= lam <= inf, not NaN",
                "dr-os": "each lambda: int/float, 0 <= lam <= inf, not NaN",
                "sg-ipw": "each lambda: int/float, 0 <= lam <= 1, not NaN",
                "sg-dr": "each lambda: int/float, 0 <= lam <= 1, not NaN",
                "delta": "must be a Python float (int rejected), 0 <= delta <= 1",
                "lambdas": "must be a non-empty list (None -> TypeError 'lambdas must be a list')",
            },
            "key_format": "<estimator_name>-tuning_<method>_ubb<0|1>_delta<delta>_<grid>",
        },
        "estimators_meta": {
            "formulas": TUNING_FORMULAS,
            "defaults": {cls.__name__: class_defaults(cls) for _, cls, _, _ in TUNING_CLASSES},
            "base_defaults": {base.__name__: class_defaults(base) for _, _, base, _ in TUNING_CLASSES},
            "per_lambda_attributes": (
                "OBP 0.5.7 stores only: best_hyperparam (float, set on first estimate_policy_value/estimate_interval, "
                "then reused) and, for tuning_method='mse' only, estimated_mse_score_dict {lambda: score}. SLOPE "
                "stores nothing per lambda; `slope_diagnostics` here is recomputed with OBP's helpers."
            ),
        },
        "inputs": {
            "n_rounds": n,
            "n_actions": 10,
            "len_list": 1,
            "position": None,
            "position_note": "position=None in obp means all zeros; estimators index action_dist[i, a, 0]",
            "reward": arr(reward),
            "action": arr(action),
            "pscore": arr(pscore),
            "estimated_rewards_by_reg_model": arr(q_hat),
        },
        "policies": {},
    }

    cross_check = []
    for pname, pstd in std["policies"].items():
        action_dist = load_fixture_array(pstd["action_dist"])
        data = dict(
            reward=reward,
            action=action,
            pscore=pscore,
            action_dist=action_dist,
            estimated_rewards_by_reg_model=q_hat,
            position=position,
        )
        pol = {
            "description": pstd["description"],
            "action_dist": arr(action_dist),
            "ground_truth_policy_value": pstd["ground_truth_policy_value"],
            "round_rewards_by_lambda": {},
            "tuning_estimators": {},
        }
        for name, tcls, bcls, grids in TUNING_CLASSES:
            for gname, grid in grids.items():
                for method in TUNING_METHODS:
                    for ubb in TUNING_UBB:
                        for delta in TUNING_DELTAS:
                            key = f"{name}-tuning_{method}_ubb{int(ubb)}_delta{delta}_{gname}"
                            kwargs = dict(
                                lambdas=list(grid), tuning_method=method, use_bias_upper_bound=ubb, delta=delta
                            )
                            lam_arg = list(grid)

                            def build_and_run():
                                est = tcls(
                                    lambdas=lam_arg, tuning_method=method, use_bias_upper_bound=ubb, delta=delta
                                )
                                v = est.estimate_policy_value(
                                    reward=reward,
                                    action=action,
                                    action_dist=action_dist,
                                    pscore=pscore,
                                    estimated_rewards_by_reg_model=q_hat,
                                )
                                return est, v

                            res, err, warns = run_capturing(build_and_run)
                            est, value = res if res is not None else (None, None)
                            rec = {
                                "class": f"obp.ope.{tcls.__name__}",
                                "estimator_name": name,
                                "grid": gname,
                                "kwargs": kwargs,
                                "lambdas_after_obp_sort": [float(x) for x in lam_arg],
                                "error": err,
                            }
                            if err is None:
                                best = est.best_hyperparam
                                rec["best_hyperparam"] = float(best)
                                rec["estimated_mse_score_by_lambda"] = (
                                    [[float(k), v] for k, v in est.estimated_mse_score_dict.items()]
                                    if hasattr(est, "estimated_mse_score_dict")
                                    else None
                                )
                                rec["estimate_policy_value"] = value
                                ci, ierr, iwarns = run_capturing(
                                    lambda: est.estimate_interval(
                                        reward=reward,
                                        action=action,
                                        action_dist=action_dist,
                                        pscore=pscore,
                                        estimated_rewards_by_reg_model=q_hat,
                                        **BOOT,
                                    )
                                )
                                rec["interval_bootstrap"] = interval_dict(ci) if ierr is None else None
                                rec["interval_error"] = ierr
                                if method == "slope":
                                    rec["slope_diagnostics"], _, _ = run_capturing(
                                        lambda: slope_diagnostics(bcls, lam_arg, delta, data)
                                    )
                                # round rewards of the chosen lambda (OBP's base estimator, private method)
                                rr, _, rwarns = run_capturing(
                                    lambda: bcls(lambda_=best)._estimate_round_rewards(**data)
                                )
                                same = (
                                    (math.isnan(rr.mean()) and math.isnan(value)) or rr.mean() == value
                                )
                                rec["round_rewards_mean_equals_estimate"] = bool(same)
                                # stored only for grid_std + the default delta (keeps the file ~1 MB); the array
                                # depends only on (estimator, lambda), so any other config that picks a stored
                                # lambda points at it too; otherwise round_rewards_ref is null
                                bucket = pol["round_rewards_by_lambda"].setdefault(name, {})
                                lk = lam_key(best)
                                if lk not in bucket and delta == ROUND_REWARDS_DELTA and gname == "grid_std":
                                    bucket[lk] = arr(rr)
                                rec["round_rewards_ref"] = (name, lk)  # resolved after the loop
                                for wmsg in iwarns + rwarns:
                                    if wmsg not in warns:
                                        warns.append(wmsg)
                            rec["warnings"] = warns
                            pol["tuning_estimators"][key] = rec

                            # cross-check against the standard fixture's own tuning block
                            if gname == "grid_std" and ubb and delta == 0.1 and err is None:
                                old = pstd.get("tuning_estimators", {}).get(f"{name}-tuning_{method}")
                                if old is not None:
                                    ov = old["estimate_policy_value"]
                                    ov = float("nan") if ov == "NaN" else ov
                                    nv = value
                                    ok = (math.isnan(ov) and math.isnan(nv)) or ov == nv
                                    ok = ok and (
                                        float(str(old["best_hyperparam"]).replace("Infinity", "inf"))
                                        == rec["best_hyperparam"]
                                    )
                                    if old.get("interval_bootstrap") and rec.get("interval_bootstrap"):
                                        ok = ok and all(
                                            fnum(old["interval_bootstrap"][k]) == fnum(rec["interval_bootstrap"][k])
                                            for k in ("mean", "lower", "upper")
                                        )
                                    cross_check.append((pname, f"{name}-tuning_{method}", ok))
        for rec in pol["tuning_estimators"].values():
            if "round_rewards_ref" in rec:
                name, lk = rec["round_rewards_ref"]
                stored = lk in pol["round_rewards_by_lambda"].get(name, {})
                rec["round_rewards_ref"] = f"round_rewards_by_lambda.{name}.{lk}" if stored else None
        out["policies"][pname] = pol

    n_ok = sum(1 for c in cross_check if c[2])
    out["config"]["cross_check_with_standard_fixture"] = {
        "compared": len(cross_check),
        "identical": n_ok,
        "mismatches": [f"{p}:{k}" for p, k, ok in cross_check if not ok],
        "what": "estimate, best_hyperparam and bootstrap interval of <est>-tuning_<method> (grid_std, ubb=True, delta=0.1) vs the standard fixture",
    }
    path = os.path.join(out_dir, "tuning_binary_beta-3.json.gz")
    size = write_fixture(path, out)
    return path, size, out


# ----------------------------------------------------------------------------------------------------------
# (b) MIPW with action embeddings
# ----------------------------------------------------------------------------------------------------------
EMBED_FORMULAS = {
    "mipw": (
        "with p_e_a given (shape n_actions x n_cat_per_dim x n_emb_dim): p(e_i|a) = prod_d p_e_a[a, e_id, d]; "
        "w_i = sum_a pi_e(a|x_i) p(e_i|a) / sum_a pi_b(a|x_i) p(e_i|a); round reward = r_i * w_i; "
        "estimate = mean(round rewards) (embedding_selection_method=None or action_embed has 1 column). pscore is not used."
    ),
    "snmipw": (
        "with p_e_a given: w_i = prod_d (sum_a pi_e(a|x_i) p_e_a[a, e_id, d]) / prod_d (sum_a pi_b(a|x_i) p_e_a[a, e_id, d]) "
        "(product of per-dimension MARGINALS, unlike mipw's joint); round reward = r_i * w_i / mean(w); "
        "estimate = mean(round rewards) = sum(r w)/sum(w)."
    ),
    "embedding_selection": (
        "'exact'/'greedy' (only when action_embed has >1 column): each candidate dimension subset S gets "
        "(theta, cnf) = (mean(r*w_S), sqrt(np.var(r*w_S)/(n-1)) * t.ppf(1 - delta/2, n-1)) from "
        "_estimate_round_rewards(with_dev=True) -- for snmipw this is the UNNORMALISED mean with snmipw's marginal-product "
        "weights; C = sqrt(6)-1. exact: start with the full set, then for size = D-1 .. min_emb_dim, candidates of that "
        "size (itertools.combinations order) in np.argsort(cnf)[::-1] order; accept if all(|theta_acc - theta_i| <= "
        "cnf_i + C*cnf_acc), else return theta_acc[-1] (last accepted). greedy: start with all dims; repeatedly try "
        "dropping each remaining dim, same acceptance test over candidates in descending-cnf order, the last accepted "
        "candidate's dropped dim is removed, stop at min_emb_dim. BOTH return `theta_j[-1]` where theta_j is the "
        "array of accepted thetas captured BEFORE the last acceptance, so when every candidate is accepted the "
        "returned value is the second-to-last accepted theta (a quirk of OBP 0.5.7)."
    ),
    "interval": (
        "estimate_interval always bootstraps _estimate_round_rewards on ALL embedding dims (it ignores "
        "embedding_selection_method)."
    ),
}


def gen_embed(out_dir):
    ds_kwargs = dict(
        n_actions=20,
        dim_context=5,
        n_cat_per_dim=4,
        n_cat_dim=3,
        reward_type="binary",
        beta=-3.0,
        random_state=RANDOM_STATE,
    )
    ds = SyntheticBanditDatasetWithActionEmbeds(**ds_kwargs)
    bf = ds.obtain_batch_bandit_feedback(n_rounds=N_ROUNDS)
    n, k = N_ROUNDS, bf["n_actions"]
    er = bf["expected_reward"]
    reward, action, action_embed = bf["reward"], bf["action"], bf["action_embed"]
    pi_b, p_e_a, pscore = bf["pi_b"], bf["p_e_a"], bf["pscore"]
    pols = eval_policies(er)
    pols = {kk: pols[kk] for kk in ["softmax_beta5", "egreedy_eps0.1"]}

    out = {
        "meta": meta_block(
            "obp 0.5.7 estimators_embed (MIPW / SNMIPW) with the true action-embedding distribution p_e_a given."
        ),
        "config": {
            "dataset_class": "obp.dataset.SyntheticBanditDatasetWithActionEmbeds",
            "dataset_kwargs": dict(
                ds_kwargs,
                reward_function="None -> logistic_reward_function (binary)",
                latent_param_mat_dim=5,
                p_e_a_param_std=1.0,
                n_unobserved_cat_dim=0,
                n_irrelevant_cat_dim=0,
                n_deficient_actions=0,
            ),
            "dataset_note": (
                "OBP adds one hidden embedding dimension internally (n_cat_dim += 1, n_unobserved_cat_dim += 1) and "
                "returns action_embed / p_e_a without it, so action_embed is (n x 3) and p_e_a is (20 x 4 x 3). "
                "expected_reward (q_x_a) marginalises over all 4 dims including the hidden one."
            ),
            "n_rounds": n,
            "bootstrap": BOOT,
            "estimator_call": (
                "est.estimate_policy_value(reward=reward, action=action, action_embed=action_embed, pi_b=pi_b, "
                "action_dist=action_dist, p_e_a=p_e_a) (context=None, position=None)"
            ),
        },
        "estimators_meta": {
            "formulas": EMBED_FORMULAS,
            "defaults": {
                c.__name__: class_defaults(c)
                for c in [MarginalizedInverseProbabilityWeighting, SelfNormalizedMarginalizedInverseProbabilityWeighting]
            },
        },
        "inputs": {
            "n_rounds": n,
            "n_actions": k,
            "len_list": 1,
            "position": None,
            "reward": arr(reward),
            "action": arr(action),
            "pscore": arr(pscore),
            "action_embed": arr(action_embed),
            "pi_b": arr(pi_b),
            "p_e_a": arr(p_e_a),
        },
        "logging_policy": {
            "ground_truth_policy_value": ds.calc_ground_truth_policy_value(expected_reward=er, action_dist=pi_b),
            "empirical_mean_reward": reward.mean(),
        },
        "policies": {},
    }

    for pname, (action_dist, desc) in pols.items():
        pol = {
            "description": desc.replace("expected_reward", "expected_reward (dataset's q_x_a)"),
            "action_dist": arr(action_dist),
            "ground_truth_policy_value": ds.calc_ground_truth_policy_value(expected_reward=er, action_dist=action_dist),
            "estimators": {},
        }
        call = dict(
            reward=reward, action=action, action_embed=action_embed, pi_b=pi_b, action_dist=action_dist, p_e_a=p_e_a
        )
        for cls, short in [
            (MarginalizedInverseProbabilityWeighting, "mipw"),
            (SelfNormalizedMarginalizedInverseProbabilityWeighting, "snmipw"),
        ]:
            for sel in [None, "exact", "greedy"]:
                key = short if sel is None else f"{short}_{sel}"
                kwargs = {"n_actions": k} if sel is None else {"n_actions": k, "embedding_selection_method": sel}
                est = cls(**kwargs)
                value, err, warns = run_capturing(lambda: est.estimate_policy_value(**call))
                rec = {"class": f"obp.ope.{cls.__name__}", "kwargs": kwargs, "estimate_policy_value": value, "error": err}
                ci, ierr, iw = run_capturing(lambda: est.estimate_interval(**call, **BOOT))
                rec["interval_bootstrap"] = interval_dict(ci) if ierr is None else None
                rec["interval_error"] = ierr
                if sel is None:
                    rr, _, rw = run_capturing(
                        lambda: cls(n_actions=k)._estimate_round_rewards(
                            context=None, position=np.zeros(n, dtype=int), **call
                        )
                    )
                    rec["round_rewards"] = arr(rr)
                    rec["round_rewards_mean_equals_estimate"] = bool(rr.mean() == value)
                    iw = iw + rw
                else:
                    rec["round_rewards"] = None
                    rec["round_rewards_note"] = (
                        "no per-round values: the estimate is a selected subset's theta; interval_bootstrap is over "
                        "the all-dims round rewards (same as the unselected estimator's)"
                    )
                    # per-subset (theta, cnf), from OBP's own _estimate_round_rewards(with_dev=True)
                    subsets = []
                    D = action_embed.shape[1]
                    for size in range(D, 0, -1):
                        for comb in itertools.combinations(range(D), size):
                            c = list(comb)
                            th, cnf = cls(n_actions=k)._estimate_round_rewards(
                                context=None,
                                reward=reward,
                                action=action,
                                action_embed=action_embed[:, c],
                                pi_b=pi_b,
                                action_dist=action_dist,
                                position=np.zeros(n, dtype=int),
                                p_e_a=p_e_a[:, :, c],
                                with_dev=True,
                            )
                            subsets.append({"dims": c, "theta": th, "cnf": cnf})
                    rec["subset_diagnostics"] = {
                        "note": "theta/cnf per embedding-dim subset from OBP's _estimate_round_rewards(with_dev=True), delta=0.05; OBP does not store these",
                        "subsets": subsets,
                    }
                for wmsg in iw:
                    if wmsg not in warns:
                        warns.append(wmsg)
                rec["warnings"] = warns
                pol["estimators"][key] = rec
        out["policies"][pname] = pol
    path = os.path.join(out_dir, "embed_binary_beta-3.json.gz")
    size = write_fixture(path, out)
    return path, size, out


# ----------------------------------------------------------------------------------------------------------
# (c) multiple loggers
# ----------------------------------------------------------------------------------------------------------
MULTI_FORMULAS = {
    "multi_ipw": "w_i = pi_e(a_i|x_i)/pscore_i (pscore = the round's own logger), clipped min(w, lam); round = r_i * w_i; estimate = mean",
    "multi_bal_ipw": "w_i = pi_e(a_i|x_i)/pscore_avg_i (pscore_avg = sum_k rho_k pi_k(a_i|x_i)), clipped min(w, lam); round = r_i * w_i; estimate = mean",
    "multi_weighted_ipw": (
        "w_i = min(pi_e/pscore_i, lam); var_k = np.var(r*w over rounds of stratum k) (ddof=0, indexed by the stratum "
        "VALUE k, so strata must be 0..K-1); weight_k = n / (var_k * sum_k(n_k / var_k)); round = r_i * w_i * "
        "weight_{k(i)}; estimate = mean (= sum_k n_k/var_k * mean_k(r w) / sum_k n_k/var_k)"
    ),
    "multi_dr": "DM_i = np.average(q_i(.), weights=pi_e(.|x_i)); round = DM_i + min(w_i, lam)*(r_i - q_i(a_i)), w with own-logger pscore; estimate = mean",
    "multi_bal_dr": "round = DM_i + min(pi_e(a_i|x_i)/pscore_avg_i, lam)*(r_i - q_i(a_i)); estimate = mean",
    "multi_weighted_dr": (
        "w_i = min(pi_e/pscore_i, lam); var_k = np.var(DM_i + w_i (r_i - q_i(a_i)) over stratum k) (ddof=0); "
        "weight_k = n / (var_k * sum_k(n_k/var_k)); round = DM_i + w_i (r_i - q_i(a_i)) * weight_{k(i)} "
        "(only the correction term is weighted); estimate = mean"
    ),
    "interval": (
        "estimate_interval = percentile bootstrap of the round rewards (obp.utils.estimate_confidence_interval_by_bootstrap). "
        "For multi_bal_ipw / multi_bal_dr OBP 0.5.7's estimate_interval calls _estimate_round_rewards(pscore=...) "
        "whose parameter is named pscore_avg -> TypeError; `interval_error` records it and `interval_bootstrap_corrected` "
        "is estimate_confidence_interval_by_bootstrap(samples=<correct round rewards>, alpha=0.05, "
        "n_bootstrap_samples=1000, random_state=12345), i.e. what OBP would return with the argument fixed."
    ),
}


def gen_multi(out_dir):
    ds_kwargs = dict(
        n_actions=10,
        dim_context=5,
        reward_type="binary",
        betas=[-3.0, 0.0, 3.0],
        rhos=[0.2, 0.3, 0.5],
        random_state=RANDOM_STATE,
    )
    ds = SyntheticMultiLoggersBanditDataset(reward_function=logistic_reward_function, **ds_kwargs)
    bf = ds.obtain_batch_bandit_feedback(n_rounds=N_ROUNDS)
    n, k = N_ROUNDS, bf["n_actions"]
    er = bf["expected_reward"]
    q_hat = q_hat_rule(er)
    reward, action = bf["reward"], bf["action"]
    pscore, pscore_avg, stratum_idx = bf["pscore"], bf["pscore_avg"], bf["stratum_idx"]
    pols = eval_policies(er)
    pols = {kk: pols[kk] for kk in ["softmax_beta5", "egreedy_eps0.1"]}

    out = {
        "meta": meta_block("obp 0.5.7 estimators_multi (multiple logging policies / strata) on SyntheticMultiLoggersBanditDataset."),
        "config": {
            "dataset_class": "obp.dataset.SyntheticMultiLoggersBanditDataset",
            "dataset_kwargs": dict(ds_kwargs, reward_function="logistic_reward_function"),
            "dataset_note": (
                "rhos are normalised; n_k = round(n*rho_k) with the remainder added to the last stratum; rounds are "
                "ordered by stratum (0s, then 1s, then 2s); logger k is softmax(betas[k] * expected_reward); "
                "pscore = own logger's pi_k(a_i|x_i); pscore_avg = sum_k rho_k pi_k(a_i|x_i)."
            ),
            "n_rounds": n,
            "n_strata": bf["n_strata"],
            "q_hat_recipe": Q_HAT_RECIPE + " (expected_reward = the dataset's expected_reward)",
            "bootstrap": BOOT,
        },
        "estimators_meta": {
            "formulas": MULTI_FORMULAS,
            "defaults": {
                c.__name__: class_defaults(c)
                for c in [
                    MultiLoggersNaiveInverseProbabilityWeighting,
                    MultiLoggersBalancedInverseProbabilityWeighting,
                    MultiLoggersWeightedInverseProbabilityWeighting,
                    MultiLoggersNaiveDoublyRobust,
                    MultiLoggersBalancedDoublyRobust,
                    MultiLoggersWeightedDoublyRobust,
                ]
            },
        },
        "inputs": {
            "n_rounds": n,
            "n_actions": k,
            "len_list": 1,
            "position": None,
            "reward": arr(reward),
            "action": arr(action),
            "pscore": arr(pscore),
            "pscore_avg": arr(pscore_avg),
            "stratum_idx": arr(stratum_idx),
            "pi_b": arr(bf["pi_b"]),
            "estimated_rewards_by_reg_model": arr(q_hat),
        },
        "logging_policy": {
            "ground_truth_policy_value_pi_b_avg": ds.calc_ground_truth_policy_value(expected_reward=er, action_dist=bf["pi_b_avg"]),
            "ground_truth_policy_value_per_round_logger": ds.calc_ground_truth_policy_value(expected_reward=er, action_dist=bf["pi_b"]),
            "empirical_mean_reward": reward.mean(),
        },
        "policies": {},
    }

    specs = [
        ("multi_ipw", MultiLoggersNaiveInverseProbabilityWeighting, "pscore", False, False),
        ("multi_bal_ipw", MultiLoggersBalancedInverseProbabilityWeighting, "pscore_avg", False, False),
        ("multi_weighted_ipw", MultiLoggersWeightedInverseProbabilityWeighting, "pscore", True, False),
        ("multi_dr", MultiLoggersNaiveDoublyRobust, "pscore", False, True),
        ("multi_bal_dr", MultiLoggersBalancedDoublyRobust, "pscore_avg", False, True),
        ("multi_weighted_dr", MultiLoggersWeightedDoublyRobust, "pscore", True, True),
    ]
    for pname, (action_dist, desc) in pols.items():
        pol = {
            "description": desc,
            "action_dist": arr(action_dist),
            "ground_truth_policy_value": ds.calc_ground_truth_policy_value(expected_reward=er, action_dist=action_dist),
            "estimators": {},
        }
        for name, cls, ps_name, needs_strata, needs_q in specs:
            for lam in [None, 2.0]:
                key = name if lam is None else f"{name}_lambda2"
                kwargs = {} if lam is None else {"lambda_": lam}
                est = cls(**kwargs)
                call = dict(reward=reward, action=action, action_dist=action_dist)
                call[ps_name] = pscore if ps_name == "pscore" else pscore_avg
                if needs_strata:
                    call["stratum_idx"] = stratum_idx
                if needs_q:
                    call["estimated_rewards_by_reg_model"] = q_hat
                value, err, warns = run_capturing(lambda: est.estimate_policy_value(**call))
                rr_call = dict(call, position=np.zeros(n, dtype=int))
                rr, _, rw = run_capturing(lambda: est._estimate_round_rewards(**rr_call))
                ci, ierr, iw = run_capturing(lambda: est.estimate_interval(**call, **BOOT))
                rec = {
                    "class": f"obp.ope.{cls.__name__}",
                    "kwargs": kwargs,
                    "inputs_used": sorted(call.keys()),
                    "estimate_policy_value": value,
                    "error": err,
                    "round_rewards": arr(rr),
                    "round_rewards_mean_equals_estimate": bool(rr.mean() == value),
                    "interval_bootstrap": interval_dict(ci) if ierr is None else None,
                    "interval_error": ierr,
                }
                if ierr is not None:
                    cc, cerr, cw = run_capturing(lambda: estimate_confidence_interval_by_bootstrap(samples=rr, **BOOT))
                    rec["interval_bootstrap_corrected"] = interval_dict(cc) if cerr is None else None
                    iw = iw + cw
                for wmsg in rw + iw:
                    if wmsg not in warns:
                        warns.append(wmsg)
                rec["warnings"] = warns
                pol["estimators"][key] = rec
        out["policies"][pname] = pol
    path = os.path.join(out_dir, "multi_loggers_binary.json.gz")
    size = write_fixture(path, out)
    return path, size, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default=os.path.join(REPO, "tests", "fixtures", "obp"))
    ap.add_argument(
        "--standard-fixture",
        default=os.path.join(REPO, "tests", "fixtures", "obp", "standard_binary_beta-3.json.gz"),
        help="source of the logged data for the tuning fixture",
    )
    ap.add_argument("--only", choices=["tuning", "embed", "multi"], action="append")
    args = ap.parse_args()
    if obp.__version__ != "0.5.7":
        sys.exit(f"need obp 0.5.7, found {obp.__version__}")
    os.makedirs(args.out_dir, exist_ok=True)
    todo = args.only or ["tuning", "embed", "multi"]

    if "tuning" in todo:
        path, (gz, raw), out = gen_tuning(args.out_dir, args.standard_fixture)
        print(f"{os.path.relpath(path, REPO)}: {gz} bytes gz, {raw} bytes json")
        cc = out["config"]["cross_check_with_standard_fixture"]
        print(f"  cross-check vs standard fixture: {cc['identical']}/{cc['compared']} identical {cc['mismatches']}")
        for pname, pol in out["policies"].items():
            for key, rec in pol["tuning_estimators"].items():
                if key.endswith("_ubb1_delta0.1_grid_std"):
                    print(f"  {pname:15s} {key:45s} best={rec.get('best_hyperparam')!s:>8} V={rec.get('estimate_policy_value')}")
    if "embed" in todo:
        path, (gz, raw), out = gen_embed(args.out_dir)
        print(f"{os.path.relpath(path, REPO)}: {gz} bytes gz, {raw} bytes json")
        for pname, pol in out["policies"].items():
            print(f"  {pname:15s} truth={pol['ground_truth_policy_value']}")
            for key, rec in pol["estimators"].items():
                ci = rec["interval_bootstrap"]
                print(f"    {key:16s} V={rec['estimate_policy_value']} CI=[{ci['lower']:.4f}, {ci['upper']:.4f}] err={rec['error']}")
    if "multi" in todo:
        path, (gz, raw), out = gen_multi(args.out_dir)
        print(f"{os.path.relpath(path, REPO)}: {gz} bytes gz, {raw} bytes json")
        for pname, pol in out["policies"].items():
            print(f"  {pname:15s} truth={pol['ground_truth_policy_value']}")
            for key, rec in pol["estimators"].items():
                ci = rec["interval_bootstrap"] or rec.get("interval_bootstrap_corrected")
                tag = "" if rec["interval_error"] is None else " (corrected; OBP raised)"
                print(f"    {key:26s} V={rec['estimate_policy_value']} CI=[{ci['lower']:.4f}, {ci['upper']:.4f}]{tag}")


if __name__ == "__main__":
    main()
