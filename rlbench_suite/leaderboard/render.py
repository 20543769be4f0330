"""The board as a static site: family rankings on the index, one page per env.

``render_board(entries, out_dir)`` writes::

    index.html              the families: each one's aggregated ranking (rliable IQM [95 % CI],
                            optimality gap), the algorithms left out and why, its plots, its envs
    envs/<Name-vN>.html     one env: its card, its verified ranking, then the unverified, disputed
                            and self-reported entries in separate tables, never ranked
    plots/*.png             performance profiles, aggregate intervals, per-env seed scores

The ranking rules are those of :mod:`rlbench_suite.leaderboard.rankings`: only the board's
re-evaluation of a verified entry is ranked; claimed numbers are shown beside it for comparison.

The site loads nothing from the network: style and script are inline (and pinned by hash in a
Content-Security-Policy, so no other script can run even if some text slipped through
unescaped), plots are files beside the pages, so it opens from disk or any static host. Every
text that came from a submission is stripped of control characters and escape sequences and
then HTML-escaped. Clicking a column header sorts the table by it (again to reverse); each cell
carries its sort key in ``data-sort``, so "12.3 [10.1, 14.0]" sorts by 12.3. Pages fit a
1280 px window: nothing has a fixed width, and long names wrap anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np

import rlbench_suite
from rlbench_suite.leaderboard.rankings import (
    FAMILY_BOOTSTRAP_REPS,
    EntryRecord,
    EnvRanking,
    FamilyRanking,
    RankingMetric,
    algorithm_label,
    env_rankings,
    family_rankings,
    ranked_scores,
)
from rlbench_suite.leaderboard.submission import printable
from rlbench_suite.registry import EnvCard, env_card
from rlbench_suite.scoring.aggregate import IntervalEstimate

STYLE = """
*, *::before, *::after { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 1.5rem 1rem 2rem;
       max-width: 1200px; color: #222; line-height: 1.4; overflow-wrap: break-word; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { margin-top: 2.5rem; border-bottom: 2px solid #ddd; }
h3 { margin-top: 1.6rem; font-size: 1.05rem; }
a { color: #1a4fa0; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; margin: 0.6rem 0; }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid #eee; text-align: right;
         vertical-align: top; overflow-wrap: normal; }
/* Text a submitter chose can be one unbroken run of any length: it may break anywhere, so it
   never widens the page. Other cells break between words only, so columns keep whole words. */
td.wrap { overflow-wrap: anywhere; min-width: 9em; }
th { background: #f4f4f8; cursor: pointer; user-select: none; }
th:focus { outline: 2px solid #1a4fa0; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.text, th.text { text-align: left; }
.ci, .detail { color: #777; font-size: 0.8rem; }
.status { font-size: 0.78rem; padding: 0.05rem 0.35rem; border-radius: 0.3rem; }
.status-verified { background: #dcf3e0; } .status-disputed { background: #fbe0dc; }
.status-unverified { background: #eee; } .status-self-reported { background: #fdf1cf; }
.apart { border-left: 4px solid #ccc; padding-left: 0.8rem; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; margin-top: 1rem; }
.plots figure { margin: 0; max-width: 100%; }
.plots.shared figure { flex: 1 1 0; min-width: 0; } .plots.shared img { width: 100%; }
.nowrap { white-space: nowrap; }
.plots img { max-width: 100%; height: auto; border: 1px solid #eee; }
dl.card { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.card dt { font-weight: 600; } dl.card dd { margin: 0; }
footer { margin-top: 3rem; color: #777; font-size: 0.8rem; }
"""

# Sorting without a library: numbers compare as numbers, text as text, empty cells last.
SCRIPT = """
document.querySelectorAll("table.board").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (header, column) {
    function sort() {
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
    }
    header.addEventListener("click", sort);
    header.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
    });
  });
});
"""


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# Only this page's own style and script may run, images come from beside the page, and nothing
# else loads: a second line of defence behind the escaping.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; img-src 'self'; style-src {_csp_hash(STYLE)}; "
    f"script-src {_csp_hash(SCRIPT)}; base-uri 'none'; form-action 'none'"
)

EMPTY_CELL = "&ndash;"
PLOT_LABEL_LENGTH = 32  # characters of an entry name or label shown on a plot axis

#: "free text" is text a submitter chose (names, submitters): it may wrap anywhere.
ColumnType = Literal["number", "text", "free text"]
#: A table cell: its sort key (plain text, "" sorts last) and its HTML.
Cell = tuple[str, str]


def display_text(value: object) -> str:
    """Any value as HTML-safe text: control characters stripped, then HTML-escaped."""
    return html.escape(printable(str(value)), quote=True)


def _plot_label(value: object, max_length: int = PLOT_LABEL_LENGTH) -> str:
    # A long name would squeeze a plot's axes to nothing: keep its start and its end (where the
    # env name is); the table beside has it whole. Matplotlib reads text between dollar signs as
    # math, which can fail to parse.
    text = printable(str(value))
    if len(text) > max_length:
        head = (max_length - 1) // 2
        text = text[:head] + "…" + text[-(max_length - 1 - head) :]
    return text.replace("$", r"\$")


def _file_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text).lstrip(".") or "_"


def env_page_name(env_id: str) -> str:
    """The file name of an env's page: ``rlbench/CartPole-v1`` -> ``CartPole-v1.html``."""
    return _file_stem(env_id.split("/", 1)[-1]) + ".html"


# -- Cells ---------------------------------------------------------------------------------------


def _number(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def _bound(value: float | Sequence[float]) -> str:
    """A return bound: a number, or one per objective; an uncapped side is infinite."""
    if isinstance(value, int | float):
        return _number(value)
    return "(" + ", ".join(_number(item) for item in value) + ")"


def _text_cell(value: object) -> Cell:
    if value is None or value == "":
        return "", EMPTY_CELL
    text = printable(str(value))
    return text, html.escape(text)


def _interval_cell(estimate: Mapping[str, float] | IntervalEstimate | None) -> Cell:
    if estimate is None:
        return "", EMPTY_CELL
    if isinstance(estimate, IntervalEstimate):
        point, low, high = estimate.point, estimate.low, estimate.high
    else:
        point, low, high = estimate["point"], estimate["low"], estimate["high"]
    return repr(float(point)), (
        f"{_number(point, 1)} <span class=ci>[{_number(low, 1)}, {_number(high, 1)}]</span>"
    )


def _normalised_iqm_cell(scores: Mapping[str, Any] | None) -> Cell:
    normalised = None if scores is None else scores.get("normalised")
    return _interval_cell(None if normalised is None else normalised["iqm"])


def _mean_return_cell(scores: Mapping[str, Any] | None) -> Cell:
    if scores is None:
        return "", EMPTY_CELL
    point, ci95 = scores["mean_return"]["point"], scores["mean_return"]["ci95"]
    if isinstance(point, list):  # a vector return: one mean per objective, no single order
        return "", "(" + ", ".join(_number(value) for value in point) + ")"
    interval = "" if ci95 is None else f" <span class=ci>&plusmn; {_number(ci95)}</span>"
    return repr(float(point)), f"{_number(point)}{interval}"


def _front_cell(scores: Mapping[str, Any] | None, metric: str) -> Cell:
    """Hypervolume or expected utility of an entry's front, with its bootstrap interval."""
    front = None if scores is None else scores.get("multi_objective")
    if front is None:
        return "", EMPTY_CELL
    estimate = front[metric]
    if estimate["low"] is None:
        return repr(float(estimate["point"])), _number(estimate["point"])
    return _interval_cell(estimate)


def _agent_returns_cell(scores: Mapping[str, Any] | None) -> Cell:
    """Each agent's own mean return (multi-agent envs): ``name mean ± ci`` per agent."""
    per_agent = None if scores is None else scores.get("agent_mean_return")
    if not per_agent:
        return "", EMPTY_CELL
    parts = []
    for agent, estimate in per_agent.items():
        point, ci95 = estimate["point"], estimate["ci95"]
        if isinstance(point, list):
            value = "(" + ", ".join(_number(item) for item in point) + ")"
        else:
            interval = "" if ci95 is None else f" <span class=ci>&plusmn; {_number(ci95)}</span>"
            value = _number(point) + interval
        parts.append(f"<span class=nowrap>{display_text(agent)} {value}</span>")
    return "", "<br>".join(parts)


def _breakable(escaped_text: str) -> str:
    # Let a name wrap after its dots and underscores (hyphens already allow it), so that
    # "ppo.CartPole-v1" wraps as "ppo." / "CartPole-v1" before breaking inside a word.
    return re.sub(r"([._])", r"\1<wbr>", escaped_text)


def _entry_name_cell(entry: EntryRecord) -> Cell:
    sort_key, text = _text_cell(entry["name"])
    return sort_key, f'<span id="entry-{text}">{_breakable(text)}</span>'


def _algorithm_cell(entry: EntryRecord) -> Cell:
    algorithm = entry["algorithm"]
    label = printable(algorithm_label(entry))
    # A reference label names a role ("expert"): the agent that plays it goes beside.
    if algorithm["kind"] == "reference":
        details = [algorithm.get("agent") or algorithm["name"], algorithm["version"]]
    else:
        details = [algorithm["version"]]
    detail = " ".join(printable(str(part)) for part in details if part)
    return label, f"{html.escape(label)} <span class=detail>{html.escape(detail)}</span>"


def _date_cell(timestamp: str) -> Cell:
    text = printable(str(timestamp))
    return text, f'<span class=nowrap title="{html.escape(text)}">{html.escape(text[:10])}</span>'


def _status_cell(status: str) -> Cell:
    text = printable(status)
    css = _file_stem(text)
    return text, f'<span class="status status-{css}">{html.escape(text)}</span>'


def _claim_check_cell(entry: EntryRecord) -> Cell:
    checks = (entry.get("evaluation") or {}).get("claim_check") or []
    if not checks:
        return "", EMPTY_CELL
    disagreeing = [check for check in checks if check["verdict"] == "disagrees"]
    largest = max(float(check["max_abs_difference"]) for check in checks)
    return str(len(disagreeing)), (
        f"{len(disagreeing)} of {len(checks)} seeds disagree "
        f"<span class=detail>(largest |claimed &minus; measured| {_number(largest)})</span>"
    )


def _entry_cells(entry: EntryRecord) -> list[Cell]:
    return [
        _entry_name_cell(entry),
        _algorithm_cell(entry),
        _text_cell(entry["algorithm"]["kind"]),
        _text_cell(entry.get("submitter")),
        _date_cell(entry["submitted_at"]),
        _status_cell(entry["status"]),
    ]


ENTRY_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("entry", "free text"),
    ("algorithm", "free text"),
    ("kind", "text"),
    ("submitter", "free text"),
    ("date", "text"),
    ("status", "text"),
)


def _table(
    columns: Sequence[tuple[str, ColumnType]], rows: Sequence[Sequence[Cell]], table_id: str
) -> str:
    headers = "".join(
        f'<th scope="col" tabindex="0" data-type="{"number" if kind == "number" else "text"}"'
        f"{'' if kind == 'number' else ' class=text'}>{html.escape(name)}</th>"
        for name, kind in columns
    )
    body = []
    for row in rows:
        cells = []
        for (sort_key, inner), (_, kind) in zip(row, columns, strict=True):
            css = {"number": "", "text": ' class="text"', "free text": ' class="text wrap"'}[kind]
            cells.append(f'<td{css} data-sort="{html.escape(sort_key)}">{inner}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="board" id="{html.escape(table_id)}">'
        f"<thead><tr>{headers}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody></table>"
    )


# -- Plots ---------------------------------------------------------------------------------------


def _plot_env(ranking: EnvRanking, path: Path) -> Path:
    from rlbench_suite.scoring.plots import plot_seed_scores

    rows = []
    for entry in ranking.verified:
        scores = ranked_scores(entry)
        assert scores is not None  # env_rankings only lists verified entries with scores here
        if ranking.ranked_by == "normalised_iqm":
            values = scores["normalised"]["per_seed"]
            iqm = scores["normalised"]["iqm"]
            estimate = IntervalEstimate(iqm["point"], iqm["low"], iqm["high"])
        else:
            values = scores["per_seed_mean_return"]
            point, ci95 = scores["mean_return"]["point"], scores["mean_return"]["ci95"] or 0.0
            estimate = IntervalEstimate(point, point - ci95, point + ci95)
        rows.append((_plot_label(entry["name"]), values, estimate))
    xlabel = (
        "normalised score (IQM, 95% CI; dots: seeds)"
        if ranking.ranked_by == "normalised_iqm"
        else "mean return (95% CI; dots: seeds)"
    )
    return plot_seed_scores(rows, path, f"{ranking.env_id}: verified entries", xlabel)


def _plot_fronts(ranking: EnvRanking, card: EnvCard, plots_dir: Path) -> list[tuple[Path, str]]:
    """Each verified entry's front (its runs' mean return vectors), per pair of objectives.

    Two objectives give one plot; more give one per pair of the first three (projections, so a
    point that looks dominated there may not be).
    """
    from rlbench_suite.scoring.plots import plot_pareto_fronts

    points = {}
    for entry in ranking.verified:
        scores = ranked_scores(entry)
        assert scores is not None  # env_rankings only lists verified entries with scores here
        points[_plot_label(entry["name"])] = np.asarray(
            scores["multi_objective"]["points"], dtype=float
        )
    stem = _file_stem(card.id.split("/", 1)[-1])
    pairs = list(itertools.combinations(range(min(card.reward_dim, 3)), 2))
    images = []
    for first, second in pairs:
        suffix = "" if len(pairs) == 1 else f"-{first}-{second}"
        names = (card.objectives[first], card.objectives[second])
        path = plot_pareto_fronts(
            {label: cloud[:, [first, second]] for label, cloud in points.items()},
            plots_dir / f"{stem}-front{suffix}.png",
            objectives=(_plot_label(names[0]), _plot_label(names[1])),
        )
        images.append((path, f"fronts on {card.id}: {names[0]} against {names[1]}"))
    return images


def _plot_family(ranking: FamilyRanking, plots_dir: Path) -> list[tuple[Path, str]]:
    from rlbench_suite.scoring.plots import plot_interval_estimates, plot_performance_profiles

    stem = _file_stem(ranking.family)
    aggregates = {
        _plot_label(aggregate.label): {
            "iqm": aggregate.iqm,
            "median": aggregate.median,
            "mean": aggregate.mean,
            "optimality_gap": aggregate.optimality_gap,
        }
        for aggregate in ranking.ranked
    }
    intervals = plot_interval_estimates(
        aggregates,
        plots_dir / f"family-{stem}-aggregates.png",
        # IQM and optimality gap only: the table has all four, and two panels stay legible
        # beside the profile in a 1280 px window.
        metrics=("iqm", "optimality_gap"),
    )
    profiles = plot_performance_profiles(
        {_plot_label(label): profile for label, profile in ranking.profiles.items()},
        ranking.profile_thresholds,
        plots_dir / f"family-{stem}-profile.png",
    )
    return [
        (profiles, f"performance profiles of the {ranking.family} family"),
        (intervals, f"aggregate scores of the {ranking.family} family with 95% CIs"),
    ]


def _figures(images: Sequence[tuple[Path, str]], prefix: str) -> str:
    # Two or more plots share the row (shrunk to fit); a single one keeps its own size.
    figures = "".join(
        f'<figure><img src="{html.escape(prefix + "plots/" + image.name)}" '
        f'alt="{display_text(alt)}"></figure>'
        for image, alt in images
    )
    return f'<div class="plots{" shared" if len(images) > 1 else ""}">{figures}</div>'


# -- Pages ---------------------------------------------------------------------------------------


def _page(title: str, body: str, generated_at: datetime, entry_count: int) -> str:
    rendered = generated_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{display_text(title)}</title><style>{STYLE}</style></head>
<body>
{body}
<footer>rlbench_suite {display_text(rlbench_suite.__version__)} &middot; rendered {rendered}
&middot; {entry_count} entries.</footer>
<script>{SCRIPT}</script>
</body></html>
"""


INDEX_INTRO = """<p>Ranked numbers come only from the board's own re-evaluation: a <em>verified</em>
entry was re-run by the board (its model or reference agent, on seeds the board chose) and the
returns its submitter claimed agreed. Entries not re-run yet (<em>unverified</em>), re-run with a
claim that disagrees (<em>disputed</em>) and custom code the board cannot re-run
(<em>self-reported</em>) are listed on each env's page, apart and never ranked.</p>
<p>Normalised score: 0 = the env's zero anchor, the best of its random agent and trivial policies
that repeat one action (hover thrust, a no-op, one utterance), so a policy that learned nothing
scores about 0; 100 = its expert (reference scores on each env's card). A family table aggregates
only the algorithms with a verified entry on <em>every</em> env of the family that has reference
scores, their best one per env: rliable's IQM, median, mean and optimality gap over envs &times;
seeds, with 95% stratified-bootstrap intervals; rliable needs the same number of runs on every env,
so each algorithm uses its first <em>n</em> seeds on every env, <em>n</em> the fewest any of its
entries has. Click a column header to sort.</p>"""

FAMILY_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("rank", "number"),
    ("algorithm", "free text"),
    ("IQM normalised [95% CI]", "number"),
    ("median [95% CI]", "number"),
    ("mean [95% CI]", "number"),
    ("optimality gap [95% CI]", "number"),
    ("seeds per env", "number"),
)

FAMILY_ENV_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("env", "free text"),
    ("verified", "number"),
    ("disputed", "number"),
    ("unverified", "number"),
    ("self-reported", "number"),
    ("counts for the family ranking", "text"),
)


def _family_env_ids(ranking: FamilyRanking, rankings: Mapping[str, EnvRanking]) -> list[str]:
    on_board = {env_id for env_id in rankings if env_card(env_id).family == ranking.family}
    return sorted(set(ranking.env_ids) | on_board)


def _why_not_aggregated(card: EnvCard) -> str:
    if card.multi_agent:
        return "no: multi-agent"
    return "no: no usable reference scores"


def _family_section(
    ranking: FamilyRanking, rankings: Mapping[str, EnvRanking], plots_dir: Path
) -> str:
    family = display_text(ranking.family)
    parts = [f'<section id="family-{html.escape(_file_stem(ranking.family))}"><h2>{family}</h2>']
    if ranking.ranked:
        seeds = ", ".join(map(str, sorted({item.runs_per_env for item in ranking.ranked})))
        envs = f"{len(ranking.env_ids)} env{'s' if len(ranking.env_ids) > 1 else ''}"
        parts.append(
            f"<p>Aggregated over the {envs} of this family with reference scores (listed "
            f"below); seeds per env: {seeds}.</p>"
        )
        rows = []
        for rank, aggregate in enumerate(ranking.ranked, start=1):
            label = display_text(aggregate.label)
            used = display_text("entries: " + ", ".join(aggregate.entry_names))
            rows.append(
                [
                    (str(rank), str(rank)),
                    (
                        printable(aggregate.label),
                        f'<span title="{used}">{label}</span>',
                    ),
                    _interval_cell(aggregate.iqm),
                    _interval_cell(aggregate.median),
                    _interval_cell(aggregate.mean),
                    _interval_cell(aggregate.optimality_gap),
                    (str(aggregate.runs_per_env), str(aggregate.runs_per_env)),
                ]
            )
        parts.append(_table(FAMILY_COLUMNS, rows, f"family-table-{_file_stem(ranking.family)}"))
    elif ranking.env_ids:
        parts.append(
            "<p>No algorithm has a verified entry on every env of this family yet, so nothing is "
            "aggregated; see each env's own ranking below.</p>"
        )
    else:
        parts.append("<p>This family has no env with reference scores to aggregate over.</p>")
    if ranking.excluded:
        items = "".join(
            f"<li><strong>{display_text(excluded.label)}</strong>: {display_text(excluded.reason)}"
            "</li>"
            for excluded in ranking.excluded
        )
        parts.append(f"<h3>Not in the family ranking</h3><ul>{items}</ul>")
    if ranking.ranked:
        parts.append(_figures(_plot_family(ranking, plots_dir), ""))
    env_rows = []
    for env_id in _family_env_ids(ranking, rankings):
        env_ranking = rankings.get(env_id)
        counts = [
            len(getattr(env_ranking, group)) if env_ranking else 0
            for group in ("verified", "disputed", "unverified", "self_reported")
        ]
        in_ranking = "yes" if env_id in ranking.env_ids else _why_not_aggregated(env_card(env_id))
        link = f'<a href="envs/{html.escape(env_page_name(env_id))}">{display_text(env_id)}</a>'
        env_rows.append(
            [
                (env_id, link),
                *[(str(count), str(count)) for count in counts],
                (in_ranking, in_ranking),
            ]
        )
    parts.append("<h3>Envs</h3>")
    parts.append(_table(FAMILY_ENV_COLUMNS, env_rows, f"family-envs-{_file_stem(ranking.family)}"))
    parts.append("</section>")
    return "\n".join(parts)


def _index_page(
    families: Mapping[str, FamilyRanking],
    rankings: Mapping[str, EnvRanking],
    entries: Sequence[EntryRecord],
    plots_dir: Path,
    generated_at: datetime,
) -> str:
    counts = {
        status: sum(entry["status"] == status for entry in entries)
        for status in ("verified", "disputed", "unverified", "self-reported")
    }
    summary = ", ".join(f"{count} {status}" for status, count in counts.items())
    navigation = " &middot; ".join(
        f'<a href="#family-{html.escape(_file_stem(family))}">{display_text(family)}</a>'
        for family in families
    )
    sections = "\n".join(
        _family_section(ranking, rankings, plots_dir) for ranking in families.values()
    )
    body = (
        f"<h1>rlbench leaderboard</h1>\n{INDEX_INTRO}\n"
        f"<p>{len(entries)} entries: {summary}.</p>\n<nav>Families: {navigation}</nav>\n"
        f"{sections or '<p>No entries yet.</p>'}"
    )
    return _page("rlbench leaderboard", body, generated_at, len(entries))


def _card_section(card: EnvCard) -> str:
    references = card.references
    rows = [
        (
            "family",
            f'<a href="../index.html#family-{html.escape(_file_stem(card.family))}">'
            f"{display_text(card.family)}</a>",
        ),
        ("summary", display_text(card.summary) if card.summary else EMPTY_CELL),
        ("anchor", display_text(card.anchor) if card.anchor else EMPTY_CELL),
    ]
    if card.reward_dim > 1:
        rows.append(
            (
                "reference scores",
                "none on a scalar scale (returns are vectors): entries are ranked by hypervolume; "
                "each reference agent's mean vector is on the card (rlbench info)",
            )
        )
    elif references is None:
        rows.append(("reference scores", "none: entries are ranked by mean return"))
    else:
        rows.append(
            (
                "random",
                f"{_number(references.random)} <span class=ci>&plusmn; "
                f"{_number(references.random_ci95)}</span> (the random agent)",
            )
        )
        trivial = ", ".join(
            f"<code>{display_text(name)}</code> {_number(mean)}"
            for name, mean in references.trivial
        )
        rows.append(
            (
                "zero anchor",
                f"{_number(references.zero_anchor)} (<code>"
                f"{display_text(references.zero_agent)}</code>, the best of random and the "
                f"trivial policies; normalised 0)" + (f"; trivial: {trivial}" if trivial else ""),
            )
        )
        rows.append(
            (
                "expert",
                f"{_number(references.expert)} <span class=ci>&plusmn; "
                f"{_number(references.expert_ci95)}</span> (agent "
                f"<code>{display_text(references.expert_agent)}</code>; normalised 100)",
            )
        )
        rows.append(
            (
                "measured",
                f"{references.episodes} episodes from seed {references.seed}; "
                f"{display_text(references.source)}",
            )
        )
    if card.success_threshold is not None:
        rows.append(
            (
                "success measure",
                f"an episode counts as solved at a return of {_number(card.success_threshold)}"
                + (f" ({display_text(card.success_source)})" if card.success_source else ""),
            )
        )
    if card.reward_dim > 1:
        rows.append(
            (
                "objectives",
                ", ".join(f"<code>{display_text(name)}</code>" for name in card.objectives)
                + " (all maximised)",
            )
        )
        if card.reference_point is not None:
            rows.append(
                (
                    "reference point",
                    "("
                    + ", ".join(_number(value) for value in card.reference_point)
                    + ") hypervolumes are measured from"
                    + (" (per agent: the team return over the agents)" if card.multi_agent else ""),
                )
            )
    if card.return_bounds is not None:
        low, high = card.return_bounds
        per_agent = " per agent" if card.multi_agent else ""
        rows.append(
            (
                "possible returns",
                f"[{_bound(low)}, {_bound(high)}] per episode{per_agent}; returns outside are "
                "refused",
            )
        )
    items = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<dl class="card">{items}</dl>'


RANKING_EXPLANATIONS: Mapping[RankingMetric, str] = {
    "normalised_iqm": "Ranked by the board's own re-evaluation, best normalised IQM (point "
    "estimate) first. The claimed mean return is what the submitter reported, shown for "
    "comparison only.",
    "mean_return": "Ranked by the board's own re-evaluation, best mean return first (some entry "
    "here has no normalised score). The claimed mean return is what the submitter reported, "
    "shown for comparison only.",
    "hypervolume": "Returns on this env are vectors, one per objective (all maximised). An "
    "entry's front is the set of its runs' mean return vectors; entries are ranked by the "
    "board's own re-evaluation, largest hypervolume above the card's reference point first, "
    "with the expected utility over equally spaced weights beside it (both with 95% "
    "stratified-bootstrap intervals over each run's episodes).",
    "unranked": "Returns on this env are vectors (one per objective), which have no single "
    "order: the board's numbers are listed by entry name, not ranked.",
}

FRONT_METRICS = ("hypervolume", "expected_utility")
#: Multi-agent envs: each agent's own mean return beside the team's.
AGENT_COLUMN: tuple[str, ColumnType] = ("per-agent mean return ± 95% CI", "text")
MULTI_OBJECTIVE_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("hypervolume [95% CI]", "number"),
    ("expected utility [95% CI]", "number"),
)

VERIFIED_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("rank", "number"),
    *ENTRY_COLUMNS,
    ("IQM normalised [95% CI]", "number"),
    ("mean return ± 95% CI", "number"),
    ("claimed mean return", "number"),
)
DISPUTED_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    *ENTRY_COLUMNS,
    ("board's IQM normalised [95% CI]", "number"),
    ("board's mean return ± 95% CI", "number"),
    ("claimed mean return", "number"),
    ("claim check", "number"),
)
CLAIMED_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    *ENTRY_COLUMNS,
    ("claimed IQM normalised [95% CI]", "number"),
    ("claimed mean return ± 95% CI", "number"),
)


def _success_cell(scores: Mapping[str, Any] | None) -> Cell:
    """The share of the board's episodes that reached the anchor's success threshold."""
    success = None if scores is None else scores.get("success_rate")
    if success is None:
        return "", EMPTY_CELL
    return f"{success['mean']:.6f}", f"{100 * success['mean']:.0f} %"


def _measured_scores(entry: EntryRecord) -> Mapping[str, Any] | None:
    # A disputed entry's evaluation: shown beside its claim, never ranked.
    evaluation = entry.get("evaluation")
    return None if evaluation is None else evaluation["scores"]


def _apart_section(title: str, explanation: str, table: str, table_id: str) -> str:
    return (
        f'<section class="apart" id="{table_id}-section"><h2>{title}</h2>'
        f"<p>{explanation}</p>\n{table}</section>"
    )


def _env_page(
    ranking: EnvRanking | None,
    card: EnvCard,
    plots_dir: Path,
    generated_at: datetime,
    entry_count: int,
) -> str:
    parts = [
        '<p><a href="../index.html">&larr; all families</a></p>',
        f"<h1>{display_text(card.id)}</h1>",
        _card_section(card),
        "<h2>Verified ranking</h2>",
    ]
    if ranking is not None and ranking.verified:
        verified = ranking.verified
        ranked = ranking.ranked_by != "unranked"
        parts.append(f"<p>{RANKING_EXPLANATIONS[ranking.ranked_by]}</p>")
        with_success = card.success_threshold is not None
        fronts = ranking.ranked_by == "hypervolume"
        rows = [
            [
                (str(rank), str(rank)) if ranked else ("", EMPTY_CELL),
                *_entry_cells(entry),
                _normalised_iqm_cell(ranked_scores(entry)),
                _mean_return_cell(ranked_scores(entry)),
                _mean_return_cell(entry["claimed"]),
                *([_success_cell(ranked_scores(entry))] if with_success else []),
                *(
                    [_front_cell(ranked_scores(entry), metric) for metric in FRONT_METRICS]
                    if fronts
                    else []
                ),
                *([_agent_returns_cell(ranked_scores(entry))] if card.multi_agent else []),
            ]
            for rank, entry in enumerate(verified, start=1)
        ]
        columns = VERIFIED_COLUMNS
        if with_success:
            columns = (*columns, (f"solved (return ≥ {card.success_threshold:g})", "number"))
        if fronts:
            columns = (*columns, *MULTI_OBJECTIVE_COLUMNS)
        if card.multi_agent:
            columns = (*columns, AGENT_COLUMN)
        parts.append(_table(columns, rows, "verified"))
        if fronts:
            parts.append(_figures(_plot_fronts(ranking, card, plots_dir), "../"))
        elif ranked:
            image = _plot_env(ranking, plots_dir / f"{_file_stem(card.id.split('/', 1)[-1])}.png")
            parts.append(_figures([(image, f"verified entries on {card.id}")], "../"))
    else:
        parts.append("<p>No verified entries yet.</p>")
    if ranking and ranking.disputed:
        rows = [
            [
                *_entry_cells(entry),
                _normalised_iqm_cell(_measured_scores(entry)),
                _mean_return_cell(_measured_scores(entry)),
                _mean_return_cell(entry["claimed"]),
                _claim_check_cell(entry),
            ]
            for entry in ranking.disputed
        ]
        parts.append(
            _apart_section(
                "Disputed: not ranked",
                "The board re-ran these entries and the returns their submitters claimed "
                "disagree with what it measured. The board's numbers stand beside the claims.",
                _table(DISPUTED_COLUMNS, rows, "disputed"),
                "disputed",
            )
        )
    for group, title, explanation in (
        (
            "unverified",
            "Unverified: not ranked",
            "Submitted, not re-run by the board yet. The numbers are the submitters' claims.",
        ),
        (
            "self_reported",
            "Self-reported: not ranked",
            "Custom code, which the board cannot re-run. The numbers are the submitters' "
            "claims and are never ranked.",
        ),
    ):
        listed = getattr(ranking, group) if ranking else ()
        if not listed:
            continue
        rows = [
            [
                *_entry_cells(entry),
                _normalised_iqm_cell(entry["claimed"]),
                _mean_return_cell(entry["claimed"]),
            ]
            for entry in listed
        ]
        table_id = group.replace("_", "-")
        parts.append(
            _apart_section(title, explanation, _table(CLAIMED_COLUMNS, rows, table_id), table_id)
        )
    return _page(f"{card.id}: rlbench leaderboard", "\n".join(parts), generated_at, entry_count)


def render_board(
    entries: Sequence[EntryRecord],
    out_dir: Path | str,
    generated_at: datetime | None = None,
    bootstrap_reps: int = FAMILY_BOOTSTRAP_REPS,
) -> Path:
    """Write the site for ``entries`` into ``out_dir``; return the path of ``index.html``.

    ``generated_at`` (default: now) is the time the footer names; a naive datetime is taken as
    UTC. ``bootstrap_reps`` sets the family intervals' bootstrap resamples.
    """
    out_dir = Path(out_dir)
    plots_dir, envs_dir = out_dir / "plots", out_dir / "envs"
    plots_dir.mkdir(parents=True, exist_ok=True)
    envs_dir.mkdir(parents=True, exist_ok=True)
    if generated_at is None:
        generated_at = datetime.now(timezone.utc)
    elif generated_at.tzinfo is None:
        generated_at = generated_at.replace(tzinfo=timezone.utc)
    entries = list(entries)
    rankings = env_rankings(entries)
    families = family_rankings(entries, reps=bootstrap_reps)
    page_env_ids = set(rankings)
    for ranking in families.values():
        page_env_ids |= set(ranking.env_ids)
    for env_id in sorted(page_env_ids):
        page = _env_page(
            rankings.get(env_id), env_card(env_id), plots_dir, generated_at, len(entries)
        )
        (envs_dir / env_page_name(env_id)).write_text(page, encoding="utf-8")
    index = out_dir / "index.html"
    index.write_text(
        _index_page(families, rankings, entries, plots_dir, generated_at), encoding="utf-8"
    )
    return index
