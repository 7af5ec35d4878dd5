"""Images (``/images``): the public catalogue (read-only for everyone) and private images.

Public images are visible to every user of every contract; changing or deleting one is
forbidden (403). Private images follow the usual share rules.
"""

from __future__ import annotations

from typing import Any

from .. import render
from ..catalogue import public_images
from ..errors import Forbidden
from ..state import HOT_PLUG_FLAGS, Image, State
from .base import Call, Result, find_image, need_edit, visible
from .validators import Field, boolean, check_fields, enum, patch_body, string

__all__ = ["delete_image", "get_image", "list_images", "load_catalogue", "update_image"]

FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string),
    "description": Field("description", "rw", string),
    "location": Field("location", "ro", string),
    "size": Field("size", "ro", lambda a, v, at: v),
    **{flag: Field(flag, "rw", boolean) for flag in HOT_PLUG_FLAGS},
    "licenceType": Field(
        "licenceType", "rw", enum(("LINUX", "WINDOWS", "WINDOWS2016", "OTHER", "UNKNOWN"))
    ),
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


def list_images(call: Call) -> Result:
    """``GET /images``: public images plus the contract's private ones the caller may see."""
    images: list[Image] = list(call.state.public_images.values())
    images.extend(i for i in call.contract.images.values() if visible(call, i))
    href = call.view.base + "/images"
    return Result(render.collection("images", href, images, call.depth, call.view))


def get_image(call: Call, image_id: str) -> Result:
    """``GET /images/{id}``."""
    return Result(render.resource(find_image(call, image_id), call.depth, call.view))


def _private(call: Call, image_id: str) -> Image:
    image = find_image(call, image_id)
    if image.contract is None:
        raise Forbidden("Access denied: public images cannot be modified or deleted")
    need_edit(call, image)
    return image


def update_image(call: Call, image_id: str) -> Result:
    """``PATCH /images/{id}`` (private images only)."""
    image = _private(call, image_id)
    given, at = patch_body(call.payload())
    p = check_fields("image", FIELDS, given, at, current=image.props)
    request = call.open_request()
    for name, value in p.items():
        if FIELDS[name].access == "rw" and (value is not None or name in ("name", "description")):
            image.props[name] = value
    image.modified_by = call.user.email
    call.log.target(request, image)
    return Result(render.resource(image, 0, call.view, entities=False), request)


def delete_image(call: Call, image_id: str) -> Result:
    """``DELETE /images/{id}`` (private images only)."""
    image = _private(call, image_id)
    request = call.open_request()
    call.log.target(request, image)
    contract = call.contract

    def remove() -> None:
        if contract.images.pop(image.id, None) is not None:
            image.gone = True
            for group in contract.groups.values():
                group.shares.pop(image.id, None)

    call.log.on_done(request, remove)
    return Result(None, request)
