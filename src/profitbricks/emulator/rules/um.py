"""User management (``/um``): users, groups, group members, shares, resources.

Only administrators may use ``/um`` (everyone else gets 403). Passwords are stored as salted
PBKDF2 digests and never returned. Users log in with their e-mail address, which is unique
across the emulator. A share gives a group read access to a data centre, image, snapshot or IP
block, and edit access with ``editPrivilege``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from ..effects import effect
from ..errors import Forbidden, Invalid, NotFound
from ..results import Echo, Listing, Record, Shared, Shares, UmResource
from ..state import Contract, Group, Resource, Share, State, User, find_um_record, um_records
from .base import GROUP_USER, Call, Result, child, creates, listing, resolve_user
from .validators import Field, boolean, check_fields, id_body, put_body, split_body, string

__all__ = [
    "PASSWORD_KINDS",
    "add_group_user",
    "add_share",
    "create_group",
    "create_user",
    "delete_group",
    "delete_share",
    "delete_user",
    "get_group",
    "get_resource",
    "get_share",
    "get_user",
    "hash_password",
    "list_group_resources",
    "list_group_users",
    "list_groups",
    "list_resources",
    "list_shares",
    "list_user_groups",
    "list_user_owns",
    "list_users",
    "new_password_in",
    "new_user",
    "remove_group_user",
    "update_group",
    "update_share",
    "update_user",
    "verify_password",
]

_ITERATIONS = 50_000
RESOURCE_TYPES = ("datacenter", "image", "snapshot", "ipblock")


def hash_password(password: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
    """(salt, digest) of ``password`` with PBKDF2-HMAC-SHA256."""
    salt = salt if salt is not None else os.urandom(16)
    return salt, hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _ITERATIONS)


#: Operation kinds whose rule stores the password its body carries.
PASSWORD_KINDS = frozenset({"user.create", "user.update"})


def new_password_in(body: Any) -> str | None:
    """The password a user create or update body sets (``properties.password``, or the flat
    body's), when it is a string; else None. Its digest can then be derived before the state lock
    is taken (the key derivation costs tens of milliseconds of CPU)."""
    if not isinstance(body, dict):
        return None
    props = body.get("properties", body)
    password = props.get("password") if isinstance(props, dict) else None
    return password if isinstance(password, str) else None


def verify_password(user: User, password: str) -> bool:
    """True when ``password`` is ``user``'s password (constant-time comparison)."""
    _, digest = hash_password(password, user.salt)
    return hmac.compare_digest(digest, user.password_hash)


def _email(attr: str, value: Any, at: str) -> str | None:
    text = string(attr, value, at)
    if text is None:
        return None
    local, sep, domain = text.partition("@")
    if not sep or not local or not domain or any(c.isspace() for c in text):
        raise Invalid(attr, "must be an e-mail address like name@example.com", at=at)
    return text


def _password(attr: str, value: Any, at: str) -> str | None:
    # A secret: the message states the rule and never quotes the value.
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise Invalid(attr, "must be a non-empty string", at=at)
    return value


USER_FIELDS: dict[str, Field] = {
    "firstname": Field("firstname", "rw", string),
    "lastname": Field("lastname", "rw", string),
    "email": Field("email", "rw", _email),
    "password": Field("password", "rw", _password),
    "administrator": Field("administrator", "rw", boolean),
    "forceSecAuth": Field("forceSecAuth", "rw", boolean),
    "secAuthActive": Field("secAuthActive", "ro", boolean),
}

GROUP_FIELDS: dict[str, Field] = {
    "name": Field("name", "rw", string),
    "createDataCenter": Field("createDataCenter", "rw", boolean),
    "createSnapshot": Field("createSnapshot", "rw", boolean),
    "reserveIp": Field("reserveIp", "rw", boolean),
    "accessActivityLog": Field("accessActivityLog", "rw", boolean),
}

SHARE_FIELDS: dict[str, Field] = {
    "editPrivilege": Field("editPrivilege", "rw", boolean),
    "sharePrivilege": Field("sharePrivilege", "rw", boolean),
}


def new_user(
    state: State,
    contract: Contract,
    props: dict[str, Any],
    salt: bytes,
    digest: bytes,
    created: str,
    *,
    owner: bool = False,
) -> User:
    """Add a user to ``contract`` (and to the e-mail index) and return it."""
    user = User(
        id=state.new_id(),
        contract=contract.number,
        props={
            "firstname": props.get("firstname"),
            "lastname": props.get("lastname"),
            "email": props["email"],
            "administrator": bool(props.get("administrator")) or owner,
            "forceSecAuth": bool(props.get("forceSecAuth")),
            "secAuthActive": False,
        },
        salt=salt,
        password_hash=digest,
        created_date=created,
        etag=state.new_etag(),
        owner=owner,
    )
    contract.users[user.id] = user
    state.users_by_email[user.email.lower()] = user
    return user


def _admin(call: Call) -> None:
    if not call.admin:
        raise Forbidden("Access denied: user management needs administrator rights")


def _group(call: Call, group_id: str) -> Group:
    _admin(call)
    return child(call.contract.groups, group_id)


def _user(call: Call, user_id: str) -> User:
    _admin(call)
    return child(call.contract.users, user_id)


def _credentials_changed(state: State) -> None:
    # The HTTP layer drops its cache of verified Authorization headers when this changes.
    state.auth_generation += 1


# -- groups -----------------------------------------------------------------------------------


def list_groups(call: Call) -> Result:
    """``GET /um/groups``."""
    _admin(call)
    return Result(Listing("groups", "/um/groups", list(call.contract.groups.values())))


def get_group(call: Call, group_id: str) -> Result:
    """``GET /um/groups/{grp}``."""
    return Result(Record(_group(call, group_id)))


def _unique_group_name(call: Call, name: str, at: str, group: Group | None = None) -> None:
    for other in call.contract.groups.values():
        if other is not group and other.props["name"] == name:
            raise Invalid("name", f"is already the name of group {other.id}", at=at)


@creates
def create_group(call: Call) -> Result:
    """``POST /um/groups``: ``name`` required, privileges default to false."""
    _admin(call)
    given, entities = split_body(call.body.get())
    at = "(root).properties"
    if entities:
        raise Invalid("entities", "is not allowed for a group", at="(root)")
    p = check_fields("group", GROUP_FIELDS, given, at)
    if not p.get("name"):
        raise Invalid("name", "is required", at=at)
    _unique_group_name(call, p["name"], at)
    request = call.open_request()
    group = Group(
        id=call.state.new_id(),
        contract=call.contract.number,
        props={
            name: (p.get(name) if name == "name" else bool(p.get(name))) for name in GROUP_FIELDS
        },
    )
    call.contract.groups[group.id] = group
    call.log.target(request, group)
    # A create echo carries entities only when the request had some (WIRE.md 5.3).
    return Result(Echo(group), request)


def update_group(call: Call, group_id: str) -> Result:
    """``PUT /um/groups/{grp}``: the given properties are merged in."""
    group = _group(call, group_id)
    given, at = put_body(call.body.get())
    p = check_fields("group", GROUP_FIELDS, given, at, current=group.props)
    if "name" in p:
        if not p["name"]:
            raise Invalid("name", "is required", at=at)
        _unique_group_name(call, p["name"], at, group)
    request = call.open_request()
    for name, value in p.items():
        if value is not None:
            group.props[name] = value
    call.log.target(request, group)
    return Result(Echo(group, entities=True), request)


def delete_group(call: Call, group_id: str) -> Result:
    """``DELETE /um/groups/{grp}``."""
    group = _group(call, group_id)
    request = call.open_request()
    call.log.target(request, group)
    call.log.on_done(request, _delete_group, call.contract, group)
    return Result(None, request)


@effect("group.delete")
def _delete_group(state: State, contract: Contract, group: Group) -> None:
    if contract.groups.pop(group.id, None) is not None:
        group.gone = True


def list_group_users(call: Call, group_id: str) -> Result:
    """``GET /um/groups/{grp}/users``."""
    group = _group(call, group_id)
    return listing(group, "users", group.users.values())


def add_group_user(call: Call, group_id: str) -> Result:
    """``POST /um/groups/{grp}/users`` with ``{"id": user}``: the user."""
    group = _group(call, group_id)
    user_id = id_body(call.body.get())
    user = resolve_user(call, GROUP_USER, user_id, "(root)")
    request = call.open_request()
    shown = Echo(user, entities=True)
    group.users[user.id] = user

    # Adding a member again is accepted like attaching what is attached (WIRE.md 12); if a
    # removal of the user is still queued, the user is a member again after that.
    call.log.on_done(request, _readd_member, group, user)
    call.log.target(request, group)
    return Result(shown, request)


@effect("group.add-user")
def _readd_member(state: State, group: Group, user: User) -> None:
    if not group.gone and not user.gone:
        group.users[user.id] = user


def remove_group_user(call: Call, group_id: str, user_id: str) -> Result:
    """``DELETE /um/groups/{grp}/users/{usr}``."""
    group = _group(call, group_id)
    if user_id not in group.users:
        raise NotFound()
    request = call.open_request()
    call.log.target(request, group)
    call.log.on_done(request, _remove_member, group, user_id)
    return Result(None, request)


@effect("group.remove-user")
def _remove_member(state: State, group: Group, user_id: str) -> None:
    group.users.pop(user_id, None)


def list_group_resources(call: Call, group_id: str) -> Result:
    """``GET /um/groups/{grp}/resources``: what the group has been given."""
    group = _group(call, group_id)
    records = []
    for share in group.shares.values():
        record = find_um_record(call.contract, call.state, share.resource_type, share.resource_id)
        if record is not None:
            records.append(record)
    return Result(_um_collection(call, group.id + "/resources", f"{group.path}/resources", records))


# -- shares -----------------------------------------------------------------------------------


def _shareable(call: Call, resource_id: str) -> Resource:
    for kind in RESOURCE_TYPES:
        record = find_um_record(call.contract, call.state, kind, resource_id)
        if record is not None:
            return record
    raise NotFound()


def list_shares(call: Call, group_id: str) -> Result:
    """``GET /um/groups/{grp}/shares``."""
    return Result(Shares(_group(call, group_id)))


def _share(call: Call, group_id: str, resource_id: str) -> tuple[Group, Share]:
    group = _group(call, group_id)
    return group, child(group.shares, resource_id)


def get_share(call: Call, group_id: str, resource_id: str) -> Result:
    """``GET /um/groups/{grp}/shares/{res}``."""
    group, share = _share(call, group_id, resource_id)
    return Result(Shared(group, share))


def add_share(call: Call, group_id: str, resource_id: str) -> Result:
    """``POST /um/groups/{grp}/shares/{res}``: share a resource (422 if already shared)."""
    group = _group(call, group_id)
    record = _shareable(call, resource_id)
    given, at = put_body(call.body.get())
    p = check_fields("share", SHARE_FIELDS, given, at)
    if resource_id in group.shares:
        raise Invalid(
            "id", f"resource {resource_id} is already shared with this group", at="(root)"
        )
    if getattr(record, "contract", 0) is None:
        raise Invalid(
            "id",
            "names a public image, which every user already sees; it cannot be shared",
            at="(root)",
        )
    request = call.open_request()
    share = Share(
        resource_id=record.id,
        resource_type=record.TYPE,
        edit=bool(p.get("editPrivilege")),
        share=bool(p.get("sharePrivilege")),
    )
    group.shares[record.id] = share
    call.log.target(request, group)
    return Result(Shared(group, share), request)


def update_share(call: Call, group_id: str, resource_id: str) -> Result:
    """``PUT /um/groups/{grp}/shares/{res}``: the given privileges are merged in."""
    group, share = _share(call, group_id, resource_id)
    given, at = put_body(call.body.get())
    p = check_fields("share", SHARE_FIELDS, given, at)
    request = call.open_request()
    if p.get("editPrivilege") is not None:
        share.edit = p["editPrivilege"]
    if p.get("sharePrivilege") is not None:
        share.share = p["sharePrivilege"]
    call.log.target(request, group)
    return Result(Shared(group, share), request)


def delete_share(call: Call, group_id: str, resource_id: str) -> Result:
    """``DELETE /um/groups/{grp}/shares/{res}``."""
    group, share = _share(call, group_id, resource_id)
    request = call.open_request()
    call.log.target(request, group)
    call.log.on_done(request, _delete_share, group, share)
    return Result(None, request)


@effect("share.delete")
def _delete_share(state: State, group: Group, share: Share) -> None:
    if group.shares.get(share.resource_id) is share:
        del group.shares[share.resource_id]


# -- users ------------------------------------------------------------------------------------


def list_users(call: Call) -> Result:
    """``GET /um/users``."""
    _admin(call)
    return Result(Listing("users", "/um/users", list(call.contract.users.values())))


def get_user(call: Call, user_id: str) -> Result:
    """``GET /um/users/{usr}``."""
    return Result(Record(_user(call, user_id)))


def _unique_email(call: Call, email: str, at: str, user: User | None = None) -> None:
    other = call.state.users_by_email.get(email.lower())
    if other is not None and other is not user:
        raise Invalid("email", "is already used by another user", at=at)


@creates
def create_user(call: Call) -> Result:
    """``POST /um/users``: firstname, lastname, email and password required."""
    _admin(call)
    given, entities = split_body(call.body.get())
    at = "(root).properties"
    if entities:
        raise Invalid("entities", "is not allowed for a user", at="(root)")
    p = check_fields("user", USER_FIELDS, given, at)
    for name in ("firstname", "lastname", "email", "password"):
        if p.get(name) is None:
            raise Invalid(name, "is required", at=at)
    _unique_email(call, p["email"], at)
    salt, digest = call.body.digest_of(p["password"], hash_password)
    request = call.open_request()
    user = new_user(call.state, call.contract, p, salt, digest, call.now)
    call.log.target(request, user)
    # A create echo carries entities only when the request had some (WIRE.md 5.3).
    return Result(Echo(user), request)


def update_user(call: Call, user_id: str) -> Result:
    """``PUT /um/users/{usr}``: the given properties are merged in (password included)."""
    user = _user(call, user_id)
    given, at = put_body(call.body.get())
    p = check_fields("user", USER_FIELDS, given, at, current=user.props)
    if p.get("email") is not None:
        _unique_email(call, p["email"], at, user)
    if user.owner and p.get("administrator") is False:
        raise Invalid("administrator", "cannot be revoked from the contract owner", at=at)
    password = p.pop("password", None)
    request = call.open_request()
    state = call.state
    if p.get("email") is not None and p["email"] != user.email:
        state.users_by_email.pop(user.email.lower(), None)
        state.users_by_email[p["email"].lower()] = user
        _credentials_changed(state)
    for name, value in p.items():
        if value is not None and name != "secAuthActive":
            user.props[name] = value
    if password is not None:
        user.salt, user.password_hash = call.body.digest_of(password, hash_password)
        _credentials_changed(state)
    user.etag = state.new_etag()
    call.log.target(request, user)
    return Result(Echo(user, entities=True), request)


def delete_user(call: Call, user_id: str) -> Result:
    """``DELETE /um/users/{usr}`` (not the contract owner)."""
    user = _user(call, user_id)
    if user.owner:
        raise Invalid("id", "names the contract owner, who cannot be deleted", at="(root)")
    request = call.open_request()
    call.log.target(request, user)
    call.log.on_done(request, _delete_user, call.contract, user)
    return Result(None, request)


@effect("user.delete")
def _delete_user(state: State, contract: Contract, user: User) -> None:
    if contract.users.pop(user.id, None) is None:
        return
    user.gone = True
    if state.users_by_email.get(user.email.lower()) is user:
        del state.users_by_email[user.email.lower()]
    for group in contract.groups.values():
        group.users.pop(user.id, None)
    _credentials_changed(state)


def list_user_groups(call: Call, user_id: str) -> Result:
    """``GET /um/users/{usr}/groups``."""
    user = _user(call, user_id)
    groups = [g for g in call.contract.groups.values() if user.id in g.users]
    return listing(user, "groups", groups)


def list_user_owns(call: Call, user_id: str) -> Result:
    """``GET /um/users/{usr}/owns``: the resources the user created."""
    user = _user(call, user_id)
    owned = [r for r in um_records(call.contract, call.state) if r.owner_id == user.id]
    return listing(user, "owns", owned)


# -- resources --------------------------------------------------------------------------------


def _um_collection(call: Call, cid: str, path: str, records: list[Resource]) -> Listing:
    return Listing(cid, path, records, items_as="um-resource", contract=call.contract.number)


def list_resources(call: Call, resource_type: str | None = None) -> Result:
    """``GET /um/resources`` and ``GET /um/resources/{type}`` (id ``resources`` for both)."""
    _admin(call)
    if resource_type is not None and resource_type not in RESOURCE_TYPES:
        raise NotFound()
    records = um_records(call.contract, call.state)
    if resource_type is not None:
        records = [r for r in records if resource_type == r.TYPE]
    path = "/um/resources" + (f"/{resource_type}" if resource_type else "")
    return Result(_um_collection(call, "resources", path, records))


def get_resource(call: Call, resource_type: str, resource_id: str) -> Result:
    """``GET /um/resources/{type}/{id}``."""
    _admin(call)
    record = find_um_record(call.contract, call.state, resource_type, resource_id)
    if record is None:
        raise NotFound()
    return Result(UmResource(record, call.contract.number))


def list_resource_groups(call: Call, resource_type: str, resource_id: str) -> Result:
    """``GET /um/resources/{type}/{id}/groups``: the groups it is shared with."""
    _admin(call)
    record = find_um_record(call.contract, call.state, resource_type, resource_id)
    if record is None:
        raise NotFound()
    groups = [g for g in call.contract.groups.values() if record.id in g.shares]
    path = f"/um/resources/{resource_type}/{resource_id}/groups"
    return Result(Listing(record.id + "/groups", path, groups))
