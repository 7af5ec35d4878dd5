"""Commands generated from the operation table: their options, and running them.

``profitbricks <resource> <verb>`` runs the SDK method of the operation whose ``cli`` is
``(resource, verb)``: path ids are options named after the method's arguments (the last id of a
command that acts on one resource may also be given positionally), body properties are options
named after the resource's fields, and ``--from-file`` takes a whole body. The SDK validates,
sends, retries and maps errors; this module only binds the command line to it and prints.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .._operations import OPERATIONS, Body, Operation, WireRequest
from ._app import USAGE
from ._body import (
    field_options,
    method_defaults,
    read_document,
    resource_from_document,
    sdk_method,
    snake,
)
from ._compat import old_flags
from ._console import Console
from ._output import UsageError, render

if TYPE_CHECKING:
    from ..client import ProfitBricksService

__all__ = [
    "DEFAULT_TIMEOUT",
    "REDIRECTS",
    "SECRET_KEYS",
    "Interrupted",
    "add_operation_arguments",
    "make_client",
    "masked",
    "run_operation",
    "run_request_wait",
    "target_param",
]

#: Seconds ``--wait`` waits unless ``--timeout`` says otherwise.
DEFAULT_TIMEOUT = 600.0

#: Properties whose values never appear in a dry run or a debug log.
SECRET_KEYS = frozenset({"password", "imagePassword"})


def target_param(operation: Operation[Any]) -> str | None:
    """The argument naming the one resource a command acts on (positional, and ``-i``).

    It is the id added by a reference body (attach, add), else the last path id of a command on
    one resource (get, update, delete, detach, start, status, members, ...), else an id in a
    form body (restore-snapshot), else None (list and create commands).
    """
    if operation.body is Body.REFERENCE:
        return operation.body_arg
    on_one = (
        operation.path.endswith("}")
        or operation.body is Body.ACTION
        or (operation.method == "GET" and operation.cli[1] != "list")
    )
    if operation.params and on_one:
        return operation.params[-1]
    if operation.body is Body.FORM:
        for option in field_options(operation):
            if option.name.endswith("_id"):
                return option.name
    return None


def _depth(operation: Operation[Any]) -> int:
    """The depth a read asks for unless ``--depth`` says otherwise: the SDK method's default,
    but at least 1, so that tables have the properties to show (a location list at the API's
    depth 0 has ids only)."""
    return max(int(method_defaults(operation).get("depth", 1)), 1)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "yes", "on", "1"):
        return True
    if value in ("false", "no", "off", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _failover(text: str) -> list[dict[str, str]]:
    """``IP,NIC_ID`` pairs, ``;``-separated (the 4.1.1 ``--ipfailover`` form) -> ipFailover."""
    pairs = []
    for part in text.split(";"):
        ip, comma, nic = part.strip().partition(",")
        if not (comma and ip.strip() and nic.strip()):
            raise argparse.ArgumentTypeError(
                f"expected IP,NIC_ID pairs separated by ';', got {text!r}"
            )
        pairs.append({"ip": ip.strip(), "nicUuid": nic.strip()})
    return pairs


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add(
    parser: argparse._ActionsContainer,
    taken: set[str],
    name: str,
    dest: str,
    help_text: str,
    extra: tuple[str, ...] = (),
    **kwargs: Any,
) -> None:
    """Add ``--name`` (and ``extra`` spellings) to ``parser``, plus hidden 4.1.1 spellings."""
    flags = [f for f in (_flag(name), *extra) if f not in taken]
    taken.update(flags)
    parser.add_argument(*flags, dest=dest, help=help_text, **kwargs)
    hidden = [f for f in old_flags(name) if f not in taken]
    if hidden:
        taken.update(hidden)
        parser.add_argument(*hidden, dest=dest, help=argparse.SUPPRESS, **kwargs)


_KIND_HELP = {
    "int": " (a whole number)",
    "bool": " (true or false; the option alone means true)",
    "list": " (repeat for several)",
    "failover": " (repeat, or separate pairs with ';')",
}


def _noun(name: str) -> str:
    return name.removesuffix("_id").replace("_", " ")


def add_operation_arguments(
    parser: argparse.ArgumentParser, operation: Operation[Any], id_param: str | None
) -> None:
    """Add the options of ``operation`` to its command's ``parser``.

    ``id_param`` is the argument that the hidden 4.1.1 ``-i/--id`` gives (None: none).
    """
    taken = {"-h", "--help"}
    target = target_param(operation)
    if target is not None:
        parser.add_argument(
            "target",
            nargs="?",
            metavar=target.upper(),
            help=f"the {_noun(target)} id (or {_flag(target)})",
        )
    if id_param is not None:
        parser.add_argument("-i", "--id", dest="old_id", help=argparse.SUPPRESS)
        taken.update({"-i", "--id"})
    ids = [*operation.params]
    if operation.body is Body.REFERENCE and operation.body_arg:
        ids.append(operation.body_arg)
    group = parser.add_argument_group("resource ids")
    for name in ids:
        _add(group, taken, name, f"a_{name}", f"the {_noun(name)} id", metavar="ID")
    if "depth" in operation.query:
        parser.add_argument(
            "--depth", type=int, dest="a_depth", metavar="N", default=_depth(operation),
            help=f"levels of nested objects to include, 0-5 (default {_depth(operation)})",
        )  # fmt: skip
        taken.add("--depth")
    options = field_options(operation)
    if options:
        props = parser.add_argument_group("properties (see also --from-file)")
        for option in options:
            if option.name == target:
                help_text = f"the {_noun(option.name)} id"
                _add(props, taken, option.name, f"a_{option.name}", help_text, metavar="ID")
                continue
            extra: tuple[str, ...] = ("--type",) if option.name == "disk_type" else ()
            kwargs: dict[str, Any]
            if option.kind == "bool":
                kwargs = {"type": _bool, "nargs": "?", "const": True, "metavar": "BOOL"}
            elif option.kind == "int":
                kwargs = {"type": int, "metavar": "N"}
            elif option.kind == "list":
                kwargs = {"action": "append", "metavar": "VALUE"}
            elif option.kind == "failover":
                kwargs = {"type": _failover, "action": "extend", "metavar": "IP,NIC_ID[;...]"}
            else:
                kwargs = {"metavar": "TEXT"}
            help_text = f"{option.api}{_KIND_HELP.get(option.kind, '')}"
            _add(props, taken, option.name, f"f_{option.name}", help_text, extra, **kwargs)
    if operation.body in (Body.RESOURCE, Body.PATCH, Body.PROPERTIES):
        parser.add_argument(
            "--from-file", dest="from_file", metavar="FILE",
            help="take the body from a JSON file (- for standard input); options override it",
        )  # fmt: skip
        parser.add_argument("-p", dest="from_file", help=argparse.SUPPRESS)
    mutating = operation.method != "GET"
    if mutating:
        parser.add_argument(
            "--wait", action="store_true",
            help="wait until the request is DONE, then print the resource's final state",
        )  # fmt: skip
        parser.add_argument(
            "--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
            help=f"with --wait: give up after SECONDS (default {DEFAULT_TIMEOUT:g}, exit 4)",
        )  # fmt: skip
    if operation.body is Body.RESOURCE:
        parser.add_argument(
            "--count", type=_count, default=1, metavar="N",
            help="create N of them at once ({i} in a text option becomes 1..N)",
        )  # fmt: skip
    if operation.cli[1] == "delete":
        parser.add_argument("--yes", "-y", action="store_true", help="delete without asking")
        parser.add_argument(
            "--force", "-f", dest="yes", action="store_true", help=argparse.SUPPRESS
        )
    parser.add_argument(
        "--dry-run", action="store_true",
        help="print the request that would be sent (secrets masked) and send nothing",
    )  # fmt: skip
    redirect = REDIRECTS.get(operation.name)
    if redirect is not None:
        param = redirect[0]
        _add(parser, taken, param, f"a_{param}", argparse.SUPPRESS)
    if operation.name == "update_nic":
        for change, how in (("add_ip", "add an IP to"), ("remove_ip", "remove an IP from")):
            help_text = f"{how} the NIC's list (read, then change)"
            _add(parser, taken, change, change, help_text, action="append", metavar="IP")
    parser.set_defaults(handler=run_operation, operation=operation.name, id_param=id_param)


#: ``operation -> (argument, operation)``: when the argument is given, the other operation
#: runs (4.1.1's ``resource list --resourcetype T`` and ``nic list --loadbalancerid LB``).
REDIRECTS: Mapping[str, tuple[str, str]] = {
    "list_resources": ("resource_type", "list_resources_of_type"),
    "list_nics": ("loadbalancer_id", "get_loadbalancer_members"),
}


# Running a command


def _client_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of ``ProfitBricksService`` for the global options ``--profile``,
    ``--api-url`` and ``--config-file`` (see :mod:`._configure` for the precedence); raises
    PBConfigurationError."""
    from ._configure import client_kwargs

    return client_kwargs(
        getattr(args, "profile", None),
        getattr(args, "api_url", None),
        getattr(args, "config_file", None),
    )


def make_client(args: argparse.Namespace, *, pooled: bool = False) -> ProfitBricksService:
    """The SDK client the global options describe; raises PBConfigurationError.

    A command makes its calls one after another, so unless ``pooled`` (threads share the client:
    ``--count``) or a proxy is in the way, the client talks through one kept-alive
    ``http.client`` connection (``SimpleTransport``) with the client's own timeout and TLS
    settings: importing urllib3 would cost a single command more time than all of its calls.
    """
    from ..client import ProfitBricksService

    kwargs = _client_kwargs(args)
    client = ProfitBricksService(**kwargs)
    if pooled:
        return client
    from .._simple_transport import simple_transport_for

    transport = simple_transport_for(client)
    if transport is None:
        return client
    return ProfitBricksService(**kwargs, transport=transport)


def _arguments(args: argparse.Namespace, operation: Operation[Any]) -> dict[str, Any]:
    """The SDK method's path, query and reference arguments; raises UsageError."""
    target = target_param(operation)
    given = vars(args)
    values: dict[str, Any] = {}
    names = [*operation.params, *operation.query]
    if operation.body is Body.REFERENCE and operation.body_arg:
        names.append(operation.body_arg)
    if target is not None and target not in names:
        names.append(target)
    for name in names:
        value = given.get(f"a_{name}")
        if name == target:
            value = _one_of(name, value, given.get("target"), "positional")
        if name == given.get("id_param"):
            value = _one_of(name, value, given.get("old_id"), "-i/--id")
        if value is not None:
            values[name] = value
    missing = [
        _flag(n)
        for n in operation.params
        if n not in values and n not in method_defaults(operation)
    ]
    if operation.body is Body.REFERENCE and operation.body_arg not in values:
        missing.append(_flag(operation.body_arg or ""))
    if missing:
        raise UsageError(f"the following arguments are required: {', '.join(missing)}")
    return values


def _one_of(name: str, option: Any, other: Any, how: str) -> Any:
    if option is not None and other is not None and option != other:
        raise UsageError(f"{_flag(name)} {option!r} and the {how} id {other!r} differ")
    return option if option is not None else other


def _body_values(
    args: argparse.Namespace, io: Console, operation: Operation[Any], index: int | None
) -> dict[str, Any]:
    """The body's values by SDK argument name: the file's, overridden by the options; with an
    ``index`` (``--count``), ``{i}`` in their text is that index."""
    values: dict[str, Any] = {}
    path = getattr(args, "from_file", None)
    if path:
        if "document" not in vars(args):
            # Read once: standard input cannot be read again for the next of --count bodies.
            args.document = read_document(path, io.stdin)
        doc = args.document
        if operation.body is Body.RESOURCE:
            resource = operation.resource
            assert resource is not None
            obj = resource_from_document(resource, doc, path)
            values = {k: v for k, v in vars(obj).items() if v is not None and v != []}
        else:
            properties = doc.get("properties", doc) if isinstance(doc, Mapping) else None
            if not isinstance(properties, Mapping):
                raise UsageError(f"--from-file {path}: must be a JSON object of properties")
            values = {snake(str(k)): v for k, v in properties.items()}
    for option in field_options(operation):
        value = getattr(args, f"f_{option.name}", None)
        if value is not None:
            values[option.name] = value
    if index is not None:
        values = {
            k: v.replace("{i}", str(index)) if isinstance(v, str) else v for k, v in values.items()
        }
    return values


def _call_arguments(
    args: argparse.Namespace, io: Console, operation: Operation[Any], index: int | None = None
) -> dict[str, Any]:
    """Every argument of the SDK method for this command line (the resource object built)."""
    arguments = _arguments(args, operation)
    if operation.body in (Body.NONE, Body.ACTION, Body.REFERENCE):
        return arguments
    values = _body_values(args, io, operation, index)
    if operation.body is Body.RESOURCE:
        resource = operation.resource
        assert resource is not None
        assert operation.body_arg is not None
        try:
            arguments[operation.body_arg] = resource(**values)
        except TypeError as exc:
            raise UsageError(str(exc)) from exc
    else:
        arguments.update(values)
    return arguments


def _call(client: ProfitBricksService, operation: Operation[Any], arguments: dict[str, Any]) -> Any:
    method = getattr(client, operation.name, None) if sdk_method(operation) else None
    if method is None:
        # Two table entries are reached through a method of another name (list_resources with a
        # type, get_request with status=True); the table entry itself is what they run.
        return client._run(operation, **{**method_defaults(operation), **arguments})
    return method(**arguments)


def run_operation(args: argparse.Namespace, io: Console) -> int:
    """Run the operation command parsed into ``args``; returns the exit status."""
    operation = OPERATIONS[args.operation]
    redirect = REDIRECTS.get(operation.name)
    if redirect is not None and getattr(args, f"a_{redirect[0]}", None) is not None:
        operation = OPERATIONS[redirect[1]]
    count = getattr(args, "count", 1)
    if count > 1:
        return _run_bulk(args, io, operation, count)
    arguments = _call_arguments(args, io, operation)
    if getattr(args, "add_ip", None) or getattr(args, "remove_ip", None):
        arguments["ips"] = _changed_ips(args, arguments)
    wire = operation.prepare({**method_defaults(operation), **arguments})
    if args.dry_run:
        _print_request(io, wire, _client_kwargs(args).get("host_base"))
        return 0
    unconfirmed = operation.cli[1] == "delete" and not getattr(args, "yes", False)
    if unconfirmed and not _confirm(args, io, operation, arguments):
        return USAGE
    client = make_client(args)
    with client:
        _log_request(wire, client.host_base)
        result = _call(client, operation, arguments)
        request_id = result.get("requestId") if isinstance(result, dict) else None
        if getattr(args, "wait", False) and request_id:
            status = _wait(client, io, [request_id], args.timeout)[0]
            final = _final_state(client, operation, arguments, result, status)
            _print(args, io, final)
            return 0
        if request_id and io.isatty_stderr:
            io.note(f"request {request_id} accepted (profitbricks request wait {request_id})")
        _print(args, io, result)
    return 0


def _changed_ips(args: argparse.Namespace, arguments: Mapping[str, Any]) -> list[str]:
    """The NIC's IPs (read with a get) plus ``--add-ip``, minus ``--remove-ip``."""
    params = {name: arguments[name] for name in _GETS["nic"].params}
    with make_client(args) as client:
        current = client.get_nic(**params)
    ips = list(arguments.get("ips") or (current.get("properties") or {}).get("ips") or [])
    for ip in args.add_ip or ():
        if ip not in ips:
            ips.append(ip)
    for ip in args.remove_ip or ():
        if ip not in ips:
            raise UsageError(f"--remove-ip {ip}: the NIC has no such IP ({', '.join(ips)})")
        ips.remove(ip)
    return ips


def _print(args: argparse.Namespace, io: Console, doc: Any) -> None:
    if isinstance(doc, dict) and "requestId" in doc and len(doc) > 1:
        # The SDK adds the request id to the reply; the API's own document is what is printed.
        doc = {k: v for k, v in doc.items() if k != "requestId"}
    output = getattr(args, "output", None) or "table"
    render(
        io,
        doc,
        output,
        cols=getattr(args, "cols", None),
        headers=not getattr(args, "no_headers", False),
        query=getattr(args, "query", None),
    )


def _confirm(
    args: argparse.Namespace, io: Console, operation: Operation[Any], arguments: Mapping[str, Any]
) -> bool:
    """Ask before a delete on a terminal (default No); raises UsageError without one.

    The resource is read first, so that the question names it (and a resource that does not
    exist is an API error before any question).
    """
    target = target_param(operation)
    what = f"{operation.cli[0]} {arguments.get(target or '', '')}".strip()
    if not io.interactive:
        raise UsageError(f"refusing to delete {what} without --yes: no terminal to ask on")
    get = _GETS.get(operation.cli[0])
    if get is not None and all(name in arguments for name in get.params):
        with make_client(args) as client:
            doc = _call(client, get, {name: arguments[name] for name in get.params})
        name = (doc.get("properties") or {}).get("name") if isinstance(doc, dict) else None
        if name:
            what = f"{operation.cli[0]} {name!r} ({arguments[target or '']})"
    answer = io.ask(f"Delete {what}? This cannot be undone. [y/N] ")
    if answer.lower() in ("y", "yes"):
        return True
    io.note("Not deleted.")
    return False


def masked(value: Any) -> Any:
    """``value`` (a decoded JSON body) with every secret property replaced by ``***``."""
    if isinstance(value, Mapping):
        return {k: "***" if k in SECRET_KEYS else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def _print_request(io: Console, wire: WireRequest, host_base: str | None) -> None:
    """``--dry-run``: the request as it would be sent, secrets masked."""
    from urllib.parse import parse_qsl, urlencode

    from .._config import resolve_base_url

    url = resolve_base_url(host_base) + wire.path
    if wire.query:
        url += "?" + urlencode(wire.query)
    io.out(f"{wire.method} {url}")
    if wire.content_type:
        io.out(f"Content-Type: {wire.content_type}")
    if wire.body:
        io.out("")
        if wire.content_type == "application/json":
            io.out(json.dumps(masked(json.loads(bytes(wire.body))), indent=2, ensure_ascii=False))
        else:
            form = dict(parse_qsl(bytes(wire.body).decode()))
            io.out(urlencode(masked(form)))


def _log_request(wire: WireRequest, host_base: str) -> None:
    """With ``--debug``: the request about to be sent, its body's secrets masked (the SDK's
    logger then tells each exchange's status and time; it never logs credentials)."""
    import logging

    log = logging.getLogger("profitbricks.cli")
    if not log.isEnabledFor(logging.DEBUG):
        return
    body = ""
    if wire.body and wire.content_type == "application/json":
        body = " " + json.dumps(masked(json.loads(bytes(wire.body))), separators=(",", ":"))
    elif wire.body:
        from urllib.parse import parse_qsl, urlencode

        body = " " + urlencode(masked(dict(parse_qsl(bytes(wire.body).decode()))))
    log.debug(
        "%s %s%s%s Authorization: Basic ***%s", wire.method, host_base, wire.path,
        f" Content-Type: {wire.content_type}" if wire.content_type else "", body,
    )  # fmt: skip


# Waiting


@contextmanager
def _progress(io: Console, total: int, label: str) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr when it is a terminal (else nothing); yields ``update``."""
    if not io.isatty_stderr:
        yield lambda **_: None
        return
    from rich.console import Console as RichConsole
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = RichConsole(file=io.stderr, no_color=not io.color_stderr)
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=False,
    )  # fmt: skip
    task = progress.add_task(label, total=total)

    def update(**fields: Any) -> None:
        progress.update(task, **fields)

    with progress:
        yield update


def _wait(
    client: ProfitBricksService, io: Console, request_ids: list[str], timeout: float
) -> list[dict[str, Any]]:
    """Wait for the requests; returns their final status documents.

    Raises PBFailedRequest or PBTimeoutError from the SDK, KeyboardInterrupt as Interrupted
    naming the requests not yet finished.
    """
    statuses: dict[str, str] = dict.fromkeys(request_ids, "QUEUED")
    label = f"request {request_ids[0]}" if len(request_ids) == 1 else "requests"

    def on_poll(doc: dict[str, Any]) -> None:
        request_id = str(doc.get("id", "")).removesuffix("/status")
        status = (doc.get("metadata") or {}).get("status")
        if request_id in statuses and isinstance(status, str):
            statuses[request_id] = status
            done = sum(s in ("DONE", "FAILED") for s in statuses.values())
            shown = status if len(statuses) == 1 else f"{done} finished"
            update(completed=done, description=f"{label}: {shown}")

    try:
        with _progress(io, len(request_ids), f"{label}: QUEUED") as update:
            if len(request_ids) == 1:
                final = client.wait_for_completion(
                    {"requestId": request_ids[0]}, timeout=timeout, on_poll=on_poll
                )
                return [dict(final or {})]
            finals = client.wait_for_requests(request_ids, timeout=timeout, on_poll=on_poll)
            return [dict(doc) for doc in finals]
    except KeyboardInterrupt:
        pending = [r for r, s in statuses.items() if s not in ("DONE", "FAILED")]
        raise Interrupted(pending) from None


class Interrupted(KeyboardInterrupt):
    """Ctrl+C while waiting; ``request_ids`` are the requests still pending."""

    def __init__(self, request_ids: list[str]) -> None:
        super().__init__(request_ids)
        self.request_ids = request_ids


_GETS = {op.cli[0]: op for op in OPERATIONS.values() if op.cli[1] == "get"}


def _final_state(
    client: ProfitBricksService,
    operation: Operation[Any],
    arguments: Mapping[str, Any],
    reply: Any,
    status: dict[str, Any],
) -> Any:
    """After a wait: the resource as it now is (a get), or the request's final status when the
    resource is gone or cannot be read by one get."""
    if operation.method == "DELETE":
        return status
    reply_id = reply.get("id") if isinstance(reply, dict) else None
    kind = reply.get("type") if isinstance(reply, dict) else None
    for resource in (str(kind or ""), operation.cli[0]):
        get = _GETS.get(resource)
        if get is None:
            continue
        values = {name: arguments[name] for name in get.params if name in arguments}
        missing = [name for name in get.params if name not in values]
        if missing == [get.params[-1]] and reply_id:
            values[missing[0]] = reply_id
        elif missing:
            continue
        return _call(client, get, values)
    return status


def run_request_wait(args: argparse.Namespace, io: Console) -> int:
    """``profitbricks request wait ID...``: wait for the requests; print their final status."""
    client = make_client(args)
    with client:
        finals = _wait(client, io, list(args.request_ids), args.timeout)
    doc: Any = finals[0] if len(finals) == 1 else {"items": finals}
    _print(args, io, doc)
    return 0


def _run_bulk(args: argparse.Namespace, io: Console, operation: Operation[Any], count: int) -> int:
    """``create --count N``: N creates through the SDK's bulk helper, one progress bar."""
    from functools import partial

    calls_arguments = [_call_arguments(args, io, operation, i) for i in range(1, count + 1)]
    for arguments in calls_arguments:
        operation.prepare({**method_defaults(operation), **arguments})
    if args.dry_run:
        host = _client_kwargs(args).get("host_base")
        for arguments in calls_arguments:
            _print_request(io, operation.prepare(arguments), host)
        return 0
    client = make_client(args, pooled=True)
    method = getattr(client, operation.name)
    with client, _progress(io, count, f"{operation.cli[0]} {operation.cli[1]}") as update:
        label = f"{operation.cli[0]} {operation.cli[1]}"

        def on_progress(p: Any) -> None:
            counts = f"{p.submitted} submitted, {p.running} running, {p.done} done"
            if p.failed:
                counts += f", {p.failed} failed"
            completed = p.finished if args.wait else p.submitted + p.failed
            update(completed=completed, description=f"{label}: {counts}")

        report = client.bulk(
            [partial(method, **arguments) for arguments in calls_arguments],
            wait=args.wait,
            timeout=args.timeout,
            on_progress=on_progress,
        )
        results = []
        for outcome, arguments in zip(report, calls_arguments, strict=False):
            if outcome.ok and isinstance(outcome.result, dict):
                doc = outcome.result
                if args.wait and outcome.status is not None:
                    doc = _final_state(client, operation, arguments, doc, outcome.status)
                results.append({k: v for k, v in doc.items() if k != "requestId"})
    _print(args, io, {"items": results})
    return _bulk_status(io, report)


def _bulk_status(io: Console, report: Any) -> int:
    from ..errors import PBFailedRequest, PBTimeoutError

    code = 0
    for outcome in report.failures:
        io.error(f"call {outcome.index + 1}: {outcome.error}")
        if isinstance(outcome.error, PBTimeoutError):
            code = max(code, 4)
        elif isinstance(outcome.error, PBFailedRequest):
            code = max(code, 3)
        else:
            code = max(code, 1)
    return code
