"""Domain errors of the emulator.

Rules raise these; they carry the API's ``errorCode`` and message text but no HTTP knowledge.
The web application maps each class to its status code (:mod:`profitbricks.emulator.replies`)
and writes the Cloud API error body
``{"httpStatus": ..., "messages": [{"errorCode": ..., "message": ...}]}``.
Messages never contain secrets (passwords, Authorization headers).
"""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "Conflict",
    "EmulatorError",
    "Forbidden",
    "Invalid",
    "MethodNotAllowed",
    "NotFound",
    "NotImplementedRoute",
    "Throttled",
    "Unauthorized",
]


class EmulatorError(Exception):
    """Base of every error a rule may raise.

    ``code`` is the API ``errorCode``, ``message`` the text of the error body.
    """

    code = "100"
    default_message = "Request failed"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class NotFound(EmulatorError):
    """The path names something that does not exist or that the caller may not see."""

    code = "309"
    default_message = "Resource does not exist"


class Unauthorized(EmulatorError):
    """Missing or wrong credentials."""

    code = "315"
    default_message = "Unauthorized"


class Throttled(EmulatorError):
    """Too many failed logins for this account lately; ``retry_after`` seconds until the next
    attempt is considered. The message is the same whether or not the account exists."""

    code = "429"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"Too many failed login attempts for this account; retry in {retry_after} s"
        )


class Forbidden(EmulatorError):
    """Authenticated, but the user lacks the privilege or the edit right for this action."""

    code = "316"
    default_message = "Access denied: the user is not permitted to perform this action"


class Invalid(EmulatorError):
    """A request attribute breaks a validation rule.

    ``attribute`` is the property name, ``rule`` the sentence after ``Attribute '<name>'``, e.g.
    ``Invalid("ram", "must be a multiple of 256, got 1000")``. ``at`` is the JSON location of the
    object holding the attribute (``(root).properties`` by default). The message reads
    ``[(root).properties.ram] Attribute 'ram' must be a multiple of 256, got 1000``.
    """

    code = "100"

    def __init__(self, attribute: str, rule: str, *, at: str = "(root).properties") -> None:
        self.attribute = attribute
        self.rule = rule
        self.at = at
        super().__init__(f"[{at}.{attribute}] Attribute '{attribute}' {rule}")


class Conflict(EmulatorError):
    """A business rule forbids the change in the current state (e.g. already shared, limit)."""

    code = "200"


class BadRequest(EmulatorError):
    """The request is malformed: unparsable JSON, a body that is not an object, a bad query."""

    code = "101"
    default_message = "Malformed request"


class MethodNotAllowed(EmulatorError):
    """The path exists but not with this method; ``allowed`` lists the methods it has."""

    code = "105"

    def __init__(self, method: str, allowed: list[str]) -> None:
        self.allowed = sorted(allowed)
        super().__init__(f"Method {method} is not allowed on this resource")


class NotImplementedRoute(EmulatorError):
    """A route of the real API that the emulator does not serve (``method`` on ``template``)."""

    code = "501"

    def __init__(self, method: str, template: str) -> None:
        self.method = method
        self.template = template
        path = template.replace("<", "{").replace(">", "}")
        super().__init__(
            f"{method} {path} is a route of the Cloud API that the emulator does not implement"
        )
