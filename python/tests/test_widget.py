"""Unit tests of receval_widget's Python side (the installed wheel): validation of a lesson's state
against its spec, state updates, progress callbacks, the Workbench's inputs."""
import json
import unittest
from pathlib import Path

import receval_widget
from receval_widget import Lesson, Workbench, lessons
from receval_widget import _spec

WWW = Path(__file__).resolve().parents[2] / "www"


class LessonSpec(unittest.TestCase):
    def test_the_wheel_carries_every_lesson_and_the_wasm(self):
        shipped = sorted(p.stem for p in (WWW / "lessons").glob("*.json"))
        self.assertEqual(lessons(), shipped)
        self.assertGreater((_spec.SITE / "pkg" / "receval_bg.wasm").stat().st_size, 10000)
        # the workbench widget's worker loads the estimators package
        self.assertGreater((_spec.SITE / "pkg" / "estimators" / "receval_bg.wasm").stat().st_size, 10000)
        self.assertTrue((_spec.SITE / "js" / "receval-lesson.js").is_file())

    def test_every_lesson_builds_at_its_defaults(self):
        for slug in lessons():
            spec = json.loads((WWW / "lessons" / f"{slug}.json").read_text())
            defaults = {c["key"]: c["default"] for c in spec["controls"]}
            self.assertEqual(Lesson(slug).state, defaults, slug)
            # every default passes Python's validation, as it passes the page's
            self.assertEqual(Lesson(slug, **defaults).state, defaults, slug)

    def test_state_given_as_keywords(self):
        w = Lesson("random-bucket", share=0.01, seed=7, hide=["seed"])
        self.assertEqual(w.state["share"], 0.01)
        self.assertEqual(w.state["seed"], 7)
        self.assertEqual(w.state["days"], 7)  # the default
        self.assertEqual(w.hide, ["seed"])
        self.assertEqual(w.slug, "random-bucket")

    def test_unknown_slug(self):
        with self.assertRaisesRegex(ValueError, r"unknown lesson 'no-such-lesson': expected one of .*random-bucket"):
            Lesson("no-such-lesson")

    def test_unknown_key(self):
        with self.assertRaisesRegex(ValueError, r"lesson 'random-bucket' has no control 'shares': its controls are share, traffic"):
            Lesson("random-bucket", shares=0.01)
        with self.assertRaisesRegex(ValueError, r"hide='sed' is not a control"):
            Lesson("random-bucket", hide=["sed"])

    def test_out_of_range_and_wrong_type(self):
        with self.assertRaisesRegex(ValueError, r"seed=10000 is out of range: expected 0 ≤ seed ≤ 9999"):
            Lesson("random-bucket", seed=10000)
        with self.assertRaisesRegex(ValueError, r"share=0.03 is not one of the slider's steps: 0, 0.001"):
            Lesson("random-bucket", share=0.03)
        with self.assertRaisesRegex(ValueError, r"seed=1.5 is not an integer"):
            Lesson("random-bucket", seed=1.5)
        with self.assertRaisesRegex(ValueError, r"beta='3' is not a finite number"):
            Lesson("random-bucket", beta="3")
        with self.assertRaisesRegex(ValueError, r"beta=nan is not a finite number"):
            Lesson("random-bucket", beta=float("nan"))
        with self.assertRaisesRegex(ValueError, r"beta=True is not a finite number"):
            Lesson("random-bucket", beta=True)

    def test_choice_and_bool_controls(self):
        spec = {c["key"]: c for c in _spec.lesson_spec("causal-graph")["controls"]}
        flag = next(k for k, c in spec.items() if c["type"] == "bool")
        with self.assertRaisesRegex(ValueError, rf"{flag}=1 is not a bool"):
            Lesson("causal-graph", **{flag: 1})
        self.assertIs(Lesson("causal-graph", **{flag: not spec[flag]["default"]}).state[flag], not spec[flag]["default"])
        spec = {c["key"]: c for c in _spec.lesson_spec("intent")["controls"]}
        choice = next(k for k, c in spec.items() if c["type"] == "choice")
        with self.assertRaisesRegex(ValueError, rf"{choice}='nope' is not one of"):
            Lesson("intent", **{choice: "nope"})

    def test_setting_state_from_python(self):
        w = Lesson("random-bucket", seed=7)
        seen = []
        w.observe(lambda ch: seen.append(ch["new"]), names="state")
        w.state = {"share": 0.05}  # partial: the rest is kept
        self.assertEqual(w.state["share"], 0.05)
        self.assertEqual(w.state["seed"], 7)
        self.assertEqual(len(seen), 1)
        with self.assertRaisesRegex(ValueError, r"share=0.07 is not one of"):
            w.state = {"share": 0.07}
        with self.assertRaisesRegex(ValueError, r"has no control 'x'"):
            w.state = {"x": 1}
        self.assertEqual(w.state["share"], 0.05, "a refused state leaves the state as it was")

    def test_progress_callbacks(self):
        w = Lesson("random-bucket")
        got = []
        w.on_progress(got.append)
        event = {"lesson": "random-bucket", "item": "p1", "kind": "prediction", "correct": True, "attempts": 1}
        w.progress = [*w.progress, event]  # as the front end does
        w.progress = [*w.progress, {**event, "item": "e1", "kind": "exercise"}]
        self.assertEqual([e["item"] for e in got], ["p1", "e1"])
        w.on_progress(got.append, remove=True)
        w.progress = [*w.progress, event]
        self.assertEqual(len(got), 2)


class WorkbenchInputs(unittest.TestCase):
    def test_workbench(self):
        if (_spec.SITE / "js" / "workbench" / "mount.js").is_file():
            w = Workbench("reward,action,pscore\n1,0,0.5\n", name="logs.csv")
            self.assertEqual(w.name, "logs.csv")
            with self.assertRaisesRegex(TypeError, "expected a pandas or polars DataFrame or CSV text, got builtins.list"):
                Workbench([1, 2])
        else:
            with self.assertRaisesRegex(RuntimeError, r"this build of receval-widget has no workbench"):
                Workbench("reward,action,pscore\n1,0,0.5\n")

    def test_to_csv(self):
        from receval_widget._widget import to_csv
        self.assertEqual(to_csv("a,b\n1,2\n"), "a,b\n1,2\n")
        with self.assertRaisesRegex(ValueError, "empty"):
            to_csv("  ")
        with self.assertRaisesRegex(TypeError, "got builtins.dict"):
            to_csv({"a": [1]})


class ServerExtension(unittest.TestCase):
    def test_extension_points(self):
        self.assertEqual(receval_widget._jupyter_server_extension_points(), [{"module": "receval_widget._server"}])
        from receval_widget import _server
        self.assertTrue(callable(_server._load_jupyter_server_extension))


if __name__ == "__main__":
    unittest.main()
