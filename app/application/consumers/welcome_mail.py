"""The welcome mail, sent once per registered user.

The handled event is claimed in a transaction that commits only after the mail was
handed to the mail server: a failure rolls the claim back and the redelivery sends it.
(A crash between the hand-over and the commit can send it twice; it can never be lost.)
"""

from __future__ import annotations

from app.application.handlers import CommandService, command_handler
from app.application.ports.messaging import Mailer
from app.application.ports.units_of_work import WriteUnitOfWorkFactory
from app.domain.events import UserRegistered

CONSUMER = "welcome_mail"


class WelcomeMail(CommandService):
    def __init__(self, write_uow: WriteUnitOfWorkFactory, mailer: Mailer) -> None:
        super().__init__(write_uow)
        self._mailer = mailer

    @command_handler
    async def on_user_registered(self, event: UserRegistered) -> bool:
        """Send the welcome mail; False when it was sent for this event before."""
        if not await self.uow.handled_events.claim(CONSUMER, event.event_id):
            return False
        await self._mailer.send(
            to=event.email,
            subject="Welcome",
            body=f"Hello {event.display_name}, your account is ready.",
        )
        return True
