"""`/api/v1/findings`: where the process has drifted, and (admin) snoozing a finding until a date."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse

from api.auth.deps import AdminDep, ViewerDep
from api.auth.scope import ScopeDep
from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.deps import DatabaseDep
from api.routes.common import ADMIN_RESPONSES, BODY_RESPONSES, NOT_FOUND, VIEWER_RESPONSES, NowDep, problem
from api.views.findings import (
    FINDING_CSV_COLUMNS,
    FINDING_SORTS,
    FindingFilters,
    FindingPage,
    FindingPublic,
    FindingState,
    SnoozeRequest,
    finding_conditions,
    iter_finding_batches,
    load_finding,
    read_finding_page,
    set_snooze,
)
from api.views.hygiene import forget_finding_weights
from api.views.keyset import decode_cursor, encode_cursor
from api.views.params import MAX_ID, FormatParam, IdPath, LimitParam, text_query
from models.db import Database
from models.enums import FindingSeverity

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/findings", tags=["findings"])

MAX_SNOOZE = timedelta(days=366)
RULE_PATTERN = r"^[A-Z]{1,4}[0-9]{1,3}$"


@router.get("", response_model=FindingPage, summary="Findings", responses={**VIEWER_RESPONSES, **CSV_RESPONSE})
def list_findings(
    request: Request,
    database: DatabaseDep,
    now: NowDep,
    _key: ViewerDep,
    scope: ScopeDep,
    rule: Annotated[
        str | None, Query(pattern=RULE_PATTERN, description="Only this rule (R01…R20, SH01…).", examples=["R02"])
    ] = None,
    team: Annotated[str | None, text_query("Only findings of this team.", example="payments")] = None,
    severity: Annotated[FindingSeverity | None, Query(description="Only this severity.")] = None,
    state: Annotated[FindingState, Query(description="open (default), resolved or all.")] = "open",
    snoozed: Annotated[bool | None, Query(description="Only snoozed (true) or not snoozed (false) findings.")] = None,
    work_item: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only findings on this item.")] = None,
    sort: Annotated[
        Literal["-id", "first_seen"], Query(description="Newest first, or oldest first by first seen.")
    ] = "-id",
    limit: LimitParam = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=1000, pattern=r"^[A-Za-z0-9_-]+$", description="`next_cursor` of the previous page."),
    ] = None,
    format: FormatParam = None,
) -> FindingPage | StreamingResponse:
    """Findings with their rule, severity, one-sentence message and lifecycle; open ones by default."""
    filters = FindingFilters(
        rule=rule,
        team=team,
        severity=str(severity) if severity else None,
        state=state,
        snoozed=snoozed,
        work_item=work_item,
        visible_teams=scope.teams,
    )
    sort_key = FINDING_SORTS[sort]
    after = decode_cursor(cursor, sort_key) if cursor is not None else None
    if wants_csv(request, format):
        return csv_response(
            FINDING_CSV_COLUMNS,
            iter_finding_batches(database, filters, sort_key, now=now, cursor=after),
            filename="findings",
        )
    with database.read_session() as session:
        items, next_cursor = read_finding_page(
            session, finding_conditions(filters, now), sort_key, limit=limit, cursor=after, now=now
        )
    return FindingPage(items=items, next_cursor=encode_cursor(next_cursor) if next_cursor else None)


@router.get(
    "/{finding_id}", response_model=FindingPublic, summary="One finding", responses={**VIEWER_RESPONSES, **NOT_FOUND}
)
def get_finding(
    finding_id: IdPath, database: DatabaseDep, now: NowDep, _key: ViewerDep, scope: ScopeDep
) -> FindingPublic:
    """The finding with its subject, message, details and lifecycle."""
    with database.read_session() as session:
        finding = load_finding(session, finding_id, now, visible_teams=scope.teams)
    if finding is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No finding {finding_id}.")
    return finding


_CONFLICT: dict[int | str, dict[str, Any]] = {409: problem("The finding is resolved: there is nothing to snooze.")}


@router.post(
    "/{finding_id}/snooze",
    response_model=FindingPublic,
    summary="Snooze a finding (admin)",
    responses={**ADMIN_RESPONSES, **NOT_FOUND, **_CONFLICT, **BODY_RESPONSES},
)
def snooze_finding(
    finding_id: IdPath, body: SnoozeRequest, database: DatabaseDep, now: NowDep, _key: AdminDep
) -> FindingPublic:
    """Hide an open finding until `until` (in the future, within a year), with a reason the team can read."""
    if not now < body.until <= now + MAX_SNOOZE:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "`until` must be in the future and within a year.")
    return _apply_snooze(database, finding_id, body.until, body.reason, now)


@router.delete(
    "/{finding_id}/snooze",
    response_model=FindingPublic,
    summary="Wake a snoozed finding (admin)",
    responses={**ADMIN_RESPONSES, **NOT_FOUND, **_CONFLICT},
)
def wake_finding(finding_id: IdPath, database: DatabaseDep, now: NowDep, _key: AdminDep) -> FindingPublic:
    """Clear the snooze: the finding shows again at once."""
    return _apply_snooze(database, finding_id, None, None, now)


def _apply_snooze(
    database: Database, finding_id: int, until: datetime | None, reason: str | None, now: datetime
) -> FindingPublic:
    with database.session() as session:
        changed = set_snooze(session, finding_id, until, reason)
        session.commit()
        finding = load_finding(session, finding_id, now)
    if changed:
        forget_finding_weights(database)  # hygiene counts snoozed findings differently
    if finding is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No finding {finding_id}.")
    if not changed:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Finding {finding_id} is resolved.")
    return finding
