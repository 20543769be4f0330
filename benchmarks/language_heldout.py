"""How the TwentyQuestions and GuessMyCity oracles answer the blind held-out question set.

The set (``tests/envs/language/heldout/``) was written from the object and city lists alone,
without reading the parser. Each question is put to a fresh env whose hidden item is the one the
question is about; the reply counts as *correct* when it is the true yes/no, *don't know* when it
is neither yes nor no (the oracle said it did not understand), and *wrong* when it is the other
of yes and no: the error that misleads a player.

    python benchmarks/language_heldout.py            # the table per env and per kind
    python benchmarks/language_heldout.py --wrong 20 # also list 20 wrong answers per env
    python benchmarks/language_heldout.py --set heldout_v2  # the second blind set
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import gymnasium as gym

import rlbench_suite  # noqa: F401  (registers the ids)

LANGUAGE_TESTS = Path(__file__).resolve().parent.parent / "tests" / "envs" / "language"
SETS = {
    "rlbench/TwentyQuestions-v0": ("twenty_questions.jsonl", "object", "secret_objects"),
    "rlbench/GuessMyCity-v0": ("guess_my_city.jsonl", "city", "secret_cities"),
}
DONT_KNOW = "don't know"


def reply_verdict(reply: str) -> str:
    """``"yes"``, ``"no"`` or ``"unknown"`` for the oracle's reply text."""
    opening = reply.strip().lower()
    if opening.startswith("yes"):
        return "yes"
    if opening.startswith("no"):
        return "no"
    return "unknown"


def ask(env_id: str, pool_argument: str, item: str, question: str) -> str:
    """The oracle's reply to ``question`` about the hidden ``item``."""
    env = gym.make(env_id, **{pool_argument: [item]})
    env.reset(seed=0)
    transcript, *_ = env.step(question)
    env.close()
    return transcript.rsplit(f"> {question}\n", 1)[-1].strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrong", type=int, default=0, help="list this many wrong answers")
    parser.add_argument(
        "--set",
        default="heldout",
        choices=sorted(path.name for path in LANGUAGE_TESTS.glob("heldout*") if path.is_dir()),
        help="which blind set (a folder under tests/envs/language; default: heldout)",
    )
    arguments = parser.parse_args()
    held_out = LANGUAGE_TESTS / arguments.set
    for env_id, (file_name, item_key, pool_argument) in SETS.items():
        rows = [json.loads(line) for line in (held_out / file_name).read_text().splitlines()]
        # City lines say "City, Country"; the env knows the city by its name alone.
        outcomes: Counter[str] = Counter()
        by_kind: dict[str, Counter[str]] = defaultdict(Counter)
        wrong = []
        for row in rows:
            item = row[item_key].rsplit(", ", 1)[0] if item_key == "city" else row[item_key]
            reply = ask(env_id, pool_argument, item, row["question"])
            verdict = reply_verdict(reply)
            outcome = (
                "correct"
                if verdict == row["answer"]
                else (DONT_KNOW if verdict == "unknown" else "wrong")
            )
            outcomes[outcome] += 1
            by_kind[row["kind"]][outcome] += 1
            if outcome == "wrong":
                wrong.append((item, row["question"], row["answer"], reply))
        total = len(rows)
        print(f"\n## {env_id}: {total} questions\n")
        print("| kind | n | correct | don't know | wrong |\n|---|---|---|---|---|")
        for kind, counts in sorted(by_kind.items(), key=lambda pair: -sum(pair[1].values())):
            n = sum(counts.values())
            print(
                f"| {kind} | {n} | {counts['correct'] / n:.1%} | {counts[DONT_KNOW] / n:.1%} "
                f"| {counts['wrong'] / n:.1%} |"
            )
        print(
            f"| **all** | {total} | {outcomes['correct'] / total:.1%} | "
            f"{outcomes[DONT_KNOW] / total:.1%} | {outcomes['wrong'] / total:.1%} |"
        )
        for item, question, truth, reply in wrong[: arguments.wrong]:
            print(f"- {item}: {question!r} (true: {truth}) -> {reply!r}")


if __name__ == "__main__":
    main()
