"""Wordle-v0: the feedback rule, guesses and invalid words, rewards, the partner and the expert."""

from __future__ import annotations

import importlib.util
import pickle
import random
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
import rlbench_suite.envs.language  # registers the language ids
from rlbench_suite import testing
from rlbench_suite.agents import make_agent
from rlbench_suite.agents.language.wordle import (
    code_table,
    feedback_code,
    feedback_codes,
    read_history,
    solve,
    solve_all,
)
from rlbench_suite.envs.language.wordle import (
    WORD_LENGTH,
    WordleEnv,
    held_out_answers,
    lmrl_feedback,
    load_lmrl_list,
    load_word_lists,
    wordle_feedback,
)
from rlbench_suite.scoring import evaluate

ENV_ID = "rlbench/Wordle-v0"
ANSWERS, ALLOWED = load_word_lists()


def last_lines(observation: str, count: int = 1) -> list[str]:
    """The transcript's last ``count`` lines."""
    return observation.splitlines()[-count:]


def test_word_lists_are_five_letter_words_and_every_answer_may_be_guessed() -> None:
    """2,207 answers and 4,667 allowed guesses, sorted lowercase words; answers are allowed."""
    assert (len(ANSWERS), len(ALLOWED)) == (2207, 4667)
    assert list(ANSWERS) == sorted(ANSWERS) and list(ALLOWED) == sorted(ALLOWED)
    assert all(len(word) == 5 and word.isascii() and word.islower() for word in ALLOWED)
    assert set(ANSWERS) <= set(ALLOWED)


# Worked by hand: greens first, then yellows left to right while the answer has unmatched copies.
@pytest.mark.parametrize(
    ("answer", "guess", "colours"),
    [
        ("crane", "crane", "ggggg"),
        ("abbey", "babes", "yyggb"),  # one b green, the other b yellow; s absent
        ("abbey", "kebab", "bygyy"),
        ("speed", "eerie", "yybbb"),  # two e in the answer: the third e of the guess is black
        ("eagle", "eerie", "gbbbg"),  # both e green: the middle e gets no yellow
        ("crepe", "eerie", "ybybg"),  # the last e is green, so only one e is left for a yellow
        ("lever", "eerie", "ygybb"),
        ("those", "geese", "bbbgg"),  # s and e green; the answer has no other e
        ("abide", "speed", "bbyby"),  # one e in the answer: only the first e is yellow
        ("erase", "speed", "ybyyb"),
        ("steal", "speed", "gbgbb"),
        ("mummy", "tummy", "bgggg"),
        ("llama", "hello", "bbyyb"),
        ("hello", "llama", "yybbb"),
        ("sassy", "asses", "yygby"),
        ("apple", "papal", "yygby"),
        ("robot", "otter", "yybby"),
    ],
)
def test_feedback_handles_repeated_letters(answer: str, guess: str, colours: str) -> None:
    """The game's rule, and the expert's numpy table agrees with it."""
    assert wordle_feedback(guess, answer) == colours
    assert feedback_codes([guess], [answer])[0, 0] == feedback_code(colours)


def test_code_table_matches_the_feedback_rule_on_random_pairs() -> None:
    """The expert's precomputed codes equal the pure-Python rule on 3,000 random pairs."""
    table = code_table()
    assert table.shape == (len(ANSWERS), len(ALLOWED)) and table.dtype == np.uint8
    rng = random.Random(0)
    for _ in range(3000):
        row, column = rng.randrange(len(ANSWERS)), rng.randrange(len(ALLOWED))
        expected = feedback_code(wordle_feedback(ALLOWED[column], ANSWERS[row]))
        assert table[row, column] == expected, (ALLOWED[column], ANSWERS[row])


def test_opening_explains_the_game_and_replies_show_letter_colours() -> None:
    """The opening names the colours and the format; each reply is ``letter:colour`` pairs."""
    env = gym.make(ENV_ID, answers=["speed"])
    observation, info = env.reset(seed=0)
    for words in ("five-letter", "6 guesses", "g (green)", "y (yellow)", "b (black)", "x:b"):
        assert words in observation
    assert "answer" not in info and info["guesses"] == []
    observation, reward, terminated, truncated, info = env.step("eerie")
    assert last_lines(observation) == ["e:y e:y r:b i:b e:b"]
    assert (reward, terminated, truncated, info["invalid_action"]) == (-1.0, False, False, False)
    assert info["guesses"] == ["eerie"] and "answer" not in info


@pytest.mark.parametrize("text", ["Crane", "CRANE", " crane. ", '"crane"', "crane!\n", "'Crane?'"])
def test_guesses_ignore_case_and_surrounding_punctuation(text: str) -> None:
    """Case, surrounding whitespace and punctuation do not matter: the word solves the game."""
    env = gym.make(ENV_ID, answers=["crane"])
    env.reset(seed=0)
    observation, reward, terminated, _, info = env.step(text)
    assert (reward, terminated, info["success"], info["answer"]) == (0.0, True, True, "crane")
    assert last_lines(observation, 2) == ["c:g r:g a:g n:g e:g", "Solved! The word is crane."]


@pytest.mark.parametrize(
    "text",
    [
        "S L A T E",  # LMRL-Gym's own spaced format
        "s l a t e\n",
        "s-l-a-t-e",
        "My first guess is S, L, A, T, E",
        "My first guess is SLATE",
        "I'll try 'slate'",
        'Let me try "slate" this time.',
        "guess: slate",
        "slate please",
        "**SLATE**",
        "I guess slate.",
        "How about SLATE?",
        "I will guess slate because it has common letters",
        "1. slate",
        "#2: SLATE",
    ],
)
def test_llm_wordings_of_one_guess_are_that_guess(text: str) -> None:
    """Spaced letters, quotes, capitals and wrappers around one word are read as that guess."""
    env = gym.make(ENV_ID, answers=["slate"])
    env.reset(seed=0)
    observation, reward, terminated, _, info = env.step(text)
    assert (reward, terminated, info["invalid_action"], info["guesses"]) == (
        0.0,
        True,
        False,
        ["slate"],
    ), text
    assert last_lines(observation, 2) == ["s:g l:g a:g t:g e:g", "Solved! The word is slate."]


def test_a_wrapper_word_said_alone_or_last_is_the_guess() -> None:
    """'first' alone and 'My guess is guess' guess the words first and guess."""
    env = gym.make(ENV_ID, answers=["crane"])
    env.reset(seed=0)
    env.step("first")
    _, _, _, _, info = env.step("My guess is guess")
    assert info["guesses"] == ["first", "guess"] and info["invalid_actions"] == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("xyzzy", "'xyzzy' is not in the word list"),
        ("X Y Z Z Y", "'xyzzy' is not in the word list"),
        ("cranes", "'cranes' is not a five-letter word"),
        ("cran", "'cran' is not a five-letter word"),
        ("My guess is C R A N E S", "'cranes' is not a five-letter word"),
        ("", "'' is not a five-letter word"),
        ("12345", "'12345' is not a five-letter word"),
        ("crane1", "'crane1' is not a five-letter word"),
        ("crane or slate", "'crane or slate' names more than one word (crane, slate)"),
        ("'crane' or 'slate'", "names more than one word (crane, slate)"),
        ("I think crane is a great start", "names more than one word (crane, great)"),
        ("not crane", "'not crane' is unclear ('not')"),
        ("I have no idea", "holds no five-letter word to guess"),
    ],
)
def test_invalid_words_cost_a_guess_and_get_no_feedback(text: str, reason: str) -> None:
    """The reply names the reason; -1, no letter feedback, the guess is used up (as LMRL-Gym)."""
    env = gym.make(ENV_ID, answers=["crane"])
    env.reset(seed=0)
    observation, reward, terminated, truncated, info = env.step(text)
    reply = last_lines(observation)[0]
    assert reply.startswith("Invalid guess: ") and reason in reply and ":g" not in reply
    assert reply.endswith(". No feedback; this used up a guess.")
    assert (reward, terminated, truncated) == (-1.0, False, False)
    assert info["invalid_action"] and info["invalid_actions"] == 1 and info["turns"] == 1
    assert info["guesses"] == []


def test_returns_count_the_guesses_before_the_solving_one() -> None:
    """Solving with the k-th guess returns -(k - 1); invalid guesses count like wrong ones."""
    env = gym.make(ENV_ID, answers=["crane"])
    env.reset(seed=0)
    rewards = [env.step(word)[1] for word in ("speed", "qqqqq", "eerie")]
    _, reward, terminated, _, info = env.step("crane")
    assert rewards == [-1.0, -1.0, -1.0] and (reward, terminated) == (0.0, True)
    assert sum(rewards) + reward == -3.0
    assert info["guesses"] == ["speed", "eerie", "crane"] and info["turns"] == 4


def test_six_wrong_guesses_truncate_and_reveal_the_word() -> None:
    """After six guesses without the word: truncated, return -6, the answer shown and in info."""
    env = gym.make(ENV_ID, answers=["crane"])
    env.reset(seed=0)
    total = 0.0
    for step, word in enumerate(["speed", "eerie", "xyzzy", "those", "llama", "abide"], start=1):
        observation, reward, terminated, truncated, info = env.step(word)
        total += reward
        assert not terminated and truncated == (step == 6)
        assert ("answer" in info) == (step == 6), "the answer must stay hidden until the end"
    assert total == -6.0 and not info["success"] and info["answer"] == "crane"
    assert last_lines(observation) == ["Out of guesses. The word was crane."]


def test_same_seed_same_word_and_transcript() -> None:
    """Equal seeds give equal hidden words and transcripts; the word follows the seed."""
    first, second = gym.make(ENV_ID), gym.make(ENV_ID)
    transcripts = []
    for env in (first, second):
        env.reset(seed=11)
        for word in ("raise", "mount", "xyzzy"):
            observation, *_ = env.step(word)
        transcripts.append(observation)
    assert transcripts[0] == transcripts[1]
    assert first.unwrapped.answer == second.unwrapped.answer
    words = set()
    for seed in range(40):
        first.reset(seed=seed)
        words.add(first.unwrapped.answer)
    assert len(words) > 30 and words <= set(ANSWERS)


def always_yellow(guess: str, answer: str) -> str:
    """A (silly) replacement feedback rule: every letter yellow."""
    return "yyyyy"


def test_user_feedback_callable_replaces_the_rule() -> None:
    """A callable rule writes the feedback; the env still judges the solving guess itself."""
    calls = []

    def feedback(guess: str, answer: str) -> str:
        calls.append((guess, answer))
        return "ggggg" if guess[0] == answer[0] else "bbbbb"

    env = gym.make(ENV_ID, feedback=feedback, answers=["crane"])
    env.reset(seed=0)
    observation, reward, terminated, *_ = env.step("Cargo")
    assert last_lines(observation) == ["c:g a:g r:g g:g o:g"]
    assert (reward, terminated) == (-1.0, False), "all green from the rule is not a solve"
    env.step("xyzzy")  # invalid: the rule is not asked
    _, reward, terminated, *_ = env.step("crane")
    assert (reward, terminated) == (0.0, True)
    assert calls == [("cargo", "crane"), ("crane", "crane")]


def test_user_feedback_must_return_five_colours_and_pickle_if_module_level() -> None:
    """A bad rule's return value is an error that says what was expected; a module-level rule
    pickles with the env."""
    env = WordleEnv(feedback=lambda guess, answer: "green")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="five characters from 'byg'"):
        env.step("crane")
    env = gym.make(ENV_ID, feedback=always_yellow)
    env.reset(seed=0)
    clone = pickle.loads(pickle.dumps(env))
    assert last_lines(clone.step("crane")[0]) == ["c:y r:y a:y n:y e:y"]


def test_bad_constructor_arguments_name_what_was_expected() -> None:
    """Wrong feedback, guess limit or answers raise errors that say what was expected."""
    with pytest.raises(TypeError, match="feedback must be a callable"):
        WordleEnv(feedback="ggggg")
    with pytest.raises(TypeError, match="max_guesses must be an int"):
        WordleEnv(max_guesses=6.0)
    with pytest.raises(ValueError, match="max_turns must be a positive integer"):
        WordleEnv(max_guesses=0)
    with pytest.raises(ValueError, match=r"not in the list: \['xyzzy'\]"):
        WordleEnv(answers=["crane", "xyzzy"])
    with pytest.raises(ValueError, match="none given"):
        WordleEnv(answers=[])
    with pytest.raises(TypeError, match="sequence of words"):
        WordleEnv(answers="crane")


def test_vocabulary_is_the_sorted_allowed_list_every_episode() -> None:
    """The Discrete wrapper's vocabulary is the allowed list, the same before and after resets."""
    env = gym.make(ENV_ID)
    vocabulary = env.unwrapped.action_vocabulary()
    env.reset(seed=3)
    env.step("raise")
    assert env.unwrapped.action_vocabulary() == vocabulary == list(ALLOWED)


def test_answers_subset_and_mdp_family_hold_out_a_fifth_of_the_answers() -> None:
    """The hidden word comes from ``answers``; the family's splits never share an answer."""
    env = gym.make(ENV_ID, answers=["Crane", "speed"])
    drawn = set()
    for seed in range(20):
        env.reset(seed=seed)
        drawn.add(env.unwrapped.answer)
    assert drawn == {"crane", "speed"}
    family = rlbench_suite.env_card(ENV_ID).mdp_family
    held_out = set(held_out_answers())
    assert len(held_out) == 441
    for kwargs in family.sample(3, "in_distribution", seed=1):
        assert len(kwargs["answers"]) == 500 and not held_out & set(kwargs["answers"])
    for kwargs in family.sample(3, "held_out", seed=1):
        assert len(kwargs["answers"]) == 200 and set(kwargs["answers"]) <= held_out
        env = gym.make(ENV_ID, **kwargs)
        env.reset(seed=2)
        assert env.unwrapped.answer in held_out


def test_mid_episode_pickle_keeps_the_word_and_the_guesses() -> None:
    """A pickled env continues with the same hidden word, transcript and guess count."""
    env = gym.make(ENV_ID)
    env.reset(seed=8)
    env.step("raise")
    env.step("xyzzy")
    clone = pickle.loads(pickle.dumps(env))
    assert clone.unwrapped.answer == env.unwrapped.answer
    original, copied = env.step("mount"), clone.step("mount")
    assert original[:4] == copied[:4] and original[4] == copied[4]


def play(agent_name: str, seeds: range, **env_kwargs) -> tuple[list[bool], list[float]]:
    """Successes and returns of an agent over ``seeds``, through the scoring harness."""
    records = evaluate(agent_name, ENV_ID, seeds=seeds, env_kwargs=env_kwargs).records
    return (
        [bool(record.metrics["success"]) for record in records],
        [float(record.episode_return) for record in records],
    )


def test_expert_solves_a_sample_of_answers_in_under_four_guesses_on_average() -> None:
    """Over 100 answers drawn at random the expert averages <= 4 guesses and fails at most once."""
    sample = random.Random(0).sample(list(ANSWERS), 100)
    results = solve_all(sample)
    solved = [len(guesses) for answer, guesses in results.items() if guesses[-1] == answer]
    assert len(solved) >= 99
    assert np.mean([len(guesses) for guesses in results.values()]) <= 4.0


@pytest.mark.slow
def test_expert_over_the_whole_answer_list() -> None:
    """Over all 2,207 answers: <= 4.0 guesses on average, <= 1% failures (measured: 3.48, 0)."""
    results = solve_all()
    failures = sum(guesses[-1] != answer for answer, guesses in results.items())
    mean_guesses = np.mean([len(guesses) for guesses in results.values()])
    assert failures <= 0.01 * len(ANSWERS) and mean_guesses <= 4.0


def test_expert_plays_the_env_from_the_transcript_and_beats_random() -> None:
    """Through the env the expert wins every one of 40 games in 3.5 guesses or so; random
    almost never finds the word."""
    expert_successes, expert_returns = play("expert", range(40))
    random_successes, random_returns = play("random", range(40))
    assert all(expert_successes) and np.mean(expert_returns) >= -3.0
    assert np.mean(random_successes) <= 0.05 and np.mean(random_returns) <= -5.8


def test_expert_reads_the_transcript_like_a_person() -> None:
    """The env game follows the solver's own plan for the word, read back from the transcript."""
    env = gym.make(ENV_ID, answers=["those"])
    agent = make_agent("wordle_infogain", env)
    observation, _ = env.reset(seed=0)
    played = []
    done = False
    while not done:
        played.append(agent.act(observation))
        observation, _, terminated, truncated, _ = env.step(played[-1])
        done = terminated or truncated
    assert played == solve("those") and played[-1] == "those"
    history = read_history(observation)
    assert [guess for guess, _ in history] == played
    assert history[0][1] == feedback_code(wordle_feedback(played[0], "those"))


def test_expert_survives_a_replaced_feedback_rule() -> None:
    """With feedback it cannot explain it still plays six distinct, valid words."""
    env = gym.make(ENV_ID, feedback=always_yellow, answers=["crane"])
    agent = make_agent("expert", env)
    observation, _ = env.reset(seed=0)
    guesses, done = [], False
    while not done:
        guesses.append(agent.act(observation))
        observation, _, terminated, truncated, info = env.step(guesses[-1])
        assert not info["invalid_action"]
        done = terminated or truncated
    assert len(set(guesses)) == len(guesses)


# -- rules="lmrl": LMRL-Gym's word list size and feedback rule ---------------------------------


def lmrl_subset_rule():
    """``lmrl_subset`` of the build script (a script in the data folder, not a module)."""
    path = Path(rlbench_suite.envs.language.wordle.DATA_DIR) / "build_wordle_lists.py"
    spec = importlib.util.spec_from_file_location("build_wordle_lists", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lmrl_subset


@pytest.mark.parametrize(
    "check",
    [
        testing.check_gymnasium_api,
        testing.check_determinism,
        testing.check_pickle,
        testing.check_observations_in_space,
    ],
)
def test_lmrl_rules_pass_the_public_checks(check) -> None:
    """Under rules='lmrl': Gymnasium's check_env, same seed same game, pickles mid-episode."""
    check(lambda **kwargs: gym.make(ENV_ID, rules="lmrl", **kwargs))


def test_lmrl_list_is_431_of_our_answers_drawn_by_the_documented_rule() -> None:
    """As many words as LMRL-Gym's list, all ours, the SHA-256 draw the build script documents."""
    words = load_lmrl_list()
    assert len(words) == 431 and set(words) <= set(ANSWERS)
    assert list(words) == lmrl_subset_rule()(list(ANSWERS))
    env = gym.make(ENV_ID, rules="lmrl").unwrapped
    assert env.answers == env.allowed == words
    assert env.action_vocabulary() == list(words)


def test_lmrl_list_is_also_the_only_allowed_guesses() -> None:
    """A word of our allowed list outside the 431 is refused as not in the word list, -1."""
    outside = next(word for word in ANSWERS if word not in set(load_lmrl_list()))
    env = gym.make(ENV_ID, rules="lmrl")
    observation, _ = env.reset(seed=0)
    assert "a word from my list of 431" in observation
    observation, reward, _, _, info = env.step(outside)
    assert last_lines(observation)[0].startswith(f"Invalid guess: {outside!r} is not in the word")
    assert (reward, info["invalid_action"]) == (-1.0, True)


def test_lmrl_feedback_marks_every_copy_of_a_letter_the_answer_holds() -> None:
    """levee against alley: LMRL-Gym marks both extra e yellow; the game marks them black."""
    assert (lmrl_feedback("levee", "alley"), wordle_feedback("levee", "alley")) == (
        "yybgy",
        "ybbgb",
    )
    lmrl = gym.make(ENV_ID, rules="lmrl", answers=["alley"])
    observation, _ = lmrl.reset(seed=0)
    assert "however many the word holds" in observation
    assert last_lines(lmrl.step("levee")[0]) == ["l:y e:y v:b e:g e:y"]
    ours = gym.make(ENV_ID, answers=["alley"])
    ours.reset(seed=0)
    assert last_lines(ours.step("levee")[0]) == ["l:y e:b v:b e:g e:b"]


def test_lmrl_feedback_agrees_with_the_game_on_words_without_repeats() -> None:
    """The two rules differ only where the guess repeats a letter the answer holds."""
    words = load_lmrl_list()
    rng = random.Random(0)
    for _ in range(2000):
        guess, answer = rng.choice(words), rng.choice(words)
        if len(set(guess)) == WORD_LENGTH:
            assert lmrl_feedback(guess, answer) == wordle_feedback(guess, answer)


def test_lmrl_rewards_and_six_guesses_are_unchanged() -> None:
    """Six guesses, -1 each, invalid ones included; the solving guess pays 0."""
    env = gym.make(ENV_ID, rules="lmrl", answers=["alley"])
    env.reset(seed=0)
    rewards = [env.step(word)[1] for word in ("levee", "xyzzy")]
    _, reward, terminated, _, info = env.step("Alley")
    assert (rewards, reward, terminated, info["turns"]) == ([-1.0, -1.0], 0.0, True, 3)
    env.reset(seed=0)
    for _ in range(6):
        _, _, terminated, truncated, info = env.step("levee")
    assert (terminated, truncated, info["turns"], info["answer"]) == (False, True, 6, "alley")


def test_lmrl_rules_check_their_arguments() -> None:
    """An unknown rules value, or an answer outside the 431-word list, is refused by name."""
    with pytest.raises(ValueError, match=r"rules must be one of \('rlbench', 'lmrl'\)"):
        WordleEnv(rules="nyt")
    outside = next(word for word in ANSWERS if word not in set(load_lmrl_list()))
    with pytest.raises(ValueError, match=r"data/wordle_lmrl.txt \(rules='lmrl'"):
        WordleEnv(rules="lmrl", answers=[outside])


def lmrl_benchmark():
    """``benchmarks/lmrl_mode.py`` loaded as a module (benchmarks are scripts, not a package)."""
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "lmrl_mode.py"
    spec = importlib.util.spec_from_file_location("lmrl_mode", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_information_gain_over_the_lmrl_list_solves_every_game_in_about_three_guesses() -> None:
    """The benchmark's expert for rules='lmrl' never guesses outside the list and always wins."""
    env = gym.make(ENV_ID, rules="lmrl")
    expert = lmrl_benchmark().LmrlWordleExpert(env)
    result = evaluate(expert, ENV_ID, n_episodes=60, seed=0, env_kwargs={"rules": "lmrl"})
    assert all(record.metrics["success"] == 1.0 for record in result.records)
    assert all(record.metrics["invalid_actions"] == 0.0 for record in result.records)
    assert -2.4 < result.mean_return < -1.6  # LMRL-Gym's own information-gain policy: -1.935
