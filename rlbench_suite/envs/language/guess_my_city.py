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

Where this differs from LMRL-Gym: LMRL-Gym's oracle is a fine-tuned FLAN-T5 answering in free
text; ours is rule-based, deterministic and auditable (every answer is a fact from the
knowledge base), and a question it cannot map gets one documented reply instead of a guess.
The oracle is replaceable by any callable, for instance one that queries a language model.

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
| landmarks | ``What is it famous for?``, ``What else is it famous for?`` | ``Is it famous for a bridge?``, ``Does it have a cathedral?`` |

A question that names a city of the knowledge base is a guess of that city (``Is it Tokyo?``,
``Tokyo``, ``Is it NYC?``: names and listed aliases count). Naming two different cities in one
utterance is not allowed. Anything else the oracle cannot map gets :data:`UNKNOWN_ANSWER`.

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
| unmapped question | :data:`UNKNOWN_ANSWER` |

## Rewards

As LMRL-Gym's 20 Questions and Guess My City: -1 for every turn except the correct guess, which
earns 0. A wrong guess, an unmapped question and malformed text each cost -1 like any
question; unmapped or empty text and an utterance naming two cities also set
``info["invalid_action"]``. Returns lie in [-20, 0]; finding the city with ``k`` questions
before the guess returns ``-k``.

## Starting State

The hidden city is drawn uniformly from ``secret_cities`` (every city by default) with the reset
seed.

## Episode End

Termination on the correct guess; truncation after ``max_questions`` (20) turns. ``gym.make``
adds a ``TimeLimit`` of 20 steps.

## Arguments

```python
gym.make("rlbench/GuessMyCity-v0", oracle=None, max_questions=20, secret_cities=None,
         render_mode=None)
```

- ``oracle``: ``oracle(city: dict, question: str) -> str`` answers every utterance that is not
  a guess; ``city`` is a copy of the hidden city's record from ``data/cities.json`` (keys
  ``name``, ``aliases``, ``country``, ``continents``, ``region``, ``languages``, ``coastal``,
  ``metro_population_millions``, ``capital``, ``climate``, ``latitude``, ``longitude``,
  ``landmarks``). ``None`` is :func:`city_oracle`, the rule-based oracle. The env judges guesses
  itself; a reply equal to :data:`UNKNOWN_ANSWER` marks the turn invalid. To pickle the env
  (vector envs do) the oracle must pickle: a module-level function, not a lambda.
- ``max_questions``: turns before truncation (pass ``max_episode_steps`` to ``gym.make`` too
  when raising it above 20).
- ``secret_cities``: names of the cities the hidden one is drawn from (every city may still be
  guessed and is still listed); ``None`` is all 114.
- ``render_mode``: ``"ansi"`` returns the transcript.

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

The expert asks the question whose answer splits the remaining candidates most evenly
(highest entropy). A landmark description singles out one city of the 114, so with the
knowledge base in hand the expert needs one question; an agent has to bring the world
knowledge itself, which is what the task measures in LMRL-Gym. Kept off the two landmark
questions, the same expert still finds every city (mean return -2.13 over seeds 0-99).

## Version History

- v0: 114 cities, open and yes/no questions, rule-based oracle.

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

DATA_FILE = Path(__file__).parent / "data" / "cities.json"
MAX_QUESTIONS = 20
#: Metro population band edges, in millions: an open size question gets the band.
POPULATION_BAND_EDGES = (2.0, 5.0, 10.0)
#: "Near the equator" means within this many degrees of latitude.
EQUATOR_BAND_DEGREES = 10.0

UNKNOWN_ANSWER = (
    "I can't answer that. Ask about its continent, region, country (yes or no), language, "
    "coast, size, capital status, climate, hemisphere or what it is famous for."
)
COUNTRY_ANSWER = "I won't name the country, but you may ask whether it is in a particular one."
WRONG_GUESS = "No, it is not that city."
ONE_CITY_AT_A_TIME = "Please guess one city at a time."
CORRECT_GUESS = "Yes! The city is {name}."

OracleFn = Callable[[dict[str, Any], str], str]


# -- the knowledge base ------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, thousands separators and stray dots removed, words only.

    ``"Washington, D.C."`` becomes ``"washington dc"`` and ``"2,500,000"`` becomes ``"2500000"``,
    so a phrase can be looked up as `` phrase `` inside `` text ``.
    """
    text = text.lower().replace("'", "")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"[^a-z0-9.]+", " ", text)
    # A dot survives only as a decimal point: "d.c." -> "dc", "2.5" stays.
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", "", text)
    return " ".join(text.split())


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
        """Indices of the cities whose name or alias appears in ``text`` (any phrasing)."""
        return find_phrases(normalise(text), self.city_phrases)


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
NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(million|mil|m|billion|thousand|k)?\b")


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


UNKNOWN_QUERY = Query("unknown")


def _population_threshold(text: str, words: list[str]) -> tuple[float | None, bool | None]:
    """(threshold in millions, above?) for "more than 5 million people"-style questions."""
    if "megacity" in words:
        return 10.0, True
    match = NUMBER.search(text)
    if match is None:
        return None, None
    value, unit = float(match.group(1)), match.group(2)
    if unit in ("million", "mil", "m"):
        millions = value
    elif unit == "billion":
        millions = value * 1000.0
    elif unit in ("thousand", "k"):
        millions = value / 1000.0
    else:
        # A bare number: a head count when large ("10000000 people"), millions when small.
        millions = value / 1e6 if value >= 1000 else value
    if any(word in ABOVE_WORDS for word in words):
        return millions, True
    if any(word in BELOW_WORDS for word in words):
        return millions, False
    return millions, None


def parse_question(question: str, knowledge: CityKnowledge | None = None) -> Query:
    """Map a free-text question to a :class:`Query` (``UNKNOWN_QUERY`` if nothing matched)."""
    knowledge = knowledge or load_knowledge()
    text = normalise(question)
    words = text.split()
    if not words:
        return UNKNOWN_QUERY
    wh_question = words[0] in WH_OPENERS
    yes_no = not wh_question
    word_set = set(words)

    if word_set & LANDMARK_WORDS:
        keywords = tuple(word for word in words if word not in STOP_WORDS | MORE_WORDS)
        if yes_no and keywords:
            return Query("landmark", yes_no=True, values=keywords)
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
        if word_set & {"have", "has", "there"}:
            keywords = tuple(word for word in words if word not in STOP_WORDS)
            if keywords:
                return Query("landmark", yes_no=True, values=keywords)

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


# -- the answers -------------------------------------------------------------------------------


def _stem(word: str) -> str:
    """Plural and possessive endings off, so "bridges" matches "bridge"."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _listing(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _in_place(city: dict[str, Any], place: tuple[str, str], knowledge: CityKnowledge) -> bool:
    kind, name = place
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
    if query.yes_no:
        if topic == "place":
            truth = any(_in_place(city, place, knowledge) for place in query.values)
        elif topic == "language":
            truth = bool(set(query.values) & set(city["languages"]))
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
        else:  # landmark keywords: all of them in one landmark's description
            wanted = {_stem(word) for word in query.values}
            truth = any(
                wanted <= {_stem(word) for word in normalise(landmark).split()}
                for landmark in city["landmarks"]
            )
        return "Yes." if truth else "No."
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


def city_oracle(city: dict[str, Any], question: str) -> str:
    """The built-in oracle: parse ``question``, answer it about ``city`` from the knowledge base."""
    return answer_query(parse_question(question), city)


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
    ) -> None:
        if oracle is not None and not callable(oracle):
            raise TypeError(
                "GuessMyCityEnv: oracle must be a callable oracle(city: dict, question: str) "
                f"-> str or None, got {type(oracle).__name__}"
            )
        if isinstance(max_questions, bool) or not isinstance(max_questions, int | np.integer):
            raise TypeError(f"GuessMyCityEnv: max_questions must be an int, got {max_questions!r}")
        super().__init__(max_turns=int(max_questions), render_mode=render_mode)
        self.knowledge = load_knowledge()
        self.oracle: OracleFn = oracle if oracle is not None else city_oracle
        names = self.knowledge.city_names
        if secret_cities is None:
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

    def _begin(self) -> str:
        draw = int(self.np_random.integers(len(self.secret_indices)))
        self.city_index = self.secret_indices[draw]
        self.guesses = 0
        names = sorted(self.knowledge.city_names)
        return (
            f"I am thinking of one of these {len(names)} large world cities: "
            f"{', '.join(names)}.\n"
            f"You have {self.max_turns} questions. Ask open questions (What continent is it "
            "on? What is it famous for?) or yes/no questions (Is it in Europe?); I will never "
            "name the city or its country. Guess by asking: Is it <city>?"
        )

    def _turn(self, action: str) -> Turn:
        if not action.strip():
            return Turn(UNKNOWN_ANSWER, -1.0, invalid=True)
        named = self.knowledge.cities_named(action)
        if len(named) > 1:
            return Turn(ONE_CITY_AT_A_TIME, -1.0, invalid=True)
        if named:
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
        return Turn(reply, -1.0, invalid=reply == UNKNOWN_ANSWER)

    def _extra_info(self) -> dict[str, Any]:
        return {"guesses": self.guesses, "questions": self.turns - self.guesses}


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
