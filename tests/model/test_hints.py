"""The one "did you mean" hint: the closest other name, never the word itself."""

from __future__ import annotations

from vpcsim.model.hints import did_you_mean


def test_the_closest_name_is_suggested() -> None:
    assert did_you_mean("bastio", ["bastion", "app", "nat"]) == "did you mean 'bastion'? "


def test_nothing_close_suggests_nothing() -> None:
    assert did_you_mean("zzzz", ["bastion", "app"]) == ""


def test_the_word_itself_is_never_suggested() -> None:
    assert did_you_mean("internet", ["internet"]) == ""
    assert did_you_mean("internet", ["internet", "internets"]) == "did you mean 'internets'? "
