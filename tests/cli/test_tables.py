"""Tables off a terminal: never a cut id or CIDR; address sets written as compactly as exactly."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim.cli import main
from vpcsim.cli.render_analysis import addresses
from vpcsim.formats.loader import load_example


def _set(cidrs: list[str]) -> set[tuple[int, int]]:
    """Addresses as collapsed (first, last) intervals."""
    blocks = ipaddress.collapse_addresses(ipaddress.IPv4Network(c) for c in cidrs)
    return {(int(b.network_address), int(b.broadcast_address)) for b in blocks}


def _read(text: str) -> set[tuple[int, int]]:
    """The set a rendered ``addresses`` text stands for."""
    whole, _, holes = text.partition(" except ")
    if not holes:
        return _set([part for part in whole.split(", ")])
    kept = [ipaddress.IPv4Network(whole)]
    for hole in holes.split(", "):
        kept = [
            piece
            for block in kept
            for piece in (
                [block]
                if not block.overlaps(ipaddress.IPv4Network(hole))
                else block.address_exclude(ipaddress.IPv4Network(hole))
            )
        ]
    return _set([str(k) for k in kept])


blocks = st.builds(
    lambda address, length: str(ipaddress.IPv4Network((address, length), strict=False)),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(blocks, min_size=1, max_size=12), st.lists(blocks, max_size=3))
def test_addresses_say_exactly_the_set_and_never_longer(whole: list[str], holes: list[str]) -> None:
    # a set as the analyses give it: disjoint CIDRs, here some blocks with holes punched in them
    kept = list(ipaddress.collapse_addresses(ipaddress.IPv4Network(c) for c in whole))
    for hole in holes:
        net = ipaddress.IPv4Network(hole)
        kept = [
            p
            for b in kept
            for p in (
                [b] if not b.overlaps(net) else (b.address_exclude(net) if not net.supernet_of(b) else [])
            )
        ]
    if not kept:
        return
    cidrs = tuple(str(k) for k in sorted(kept))
    text = addresses(cidrs)
    assert _read(text) == _set(list(cidrs))  # hosts are written without /32: ipaddress reads both
    assert len(text.replace(" except ", ", ").split(", ")) <= len(cidrs)


def test_the_internet_but_one_block_is_one_line() -> None:
    everything = ipaddress.IPv4Network("0.0.0.0/0")
    rest = tuple(str(n) for n in sorted(everything.address_exclude(ipaddress.IPv4Network("198.51.100.0/24"))))
    assert len(rest) == 24
    assert addresses(rest) == "0.0.0.0/0 except 198.51.100.0/24"


@pytest.mark.parametrize(
    "args",
    [
        ("exposure", "bastion-nat"),
        ("matrix", "custom-vpc", "--by", "instance"),
        ("matrix", "bastion-nat", "--by", "security-group"),
    ],
)
def test_tables_keep_every_id_whole_off_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # a pipe or a CI log: no terminal, no width
    monkeypatch.setenv("NO_COLOR", "1")
    capsys.readouterr()
    main(list(args))
    out = capsys.readouterr().out
    assert "…" not in out
    network = load_example(args[1]).network
    shown = [i for i in network.instances if i in out] + [g for g in network.security_groups if g in out]
    assert shown, out
