"""Property-based API testing: schemathesis against the served OpenAPI document.

Every operation is exercised with generated valid and invalid requests (examples,
coverage, fuzzing and stateful phases), signed in with a bearer token. Every check runs
but one: `positive_data_acceptance` expects any schema-valid request to succeed, while
this API refuses some on purpose with documented statuses: `412` for an `If-Match` that
is not the current ETag, `422` for rules a schema cannot state (at most 10 distinct
tags, cursors this service issued, email domains that cannot receive mail, an
Idempotency-Key reused with another body). `schemathesis_hooks.py` makes every
well-formed Idempotency-Key new (replays are the API tests' business).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.servers import QUIET_AND_CHEAP, ROOT, environment, served

EXAMPLES_PER_OPERATION = 40


def run_schemathesis(base: str, token: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{base}/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks"},
        cwd=ROOT,
    )


class TestSchemathesis:
    async def test_every_operation_holds_to_its_schema_and_never_fails_on_the_server(
        self, tmp_path: Path
    ) -> None:
        with served(environment(QUIET_AND_CHEAP), tmp_path) as (base, log_path):
            async with httpx.AsyncClient(base_url=base) as client:
                account = {"email": "fuzz@example.com", "password": "long enough password"}
                await client.post("/api/v1/users", json={**account, "display_name": "Fuzz"})
                signed_in = await client.post(
                    "/api/v1/auth/token",
                    data={"username": account["email"], "password": account["password"]},
                )
            result = run_schemathesis(base, signed_in.json()["access_token"])
        log = log_path.read_text()

        report = result.stdout + result.stderr
        generated = re.search(r"(\d+) generated", report)
        assert result.returncode == 0, report
        assert generated is not None
        assert int(generated.group(1)) >= 500, report
        summary = next(line for line in report.splitlines() if generated.group(0) in line)
        print(f"schemathesis: {summary.strip()}")
        assert "Traceback" not in log, log
