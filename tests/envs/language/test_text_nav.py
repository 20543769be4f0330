"""TextNav-v0 / TextNavPO-v0: the engine's rules and parser, the seeded house, the solver."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rlbench_suite
import rlbench_suite.envs.language  # registers the language ids
from rlbench_suite import testing
from rlbench_suite.agents import RandomAgent, make_agent
from rlbench_suite.envs.language.text_nav import (
    ACTION_VOCABULARY,
    ROOM_CELLS,
    Container,
    Door,
    EdibleObject,
    Parser,
    PortableObject,
    Room,
    Supporter,
    TextNavEnv,
    World,
    build_house,
    connect,
)


def small_world() -> World:
    """Kitchen (closed fridge, table with a mug and two foods) west of a hall, door between."""
    kitchen, hall = Room("kitchen"), Room("hall")
    table = Supporter("table")
    table.contents.extend(
        [
            EdibleObject("stale food", ("leftovers",), "some"),
            EdibleObject("fresh food", (), "some"),
            PortableObject("coffee cup", ("mug",)),
        ]
    )
    kitchen.furniture.extend([Container("fridge", ("refrigerator",)), table])
    connect(hall, "west", kitchen, Door("oak door", is_open=False))
    return World([kitchen, hall], start=kitchen)


def play(env_id: str, seed: int, agent_name: str = "expert", **kwargs) -> tuple[float, dict, str]:
    """Run one episode; return (return, last info, last observation)."""
    env = gym.make(env_id, **kwargs)
    agent = make_agent(agent_name, env)
    observation, info = env.reset(seed=seed)
    agent.reset(seed=seed)
    total, done = 0.0, False
    while not done:
        observation, reward, terminated, truncated, info = env.step(agent.act(observation))
        total, done = total + reward, terminated or truncated
    return total, info, observation


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("take stale food from table", "take stale food from table"),
        ("Grab the leftovers", "take stale food from table"),
        ("pick up a mug", "take coffee cup from table"),
        ("get cup off the table", "take coffee cup from table"),
        ("open the refrigerator", "open fridge"),
        ("shut fridge", "close fridge"),
        ("walk east", "go east"),
        ("e", "go east"),
        ("go to the EAST.", "go east"),
        ("look at the fridge", "examine fridge"),
        ("l", "look"),
        ("i", "inventory"),
        ("devour fresh food", "eat fresh food"),
    ],
)
def test_parser_understands_synonyms(typed: str, canonical: str) -> None:
    """Verb and object synonyms, articles, case and punctuation map to one canonical command."""
    world = small_world()
    assert Parser().parse(typed, world).text == canonical


def test_parser_understands_put_forms_once_the_food_is_held() -> None:
    """'put X in Y', 'place X into Y' and 'insert X into Y' are one command; 'put X down' drops."""
    world = small_world()
    world.respond("take stale food")
    parser = Parser()
    for typed in ("put stale food in fridge", "place the leftovers into the refrigerator"):
        assert parser.parse(typed, world).text == "insert stale food into fridge"
    assert parser.parse("set stale food on table", world).text == "put stale food on table"
    assert parser.parse("put stale food down", world).text == "drop stale food"


def test_ambiguous_and_unknown_names_are_refused_with_a_reason() -> None:
    """'food' names two things and is asked back; unseen things and unknown verbs are refused."""
    world = small_world()
    assert world.respond("take food") == (
        "Which do you mean, the stale food or the fresh food?",
        False,
    )
    assert world.respond("take piano") == ("You can't see any 'piano' here.", False)
    assert world.respond("dance") == ("I don't know the verb 'dance'.", False)
    assert world.respond("go up")[1] is False


def test_closed_containers_cannot_be_put_into() -> None:
    """The food cannot go into the closed fridge; once it is opened it can."""
    world = small_world()
    world.respond("take stale food")
    assert "insert stale food into fridge" not in world.admissible_commands()
    assert world.respond("put stale food in fridge") == ("The fridge is closed.", False)
    assert world.respond("open fridge") == (
        "You open the fridge. The fridge is open and empty.",
        True,
    )
    assert "insert stale food into fridge" in world.admissible_commands()
    assert world.respond("insert stale food into fridge")[1]
    fridge = world.location.furniture[0]
    assert [item.name for item in fridge.contents] == ["stale food"]


def test_closed_doors_block_the_way_until_opened() -> None:
    """'go east' through a closed door is refused; after 'open oak door' it works."""
    world = small_world()
    assert world.respond("go east") == ("The oak door is closed.", False)
    assert world.respond("open door")[1]
    feedback, valid = world.respond("go east")
    assert valid and feedback.startswith("You go east.\nYou are in the hall.")


def test_only_carried_food_can_be_eaten_and_not_the_mug() -> None:
    """Eating needs the food in hand; a mug is not food."""
    world = small_world()
    assert world.respond("eat stale food") == ("You aren't carrying the stale food.", False)
    world.respond("take mug")
    assert world.respond("eat mug") == ("The coffee cup is not something you can eat.", False)


def test_every_admissible_command_is_valid_and_in_the_vocabulary() -> None:
    """Random play over many houses: each listed command is accepted and in the vocabulary."""
    env = gym.make("rlbench/TextNav-v0")
    agent = RandomAgent(env)
    for seed in range(15):
        observation, info = env.reset(seed=seed)
        agent.reset(seed)
        done = False
        while not done:
            assert set(info["admissible_actions"]) <= set(ACTION_VOCABULARY)
            observation, _, terminated, truncated, info = env.step(agent.act(observation))
            assert not info["invalid_action"]
            done = terminated or truncated


def test_invalid_command_gets_zero_the_flag_and_a_parser_message() -> None:
    """Unreadable text costs nothing but is flagged, explained, and the game goes on."""
    env = gym.make("rlbench/TextNav-v0")
    env.reset(seed=0)
    observation, reward, terminated, truncated, info = env.step("fly to the moon")
    assert reward == 0.0 and info["invalid_action"] and not terminated and not truncated
    assert observation.splitlines()[-2] == "I don't know the verb 'fly'."
    assert observation.splitlines()[-1].startswith("Admissible commands: ")


def test_look_and_inventory_are_accepted_but_not_listed() -> None:
    """As in LMRL-Gym, look and inventory work but are left out of the admissible list."""
    env = gym.make("rlbench/TextNav-v0")
    _, info = env.reset(seed=0)
    assert not {"look", "inventory"} & set(info["admissible_actions"])
    observation, _, _, _, info = env.step("inventory")
    assert not info["invalid_action"] and "You are carrying nothing." in observation


def test_eating_the_stale_food_ends_the_episode_as_a_failure() -> None:
    """Taking the stale food and eating it terminates with reward 0 and no success."""
    env = gym.make("rlbench/TextNav-v0")
    env.reset(seed=10)  # the bedroom, east of the living room
    env.step("go west")
    env.step("take stale food")
    observation, reward, terminated, _, info = env.step("eat stale food")
    assert (reward, terminated, info["success"], info["food_eaten"]) == (0.0, True, False, True)
    assert observation.endswith("You lost.")


@pytest.mark.parametrize("env_id", ["rlbench/TextNav-v0", "rlbench/TextNavPO-v0"])
def test_solver_wins_every_house(env_id: str) -> None:
    """The scripted solver wins 20 seeded houses, with the food in the closed fridge."""
    for seed in range(20):
        total, info, observation = play(env_id, seed)
        assert total == 1.0 and info["success"] and not info["invalid_actions"], seed
        assert observation.endswith("You won!")


def test_the_fridge_must_be_closed_unless_told_otherwise() -> None:
    """With LMRL-Gym's rule the win comes on 'close fridge'; without it, on the insert."""
    for close_to_win, last_command in ((True, "close fridge"), (False, "insert stale food")):
        env = gym.make("rlbench/TextNav-v0", close_fridge_to_win=close_to_win)
        agent = make_agent("textnav_solver", env)
        observation, _ = env.reset(seed=4)
        agent.reset()
        rewards = []
        while True:
            command = agent.act(observation)
            observation, reward, terminated, _, _ = env.step(command)
            rewards.append(reward)
            if terminated:
                break
        assert command.startswith(last_command) and rewards[-1] == 1.0 and sum(rewards) == 1.0


def test_partially_observed_variant_never_names_a_room() -> None:
    """TextNavPO-v0 transcripts say 'You are in a room.' and no room's name after that."""
    for seed in range(5):
        _, _, observation = play("rlbench/TextNavPO-v0", seed)
        assert "You are in a room." in observation
        assert not any(f"in the {room}." in observation for room in ROOM_CELLS)
        _, _, observation = play("rlbench/TextNav-v0", seed)
        assert "You are in a room." not in observation


def test_seeded_layout_is_deterministic_and_the_seed_matters() -> None:
    """One seed, one house; over seeds the size, orientation, start and items all vary."""

    def signature(seed: int) -> tuple:
        world = build_house(np.random.default_rng(seed)).world
        return (
            world.location.name,
            tuple(sorted((room.name, tuple(sorted(room.exits))) for room in world.rooms)),
            tuple(sorted(item.name for room in world.rooms for item in room.floor)),
            tuple(
                (holder.name, tuple(item.name for item in holder.contents))
                for room in world.rooms
                for holder in room.furniture
            ),
        )

    assert signature(5) == signature(5)
    houses = [build_house(np.random.default_rng(seed)).world for seed in range(40)]
    assert {len(world.rooms) for world in houses} == {8, 9, 10}
    kitchen_exits = {
        next(d for d, e in room.exits.items() if e.destination.name == "dining room")
        for world in houses
        for room in world.rooms
        if room.name == "kitchen"
    }
    assert kitchen_exits == {"east", "west"}  # mirrored and not
    assert len({world.location.name for world in houses}) >= 8
    assert len({signature(seed) for seed in range(40)}) == 40
    first = gym.make("rlbench/TextNav-v0").reset(seed=11)[0]
    assert first == gym.make("rlbench/TextNav-v0").reset(seed=11)[0]


def test_constructor_rejects_bad_arguments() -> None:
    """Bad arguments raise errors naming the argument and the value."""
    with pytest.raises(ValueError, match="max_turns must be a positive integer, got 0"):
        TextNavEnv(max_turns=0)
    with pytest.raises(TypeError, match="hide_location must be a bool"):
        TextNavEnv(hide_location="yes")


def test_solver_wins_held_out_cluttered_houses_with_closed_doors() -> None:
    """Held-out family instances (9-14 distractors, doors closed) build and the solver wins."""
    family = rlbench_suite.env_card("rlbench/TextNavPO-v0").mdp_family
    for kwargs in family.sample(5, "held_out", seed=0):
        assert kwargs["closed_door_probability"] == 1.0 and kwargs["num_distractors"][0] >= 9
        total, info, _ = play("rlbench/TextNavPO-v0", seed=3, **kwargs)
        assert total == 1.0 and info["success"]
    with pytest.raises(ValueError, match=r"num_distractors must be .* got \(5, 2\)"):
        TextNavEnv(num_distractors=(5, 2))


def reply_of(observation: str) -> str:
    """The env's answer to the last command, without the admissible-commands line."""
    return observation.rsplit("\n> ", 1)[-1].split("\n", 1)[1].rsplit("\nAdmissible", 1)[0]


@pytest.mark.parametrize(
    "text",
    [
        "I move west.",
        "Let's go west",
        "Let\u2019s go west",  # a curly apostrophe (the transcript shows it as '?')
        "Go West!",
        "I'll head west now",
        "I would like to go west, please.",
        "> go west",
        "Action: go west",
        "West.",
    ],
)
def test_llm_wrappers_around_a_move_are_that_move(text: str) -> None:
    """First-person, polite and prompt wrappers, case and punctuation are dropped: 'go west'."""
    env = gym.make("rlbench/TextNav-v0")
    env.reset(seed=10)  # the bedroom, east of the living room
    observation, reward, _, _, info = env.step(text)
    assert (reward, info["invalid_action"], info["turns"]) == (0.0, False, 1), text
    assert reply_of(observation).startswith("You go west.\nYou are in the living room.")


def test_llm_wrappers_around_object_commands_are_read() -> None:
    """'Pick up the stale food, please.' and "I'd like to eat it" style commands are read."""
    env = gym.make("rlbench/TextNav-v0")
    env.reset(seed=10)
    env.step("I go west")
    observation, _, _, _, info = env.step("Pick up the stale food, please.")
    assert reply_of(observation) == "You take the stale food from the table."
    observation, _, _, _, info = env.step("I'd like to check my inventory")
    assert info["invalid_action"]  # "check" is no verb: refused, not guessed
    observation, _, _, _, info = env.step("Let me look at the table.")
    assert not info["invalid_action"] and "On the table you see" in reply_of(observation)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        (
            "take the stale food and go west",
            "One command at a time: 'take the stale food' and 'go west' are two commands.",
        ),
        ("go west then north", "One command at a time: 'go west' and 'north' are two commands."),
        (
            "take fruit and bread",
            "One thing at a time: 'take fruit and bread' names more than one.",
        ),
        ("go north east", "One direction at a time: north or east?"),
        (
            "go to the kitchen",
            "Go where? Rooms are reached by direction: north, south, east or west.",
        ),
        ("dance", "I don't know the verb 'dance'."),
        ("Please fly to the moon", "I don't know the verb 'fly'."),
        ("take piano", "You can't see any 'piano' here."),
    ],
)
def test_several_or_unknown_commands_are_refused_with_a_reason(text: str, reply: str) -> None:
    """Two commands, two things, two directions or an unknown word: refused, 0, a turn used."""
    env = gym.make("rlbench/TextNav-v0")
    env.reset(seed=10)
    observation, reward, terminated, _, info = env.step(text)
    assert reply_of(observation) == reply
    assert (reward, terminated, info["invalid_action"], info["turns"]) == (0.0, False, True, 1)
    assert env.unwrapped.house.world.location.name == "bedroom"


def test_an_invalid_command_costs_one_of_the_turns_as_in_lmrl_gym() -> None:
    """Refused commands count towards max_turns: two of them truncate a two-turn game."""
    env = gym.make("rlbench/TextNavPO-v0", max_turns=2)
    env.reset(seed=10)
    env.step("dance")
    _, reward, terminated, truncated, info = env.step("go north east")
    assert (reward, terminated, truncated, info["invalid_actions"]) == (0.0, False, True, 2)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("1. go west", "You go west."),
        ("go west.\n\nThe living room is that way.", "You go west."),
        ("I should go west because the food is there", "You go west."),
        ("go west (to the living room)", "You go west."),
        ("Let me go west to the living room.", "You go west."),
        ("go west. Then go north.", "One command at a time: 'go west' and 'go north' are two"),
        ("go west; take the food", "One command at a time: 'go west' and 'take the food' are"),
        ("go west. No wait.", "'no' makes the command unclear: say only the command."),
        ("go west (just kidding)", "'kidding' makes the command unclear"),
    ],
)
def test_a_reason_after_a_command_is_ignored_but_a_second_command_is_refused(
    text: str, reply: str
) -> None:
    """'go west. The living room is that way.' is 'go west'; 'go west. Then go north.' is not."""
    env = gym.make("rlbench/TextNav-v0")
    env.reset(seed=10)  # the bedroom, east of the living room
    observation, _, _, _, info = env.step(text)
    # The transcript keeps the command's own line breaks, so the reply is found by its text.
    assert reply in observation.rsplit("\n> ", 1)[-1]
    moved = reply.startswith("You go")
    assert info["invalid_action"] == (not moved)
    assert env.unwrapped.house.world.location.name == ("living room" if moved else "bedroom")


# -- rules="lmrl": LMRL-Gym's fixed house, objective and budget ---------------------------------

LMRL_IDS = ("rlbench/TextNav-v0", "rlbench/TextNavPO-v0")


def lmrl_starts() -> dict[str, int]:
    """A seed for every start room of LMRL-Gym's house."""
    env = gym.make("rlbench/TextNav-v0", rules="lmrl")
    seeds: dict[str, int] = {}
    for seed in range(200):
        env.reset(seed=seed)
        seeds.setdefault(env.unwrapped.house.world.location.name, seed)
    return seeds


@pytest.mark.parametrize("env_id", LMRL_IDS)
@pytest.mark.parametrize(
    "check",
    [
        testing.check_gymnasium_api,
        testing.check_determinism,
        testing.check_pickle,
        testing.check_observations_in_space,
    ],
)
def test_lmrl_rules_pass_the_public_checks(env_id: str, check) -> None:
    """Under rules='lmrl': Gymnasium's check_env, same seed same game, pickles mid-episode."""
    check(lambda **kwargs: gym.make(env_id, rules="lmrl", **kwargs))


def room_summary(room: Room) -> tuple:
    """(name, sorted exits, furniture with contents, whether a door is on an exit)."""
    exits = tuple(sorted((way, exit_.destination.name) for way, exit_ in room.exits.items()))
    furniture = tuple((f.name, tuple(item.name for item in f.contents)) for f in room.furniture)
    has_door = any(exit_.door is not None for exit_ in room.exits.values())
    return room.name, exits, furniture, has_door


def test_lmrl_house_is_fixed_but_for_the_start_room() -> None:
    """LMRL-Gym's eight rooms, hallways only, items in fixed places; the seed picks the start."""
    env = gym.make("rlbench/TextNav-v0", rules="lmrl")
    layouts, starts = set(), set()
    for seed in range(40):
        env.reset(seed=seed)
        world = env.unwrapped.house.world
        layouts.add(tuple(room_summary(room) for room in world.rooms))
        starts.add(world.location.name)
    assert len(layouts) == 1 and len(starts) == 8
    rooms = {name: summary for name, *summary in layouts.pop()}
    assert set(rooms) == set(ROOM_CELLS) - {"study", "pantry"}
    assert not any(has_door for _, _, has_door in rooms.values())
    assert rooms["bedroom"][0] == (("south", "bathroom"), ("west", "living room"))
    assert rooms["living room"][1] == (("table", ("stale food", "fresh food")),)
    assert rooms["dining room"][1] == (("table", ("coffee cup", "plate")),)
    assert rooms["kitchen"][1] == (("fridge", ("fruit",)),)


def test_lmrl_budget_is_fifteen_commands_unless_max_turns_says_otherwise() -> None:
    """Fifteen commands, invalid ones included, then truncation; max_turns overrides it."""
    env = gym.make("rlbench/TextNav-v0", rules="lmrl")
    env.reset(seed=0)
    for turn in range(1, 16):
        _, _, terminated, truncated, _ = env.step("dance")
        assert (terminated, truncated) == (False, turn == 15)
    assert gym.make("rlbench/TextNav-v0", rules="lmrl", max_turns=20).unwrapped.max_turns == 20
    assert gym.make("rlbench/TextNav-v0").unwrapped.max_turns == 50


def test_lmrl_objective_is_lmrl_gyms_and_the_fridge_must_still_be_closed() -> None:
    """The opening sentence is LMRL-Gym's; food in the open fridge does not win yet."""
    env = gym.make("rlbench/TextNav-v0", rules="lmrl")
    observation, _ = env.reset(seed=lmrl_starts()["living room"])
    assert observation.splitlines()[0] == (
        "Your objective is to put the stale food on the table in the living room into the "
        "fridge in the kitchen."
    )
    for command in ("take stale food", "go west", "go west", "open fridge"):
        env.step(command)
    _, reward, terminated, _, _ = env.step("insert stale food into fridge")
    assert (reward, terminated) == (0.0, False)
    _, reward, terminated, _, info = env.step("close fridge")
    assert (reward, terminated, info["success"]) == (1.0, True, True)


@pytest.mark.parametrize(("env_id", "shown"), [(LMRL_IDS[0], True), (LMRL_IDS[1], False)])
def test_lmrl_fully_observed_replies_show_the_inventory(env_id: str, shown: bool) -> None:
    """LMRL-Gym's fully observed variant shows what the player carries; the PO one does not."""
    env = gym.make(env_id, rules="lmrl")
    env.reset(seed=lmrl_starts()["living room"])
    observation, *_ = env.step("take stale food")
    assert ("You are carrying some stale food." in observation) == shown


def test_lmrl_rules_refuse_settings_of_our_houses() -> None:
    """Distractor counts and door chances describe our houses: with rules='lmrl' they raise."""
    with pytest.raises(ValueError, match="rules='lmrl' plays LMRL-Gym's fixed house"):
        TextNavEnv(rules="lmrl", num_distractors=(9, 9))
    with pytest.raises(ValueError, match="rules must be one of"):
        TextNavEnv(rules="textworld")


@pytest.mark.parametrize("env_id", LMRL_IDS)
def test_solver_wins_lmrl_house_from_every_start_within_the_budget(env_id: str) -> None:
    """The scripted solver wins from each of the eight start rooms in at most 15 commands."""
    for room, seed in lmrl_starts().items():
        total, info, _ = play(env_id, seed, rules="lmrl")
        assert (total, info["success"]) == (1.0, True), room
        assert info["turns"] <= 15
