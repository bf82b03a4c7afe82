"""Several gateway instances on one database (`fhir-gateway db`): one behaves like one gateway.

Instance `a` is a plain `serve`; instance `b` is `serve --workers 2`, so requests to it land on either of two
processes. Every client below has its own token subject, because the subject is the rate-limit key.
"""

import json
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.cluster import (
    Instance,
    InstanceSpec,
    headers_for,
    running_instance,
    running_instances,
    running_store,
)

pytestmark = pytest.mark.e2e

LIMIT = 40  # per client per minute, on every instance; the tests below stay under it but for the limit test
RACERS = 30


@dataclass
class Cluster:
    store_uri: str
    a: Instance
    b: Instance
    directory: Path

    def by_turns(self, index: int) -> str:
        return (self.a if index % 2 == 0 else self.b).base_url


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    directory = tmp_path_factory.mktemp("instances")
    settings = {"FHIR_GATEWAY_RATE_LIMIT": f"{LIMIT}/minute", "FHIR_GATEWAY_METRICS": "public"}
    with (
        running_store(directory / "db", directory / "db.log") as uri,
        running_instances(
            uri,
            InstanceSpec(directory / "a.log", environment={"FHIR_GATEWAY_LOG_FORMAT": "json", **settings}),
            InstanceSpec(directory / "b.log", workers=2, environment=settings),
        ) as (a, b),
    ):
        yield Cluster(uri, a, b, directory)


def racing(count: int, request: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """`count` requests at once (threads released together), in index order."""
    start = threading.Barrier(count)

    def run(index: int) -> httpx.Response:
        start.wait()
        return request(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def patient(family: str, identifier: str | None = None) -> dict[str, object]:
    found: dict[str, object] = {"resourceType": "Patient", "name": [{"family": family}]}
    if identifier:
        found["identifier"] = [{"system": "urn:test:instances", "value": identifier}]
    return found


def metric(base_url: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples with these labels in one scrape of /metrics (Prometheus text)."""
    text = httpx.get(f"{base_url}/metrics", timeout=30).text
    total = 0.0
    for sample, value in re.findall(rf"^({name}(?:{{.*}})?) (\S+)$", text, re.MULTILINE):
        if all(f'{key}="{wanted}"' in sample for key, wanted in labels.items()):
            total += float(value)
    return total


def test_the_rate_limit_holds_across_instances(cluster):
    headers = headers_for(f"limited-{uuid.uuid4().hex}")
    refusals_before = sum(
        metric(url, "fhir_gateway_rate_limit_refusals_total")
        for url in (cluster.a.base_url, cluster.b.base_url)
    )
    responses = racing(
        2 * LIMIT,
        lambda index: httpx.get(f"{cluster.by_turns(index)}/Patient?_count=1", headers=headers, timeout=120),
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {200: LIMIT, 429: LIMIT}  # one limit for both instances, not one each
    refused = [response for response in responses if response.status_code == 429]
    assert all(int(response.headers["retry-after"]) >= 1 for response in refused)
    refusals_after = sum(
        metric(url, "fhir_gateway_rate_limit_refusals_total")
        for url in (cluster.a.base_url, cluster.b.base_url)
    )
    assert refusals_after - refusals_before == LIMIT


def test_racing_conditional_creates_across_instances_create_exactly_one(cluster):
    identifier = uuid.uuid4().hex
    headers = headers_for(f"conditional-{identifier}") | {
        "If-None-Exist": f"identifier=urn:test:instances|{identifier}"
    }
    responses = racing(
        RACERS,
        lambda index: httpx.post(
            f"{cluster.by_turns(index)}/Patient",
            json=patient("Racer", identifier),
            headers=headers,
            timeout=120,
        ),
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 200: RACERS - 1}
    assert len({response.json()["id"] for response in responses}) == 1
    found = httpx.get(
        f"{cluster.a.base_url}/Patient",
        params={"identifier": f"urn:test:instances|{identifier}"},
        headers=headers_for(f"check-{identifier}"),
    ).json()
    assert found["total"] == 1


def test_racing_if_match_updates_across_instances_have_one_winner(cluster):
    headers = headers_for(f"updater-{uuid.uuid4().hex}")
    created = httpx.post(f"{cluster.a.base_url}/Patient", json=patient("Before"), headers=headers, timeout=60)
    assert created.status_code == 201
    resource = created.json()

    def update(index: int) -> httpx.Response:
        changed = resource | {"name": [{"family": f"Writer{index}"}]}
        return httpx.put(
            f"{cluster.by_turns(index)}/Patient/{resource['id']}",
            json=changed,
            headers=headers | {"If-Match": 'W/"1"'},
            timeout=120,
        )

    responses = racing(RACERS, update)
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {200: 1, 412: RACERS - 1}
    winner = next(index for index, response in enumerate(responses) if response.status_code == 200)
    for instance in (cluster.a, cluster.b):
        read = httpx.get(f"{instance.base_url}/Patient/{resource['id']}", headers=headers, timeout=60)
        assert read.headers["etag"] == 'W/"2"'
        assert read.json()["name"] == [{"family": f"Writer{winner}"}]
    history = httpx.get(f"{cluster.b.base_url}/Patient/{resource['id']}/_history", headers=headers).json()
    assert history["total"] == 2


def test_a_write_through_one_instance_is_read_through_the_other_at_once(cluster):
    headers = headers_for(f"reader-{uuid.uuid4().hex}")
    family = f"Seen{uuid.uuid4().hex[:8]}"
    created = httpx.post(f"{cluster.a.base_url}/Patient", json=patient(family), headers=headers, timeout=60)
    assert created.status_code == 201
    patient_id = created.json()["id"]
    read = httpx.get(f"{cluster.b.base_url}/Patient/{patient_id}", headers=headers, timeout=60)
    assert read.status_code == 200 and read.json() == created.json()
    found = httpx.get(f"{cluster.b.base_url}/Patient", params={"family": family}, headers=headers).json()
    assert [entry["resource"]["id"] for entry in found["entry"]] == [patient_id]
    updated = httpx.put(
        f"{cluster.b.base_url}/Patient/{patient_id}",
        json=created.json() | {"active": True},
        headers=headers,
        timeout=60,
    )
    assert updated.status_code == 200
    again = httpx.get(f"{cluster.a.base_url}/Patient/{patient_id}", headers=headers, timeout=60)
    assert again.headers["etag"] == 'W/"2"' and again.json()["active"] is True


def test_killing_an_instance_mid_write_loses_no_acknowledged_write(cluster):
    """A third instance takes writes from several clients and is killed (SIGKILL) while they are in
    flight; every write it acknowledged is then readable, at the acknowledged version, through another."""
    acknowledged: dict[str, str] = {}  # id -> ETag the killed instance answered
    unexpected: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()
    writers, writes_each = 4, 12
    with running_instance(
        cluster.store_uri, cluster.directory / "doomed.log", FHIR_GATEWAY_RATE_LIMIT=f"{LIMIT}/minute"
    ) as doomed:

        def write(writer: int) -> None:
            headers = headers_for(f"doomed-writer-{writer}-{uuid.uuid4().hex}")
            for number in range(writes_each):
                try:
                    response = httpx.post(
                        f"{doomed.base_url}/Patient",
                        json=patient(f"Doomed{writer}x{number}"),
                        headers=headers,
                        timeout=120,
                    )
                except httpx.TransportError:
                    return  # the instance died under this request: not acknowledged, may or may not exist
                with lock:
                    if response.status_code != 201:
                        unexpected.append(f"{response.status_code}: {response.text}")
                        return
                    acknowledged[response.json()["id"]] = response.headers["etag"]
                    if len(acknowledged) >= writers * writes_each // 3:
                        enough.set()

        threads = [threading.Thread(target=write, args=(writer,)) for writer in range(writers)]
        for thread in threads:
            thread.start()
        assert enough.wait(timeout=300), "the writers made no progress"
        doomed.kill()
        for thread in threads:
            thread.join()
    assert not unexpected
    assert len(acknowledged) < writers * writes_each  # it really died mid-write
    headers = headers_for(f"survivor-check-{uuid.uuid4().hex}")
    with httpx.Client(base_url=cluster.a.base_url, headers=headers, timeout=60) as survivor:
        for patient_id, etag in acknowledged.items():
            read = survivor.get(f"/Patient/{patient_id}")
            assert read.status_code == 200, patient_id
            assert read.headers["etag"] == etag
    # Another instance writes on after the crash.
    after = httpx.post(f"{cluster.b.base_url}/Patient", json=patient("After"), headers=headers, timeout=60)
    assert after.status_code == 201


def test_metrics_are_scraped_with_route_templates_and_faces(cluster):
    headers = headers_for(f"scraped-{uuid.uuid4().hex}")
    created = httpx.post(f"{cluster.a.base_url}/Patient", json=patient("Scraped"), headers=headers)
    httpx.get(f"{cluster.a.base_url}/Patient/{created.json()['id']}", headers=headers)
    httpx.post(
        f"{cluster.a.base_url}/$graphql",
        json={"query": "{ PatientList(_count: 1) { id } }"},
        headers={"Authorization": headers["Authorization"]},
        timeout=120,  # the process's first GraphQL request builds the schema first (seconds of CPU)
    )
    scrape = httpx.get(f"{cluster.a.base_url}/metrics")
    assert scrape.status_code == 200 and scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text
    assert re.search(
        r'^fhir_gateway_requests_total\{face="rest",method="GET",route="/\{resource_type\}/\{resource_id\}",'
        r'status="200"\} [1-9]',
        text,
        re.MULTILINE,
    )
    assert 'face="graphql"' in text and 'route="/$graphql"' in text
    assert created.json()["id"] not in text  # ids never become labels
    assert metric(cluster.a.base_url, "fhir_gateway_request_seconds_count") > 0
    assert metric(cluster.a.base_url, "fhir_gateway_store_commands_total", command="insert") > 0
    assert "fhir_gateway_audit_queue_length" in text
    assert "fhir_gateway_rate_limit_refusals_total" in text


def test_readiness_and_json_logs(cluster):
    for instance in (cluster.a, cluster.b):
        assert httpx.get(f"{instance.base_url}/readyz").json() == {"status": "ok"}
        assert httpx.get(f"{instance.base_url}/healthz").json() == {"status": "ok"}
    lines = [line for line in cluster.a.log_file.read_text().splitlines() if line.strip()]
    records = [
        json.loads(line) for line in lines
    ]  # every line one JSON object (FHIR_GATEWAY_LOG_FORMAT=json)
    assert any(record.get("message", "").startswith("store: MongoDB at") for record in records)
    assert all({"time", "level", "name", "message"} <= record.keys() for record in records)
