"""SMART on FHIR scopes, v2 (`system/Patient.rs`) and v1 (`user/*.read`), parsed into grants."""

import re
from dataclasses import dataclass
from typing import Literal

Context = Literal["system", "user", "patient"]
# SMART v2 permission letters; each FHIR interaction needs exactly one of them.
Permission = Literal["c", "r", "u", "d", "s"]

_SCOPE = re.compile(
    r"^(?P<context>system|user|patient)/(?P<type>\*|[A-Z][A-Za-z]+)\.(?P<permissions>[a-z*]+)$"
)
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}
_V2_ORDER = "cruds"


@dataclass(frozen=True)
class ScopeGrant:
    """What one scope allows: a context, a resource type (or `*`) and permission letters."""

    context: Context
    resource_type: str
    permissions: frozenset[str]

    def covers(self, resource_type: str, permission: Permission, wildcard_types: bool) -> bool:
        """`wildcard_types` is False for types a `*` scope does not reach (the audit trail)."""
        if permission not in self.permissions:
            return False
        if self.resource_type == "*":
            return wildcard_types
        return self.resource_type == resource_type


def _permissions(text: str) -> frozenset[str] | None:
    if text in _V1:
        return frozenset(_V1[text])
    # v2 letters must appear in `cruds` order, each at most once ("rs" yes, "sr" and "rr" no).
    positions = [_V2_ORDER.find(letter) for letter in text]
    if not text or -1 in positions or positions != sorted(set(positions)):
        return None
    return frozenset(text)


def parse_scope(scope: str) -> ScopeGrant | None:
    """A resource scope as a grant; other scopes (`openid`, `launch`, `fhirUser`, v2 scopes narrowed by a
    `?query`, malformed ones) grant no resource access, so they are ignored rather than guessed at."""
    match = _SCOPE.match(scope)
    if match is None:
        return None
    permissions = _permissions(match["permissions"])
    if permissions is None:
        return None
    context: Context = match["context"]  # type: ignore[assignment]
    return ScopeGrant(context, match["type"], permissions)


def parse_scopes(text: str) -> tuple[ScopeGrant, ...]:
    """Every resource grant in a space-separated `scope` claim."""
    grants = (parse_scope(scope) for scope in text.split())
    return tuple(grant for grant in grants if grant is not None)
