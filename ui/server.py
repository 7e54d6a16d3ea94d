"""One web server: the shopper's chat at /, the staff copilot at /staff behind a login.

What it exposes, and nothing more (SECURITY.md has the whole list):
- the two Gradio pages and their APIs;
- product images by product id (`/media/product/{id}`), from the images folder only;
- files in the web folder (uploads, a session's try-on pictures) through Gradio's file route,
  to the browser session that owns them only (index/webfiles.py has the rules);
- the staff login (`/staff/login`), throttled, setting a signed cookie with an expiry.
The database, indexes, the truth file and shoppers' stored photos are never served.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
from pathlib import Path

import gradio as gr
from fastapi import FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from agent.loop import Agent
from agent.web import COOKIE, WEB_DIR, WebFiles
from shopagent.secret import secret_key
from shopagent.staff import LoginGuard, LoginRefused, LoginThrottled, issue_token, staff_from_token
from ui.copilot import build_copilot_app
from ui.shopper import build_shopper_app

STAFF_COOKIE = "shopagent_staff"
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
               ".gif": "image/gif", ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff"}
FILE_ROUTE = re.compile(r"/gradio_api/file(?:=|/)(.+)$")
UPLOAD_ROUTE = re.compile(r"/gradio_api/upload/?$")
LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>shopagent copilot: sign in</title>
<style>body{{font-family:sans-serif;max-width:24rem;margin:4rem auto}}label,input,button{{display:block;width:100%;
margin:.4rem 0}}p.err{{color:#b00}}</style></head><body><h1>Staff sign-in</h1>
<p>Customer-care staff only. Accounts are set in staff_accounts (<code>shopagent staff-password NAME</code>).</p>
{error}<form method="post" action="login"><label>Name <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></body></html>"""

SIGNED_IN = ('<!doctype html><meta http-equiv="refresh" content="0;url=./"><title>signed in</title>'
             '<p>Signed in. <a href="./">Open the copilot</a>.</p>')


def _secure(settings, request: Request) -> bool:  # noqa: ANN001 (Settings)
    if settings.cookie_secure != "auto":
        return settings.cookie_secure == "always"
    return request.url.scheme == "https"


def build_server(agent: Agent, concurrency: int = 2) -> FastAPI:
    settings = agent.settings
    data_dir = Path(settings.data_dir).resolve()
    folder = data_dir / WEB_DIR
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(folder)  # Gradio's uploads and cache live here, under the rules
    files = WebFiles(folder, settings.web_file_minutes * 60)
    files.clear()  # after a restart no one owns what is left
    secret = secret_key(settings)
    guard = LoginGuard()
    app = FastAPI()

    def staff_of(request: Request) -> tuple[str, str] | None:
        return staff_from_token(settings, secret, request.cookies.get(STAFF_COOKIE, ""))

    @app.get("/media/product/{product_id}")
    def product_image(product_id: int) -> Response:
        path = agent.services.product_image(product_id)
        media_type = IMAGE_TYPES.get(path.suffix.lower()) if path is not None else None
        if media_type is None:  # no image, or a file a feed named .html: never served as anything but an image
            return Response("no image for that product", status_code=404)
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600",
                                                                  "X-Content-Type-Options": "nosniff"})

    @app.get("/staff/login", response_class=HTMLResponse)
    @app.get("/staff/login/", response_class=HTMLResponse)
    def login_page() -> str:
        return LOGIN_PAGE.format(error="")

    @app.post("/staff/login")
    @app.post("/staff/login/")
    def login(request: Request, username: str = Form(""), password: str = Form("")) -> Response:
        address = request.client.host if request.client else ""
        try:
            role = guard.check(settings, username, password, address)
        except LoginRefused as exc:  # LoginThrottled included: 429 with when to try again
            throttled = isinstance(exc, LoginThrottled)
            return HTMLResponse(LOGIN_PAGE.format(error=f'<p class="err">{html.escape(str(exc))}.</p>'),
                                status_code=429 if throttled else 401,
                                headers={"Retry-After": str(exc.retry_after_s)} if throttled else None)
        ttl = int(settings.staff_session_hours * 3600)
        response = HTMLResponse(SIGNED_IN)  # 200, so API clients see success; a browser moves on to the page
        response.set_cookie(STAFF_COOKIE, issue_token(secret, username, role, ttl), max_age=ttl, httponly=True,
                            samesite="strict", secure=_secure(settings, request), path="/staff")
        return response

    @app.get("/staff/logout")
    def logout() -> Response:
        response = RedirectResponse("login", status_code=303)
        response.delete_cookie(STAFF_COOKIE, path="/staff")
        return response

    copilot = build_copilot_app(agent).queue(default_concurrency_limit=concurrency)
    max_bytes = int(settings.upload_max_mb * 1024 * 1024)
    gr.mount_gradio_app(app, copilot, path="/staff", show_error=False, max_file_size=max_bytes,
                        auth_dependency=lambda request: (staff_of(request) or (None,))[0])
    state_secret = hmac.new(secret, b"browser-state", hashlib.sha256).digest()
    shopper = build_shopper_app(agent, files, state_secret).queue(default_concurrency_limit=concurrency)
    gr.mount_gradio_app(app, shopper, path="", show_error=False, max_file_size=max_bytes)
    for blocks in (copilot, shopper):
        blocks.has_launched = True  # mounted apps are never "launched": Gradio's input path checks need it
    app.add_middleware(WebGuard, files=files, data_dir=data_dir, settings=settings, staff_of=staff_of)
    return app


class WebGuard:
    """ASGI middleware: gives each browser a session cookie, binds its uploads to it, and serves files
    of the web folder to their owner only (nothing else under the data directory at all)."""

    def __init__(self, app, files: WebFiles, data_dir: Path, settings, staff_of) -> None:  # noqa: ANN001
        self.app, self.files, self.data_dir, self.settings, self.staff_of = app, files, data_dir, settings, staff_of

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        owner = request.cookies.get(COOKIE, "")
        fresh = None
        if not re.fullmatch(r"[A-Za-z0-9_-]{32}", owner):  # a new browser: its id, for this request and after
            owner = fresh = WebFiles.new_owner()
            cookie = request.headers.get("cookie", "")
            scope["headers"] = [*[(k, v) for k, v in scope["headers"] if k != b"cookie"],
                                (b"cookie", f"{cookie}; {COOKIE}={owner}".lstrip("; ").encode())]
        path = scope["path"]
        if scope["method"] in ("GET", "HEAD") and path in ("/staff", "/staff/") and self.staff_of(request) is None:
            await RedirectResponse("/staff/login", status_code=303)(scope, receive, send)
            return
        found = FILE_ROUTE.search(path)
        if found and not self._may_serve(owner, found.group(1)):
            await Response("File not found.", status_code=404)(scope, receive, send)
            return
        upload = scope["method"] == "POST" and UPLOAD_ROUTE.search(path) is not None
        body: list[bytes] = []
        start: dict = {}

        async def wrapped(message: dict) -> None:
            if message["type"] == "http.response.start":
                if fresh:
                    morsel = (f"{COOKIE}={fresh}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000"
                              + ("; Secure" if _secure(self.settings, request) else ""))
                    message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", morsel.encode())]}
                if upload:
                    start.update(message)
                    return
            elif upload and message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                self._register_uploads(owner, start.get("status", 500), b"".join(body))
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(body)})
                return
            await send(message)

        await self.app(scope, receive, wrapped)

    def _may_serve(self, owner: str, path: str) -> bool:
        """Whether a file route may open path. Gradio opens os.path.abspath(path) (".." is folded as text,
        symlinks are not followed), so that is the path judged, and any ".." is refused outright: "/bin/.."
        would otherwise mean one folder here and another there."""
        try:
            if ".." in Path(path).parts or "\x00" in path:
                return False
            opened = Path(os.path.abspath(path))
            resolved = opened.resolve()
        except (OSError, ValueError):
            return False
        if self.files.holds(resolved):
            return self.files.may_read(owner, resolved)
        return not any(p == self.data_dir or self.data_dir in p.parents for p in (opened, resolved))

    def _register_uploads(self, owner: str, status: int, body: bytes) -> None:
        if status != 200:
            return
        try:
            paths = json.loads(body)
        except ValueError:
            return
        if isinstance(paths, list):
            self.files.add_uploads(owner, [p for p in paths if isinstance(p, str)])
