"""The strike ladder: strikes in the window -> standing, which never falls by itself."""

from herald.contracts.internal import Standing
from herald.review.policy import Ladder

ORDER = {Standing.GOOD: 0, Standing.WARNED: 1, Standing.RESTRICTED: 2, Standing.BANNED: 3}


def standing_for(strikes: int, ladder: Ladder) -> Standing:
    if strikes >= ladder.banned:
        return Standing.BANNED
    if strikes >= ladder.restricted:
        return Standing.RESTRICTED
    if strikes >= ladder.warned:
        return Standing.WARNED
    return Standing.GOOD


def escalate(current: Standing, strikes: int, ladder: Ladder) -> Standing:
    """Standing never falls by itself (only an admin's reinstatement lowers it)."""
    computed = standing_for(strikes, ladder)
    return computed if ORDER[computed] > ORDER[current] else current
