"""What the automaton's matches in a folded text are, sorted by their roles (see
keys.Role): terms and their spellings (hits), innocent phrases, context cues and offers,
pair rules' verbs and things, repost markers."""

from collections import defaultdict
from collections.abc import Sequence

from herald.review.engine.entries import TermEntry
from herald.review.engine.keys import Role
from herald.review.engine.normalize import Folded
from herald.review.engine.pairs import Span

Found = tuple[int, int, TermEntry, str]
"""(folded start, folded end inclusive, entry, how) of a hit before filtering."""
Marked = tuple[int, int, int]
"""(folded start, end exclusive, index) of a repost marker's folded form."""


class Sightings:
    """What a text's matches were, by role. A plain class with slots: a dataclass's
    default factories are a Python call each, and every text with a match builds one."""

    __slots__ = ("allowed", "cues", "hits", "marked", "offers", "sides")

    def __init__(self) -> None:
        self.hits: list[Found] = []
        self.allowed: list[tuple[int, int]] = []
        self.cues: list[int] = []
        """The context rules whose cues were seen."""
        self.offers: list[tuple[int, int, int]] = []
        """(start, end inclusive, context rule) of each offer seen."""
        self.sides: defaultdict[tuple[str, int], list[Span]] = defaultdict(list)
        """(verb or thing, pair rule) -> where each was seen."""
        self.marked: list[Marked] = []


def sort_matches(
    folded: Folded, matches: list[tuple[int, int, int]], roles: Sequence[tuple[Role, ...]]
) -> Sightings:
    seen = Sightings()
    for key, start, stop in matches:
        end = stop - 1
        for role in roles[key]:
            if role.entry is not None:  # a term or one of its spellings
                if _bounded(folded, start, end, role.how == "exact"):
                    seen.hits.append((start, end, role.entry, role.how))
            elif role.kind == "allow":
                seen.allowed.append((start, end))
            elif role.kind == "cue":
                seen.cues.append(role.rule)
            elif role.kind == "offer":
                seen.offers.append((start, end, role.rule))
            elif role.kind in ("verb", "thing"):
                if not _bounded(folded, start, end, True):
                    continue
                word = folded.text[start : end + 1]
                seen.sides[(role.kind, role.rule)].append((start, end, word))
            elif role.kind == "marker":
                seen.marked.append((start, stop, role.rule))
    return seen


def _bounded(folded: Folded, start: int, end: int, inflected: bool) -> bool:
    """An ASCII end of a match must be a word boundary of the original text. Pair rules'
    verbs and things are held to it too (`bet` is not in `better`). A word as written
    (not a pinyin spelling) may end in an English plural (`handgun` finds `handguns`,
    `escort` finds `escorts`)."""
    text, folded_text = folded.original, folded.text  # all in the plane: one code unit each
    if _word_char(folded_text[start]):
        first = int(folded.origin[start])
        if first > 0 and _word_char(text[first - 1]):
            return False
    if _word_char(folded_text[end]):
        last = int(folded.origin[end])
        if last + 1 < len(text) and _word_char(text[last + 1]):
            return inflected and text[last].isalpha() and _plural(text, last + 1)
    return True


def _plural(text: str, at: int) -> bool:
    """`s` or `es` at `at`, then the end of the word."""
    for suffix in ("s", "es"):
        stop = at + len(suffix)
        if text[at:stop].lower() == suffix and (stop == len(text) or not _word_char(text[stop])):
            return True
    return False


def _word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()
