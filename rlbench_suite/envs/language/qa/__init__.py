"""What the two question-answer tasks (TwentyQuestions, GuessMyCity) share.

- **Text**: :func:`fold` (Unicode to ASCII: ``São Paulo`` -> ``Sao Paulo``, ``Zürich`` ->
  ``Zurich``, curly quotes to straight ones), :func:`normalise` (lower case, apostrophes dropped,
  digit groups joined, decimal points kept, everything else but words a space), :func:`tokens`
  and the crude :func:`stem` that lets ``storing food`` match ``store food``.
- **Numbers**: :func:`parse_number` reads digits and written numbers (``10``, ``2.5``, ``ten``,
  ``twenty-one``, ``a dozen``, ``ten million``, ``1.5 billion``, ``10m``).
- **Negation**: :data:`NEGATORS` negate what follows; :data:`LEADING_NEGATIVE_AUXILIARIES`
  opening a question (``Isn't it ...?``) ask for confirmation instead.
- **Guesses**: :func:`strip_guess_opening` takes ``My guess is``, ``Is it``, ``I think it's``
  and an article off an utterance, so what is left can be compared with a name.
- **The don't-know rule**: an oracle answers ``Yes.`` or ``No.`` only to a question it fully
  understood. Any content word it cannot place, any attribute its knowledge base does not hold
  and any object named inside a question that is not a guess gets :data:`DONT_UNDERSTAND` or
  :data:`DONT_KNOW`, never a yes or a no. :data:`FILLER_WORDS` lists the words that carry no
  content of their own (articles, pronouns, auxiliaries, hedges), so that every other word of a
  question must be placed before it is answered.
- **Turn cost**: :func:`unanswered_turn_reward` gives the reward of a turn the oracle could not
  answer, under the envs' ``charge_unanswered`` option.
"""

from __future__ import annotations

import re
import unicodedata

#: The oracle understood the question but its knowledge base does not settle it.
DONT_KNOW = "I don't know."
#: The oracle could not place every word of the question.
DONT_UNDERSTAND = "I didn't understand that question; please ask it another way."

_SPECIAL_FOLDS = {
    "\u00df": "ss", "\u00e6": "ae", "\u00c6": "ae", "\u0153": "oe", "\u0152": "oe",
    "\u00f8": "o", "\u00d8": "o", "\u0142": "l", "\u0141": "l", "\u0111": "d", "\u0110": "d",
    "\u00f0": "d", "\u00fe": "th", "\u0131": "i", "\u2018": "'", "\u2019": "'", "\u201c": '"',
    "\u201d": '"', "\u2013": "-", "\u2014": "-",
}  # fmt: skip


def fold(text: str) -> str:
    """``text`` in ASCII: accents dropped (``São`` -> ``Sao``), ``ß`` -> ``ss``, quotes straight.

    The envs see actions after :func:`~rlbench_suite.envs.language.base.printable`, which writes
    any other character as ``?``; :func:`normalise` reads an ``?`` inside a word as an
    apostrophe before ``t``/``s``/``re``/``ll``/``ve``/``d``/``m`` and as a wildcard letter
    otherwise (kept as ``?``).
    """
    text = "".join(_SPECIAL_FOLDS.get(char, char) for char in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalise(text: str) -> str:
    """Lower case ASCII words and numbers separated by single spaces.

    Apostrophes are dropped (``isn't`` -> ``isnt``), digit groups joined (``2,500,000`` ->
    ``2500000``), a dot survives only as a decimal point (``D.C.`` -> ``dc``, ``2.5`` stays),
    hyphens and other punctuation become spaces (``T-shirt`` -> ``t shirt``), and an unknown
    letter (``?`` between letters, what ``printable`` makes of ``ã``) stays as ``?``.

    >>> normalise("Isn't it São Paulo, pop. 2,500,000 (or 2.5m)?")
    'isnt it sao paulo pop 2500000 or 2.5m'
    >>> normalise("S?o Paulo, it?s Z?rich")
    's?o paulo its z?rich'
    """
    text = fold(text).lower()
    text = re.sub(r"(?<=[a-z])\?(?=(?:t|s|re|ll|ve|d|m)\b)", "'", text)
    text = text.replace("'", "").replace("`", "")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"(?<=[a-z])\?(?=[a-z])", "\x00", text)
    text = re.sub(r"[^a-z0-9.\x00]+", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", "", text)
    return " ".join(text.replace("\x00", "?").split())


def tokens(text: str) -> list[str]:
    """The words of normalised ``text``."""
    return normalise(text).split()


def stem(word: str) -> str:
    """A crude stem, equal for the usual inflections: ``stores``/``storing``/``stored`` -> ``stor``.

    >>> [stem(w) for w in ("store", "storing", "stores", "stored", "berries", "berry", "teeth")]
    ['stor', 'stor', 'stor', 'stor', 'berry', 'berry', 'tooth']
    """
    irregular = {"teeth": "tooth", "feet": "foot", "mice": "mouse", "geese": "goose",
                 "knives": "knife", "leaves": "leaf", "children": "child", "people": "person",
                 "men": "man", "women": "woman", "lives": "live", "ate": "eat", "eaten": "eat",
                 "flew": "fly", "flies": "fly", "grew": "grow", "grown": "grow", "wore": "wear",
                 "worn": "wear", "made": "make", "kept": "keep", "held": "hold", "swam": "swim",
                 "ran": "run", "built": "build", "found": "find"}  # fmt: skip
    if word in irregular:
        return irregular[word]
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        word = word[:-2]
    elif (
        len(word) > 3
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is"))
        and word not in ("news", "lens", "series", "species", "gas", "yes")
    ):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
        if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "lsz":
            word = word[:-1]
    elif len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        word = word[:-2]
        if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "lsz":
            word = word[:-1]
    if len(word) > 4 and word.endswith("e") and not word.endswith(("ee", "ie", "oe")):
        word = word[:-1]
    return word


# -- numbers ------------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "none": 0, "one": 1, "a single": 1, "single": 1, "two": 2, "a pair of": 2,
    "pair of": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a dozen": 12, "dozen": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_SCALES = {"hundred": 1e2, "thousand": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6,
           "mil": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9}  # fmt: skip

_SMALL = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
_TEN = "|".join(_TENS)
_SCALE = "|".join(sorted(_SCALES, key=len, reverse=True))
#: A number in normalised text: digits or words, with an optional scale ("ten million").
NUMBER_PATTERN = re.compile(
    rf"\b(?P<value>\d+(?:\.\d+)?|(?:(?:{_TEN})(?: (?:{_SMALL}))?|{_SMALL}|a|an)"
    rf"(?: hundred(?: and)?(?: (?:{_TEN})(?: (?:{_SMALL}))?| (?:{_SMALL}))?)?)"
    rf"(?: ?(?P<scale>{_SCALE})\b)?(?![\w.])"
)


def _words_value(words: str) -> float | None:
    total = 0.0
    parts = words.replace(" and ", " ").split(" hundred")
    if len(parts) == 2:
        head = parts[0].strip()
        total = (1 if head in ("a", "an") else (_words_value(head) or 0)) * 100
        words = parts[1].strip()
        if not words:
            return total
    if words in ("a", "an"):
        return None
    if words in _UNITS:
        return total + _UNITS[words]
    pieces = words.split(" ", 1)
    if pieces[0] in _TENS:
        rest = _UNITS.get(pieces[1]) if len(pieces) == 2 else 0
        if rest is None:
            return None
        return total + _TENS[pieces[0]] + rest
    return None


def parse_number(match: re.Match[str]) -> float | None:
    """The value of a :data:`NUMBER_PATTERN` match (``None`` for a bare ``a``/``an``)."""
    raw, scale = match.group("value"), match.group("scale")
    if raw[0].isdigit():
        value: float | None = float(raw)
    elif raw in ("a", "an"):
        value = 1.0 if scale else None
    else:
        value = _words_value(raw)
    if value is None:
        return None
    return value * _SCALES[scale] if scale else value


def numbers(text: str) -> list[tuple[float, int, int]]:
    """Every number in normalised ``text``: (value, start, end).

    >>> [v for v, _, _ in numbers("more than ten million or 2.5 m or twenty one or 88 or a dozen")]
    [10000000.0, 2500000.0, 21.0, 88.0, 12.0]
    """
    found = []
    for match in NUMBER_PATTERN.finditer(text):
        value = parse_number(match)
        if value is not None:
            found.append((value, match.start(), match.end()))
    return found


# -- negation, guesses, filler -------------------------------------------------------------------

#: Words that negate what follows them.
NEGATORS = frozenset(
    {"not", "no", "never", "neither", "nor", "without", "non", "isnt", "arent", "wasnt", "werent",
     "doesnt", "dont", "didnt", "cant", "cannot", "couldnt", "wont", "wouldnt", "shouldnt",
     "hasnt", "havent", "hadnt", "aint", "lack", "lacks", "lacking"}
)  # fmt: skip
#: Contractions that, opening a question, ask for confirmation rather than negate.
LEADING_NEGATIVE_AUXILIARIES = NEGATORS - {
    "not", "no", "never", "neither", "nor", "without", "non", "cannot", "hadnt", "lack",
    "lacks", "lacking",
}  # fmt: skip
WH_WORDS = frozenset(
    {"what", "whats", "which", "where", "wheres", "how", "hows", "who", "whos", "why", "when",
     "whose", "whom"}
)  # fmt: skip

#: What may come before a name in a guess.
GUESS_OPENING = re.compile(
    r"^(?:(?:ok |okay |so |then |hmm |well |alright |right )*)"
    r"(?:(?:is it|is this|is that|are they|could it be|might it be|can it be|would it be"
    r"|it could be|it might be|it may be|maybe it is|maybe its|maybe|perhaps it is|perhaps its"
    r"|perhaps|i think it is|i think its|i think|i guess it is|i guess its|i guess"
    r"|(?:my |our )?(?:final |next |first )?(?:guess|answer) is(?: that)?(?: it is| its)?"
    r"|(?:my |our )?(?:final )?guess|let me guess|i(?: will|ll)? guess|is the answer"
    r"|the answer is|it is|its|it must be|are you thinking of|you are thinking of"
    r"|youre thinking of|were you thinking of|is the (?:object|thing|item|city|secret)"
    r"|the (?:object|thing|item|city) is) )?"
    r"(?:(?:the city of|the town of|the city|a kind of|a type of|some kind of) )?"
    r"(?:a |an |the |some )?"
)
GUESS_CLOSING = re.compile(
    r"(?: (?:then|maybe|perhaps|right|by any chance|i guess|i think"
    r"|please|actually))+$"
)


def strip_guess_opening(text: str) -> str:
    """Normalised ``text`` without a guess's opening and closing words.

    >>> strip_guess_opening("my final guess is a dog")
    'dog'
    >>> strip_guess_opening("is it the city of sao paulo then")
    'sao paulo'
    """
    text = GUESS_CLOSING.sub("", text)
    return GUESS_OPENING.sub("", text, count=1).strip()


#: Words that ask nothing of their own: a question made of these and understood phrases is
#: understood; any other word makes the oracle say it did not understand.
def word_set(text: str) -> frozenset[str]:
    """The set of the whitespace-separated words of ``text``."""
    return frozenset(text.split())


FILLER_WORDS = word_set(
    """
    a an the some any this that these those it its itsself itself they them their theirs one
    ones is are was were be been being am do does did done doing has have had having can could
    will would shall should may might must i me my mine you your yours we us our he him his she
    her hers someone somebody something anything thing things object item stuff kind kinds type
    types sort sorts form example of in on at to for by from with as and or but if so then than
    too also just only really very quite pretty fairly rather actually generally usually
    normally typically commonly often mostly mainly primarily largely basically mostly
    ordinarily traditionally frequently regularly widely especially particularly all every
    each most many much lot lots ever always sometimes considered consider called call known
    seen think thought say said describe described count counts counted classify classified
    tell please ok okay so well hmm hm alright right yes question next another let guess
    answer there here get got gets people person someone somebody folks anyone anybody everyone
    human humans average normal typical regular ordinary standard common usual real actual
    whole entire own type kind sort category group class family member members part
    likely probably possibly perhaps maybe could would really truly fully about around
    approximately roughly nearly almost over under between into onto upon within what which
    who whom whose where when why how whats wheres hows used use uses using made make makes
    found find live lives living kept keep keeps contain contains include includes involve
    involves place places something someone anywhere somewhere often lot lots usually need
    needs go goes going come comes put out off up down inside outside while also even both
    either other another more less least best way ways well mostly mainly hold holds good
    able capable means mode piece bit youd youll youre youve id im ive theyd theyre theyll
    thats theres heres wed weve lets related associated see encounter meet notice observe exactly
    covered purpose meant designed intended job help helps helping know colour color colored
    coloured partly partially mostly would normally generally somewhat slightly fairly q true
    wonder wondering curious quick like ask asking native natively originally originate
    originates originated indigenous produce produces produced
    """
)
#: Words a question may use that are content: they appear in the phrase tables, not here.
#: (Kept for reference: ``part``, ``over``, ``under`` and the like are filler only when the
#: phrase tables did not take them first.)


#: The words a guess may have besides the name: "Is it a dog or a cat?", "Perhaps Tokyo?".
GUESS_WORDS = word_set(
    "is it a an the or either maybe perhaps could be my guess i think its this that are they "
    "one of those then so ok okay well hmm final answer would might guessing going to say city "
    "town called named you thinking about of"
)


#: Words that may open an utterance before the question itself ("Quick question: what ...").
PREAMBLE_WORDS = word_set(
    "please tell me quick question next ok okay hmm hm so well alright right q i id like to know "
    "wondering wonder curious another one more my and now then let ask asking"
)


def strip_preamble(text: str) -> str:
    """Normalised ``text`` from its first question word on, when only preamble words precede it.

    >>> strip_preamble("quick question what else is it famous for")
    'what else is it famous for'
    >>> strip_preamble("so is it alive")
    'is it alive'
    """
    words = text.split()
    for position, word in enumerate(words):
        if word in WH_WORDS or word in (
            "is",
            "are",
            "does",
            "do",
            "can",
            "could",
            "would",
            "was",
            "has",
            "have",
            "did",
            "will",
            "isnt",
            "doesnt",
            "arent",
        ):
            return " ".join(words[position:])
        if word not in PREAMBLE_WORDS:
            return text
    return text


def uncovered_words(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The words of ``text`` outside every ``(start, end)`` span and not in :data:`FILLER_WORDS`."""
    characters = list(text)
    for start, end in spans:
        characters[start:end] = " " * (end - start)
    return [word for word in "".join(characters).split() if word not in FILLER_WORDS]


def unanswered_turn_reward(charge_unanswered: bool) -> float:
    """The reward of a turn the oracle did not answer: -1 when charged (the default), else 0."""
    return -1.0 if charge_unanswered else 0.0
