"""The consolidated backlog: every tool's items in one list, with filters, search and cursor paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from api.dashboard.filters import FormValues, query_string
from api.dashboard.identity import ViewerDep
from api.dashboard.templating import render_page
from api.deps import DatabaseDep
from api.routes.common import PolicyDep
from api.views.items import ITEM_SORTS, ItemFilters, count_items, item_conditions, read_item_page
from api.views.keyset import decode_cursor, encode_cursor
from api.views.teams import list_team_names
from models.enums import ItemType, StatusCategory, Vendor

__all__ = ["PAGE_SIZE", "router"]

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
RULE_PATTERN = r"[A-Z]{1,4}[0-9]{1,3}"
SORT_LABELS = {
    "-updated": "Recently updated",
    "updated": "Least recently updated",
    "created": "Oldest first",
    "due": "Due date",
    "key": "Key",
    "status": "Status",
}

TextParam = Annotated[str | None, Query(max_length=200)]


@router.get("/backlog", response_class=HTMLResponse)
def backlog(
    request: Request,
    viewer: ViewerDep,
    database: DatabaseDep,
    policy: PolicyDep,
    q: TextParam = None,
    source: TextParam = None,
    team: TextParam = None,
    status: Annotated[list[str] | None, Query(max_length=50)] = None,
    type: TextParam = None,
    label: TextParam = None,
    rule: TextParam = None,
    findings: TextParam = None,
    sort: TextParam = None,
    cursor: Annotated[str | None, Query(max_length=1_000)] = None,
) -> HTMLResponse:
    """Items from every tool, filtered and searched, 50 per page."""
    form = FormValues()
    values = {
        "q": form.text("Search", q),
        "source": form.choice("Tool", source, [str(v) for v in Vendor]),
        "team": form.text("Team", team, max_length=100),
        "status": form.choices("Status", status or [], [str(c) for c in StatusCategory]),
        "type": form.choice("Type", type, [str(t) for t in ItemType]),
        "label": form.text("Label", label),
        "rule": form.pattern("Rule", rule, RULE_PATTERN, "a rule id such as R02."),
        "findings": form.choice("Findings", findings, ["with", "without"]),
        "sort": form.choice("Sort", sort, list(SORT_LABELS)) or "-updated",
    }
    status_values = values["status"]
    assert isinstance(status_values, tuple)
    filters = ItemFilters(
        q=_str(values["q"]),
        source=_str(values["source"]),
        team=_str(values["team"]),
        status_categories=status_values,
        type=_str(values["type"]),
        label=_str(values["label"]),
        rule=_str(values["rule"]),
        has_finding={"with": True, "without": False}.get(_str(values["findings"]) or ""),
    )
    sort_key = ITEM_SORTS[_str(values["sort"]) or "-updated"]
    after = None
    if cursor:
        try:
            after = decode_cursor(cursor, sort_key)
        except HTTPException:
            form.errors.append("The page link has expired: showing the first page.")
    with database.read_session() as session:
        teams = sorted(list_team_names(session, policy))
        where = item_conditions(session, filters, policy)
        items, following = read_item_page(session, where, sort_key, limit=PAGE_SIZE, cursor=after, policy=policy)
        total = count_items(session, where)
    next_cursor = encode_cursor(following) if following is not None else None
    kept = {name: value for name, value in values.items() if name != "sort" or value != "-updated"}
    return render_page(
        request,
        "backlog.html",
        title="Backlog",
        viewer=viewer,
        items=items,
        total=total,
        values=values,
        errors=form.errors,
        teams=teams,
        vendors=[str(v) for v in Vendor],
        categories=[str(c) for c in StatusCategory],
        types=[str(t) for t in ItemType],
        sort_labels=SORT_LABELS,
        next_link=query_string(kept, cursor=next_cursor) if next_cursor else None,
        first_link=query_string(kept) if after is not None else None,
    )


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
