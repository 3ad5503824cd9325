"""The OpenAPI document is usable: a typed client generated from it drives the API.

`openapi-python-client` generates a package from the served document into a temporary
directory (never committed); the round trip then runs through its typed functions only.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.api.conftest import Api

PACKAGE = "generated_posts_client"


@pytest.fixture
async def generated(api: Api, tmp_path: Path) -> AsyncIterator[ModuleType]:
    document = (await api.client.get("/openapi.json")).json()
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document))
    tools = str(Path(sys.executable).parent)
    completed = await asyncio.to_thread(
        subprocess.run,
        [
            str(Path(tools) / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Warning" not in completed.stdout, completed.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


async def test_a_generated_client_registers_signs_in_and_writes_posts(
    api: Api, generated: ModuleType
) -> None:
    models = _module("models")
    transport = {"transport": httpx.ASGITransport(app=api.app)}
    anonymous = generated.Client(base_url="http://test", httpx_args=transport)

    registered = await _module("api.users.register_user").asyncio_detailed(
        client=anonymous,
        body=models.RegisterUser(
            email="ada@example.com", password="correct horse", display_name="Ada"
        ),
    )
    assert registered.status_code == 201
    assert isinstance(registered.parsed, models.UserOut)

    signed_in = await _module("api.auth.issue_token").asyncio(
        client=anonymous,
        body=models.SignInForm(
            username="ada@example.com", password="correct horse", grant_type="password"
        ),
    )
    assert isinstance(signed_in, models.TokenPairOut)
    ada = generated.AuthenticatedClient(
        base_url="http://test", token=signed_in.access_token, httpx_args=transport
    )

    me = await _module("api.users.get_current_user").asyncio(client=ada)
    assert (me.email, me.id) == ("ada@example.com", registered.parsed.id)

    created = await _module("api.posts.create_post").asyncio_detailed(
        client=ada,
        body=models.PostCommand(title="Generated", body="From the document", tags=["api"]),
        idempotency_key="generated-1",
    )
    assert created.status_code == 201
    post = created.parsed
    assert isinstance(post, models.PostOut)
    assert created.headers["location"] == f"/api/v1/posts/{post.id}"

    page = await _module("api.posts.list_posts").asyncio(client=anonymous, q="generated")
    assert isinstance(page, models.PostsPageOut)
    assert [item.id for item in page.items] == [post.id]

    patched = await _module("api.posts.patch_post").asyncio_detailed(
        client=ada,
        post_id=post.id,
        body=models.PostPatch(title="Generated, patched"),
        if_match=created.headers["etag"],
    )
    assert patched.status_code == 200
    assert (patched.parsed.title, patched.parsed.version) == ("Generated, patched", 2)

    stale = await _module("api.posts.patch_post").asyncio_detailed(
        client=ada,
        post_id=post.id,
        body=models.PostPatch(title="Lost update"),
        if_match=created.headers["etag"],
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Problem)

    deleted = await _module("api.posts.delete_post").asyncio_detailed(
        client=ada, post_id=post.id, if_match=patched.headers["etag"]
    )
    assert deleted.status_code == 204
    gone = await _module("api.posts.get_post").asyncio_detailed(client=anonymous, post_id=post.id)
    assert gone.status_code == 404
