"""Requests on comments that API tests share."""

from __future__ import annotations

from typing import Any

import httpx

MISSING = "01890000-0000-7000-8000-000000000000"
"""A well-formed id that names nothing."""


def comments_url(post_id: str) -> str:
    return f"/api/v1/posts/{post_id}/comments"


async def create_comment(
    client: httpx.AsyncClient, auth: dict[str, str], post_id: str, body: str = "Nice post"
) -> dict[str, Any]:
    response = await client.post(comments_url(post_id), json={"body": body}, headers=auth)
    assert response.status_code == 201, response.text
    comment: dict[str, Any] = response.json()
    return comment


async def comment_ids(client: httpx.AsyncClient, post_id: str) -> list[str]:
    page = (await client.get(comments_url(post_id))).json()
    return [item["id"] for item in page["items"]]
