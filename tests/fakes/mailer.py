"""A mailer that keeps what it was asked to send, and can be told to fail."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SentMail:
    to: str
    subject: str
    body: str


class RecordingMailer:
    def __init__(self, *, fail_first: int = 0, refuse: str | None = None) -> None:
        self.sent: list[SentMail] = []
        self._fail_first = fail_first
        self._refuse = refuse

    async def send(self, *, to: str, subject: str, body: str) -> None:
        """Fails for the first `fail_first` mails, and always for the address `refuse`."""
        if self._fail_first or to == self._refuse:
            self._fail_first = max(0, self._fail_first - 1)
            raise ConnectionError("mail server down")
        self.sent.append(SentMail(to, subject, body))
