"""Time to first chart in a real browser (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, text

from crm import serve_dashboards as serve
from ingest.auth.sessions import benchmark_session
from warehouse.scope import PAGES
from web.routes import SESSION_COOKIE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def time_to_first_chart(folder: Path, engine: Engine) -> dict[str, float]:
    """Per page: from navigation to the first Plotly chart drawn, signed in as an
    executive, on a warm server (one page load first)."""
    from playwright.sync_api import sync_playwright

    with engine.connect() as conn:
        executive = conn.execute(text("select id from users where role = 'executive'")).scalar()
    token = benchmark_session(int(executive), engine)
    port = serve.free_port()
    process = serve.start(folder, port)
    timings: dict[str, float] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.add_cookies(
                [{"name": SESSION_COOKIE, "value": token, "url": f"http://127.0.0.1:{port}"}]
            )
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/pipeline")
            page.wait_for_selector(".js-plotly-plot", timeout=120_000)
            for name in PAGES:
                began = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/{name}")
                page.wait_for_selector(".js-plotly-plot", timeout=120_000)
                timings[name] = round((time.perf_counter() - began) * 1000, 0)
            browser.close()
    finally:
        serve.stop(process)
    return timings
