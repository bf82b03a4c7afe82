"""Swagger UI at /docs renders the REST face's operations in headless Chromium, from this server alone."""

from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_the_api_docs_page_lists_the_fhir_operations_without_a_token(server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(f"{server}/docs")
    WebDriverWait(browser, 60).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, ".swagger-ui"), "/metadata")
    )
    operations = browser.find_element(By.CSS_SELECTOR, ".swagger-ui").text
    assert "/{resource_type}/{resource_id}" in operations and "Authorize" in operations
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(server) for url in loaded), loaded
