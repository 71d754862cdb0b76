"""``vpcsim show`` draws transit gateways: attachments, associations, propagations, routes."""

from __future__ import annotations

from tests.support.cli import CliRunner


def test_show_draws_the_transit_gateway(cli: CliRunner) -> None:
    result = cli("show", "transit-hub")
    assert result.status == 0, result.err
    out = result.out
    assert "transit gateway tgw-" in out and "(hub)" in out
    assert "(web-attach)  vpc vpc-" in out and "route table tgw-rtb-" in out
    assert "10.2.9.0/24 -> blackhole" in out
