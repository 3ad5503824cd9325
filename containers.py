"""The composition root: the one place that knows every layer.

Read top to bottom: settings and time, databases, the cache, units of work, events,
security, services. Tests swap any provider, for example
`container.mailer.override(providers.Object(fake))`; routes resolve services by their
class at request time, so overrides reach them.
"""

from __future__ import annotations

from itertools import chain

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.application.authentication import Authenticator
from app.application.commands.auth import AuthCommandService
from app.application.commands.comments import CommentCommandService
from app.application.commands.idempotent_posts import IdempotentPostCreation
from app.application.commands.posts import PostCommandService
from app.application.commands.users import UserCommandService
from app.application.consistency import ReadYourWrites
from app.application.consumers.dispatcher import EventDispatcher
from app.application.consumers.subscriptions import subscriptions
from app.application.consumers.user_stats import UserStatsProjection
from app.application.consumers.welcome_mail import WelcomeMail
from app.application.outbox_relay import OutboxBell, OutboxRelay
from app.application.ports.health import ReadinessProbes
from app.application.queries.comments import CommentQueryService
from app.application.queries.posts import PostQueryService
from app.application.queries.users import UserQueryService
from app.application.throttling import LoginThrottle, RegistrationThrottle, ThrottlePolicy
from app.application.write_unit_of_work import CommitEffects
from app.domain.identity import utc_now
from app.infra.cache.probes import RedisProbe
from app.infra.cache.selection import (
    build_cache,
    build_count_cache,
    build_redis_client,
    build_result_cache,
)
from app.infra.db.engines import READS_ONLY_OPTION, build_engine
from app.infra.db.probes import EngineProbe
from app.infra.db.units_of_work import SqlReadUnitOfWork, SqlWriteUnitOfWork
from app.infra.lifecycle import running
from app.infra.messaging.celery_app import create_celery
from app.infra.messaging.celery_publisher import CeleryPublisher
from app.infra.messaging.in_process import InProcessPublisher
from app.infra.messaging.mailers import LogMailer, SmtpMailer
from app.infra.messaging.probes import BrokerProbe
from app.infra.security.argon2_hasher import Argon2PasswordHasher
from app.infra.security.jwt_codec import JwtTokenCodec
from app.infra.settings import Settings, load_settings
from app.infra.throttling import build_attempt_counter
from app.infra.tracing import build_tracer_provider, instrumented


class Container(containers.DeclarativeContainer):
    __self__ = providers.Self()

    # -- settings and time ------------------------------------------------------------
    settings: providers.Provider[Settings] = providers.Singleton(load_settings)
    clock = providers.Object(utc_now)

    # -- databases: the primary (writes) and the read engine (a replica, or the primary)
    write_engine = providers.Singleton(
        build_engine,
        url=settings.provided.write_url,
        read_only=False,
        metrics_name="write",
        pool_size=settings.provided.database_pool_size,
        max_overflow=settings.provided.database_max_overflow,
        pool_timeout=settings.provided.database_pool_timeout,
        pool_recycle=settings.provided.database_pool_recycle,
        echo=settings.provided.database_echo,
    )
    read_engine = providers.Singleton(
        build_engine,
        url=settings.provided.read_url,
        read_only=True,
        metrics_name="read",
        pool_size=settings.provided.database_pool_size,
        max_overflow=settings.provided.database_max_overflow,
        pool_timeout=settings.provided.database_pool_timeout,
        pool_recycle=settings.provided.database_pool_recycle,
        echo=settings.provided.database_echo,
    )
    write_session_factory = providers.Singleton(
        async_sessionmaker[AsyncSession],
        bind=write_engine,
        expire_on_commit=False,
        autoflush=False,
    )
    # Singletons: built once, not on every request's unit of work.
    read_connection_factory = providers.Singleton(lambda engine: engine.connect, read_engine)
    primary_read_connection_factory = providers.Singleton(
        lambda engine: engine.execution_options(**{READS_ONLY_OPTION: True}).connect,
        write_engine,
    )

    # -- the cache of query results, and read-your-writes markers -------------------------
    redis_client = providers.Singleton(build_redis_client, settings)
    cache = providers.Singleton(build_cache, settings, redis_client)
    result_cache = providers.Singleton(build_result_cache, settings, cache)
    count_cache = providers.Singleton(build_count_cache, settings, result_cache)
    read_your_writes = providers.Singleton(
        ReadYourWrites,
        cache=cache,
        prefix=settings.provided.cache_prefix,
        window_seconds=settings.provided.read_your_writes_seconds,
    )

    # -- units of work: every commit runs its effects (tags, read-your-writes, and the
    # bell that hands the events it wrote to the outbox relay below, resolved when rung)
    outbox_bell = providers.Singleton(OutboxBell, relay=__self__.provided.outbox_relay)
    commit_effects = providers.Singleton(
        CommitEffects, results=result_cache, read_your_writes=read_your_writes, relay=outbox_bell
    )
    write_uow = providers.Factory(
        SqlWriteUnitOfWork, session_factory=write_session_factory, effects=commit_effects
    )
    read_uow = providers.Factory(
        SqlReadUnitOfWork,
        connect=read_connection_factory,
        primary_connect=primary_read_connection_factory,
    )

    # -- events: consumers, the consumer map, publishing, the outbox relay -------------
    mailer = providers.Selector(
        settings.provided.mailer_backend,
        log=providers.Singleton(LogMailer),
        smtp=providers.Singleton(
            SmtpMailer,
            host=settings.provided.smtp_host,
            port=settings.provided.smtp_port,
            starttls=settings.provided.smtp_starttls,
            username=settings.provided.smtp_username,
            password=settings.provided.smtp_password.get_secret_value.call(),
            sender=settings.provided.mail_from,
        ),
    )
    user_stats_projection = providers.Factory(UserStatsProjection, write_uow=write_uow.provider)
    welcome_mail = providers.Factory(WelcomeMail, write_uow=write_uow.provider, mailer=mailer)
    event_dispatcher = providers.Factory(
        EventDispatcher,
        consumers=providers.Factory(
            subscriptions, user_stats=user_stats_projection, welcome_mail=welcome_mail
        ),
    )
    celery_app = providers.Singleton(create_celery, settings)
    event_publisher = providers.Selector(
        settings.provided.messaging_in_use,
        in_process=providers.Singleton(InProcessPublisher, dispatcher=event_dispatcher.provider),
        celery=providers.Singleton(CeleryPublisher, celery=celery_app),
    )
    outbox_relay = providers.Singleton(
        OutboxRelay,
        write_uow=write_uow.provider,
        publisher=event_publisher,
        sweep_after_seconds=settings.provided.outbox_sweep_after_seconds,
        clock=clock,
        max_attempts=settings.provided.outbox_max_attempts,
    )

    # -- tracing: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (a test overrides
    # tracer_provider with its own, in-memory one)
    tracer_provider = providers.Singleton(build_tracer_provider, settings)
    tracing = providers.Resource(
        instrumented,
        tracer_provider,
        engines=providers.List(write_engine, read_engine),
        redis=redis_client,
        celery=providers.Callable(
            lambda name: name == "celery", settings.provided.messaging_in_use
        ),
    )

    # -- the process: readiness, start and stop -------------------------------------------
    # The databases are essential; the cache and the broker, probed only when in use,
    # only degrade readiness.
    readiness_probes = providers.Factory(
        ReadinessProbes,
        providers.Callable(
            chain,
            providers.List(
                providers.Factory(EngineProbe, name="write_database", engine=write_engine),
                providers.Factory(EngineProbe, name="read_database", engine=read_engine),
            ),
            providers.Selector(
                settings.provided.cache_in_use,
                redis=providers.List(
                    providers.Factory(RedisProbe, name="cache", client=redis_client)
                ),
                memory=providers.List(),
                none=providers.List(),
            ),
            providers.Selector(
                settings.provided.messaging_in_use,
                celery=providers.List(
                    providers.Factory(BrokerProbe, name="broker", celery=celery_app)
                ),
                in_process=providers.List(),
            ),
        ),
    )
    lifecycle = providers.Resource(
        running,
        write_engine,
        read_engine,
        redis=redis_client,
        relay=outbox_relay,
        sweep_interval_seconds=settings.provided.outbox_sweep_interval_seconds,
        dispatcher=event_dispatcher,
    )

    # -- security ----------------------------------------------------------------------
    password_hasher = providers.Singleton(
        Argon2PasswordHasher,
        memory_kib=settings.provided.argon2_memory_kib,
        time_cost=settings.provided.argon2_time_cost,
        parallelism=settings.provided.argon2_parallelism,
        max_threads=settings.provided.argon2_max_threads,
    )
    token_codec = providers.Singleton(
        JwtTokenCodec,
        secret=settings.provided.jwt_secret.get_secret_value.call(),
        access_ttl_seconds=settings.provided.jwt_access_ttl_seconds,
        refresh_ttl_seconds=settings.provided.jwt_refresh_ttl_seconds,
        clock=clock,
    )
    authenticator = providers.Singleton(Authenticator, tokens=token_codec, clock=clock)
    attempt_counter = providers.Singleton(build_attempt_counter, settings, redis_client)
    login_throttle = providers.Singleton(
        LoginThrottle,
        counter=attempt_counter,
        policy=providers.Singleton(
            ThrottlePolicy,
            failures_per_account=settings.provided.login_failures_per_account,
            failures_per_address=settings.provided.login_failures_per_address,
            window_seconds=settings.provided.login_failure_window_seconds,
        ),
    )
    registration_throttle = providers.Singleton(
        RegistrationThrottle,
        counter=attempt_counter,
        per_address=settings.provided.registration_limit_per_address,
        window_seconds=settings.provided.registration_limit_window_seconds,
    )

    # -- services: queries read through read_uow, commands write through write_uow -----
    user_query_service = providers.Factory(
        UserQueryService, read_uow=read_uow.provider, result_cache=result_cache
    )
    user_command_service = providers.Factory(
        UserCommandService,
        write_uow=write_uow.provider,
        hasher=password_hasher,
        clock=clock,
        throttle=registration_throttle,
    )
    auth_command_service = providers.Factory(
        AuthCommandService,
        write_uow=write_uow.provider,
        hasher=password_hasher,
        tokens=token_codec,
        clock=clock,
        throttle=login_throttle,
    )
    post_query_service = providers.Factory(
        PostQueryService,
        read_uow=read_uow.provider,
        result_cache=result_cache,
        count_cache=count_cache,
    )
    post_command_service = providers.Factory(
        PostCommandService, write_uow=write_uow.provider, clock=clock
    )
    idempotent_post_creation = providers.Factory(
        IdempotentPostCreation,
        write_uow=write_uow.provider,
        posts=post_command_service,
        clock=clock,
    )
    comment_query_service = providers.Factory(
        CommentQueryService, read_uow=read_uow.provider, result_cache=result_cache
    )
    comment_command_service = providers.Factory(
        CommentCommandService, write_uow=write_uow.provider, clock=clock
    )
