"""The HTTP Prefer header as FHIR uses it: return=minimal|representation|OperationOutcome, handling=..."""

from dataclasses import dataclass

from starlette.requests import Request


@dataclass(frozen=True)
class Preferences:
    return_: str = "representation"
    strict: bool = False


def preferences(request: Request) -> Preferences:
    values: dict[str, str] = {}
    for header in request.headers.getlist("prefer"):
        for part in header.replace(";", ",").split(","):
            name, _, value = part.strip().partition("=")
            values[name.strip().lower()] = value.strip().strip('"')
    return Preferences(
        return_=values.get("return", "representation"),
        strict=values.get("handling", "lenient").lower() == "strict",
    )
