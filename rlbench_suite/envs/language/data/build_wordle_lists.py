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

The game never runs this script: the lists are shipped files, so an install needs no SCOWL.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

FIVE_LOWERCASE_LETTERS = re.compile(r"^[a-z]{5}$")
COMMON_SIZE_CLASSES = (10, 20, 35, 40)
COMMON_LIST_PREFIXES = ("english-words", "american-words")
HERE = Path(__file__).parent


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


def main() -> None:
    """Write the two lists next to this script."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dictionary", type=Path, default=Path("/usr/share/dict/american-english"))
    parser.add_argument("--scowl-dir", type=Path, default=Path("/usr/share/dict/scowl"))
    parser.add_argument("--out-dir", type=Path, default=HERE)
    arguments = parser.parse_args()
    allowed, answers = build_lists(arguments.dictionary, arguments.scowl_dir)
    (arguments.out_dir / "wordle_allowed.txt").write_text("\n".join(allowed) + "\n", "ascii")
    (arguments.out_dir / "wordle_answers.txt").write_text("\n".join(answers) + "\n", "ascii")
    print(f"{len(allowed)} allowed guesses, {len(answers)} answers")


if __name__ == "__main__":
    main()
