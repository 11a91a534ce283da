"""The lessons' control specs (www/lessons/<slug>.json, carried in the wheel) and the validation of
a lesson's state against them. Mirrors www/js/state.js (coerce), so that Python refuses what the
lesson would refuse, with a message naming the control and what was expected."""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List

SITE = Path(__file__).parent / "static" / "site"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _site() -> Path:
    if not (SITE / "lessons").is_dir():
        raise RuntimeError(
            f"receval_widget: the lessons are missing from {SITE}; this package must be installed from a wheel "
            "built by `pip wheel python/` (whose build hook copies www/ into it)"
        )
    return SITE


def lessons() -> List[str]:
    """The slugs of the lessons carried in this package, sorted."""
    return sorted(p.stem for p in (_site() / "lessons").glob("*.json"))


@lru_cache(maxsize=None)
def lesson_spec(slug: str) -> Dict[str, Any]:
    """The JSON spec of a lesson (its controls and presets); ValueError for an unknown slug."""
    if not isinstance(slug, str) or not SLUG.match(slug) or not (_site() / "lessons" / f"{slug}.json").is_file():
        raise ValueError(f"unknown lesson {slug!r}: expected one of {', '.join(lessons())}")
    return json.loads((_site() / "lessons" / f"{slug}.json").read_text(encoding="utf-8"))


def controls(slug: str) -> Dict[str, Dict[str, Any]]:
    return {c["key"]: c for c in lesson_spec(slug)["controls"]}


def defaults(slug: str) -> Dict[str, Any]:
    return {k: c["default"] for k, c in controls(slug).items()}


def _fmt(x: Any) -> str:
    return json.dumps(x)


def coerce(slug: str, c: Dict[str, Any], value: Any) -> Any:
    """The value a control takes for `value`, or ValueError naming the control and what it accepts."""
    key, kind = c["key"], c["type"]
    where = f"lesson {slug!r}: {key}={value!r}"
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError(f"{where} is not a bool: expected True or False")
    if kind == "choice":
        for o in c["options"]:
            if o["value"] == value and type(o["value"]) is type(value):
                return o["value"]
        raise ValueError(f"{where} is not one of {', '.join(_fmt(o['value']) for o in c['options'])}")
    if not is_number or not math.isfinite(value):
        raise ValueError(f"{where} is not a finite number ({c['label']})")
    if kind == "steps":
        for x in c["values"]:
            if x == value or abs(x - value) <= 1e-12 * max(1.0, abs(x)):
                return x
        raise ValueError(f"{where} is not one of the slider's steps: {', '.join(_fmt(x) for x in c['values'])}")
    if kind == "int" and (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"{where} is not an integer ({c['label']})")
    if value < c["min"] or value > c["max"]:
        raise ValueError(f"{where} is out of range: expected {c['min']} ≤ {key} ≤ {c['max']} ({c['label']})")
    return int(value) if kind == "int" else value


def validate_state(slug: str, state: Dict[str, Any], base: Dict[str, Any] | None = None) -> Dict[str, Any]:
    """`base` (the defaults when None) updated with `state`, every value checked against the spec."""
    if not isinstance(state, dict):
        raise TypeError(f"lesson {slug!r}: the state must be a dict of control → value, got {type(state).__name__}")
    registry = controls(slug)
    out = dict(defaults(slug) if base is None else base)
    for k, v in state.items():
        if k not in registry:
            raise ValueError(f"lesson {slug!r} has no control {k!r}: its controls are {', '.join(registry)}")
        out[k] = coerce(slug, registry[k], v)
    return out


def validate_hide(slug: str, hide: Iterable[str]) -> List[str]:
    if isinstance(hide, str):
        hide = [hide]
    registry = controls(slug)
    out = []
    for k in hide:
        if k not in registry:
            raise ValueError(f"lesson {slug!r}: hide={k!r} is not a control: its controls are {', '.join(registry)}")
        out.append(k)
    return out
