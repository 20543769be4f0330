"""show and render: the board ranked in the terminal, and a static page sorted in a real browser."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from rlbench_suite.baselines.reference import reference_submission
from rlbench_suite.cli import main
from rlbench_suite.leaderboard.board import submit
from rlbench_suite.leaderboard.submission import write_submission

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ENV_ID = "rlbench/RMAB-TwoState-v0"


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A board with Whittle and random on the two-state and the circulant bandits."""
    folder = tmp_path_factory.mktemp("board")
    board_path = folder / "board.json"
    for env_id, agent in [
        (ENV_ID, "whittle"),
        (ENV_ID, "random"),
        ("rlbench/RMAB-Circulant-v0", "whittle"),
        ("rlbench/RMAB-Circulant-v0", "random"),
    ]:
        submission = reference_submission(env_id, agent, episodes=10)
        submit(write_submission(submission, folder / f"{submission['name']}.json"), board_path)
    return board_path


def test_show_ranks_entries_by_normalised_iqm(
    board: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`show` lists each env's Whittle entry above its random one."""
    assert main(["leaderboard", "show", "--board", str(board), "--family", "bandits"]) == 0
    output = capsys.readouterr().out
    for env in ("RMAB-TwoState-v0", "RMAB-Circulant-v0"):
        assert output.index(f"whittle.{env}") < output.index(f"random.{env}"), output


def test_show_names_the_families_it_has_when_asked_for_another(
    board: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Asking for a family with no entries exits 2 and lists the families on the board."""
    assert main(["leaderboard", "show", "--board", str(board), "--family", "uav"]) == 2
    assert "the board has ['bandits']" in capsys.readouterr().err


def test_check_rescoring_finds_an_edited_board(board: Path, tmp_path: Path) -> None:
    """`check` passes on the board as written and fails once a stored score is edited."""
    assert main(["leaderboard", "check", "--board", str(board)]) == 0
    edited = tmp_path / "edited.json"
    edited.write_text(board.read_text().replace('"seeds": 3', '"seeds": 4', 1))
    assert main(["leaderboard", "check", "--board", str(edited)]) == 1


def _rendered(board: Path, out: Path) -> Path:
    assert main(["leaderboard", "render", "--board", str(board), "--out", str(out)]) == 0
    return out / "index.html"


def test_render_writes_a_self_contained_page_with_a_plot_per_env(
    board: Path, tmp_path: Path
) -> None:
    """The page references no network resource, and each env gets its PNG beside it."""
    page = _rendered(board, tmp_path / "site").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    plots = sorted(path.name for path in (tmp_path / "site" / "plots").iterdir())
    assert plots == ["rlbench_RMAB-Circulant-v0.png", "rlbench_RMAB-TwoState-v0.png"]
    assert all(
        (tmp_path / "site" / "plots" / name).read_bytes().startswith(b"\x89PNG") for name in plots
    )


@pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)
def test_clicking_a_header_in_headless_chromium_sorts_the_column(
    board: Path, tmp_path: Path
) -> None:
    """In a real browser: a click sorts by mean return ascending, a second click descending."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    index = _rendered(board, tmp_path / "site")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,1400",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.get(index.as_uri())
        table = driver.find_element(By.ID, "family-bandits")
        headers = [header.text for header in table.find_elements(By.TAG_NAME, "th")]
        column = headers.index("mean return")

        def mean_returns() -> list[float]:
            cells = table.find_elements(By.CSS_SELECTOR, f"tbody tr td:nth-child({column + 1})")
            return [float(cell.get_attribute("data-sort")) for cell in cells]

        header = table.find_elements(By.TAG_NAME, "th")[column]
        header.click()
        ascending = mean_returns()
        assert ascending == sorted(ascending) and len(ascending) == 4
        header.click()
        assert mean_returns() == sorted(ascending, reverse=True)
        assert header.get_attribute("aria-sort") == "descending"
        screenshot = tmp_path / "leaderboard.png"
        driver.save_screenshot(str(screenshot))
        assert screenshot.read_bytes().startswith(b"\x89PNG")
        if os.environ.get("RLBENCH_SCREENSHOT_DIR"):  # to look at the page a run rendered
            shutil.copy(screenshot, Path(os.environ["RLBENCH_SCREENSHOT_DIR"]) / screenshot.name)
    finally:
        driver.quit()
