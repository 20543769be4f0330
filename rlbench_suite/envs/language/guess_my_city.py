"""GuessMyCity-v0: find a hidden world city by asking an oracle open and yes/no questions.

## Description

LMRL-Gym's Guess My City task (Abdulhai et al., 2023): the env hides one of 114 large world
cities and the agent has 20 questions to find it. Unlike Twenty Questions, the agent may ask
open questions ("What continent is it on?", "What language do people speak there?", "What is it
famous for?") as well as yes/no ones ("Is it in Europe?", "Do they speak Spanish?"). The oracle
answers from a knowledge base shipped with the package (``data/cities.json``: for each city its
country, continent(s), region, languages, whether it is on the coast, metro population,
whether it is the national capital, climate, latitude and longitude, and three landmarks written
without naming the city or its country), and it never says the city's or the country's name:
the only reply that names the city is the one to a correct guess.

## Differences from LMRL-Gym

| | LMRL-Gym's Guess My City | here, ``rules="default"`` | here, ``rules="lmrl"`` |
|---|---|---|---|
| cities | the 100 largest by city-proper population (its loader skips Seoul) | 114 large world cities | the 59 of ours that LMRL-Gym also uses |
| candidate list in the opening | none | all 114 cities | none |
| oracle | fine-tuned FLAN-T5, free text | rule-based, every answer a fact of the knowledge base | same |
| a question the oracle cannot answer | answered anyway | "I don't know." / "I didn't understand" | same |
| an unanswered turn | costs a turn (-1) | costs -1, ``charge_unanswered=False`` makes it 0 | same |
| reward, limit | -1 a turn, 0 for the correct guess, 20 turns | same | same |

LMRL-Gym's list (``guess_city/env/global_cities.txt``) includes 41 cities the knowledge base
does not hold (Bandung, Tianjin, Yokohama, Giza, ...); ``rules="lmrl"`` hides only the 59 it
shares (:func:`lmrl_cities`, matched through former names: its ``Bombay`` is our Mumbai). Every
city may still be guessed. The oracle is replaceable by any callable, for instance one that
queries a language model. LMRL-Gym publishes normalised scores (its Table 2), normalised with
its own datasets; they are not comparable to returns here, and none is quoted.

What the oracle understands (case, punctuation and phrasing are free; it looks for the words
that carry the meaning):

| topic | open question (reply) | yes/no question (reply ``Yes.`` or ``No.``) |
|-------|-----------------------|---------------------------------------------|
| continent, region | ``What continent is it on?``, ``Where is it?`` (``It is in Western Europe.``) | ``Is it in Asia?``, ``Is it in the Middle East?``, ``Is it in Latin America?`` |
| country | ``What country is it in?`` (a refusal: it never names the country) | ``Is it in France?`` |
| language | ``What language do people speak there?`` | ``Do they speak Spanish?`` |
| coast | ``Is it on the coast?`` (yes/no), ``Is it inland?`` | ``Is it by the sea?`` |
| size | ``How big is it?`` (a band: fewer than 2, 2 to 5, 5 to 10, more than 10 million) | ``Does it have more than 5 million people?``, ``Is it a megacity?`` |
| capital | ``Is it a capital?`` | ``Is it the capital city?`` |
| climate | ``What is the climate like?`` | ``Is it tropical?``, ``Is the climate arid?`` |
| hemisphere | ``Which hemisphere is it in?`` | ``Is it in the southern hemisphere?``, ``Is it near the equator?`` |
| landmarks | ``What is it famous for?``, ``What else is it famous for?`` | ``Is it famous for a bridge?``, ``Is the Eiffel Tower there?``, ``Does it have a subway?`` (``Yes.``, ``No.`` for a landmark of another city, else ``I don't know.``) |
| rivers, coasts | | ``Is it on a river?``, ``Does the Thames flow through it?``, ``Is it on the west coast?``, ``Is it on the Atlantic?`` |
| neighbours, capitals | | ``Does its country border Germany?``, ``Is it the capital of France?``, ``Is it the largest city in its country?`` |

Beyond that table the knowledge base holds, per city, its rivers, the seas, oceans, bays and
lakes it lies on, which coast of its country it is on, a list of named landmarks (each in one
city: ``Is the Eiffel Tower there?`` is yes in Paris and no anywhere else) and a list of what it
is known for (``the Underground``, ``tango``, ``canals``), whether it is its country's largest
city or a state or regional capital, and whether it has a metro; and, for the countries, their
borders, which are landlocked, their states and regions (``California``, ``Bavaria``) and
demonyms (``a French city``), and climate features per climate class (snow, humid, desert...).
Population thresholds read written and digit numbers (``more than ten million``, ``over 2.5m``),
``capital of <country>`` checks the country, and regions people draw differently (is Cairo in
the Middle East? is Berlin in Western Europe?) are answered "I don't know." there.

A question that only names a city of the knowledge base is a guess of that city (``Is it
Tokyo?``, ``Tokyo``, ``Is it NYC?``, ``Is it Paris, France?``; names, former names such as
``Bombay`` or ``Saigon``, other spellings and Unicode names such as ``São Paulo`` or
``Zürich`` count), and a capitalised name that is not one of the cities (``Is it Geneva?``) is
a wrong guess. Naming two different cities in one guess is not allowed.

The oracle principle: it answers ``Yes.`` or ``No.`` only to a question it fully understood.
A yes/no question with a word it cannot place, or one that names a city without guessing it
(``Is it bigger than Tokyo?``), gets :data:`~rlbench_suite.envs.language.qa.DONT_UNDERSTAND`;
one it understood but the knowledge base does not settle (a landmark or feature not in the
city's lists, a fuzzy region, a language spoken widely but not mainly) gets
:data:`~rlbench_suite.envs.language.qa.DONT_KNOW`; an open question it cannot map gets
:data:`UNKNOWN_ANSWER`. Measured on a blind held-out set of 682 questions
(``tests/envs/language/heldout/``), the previous revision answered about 96 % correctly, 4 %
"don't know" and 0.1 % wrongly (78 %, 8 % and 14 % before this oracle). On the development set
(286 questions, ``tests/envs/language/dev_questions/``) this revision answers 98.6 % correctly,
1.4 % "don't know" and none wrongly (95.8 %, 3.8 % and 0.3 % before it: accented names typed in
a question, former names asked as questions, ``Washington State``).

## Action Space

``Text(max_length=400, charset=string.printable)``: a question or a guess in English.
:meth:`GuessMyCityEnv.action_vocabulary` is a fixed bank of 290 utterances (11 open questions,
165 yes/no questions about continents, regions, countries, languages, climates, hemispheres and
population, and ``Is it <city>?`` for each of the 114 cities) for the ``Discrete`` wrapper; the
random agent draws from it.

## Observation Space

``Text(max_length=20000, charset=string.printable)``: the transcript. It opens with the rules and
the list of the 114 candidate cities, then ``"\\n> {question}\\n{answer}"`` for every turn:

| piece | example |
|-------|---------|
| opening | ``I am thinking of one of these 114 large world cities: Abidjan, Accra, ...`` |
| open answer | ``It is famous for an opera house with sail-shaped roofs on the harbour.`` |
| yes/no answer | ``Yes.`` or ``No.`` |
| wrong guess | ``No, it is not that city.`` |
| correct guess | ``Yes! The city is Sydney.`` |
| not understood | ``I didn't understand that question; please ask it another way.`` |
| understood, not settled | ``I don't know.`` |
| unmapped open question | :data:`UNKNOWN_ANSWER` |

## Rewards

As LMRL-Gym's 20 Questions and Guess My City: -1 for every turn except the correct guess, which
earns 0. A wrong guess costs -1 like any question. A turn the oracle does not answer
(:data:`UNANSWERED_REPLIES`, or two cities named, or empty text) costs -1 too by default;
with ``charge_unanswered=False`` it costs 0 and still counts against ``max_questions``. Every
non-answer except "I don't know." also sets ``info["invalid_action"]``. Returns lie in
[-20, 0]; finding the city with ``k`` questions before the guess returns ``-k``.

## Starting State

The hidden city is drawn uniformly from ``secret_cities`` (every city by default) with the reset
seed.

## Episode End

Termination on the correct guess; truncation after ``max_questions`` (20) turns. ``gym.make``
adds a ``TimeLimit`` of 20 steps.

## Arguments

```python
gym.make("rlbench/GuessMyCity-v0", oracle=None, max_questions=20, secret_cities=None,
         render_mode=None, charge_unanswered=True, rules="default")
```

- ``oracle``: ``oracle(city: dict, question: str) -> str`` answers every utterance that is not
  a guess; ``city`` is a copy of the hidden city's record from ``data/cities.json`` (keys
  ``name``, ``aliases``, ``country``, ``continents``, ``region``, ``languages``, ``coastal``,
  ``metro_population_millions``, ``capital``, ``climate``, ``latitude``, ``longitude``,
  ``landmarks``, ``rivers``, ``waters``, ``coast_sides``, ``landmarks_named``, ``known_for``,
  ``largest_in_country``, ``regional_capital``, ``metro``). ``None`` is :func:`city_oracle`,
  the rule-based oracle. The env judges guesses itself; a reply in
  :data:`UNANSWERED_REPLIES` is a non-answer (charged as ``charge_unanswered`` says), and every
  one but "I don't know." marks the turn invalid. To pickle the env
  (vector envs do) the oracle must pickle: a module-level function, not a lambda.
- ``max_questions``: turns before truncation (pass ``max_episode_steps`` to ``gym.make`` too
  when raising it above 20).
- ``secret_cities``: names of the cities the hidden one is drawn from (every city may still be
  guessed and is still listed); ``None`` is all 114.
- ``render_mode``: ``"ansi"`` returns the transcript.
- ``charge_unanswered``: whether a turn the oracle does not answer costs -1 (default ``True``,
  as LMRL-Gym) or 0; either way it uses up one of the ``max_questions`` turns.
- ``rules``: ``"default"`` (the opening lists every city) or ``"lmrl"`` (LMRL-Gym's setting: no
  list in the opening, the hidden city drawn from :func:`lmrl_cities` unless ``secret_cities``
  is given); see Differences from LMRL-Gym.

MDP family (:func:`secret_city_family`): the hidden city's pool. In distribution, 40 cities
drawn from the 92 training cities; held out, 15 drawn from the 22 held-out cities (every fifth
city of the knowledge base), never the answer in training.

``info`` carries ``success``, ``invalid_action``, ``turns``, ``invalid_actions``, and
``guesses`` and ``questions`` (turns that were guesses, turns that were not).

## Reference Scores

``rlbench evaluate --episodes 100 --seed 0`` (mean return, 95% interval, success rate):

| agent | mean return | success |
|-------|-------------|---------|
| ``city_infogain`` | -1.00 +- 0.00 | 100% |
| random (uniform over the question bank) | -19.22 +- 0.64 | 7% |
| ``city_infogain``, ``rules="lmrl"`` | -1.00 +- 0.00 | 100% |

The expert asks the question whose answer splits the remaining candidates most evenly
(highest entropy). A landmark description singles out one city of the 114, so with the
knowledge base in hand the expert needs one question; an agent has to bring the world
knowledge itself, which is what the task measures in LMRL-Gym. Kept off the two landmark
questions, the same expert still finds every city (mean return -2.13 over seeds 0-99).

## Version History

- v0: 114 cities, open and yes/no questions, rule-based oracle; the oracle principle, the extra
  facts, Unicode and former names, unknown-city guesses and the ``charge_unanswered`` option
  added without a version bump (the bank's answers change only where the knowledge base now
  says "I don't know.": a language spoken widely but not mainly, for 48 city-question pairs).

## Credits

Task and reward: LMRL-Gym (Abdulhai et al., "LMRL Gym: Benchmarks for Multi-Turn Reinforcement
Learning with Language Models", 2023). City facts: common knowledge, written for this package
(populations are rounded metro-area estimates).

Example:
    >>> import gymnasium as gym, rlbench_suite.envs.language
    >>> env = gym.make("rlbench/GuessMyCity-v0")
    >>> observation, info = env.reset(seed=3)
    >>> env.step("What continent is it on?")[0].splitlines()[-1]
    'It is in South America.'
    >>> env.step("what language do people speak there")[0].splitlines()[-1]
    'People there mostly speak Spanish.'
    >>> env.step("Is it on the coast?")[0].splitlines()[-1]
    'Yes.'
    >>> env.step("Is it Buenos Aires?")[0].splitlines()[-1]
    'No, it is not that city.'
    >>> observation, reward, terminated, truncated, info = env.step("Is it Montevideo?")
    >>> observation.splitlines()[-1], reward, terminated, info["guesses"]
    ('Yes! The city is Montevideo.', 0.0, True, 2)

"""  # noqa: E501 -- the question table quotes whole questions and answers

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rlbench_suite.envs.language.base import LanguageEnv, Turn, register_language_env
from rlbench_suite.envs.language.qa import (
    DONT_KNOW,
    DONT_UNDERSTAND,
    FILLER_WORDS,
    GUESS_WORDS,
    NEGATORS,
    fold,
    numbers,
    stem,
    strip_guess_opening,
    strip_preamble,
    unanswered_turn_reward,
)
from rlbench_suite.envs.language.qa import normalise as _qa_normalise

DATA_FILE = Path(__file__).parent / "data" / "cities.json"
MAX_QUESTIONS = 20
#: Metro population band edges, in millions: an open size question gets the band.
POPULATION_BAND_EDGES = (2.0, 5.0, 10.0)
#: "Near the equator" means within this many degrees of latitude.
EQUATOR_BAND_DEGREES = 10.0

#: Replies that answer neither yes nor no (the turn costs -1 only when ``charge_unanswered``).
UNANSWERED_REPLIES: tuple[str, ...] = ()
UNKNOWN_ANSWER = (
    "I can't answer that. Ask about its continent, region, country (yes or no), language, "
    "coast, size, capital status, climate, hemisphere or what it is famous for."
)
COUNTRY_ANSWER = "I won't name the country, but you may ask whether it is in a particular one."
WRONG_GUESS = "No, it is not that city."
ONE_CITY_AT_A_TIME = "Please guess one city at a time."
UNANSWERED_REPLIES = (UNKNOWN_ANSWER, DONT_KNOW, DONT_UNDERSTAND)
#: The values of the ``rules`` argument.
RULES = ("default", "lmrl")
#: LMRL-Gym's Guess My City cities (``llm_rl_scripts/guess_city/env/global_cities.txt`` of
#: abdulhaim/LMRL-Gym: the 100 largest cities by city-proper population, in its spelling; its
#: loader starts at the file's third line and so never hides Seoul). ``rules="lmrl"`` hides the
#: cities of the knowledge base among them.
LMRL_GYM_CITIES = (
    "Seoul", "Sao Paulo", "Bombay", "Jakarta", "Karachi", "Moscow", "Istanbul", "Mexico City",
    "Shanghai", "Tokyo", "New York", "Bangkok", "Beijing", "Delhi", "London", "Hong Kong",
    "Cairo", "Tehran", "Bogota", "Bandung", "Tianjin", "Lima", "Rio de Janeiro", "Lahore",
    "Bogor", "Santiago", "St Petersburg", "Shenyang", "Calcutta", "Wuhan", "Sydney", "Guangzhou",
    "Singapore", "Madras", "Baghdad", "Pusan", "Los Angeles", "Yokohama", "Dhaka", "Berlin",
    "Alexandria", "Bangalore", "Malang", "Hyderabad", "Chongqing", "Ho Chi Minh City", "Haerbin",
    "Ankara", "Buenos Aires", "Chengdu", "Ahmedabad", "Casablanca", "Chicago", "Xian", "Madrid",
    "Surabaya", "Pyong Yang", "Nanjing", "Kinshasa", "Rome", "Taipei", "Osaka", "Kiev", "Yangon",
    "Toronto", "Zibo", "Dalian", "Taegu", "Addis Ababa", "Jinan", "Salvador", "Inchon",
    "Semarang", "Giza", "Changchun", "Havana", "Nagoya", "Belo Horizonte", "Paris", "Tashkent",
    "Fortaleza", "Sukabumi", "Cali", "Guayaquil", "Qingdao", "Izmir", "Cirebon", "Taiyuan",
    "Brasilia", "Bucharest", "Faisalabad", "Quezon City", "Medan", "Houston", "Abidjan",
    "Mashhad", "Medellin", "Kanpur", "Budapest", "Caracas",
)  # fmt: skip
CORRECT_GUESS = "Yes! The city is {name}."

OracleFn = Callable[[dict[str, Any], str], str]


# -- the knowledge base ------------------------------------------------------------------------


def normalise(text: str) -> str:
    """:func:`rlbench_suite.envs.language.qa.normalise`: the one normaliser of the QA tasks.

    ``"Washington, D.C."`` becomes ``"washington dc"``, ``"2,500,000"`` becomes ``"2500000"``
    and ``"São Paulo"`` becomes ``"sao paulo"``, so a phrase can be looked up as `` phrase ``
    inside `` text ``.
    """
    return _qa_normalise(text)


Phrases = tuple[tuple[str, tuple[Any, ...]], ...]


def _phrase_table(entries: list[tuple[str, Any]]) -> Phrases:
    """(normalised phrase, its keys) pairs, longest phrase first so it wins over its own parts.

    One phrase may stand for several keys: "Chinese" is both Mandarin and Cantonese.
    """
    keys_by_phrase: dict[str, list[Any]] = {}
    for phrase, key in entries:
        keys = keys_by_phrase.setdefault(normalise(phrase), [])
        if key not in keys:
            keys.append(key)
    keys_by_phrase.pop("", None)
    ordered = sorted(keys_by_phrase, key=lambda phrase: (-len(phrase), phrase))
    return tuple((phrase, tuple(keys_by_phrase[phrase])) for phrase in ordered)


def find_phrases(text: str, phrases: Phrases) -> list[Any]:
    """The keys of the phrases in normalised ``text``, longest first, without overlaps.

    A matched phrase is blanked out, so ``north korea`` hides the ``korea`` inside it.
    """
    padded = f" {text} "
    found: list[Any] = []
    for phrase, keys in phrases:
        needle = f" {phrase} "
        if needle in padded:
            padded = padded.replace(needle, " | ")
            found.extend(key for key in keys if key not in found)
    return found


@dataclass(frozen=True)
class CityKnowledge:
    """The cities and the vocabulary the oracle recognises, loaded from ``data/cities.json``."""

    cities: tuple[dict[str, Any], ...]
    continents: tuple[str, ...]
    regions: dict[str, str]  # region -> its continent
    countries: tuple[str, ...]  # countries with a city in the knowledge base
    groups: dict[str, dict[str, list[str]]]  # e.g. Latin America -> {"countries": [...]}
    languages: tuple[str, ...]
    climates: dict[str, str]  # climate -> description
    city_phrases: Phrases  # name or alias -> city index
    place_phrases: Phrases  # -> ("continent" | "region" | "country" | "other" | "group", name)
    language_phrases: Phrases  # -> language
    climate_phrases: Phrases  # -> climate

    @property
    def city_names(self) -> list[str]:
        """Every city's name, in knowledge-base order."""
        return [city["name"] for city in self.cities]

    def cities_named(self, text: str) -> list[int]:
        """Indices of the cities whose name or alias appears in ``text`` (any phrasing).

        A landmark's name is not its city's (``Is the Tower of London there?`` names no city);
        a ``?`` that stands for a letter ``printable`` could not write matches any letter
        (``S?o Paulo``).
        """
        return self.guess_of(text)[1]

    def names_unknown_city(self, text: str) -> bool:
        """Whether ``text`` guesses a place that is not a city of the game (``Is it Geneva?``).

        It is a guess (``Is it ...?``, ``My guess is ...``) of one to four words the oracle
        cannot place at all; the hidden city is always one of the listed ones, so the answer is
        a plain no.
        """
        normalised = normalise(text)
        rest = strip_guess_opening(normalised)
        if rest == normalised or not rest or self.guess_of(text)[0] != "none":
            return False
        words = [word for word in rest.split() if word not in ("city", "town")]
        if not 1 <= len(words) <= 4:
            return False
        capitalised = {normalise(t) for t in re.findall(r"[^\s,.!;:()]+", text) if t[:1].isupper()}
        if re.search(rf"\b(?:a|an) {re.escape(rest)}$", normalised):
            return False  # "Is it a Capital City?": a name takes no article
        generic = FILLER_WORDS | CITY_FILLER
        if rest.endswith(" city") and all(w in capitalised and w not in generic for w in words):
            return True  # "Is it Quebec City?": a city of that name is not in the game
        if not _VOCABULARY:
            _VOCABULARY.append(_vocabulary(self))
        # A name is written with a capital ("Is it Geneva?"); "Is it cosmopolitan?" is no guess.
        return all(
            word not in _VOCABULARY[0] and not word.isdigit() and word in capitalised
            for word in words
        )

    def guess_of(self, text: str) -> tuple[str, list[int]]:
        """What ``text`` does with city names: guess one, several, name one, or none.

        ``("guess", [i])``, ``("several", [i, j, ...])``, ``("named", [i])`` (a city named
        inside a question that is not a guess) or ``("none", [])``.
        """
        padded = f" {normalise(text)} "
        for phrase, _ in city_facts().named:
            padded = padded.replace(f" {phrase} ", " | ")
        for phrase, _ in city_facts().state_phrases:
            # "Washington State", "New York State" name a state, not the city inside them.
            if phrase.endswith(" state"):
                padded = padded.replace(f" {phrase} ", " ; ")
        found: list[int] = []
        for phrase, keys in self.city_phrases:
            needle = f" {phrase} "
            if needle in padded:
                padded = padded.replace(needle, " | ")
                found.extend(key for key in keys if key not in found)
        if "?" in padded:
            for phrase, keys in self.city_phrases:
                pattern = "".join(f"[{c}?]" if c.isalpha() else re.escape(c) for c in phrase)
                padded, hits = re.subn(rf"(?<=\s){pattern}(?=\s)", "|", padded)
                if hits:
                    found.extend(key for key in keys if key not in found)
        if not found:
            return "none", []
        rest = [word for word in padded.split() if word not in ("|", ";")]
        # "Is it Paris, France?" still guesses Paris: a country or state may follow the city.
        rest_text = f" {' '.join(rest)} "
        if rest_text.strip():
            states = {phrase for phrase, _ in city_facts().state_phrases}
            for phrase, keys in [*self.place_phrases, *city_facts().state_phrases]:
                country = any(isinstance(k, tuple) and k[0] in ("country", "other") for k in keys)
                if country or phrase in states:
                    rest_text = rest_text.replace(f" {phrase} ", " ")
        if not (GUESS_WORDS | {"in", "the"}).issuperset(rest_text.split()):
            return "named", found
        return ("guess" if len(found) == 1 else "several"), found


@lru_cache(maxsize=1)
def load_knowledge() -> CityKnowledge:
    """The knowledge base (read once per process)."""
    data = json.loads(DATA_FILE.read_text(encoding="ascii"))
    cities = tuple(data["cities"])
    city_entries = [
        (phrase, index)
        for index, city in enumerate(cities)
        for phrase in [city["name"], *city["aliases"]]
    ]
    place_entries: list[tuple[str, Any]] = []
    for kind, table in (
        ("continent", data["continents"]),
        ("region", data["regions"]),
        ("country", data["countries"]),
        ("group", data["groups"]),
    ):
        for name, entry in table.items():
            for phrase in [name, *entry["aliases"]]:
                place_entries.append((phrase, (kind, name)))
    place_entries += [(name, ("other", name)) for name in data["other_countries"]]
    language_entries = [
        (phrase, name)
        for name, entry in data["languages"].items()
        for phrase in [name, *entry["aliases"]]
    ]
    climate_entries = [
        (phrase, name)
        for name, entry in data["climates"].items()
        for phrase in [name, *entry["aliases"]]
    ]
    return CityKnowledge(
        cities=cities,
        continents=tuple(data["continents"]),
        regions={name: entry["continent"] for name, entry in data["regions"].items()},
        countries=tuple(data["countries"]),
        groups={name: entry for name, entry in data["groups"].items()},
        languages=tuple(data["languages"]),
        climates={name: entry["description"] for name, entry in data["climates"].items()},
        city_phrases=_phrase_table(city_entries),
        place_phrases=_phrase_table(place_entries),
        language_phrases=_phrase_table(language_entries),
        climate_phrases=_phrase_table(climate_entries),
    )


# -- the question parser -----------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    """The set of the space-separated words in ``text``."""
    return frozenset(text.split())


WH_OPENERS = _words("what whats which where wheres how hows who whos why")
LANDMARK_WORDS = _words(
    "famous known landmark landmarks attraction attractions sights monument monuments "
    "highlights renowned"
)
MORE_WORDS = _words("else other another more also")
LANGUAGE_WORDS = _words("language languages speak speaks spoken tongue")
COUNTRY_WORDS = _words("country nation nationality")
CLIMATE_WORDS = _words(
    "climate weather temperature temperatures hot cold warm rain rainy snow snowy seasons humid"
)
POPULATION_WORDS = _words(
    "population populous populated inhabitants residents big large size small huge megacity"
)
COAST_WORDS = _words("coast coastal sea ocean seaside port seaport harbour harbor shore waterfront")
INLAND_WORDS = _words("inland landlocked")
HEMISPHERE_WORDS = _words("hemisphere hemispheres equator latitude")
REGION_WORDS = _words("region where located location part area")
DIRECTIONS = {
    "north": "north",
    "northern": "north",
    "south": "south",
    "southern": "south",
    "east": "east",
    "eastern": "east",
    "west": "west",
    "western": "west",
}
ABOVE_WORDS = _words("more over above greater bigger larger exceed exceeds least")
BELOW_WORDS = _words("less fewer under below smaller")
#: Words that carry no landmark content in "Is it famous for a ...?" or "Does it have a ...?".
STOP_WORDS = _words(
    "a an the it its is are does do did has have there that this of for with in on at by to "
    "and or any some city town place famous known well really very big great huge most "
    "landmark landmarks attraction attractions sights monument monuments renowned be being "
    "they people you can could would will please tell me about"
)


@dataclass(frozen=True)
class Query:
    """What a question asks: a topic, and for yes/no questions the values it names.

    ``topic`` is one of ``place``, ``language``, ``hemisphere``, ``equator``, ``climate``,
    ``population``, ``coast``, ``capital``, ``landmark`` (yes/no kinds, when ``yes_no``), or the
    open kinds ``continent``, ``region``, ``country``, ``language``, ``population``, ``coast``,
    ``capital``, ``climate``, ``hemisphere``, ``landmark``, ``landmark_more``; ``unknown``
    when nothing matched.
    """

    topic: str
    yes_no: bool = False
    values: tuple[Any, ...] = ()
    threshold: float | None = None  # millions, for population yes/no questions
    above: bool = True
    negated: bool = False
    flip: bool = False  # a negated question: "Is it not in Europe?"


UNKNOWN_QUERY = Query("unknown")


def _population_threshold(text: str, words: list[str]) -> tuple[float | None, bool | None]:
    """(threshold in millions, above?) for "more than 5 million people"-style questions."""
    if "megacity" in words:
        return 10.0, True
    found = numbers(text)
    if not found:
        return None, None
    value = found[0][0]
    # A head count when large ("10 million", "10,000,000 people"), millions when small ("10").
    millions = value / 1e6 if value >= 1000 else value
    if any(word in ABOVE_WORDS for word in words):
        return millions, True
    if any(word in BELOW_WORDS for word in words):
        return millions, False
    return millions, None


def _basic_query(text: str, knowledge: CityKnowledge) -> Query:
    """The first parser's reading of normalised ``text``: keywords, places, numbers."""
    words = text.split()
    if not words:
        return UNKNOWN_QUERY
    wh_question = words[0] in WH_OPENERS
    yes_no = not wh_question
    word_set = set(words)

    if word_set & LANDMARK_WORDS:
        keywords = tuple(word for word in words if word not in STOP_WORDS | MORE_WORDS)
        keywords = tuple(word for word in keywords if word not in FILLER_WORDS)
        if yes_no and keywords:
            return Query("known_for", yes_no=True, values=keywords)
        return Query("landmark_more" if word_set & MORE_WORDS else "landmark")

    if yes_no:
        # A question that names a value is answered yes or no, however it is phrased.
        places = find_phrases(text, knowledge.place_phrases)
        if places:
            return Query("place", yes_no=True, values=tuple(places))
        languages = find_phrases(text, knowledge.language_phrases)
        if languages:
            return Query("language", yes_no=True, values=tuple(languages))
        if word_set & HEMISPHERE_WORDS:
            directions = tuple(dict.fromkeys(DIRECTIONS[w] for w in words if w in DIRECTIONS))
            if directions:
                return Query("hemisphere", yes_no=True, values=directions)
            if "equator" in word_set:
                return Query("equator", yes_no=True)
        climates = find_phrases(text, knowledge.climate_phrases)
        if climates:
            return Query("climate", yes_no=True, values=tuple(climates))
        threshold, above = _population_threshold(text, words)
        if threshold is not None and above is not None:
            return Query("population", yes_no=True, threshold=threshold, above=above)
        if word_set & INLAND_WORDS:
            return Query("coast", yes_no=True, negated=True)
        if word_set & COAST_WORDS:
            return Query("coast", yes_no=True)
        if "capital" in word_set:
            return Query("capital", yes_no=True)
        if word_set & {"have", "has", "there", "home", "see", "visit", "find"}:
            keywords = tuple(w for w in words if w not in STOP_WORDS and w not in FILLER_WORDS)
            keywords = tuple(w for w in keywords if w not in CITY_FILLER)
            if keywords:
                return Query("known_for", yes_no=True, values=keywords)

    # Open questions, and yes/no questions too vague for a yes or no ("Is it big?").
    if word_set & LANGUAGE_WORDS:
        return Query("language")
    if "continent" in word_set or "continents" in word_set:
        return Query("continent")
    if word_set & COUNTRY_WORDS:
        return Query("country")
    if word_set & CLIMATE_WORDS:
        return Query("climate")
    if word_set & POPULATION_WORDS or "how many" in text or {"people", "live"} <= word_set:
        return Query("population")
    if word_set & (COAST_WORDS | INLAND_WORDS):
        return Query("coast")
    if "capital" in word_set:
        return Query("capital")
    if word_set & HEMISPHERE_WORDS:
        return Query("hemisphere")
    if word_set & REGION_WORDS or "part of the world" in text:
        return Query("region")
    return UNKNOWN_QUERY


# -- what else the oracle understands: facts beyond the first parser ------------------------------

#: Words that are placed without asking anything (besides the shared filler words).
CITY_FILLER = _words(
    "city cities town towns metropolis metropolitan area located situated lie lies lying place "
    "urban centre center capital country countries nation state region world part big large "
    "major famous known well popular home host hosts hosted visit visitors tourists tourist "
    "see find there here live living people residents inhabitants population around within "
    "close near nearby next along beside by side river sea ocean coast coastal on its their "
    "stand stands sits sit built build founded name named called also ever still today now "
    "currently formerly former once used old new speak spoken language languages official "
    "main primary widely mostly commonly million millions billion thousand hundred number than "
    "more less fewer over under above below least most greater bigger larger smaller higher "
    "lower exceed exceeds roughly about approximately around nearly almost exactly just "
    "hemisphere equator latitude north south east west northern southern eastern western "
    "continent europe asia africa america americas oceania climate weather seasons season "
    "summer summers winter winters year round all temperatures temperature degrees feature "
    "features have has had contain contains include includes boast boasts any some lots lot "
    "many much plenty several kind type sort border borders bordering neighbour neighbours "
    "neighbor neighbors neighbouring neighboring adjacent shares share landlocked inland "
    "sea level port harbour harbor shore waterfront bay gulf lake island islands peninsula "
    "mainland capitol largest biggest second most populous populated populous inhabited "
    "home to houses contains locals local natives run runs running through flow flows flowing "
    "pass passes cross "
    "crosses across zero one two three four five six seven eight nine ten eleven twelve fifteen "
    "twenty thirty forty fifty hundred dozen half quarter a an"
)
#: The climate classes' own names: "Is the climate tropical?" asks the class.
CLIMATE_CLASS_WORDS = frozenset(
    {
        "tropical",
        "arid",
        "temperate",
        "continental",
        "subarctic",
        "mediterranean",
        "polar",
        "oceanic",
        "subtropical",
        "semi",
        "climate",
    }
)
#: River names that are ordinary words or places too: only "the Red River" names the river.
AMBIGUOUS_RIVER_NAMES = _words(
    "red don min han wei jin swan pearl charles mystic east congo saint lawrence st kamo yodo "
    "buffalo bayou bogota nairobi miami chicago los angeles saigon"
)
#: Words of water names that name no particular water.
GENERIC_WATER_WORDS = frozenset(
    {
        "sea",
        "ocean",
        "bay",
        "gulf",
        "lake",
        "of",
        "the",
        "river",
        "rio",
        "de",
        "la",
        "plata",
        "plate",
        "north",
        "east",
        "south",
        "upper",
        "harbor",
        "harbour",
        "strait",
        "straits",
        "inlet",
        "sound",
        "port",
        "new",
        "york",
        "dublin",
        "tokyo",
        "osaka",
        "boston",
        "naples",
        "san",
        "francisco",
        "panama",
        "mexico",
        "china",
        "japan",
        "korea",
        "finland",
        "bengal",
    }
)
#: Countries on islands: a city there is on an island.
ISLAND_COUNTRIES = frozenset(
    {
        "Singapore",
        "Japan",
        "Taiwan",
        "Philippines",
        "Iceland",
        "Ireland",
        "Cuba",
        "New Zealand",
        "United Kingdom",
    }
)
#: (language, country): spoken widely or officially there though not the city's main language.
LANGUAGE_UNSURE = frozenset(
    {
        ("English", c)
        for c in (
            "India",
            "Pakistan",
            "Malaysia",
            "Tanzania",
            "United Arab Emirates",
            "Israel",
            "Bangladesh",
            "Netherlands",
            "Sweden",
            "Denmark",
            "Norway",
            "Finland",
            "Iceland",
            "Hong Kong",
            "Kenya",
            "Nigeria",
            "Ghana",
            "Uganda",
            "Philippines",
            "Singapore",
            "Puerto Rico",
        )
    }
    | {
        ("Arabic", "Israel"),
        ("Russian", "Ukraine"),
        ("Russian", "Uzbekistan"),
        ("Russian", "Kazakhstan"),
        ("French", "Morocco"),
        ("French", "Egypt"),
        ("Spanish", "United States"),
        ("French", "Canada"),
        ("English", "Canada"),
        ("Hindi", "Pakistan"),
        ("Urdu", "India"),
        ("Cantonese", "China"),
        ("Mandarin", "China"),
        ("Tamil", "Singapore"),
        ("Malay", "Singapore"),
    }
)
COAST_SIDES = {
    "east": "east",
    "eastern": "east",
    "west": "west",
    "western": "west",
    "north": "north",
    "northern": "north",
    "south": "south",
    "southern": "south",
}
#: What a city has, settled for every city from other fields ("metro") or true for all of them.
FEATURES: dict[str, tuple[str, ...]] = {
    "metro": (
        "metro",
        "subway",
        "underground railway",
        "underground rail",
        "metro system",
        "subway system",
        "underground",
        "tube",
        "rapid transit",
        "metro line",
        "metro lines",
        "subway lines",
    ),
    "airport": ("airport", "airports", "international airport"),
    "university": ("university", "universities", "college", "colleges"),
    "port": ("port", "seaport", "harbour", "harbor", "port city", "major port"),
    "beach": ("beach", "beaches", "sandy beach", "sandy beaches"),
}


@dataclass(frozen=True)
class CityFacts:
    """The tables of the extra facts, built once from ``data/cities.json``."""

    named: Phrases  # named landmark -> city index
    known: tuple[tuple[frozenset[str], int, bool], ...]  # stems of an item, city, is a name
    vocabulary: frozenset[str]  # every word the extra facts can place
    borders: dict[str, list[str]]
    landlocked: frozenset[str]
    states: dict[str, dict[str, Any]]
    state_phrases: Phrases
    demonym_phrases: Phrases
    climate_features: dict[str, dict[str, Any]]
    climate_feature_phrases: Phrases
    feature_phrases: Phrases
    water_words: frozenset[str]
    river_phrases: Phrases
    fuzzy: dict[str, list[str]]  # region or group -> countries people place either way


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(word) for word in normalise(text).split() if word not in FILLER_WORDS)


@lru_cache(maxsize=1)
def city_facts() -> CityFacts:
    """The extra facts of ``data/cities.json`` and the words that name them."""
    data = json.loads(DATA_FILE.read_text(encoding="ascii"))
    cities = data["cities"]
    named = _phrase_table(
        [(landmark, index) for index, c in enumerate(cities) for landmark in c["landmarks_named"]]
    )
    known = tuple(
        (
            frozenset(_synonym(s) for s in _stems(item)),
            index,
            item in c["landmarks_named"] or item in c["rivers"],
        )
        for index, c in enumerate(cities)
        for item in [*c["known_for"], *c["landmarks_named"], *c["landmarks"], *c["rivers"]]
        if _stems(item)
    )
    vocabulary: set[str] = set()
    for c in cities:
        for item in [
            *c["known_for"],
            *c["landmarks_named"],
            *c["landmarks"],
            *c["rivers"],
            *c["waters"],
            *c["aliases"],
            c["name"],
        ]:
            vocabulary.update(normalise(item).split())
    states = data["states"]
    for name in [*states, *data["demonyms"], *data["borders"], *data["landlocked_countries"]]:
        vocabulary.update(normalise(name).split())
    climate_entries = []
    for name, entry in data["climate_features"].items():
        for phrase in entry["phrases"]:
            climate_entries.append((phrase, name))
            vocabulary.update(normalise(phrase).split())
    feature_entries = [(phrase, name) for name, phrases in FEATURES.items() for phrase in phrases]
    for phrase, _ in feature_entries:
        vocabulary.update(normalise(phrase).split())
    water_words = {w for c in cities for item in c["waters"] for w in normalise(item).split()}
    river_entries = []
    for c in cities:
        for river in c["rivers"]:
            name = normalise(river).removesuffix(" river")
            river_entries += [(f"{name} river", name), (f"river {name}", name)]
            if name not in AMBIGUOUS_RIVER_NAMES:
                river_entries.append((name, name))
    return CityFacts(
        named=named,
        known=known,
        vocabulary=frozenset(vocabulary),
        borders=data["borders"],
        landlocked=frozenset(data["landlocked_countries"]),
        states=states,
        state_phrases=_phrase_table([(name, name) for name in states]),
        demonym_phrases=_phrase_table(list(data["demonyms"].items())),
        climate_features=data["climate_features"],
        climate_feature_phrases=_phrase_table(climate_entries),
        feature_phrases=_phrase_table(feature_entries),
        water_words=frozenset(water_words - GENERIC_WATER_WORDS),
        river_phrases=_phrase_table(river_entries),
        fuzzy=data.get("fuzzy_places", {}),
    )


def _vocabulary(knowledge: CityKnowledge) -> frozenset[str]:
    """Every word the city oracle can place."""
    words = set(city_facts().vocabulary) | set(FILLER_WORDS) | set(CITY_FILLER) | set(NEGATORS)
    for table in (
        knowledge.place_phrases,
        knowledge.language_phrases,
        knowledge.climate_phrases,
        knowledge.city_phrases,
    ):
        for phrase, _ in table:
            words.update(phrase.split())
    for group in (
        WH_OPENERS,
        LANDMARK_WORDS,
        MORE_WORDS,
        LANGUAGE_WORDS,
        COUNTRY_WORDS,
        CLIMATE_WORDS,
        POPULATION_WORDS,
        COAST_WORDS,
        INLAND_WORDS,
        HEMISPHERE_WORDS,
        REGION_WORDS,
        ABOVE_WORDS,
        BELOW_WORDS,
        STOP_WORDS,
    ):
        words.update(group)
    words.update(DIRECTIONS)
    return frozenset(words)


_VOCABULARY: list[frozenset[str]] = []


def _loose_words(text: str, knowledge: CityKnowledge) -> list[str]:
    """Words of ``text`` the oracle cannot place (numbers and units are placed)."""
    if not _VOCABULARY:
        _VOCABULARY.append(_vocabulary(knowledge))
    vocabulary = _VOCABULARY[0]
    return [
        word
        for word in text.split()
        if word not in vocabulary
        and not re.fullmatch(r"[\d.]+(?:m|k|mn|bn|s)?", word)
        and word not in ("million", "millions", "billion", "thousand", "m", "k", "mil")
    ]


def _special_query(text: str, knowledge: CityKnowledge) -> Query | None:
    """The yes/no questions about the extra facts, or ``None`` when none is asked."""
    facts = city_facts()
    words = text.split()
    word_set = set(words)
    named = find_phrases(text, facts.named)
    if named:
        return Query("named_landmark", yes_no=True, values=tuple(named))
    places = find_phrases(text, knowledge.place_phrases)
    countries = [name for kind, name in places if kind in ("country", "other")]
    if "capital" in word_set or "capitals" in word_set:
        if re.search(
            r"\b(?:former|formerly|once|used to be|previous|old|ancient|imperial)"
            r"(?: \w+)?(?: the)?(?: national| imperial)? capital",
            text,
        ):
            return Query("known_for", yes_no=True, values=("former", "capital"))
        if re.search(r"\bcapital (?:city )?of (?:a|its|the) (?:state|province|region)", text):
            return Query("regional_capital", yes_no=True)
        if re.search(r"\bcapital (?:city )?of\b", text):
            if countries:
                return Query("capital_of", yes_no=True, values=tuple(countries))
            if re.search(
                r"\bcapital (?:city )?of (?:its|the|their) (?:own )?(?:country|nation)", text
            ):
                return Query("capital", yes_no=True)
            return Query("unsure", yes_no=True)  # capital of a state or a province we do not hold
        if re.search(
            r"\b(?:state|provincial|province|regional|region|prefecture|prefectural)"
            r"(?:al)? capital",
            text,
        ):
            return Query("regional_capital", yes_no=True)
    if re.search(
        r"\b(?:largest|biggest|most populous|main|most populated|second largest)"
        r"(?: city)?(?: in| of)\b",
        text,
    ) or re.search(r"\b(?:largest|biggest|most populous) city\b", text):
        if "second" in word_set:
            return Query("unsure", yes_no=True)
        return Query("largest", yes_no=True, values=tuple(countries))
    if (
        re.search(
            r"\b(?:border|borders|bordering|neighbou?rs?|neighbou?ring|adjacent|next to)\b", text
        )
        and countries
    ):
        return Query("borders", yes_no=True, values=tuple(countries))
    if re.search(
        r"\blandlocked (?:country|nation)\b|\bcountry (?:that is |which is )?landlocked\b"
        r"|\bcountry without (?:a )?coast",
        text,
    ):
        return Query("landlocked_country", yes_no=True)
    states = find_phrases(text, facts.state_phrases)
    if states:
        return Query("state", yes_no=True, values=tuple(states))
    demonyms = find_phrases(text, facts.demonym_phrases)
    if (
        demonyms
        and re.search(r"\b(?:city|cities|town|capital|metropolis)\b", text)
        and not (word_set & LANGUAGE_WORDS or "speaking" in word_set)
    ):
        kinds = {name: kind for _, keys in knowledge.place_phrases for kind, name in keys}
        values = tuple((kinds.get(name, "country"), name) for name in demonyms)
        if re.search(r"\bcapital\b", text) and not re.search(r"\bcapital of\b", text):
            return Query("place_capital", yes_no=True, values=values)
        return Query("place", yes_no=True, values=values)
    if "coast" in word_set or "coasts" in word_set or "coastline" in word_set:
        sides = tuple(dict.fromkeys(COAST_SIDES[w] for w in words if w in COAST_SIDES))
        if sides and re.search(
            r"\b(?:east|west|north|south|eastern|western|northern|southern)"
            r"(?:ern)? coast",
            text,
        ):
            return Query("coast_side", yes_no=True, values=sides)
    waters = [w for w in words if w in facts.water_words]
    if waters and (
        {
            "sea",
            "ocean",
            "bay",
            "gulf",
            "lake",
            "on",
            "by",
            "coast",
            "touch",
            "touches",
            "shore",
            "shores",
        }
        & word_set
    ):
        return Query("water", yes_no=True, values=tuple(waters))
    if "lake" in word_set or "lakes" in word_set:
        return Query("lake", yes_no=True)
    rivers = find_phrases(text, facts.river_phrases)
    if rivers:
        return Query("river", yes_no=True, values=tuple(rivers))
    if "river" in word_set or "rivers" in word_set:
        return Query("river", yes_no=True)
    climate = find_phrases(text, facts.climate_feature_phrases)
    if climate and not CLIMATE_CLASS_WORDS & word_set:
        return Query("climate_feature", yes_no=True, values=tuple(climate))
    if re.search(r"\b(?:on|in) (?:an|a|the) island|\bisland (?:nation|country|state)", text):
        return Query("island", yes_no=True)
    if re.search(r"\bislands?\b", text):
        return Query("island_city", yes_no=True)
    features = find_phrases(text, facts.feature_phrases)
    if (
        features
        and not word_set & LANDMARK_WORDS
        and not (features == ["port"] and word_set & {"coast", "coastal", "sea", "ocean"})
    ):
        return Query("feature", yes_no=True, values=tuple(features))
        return None


#: Stems that name the same thing in a "known for" question: "tech" is "technology".
KNOWN_FOR_SYNONYMS = {
    "tech": "technology", "technolog": "technology", "movi": "film", "cinema": "film",
    "soccer": "football", "cuisin": "food", "gastronomy": "food", "restaurant": "food",
    "shop": "shopping", "shopp": "shopping", "financ": "finance", "financial": "finance",
    "bank": "banking", "beach": "beach", "skyscrap": "skyscraper", "skylin": "skyline",
    "casino": "casino", "gambl": "gambling", "museum": "museum", "galleri": "art",
    "gallery": "art", "templ": "temple", "mosqu": "mosque", "palac": "palace",
    "carnival": "carnival", "olympic": "olympic",
}  # fmt: skip


def _synonym(word_stem: str) -> str:
    return KNOWN_FOR_SYNONYMS.get(word_stem, word_stem)


def _known_for(city: dict[str, Any], keywords: tuple[str, ...], index: int) -> bool | None:
    """Whether the city is known for ``keywords``: yes, no (a landmark elsewhere) or None."""
    wanted = {_synonym(stem(word)) for word in keywords if word not in FILLER_WORDS}
    if "olympic" in wanted:
        wanted -= {"game"}
    if not wanted:
        return None
    for item_stems, owner, is_name in city_facts().known:
        # A name must be asked in full: "temples" is not "Temple Bar".
        if owner == index and (item_stems <= wanted if is_name else wanted <= item_stems):
            return True
    return None


def answer_extra(query: Query, city: dict[str, Any], knowledge: CityKnowledge) -> bool | None:
    """Truth of an extra-fact query for ``city``; ``None`` when the knowledge base cannot say."""
    facts = city_facts()
    topic = query.topic
    index = knowledge.city_names.index(city["name"])
    if topic == "named_landmark":
        return index in query.values
    if topic == "place_capital":
        inside = [_in_place(city, p, knowledge) for p in query.values]
        if not city["capital"]:
            return False
        return True if True in inside else (None if None in inside else False)
    if topic == "island":
        return True if city["country"] in ISLAND_COUNTRIES else None
    if topic == "island_city":
        return True if city["name"] == "Singapore" else None
    if topic == "capital_of":
        return bool(city["capital"]) and city["country"] in query.values
    if topic == "regional_capital":
        return city["regional_capital"]
    if topic == "largest":
        if query.values and city["country"] not in query.values:
            return False
        return city["largest_in_country"]
    if topic == "borders":
        return any(c in facts.borders.get(city["country"], ()) for c in query.values)
    if topic == "landlocked_country":
        return city["country"] in facts.landlocked
    if topic == "state":
        return any(city["name"] in facts.states[s]["cities"] for s in query.values)
    if topic == "coast_side":
        if not city["coastal"]:
            return False
        if not city["coast_sides"]:
            return None
        return all(side in city["coast_sides"] for side in query.values)
    if topic == "water":
        names = " ".join(normalise(w) for w in city["waters"]).split()
        if any(word in names for word in query.values):
            return True
        return False if city["waters"] or not city["coastal"] else None
    if topic == "lake":
        return True if any("lake" in normalise(w) for w in city["waters"]) else None
    if topic == "river":
        if not query.values:
            return True if city["rivers"] else None
        names = {normalise(r).removesuffix(" river") for r in city["rivers"]}
        return any(name in names for name in query.values)
    if topic == "climate_feature":
        values = []
        for feature in query.values:
            entry = facts.climate_features[feature]
            if city["name"] in entry.get("cities", {}):
                values.append(entry["cities"][city["name"]])
            else:
                values.append(entry["climates"].get(city["climate"]))
        return True if True in values else (None if None in values else False)
    if topic == "feature":
        values = []
        for feature in query.values:
            if feature == "metro":
                values.append(city["metro"])
            elif feature in ("airport", "university"):
                values.append(True)
            elif feature == "port":
                values.append(True if city["coastal"] else None)
            elif feature == "beach":
                values.append(None if city["coastal"] else False)
        return True if True in values else (None if None in values else False)
    if topic == "known_for":
        return _known_for(city, query.values, index)
    return None


def parse_question(question: str, knowledge: CityKnowledge | None = None) -> Query:
    """Map a free-text question to a :class:`Query` (``UNKNOWN_QUERY`` if nothing matched).

    The don't-know rule: a yes/no question with a word the oracle cannot place is
    ``not_understood``, never answered yes or no; a negation inside it (``Is it not in
    Europe?``) flips the answer, one that opens it (``Isn't it in Europe?``) does not.
    """
    knowledge = knowledge or load_knowledge()
    text = normalise(question)
    text = re.sub(r"\b(?:yes or no|yes no|true or false)\b", " ", text)
    text = strip_preamble(" ".join(re.sub(r"\b(?:or not|or no)$", " ", text).split()))
    words = text.split()
    if not words:
        return UNKNOWN_QUERY
    if words[0] in WH_OPENERS:
        return _basic_query(text, knowledge)
    if _loose_words(text, knowledge):
        return Query("not_understood", yes_no=True)
    negated = bool(NEGATORS.intersection(words[1:])) and not re.search(
        r"\b(?:without|no) (?:a )?coast|\binland|landlocked", text
    )
    query = _special_query(text, knowledge) or _basic_query(text, knowledge)
    if query.topic in ("unknown", "landmark", "landmark_more") or not query.yes_no:
        keywords = tuple(
            w
            for w in words
            if w not in FILLER_WORDS and w not in CITY_FILLER and w not in STOP_WORDS and len(w) > 2
        )
        if keywords:
            query = Query("known_for", yes_no=True, values=keywords)
    if negated and query.yes_no:
        return Query(
            query.topic, True, query.values, query.threshold, query.above, query.negated, flip=True
        )
    return query


# -- the answers -------------------------------------------------------------------------------


def _stem(word: str) -> str:
    """Plural and possessive endings off, so "bridges" matches "bridge"."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _listing(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _in_place(
    city: dict[str, Any], place: tuple[str, str], knowledge: CityKnowledge
) -> bool | None:
    """Whether ``city`` lies in ``place``; ``None`` where people would place it either way."""
    kind, name = place
    if city["country"] in city_facts().fuzzy.get(name, ()):
        return None
    if kind == "continent":
        return name in city["continents"]
    if kind == "region":
        return city["region"] == name
    if kind == "country":
        return city["country"] == name
    if kind == "group":
        group = knowledge.groups[name]
        return city["country"] in group.get("countries", []) or bool(
            set(city["continents"]) & set(group.get("continents", []))
        )
    return False  # a country with no city in the knowledge base


def _hemispheres(city: dict[str, Any]) -> tuple[str, str]:
    return (
        "north" if city["latitude"] >= 0 else "south",
        "east" if city["longitude"] >= 0 else "west",
    )


def population_band(millions: float) -> str:
    """The band an open size question answers with, e.g. ``"5 to 10 million"``."""
    low, middle, high = POPULATION_BAND_EDGES
    if millions < low:
        return f"fewer than {low:g} million"
    if millions < middle:
        return f"{low:g} to {middle:g} million"
    if millions < high:
        return f"{middle:g} to {high:g} million"
    return f"more than {high:g} million"


def answer_query(query: Query, city: dict[str, Any], knowledge: CityKnowledge | None = None) -> str:
    """The rule-based oracle's reply to ``query`` about ``city``; never names city or country."""
    knowledge = knowledge or load_knowledge()
    topic = query.topic
    if topic == "not_understood":
        return DONT_UNDERSTAND
    if query.yes_no and topic in EXTRA_TOPICS:
        truth = answer_extra(query, city, knowledge)
        if truth is None:
            return DONT_KNOW
        return "Yes." if truth != query.flip else "No."
    if query.yes_no:
        if topic == "place":
            inside = [_in_place(city, place, knowledge) for place in query.values]
            if True not in inside and None in inside:
                return DONT_KNOW
            truth = True in inside
        elif topic == "language":
            truth = bool(set(query.values) & set(city["languages"]))
            if not truth and any(
                (lang, city["country"]) in LANGUAGE_UNSURE for lang in query.values
            ):
                return DONT_KNOW
        elif topic == "hemisphere":
            truth = all(direction in _hemispheres(city) for direction in query.values)
        elif topic == "equator":
            truth = abs(city["latitude"]) <= EQUATOR_BAND_DEGREES
        elif topic == "climate":
            truth = city["climate"] in query.values
        elif topic == "population":
            population, threshold = city["metro_population_millions"], query.threshold
            truth = population > threshold if query.above else population < threshold
        elif topic == "coast":
            truth = city["coastal"] != query.negated
        elif topic == "capital":
            truth = city["capital"]
        else:  # pragma: no cover -- every yes/no topic is handled above
            return DONT_KNOW
        return "Yes." if truth != query.flip else "No."
    if topic == "continent":
        return f"It is in {_listing(city['continents'])}."
    if topic == "region":
        region = city["region"]
        return f"It is in {'the ' if region == 'Caribbean' else ''}{region}."
    if topic == "country":
        return COUNTRY_ANSWER
    if topic == "language":
        return f"People there mostly speak {_listing(city['languages'])}."
    if topic == "coast":
        return "Yes, it is on the coast." if city["coastal"] else "No, it is inland."
    if topic == "capital":
        if city["capital"]:
            return "Yes, it is its country's capital."
        return "No, it is not its country's capital."
    if topic == "population":
        band = population_band(city["metro_population_millions"])
        return f"About {band} people live in its metropolitan area."
    if topic == "climate":
        return f"Its climate is {knowledge.climates[city['climate']]}."
    if topic == "hemisphere":
        north_south, east_west = _hemispheres(city)
        return f"It is in the {north_south}ern and {east_west}ern hemispheres."
    if topic == "landmark":
        return f"It is famous for {city['landmarks'][0]}."
    if topic == "landmark_more":
        first, second = city["landmarks"][1], city["landmarks"][2]
        return f"It is also known for {first} and for {second}."
    return UNKNOWN_ANSWER


#: The yes/no topics :func:`answer_extra` answers (three-valued).
EXTRA_TOPICS = frozenset(
    {
        "named_landmark",
        "capital_of",
        "regional_capital",
        "largest",
        "borders",
        "landlocked_country",
        "state",
        "coast_side",
        "water",
        "lake",
        "river",
        "climate_feature",
        "feature",
        "known_for",
        "unsure",
        "place_capital",
        "island",
        "island_city",
    }
)


def city_oracle(city: dict[str, Any], question: str) -> str:
    """The built-in oracle: parse ``question``, answer it about ``city`` from the knowledge base.

    A question that names a city without guessing it (``Is it bigger than Tokyo?``) gets
    :data:`~rlbench_suite.envs.language.qa.DONT_UNDERSTAND` (the env judges guesses itself).
    """
    knowledge = load_knowledge()
    kind, named = knowledge.guess_of(question)
    if FORMER_NAME_QUESTION.search(normalise(question)):
        # "Was it once called Bombay?": the aliases hold the former names; another city's name
        # is a no, a name the knowledge base does not hold is not settled.
        if kind == "none":
            return DONT_KNOW
        return "Yes." if named == [knowledge.city_names.index(city["name"])] else "No."
    if kind != "none":
        return DONT_UNDERSTAND
    return answer_query(parse_question(question), city)


#: "Was it once called ...?", "Did it use to be known as ...?", "Is its old name ...?"
FORMER_NAME_QUESTION = re.compile(
    r"\b(?:(?:was|were) (?:it|this city|the city)(?: once| formerly| previously| originally"
    r"| ever| at one time)? (?:called|named|known as)|(?:did|does) it (?:use to|used to)"
    r" (?:be )?(?:called|named|known as)|used to be (?:called|named|known as)"
    r"|(?:former|old|previous|earlier|original|colonial|historic|historical) name)\b"
)


# -- the question bank -------------------------------------------------------------------------

OPEN_QUESTIONS = (
    "What continent is it on?",
    "What region of the world is it in?",
    "What country is it in?",
    "What language do people speak there?",
    "Is it on the coast?",
    "How big is it?",
    "Is it a capital?",
    "What is the climate like?",
    "Which hemisphere is it in?",
    "What is it famous for?",
    "What else is it famous for?",
)
POPULATION_THRESHOLDS = (2, 5, 10, 20)
#: Country names read with "the" ("Is it in the United States?").
_COUNTRIES_WITH_ARTICLE = ("United", "Netherlands", "Philippines", "Democratic", "Czech")


def _with_article(place: str) -> str:
    return f"the {place}" if place.startswith(_COUNTRIES_WITH_ARTICLE) else place


@lru_cache(maxsize=1)
def question_bank() -> tuple[str, ...]:
    """The fixed questions (no guesses) of the action vocabulary, in a stable order."""
    knowledge = load_knowledge()
    city_names = set(knowledge.city_names)
    yes_no = [f"Is it in {continent}?" for continent in knowledge.continents]
    yes_no += [
        f"Is it in {'the ' if region == 'Caribbean' else ''}{region}?"
        for region in knowledge.regions
    ]
    # A country that is also a city (Singapore) is asked about by guessing the city.
    yes_no += [
        f"Is it in {_with_article(country)}?"
        for country in knowledge.countries
        if country not in city_names
    ]
    yes_no += [f"Do they speak {language}?" for language in knowledge.languages]
    yes_no += [f"Is the climate {climate}?" for climate in knowledge.climates]
    yes_no += [f"Is it in the {side} hemisphere?" for side in ("northern", "southern")]
    yes_no += [f"Is it in the {side} hemisphere?" for side in ("eastern", "western")]
    yes_no += ["Is it near the equator?"]
    yes_no += [f"Does it have more than {n} million people?" for n in POPULATION_THRESHOLDS]
    # South America is a continent and a region: ask it once.
    return tuple(dict.fromkeys((*OPEN_QUESTIONS, *yes_no)))


# -- the env -----------------------------------------------------------------------------------


class GuessMyCityEnv(LanguageEnv):
    """Guess the hidden city within ``max_questions`` turns; see the module docstring."""

    def __init__(
        self,
        oracle: OracleFn | None = None,
        max_questions: int = MAX_QUESTIONS,
        secret_cities: Sequence[str] | None = None,
        render_mode: str | None = None,
        charge_unanswered: bool = True,
        rules: str = "default",
    ) -> None:
        if rules not in RULES:
            raise ValueError(f"GuessMyCityEnv: rules must be one of {RULES}, got {rules!r}")
        #: ``"default"`` lists the candidates in the opening; ``"lmrl"`` does not, and hides
        #: only the cities LMRL-Gym also uses (:func:`lmrl_cities`).
        self.rules = rules
        if oracle is not None and not callable(oracle):
            raise TypeError(
                "GuessMyCityEnv: oracle must be a callable oracle(city: dict, question: str) "
                f"-> str or None, got {type(oracle).__name__}"
            )
        if isinstance(max_questions, bool) or not isinstance(max_questions, int | np.integer):
            raise TypeError(f"GuessMyCityEnv: max_questions must be an int, got {max_questions!r}")
        super().__init__(max_turns=int(max_questions), render_mode=render_mode)
        #: Whether a turn the oracle does not answer (don't know, didn't understand) costs -1
        #: like any other; it always counts against ``max_questions``.
        self.charge_unanswered = bool(charge_unanswered)
        self.knowledge = load_knowledge()
        self.oracle: OracleFn = oracle if oracle is not None else city_oracle
        names = self.knowledge.city_names
        if secret_cities is None and rules == "lmrl":
            self.secret_indices = [names.index(name) for name in lmrl_cities()]
        elif secret_cities is None:
            self.secret_indices = list(range(len(names)))
        else:
            if isinstance(secret_cities, str):
                raise TypeError(
                    "GuessMyCityEnv: secret_cities must be a sequence of city names, "
                    f"got the string {secret_cities!r}"
                )
            unknown = [name for name in secret_cities if name not in names]
            if unknown or not secret_cities:
                raise ValueError(
                    "GuessMyCityEnv: secret_cities must be a non-empty list of names from "
                    f"data/cities.json (e.g. {names[:3]}); unknown: {unknown or 'none given'}"
                )
            self.secret_indices = sorted({names.index(name) for name in secret_cities})
        self.city_index = self.secret_indices[0]
        self.guesses = 0

    @property
    def city(self) -> dict[str, Any]:
        """The hidden city's record (for analysis; agents should read the transcript)."""
        return self.knowledge.cities[self.city_index]

    def action_vocabulary(self) -> list[str]:
        """The question bank, then ``Is it <city>?`` for every city."""
        guesses = [f"Is it {name}?" for name in self.knowledge.city_names]
        return [*question_bank(), *guesses]

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """One turn; accented letters are first written in ASCII (``Bogotá`` -> ``Bogota``).

        The transcript is printable ASCII, where an accented letter would become ``?``.
        """
        return super().step(fold(action) if isinstance(action, str) else action)

    def _begin(self) -> str:
        draw = int(self.np_random.integers(len(self.secret_indices)))
        self.city_index = self.secret_indices[draw]
        self.guesses = 0
        if self.rules == "lmrl":
            # LMRL-Gym's opening names no candidates; the agent must know the world's cities.
            return (
                "I am thinking of a large world city. "
                f"You have {self.max_turns} questions. Ask open questions (What continent is it "
                "on? What is it famous for?) or yes/no questions (Is it in Europe?); I will never "
                "name the city or its country. Guess by asking: Is it <city>?"
            )
        names = sorted(self.knowledge.city_names)
        return (
            f"I am thinking of one of these {len(names)} large world cities: "
            f"{', '.join(names)}.\n"
            f"You have {self.max_turns} questions. Ask open questions (What continent is it "
            "on? What is it famous for?) or yes/no questions (Is it in Europe?); I will never "
            "name the city or its country. Guess by asking: Is it <city>?"
        )

    def _turn(self, action: str) -> Turn:
        unanswered = unanswered_turn_reward(self.charge_unanswered)
        if not action.strip():
            return Turn(DONT_UNDERSTAND, unanswered, invalid=True)
        kind, named = self.knowledge.guess_of(action)
        if kind == "several":
            return Turn(ONE_CITY_AT_A_TIME, unanswered, invalid=True)
        if kind == "none" and self.knowledge.names_unknown_city(action):
            self.guesses += 1  # a guess of a city that is not in the game
            return Turn(WRONG_GUESS, -1.0)
        if kind == "guess":
            self.guesses += 1
            if named[0] == self.city_index:
                reply = CORRECT_GUESS.format(name=self.city["name"])
                return Turn(reply, 0.0, terminated=True, success=True)
            return Turn(WRONG_GUESS, -1.0)
        reply = self.oracle(copy.deepcopy(self.city), action)
        if not isinstance(reply, str):
            raise TypeError(
                f"GuessMyCityEnv: the oracle must return a str, got {type(reply).__name__}"
            )
        if reply in UNANSWERED_REPLIES:
            return Turn(reply, unanswered, invalid=reply != DONT_KNOW)
        return Turn(reply, -1.0)

    def _extra_info(self) -> dict[str, Any]:
        return {"guesses": self.guesses, "questions": self.turns - self.guesses}


@lru_cache(maxsize=1)
def lmrl_cities() -> tuple[str, ...]:
    """The cities of the knowledge base that LMRL-Gym also uses (:data:`LMRL_GYM_CITIES`).

    Matched by name, alias or former name (LMRL-Gym's ``Bombay`` is our ``Mumbai``).

    >>> len(lmrl_cities()), lmrl_cities()[:3]
    (59, ('London', 'Paris', 'Berlin'))
    """
    knowledge = load_knowledge()
    indices: set[int] = set()
    for name in LMRL_GYM_CITIES:
        kind, found = knowledge.guess_of(f"Is it {name}?")
        if kind == "guess":
            indices.update(found)
    return tuple(knowledge.city_names[index] for index in sorted(indices))


def held_out_cities() -> list[str]:
    """Every fifth city of the knowledge base: the MDP family's held-out answers."""
    return load_knowledge().city_names[4::5]


def secret_city_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """MDP family: the hidden city's pool, 40 training cities or 15 held-out ones."""
    held_out = held_out_cities()
    if split == "held_out":
        pool, size = held_out, 15
    else:
        pool = [name for name in load_knowledge().city_names if name not in held_out]
        size = 40
    chosen = rng.choice(len(pool), size=size, replace=False)
    return {"secret_cities": [pool[int(index)] for index in sorted(chosen)]}


def register() -> None:
    """Register ``rlbench/GuessMyCity-v0``."""
    from rlbench_suite.registry import MDPFamily

    register_language_env(
        "rlbench/GuessMyCity-v0",
        "rlbench_suite.envs.language.guess_my_city:GuessMyCityEnv",
        agents=("random", "city_infogain"),
        expert_agent="city_infogain",
        max_episode_steps=MAX_QUESTIONS,
        summary="LMRL-Gym's Guess My City: find one of 114 cities with open and yes/no questions",
        mdp_family=MDPFamily(
            secret_city_family,
            "hidden-city pool: 40 of 92 training cities; held out 15 of 22 other cities",
        ),
    )


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``GuessMyCityEnv(**env_kwargs)``: [-20, 0].

    :meth:`GuessMyCityEnv._turn` pays -1 for every turn (question, wrong guess or malformed
    text) except the correct guess, which pays 0 and ends the episode. Lowest:
    ``max_questions`` turns without finding the city, -20 by default; highest: guessing it on
    the first turn, 0.
    """
    import inspect

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(GuessMyCityEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    return -float(arguments.arguments["max_questions"]), 0.0
