"""The composition root: every service resolves, and overrides reach new services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dependency_injector import providers

from app.application.authentication import Authenticator
from app.application.commands.auth import AuthCommandService
from app.application.commands.posts import PostCommand, PostCommandService, PostPatch
from app.application.commands.users import RegisterUser, UserCommandService
from app.application.consumers.dispatcher import EventDispatcher
from app.application.queries.posts import PostQueryService
from app.application.queries.users import UserQueryService
from app.domain.users import User
from app.infra.security.argon2_hasher import Argon2PasswordHasher
from containers import Container
from tests.fakes.clock import T0, FakeClock
from tests.fakes.security import FakePasswordHasher
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import FakeReadUnitOfWork, FakeWriteUnitOfWork
from tests.served import hermetic_container, served


@pytest.fixture
def container(clean_env: pytest.MonkeyPatch) -> Iterator[Container]:
    container = Container()
    yield container
    container.reset_singletons()


@pytest.fixture
def database(container: Container) -> FakeDatabase:
    database = FakeDatabase()
    container.write_uow.override(
        providers.Factory(FakeWriteUnitOfWork, database, effects=container.commit_effects)
    )
    container.read_uow.override(providers.Factory(FakeReadUnitOfWork, database))
    container.clock.override(providers.Object(FakeClock()))
    return database


class TestResolution:
    def test_every_service_resolves_to_its_class(self, container: Container) -> None:
        assert isinstance(container.post_command_service(), PostCommandService)
        assert isinstance(container.post_query_service(), PostQueryService)
        assert isinstance(container.user_command_service(), UserCommandService)
        assert isinstance(container.user_query_service(), UserQueryService)
        assert isinstance(container.auth_command_service(), AuthCommandService)
        assert isinstance(container.authenticator(), Authenticator)

    def test_services_are_new_per_resolution_and_shared_parts_are_singletons(
        self, container: Container
    ) -> None:
        assert container.post_command_service() is not container.post_command_service()
        assert container.token_codec() is container.token_codec()
        assert container.password_hasher() is container.password_hasher()

    async def test_password_hasher_uses_the_configured_argon2_cost(
        self, container: Container
    ) -> None:
        hasher = container.password_hasher()

        assert isinstance(hasher, Argon2PasswordHasher)
        assert "$m=19456,t=2,p=1$" in await hasher.hash("correct horse")

    def test_token_codec_uses_the_configured_ttls(self, container: Container) -> None:
        codec = container.token_codec()

        assert (codec.access_ttl_seconds, codec.refresh_ttl_seconds) == (900, 1209600)


def _with_author(database: FakeDatabase) -> str:
    author = User.register(email="ada@example.com", display_name="Ada", password_hash="h", now=T0)
    database.tables.users[author.id] = author
    return author.id


class TestOverrides:
    async def test_write_uow_override_reaches_a_service_created_afterwards(
        self, container: Container, database: FakeDatabase
    ) -> None:
        service = container.post_command_service()
        author_id = _with_author(database)

        post = await service.create_post(PostCommand(title="T", body="B"), author_id=author_id)

        assert database.tables.posts[post.id].created_at == T0
        assert database.commits == 1

    async def test_read_uow_override_reaches_a_query_service(
        self, container: Container, database: FakeDatabase
    ) -> None:
        post = await container.post_command_service().create_post(
            PostCommand(title="T", body="B"), author_id=_with_author(database)
        )

        view = await container.post_query_service().get_post(post.id)

        assert view.title == "T"
        assert database.read_scopes_opened == 1

    async def test_a_fake_write_uow_keeps_the_commit_effects_so_no_read_goes_stale(
        self, container: Container, database: FakeDatabase
    ) -> None:
        posts, queries = container.post_command_service(), container.post_query_service()
        post = await posts.create_post(
            PostCommand(title="Old", body="B"), author_id=_with_author(database)
        )
        assert (await queries.get_post(post.id)).title == "Old"  # now cached

        await posts.patch_post(post.id, PostPatch(title="New"), user_id=post.author_id)

        assert (await queries.get_post(post.id)).title == "New"

    def test_a_write_uow_without_commit_effects_cannot_be_built(self, container: Container) -> None:
        container.write_uow.override(providers.Factory(FakeWriteUnitOfWork, FakeDatabase()))

        with pytest.raises(TypeError, match="effects"):
            container.write_uow()

    def test_the_consumer_map_covers_every_event(self, container: Container) -> None:
        assert isinstance(container.event_dispatcher(), EventDispatcher)

    async def test_hasher_override_reaches_the_user_command_service(
        self, container: Container, database: FakeDatabase
    ) -> None:
        container.password_hasher.override(providers.Object(FakePasswordHasher()))
        command = RegisterUser(email="ada@example.com", password="correct horse", display_name="A")

        user = await container.user_command_service().register(command)

        assert database.tables.users[user.id].password_hash.startswith("fake$")


class TestStartUp:
    async def test_a_consumer_map_missing_an_event_stops_the_app_from_starting(self) -> None:
        container = hermetic_container()
        container.event_dispatcher.override(providers.Factory(EventDispatcher, consumers={}))

        with pytest.raises(LookupError, match="no consumers declared"):
            async with served(container):
                pass
