"""Which answer each result is (yes, no or unknown); :data:`~vpcsim.cli.errors.EXIT_STATUS` maps
answers to exit statuses. One function per result type, so that the rule for each command's exit
status is written once (``docs/cli.md``).

The result types are imported for type checking only: a command imports the analysis it runs,
and ``vpcsim trace`` does not pay for the analyses at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..analysis.incomplete import undermines
from .errors import EXIT_STATUS, Answer

if TYPE_CHECKING:
    from ..analysis.diff import DiffResult
    from ..analysis.exposure import ExposureResult
    from ..analysis.matrix import MatrixResult
    from ..analysis.policy import CheckResult
    from ..analysis.reach import ReachResult
    from ..analysis.why import WhyResult
    from ..engine import Trace
    from ..formats.problems import LoadResult
    from ..model import Problem

_VERDICT: dict[str, Answer] = {"reachable": "yes", "unreachable": "no"}
_CHECK: dict[str, Answer] = {"pass": "yes", "fail": "no"}


def exit_status(answer: Answer) -> int:
    return EXIT_STATUS[answer]


def trace_answer(result: Trace) -> Answer:
    """Reachable yes, unreachable no, otherwise unknown."""
    return _VERDICT.get(result.verdict, "unknown")


def why_answer(result: WhyResult) -> Answer:
    """As the flow's trace."""
    return _VERDICT.get(result.verdict, "unknown")


def reach_answer(result: ReachResult) -> Answer:
    """Yes when something gets through (both ways, or for some client ports); unknown when nothing
    does but some flows cross what is not modelled."""
    if result.allowed or result.partial:
        return "yes"
    return "unknown" if result.unknown else "no"


def exposure_answer(result: ExposureResult) -> Answer:
    """No (findings) when the internet reaches something; unknown when nothing is found but the
    answer depends on what the verdicts cannot see or on unknown paths (``undermines``, the rule
    ``diff`` and ``check`` follow too)."""
    if result.findings:
        return "no"
    return "unknown" if undermines(result.incomplete) else "yes"


def matrix_answer(result: MatrixResult) -> Answer:
    """The matrix answers every pair: yes (complete) unless some cell's traffic is unknown (it
    crosses what is not modelled)."""
    return "unknown" if any(c.unknown for c in result.cells) else "yes"


_DIFF: dict[str, Answer] = {"changed": "no", "same": "yes"}


def diff_answer(result: DiffResult) -> Answer:
    """No (differences) when a flow is opened or closed for sure; unknown when nothing is, but an
    answer depends on what is not analysed (skipped resources, IPv6, unknown paths or addresses)."""
    return _DIFF.get(result.status, "unknown")


def check_answer(result: CheckResult) -> Answer:
    """Yes when every assertion holds, no when one fails, unknown when one depends on what is
    not modelled."""
    return _CHECK.get(result.status, "unknown")


def validation_answer(problems: list[Problem]) -> Answer:
    """No when the network has an error (warnings alone are clean)."""
    return "no" if any(p.severity == "error" for p in problems) else "yes"


def import_answer(loaded: LoadResult) -> Answer:
    """No when anything was skipped or warned about."""
    return "no" if loaded.skipped or loaded.warnings else "yes"
