"""CarDealer's expert: a seller that asks, pitches the best match, reads the buyer's limit, closes.

The negotiator plays from the transcript, reading the buyer's replies as a salesperson would:
the buyer's manner (its opening line), the car type, brand, features and budget it names, and
its counter-offers. It knows the lot, which the opening text lists, and the env's published
buyer rules. Its plan:

1. ask in one turn what kind of car the buyer wants, which features matter and the budget;
2. pitch the car with the highest value to the buyer, ``fit * min(budget, list price)`` with
   the env's published ``fit`` rule and the budget un-shaded by the buyer's manner (an
   aggressive buyer admits to 80% of it); among equals, the cheapest, so the pitch is credible.
   It opens at the car's list price: a credible anchor (an opening far above the list costs the
   buyer's trust);
3. read the buyer's first counter-offer: a buyer of a known manner counters at a published share
   of its limit, rounded down, so the counter divided by that share is a lower bound of the
   limit (with no manner recognised, the largest share gives a bound that is still safe);
4. close at once with a final offer at that bound, which the buyer accepts since it is within
   its limit; should the buyer counter instead, take the counter.

It never concedes in token steps (the buyer reads those as stalling) and never opens at an
absurd price. Against a buyer of the user's, whose counters follow other rules, its bound is a
guess and a final offer may end the talk.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from rlbench_suite.envs.language.base import transcript_turns as base_transcript_turns
from rlbench_suite.envs.language.car_dealer import (
    BUYER_PREFIX,
    PERSONALITIES,
    WARNING,
    Car,
    Personality,
    format_price,
    load_lot,
    parse_prices,
    reservation_price,
)

OPENING_QUESTION = (
    "Welcome! What kind of car are you looking for, which features matter to you, and what's "
    "your budget?"
)
ACCEPT = "I accept your offer."
#: With no manner recognised: the largest first counter, so the limit's bound stays safe.
CAUTIOUS_FIRST_COUNTER = max(p.first_counter for p in PERSONALITIES.values())


def transcript_turns(transcript: str) -> list[tuple[str, str]]:
    """(seller utterance, buyer reply) pairs read back from the transcript."""
    return [
        (utterance, reply.removeprefix(BUYER_PREFIX))
        for utterance, reply in base_transcript_turns(transcript)
    ]


def read_manner(transcript: str) -> Personality | None:
    """The buyer's personality, from its first line in the opening text; None if unknown."""
    opening = transcript.split("\n> ", 1)[0]
    for personality in PERSONALITIES.values():
        if BUYER_PREFIX + personality.opening_line in opening:
            return personality
    return None


class DealerNegotiatorAgent:
    """Ask, pitch the best-matching car at its list price, bound the buyer's limit, close."""

    def __init__(self, env: gym.Env | None = None) -> None:
        self.lot = load_lot()

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the agent is deterministic and reads its state from the transcript."""

    def needs(self, reply: str, manner: Personality | None = None) -> dict[str, Any]:
        """The profile the buyer's answer reveals (type, brand, features, budget); gaps are None.

        The budget is the largest price named, divided by the share of it the buyer's manner
        admits to; with no price, the largest budget.
        """
        types = self.lot.find("type", reply)
        brands = self.lot.find("brand", reply)
        features = self.lot.find("feature", reply)
        prices = parse_prices(reply)
        shading = manner.budget_shading if manner is not None else 1.0
        return {
            "car_type": types[0] if types else None,
            "brand": brands[0] if brands else None,
            "features": features or ["none"],
            "budget": max(prices) / shading if prices else 90_000.0,
        }

    def choose_car(self, profile: dict[str, Any]) -> Car:
        """The car with the highest value to the buyer (ties: the cheaper one)."""
        if profile["car_type"] is None:
            candidates = [car for car in self.lot.cars if car.list_price <= profile["budget"]]
            return max(candidates or self.lot.cars, key=lambda car: car.list_price)
        return max(
            self.lot.cars,
            key=lambda car: (round(reservation_price(profile, car)), -car.list_price),
        )

    def act(self, observation: Any) -> str:
        """The next thing to say."""
        transcript = str(observation)
        turns = transcript_turns(transcript)
        if not turns:
            return OPENING_QUESTION
        manner = read_manner(transcript)
        car = self.choose_car(self.needs(turns[0][1], manner))
        if len(turns) == 1:
            return (
                f"Let me show you the {car.name}: it has {', '.join(car.features)}. "
                f"For you, {format_price(car.list_price)}."
            )
        counters = [parse_prices(reply)[-1] for _, reply in turns[1:] if parse_prices(reply)]
        if not counters:
            return f"What would you pay for the {car.model}?"
        if any("final offer" in said for said, _ in turns[1:]):
            return ACCEPT  # the buyer countered the final offer: its bound was a guess
        share = manner.first_counter if manner is not None else CAUTIOUS_FIRST_COUNTER
        bound = int(counters[0] / share)
        return f"That's my final offer of {format_price(max(bound, counters[-1]))}."


FACTORIES = {"dealer_negotiator": DealerNegotiatorAgent}


# -- degenerate seller scripts: what an exploit would try -------------------------------------


class SellerScript:
    """A seller that asks the buyer's needs like the negotiator, then plays one fixed trick.

    Subclasses say what to say once the car is chosen (:meth:`after_pitch`); each reads the
    transcript only as far as its trick needs. They are tests of the buyer, not agents.
    """

    opening_price: int | None = None  # None: the car's list price

    def __init__(self, env: gym.Env | None = None) -> None:
        self.negotiator = DealerNegotiatorAgent(env)

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the script reads its state from the transcript."""

    def act(self, observation: Any) -> str:
        """The next line of the script."""
        turns = transcript_turns(str(observation))
        if not turns:
            return OPENING_QUESTION
        car = self.negotiator.choose_car(self.negotiator.needs(turns[0][1]))
        if len(turns) == 1:
            price = self.opening_price or car.list_price
            return f"Let me show you the {car.name}. It's yours for {format_price(price)}."
        asks = [parse_prices(said)[-1] for said, _ in turns[1:] if parse_prices(said)]
        return self.after_pitch(car, turns, asks)

    def after_pitch(self, car: Car, turns: list[tuple[str, str]], asks: list[int]) -> str:
        raise NotImplementedError


class RepeatLine(SellerScript):
    """Asks, pitches the car at its list price, then says that same line every turn."""

    def after_pitch(self, car: Car, turns: list[tuple[str, str]], asks: list[int]) -> str:
        return turns[1][0]


class ImmediateDeal(SellerScript):
    """Says "Deal!" every turn, from the first."""

    def act(self, observation: Any) -> str:
        return "Deal!"


class AcceptFirstCounter(SellerScript):
    """Pitches at the list price and accepts whatever the buyer first counters with."""

    def after_pitch(self, car: Car, turns: list[tuple[str, str]], asks: list[int]) -> str:
        return ACCEPT


class DollarDecrements(SellerScript):
    """Pitches at $999,999, lowers by $1 a turn, accepts the buyer's offer once it warns."""

    opening_price = 999_999

    def after_pitch(self, car: Car, turns: list[tuple[str, str]], asks: list[int]) -> str:
        if WARNING in turns[-1][1]:
            return ACCEPT
        return f"I can do {format_price(asks[-1] - 1)}."


class ListDollarDecrements(DollarDecrements):
    """Pitches at the list price, lowers by $1 a turn, accepts once the buyer warns."""

    opening_price = None


class AbsurdOpening(SellerScript):
    """Pitches at $999,999, then haggles as the negotiator would from there."""

    opening_price = 999_999

    def act(self, observation: Any) -> str:
        """The absurd pitch, then whatever the negotiator would say to the buyer's reply."""
        if len(transcript_turns(str(observation))) == 1:
            return super().act(observation)
        return self.negotiator.act(observation)


class FinalOfferProbe(SellerScript):
    """Makes a "final offer" at the list price, then accepts whatever the buyer says to it."""

    def after_pitch(self, car: Car, turns: list[tuple[str, str]], asks: list[int]) -> str:
        if len(turns) == 2:
            return f"That's my final offer of {format_price(car.list_price)}."
        return ACCEPT


class RepeatUntilWarning(SellerScript):
    """Repeats the list-price pitch, and accepts the buyer's offer once it warns."""

    def after_pitch(self, car: Car, turns: list[tuple[str, str]], asks: list[int]) -> str:
        return ACCEPT if WARNING in turns[-1][1] else turns[1][0]


class SmallSteps(SellerScript):
    """Concedes just over 1 % of the gap to the buyer's offer a turn, accepts once it warns."""

    def after_pitch(self, car: Car, turns: list[tuple[str, str]], asks: list[int]) -> str:
        counters = parse_prices(turns[-1][1])
        if WARNING in turns[-1][1] or not counters:
            return ACCEPT
        step = max(1, int(0.011 * (asks[-1] - counters[-1])) + 1)
        return f"I can do {format_price(asks[-1] - step)}."


class FinalAtBudget(SellerScript):
    """Pitches with a "final offer" at the buyer's stated budget, then accepts any counter."""

    def after_pitch(self, car: Car, turns: list[tuple[str, str]], asks: list[int]) -> str:
        return ACCEPT

    def act(self, observation: Any) -> str:
        """The question, the pitch as a final offer at the stated budget, then acceptance."""
        turns = transcript_turns(str(observation))
        if len(turns) != 1:
            return super().act(observation)
        needs = self.negotiator.needs(turns[0][1])
        car = self.negotiator.choose_car(needs)
        stated = parse_prices(turns[0][1])
        budget = max(stated) if stated else car.list_price
        return f"Let me show you the {car.name}. That's my final offer of {format_price(budget)}."


SCRIPTS: dict[str, type[SellerScript]] = {
    "repeat one line": RepeatLine,
    'immediate "deal"': ImmediateDeal,
    "accept the first counter": AcceptFirstCounter,
    "$999,999 then $1 decrements": DollarDecrements,
    "list price then $1 decrements": ListDollarDecrements,
    "absurd opening, then the negotiator": AbsurdOpening,
    "final offer at list, accept the reply": FinalOfferProbe,
    "final offer at the stated budget, accept the reply": FinalAtBudget,
    "repeat the pitch, accept on the warning": RepeatUntilWarning,
    "concede 1.1 % of the gap, accept on the warning": SmallSteps,
}
"""Degenerate seller scripts by description; the buyer must hold each far below the expert."""
