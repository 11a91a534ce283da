"""Jupyter server extension: serve the course site carried in the wheel (lesson pages, ES modules,
vendored libraries, Wasm) at {base_url}receval-widget/site/, so the widgets' iframes load from the
notebook's own origin and nothing comes from the network.

The files are the package's own public assets (the same as the course's web site), served read-only
without authentication like JupyterLab's /static/ and /lab/extensions/: the front end authenticates
its API calls with a header that an <iframe> or a module import cannot send. (Jupyter's handler for
user files, AuthenticatedFileHandler, would also sandbox the pages, which breaks their workers.)"""
import mimetypes

from jupyter_server.base.handlers import FileFindHandler
from jupyter_server.utils import url_path_join

from ._spec import SITE

PREFIX = "receval-widget/site"


def _load_jupyter_server_extension(serverapp):
    mimetypes.add_type("application/wasm", ".wasm")
    mimetypes.add_type("text/javascript", ".js")
    web_app = serverapp.web_app
    route = url_path_join(web_app.settings["base_url"], PREFIX, "(.*)")
    web_app.add_handlers(".*$", [(route, FileFindHandler, {"path": str(SITE)})])
    serverapp.log.info("receval_widget: serving the lessons from %s at %s", SITE, PREFIX)


# the older name, for jupyter_server < 2 / notebook < 7
load_jupyter_server_extension = _load_jupyter_server_extension
