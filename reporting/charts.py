"""Charts as inline SVG strings, drawn with matplotlib (Agg, no pyplot, no network, no JavaScript).

Each function returns one ``<svg>`` element ready to be pasted into an HTML page:

- no XML declaration or DOCTYPE (it is inline, not a file);
- ``role="img"`` with a ``<title>`` and a ``<desc>`` (screen readers read them; browsers show the title as a tooltip);
- every ``id`` is prefixed with a digest of the chart's content, so several charts on one page never share an id;
- deterministic: the same input gives byte-identical output (fixed ``svg.hashsalt``, no date or creator metadata),
  so a report that embeds charts hashes the same every time it is rendered.

Text is kept as ``<text>`` (``svg.fonttype = none``): smaller than glyph paths and readable by assistive tools.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import threading
from collections.abc import Mapping, Sequence
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["bar_chart_svg", "line_chart_svg"]

# Width x height in inches at 100 dpi: 6.4 x 3.2 scales down cleanly to a phone (the SVG gets width 100%).
_FIGSIZE = (6.4, 3.2)
_PALETTE = ("#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2")
_BAR_COLOUR = "#2563eb"
_SVG_RC = {
    "svg.hashsalt": "baton-report",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_METADATA: dict[str, str | None] = {"Date": None, "Creator": None, "Format": None, "Type": None}
# matplotlib's rcParams are process-global; one lock makes the rc_context + savefig pair safe from threads
# (the scheduler thread renders the nightly report while API requests may render too).
_RENDER_LOCK = threading.Lock()

_ID_ATTR = re.compile(r'\bid="([^"]+)"')
_URL_REF = re.compile(r"url\(#([^)]+)\)")
_HREF_REF = re.compile(r'(xlink:href|href)="#([^"]+)"')
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


@cache
def _matplotlib() -> ModuleType:
    """matplotlib on the Agg backend, imported on first use (commands that draw no chart do not pay for it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure

    return matplotlib


def _new_figure() -> Figure:
    return _matplotlib().figure.Figure(figsize=_FIGSIZE)  # type: ignore[no-any-return]


def _rc() -> Any:
    return _matplotlib().rc_context(_SVG_RC)


def bar_chart_svg(labels: Sequence[str], values: Sequence[float], *, title: str, y_label: str) -> str:
    """One bar per label; returns an accessible, deterministic inline ``<svg>``.

    Raises ``ValueError`` when ``labels`` and ``values`` differ in length. An empty chart says "No data".
    """
    if len(labels) != len(values):
        raise ValueError(f"bar chart {title!r}: {len(labels)} labels but {len(values)} values")
    description = _describe(title, y_label, {y_label: list(values)}, list(labels))
    with _RENDER_LOCK, _rc():
        figure = _new_figure()
        axes = figure.add_subplot()
        if labels:
            positions = list(range(len(labels)))
            axes.bar(positions, [float(v) for v in values], color=_BAR_COLOUR, width=0.7)
            axes.set_xticks(positions, [str(label) for label in labels])
            _thin_ticks(axes, len(labels))
        else:
            _no_data(axes)
        _decorate(axes, y_label)
        return _finish(figure, title, description)


def line_chart_svg(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    y_label: str,
) -> str:
    """One line per named series over the shared ``x_labels``; ``None`` leaves a gap.

    Raises ``ValueError`` when a series does not have one value per label. An empty chart says "No data".
    """
    for name, values in series.items():
        if len(values) != len(x_labels):
            raise ValueError(
                f"line chart {title!r}: series {name!r} has {len(values)} values for {len(x_labels)} labels"
            )
    description = _describe(title, y_label, {name: list(v) for name, v in series.items()}, list(x_labels))
    with _RENDER_LOCK, _rc():
        figure = _new_figure()
        axes = figure.add_subplot()
        has_points = bool(x_labels) and any(value is not None for values in series.values() for value in values)
        if has_points:
            positions = list(range(len(x_labels)))
            for index, (name, values) in enumerate(series.items()):
                points = [float("nan") if value is None else float(value) for value in values]
                axes.plot(
                    positions,
                    points,
                    label=name,
                    color=_PALETTE[index % len(_PALETTE)],
                    marker="o",
                    markersize=3,
                    linewidth=1.8,
                )
            axes.set_xticks(positions, [str(label) for label in x_labels])
            _thin_ticks(axes, len(x_labels))
            if len(series) > 1:
                axes.legend(frameon=False, fontsize=8)
        else:
            _no_data(axes)
        _decorate(axes, y_label)
        return _finish(figure, title, description)


def _thin_ticks(axes: object, count: int) -> None:
    """Show at most ~8 x labels, rotated, so weekly labels stay legible on a narrow screen."""
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    step = max(1, -(-count // 8))
    for index, label in enumerate(axes.get_xticklabels()):
        label.set_visible(index % step == 0)
        label.set_rotation(30)
        label.set_horizontalalignment("right")


def _no_data(axes: object) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    axes.text(0.5, 0.5, "No data", ha="center", va="center", transform=axes.transAxes, color="#6b7280")
    axes.set_xticks([])
    axes.set_yticks([])


def _decorate(axes: object, y_label: str) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    axes.set_ylabel(y_label)
    axes.grid(axis="y", color="#e5e7eb", linewidth=0.6)
    axes.set_axisbelow(True)


def _describe(title: str, y_label: str, series: Mapping[str, Sequence[float | None]], labels: Sequence[str]) -> str:
    """A plain-text description of the data for the ``<desc>`` element (what a screen reader reads)."""
    if not labels:
        return f"{title}: no data."
    parts = []
    for name, values in series.items():
        pairs = ", ".join(
            f"{label} {'no value' if value is None else _number(value)}"
            for label, value in zip(labels, values, strict=True)
        )
        parts.append(f"{name}: {pairs}")
    return f"{title} ({y_label}). " + "; ".join(parts) + "."


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _finish(figure: Figure, title: str, description: str) -> str:
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata=_METADATA)
    return _make_inline(buffer.getvalue(), title, description)


def _make_inline(document: str, title: str, description: str) -> str:
    """Strip the file prologue, prefix ids, add role/title/desc and a responsive width."""
    start = document.index("<svg")
    svg = document[start:].strip()
    prefix = "c" + hashlib.sha256(json.dumps([title, description, svg]).encode()).hexdigest()[:10]
    svg = _ID_ATTR.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = _HREF_REF.sub(lambda m: f'{m.group(1)}="#{prefix}-{m.group(2)}"', svg)
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    opening = _SVG_OPEN.search(svg)
    if opening is None:  # matplotlib always writes one; this guards a future format change loudly
        raise RuntimeError("matplotlib produced no <svg> element")
    tag = opening.group(0)
    tag = re.sub(r'\swidth="[^"]*"', ' width="100%"', tag, count=1)
    tag = re.sub(r'\sheight="[^"]*"', "", tag, count=1)
    new_tag = tag[:-1] + f' role="img" aria-labelledby="{title_id} {desc_id}" class="chart">'
    accessible = (
        f'<title id="{title_id}">{html.escape(title)}</title><desc id="{desc_id}">{html.escape(description)}</desc>'
    )
    return svg[: opening.start()] + new_tag + accessible + svg[opening.end() :]
