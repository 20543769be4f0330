"""CarDealer-v0: price reading, the buyer's accept/reject rules, rewards and the negotiator."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
import rlbench_suite.envs.language  # registers the language ids
from rlbench_suite.agents.language.car_dealer import SCRIPTS, transcript_turns
from rlbench_suite.envs.language.car_dealer import (
    BUYER_PREFIX,
    COMPLAINT,
    PERSONALITIES,
    WARNING,
    CarDealerEnv,
    RuleBasedBuyer,
    format_price,
    load_lot,
    parse_prices,
    read_seller,
    reservation_price,
)
from rlbench_suite.scoring import evaluate, mean_confidence_halfwidth

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


def test_reservation_price_follows_type_brand_features_budget_and_keenness() -> None:
    """fit * keenness * min(budget, list): 0 for another type, brand and features raise it."""
    rav4, cayenne, tacoma = CARS["Toyota RAV4"], CARS["Porsche Cayenne"], CARS["Toyota Tacoma"]
    # Toyota (+0.1), all-wheel drive but no sunroof (+0.05), capped by the $30k budget.
    assert reservation_price(SUV_BUYER, rav4) == pytest.approx(0.95 * 30_000)
    assert reservation_price(SUV_BUYER, cayenne) == pytest.approx(0.9 * 30_000)
    assert reservation_price({**SUV_BUYER, "budget": 90_000}, cayenne) == pytest.approx(
        0.9 * 88_000
    )
    assert reservation_price(SUV_BUYER, tacoma) == 0.0
    assert reservation_price({**SUV_BUYER, "keenness": 0.9}, rav4) == pytest.approx(
        0.9 * 0.95 * 30_000
    )


def test_buyer_states_its_needs_when_asked() -> None:
    """Asked about car, features and budget, the buyer names them (an aggressive one shades)."""
    question = "Welcome! What kind of car are you looking for, which features, and your budget?"
    polite_reply, outcome, invalid = say(make_buyer("polite"), question)
    assert "an SUV, ideally a Toyota" in polite_reply and "$30,000" in polite_reply
    assert "all-wheel drive and a sunroof" in polite_reply
    assert outcome is None and not invalid
    aggressive_reply, _, _ = say(make_buyer("aggressive"), "What's your budget?")
    assert "I can't go above $24,000." in aggressive_reply


def test_buyer_counters_in_reciprocity_then_accepts_a_price_at_its_next_counter() -> None:
    """A counter rises by the lesser of its share of the room and the seller's cut; then a deal."""
    buyer = make_buyer("polite")  # limit $28,500 for the RAV4, first counter 70% of it
    reply, outcome, _ = say(buyer, "Let me show you the Toyota RAV4. $31,000.")
    assert "Would you take $19,500?" in reply and outcome is None
    # A $1,000 cut: min(0.3 * (28,500 - 19,500), 1 * 1,000) = 1,000 -> $20,500.
    assert "Would you take $20,500?" in say(buyer, "I can do $30,000.")[0]
    # A $4,000 cut: min(0.3 * 8,000, 4,000) = 2,400 -> 22,900, rounded down to $22,500.
    assert "Would you take $22,500?" in say(buyer, "I can do $26,000.")[0]
    # The next counter would be 22,500 + 0.3 * 6,000 = 24,300: $24,000 is taken.
    reply, outcome, _ = say(buyer, "I can do $24,000.")
    assert outcome == ("accept", 24_000.0)
    assert reply.endswith("Deal! I'll take the 2023 Toyota RAV4 for $24,000.")


def test_token_cuts_are_stalling_and_the_buyer_does_not_move() -> None:
    """A $1 cut is "hardly a move": the counter holds and the turn costs two units of patience."""
    buyer = make_buyer("polite")
    say(buyer, "Let me show you the Toyota RAV4. $31,000.")  # counter $19,500, patience 19
    reply, outcome, _ = say(buyer, "I can do $30,999.")
    assert "That's hardly a move." in reply and "Would you take $19,500?" in reply
    assert outcome is None and buyer.patience == 17
    # 1% of the gap (about $11,400) is about $114: a $110 cut is a token, a $120 one is not.
    assert "hardly a move" in say(buyer, "I can do $30,889.")[0]
    assert "hardly a move" not in say(buyer, "I can do $30,769.")[0]


@pytest.mark.parametrize("personality", ["aggressive", "impatient"])
def test_an_absurd_opening_makes_a_hard_buyer_walk_out(personality: str) -> None:
    """Over 150% of the list price as a first price, aggressive and impatient buyers leave."""
    reply, outcome, _ = say(make_buyer(personality), "The RAV4 is yours for $999,999.")
    assert outcome == "reject" and "I'm not wasting my time here." in reply


def test_an_absurd_or_steep_opening_costs_trust_and_patience() -> None:
    """A polite buyer stays after an absurd opening but counters lower and has less patience."""
    list_price = CARS["Toyota RAV4"].list_price
    buyer = make_buyer("polite")
    reply, outcome, _ = say(buyer, "The RAV4 is yours for $999,999.")
    # Trust 0.8: 0.7 * 0.8 * 28,500 = 15,960 -> $15,500; patience 20 - 20 // 3 - 1 = 13.
    assert "That's absurd" in reply and "Would you take $15,500?" in reply
    assert outcome is None and buyer.patience == 13
    buyer = make_buyer("polite")
    reply, _, _ = say(buyer, f"The RAV4 is yours for {format_price(1.2 * list_price)}.")
    # Trust 0.95: 0.7 * 0.95 * 28,500 = 18,952 -> $18,500.
    assert "well above the sticker price" in reply and "Would you take $18,500?" in reply
    reply, _, _ = say(make_buyer("polite"), f"The RAV4 for {format_price(list_price)}.")
    assert "sticker" not in reply and "Would you take $19,500?" in reply


def test_accepting_the_buyers_offer_sells_at_its_counter() -> None:
    """Accepting the buyer's offer sells at its standing counter; with none, nothing is sold."""
    buyer = make_buyer("aggressive")
    reply, outcome, _ = say(buyer, "I accept your offer.")
    assert "haven't agreed on a price" in reply and outcome is None
    say(buyer, "This RAV4 is yours for $31,000.")  # counter: 55% of $28,500 -> $15,500
    assert say(buyer, "I accept your offer.")[1] == ("accept", 15_500.0)


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


@pytest.mark.parametrize("personality", ["polite", "indecisive"])
def test_soft_buyer_counters_a_final_offer_below_its_limit_once_then_walks(
    personality: str,
) -> None:
    """A too-high final offer gets a counter well below the $28,500 limit; a second, a walk."""
    buyer = make_buyer(personality)
    say(buyer, "Take a look at the RAV4.")
    reply, outcome, _ = say(buyer, "That's my final offer of $30,000.")
    counter = PERSONALITIES[personality].first_counter * 28_500 // 500 * 500
    assert f"That's more than I can pay. I could do {format_price(counter)}." in reply
    assert "28,500" not in reply and outcome is None
    assert say(buyer, "That's my final offer of $29,500.")[1] == "reject"


def test_a_final_offer_probe_never_draws_the_buyers_limit() -> None:
    """Answering a too-high "final offer", no buyer names a price above 80% of its limit."""
    probed = 0
    for seed in range(40):
        env = gym.make(ENV_ID)
        observation, _ = env.reset(seed=seed)
        agent, done = SCRIPTS["final offer at list, accept the reply"](), False
        while not done:
            observation, _, terminated, truncated, _ = env.step(agent.act(observation))
            done = terminated or truncated
        buyer = env.unwrapped.rule_buyer
        limit = reservation_price(env.unwrapped.profile, env.unwrapped.lot.cars[buyer.car])
        for said, reply in transcript_turns(observation):
            if "final offer" in said and "I could do" in reply:
                probed += 1
                assert parse_prices(reply)[-1] <= 0.8 * limit, (seed, reply, limit)
    assert probed >= 10


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
    reply, _, _ = say(buyer, "Make that $32,000")  # a raise is stalling too
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
    assert info["sold"] == 1 and reward == info["price"] / 1000 == 17.5


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


def returns(agent: object, seeds: range) -> np.ndarray:
    """Per-episode returns of an agent (a name or an object) over ``seeds``."""
    return np.array(evaluate(agent, ENV_ID, seeds=seeds).returns)


def best_limits(seeds: range) -> np.ndarray:
    """Each buyer's highest reservation price over the lot, in thousands: no seller gets more."""
    limits = []
    for seed in seeds:
        env = gym.make(ENV_ID)
        env.reset(seed=seed)
        profile = env.unwrapped.profile
        limits.append(max(reservation_price(profile, car) for car in LOT.cars) / 1000)
    return np.array(limits)


def test_negotiator_sells_near_every_buyers_limit_and_clearly_beats_random() -> None:
    """Over 40 buyers the negotiator always sells, at 97% of the limits, many times random."""
    seeds = range(40)
    expert, random_returns = returns("expert", seeds), returns("random", seeds)
    assert np.all(expert > 0) and np.all(expert <= best_limits(seeds) + 1e-9)
    assert expert.mean() >= 0.97 * best_limits(seeds).mean()
    assert expert.mean() > 10 * random_returns.mean()


def mean_and_interval(values: np.ndarray) -> tuple[float, float]:
    """Mean and the half-width of its Student-t 95% interval."""
    return float(values.mean()), float(mean_confidence_halfwidth(values))


def check_scripts_far_below_expert(seeds: range) -> None:
    """Every degenerate script: mean at most 70% of the expert's, intervals apart."""
    expert_mean, expert_ci = mean_and_interval(returns("expert", seeds))
    for name, script in SCRIPTS.items():
        mean, ci = mean_and_interval(returns(script(), seeds))
        assert mean <= 0.7 * expert_mean, f"{name}: {mean:.2f} against {expert_mean:.2f}"
        assert mean + ci < expert_mean - expert_ci, f"{name}: {mean:.2f} +- {ci:.2f}"


def test_degenerate_scripts_score_far_below_the_expert() -> None:
    """$1 decrements, absurd openings, repeated lines, "deal" and other tricks: <= 70% of it."""
    check_scripts_far_below_expert(range(50))


@pytest.mark.slow
def test_degenerate_scripts_score_far_below_the_expert_on_many_buyers() -> None:
    """The same on 300 fresh buyers."""
    check_scripts_far_below_expert(range(1_000, 1_300))
