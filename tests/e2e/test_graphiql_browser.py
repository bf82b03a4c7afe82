"""GraphiQL in headless Chromium: the page loads from the gateway alone and shows a PatientList result."""

import shutil
import tempfile

import httpx
import pytest

from tests.e2e.server import auth_headers, token

pytestmark = pytest.mark.e2e

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
QUERY = '{ PatientList(family: ["Nightingale"]) { id name { family given } } }'


@pytest.fixture
def browser():
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("chromium and chromedriver are not installed (make install installs them from Debian)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--window-size=1400,900",
        ):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def test_graphiql_runs_a_patient_list_query_and_shows_the_result(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    patient = {"resourceType": "Patient", "name": [{"family": "Nightingale", "given": ["Florence"]}]}
    headers = {"Content-Type": "application/fhir+json", **auth_headers()}
    created = httpx.post(f"{server}/Patient", json=patient, headers=headers)
    assert created.status_code == 201
    browser.get(f"{server}/graphql")
    wait = WebDriverWait(browser, 30)
    wait.until(
        expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror")
        )
    )
    browser.execute_script(
        "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(arguments[0]);",
        QUERY,
    )
    # The user's part: put a bearer token into GraphiQL's Headers editor (the second editor tool).
    browser.execute_script(
        "document.querySelectorAll('.graphiql-editor-tool .graphiql-editor')[1]"
        ".querySelector('.CodeMirror').CodeMirror.setValue(arguments[0]);",
        f'{{"Authorization": "Bearer {token("system/Patient.rs")}"}}',
    )
    browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    wait.until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, ".result-window"), "Florence")
    )
    result = browser.find_element(By.CSS_SELECTOR, ".result-window").text
    assert "Nightingale" in result and created.json()["id"] in result
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(server) for url in loaded), loaded
