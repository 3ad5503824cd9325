"""Mailers: one that only logs (the default), and SMTP."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage

logger = logging.getLogger(__name__)


class LogMailer:
    async def send(self, *, to: str, subject: str, body: str) -> None:
        logger.info("mail to %s: %s", to, subject)


class SmtpMailer:
    """Sends through an SMTP server, in a worker thread (smtplib blocks)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        starttls: bool,
        username: str,
        password: str,
        sender: str,
        timeout_seconds: float = 10,
    ) -> None:
        self._host = host
        self._port = port
        self._starttls = starttls
        self._username = username
        self._password = password
        self._sender = sender
        self._timeout = timeout_seconds

    async def send(self, *, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as server:
            if self._starttls:
                server.starttls()
            if self._username:
                server.login(self._username, self._password)
            server.send_message(message)
