"""GraphiQL in headless Chromium: the page loads from the gateway alone, opens ready in dev mode (token
fetched by the page, schema in the Docs pane), says how to get a token otherwise, and runs a query."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import auth_headers, token

pytestmark = pytest.mark.e2e

QUERY = '{ PatientList(family: ["Nightingale"]) { id name { family given } } }'
ERROR_WORDS = ("error", "not a well-formed", "unauthorized")
WAIT_SECONDS = (
    60  # an upper bound for a busy machine, not a timing assumption: every wait ends on a condition
)


def _wait(browser: Any) -> Any:
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(browser, WAIT_SECONDS)


def _visible_errors(browser: Any) -> list[str]:
    """Error words shown as words: the Docs pane lists type names such as `ClaimResponseError`."""
    from selenium.webdriver.common.by import By

    text = browser.find_element(By.TAG_NAME, "body").text.lower()
    return [word for word in ERROR_WORDS if re.search(rf"\b{re.escape(word)}\b", text)]


def _open_docs_and_wait_for_patient(browser: Any) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Show Documentation Explorer']").click()
    _wait(browser).until(
        expected_conditions.text_to_be_present_in_element(
            (By.CSS_SELECTOR, ".graphiql-doc-explorer"), "Patient"
        )
    )
    return str(browser.find_element(By.CSS_SELECTOR, ".graphiql-doc-explorer").text)


def test_in_dev_mode_graphiql_opens_ready_and_its_docs_pane_lists_patient(
    dev_server: tuple[str, Path], browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    base_url, _ = dev_server
    browser.get(f"{base_url}/graphql")
    _wait(browser).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "token-bar"), "development token")
    )
    _wait(browser).until(
        expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror")
        )
    )
    first_view = tmp_path / "graphiql-first-view.png"
    assert browser.save_screenshot(str(first_view)) and first_view.read_bytes().startswith(b"\x89PNG")
    assert _visible_errors(browser) == []
    docs = _open_docs_and_wait_for_patient(browser)
    assert "Patient" in docs and _visible_errors(browser) == []


def test_without_dev_mode_the_page_says_how_to_get_a_token_and_a_pasted_one_loads_the_schema(
    server: str, browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    browser.get(f"{server}/graphql")
    _wait(browser).until(expected_conditions.presence_of_element_located((By.ID, "needs-token")))
    instructions = browser.find_element(By.ID, "needs-token").text
    assert "fhir-gateway token" in instructions and "POST /token" in instructions
    assert _visible_errors(browser) == []
    browser.find_element(By.ID, "pasted-token").send_keys(token("system/Patient.rs"))
    browser.find_element(By.ID, "use-token").click()
    assert "Patient" in _open_docs_and_wait_for_patient(browser)
    assert _visible_errors(browser) == []


def test_graphiql_runs_a_patient_list_query_and_shows_the_result(server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    patient = {"resourceType": "Patient", "name": [{"family": "Nightingale", "given": ["Florence"]}]}
    headers = {"Content-Type": "application/fhir+json", **auth_headers()}
    created = httpx.post(f"{server}/Patient", json=patient, headers=headers)
    assert created.status_code == 201
    browser.get(f"{server}/graphql")
    _wait(browser).until(expected_conditions.presence_of_element_located((By.ID, "pasted-token")))
    browser.find_element(By.ID, "pasted-token").send_keys(f"Bearer {token('system/Patient.rs')}")
    browser.find_element(By.ID, "use-token").click()
    _wait(browser).until(
        expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror")
        )
    )
    browser.execute_script(
        "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(arguments[0]);",
        QUERY,
    )
    browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    _wait(browser).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, ".result-window"), "Florence")
    )
    result = browser.find_element(By.CSS_SELECTOR, ".result-window").text
    assert "Nightingale" in result and created.json()["id"] in result
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(server) for url in loaded), loaded
