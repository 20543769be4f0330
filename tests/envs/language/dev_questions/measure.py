"""Correct / don't know / wrong of the TwentyQuestions and GuessMyCity oracles on the dev set.

The dev set (``twenty_questions.jsonl``, ``guess_my_city.jsonl`` beside this file) was written
by hand from the object and city lists and common knowledge, as a model playing the game would
ask; it is the development set the oracles are tuned against (the blind held-out set is
elsewhere and is not read here). The TwentyQuestions lines of kind ``generic`` (the last 125)
were written after the tuning and measured without changes to the oracle. Each line:
``{"object"|"city", "question", "answer": "yes" | "no", "kind"}``.

Each question is played as one ``step`` of the env with that object or city hidden, so guesses
("Is it a dog?") are judged by the env as an agent would see them. A reply counts as *yes*
(``Yes.``, a correct guess), *no* (``No.``, a wrong guess), or *don't know* (any non-answer).

Run ``python tests/envs/language/dev_questions/measure.py`` for the table and the wrong
answers (``--show-unknown`` lists the don't-knows too).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import gymnasium as gym

import rlbench_suite.envs.language  # noqa: F401  (registers the language ids)

HERE = Path(__file__).parent
SETS = {
    "TwentyQuestions": ("rlbench/TwentyQuestions-v0", "twenty_questions.jsonl", "object"),
    "GuessMyCity": ("rlbench/GuessMyCity-v0", "guess_my_city.jsonl", "city"),
}


def load(name: str) -> list[dict[str, str]]:
    """The dev questions of ``name`` (a key of :data:`SETS`)."""
    _, file_name, _ = SETS[name]
    lines = (HERE / file_name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def verdict(reply: str) -> str:
    """``yes``, ``no`` or ``unknown`` for an env reply (the last line of the transcript)."""
    if reply in ("Yes.",) or reply.startswith("Yes!"):
        return "yes"
    if reply in ("No.", "No, it is not that city."):
        return "no"
    return "unknown"


def measure(name: str) -> tuple[Counter[str], list[tuple[dict[str, str], str]]]:
    """Counts of ``correct``/``unknown``/``wrong`` and every (question, reply) not correct."""
    env_id, _, key = SETS[name]
    secret_key = "secret_objects" if key == "object" else "secret_cities"
    counts: Counter[str] = Counter()
    misses: list[tuple[dict[str, str], str]] = []
    envs: dict[str, gym.Env] = {}
    for item in load(name):
        env = envs.get(item[key])
        if env is None:
            env = envs[item[key]] = gym.make(env_id, **{secret_key: [item[key]]}).unwrapped
        env.reset(seed=0)
        observation = env.step(item["question"])[0]
        reply = observation.rsplit("\n", 1)[-1]
        outcome = verdict(reply)
        if outcome == item["answer"]:
            counts["correct"] += 1
        else:
            counts["unknown" if outcome == "unknown" else "wrong"] += 1
            misses.append((item, reply))
    return counts, misses


def main() -> None:
    """Print the table and the wrong answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-unknown", action="store_true", help="list don't-knows too")
    arguments = parser.parse_args()
    print("| env | questions | correct | don't know | wrong |\n|---|---|---|---|---|")
    all_misses = []
    for name in SETS:
        counts, misses = measure(name)
        total = sum(counts.values())
        cells = [f"{100 * counts[k] / total:.1f} %" for k in ("correct", "unknown", "wrong")]
        print(f"| {name} | {total} | " + " | ".join(cells) + " |")
        all_misses += misses
    for item, reply in all_misses:
        wrong = verdict(reply) != "unknown"
        if wrong or arguments.show_unknown:
            subject = item.get("object", item.get("city"))
            label = "WRONG" if wrong else "unknown"
            print(f"{label}: [{subject}] {item['question']} -> {reply} (want {item['answer']})")


if __name__ == "__main__":
    main()
