"""Routes reach the container by type, and a type nobody provides fails at start-up."""

from __future__ import annotations

import pytest
from dependency_injector import providers
from fastapi import APIRouter, Depends, FastAPI

from app.application.commands.posts import PostCommandService
from app.interface.dependencies import ProvidersByType, provided, requested_types
from tests.served import hermetic_container


class Unprovided:
    pass


def _app_asking_for(kind: type) -> FastAPI:
    router = APIRouter()
    dependency = Depends(provided(kind))

    @router.get("/thing")
    async def thing(value: object = dependency) -> None:
        return None

    app = FastAPI()
    app.include_router(router)
    return app


class TestProvidersByType:
    def test_every_type_the_app_asks_for_has_exactly_one_provider(self) -> None:
        from app.main import create_app

        app = create_app(hermetic_container())

        ProvidersByType(app.state.container.providers).check(requested_types(app))
        assert PostCommandService in requested_types(app)

    def test_a_route_asking_for_a_type_without_provider_is_found(self) -> None:
        app = _app_asking_for(Unprovided)
        by_type = ProvidersByType(hermetic_container().providers)

        with pytest.raises(LookupError, match="Unprovided needs exactly one provider"):
            by_type.check(requested_types(app))

    def test_a_type_with_two_providers_is_ambiguous(self) -> None:
        by_type = ProvidersByType(
            {"one": providers.Factory(Unprovided), "two": providers.Singleton(Unprovided)}
        )

        with pytest.raises(LookupError, match="found: one, two"):
            by_type.provider(Unprovided)

    def test_an_override_is_what_the_type_resolves_to(self) -> None:
        container = hermetic_container()
        replacement = object()
        container.post_command_service.override(providers.Object(replacement))

        assert ProvidersByType(container.providers).provider(PostCommandService)() is replacement
