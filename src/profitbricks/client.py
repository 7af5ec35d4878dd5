"""``ProfitBricksService``: the Cloud API v4 client, one thin method per operation.

Every method binds its arguments to an entry of the operation table (``profitbricks._operations``)
and returns the API's JSON as a plain ``dict``. Replies to mutating calls carry ``requestId``
(taken from the ``Location`` header), so any of them can be passed to ``wait_for_completion``;
deletes, detaches and server actions, which the API answers without a body, return
``{"requestId": ...}``.

The resource classes and every exception are importable from here too, as in the 4.x SDK::

    from profitbricks.client import ProfitBricksService, Datacenter, PBNotFoundError
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, overload

from . import __version__, waiting
from . import _operations as op
from ._aliases import install_aliases
from ._config import (
    HAS_KEYRING,
    check_headers,
    is_loopback,
    parse_base_url,
    resolve_base_url,
    resolve_credentials,
    resolve_proxy,
)
from .errors import (
    CleartextCredentialsWarning,
    PBConfigurationError,
    PBError,
    PBFailedRequest,
    PBNotAuthorizedError,
    PBNotFoundError,
    PBRateLimitExceededError,
    PBRequestError,
    PBTimeoutError,
    PBValidationError,
)

if TYPE_CHECKING:
    from urllib3 import Timeout

    from ._pipeline import Pipeline, RetryPolicy, Transport
    from .bulk import BulkProgress, BulkReport
    from .resources import (
        LAN,
        NIC,
        Datacenter,
        FirewallRule,
        Group,
        IPBlock,
        LoadBalancer,
        Resource,
        Server,
        Snapshot,
        User,
        Volume,
    )
    from .types import (
        Accepted,
        Collection,
        ContractDoc,
        DatacenterDoc,
        FirewallRuleDoc,
        GroupDoc,
        ImageDoc,
        IpBlockDoc,
        LanDoc,
        LoadBalancerDoc,
        LocationDoc,
        NicDoc,
        RequestDoc,
        RequestStatusDoc,
        ResourceDoc,
        ServerDoc,
        ShareDoc,
        SnapshotDoc,
        UserDoc,
        VolumeDoc,
    )

__all__ = [
    "LAN",
    "NIC",
    "CleartextCredentialsWarning",
    "Datacenter",
    "FirewallRule",
    "Group",
    "IPBlock",
    "LoadBalancer",
    "PBConfigurationError",
    "PBError",
    "PBFailedRequest",
    "PBNotAuthorizedError",
    "PBNotFoundError",
    "PBRateLimitExceededError",
    "PBRequestError",
    "PBTimeoutError",
    "PBValidationError",
    "ProfitBricksService",
    "Server",
    "Snapshot",
    "User",
    "Volume",
]

T = TypeVar("T")
StatusCallback = Callable[[dict[str, Any]], None]

_RESOURCE_CLASSES = frozenset(
    {
        "LAN",
        "NIC",
        "Datacenter",
        "FirewallRule",
        "Group",
        "IPBlock",
        "LoadBalancer",
        "Server",
        "Snapshot",
        "User",
        "Volume",
    }
)


def __getattr__(name: str) -> Any:
    # The resource classes (dataclasses, the costliest part of the SDK to import) load on first
    # use: a script that only reads never pays for them.
    if name in _RESOURCE_CLASSES:
        from . import resources

        value = getattr(resources, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _transport_options(service: Any) -> dict[str, Any]:
    """The network transport's settings of a client (sync or asyncio): timeout, TLS, proxy."""
    cert = service.client_cert
    cert_file, key_file = (cert, None) if isinstance(cert, str) else cert or (None, None)
    return {
        "timeout": service.timeout,
        "ssl_verify": service.ssl_verify,
        "host_cert": service.host_cert,
        "proxy_url": service.proxy,
        "cert_file": cert_file,
        "key_file": key_file,
    }


def _pipeline_options(service: Any) -> dict[str, Any]:
    """The request pipeline's settings of a client (sync or asyncio): credentials, headers,
    retries, deadline and reply limit. Without credentials the transport authenticates."""
    credentials = service.username is not None or service._password is not None
    return {
        "username": service.username if credentials else None,
        "password": service._password if credentials else None,
        "headers": service.headers,
        "user_agent": service.user_agent,
        "retries": service.retries,
        "deadline": service.deadline,
        "max_reply_bytes": service.max_reply_bytes,
    }


def _resource_body(resource: Resource, *, nested: bool = False) -> dict[str, Any]:
    from ._payload import resource_body

    return resource_body(resource, nested=nested)


class ProfitBricksService:
    """A client of the ProfitBricks Cloud API v4.

    Credentials come from ``username``/``password``, else the environment
    (``PROFITBRICKS_USERNAME``, ``PROFITBRICKS_PASSWORD``), else the config file (``use_config``,
    ``config_filename``), else the keyring (``use_keyring``); PBConfigurationError when none
    has them. The base URL is ``host_base``, else ``PROFITBRICKS_API_URL``, else the public API.

    ``headers`` are sent with every call (the dict is kept, so later changes apply; a name or
    value that cannot be sent, such as one with CR or LF, raises PBValidationError);
    ``client_user_agent`` is put before the SDK's User-Agent. ``timeout`` (seconds or a
    ``urllib3.Timeout``; None: 10 s connect, 60 s read), ``retries`` (a ``RetryPolicy``, a
    number of retries, or None for the default policy), ``deadline`` (seconds a whole call may
    take, retries included; None: 300 s) and ``max_reply_bytes`` (the largest reply body read;
    None: 128 MiB) tune every call. ``validate=False`` turns off client-side validation.
    ``transport`` replaces the HTTP transport with any object implementing
    ``profitbricks._pipeline.Transport`` (the retries, deadline and errors stay the client's).
    ``proxy`` is an HTTP(S) proxy URL (None: ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` as set
    when the client is created; ``""``: none); ``client_cert`` a client certificate file, or a
    (certificate, key) pair of files.

    An unusable base URL raises PBConfigurationError here, at construction. A plain ``http://``
    base URL to a host other than this machine warns once with
    :class:`~profitbricks.errors.CleartextCredentialsWarning`: the password would cross the
    network readable by anyone on the path.

    API errors raise PBNotAuthorizedError (401), PBNotFoundError (404), PBValidationError (422,
    also for client-side validation), PBRateLimitExceededError (429) or PBError.
    """

    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        host_base: str | None = None,
        host_cert: str | None = None,
        ssl_verify: bool = True,
        headers: Mapping[str, str] | None = None,
        client_user_agent: str | None = None,
        use_config: bool = True,
        use_keyring: bool = HAS_KEYRING,
        config_filename: str | None = None,
        *,
        timeout: float | Timeout | None = None,
        retries: RetryPolicy | int | None = None,
        validate: bool = True,
        transport: Transport | None = None,
        proxy: str | None = None,
        client_cert: str | tuple[str, str] | None = None,
        deadline: float | None = None,
        max_reply_bytes: int | None = None,
    ) -> None:
        if transport is None:
            username, password = resolve_credentials(
                username,
                password,
                use_config=use_config,
                use_keyring=use_keyring,
                config_filename=config_filename,
            )
        self.username = username
        self._password = password
        # A given transport that knows its base URL (the in-process emulator's) provides the
        # default.
        self.host_base = resolve_base_url(host_base or getattr(transport, "base_url", None))
        self.host_cert = host_cert
        self.ssl_verify = ssl_verify
        # Kept by reference: the transport reads it on every call.
        self.headers: dict[str, str] = headers if isinstance(headers, dict) else dict(headers or {})
        self.client_user_agent = client_user_agent
        self.user_agent = f"profitbricks-sdk-python/{__version__}"
        if client_user_agent:
            self.user_agent = f"{client_user_agent} {self.user_agent}"
        check_headers({**self.headers, "User-Agent": self.user_agent})
        self.timeout = timeout
        self.retries = retries
        from ._pipeline import check_deadline, check_max_reply_bytes

        self.deadline = check_deadline(deadline)
        self.max_reply_bytes = check_max_reply_bytes(max_reply_bytes)
        # Read once here, not per call: scanning the environment on every call cost the 4.x SDK
        # about a fifth of its per-call time.
        self.proxy = resolve_proxy(self.host_base, proxy)
        self.client_cert = client_cert
        self.validate = validate
        # A transport given by the caller is kept across close(); the HTTP one is made anew.
        self._given_transport = transport
        self._pipeline: Pipeline | None = None
        self._transport_lock = threading.Lock()
        if transport is None:
            base = parse_base_url(self.host_base)
            if base.scheme == "http" and not is_loopback(base.host):
                import warnings

                warnings.warn(
                    CleartextCredentialsWarning(
                        f"the API base URL {self.host_base} is plain http to another host: "
                        "credentials and data cross the network unencrypted; use https"
                    ),
                    stacklevel=2,
                )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(username={self.username!r}, host_base={self.host_base!r})"

    @property
    def transport(self) -> Transport:
        """The transport calls go through (the HTTP transport is created on first use)."""
        return self.pipeline.transport

    @property
    def pipeline(self) -> Pipeline:
        """The request pipeline (headers, retries, deadline, errors) in front of the transport."""
        pipeline = self._pipeline
        if pipeline is None:
            with self._transport_lock:
                pipeline = self._pipeline
                if pipeline is None:
                    pipeline = self._pipeline = self._new_pipeline()
        return pipeline

    def _new_pipeline(self) -> Pipeline:
        from ._pipeline import Pipeline

        transport = self._given_transport
        if transport is None:
            from ._transport import HttpTransport

            transport = HttpTransport(self.host_base, **_transport_options(self))
        return Pipeline(transport, self.host_base, **_pipeline_options(self))

    def close(self) -> None:
        """Release the transport's connections (a new HTTP transport is made if used again).

        A transport passed as ``transport=`` is closed too, and is the one used afterwards.
        """
        with self._transport_lock:
            pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.close()

    def __enter__(self) -> ProfitBricksService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, operation: op.Operation[T], /, **arguments: Any) -> T:
        method, path, query, body, content_type = operation.prepare(
            arguments, validate=self.validate
        )
        pipeline = self._pipeline
        if pipeline is None:
            pipeline = self.pipeline
        reply = pipeline.request(method, path, query=query, body=body, content_type=content_type)
        return operation.result(reply, method, pipeline.base_url + path)

    # Waiting for provisioning requests

    def wait_for_completion(
        self,
        response: Any,
        timeout: float | None = 3600,
        initial_wait: float | None = None,
        scaleup: float | None = None,
        *,
        on_poll: StatusCallback | None = None,
    ) -> RequestStatusDoc | None:
        """Wait until the request behind ``response`` (a mutating call's result) is DONE.

        Polls ``GET /requests/{id}/status``; returns the final status document, or None at once
        for a falsy ``response``. Raises PBFailedRequest when the request FAILED and
        PBTimeoutError after ``timeout`` seconds (None: no limit).
        """
        final = waiting.wait_for_completion(
            self._request_status, response, timeout, initial_wait, scaleup, on_poll=on_poll
        )
        return cast("RequestStatusDoc | None", final)

    def wait_for_requests(
        self,
        responses: Iterable[Any],
        timeout: float | None = 3600,
        *,
        on_poll: StatusCallback | None = None,
    ) -> list[RequestStatusDoc]:
        """Wait for several requests at once; returns their final status documents in order.

        Each round polls every pending request, or reads them all with one
        ``GET /requests?depth=1`` when there are many. Raises PBFailedRequest naming every failed
        request, PBTimeoutError after ``timeout``.
        """
        finals = waiting.wait_for_requests(
            self._request_status,
            responses,
            timeout,
            on_poll=on_poll,
            list_statuses=self._request_statuses,
        )
        return cast("list[RequestStatusDoc]", finals)

    def _request_status(self, request_id: str) -> dict[str, Any]:
        return cast("dict[str, Any]", self._run(op.GET_REQUEST_STATUS, request_id=request_id))

    def _request_statuses(self) -> dict[str, dict[str, Any]]:
        listing = self._run(op.LIST_REQUESTS, depth=1)
        return waiting.statuses_from_listing(listing)

    # Bulk provisioning

    def bulk(
        self,
        calls: Iterable[Callable[[], Any]],
        *,
        concurrency: int = 10,
        wait: bool = True,
        timeout: float | None = 3600,
        on_progress: Callable[[BulkProgress], object] | None = None,
    ) -> BulkReport:
        """Make many calls, ``concurrency`` at a time on threads, then wait for their requests.

        ``calls`` are functions of no arguments, each making one call of this client (e.g.
        ``functools.partial(client.create_server, dc_id, server)``). With ``wait`` the requests
        they started are waited for together, on one schedule, for at most ``timeout`` seconds.
        ``on_progress`` gets a :class:`~profitbricks.bulk.BulkProgress` whenever a count changes.
        Returns a :class:`~profitbricks.bulk.BulkReport`: one outcome per call, in order, with its
        result, request id, final status and error; a failed call or request raises nothing.
        Ctrl+C raises :class:`~profitbricks.bulk.BulkInterrupted` naming the requests already
        submitted (see ``profitbricks.bulk``). Give the client at least ``concurrency``
        connections: its pool holds 10.
        """
        from .bulk import run_blocking

        return run_blocking(
            self,
            calls,
            concurrency=concurrency,
            wait=wait,
            timeout=timeout,
            on_progress=on_progress,
        )

    # Bodies of the 4.x SDK, kept for scripts that build composite bodies themselves.

    def _create_server_dict(self, server: Server) -> dict[str, Any]:
        """The JSON body describing ``server`` (as sent by ``create_server``)."""
        return _resource_body(server)

    def _create_volume_dict(self, volume: Volume) -> dict[str, Any]:
        """The JSON body describing ``volume`` (as sent by ``create_volume``)."""
        return _resource_body(volume)

    def _create_nic_dict(self, nic: NIC) -> dict[str, Any]:
        """The JSON body describing ``nic`` (as sent by ``create_nic``)."""
        return _resource_body(nic)

    def _create_lan_dict(self, lan: LAN) -> dict[str, Any]:
        """The JSON body describing ``lan`` (as sent by ``create_lan``)."""
        return _resource_body(lan)

    def _create_loadbalancer_dict(self, loadbalancer: LoadBalancer) -> dict[str, Any]:
        """The JSON body describing ``loadbalancer`` (as sent by ``create_loadbalancer``)."""
        return _resource_body(loadbalancer)

    def _create_firewallrule_dict(self, firewall_rule: FirewallRule) -> dict[str, Any]:
        """The JSON body of ``firewall_rule`` as nested in a NIC (``name`` only when set)."""
        return _resource_body(firewall_rule, nested=True)

    # Contract

    def list_contracts(self, depth: int = 1) -> ContractDoc:
        """The contract: resource limits and usage (``GET /contracts``), one object."""
        return self._run(op.LIST_CONTRACTS, depth=depth)

    # Data centres

    def list_datacenters(self, depth: int = 1) -> Collection:
        """All data centres (``GET /datacenters``)."""
        return self._run(op.LIST_DATACENTERS, depth=depth)

    def get_datacenter(self, datacenter_id: str, depth: int = 1) -> DatacenterDoc:
        """A data centre (``GET /datacenters/{id}``); PBNotFoundError if there is none."""
        return self._run(op.GET_DATACENTER, datacenter_id=datacenter_id, depth=depth)

    def get_datacenter_by_name(self, name: str, depth: int = 1) -> DatacenterDoc:
        """The one data centre whose name matches ``name`` (``GET /datacenters``, then matched).

        Matching relaxes step by step: exact, case-insensitive, prefix, substring. Raises
        NameError when no data centre, or more than one, matches at the first step with a hit.
        """
        collection = self._run(op.LIST_DATACENTERS, depth=depth)
        return op.find_by_name(collection.get("items") or [], name)  # type: ignore[return-value]

    def create_datacenter(self, datacenter: Datacenter) -> DatacenterDoc:
        """Create a data centre and everything nested in it (``POST /datacenters``)."""
        return self._run(op.CREATE_DATACENTER, datacenter=datacenter)

    def update_datacenter(
        self,
        datacenter_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        **kwargs: Any,
    ) -> DatacenterDoc:
        """Change a data centre (``PATCH /datacenters/{id}``); other keywords are camel-cased."""
        return self._run(
            op.UPDATE_DATACENTER,
            datacenter_id=datacenter_id,
            name=name,
            description=description,
            **kwargs,
        )

    def delete_datacenter(self, datacenter_id: str) -> Accepted:
        """Delete a data centre and all it contains (``DELETE /datacenters/{id}``)."""
        return self._run(op.DELETE_DATACENTER, datacenter_id=datacenter_id)

    # Locations

    def list_locations(self, depth: int = 0) -> Collection:
        """The locations (``GET /locations``)."""
        return self._run(op.LIST_LOCATIONS, depth=depth)

    def get_location(self, location_id: str, depth: int = 0) -> LocationDoc:
        """A location such as ``us/las`` (``GET /locations/{region}/{city}``)."""
        return self._run(op.GET_LOCATION, location_id=location_id, depth=depth)

    # Servers

    def list_servers(self, datacenter_id: str, depth: int = 1) -> Collection:
        """The servers of a data centre (``GET /datacenters/{dc}/servers``)."""
        return self._run(op.LIST_SERVERS, datacenter_id=datacenter_id, depth=depth)

    def get_server(self, datacenter_id: str, server_id: str, depth: int = 1) -> ServerDoc:
        """A server (``GET /datacenters/{dc}/servers/{id}``)."""
        return self._run(
            op.GET_SERVER, datacenter_id=datacenter_id, server_id=server_id, depth=depth
        )

    def create_server(self, datacenter_id: str, server: Server) -> ServerDoc:
        """Create a server with its volumes and NICs (``POST /datacenters/{dc}/servers``)."""
        return self._run(op.CREATE_SERVER, datacenter_id=datacenter_id, server=server)

    def update_server(
        self,
        datacenter_id: str,
        server_id: str,
        *,
        name: str | None = None,
        cores: int | None = None,
        ram: int | None = None,
        availability_zone: str | None = None,
        cpu_family: str | None = None,
        boot_volume_id: str | None = None,
        boot_cdrom: str | None = None,
        **kwargs: Any,
    ) -> ServerDoc:
        """Change a server (``PATCH /datacenters/{dc}/servers/{id}``).

        ``boot_volume_id`` (or ``boot_volume``) and ``boot_cdrom`` are volume / image ids.
        """
        return self._run(
            op.UPDATE_SERVER,
            datacenter_id=datacenter_id,
            server_id=server_id,
            name=name,
            cores=cores,
            ram=ram,
            availability_zone=availability_zone,
            cpu_family=cpu_family,
            boot_volume_id=boot_volume_id,
            boot_cdrom=boot_cdrom,
            **kwargs,
        )

    def delete_server(self, datacenter_id: str, server_id: str) -> Accepted:
        """Delete a server; its volumes stay (``DELETE /datacenters/{dc}/servers/{id}``)."""
        return self._run(op.DELETE_SERVER, datacenter_id=datacenter_id, server_id=server_id)

    def get_attached_volumes(
        self, datacenter_id: str, server_id: str, depth: int = 1
    ) -> Collection:
        """Volumes attached to a server (``GET …/servers/{srv}/volumes``)."""
        return self._run(
            op.GET_ATTACHED_VOLUMES, datacenter_id=datacenter_id, server_id=server_id, depth=depth
        )

    def get_attached_volume(self, datacenter_id: str, server_id: str, volume_id: str) -> VolumeDoc:
        """A volume attached to a server (``GET …/servers/{srv}/volumes/{id}``)."""
        return self._run(
            op.GET_ATTACHED_VOLUME,
            datacenter_id=datacenter_id,
            server_id=server_id,
            volume_id=volume_id,
        )

    def attach_volume(self, datacenter_id: str, server_id: str, volume_id: str) -> VolumeDoc:
        """Attach a volume to a server (``POST …/servers/{srv}/volumes``); returns the volume."""
        return self._run(
            op.ATTACH_VOLUME, datacenter_id=datacenter_id, server_id=server_id, volume_id=volume_id
        )

    def detach_volume(self, datacenter_id: str, server_id: str, volume_id: str) -> Accepted:
        """Detach a volume, keeping it (``DELETE …/servers/{srv}/volumes/{id}``)."""
        return self._run(
            op.DETACH_VOLUME, datacenter_id=datacenter_id, server_id=server_id, volume_id=volume_id
        )

    def get_attached_cdroms(self, datacenter_id: str, server_id: str, depth: int = 1) -> Collection:
        """CD-ROM images attached to a server (``GET …/servers/{srv}/cdroms``)."""
        return self._run(
            op.GET_ATTACHED_CDROMS, datacenter_id=datacenter_id, server_id=server_id, depth=depth
        )

    def get_attached_cdrom(self, datacenter_id: str, server_id: str, cdrom_id: str) -> ImageDoc:
        """A CD-ROM attached to a server (``GET …/servers/{srv}/cdroms/{id}``)."""
        return self._run(
            op.GET_ATTACHED_CDROM,
            datacenter_id=datacenter_id,
            server_id=server_id,
            cdrom_id=cdrom_id,
        )

    def attach_cdrom(self, datacenter_id: str, server_id: str, cdrom_id: str) -> ImageDoc:
        """Attach a CD-ROM image (``POST …/servers/{srv}/cdroms``); returns the image."""
        return self._run(
            op.ATTACH_CDROM, datacenter_id=datacenter_id, server_id=server_id, cdrom_id=cdrom_id
        )

    def detach_cdrom(self, datacenter_id: str, server_id: str, cdrom_id: str) -> Accepted:
        """Detach a CD-ROM (``DELETE …/servers/{srv}/cdroms/{id}``)."""
        return self._run(
            op.DETACH_CDROM, datacenter_id=datacenter_id, server_id=server_id, cdrom_id=cdrom_id
        )

    def reboot_server(self, datacenter_id: str, server_id: str) -> Accepted:
        """Hard-reboot a server (``POST …/servers/{id}/reboot``)."""
        return self._run(op.REBOOT_SERVER, datacenter_id=datacenter_id, server_id=server_id)

    def start_server(self, datacenter_id: str, server_id: str) -> Accepted:
        """Start a server (``POST …/servers/{id}/start``)."""
        return self._run(op.START_SERVER, datacenter_id=datacenter_id, server_id=server_id)

    def stop_server(self, datacenter_id: str, server_id: str) -> Accepted:
        """Power a server off (``POST …/servers/{id}/stop``)."""
        return self._run(op.STOP_SERVER, datacenter_id=datacenter_id, server_id=server_id)

    # Images

    def list_images(self, depth: int = 1) -> Collection:
        """All images, public and private (``GET /images``)."""
        return self._run(op.LIST_IMAGES, depth=depth)

    def get_image(self, image_id: str) -> ImageDoc:
        """An image (``GET /images/{id}``)."""
        return self._run(op.GET_IMAGE, image_id=image_id)

    def update_image(
        self,
        image_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        licence_type: str | None = None,
        cpu_hot_plug: bool | None = None,
        cpu_hot_unplug: bool | None = None,
        ram_hot_plug: bool | None = None,
        ram_hot_unplug: bool | None = None,
        nic_hot_plug: bool | None = None,
        nic_hot_unplug: bool | None = None,
        disc_virtio_hot_plug: bool | None = None,
        disc_virtio_hot_unplug: bool | None = None,
        disc_scsi_hot_plug: bool | None = None,
        disc_scsi_hot_unplug: bool | None = None,
        **kwargs: Any,
    ) -> ImageDoc:
        """Change a private image (``PATCH /images/{id}``); public images cannot be changed."""
        return self._run(
            op.UPDATE_IMAGE,
            image_id=image_id,
            name=name,
            description=description,
            licence_type=licence_type,
            cpu_hot_plug=cpu_hot_plug,
            cpu_hot_unplug=cpu_hot_unplug,
            ram_hot_plug=ram_hot_plug,
            ram_hot_unplug=ram_hot_unplug,
            nic_hot_plug=nic_hot_plug,
            nic_hot_unplug=nic_hot_unplug,
            disc_virtio_hot_plug=disc_virtio_hot_plug,
            disc_virtio_hot_unplug=disc_virtio_hot_unplug,
            disc_scsi_hot_plug=disc_scsi_hot_plug,
            disc_scsi_hot_unplug=disc_scsi_hot_unplug,
            **kwargs,
        )

    def delete_image(self, image_id: str) -> Accepted:
        """Delete a private image (``DELETE /images/{id}``)."""
        return self._run(op.DELETE_IMAGE, image_id=image_id)

    # Volumes

    def list_volumes(self, datacenter_id: str, depth: int = 1) -> Collection:
        """The volumes of a data centre (``GET /datacenters/{dc}/volumes``)."""
        return self._run(op.LIST_VOLUMES, datacenter_id=datacenter_id, depth=depth)

    def get_volume(self, datacenter_id: str, volume_id: str) -> VolumeDoc:
        """A volume (``GET /datacenters/{dc}/volumes/{id}``)."""
        return self._run(op.GET_VOLUME, datacenter_id=datacenter_id, volume_id=volume_id)

    def create_volume(self, datacenter_id: str, volume: Volume) -> VolumeDoc:
        """Create a volume, not attached (``POST /datacenters/{dc}/volumes``)."""
        return self._run(op.CREATE_VOLUME, datacenter_id=datacenter_id, volume=volume)

    def update_volume(
        self,
        datacenter_id: str,
        volume_id: str,
        *,
        name: str | None = None,
        size: int | None = None,
        bus: str | None = None,
        licence_type: str | None = None,
        **kwargs: Any,
    ) -> VolumeDoc:
        """Change a volume (``PATCH /datacenters/{dc}/volumes/{id}``); size may only grow."""
        return self._run(
            op.UPDATE_VOLUME,
            datacenter_id=datacenter_id,
            volume_id=volume_id,
            name=name,
            size=size,
            bus=bus,
            licence_type=licence_type,
            **kwargs,
        )

    def delete_volume(self, datacenter_id: str, volume_id: str) -> Accepted:
        """Delete a volume (``DELETE /datacenters/{dc}/volumes/{id}``)."""
        return self._run(op.DELETE_VOLUME, datacenter_id=datacenter_id, volume_id=volume_id)

    def create_snapshot(
        self,
        datacenter_id: str,
        volume_id: str,
        name: str | None = None,
        description: str | None = None,
    ) -> SnapshotDoc:
        """Snapshot a volume (``POST …/volumes/{id}/create-snapshot``); returns the snapshot.

        A name or description not given is left to the API's default.
        """
        return self._run(
            op.CREATE_SNAPSHOT,
            datacenter_id=datacenter_id,
            volume_id=volume_id,
            name=name,
            description=description,
        )

    def restore_snapshot(self, datacenter_id: str, volume_id: str, snapshot_id: str) -> Accepted:
        """Restore a snapshot onto a volume (``POST …/volumes/{id}/restore-snapshot``)."""
        return self._run(
            op.RESTORE_SNAPSHOT,
            datacenter_id=datacenter_id,
            volume_id=volume_id,
            snapshot_id=snapshot_id,
        )

    # Snapshots

    def list_snapshots(self, depth: int = 1) -> Collection:
        """All snapshots (``GET /snapshots``)."""
        return self._run(op.LIST_SNAPSHOTS, depth=depth)

    def get_snapshot(self, snapshot_id: str) -> SnapshotDoc:
        """A snapshot (``GET /snapshots/{id}``)."""
        return self._run(op.GET_SNAPSHOT, snapshot_id=snapshot_id)

    def update_snapshot(
        self,
        snapshot_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        licence_type: str | None = None,
        cpu_hot_plug: bool | None = None,
        cpu_hot_unplug: bool | None = None,
        ram_hot_plug: bool | None = None,
        ram_hot_unplug: bool | None = None,
        nic_hot_plug: bool | None = None,
        nic_hot_unplug: bool | None = None,
        disc_virtio_hot_plug: bool | None = None,
        disc_virtio_hot_unplug: bool | None = None,
        disc_scsi_hot_plug: bool | None = None,
        disc_scsi_hot_unplug: bool | None = None,
        **kwargs: Any,
    ) -> SnapshotDoc:
        """Change a snapshot (``PATCH /snapshots/{id}``)."""
        return self._run(
            op.UPDATE_SNAPSHOT,
            snapshot_id=snapshot_id,
            name=name,
            description=description,
            licence_type=licence_type,
            cpu_hot_plug=cpu_hot_plug,
            cpu_hot_unplug=cpu_hot_unplug,
            ram_hot_plug=ram_hot_plug,
            ram_hot_unplug=ram_hot_unplug,
            nic_hot_plug=nic_hot_plug,
            nic_hot_unplug=nic_hot_unplug,
            disc_virtio_hot_plug=disc_virtio_hot_plug,
            disc_virtio_hot_unplug=disc_virtio_hot_unplug,
            disc_scsi_hot_plug=disc_scsi_hot_plug,
            disc_scsi_hot_unplug=disc_scsi_hot_unplug,
            **kwargs,
        )

    def delete_snapshot(self, snapshot_id: str) -> Accepted:
        """Delete a snapshot (``DELETE /snapshots/{id}``)."""
        return self._run(op.DELETE_SNAPSHOT, snapshot_id=snapshot_id)

    def remove_snapshot(self, snapshot_id: str) -> Accepted:
        """Delete a snapshot (``DELETE /snapshots/{id}``); the 4.x name of ``delete_snapshot``."""
        return self._run(op.DELETE_SNAPSHOT, snapshot_id=snapshot_id)

    # IP blocks

    def list_ipblocks(self, depth: int = 1) -> Collection:
        """The reserved IP blocks (``GET /ipblocks``)."""
        return self._run(op.LIST_IPBLOCKS, depth=depth)

    def get_ipblock(self, ipblock_id: str) -> IpBlockDoc:
        """An IP block (``GET /ipblocks/{id}``)."""
        return self._run(op.GET_IPBLOCK, ipblock_id=ipblock_id)

    def reserve_ipblock(self, ipblock: IPBlock) -> IpBlockDoc:
        """Reserve public IPs in a location (``POST /ipblocks``); the reply lists the ``ips``."""
        return self._run(op.RESERVE_IPBLOCK, ipblock=ipblock)

    def delete_ipblock(self, ipblock_id: str) -> Accepted:
        """Release an IP block (``DELETE /ipblocks/{id}``)."""
        return self._run(op.DELETE_IPBLOCK, ipblock_id=ipblock_id)

    # LANs

    def list_lans(self, datacenter_id: str, depth: int = 1) -> Collection:
        """The LANs of a data centre (``GET /datacenters/{dc}/lans``)."""
        return self._run(op.LIST_LANS, datacenter_id=datacenter_id, depth=depth)

    def create_lan(self, datacenter_id: str, lan: LAN) -> LanDoc:
        """Create a LAN (``POST /datacenters/{dc}/lans``); its ``id`` is like ``"1"``."""
        return self._run(op.CREATE_LAN, datacenter_id=datacenter_id, lan=lan)

    def get_lan(self, datacenter_id: str, lan_id: int | str, depth: int = 1) -> LanDoc:
        """A LAN (``GET /datacenters/{dc}/lans/{id}``)."""
        return self._run(op.GET_LAN, datacenter_id=datacenter_id, lan_id=lan_id, depth=depth)

    def get_lan_members(self, datacenter_id: str, lan_id: int | str, depth: int = 1) -> Collection:
        """The NICs in a LAN (``GET /datacenters/{dc}/lans/{id}/nics``)."""
        return self._run(
            op.GET_LAN_MEMBERS, datacenter_id=datacenter_id, lan_id=lan_id, depth=depth
        )

    def update_lan(
        self,
        datacenter_id: str,
        lan_id: int | str,
        name: str | None = None,
        public: bool | None = None,
        ip_failover: Sequence[Mapping[str, str]] | None = None,
    ) -> LanDoc:
        """Change a LAN (``PATCH /datacenters/{dc}/lans/{id}``).

        ``ip_failover`` is a list of ``{"ip": ..., "nicUuid": ...}``. As in 4.x, an empty
        ``name`` or ``ip_failover`` is left out (unchanged), while ``public=False`` is sent.
        """
        return self._run(
            op.UPDATE_LAN,
            datacenter_id=datacenter_id,
            lan_id=lan_id,
            name=name or None,
            public=public,
            ip_failover=[dict(item) for item in ip_failover] if ip_failover else None,
        )

    def delete_lan(self, datacenter_id: str, lan_id: int | str) -> Accepted:
        """Delete a LAN (``DELETE /datacenters/{dc}/lans/{id}``)."""
        return self._run(op.DELETE_LAN, datacenter_id=datacenter_id, lan_id=lan_id)

    # NICs

    def list_nics(self, datacenter_id: str, server_id: str, depth: int = 1) -> Collection:
        """The NICs of a server (``GET …/servers/{srv}/nics``)."""
        return self._run(
            op.LIST_NICS, datacenter_id=datacenter_id, server_id=server_id, depth=depth
        )

    def get_nic(self, datacenter_id: str, server_id: str, nic_id: str, depth: int = 1) -> NicDoc:
        """A NIC (``GET …/servers/{srv}/nics/{id}``)."""
        return self._run(
            op.GET_NIC,
            datacenter_id=datacenter_id,
            server_id=server_id,
            nic_id=nic_id,
            depth=depth,
        )

    def create_nic(self, datacenter_id: str, server_id: str, nic: NIC) -> NicDoc:
        """Add a NIC to a server (``POST …/servers/{srv}/nics``); a missing LAN is created."""
        return self._run(op.CREATE_NIC, datacenter_id=datacenter_id, server_id=server_id, nic=nic)

    def update_nic(
        self,
        datacenter_id: str,
        server_id: str,
        nic_id: str,
        *,
        name: str | None = None,
        ips: Sequence[str] | None = None,
        dhcp: bool | None = None,
        lan: int | None = None,
        nat: bool | None = None,
        firewall_active: bool | None = None,
        **kwargs: Any,
    ) -> NicDoc:
        """Change a NIC (``PATCH …/servers/{srv}/nics/{id}``)."""
        return self._run(
            op.UPDATE_NIC,
            datacenter_id=datacenter_id,
            server_id=server_id,
            nic_id=nic_id,
            name=name,
            ips=ips,
            dhcp=dhcp,
            lan=lan,
            nat=nat,
            firewall_active=firewall_active,
            **kwargs,
        )

    def delete_nic(self, datacenter_id: str, server_id: str, nic_id: str) -> Accepted:
        """Delete a NIC (``DELETE …/servers/{srv}/nics/{id}``)."""
        return self._run(
            op.DELETE_NIC, datacenter_id=datacenter_id, server_id=server_id, nic_id=nic_id
        )

    # Firewall rules (``loadbalancer_id=`` is accepted for ``server_id``, as in SPEC.md)

    def get_firewall_rules(
        self, datacenter_id: str, server_id: str, nic_id: str, depth: int = 1
    ) -> Collection:
        """The firewall rules of a NIC (``GET …/nics/{nic}/firewallrules``)."""
        return self._run(
            op.GET_FIREWALL_RULES,
            datacenter_id=datacenter_id,
            server_id=server_id,
            nic_id=nic_id,
            depth=depth,
        )

    def get_firewall_rule(
        self, datacenter_id: str, server_id: str, nic_id: str, firewall_rule_id: str
    ) -> FirewallRuleDoc:
        """A firewall rule (``GET …/nics/{nic}/firewallrules/{id}``)."""
        return self._run(
            op.GET_FIREWALL_RULE,
            datacenter_id=datacenter_id,
            server_id=server_id,
            nic_id=nic_id,
            firewall_rule_id=firewall_rule_id,
        )

    def create_firewall_rule(
        self, datacenter_id: str, server_id: str, nic_id: str, firewall_rule: FirewallRule
    ) -> FirewallRuleDoc:
        """Add a firewall rule to a NIC (``POST …/nics/{nic}/firewallrules``)."""
        return self._run(
            op.CREATE_FIREWALL_RULE,
            datacenter_id=datacenter_id,
            server_id=server_id,
            nic_id=nic_id,
            firewall_rule=firewall_rule,
        )

    def update_firewall_rule(
        self,
        datacenter_id: str,
        server_id: str,
        nic_id: str,
        firewall_rule_id: str,
        *,
        name: str | None = None,
        source_mac: str | None = None,
        source_ip: str | None = None,
        target_ip: str | None = None,
        port_range_start: int | None = None,
        port_range_end: int | None = None,
        icmp_type: int | None = None,
        icmp_code: int | None = None,
        **kwargs: Any,
    ) -> FirewallRuleDoc:
        """Change a firewall rule, not its protocol (``PATCH …/firewallrules/{id}``)."""
        return self._run(
            op.UPDATE_FIREWALL_RULE,
            datacenter_id=datacenter_id,
            server_id=server_id,
            nic_id=nic_id,
            firewall_rule_id=firewall_rule_id,
            name=name,
            source_mac=source_mac,
            source_ip=source_ip,
            target_ip=target_ip,
            port_range_start=port_range_start,
            port_range_end=port_range_end,
            icmp_type=icmp_type,
            icmp_code=icmp_code,
            **kwargs,
        )

    def delete_firewall_rule(
        self, datacenter_id: str, server_id: str, nic_id: str, firewall_rule_id: str
    ) -> Accepted:
        """Delete a firewall rule (``DELETE …/nics/{nic}/firewallrules/{id}``)."""
        return self._run(
            op.DELETE_FIREWALL_RULE,
            datacenter_id=datacenter_id,
            server_id=server_id,
            nic_id=nic_id,
            firewall_rule_id=firewall_rule_id,
        )

    # Load balancers

    def list_loadbalancers(self, datacenter_id: str, depth: int = 1) -> Collection:
        """The load balancers of a data centre (``GET /datacenters/{dc}/loadbalancers``)."""
        return self._run(op.LIST_LOADBALANCERS, datacenter_id=datacenter_id, depth=depth)

    def get_loadbalancer(self, datacenter_id: str, loadbalancer_id: str) -> LoadBalancerDoc:
        """A load balancer (``GET /datacenters/{dc}/loadbalancers/{id}``)."""
        return self._run(
            op.GET_LOADBALANCER, datacenter_id=datacenter_id, loadbalancer_id=loadbalancer_id
        )

    def create_loadbalancer(
        self, datacenter_id: str, loadbalancer: LoadBalancer
    ) -> LoadBalancerDoc:
        """Create a load balancer (``POST /datacenters/{dc}/loadbalancers``)."""
        return self._run(
            op.CREATE_LOADBALANCER, datacenter_id=datacenter_id, loadbalancer=loadbalancer
        )

    def update_loadbalancer(
        self,
        datacenter_id: str,
        loadbalancer_id: str,
        *,
        name: str | None = None,
        ip: str | None = None,
        dhcp: bool | None = None,
        **kwargs: Any,
    ) -> LoadBalancerDoc:
        """Change a load balancer (``PATCH /datacenters/{dc}/loadbalancers/{id}``)."""
        return self._run(
            op.UPDATE_LOADBALANCER,
            datacenter_id=datacenter_id,
            loadbalancer_id=loadbalancer_id,
            name=name,
            ip=ip,
            dhcp=dhcp,
            **kwargs,
        )

    def delete_loadbalancer(self, datacenter_id: str, loadbalancer_id: str) -> Accepted:
        """Delete a load balancer (``DELETE /datacenters/{dc}/loadbalancers/{id}``)."""
        return self._run(
            op.DELETE_LOADBALANCER, datacenter_id=datacenter_id, loadbalancer_id=loadbalancer_id
        )

    def get_loadbalancer_members(
        self, datacenter_id: str, loadbalancer_id: str, depth: int = 1
    ) -> Collection:
        """The NICs a load balancer balances (``GET …/loadbalancers/{lb}/balancednics``)."""
        return self._run(
            op.GET_LOADBALANCER_MEMBERS,
            datacenter_id=datacenter_id,
            loadbalancer_id=loadbalancer_id,
            depth=depth,
        )

    def get_loadbalanced_nic(
        self, datacenter_id: str, loadbalancer_id: str, nic_id: str, depth: int = 1
    ) -> NicDoc:
        """A balanced NIC (``GET …/loadbalancers/{lb}/balancednics/{id}``)."""
        return self._run(
            op.GET_LOADBALANCED_NIC,
            datacenter_id=datacenter_id,
            loadbalancer_id=loadbalancer_id,
            nic_id=nic_id,
            depth=depth,
        )

    def add_loadbalanced_nics(
        self, datacenter_id: str, loadbalancer_id: str, nic_id: str
    ) -> NicDoc:
        """Add a NIC to a load balancer (``POST …/loadbalancers/{lb}/balancednics``)."""
        return self._run(
            op.ADD_LOADBALANCED_NICS,
            datacenter_id=datacenter_id,
            loadbalancer_id=loadbalancer_id,
            nic_id=nic_id,
        )

    def remove_loadbalanced_nic(
        self, datacenter_id: str, loadbalancer_id: str, nic_id: str
    ) -> Accepted:
        """Remove a NIC from a load balancer (``DELETE …/balancednics/{id}``)."""
        return self._run(
            op.REMOVE_LOADBALANCED_NIC,
            datacenter_id=datacenter_id,
            loadbalancer_id=loadbalancer_id,
            nic_id=nic_id,
        )

    # User management: groups

    def list_groups(self, depth: int = 1) -> Collection:
        """The groups (``GET /um/groups``)."""
        return self._run(op.LIST_GROUPS, depth=depth)

    def get_group(self, group_id: str, depth: int = 1) -> GroupDoc:
        """A group (``GET /um/groups/{id}``)."""
        return self._run(op.GET_GROUP, group_id=group_id, depth=depth)

    def create_group(self, group: Group) -> GroupDoc:
        """Create a group (``POST /um/groups``)."""
        return self._run(op.CREATE_GROUP, group=group)

    def update_group(
        self,
        group_id: str,
        *,
        name: str | None = None,
        create_datacenter: bool | None = None,
        create_snapshot: bool | None = None,
        reserve_ip: bool | None = None,
        access_activity_log: bool | None = None,
        **kwargs: Any,
    ) -> GroupDoc:
        """Change a group's name or privileges (``PUT /um/groups/{id}``)."""
        return self._run(
            op.UPDATE_GROUP,
            group_id=group_id,
            name=name,
            create_datacenter=create_datacenter,
            create_snapshot=create_snapshot,
            reserve_ip=reserve_ip,
            access_activity_log=access_activity_log,
            **kwargs,
        )

    def delete_group(self, group_id: str) -> Accepted:
        """Delete a group (``DELETE /um/groups/{id}``)."""
        return self._run(op.DELETE_GROUP, group_id=group_id)

    # User management: shares

    def list_shares(self, group_id: str, depth: int = 1) -> Collection:
        """The resources shared with a group (``GET /um/groups/{grp}/shares``)."""
        return self._run(op.LIST_SHARES, group_id=group_id, depth=depth)

    def get_share(self, group_id: str, resource_id: str, depth: int = 1) -> ShareDoc:
        """A share (``GET /um/groups/{grp}/shares/{resource}``)."""
        return self._run(op.GET_SHARE, group_id=group_id, resource_id=resource_id, depth=depth)

    def add_share(
        self,
        group_id: str,
        resource_id: str,
        *,
        edit_privilege: bool | None = None,
        share_privilege: bool | None = None,
        **kwargs: Any,
    ) -> ShareDoc:
        """Share a resource with a group (``POST /um/groups/{grp}/shares/{resource}``)."""
        return self._run(
            op.ADD_SHARE,
            group_id=group_id,
            resource_id=resource_id,
            edit_privilege=edit_privilege,
            share_privilege=share_privilege,
            **kwargs,
        )

    def update_share(
        self,
        group_id: str,
        resource_id: str,
        *,
        edit_privilege: bool | None = None,
        share_privilege: bool | None = None,
        **kwargs: Any,
    ) -> ShareDoc:
        """Change a group's privileges on a share (``PUT /um/groups/{grp}/shares/{resource}``)."""
        return self._run(
            op.UPDATE_SHARE,
            group_id=group_id,
            resource_id=resource_id,
            edit_privilege=edit_privilege,
            share_privilege=share_privilege,
            **kwargs,
        )

    def delete_share(self, group_id: str, resource_id: str) -> Accepted:
        """Stop sharing a resource (``DELETE /um/groups/{grp}/shares/{resource}``)."""
        return self._run(op.DELETE_SHARE, group_id=group_id, resource_id=resource_id)

    # User management: users

    def list_users(self, depth: int = 1) -> Collection:
        """The users (``GET /um/users``)."""
        return self._run(op.LIST_USERS, depth=depth)

    def get_user(self, user_id: str, depth: int = 1) -> UserDoc:
        """A user (``GET /um/users/{id}``)."""
        return self._run(op.GET_USER, user_id=user_id, depth=depth)

    def create_user(self, user: User) -> UserDoc:
        """Create a user (``POST /um/users``)."""
        return self._run(op.CREATE_USER, user=user)

    def update_user(
        self,
        user_id: str,
        *,
        firstname: str | None = None,
        lastname: str | None = None,
        email: str | None = None,
        administrator: bool | None = None,
        force_sec_auth: bool | None = None,
        **kwargs: Any,
    ) -> UserDoc:
        """Change a user (``PUT /um/users/{id}``)."""
        return self._run(
            op.UPDATE_USER,
            user_id=user_id,
            firstname=firstname,
            lastname=lastname,
            email=email,
            administrator=administrator,
            force_sec_auth=force_sec_auth,
            **kwargs,
        )

    def delete_user(self, user_id: str) -> Accepted:
        """Delete a user (``DELETE /um/users/{id}``)."""
        return self._run(op.DELETE_USER, user_id=user_id)

    def list_group_users(self, group_id: str, depth: int = 1) -> Collection:
        """The members of a group (``GET /um/groups/{grp}/users``)."""
        return self._run(op.LIST_GROUP_USERS, group_id=group_id, depth=depth)

    def add_group_user(self, group_id: str, user_id: str) -> UserDoc:
        """Add a user to a group (``POST /um/groups/{grp}/users``); returns the user."""
        return self._run(op.ADD_GROUP_USER, group_id=group_id, user_id=user_id)

    def remove_group_user(self, group_id: str, user_id: str) -> Accepted:
        """Remove a user from a group (``DELETE /um/groups/{grp}/users/{id}``)."""
        return self._run(op.REMOVE_GROUP_USER, group_id=group_id, user_id=user_id)

    # User management: resources

    def list_resources(self, resource_type: str | None = None, depth: int = 1) -> Collection:
        """All resources (``GET /um/resources``) or those of one type (``…/{type}``).

        ``resource_type`` is ``datacenter``, ``image``, ``snapshot`` or ``ipblock``.
        """
        if resource_type is None:
            return self._run(op.LIST_RESOURCES, depth=depth)
        return self._run(op.LIST_RESOURCES_OF_TYPE, resource_type=resource_type, depth=depth)

    def get_resource(
        self, resource_type: str | None = None, resource_id: str | None = None, depth: int = 1
    ) -> ResourceDoc:
        """A resource (``GET /um/resources/{type}/{id}``).

        Without ``resource_type`` (as in one SPEC.md example) the type is looked up in
        ``GET /um/resources`` first; PBNotFoundError when no resource has that id.
        """
        if resource_id is None:
            raise TypeError("get_resource() missing required argument: 'resource_id'")
        if resource_type is None:
            resource_type = self._resource_type_of(resource_id)
        return self._run(
            op.GET_RESOURCE, resource_type=resource_type, resource_id=resource_id, depth=depth
        )

    def _resource_type_of(self, resource_id: str) -> str:
        collection = self._run(op.LIST_RESOURCES, depth=0)
        for item in collection.get("items") or []:
            if item.get("id") == resource_id and item.get("type"):
                return str(item["type"])
        raise PBNotFoundError(
            404,
            [{"errorCode": "client-lookup", "message": f"no resource with id {resource_id!r}"}],
            None,
        )

    # Requests

    def list_requests(self, depth: int = 1) -> Collection:
        """The provisioning requests, newest first (``GET /requests``)."""
        return self._run(op.LIST_REQUESTS, depth=depth)

    @overload
    def get_request(self, request_id: str, status: Literal[False] = False) -> RequestDoc: ...
    @overload
    def get_request(self, request_id: str, status: Literal[True]) -> RequestStatusDoc: ...
    @overload
    def get_request(
        self, request_id: str, status: bool = False
    ) -> RequestDoc | RequestStatusDoc: ...

    def get_request(self, request_id: str, status: bool = False) -> RequestDoc | RequestStatusDoc:
        """A request (``GET /requests/{id}``), or its status (``…/status``) when ``status``."""
        if status:
            return self._run(op.GET_REQUEST_STATUS, request_id=request_id)
        return self._run(op.GET_REQUEST, request_id=request_id)


install_aliases(ProfitBricksService)
