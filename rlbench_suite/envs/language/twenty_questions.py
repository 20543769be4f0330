"""TwentyQuestions-v0: find a hidden everyday object by asking an oracle yes/no questions.

## Description

LMRL-Gym's Twenty Questions task (Abdulhai et al., 2023): the env thinks of one of 171 objects
in 19 categories (land mammals, birds, fish and sea creatures, insects, reptiles and amphibians,
fruit, vegetables, prepared food, kitchen items, furniture, tools, vehicles, clothing, musical
instruments, sports equipment, electronic gadgets, toys, plants and buildings) and the agent has
20 yes/no questions to find it. The oracle answers from a knowledge base shipped with the package
(``data/twenty_questions.json``): for every object its name and synonyms, its category, a size
class (smaller than a golf ball, fits in a pocket, fits in a breadbox, up to a person, up to a
car, up to a house, bigger than a house), its number of legs and wheels, the body parts it is
worn on, and which of 74 boolean attributes hold for a typical one (alive, animal, plant,
mammal, edible, man-made, heavier than a person, found in a kitchen, found outdoors, can fly,
lives in water, made of metal or wood, uses electricity, has a screen, used for sport or music,
sharp, soft, hot, sweet, dangerous, costs more than $1000, its colours, ...). No two objects
give the same answers to every question. The values are common sense, as a person would answer;
where a question reads two ways the knowledge base says which reading it uses (``meaning``):
for instance fruit and vegetables are plants (parts of one) but not alive, colours are the ones
a person would name for a typical example, and animals people eat are edible but not food.

Beyond the 74 attributes the knowledge base holds about 300 *concepts* (``concepts`` in the
data file), each with the phrases that name it and the objects it holds for (``yes``), does not
hold for (``no``) or leaves open (``unsure``): sub-categories (``percussion instrument``, ``big
cat``, ``bird of prey``, ``citrus fruit``, ``power tool``), diets (``eats grass``, ``carnivore``),
parts (``sharp teeth``, ``a tail``, ``a handle``, ``pedals``), functions (``used to store
food``, ``used to cut wood``), materials (``glass``, ``rubber``), places (``a garden``, ``the
jungle``, ``Africa``), abilities (``swim``, ``climb trees``) and properties (``juicy``,
``loud``), plus counts of parts (``six strings``, ``eight arms``, ``88 keys``), sizes against
reference things and against every object (``bigger than a dog``, ``smaller than a coin``,
``fits in a backpack``; size classes, so two objects of one class are not compared), and about
500 other things that are not objects of the game (``other_things``: ``Is it a cello?`` is a
wrong guess, answered ``No.``).

The oracle principle: it answers ``Yes.`` or ``No.`` only to a question it fully understood.
A word it cannot place (every word must belong to a phrase, an object in a guess or a
comparison, or the shared filler words of :mod:`rlbench_suite.envs.language.qa`), an object
named inside a question that is not a guess (``Is it like a cat?``, ``Does it eat mice?``) or
an action followed by an object it does not hold (``used to blend food``) gets
:data:`~rlbench_suite.envs.language.qa.DONT_UNDERSTAND` ("I didn't understand that question;
please ask it another way."); a question it understood but the knowledge base leaves open
(``unsure``, or two objects of one size class) gets
:data:`~rlbench_suite.envs.language.qa.DONT_KNOW` ("I don't know."); an open or either/or
question gets :data:`UNKNOWN_ANSWER`. The transcript shows each reply. Measured on a blind
held-out set of 1,137 questions (``tests/envs/language/heldout/``), the previous revision of this
oracle answered about 91 % correctly, 8 % "don't know" and 1 % wrongly (72 %, 25 % and 3 %
before the oracle principle). On the development set (``tests/envs/language/dev_questions/``,
written from the object list) this revision answers the first 642 questions 86 % correctly,
14 % "don't know" and none wrongly (79 %, 19 % and 2.3 % before it), and 125 more written
after it, untuned, 99 % correctly and none wrongly.

The parser reads a question as a conjunction of the phrases it found, and refuses the word
orders where that reading would be a confident error (:func:`relation_not_understood`): a
preposition before ``it`` (``Do you eat food off it?``), a possessive between two phrases (``Does
it shed its skin?``), a verb followed by another phrase (``Does it stand on one leg?``, ``Does
it grow from a bulb?``), an ability whose subject is a person (``Do you stand on it?``), a part
of the object rather than the whole (``Is it green on the outside?``), use rather than habitat
(``Is it used in the ocean?`` of a surfboard, ``Is it used in the garden?`` of a bee) and
``powered by``. Comparisons with another thing (``Is it heavier than a car?``, ``Is it smaller
than a coin?``, ``Is it heavier than 10 pounds?``, ``Is it longer than two metres?``) read the
typical length and weight of both where the knowledge base holds them, and are answered only
when the two are at least 1.5 times apart (:data:`MEASURE_FACTOR`), else by size class.

## Differences from LMRL-Gym

| | LMRL-Gym's 20Q | here, ``rules="default"`` | here, ``rules="lmrl"`` |
|---|---|---|---|
| objects | 158 in 17 categories | 171 in 19 categories | the 83 of ours that LMRL-Gym also uses |
| candidate list in the opening | none | all 171 objects | none |
| oracle | fine-tuned FLAN-T5, free text | rule-based parser over the knowledge base | same |
| unanswerable question | answered anyway | "I don't know." or "I didn't understand" | same |
| an unanswered turn | costs a turn (-1) | costs -1, ``charge_unanswered=False`` makes it 0 | same |
| reward, limit | -1 a turn, 0 for the correct guess, 20 turns | same | same |

LMRL-Gym's objects (``DEFAULT_OBJECT_DICT`` in its ``twenty_questions/env/data.py``) are plain
nouns; the 75 of them the knowledge base does not hold (golf ball, stapler, mountain, necklace,
...) would need attributes written for them, so ``rules="lmrl"`` hides only the 83 it shares
(:func:`lmrl_objects`; ``football`` is read as our soccer ball, ``boat`` as our ship). Every
object may still be guessed. LMRL-Gym's oracle answers every question; ours answers only what
it understood. LMRL-Gym publishes normalised scores (its Table 2), normalised with its own
datasets; they are not comparable to returns here, and none is quoted.

How questions are understood. Case, punctuation and phrasing are free: the parser looks for the
words that carry the meaning, with several phrasings per attribute (``Is it alive?``, ``Is it a
living thing?``; ``Can you eat it?``, ``Is it edible?``; ``Is it bigger than a car?``, ``Is it
larger than an automobile``; ``Would I find it in a kitchen?``, ``Is it something you'd find in
the kitchen?``; ``Does it fly?``, ``Can it fly?``) and for categories (``Is it an animal?``, ``Is
it a kind of fruit?``, ``Is it a vehicle?``). A question may combine attributes: ``Is it a farm
animal?`` asks both, ``Is it a fruit or a vegetable?`` either. Negation follows what people
mean: ``not``, ``no``, ``never``, ``without`` and a contraction inside the question (``Is it
not alive?``, ``Is it something you can't eat?``, ``Does it have no legs?``) negate the attribute
that follows, so the answer says whether the negated statement is true; a contraction that
opens the question (``Isn't it alive?``, ``Doesn't it fly?``) asks for confirmation of the
positive statement and is answered like ``Is it alive?``. Open questions (``What colour is
it?``) and either/or questions (``Is it alive or dead?``) get :data:`UNKNOWN_ANSWER`; vague
ones are answered where the size class settles them (``Is it big?`` is yes for a car-sized
object, no for a pocket-sized one, "I don't know." between); anything else the oracle cannot
fully place gets "I didn't understand" (see the oracle principle above).

A guess names an object: its name or any synonym, singular or plural, with or without an
article (``Is it a dog?``, ``Is it a puppy?``, ``dog``, ``My guess is a dog``, ``Is it dogs?``).
Naming an object inside a comparison (``Is it bigger than a dog?``) compares size classes;
inside any other relation (``Is it like a cat?``) it is not a guess and is not understood.
Naming two different objects in one utterance is not allowed. One name
is also a colour: ``Is it orange?`` asks the colour, ``Is it an orange?`` (or just ``orange``)
guesses the fruit.

## Action Space

``Text(max_length=400, charset=string.printable)``: a question or a guess in English.
:meth:`TwentyQuestionsEnv.action_vocabulary` is a fixed bank of 289 utterances: one canonical
question per attribute (74), per category (19) and per derived property (size, legs, wheels,
body part worn on, warm-blooded: 25), then ``Is it a <name>?`` for each of the 171 objects.
The ``Discrete`` wrapper uses it; the random agent draws from it.

## Observation Space

``Text(max_length=20000, charset=string.printable)``: the transcript. It opens with the rules
and the alphabetical list of the 171 objects, then ``"\\n> {utterance}\\n{reply}"`` for every
turn:

| piece | example |
|-------|---------|
| opening | ``Let's play Twenty Questions. I am thinking of one of these 171 things: ...`` |
| answer | ``Yes.`` or ``No.`` |
| wrong guess | ``No.`` |
| correct guess | ``Yes! It is a dog.`` |
| two objects named | :data:`ONE_AT_A_TIME` |
| a thing that is not an object | ``No.`` |
| not understood | ``I didn't understand that question; please ask it another way.`` |
| understood, not settled | ``I don't know.`` |
| open or either/or question | :data:`UNKNOWN_ANSWER` |

## Rewards

As LMRL-Gym: -1 for every turn except the correct guess, which earns 0. A wrong guess costs -1
like any question. A turn the oracle does not answer (:data:`UNANSWERED`: not understood, don't
know, not a yes/no question, two objects named, empty text) costs -1 too by default, as
LMRL-Gym charges every turn; with ``charge_unanswered=False`` it costs 0, and it still counts
against ``max_questions`` (and ``gym.make``'s ``TimeLimit``), so an agent cannot stall. Every
non-answer except "I don't know." also sets ``info["invalid_action"]``. Returns lie in [-20,
0]; finding the object with ``k`` turns before the correct guess returns ``-k``.

## Starting State

The hidden object is drawn uniformly from ``secret_objects`` (every object by default) with the
reset seed.

## Episode End

Termination on the correct guess; truncation after ``max_questions`` (20) turns. ``gym.make``
adds a ``TimeLimit`` of 20 steps.

## Arguments

```python
gym.make("rlbench/TwentyQuestions-v0", oracle=None, max_questions=20, secret_objects=None,
         render_mode=None, charge_unanswered=True, rules="default")
```

- ``oracle``: ``oracle(object_record: dict, question: str) -> str`` answers every utterance that
  is not a guess. ``object_record`` is a copy of the hidden object's entry in
  ``data/twenty_questions.json``: keys ``name``, ``synonyms``, ``category``, ``size`` (a key of
  the file's ``sizes``), ``legs``, ``wheels``, ``worn_on`` (body parts), ``yes`` (the
  attributes that hold; every other attribute is false) and, for some, ``counts`` (parts:
  ``{"strings": 6}``). ``None`` is :func:`object_oracle`, the rule-based oracle. The env judges
  guesses itself; a reply in :data:`UNANSWERED` is a non-answer (charged as
  ``charge_unanswered`` says), and every one but "I don't know." marks the turn invalid. To
  pickle the env (vector envs do) the oracle must pickle: a module-level
  function, not a lambda.
- ``max_questions``: turns before truncation (pass ``max_episode_steps`` to ``gym.make`` too
  when raising it above 20).
- ``secret_objects``: names of the objects the hidden one is drawn from (every object may still
  be guessed and is still listed); ``None`` is all 171.
- ``render_mode``: ``"ansi"`` returns the transcript.
- ``charge_unanswered``: whether a turn the oracle does not answer costs -1 (default ``True``,
  as LMRL-Gym) or 0; either way it uses up one of the ``max_questions`` turns.
- ``rules``: ``"default"`` (the opening lists every object) or ``"lmrl"`` (LMRL-Gym's setting:
  no list in the opening, the hidden object drawn from :func:`lmrl_objects` unless
  ``secret_objects`` is given); see Differences from LMRL-Gym.

MDP family (:func:`secret_object_family`): the hidden object's pool. In distribution, 60 objects
drawn from the 137 training objects; held out, 20 drawn from the 34 held-out objects (every
fifth object of the knowledge base), never the answer in training.

``info`` carries ``success``, ``invalid_action``, ``turns``, ``invalid_actions``, and
``guesses`` and ``questions`` (turns that were guesses, turns that were not).

## Reference Scores

``rlbench evaluate --episodes 100 --seed 0`` (mean return +- standard deviation over episodes,
success rate):

| agent | mean return | success |
|-------|-------------|---------|
| ``twentyq_infogain`` | -6.87 +- 1.10 | 100% |
| random (uniform over the question bank) | -18.94 +- 3.57 | 10% |
| ``twentyq_infogain``, ``rules="lmrl"`` | -6.61 +- 1.15 | 100% |

The expert keeps the objects consistent with the answers so far and asks the bank question whose
yes/no split of them has the highest entropy; with three objects or fewer left it guesses. It
finds every one of the 171 objects, in 7.8 turns on average (at most 11), the winning guess
included; no yes/no strategy can average fewer than log2(171) = 7.4 turns.

## Version History

- v0: 171 objects in 19 categories, 74 attributes, rule-based oracle; ``rules="lmrl"``, the
  refused word orders, typical lengths and weights, and more concepts added without a version
  bump (no bank answer changes; the expert's mean return moved from -6.97 to -6.87); the
  oracle principle
  (explicit "I don't know." / "I didn't understand"), the concept tables, part counts, size
  comparisons, other things and the ``charge_unanswered`` option added without a version bump
  (the bank's answers change only where the knowledge base now says "I don't know.": whether
  it floats, has leaves, fur or strings, for a few objects).

## Credits

Task and reward: LMRL-Gym (Abdulhai et al., "LMRL Gym: Benchmarks for Multi-Turn Reinforcement
Learning with Language Models", 2023). Objects and attribute values: common knowledge, written
for this package.

Example:
    >>> import gymnasium as gym, rlbench_suite.envs.language
    >>> env = gym.make("rlbench/TwentyQuestions-v0", secret_objects=["dog"])
    >>> observation, info = env.reset(seed=0)
    >>> env.step("Is it alive?")[0].splitlines()[-1]
    'Yes.'
    >>> env.step("Is it bigger than a car?")[0].splitlines()[-1]
    'No.'
    >>> env.step("what colour is it")[0].splitlines()[-1]
    "I can't answer that with yes or no."
    >>> env.step("Is it a cat?")[0].splitlines()[-1]
    'No.'
    >>> observation, reward, terminated, truncated, info = env.step("My guess is a puppy")
    >>> observation.splitlines()[-1], reward, terminated, info["guesses"]
    ('Yes! It is a dog.', 0.0, True, 2)

"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
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
    LEADING_NEGATIVE_AUXILIARIES,
    NEGATORS,
    WH_WORDS,
    fold,
    normalise,
    stem,
    strip_guess_opening,
    strip_preamble,
    unanswered_turn_reward,
    word_set,
)

DATA_FILE = Path(__file__).parent / "data" / "twenty_questions.json"
MAX_QUESTIONS = 20

YES = "Yes."
NO = "No."
UNKNOWN_ANSWER = "I can't answer that with yes or no."
#: Replies that answer neither yes nor no (the turn costs -1 only when ``charge_unanswered``).
UNANSWERED = (UNKNOWN_ANSWER, DONT_KNOW, DONT_UNDERSTAND)
ONE_AT_A_TIME = "Please guess one thing at a time."
CORRECT_GUESS = "Yes! It is {name}."

OracleFn = Callable[[dict[str, Any], str], str]
#: The values of the ``rules`` argument.
RULES = ("default", "lmrl")

#: LMRL-Gym's 20Q objects (``DEFAULT_OBJECT_DICT`` in ``llm_rl_scripts/twenty_questions/env/
#: data.py`` of abdulhaim/LMRL-Gym: 158 objects in 17 categories, with their variants), as the
#: plain nouns they are; ``rules="lmrl"`` hides the objects of the knowledge base among them.
LMRL_GYM_OBJECTS = (
    "basketball", "football", "baseball", "soccer ball", "golf ball", "tennis ball", "volleyball",
    "tennis racket", "baseball bat", "helmet", "cat", "dog", "horse", "cow", "sheep", "rabbit",
    "lion", "tiger", "bear", "elephant", "apple", "banana", "orange", "strawberry", "grape",
    "watermelon", "pineapple", "mango", "cantaloupe", "peach", "car", "truck", "motorcycle",
    "boat", "airplane", "plane", "train", "bus", "helicopter", "scooter", "ship", "shirt", "pants",
    "jacket", "dress", "skirt", "belt", "shoes", "boots", "socks", "hat", "scarf", "computer",
    "smartphone", "television", "tv", "headphones", "monitor", "camera", "microwave",
    "refrigerator", "blender", "keyboard", "piano", "guitar", "drum", "violin", "saxophone",
    "flute", "trumpet", "clarinet", "harp", "trombone", "chair", "table", "bed", "desk", "couch",
    "dresser", "bookcase", "nightstand", "mattress", "pillow", "pen", "paper", "stapler",
    "printer", "calculator", "battery", "toothbrush", "toothpaste", "pencil", "sharpie",
    "scissors", "key", "diary", "calendar", "carrot", "potato", "broccoli", "tomato", "onion",
    "spinach", "corn", "peas", "celery", "cucumber", "painting", "paintbrush", "canvas",
    "eraser", "marker", "glue", "sculpture", "knife", "spoon", "fork", "plate", "bowl",
    "cooking pot", "frying pan", "cup", "chopsticks", "whisk", "rock", "tree", "bush",
    "mountain", "forest", "ocean", "sea", "lake", "river", "meteorite", "cactus", "lego", "doll",
    "kite", "jigsaw puzzle", "stuffed animal", "earrings", "necklace", "bracelet", "ring",
    "brooch", "hairclip", "pendant", "watch", "locket", "gloves", "shovel", "rake",
    "watering can", "lawn mower", "hammer", "screwdriver", "wrench", "saw", "pliers", "drill",
)  # fmt: skip

#: A literal is (predicate, wanted truth); a query is a disjunction of conjunctions of literals.
Literal = tuple[str, bool]
Query = tuple[tuple[Literal, ...], ...]
#: The meaning of words that are understood but ask nothing ("a tool used for building").
FILLER: Query = ((),)
#: The meaning of a phrase that changes what the question is about so that no attribute can
#: answer it ("green *on the outside*", "used *in the ocean*"): the question is not understood.
NOT_UNDERSTOOD: Query = ((("not understood", True),),)

#: Every size class, smallest first; the size comparisons below compare positions in it.
SIZE_ORDER = ("tiny", "pocket", "breadbox", "person", "car", "house", "huge")
#: Derived size predicates: (name, canonical question, holds for these size classes).
SIZE_PREDICATES = (
    ("smaller_than_golf_ball", "Is it smaller than a golf ball?", SIZE_ORDER[:1]),
    ("fits_in_pocket", "Does it fit in a pocket?", SIZE_ORDER[:2]),
    ("bigger_than_breadbox", "Is it bigger than a breadbox?", SIZE_ORDER[3:]),
    ("bigger_than_person", "Is it bigger than a person?", SIZE_ORDER[4:]),
    ("bigger_than_car", "Is it bigger than a car?", SIZE_ORDER[5:]),
    ("bigger_than_house", "Is it bigger than a house?", SIZE_ORDER[6:]),
)
#: Derived questions on counts, body parts and blood (asked in this wording by the bank).
DERIVED_QUESTIONS = (
    ("legs:any", "Does it have legs?"),
    ("legs:=2", "Does it have two legs?"),
    ("legs:=4", "Does it have four legs?"),
    ("legs:=6", "Does it have six legs?"),
    ("legs:>4", "Does it have more than four legs?"),
    ("wheels:any", "Does it have wheels?"),
    ("wheels:=2", "Does it have two wheels?"),
    ("wheels:=4", "Does it have four wheels?"),
    ("wheels:>4", "Does it have more than four wheels?"),
    ("worn", "Do you wear it?"),
    ("worn_on:head", "Do you wear it on your head?"),
    ("worn_on:ears", "Do you wear it on your ears?"),
    ("worn_on:neck", "Do you wear it around your neck?"),
    ("worn_on:torso", "Do you wear it on your upper body?"),
    ("worn_on:hands", "Do you wear it on your hands?"),
    ("worn_on:waist", "Do you wear it around your waist?"),
    ("worn_on:legs", "Do you wear it on your legs?"),
    ("worn_on:feet", "Do you wear it on your feet?"),
    ("warm_blooded", "Is it warm-blooded?"),
)


# -- text ---------------------------------------------------------------------------------------


IRREGULAR_PLURALS = {
    "mouse": ("mice",),
    "knife": ("knives",),
    "leaf": ("leaves",),
    "shelf": ("shelves",),
    "loaf": ("loaves",),
    "calf": ("calves",),
    "scarf": ("scarves",),
    "ox": ("oxen",),
    "cactus": ("cacti",),
    "octopus": ("octopi",),
    "goose": ("geese",),
    "foot": ("feet",),
    "tooth": ("teeth",),
    "man": ("men",),
    "woman": ("women",),
    "person": ("people",),
}


def word_forms(phrase: str) -> set[str]:
    """``phrase`` (normalised) and its plurals: the last word pluralised, regularly or not."""
    phrase = normalise(phrase)
    *head, last = phrase.split()
    plurals = {last + "s"}
    if re.search(r"(s|x|z|ch|sh|o)$", last):
        plurals.add(last + "es")
    if re.search(r"[^aeiou]y$", last):
        plurals.add(last[:-1] + "ies")
    plurals.update(IRREGULAR_PLURALS.get(last, ()))
    return {phrase} | {" ".join([*head, plural]) for plural in plurals}


# -- the question parser's tables ----------------------------------------------------------------

_ARTICLE = (
    r"(?:(?:a|an|the|your|my|one|average|normal|typical|regular|ordinary|standard|grown|adult|"
    r"full size|full sized|single)\s+)*"
)
_PERSON = r"(?:person|people|human|humans|human being|man|men|woman|women|adult|adults|me|you)"
_SIZE_REFERENCES = {
    "golf_ball": r"(?:golf ?balls?)",
    "breadbox": r"(?:bread ?box(?:es)?|bread ?bins?|shoe ?box(?:es)?)",
    "person": _PERSON,
    "car": r"(?:cars?|automobiles?|autos?)",
    "house": r"(?:houses?|homes?)",
}
_BIGGER = r"(?:bigger|larger|greater|huger)"
_SMALLER = r"(?:smaller|littler|tinier)"
_COUNT_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "twelve": 12,
}  # fmt: skip
_BODY_PARTS = {
    "head": "head", "heads": "head", "ear": "ears", "ears": "ears", "neck": "neck",
    "necks": "neck", "upper body": "torso", "torso": "torso", "chest": "torso",
    "top half": "torso", "hand": "hands", "hands": "hands", "finger": "hands",
    "fingers": "hands", "waist": "waist", "hips": "waist", "leg": "legs", "legs": "legs",
    "lower body": "legs", "foot": "feet", "feet": "feet", "toes": "feet", "body": "",
}  # fmt: skip

#: (regular expression over normalised text, meaning). A meaning is ``|``-separated
#: alternatives of ``&``-joined predicates, ``-`` negating one; ``?`` marks a phrase that makes
#: the question unanswerable with yes or no, ``!`` one that makes it not understood
#: (:data:`NOT_UNDERSTOOD`), an empty meaning words that ask nothing. Where phrases overlap, the
#: longest match wins.
PHRASES: tuple[tuple[str, str], ...] = (
    # -- size and weight
    *(
        (f"{_BIGGER} than {_ARTICLE}{reference}", f"bigger_than_{name}")
        for name, reference in _SIZE_REFERENCES.items()
        if name != "golf_ball"
    ),
    *(
        (f"{_SMALLER} than {_ARTICLE}{reference}", f"-bigger_than_{name}")
        for name, reference in _SIZE_REFERENCES.items()
        if name != "golf_ball"
    ),
    (f"{_SMALLER} than {_ARTICLE}{_SIZE_REFERENCES['golf_ball']}", "smaller_than_golf_ball"),
    (f"{_BIGGER} than {_ARTICLE}{_SIZE_REFERENCES['golf_ball']}", "-smaller_than_golf_ball"),
    (
        f"(?:fit|fits|go|goes) (?:in|into|inside) {_ARTICLE}{_SIZE_REFERENCES['breadbox']}",
        "-bigger_than_breadbox",
    ),
    (
        r"(?:fit|fits|go|goes) (?:in|into|inside) (?:a |an |the |your |my |someones )?pockets?"
        r"|pocket ?sized?|pocketable|small enough for (?:a |your )?pocket",
        "fits_in_pocket",
    ),
    (r"(?:fit|fits) (?:in|into|inside|through)", "?"),
    # -- parts against wholes, use against habitat: no attribute of the whole object answers
    # "green on the outside" or "used in the ocean" (a surfboard does not live in the sea).
    (
        r"(?:on|from|at) (?:the|its|their) (?:outside|inside|surface|top|bottom|underside|end|tip)"
        r"|(?:outside|inside) of (?:it|them)|inside and out|on the inside|when (?:cut|opened)",
        "!",
    ),
    (
        r"used (?:in|on|at|by|near|under) (?:the )?(?:rivers?|lakes?|sky|air|trees?|ponds?)",
        "!",
    ),
    (r"powered by|driven by|pulled by|pushed by|operated by|run by|ridden by", "!"),
    (
        r"(?:hold|held|carry|carried|fit|fits)(?: (?:it|them))? (?:in|with) (?:one|a single|your"
        r"|my|a|the|ones|peoples|someones|the palm of (?:your|a|my))? ?(?:hands?|palms?)"
        r"|hand ?held|handheld|held in (?:the|your|one|a) hands?",
        "handheld",
    ),
    (
        r"(?:carried|lifted|picked up|moved) by (?:one|a single|a|an average) (?:person|man|woman"
        r"|adult)|(?:one|a single) person (?:can |could )?(?:carry|lift|pick up|move)",
        "-heavier_than_person",
    ),
    (f"(?:heavier|weighs? more) than {_ARTICLE}{_PERSON}", "heavier_than_person"),
    (f"(?:lighter|weighs? less) than {_ARTICLE}{_PERSON}", "-heavier_than_person"),
    (
        r"(?:can|could) (?:you|i|we|one person|a person|someone|people) (?:lift|carry|pick up"
        r"|pick (?:it|them) up)",
        "-heavier_than_person",
    ),
    # -- what it is
    (r"alive|living(?! room)(?: thing| creature| organism| being)?|life ?form|organism", "alive"),
    (r"inanimate|non ?living|lifeless|dead", "-alive"),
    (r"animals?|creatures?|beasts?|critters?|fauna|wildlife", "animal"),
    (r"plants?|flora|vegetation", "plant"),
    (r"mammals?|mammalian", "mammal"),
    (r"fish|fishes|fishy", "fish"),
    (r"reptiles?|reptilian", "reptile"),
    (r"amphibians?|amphibious", "amphibian"),
    (r"(?:lay|lays|laying|hatch|hatches|comes? from) (?:an )?eggs?|egg laying", "lays_eggs"),
    (r"wings?|winged", "wings"),
    (r"warm ?blooded", "warm_blooded"),
    (r"cold ?blooded", "animal&-warm_blooded"),
    (r"birds?|feathers?|feathered|avian|fowl", "category:bird"),
    (r"poultry", "category:bird&farm"),
    (r"insects?|bugs?|creepy crawl(?:y|ies)", "category:insect"),
    (r"fruits?", "category:fruit"),
    (r"vegetables?|veg|veggies?", "category:vegetable"),
    (r"prepared (?:food|dish)|processed food", "category:prepared food"),
    (
        r"kitchen (?:item|tool|equipment|gadget|thing|object|implement)s?"
        r"|kitchenware|cookware",
        "category:kitchen item",
    ),
    (r"kitchen appliances?", "electric&in_kitchen"),
    (r"furniture|furnishings?", "category:furniture"),
    (r"tools?|toolbox|tool box|toolkit|tool kit", "category:tool"),
    (r"vehicles?", "category:vehicle"),
    (r"clothing|clothes|garments?|apparel|attire|outfit", "category:clothing"),
    (r"(?:musical )?instruments?", "category:musical instrument"),
    (
        r"sports? (?:equipment|gear|goods|item|items|stuff|kit)|sporting (?:goods|equipment|gear)",
        "category:sports equipment",
    ),
    (
        r"electronic (?:gadgets?|devices?)|gadgets?|consumer electronics",
        "category:electronics",
    ),
    (r"toys?|plaything", "category:toy"),
    (r"(?:for|in) (?:building|construction)(?: things)?", ""),
    (r"buildings?|structures?", "category:building"),
    # -- where it is found, how it lives
    (r"pets?|(?:house|household|family) pets?", "pet"),
    (r"farms?|farmyard|barnyard|ranch", "farm"),
    (r"livestock", "farm&animal"),
    (r"zoos?|safari", "zoo"),
    (r"wild|in the wild|untamed", "wild"),
    (r"kitchens?", "in_kitchen"),
    (r"outdoors?|outside|out of doors|open air", "outdoors"),
    (
        r"indoors?|inside|inside (?:a |the |your |my |most |every )?(?:house|home|building)s?"
        r"|(?:in|at) (?:a |the |your |my |most |every |peoples |someones )?(?:house|home)s?"
        r"|households?",
        "-outdoors",
    ),
    (r"(?:home|household|house) (?:item|object|thing|goods|appliance)s?", "man_made&-outdoors"),
    (
        r"underground|under ?ground|under the (?:ground|soil|earth|dirt)"
        r"|in the (?:ground|soil|earth|dirt)|below ground|burrows?|burrowing",
        "underground",
    ),
    (
        r"(?:live|lives|living|found|stay|stays|exist|exists)(?: mostly| mainly| usually| only)?"
        r" (?:in|under) (?:the )?(?:fresh )?water|aquatic|underwater|in (?:the )?water"
        r"|water(?= (?:animal|creature)s?)",
        "lives_in_water",
    ),
    (r"(?:live|lives|living)(?: mostly| mainly| usually| only)? on land", "alive&-lives_in_water"),
    (
        r"found(?: mostly| mainly| usually| only)? on land|terrestrial"
        r"|land(?= (?:animal|mammal|creature)s?)",
        "-lives_in_water",
    ),
    (r"seas?|oceans?|marine|saltwater|salt water|oceanic", "lives_in_sea"),
    (r"fly|flies|flying|flyer|flight|airborne|(?:in|through|into) the (?:air|sky)", "can_fly"),
    (
        r"(?:grow|grows|growing|found|come|comes|hang|hangs|fall|falls) (?:on|from|off)"
        r" (?:a |the )?trees?",
        "grows_on_trees",
    ),
    (r"trees?", "tree"),
    (r"flowers?|blooms?|blossoms?|flowering", "flower"),
    # -- what it is like
    (r"stripes?|striped|stripy|stripey", "stripes"),
    (r"metal|metallic|metals", "metal"),
    (r"wood|wooden|timber|lumber", "wood"),
    (r"plastic|plastics", "plastic"),
    (r"fabric|fabrics|cloth|textiles?", "fabric"),
    (
        r"man ?made|manmade|human ?made|made by (?:people|humans|man|a person|someone|hand)"
        r"|manufactured|artificial|synthetic|invented|hand ?made|machine made|factory made"
        r"|built by (?:people|humans)|(?:people|humans) make",
        "man_made",
    ),
    (r"natural|naturally occurring|in nature|from nature|nature", "-man_made"),
    (r"edible|eatable|eaten|(?<!it )(?<!they )(?<!that )(?<!which )eat", "edible"),
    (r"inedible", "-edible"),
    (
        r"(?:it|they|that|which) eats?|eats|eating|feeds? on|diet",
        "?",
    ),
    (r"food|foods|foodstuff|groceries", "food"),
    (r"cooked|cook (?:it|them)|baked|bake (?:it|them)|fried|roasted|boiled|grilled", "cooked"),
    (r"raw", "?"),
    (r"sweet|sugary", "sweet"),
    (
        r"liquids?|fluids?|drinkable|drink (?:it|them)(?! (?:from|out))",
        "liquid",
    ),
    (r"solid", "-liquid"),
    (r"soft|squishy|squashy|fluffy|fuzzy|cuddly|plush|spongy", "soft"),
    (r"hard|rigid", "concept:hard"),
    (r"hot|warm|heated|heats|heat|boiling", "hot"),
    (r"cold|chilled|frozen|freeze|freezes|freezing|icy|chilly", "cold"),
    (r"round|circular|spherical|sphere|circle|ball shaped|ball like", "round"),
    (r"flat", "flat"),
    (r"long|elongated|thin|skinny|slender|stick shaped|rod shaped", "long"),
    (r"long (?:legs?|hair|nose|trunk|time|life)|(?:live|lives) long", "?"),
    (
        r"sharp|pointy|pointed|spiky|spikes?",
        "sharp",
    ),
    (
        r"dangerous|danger|deadly|harmful|lethal|fatal"
        r"|(?:hurt|harm|kill|bite|bites|attack|attacks) (?:you|people|someone|me|a person|humans)",
        "dangerous",
    ),
    (r"safe|harmless", "-dangerous"),
    (r"stings?|stinging|stinger", "stings"),
    (
        r"(?:cost|costs|worth|price|priced|sells? for)"
        r"(?: more than| over| above| at least)? (?:a thousand|one thousand|1000|a grand)"
        r"(?: dollars| usd| pounds| euros| bucks)?",
        "expensive",
    ),
    (
        r"(?:cost|costs|worth|price|priced)(?: less than| under| below) (?:a thousand"
        r"|one thousand|1000)(?: dollars| usd| pounds| euros| bucks)?",
        "-expensive",
    ),
    (r"cost|costs|price|priced|money|dollars?", "?"),
    # -- what it does, what it is for
    (
        r"electric|electrical|electricity|electronic|electronics|mains|needs? power|uses? power"
        r"|(?:electrically|battery|electric|mains) powered|powered by (?:electricity|batteries"
        r"|a battery|mains)|runs? on (?:electricity|power|batteries)|plugged in|plug in|plugs in",
        "electric",
    ),
    (r"screens?|displays?|monitors?|touch ?screen", "screen"),
    (
        r"motors?|motori[sz]ed|(?:runs? on )?(?:fuel|petrol|gasoline|gas|diesel)",
        "motor",
    ),
    (
        r"(?:give|gives|giving|make|makes|making|produce|produces|emit|emits)(?: off| out)?"
        r" (?:a )?light|lights? up|glow|glows|glowing|shine|shines|shining|illuminat\w*",
        "gives_light",
    ),
    (r"sports?|sporting|athletic|athletics|olympics?|olympic", "sport"),
    (r"balls?", "ball"),
    (
        r"(?:make|makes|making|produce|produces|emit|emits)(?: a| any)? (?:sound|sounds|noise"
        r"|noises)|noisy|audible|(?:can|could) (?:you|i) hear|hear it|sounds?|noises?",
        "makes_sound",
    ),
    (r"music|musical|melody|melodies|tunes?|songs?", "music"),
    (r"blow|blows|blowing|blown|wind(?= instruments?)", "blow"),
    (r"wear|wears|wearing|worn|wearable|put (?:it|them) on", "worn"),
    (r"headwear|headgear", "worn_on:head"),
    (r"footwear", "worn_on:feet"),
    (
        r"(?:carry|carries|carrying|transport|transports|take|takes) (?:people|passengers"
        r"|a person|persons|humans|riders|you|me|us)"
        r"|(?:ride|rides|riding)(?: (?:on|in) (?:it|them))?|rideable|ridden|passengers?",
        "carries_people",
    ),
    (r"sit (?:on|upon)|sat on", "sit_on"),
    (r"sit|sits|sit in|sit inside", "sit_on|go_inside"),
    (
        r"(?:go|get|walk|step|climb|crawl|be) (?:inside|into|in to)|(?:go|get|walk|step|climb)"
        r" in|enter|inside it|inside of it",
        "go_inside",
    ),
    (
        r"(?:people|humans|someone|families|a family|persons?|you|we|i) (?:can |could |do "
        r"|usually |normally )?(?:live|lives|living) (?:in|inside)|live in it|lived in"
        r"|place to live|dwelling|residence|residential|habitable|inhabited",
        "people_live_in",
    ),
    (r"used (?:in|on) (?:the )?water", "used_thing&floats|used_thing&lives_in_water"),
    (
        r"(?:sit|sits|stay|stays|go|goes|travel|travels|move|moves)"
        r" on (?:the )?water|on (?:the )?water|on top of (?:the )?water",
        "floats",
    ),
    (r"religio(?:n|us)|worship|pray|prayer|praying|holy|sacred|spiritual|god|gods", "religious"),
    (
        r"medic(?:al|ine|ines)|health|healthcare|health care|sick|illness|ill people|doctors?"
        r"|nurses?|patients?|heal|healing|cure|cures",
        "medical",
    ),
    # -- colours (an orange is a guess; being orange is a colour)
    (r"red|reddish", "red"),
    (
        r"orange (?:colou?red|colou?r)|orange in colou?r|(?<!an )(?<!a )orange|orangey|orangish",
        "orange",
    ),
    (r"yellow|yellowish|golden", "yellow"),
    (r"green|greenish", "green"),
    (r"blue|bluish|blueish", "blue"),
    (r"purple|violet|purplish", "purple"),
    (r"pink|pinkish", "pink"),
    (r"brown|brownish", "brown"),
    (r"black", "black"),
    (r"white", "white"),
    (r"grey|gray|greyish|grayish", "grey"),
)

_COMPARISONS = {
    "more than": ">", "over": ">", "fewer than": "<", "less than": "<", "under": "<",
    "at least": ">=", "at most": "<=",
}  # fmt: skip
#: Legs and wheels, with an optional count and comparison ("more than four legs").
COUNT_PHRASE = re.compile(
    r"\b(?:(?P<cmp>more than|over|fewer than|less than|under|at least|at most) )?"
    r"(?:(?P<n>\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten|twelve|many|lots of"
    r"|a lot of) )?(?P<thing>legs?|legged|wheels?|wheeled)\b"
    r"|\b(?P<quadruped>quadrupeds?)\b|\b(?P<biped>bipeds?|bipedal)\b"
)
#: "Do you wear it on your head?"
WORN_PHRASE = re.compile(
    r"\b(?:wear|wears|wearing|worn|put|goes|go)(?: it| them)? (?:on|around|over|round|in)"
    r"(?: (?:your|the|my|ones|a|one|his|her|their|peoples))? (?P<part>"
    + "|".join(sorted(_BODY_PARTS, key=len, reverse=True))
    + r")\b"
)

#: "Is it an object?", "Is it a physical thing?" (the whole question).
OBJECT_QUESTION = re.compile(
    r"(?:is it|is this|is that|are they|it is|its) (?:a |an |some )?(?:(?P<kind>physical|tangible"
    r"|concrete|material|real) |solid )?(?:object|thing|item)s?(?: or not)?"
)
#: Words glued inside a concept phrase that the matcher may skip ("store the food").
GLUE_WORDS = word_set("it them a an the your its their some this that my our his her of one any")
#: Words that join two phrases into a conjunction or a disjunction.
CONJUNCTIONS = word_set("and or but nor also plus both either")
POSSESSIVES = word_set("its their his her your my our")
#: A preposition before "it": the question relates another thing to this one.
RELATION_TO_IT = re.compile(
    r"\b(?:on|in|off|from|with|into|onto|inside|by|at|under|through|around|over|against|near"
    r"|beside|behind|to|for|upon|out of|next to) (?:it|them)\b"
)
#: A person doing something (``Do you stand on it?``, ``Can people climb it?``).
PERSON_SUBJECT = re.compile(
    r"\b(?:you|i|we|people|someone|somebody|humans|a person|kids|children|adults)"
    r"(?: (?:can|could|would|usually|often|ever|normally|sometimes))?$"
)
#: Attributes that say what the object does: a phrase after them is their object or manner.
VERB_ATTRIBUTES = frozenset(
    {"can_fly", "lays_eggs", "stings", "blow", "floats", "carries_people", "sit_on",
     "go_inside", "gives_light", "makes_sound", "grows_on_trees", "people_live_in"}
)  # fmt: skip
#: Attributes that say where the object is found.
PLACE_ATTRIBUTES = frozenset(
    {"farm", "zoo", "wild", "in_kitchen", "outdoors", "underground", "lives_in_water",
     "lives_in_sea", "pet"}
)  # fmt: skip
#: Attributes that name a kind of thing (``a flying animal``).
NOUN_ATTRIBUTES = frozenset({"animal", "plant", "mammal", "fish", "reptile", "amphibian", "food"})
#: Comparisons against another object: "bigger than a dog" (size classes), "heavier than a cat"
#: (size classes at least two apart).
COMPARISON_OPENING = re.compile(
    r"(?P<word>bigger|larger|greater|huger|smaller|littler|tinier|heavier|lighter|taller|shorter"
    r"|longer|size)(?: in size| overall)? (?:than|of|as) (?:(?:a|an|the|your|my|average|typical"
    r"|normal|regular|usual|ordinary|standard|grown|adult) )*$"
)
_COMPARISON_SIGN = {
    "bigger": ">", "larger": ">", "greater": ">", "huger": ">", "smaller": "<", "littler": "<",
    "tinier": "<", "heavier": ">>", "lighter": "<<", "taller": ">>", "shorter": "<<",
    "longer": ">>", "size": "==",
}  # fmt: skip
#: The typical measures a comparison reads (``size`` is length and weight together, so a long
#: thin snake is not "bigger than a dog"); height is not held, so ``taller`` uses size classes.
_COMPARISON_MEASURES = {
    "bigger": "both", "larger": "both", "greater": "both", "huger": "both", "smaller": "both",
    "littler": "both", "tinier": "both", "heavier": "weight", "lighter": "weight",
    "longer": "length", "taller": "none", "shorter": "none", "size": "both",
}  # fmt: skip
#: Units of weight and length, in kilograms and metres.
WEIGHT_UNITS = {
    "kg": 1.0, "kgs": 1.0, "kilo": 1.0, "kilos": 1.0, "kilogram": 1.0, "kilograms": 1.0,
    "kilogramme": 1.0, "kilogrammes": 1.0, "g": 0.001, "gram": 0.001, "grams": 0.001,
    "pound": 0.4536, "pounds": 0.4536, "lb": 0.4536, "lbs": 0.4536, "ounce": 0.02835,
    "ounces": 0.02835, "oz": 0.02835, "ton": 1000.0, "tons": 1000.0, "tonne": 1000.0,
    "tonnes": 1000.0, "stone": 6.35,
}  # fmt: skip
LENGTH_UNITS = {
    "m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0, "metres": 1.0, "cm": 0.01,
    "centimeter": 0.01, "centimeters": 0.01, "centimetre": 0.01, "centimetres": 0.01,
    "mm": 0.001, "millimeter": 0.001, "millimeters": 0.001, "foot": 0.3048, "feet": 0.3048,
    "ft": 0.3048, "inch": 0.0254, "inches": 0.0254, "yard": 0.9144, "yards": 0.9144,
    "km": 1000.0, "kilometer": 1000.0, "kilometers": 1000.0, "mile": 1609.0, "miles": 1609.0,
}  # fmt: skip
_NUMBER = r"(?:\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty" \
    r"|fifty|a hundred|one hundred|a thousand|one thousand|hundred|thousand)"  # fmt: skip
#: "heavier than 10 pounds", "weighs less than a kilogram", "longer than two metres".
MEASURE_PHRASE = re.compile(
    r"\b(?P<word>heavier|lighter|(?:weighs?|weight(?: of)?) (?:more|less|over|under)"
    r"|longer|shorter|bigger|larger|smaller|taller|(?:more|less) than|over|under)"
    r"(?: than)? (?P<n>"
    + _NUMBER
    + r") ?(?P<unit>"
    + "|".join(sorted([*WEIGHT_UNITS, *LENGTH_UNITS], key=len, reverse=True))
    + r")\b(?: (?:long|tall|in length|in size|heavy|in weight))?"
)
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "twenty": 20, "fifty": 50, "hundred": 100,
    "a hundred": 100, "one hundred": 100, "thousand": 1000, "a thousand": 1000,
    "one thousand": 1000,
}  # fmt: skip


def _measure_meaning(match: re.Match[str]) -> Query | None:
    """``measure:weight>4.5`` for "heavier than 10 pounds"; None when the words do not agree."""
    word, count, unit = match.group("word"), match.group("n"), match.group("unit")
    value = float(count) if count[0].isdigit() else float(_NUMBER_WORDS[count])
    if unit in WEIGHT_UNITS:
        measure, value = "weight", value * WEIGHT_UNITS[unit]
        if word.startswith(("longer", "shorter", "taller", "bigger", "larger", "smaller")):
            return None  # "bigger than ten pounds" mixes two things
    else:
        measure, value = "length", value * LENGTH_UNITS[unit]
        if word.startswith(("heavier", "lighter", "weigh", "taller", "shorter")):
            return None  # height is not held; "heavier than a metre" is not a question
    greater = word.startswith(("heavier", "longer", "bigger", "larger", "taller", "over")) or (
        "more" in word or "over" in word
    )
    return (((f"measure:{measure}{'>' if greater else '<'}{value:g}", True),),)


#: Countable parts other than legs and wheels: "Does it have six strings?", "eight arms".
PART_COUNT = re.compile(
    r"\b(?:(?P<cmp>more than|over|fewer than|less than|under|at least|at most) )?"
    r"(?P<n>\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten|twelve|many|lots of"
    r"|a lot of|a single|a pair of|dozens of|hundreds of)"
    r" (?P<thing>strings?|wings?|arms?|eyes?|keys?|tentacles?|horns?|humps?|heads?)\b"
)
#: For a part without a count: the predicate that says whether the object has it at all.
PART_PRESENCE = {
    "strings": "strings", "wings": "wings", "arms": "concept:arms", "eyes": "concept:eyes",
    "keys": "concept:keyboard instrument", "tentacles": "concept:tentacles",
    "horns": "concept:horn", "humps": "", "heads": "",
}  # fmt: skip
#: "Would it fit in a backpack?": the biggest size class that fits in each container.
FIT_REFERENCES = {
    "backpack": "breadbox", "rucksack": "breadbox", "bag": "breadbox", "school bag": "breadbox",
    "suitcase": "breadbox", "handbag": "pocket", "purse": "pocket", "car": "person",
    "car trunk": "person", "trunk": "person", "boot": "person", "house": "car", "room": "car",
    "garage": "car", "hand": "tiny", "your hand": "tiny", "palm": "tiny", "mouth": "tiny",
    "cup": "tiny", "mug": "tiny", "drawer": "pocket", "lunchbox": "pocket",
    "lunch box": "pocket", "box": "breadbox", "fridge": "breadbox", "refrigerator": "breadbox",
    "microwave": "pocket", "bathtub": "person", "elevator": "person", "lift": "person",
}  # fmt: skip
FIT_PHRASE = re.compile(
    r"\b(?:fit|fits|go|goes|put it|put them|be put|be carried|carry it|carried)"
    r" (?:in|into|inside|in to)(?: (?:a|an|the|your|my|one|someones|average|normal|typical))*"
    r" (?P<ref>" + "|".join(sorted(FIT_REFERENCES, key=len, reverse=True)) + r")s?\b"
)
#: Reference things that are not objects of the game, with their size class.
SIZE_REFERENCES = {
    "coin": "tiny", "penny": "tiny", "grain of rice": "tiny", "grain of sand": "tiny",
    "marble": "tiny", "button": "tiny", "fingernail": "tiny", "thumb": "tiny", "dice": "tiny",
    "die": "tiny", "fist": "pocket", "hand": "pocket", "your hand": "pocket",
    "tennis ball": "pocket", "baseball": "pocket", "credit card": "pocket", "matchbox": "pocket",
    "egg": "pocket", "book": "breadbox", "laptop": "breadbox", "shoe box": "breadbox",
    "loaf of bread": "breadbox", "head": "breadbox", "your head": "breadbox",
    "human head": "breadbox", "suitcase": "person", "door": "person",
    "child": "person", "kid": "person", "fridge": "car", "van": "car", "room": "house",
    "building": "huge", "football field": "huge", "soccer field": "huge", "mountain": "huge",
    "person": "person", "human": "person", "human being": "person", "man": "person",
    "woman": "person", "adult": "person", "grown up": "person",
}  # fmt: skip
#: Typical largest dimension (m) and weight (kg) of the reference things, where they have one.
REFERENCE_MEASURES = {
    "coin": (0.024, 0.005), "penny": (0.019, 0.0025), "grain of rice": (0.006, 0.00003),
    "marble": (0.015, 0.005), "button": (0.015, 0.001), "dice": (0.016, 0.004),
    "die": (0.016, 0.004), "tennis ball": (0.067, 0.058), "baseball": (0.074, 0.145),
    "credit card": (0.085, 0.005), "egg": (0.06, 0.06), "book": (0.24, 0.5),
    "laptop": (0.35, 2.0), "loaf of bread": (0.3, 0.5), "suitcase": (0.7, 15.0),
    "door": (2.0, 30.0), "child": (1.2, 25.0), "kid": (1.2, 25.0), "fridge": (1.8, 80.0),
    "van": (5.0, 2500.0), "person": (1.75, 70.0), "human": (1.75, 70.0),
    "human being": (1.75, 70.0), "man": (1.75, 75.0), "woman": (1.65, 65.0),
    "adult": (1.75, 70.0), "grown up": (1.75, 70.0),
}  # fmt: skip
#: How far apart two typical measures must be for a comparison to be answered: closer than
#: this factor, "Is it bigger than a cat?" of a rabbit is "I don't know.".
MEASURE_FACTOR = 1.5


def _parse_meaning(spec: str) -> Query:
    """``"a&-b|c"`` -> ((("a", True), ("b", False)), (("c", True),)); ``""`` -> ``((),)``."""
    if not spec:
        return FILLER
    return tuple(
        tuple((term.lstrip("-"), not term.startswith("-")) for term in alternative.split("&"))
        for alternative in spec.split("|")
    )


def _phrase_meaning(spec: str) -> Query | None:
    """A :data:`PHRASES` meaning: ``?`` -> None (not a yes/no question), ``!`` -> not understood."""
    if spec == "?":
        return None
    return NOT_UNDERSTOOD if spec == "!" else _parse_meaning(spec)


def _and(left: Query, right: Query) -> Query:
    return tuple(tuple(dict.fromkeys(a + b)) for a in left for b in right)


def _not(query: Query) -> Query:
    """De Morgan: not (A or B) = not A and not B; not (a and b) = not a or not b."""
    result: Query = ((),)
    for conjunction in query:
        negated = tuple(((name, not wanted),) for name, wanted in conjunction)
        result = _and(result, negated)
    return result


# -- the knowledge base ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedUtterance:
    """What an utterance is: a guess, a question with its :data:`Query`, or neither.

    ``kind`` is ``"guess"`` (``objects`` holds the one index), ``"several"`` (two or more
    objects named), ``"other"`` (a guess of a thing that is not an object of the game, from
    ``other_things`` in the data file: ``Is it a cello?``), ``"question"`` (``query`` holds the
    meaning), ``"open"`` (understood, but
    not a yes/no question: ``What colour is it?``, ``Is it alive or dead?``) or ``"unknown"``
    (a word the oracle cannot place, or an object named inside a question that is not a guess).
    """

    kind: str
    objects: tuple[int, ...] = ()
    query: Query = ()


UNKNOWN_UTTERANCE = ParsedUtterance("unknown")
OPEN_UTTERANCE = ParsedUtterance("open")


@dataclass(frozen=True)
class ObjectKnowledge:
    """The objects and attributes of ``data/twenty_questions.json``, and the compiled phrases."""

    objects: tuple[dict[str, Any], ...]
    attributes: dict[str, dict[str, str]]  # name -> {"question": ..., "meaning": ...}
    categories: dict[str, str]  # name -> canonical question
    sizes: dict[str, str]  # size class -> description
    phrases: tuple[tuple[re.Pattern[str], Query | None], ...]  # None: unanswerable
    object_pattern: re.Pattern[str]
    object_by_form: dict[str, int]  # normalised name, synonym or plural -> index
    #: name -> {"kind", "phrases", "yes", "no", "unsure"}: sub-categories, parts, functions...
    concepts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: first stem -> [(stemmed phrase, concept name)], longest phrase first
    concept_phrases: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    concept_words: dict[str, str] = field(default_factory=dict)  # one-word phrases and plurals
    #: Things that are not objects of the game, with their plurals ("Is it a cello?" is no).
    other_things: frozenset[str] = frozenset()
    size_reference_pattern: re.Pattern[str] | None = None

    @property
    def names(self) -> list[str]:
        """Every object's name, in knowledge-base order."""
        return [record["name"] for record in self.objects]

    def index_of(self, name: str) -> int:
        """The index of the object called ``name`` (its name, not a synonym)."""
        return self.names.index(name)

    def predicates(self) -> list[str]:
        """Every predicate a query may use: attributes, categories and derived ones."""
        derived = [name for name, _, _ in SIZE_PREDICATES] + [p for p, _ in DERIVED_QUESTIONS]
        derived += ["handheld", "used_thing", "object_like", "physical"]
        categories = [f"category:{name}" for name in self.categories]
        concepts = [f"concept:{name}" for name in self.concepts]
        return [*self.attributes, *categories, *derived, *concepts]


def _stemmed(phrase: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in normalise(phrase).split())


@lru_cache(maxsize=1)
def load_knowledge() -> ObjectKnowledge:
    """The knowledge base and the parser's tables (built once per process)."""
    data = json.loads(DATA_FILE.read_text(encoding="ascii"))
    objects = tuple(data["objects"])
    object_by_form: dict[str, int] = {}
    for index, record in enumerate(objects):
        for phrase in [record["name"], *record["synonyms"]]:
            for form in word_forms(phrase):
                if object_by_form.setdefault(form, index) != index:
                    raise ValueError(f"{DATA_FILE.name}: {form!r} names two objects")
    alternation = "|".join(re.escape(form) for form in sorted(object_by_form, key=len)[::-1])
    phrases = tuple(
        (re.compile(rf"\b(?:{pattern})\b"), _phrase_meaning(meaning))
        for pattern, meaning in PHRASES
    )
    concepts = data.get("concepts", {})
    concept_phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    concept_words: dict[str, str] = {}
    for name, entry in concepts.items():
        for phrase in entry["phrases"]:
            words = normalise(phrase).split()
            if len(words) == 1 and words[0] not in object_by_form:  # a name is a guess
                concept_words.setdefault(words[0], name)
            elif len(words) > 1:
                stems = _stemmed(phrase)
                concept_phrases.setdefault(stems[0], []).append((stems, name))
    # A one-word phrase also matches its plural, unless the plural is a phrase of its own.
    for word, name in list(concept_words.items()):
        plurals = [word + "s", word + "es"] + ([word[:-1] + "ies"] if word.endswith("y") else [])
        for form in plurals:
            if form not in object_by_form:
                concept_words.setdefault(form, name)
    for entries in concept_phrases.values():
        entries.sort(key=lambda pair: -len(pair[0]))
    references = sorted((normalise(r) for r in SIZE_REFERENCES), key=len, reverse=True)
    knowledge = ObjectKnowledge(
        objects=objects,
        attributes=data["attributes"],
        categories=data["categories"],
        sizes=data["sizes"],
        phrases=phrases,
        object_pattern=re.compile(rf"\b(?:{alternation})\b"),
        object_by_form=object_by_form,
        concepts=concepts,
        concept_phrases=concept_phrases,
        concept_words=concept_words,
        other_things=frozenset(
            form for thing in data.get("other_things", ()) for form in word_forms(thing)
        ),
        size_reference_pattern=re.compile(
            r"\b(?:" + "|".join(re.escape(r) for r in references) + r")s?\b"
        ),
    )
    known = set(knowledge.predicates())
    unknown = {
        name
        for _, meaning in phrases
        for conjunction in meaning or ()
        for name, _ in conjunction
        if name not in known and meaning is not NOT_UNDERSTOOD
    }
    if unknown:
        raise ValueError(f"PHRASES name predicates the knowledge base lacks: {sorted(unknown)}")
    return knowledge


# -- parsing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    meaning: Query | None  # None: unanswerable phrase
    object_index: int | None = None


def _count_meaning(match: re.Match[str]) -> Query:
    """The literal for a legs/wheels phrase: ``legs:any``, ``legs:=4``, ``wheels:>4``..."""
    if match.group("quadruped"):
        return ((("legs:=4", True),),)
    if match.group("biped"):
        return ((("legs:=2", True),),)
    thing = "legs" if match.group("thing").startswith("leg") else "wheels"
    count_word, comparison = match.group("n"), match.group("cmp")
    if count_word is None:
        return (((f"{thing}:any", True),),)
    if count_word in ("many", "lots of", "a lot of"):
        return (((f"{thing}:>4", True),),)
    count = int(count_word) if count_word.isdigit() else _COUNT_WORDS[count_word]
    operator = _COMPARISONS[comparison] if comparison else "="
    return (((f"{thing}:{operator}{count}", True),),)


def _concept_spans(text: str, knowledge: ObjectKnowledge) -> list[_Span]:
    """Concept phrases in ``text``, matched on stems, skipping glue words inside a phrase."""
    words = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    stems = [stem(word) for word, _, _ in words]
    spans = []
    for first in range(len(words)):
        single = knowledge.concept_words.get(words[first][0])
        if single is not None:
            meaning = (((f"concept:{single}", True),),)
            spans.append(_Span(words[first][1], words[first][2], meaning))
        for phrase, name in knowledge.concept_phrases.get(stems[first], ()):
            position, matched = first, 0
            while matched < len(phrase) and position < len(words):
                if stems[position] == phrase[matched]:
                    position, matched = position + 1, matched + 1
                elif matched and words[position][0] in GLUE_WORDS:
                    position += 1
                else:
                    break
            if matched == len(phrase):
                meaning = (((f"concept:{name}", True),),)
                spans.append(_Span(words[first][1], words[position - 1][2], meaning))
    return spans


def _comparison_spans(text: str, knowledge: ObjectKnowledge) -> list[_Span]:
    """``bigger than a dog``, ``smaller than a coin``: a size comparison with a reference."""
    references: list[tuple[int, int, str, tuple[float, float] | None]] = []
    for match in knowledge.object_pattern.finditer(text):
        record = knowledge.objects[knowledge.object_by_form[match.group()]]
        measures = (record["length_m"], record["weight_kg"]) if "length_m" in record else None
        references.append((match.start(), match.end(), record["size"], measures))
    assert knowledge.size_reference_pattern is not None
    for match in knowledge.size_reference_pattern.finditer(text):
        word = match.group()
        word = word if word in SIZE_REFERENCES else word[:-1]
        if word in SIZE_REFERENCES:
            measures = REFERENCE_MEASURES.get(word)
            references.append((match.start(), match.end(), SIZE_REFERENCES[word], measures))
    spans = []
    for match in FIT_PHRASE.finditer(text):
        capacity = FIT_REFERENCES[match.group("ref")]
        spans.append(_Span(match.start(), match.end(), (((f"fit<={capacity}", True),),)))
    for start, end, size, measures in references:
        opening = COMPARISON_OPENING.search(text[:start])
        if opening is None:
            continue
        word = opening.group("word")
        predicate = f"size{_COMPARISON_SIGN[word]}{size}"
        if measures is not None and _COMPARISON_MEASURES[word] != "none":
            length, weight = measures
            predicate += f"~{_COMPARISON_MEASURES[word]}~{length:g}~{weight:g}"
        spans.append(_Span(opening.start(), end, (((predicate, True),),)))
    return spans


def _compare_measures(predicate: str, record: dict[str, Any]) -> bool | str | None:
    """A comparison on typical measures (``size>car~weight~4.5~1400``); ``"classes"`` without.

    Each measure read must be :data:`MEASURE_FACTOR` apart, all in the same direction;
    otherwise the answer is not settled.
    """
    match = re.fullmatch(r"size(==|>>|<<|>|<)\w+~(both|weight|length)~([\d.e+-]+)~([\d.e+-]+)",
                         predicate)  # fmt: skip
    if match is None or "length_m" not in record:
        return "classes"
    sign, which, length, weight = match.groups()
    pairs = {"length": (record["length_m"], float(length)), "weight": (record["weight_kg"],
             float(weight))}  # fmt: skip
    ratios = [here / there for key, (here, there) in pairs.items() if which in (key, "both")]
    if sign == "==":  # "the size of a car": far from it is a no, near it is not settled
        return False if any(max(r, 1 / r) >= MEASURE_FACTOR**2 for r in ratios) else None
    if all(ratio >= MEASURE_FACTOR for ratio in ratios):
        return sign[0] == ">"
    if all(ratio <= 1 / MEASURE_FACTOR for ratio in ratios):
        return sign[0] == "<"
    return None


def _candidate_spans(text: str, knowledge: ObjectKnowledge) -> list[_Span]:
    spans = [
        _Span(match.start(), match.end(), meaning)
        for pattern, meaning in knowledge.phrases
        for match in pattern.finditer(text)
    ]
    spans += [
        _Span(match.start(), match.end(), _count_meaning(match))
        for match in COUNT_PHRASE.finditer(text)
    ]
    for match in WORN_PHRASE.finditer(text):
        part = _BODY_PARTS[match.group("part")]
        predicate = f"worn_on:{part}" if part else "worn"
        spans.append(_Span(match.start(), match.end(), (((predicate, True),),)))
    for match in PART_COUNT.finditer(text):
        thing = match.group("thing")
        thing = thing if thing.endswith("s") else thing + "s"
        count_word, comparison = match.group("n"), match.group("cmp")
        if count_word in ("many", "lots of", "a lot of", "dozens of", "hundreds of"):
            literal = f"count:{thing}:>{12 if 'of' in count_word else 4}"
        else:
            words = {"a single": 1, "a pair of": 2}
            count = (
                int(count_word)
                if count_word.isdigit()
                else words.get(count_word, _COUNT_WORDS.get(count_word, 0))
            )
            literal = f"count:{thing}:{_COMPARISONS[comparison] if comparison else '='}{count}"
        spans.append(_Span(match.start(), match.end(), (((literal, True),),)))
    for match in MEASURE_PHRASE.finditer(text):
        spans.append(_Span(match.start(), match.end(), _measure_meaning(match) or NOT_UNDERSTOOD))
    spans += _comparison_spans(text, knowledge)
    spans += _concept_spans(text, knowledge)
    spans += [
        _Span(match.start(), match.end(), (), knowledge.object_by_form[match.group()])
        for match in knowledge.object_pattern.finditer(text)
    ]
    return spans


def _select(spans: list[_Span]) -> list[_Span]:
    """Non-overlapping spans, longest first (phrases before object names on a tie), in order."""
    chosen: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.object_index is not None)):
        if all(span.end <= other.start or span.start >= other.end for other in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _uncovered_words(text: str, spans: Iterable[_Span]) -> list[str]:
    characters = list(text)
    for span in spans:
        characters[span.start : span.end] = " " * (span.end - span.start)
    return "".join(characters).split()


def _names(span: _Span) -> list[str]:
    return [name for conjunction in span.meaning or () for name, _ in conjunction]


def _concept_kinds(span: _Span, knowledge: ObjectKnowledge) -> set[str]:
    return {
        knowledge.concepts[name.removeprefix("concept:")]["kind"]
        for name in _names(span)
        if name.startswith("concept:")
    }


def _is_action(span: _Span, knowledge: ObjectKnowledge) -> bool:
    """Whether ``span`` is a concept phrase about what it does or eats (a verb with an object)."""
    return bool(_concept_kinds(span, knowledge) & {"function", "diet"})


def _is_verb(span: _Span, knowledge: ObjectKnowledge) -> bool:
    """Whether ``span`` says what the object does: an ability or a verb attribute (``fly``)."""
    if _concept_kinds(span, knowledge) & {"ability", "function", "diet"}:
        return True
    return bool(set(_names(span)) & VERB_ATTRIBUTES)


def _is_place(span: _Span, knowledge: ObjectKnowledge) -> bool:
    """Whether ``span`` names where the object is found (``in the sea``, ``in Africa``)."""
    if _concept_kinds(span, knowledge) == {"place"}:
        return True
    names = set(_names(span))
    return bool(names) and names <= PLACE_ATTRIBUTES


def _is_noun(span: _Span, knowledge: ObjectKnowledge) -> bool:
    """Whether ``span`` names a kind of thing (``insect``, ``big cat``): ``a flying insect``."""
    names = _names(span)
    kinds = _concept_kinds(span, knowledge)
    return (
        bool(names)
        and all(
            name.startswith("category:") or name in NOUN_ATTRIBUTES
            for name in names
            if not name.startswith("concept:")
        )
        and kinds <= {"subcategory"}
    )


def relation_not_understood(
    text: str, spans: list[_Span], phrases: list[_Span], knowledge: ObjectKnowledge
) -> bool:
    """Whether the words around the understood phrases relate them in a way no attribute answers.

    The parser reads a question as a conjunction of the phrases it found; these are the word
    orders where that reading would be a confident error:

    - a preposition before ``it``/``them`` that no phrase took: the question is about another
      thing in relation to this one (``Do you eat food off it?``, ``Are animals kept in it?``);
    - a possessive between two phrases: a verb acting on a part (``Does it shed its skin?``);
    - a verb (an ability, a function, a diet or an attribute such as ``fly``) followed by
      another phrase without ``and``/``or``, unless that phrase is a place (``swim in the
      sea``) or the verb is an adjective before a kind (``a flying insect``): ``Does it stand
      on one leg?``, ``Does it grow from a bulb?``, ``Does it run on tracks?``;
    - an ability whose subject is a person, or with ``it`` as its object (``Do you stand on
      it?``, ``Do you climb it?``): it asks what is done to the object, not what it does.
    """
    covered = [False] * len(text)
    for span in spans:
        covered[span.start : span.end] = [True] * (span.end - span.start)
    verb_ends = {span.end for span in phrases if _is_verb(span, knowledge)}
    for match in RELATION_TO_IT.finditer(text):
        # "blow into it", "drink from it": the verb the oracle understood takes the preposition.
        if not covered[match.start()] and match.start() - 1 not in verb_ends:
            return True
    for before, after in itertools.pairwise(phrases):
        gap = set(text[before.end : after.start].split())
        if gap & CONJUNCTIONS:
            continue
        if gap & POSSESSIVES:
            return True
        if _is_action(before, knowledge):
            return True  # "used to blend food": what follows an action is its object
        if after.meaning == before.meaning:
            continue  # "fly in the sky" says one thing twice
        if _is_verb(before, knowledge) and not _is_place(after, knowledge):
            adjacent = not gap - GLUE_WORDS
            manner = not gap and _concept_kinds(after, knowledge) == {"property"}  # "run fast"
            if not (adjacent and _is_noun(after, knowledge)) and not manner:
                return True
    for span in phrases:
        if "ability" not in _concept_kinds(span, knowledge):
            continue
        following = text[span.end :].split()[:1]
        if following and following[0] in ("it", "them"):
            return True
        if PERSON_SUBJECT.search(text[: span.start].strip()):
            return True
    return False


def parse_utterance(utterance: str, knowledge: ObjectKnowledge | None = None) -> ParsedUtterance:
    """Map free text to a guess, a yes/no question (a :data:`Query`), ``open`` or ``unknown``.

    The don't-know rule: every word must be placed (a phrase of the tables, an object in a
    guess or a comparison, or a word of :data:`~rlbench_suite.envs.language.qa.FILLER_WORDS`),
    otherwise the utterance is ``unknown``; so is a question that names an object without
    guessing it (``Does it eat grass?`` is a question about diet, ``Is it like a cat?`` is
    not understood).
    """
    knowledge = knowledge or load_knowledge()
    text = normalise(utterance).replace(".", " ")
    text = re.sub(r"\b(?:yes or no|yes no|true or false)\b", " ", text)
    text = " ".join(re.sub(r"\b(?:or not|or no)$", " ", text).split())
    if not text:
        return UNKNOWN_UTTERANCE
    spans = _select(_candidate_spans(text, knowledge))
    bare = strip_guess_opening(text)
    if bare in knowledge.object_by_form:
        # "Is it an orange?", "orange" and "My guess is orange" guess; "Is it orange?" asks the
        # colour (the colour phrase, not the name, covers the word there).
        descriptive = re.match(
            r"(?:is it|is this|is that|are they|it is|its) (?!a |an |the )", strip_preamble(text)
        )
        if not descriptive or any(span.object_index is not None for span in spans):
            return ParsedUtterance("guess", (knowledge.object_by_form[bare],))

    named = tuple(dict.fromkeys(s.object_index for s in spans if s.object_index is not None))
    loose_words = [
        word
        for word in _uncovered_words(text, spans)
        if word not in FILLER_WORDS and word not in NEGATORS
    ]
    phrases = [span for span in spans if span.object_index is None and span.meaning != FILLER]
    if named:
        rest = _uncovered_words(text, spans)
        if phrases or not GUESS_WORDS.issuperset(rest):
            return UNKNOWN_UTTERANCE  # an object named inside a question that is not a guess
        return ParsedUtterance("guess" if len(named) == 1 else "several", named)
    if strip_preamble(text).split()[0] in WH_WORDS:
        return OPEN_UTTERANCE  # an open question, however well understood
    thing = OBJECT_QUESTION.fullmatch(strip_preamble(text))
    if thing:  # "Is it an object?": physical, yes; an object, yes when man-made
        predicate = "physical" if thing.group("kind") else "object_like"
        return ParsedUtterance("question", query=(((predicate, True),),))
    if loose_words:
        if bare in knowledge.other_things:
            # A guess of a thing that is not one of the objects: the answer is no.
            return ParsedUtterance("other")
        return UNKNOWN_UTTERANCE
    if not phrases:
        return OPEN_UTTERANCE  # only words that ask nothing: "Tell me something about it."
    if any(span.meaning is None for span in phrases):
        return OPEN_UTTERANCE

    if any(span.meaning is NOT_UNDERSTOOD for span in phrases):
        return UNKNOWN_UTTERANCE
    if relation_not_understood(text, spans, phrases, knowledge):
        return UNKNOWN_UTTERANCE

    alternatives: list[Query] = []
    current: Query = ((),)
    previous_end = 0
    for position, span in enumerate(phrases):
        between = text[previous_end : span.start].split()
        if position == 0 and between and between[0] in LEADING_NEGATIVE_AUXILIARIES:
            between = between[1:]
        if position > 0 and "or" in between:
            alternatives.append(current)
            current = ((),)
        meaning = span.meaning
        assert meaning is not None
        if "used" in between and _is_place(span, knowledge):
            # "Is it used in the garden?": a bee is found there, not used there.
            meaning = _and((((("used_thing", True),),)), meaning)
        if NEGATORS.intersection(between):
            meaning = _not(meaning)
        current = _and(current, meaning)
        previous_end = span.end
    alternatives.append(current)

    query = tuple(dict.fromkeys(c for alternative in alternatives for c in alternative))
    singles = {conjunction[0] for conjunction in query if len(conjunction) == 1}
    if len(alternatives) > 1 and any((name, not wanted) in singles for name, wanted in singles):
        return OPEN_UTTERANCE  # "Is it alive or dead?" is not a yes/no question
    return ParsedUtterance("question", query=query)


# -- answering -------------------------------------------------------------------------------------


def _compare(value: int, operator: str, count: int) -> bool:
    return {
        "=": value == count,
        ">": value > count,
        "<": value < count,
        ">=": value >= count,
        "<=": value <= count,
    }[operator]


def _member(spec: str, record: dict[str, Any]) -> bool:
    """Whether ``record`` is ``spec``: a name, ``c:<category>``, ``a:<attribute>``, ``s:<size>``."""
    if spec == "all":
        return True
    kind, _, value = spec.partition(":")
    if kind == "c" and value:
        return record["category"] == value
    if kind == "a" and value:
        return value in record["yes"]
    if kind == "s" and value:
        return record["size"] == value
    return record["name"] == spec


def concept_truth(entry: dict[str, Any], record: dict[str, Any]) -> bool | None:
    """A concept for ``record``: ``yes``; ``maybe`` (None); ``no``; ``unsure`` (None); else no."""
    if any(_member(spec, record) for spec in entry["yes"]):
        return True
    if any(_member(spec, record) for spec in entry.get("maybe", ())):
        return None
    if any(_member(spec, record) for spec in entry.get("no", ())):
        return False
    if any(_member(spec, record) for spec in entry.get("unsure", ())):
        return None
    return False


def holds(predicate: str, record: dict[str, Any]) -> bool | None:
    """Whether ``predicate`` holds for ``record``; ``None`` when the knowledge base cannot say."""
    if predicate.startswith("category:"):
        return record["category"] == predicate.removeprefix("category:")
    if predicate.startswith("concept:"):
        entry = load_knowledge().concepts[predicate.removeprefix("concept:")]
        return concept_truth(entry, record)
    if predicate.startswith("size"):
        measured = _compare_measures(predicate, record)
        if measured != "classes":
            return measured  # type: ignore[return-value]
        match = re.match(r"size(==|>>|<<|>|<)(\w+)", predicate)
        if match is not None:
            sign, reference = match.groups()
            here, there = SIZE_ORDER.index(record["size"]), SIZE_ORDER.index(reference)
            gap = 2 if len(sign) == 2 else 1
            if abs(here - there) < gap:
                return None
            if sign == "==":  # "the size of a car": far from it in size is a no
                return False
            return here > there if sign[0] == ">" else here < there
    if predicate.startswith("measure:"):
        match = re.fullmatch(r"measure:(weight|length)([<>])([\d.e+-]+)", predicate)
        assert match is not None, predicate
        key = {"weight": "weight_kg", "length": "length_m"}[match.group(1)]
        if key not in record:
            return None
        ratio = record[key] / float(match.group(3))
        if MEASURE_FACTOR > ratio > 1 / MEASURE_FACTOR:
            return None
        return (ratio > 1) == (match.group(2) == ">")
    if predicate == "used_thing":  # what people use: made or eaten; a living thing is not settled
        if "man_made" in record["yes"] or "edible" in record["yes"]:
            return True
        return None
    if predicate == "object_like":  # "an object": a made thing; a living one is not settled
        return True if "man_made" in record["yes"] else None
    if predicate == "physical":  # every hidden thing is a physical one
        return True
    if predicate == "handheld":
        # Small and light enough for one hand: typical measures where held, else size classes.
        if "weight_kg" in record:
            if record["weight_kg"] <= 3 and record["length_m"] <= 0.7:
                return True
            if record["weight_kg"] >= 25 or record["length_m"] >= 3:
                return False
            return None
        return {"tiny": True, "pocket": True, "house": False, "huge": False}.get(record["size"])
    if predicate.startswith("fit<="):
        here = SIZE_ORDER.index(record["size"])
        capacity = SIZE_ORDER.index(predicate.removeprefix("fit<="))
        return True if here <= capacity else (False if here >= capacity + 2 else None)
    if predicate.startswith("count:"):
        _, thing, condition = predicate.split(":")
        value = record.get("counts", {}).get(thing)
        if value is None:
            presence = PART_PRESENCE.get(thing, "")
            has_it = holds(presence, record) if presence else None
            if has_it is not False:
                return None
            value = 0
        match = re.fullmatch(r"(>=|<=|=|>|<)(\d+)", condition)
        assert match is not None, predicate
        return _compare(int(value), match.group(1), int(match.group(2)))
    for name, _, sizes in SIZE_PREDICATES:
        if predicate == name:
            return record["size"] in sizes
    if predicate.startswith(("legs:", "wheels:")):
        thing, condition = predicate.split(":")
        value = int(record[thing])
        if condition == "any":
            return value > 0
        match = re.fullmatch(r"(>=|<=|=|>|<)(\d+)", condition)
        assert match is not None, predicate
        return _compare(value, match.group(1), int(match.group(2)))
    if predicate == "worn":
        return bool(record["worn_on"])
    if predicate.startswith("worn_on:"):
        return predicate.removeprefix("worn_on:") in record["worn_on"]
    if predicate == "warm_blooded":
        return "mammal" in record["yes"] or record["category"] == "bird"
    return predicate in record["yes"]


def evaluate(query: Query, record: dict[str, Any]) -> bool | None:
    """``query`` (a disjunction of conjunctions of literals) for ``record``, three-valued.

    ``None`` (unknown) where the knowledge base cannot settle it: a conjunction is false as soon
    as one literal is false, a disjunction true as soon as one conjunction is true.
    """
    results = []
    for conjunction in query:
        values = []
        for name, wanted in conjunction:
            value = holds(name, record)
            values.append(None if value is None else value == wanted)
        results.append(False if False in values else (None if None in values else True))
    return True if True in results else (None if None in results else False)


def answer(parsed: ParsedUtterance, record: dict[str, Any]) -> str:
    """The rule-based oracle's reply to a parsed question about ``record``."""
    if parsed.kind == "open":
        return UNKNOWN_ANSWER
    if parsed.kind == "other":
        return NO
    if parsed.kind != "question":
        return DONT_UNDERSTAND
    truth = evaluate(parsed.query, record)
    return DONT_KNOW if truth is None else (YES if truth else NO)


def object_oracle(object_record: dict[str, Any], question: str) -> str:
    """The built-in oracle: ``Yes.``/``No.`` from the knowledge base, or an honest non-answer.

    It reads ``question`` as a yes/no question (the env has already taken guesses out); a
    question it cannot fully place, or that names an object without guessing it, gets
    :data:`~rlbench_suite.envs.language.qa.DONT_UNDERSTAND`; one the knowledge base does not
    settle gets :data:`~rlbench_suite.envs.language.qa.DONT_KNOW`; an open or either/or
    question gets :data:`UNKNOWN_ANSWER`.
    """
    return answer(parse_utterance(question), object_record)


# -- the question bank -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def question_bank() -> tuple[str, ...]:
    """The canonical questions (no guesses) of the action vocabulary, in a stable order."""
    knowledge = load_knowledge()
    attribute_questions = [entry["question"] for entry in knowledge.attributes.values()]
    category_questions = list(knowledge.categories.values())
    derived = [question for _, question, _ in SIZE_PREDICATES]
    derived += [question for _, question in DERIVED_QUESTIONS]
    return tuple(dict.fromkeys([*attribute_questions, *category_questions, *derived]))


def display_name(record: dict[str, Any]) -> str:
    """The object's name with its article: ``a dog``, ``an apple``, ``bread``, ``trousers``."""
    name = record["name"]
    article = record.get("article", "an" if name[0] in "aeiou" else "a")
    return f"{article} {name}" if article else name


def guess_question(record: dict[str, Any]) -> str:
    """The bank's guess of ``record``: ``Is it a dog?``."""
    return f"Is it {display_name(record)}?"


# -- the env -------------------------------------------------------------------------------------


class TwentyQuestionsEnv(LanguageEnv):
    """Find the hidden object within ``max_questions`` turns; see the module docstring."""

    def __init__(
        self,
        oracle: OracleFn | None = None,
        max_questions: int = MAX_QUESTIONS,
        secret_objects: Sequence[str] | None = None,
        render_mode: str | None = None,
        charge_unanswered: bool = True,
        rules: str = "default",
    ) -> None:
        if rules not in RULES:
            raise ValueError(f"TwentyQuestionsEnv: rules must be one of {RULES}, got {rules!r}")
        #: ``"default"`` lists the candidates in the opening; ``"lmrl"`` does not, and hides
        #: only the objects LMRL-Gym also uses (:func:`lmrl_objects`).
        self.rules = rules
        if oracle is not None and not callable(oracle):
            raise TypeError(
                "TwentyQuestionsEnv: oracle must be a callable "
                f"oracle(object_record: dict, question: str) -> str or None, "
                f"got {type(oracle).__name__}"
            )
        if isinstance(max_questions, bool) or not isinstance(max_questions, int | np.integer):
            raise TypeError(
                f"TwentyQuestionsEnv: max_questions must be an int, got {max_questions!r}"
            )
        super().__init__(max_turns=int(max_questions), render_mode=render_mode)
        #: Whether a turn the oracle does not answer (don't know, didn't understand, not a
        #: yes/no question) costs -1 like any other; it always counts against ``max_questions``.
        self.charge_unanswered = bool(charge_unanswered)
        self.knowledge = load_knowledge()
        self.oracle: OracleFn = oracle if oracle is not None else object_oracle
        names = self.knowledge.names
        if secret_objects is None and rules == "lmrl":
            self.secret_indices = [names.index(name) for name in lmrl_objects()]
        elif secret_objects is None:
            self.secret_indices = list(range(len(names)))
        else:
            if isinstance(secret_objects, str):
                raise TypeError(
                    "TwentyQuestionsEnv: secret_objects must be a sequence of object names, "
                    f"got the string {secret_objects!r}"
                )
            unknown = [name for name in secret_objects if name not in names]
            if unknown or not secret_objects:
                raise ValueError(
                    "TwentyQuestionsEnv: secret_objects must be a non-empty list of names from "
                    f"data/twenty_questions.json (e.g. {names[:3]}); unknown: "
                    f"{unknown or 'none given'}"
                )
            self.secret_indices = sorted({names.index(name) for name in secret_objects})
        self.secret_index = self.secret_indices[0]
        self.guesses = 0

    @property
    def secret(self) -> dict[str, Any]:
        """The hidden object's record (for analysis; agents should read the transcript)."""
        return self.knowledge.objects[self.secret_index]

    def action_vocabulary(self) -> list[str]:
        """The question bank, then ``Is it a <name>?`` for every object."""
        return [*question_bank(), *(guess_question(r) for r in self.knowledge.objects)]

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """One turn; accented letters are first written in ASCII (``café`` -> ``cafe``).

        The transcript is printable ASCII, where an accented letter would become ``?``.
        """
        return super().step(fold(action) if isinstance(action, str) else action)

    def _begin(self) -> str:
        draw = int(self.np_random.integers(len(self.secret_indices)))
        self.secret_index = self.secret_indices[draw]
        self.guesses = 0
        if self.rules == "lmrl":
            # LMRL-Gym's opening names no candidates; the agent must know what objects are.
            return (
                "Let's play Twenty Questions. I am thinking of an everyday object. "
                f"You have {self.max_turns} questions to find it. Ask yes/no questions and I "
                "will answer Yes. or No.; guess by naming it (Is it a dog?)."
            )
        names = sorted(self.knowledge.names)
        return (
            "Let's play Twenty Questions. I am thinking of one of these "
            f"{len(names)} things: {', '.join(names)}.\n"
            f"You have {self.max_turns} questions to find it. Ask yes/no questions (Is it alive? "
            "Is it bigger than a car? Would you find it in a kitchen?) and I will answer Yes. or "
            f'No.; to anything else I answer "{UNKNOWN_ANSWER}" Guess by naming it (Is it a '
            "dog?); a wrong guess counts as a question."
        )

    def _turn(self, action: str) -> Turn:
        unanswered = unanswered_turn_reward(self.charge_unanswered)
        if not action.strip():
            return Turn(DONT_UNDERSTAND, unanswered, invalid=True)
        parsed = parse_utterance(action, self.knowledge)
        if parsed.kind == "several":
            return Turn(ONE_AT_A_TIME, unanswered, invalid=True)
        if parsed.kind == "other":
            self.guesses += 1  # a guess of something that is not one of the objects
            return Turn(NO, -1.0)
        if parsed.kind == "guess":
            self.guesses += 1
            if parsed.objects[0] == self.secret_index:
                reply = CORRECT_GUESS.format(name=display_name(self.secret))
                return Turn(reply, 0.0, terminated=True, success=True)
            return Turn(NO, -1.0)
        reply = self.oracle(copy.deepcopy(self.secret), action)
        if not isinstance(reply, str):
            raise TypeError(
                f"TwentyQuestionsEnv: the oracle must return a str, got {type(reply).__name__}"
            )
        if reply in UNANSWERED:
            invalid = reply != DONT_KNOW
            return Turn(reply, unanswered, invalid=invalid)
        return Turn(reply, -1.0)

    def _extra_info(self) -> dict[str, Any]:
        return {"guesses": self.guesses, "questions": self.turns - self.guesses}


@lru_cache(maxsize=1)
def lmrl_objects() -> tuple[str, ...]:
    """The objects of the knowledge base that LMRL-Gym's 20Q also uses (:data:`LMRL_GYM_OBJECTS`).

    Matched by name, synonym or plural (LMRL-Gym's ``pants`` is our ``trousers``, ``couch`` our
    ``sofa``, ``smartphone`` our ``phone``).

    >>> len(lmrl_objects()), lmrl_objects()[:4]
    (83, ('dog', 'cat', 'horse', 'cow'))
    """
    knowledge = load_knowledge()
    indices = {
        knowledge.object_by_form[form]
        for form in map(normalise, LMRL_GYM_OBJECTS)
        if form in knowledge.object_by_form
    }
    return tuple(knowledge.names[index] for index in sorted(indices))


def held_out_objects() -> list[str]:
    """Every fifth object of the knowledge base: the MDP family's held-out answers."""
    return load_knowledge().names[4::5]


def secret_object_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """MDP family: the hidden object's pool, 60 training objects or 20 held-out ones."""
    held_out = held_out_objects()
    if split == "held_out":
        pool, size = held_out, 20
    else:
        pool = [name for name in load_knowledge().names if name not in held_out]
        size = 60
    chosen = rng.choice(len(pool), size=size, replace=False)
    return {"secret_objects": [pool[int(index)] for index in sorted(chosen)]}


def register() -> None:
    """Register ``rlbench/TwentyQuestions-v0``."""
    from rlbench_suite.registry import MDPFamily

    register_language_env(
        "rlbench/TwentyQuestions-v0",
        "rlbench_suite.envs.language.twenty_questions:TwentyQuestionsEnv",
        agents=("random", "twentyq_infogain"),
        expert_agent="twentyq_infogain",
        max_episode_steps=MAX_QUESTIONS,
        summary="LMRL-Gym's Twenty Questions: find one of 171 objects with yes/no questions",
        mdp_family=MDPFamily(
            secret_object_family,
            "hidden-object pool: 60 of 137 training objects; held out 20 of 34 other objects",
        ),
    )


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``TwentyQuestionsEnv(**env_kwargs)``: [-20, 0].

    :meth:`TwentyQuestionsEnv._turn` pays -1 for every turn (question, wrong guess or
    malformed text) except the correct guess, which pays 0 and ends the episode. Lowest:
    ``max_questions`` turns without finding the object, -20 by default; highest: guessing it
    on the first turn, 0.
    """
    import inspect

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(TwentyQuestionsEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    return -float(arguments.arguments["max_questions"]), 0.0
