"""The emulator's whole state as a versioned JSON document, and back.

:func:`dump` turns a :class:`~profitbricks.emulator.state.State`, its
:class:`~profitbricks.emulator.requests.RequestLog` and the run-time settings into a document of
plain JSON values; :func:`load` checks a document completely and builds a new state, log and
settings from it without touching the running ones. ``GET``/``PUT /_emulator/state``, the state
file (:mod:`profitbricks.emulator.statefile`) and the pytest fixture's ``snapshot()`` /
``restore()`` all use this one format::

    {"format": "profitbricks-emulator-state", "version": 1,
     "settings": {"progression": "immediate", "seed": null, ...},
     "state": {"contracts": [0], "public_images": [...], "ids": [...], "macs": [...],
               "next_public": {...}, "datacenter_count": 1, "auth_generation": 0},
     "records": [{"type": "Contract", "number": 12345678, "owner": 1, ...}, ...],
     "requests": [{"id": "...", "status": "QUEUED", "age": 0.4, "polls": 0,
                   "touched": [5, 7], "effects": [{"name": "server.provision",
                                                    "args": [{"ref": 5}]}], ...}]}

``records`` holds every record of every kind the state module defines (contracts, users with
their salted password digests, groups, shares, data centres, servers, volumes, NICs, firewall
rules, LANs, load balancers, images, snapshots, IP blocks), each with all of its fields; a field
that holds records holds their positions in ``records`` (a list of them, or an object of them
keyed as the container is). Records that pending requests still refer to but the state no longer
holds are kept too. The per-class layout is derived from the record classes' type annotations,
so a field added to a record class is saved without a change here.

``requests`` lists the request log oldest first. The id generator's position (``ids``) is saved,
so new ids never repeat old ones. A request's ``age`` is the seconds it had been open when
saved; time does not pass while the state is on disk, so a pending request under ``seconds:T``
completes ``T - age`` seconds after it is loaded, and one under ``polls:N`` after the polls it
still needs. Its pending work is data (:mod:`profitbricks.emulator.effects`): a registered
name and arguments. The index of users by e-mail address and the queue of pending requests are
derived, not stored. The login throttle, the statistics and the fault generator's position are
not state: a load starts them afresh (faults are reseeded from ``seed``).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, Union

from . import state as state_module
from .control import Controls, InvalidSetting
from .effects import effect_name, find_effect
from .requests import Request, RequestLog, Target
from .state import State

__all__ = [
    "FORMAT",
    "RECORD_TYPES",
    "SETTINGS",
    "VERSION",
    "Loaded",
    "StateDocumentError",
    "StateSnapshot",
    "check_header",
    "dump",
    "load",
]

# Effects are registered when their rule modules are imported; a document can name any of them.
for _family in (
    "datacenter",
    "firewall",
    "image",
    "ipblock",
    "lan",
    "loadbalancer",
    "nic",
    "server",
    "snapshot",
    "um",
    "volume",
):
    importlib.import_module(f"{__package__}.rules.{_family}")

#: The value of the document's ``format`` key.
FORMAT = "profitbricks-emulator-state"
#: The version of the layout this module writes and reads.
VERSION = 1

#: The settings a document carries: the control API's, without ``delay`` (a spelling of
#: ``progression``).
SETTINGS = (
    "progression",
    "delay_for",
    "rate_limit",
    "rate_window",
    "fail_probability",
    "error_probability",
    "latency",
    "seed",
    "resource_limits",
)

_REQUEST_FIELDS = (
    "id",
    "contract",
    "user_id",
    "created_by",
    "created_date",
    "method",
    "url",
    "headers",
    "body",
    "age",
    "etag",
    "fail",
    "status",
    "polls",
    "kind",
    "duration",
    "released",
    "targets",
    "touched",
    "effects",
)
_STATE_FIELDS = (
    "contracts",
    "public_images",
    "ids",
    "macs",
    "next_public",
    "datacenter_count",
    "auth_generation",
)
_STATUSES = ("QUEUED", "RUNNING", "DONE", "FAILED")
_MISSING: Any = object()


class StateDocumentError(ValueError):
    """A state document that cannot be loaded; the message says where and what is wrong."""


# -- the record layouts ------------------------------------------------------------------------

_VALUE, _SCALAR, _BYTES, _REF, _REF_MAP, _REF_LIST = range(6)

#: A check of a JSON value: returns None when it fits, else what was expected.
_Check = Callable[[Any], "str | None"]


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    kind: int
    #: record classes a reference may name (reference kinds)
    targets: tuple[type, ...] = ()
    optional: bool = False
    check: _Check | None = None
    #: the exact Python types a scalar field takes (kind _SCALAR)
    scalars: frozenset[type] = frozenset()


def _record_types() -> tuple[type, ...]:
    found = []
    for name in state_module.__all__:
        obj = getattr(state_module, name)
        if (
            isinstance(obj, type)
            and dataclasses.is_dataclass(obj)
            and obj is not state_module.Resource
        ):
            found.append(obj)
    return tuple(found)


#: Every record class of the state module, in the order of its ``__all__``.
RECORD_TYPES: tuple[type, ...] = _record_types()
_BY_NAME: dict[str, type] = {cls.__name__: cls for cls in RECORD_TYPES}


def _union_args(hint: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(hint) in (Union, types.UnionType):
        return typing.get_args(hint)
    return None


def _is_record(hint: Any) -> bool:
    return isinstance(hint, type) and hint in RECORD_TYPES


_SCALAR_TYPES: dict[Any, frozenset[type]] = {
    str: frozenset({str}),
    int: frozenset({int}),
    float: frozenset({int, float}),
    bool: frozenset({bool}),
    type(None): frozenset({type(None)}),
}


def _scalar_types(hint: Any) -> frozenset[type] | None:
    """The exact types of the scalar type ``hint`` (or a union of them); None if not one."""
    args = _union_args(hint) or (hint,)
    found: frozenset[type] = frozenset()
    for arg in args:
        types_of = _SCALAR_TYPES.get(arg)
        if types_of is None:
            return None
        found |= types_of
    return found


def _value_check(hint: Any) -> _Check:
    """A check that a JSON value fits the type ``hint`` (str, int, float, bool, None, Any,
    unions of them, ``dict[str, X]`` and ``list[X]``)."""
    if hint is Any:
        return lambda value: None
    if hint is type(None):
        return lambda value: None if value is None else "null"
    if hint is bool:
        return lambda value: None if type(value) is bool else "a boolean"
    if hint is int:
        return lambda value: None if type(value) is int else "an integer"
    if hint is float:
        return lambda value: None if type(value) in (int, float) else "a number"
    if hint is str:
        return lambda value: None if type(value) is str else "a string"
    args = _union_args(hint)
    if args is not None:
        checks = [_value_check(arg) for arg in args]

        def check_union(value: Any) -> str | None:
            problems = [check(value) for check in checks]
            if any(problem is None for problem in problems):
                return None
            return " or ".join(p for p in problems if p)

        return check_union
    origin = typing.get_origin(hint)
    if origin is dict and typing.get_args(hint)[1] is Any:
        return lambda value: None if type(value) is dict else "an object"
    if origin is dict:
        item = _value_check(typing.get_args(hint)[1])

        def check_dict(value: Any) -> str | None:
            if type(value) is not dict:
                return "an object"
            for key, entry in value.items():
                problem = item(entry)
                if problem is not None:
                    return f"an object whose values are {problem} ({key!r} is not)"
            return None

        return check_dict
    if origin is list:
        item = _value_check(typing.get_args(hint)[0])

        def check_list(value: Any) -> str | None:
            if type(value) is not list:
                return "an array"
            for n, entry in enumerate(value):
                problem = item(entry)
                if problem is not None:
                    return f"an array of {problem} (item {n} is not)"
            return None

        return check_list
    raise TypeError(f"no JSON form for the type {hint!r}")


def _field_of(name: str, hint: Any) -> _Field:
    if hint is bytes:
        return _Field(name, _BYTES)
    if _is_record(hint):
        return _Field(name, _REF, (hint,))
    args = _union_args(hint)
    if args is not None and any(_is_record(arg) for arg in args):
        targets = tuple(arg for arg in args if arg is not type(None))
        if not all(_is_record(arg) for arg in targets):
            raise TypeError(f"field {name!r} mixes records and values: {hint!r}")
        return _Field(name, _REF, targets, optional=type(None) in args)
    origin = typing.get_origin(hint)
    if origin in (dict, list):
        item = typing.get_args(hint)[-1]
        if _is_record(item):
            return _Field(name, _REF_MAP if origin is dict else _REF_LIST, (item,))
    scalars = _scalar_types(hint)
    if scalars is not None:
        return _Field(name, _SCALAR, check=_value_check(hint), scalars=scalars)
    return _Field(name, _VALUE, check=_value_check(hint))


def _layout(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls, vars(state_module))
    return tuple(_field_of(f.name, hints[f.name]) for f in dataclasses.fields(cls))


_LAYOUTS: dict[type, tuple[_Field, ...]] = {cls: _layout(cls) for cls in RECORD_TYPES}


_NESTED = frozenset({dict, list})


def _copy(value: Any) -> Any:
    """A deep copy of a JSON value (faster than ``copy.deepcopy`` for this one shape)."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) if type(item) in _NESTED else item for key, item in value.items()}
    if kind is list:
        return [_copy(item) if type(item) in _NESTED else item for item in value]
    return value


# -- dump --------------------------------------------------------------------------------------


class _Writer:
    """Numbers records in the order they are first met and encodes each once."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.records: list[Any] = []
        self.out: list[dict[str, Any]] = []

    def ref(self, record: Any) -> int:
        key = id(record)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.records)
            self.records.append(record)
        return found

    def encode_all(self) -> list[dict[str, Any]]:
        # Encoding a record can meet new ones; the list grows until every record is encoded.
        ref = self.ref
        while len(self.out) < len(self.records):
            record = self.records[len(self.out)]
            cls = type(record)
            entry: dict[str, Any] = {"type": cls.__name__}
            for spec in _LAYOUTS[cls]:
                value = getattr(record, spec.name)
                kind = spec.kind
                if kind == _SCALAR:
                    entry[spec.name] = value
                elif kind == _VALUE:
                    entry[spec.name] = _copy(value)
                elif kind == _REF:
                    entry[spec.name] = None if value is None else ref(value)
                elif kind == _REF_MAP:
                    entry[spec.name] = {key: ref(item) for key, item in value.items()}
                elif kind == _REF_LIST:
                    entry[spec.name] = [ref(item) for item in value]
                else:
                    entry[spec.name] = value.hex()
            self.out.append(entry)
        return self.out


def _encode_argument(writer: _Writer, value: Any) -> dict[str, Any]:
    if type(value) in _LAYOUTS:
        return {"ref": writer.ref(value)}
    return {"value": _copy(value)}


def dump(state: State, log: RequestLog, controls: Controls) -> dict[str, Any]:
    """The state document of ``state``, ``log`` and ``controls``' settings.

    A new structure of plain JSON values that shares nothing with the state. Call it while no
    request changes the state (under the emulator's lock); it does not change anything.
    """
    writer = _Writer()
    ref = writer.ref
    settings = controls.settings()
    top = {
        "contracts": [ref(contract) for contract in state.contracts.values()],
        "public_images": [ref(image) for image in state.public_images.values()],
        "ids": _rng_state(state),
        "macs": sorted(state.macs),
        "next_public": dict(state.next_public),
        "datacenter_count": state.datacenter_count,
        "auth_generation": state.auth_generation,
    }
    now = log.clock()
    requests = []
    for request in log.requests.values():
        requests.append(
            {
                "id": request.id,
                "contract": request.contract,
                "user_id": request.user_id,
                "created_by": request.created_by,
                "created_date": request.created_date,
                "method": request.method,
                "url": request.url,
                "headers": dict(request.headers),
                "body": request.body,
                "age": max(0.0, now - request.created_at),
                "etag": request.etag,
                "fail": request.fail,
                "status": request.status,
                "polls": request.polls,
                "kind": request.kind,
                "duration": request.duration,
                "released": request.released,
                "targets": [[t.type, t.id, t.path] for t in request.targets],
                "touched": [ref(record) for record in request.touched.values()],
                "effects": [
                    {
                        "name": effect_name(function),
                        "args": [_encode_argument(writer, arg) for arg in args],
                    }
                    for function, args in request.effects
                ],
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "settings": {name: _copy(settings[name]) for name in SETTINGS},
        "state": top,
        "records": writer.encode_all(),
        "requests": requests,
    }


def _rng_state(state: State) -> list[Any]:
    version, internal, gauss = state.rng.getstate()
    return [version, list(internal), gauss]


class StateSnapshot:
    """A saved state document held in memory, for restoring the same state many times.

    Opaque and never changed: each restore builds new records from it, and changes made after
    a restore do not reach it. ``size`` is the number of records it holds.
    """

    __slots__ = ("_document",)

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document

    def __repr__(self) -> str:
        return f"<StateSnapshot {self.size} records, {len(self._document['requests'])} requests>"

    @property
    def size(self) -> int:
        return len(self._document["records"])

    @property
    def document(self) -> dict[str, Any]:
        """The document itself (shared, not a copy: do not change it)."""
        return self._document


# -- load --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Loaded:
    """What :func:`load` built: a new state, its request log and the settings to apply."""

    state: State
    log: RequestLog
    settings: dict[str, Any]


def _fail(where: str, problem: str) -> StateDocumentError:
    return StateDocumentError(f"{where}: {problem}" if where else problem)


def _object(value: Any, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if type(value) is not dict:
        raise _fail(where, "expected an object")
    missing = [key for key in keys if key not in value]
    if missing:
        raise _fail(where, f"missing key {missing[0]!r}")
    return value


def _expect(value: Any, check: _Check, where: str) -> Any:
    problem = check(value)
    if problem is not None:
        raise _fail(where, f"expected {problem}, got {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    if type(value) is dict:
        return "an object"
    if type(value) is list:
        return "an array"
    text = repr(value) if value is not None else "null"
    return text if len(text) <= 40 else text[:37] + "..."


_STR = _value_check(str)
_INT = _value_check(int)
_NUMBER = _value_check(float)
_BOOL = _value_check(bool)
_OPTIONAL_STR = _value_check(str | None)
_OPTIONAL_NUMBER = _value_check(float | None)
_STR_MAP = _value_check(dict[str, str])
_INT_MAP = _value_check(dict[str, int])
_STR_LIST = _value_check(list[str])
_INT_LIST = _value_check(list[int])
_ANY_LIST = _value_check(list[Any])
_TARGETS = _value_check(list[list[str]])


class _Reader:
    """Builds the records of a document; every problem names its place in the document."""

    def __init__(self, entries: Any) -> None:
        if type(entries) is not list:
            raise _fail("records", "expected an array")
        self.entries: list[Any] = entries
        self.records: list[Any] = []
        for n, entry in enumerate(entries):
            if type(entry) is not dict:
                raise _fail(f"records[{n}]", "expected an object")
            cls = _BY_NAME.get(entry.get("type"))  # type: ignore[arg-type]
            if cls is None:
                raise _fail(
                    f"records[{n}].type",
                    f"unknown record type {_shown(entry.get('type'))}; "
                    f"known: {', '.join(sorted(_BY_NAME))}",
                )
            self.records.append(object.__new__(cls))

    def resolve(self, value: Any, targets: tuple[type, ...], where: str) -> Any:
        if type(value) is not int or not 0 <= value < len(self.records):
            raise _fail(
                where,
                f"expected a reference (a position in records, 0 to {len(self.records) - 1}), "
                f"got {_shown(value)}",
            )
        record = self.records[value]
        if type(record) not in targets:
            names = " or ".join(cls.__name__ for cls in targets)
            raise _fail(where, f"records[{value}] is a {type(record).__name__}, not a {names}")
        return record

    def build(self) -> None:
        records = self.records
        count = len(records)
        for n, (entry, record) in enumerate(zip(self.entries, records, strict=True)):
            layout = _LAYOUTS[type(record)]
            if len(entry) != len(layout) + 1:
                self._check_names(n, entry, record)
            for spec in layout:
                name = spec.name
                value = entry.get(name, _MISSING)
                kind = spec.kind
                if kind == _SCALAR:
                    if type(value) not in spec.scalars:
                        self._wrong_value(n, entry, record, spec)
                    setattr(record, name, value)
                elif kind == _VALUE:
                    assert spec.check is not None
                    if value is _MISSING or spec.check(value) is not None:
                        self._wrong_value(n, entry, record, spec)
                    setattr(record, name, _copy(value))
                elif kind == _REF:
                    if value is None and spec.optional:
                        setattr(record, name, None)
                    elif (
                        type(value) is int
                        and 0 <= value < count
                        and type(records[value]) in spec.targets
                    ):
                        setattr(record, name, records[value])
                    else:
                        self._wrong_value(n, entry, record, spec)
                elif kind == _REF_MAP:
                    if type(value) is not dict:
                        self._wrong_value(n, entry, record, spec)
                    targets = spec.targets
                    found: dict[str, Any] = {}
                    for key, item in value.items():
                        if type(item) is int and 0 <= item < count:
                            target = records[item]
                            if type(target) in targets:
                                found[key] = target
                                continue
                        self.resolve(item, targets, f"records[{n}].{name}.{key}")
                    setattr(record, name, found)
                elif kind == _REF_LIST:
                    if type(value) is not list:
                        self._wrong_value(n, entry, record, spec)
                    where = f"records[{n}].{name}"
                    setattr(
                        record,
                        name,
                        [
                            self.resolve(item, spec.targets, f"{where}[{i}]")
                            for i, item in enumerate(value)
                        ],
                    )
                else:
                    try:
                        setattr(record, name, bytes.fromhex(value))
                    except (TypeError, ValueError):
                        self._wrong_value(n, entry, record, spec)
        self._check_keys()

    @staticmethod
    def _check_names(n: int, entry: dict[str, Any], record: Any) -> None:
        layout = _LAYOUTS[type(record)]
        unknown = sorted(set(entry) - {spec.name for spec in layout} - {"type"})
        if unknown:
            raise _fail(
                f"records[{n}]", f"unknown field {unknown[0]!r} of a {type(record).__name__}"
            )

    def _wrong_value(self, n: int, entry: dict[str, Any], record: Any, spec: _Field) -> NoReturn:
        """Raise the error for field ``spec`` of ``records[n]``, which did not load."""
        if spec.name not in entry:
            raise _fail(
                f"records[{n}]", f"missing field {spec.name!r} of a {type(record).__name__}"
            )
        where = f"records[{n}].{spec.name}"
        value = entry[spec.name]
        if spec.kind == _BYTES:
            raise _fail(where, f"expected hexadecimal digits, got {_shown(value)}")
        if spec.kind == _REF:
            self.resolve(value, spec.targets, where)
        if spec.kind == _REF_MAP:
            raise _fail(where, f"expected an object, got {_shown(value)}")
        if spec.kind == _REF_LIST:
            raise _fail(where, f"expected an array, got {_shown(value)}")
        assert spec.check is not None
        raise _fail(where, f"expected {spec.check(value)}, got {_shown(value)}")

    def _check_keys(self) -> None:
        # Containers are keyed by what the rules look records up by; a wrong key would hide
        # a record from every lookup.
        for n, record in enumerate(self.records):
            for spec in _LAYOUTS[type(record)]:
                if spec.kind != _REF_MAP:
                    continue
                for key, item in getattr(record, spec.name).items():
                    expected = item.resource_id if type(item) is state_module.Share else item.id
                    if key != expected:
                        raise _fail(
                            f"records[{n}].{spec.name}.{key}",
                            f"key does not match the id {expected!r} of the record it names",
                        )


def _load_state(doc: Mapping[str, Any], reader: _Reader) -> State:
    top = _object(doc.get("state"), "state", _STATE_FIELDS)
    state = State()
    try:
        version, internal, gauss = top["ids"]
        state.rng.setstate((version, tuple(internal), gauss))
    except (TypeError, ValueError, OverflowError):
        raise _fail("state.ids", "not a position of the id generator") from None
    contracts = _expect(top["contracts"], _value_check(list[int]), "state.contracts")
    for n, position in enumerate(contracts):
        contract = reader.resolve(position, (state_module.Contract,), f"state.contracts[{n}]")
        if contract.number in state.contracts:
            raise _fail(f"state.contracts[{n}]", f"contract {contract.number} appears twice")
        state.contracts[contract.number] = contract
        for user in contract.users.values():
            email = user.email.lower() if isinstance(user.props.get("email"), str) else None
            if email is None:
                raise _fail(f"records[{reader.records.index(user)}].props", "no e-mail address")
            if email in state.users_by_email:
                raise _fail(
                    f"records[{reader.records.index(user)}].props.email",
                    f"{email!r} belongs to two users",
                )
            state.users_by_email[email] = user
    images = _expect(top["public_images"], _value_check(list[int]), "state.public_images")
    for n, position in enumerate(images):
        record = reader.resolve(position, (state_module.Image,), f"state.public_images[{n}]")
        state.public_images[record.id] = record
    state.macs = set(_expect(top["macs"], _STR_LIST, "state.macs"))
    state.next_public = dict(_expect(top["next_public"], _INT_MAP, "state.next_public"))
    state.datacenter_count = _expect(top["datacenter_count"], _INT, "state.datacenter_count")
    state.auth_generation = _expect(top["auth_generation"], _INT, "state.auth_generation")
    return state


@dataclass(frozen=True, slots=True)
class _Parameter:
    """What one argument of an effect may be: records of ``targets`` and/or values ``check``
    accepts (None: no values)."""

    targets: tuple[type, ...]
    check: _Check | None


_PARAMETERS: dict[Callable[..., None], tuple[_Parameter, ...]] = {}


def _parameters(function: Callable[..., None]) -> tuple[_Parameter, ...]:
    """The parameters of an effect after ``state``, read once from its annotations."""
    found = _PARAMETERS.get(function)
    if found is None:
        hints = typing.get_type_hints(function)
        out = []
        for name in list(inspect.signature(function).parameters)[1:]:
            args = _union_args(hints.get(name, Any)) or (hints.get(name, Any),)
            targets = tuple(arg for arg in args if _is_record(arg))
            plain = tuple(arg for arg in args if not _is_record(arg))
            check = _value_check(Union[plain]) if plain else None  # noqa: UP007
            out.append(_Parameter(targets, check))
        found = _PARAMETERS[function] = tuple(out)
    return found


def _load_argument(reader: _Reader, value: Any, parameter: _Parameter, where: str) -> Any:
    if type(value) is not dict or len(value) != 1 or not ({"ref", "value"} & set(value)):
        raise _fail(where, 'expected {"ref": position} or {"value": JSON value}')
    if "ref" in value:
        if not parameter.targets:
            raise _fail(where, "expected a value, got a reference")
        return reader.resolve(value["ref"], parameter.targets, where + ".ref")
    if parameter.check is None:
        raise _fail(where, "expected a reference, got a value")
    return _copy(_expect(value["value"], parameter.check, where + ".value"))


def _load_requests(
    doc: Mapping[str, Any], reader: _Reader, log: RequestLog, contracts: Mapping[int, Any]
) -> None:
    entries = doc.get("requests")
    if type(entries) is not list:
        raise _fail("requests", "expected an array")
    now = log.clock()
    for n, entry in enumerate(entries):
        where = f"requests[{n}]"
        _object(entry, where, _REQUEST_FIELDS)
        unknown = sorted(set(entry) - set(_REQUEST_FIELDS))
        if unknown:
            raise _fail(where, f"unknown field {unknown[0]!r}")
        request_id = _expect(entry["id"], _STR, where + ".id")
        if request_id in log.requests:
            raise _fail(where + ".id", f"request {request_id} appears twice")
        status = entry["status"]
        if status not in _STATUSES:
            raise _fail(where + ".status", f"expected one of {', '.join(_STATUSES)}")
        age = _expect(entry["age"], _NUMBER, where + ".age")
        if not 0 <= age < 1e12:
            raise _fail(where + ".age", "expected a number of seconds >= 0")
        targets = entry["targets"]
        _expect(targets, _TARGETS, where + ".targets")
        if any(len(target) != 3 for target in targets):
            raise _fail(where + ".targets", "expected [type, id, path] triples")
        touched_positions = _expect(entry["touched"], _INT_LIST, where + ".touched")
        touched = {}
        for i, position in enumerate(touched_positions):
            record = reader.resolve(position, RECORD_TYPES, f"{where}.touched[{i}]")
            touched[id(record)] = record
        effects = []
        raw_effects = _expect(entry["effects"], _ANY_LIST, where + ".effects")
        for i, raw in enumerate(raw_effects):
            place = f"{where}.effects[{i}]"
            _object(raw, place, ("name", "args"))
            name = _expect(raw["name"], _STR, place + ".name")
            function = find_effect(name)
            if function is None:
                raise _fail(place + ".name", f"unknown effect {name!r}")
            parameters = _parameters(function)
            args = _expect(raw["args"], _ANY_LIST, place + ".args")
            if len(args) != len(parameters):
                raise _fail(
                    place + ".args",
                    f"effect {name!r} takes {len(parameters)} arguments, got {len(args)}",
                )
            effects.append(
                (
                    function,
                    tuple(
                        _load_argument(reader, arg, parameter, f"{place}.args[{k}]")
                        for k, (arg, parameter) in enumerate(zip(args, parameters, strict=True))
                    ),
                )
            )
        contract = _expect(entry["contract"], _INT, where + ".contract")
        if contract not in contracts:
            raise _fail(where + ".contract", f"no contract {contract} in the state")
        request = Request(
            id=request_id,
            contract=contract,
            user_id=_expect(entry["user_id"], _STR, where + ".user_id"),
            created_by=_expect(entry["created_by"], _STR, where + ".created_by"),
            created_date=_expect(entry["created_date"], _STR, where + ".created_date"),
            method=_expect(entry["method"], _STR, where + ".method"),
            url=_expect(entry["url"], _STR, where + ".url"),
            headers=dict(_expect(entry["headers"], _STR_MAP, where + ".headers")),
            body=_expect(entry["body"], _OPTIONAL_STR, where + ".body"),
            created_at=now - age,
            etag=_expect(entry["etag"], _STR, where + ".etag"),
            fail=_expect(entry["fail"], _BOOL, where + ".fail"),
            status=status,
            polls=_expect(entry["polls"], _INT, where + ".polls"),
            kind=_expect(entry["kind"], _STR, where + ".kind"),
            duration=_duration(entry["duration"], where + ".duration"),
            released=_expect(entry["released"], _BOOL, where + ".released"),
            targets=[Target(*target) for target in targets],
            touched=touched,
            effects=effects,
        )
        if request.finished and (touched or effects):
            raise _fail(where, f"a {status} request has no pending work")
        log.adopt(request)


def _duration(value: Any, where: str) -> float | None:
    duration = _expect(value, _OPTIONAL_NUMBER, where)
    if duration is not None and not 0 <= duration < 1e12:
        raise _fail(where, "expected a number of seconds >= 0 or null")
    return None if duration is None else float(duration)


def _load_settings(doc: Mapping[str, Any]) -> dict[str, Any]:
    settings = _object(doc.get("settings"), "settings", SETTINGS)
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise _fail("settings", f"unknown setting {unknown[0]!r}")
    try:
        # Built only to check every value with the control API's own rules.
        Controls(
            progression=_expect(settings["progression"], _STR, "settings.progression"),
            delay_for=settings["delay_for"],
            rate_limit=settings["rate_limit"],
            rate_window=settings["rate_window"],
            fail_probability=settings["fail_probability"],
            error_probability=settings["error_probability"],
            latency=settings["latency"],
            seed=settings["seed"],
            resource_limits=settings["resource_limits"],
        )
    except InvalidSetting as exc:
        raise _fail(f"settings.{exc.field}" if exc.field else "settings", str(exc)) from None
    except (TypeError, ValueError) as exc:
        raise _fail("settings", str(exc)) from None
    return {name: _copy(settings[name]) for name in SETTINGS}


def check_header(doc: Any) -> None:
    """Raise :class:`StateDocumentError` unless ``doc`` is an object of this format and
    version."""
    if type(doc) is not dict:
        raise _fail("", "a state document is a JSON object")
    if doc.get("format") != FORMAT:
        raise _fail("format", f"expected {FORMAT!r}, got {_shown(doc.get('format'))}")
    version = doc.get("version")
    if version != VERSION or type(version) is not int:
        raise _fail(
            "version",
            f"unsupported version {_shown(version)}: this emulator reads version {VERSION}",
        )


def load(doc: Any, new_log: Callable[[State], RequestLog]) -> Loaded:
    """Check ``doc`` completely and build a new state and request log from it.

    ``new_log(state)`` makes an empty request log for the new state (the emulator's clock,
    controls and limit). Nothing outside the returned objects changes; ``doc`` is not modified
    and shares nothing with them. Raises :class:`StateDocumentError` naming the place in the
    document and the problem (wrong format or version, a missing or unknown key, a value of the
    wrong type, a reference to nothing or to the wrong kind of record, an unknown effect).
    """
    check_header(doc)
    unknown = sorted(set(doc) - {"format", "version", "settings", "state", "records", "requests"})
    if unknown:
        raise _fail("", f"unknown key {unknown[0]!r}")
    settings = _load_settings(doc)
    reader = _Reader(doc.get("records"))
    reader.build()
    state = _load_state(doc, reader)
    log = new_log(state)
    _load_requests(doc, reader, log, state.contracts)
    return Loaded(state, log, settings)
