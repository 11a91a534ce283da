"""receval's lessons and evaluation workbench as notebook widgets (anywidget).

    from receval_widget import Lesson, Workbench
    w = Lesson("random-bucket", share=0.01, seed=7, hide=["seed"])   # a live lesson in the output cell
    w.state                      # {'share': 0.01, 'traffic': 10000, ...}, kept in sync with the sliders
    w.state = {"share": 0.05}    # the lesson recomputes
    Workbench(df)                # the workbench on a pandas or polars DataFrame

The wheel carries the lessons' pages, ES modules and Wasm; a Jupyter server extension (enabled on
install) serves them to the notebook page, so nothing is fetched from the network.
"""
from ._spec import lessons
from ._widget import Lesson, Workbench

__all__ = ["Lesson", "Workbench", "lessons"]
__version__ = "0.1.0"


def _jupyter_server_extension_points():
    return [{"module": "receval_widget._server"}]
