"""The other app's address, for the links between the entry app and the dashboards.

`crm serve` starts both on one host name, the entry app on CRM_ENTRY_PORT and the
dashboards on CRM_DASHBOARDS_PORT, and one sign-in cookie covers both (web.routes). So
by default a link keeps the host name the browser used for this app and changes only the
port; CRM_ENTRY_URL / CRM_DASHBOARDS_URL name another address (a reverse proxy). A link
carries a page and its filters only: any user name or password written into a setting is
dropped.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from ingest import settings
from warehouse.scope import pages_for


def _here() -> tuple[str, str]:
    """The scheme and host name this app was opened with (localhost under AppTest)."""
    try:
        url = st.context.url
    except Exception:  # outside a Streamlit run
        url = None
    parts = urlsplit(url or "")
    return parts.scheme or "http", parts.hostname or "localhost"


def base(configured: str | None, port: int) -> str:
    """A base address without a trailing slash and without credentials; a setting that is
    no http(s) address is ignored."""
    parts = urlsplit(configured or "")
    try:
        given_port = parts.port
    except ValueError:  # not a number
        parts = urlsplit("")
        given_port = None
    if parts.scheme in ("http", "https") and parts.hostname:
        host = parts.hostname
        if ":" in host:
            host = f"[{host}]"
        netloc = host + (f":{given_port}" if given_port else "")
        return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    scheme, host = _here()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def dashboards_url(page: str = "", *, role: str | None = None, **params: object) -> str:
    """A dashboards page (`pipeline`, `health`, ...) with its filters. A role's first page
    is its default, served at the root: Streamlit answers its own name with "page not
    found", so the link for that role goes to the root."""
    if role is not None and page == pages_for(role)[0]:
        page = ""
    return _join(base(settings.dashboards_url(), settings.dashboards_port()), page, params)


def entry_url(page: str = "", **params: object) -> str:
    """An entry-app page (`project`, ...) with its query, e.g. project=12."""
    return _join(base(settings.entry_url(), settings.entry_port()), page, params)


def project_url(project_id: int) -> str:
    """The entry app's project workspace opened on one project."""
    return entry_url("project", project=int(project_id))


def _join(root: str, page: str, params: dict[str, object]) -> str:
    query = urlencode({k: str(v) for k, v in params.items() if v is not None})
    return f"{root}/{page}" + (f"?{query}" if query else "")
