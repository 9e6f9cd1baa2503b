"""Findings: where the process drifted; admins snooze a finding until a date (CSRF-checked form) or wake it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.dashboard.filters import FormValues, query_string
from api.dashboard.identity import Viewer, ViewerDep, check_csrf
from api.dashboard.templating import render_page
from api.deps import DatabaseDep
from api.routes.common import NowDep, PolicyDep
from api.routes.findings import MAX_SNOOZE
from api.views.findings import (
    FINDING_SORTS,
    FindingFilters,
    FindingState,
    finding_conditions,
    load_finding,
    read_finding_page,
    set_snooze,
)
from api.views.keyset import decode_cursor, encode_cursor
from api.views.params import MAX_ID, IdPath
from api.views.teams import list_team_names
from models.db import Database
from models.enums import FindingSeverity

__all__ = ["SHOW_CHOICES", "router", "snooze_until"]

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
SHOW_CHOICES = {"open": "Open (not snoozed)", "snoozed": "Snoozed", "resolved": "Resolved", "all": "All"}
TextParam = Annotated[str | None, Query(max_length=200)]


def _filters(values: dict[str, str | None], item: int | None) -> FindingFilters:
    show = values["show"] or "open"
    state: FindingState = "resolved" if show == "resolved" else "all" if show == "all" else "open"
    snoozed = {"open": False, "snoozed": True}.get(show)
    return FindingFilters(
        rule=values["rule"],
        team=values["team"],
        severity=values["severity"],
        state=state,
        snoozed=snoozed,
        work_item=item,
    )


@router.get("/findings", response_class=HTMLResponse)
def findings(
    request: Request,
    viewer: ViewerDep,
    database: DatabaseDep,
    policy: PolicyDep,
    now: NowDep,
    show: TextParam = None,
    rule: TextParam = None,
    team: TextParam = None,
    severity: TextParam = None,
    item: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    cursor: Annotated[str | None, Query(max_length=1_000)] = None,
    done: TextParam = None,
) -> HTMLResponse:
    """Findings newest first, filtered by rule, team, severity and state; snooze forms for admin keys."""
    form = FormValues()
    values: dict[str, str | None] = {
        "show": form.choice("Show", show, list(SHOW_CHOICES)) or "open",
        "rule": form.pattern("Rule", rule, r"[A-Z]{1,4}[0-9]{1,3}", "a rule id such as R02."),
        "team": form.text("Team", team, max_length=100),
        "severity": form.choice("Severity", severity, [str(s) for s in FindingSeverity]),
    }
    sort = FINDING_SORTS["-id"]
    after = None
    if cursor:
        try:
            after = decode_cursor(cursor, sort)
        except HTTPException:
            form.errors.append("The page link has expired: showing the first page.")
    filters = _filters(values, item)
    with database.read_session() as session:
        page, following = read_finding_page(
            session, finding_conditions(filters, now), sort, limit=PAGE_SIZE, cursor=after, now=now
        )
        teams = sorted(list_team_names(session, policy))
    kept = {k: v for k, v in values.items() if k != "show" or v != "open"}
    kept["item"] = str(item) if item is not None else None
    return render_page(
        request,
        "findings.html",
        title="Findings",
        viewer=viewer,
        findings=page,
        values=values,
        errors=form.errors,
        teams=teams,
        severities=[str(s) for s in FindingSeverity],
        show_choices=SHOW_CHOICES,
        notice=_notice(done),
        return_to=request.url.path + query_string(kept, cursor=cursor if after is not None else None),
        min_until=(now + timedelta(days=1)).date().isoformat(),
        max_until=(now + MAX_SNOOZE).date().isoformat(),
        next_link=query_string(kept, cursor=encode_cursor(following)) if following else None,
        first_link=query_string(kept) if after is not None else None,
    )


def _notice(done: str | None) -> str | None:
    if done is None:
        return None
    action, _, finding_id = done.partition(":")
    if action in ("snoozed", "woken") and finding_id.isdigit():
        return f"Finding {finding_id} {action}."
    return None


def snooze_until(day: date) -> datetime:
    """A snooze chosen as a date ends at the end of that day (UTC)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _back(return_to: str, done: str) -> str:
    path = return_to if return_to.startswith("/findings") and not return_to.startswith("//") else "/findings"
    separator = "&" if "?" in path and not path.endswith("?") else ("" if path.endswith("?") else "?")
    return f"{path}{separator}done={done}"


@router.post("/findings/{finding_id}/snooze", response_model=None)
def snooze(
    request: Request,
    finding_id: IdPath,
    viewer: ViewerDep,
    database: DatabaseDep,
    now: NowDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    until: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    return_to: Annotated[str, Form(max_length=1_000)] = "/findings",
) -> Response:
    """Snooze an open finding until the end of the chosen day (admin keys only)."""
    check_csrf(request, viewer, csrf_token)
    problem = _snooze_problem(viewer.is_admin, until, reason, now)
    if problem is not None:
        return _refused(request, viewer, *problem)
    ends = snooze_until(date.fromisoformat(until))
    return _apply(request, viewer, database, now, finding_id, ends, reason.strip(), return_to, "snoozed")


@router.post("/findings/{finding_id}/wake", response_model=None)
def wake(
    request: Request,
    finding_id: IdPath,
    viewer: ViewerDep,
    database: DatabaseDep,
    now: NowDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    return_to: Annotated[str, Form(max_length=1_000)] = "/findings",
) -> Response:
    """Clear a snooze: the finding shows again at once (admin keys only)."""
    check_csrf(request, viewer, csrf_token)
    if not viewer.is_admin:
        return _refused(request, viewer, status.HTTP_403_FORBIDDEN, "Waking a finding needs an admin key.")
    return _apply(request, viewer, database, now, finding_id, None, None, return_to, "woken")


def _snooze_problem(is_admin: bool, until: str, reason: str, now: datetime) -> tuple[int, str] | None:
    if not is_admin:
        return status.HTTP_403_FORBIDDEN, "Snoozing a finding needs an admin key."
    try:
        ends = snooze_until(date.fromisoformat(until))
    except ValueError:
        return status.HTTP_422_UNPROCESSABLE_CONTENT, "Choose the day the finding should show again."
    if not now < ends <= now + MAX_SNOOZE:
        return status.HTTP_422_UNPROCESSABLE_CONTENT, "The day must be in the future and within a year."
    if not reason.strip() or "\x00" in reason:
        return status.HTTP_422_UNPROCESSABLE_CONTENT, "Give a reason the team can read."
    return None


def _apply(
    request: Request,
    viewer: Viewer,
    database: Database,
    now: datetime,
    finding_id: int,
    until: datetime | None,
    reason: str | None,
    return_to: str,
    done: str,
) -> Response:
    with database.session() as session:
        changed = set_snooze(session, finding_id, until, reason)
        session.commit()
        exists = load_finding(session, finding_id, now) is not None
    if not exists:
        return _refused(request, viewer, status.HTTP_404_NOT_FOUND, f"There is no finding {finding_id}.")
    if not changed:
        return _refused(request, viewer, status.HTTP_409_CONFLICT, f"Finding {finding_id} is resolved.")
    return RedirectResponse(_back(return_to, f"{done}:{finding_id}"), status_code=status.HTTP_303_SEE_OTHER)


def _refused(request: Request, viewer: Viewer, status_code: int, message: str) -> HTMLResponse:
    return render_page(
        request, "refused.html", title="Not done", viewer=viewer, message=message, status_code=status_code
    )
