"""Rebuild ``wordle_allowed.txt`` and ``wordle_answers.txt`` from Debian's SCOWL word lists.

The shipped lists were made with this script from Debian 12's ``wamerican`` and ``scowl``
packages, both version 2020.12.07-2 (SCOWL by Kevin Atkinson; licence in
``LICENSE.wordlists``)::

    apt-get install wamerican scowl
    python rlbench_suite/envs/language/data/build_wordle_lists.py

- allowed guesses: every line of ``/usr/share/dict/american-english`` (wamerican, SCOWL size
  50) that is exactly five lowercase ASCII letters, which leaves out proper nouns (capitalised),
  contractions and possessives (apostrophes) and accented words;
- answers: the allowed words that are also in SCOWL's common size classes 10, 20, 35 and 40
  (``english-words.*`` and ``american-words.*``; variant spellings left out), minus regular
  inflections whose stem is a word of wamerican: plurals and third persons (``-s``, ``-es``,
  ``-ies`` from ``-y``) and past tenses (``-ed``, ``-d`` after ``e``, ``-ied`` from ``-y``).
  A word ending in ``ss`` (``bless``, ``glass``) is never counted as a plural.
- ``wordle_lmrl.txt``, the word list of ``WordleEnv(rules="lmrl")``: the
  :data:`LMRL_LIST_SIZE` answers whose SHA-256 digest (of the ASCII word) is smallest, sorted.
  LMRL-Gym plays on its ``wordle_official_400.txt`` (431 words: 400 drawn from the original
  game's answer list, plus the answers of the days its tweet data covers), which ships with
  no licence and comes from the game's own list, so it is not copied here; this draw is the
  substitute: a list of the same size, drawn from our answers by a rule anyone can rerun
  (``--lmrl-only`` rebuilds it from the shipped answers without SCOWL).

The game never runs this script: the lists are shipped files, so an install needs no SCOWL.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

FIVE_LOWERCASE_LETTERS = re.compile(r"^[a-z]{5}$")
COMMON_SIZE_CLASSES = (10, 20, 35, 40)
COMMON_LIST_PREFIXES = ("english-words", "american-words")
HERE = Path(__file__).parent
#: Words in LMRL-Gym's ``wordle_official_400.txt``, and so in our substitute for it.
LMRL_LIST_SIZE = 431


def read_words(path: Path) -> list[str]:
    """The whitespace-separated words of a SCOWL file (UTF-8 in Debian's packages)."""
    return path.read_text(encoding="utf-8").split()


def is_regular_inflection(word: str, lexicon: set[str]) -> bool:
    """Whether ``word`` is a plural, third person or past tense of another word of ``lexicon``."""
    if word.endswith("s") and not word.endswith("ss"):
        if word[:-1] in lexicon or (word.endswith("es") and word[:-2] in lexicon):
            return True
        if word.endswith("ies") and word[:-3] + "y" in lexicon:
            return True
    if word.endswith("ed"):
        if word[:-2] in lexicon or word[:-1] in lexicon:
            return True
        if word.endswith("ied") and word[:-3] + "y" in lexicon:
            return True
    return False


def build_lists(dictionary: Path, scowl_dir: Path) -> tuple[list[str], list[str]]:
    """The sorted (allowed, answers) lists from wamerican and SCOWL's size-class files."""
    lexicon = set(read_words(dictionary))
    allowed = sorted(word for word in lexicon if FIVE_LOWERCASE_LETTERS.match(word))
    common: set[str] = set()
    for size in COMMON_SIZE_CLASSES:
        for prefix in COMMON_LIST_PREFIXES:
            common.update(read_words(scowl_dir / f"{prefix}.{size}"))
    answers = [
        word for word in allowed if word in common and not is_regular_inflection(word, lexicon)
    ]
    return allowed, answers


def lmrl_subset(answers: list[str], size: int = LMRL_LIST_SIZE) -> list[str]:
    """The ``size`` words of ``answers`` with the smallest SHA-256 digests, sorted.

    A hash rank is a uniform-looking draw that no library version can change.
    """
    if size > len(answers):
        raise ValueError(f"cannot draw {size} words from a list of {len(answers)}")
    ranked = sorted(answers, key=lambda word: hashlib.sha256(word.encode("ascii")).digest())
    return sorted(ranked[:size])


def main() -> None:
    """Write the lists next to this script."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dictionary", type=Path, default=Path("/usr/share/dict/american-english"))
    parser.add_argument("--scowl-dir", type=Path, default=Path("/usr/share/dict/scowl"))
    parser.add_argument("--out-dir", type=Path, default=HERE)
    parser.add_argument(
        "--lmrl-only",
        action="store_true",
        help="rebuild only wordle_lmrl.txt, from the answers in --out-dir (no SCOWL needed)",
    )
    arguments = parser.parse_args()
    out_dir = arguments.out_dir
    if arguments.lmrl_only:
        answers = read_words(out_dir / "wordle_answers.txt")
    else:
        allowed, answers = build_lists(arguments.dictionary, arguments.scowl_dir)
        (out_dir / "wordle_allowed.txt").write_text("\n".join(allowed) + "\n", "ascii")
        (out_dir / "wordle_answers.txt").write_text("\n".join(answers) + "\n", "ascii")
        print(f"{len(allowed)} allowed guesses, {len(answers)} answers")
    lmrl = lmrl_subset(answers)
    (out_dir / "wordle_lmrl.txt").write_text("\n".join(lmrl) + "\n", "ascii")
    print(f"{len(lmrl)} words in the LMRL-Gym-sized list")


if __name__ == "__main__":
    main()
