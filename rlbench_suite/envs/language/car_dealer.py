"""CarDealer-v0: sell a car from the lot to a rule-based buyer, by free-text negotiation.

## Description

LMRL-Gym's Car Dealer task (Abdulhai et al., 2023), with the agent as the seller. A customer
walks into the dealership with a hidden profile drawn from the reset seed: a personality
(``aggressive`` haggler, ``polite``, ``impatient``, ``indecisive``), the car type they want
(sedan, SUV, truck, sports car, minivan, hatchback), a preferred brand, two or three wanted
features (sunroof, leather seats, backup camera, navigation, all-wheel drive, ...) and a budget
of $10k, $30k, $50k, $70k or $90k. The lot is 28 cars (``data/cars.json``: year, brand, model,
type, condition, features, list price) and is listed in the opening text.

The buyer reads the seller's text: prices (``$45,000``, ``$45k``, ``45k``, ``45,000``,
``45000 dollars``, ``45 thousand``; see :func:`parse_prices`), car models (``RAV4``,
``Toyota RAV4``, ``F-150``), types, brands and features, and the seller's intents (greeting,
asking about needs, budget, brand or features, a final offer, accepting the buyer's offer). It
answers in sentences, tells what it wants when asked, reacts to a pitched car, and haggles.

The buyer's reservation price (its limit) for a car is ``fit * keenness * min(budget, list
price)``, where ``fit`` is 0 for a car of another type (it will not buy it at any price) and
otherwise ``0.8 + 0.1 * (brand matches) + 0.1 * (share of wanted features the car has)``, and
``keenness``, drawn from ``U(0.85, 1)`` with the profile, is private; see
:func:`reservation_price`. How it haggles:

- **Anchoring.** The first price the seller names for a car is judged against the car's list
  price (the lot shows it). Up to 115% of it is credible. Above that it is steep ("well above
  the sticker price"): trust drops to 95%. Above 150% it is absurd: an aggressive or impatient
  buyer walks out at once; a polite or indecisive one says so, its trust drops to 80% and it
  loses a third of its remaining patience. Trust multiplies the limit for the rest of the talk
  (every car), so an absurd opening lowers every later counter-offer and the highest price it
  will take.
- **Counter-offers and reciprocity.** It counters every price above what it would pay. Its
  first counter for a car is a share of its limit (the table), rounded down to $500; later
  ones rise by at most its concession share of the room left to its limit and at most its
  reciprocity times the seller's last cut, so it moves as the seller moves, and never reaches
  its limit. It accepts a price at or below its standing or next counter-offer.
- **Stalling.** A price for the same car that is not at least 1% of the gap (seller's lowest
  price so far minus the buyer's counter) below the seller's lowest so far is stalling: a
  raise ("You offered $X before!"), the same price ("You haven't moved on the price.") or a
  token cut such as $1 ("That's hardly a move."). The buyer does not move its counter and
  loses a second unit of patience that turn.
- **Its limit stays private.** It never states its limit. Asked for its budget it states the
  budget (aggressive buyers 80% of it, indecisive ones a range up to it), which bounds the
  limit from above but is not it. A "final offer" at or under its limit is accepted by any
  buyer. Above it, an aggressive or impatient buyer walks away; a polite or indecisive one
  answers once with its next counter-offer ("That's more than I can pay. I could do $X."), below
  its limit, and walks away on a second.
- **Walking away.** It leaves when a final offer above its limit meets an aggressive or
  impatient buyer, or a polite or indecisive one for the second time on a car; on an absurd
  opening if it is aggressive or impatient; and when its patience runs out. Each turn costs
  one unit of patience, a stalling turn two, an absurd opening a third of what is left. Two
  units before it would leave, it says it does not have ``much more time``.

| personality | first counter | concession per turn | reciprocity | patience (turns) | states budget as | final offer above its limit | absurd opening |
|-------------|---------------|---------------------|-------------|------------------|------------------|-----------------------------|----------------|
| aggressive | 55% of its limit | 20% of the room | 0.5 x the cut | 14 | 80% of it | walks away | walks away |
| polite | 70% | 30% | 1 x | 20 | exactly | counters once, then walks | trust 80% |
| impatient | 75% | 45% | 1 x | 7 | exactly | walks away | walks away |
| indecisive | 65% | 25% (wavers 30% of turns) | 0.75 x | 24 | a range up to it | counters once, then walks | trust 80% |

So a seller does well by opening at a credible price, conceding in real steps and closing near
the limit it reads from the buyer's counters; scripts that open at absurd prices, cut $1 at a
time, repeat a line or take the first counter do far worse (``benchmarks/car_dealer_scripts.py``
prints the table). Where this differs from LMRL-Gym: LMRL-Gym's buyer is a language model
fine-tuned on GPT-3.5 dialogues; ours is rule-based and deterministic under the seed, and
replaceable.

## Action Space

``Text(max_length=400, charset=string.printable)``: what the seller says.
:meth:`CarDealerEnv.action_vocabulary` is a fixed list of 101 templated utterances (greetings
and questions, a pitch with and without the list price for each car, ``I can do $X.`` and
``That's my final offer of $X.`` for $5,000 to $95,000 in steps of $5,000, and ``I accept your
offer.``) for the ``Discrete`` wrapper; the random agent draws from it.

## Observation Space

``Text(max_length=20000, charset=string.printable)``: the transcript, the opening text (the
situation, the lot with list prices, the buyer's first line) then
``"\\n> {seller text}\\nBuyer: {reply}"`` for every turn:

| piece | example |
|-------|---------|
| opening | ``You are a salesperson at a car dealership... The lot: - 2014 Toyota Corolla ...`` |
| needs | ``Buyer: I'm looking for an SUV, ideally a Toyota. I'd like a sunroof and navigation.`` |
| counter | ``Buyer: That's too much. I'll give you $36,500.`` |
| deal | ``Buyer: Deal! I'll take the 2023 Toyota RAV4 for $30,000.`` |
| malformed text | ``Buyer: Sorry, I didn't follow. Tell me about a car or a price.`` |

## Rewards

The sale price in thousands of dollars (``price / 1000``) on the turn the buyer accepts, 0 on
every other turn; no sale, no reward, as in LMRL-Gym. Text with nothing the buyer can use (no
price, car, type, brand, feature or recognised intent) gets a complaint and sets
``info["invalid_action"]``; it costs nothing beyond the turn (and the buyer's patience).

## Starting State

The buyer's profile is drawn with the reset seed: personality, type and wanted features
uniformly, brand uniformly among the brands on the lot that make that type, budget uniformly
from the five levels, keenness from ``U(0.85, 1)``.

## Episode End

Termination when the buyer accepts or rejects (walks away); truncation after ``max_turns`` (50)
seller turns. ``gym.make`` adds a ``TimeLimit`` of 50 steps.

## Arguments

```python
gym.make("rlbench/CarDealer-v0", buyer=None, max_turns=50, patience_scale=1.0,
         concession_scale=1.0, render_mode=None)
```

- ``buyer``: ``buyer(profile: dict, transcript: str, seller_text: str) -> (reply, outcome)``
  replaces the rule-based buyer. ``profile`` has ``personality``, ``car_type``, ``brand``,
  ``features`` (list), ``budget`` (dollars) and ``keenness``; ``transcript`` is the conversation before this
  turn. ``outcome`` is ``None`` (the talk goes on), ``"reject"`` (the buyer leaves) or
  ``("accept", price_in_dollars)``. The env still flags blank text as invalid without calling
  the buyer. To pickle the env the callable must pickle (a module-level function).
- ``max_turns``: seller turns before truncation (pass ``max_episode_steps`` to ``gym.make`` as
  well when raising it above 50).
- ``patience_scale``, ``concession_scale``: multiply every personality's patience and
  concession rate (harder buyers below 1).
- ``render_mode``: ``"ansi"`` returns the transcript.

MDP family (:func:`buyer_family`): the market. In distribution both scales are drawn from
``U(0.8, 1.25)``; held out, from ``U(0.4, 0.6)`` (impatient buyers who barely move).

``info`` carries ``success`` (a sale), ``invalid_action``, ``turns``, ``invalid_actions``,
``sold`` (0 or 1) and ``price`` (dollars, 0 without a sale).

## Reference Scores

``rlbench evaluate --episodes 100 --seed 0`` (mean return, 95% interval, sale rate):

| agent | mean return | sale rate | mean price of a sale |
|-------|-------------|-----------|----------------------|
| ``dealer_negotiator`` | 38.69 +- 3.72 | 100% | $38,692 |
| random (uniform over the vocabulary) | 1.50 +- 1.02 | 11% | $13,591 |

The mean reservation price of the best car for each of those 100 buyers is $39,099, an upper
bound for any seller; the negotiator gets 99% of it. A seller that haggles sensibly without
reading the limit (halving the gap each turn, taking the buyer's offer when it is within $1,000
or the buyer warns) gets about 31 on the first 50 buyers, against the negotiator's 38.41.
Degenerate scripts over the same 50 buyers (``python benchmarks/car_dealer_scripts.py``):

| script | mean return | of the expert |
|--------|-------------|---------------|
| repeat one line; "deal" at once | 0.00 | 0% |
| $999,999, then $1 lower a turn, take the offer on the warning | 2.51 +- 2.00 | 7% |
| a "final offer" at the list price, take the reply | 10.63 +- 4.16 | 28% |
| $999,999, then the negotiator | 12.79 +- 5.03 | 33% |
| a "final offer" at the stated budget, take the reply | 15.52 +- 4.90 | 40% |
| list price, then $1 lower a turn (or the same line), take the offer on the warning | 16.72 +- 4.07 | 44% |
| take the buyer's first counter | 25.08 +- 3.47 | 65% |
| cut 1.1% of the gap a turn, take the offer on the warning | 25.30 +- 3.47 | 66% |

The dealer has no price floor (LMRL-Gym's reward is the price alone), so a cheap sale of a dear
car still counts as a sale.

## Version History

- v0: 28-car lot, four buyer personalities, rule-based buyer. Revised (issue 15): the buyer
  judges the opening price against the list price (trust, walk-aways), reads token cuts as
  stalling, concedes in reciprocity and has a private keenness, so it never states its limit;
  the negotiator reads the limit from the first counter. Returns are not comparable with
  earlier scores.

## Credits

Task and reward: LMRL-Gym (Abdulhai et al., "LMRL Gym: Benchmarks for Multi-Turn Reinforcement
Learning with Language Models", 2023). The lot, the buyer's rules and wording are written for
this package.

Example:
    >>> import gymnasium as gym, rlbench_suite.envs.language
    >>> env = gym.make("rlbench/CarDealer-v0")
    >>> observation, info = env.reset(seed=1)
    >>> print(env.step("Hi! What kind of car are you looking for?")[0].splitlines()[-1])
    Buyer: Hello, nice to meet you. I'm looking for a sports car, ideally a Nissan.
    >>> print(env.step("What's your budget?")[0].splitlines()[-1])
    Buyer: My budget is $30,000.
    >>> print(env.step("Take a look at the Nissan Z: yours for 35k.")[0].splitlines()[-1])
    Buyer: The Z looks good, and it has a backup camera, though it has no convertible top or sunroof. That's over my budget. That's a bit more than I hoped to spend. Would you take $17,500?
    >>> print(env.step("I can do $34,990.")[0].splitlines()[-1])
    Buyer: That's hardly a move. That's over my budget. That's a bit more than I hoped to spend. Would you take $17,500?
    >>> print(env.step("I can do 30k.")[0].splitlines()[-1])
    Buyer: That's a bit more than I hoped to spend. Would you take $19,500?
    >>> observation, reward, terminated, truncated, info = env.step("I accept your offer.")
    >>> terminated, info["sold"], reward == info["price"] / 1000
    (True, 1, True)

"""  # noqa: E501 -- the personality table is one row per line

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rlbench_suite.envs.language.base import LanguageEnv, Turn, register_language_env

DATA_FILE = Path(__file__).parent / "data" / "cars.json"
MAX_TURNS = 50
BUDGETS = (10_000, 30_000, 50_000, 70_000, 90_000)
#: Counter-offers are whole multiples of this many dollars, rounded down.
PRICE_STEP = 500
#: The buyer warns when this much patience is left.
PATIENCE_WARNING = 2
#: The buyer's private keenness, a factor of its reservation price it never states.
KEENNESS_RANGE = (0.85, 1.0)
#: A seller's cut of less than this share of the gap to the buyer's offer is stalling.
STALL_SHARE = 0.01
#: An opening price above this multiple of the car's list price is steep; above ABSURD, absurd.
STEEP_OPENING = 1.15
ABSURD_OPENING = 1.5
#: What a steep or an absurd opening leaves of the buyer's trust (a factor of its limit).
STEEP_TRUST = 0.95
ABSURD_TRUST = 0.8
COMPLAINT = "Sorry, I didn't follow. Tell me about a car or a price."
WARNING = "I don't have much more time."
BUYER_PREFIX = "Buyer: "

Outcome = tuple[str, float] | str | None
BuyerFn = Callable[[dict[str, Any], str, str], tuple[str, Outcome]]


@dataclass(frozen=True)
class Personality:
    """How a buyer haggles; fractions are of its reservation price or of the remaining gap."""

    name: str
    first_counter: float
    concession: float  # the most it concedes a turn, a share of the room left to its limit
    reciprocity: float  # the most it concedes a turn, a multiple of the seller's last cut
    patience: int
    budget_shading: float  # the share of its budget it admits to
    counters_final: bool  # on a final offer above its limit, counters once (else walks)
    walks_on_absurd: bool  # leaves at once on an absurd opening (else loses patience)
    waver_probability: float
    greeting: str
    opening_line: str
    counter_line: str  # formatted with the counter price


PERSONALITIES: dict[str, Personality] = {
    p.name: p
    for p in (
        Personality(
            "aggressive", 0.55, 0.20, 0.5, 14, 0.8, False, True, 0.0,
            "Let's get down to business.",
            "I know what these cars are worth, so don't try anything.",
            "No way. I'll pay {price}, not a cent more.",
        ),
        Personality(
            "polite", 0.70, 0.30, 1.0, 20, 1.0, True, False, 0.0,
            "Hello, nice to meet you.",
            "Good morning! I'm hoping to buy a car today.",
            "That's a bit more than I hoped to spend. Would you take {price}?",
        ),
        Personality(
            "impatient", 0.75, 0.45, 1.0, 7, 1.0, False, True, 0.0,
            "Hi. Let's make this quick.",
            "I haven't got long, so let's be quick about this.",
            "Too much. I'll give you {price}.",
        ),
        Personality(
            "indecisive", 0.65, 0.25, 0.75, 24, 1.0, True, False, 0.3,
            "Oh, hello.",
            "Hi... I'm not really sure what I want yet.",
            "Hmm, that seems high. Maybe {price}?",
        ),
    )
}  # fmt: skip


# -- the lot and the vocabulary ---------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, everything but letters and digits to single spaces."""
    text = text.lower().replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class Car:
    """One car on the lot."""

    year: int
    brand: str
    model: str
    type: str
    condition: str
    list_price: int
    features: tuple[str, ...]
    aliases: tuple[str, ...]

    @property
    def name(self) -> str:
        """``2023 Toyota RAV4``."""
        return f"{self.year} {self.brand} {self.model}"


@dataclass(frozen=True)
class Lot:
    """The cars and the words the buyer recognises, loaded from ``data/cars.json``."""

    cars: tuple[Car, ...]
    types: dict[str, tuple[str, ...]]  # type -> features buyers of it may want
    brands: tuple[str, ...]
    features: tuple[str, ...]
    phrases: dict[str, tuple[tuple[str, Any], ...]]  # kind -> (normalised phrase, key)

    def find(self, kind: str, text: str) -> list[Any]:
        """The ``kind`` keys (``car``, ``type``, ``brand``, ``feature``) mentioned in ``text``.

        In order of first mention, longest phrase first (``golf gti`` before ``gti``).
        """
        padded = f" {normalise(text)} "
        found: list[tuple[int, Any]] = []
        for phrase, key in self.phrases[kind]:
            needle = f" {phrase} "
            position = padded.find(needle)
            if position >= 0:
                padded = padded.replace(needle, " | ")
                if key not in (k for _, k in found):
                    found.append((position, key))
        return [key for _, key in sorted(found, key=lambda item: item[0])]


def _table(entries: list[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    unique = {(normalise(phrase), key) for phrase, key in entries if normalise(phrase)}
    return tuple(sorted(unique, key=lambda item: (-len(item[0]), item[0], str(item[1]))))


@lru_cache(maxsize=1)
def load_lot() -> Lot:
    """The dealership's lot (read once per process)."""
    data = json.loads(DATA_FILE.read_text(encoding="ascii"))
    cars = tuple(
        Car(
            year=entry["year"],
            brand=entry["brand"],
            model=entry["model"],
            type=entry["type"],
            condition=entry["condition"],
            list_price=entry["list_price"],
            features=tuple(entry["features"]),
            aliases=tuple(entry["aliases"]),
        )
        for entry in data["cars"]
    )
    car_entries: list[tuple[str, Any]] = []
    for index, car in enumerate(cars):
        names = [f"{car.brand} {car.model}", car.name, *car.aliases]
        # A one-letter model ("Z") is only a name together with its brand.
        if len(normalise(car.model)) >= 2:
            names.append(car.model)
        car_entries += [(name, index) for name in names]
    brand_names = {brand: [brand, *entry["aliases"]] for brand, entry in data["brands"].items()}
    phrases = {
        "car": _table(car_entries),
        "type": _table(
            [(p, name) for name, e in data["types"].items() for p in [name, *e["aliases"]]]
        ),
        "brand": _table([(p, name) for name, aliases in brand_names.items() for p in aliases]),
        "feature": _table(
            [(p, name) for name, e in data["features"].items() for p in [name, *e["aliases"]]]
        ),
    }
    return Lot(
        cars=cars,
        types={name: tuple(entry["wanted_features"]) for name, entry in data["types"].items()},
        brands=tuple(data["brands"]),
        features=tuple(data["features"]),
        phrases=phrases,
    )


# -- reading prices ----------------------------------------------------------------------------

PRICE_PATTERN = re.compile(
    r"(?P<dollar>\$\s*)?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<unit>k|thousand|grand)\b)?"
    r"(?:\s*(?P<word>dollars?|bucks|usd)\b)?",
    re.IGNORECASE,
)


def parse_prices(text: str) -> list[int]:
    """Every price in ``text``, in dollars, in order.

    A number counts as a price when it has a ``$``, a ``k``/``thousand``/``grand`` or a
    ``dollars``/``bucks``/``usd`` next to it, thousands separators (``45,000``), or five or more
    digits (``45000``). Bare numbers of four digits or fewer are not prices: they are years
    (``2023``), model numbers (``F-150``, ``911``) or counts.
    """
    prices = []
    for match in PRICE_PATTERN.finditer(text):
        before = text[match.start() - 1] if match.start() > 0 else " "
        if not match.group("dollar") and (before.isalnum() or before == "-"):
            continue  # part of a model name: "A6", "F-150", "MX-5"
        raw = match.group("number")
        marked = any(match.group(name) for name in ("dollar", "unit", "word"))
        value = float(raw.replace(",", ""))
        if not (marked or "," in raw or (raw.isdigit() and len(raw) >= 5)):
            continue
        if match.group("unit"):
            value *= 1000
        if value > 0:
            prices.append(round(value))
    return prices


def format_price(dollars: float) -> str:
    """``$45,000``."""
    return f"${round(dollars):,}"


# -- the seller's words ------------------------------------------------------------------------

INTENT_PHRASES: dict[str, tuple[str, ...]] = {
    "greeting": (
        "hello", "hi", "hey", "welcome", "good morning", "good afternoon", "good evening",
        "greetings", "howdy",
    ),
    "needs": (
        "looking for", "what kind", "what type", "what sort", "what do you need",
        "what are you after", "help you", "interested in", "what brings you", "what car",
    ),
    "budget": ("budget", "afford", "spend", "price range", "how much can", "how much are you"),
    "brand": (
        "brand", "favourite make", "favorite make", "manufacturer", "which make", "what make",
    ),
    "features": (
        "features", "feature", "must have", "must haves", "options", "extras", "matter most",
        "matters most", "important to you", "matter to you",
    ),
    "final": (
        "final offer", "final price", "best i can do", "take it or leave it", "last offer",
        "lowest i can go", "rock bottom", "my final",
    ),
    "accept": (
        "i accept", "accept your offer", "you have a deal", "youve got a deal", "its a deal",
        "deal", "agreed", "sold", "you got it", "lets do it",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class SellerUtterance:
    """What the buyer made out of one seller turn."""

    prices: tuple[int, ...]
    cars: tuple[int, ...]
    types: tuple[str, ...]
    brands: tuple[str, ...]
    features: tuple[str, ...]
    intents: frozenset[str]

    @property
    def usable(self) -> bool:
        """Whether there is anything at all the buyer can respond to."""
        return bool(
            self.prices or self.cars or self.types or self.brands or self.features or self.intents
        )


def read_seller(text: str, lot: Lot | None = None) -> SellerUtterance:
    """Parse the seller's text: prices, cars, types, brands, features and intents."""
    lot = lot or load_lot()
    padded = f" {normalise(text)} "
    intents = frozenset(
        intent
        for intent, phrases in INTENT_PHRASES.items()
        if any(f" {phrase} " in padded for phrase in phrases)
    )
    return SellerUtterance(
        prices=tuple(parse_prices(text)),
        cars=tuple(lot.find("car", text)),
        types=tuple(lot.find("type", text)),
        brands=tuple(lot.find("brand", text)),
        features=tuple(lot.find("feature", text)),
        intents=intents,
    )


# -- the buyer ---------------------------------------------------------------------------------


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0].lower() in "aeiou" or noun == "SUV" else f"a {noun}"


def _listing(items: list[str] | tuple[str, ...], conjunction: str = "and") -> str:
    items = list(items)
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


#: Features spoken of as "a ..." ("a sunroof", but "leather seats", "navigation").
COUNTABLE_FEATURES = frozenset(("sunroof", "backup camera", "towing package", "convertible top"))


def _features(features: list[str] | tuple[str, ...], conjunction: str = "and") -> str:
    """``a sunroof, heated seats and navigation``."""
    spoken = [f"a {feature}" if feature in COUNTABLE_FEATURES else feature for feature in features]
    return _listing(spoken, conjunction)


def floor_price(dollars: float) -> int:
    """``dollars`` rounded down to a multiple of :data:`PRICE_STEP`."""
    return int(math.floor(dollars / PRICE_STEP + 1e-9) * PRICE_STEP)


def reservation_price(profile: dict[str, Any], car: Car) -> float:
    """The most the buyer with ``profile`` pays for ``car``: ``fit * keenness * min(budget, list)``.

    ``fit`` is 0 for a car of another type, else 0.8 + 0.1 for the preferred brand + 0.1 times
    the share of wanted features the car has. ``keenness`` (``profile["keenness"]``, 1 when
    absent) is private: the buyer never states it.
    """
    if car.type != profile["car_type"]:
        return 0.0
    wanted = profile["features"]
    feature_share = sum(feature in car.features for feature in wanted) / len(wanted)
    fit = 0.8 + 0.1 * (car.brand == profile["brand"]) + 0.1 * feature_share
    return fit * profile.get("keenness", 1.0) * min(profile["budget"], car.list_price)


@dataclass
class RuleBasedBuyer:
    """The built-in buyer: reads the seller's text, answers, haggles, accepts or walks away."""

    profile: dict[str, Any]
    personality: Personality
    patience: int
    concession: float
    car: int | None = None
    greeted: bool = False
    trust: float = 1.0  # a factor of its reservation price, lowered by steep openings
    counters: dict[int, int] = field(default_factory=dict)  # car -> standing counter-offer
    lowest_asks: dict[int, int] = field(default_factory=dict)  # car -> seller's lowest price
    final_countered: set[int] = field(default_factory=set)  # cars whose final offer it countered

    def respond(self, text: str, rng: np.random.Generator) -> tuple[str, Outcome, bool]:
        """(reply, outcome, invalid) for the seller's ``text``."""
        lot = load_lot()
        said = read_seller(text, lot)
        if not said.usable:
            return (*self._close_turn([COMPLAINT]), True)
        profile, sentences = self.profile, []
        if "greeting" in said.intents and not self.greeted:
            sentences.append(self.personality.greeting)
        self.greeted = True
        if "needs" in said.intents:
            sentences.append(
                f"I'm looking for {_article(profile['car_type'])}, "
                f"ideally {_article(profile['brand'])}."
            )
        elif "brand" in said.intents:
            sentences.append(f"I'm partial to {profile['brand']}.")
        if "features" in said.intents:
            sentences.append(f"I'd like {_features(profile['features'])}.")
        if "budget" in said.intents:
            sentences.append(self._budget_sentence())
        if said.cars:
            if said.cars[-1] != self.car:
                self.car = said.cars[-1]
                sentences.append(self._reaction(lot.cars[self.car]))
        elif said.types:
            wanted = [kind for kind in said.types if kind == profile["car_type"]]
            sentences.append(
                f"Yes, {_article(profile['car_type'])} is what I want."
                if wanted
                else f"I'm not interested in {_article(said.types[-1])}."
            )
        elif said.features and "features" not in said.intents:
            liked = [feature for feature in said.features if feature in profile["features"]]
            sentences.append(
                f"I do want {_features(liked)}." if liked else "That doesn't matter much to me."
            )
        elif said.brands and "brand" not in said.intents:
            liked_brand = profile["brand"] in said.brands
            sentences.append("I like that brand." if liked_brand else "Not my favourite brand.")
        outcome: Outcome = None
        if said.prices:
            outcome = self._negotiate(said.prices[-1], "final" in said.intents, sentences, rng)
        elif "accept" in said.intents:
            outcome = self._take_counter(sentences)
        if outcome is not None:
            return " ".join(sentences), outcome, False
        if not sentences:
            sentences.append("Go on.")
        return (*self._close_turn(sentences), False)

    def _close_turn(self, sentences: list[str]) -> tuple[str, Outcome]:
        """Spend a unit of patience; leave when it is gone, warn when it is nearly gone."""
        self.patience -= 1
        if self.patience <= 0:
            sentences.append("I've spent long enough here. Goodbye.")
            return " ".join(sentences), "reject"
        if self.patience == PATIENCE_WARNING:
            sentences.append(WARNING)
        return " ".join(sentences), None

    def _budget_sentence(self) -> str:
        budget = self.profile["budget"]
        stated = format_price(budget * self.personality.budget_shading)
        if self.personality.name == "aggressive":
            return f"I can't go above {stated}."
        if self.personality.name == "indecisive":
            return f"Somewhere between {format_price(0.8 * budget)} and {stated}, I think."
        return f"My budget is {stated}."

    def _reaction(self, car: Car) -> str:
        profile = self.profile
        if car.type != profile["car_type"]:
            wanted = _article(profile["car_type"])
            return f"The {car.model} is {_article(car.type)}; I'm after {wanted}."
        has = [feature for feature in profile["features"] if feature in car.features]
        lacks = [feature for feature in profile["features"] if feature not in car.features]
        sentence = f"The {car.model} looks good"
        if has:
            sentence += f", and it has {_features(has)}"
        if lacks:
            sentence += f", though it has no {_listing(lacks, 'or')}"
        if car.brand != profile["brand"]:
            sentence += f". It isn't {_article(profile['brand'])}, but I'll consider it"
        return sentence + "."

    def _accept(self, price: int, sentences: list[str]) -> Outcome:
        assert self.car is not None
        sentences.append(
            f"Deal! I'll take the {load_lot().cars[self.car].name} for {format_price(price)}."
        )
        return ("accept", float(price))

    def _take_counter(self, sentences: list[str]) -> Outcome:
        if self.car is not None and self.car in self.counters:
            return self._accept(self.counters[self.car], sentences)
        sentences.append("We haven't agreed on a price yet.")
        return None

    def _judge_opening(self, price: int, car: Car, sentences: list[str]) -> Outcome:
        """Anchoring: the first price for a car, against its list price, sets the buyer's trust."""
        ratio = price / car.list_price
        if ratio > ABSURD_OPENING:
            if self.personality.walks_on_absurd:
                sentences.append(
                    f"{format_price(price)} for a car that lists at "
                    f"{format_price(car.list_price)}? I'm not wasting my time here."
                )
                return "reject"
            self.trust *= ABSURD_TRUST
            self.patience -= self.patience // 3
            sentences.append(
                f"That's absurd for a car that lists at {format_price(car.list_price)}. "
                "I'm not sure I can trust you."
            )
        elif ratio > STEEP_OPENING:
            self.trust *= STEEP_TRUST
            sentences.append("That's well above the sticker price.")
        return None

    def _negotiate(
        self, price: int, final: bool, sentences: list[str], rng: np.random.Generator
    ) -> Outcome:
        if self.car is None:
            sentences.append("Which car is that price for?")
            return None
        car = load_lot().cars[self.car]
        if reservation_price(self.profile, car) <= 0:
            sentences.append(f"The price doesn't matter; {_article(car.type)} isn't what I want.")
            return None
        lowest = self.lowest_asks.get(self.car)
        counter = self.counters.get(self.car)
        cut = 0
        if lowest is None:
            if self._judge_opening(price, car, sentences) == "reject":
                return "reject"
        else:
            cut = lowest - price
            gap = lowest - (counter if counter is not None else 0)
            if cut < STALL_SHARE * gap:
                # Not moving, or moving by a token amount, wears the buyer's patience down twice
                # as fast, and it does not move either.
                self.patience -= 1
                cut = 0
                sentences.append(
                    f"You offered {format_price(lowest)} before!"
                    if price > lowest
                    else "You haven't moved on the price."
                    if price == lowest
                    else "That's hardly a move."
                )
        limit = self.trust * reservation_price(self.profile, car)
        self.lowest_asks[self.car] = price if lowest is None else min(price, lowest)
        if counter is not None and price <= counter:
            return self._accept(price, sentences)
        if counter is None:
            next_counter = floor_price(self.personality.first_counter * limit)
        else:
            # Reciprocity: it concedes no more than its share of the room left to its limit and
            # no more than its multiple of the seller's cut.
            step = min(self.concession * (limit - counter), self.personality.reciprocity * cut)
            next_counter = max(counter, floor_price(counter + max(0.0, step)))
        if final:
            if price <= limit:
                return self._accept(price, sentences)
            if self.personality.counters_final and self.car not in self.final_countered:
                # It never names its limit: it answers with its next counter-offer, below it.
                self.final_countered.add(self.car)
                self.counters[self.car] = next_counter
                sentences.append(
                    f"That's more than I can pay. I could do {format_price(next_counter)}."
                )
                return None
            sentences.append("Then we have no deal. I'll shop elsewhere.")
            return "reject"
        if price <= next_counter:
            return self._accept(price, sentences)
        if counter is not None and rng.random() < self.personality.waver_probability:
            sentences.append("Hmm, I'm not sure. Let me think about it.")
            return None
        self.counters[self.car] = next_counter
        if price > self.profile["budget"]:
            sentences.append("That's over my budget.")
        sentences.append(self.personality.counter_line.format(price=format_price(next_counter)))
        return None


def sample_profile(rng: np.random.Generator, lot: Lot | None = None) -> dict[str, Any]:
    """A buyer profile: personality, car type, brand, wanted features, budget, keenness."""
    lot = lot or load_lot()
    personality = str(rng.choice(list(PERSONALITIES)))
    car_type = str(rng.choice(list(lot.types)))
    brands = sorted({car.brand for car in lot.cars if car.type == car_type})
    brand = brands[int(rng.integers(len(brands)))]
    pool = lot.types[car_type]
    count = int(rng.integers(2, 4))
    features = [pool[int(index)] for index in sorted(rng.choice(len(pool), count, replace=False))]
    budget = int(BUDGETS[int(rng.integers(len(BUDGETS)))])
    keenness = float(rng.uniform(*KEENNESS_RANGE))
    return {
        "personality": personality,
        "car_type": car_type,
        "brand": brand,
        "features": features,
        "budget": budget,
        "keenness": keenness,
    }


# -- the env -----------------------------------------------------------------------------------

VOCABULARY_QUESTIONS = (
    "Hello! Welcome to the dealership.",
    "What kind of car are you looking for?",
    "Which features matter most to you?",
    "What's your budget?",
    "Do you have a favourite brand?",
    "Welcome! What kind of car are you looking for, which features matter to you, and what's "
    "your budget?",
)
PRICE_GRID = tuple(range(5_000, 95_001, 5_000))


def pitch(car: Car, with_price: bool = True) -> str:
    """The templated pitch for ``car``: its features and, optionally, its list price."""
    text = f"Let me show you the {car.name}, {_article(car.type)} with {_features(car.features)}."
    return text + (f" It lists at {format_price(car.list_price)}." if with_price else "")


class CarDealerEnv(LanguageEnv):
    """Sell a car to a rule-based (or user-supplied) buyer; see the module docstring."""

    def __init__(
        self,
        buyer: BuyerFn | None = None,
        max_turns: int = MAX_TURNS,
        patience_scale: float = 1.0,
        concession_scale: float = 1.0,
        render_mode: str | None = None,
    ) -> None:
        if buyer is not None and not callable(buyer):
            raise TypeError(
                "CarDealerEnv: buyer must be a callable buyer(profile, transcript, seller_text) "
                f"-> (reply, outcome) or None, got {type(buyer).__name__}"
            )
        for name, value in (
            ("patience_scale", patience_scale),
            ("concession_scale", concession_scale),
        ):
            if not (isinstance(value, int | float) and value > 0):
                raise ValueError(f"CarDealerEnv: {name} must be a positive number, got {value!r}")
        super().__init__(max_turns=max_turns, render_mode=render_mode)
        self.buyer = buyer
        self.patience_scale = float(patience_scale)
        self.concession_scale = float(concession_scale)
        self.lot = load_lot()
        self.profile: dict[str, Any] = {}
        self.rule_buyer: RuleBasedBuyer | None = None
        self.sold = False
        self.price = 0.0

    def action_vocabulary(self) -> list[str]:
        """Greetings and questions, pitches per car, prices on a grid, final offers, acceptance."""
        pitches = [pitch(car, with_price) for car in self.lot.cars for with_price in (True, False)]
        offers = [f"I can do {format_price(price)}." for price in PRICE_GRID]
        finals = [f"That's my final offer of {format_price(price)}." for price in PRICE_GRID]
        return [*VOCABULARY_QUESTIONS, *pitches, *offers, *finals, "I accept your offer."]

    def _begin(self) -> str:
        self.profile = sample_profile(self.np_random, self.lot)
        personality = PERSONALITIES[self.profile["personality"]]
        self.rule_buyer = RuleBasedBuyer(
            profile=self.profile,
            personality=personality,
            patience=max(2, round(personality.patience * self.patience_scale)),
            concession=min(0.9, personality.concession * self.concession_scale),
        )
        self.sold, self.price = False, 0.0
        lines = [
            "You are a salesperson at a car dealership, and a customer has just walked in. Find "
            "out what they want, show them a car from the lot and agree on a price: your reward "
            "is the sale price in thousands of dollars, and nothing if they leave. The lot:"
        ]
        lines += [
            f"- {car.name} ({car.condition} {car.type}; {', '.join(car.features)}): "
            f"{format_price(car.list_price)}"
            for car in self.lot.cars
        ]
        lines.append(BUYER_PREFIX + personality.opening_line)
        return "\n".join(lines)

    def _turn(self, action: str) -> Turn:
        if self.buyer is None:
            assert self.rule_buyer is not None
            reply, outcome, invalid = self.rule_buyer.respond(action, self.np_random)
        elif not action.strip():
            reply, outcome, invalid = COMPLAINT, None, True
        else:
            reply, outcome = self._ask_user_buyer(action)
            invalid = False
        reply = BUYER_PREFIX + reply
        if outcome is None:
            return Turn(reply, 0.0, invalid=invalid)
        if outcome == "reject":
            return Turn(reply, 0.0, terminated=True, invalid=invalid)
        self.sold, self.price = True, float(outcome[1])
        return Turn(reply, self.price / 1000.0, terminated=True, success=True)

    def _ask_user_buyer(self, action: str) -> tuple[str, Outcome]:
        assert self.buyer is not None
        result = self.buyer(dict(self.profile), self.transcript, action)
        expected = 'a (reply: str, outcome) pair, outcome None, "reject" or ("accept", price > 0)'
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], str)):
            raise TypeError(f"CarDealerEnv: the buyer must return {expected}, got {result!r}")
        reply, outcome = result
        accepted = (
            isinstance(outcome, tuple)
            and len(outcome) == 2
            and outcome[0] == "accept"
            and isinstance(outcome[1], int | float)
            and math.isfinite(outcome[1])
            and outcome[1] > 0
        )
        if not (outcome is None or outcome == "reject" or accepted):
            raise ValueError(f"CarDealerEnv: the buyer must return {expected}, got {result!r}")
        return reply, outcome

    def _extra_info(self) -> dict[str, Any]:
        return {"sold": int(self.sold), "price": self.price}


def buyer_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """MDP family: patience and concession scales U(0.8, 1.25); held out U(0.4, 0.6)."""
    low, high = (0.8, 1.25) if split == "in_distribution" else (0.4, 0.6)
    return {
        "patience_scale": float(rng.uniform(low, high)),
        "concession_scale": float(rng.uniform(low, high)),
    }


def register() -> None:
    """Register ``rlbench/CarDealer-v0``."""
    from rlbench_suite.registry import MDPFamily

    register_language_env(
        "rlbench/CarDealer-v0",
        "rlbench_suite.envs.language.car_dealer:CarDealerEnv",
        agents=("random", "dealer_negotiator"),
        expert_agent="dealer_negotiator",
        max_episode_steps=MAX_TURNS,
        summary="LMRL-Gym's Car Dealer as the seller: haggle with a rule-based buyer",
        mdp_family=MDPFamily(
            buyer_family, "buyer patience and concession scales U(0.8, 1.25); held out U(0.4, 0.6)"
        ),
    )


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``CarDealerEnv(**env_kwargs)``.

    Only the turn the buyer accepts pays, ``price / 1000``, and it ends the episode, so the
    return is one accepted price (in thousands) or 0. No price is negative (the parser reads
    none), so the lowest return is 0. The built-in buyer accepts no more than its standing
    counter-offer or its reservation price :func:`reservation_price`, and every counter-offer
    starts at ``first_counter`` times that price and concedes toward it. So the highest return
    is the largest reservation price any buyer can have for any car on the lot, times the
    largest first counter when that exceeds 1: a buyer of the car's type and brand who wants
    only features it has, with the largest of :data:`BUDGETS` and the largest keenness, 1
    (trust, which the seller's openings lower, is at most 1 as well). A ``buyer`` of the user's may
    accept any positive price, so then the top is infinite.
    """
    import inspect

    # Binding to the class's own signature reads its defaults, so none is typed here twice.
    arguments = inspect.signature(CarDealerEnv).bind(**env_kwargs)
    arguments.apply_defaults()
    if arguments.arguments["buyer"] is not None:
        return 0.0, math.inf
    best_limit = max(
        reservation_price(
            {
                "car_type": car.type,
                "brand": car.brand,
                "features": list(car.features),
                "budget": max(BUDGETS),
                "keenness": max(KEENNESS_RANGE),
            },
            car,
        )
        for car in load_lot().cars
    )
    first_counter = max(personality.first_counter for personality in PERSONALITIES.values())
    return 0.0, max(1.0, first_counter) * best_limit / 1000.0
