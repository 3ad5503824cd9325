"""In-memory stand-ins for the adapters, each held to its real adapter's contract suite."""

from tests.fakes.clock import T0, FakeClock
from tests.fakes.mailer import RecordingMailer
from tests.fakes.storage import FakeDatabase
from tests.fakes.units_of_work import NO_EFFECTS, FakeReadUnitOfWork, FakeWriteUnitOfWork

__all__ = [
    "NO_EFFECTS",
    "T0",
    "FakeClock",
    "FakeDatabase",
    "FakeReadUnitOfWork",
    "FakeWriteUnitOfWork",
    "RecordingMailer",
]
