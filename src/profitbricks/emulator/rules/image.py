"""Images (``/images``): the public catalogue (read-only for everyone) and private images.

Public images are visible to every user of every contract; changing or deleting one is
forbidden (403). Private images belong to one contract and follow the usual share rules. The
real API gets them from uploads, which no API route offers; :func:`add_private_image` is how the
emulator's control API (``POST /_emulator/images``) stands in for an upload.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..catalogue import HOT_PLUG_FLAGS, LOCATION_IDS, public_images
from ..effects import effect
from ..errors import Forbidden, Invalid
from ..results import Echo, Listing, Record
from ..state import Contract, Image, State
from .base import Call, Result, find_image, need_edit, visible
from .validators import (
    REQUIRED,
    Field,
    boolean,
    check_fields,
    check_replacement,
    describe,
    enum,
    patch_body,
    put_body,
    string,
)

__all__ = [
    "add_private_image",
    "delete_image",
    "get_image",
    "list_images",
    "load_catalogue",
    "replace_image",
    "update_image",
]

LICENCE_TYPES = ("LINUX", "WINDOWS", "WINDOWS2016", "OTHER", "UNKNOWN")
IMAGE_TYPES = ("HDD", "CDROM")

FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string, REQUIRED),
    "description": Field("description", "rw", string),
    "location": Field("location", "ro", string),
    "size": Field("size", "ro", lambda a, v, at: v),
    **{flag: Field(flag, "rw", boolean, False) for flag in HOT_PLUG_FLAGS},
    "licenceType": Field("licenceType", "rw", enum(LICENCE_TYPES), "UNKNOWN"),
    "imageType": Field("imageType", "ro", string),
    "public": Field("public", "ro", boolean),
    "imageAliases": Field("imageAliases", "ro", lambda a, v, at: v),
}

# The catalogue of that era was published long before any contract existed.
_CATALOGUE_DATE = "2017-10-01T00:00:00Z"
_CATALOGUE_OWNER = "System"


def load_catalogue(state: State) -> None:
    """Fill ``state.public_images`` from the catalogue, in the API's property order."""
    for entry in public_images():
        props: dict[str, Any] = {name: entry.get(name) for name in FIELDS}
        image = Image(
            id=entry["id"],
            path="/images/" + entry["id"],
            props=props,
            created_date=_CATALOGUE_DATE,
            created_by=_CATALOGUE_OWNER,
            owner_id="",
            etag=state.new_etag(),
            contract=None,
        )
        state.public_images[image.id] = image


_UPLOAD_KEYS = frozenset(
    {"owner", "name", "location", "imageType", "size", "licenceType", "description"}
    | set(HOT_PLUG_FLAGS)
)
_UPLOAD_AT = "(image)"


def _upload_text(spec: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = spec.get(name)
    if value is None:
        if required:
            raise Invalid(name, "is required", at=_UPLOAD_AT)
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise Invalid(name, f"must be a non-empty string, got {describe(value)}", at=_UPLOAD_AT)
    return value


def _upload_choice(
    spec: Mapping[str, Any], name: str, choices: tuple[str, ...], default: str
) -> str:
    value = spec.get(name, default)
    if value is None:
        return default
    if value not in choices:
        raise Invalid(
            name, f"must be one of {', '.join(choices)}, got {describe(value)}", at=_UPLOAD_AT
        )
    return str(value)


def add_private_image(state: State, spec: Mapping[str, Any], now: str) -> Image:
    """Add the private image described by ``spec`` to its owner's contract and return it.

    ``spec`` holds ``owner`` (the e-mail of a user, whose contract gets the image), ``name``,
    ``location``, ``size`` (GB, a number > 0), optional ``imageType`` (``HDD``, the default, or
    ``CDROM``), ``licenceType`` (default ``UNKNOWN``), ``description`` and hot-plug flags
    (default ``false``). The image is available at once (an upload has no request). Raises
    :class:`Invalid` naming the first wrong field; nothing is added then.
    """
    unknown = sorted(set(spec) - _UPLOAD_KEYS)
    if unknown:
        known = ", ".join(sorted(_UPLOAD_KEYS))
        raise Invalid(
            unknown[0], f"is not a field of a private image (known: {known})", at=_UPLOAD_AT
        )
    email = _upload_text(spec, "owner", required=True)
    assert email is not None
    user = state.users_by_email.get(email.lower())
    if user is None or user.gone:
        raise Invalid(
            "owner", f"must be the e-mail of an existing user, got {describe(email)}", at=_UPLOAD_AT
        )
    name = _upload_text(spec, "name", required=True)
    location = _upload_choice(spec, "location", LOCATION_IDS, "")
    if not location:
        raise Invalid("location", "is required", at=_UPLOAD_AT)
    size = spec.get("size")
    if size is None:
        raise Invalid("size", "is required", at=_UPLOAD_AT)
    if (
        isinstance(size, bool)
        or not isinstance(size, (int, float))
        or not math.isfinite(size)
        or size <= 0
    ):
        raise Invalid("size", f"must be a number of GB > 0, got {describe(size)}", at=_UPLOAD_AT)
    props: dict[str, Any] = {
        "name": name,
        "description": _upload_text(spec, "description", required=False),
        "location": location,
        "size": float(size),
    }
    for flag in HOT_PLUG_FLAGS:
        value = spec.get(flag, False)
        if not isinstance(value, bool):
            raise Invalid(flag, f"must be a boolean, got {describe(value)}", at=_UPLOAD_AT)
        props[flag] = value
    props["licenceType"] = _upload_choice(spec, "licenceType", LICENCE_TYPES, "UNKNOWN")
    props["imageType"] = _upload_choice(spec, "imageType", IMAGE_TYPES, "HDD")
    props["public"] = False
    props["imageAliases"] = []
    contract = state.contracts[user.contract]
    image_id = state.new_id()
    image = Image(
        id=image_id,
        path="/images/" + image_id,
        props=props,
        created_date=now,
        created_by=user.email,
        owner_id=user.id,
        etag=state.new_etag(),
        contract=contract.number,
    )
    contract.images[image_id] = image
    return image


def list_images(call: Call) -> Result:
    """``GET /images``: public images plus the contract's private ones the caller may see."""
    images: list[Image] = list(call.state.public_images.values())
    images.extend(i for i in call.contract.images.values() if visible(call, i))
    return Result(Listing("images", "/images", images, items_as="listed-image"))


def get_image(call: Call, image_id: str) -> Result:
    """``GET /images/{id}``."""
    return Result(Record(find_image(call, image_id)))


def _private(call: Call, image_id: str) -> Image:
    image = find_image(call, image_id)
    if image.contract is None:
        raise Forbidden("Access denied: public images cannot be modified or deleted")
    need_edit(call, image)
    return image


def update_image(call: Call, image_id: str) -> Result:
    """``PATCH /images/{id}`` (private images only)."""
    image = _private(call, image_id)
    given, at = patch_body(call.body.get())
    p = check_fields("image", FIELDS, given, at, current=image.props)
    return _change(call, image, p)


def replace_image(call: Call, image_id: str) -> Result:
    """``PUT /images/{id}`` (private images only): name (required), description, licence
    type and hot-plug flags; left out, null, ``UNKNOWN`` and false (an upload's defaults)."""
    image = _private(call, image_id)
    given, at = put_body(call.body.get())
    p = check_replacement("image", FIELDS, given, at, current=image.props)
    return _change(call, image, p)


def _change(call: Call, image: Image, p: dict[str, Any]) -> Result:
    request = call.open_request()
    for name, value in p.items():
        if FIELDS[name].access == "rw" and (value is not None or name in ("name", "description")):
            image.props[name] = value
    image.modified_by = call.user.email
    call.log.target(request, image)
    return Result(Echo(image), request)


def delete_image(call: Call, image_id: str) -> Result:
    """``DELETE /images/{id}`` (private images only)."""
    image = _private(call, image_id)
    request = call.open_request()
    call.log.target(request, image)
    call.log.on_done(request, _delete, call.contract, image)
    return Result(None, request)


@effect("image.delete")
def _delete(state: State, contract: Contract, image: Image) -> None:
    if contract.images.pop(image.id, None) is not None:
        image.gone = True
        for group in contract.groups.values():
            group.shares.pop(image.id, None)
