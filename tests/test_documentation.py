"""Every Python example in the README and CONTRIBUTING runs, so none can drift.

Each ```python block is executed as a module of its own; the `test_*` functions it
defines are then run. The README's HTTP-level example also runs with a hostile `.env`
and hostile variables in place (production profile, a short secret, a broker and a
Redis that are not the tests'), which a hermetic test must not see.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / ".github" / "CONTRIBUTING.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
HOSTILE = {
    "APP_PROFILE": "production",
    "JWT_SECRET": "short",
    "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:1//",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "DATABASE_URL": "mysql+aiomysql://root@127.0.0.1:1/developers",
    "CELERY_QUEUE": "developers-queue",
}


@dataclass(frozen=True)
class Example:
    document: Path
    line: int
    code: str

    @property
    def name(self) -> str:
        return f"{self.document.name}:{self.line}"


def examples() -> list[Example]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            found.append(Example(document, line, match.group(1)))
    return found


async def run(example: Example) -> list[str]:
    """Execute the example; the names of the tests it defined, each run."""
    namespace: dict[str, Any] = {"__name__": f"example_{example.line}"}
    exec(compile(example.code, example.name, "exec"), namespace)  # noqa: S102  (our own docs)
    ran = []
    for name, value in list(namespace.items()):
        if name.startswith("test_") and inspect.isfunction(value):
            result = value()
            if inspect.isawaitable(result):
                await result
            ran.append(name)
    return ran


@pytest.mark.parametrize("example", examples(), ids=lambda example: example.name)
async def test_the_example_runs(example: Example) -> None:
    await run(example)


def _readme_tests() -> list[Example]:
    readme = [example for example in examples() if example.document.name == "README.md"]
    return [example for example in readme if "async def test_" in example.code]


def test_the_readme_shows_an_http_level_test_in_fewer_than_25_lines() -> None:
    (example,) = _readme_tests()

    assert len(example.code.strip().splitlines()) < 25


async def test_the_readme_test_passes_beside_a_hostile_dotenv_and_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("".join(f"{key}={value}\n" for key, value in HOSTILE.items()))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENV_FILE")  # the `.env` above would be read by the default loader
    for key, value in HOSTILE.items():
        monkeypatch.setenv(key, value)
    (example,) = _readme_tests()

    assert await run(example)
