"""GuessMyCity-v0: the oracle's answers, its discretion, rewards, guesses and the expert."""

from __future__ import annotations

import json
import pickle

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
import rlbench_suite.envs.language  # registers the language ids
from rlbench_suite.agents import make_agent
from rlbench_suite.agents.language.guess_my_city import CityInfoGainAgent
from rlbench_suite.envs.language.guess_my_city import (
    COUNTRY_ANSWER,
    DATA_FILE,
    UNKNOWN_ANSWER,
    WRONG_GUESS,
    GuessMyCityEnv,
    city_oracle,
    held_out_cities,
    load_knowledge,
    normalise,
    question_bank,
)
from rlbench_suite.scoring import evaluate

ENV_ID = "rlbench/GuessMyCity-v0"
KNOWLEDGE = load_knowledge()
CITIES = {city["name"]: city for city in KNOWLEDGE.cities}
DATA = json.loads(DATA_FILE.read_text())

#: Free phrasings of every topic, beside the question bank's own templates.
PHRASINGS = (
    "WHAT CONTINENT IS IT ON",
    "where is it located?",
    "Which part of the world?",
    "what country is it in?",
    "Which nation?",
    "What language do they speak?",
    "what languages are spoken there??",
    "Is it by the sea?",
    "Is it inland?",
    "Is it landlocked?",
    "How many people live there?",
    "What's the population?",
    "Is it big?",
    "Is it a megacity?",
    "Does it have at least 3 million inhabitants?",
    "Are there fewer than 1,000,000 people?",
    "Is it the capital city?",
    "Tell me about the weather.",
    "Is it hot?",
    "Is it cold in winter?",
    "Which hemisphere?",
    "Is it north of the equator?",
    "Is it on the equator?",
    "What's it famous for?",
    "What else is it known for?",
    "Any famous landmarks?",
    "Is it famous for a bridge?",
    "Does it have a cathedral?",
    "Is it in the Middle East?",
    "Is it in Scandinavia?",
    "Is it in the EU?",
    "Is it in North Korea?",
    "Do they speak Chinese?",
    "Is the climate desert-like?",
)


def names_that_must_not_appear(city: dict) -> list[str]:
    """The city's name and aliases, its country's name and aliases, normalised."""
    country = city["country"]
    names = [city["name"], *city["aliases"], country, *DATA["countries"][country]["aliases"]]
    return [normalise(name) for name in names]


def play(env: gym.Env, utterances: list[str], seed: int = 0) -> list[tuple]:
    """Reset with ``seed`` and say each utterance; return (reply, reward, terminated, info)."""
    env.reset(seed=seed)
    results = []
    for utterance in utterances:
        observation, reward, terminated, _, info = env.step(utterance)
        results.append((observation.splitlines()[-1], reward, terminated, info))
    return results


def test_knowledge_base_has_about_a_hundred_cities_with_every_fact() -> None:
    """114 distinct ASCII-named cities, each with every fact and three landmarks."""
    assert len(CITIES) == 114
    for city in KNOWLEDGE.cities:
        assert city["name"].isascii() and len(city["landmarks"]) == 3
        assert city["climate"] in KNOWLEDGE.climates
        assert city["region"] in KNOWLEDGE.regions
        assert city["country"] in KNOWLEDGE.countries and city["languages"]
        assert -90 <= city["latitude"] <= 90 and -180 <= city["longitude"] <= 180


def test_oracle_never_names_the_city_or_its_country() -> None:
    """Over every city, every bank question and free phrasings, no reply names city or country."""
    questions = [*question_bank(), *PHRASINGS]
    for city in KNOWLEDGE.cities:
        forbidden = names_that_must_not_appear(city)
        for question in questions:
            reply = f" {normalise(city_oracle(city, question))} "
            leaked = [name for name in forbidden if f" {name} " in reply]
            assert not leaked, f"{city['name']}: {question!r} -> {reply!r} names {leaked}"


def test_env_replies_never_name_the_city_except_the_correct_guess() -> None:
    """Through the env, wrong guesses and questions stay silent; only the right guess names it."""
    env = gym.make(ENV_ID, max_questions=400)
    city = CITIES["Sao Paulo"]
    env.reset(seed=0)
    env.unwrapped.city_index = KNOWLEDGE.city_names.index("Sao Paulo")
    forbidden = names_that_must_not_appear(city)
    wrong_guesses = [f"Is it {name}?" for name in KNOWLEDGE.city_names if name != "Sao Paulo"]
    for utterance in [*PHRASINGS, *wrong_guesses]:
        observation, *_ = env.step(utterance)
        reply = f" {normalise(observation.splitlines()[-1])} "
        assert not [name for name in forbidden if f" {name} " in reply], utterance
    observation, reward, terminated, _, info = env.step("is it sampa")
    assert observation.splitlines()[-1] == "Yes! The city is Sao Paulo."
    assert (reward, terminated, info["success"]) == (0.0, True, True)


@pytest.mark.parametrize(
    ("city", "question", "answer"),
    [
        ("Tokyo", "What continent is it on?", "It is in Asia."),
        ("Istanbul", "what continent is it on", "It is in Europe and Asia."),
        ("Istanbul", "Is it in Asia?", "Yes."),
        ("Havana", "Where is it?", "It is in the Caribbean."),
        ("Barcelona", "What language do people speak there?",
         "People there mostly speak Spanish and Catalan."),
        ("Hong Kong", "Do they speak Chinese?", "Yes."),
        ("Paris", "Do they speak Spanish?", "No."),
        ("Paris", "IS IT IN EUROPE?!", "Yes."),
        ("Paris", "is it in france", "Yes."),
        ("Seoul", "Is it in North Korea?", "No."),
        ("Seoul", "Is it in Korea?", "Yes."),
        ("Johannesburg", "Is it in South Africa?", "Yes."),
        ("Johannesburg", "Is it in Southern Africa?", "Yes."),
        ("Lagos", "Is it in Latin America?", "No."),
        ("Lima", "Is it in Latin America?", "Yes."),
        ("Dubai", "Is it in the Middle East?", "Yes."),
        ("Madrid", "Is it on the coast?", "No."),
        ("Madrid", "Is it inland?", "Yes."),
        ("Madrid", "Where is it relative to the sea?", "No, it is inland."),
        ("Lisbon", "Is it a capital?", "Yes."),
        ("Lisbon", "Is it the capital city?", "Yes."),
        ("Lisbon", "How big is it?", "About 2 to 5 million people live in its metropolitan area."),
        ("Tokyo", "Does it have more than 20 million people?", "Yes."),
        ("Tokyo", "Are there fewer than 10,000,000 people?", "No."),
        ("Tokyo", "Is it a megacity?", "Yes."),
        ("Reykjavik", "How many people live there?",
         "About fewer than 2 million people live in its metropolitan area."),
        ("Cairo", "What is the climate like?",
         "Its climate is arid: hot and dry, with little rain."),
        ("Cairo", "Is it a desert city?", "Yes."),
        ("Cairo", "Is the climate tropical?", "No."),
        ("Sydney", "Which hemisphere is it in?",
         "It is in the southern and eastern hemispheres."),
        ("Sydney", "Is it south of the equator?", "Yes."),
        ("Singapore", "Is it near the equator?", "Yes."),
        ("Sydney", "What is it famous for?",
         "It is famous for an opera house with sail-shaped roofs on the harbour."),
        ("Sydney", "Is it famous for an opera house?", "Yes."),
        ("Sydney", "Does it have bridges?", "Yes."),
        ("Sydney", "Is it famous for pyramids?", "No."),
        ("Sydney", "What country is it in?", COUNTRY_ANSWER),
        ("Sydney", "Is it in Norway?", "No."),
        ("Sydney", "What is the meaning of life?", UNKNOWN_ANSWER),
    ],
)  # fmt: skip
def test_oracle_answers_questions_in_any_phrasing(city: str, question: str, answer: str) -> None:
    """Open and yes/no questions get the knowledge base's fact, whatever the case or punctuation."""
    assert city_oracle(CITIES[city], question) == answer


def test_rewards_guesses_and_invalid_text() -> None:
    """-1 a question; -1 and invalid for unmapped, empty or two-city text; 0 for the right guess."""
    env = gym.make(ENV_ID)
    env.reset(seed=3)
    secret = env.unwrapped.city["name"]
    other = next(name for name in KNOWLEDGE.city_names if name != secret)
    steps = [
        ("What continent is it on?", -1.0, False, False),
        ("Blue cheese, purple monkey!", -1.0, False, True),
        ("", -1.0, False, True),
        (f"Is it {other} or {secret}?", -1.0, False, True),
        (f"Is it {other}?", -1.0, False, False),
    ]
    for utterance, reward, terminated, invalid in steps:
        _, got_reward, got_terminated, _, info = env.step(utterance)
        assert (got_reward, got_terminated, info["invalid_action"]) == (
            reward,
            terminated,
            invalid,
        ), utterance
    assert env.step(f"Is it {other}?")[0].splitlines()[-1] == WRONG_GUESS
    _, reward, terminated, _, info = env.step(f"  {secret.upper()}  ")
    assert (reward, terminated, info["success"]) == (0.0, True, True)
    assert (info["guesses"], info["questions"], info["invalid_actions"]) == (3, 4, 3)


def test_aliases_count_as_the_city() -> None:
    """A listed alias ("NYC", "Bombay", "Peking") is a correct guess of its city."""
    env = gym.make(ENV_ID, secret_cities=["New York City"])
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step("Is it NYC?")
    assert terminated and info["success"] and reward == 0.0
    aliases = {"Bombay": "Mumbai", "Peking": "Beijing", "St. Petersburg": "Saint Petersburg"}
    for alias, name in aliases.items():
        env = gym.make(ENV_ID, secret_cities=[name])
        env.reset(seed=0)
        _, reward, terminated, _, info = env.step(f"is it {alias}")
        assert terminated and info["success"] and reward == 0.0, alias


def test_twenty_questions_then_truncation() -> None:
    """Without the right guess the episode truncates after 20 questions with return -20."""
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    total, truncated, steps = 0.0, False, 0
    while not truncated:
        _, reward, terminated, truncated, _ = env.step("Is it on the coast?")
        total, steps = total + reward, steps + 1
        assert not terminated
    assert (steps, total) == (20, -20.0)


def test_same_seed_same_city_and_transcript() -> None:
    """Equal seeds give equal hidden cities and transcripts; the secret follows the seed."""
    first, second = gym.make(ENV_ID), gym.make(ENV_ID)
    questions = ["What is it famous for?", "Is it in Asia?", "How big is it?"]
    assert play(first, questions, seed=11) == play(second, questions, seed=11)
    secrets = set()
    for seed in range(30):
        first.reset(seed=seed)
        secrets.add(first.unwrapped.city["name"])
    assert len(secrets) > 15


def test_user_oracle_replaces_the_built_in_one() -> None:
    """A callable oracle answers non-guesses; its UNKNOWN_ANSWER marks the turn invalid."""
    seen = []

    def oracle(city: dict, question: str) -> str:
        seen.append((city["name"], question))
        return UNKNOWN_ANSWER if "?" not in question else f"{len(city['landmarks'])} landmarks."

    env = gym.make(ENV_ID, oracle=oracle, secret_cities=["Lima"])
    env.reset(seed=0)
    observation, _, _, _, info = env.step("How many landmarks?")
    assert observation.endswith("3 landmarks.") and not info["invalid_action"]
    assert env.step("gibberish")[4]["invalid_action"]
    assert env.step("Is it Lima?")[4]["success"]
    assert seen == [("Lima", "How many landmarks?"), ("Lima", "gibberish")]


def test_bad_constructor_arguments_name_what_was_expected() -> None:
    """Wrong oracle, question limit or city names raise errors that say what was expected."""
    with pytest.raises(TypeError, match="oracle must be a callable"):
        GuessMyCityEnv(oracle="an oracle")
    with pytest.raises(TypeError, match="max_questions must be an int"):
        GuessMyCityEnv(max_questions=2.5)
    with pytest.raises(ValueError, match="max_turns must be a positive integer"):
        GuessMyCityEnv(max_questions=0)
    with pytest.raises(ValueError, match=r"unknown: \['Atlantis'\]"):
        GuessMyCityEnv(secret_cities=["Paris", "Atlantis"])
    with pytest.raises(TypeError, match="sequence of city names"):
        GuessMyCityEnv(secret_cities="Paris")
    env = GuessMyCityEnv(oracle=lambda city, question: 42)
    env.reset(seed=0)
    with pytest.raises(TypeError, match="oracle must return a str"):
        env.step("What continent?")


def test_vocabulary_is_fixed_and_every_question_is_understood() -> None:
    """The bank is the same every episode, and no bank question gets the unmapped answer."""
    env = gym.make(ENV_ID)
    vocabulary = env.unwrapped.action_vocabulary()
    env.reset(seed=5)
    assert env.unwrapped.action_vocabulary() == vocabulary
    assert len(vocabulary) == len(set(vocabulary)) == len(question_bank()) + 114
    for question in question_bank():
        assert city_oracle(CITIES["Paris"], question) != UNKNOWN_ANSWER, question


def test_mid_episode_pickle_keeps_the_secret() -> None:
    """A pickled env continues with the same hidden city and answers."""
    env = gym.make(ENV_ID)
    env.reset(seed=8)
    env.step("What is it famous for?")
    clone = pickle.loads(pickle.dumps(env))
    assert clone.unwrapped.city == env.unwrapped.city
    assert clone.step("How big is it?")[0] == env.step("How big is it?")[0]


def test_mdp_family_splits_hold_out_a_fifth_of_the_cities() -> None:
    """In-distribution pools never contain a held-out city; held-out pools only those."""
    family = rlbench_suite.env_card(ENV_ID).mdp_family
    held_out = set(held_out_cities())
    assert len(held_out) == 22
    for kwargs in family.sample(5, "in_distribution", seed=1):
        assert len(kwargs["secret_cities"]) == 40 and not held_out & set(kwargs["secret_cities"])
    for kwargs in family.sample(5, "held_out", seed=1):
        assert set(kwargs["secret_cities"]) <= held_out
        env = gym.make(ENV_ID, **kwargs)
        env.reset(seed=2)
        assert env.unwrapped.city["name"] in held_out


def run_episodes(agent_name: str, seeds: range, **env_kwargs) -> tuple[float, float]:
    """(success rate, mean return) of an agent over ``seeds``, through the scoring harness."""
    records = evaluate(agent_name, ENV_ID, seeds=seeds, env_kwargs=env_kwargs).records
    return (
        float(np.mean([record.metrics["success"] for record in records])),
        float(np.mean([record.episode_return for record in records])),
    )


def test_infogain_expert_wins_at_least_90_percent_and_beats_random() -> None:
    """The expert finds the city in >= 90% of 50 episodes; random mostly runs out of questions."""
    expert_rate, expert_return = run_episodes("expert", range(50))
    random_rate, random_return = run_episodes("random", range(50))
    assert expert_rate >= 0.9 and expert_return >= -3
    assert random_rate < 0.3 and random_return < -15


def test_infogain_expert_needs_no_landmarks() -> None:
    """Restricted to non-landmark questions the expert still wins every one of 30 episodes."""
    env = gym.make(ENV_ID)
    questions = [question for question in question_bank() if "famous" not in question]
    agent = CityInfoGainAgent(env, questions=questions)
    for seed in range(30):
        observation, _ = env.reset(seed=seed)
        done = False
        while not done:
            utterance = agent.act(observation)
            assert "famous" not in utterance
            observation, _, terminated, truncated, info = env.step(utterance)
            done = terminated or truncated
        assert info["success"] and info["turns"] <= 8, seed


def test_infogain_expert_asks_the_most_informative_question_first() -> None:
    """Its first question is the one with the most distinct answers over all cities."""
    env = gym.make(ENV_ID)
    agent = make_agent("expert", env)
    observation, _ = env.reset(seed=0)
    assert agent.act(observation) == "What is it famous for?"
    with pytest.raises(ValueError, match="question bank"):
        CityInfoGainAgent(env, questions=["Is it nice?"])
