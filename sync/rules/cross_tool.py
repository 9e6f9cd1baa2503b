"""Cross-tool rules: R16 linked status mismatch and R17 duplicate candidates (with the blocking keys that keep
R17's candidate search near-linear)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz

from core.policy import RuleId
from core.policy.rules import DuplicateCandidate, LinkedStatusMismatch
from models.enums import ItemType, StatusCategory
from sync.rule_inputs import is_open
from sync.rules.base import Fired, RuleContext, SubjectType, settings_for

__all__ = [
    "DuplicatePair",
    "LinkedPair",
    "PairSide",
    "blocking_keys",
    "duplicate_candidate",
    "linked_status_mismatch",
    "normalise_title",
    "pair_key",
]

_PUNCTUATION = re.compile(r"[^\w\s]")
_TOOL_NOUN = {"jira": "Jira issue", "trello": "Trello card", "asana": "Asana task"}


def normalise_title(title: str) -> str:
    """Lower case, punctuation out, single spaces."""
    return " ".join(_PUNCTUATION.sub(" ", title.lower()).split())


def blocking_keys(normalised: str) -> Iterator[tuple[str, ...]]:
    """Keys two near-identical titles share: the sorted word set, and that set less any one word, so titles whose
    word sets differ by one insertion, deletion or substitution (a typo in one word) meet in one block."""
    words = tuple(sorted(set(normalised.split())))
    if not words:
        return
    yield words
    if len(words) < 3:
        return
    for dropped in range(len(words)):
        yield words[:dropped] + words[dropped + 1 :]


def pair_key(first: int, second: int) -> str:
    """The subject key of a pair of items: both ids, smaller first."""
    low, high = sorted((first, second))
    return f"{low}:{high}"


@dataclass(frozen=True, slots=True)
class PairSide:
    """One item of a pair, with what the pair rules and exemptions read."""

    id: int
    source: str
    display: str
    url: str | None
    team: str | None
    category: StatusCategory
    created_at: datetime | None
    resolved_at: datetime | None
    title: str = ""
    type: ItemType = ItemType.OTHER
    labels: tuple[str, ...] = ()
    assignee_names: tuple[str, ...] = ()

    @property
    def noun(self) -> str:
        """ "Jira issue", "Trello card", "Asana task"."""
        return _TOOL_NOUN.get(self.source, "item")


def _exempt(side: PairSide, settings: DuplicateCandidate | LinkedStatusMismatch) -> bool:
    return settings.exempt.exempts(
        labels=list(side.labels), item_type=side.type.value, assignee_names=list(side.assignee_names)
    )


@dataclass(frozen=True, slots=True)
class LinkedPair:
    """Two items in different tools joined by an explicit link or a mention."""

    first: PairSide
    second: PairSide


def linked_status_mismatch(pair: LinkedPair, ctx: RuleContext) -> Fired | None:
    """Two linked items in different tools disagree, one done and the other open, for longer than 24 hours."""
    a, b = pair.first, pair.second
    if a.source == b.source:
        return None
    if a.category is StatusCategory.DONE and is_open(b.category):
        done, still_open = a, b
    elif b.category is StatusCategory.DONE and is_open(a.category):
        done, still_open = b, a
    else:
        return None
    settings = settings_for(ctx, RuleId.R16, still_open.team, LinkedStatusMismatch)
    if not settings.enabled or _exempt(still_open, settings) or _exempt(done, settings):
        return None
    since = done.resolved_at
    if since is None:
        return None
    if still_open.created_at is not None and still_open.created_at > since:
        since = still_open.created_at
    hours = (ctx.now - since).total_seconds() / 3600
    if hours <= settings.hours:
        return None
    return Fired(
        rule_id=RuleId.R16,
        subject_type=SubjectType.ITEM_PAIR,
        subject_key=pair_key(a.id, b.id),
        message=(
            f"{done.display} is done in {done.source.capitalize()} but its linked {still_open.noun} "
            f"{still_open.display} is still open ({hours / 24:.1f} days)."
        ),
        severity=settings.severity,
        team=still_open.team,
        url=still_open.url,
        work_item_id=still_open.id,
        details={"done_item": done.id, "open_item": still_open.id, "done_url": done.url, "hours": round(hours, 1)},
    )


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two candidate items whose titles met in a block, and whether any link joins them."""

    first: PairSide
    second: PairSide
    linked: bool


def duplicate_candidate(pair: DuplicatePair, ctx: RuleContext) -> Fired | None:
    """Two open, unlinked items, in any tools, have titles at least 90% alike (case and punctuation ignored) and
    were created within 60 days of each other."""
    a, b = sorted((pair.first, pair.second), key=lambda side: side.id)
    if pair.linked or a.id == b.id or not is_open(a.category) or not is_open(b.category):
        return None
    if a.created_at is None or b.created_at is None:
        return None
    settings_a = settings_for(ctx, RuleId.R17, a.team, DuplicateCandidate)
    settings_b = settings_for(ctx, RuleId.R17, b.team, DuplicateCandidate)
    if not (settings_a.enabled and settings_b.enabled) or _exempt(a, settings_a) or _exempt(b, settings_b):
        return None
    apart = abs((a.created_at - b.created_at).total_seconds()) / 86_400
    if apart > min(settings_a.window_days, settings_b.window_days):
        return None
    similarity = fuzz.ratio(normalise_title(a.title), normalise_title(b.title)) / 100
    if similarity < max(settings_a.similarity, settings_b.similarity):
        return None
    where = (
        "both in " + a.source.capitalize()
        if a.source == b.source
        else f"in {a.source.capitalize()} and {b.source.capitalize()}"
    )
    return Fired(
        rule_id=RuleId.R17,
        subject_type=SubjectType.ITEM_PAIR,
        subject_key=pair_key(a.id, b.id),
        message=f"{a.display} and {b.display} ({where}) look like duplicates ({similarity:.0%} alike).",
        severity=settings_a.severity,
        team=a.team,
        url=a.url,
        work_item_id=a.id,
        details={"items": [a.id, b.id], "urls": [a.url, b.url], "similarity": round(similarity, 3)},
    )
