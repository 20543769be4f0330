"""The board as a static web page: one sortable table per family, intervals, a plot per env.

``render_board(board, out_dir)`` writes ``index.html`` and ``plots/<env>.png``. The page loads
nothing from the network: its style and its sorting script are inline, its plots are files
beside it, so it can be opened from disk or served from any static host. Clicking a column
header sorts the table by it (again to reverse); each sortable cell carries its sort key in
``data-sort``, so "12.3 [10.1, 14.0]" sorts by 12.3.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import rlbench_suite
from rlbench_suite.leaderboard.board import ranking_key

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #ddd; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { padding: 0.35rem 0.6rem; border-bottom: 1px solid #eee; text-align: right; }
th { background: #f4f4f8; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.text, th.text { text-align: left; }
.ci { color: #777; font-size: 0.8rem; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; margin-top: 1rem; }
.plots figure { margin: 0; } .plots img { max-width: 560px; border: 1px solid #eee; }
footer { margin-top: 3rem; color: #777; font-size: 0.8rem; }
"""

# Sorting without a library: numbers compare as numbers, text as text, empty cells last.
SCRIPT = """
document.querySelectorAll("table.board").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (header, column) {
    header.addEventListener("click", function () {
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var numeric = header.dataset.type === "number";
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.sort, y = b.cells[column].dataset.sort;
        if (x === "" || y === "") { return (x === "") - (y === ""); }
        var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""

COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "number"),
    ("entry", "text"),
    ("env", "text"),
    ("algorithm", "text"),
    ("kind", "text"),
    ("timesteps", "number"),
    ("seeds", "number"),
    ("episodes", "number"),
    ("IQM normalised", "number"),
    ("optimality gap", "number"),
    ("mean return", "number"),
)


def _number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _estimate_cell(estimate: Mapping[str, float] | None) -> tuple[str, str]:
    if estimate is None:
        return "", "&ndash;"
    text = (
        f"{_number(estimate['point'])} "
        f"<span class=ci>[{_number(estimate['low'])}, {_number(estimate['high'])}]</span>"
    )
    return repr(estimate["point"]), text


def _mean_return_cell(mean_return: Mapping[str, Any]) -> tuple[str, str]:
    point, ci95 = mean_return["point"], mean_return["ci95"]
    if isinstance(point, list):  # a vector return: one mean per objective, no single order
        cells = ", ".join(_number(value, 2) for value in point)
        return "", f"({cells})"
    interval = "" if ci95 is None else f" <span class=ci>&plusmn; {_number(ci95, 2)}</span>"
    return repr(point), f"{_number(point, 2)}{interval}"


def _row(rank: int, entry: Mapping[str, Any]) -> str:
    scores = entry["scores"]
    normalised = scores["normalised"] or {}
    cells = [
        (str(rank), str(rank)),
        (entry["name"], html.escape(entry["name"])),
        (entry["env_id"], html.escape(entry["env_id"])),
        (
            entry["algorithm"]["name"],
            html.escape(f"{entry['algorithm']['name']} {entry['algorithm']['version']}"),
        ),
        (entry["algorithm"]["kind"], html.escape(entry["algorithm"]["kind"])),
        (str(entry["training_timesteps"]), f"{entry['training_timesteps']:,}"),
        (str(scores["seeds"]), str(scores["seeds"])),
        (str(scores["episodes"]), str(scores["episodes"])),
        _estimate_cell(normalised.get("iqm")),
        _estimate_cell(normalised.get("optimality_gap")),
        _mean_return_cell(scores["mean_return"]),
    ]
    tds = []
    for (sort_key, text), (_, kind) in zip(cells, COLUMNS, strict=True):
        css = ' class="text"' if kind == "text" else ""
        tds.append(f'<td{css} data-sort="{html.escape(sort_key)}">{text}</td>')
    return "<tr>" + "".join(tds) + "</tr>"


def _table(family: str, entries: Sequence[Mapping[str, Any]]) -> str:
    headers = "".join(
        f'<th data-type="{kind}"{" class=text" if kind == "text" else ""}>{name}</th>'
        for name, kind in COLUMNS
    )
    ranked = sorted(entries, key=ranking_key)
    rows = "\n".join(_row(rank, entry) for rank, entry in enumerate(ranked, start=1))
    return (
        f'<table class="board" id="family-{html.escape(family)}">'
        f"<thead><tr>{headers}</tr></thead>\n<tbody>\n{rows}\n</tbody></table>"
    )


def plot_env(env_id: str, entries: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Per-seed scores of every entry on ``env_id``: a dot per seed and the interval."""
    from rlbench_suite.scoring.aggregate import IntervalEstimate
    from rlbench_suite.scoring.plots import plot_seed_scores

    ranked = sorted(entries, key=ranking_key)
    normalised = all(entry["scores"]["normalised"] for entry in ranked)
    rows = []
    for entry in ranked:
        scores = entry["scores"]
        if normalised:
            values = scores["normalised"]["per_seed"]
            iqm = scores["normalised"]["iqm"]
            estimate = IntervalEstimate(iqm["point"], iqm["low"], iqm["high"])
        else:  # no references (or a vector return): the first objective's raw means
            values = [float(np.atleast_1d(value)[0]) for value in scores["per_seed_mean_return"]]
            point = float(np.mean(values))
            half = np.atleast_1d(scores["mean_return"]["ci95"])[0]
            half = 0.0 if half is None else float(half)
            estimate = IntervalEstimate(point, point - half, point + half)
        rows.append((entry["name"], values, estimate))
    xlabel = "normalised score (IQM, 95% CI; dots: seeds)" if normalised else "mean return"
    return plot_seed_scores(rows, path, env_id, xlabel)


def render_board(board: Mapping[str, Any], out_dir: Path | str) -> Path:
    """Write ``index.html`` and the per-env plots for ``board`` into ``out_dir``."""
    out_dir = Path(out_dir)
    (out_dir / "plots").mkdir(parents=True, exist_ok=True)
    by_family: dict[str, list[Mapping[str, Any]]] = {}
    for entry in board["entries"]:
        by_family.setdefault(entry["family"], []).append(entry)
    sections = []
    for family in sorted(by_family):
        entries = by_family[family]
        figures = []
        for env_id in sorted({entry["env_id"] for entry in entries}):
            file_name = env_id.replace("/", "_") + ".png"
            plot_env(
                env_id, [e for e in entries if e["env_id"] == env_id], out_dir / "plots" / file_name
            )
            figures.append(
                f'<figure><img src="plots/{html.escape(file_name)}" '
                f'alt="scores on {html.escape(env_id)}"></figure>'
            )
        sections.append(
            f"<section><h2>{html.escape(family)}</h2>\n{_table(family, entries)}\n"
            f'<div class="plots">{"".join(figures)}</div></section>'
        )
    body = "\n".join(sections) or "<p>No entries yet.</p>"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rlbench leaderboard</title><style>{STYLE}</style></head>
<body><h1>rlbench leaderboard</h1>
<p>Scores are recomputed from each submission's raw returns. Normalised: 0 = the env's random
agent, 100 = its expert. IQM and optimality gap over seeds with 95% stratified-bootstrap
intervals (rliable); mean return &plusmn; the 95% Student-t half-width over seeds. Click a column
header to sort.</p>
{body}
<footer>rlbench_suite {html.escape(rlbench_suite.__version__)},
{len(board["entries"])} entries.</footer>
<script>{SCRIPT}</script>
</body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page)
    return index
