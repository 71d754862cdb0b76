"""One "did you mean" for every name a user can mistype: spec keys, CLI endpoints, policy
selectors. It lives in the model layer so that the formats, the analyses and the CLI share it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` for the choice closest to a misspelt ``word``, or ``""``."""
    close = difflib.get_close_matches(word, sorted(set(choices) - {word}), n=1)
    return f"did you mean {close[0]!r}? " if close else ""
