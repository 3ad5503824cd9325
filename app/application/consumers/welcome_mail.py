"""The welcome mail, sent once per registered user.

No transaction stays open while the mail server is talked to: a short one checks that
the event is new, the mail is sent, and a second short one records the event as
handled. A failure before the record leaves the event unhandled, so the redelivery
sends the mail; a crash between the hand-over and the record can send it twice, but
it is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.application.handlers import CommandService, command_handler
from app.application.ports.messaging import Mailer
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.domain.events import UserRegistered

CONSUMER = "welcome_mail"


class WelcomeMail(CommandService):
    def __init__(self, write_uow: WriteUnitOfWorkFactory, mailer: Mailer) -> None:
        super().__init__(write_uow)
        self._mailer = mailer

    async def on_user_registered(self, events: Sequence[UserRegistered]) -> int:
        """Send the welcome mail of each event; how many were sent (not sent before)."""
        sent = 0
        for event in events:
            sent += await self._welcome(event)
        return sent

    async def _welcome(self, event: UserRegistered) -> bool:
        if await self._handled(event.event_id):
            return False
        await self._mailer.send(
            to=event.email,
            subject="Welcome",
            body=f"Hello {event.display_name}, your account is ready.",
        )
        return await self._record(event.event_id)

    @command_handler
    async def _handled(self, event_id: str) -> bool:
        return await self.uow.handled_events.contains(CONSUMER, event_id)

    @command_handler
    async def _record(self, event_id: str) -> bool:
        return await self.uow.handled_events.claim(CONSUMER, event_id)
