"""CORS: only the configured browser origins may call the API, preflights included."""

from __future__ import annotations

import pytest

from tests.served import hermetic_container, served

ALLOWED = "https://app.example.com"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
}


class TestConfiguredOrigins:
    async def test_a_preflight_from_an_allowed_origin_is_answered(self) -> None:
        async with served(hermetic_container(cors_allowed_origins=[ALLOWED])) as api:
            response = await api.client.options(
                "/api/v1/posts", headers={"Origin": ALLOWED, **PREFLIGHT}
            )

        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == ALLOWED
        assert "POST" in response.headers["access-control-allow-methods"]
        allowed = response.headers["access-control-allow-headers"].lower()
        assert {"authorization", "content-type", "idempotency-key"} <= set(allowed.split(", "))
        assert response.headers["x-request-id"]

    async def test_a_preflight_from_another_origin_is_refused(self) -> None:
        async with served(hermetic_container(cors_allowed_origins=[ALLOWED])) as api:
            response = await api.client.options(
                "/api/v1/posts", headers={"Origin": "https://evil.example", **PREFLIGHT}
            )

        assert response.status_code == 400
        assert "access-control-allow-origin" not in response.headers

    async def test_a_response_names_the_origin_and_exposes_the_apis_headers(self) -> None:
        async with served(hermetic_container(cors_allowed_origins=[ALLOWED])) as api:
            response = await api.client.get("/health/live", headers={"Origin": ALLOWED})

        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == ALLOWED
        exposed = response.headers["access-control-expose-headers"].lower()
        assert {"etag", "location", "retry-after", "x-request-id"} <= set(exposed.split(", "))
        assert "access-control-allow-credentials" not in response.headers


class TestDefault:
    async def test_no_origin_is_allowed_unless_configured(self) -> None:
        async with served(hermetic_container()) as api:
            preflight = await api.client.options(
                "/api/v1/posts", headers={"Origin": ALLOWED, **PREFLIGHT}
            )
            read = await api.client.get("/health/live", headers={"Origin": ALLOWED})

        assert "access-control-allow-origin" not in preflight.headers
        assert "access-control-allow-origin" not in read.headers
        assert read.status_code == 200


@pytest.mark.parametrize(
    ("raw", "origins"),
    [
        ("https://a.example, https://b.example", ["https://a.example", "https://b.example"]),
        ("", []),
    ],
)
def test_origins_come_comma_separated_from_the_environment(
    raw: str, origins: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.infra.settings import load_settings

    monkeypatch.setenv("ENV_FILE", "")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", raw)

    assert load_settings().cors_allowed_origins == origins
