"""Parse search values (prefixes, tokens, references, escapes) into store criteria."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.fhir.dates import date_range, shifted
from gateway.fhir.errors import BadRequest
from gateway.fhir.search_parameters import SearchParameter
from gateway.fhir.search_values import fold, sound
from gateway.store.criteria import AnyOf, Comparison, Condition, EntryMatch, NoneOf

DATE_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_ABSOLUTE_REFERENCE = re.compile(
    r"^(?P<base>https?://.+?)/(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})$"
)


def split_or(value: str) -> list[str]:
    """`a,b` is a OR b; `\\,` is a literal comma, `\\|` and `\\$` literal too, `\\\\` a backslash."""
    if "\\" not in value:  # no escape: the commas alone split it
        return value.split(",")
    parts, current, escaped = [], "", False
    for char in value:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current + ("\\" if escaped else ""))
    return parts


def _split_token(value: str) -> tuple[str | None, str | None]:
    """(system, code): `c` -> (None, c); `s|c` -> (s, c); `|c` -> ("", c); `s|` -> (s, None)."""
    if "|" not in value.replace("\\|", ""):
        return None, value.replace("\\|", "|")
    position = next(
        index for index, char in enumerate(value) if char == "|" and value[index - 1 : index] != "\\"
    )
    system, code = value[:position].replace("\\|", "|"), value[position + 1 :].replace("\\|", "|")
    return system, code or None


def string_condition(parameter: SearchParameter, value: str, modifier: str) -> Condition:
    if parameter.phonetic:
        return EntryMatch(parameter.code, equals=(("c", sound(value)),))
    if modifier == "exact":
        return EntryMatch(parameter.code, equals=(("x", value),))
    if modifier == "contains":
        return EntryMatch(parameter.code, contains=("v", fold(value)))
    return EntryMatch(parameter.code, starts_with=("v", fold(value)))


def token_condition(parameter: SearchParameter, value: str, modifier: str) -> Condition:
    if modifier == "text":
        return EntryMatch(parameter.code, starts_with=("v", fold(value)))
    if modifier == "below" and parameter.type == "uri":
        return EntryMatch(parameter.code, starts_with=("c", value))
    system, code = _split_token(value)
    if system is None:
        return EntryMatch(parameter.code, equals=(("c", code),))
    if code is None:
        return EntryMatch(parameter.code, equals=(("s", system),))
    return EntryMatch(parameter.code, equals=(("c", code), ("s", system or None)))


def reference_condition(parameter: SearchParameter, value: str, modifier: str, base_url: str) -> Condition:
    absolute = _ABSOLUTE_REFERENCE.match(value)
    if absolute and absolute["base"].rstrip("/") == base_url.rstrip("/"):
        value = f"{absolute['type']}/{absolute['id']}"
    if modifier:  # `subject:Patient=123`
        return EntryMatch(parameter.code, equals=(("c", f"{modifier}/{value}"),))
    if "/" in value:
        return EntryMatch(parameter.code, equals=(("c", value),))
    candidates = [f"{target}/{value}" for target in parameter.targets]
    return AnyOf(
        tuple(EntryMatch(parameter.code, equals=(("c", reference),)) for reference in [*candidates, value])
    )


def _approximate_margin(low: datetime) -> timedelta:
    """`ap`: within 10% of the distance between the value and now, at least a day (as HAPI does)."""
    return max(abs(datetime.now(UTC) - low) / 10, timedelta(days=1))


def date_condition(parameter: SearchParameter, value: str) -> Condition:
    prefix = value[:2] if value[:2] in DATE_PREFIXES else "eq"
    text = value[2:] if value[:2] in DATE_PREFIXES else value
    try:
        low, high = date_range(text)
    except ValueError:
        raise BadRequest(
            f"{parameter.code}: {value!r} is not a valid date search value", expression=(parameter.code,)
        ) from None
    code = parameter.code

    def match(*bounds: tuple[str, str, datetime]) -> EntryMatch:
        return EntryMatch(code, bounds=tuple(bounds))  # type: ignore[arg-type]

    within = match(("lo", "$gte", low), ("hi", "$lte", high))
    conditions: dict[str, Condition] = {
        "eq": within,
        "ne": NoneOf((within,)),
        "gt": match(("hi", "$gt", high)),
        "lt": match(("lo", "$lt", low)),
        "ge": AnyOf((match(("hi", "$gt", high)), within)),
        "le": AnyOf((match(("lo", "$lt", low)), within)),
        "sa": match(("lo", "$gte", high)),
        "eb": match(("hi", "$lte", low)),
    }
    if prefix == "ap":
        margin = _approximate_margin(low)
        return match(("lo", "$lt", shifted(high, margin)), ("hi", "$gt", shifted(low, -margin)))
    return conditions[prefix]


def _decimal(parameter: SearchParameter, text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise BadRequest(
            f"{parameter.code}: {text!r} is not a number", expression=(parameter.code,)
        ) from None
    return number


def _unit_matches(code: str, system: str | None, unit: str | None) -> list[tuple[tuple[str, Any], ...]]:
    """The `equals` parts of each alternative: `|s|c` is system and code; `||c` is code or human unit."""
    if not unit:
        return [()]
    if system:
        return [(("s", system), ("c", unit))]
    return [(("c", unit),), (("u", unit),)]


def quantity_condition(parameter: SearchParameter, value: str) -> Condition:
    """`[prefix]number[|system|code]`: without a prefix a number matches within its own precision
    (`5.4` is [5.35, 5.45)); prefixes compare with the exact value; `ap` is within 10%."""
    number_text, _, unit_text = value.partition("|")
    system, _, unit = unit_text.partition("|")
    prefix = number_text[:2] if number_text[:2] in DATE_PREFIXES else "eq"
    number = _decimal(
        parameter, number_text[2:] if prefix != "eq" or number_text[:2] == "eq" else number_text
    )
    half = Decimal(5).scaleb(number.as_tuple().exponent - 1)  # type: ignore[operator]
    point = float(number)
    ranges: dict[str, tuple[tuple[str, Comparison, Any], ...]] = {
        "eq": (("n", "$gte", float(number - half)), ("n", "$lt", float(number + half))),
        "gt": (("n", "$gt", point),),
        "sa": (("n", "$gt", point),),
        "ge": (("n", "$gte", point),),
        "lt": (("n", "$lt", point),),
        "eb": (("n", "$lt", point),),
        "le": (("n", "$lte", point),),
        "ap": (("n", "$gte", point - abs(point) / 10), ("n", "$lte", point + abs(point) / 10)),
    }
    bounds = ranges["eq" if prefix == "ne" else prefix]
    alternatives = [
        EntryMatch(parameter.code, equals=equals, bounds=bounds)
        for equals in _unit_matches(parameter.code, system or None, unit or None)
    ]
    condition: Condition = alternatives[0] if len(alternatives) == 1 else AnyOf(tuple(alternatives))
    return NoneOf((condition,)) if prefix == "ne" else condition
