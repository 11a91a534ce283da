"""The widgets: Lesson (a live lesson, its state synced both ways) and Workbench (the evaluation
workbench on a DataFrame)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List

import anywidget
import traitlets

from . import _spec

HERE = Path(__file__).parent


class Lesson(anywidget.AnyWidget):
    """A receval lesson in the output cell.

    Lesson(slug, hide=[...], full=False, learn=True, height=760, **state)

    `state` (a dict of control → value) is synced both ways: moving a slider updates `w.state`,
    and assigning `w.state = {...}` (a full or partial dict, validated against the lesson's spec)
    makes the lesson recompute. Observe it with `w.observe(callback, names="state")`.
    `progress` lists the predictions and exercises answered in the lesson
    ({lesson, item, kind, correct, attempts}); `w.on_progress(callback)` calls back on each one.
    """

    _esm = HERE / "lesson.js"

    slug = traitlets.Unicode().tag(sync=True)
    state = traitlets.Dict().tag(sync=True)
    hide = traitlets.List(traitlets.Unicode()).tag(sync=True)
    full = traitlets.Bool(False).tag(sync=True)
    learn = traitlets.Bool(True).tag(sync=True)
    height = traitlets.Int(760).tag(sync=True)
    progress = traitlets.List().tag(sync=True)
    # the last message the lesson sent to refuse a state (empty when none)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, slug: str, *, hide: Iterable[str] = (), full: bool = False, learn: bool = True, height: int = 760, **state: Any):
        _spec.lesson_spec(slug)  # unknown slug → ValueError listing the lessons
        full_state = _spec.validate_state(slug, state)
        hidden = _spec.validate_hide(slug, hide)
        if not isinstance(height, int) or isinstance(height, bool) or not 200 <= height <= 20000:
            raise ValueError(f"Lesson: height={height!r}: expected an integer number of pixels in [200, 20000]")
        self._progress_callbacks: List[Callable[[Dict[str, Any]], None]] = []
        super().__init__(slug=slug, state=full_state, hide=hidden, full=bool(full), learn=bool(learn), height=height)

    @traitlets.validate("state")
    def _check_state(self, proposal):
        # a partial dict updates the current state; every key and value is checked against the spec
        slug = self.slug
        if not slug:  # during construction, before `slug` is set: __init__ validated it already
            return proposal["value"]
        return _spec.validate_state(slug, proposal["value"], base=self.state or None)

    @traitlets.observe("progress")
    def _progress_changed(self, change):
        old, new = change["old"] or [], change["new"] or []
        for event in new[len(old):]:
            for cb in list(self._progress_callbacks):
                cb(event)

    def on_progress(self, callback: Callable[[Dict[str, Any]], None], remove: bool = False) -> None:
        """Call `callback(event)` for each prediction or exercise answered in the lesson."""
        if remove:
            self._progress_callbacks.remove(callback)
        else:
            self._progress_callbacks.append(callback)

    @property
    def controls(self) -> Dict[str, Dict[str, Any]]:
        """The lesson's controls, from its spec (type, range or steps, default, label, help)."""
        return _spec.controls(self.slug)

    def __repr__(self) -> str:
        return f"Lesson({self.slug!r}, {', '.join(f'{k}={v!r}' for k, v in self.state.items())})"


class Workbench(anywidget.AnyWidget):
    """The evaluation workbench on a DataFrame (pandas or polars) or CSV text.

    Workbench(df, name="dataframe.csv"): the data go to the workbench as CSV text, in the browser;
    nothing leaves the machine.
    """

    _esm = HERE / "workbench.js"

    name = traitlets.Unicode().tag(sync=True)
    text = traitlets.Unicode().tag(sync=True)
    height = traitlets.Int(900).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, data: Any, *, name: str = "dataframe.csv", height: int = 900):
        mount = _spec._site() / "js" / "workbench" / "mount.js"
        if not mount.is_file():
            raise RuntimeError(
                "Workbench: this build of receval-widget has no workbench (www/js/workbench/mount.js was not in "
                "the site it was built from); rebuild the wheel from a checkout that has it"
            )
        super().__init__(name=str(name), text=to_csv(data), height=height)


def to_csv(data: Any) -> str:
    """CSV text of a pandas or polars DataFrame (or CSV text as it is)."""
    if isinstance(data, str):
        if not data.strip():
            raise ValueError("Workbench: the CSV text is empty")
        return data
    module = type(data).__module__.split(".")[0]
    if module == "pandas" and hasattr(data, "to_csv"):
        return data.to_csv(index=False)
    if module == "polars" and hasattr(data, "write_csv"):
        return data.write_csv()
    raise TypeError(f"Workbench: expected a pandas or polars DataFrame or CSV text, got {type(data).__module__}.{type(data).__name__}")
