"""The accounts an emulator starts with, and the state they are seeded into.

Each configured (e-mail, password) pair owns a contract of its own and is its administrator.
Passwords are hashed once, when the emulator is built (:func:`hash_accounts`); every reset seeds
a fresh state from those digests (:func:`seeded_state`), so no password is kept in clear.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .rules import image, um
from .state import Contract, State

__all__ = ["Account", "display_names", "hash_accounts", "seeded_state"]

#: (e-mail, salt, digest) of an account's owner.
Account = tuple[str, bytes, bytes]


def hash_accounts(users: Iterable[tuple[str, str]]) -> list[Account]:
    """The accounts of ``users`` ((e-mail, password) pairs) with their passwords hashed."""
    return [(email, *um.hash_password(password)) for email, password in users]


def display_names(email: str) -> tuple[str, str]:
    """(first name, last name) of an account owner, read from the local part of the e-mail:
    ``jane.doe@...`` gives ``("Jane", "Doe")``; missing parts read ``Account`` / ``Owner``."""
    local = email.split("@", 1)[0]
    parts = [p for p in local.replace("_", ".").replace("-", ".").split(".") if p]
    first = parts[0].title() if parts else "Account"
    last = parts[1].title() if len(parts) > 1 else "Owner"
    return first, last


def seeded_state(
    seed: int | None, accounts: Iterable[Account], limits: Mapping[str, int], created: str
) -> State:
    """A new state with ids seeded by ``seed``: the public catalogue, and for every account a
    contract with ``limits`` whose owner is that account (created at ``created``)."""
    state = State(seed)
    image.load_catalogue(state)
    for email, salt, digest in accounts:
        contract = Contract(number=state.new_contract_number(), limits=dict(limits))
        state.contracts[contract.number] = contract
        first, last = display_names(email)
        contract.owner = um.new_user(
            state,
            contract,
            {"firstname": first, "lastname": last, "email": email},
            salt,
            digest,
            created,
            owner=True,
        )
    return state
