"""The state and helpers shared by the AWS import's readers (:mod:`.aws_import`).

Readers are mixins over :class:`ImporterBase`, one module per family of resources, so that each
stays small; this base holds what they all use: the network being built, the problems found,
where the reader is (file, key, index: formatted into a JSON path only when something is
reported), and the scope (account, region) of the document being read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..model import (
    Instance,
    Network,
    Resource,
)
from ..model.network import ID_PREFIXES, ModelError
from .aws_fields import OUT_OF_RANGE, Bad, tags
from .aws_json import region_of_arn, region_of_zone
from .problems import LoadProblem, Location
from .spec_names import is_id_of

UNSET = "<unset>"
"""Placeholder (compared by identity) for an account or region not known yet when a resource is
built: the scope's value, inferred from later data, replaces it in :meth:`AwsImporter.finish`."""

ABSENT = "referenced but absent from the dump"
OTHER_ACCOUNT = "peered/other-account group"


@dataclass(slots=True, eq=False)
class Scope:
    """Where a set of documents lives: one account and region (from folder names or the data)."""

    account: str | None = None
    region: str | None = None
    unplaced: list[Resource] = field(default_factory=list)
    """Resources built before the scope's account or region was known."""
    sources: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Missing:
    resource_type: str
    reason: str
    code: str
    file: str | None
    path: str | None
    referenced_by: list[str]
    owner_id: str | None = None


class ImporterBase:
    """Shared state of an import; see :class:`vpcsim.formats.aws_import.AwsImporter`."""

    def __init__(self, network: Network | None = None) -> None:
        self.network = network or Network()
        self.problems: list[LoadProblem] = []
        self.skipped: dict[str, int] = {}
        self.recognised = 0
        self.scopes: list[Scope] = []
        # where each resource was read: id -> (file, json path)
        self._origin: dict[str, tuple[str, str, int, str]] = {}
        """id -> (file, key, index, suffix): formatted as a JSON path by :meth:`_where` when needed."""
        # current position (set by the item loop; read when something must be reported)
        self._src = ""
        self._key = ""
        self._index = 0
        self._prefix = ""
        self._scope = Scope()
        # deferred work
        self._sg_rules: list[tuple[str, str, dict[str, Any], Scope]] = []
        self._pl_entries: list[tuple[str, str, dict[str, Any]]] = []
        self._instance_enis: list[tuple[dict[str, Any], Instance, str, str, int, str, str | None, Scope]] = []
        self._route_refs: list[tuple[str, str, str, str]] = []
        self._group_refs: list[tuple[str, str | None, bool, str, str, str]] = []
        self._prefix_refs: list[tuple[str, str, str, str]] = []
        self._missing: dict[str, Missing] = {}

    def report(
        self,
        severity: Literal["error", "warning"],
        code: str,
        message: str,
        file: str | None = None,
        path: str | None = None,
    ) -> None:
        self.problems.append(LoadProblem(severity, code, message, Location(file=file, path=path)))

    def _here(self, suffix: str = "") -> str:
        return f"$.{self._key}[{self._index}]{self._prefix}{suffix}"

    def _warn(self, suffix: str, message: str, code: str = "VPCSIM_WRONG_TYPE") -> None:
        self.report("warning", code, message, self._src, self._here(suffix))

    def _error(self, suffix: str, message: str, code: str = "VPCSIM_WRONG_TYPE") -> None:
        self.report("error", code, message, self._src, self._here(suffix))

    @staticmethod
    def _account(item: dict[str, Any], key: str) -> str | None:
        """An account id field that names another resource's owner (``VpcOwnerId``...): 12 digits,
        or absent."""
        owner = item.get(key)
        if owner is None or owner == "":
            return None
        if type(owner) is not str or len(owner) != 12 or not owner.isdigit():
            raise Bad(f".{key}", f"{key} {owner!r} is not an AWS account id (12 digits)", OUT_OF_RANGE)
        return owner

    def _owner(self, item: dict[str, Any], key: str = "OwnerId") -> str:
        owner = item.get(key)
        if type(owner) is str and owner:
            if len(owner) != 12 or not owner.isdigit():
                raise Bad(f".{key}", f"{key} {owner!r} is not an AWS account id (12 digits)", OUT_OF_RANGE)
            if self._scope.account is None:
                self._scope.account = owner
            return owner
        return self._scope.account or UNSET

    def _region(self) -> str:
        return self._scope.region or UNSET

    def _tags(self, item: dict[str, Any], key: str = "Tags") -> dict[str, str]:
        try:
            return tags(item, key)
        except Bad as bad:
            self._warn(bad.path, f"{bad.message}; tags ignored")
            return {}

    def _add(self, resource: Resource, suffix: str = "") -> bool:
        """Add to the network unless its id is taken (then warn) or is not an id of its kind (an
        error, as the spec reader gives): True when added."""
        prefix = ID_PREFIXES.get(type(resource))
        if prefix is not None and not is_id_of(resource.id, prefix):
            self._error(
                suffix,
                f"{resource.id!r} is not an id of its kind (it starts with {prefix}- then letters and "
                "digits); this item was left out",
                OUT_OF_RANGE,
            )
            return False
        try:
            self.network.add(resource)
        except ModelError:
            rid = resource.id
            file, path = self._where(rid)
            where = f" (first read from {file}: {path})" if file else ""
            self._warn(suffix, f"duplicate {rid}{where}; this copy ignored", "VPCSIM_DUPLICATE_ID")
            return False
        self._origin[resource.id] = (self._src, self._key, self._index, self._prefix + suffix)
        if resource.region is UNSET or resource.owner_id is UNSET:
            self._scope.unplaced.append(resource)
        return True

    def _where(self, resource_id: str) -> tuple[str | None, str | None]:
        """The file and JSON path a resource was read from (None, None when made by the importer)."""
        origin = self._origin.get(resource_id)
        if origin is None:
            return None, None
        file, key, index, suffix = origin
        return file, (key if index < 0 else f"$.{key}[{index}]{suffix}")

    def location_of(self, resource_id: str) -> tuple[str, Location | None]:
        """A resource's id and where it was read (file and JSON path; None when the importer
        made it)."""
        file, path = self._where(resource_id)
        return resource_id, (Location(file=file, path=path) if file or path else None)

    def _hint_zone(self, zone: object) -> None:
        if self._scope.region is None:
            self._scope.region = region_of_zone(zone)

    def _hint_arn(self, arn: object) -> None:
        if self._scope.region is None:
            self._scope.region = region_of_arn(arn)

    def _note_missing(
        self,
        resource_id: str,
        resource_type: str,
        reason: str,
        code: str,
        file: str | None,
        path: str | None,
        referenced_by: str,
        owner_id: str | None = None,
    ) -> None:
        missing = self._missing.get(resource_id)
        if missing is None:
            self._missing[resource_id] = Missing(
                resource_type, reason, code, file, path, [referenced_by], owner_id
            )
        elif referenced_by not in missing.referenced_by:
            missing.referenced_by.append(referenced_by)

    def _skip(self, key: str, count: int = 1) -> None:
        self.skipped[key] = self.skipped.get(key, 0) + count
