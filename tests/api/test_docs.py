"""/docs and /redoc load nothing from outside the service."""

from __future__ import annotations

import re

import httpx
import pytest

EXTERNAL = re.compile(r"""(?:src|href)=["']?(?:https?:)?//""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_a_documentation_page_names_only_local_assets(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert EXTERNAL.findall(response.text) == []
    assert "cdn." not in response.text
    assets = re.findall(r"/docs/assets/[\w.-]+", response.text)
    assert assets
    for asset in assets:
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 100, asset


async def test_swagger_ui_signs_in_through_the_token_endpoint(client: httpx.AsyncClient) -> None:
    page = (await client.get("/docs")).text
    document = (await client.get("/openapi.json")).json()

    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in page
    schemes = document["components"]["securitySchemes"]
    assert any(
        scheme.get("flows", {}).get("password", {}).get("tokenUrl") == "/api/v1/auth/token"
        for scheme in schemes.values()
    )
    assert (await client.get("/docs/oauth2-redirect")).status_code == 200
