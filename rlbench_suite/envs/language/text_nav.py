"""TextNav-v0 and TextNavPO-v0: carry the stale food to the fridge in a small text adventure.

## Description

LMRL-Gym's Text-Nav task (Abdulhai et al., 2023), which LMRL-Gym builds with TextWorld, here on
a text-adventure engine of our own (:class:`World`, :class:`Room`, :class:`Door`,
:class:`Container`, :class:`Supporter`, :class:`PortableObject`, :class:`EdibleObject` and a
:class:`Parser`). The player wakes in a random room of a house and must take the stale food from
the table in the living room, carry it to the kitchen, open the fridge, put the food in and
close the fridge (LMRL-Gym's win condition: the food in the fridge *and* the fridge closed).
Eating the stale food loses the game. The house is LMRL-Gym's, on a grid (the seed may mirror
it east-west)::

                     garden                        [study]
                        |                             |
        backyard --- kitchen --- dining room --- living room --- bedroom
                        |                             |             |
                    [pantry]                       office ----- bathroom

Rooms in brackets exist on a coin flip. The kitchen reaches the garden through a screen door
and the backyard through a patio door; the other connections are open hallways. Furniture: a
table in the bedroom, the living room and the dining room, a chest in the office (closed), a
fridge in the kitchen (closed), a shelf in the pantry, a desk in the study. The stale food and
some fresh food lie on the living-room table.

What the seed varies (LMRL-Gym varies only the start room): the start room; whether the house is
mirrored east-west; whether the pantry and the study exist (8 to 10 rooms); whether each of the
two doors starts closed; and which 4 to 7 distractor items (from a pool of 14: dishes, a book,
keys, fruit, bread, ...) lie where (on furniture, in the chest or the fridge, or on a floor).

### LMRL-Gym's rules: ``rules="lmrl"``

``gym.make("rlbench/TextNav-v0", rules="lmrl")`` (or ``TextNavPO-v0``) plays LMRL-Gym's setting,
so that its published numbers can be set beside ours:

- LMRL-Gym's house and nothing else: the eight rooms drawn above (no study, no pantry), never
  mirrored, joined by open hallways only (no doors); the bowl on the bedroom table, the coffee
  cup and the plate on the dining-room table, the utensils in the chest, the fruit in the
  fridge; only the start room varies (uniform over the eight);
- its objective sentence, which does not say that the fridge must be closed (winning still
  needs it closed, as in LMRL-Gym);
- a turn budget of :data:`LMRL_MAX_TURNS` (15) commands, the length of the episodes of
  LMRL-Gym's Text-Nav data (``collect_data.py``); its env itself sets none (see below);
- on ``TextNav-v0`` (LMRL-Gym's fully observed variant shows the inventory as well as the room)
  every reply also says what the player carries; ``TextNavPO-v0`` names neither.

### Differences from LMRL-Gym

Under ``rules="lmrl"``:

- **Turn budget.** LMRL-Gym's Text-Nav env has no limit of its own (TextWorld plays on until
  the game ends); its data episodes stop after 15 commands and its interactive ``play`` after
  20. We take 15; pass ``max_turns`` to choose another.
- **Engine and wording.** The engine and its text are ours, not TextWorld's: room and object
  sentences, ``Exits:`` lines (TextWorld blends exits into prose), the inventory sentence.
  The admissible commands use TextWorld's wording (``take stale food from table``, ``insert
  stale food into fridge``) and, like LMRL-Gym's, leave out look, inventory and examine.
- **Invalid commands.** TextWorld answers an impossible command in character and LMRL-Gym
  scores it 0; we also score it 0 but say why and flag it (``info["invalid_action"]``), and
  read commands leniently (see Action Space).
- **Flavour text.** Rooms are never described with flavour text, so that the hidden-location
  variant hides the room for real.

Under the default ``rules="rlbench"``, in addition: the seed varies the house (mirroring,
optional rooms, doors, distractors: see above), the objective says that the fridge must be
closed, the budget is 50 commands and the inventory is never shown unasked.

## Action Space

``Text(max_length=400, charset=string.printable)``: a command. The parser knows ``go``,
``take``, ``put``/``insert``, ``drop``, ``open``, ``close``, ``eat``, ``look``, ``inventory`` and
``examine``, with synonyms (``walk``/``head``/a bare ``north`` or ``n``; ``get``/``grab``/
``pick up``; ``place``/``set``; ``shut``; ``consume``/``devour``; ``l``; ``i``/``inv``; ``x``/
``look at``), articles (``the``, ``a``, ``some``) and object synonyms (``refrigerator``, ``mug``,
or a name's last word such as ``food``, asked back when it is ambiguous). The wrappers a
language model puts around a command are dropped (:func:`command_words`): opening ``I``,
``I'll``, ``I'd like to``, ``Let's``, ``Please``, ``Action:`` and closing ``please``/``now``
(``"I move west."``, ``"Let's go north"``, ``"Pick up the stale food, please."``), and so are
a list number (``"1. go west"``) and a reason after the command (``"go west. The kitchen is
that way."``, ``"go west to the dining room"``); case and punctuation never matter. Strict where a reading would be a guess: two commands or two things
joined by ``and``/``then`` or after a full stop (``"take the stale food and go east"``,
``"go west. Then go north."``: ``One command at a time:
...``; ``"take bread and cheese"``: ``One thing at a time: ...``), two directions (``"go north
east"``: ``One direction at a time: north or east?``) and a name that fits two things (``Which
do you mean, the stale food or the fresh food?``) are refused with that reply, never read as
one of their meanings; ``"go to the kitchen"`` is told that rooms are reached by direction;
an unknown verb gets ``I don't know the verb 'dance'.``. The useful commands
now are in the observation and in ``info["admissible_actions"]``, in canonical form (``go east``,
``take stale food from table``, ``insert stale food into fridge``, ``put bowl on table``,
``open fridge``, ``eat fruit``, ...); like LMRL-Gym, that list leaves out ``look``,
``inventory`` and ``examine``, which are accepted but change nothing.
:meth:`TextNavEnv.action_vocabulary` is a fixed list of every canonical command any house can
offer, for the ``Discrete`` wrapper.

## Observation Space

``Text(max_length=20000, charset=string.printable)``: the transcript, shortened from the front
when it outgrows the space. The opening states the objective, describes the room and lists the
admissible commands; every command is answered with what happened (entering a room describes
it) and ``Admissible commands: ...``.

| variant | a room description |
|---------|--------------------|
| ``TextNav-v0`` | ``You are in the kitchen.`` then the furniture and what is on or in it, the floor, and ``Exits: east, north (closed screen door).`` |
| ``TextNavPO-v0`` | the same, but ``You are in a room.``: the room is never named |

## Rewards

1 on the turn that wins (the stale food in the closed fridge), 0 on every other turn. A command
the parser cannot read or that is not possible now (``take fridge``, ``go up``, putting into a
closed fridge) gets 0, a message saying why, and ``info["invalid_action"] = True``; the game
goes on. As in LMRL-Gym, where TextWorld counts every command, such a command costs one of the
``max_turns`` turns; like every turn but the winning one it pays 0, so it costs time, not
reward.

## Starting State

A house drawn from the reset seed as described above; the player holds nothing.

## Episode End

Termination on winning, or on eating the stale food (a failure, reward 0); truncation after
``max_turns`` commands (50; 15 under ``rules="lmrl"``), invalid ones included.

## Arguments

```python
gym.make("rlbench/TextNav-v0", hide_location=False, max_turns=None, close_fridge_to_win=True,
         num_distractors=(4, 7), closed_door_probability=0.5, rules="rlbench",
         render_mode=None)
gym.make("rlbench/TextNavPO-v0")  # the same with hide_location=True
```

- ``hide_location``: never name the room the player is in (LMRL-Gym's ``hide_location``).
- ``max_turns``: commands before truncation; ``None`` is the rules' budget, 50 (15 under
  ``rules="lmrl"``). Pass ``max_episode_steps`` to ``gym.make`` as well to go beyond 50.
- ``close_fridge_to_win``: ``False`` wins as soon as the food is in the fridge.
- ``num_distractors``: fewest and most distractor items in a house, both included.
- ``closed_door_probability``: each of the two doors' chance to start closed.
- ``rules``: ``"rlbench"`` (the seeded house above) or ``"lmrl"`` (LMRL-Gym's fixed house,
  objective, budget and inventory display). ``num_distractors`` and
  ``closed_door_probability`` describe our houses only: setting them with ``rules="lmrl"`` is
  an error.
- ``render_mode``: ``"ansi"`` returns the transcript.

MDP family (:func:`clutter_family`): in distribution a house holds a fixed number of 2 to 7
distractors and its doors start closed with a chance drawn from [0.2, 0.8]; held out it holds
9 to 14 distractors and both doors start closed.

``info`` adds ``rooms_visited`` (distinct rooms entered, the start included) and
``food_eaten`` to the base entries.

## Reference Scores

The ``textnav_solver`` expert explores room by room from the text alone (it maps the house by
dead reckoning, which works because the rooms lie on a grid), takes the food when it sees it,
and carries it to the fridge. ``rlbench evaluate --episodes 100 --seed 0``:

| env | ``textnav_solver`` | random (uniform over admissible commands) |
|-----|--------------------|-------------------------------------------|
| ``TextNav-v0`` | 1.00, 100%, 9.8 commands (6 to 17) | 0.00, 0%; eats the food in 38% |
| ``TextNavPO-v0`` | 1.00, 100%, 9.8 commands (6 to 17) | 0.00, 0%; eats the food in 38% |

The random agent did not win once in 2,000 further episodes: a win needs at least six
particular commands in order (take the food, walk two rooms, open the fridge, insert the food,
close the fridge) and no bite of the food on the way.

Under ``rules="lmrl"`` (``python benchmarks/lmrl_mode.py``, 200 episodes) ``textnav_solver``
wins every episode of both variants in 8 to 11 commands, inside the 15-command budget; random
wins none. LMRL-Gym's repository holds no raw Text-Nav return to set beside these (its paper
reports normalised scores only).

## Version History

- v0: LMRL-Gym's Text-Nav house, with seeded layout and distractors; ``rules="lmrl"`` for
  LMRL-Gym's fixed house and budget.

## Credits

Task, house, furniture, items and objective: LMRL-Gym (Abdulhai et al., "LMRL Gym: Benchmarks
for Multi-Turn Reinforcement Learning with Language Models", 2023), itself built on Microsoft's
TextWorld (Cote et al., 2018). Engine and parser written for this suite; no TextWorld code.

Example:
    >>> import gymnasium as gym, rlbench_suite.envs.language
    >>> env = gym.make("rlbench/TextNav-v0")
    >>> observation, info = env.reset(seed=10)
    >>> print(observation)
    Your objective is to put the stale food on the table in the living room into the fridge in the kitchen, then close the fridge.
    <BLANKLINE>
    You are in the bedroom.
    There is a table here. On the table you see some fruit.
    Exits: south, west.
    Admissible commands: go south, go west, take fruit from table
    >>> observation, reward, terminated, truncated, info = env.step("walk W")
    >>> print(observation.split("> walk W")[-1].strip())
    You go west.
    You are in the living room.
    There is a table here. On the table you see some stale food and some fresh food.
    Exits: east, north, south, west.
    Admissible commands: go east, go north, go south, go west, take fresh food from table, take stale food from table
    >>> observation, reward, terminated, truncated, info = env.step("take food")
    >>> observation.splitlines()[-2], info["invalid_action"]
    ('Which do you mean, the stale food or the fresh food?', True)
    >>> observation, reward, terminated, truncated, info = env.step("grab the stale food")
    >>> observation.splitlines()[-2], reward
    ('You take the stale food from the table.', 0.0)

"""  # noqa: E501 -- the table and the doctest quote whole observation lines

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from rlbench_suite.envs.language.base import LanguageEnv, Turn, register_language_env

# ==============================================================================================
# The engine: things, rooms, a world, a parser
# ==============================================================================================

#: Grid step of each direction as (east, north).
DIRECTIONS: dict[str, tuple[int, int]] = {
    "north": (0, 1),
    "south": (0, -1),
    "east": (1, 0),
    "west": (-1, 0),
}
DIRECTION_WORDS: dict[str, str] = {
    **{direction: direction for direction in DIRECTIONS},
    **{direction[0]: direction for direction in DIRECTIONS},
}
ARTICLES = frozenset({"the", "a", "an", "some", "my"})
#: Words that end a room's name: "go to the kitchen" is answered with how to move.
ROOM_WORDS = frozenset(
    (
        "room",
        "kitchen",
        "bedroom",
        "bathroom",
        "office",
        "garden",
        "backyard",
        "study",
        "pantry",
        "hall",
        "hallway",
        "yard",
    )
)


class CommandError(Exception):
    """A command the world cannot carry out; the message says why, in the game's voice."""


@dataclass(eq=False)
class Thing:
    """Anything the player can refer to: it has a name, synonyms and an indefinite article.

    Things compare by identity (two tables are two tables). A noun phrase names a thing when it
    is the name, a synonym, or the name's trailing words (``cup`` for ``coffee cup``).
    """

    name: str
    synonyms: tuple[str, ...] = ()
    article: str = "a"
    description: str = ""

    @property
    def indefinite(self) -> str:
        """The name with its article: ``a bowl``, ``some stale food``."""
        return f"{self.article} {self.name}"

    def match(self, phrase: str) -> int:
        """How well ``phrase`` names this thing: 2 exactly, 1 by the name's last words, 0 not."""
        if phrase == self.name or phrase in self.synonyms:
            return 2
        return 1 if self.name.endswith(" " + phrase) else 0


@dataclass(eq=False)
class PortableObject(Thing):
    """A thing the player can take, carry, put somewhere and drop."""


@dataclass(eq=False)
class EdibleObject(PortableObject):
    """A portable thing the player can eat (it is gone afterwards)."""


@dataclass(eq=False)
class Holder(Thing):
    """Furniture that holds portable objects, on it or in it."""

    contents: list[PortableObject] = field(default_factory=list)
    #: How the contents relate to the holder in text: ``on`` the table, ``in`` the fridge.
    preposition: ClassVar[str] = "on"

    @property
    def accessible(self) -> bool:
        """Whether the contents can be seen and reached."""
        return True

    def describe(self) -> str:
        """The holder as seen on entering the room: that it is here, and what it holds."""
        return f"There is {self.indefinite} here. {self.contents_sentence()}"

    def contents_sentence(self) -> str:
        """What is on or in the holder, as the player sees it now."""
        if not self.contents:
            return f"There is nothing {self.preposition} the {self.name}."
        listed = list_phrase(item.indefinite for item in self.contents)
        return f"{self.preposition.capitalize()} the {self.name} you see {listed}."


@dataclass(eq=False)
class Supporter(Holder):
    """A surface (table, shelf, desk): objects go on it and are always in view."""

    preposition: ClassVar[str] = "on"


@dataclass(eq=False)
class Container(Holder):
    """A box that opens and closes (fridge, chest): its contents are hidden while it is closed."""

    is_open: bool = False
    preposition: ClassVar[str] = "in"

    @property
    def accessible(self) -> bool:
        """Only an open container's contents can be seen and reached."""
        return self.is_open

    def contents_sentence(self) -> str:
        """Whether the container is open, and what is in it if so."""
        if not self.is_open:
            return f"The {self.name} is closed."
        if not self.contents:
            return f"The {self.name} is open and empty."
        listed = list_phrase(item.indefinite for item in self.contents)
        return f"The {self.name} is open; in it you see {listed}."


@dataclass(eq=False)
class Door(Thing):
    """A door between two rooms; a closed door blocks the way."""

    is_open: bool = False


@dataclass(eq=False)
class Exit:
    """One way out of a room: where it leads and the door on it, if any."""

    destination: Room
    door: Door | None = None

    @property
    def passable(self) -> bool:
        """Whether the player can go this way now."""
        return self.door is None or self.door.is_open


@dataclass(eq=False)
class Room:
    """A place: its furniture, what lies on its floor, and its exits by direction."""

    name: str
    furniture: list[Holder] = field(default_factory=list)
    floor: list[PortableObject] = field(default_factory=list)
    exits: dict[str, Exit] = field(default_factory=dict)


def connect(room: Room, direction: str, other: Room, door: Door | None = None) -> None:
    """Join ``room`` to ``other`` both ways: ``other`` lies ``direction`` of ``room``."""
    opposite = {"north": "south", "south": "north", "east": "west", "west": "east"}[direction]
    if direction in room.exits or opposite in other.exits:
        raise ValueError(f"{room.name} already has an exit {direction} or {other.name} {opposite}")
    room.exits[direction] = Exit(other, door)
    other.exits[opposite] = Exit(room, door)


def list_phrase(phrases: Iterable[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (or another conjunction)."""
    items = list(phrases)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


@dataclass(frozen=True, eq=False)
class Command:
    """A parsed command: a verb and the things or direction it applies to."""

    verb: str  # go, take, put, drop, open, close, eat, look, inventory, examine
    subject: Thing | None = None
    target: Thing | None = None
    direction: str | None = None

    @property
    def text(self) -> str:
        """The canonical wording, as listed among the admissible commands."""
        if self.verb == "go":
            return f"go {self.direction}"
        if self.verb == "take" and self.target is not None:
            return f"take {self.subject.name} from {self.target.name}"
        if self.verb == "put":
            if isinstance(self.target, Container):
                return f"insert {self.subject.name} into {self.target.name}"
            return f"put {self.subject.name} on {self.target.name}"
        if self.subject is not None:
            return f"{self.verb} {self.subject.name}"
        return self.verb


#: Verbs the player may type, longest first so that ``pick up`` wins over a bare ``pick``.
VERB_SYNONYMS: dict[str, str] = {
    "go": "go",
    "walk": "go",
    "move": "go",
    "head": "go",
    "run": "go",
    "take": "take",
    "get": "take",
    "grab": "take",
    "pick up": "take",
    "put": "put",
    "place": "put",
    "set": "put",
    "insert": "put",
    "put down": "drop",
    "drop": "drop",
    "discard": "drop",
    "open": "open",
    "close": "close",
    "shut": "close",
    "eat": "eat",
    "consume": "eat",
    "devour": "eat",
    "look at": "examine",
    "examine": "examine",
    "x": "examine",
    "inspect": "examine",
    "look": "look",
    "l": "look",
    "look around": "look",
    "inventory": "inventory",
    "inv": "inventory",
    "i": "inventory",
}
_SOURCE_SPLIT = re.compile(r"^(?P<subject>.+?) (?:from|off of|off|out of) (?P<other>.+)$")
_TARGET_SPLIT = re.compile(
    r"^(?P<subject>.+?) (?:into|in to|inside of|inside|in|onto|on top of|on) (?P<other>.+)$"
)


#: Opening phrases a language model wraps a command in ("I'd like to", "Let's", "Please");
#: after apostrophes are dropped (``i'd`` is ``id``). Longest first.
WRAPPER_PHRASES: tuple[str, ...] = tuple(
    sorted(
        (
            "i would like to",
            "id like to",
            "i want to",
            "i wanna",
            "i am going to",
            "im going to",
            "i am gonna",
            "im gonna",
            "i think i will",
            "i think ill",
            "i think i should",
            "i should",
            "i will",
            "ill",
            "i shall",
            "i choose to",
            "i decide to",
            "i try to",
            "i will try to",
            "try to",
            "i",
            "lets",
            "let me",
            "let us",
            "we",
            "we will",
            "please",
            "now",
            "then",
            "next",
            "first",
            "ok",
            "okay",
            "so",
            "alright",
            "action",
            "command",
            "my action is",
            "my command is",
            "my next action is",
            "my next command is",
            "next action",
            "and",
        ),
        key=lambda phrase: -len(phrase.split()),
    )
)
#: Closing words that only soften a command ("open the fridge please").
TRAILING_WORDS = frozenset(("please", "now", "thanks", "thank", "you", "first"))
#: Words that take a command back when said after it ("eat it. No wait", "... just kidding").
RETRACTIONS = frozenset(
    ("no", "not", "dont", "never", "instead", "wait", "actually", "kidding", "sorry", "oops")
)
#: A list marker opening a reply ("1. go west", "2) open fridge", "- look").
LIST_MARKER = re.compile(r"^\s*(?:\(?\d{1,2}[.):]|[-*\u2022])\s+")
#: Where a reason may start after a command ("go west. The kitchen is there.", "(to eat)").
EXPLANATION_START = re.compile(r"[.!;\n(\[]|\s(?:because|since|as|so that|so)\s", re.IGNORECASE)


def command_words(text: str) -> list[str]:
    """The words of a typed command, lower case, without wrappers a language model adds.

    Apostrophes are dropped (``let's`` is ``lets``, a curly one too), anything but letters and
    digits separates words, and opening phrases (:data:`WRAPPER_PHRASES`: ``I``, ``I'd like
    to``, ``Let's``, ``Please``, ``Action:``) and closing softeners (``please``, ``now``) are
    removed as long as a command is left (so a bare ``i`` is still ``inventory``).

    Example:
        >>> command_words("I'd like to open the fridge, please.")
        ['open', 'the', 'fridge']
        >>> command_words("Let's go North!"), command_words("i")
        (['go', 'north'], ['i'])

    """
    text = LIST_MARKER.sub("", text, count=1)
    # An apostrophe, or the "?" a curly one becomes in the transcript, joins a word's parts.
    cleaned = re.sub(r"(?<=[a-z])[?'\u2019](?=[a-z])", "", text.lower())
    words = re.sub(r"[^a-z0-9 ]", " ", cleaned).split()
    stripped = True
    while stripped:
        stripped = False
        for phrase in WRAPPER_PHRASES:
            size = len(phrase.split())
            if len(words) > size and " ".join(words[:size]) == phrase:
                words, stripped = words[size:], True
                break
        while len(words) > 1 and words[-1] in TRAILING_WORDS:
            words, stripped = words[:-1], True
    return words


class Parser:
    """Turns typed text into a :class:`Command` for a :class:`World`, or raises CommandError.

    It knows the verbs of :data:`VERB_SYNONYMS`, bare directions, articles, and names objects
    among the things in view (an ambiguous name is asked back). Whether the command is possible
    is the world's business (:meth:`World.check`).
    """

    verbs: dict[str, str] = VERB_SYNONYMS

    def parse(self, text: str, world: World) -> Command:
        """The command ``text`` means in ``world``, or ``CommandError`` with a message.

        A reason said after the command is ignored (``"go west. The kitchen is that way."``,
        ``"take the stale food (it goes in the fridge)"``) unless it starts another command
        (``"go west. Then go north."`` is two commands, and refused).
        """
        try:
            return self._parse_words(command_words(text), world)
        except CommandError:
            for match in EXPLANATION_START.finditer(text):
                head, reason = command_words(text[: match.start()]), text[match.start() :]
                if not head:
                    continue
                try:
                    command = self._parse_words(head, world)
                except CommandError:
                    break
                second = command_words(reason)
                retraction = next((word for word in second if word in RETRACTIONS), None)
                if retraction is not None:
                    raise CommandError(
                        f"'{retraction}' makes the command unclear: say only the command."
                    ) from None
                if self._starts_command(second):
                    raise CommandError(
                        f"One command at a time: '{' '.join(head)}' and '{' '.join(second)}' "
                        "are two commands."
                    ) from None
                return command
            raise

    def _starts_command(self, words: list[str]) -> bool:
        """Whether ``words`` open with a verb or a direction, as a second command would."""
        return bool(words) and (
            words[0] in DIRECTION_WORDS
            or words[0] in self.verbs
            or " ".join(words[:2]) in self.verbs
        )

    def _parse_words(self, words: list[str], world: World) -> Command:
        """The command that the (wrapper-free) ``words`` mean in ``world``."""
        if not words:
            raise CommandError("Say something: a command such as 'go north' or 'look'.")
        self._refuse_several_commands(words)
        if " ".join(words) in DIRECTION_WORDS:
            return Command("go", direction=DIRECTION_WORDS[" ".join(words)])
        verb, rest = self._split_verb(words)
        if verb == "go":
            return self._parse_go(rest)
        if verb in ("look", "inventory"):
            if rest:
                raise CommandError(f"'{verb}' takes no object; try 'examine {' '.join(rest)}'.")
            return Command(verb)
        phrase = " ".join(rest)
        if verb == "put" and phrase.endswith(" down"):
            verb, phrase = "drop", phrase.removesuffix(" down")
        if not phrase:
            raise CommandError(f"What do you want to {verb}?")
        if verb in ("take", "put"):
            splitter = _SOURCE_SPLIT if verb == "take" else _TARGET_SPLIT
            match = splitter.match(phrase)
            if match is not None:
                subject = self.resolve(match["subject"], world)
                return Command(verb, subject, self.resolve(match["other"], world))
            if verb == "put":
                raise CommandError(f"Where do you want to put the {self._noun(phrase)}?")
            subject = self.resolve(phrase, world)
            # "take X" means "take X from wherever it is", so it reads as the listed command.
            return Command(verb, subject, world.holder_of(subject))
        return Command(verb, self.resolve(phrase, world))

    def _refuse_several_commands(self, words: list[str]) -> None:
        """Raise CommandError when ``words`` hold two commands or two objects joined by and/then."""
        for index, word in enumerate(words):
            if word not in ("and", "then") or index == 0:
                continue
            rest = words[index + 1 :]
            if rest[:1] == ["then"]:  # "and then go west"
                rest = rest[1:]
            first = " ".join(words[:index])
            if self._starts_command(rest):
                second = " ".join(rest)
                raise CommandError(
                    f"One command at a time: '{first}' and '{second}' are two commands."
                )
            raise CommandError(f"One thing at a time: '{' '.join(words)}' names more than one.")

    def _split_verb(self, words: list[str]) -> tuple[str, list[str]]:
        for length in (2, 1):
            head = " ".join(words[:length])
            if len(words) >= length and head in self.verbs:
                return self.verbs[head], words[length:]
        raise CommandError(f"I don't know the verb '{words[0]}'.")

    def _parse_go(self, rest: list[str]) -> Command:
        named = [word for word in rest if word in DIRECTION_WORDS]
        if len(named) == 1 and rest[0] in DIRECTION_WORDS and rest[1:2] in (["to"], ["into"]):
            # "go west to the dining room": the direction is the command, the room its hope.
            return Command("go", direction=DIRECTION_WORDS[rest[0]])
        words = [word for word in rest if word not in ("to", "the")]
        if len(words) == 1 and words[0] in DIRECTION_WORDS:
            return Command("go", direction=DIRECTION_WORDS[words[0]])
        named = [DIRECTION_WORDS[word] for word in words if word in DIRECTION_WORDS]
        if len(named) > 1:
            raise CommandError(f"One direction at a time: {list_phrase(named, 'or')}?")
        if words and words[-1] in ROOM_WORDS:
            raise CommandError(
                "Go where? Rooms are reached by direction: north, south, east or west."
            )
        raise CommandError("Go where? Say north, south, east or west.")

    @staticmethod
    def _noun(phrase: str) -> str:
        return " ".join(word for word in phrase.split() if word not in ARTICLES)

    def resolve(self, phrase: str, world: World) -> Thing:
        """The thing in view that ``phrase`` names; ambiguity and absence raise CommandError."""
        noun = self._noun(phrase)
        scored = [(thing.match(noun), thing) for thing in world.things_in_view()]
        best = max((score for score, _ in scored), default=0)
        if best == 0:
            raise CommandError(f"You can't see any '{noun}' here.")
        candidates = [thing for score, thing in scored if score == best]
        if len(candidates) > 1:
            names = list_phrase((f"the {thing.name}" for thing in candidates), "or")
            raise CommandError(f"Which do you mean, {names}?")
        return candidates[0]


class World:
    """The state of a game: rooms, where the player is, what they carry and what was eaten.

    :meth:`respond` reads a typed command and carries it out or says why not;
    :meth:`admissible_commands` lists, in canonical wording, every state-changing command that
    is possible now (look, inventory and examine are always possible and left out).

    Args:
        rooms: every room (connected with :func:`connect`).
        start: where the player begins.
        hide_location: never name the player's room.
        parser: the :class:`Parser` that reads commands.

    """

    def __init__(
        self,
        rooms: list[Room],
        start: Room,
        hide_location: bool = False,
        parser: Parser | None = None,
    ) -> None:
        if start not in rooms:
            raise ValueError(f"start room {start.name!r} is not among the rooms")
        self.rooms = rooms
        self.location = start
        self.hide_location = hide_location
        self.parser = parser if parser is not None else Parser()
        self.inventory: list[PortableObject] = []
        self.eaten: list[EdibleObject] = []
        self.visited: list[Room] = [start]

    # -- what the player perceives -----------------------------------------------------------

    def things_in_view(self) -> list[Thing]:
        """Everything the player can refer to: furniture, reachable objects, doors, inventory."""
        room = self.location
        things: list[Thing] = [*room.furniture, *room.floor, *self.inventory]
        for holder in room.furniture:
            if holder.accessible:
                things.extend(holder.contents)
        things.extend(exit_.door for exit_ in room.exits.values() if exit_.door is not None)
        return things

    def describe_room(self) -> str:
        """The room: its name (unless hidden), furniture and contents, floor and exits."""
        room = self.location
        lines = ["You are in a room." if self.hide_location else f"You are in the {room.name}."]
        lines.extend(holder.describe() for holder in room.furniture)
        if room.floor:
            lines.append(f"On the floor you see {list_phrase(i.indefinite for i in room.floor)}.")
        exits = []
        for direction in DIRECTIONS:
            exit_ = room.exits.get(direction)
            if exit_ is None:
                continue
            if exit_.door is None:
                exits.append(direction)
            else:
                state = "open" if exit_.door.is_open else "closed"
                exits.append(f"{direction} ({state} {exit_.door.name})")
        lines.append(f"Exits: {', '.join(sorted(exits))}.")
        return "\n".join(lines)

    def describe_inventory(self) -> str:
        """What the player carries."""
        if not self.inventory:
            return "You are carrying nothing."
        return f"You are carrying {list_phrase(item.indefinite for item in self.inventory)}."

    def holder_of(self, item: Thing) -> Holder | None:
        """The furniture ``item`` is on or in, if any, in the player's room."""
        return next((h for h in self.location.furniture if item in h.contents), None)

    # -- rules -------------------------------------------------------------------------------

    def check(self, command: Command) -> None:
        """Raise CommandError, saying why, unless ``command`` is possible now."""
        verb, subject, target = command.verb, command.subject, command.target
        if verb == "go":
            exit_ = self.location.exits.get(command.direction or "")
            if exit_ is None:
                raise CommandError("You can't go that way.")
            if not exit_.passable:
                raise CommandError(f"The {exit_.door.name} is closed.")
        elif verb == "take":
            if not isinstance(subject, PortableObject):
                raise CommandError(f"You can't take the {subject.name}.")
            if subject in self.inventory:
                raise CommandError(f"You already have the {subject.name}.")
            if target is not None and self.holder_of(subject) is not target:
                where = target.preposition if isinstance(target, Holder) else "in"
                raise CommandError(f"The {subject.name} is not {where} the {target.name}.")
        elif verb in ("put", "drop", "eat"):
            if subject not in self.inventory:
                raise CommandError(f"You aren't carrying the {subject.name}.")
            if verb == "eat" and not isinstance(subject, EdibleObject):
                raise CommandError(f"The {subject.name} is not something you can eat.")
            if verb == "put":
                if not isinstance(target, Holder):
                    raise CommandError(f"You can't put anything on or in the {target.name}.")
                if not target.accessible:
                    raise CommandError(f"The {target.name} is closed.")
        elif verb in ("open", "close"):
            if not isinstance(subject, Container | Door):
                raise CommandError(f"The {subject.name} does not open or close.")
            if subject.is_open == (verb == "open"):
                state = "open" if verb == "open" else "closed"
                raise CommandError(f"The {subject.name} is already {state}.")

    def perform(self, command: Command) -> str:
        """Carry out a checked command; return what the player sees."""
        verb, subject, target = command.verb, command.subject, command.target
        if verb == "go":
            self.location = self.location.exits[command.direction].destination
            if self.location not in self.visited:
                self.visited.append(self.location)
            return f"You go {command.direction}.\n{self.describe_room()}"
        if verb == "take":
            source = self.holder_of(subject)
            if source is not None:
                source.contents.remove(subject)
            else:
                self.location.floor.remove(subject)
            self.inventory.append(subject)
            origin = "" if source is None else f" from the {source.name}"
            return f"You take the {subject.name}{origin}."
        if verb == "put":
            self.inventory.remove(subject)
            target.contents.append(subject)
            placed = "into" if isinstance(target, Container) else "on"
            return f"You put the {subject.name} {placed} the {target.name}."
        if verb == "drop":
            self.inventory.remove(subject)
            self.location.floor.append(subject)
            return f"You drop the {subject.name} on the floor."
        if verb == "eat":
            self.inventory.remove(subject)
            self.eaten.append(subject)
            return f"You eat the {subject.name}."
        if verb in ("open", "close"):
            subject.is_open = verb == "open"
            if verb == "open" and isinstance(subject, Container):
                return f"You open the {subject.name}. {subject.contents_sentence()}"
            return f"You {verb} the {subject.name}."
        if verb == "look":
            return self.describe_room()
        if verb == "inventory":
            return self.describe_inventory()
        # examine
        if isinstance(subject, Holder):
            return subject.contents_sentence()
        if isinstance(subject, Door):
            return f"The {subject.name} is {'open' if subject.is_open else 'closed'}."
        return subject.description or f"You see nothing special about the {subject.name}."

    def respond(self, text: str) -> tuple[str, bool]:
        """Read and carry out ``text``: (what the player sees, whether the command was valid)."""
        try:
            command = self.parser.parse(text, self)
            self.check(command)
        except CommandError as error:
            return str(error), False
        return self.perform(command), True

    def admissible_commands(self) -> list[str]:
        """Every possible state-changing command now, canonically worded, sorted."""
        room = self.location
        view = self.things_in_view()
        candidates = [Command("go", direction=direction) for direction in room.exits]
        for thing in view:
            if isinstance(thing, Container | Door):
                candidates.append(Command("close" if thing.is_open else "open", thing))
            if isinstance(thing, PortableObject) and thing not in self.inventory:
                candidates.append(Command("take", thing, self.holder_of(thing)))
        for item in self.inventory:
            candidates.extend(Command(verb, item) for verb in ("drop", "eat"))
            candidates.extend(Command("put", item, holder) for holder in room.furniture)
        possible = []
        for command in candidates:
            try:
                self.check(command)
            except CommandError:
                continue
            possible.append(command.text)
        return sorted(set(possible))


# ==============================================================================================
# The task: LMRL-Gym's house
# ==============================================================================================


@dataclass(frozen=True)
class ItemSpec:
    """A portable object the house can hold: its name, synonyms, article and whether it is food."""

    name: str
    synonyms: tuple[str, ...] = ()
    article: str = "a"
    edible: bool = False
    description: str = ""

    def build(self) -> PortableObject:
        """A fresh object of this kind."""
        kind = EdibleObject if self.edible else PortableObject
        return kind(self.name, self.synonyms, self.article, self.description)


STALE_FOOD = ItemSpec(
    "stale food",
    ("old food", "leftovers"),
    "some",
    edible=True,
    description="Leftovers that have sat out far too long. They belong in the fridge.",
)
FRESH_FOOD = ItemSpec("fresh food", (), "some", edible=True, description="A tasty snack.")
#: Distractors; a house holds 4 to 7 of them (LMRL-Gym's are the first five and fruit).
DISTRACTOR_POOL: tuple[ItemSpec, ...] = (
    ItemSpec("bowl"),
    ItemSpec("coffee cup", ("mug",)),
    ItemSpec("plate", ("dish",)),
    ItemSpec("utensils", ("cutlery", "silverware"), "some"),
    ItemSpec("fruit", ("apple",), "some", edible=True),
    ItemSpec("bread", ("loaf",), "some", edible=True),
    ItemSpec("cheese", (), "some", edible=True),
    ItemSpec("book", ("novel",)),
    ItemSpec("candle"),
    ItemSpec("towel"),
    ItemSpec("newspaper", ("paper",)),
    ItemSpec("keys", ("key",), "some"),
    ItemSpec("remote control", ("remote",)),
    ItemSpec("vase"),
)
DISTRACTOR_RANGE = (4, 7)  # fewest and most distractors in a house, both included
CLOSED_DOOR_PROBABILITY = 0.5

#: Each room's grid cell (east, north); the house is LMRL-Gym's, the study and pantry ours.
ROOM_CELLS: dict[str, tuple[int, int]] = {
    "living room": (0, 0),
    "bedroom": (1, 0),
    "dining room": (-1, 0),
    "kitchen": (-2, 0),
    "garden": (-2, 1),
    "backyard": (-3, 0),
    "office": (0, -1),
    "bathroom": (1, -1),
    "study": (0, 1),
    "pantry": (-2, -1),
}
OPTIONAL_ROOMS = ("study", "pantry")  # each exists on a coin flip: 8 to 10 rooms
#: Connected rooms, and the door between them where there is one.
CONNECTIONS: dict[tuple[str, str], str | None] = {
    ("bedroom", "living room"): None,
    ("living room", "dining room"): None,
    ("dining room", "kitchen"): None,
    ("kitchen", "garden"): "screen door",
    ("living room", "office"): None,
    ("office", "bathroom"): None,
    ("bedroom", "bathroom"): None,
    ("kitchen", "backyard"): "patio door",
    ("living room", "study"): None,
    ("kitchen", "pantry"): None,
}
#: Furniture by room: (name, synonyms, whether it is a container).
FURNITURE: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "bedroom": ("table", (), False),
    "living room": ("table", (), False),
    "dining room": ("table", (), False),
    "office": ("chest", ("trunk",), True),
    "kitchen": ("fridge", ("refrigerator", "icebox"), True),
    "pantry": ("shelf", ("shelves",), False),
    "study": ("desk", (), False),
}
FLOOR_PROBABILITY = 0.25  # chance a distractor lies on a floor rather than on or in furniture
MAX_TURNS = 50
#: ``rules`` values: our seeded houses, and LMRL-Gym's fixed one.
RULES = ("rlbench", "lmrl")
#: Commands per episode in LMRL-Gym's Text-Nav data (its ``collect_data.py``).
LMRL_MAX_TURNS = 15
#: Where LMRL-Gym's ``make_game.py`` puts the distractors: holder's room -> item names.
LMRL_ITEMS: dict[str, tuple[str, ...]] = {
    "bedroom": ("bowl",),
    "dining room": ("coffee cup", "plate"),
    "office": ("utensils",),
    "kitchen": ("fruit",),
}
LMRL_OBJECTIVE = (
    "Your objective is to put the stale food on the table in the living room into the fridge in "
    "the kitchen."
)


@dataclass
class House:
    """A built house: the world, and the two things the goal is about."""

    world: World
    stale_food: EdibleObject
    fridge: Container


def build_house(
    rng: np.random.Generator,
    hide_location: bool = False,
    num_distractors: tuple[int, int] = DISTRACTOR_RANGE,
    closed_door_probability: float = CLOSED_DOOR_PROBABILITY,
) -> House:
    """Draw a house from ``rng``: orientation, optional rooms, doors, distractors, start room.

    ``num_distractors`` bounds (both included) how many distractors the house holds;
    ``closed_door_probability`` is each door's chance to start closed.
    """
    mirrored = bool(rng.random() < 0.5)
    present = [name for name in ROOM_CELLS if name not in OPTIONAL_ROOMS or rng.random() < 0.5]
    rooms = {name: Room(name) for name in present}
    for (first, second), door_name in CONNECTIONS.items():
        if first not in rooms or second not in rooms:
            continue
        step = tuple(b - a for a, b in zip(ROOM_CELLS[first], ROOM_CELLS[second], strict=True))
        if mirrored:
            step = (-step[0], step[1])
        direction = next(name for name, delta in DIRECTIONS.items() if delta == step)
        door = None
        if door_name is not None:
            is_closed = bool(rng.random() < closed_door_probability)
            door = Door(door_name, description=f"A {door_name}.", is_open=not is_closed)
        connect(rooms[first], direction, rooms[second], door)
    for room_name, (name, synonyms, is_container) in FURNITURE.items():
        if room_name in rooms:
            kind = Container if is_container else Supporter
            rooms[room_name].furniture.append(kind(name, synonyms))

    stale_food = STALE_FOOD.build()
    living_room_table = rooms["living room"].furniture[0]
    living_room_table.contents.extend([stale_food, FRESH_FOOD.build()])
    count = int(rng.integers(num_distractors[0], num_distractors[1] + 1))
    holders = [holder for room in rooms.values() for holder in room.furniture]
    for index in rng.choice(len(DISTRACTOR_POOL), size=count, replace=False):
        item = DISTRACTOR_POOL[int(index)].build()
        if rng.random() < FLOOR_PROBABILITY:
            rooms[present[int(rng.integers(len(present)))]].floor.append(item)
        else:
            holders[int(rng.integers(len(holders)))].contents.append(item)

    start = rooms[present[int(rng.integers(len(present)))]]
    fridge = rooms["kitchen"].furniture[0]
    assert isinstance(fridge, Container) and isinstance(stale_food, EdibleObject)
    world = World(list(rooms.values()), start, hide_location=hide_location)
    return House(world, stale_food, fridge)


def build_lmrl_house(rng: np.random.Generator, hide_location: bool = False) -> House:
    """LMRL-Gym's house (its ``make_game.py``): fixed rooms, hallways and items; a random start.

    The eight rooms of :data:`ROOM_CELLS` without the optional ones, unmirrored, joined by open
    hallways (LMRL-Gym's house has no doors); the items where :data:`LMRL_ITEMS` puts them.
    """
    present = [name for name in ROOM_CELLS if name not in OPTIONAL_ROOMS]
    rooms = {name: Room(name) for name in present}
    for first, second in CONNECTIONS:
        if first in rooms and second in rooms:
            step = tuple(b - a for a, b in zip(ROOM_CELLS[first], ROOM_CELLS[second], strict=True))
            direction = next(name for name, delta in DIRECTIONS.items() if delta == step)
            connect(rooms[first], direction, rooms[second])
    for room_name, (name, synonyms, is_container) in FURNITURE.items():
        if room_name in rooms:
            kind = Container if is_container else Supporter
            rooms[room_name].furniture.append(kind(name, synonyms))
    stale_food = STALE_FOOD.build()
    rooms["living room"].furniture[0].contents.extend([stale_food, FRESH_FOOD.build()])
    specs = {spec.name: spec for spec in DISTRACTOR_POOL}
    for room_name, item_names in LMRL_ITEMS.items():
        holder = rooms[room_name].furniture[0]
        holder.contents.extend(specs[item_name].build() for item_name in item_names)
    start = rooms[present[int(rng.integers(len(present)))]]
    fridge = rooms["kitchen"].furniture[0]
    assert isinstance(fridge, Container) and isinstance(stale_food, EdibleObject)
    world = World(list(rooms.values()), start, hide_location=hide_location)
    return House(world, stale_food, fridge)


def _vocabulary() -> list[str]:
    """Every canonical command any house can offer, sorted."""
    items = [STALE_FOOD, FRESH_FOOD, *DISTRACTOR_POOL]
    supporters = [name for name, _, is_container in FURNITURE.values() if not is_container]
    containers = [name for name, _, is_container in FURNITURE.values() if is_container]
    doors = [door for door in CONNECTIONS.values() if door is not None]
    commands = {f"go {direction}" for direction in DIRECTIONS}
    for openable in [*containers, *doors]:
        commands.update({f"open {openable}", f"close {openable}"})
    for item in items:
        commands.update({f"take {item.name}", f"drop {item.name}"})
        commands.update(f"take {item.name} from {holder}" for holder in supporters + containers)
        commands.update(f"put {item.name} on {supporter}" for supporter in supporters)
        commands.update(f"insert {item.name} into {container}" for container in containers)
        if item.edible:
            commands.add(f"eat {item.name}")
    return sorted(commands)


ACTION_VOCABULARY: tuple[str, ...] = tuple(_vocabulary())


class TextNavEnv(LanguageEnv):
    """LMRL-Gym's Text-Nav: take the stale food to the fridge; the location may be hidden.

    Args:
        hide_location: never name the player's room (``TextNavPO-v0``).
        max_turns: commands before truncation.
        close_fridge_to_win: require the fridge closed on the food, as LMRL-Gym does.
        num_distractors: fewest and most distractor items in a house (both included).
        closed_door_probability: each door's chance to start closed.
        rules: ``"rlbench"`` or ``"lmrl"`` (LMRL-Gym's fixed house, objective and budget).
        render_mode: ``"ansi"`` returns the transcript.

    """

    def __init__(
        self,
        hide_location: bool = False,
        max_turns: int | None = None,
        close_fridge_to_win: bool = True,
        num_distractors: tuple[int, int] = DISTRACTOR_RANGE,
        closed_door_probability: float = CLOSED_DOOR_PROBABILITY,
        rules: str = "rlbench",
        render_mode: str | None = None,
    ) -> None:
        if rules not in RULES:
            raise ValueError(f"TextNavEnv: rules must be one of {RULES}, got {rules!r}")
        if rules == "lmrl" and (
            tuple(num_distractors) != DISTRACTOR_RANGE
            or closed_door_probability != CLOSED_DOOR_PROBABILITY
        ):
            raise ValueError(
                "TextNavEnv: rules='lmrl' plays LMRL-Gym's fixed house, which has no doors and "
                "fixed items; num_distractors and closed_door_probability cannot be set with it, "
                f"got {num_distractors!r} and {closed_door_probability!r}"
            )
        if max_turns is None:
            max_turns = LMRL_MAX_TURNS if rules == "lmrl" else MAX_TURNS
        for name, flag in (
            ("hide_location", hide_location),
            ("close_fridge_to_win", close_fridge_to_win),
        ):
            if not isinstance(flag, bool):
                raise TypeError(f"TextNavEnv: {name} must be a bool, got {flag!r}")
        if isinstance(max_turns, bool) or not isinstance(max_turns, int) or max_turns < 1:
            raise ValueError(f"TextNavEnv: max_turns must be a positive integer, got {max_turns!r}")
        low, high = _distractor_bounds(num_distractors)
        if not isinstance(closed_door_probability, int | float) or not (
            0.0 <= closed_door_probability <= 1.0
        ):
            raise ValueError(
                "TextNavEnv: closed_door_probability must be in [0, 1], "
                f"got {closed_door_probability!r}"
            )
        super().__init__(max_turns=max_turns, render_mode=render_mode)
        self.hide_location = hide_location
        self.rules = rules
        self.close_fridge_to_win = close_fridge_to_win
        self.num_distractors = (low, high)
        self.closed_door_probability = float(closed_door_probability)
        self.house: House | None = None

    @property
    def objective(self) -> str:
        """The sentence that opens every episode."""
        if self.rules == "lmrl":
            return LMRL_OBJECTIVE
        then_close = ", then close the fridge" if self.close_fridge_to_win else ""
        return (
            "Your objective is to put the stale food on the table in the living room into the "
            f"fridge in the kitchen{then_close}."
        )

    def _begin(self) -> str:
        if self.rules == "lmrl":
            self.house = build_lmrl_house(self.np_random, hide_location=self.hide_location)
        else:
            self.house = build_house(
                self.np_random,
                hide_location=self.hide_location,
                num_distractors=self.num_distractors,
                closed_door_probability=self.closed_door_probability,
            )
        return f"{self.objective}\n\n{self.house.world.describe_room()}\n{self._admissible_line()}"

    def _turn(self, action: str) -> Turn:
        house = self.house
        feedback, valid = house.world.respond(action)
        if house.stale_food in house.world.eaten:
            lost = f"{feedback}\nIt tastes awful; the stale food is gone. You lost."
            return Turn(reply=lost, reward=0.0, terminated=True)
        if house.stale_food in house.fridge.contents and not (
            self.close_fridge_to_win and house.fridge.is_open
        ):
            won = f"{feedback}\nThe stale food is in the fridge. You won!"
            return Turn(reply=won, reward=1.0, terminated=True, success=True)
        if self.rules == "lmrl" and not self.hide_location:
            # LMRL-Gym's fully observed variant shows the inventory after every command.
            feedback = f"{feedback}\n{house.world.describe_inventory()}"
        return Turn(reply=f"{feedback}\n{self._admissible_line()}", reward=0.0, invalid=not valid)

    def _admissible_line(self) -> str:
        return f"Admissible commands: {', '.join(self.admissible_actions())}"

    def admissible_actions(self) -> list[str]:
        """The state-changing commands possible now (look, inventory, examine left out)."""
        return [] if self.house is None else self.house.world.admissible_commands()

    def action_vocabulary(self) -> list[str]:
        """Every canonical command any house can offer (the same list every episode)."""
        return list(ACTION_VOCABULARY)

    def _extra_info(self) -> dict[str, Any]:
        if self.house is None:
            return {}
        return {
            "rooms_visited": len(self.house.world.visited),
            "food_eaten": self.house.stale_food in self.house.world.eaten,
        }


def _distractor_bounds(num_distractors: Any) -> tuple[int, int]:
    """Check ``(fewest, most)`` distractors against the pool; raise naming what came."""
    try:
        low, high = (int(bound) for bound in num_distractors)
    except (TypeError, ValueError):
        low, high = -1, -1
    if not 0 <= low <= high <= len(DISTRACTOR_POOL):
        raise ValueError(
            "TextNavEnv: num_distractors must be (fewest, most) with "
            f"0 <= fewest <= most <= {len(DISTRACTOR_POOL)}, got {num_distractors!r}"
        )
    return low, high


def clutter_family(rng: np.random.Generator, split: str) -> dict[str, Any]:
    """MDP family: how cluttered the house is and how often its doors start closed.

    In distribution: a fixed count of 2 to 7 distractors and a door-closing chance in
    [0.2, 0.8]; held out: 9 to 14 distractors and both doors closed.
    """
    if split == "held_out":
        count, closed = int(rng.integers(9, len(DISTRACTOR_POOL) + 1)), 1.0
    else:
        count, closed = int(rng.integers(2, 8)), float(rng.uniform(0.2, 0.8))
    return {"num_distractors": (count, count), "closed_door_probability": closed}


def register() -> None:
    """Register ``rlbench/TextNav-v0`` and ``rlbench/TextNavPO-v0``."""
    from rlbench_suite.registry import MDPFamily

    entry_point = "rlbench_suite.envs.language.text_nav:TextNavEnv"
    family = MDPFamily(
        clutter_family,
        "distractors 2-7 and door-closing chance 0.2-0.8; held out 9-14 and doors closed",
    )
    register_language_env(
        "rlbench/TextNav-v0",
        entry_point,
        agents=("random", "textnav_solver"),
        expert_agent="textnav_solver",
        max_episode_steps=MAX_TURNS,
        summary="LMRL-Gym's Text-Nav: carry the stale food to the fridge in a text adventure",
        mdp_family=family,
    )
    register_language_env(
        "rlbench/TextNavPO-v0",
        entry_point,
        agents=("random", "textnav_solver"),
        expert_agent="textnav_solver",
        max_episode_steps=MAX_TURNS,
        summary="LMRL-Gym's Text-Nav with the player's location never named",
        mdp_family=family,
        kwargs={"hide_location": True},
    )


def return_bounds(**env_kwargs: Any) -> tuple[float, float]:
    """Smallest and largest episode return of ``TextNavEnv(**env_kwargs)``: [0, 1].

    :meth:`TextNavEnv._turn` pays 0 on every turn (invalid commands and eating the stale food
    included) except the winning one, which pays 1 and ends the episode; so a return is 1 for
    a won game and 0 otherwise, whatever ``max_turns``.
    """
    import inspect

    # Bound only to refuse keyword arguments the env does not take; none changes the bounds.
    inspect.signature(TextNavEnv).bind(**env_kwargs)
    return 0.0, 1.0
