"""``why`` for a NAT instance whose source/destination check is on.

The engine reports the check as the one blocker (the instance still translates past it), so the
change set is the check alone -- no Elastic IP for the client -- and applied, it opens the path.
"""

from __future__ import annotations

from tests.engine.test_rules import INTERNET, _nat_instance

import vpcsim
from vpcsim.analysis import why


def test_why_disables_the_check_and_nothing_else() -> None:
    net, nat, app, _ = _nat_instance(source_dest_check=True)
    result = why(net, vpcsim.trace(net, app, INTERNET, port=443).flow)
    eni_id = net.instances[nat.instance_id].network_interface_ids[0]
    assert [(c.code, c.component, c.action) for c in result.changes] == [
        ("ENI_SOURCE_DEST_CHECK_RESTRICTION", eni_id, "ModifyNetworkInterfaceAttribute")
    ]
    assert result.opens and result.verdict_after == "reachable"
