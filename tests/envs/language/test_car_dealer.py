"""CarDealer-v0: price reading, the buyer's accept/reject rules, rewards and the negotiator."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
import rlbench_suite.envs.language  # registers the language ids
from rlbench_suite.envs.language.car_dealer import (
    BUYER_PREFIX,
    COMPLAINT,
    PERSONALITIES,
    WARNING,
    CarDealerEnv,
    RuleBasedBuyer,
    load_lot,
    parse_prices,
    read_seller,
    reservation_price,
)
from rlbench_suite.scoring import evaluate

ENV_ID = "rlbench/CarDealer-v0"
LOT = load_lot()
CARS = {f"{car.brand} {car.model}": car for car in LOT.cars}
SUV_BUYER = {
    "personality": "polite",
    "car_type": "SUV",
    "brand": "Toyota",
    "features": ["all-wheel drive", "sunroof"],
    "budget": 30_000,
}


def make_buyer(personality: str, profile: dict = SUV_BUYER) -> RuleBasedBuyer:
    """A rule-based buyer with ``profile`` and ``personality``'s default parameters."""
    traits = PERSONALITIES[personality]
    return RuleBasedBuyer(
        profile={**profile, "personality": personality},
        personality=traits,
        patience=traits.patience,
        concession=traits.concession,
    )


def say(buyer: RuleBasedBuyer, text: str) -> tuple[str, object, bool]:
    """The buyer's (reply, outcome, invalid) to ``text``, with a fixed random stream."""
    return buyer.respond(text, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("text", "prices"),
    [
        ("$45,000", [45_000]),
        ("How about 45k?", [45_000]),
        ("45 K", [45_000]),
        ("45000 dollars", [45_000]),
        ("45 thousand", [45_000]),
        ("45 grand, final", [45_000]),
        ("$45.5k", [45_500]),
        ("US$45,000", [45_000]),
        ("12,500 bucks", [12_500]),
        ("Model 3 at 41,999.99", [42_000]),
        ("It lists at $48,000 but for you $44,000.", [48_000, 44_000]),
        ("the 2023 Ford F-150", []),
        ("a Porsche 911 from 2022", []),
        ("the Audi A6 or the Q7", []),
        ("9500", []),
        ("$9500", [9_500]),
        ("$0", []),
    ],
)
def test_prices_are_read_in_every_common_format(text: str, prices: list[int]) -> None:
    """Dollar signs, k, thousand, grand, dollars and separators count; years and models do not."""
    assert parse_prices(text) == prices


def test_seller_text_is_read_for_cars_features_and_intents() -> None:
    """Models by any listed name, features by synonym, and intents are picked out of free text."""
    said = read_seller("Hi there! Check out this F150 with AWD and a moonroof. Final offer: 45k.")
    assert [LOT.cars[index].model for index in said.cars] == ["F-150"]
    assert set(said.features) == {"all-wheel drive", "sunroof"}
    assert {"greeting", "final"} <= said.intents and said.prices == (45_000,)
    assert [LOT.cars[i].model for i in read_seller("the golf gti, not the golf r").cars] == [
        "Golf GTI",
        "Golf R",
    ]
    assert not read_seller("ok then").usable


def test_reservation_price_follows_type_brand_features_and_budget() -> None:
    """fit * min(budget, list): 0 for another type, brand and features raise it."""
    rav4, cayenne, tacoma = CARS["Toyota RAV4"], CARS["Porsche Cayenne"], CARS["Toyota Tacoma"]
    # Toyota (+0.1), all-wheel drive but no sunroof (+0.05), capped by the $30k budget.
    assert reservation_price(SUV_BUYER, rav4) == pytest.approx(0.95 * 30_000)
    assert reservation_price(SUV_BUYER, cayenne) == pytest.approx(0.9 * 30_000)
    assert reservation_price({**SUV_BUYER, "budget": 90_000}, cayenne) == pytest.approx(
        0.9 * 88_000
    )
    assert reservation_price(SUV_BUYER, tacoma) == 0.0


def test_buyer_states_its_needs_when_asked() -> None:
    """Asked about car, features and budget, the buyer names them (an aggressive one shades)."""
    question = "Welcome! What kind of car are you looking for, which features, and your budget?"
    polite_reply, outcome, invalid = say(make_buyer("polite"), question)
    assert "an SUV, ideally a Toyota" in polite_reply and "$30,000" in polite_reply
    assert "all-wheel drive and a sunroof" in polite_reply
    assert outcome is None and not invalid
    aggressive_reply, _, _ = say(make_buyer("aggressive"), "What's your budget?")
    assert "I can't go above $24,000." in aggressive_reply


def test_buyer_counters_then_accepts_a_price_at_its_next_counter() -> None:
    """A price above the next counter gets a counter; one at or below it is accepted."""
    buyer = make_buyer("polite")  # limit $28,500 for the RAV4, first counter 80% of it
    reply, outcome, _ = say(buyer, "Let me show you the Toyota RAV4. $31,000.")
    assert "Would you take $22,500?" in reply and outcome is None
    # Next counter: 22,500 + 0.3 * (28,500 - 22,500) = 24,300, rounded down to 24,000.
    reply, outcome, _ = say(buyer, "I can do $24,000.")
    assert outcome == ("accept", 24_000.0)
    assert reply.endswith("Deal! I'll take the 2023 Toyota RAV4 for $24,000.")


def test_accepting_the_buyers_offer_sells_at_its_counter() -> None:
    """Accepting the buyer's offer sells at its standing counter; with none, nothing is sold."""
    buyer = make_buyer("aggressive")
    reply, outcome, _ = say(buyer, "I accept your offer.")
    assert "haven't agreed on a price" in reply and outcome is None
    say(buyer, "This RAV4 is yours for $31,000.")  # counter: 65% of $28,500 -> $18,500
    assert say(buyer, "I accept your offer.")[1] == ("accept", 18_500.0)


@pytest.mark.parametrize("personality", ["aggressive", "impatient"])
def test_final_offer_above_the_limit_makes_a_hard_buyer_walk(personality: str) -> None:
    """A final offer over the reservation price ends the talk with a rejection."""
    buyer = make_buyer(personality)
    say(buyer, "Take a look at the RAV4.")
    reply, outcome, _ = say(buyer, "That's my final offer of $29,000.")
    assert outcome == "reject" and "no deal" in reply


def test_final_offer_within_the_limit_is_accepted() -> None:
    """A final offer at or under the reservation price is accepted by any personality."""
    for personality in PERSONALITIES:
        buyer = make_buyer(personality)
        say(buyer, "Take a look at the RAV4.")
        assert say(buyer, "Final offer: $28,500.")[1] == ("accept", 28_500.0), personality


def test_polite_buyer_names_its_limit_once_before_walking() -> None:
    """A polite buyer answers a too-high final offer with its limit, then leaves on a second."""
    buyer = make_buyer("polite")
    say(buyer, "Take a look at the RAV4.")
    reply, outcome, _ = say(buyer, "That's my final offer of $30,000.")
    assert "The most I can do is $28,500." in reply and outcome is None
    assert say(buyer, "That's my final offer of $29,500.")[1] == "reject"


def test_buyer_will_not_buy_another_type_at_any_price() -> None:
    """A truck offered to an SUV buyer gets no counter and no sale, even at $5,000."""
    buyer = make_buyer("polite")
    reply, outcome, _ = say(buyer, "This Ford Ranger is yours for $5,000.")
    assert "I'm after an SUV" in reply and "isn't what I want" in reply and outcome is None


def test_patience_runs_out_with_a_warning_first() -> None:
    """An impatient buyer warns after 5 turns and leaves after 7; raising a price costs extra."""
    buyer = make_buyer("impatient")
    replies = [say(buyer, "Nice weather, welcome!") for _ in range(7)]
    assert [WARNING in reply for reply, _, _ in replies] == [False] * 4 + [True, False, False]
    assert [outcome for _, outcome, _ in replies] == [None] * 6 + ["reject"]
    buyer = make_buyer("impatient")
    say(buyer, "RAV4 for $31,000")
    reply, _, _ = say(buyer, "Make that $32,000")
    assert "You offered $31,000 before!" in reply and buyer.patience == 7 - 3


def test_malformed_text_gets_a_complaint_and_the_invalid_flag() -> None:
    """Empty or meaningless text: complaint, invalid_action, no reward, no penalty."""
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    for text in ("", "   ", "ok then", "!!!"):
        observation, reward, terminated, _, info = env.step(text)
        assert observation.endswith(BUYER_PREFIX + COMPLAINT)
        assert info["invalid_action"] and reward == 0.0 and not terminated
    assert info["invalid_actions"] == 4
    assert not env.step("Hello!")[4]["invalid_action"]


def test_a_sale_pays_the_price_in_thousands() -> None:
    """The accepting turn pays price / 1000 and sets sold and price; no other turn pays."""
    env = gym.make(ENV_ID)
    env.reset(seed=1)  # a polite buyer of a Nissan sports car on a $30,000 budget
    rewards = [env.step(text)[1] for text in ("Hello!", "The Nissan Z, yours for 35k.")]
    _, reward, terminated, _, info = env.step("I accept your offer.")
    assert rewards == [0.0, 0.0] and terminated and info["success"]
    assert info["sold"] == 1 and reward == info["price"] / 1000 == 22.0


def test_same_seed_same_buyer_and_conversation() -> None:
    """Equal seeds give equal profiles and transcripts; different seeds give different buyers."""
    script = ["Hi!", "What's your budget?", "Look at the Kia Carnival, $36,000.", "$34,000"]

    def transcript(seed: int) -> str:
        env = gym.make(ENV_ID)
        env.reset(seed=seed)
        for text in script:
            observation, *_ = env.step(text)
        return observation

    assert transcript(4) == transcript(4)
    profiles = set()
    for seed in range(20):
        env = gym.make(ENV_ID)
        env.reset(seed=seed)
        profiles.add(str(env.unwrapped.profile))
    assert len(profiles) == 20


def test_mid_episode_pickle_continues_the_haggle() -> None:
    """A pickled env carries the buyer's counters and patience."""
    env = gym.make(ENV_ID)
    env.reset(seed=6)
    env.step("Hi! What kind of car are you looking for?")
    env.step("Let me show you the Mazda MX-5 Miata for $9,800.")
    clone = pickle.loads(pickle.dumps(env))
    assert clone.step("$9,000")[:4] == env.step("$9,000")[:4]


def test_user_buyer_replaces_the_rule_based_one() -> None:
    """A callable buyer sees profile, transcript and text; its outcome ends the episode."""
    calls = []

    def buyer(profile: dict, transcript: str, seller_text: str):
        calls.append((profile["budget"], seller_text, transcript.count("\n> ")))
        prices = parse_prices(seller_text)
        return ("Sure.", ("accept", prices[0])) if prices else ("Tell me more.", None)

    env = gym.make(ENV_ID, buyer=buyer)
    env.reset(seed=0)
    assert env.step("Hello")[0].endswith("Buyer: Tell me more.")
    assert env.step("")[4]["invalid_action"] and len(calls) == 1  # blank text never reaches it
    _, reward, terminated, _, info = env.step("$12,000")
    assert terminated and reward == 12.0 and info["price"] == 12_000
    assert calls == [(10_000, "Hello", 0), (10_000, "$12,000", 2)]


def test_bad_arguments_and_buyer_outputs_raise_clear_errors() -> None:
    """Constructor mistakes and malformed buyer outcomes name what was expected."""
    with pytest.raises(TypeError, match="buyer must be a callable"):
        CarDealerEnv(buyer="Bob")
    with pytest.raises(ValueError, match="patience_scale must be a positive number"):
        CarDealerEnv(patience_scale=0)
    with pytest.raises(ValueError, match="concession_scale must be a positive number"):
        CarDealerEnv(concession_scale=-1.0)
    env = CarDealerEnv(buyer=lambda profile, transcript, text: ("Fine.", ("accept", -5)))
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r'outcome None, "reject" or \("accept", price > 0\)'):
        env.step("$5,000")
    env = CarDealerEnv(buyer=lambda profile, transcript, text: "Fine.")
    env.reset(seed=0)
    with pytest.raises(TypeError, match=r"a \(reply: str, outcome\) pair"):
        env.step("$5,000")


def test_vocabulary_is_fixed_and_always_understood() -> None:
    """The 101 templated utterances never change and none of them is malformed."""
    env = gym.make(ENV_ID)
    vocabulary = env.unwrapped.action_vocabulary()
    assert len(vocabulary) == len(set(vocabulary)) == 101
    for text in vocabulary:
        assert read_seller(text).usable, text
    pitches = [text for text in vocabulary if text.startswith("Let me show you") and "$" in text]
    for car, text in zip(LOT.cars, pitches, strict=True):
        assert read_seller(text).cars == (LOT.cars.index(car),)
        assert parse_prices(text) == [car.list_price]


def test_mdp_family_held_out_buyers_are_harder() -> None:
    """Held-out instances have patience and concession scales below the in-distribution ones."""
    family = rlbench_suite.env_card(ENV_ID).mdp_family
    inside = family.sample(10, "in_distribution", seed=0)
    held_out = family.sample(10, "held_out", seed=0)
    assert min(k["patience_scale"] for k in inside) >= 0.8
    assert max(k["patience_scale"] for k in held_out) <= 0.6
    env = gym.make(ENV_ID, **held_out[0])
    env.reset(seed=0)
    assert env.unwrapped.rule_buyer.patience < PERSONALITIES["indecisive"].patience


def mean_outcome(agent_name: str, seeds: range) -> tuple[float, float]:
    """(sale rate, mean return) of an agent over ``seeds``, through the scoring harness."""
    records = evaluate(agent_name, ENV_ID, seeds=seeds).records
    return (
        float(np.mean([record.metrics["sold"] for record in records])),
        float(np.mean([record.episode_return for record in records])),
    )


def test_negotiator_sells_and_clearly_beats_random() -> None:
    """Over 40 buyers the negotiator sells nearly always and earns several times random's return."""
    expert_rate, expert_return = mean_outcome("expert", range(40))
    random_rate, random_return = mean_outcome("random", range(40))
    assert expert_rate >= 0.9 and expert_return > 25
    assert expert_return > 3 * random_return and random_rate < expert_rate
