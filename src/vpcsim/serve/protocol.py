"""The wire format, driven by botocore's service models: form parameters in, XML out.

Two generic functions, the inverses of what every SDK does (botocore's ``EC2Serializer`` /
``QuerySerializer`` and ``EC2QueryParser`` / ``QueryParser``), so that no action writes its own
parsing or XML: :func:`parse_input` turns ``Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1`` into
``{"Filters": [{"Name": "vpc-id", "Values": ["vpc-1"]}]}`` by walking the operation's input
shape; :func:`render_output` turns the action's answer (a dict of the output shape, as boto3
returns it) into the XML the SDK parses back into that same dict. Tests check both by round
trip through botocore itself.

Naming rules (botocore ``serialize.py`` / ``parsers.py``):

* input, ``ec2`` protocol: ``queryName``, else ``locationName`` capitalised, else the member name;
  every list is ``Name.N`` (flattened);
* input, ``query`` protocol: ``locationName`` else the member name; lists ``Name.member.N``
  unless flattened; maps ``Name.entry.N.key``;
* output: ``locationName`` else the member name; list items ``<item>`` (EC2) or the member's
  ``locationName`` / ``member``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn
from xml.sax.saxutils import escape

from .errors import ApiError

__all__ = ["ENVELOPE_PARAMS", "parse_input", "render_error", "render_output"]

#: Form fields of the request envelope and of query-string signing, not of the operation.
ENVELOPE_PARAMS = frozenset(
    {
        "Action",
        "Version",
        "AWSAccessKeyId",
        "SignatureMethod",
        "SignatureVersion",
        "Signature",
        "Timestamp",
        "Expires",
        "SecurityToken",
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    }
)

#: Characters XML 1.0 cannot carry, even escaped: a value holding one is refused on input.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: Escaped beyond ``& < >``: a bare carriage return would be read back as a line feed.
_ENTITIES = {"\r": "&#13;"}
_MAX_INT = 2**63 - 1
_MAX_LIST = 10_000


class _Node:
    """One level of the dotted form names: its own value (if any) and its children."""

    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.value: str | None = None
        self.children: dict[str, _Node] = {}


def _tree(form: Iterable[tuple[str, str]]) -> _Node:
    root = _Node()
    for key, value in form:
        if key in ENVELOPE_PARAMS:
            continue
        node = root
        for part in key.split("."):
            node = node.children.setdefault(part, _Node())
        node.value = value
    return root


def _input_name(shape: Any, default: str, protocol: str) -> str:
    serialization = shape.serialization
    if protocol == "ec2":
        if "queryName" in serialization:
            return str(serialization["queryName"])
        if "name" in serialization:
            name = str(serialization["name"])
            return name[0].upper() + name[1:]
        return default
    return str(serialization.get("name", default))


def parse_input(form: Iterable[tuple[str, str]], shape: Any, protocol: str = "ec2") -> dict[str, Any]:
    """The operation's input (boto3's parameter dict) from the request's form fields.

    Raises :class:`ApiError`: ``MissingParameter`` for a required member absent,
    ``InvalidParameterValue`` for a value of the wrong type, ``UnknownParameter`` for a field the
    operation does not have."""
    root = _tree(form)
    if shape is None:
        if root.children:
            _unknown(root, "")
        return {}
    decoded = _Decoder(protocol).structure(shape, root, "")
    return decoded


def _unknown(node: _Node, prefix: str) -> NoReturn:
    name = next(iter(node.children))
    raise ApiError("UnknownParameter", f"The parameter {prefix}{name} is not recognized")


class _Decoder:
    def __init__(self, protocol: str) -> None:
        self.protocol = protocol

    def value(self, shape: Any, node: _Node, path: str) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self.structure(shape, node, path + ".")
        if kind == "list":
            return self.list(shape, node, path)
        if kind == "map":
            return self.map(shape, node, path)
        if node.children:
            _unknown(node, path + ".")
        return _scalar(shape, node.value if node.value is not None else "", path)

    def structure(self, shape: Any, node: _Node, prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: set[str] = set()
        for name, member in shape.members.items():
            key = _input_name(member, name, self.protocol)
            if (
                self.protocol != "ec2"
                and member.type_name == "list"
                and member.serialization.get("flattened")
                and member.member.serialization.get("name")
            ):
                key = _input_name(member.member, "", self.protocol)
            child = node.children.get(key)
            if child is None:
                continue
            seen.add(key)
            out[name] = self.value(member, child, prefix + key)
        if len(seen) != len(node.children):
            extra = _Node()
            extra.children = {k: v for k, v in node.children.items() if k not in seen}
            _unknown(extra, prefix)
        if node.value not in (None, "") and prefix:
            raise ApiError("InvalidParameterValue", f"Value for parameter {prefix[:-1]} must be a structure")
        for name in shape.required_members:
            if name not in out:
                key = _input_name(shape.members[name], name, self.protocol)
                raise ApiError("MissingParameter", f"The request must contain the parameter {prefix}{key}")
        return out

    def _items(self, node: _Node, path: str) -> list[tuple[int, _Node]]:
        items: list[tuple[int, _Node]] = []
        for key, child in node.children.items():
            if not key.isdigit() or not 0 < int(key) <= _MAX_LIST or key != str(int(key)):
                raise ApiError("UnknownParameter", f"The parameter {path}.{key} is not recognized")
            items.append((int(key), child))
        items.sort(key=lambda item: item[0])
        return items

    def list(self, shape: Any, node: _Node, path: str) -> list[Any]:
        if self.protocol != "ec2" and not shape.serialization.get("flattened"):
            name = shape.member.serialization.get("name", "member")
            if not node.children:
                return []  # the query protocol sends an empty list as ``Name=``
            inner = node.children.get(name)
            if inner is None or len(node.children) != 1:
                _unknown(node, path + ".")
            node, path = inner, f"{path}.{name}"
        elif node.value not in (None, "") and not node.children:
            raise ApiError("InvalidParameterValue", f"Value for parameter {path} must be a list ({path}.1)")
        return [
            self.value(shape.member, child, f"{path}.{index}") for index, child in self._items(node, path)
        ]

    def map(self, shape: Any, node: _Node, path: str) -> dict[str, Any]:
        if not shape.serialization.get("flattened"):
            inner = node.children.get("entry")
            if inner is None:
                return {}
            node, path = inner, f"{path}.entry"
        key_name = _input_name(shape.key, "key", self.protocol)
        value_name = _input_name(shape.value, "value", self.protocol)
        out: dict[str, Any] = {}
        for index, child in self._items(node, path):
            key_node = child.children.get(key_name)
            if key_node is None:
                raise ApiError(
                    "MissingParameter", f"The request must contain the parameter {path}.{index}.{key_name}"
                )
            value_node = child.children.get(value_name, _Node())
            key = self.value(shape.key, key_node, f"{path}.{index}.{key_name}")
            out[key] = self.value(shape.value, value_node, f"{path}.{index}.{value_name}")
        return out


def _invalid(path: str, value: str, what: str) -> ApiError:
    shown = value if len(value) <= 64 else value[:61] + "..."
    return ApiError("InvalidParameterValue", f"Value ({shown}) for parameter {path} is invalid. {what}")


def _scalar(shape: Any, text: str, path: str) -> Any:
    if _NOT_XML.search(text):
        raise ApiError(
            "InvalidParameterValue", f"Value for parameter {path} holds characters that are not allowed"
        )
    kind = shape.type_name
    if kind == "string":
        return text
    if kind in ("integer", "long"):
        if not re.fullmatch(r"[+-]?\d{1,19}", text.strip()) or abs(int(text)) > _MAX_INT:
            raise _invalid(path, text, "Expected: an integer")
        return int(text)
    if kind == "boolean":
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise _invalid(path, text, "Expected: 'true' or 'false'")
        return lowered == "true"
    if kind in ("double", "float"):
        try:
            number = float(text)
        except ValueError:
            raise _invalid(path, text, "Expected: a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise _invalid(path, text, "Expected: a number")
        return number
    if kind == "timestamp":
        return _timestamp(text, path)
    if kind == "blob":
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid(path, text, "Expected: base64") from None
    return text


def _timestamp(text: str, path: str) -> dt.datetime:
    raw = text.strip()
    try:
        if re.fullmatch(r"\d{1,12}(\.\d+)?", raw):
            return dt.datetime.fromtimestamp(float(raw), tz=dt.UTC)
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise _invalid(path, text, "Expected: an ISO 8601 timestamp") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# ------------------------------------------------------------------------------------- output


def _output_name(shape: Any, member_name: str) -> str:
    if shape.type_name == "list" and shape.serialization.get("flattened"):
        inner = shape.member.serialization.get("name")
        if inner is not None:
            return str(inner)
    return str(shape.serialization.get("name", member_name))


def _text(shape: Any, value: Any) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
            stamp: str = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.")
            return stamp + f"{value.microsecond // 1000:03d}Z"
        if isinstance(value, int | float):
            return _text(shape, dt.datetime.fromtimestamp(value, tz=dt.UTC))
        return str(value)
    if kind == "blob":
        raw = value if isinstance(value, bytes) else str(value).encode()
        return base64.b64encode(raw).decode()
    if kind in ("double", "float"):
        return repr(float(value))
    return str(value)


def _write(out: list[str], shape: Any, value: Any, tag: str) -> None:
    kind = shape.type_name
    if value is None:
        return
    if kind == "structure":
        out.append(f"<{tag}>")
        _members(out, shape, value)
        out.append(f"</{tag}>")
    elif kind == "list":
        if shape.serialization.get("flattened"):
            for element in value:
                _write(out, shape.member, element, tag)
            return
        item = shape.member.serialization.get("name", "member")
        out.append(f"<{tag}>")
        for element in value:
            _write(out, shape.member, element, item)
        out.append(f"</{tag}>")
    elif kind == "map":
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        flat = shape.serialization.get("flattened")
        if not flat:
            out.append(f"<{tag}>")
        for key, element in value.items():
            out.append(f"<{tag if flat else 'entry'}>")
            _write(out, shape.key, key, key_name)
            _write(out, shape.value, element, value_name)
            out.append(f"</{tag if flat else 'entry'}>")
        if not flat:
            out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{escape(_text(shape, value), _ENTITIES)}</{tag}>")


def _members(out: list[str], shape: Any, value: Mapping[str, Any]) -> None:
    for name, member in shape.members.items():
        if name in value:
            _write(out, member, value[name], _output_name(member, name))


def render_output(
    action: str, data: Mapping[str, Any], shape: Any, request_id: str, *, protocol: str, namespace: str
) -> bytes:
    """The XML of a successful answer; keys of ``data`` the shape does not have are not sent."""
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{namespace}">']
    if protocol == "ec2":
        out.append(f"<requestId>{request_id}</requestId>")
        if shape is not None:
            _members(out, shape, data)
    else:
        wrapper = shape.serialization.get("resultWrapper") if shape is not None else None
        if wrapper:
            out.append(f"<{wrapper}>")
        if shape is not None:
            _members(out, shape, data)
        if wrapper:
            out.append(f"</{wrapper}>")
        out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>")
    out.append(f"</{action}Response>")
    return "".join(out).encode("utf-8")


def render_error(code: str, message: str, request_id: str, *, protocol: str, namespace: str) -> bytes:
    """EC2's error document (``<Response><Errors><Error>``), or the query protocol's
    ``<ErrorResponse>`` for STS."""
    code, message = escape(code), escape(_NOT_XML.sub("?", message))
    if protocol == "ec2":
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        ).encode()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="{namespace}"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
