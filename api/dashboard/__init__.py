"""The dashboard: server-rendered pages over the planning views, signed in with an API key (a session cookie).

``install_dashboard(app)`` mounts the pages at ``/``, the static files at ``/dashboard-static`` and the handlers
that send a signed-out browser to the sign-in page and answer a forged form post with 403.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.dashboard import backlog, board, findings, flow, overview, reports, signin, sprints, workload
from api.dashboard.identity import CsrfRejected, SignInRequired
from api.dashboard.templating import render_page

__all__ = ["install_dashboard"]

STATIC_DIR = Path(__file__).parent / "static"


def install_dashboard(app: FastAPI) -> None:
    """Mount the dashboard's pages and static files on ``app``."""
    for module in (signin, overview, backlog, board, workload, findings, sprints, flow, reports):
        app.include_router(module.router)
    app.mount("/dashboard-static", StaticFiles(directory=STATIC_DIR), name="dashboard-static")

    @app.exception_handler(SignInRequired)
    async def send_to_sign_in(_request: Request, error: SignInRequired) -> Response:
        return RedirectResponse("/sign-in?" + urlencode({"next": error.next_path}), status.HTTP_303_SEE_OTHER)

    @app.exception_handler(CsrfRejected)
    async def refuse_forged_post(request: Request, error: CsrfRejected) -> HTMLResponse:
        return render_page(request, "refused.html", title="Not done", viewer=None, message=str(error), status_code=403)
