"""What the apps' web server adds to Streamlit: the sign-in page, and a gate that sends
a browser without a live session there before any app page loads.

Both apps (entry, dashboards) serve these through `st.App(routes=, middleware=)`. The
session cookie is HttpOnly and SameSite=Strict, and browsers share cookies between ports
of one host, so one sign-in covers both apps. Addresses never carry a credential: a link
holds a page and its filters, and whoever opens it signs in as themselves.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.auth.sessions import forget, session_user
from ingest.auth.signin import sign_in
from ingest.commands.users import set_locale
from ingest.settings import secure_cookies, trusted_proxies
from web import signin_page
from web.i18n import DEFAULT, LANGUAGES

SESSION_COOKIE = "crm_session"
FORM_COOKIE = "crm_signin_form"
SIGNIN_PATH = "/signin"
MAX_USERNAME = 200
MAX_PASSWORD = 1_000  # a longer one is no password, only work for the hash

# Streamlit's own routes and files: everything else is a page of the app.
_NOT_PAGES = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/", "/auth/")
_PAGE_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"same-origin"),
]
_SIGNIN_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def client_address(connection: HTTPConnection) -> str:
    """The client's address; behind a trusted reverse proxy, the one it forwarded."""
    direct = connection.client.host if connection.client else "unknown"
    if direct in trusted_proxies():
        forwarded = [
            hop.strip()
            for hop in connection.headers.get("x-forwarded-for", "").split(",")
            if hop.strip()
        ]
        # The nearest hop the proxies did not add themselves is the client.
        for hop in reversed(forwarded):
            if hop not in trusted_proxies():
                return hop[:64]
    return direct[:64]


def safe_next(value: str | None) -> str:
    """A path on this server to return to after signing in; anything else goes home."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(c in value for c in "\r\n\\"):
        return "/"
    if parts.path.startswith(SIGNIN_PATH):
        return "/"
    return value


def signin_url(next_path: str) -> str:
    return f"{SIGNIN_PATH}?{urlencode({'next': next_path})}"


def _language(request: Request, chosen: str | None) -> str:
    if chosen in LANGUAGES:
        return chosen  # type: ignore[return-value]
    accepted = request.headers.get("accept-language", "").lower()
    return "en" if accepted.startswith("en") else DEFAULT


def _page(
    request: Request,
    *,
    lang: str,
    next_path: str,
    lang_chosen: bool = False,
    status: int = 200,
    username: str = "",
    error: str | None = None,
) -> Response:
    """The sign-in form with a fresh one-time form token (kept in a cookie too: a form
    posted from another site lacks it, so nobody can sign a victim in as themselves)."""
    form_token = secrets.token_urlsafe(24)
    body = signin_page.render(
        lang=lang,
        next_path=next_path,
        form_token=form_token,
        lang_chosen=lang_chosen,
        username=username,
        error=error,
    )
    response = HTMLResponse(body, status_code=status, headers=_SIGNIN_HEADERS)
    response.set_cookie(
        FORM_COOKIE,
        form_token,
        max_age=3600,
        path=SIGNIN_PATH,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(),
    )
    return response


async def show_signin(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    user = await run_in_threadpool(session_user, request.cookies.get(SESSION_COOKIE))
    if user is not None:
        return RedirectResponse(next_path, status_code=303)
    chosen = request.query_params.get("lang")
    return _page(
        request,
        lang=_language(request, chosen),
        next_path=next_path,
        lang_chosen=chosen in LANGUAGES,
    )


async def submit_signin(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    lang = _language(request, str(form.get("lang") or ""))
    lang_chosen = form.get("lang_chosen") == "1"
    next_path = safe_next(str(form.get("next") or ""))
    username = str(form.get("username") or "")[:MAX_USERNAME]
    password = str(form.get("password") or "")
    expected = request.cookies.get(FORM_COOKIE)
    posted = str(form.get("form_token") or "")

    def refused(status: int, error: str) -> Response:
        """The sign-in page again, with what was typed and why it was refused."""
        return _page(
            request,
            lang=lang,
            next_path=next_path,
            lang_chosen=lang_chosen,
            status=status,
            username=username,
            error=error,
        )

    if not expected or not secrets.compare_digest(expected, posted):
        return refused(400, "login.form_expired")
    token = None
    if username.strip() and password and len(password) <= MAX_PASSWORD:
        token = await run_in_threadpool(sign_in, username, password, client_address(request))
    if token is None:
        return refused(401, "login.failed")
    if lang_chosen:
        # A language picked on the sign-in page is a choice: it follows the user from now on.
        await run_in_threadpool(_save_language, token, lang)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, path="/", httponly=True, samesite="strict", secure=secure_cookies()
    )
    response.delete_cookie(FORM_COOKIE, path=SIGNIN_PATH)
    return response


def _save_language(token: str, lang: str) -> None:
    user = session_user(token)
    if user is not None and user.locale != lang:
        set_locale(None, user.actor.id, user.actor.id, lang, source="web")
        forget(token)  # the app's first run reads the new language


def is_page(path: str) -> bool:
    """A request for an app page (the HTML of a Streamlit page), not one of its files."""
    if path.startswith(_NOT_PAGES) or path.startswith(SIGNIN_PATH):
        return False
    return "." not in path.rsplit("/", 1)[-1]


class SignInGate:
    """Sends a page request without a live session to the sign-in page (and back after),
    and forbids framing the app's pages (no clickjacking of forms)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = request.cookies.get(SESSION_COOKIE)
        if await run_in_threadpool(session_user, token) is None:
            target = scope["path"] + (f"?{request.url.query}" if request.url.query else "")
            response = RedirectResponse(signin_url(safe_next(target)), status_code=303)
            if token:
                response.delete_cookie(SESSION_COOKIE, path="/")
            await response(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_PAGE_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def routes() -> list[Route]:
    return [
        Route(SIGNIN_PATH, show_signin, methods=["GET"]),
        Route(SIGNIN_PATH, submit_signin, methods=["POST"]),
    ]


def middleware() -> list[Middleware]:
    return [Middleware(SignInGate)]
