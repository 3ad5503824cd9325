"""The clock services read the time from, replaceable in tests."""

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]
