"""Each hostile case of issues 10 and 15, sent once to the app (ASGI, in-memory embedded store): status, time.

The closing note's table comes from this output. Usage: .venv/bin/python bench/hostile_cases.py
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow graphql-core.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent.resolve()]

import asyncio  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import jwt  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402

from gateway.app import create_app  # noqa: E402
from gateway.settings import Settings  # noqa: E402

SECRET = "bench-secret-bench-secret-bench-secret-0123456789"
FHIR = "application/fhir+json"
FORM = "application/x-www-form-urlencoded"


def _token(payload: Any) -> str:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return "a" + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _nested_extension(depth: int) -> str:
    extension: dict[str, Any] = {"url": "http://example.org/leaf", "valueString": "x"}
    for _ in range(depth):
        extension = {"url": "http://example.org/nest", "extension": [extension]}
    return json.dumps({"resourceType": "Patient", "extension": [extension]})


def _fragments() -> str:
    fragments = [
        f"fragment F{index} on Patient {{ {' '.join([f'...F{index + 1}'] * 4)} }}" for index in range(11)
    ]
    return "{ PatientList(_count: 1) { ...F0 } } " + " ".join(fragments) + " fragment F11 on Patient { id }"


def _graphql(query: str, variables: str = "null") -> str:
    return '{"query": ' + json.dumps(query) + ', "variables": ' + variables + "}"


MUTATION = "mutation ($res: PatientInput!) { PatientCreate(res: $res) { id } }"
CURSOR = base64.urlsafe_b64encode(json.dumps({"p": [], "o": 10**30, "c": 2}).encode()).decode().rstrip("=")


def cases(sentinel: str) -> list[tuple[str, str, str, str | bytes | None, str | None]]:
    patient = '{"resourceType":"Patient",%s}'
    return [
        ('"active":"yes"', "POST", "/Patient", patient % '"active":"yes"', FHIR),
        ('"active":1', "POST", "/Patient", patient % '"active":1', FHIR),
        ('multipleBirthInteger "3"', "POST", "/Patient", patient % '"multipleBirthInteger":"3"', FHIR),
        (
            'valueDecimal "1.50"',
            "POST",
            "/Patient",
            patient % '"extension":[{"url":"http://x","valueDecimal":"1.50"}]',
            FHIR,
        ),
        ("null value", "POST", "/Patient", patient % '"active":null', FHIR),
        ("[] value", "POST", "/Patient", patient % '"name":[]', FHIR),
        (
            "PUT active yes",
            "PUT",
            sentinel,
            patient % f'"id":"{sentinel.split("/")[-1]}","active":"yes"',
            FHIR,
        ),
        ("JSON 10,000 deep", "POST", "/Patient", "[" * 10_000 + "]" * 10_000, FHIR),
        ("extension 200 deep", "POST", "/Patient", _nested_extension(200), FHIR),
        ("extension 1,000 deep", "POST", "/Patient", _nested_extension(1000), FHIR),
        (
            "valueDecimal 1e999999",
            "POST",
            "/Patient",
            patient % '"extension":[{"url":"x","valueDecimal":1e999999}]',
            FHIR,
        ),
        (
            "valueDecimal 40 digits",
            "POST",
            "/Patient",
            patient % ('"extension":[{"url":"x","valueDecimal":1.' + "1" * 40 + "}]"),
            FHIR,
        ),
        ("invalid UTF-8 form", "POST", "/Patient/_search", b"family=\xff\xfe", FORM),
        ("_count=²", "GET", "/Patient?_count=%C2%B2", None, None),
        ("_offset=²", "GET", "/Patient?_offset=%C2%B2", None, None),
        ("_offset=10^20", "GET", "/Patient?_offset=99999999999999999999", None, None),
        ("/_history/²", "GET", f"{sentinel}/_history/%C2%B2", None, None),
        ("/_history/10^23", "GET", f"{sentinel}/_history/99999999999999999999999", None, None),
        (
            "token 5,000 brackets",
            "GET",
            "/Patient?_sort=family&_page_token=" + _token("[" * 5000 + "]" * 5000),
            None,
            None,
        ),
        (
            "token $where",
            "GET",
            "/Patient?_sort=family&_page_token=" + _token([{"$where": "1"}, "x"]),
            None,
            None,
        ),
        (
            "token $regex (froze the process)",
            "GET",
            "/Patient?_sort=family&_page_token=" + _token([{"$regex": "^(.*){40}X$"}, "x"]),
            None,
            None,
        ),
        (
            "history token $gt $date",
            "GET",
            "/Patient/_history?_page_token=" + _token([{"$gt": {"$date": 0}}, "x"]),
            None,
            None,
        ),
        ("_since 0001 +14:00", "GET", "/Patient/_history?_since=0001-01-01T00:00:00%2B14:00", None, None),
        ("birthdate=ap9999-12-31", "GET", "/Patient?birthdate=ap9999-12-31", None, None),
        ("birthdate=sa9999-12-31", "GET", "/Patient?birthdate=sa9999-12-31", None, None),
        ("birthdate=0001 +14:00", "GET", "/Patient?birthdate=0001-01-01T00:00:00%2B14:00", None, None),
        (
            "60,000 given names",
            "POST",
            "/Patient",
            json.dumps({"resourceType": "Patient", "name": [{"given": ["g"] * 60_000}]}),
            FHIR,
        ),
        (
            "20,000 OR values",
            "POST",
            "/Patient/_search",
            "family=" + ",".join(f"n{i}" for i in range(20_000)),
            FORM,
        ),
        (
            "200 x _revinclude:iterate",
            "GET",
            "/Patient?" + "&".join(["_revinclude:iterate=Observation:subject"] * 200),
            None,
            None,
        ),
        (
            "GraphQL variables 10,000 deep",
            "POST",
            "/$graphql",
            _graphql(MUTATION, '{"res":' + "[" * 10_000 + "]" * 10_000 + "}"),
            "application/json",
        ),
        (
            "GraphQL variable key \\ud800",
            "POST",
            "/$graphql",
            _graphql(MUTATION, '{"res":{"\\ud800":1}}'),
            "application/json",
        ),
        (
            "GraphQL decimal 40 digits",
            "POST",
            "/$graphql",
            _graphql(
                'mutation { PatientCreate(res: {resourceType: "Patient", '
                'extension: [{url: "x", valueDecimal: "1.' + "1" * 40 + '"}]}) { id } }'
            ),
            "application/json",
        ),
        (
            "GraphQL _cursor offset 10^30",
            "POST",
            "/$graphql",
            _graphql(f'{{ PatientConnection(_cursor: "{CURSOR}") {{ count }} }}'),
            "application/json",
        ),
        ("GraphQL 12 fragments x 4 spreads", "POST", "/$graphql", _graphql(_fragments()), "application/json"),
        (
            "GraphQL 10,000 duplicate fields",
            "POST",
            "/$graphql",
            _graphql("{ PatientList { " + "id " * 10_000 + "} }"),
            "application/json",
        ),
        (
            "transaction DELETE + failing POST",
            "POST",
            "/",
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "transaction",
                    "entry": [
                        {"request": {"method": "DELETE", "url": sentinel.lstrip("/")}},
                        {
                            "resource": {"resourceType": "Patient", "active": "yes"},
                            "request": {"method": "POST", "url": "Patient"},
                        },
                    ],
                }
            ),
            FHIR,
        ),
        ("POST AuditEvent (full scope)", "POST", "/AuditEvent", '{"resourceType":"AuditEvent"}', FHIR),
    ]


def _issue_code(response: httpx.Response) -> str:
    """The first OperationOutcome issue code, REST or GraphQL (`errors[0].extensions.resource`)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and body.get("errors"):
        body = body["errors"][0].get("extensions", {}).get("resource", {})
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        return str(body["issue"][0]["code"])
    return ""


async def main() -> None:
    settings = Settings(
        mongodb_uri=None, data_dir=None, database_name="bench", auth_secret=SECRET, rate_limit="off"
    )
    app = create_app(settings)
    async with LifespanManager(app):
        token = app.state.auth.issue("bench", "system/*.cruds")
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers, timeout=None
        ) as http:
            created = await http.post(
                "/Patient",
                content=b'{"resourceType":"Patient","active":true}',
                headers={"Content-Type": FHIR},
            )
            sentinel = f"/Patient/{created.json()['id']}"
            for label, method, url, body, media_type in cases(sentinel):
                sent = {"Content-Type": media_type} if media_type else {}
                started = time.perf_counter()
                response = await http.request(method, url, content=body, headers=sent)
                elapsed = time.perf_counter() - started
                code = _issue_code(response)
                print(f"| {label} | {response.status_code} {code} | {elapsed * 1000:.0f} ms |")
            now = int(time.time())
            payload = {
                "iss": "fhir-gateway",
                "aud": "fhir-gateway",
                "sub": "x",
                "iat": now,
                "exp": str(now + 60),
            }
            string_exp = jwt.encode(payload, SECRET, algorithm="HS256")
            started = time.perf_counter()
            response = await http.get("/Patient", headers={"Authorization": f"Bearer {string_exp}"})
            elapsed = time.perf_counter() - started
            print(f"| token with string exp | {response.status_code} | {elapsed * 1000:.0f} ms |")
            unchanged = await http.get(sentinel)
            version = unchanged.json()["meta"]["versionId"] if unchanged.status_code == 200 else None
            print(f"sentinel unchanged: {version == '1'}")


if __name__ == "__main__":
    asyncio.run(main())
