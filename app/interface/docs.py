"""/docs (Swagger UI) and /redoc served with their assets from an installed package, so
they render on a machine without internet, where FastAPI's defaults load from a CDN.

The assets come from `fastapi-offline`'s static files (Swagger UI, ReDoc); nothing of
that package runs. The OAuth2 password flow of Swagger UI's Authorize button signs in at
`/api/v1/auth/token` and sends the token on "Try it out".
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

DOCS = "/docs"
REDOC = "/redoc"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
ASSETS = "/docs/assets"


def _assets_directory() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def install_docs(api: FastAPI) -> None:
    """Call with an app built with `docs_url=None, redoc_url=None`."""
    api.mount(ASSETS, StaticFiles(directory=_assets_directory()), name="docs-assets")
    openapi_url = api.openapi_url or "/openapi.json"

    @api.get(DOCS, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{api.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            swagger_ui_parameters=api.swagger_ui_parameters,
        )

    @api.get(OAUTH2_REDIRECT, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @api.get(REDOC, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{api.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
