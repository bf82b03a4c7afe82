"""`_filter` (FHIR's _filter grammar, a subset) turned into the REST search pairs the service already runs.

Supported: comparisons `param op value` with `eq ne co sw gt lt ge le`, joined by `and` and `or` with
parentheses (`and` binds tighter). REST ANDs parameters and ORs values of one parameter, so an `or` must
join comparisons of one parameter with the same meaning (`gender eq male or gender eq female`). Anything
else (other operators, `not`, parameter paths, `or` across parameters) is refused with an error that names
what is supported, never approximated.
"""

import json
import re
from dataclasses import dataclass

from gateway.fhir.errors import BadRequest
from gateway.fhir.resource_types import ResourceDefinition

SUPPORTED = (
    "_filter supports `param op value` with eq, ne, co, sw, gt, lt, ge, le, joined by and / or "
    "(an `or` only between comparisons of one parameter) and parentheses"
)
_TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()]+)')
_ORDERED = frozenset({"date", "number", "quantity"})


@dataclass(frozen=True)
class Comparison:
    parameter: str
    operator: str
    value: str


Clause = list[Comparison]  # ORed
Conjunction = list[Clause]  # ANDed


def _refuse(detail: str) -> BadRequest:
    return BadRequest(f"{detail}; {SUPPORTED}", expression=("_filter",))


def _tokens(text: str) -> list[str]:
    found, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None:
            raise _refuse(f"_filter cannot be read at {text[position:]!r}")
        found.append(match.group(1))
        position = match.end()
    return found


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.at = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise _refuse("_filter ends too early")
        self.at += 1
        return token

    def disjunction(self) -> Conjunction:
        """a or b: the product of both sides' clauses (kept only when each side is one clause)."""
        sides = [self.conjunction()]
        while self.peek() == "or":
            self.take()
            sides.append(self.conjunction())
        if len(sides) == 1:
            return sides[0]
        if any(len(side) != 1 for side in sides):
            raise _refuse("an `or` joins single comparisons, not groups of `and`")
        return [[comparison for side in sides for comparison in side[0]]]

    def conjunction(self) -> Conjunction:
        clauses = self.term()
        while self.peek() == "and":
            self.take()
            clauses += self.term()
        return clauses

    def term(self) -> Conjunction:
        token = self.take()
        if token == "(":
            inner = self.disjunction()
            if self.take() != ")":
                raise _refuse("a `(` in _filter is not closed")
            return inner
        if token == "not":
            raise _refuse("`not` is not supported")
        if "[" in token or "." in token:
            raise _refuse(f"parameter paths ({token}) are not supported")
        operator, value = self.take(), self.take()
        if value.startswith('"'):
            value = json.loads(value)
        return [[Comparison(token, operator, value)]]


def _pair(definition: ResourceDefinition, comparison: Comparison) -> tuple[str, str]:
    parameter = definition.search_parameter(comparison.parameter)
    if parameter is None:
        raise _refuse(f"{comparison.parameter} is not a search parameter of {definition.name}")
    kind, operator, value = parameter.type, comparison.operator, comparison.value
    if kind in _ORDERED and operator in ("eq", "ne", "gt", "lt", "ge", "le"):
        return parameter.code, operator + value
    if kind == "string" and operator in ("eq", "co", "sw"):
        modifier = {"eq": ":exact", "co": ":contains", "sw": ""}[operator]
        return parameter.code + modifier, value
    if kind in ("token", "uri", "reference") and operator == "eq":
        return parameter.code, value
    if kind == "token" and operator == "ne":
        return parameter.code + ":not", value
    raise _refuse(f"`{operator}` is not supported on {parameter.code} ({kind})")


def filter_pairs(definition: ResourceDefinition, text: str) -> list[tuple[str, str]]:
    """The REST (name, value) pairs meaning the same as `_filter: text` on `definition`'s resources."""
    parser = _Parser(_tokens(text))
    clauses = parser.disjunction()
    if parser.peek() is not None:
        raise _refuse(f"_filter has more after a complete expression: {parser.peek()!r}")
    pairs = []
    for clause in clauses:
        alternatives = [_pair(definition, comparison) for comparison in clause]
        names = {name for name, _ in alternatives}
        prefixes = {value[:2] for name, value in alternatives if name == alternatives[0][0]}
        ordered = definition.search_parameter(clause[0].parameter)
        if len(names) > 1 or (
            len(alternatives) > 1 and ordered is not None and ordered.type in _ORDERED and len(prefixes) > 1
        ):
            raise _refuse("an `or` must join comparisons of one parameter with the same operator")
        name = alternatives[0][0]
        pairs.append((name, ",".join(value.replace(",", "\\,") for _, value in alternatives)))
    return pairs
