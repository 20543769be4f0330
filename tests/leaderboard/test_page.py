"""The static site: what each page shows and hides, its escaping, and how it behaves in Chromium.

Set ``RLBENCH_SCREENSHOT_DIR`` to keep full-page screenshots of the index and the CartPole page
(``page_index.png``, ``page_env.png``) from the browser test, to look at what a run rendered.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import rlbench_suite
from rlbench_suite.leaderboard.rankings import family_env_ids
from rlbench_suite.leaderboard.render import env_page_name, render_board
from tests.leaderboard.entries import expert_entry, make_entry, random_entry, returns_at

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
CARTPOLE = "rlbench/CartPole-v1"
TWO_STATE = "rlbench/RMAB-TwoState-v0"
GENERATED_AT = datetime(2025, 2, 3, 4, 5, tzinfo=timezone.utc)
HOSTILE_SUBMITTER = "<script>alert('owned')</script>\x1b[31mRed Team\x1b[0m\x07\x9b2J"
LONG_NAME = "a-very-long-entry-name-that-has-no-spaces-to-break-at-" * 3 + "CartPole-v1"


def board_entries() -> list[dict[str, Any]]:
    """A small board: bandits complete for expert and random, CartPole with every status."""
    entries = []
    for env_id in family_env_ids("bandits"):
        entries += [expert_entry(env_id), random_entry(env_id)]
    entries.append(
        make_entry(TWO_STATE, "ppo", returns_at(TWO_STATE, [70.0, 75.0, 90.0]), kind="sb3")
    )
    entries += [
        expert_entry(CARTPOLE, submitter="reference runner"),
        random_entry(CARTPOLE),
        make_entry(
            CARTPOLE,
            "ppo",
            [480.0, 495.0, 500.0],
            kind="sb3",
            submitter="Ada Lovelace",
            claimed_mean_returns=[480.0, 495.0, 500.0],
        ),
        make_entry(
            CARTPOLE,
            "a2c",
            [30.0, 35.0, 40.0],
            kind="sb3",
            claimed_mean_returns=[1e6] * 3,
            name="a2c.claims-a-million",
        ),
        make_entry(CARTPOLE, "dqn", [1e6] * 3, kind="sb3", status="unverified"),
        make_entry(
            CARTPOLE,
            "sac",
            [60.0] * 3,
            kind="sb3",
            status="disputed",
            claimed_mean_returns=[450.0] * 3,
        ),
        make_entry(
            CARTPOLE,
            "homebrew",
            [499.0] * 3,
            kind="custom",
            status="self-reported",
            submitter=HOSTILE_SUBMITTER,
        ),
        make_entry(CARTPOLE, "ppo", [300.0] * 3, kind="sb3", name=LONG_NAME),
        expert_entry("rlbench/QuadHover-v0"),
    ]
    return entries


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The board rendered once, with its time pinned; returns the site's folder."""
    out = tmp_path_factory.mktemp("site")
    index = render_board(board_entries(), out, generated_at=GENERATED_AT, bootstrap_reps=200)
    assert index == out / "index.html"
    return out


class TableReader(HTMLParser):
    """Collects the rows of each ``<table id=...>`` as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._table is not None:
            self.tables[self._table].append([])
        elif tag == "td" and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(page: Path) -> dict[str, list[list[str]]]:
    reader = TableReader()
    reader.feed(page.read_text())
    return reader.tables


def test_render_writes_the_index_a_page_per_env_and_png_plots(site: Path) -> None:
    """index.html, a page for every env on the board or in a family ranking, and real PNGs."""
    assert (site / "index.html").is_file()
    pages = {path.name for path in (site / "envs").iterdir()}
    assert {"CartPole-v1.html", "RMAB-TwoState-v0.html", "QuadHover-v0.html"} <= pages
    assert {env_page_name(env_id) for env_id in family_env_ids("uav")} <= pages
    plots = {path.name for path in (site / "plots").iterdir()}
    assert {
        "CartPole-v1.png",
        "family-bandits-profile.png",
        "family-bandits-aggregates.png",
    } <= plots
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in (site / "plots").iterdir())


def test_the_site_loads_nothing_from_the_network(site: Path) -> None:
    """No page refers to a URL with a scheme or host: style, script and plots are local."""
    for page in [site / "index.html", *(site / "envs").iterdir()]:
        text = page.read_text()
        assert not re.search(r"""(src|href)\s*=\s*["']?([a-z]+:)?//""", text), page.name
        assert "@import" not in text and "url(" not in text, page.name


def test_submitter_text_is_html_escaped_and_stripped_of_control_characters(site: Path) -> None:
    """A <script> submitter shows as text; the ANSI colour codes and other controls are gone."""
    page = (site / "envs" / "CartPole-v1.html").read_text()
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;Red Team</td>" in page
    assert "<script>alert" not in page
    for text in [page, (site / "index.html").read_text()]:
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
        assert "[31m" not in text and "[0m" not in text


def test_env_page_ranks_the_boards_numbers_and_sets_the_others_apart(site: Path) -> None:
    """Verified entries rank by measured score; unverified, disputed, self-reported stand apart."""
    found = tables(site / "envs" / "CartPole-v1.html")
    verified = found["verified"]
    assert [row[1] for row in verified] == [
        "balance.CartPole-v1",
        "ppo.CartPole-v1",
        LONG_NAME,
        "a2c.claims-a-million",
        "random.CartPole-v1",
    ]
    assert [row[0] for row in verified] == ["1", "2", "3", "4", "5"]
    claimed_million = verified[3]
    assert claimed_million[-1].startswith("1,000,000.00")  # the claim, shown beside
    assert claimed_million[-2].startswith("35.00")  # the board's measurement, which ranks
    assert [row[0] for row in found["unverified"]] == ["dqn.CartPole-v1"]
    assert [row[0] for row in found["self-reported"]] == ["homebrew.CartPole-v1"]
    (disputed,) = found["disputed"]
    assert disputed[0] == "sac.CartPole-v1"
    assert disputed[7].startswith("60.00") and disputed[8].startswith("450.00")
    assert disputed[9].startswith("3 of 3 seeds disagree")


def test_index_shows_each_family_ranking_with_the_excluded_and_the_envs(site: Path) -> None:
    """Bandits ranks expert over random; PPO, on one env only, is left out, naming what it lacks."""
    index = (site / "index.html").read_text()
    found = tables(site / "index.html")
    bandits = found["family-table-bandits"]
    assert [row[1] for row in bandits] == ["expert", "random"]
    assert bandits[0][2].startswith("100.0 [100.0, 100.0]")
    first_missing = family_env_ids("bandits")[0].split("/", 1)[1]
    assert f"<strong>ppo (sb3)</strong>: no verified entry on {first_missing}" in index
    assert "family-table-calibration" in found  # CartPole alone: every verified label is complete
    assert [row[1] for row in found["family-table-calibration"]] == [
        "expert",
        "ppo (sb3)",
        "a2c (sb3)",
        "random",
    ]
    assert "family-table-uav" not in found  # one env of five: nothing to aggregate
    envs = {row[0]: row for row in found["family-envs-calibration"]}
    assert envs[CARTPOLE][1:5] == ["5", "1", "1", "1"]  # verified, disputed, unverified, self
    assert 'href="envs/CartPole-v1.html"' in index


def test_footer_names_the_suite_version_and_the_pinned_render_time(site: Path) -> None:
    """Every page's footer says rlbench_suite's version and the generated_at it was given."""
    footer = f"rlbench_suite {rlbench_suite.__version__} &middot; rendered 2025-02-03 04:05 UTC"
    for page in [site / "index.html", site / "envs" / "CartPole-v1.html"]:
        assert footer in page.read_text(), page.name


# -- In a real browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium at 1280 px wide, with a fresh profile and no background networking."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip(
            "needs Debian's chromium and chromium-driver (.ci/system-packages installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _fits_the_window(driver: Any) -> tuple[int, int]:
    return driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth];"
    )


def _images_loaded(driver: Any) -> list[tuple[str, int]]:
    return driver.execute_script(
        "return Array.from(document.images).map(function (image) {"
        "  return [image.getAttribute('src'), image.complete ? image.naturalWidth : 0]; });"
    )


def _save_full_page(driver: Any, name: str) -> None:
    folder = os.environ.get("RLBENCH_SCREENSHOT_DIR")
    if not folder:
        return
    # Chromium's own full-page capture: the whole document at the window's width.
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    (Path(folder) / name).write_bytes(base64.b64decode(shot["data"]))


def test_pages_fit_1280px_and_their_images_load_in_chromium(site: Path, browser: Any) -> None:
    """Index and CartPole page: no horizontal scroll at 1280 px, every plot decodes."""
    for page, screenshot in [
        (site / "index.html", "page_index.png"),
        (site / "envs" / "CartPole-v1.html", "page_env.png"),
    ]:
        browser.get(page.as_uri())
        scroll_width, inner_width = _fits_the_window(browser)
        assert inner_width >= 1200, inner_width  # the window really is about 1280 px wide
        assert scroll_width <= inner_width, (page.name, scroll_width, inner_width)
        images = _images_loaded(browser)
        assert images, page.name
        assert all(width > 0 for _, width in images), images
        _save_full_page(browser, screenshot)


def test_clicking_a_header_sorts_the_table_in_chromium(site: Path, browser: Any) -> None:
    """On the CartPole page a click sorts by mean return ascending, a second click descending."""
    from selenium.webdriver.common.by import By

    browser.get((site / "envs" / "CartPole-v1.html").as_uri())
    table = browser.find_element(By.ID, "verified")
    headers = table.find_elements(By.TAG_NAME, "th")
    column = [header.text for header in headers].index("mean return ± 95% CI")

    def mean_returns() -> list[float]:
        cells = table.find_elements(By.CSS_SELECTOR, f"tbody tr td:nth-child({column + 1})")
        return [float(cell.get_attribute("data-sort")) for cell in cells]

    ranked = mean_returns()
    assert ranked != sorted(ranked)  # the board's order is by normalised IQM, descending
    headers[column].click()
    assert mean_returns() == sorted(ranked)
    headers[column].click()
    assert mean_returns() == sorted(ranked, reverse=True)
    assert headers[column].get_attribute("aria-sort") == "descending"


def test_a_link_on_the_index_reaches_the_env_page_in_chromium(site: Path, browser: Any) -> None:
    """Following CartPole's link in the calibration family opens its page, and back links home."""
    from selenium.webdriver.common.by import By

    browser.get((site / "index.html").as_uri())
    browser.find_element(
        By.CSS_SELECTOR, '#family-envs-calibration a[href$="CartPole-v1.html"]'
    ).click()
    assert browser.current_url.endswith("/envs/CartPole-v1.html")
    assert browser.find_element(By.TAG_NAME, "h1").text == CARTPOLE
    browser.find_element(By.LINK_TEXT, "← all families").click()
    assert browser.current_url.endswith("/index.html")
