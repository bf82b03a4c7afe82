"""Hostile requests against the real served process: each gets a 4xx answer on a kept-alive connection, and
the same connection then serves the next request (a 500 used to make uvicorn close it)."""

import http.client
import json
from urllib.parse import urlsplit

import pytest

from tests.e2e.server import auth_headers

pytestmark = pytest.mark.e2e

HOSTILE = [
    ("POST", "/Patient", json.dumps({"resourceType": "Patient", "active": "yes"}), "application/fhir+json"),
    ("POST", "/Patient", "[" * 10_000 + "]" * 10_000, "application/fhir+json"),
    (
        "POST",
        "/Patient",
        '{"resourceType":"Patient","extension":[{"url":"x","valueDecimal":1e999999}]}',
        None,
    ),
    ("POST", "/Patient/_search", b"family=\xff\xfe", "application/x-www-form-urlencoded"),
    ("GET", "/Patient?_count=%C2%B2", None, None),
    ("GET", "/Patient?_offset=99999999999999999999", None, None),
    ("GET", "/Patient/_history?_since=0001-01-01T00:00:00%2B14:00", None, None),
    ("GET", "/Patient?birthdate=sa9999-12-31", None, None),
    ("GET", "/Patient?_sort=family&_page_token=aW3siJHJlZ2V4IjogIl4oLiopezQwfVgkIn0sICJ4Il0", None, None),
    (
        "POST",
        "/$graphql",
        json.dumps({"query": "{ PatientList { " + "id " * 10_000 + "} }"}),
        "application/json",
    ),
]


def test_the_same_connection_serves_after_every_hostile_request(server):
    address = urlsplit(server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    headers = auth_headers()
    try:
        connection.request("GET", "/metadata")
        connection.getresponse().read()
        socket = connection.sock
        assert socket is not None
        for method, path, body, media_type in HOSTILE:
            sent = dict(headers, **({"Content-Type": media_type or "application/fhir+json"} if body else {}))
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = response.read()
            assert response.status < 500, (path, response.status, answer[:200])
            assert not response.will_close, (path, response.getheader("connection"))
            assert response.getheader("x-content-type-options") == "nosniff"
            connection.request("GET", "/metadata")
            follow_up = connection.getresponse()
            follow_up.read()
            assert follow_up.status == 200
            assert connection.sock is socket, f"the connection was reopened after {method} {path}"
    finally:
        connection.close()
