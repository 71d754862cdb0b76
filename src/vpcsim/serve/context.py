"""What an action gets: the parsed parameters, the caller's account and region, its store
transaction, and the helpers every family shares (ids, tags, describe with filters and pages)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, not_found
from .filters import FilterFields, apply_filters
from .store import Transaction

__all__ = ["Request"]


@dataclass
class Request:
    """One API call. ``params`` is the operation's input as boto3 takes it (``{"CidrBlock": ...}``)."""

    action: str
    params: dict[str, Any]
    account: str
    region: str
    request_id: str
    tx: Transaction
    extra: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ store shortcuts
    def get(self, kind: str, resource_id: str) -> dict[str, Any] | None:
        return self.tx.get(kind, resource_id)

    def require(self, kind: str, resource_id: str, code: str, what: str) -> dict[str, Any]:
        """The resource, or AWS's ``code`` (``InvalidVpcID.NotFound``) naming ``what`` (``vpc``)."""
        body = self.tx.get(kind, resource_id) if resource_id else None
        if body is None:
            raise not_found(code, what, resource_id)
        return body

    def put(self, kind: str, resource_id: str, body: dict[str, Any]) -> None:
        self.tx.put(kind, resource_id, body)

    def delete(self, kind: str, resource_id: str) -> bool:
        return self.tx.delete(kind, resource_id)

    def all(self, kind: str) -> list[dict[str, Any]]:
        return self.tx.all(kind)

    def new_id(self, prefix: str) -> str:
        return self.tx.new_id(prefix)

    # ------------------------------------------------------------------ tags
    def tags_for(self, resource_type: str, param: str = "TagSpecifications") -> list[dict[str, str]]:
        """The tags ``TagSpecification.N`` gives ``resource_type`` (``vpc``, ``subnet``...)."""
        tags: list[dict[str, str]] = []
        for spec in self.params.get(param) or []:
            if spec.get("ResourceType") not in (None, resource_type):
                continue
            for tag in spec.get("Tags") or []:
                tags.append(checked_tag(tag))
        return tags

    # ------------------------------------------------------------------ describe
    def describe(
        self,
        kind: str,
        *,
        ids: Sequence[str] | None,
        id_field: str,
        not_found_code: str,
        what: str,
        filters: FilterFields,
        items: list[dict[str, Any]] | None = None,
        filter_param: str = "Filters",
        paginate: bool = True,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The answer of a ``Describe*`` call: the resources of ``kind`` (or ``items``), those named
        by ``ids`` (every one must exist: else ``not_found_code``), the filters applied, one page
        (``MaxResults``/``NextToken``). Returns the page and the next token."""
        if items is None and ids:
            # only the named rows are read (a large state stays cheap to describe by id)
            found = [body for body in (self.get(kind, i) for i in dict.fromkeys(ids)) if body is not None]
            pool = found
        else:
            pool = self.all(kind) if items is None else items
        if ids:
            by_id = {item.get(id_field): item for item in pool}
            missing = [i for i in ids if i not in by_id]
            if missing:
                raise not_found(not_found_code, what, missing if len(missing) > 1 else missing[0])
            wanted = set(ids)
            pool = [item for item in pool if item.get(id_field) in wanted]
        selected = apply_filters(pool, self.params.get(filter_param), filters)
        if not paginate:
            return selected, None
        return page(selected, self.params)


def checked_tag(tag: dict[str, Any]) -> dict[str, str]:
    """AWS's limits on one tag: a key of 1-128 characters not starting with ``aws:``, a value of
    at most 256."""
    key = tag.get("Key")
    value = tag.get("Value", "")
    if not key:
        raise ApiError("InvalidParameterValue", "Tag key must not be empty")
    if len(key) > 128:
        raise ApiError(
            "InvalidParameterValue", f"Tag key exceeds the maximum length of 128 characters: {key[:20]}..."
        )
    if key.lower().startswith("aws:"):
        raise ApiError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
    if len(value) > 256:
        raise ApiError(
            "InvalidParameterValue", f"Tag value exceeds the maximum length of 256 characters: {key}"
        )
    return {"Key": key, "Value": value}


def page(
    items: list[dict[str, Any]], params: dict[str, Any], *, lowest: int = 5, highest: int = 1000
) -> tuple[list[dict[str, Any]], str | None]:
    """One page: ``MaxResults`` (``lowest``..``highest``, AWS's bounds for most Describe calls) from
    ``NextToken``; the token of the next page, if any."""
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(base64.b64decode(token, validate=True).decode())
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise ApiError("InvalidNextToken", "The token provided is invalid") from None
        if start < 0:
            raise ApiError("InvalidNextToken", "The token provided is invalid")
    limit = params.get("MaxResults")
    if limit is None:
        return items[start:], None
    if not lowest <= limit <= highest:
        raise ApiError(
            "InvalidParameterValue",
            f"Value ( {limit} ) for parameter maxResults is invalid. Expecting a value between {lowest} and {highest}.",
        )
    end = start + limit
    following = base64.b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], following
