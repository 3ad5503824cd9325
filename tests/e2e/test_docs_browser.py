"""/docs in a real headless browser, with every request off the machine refused: the page
renders from the service's own assets, its Authorize button signs in through the OAuth2
password flow, and "Try it out" on GET /api/v1/users/me answers 200 with the token."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Route, sync_playwright

from tests.databases import IN_CI
from tests.e2e.servers import environment, served

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (Debian's `chromium` package)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def test_docs_render_offline_and_sign_in_through_authorize(
    browser: Browser, tmp_path: Path
) -> None:
    env = environment({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}"})
    with served(env, tmp_path) as (base, _log):
        ada = {"email": "ada@example.com", "password": "correct horse", "display_name": "Ada"}
        assert httpx.post(f"{base}/api/v1/users", json=ada).status_code == 201

        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        outside: list[str] = []

        def only_the_service(route: Route) -> None:
            url = route.request.url
            if urlsplit(url).netloc == urlsplit(base).netloc:
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        page.route("**/*", only_the_service)
        page.goto(f"{base}/docs")
        page.wait_for_selector(".swagger-ui .info .title")
        assert "Posts service" in page.inner_text(".swagger-ui .info .title")

        page.click(".scheme-container button.authorize")
        page.fill("#oauth_username", ada["email"])
        page.fill("#oauth_password", ada["password"])
        page.click(".auth-btn-wrapper button.authorize")
        dialog = page.locator(".modal-ux")
        dialog.locator("button", has_text="Logout").wait_for()  # signed in: the token is held
        dialog.locator("button", has_text="Close").click()

        operation = "#operations-users-get_current_user"
        page.click(f"{operation} .opblock-summary")
        page.click(f"{operation} button.try-out__btn")
        page.click(f"{operation} button.execute")
        status = page.wait_for_selector(
            f"{operation} .live-responses-table tr.response .response-col_status"
        )
        assert status is not None
        answered = status.inner_text().strip()
        body = page.inner_text(
            f"{operation} .live-responses-table tr.response .response-col_description"
        )

    assert answered == "200"
    assert "ada@example.com" in body
    assert outside == []
