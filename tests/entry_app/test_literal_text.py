"""User text shows as typed: Markdown, HTML and links in names and notes stay text."""

from __future__ import annotations

import html

from markdown_it import MarkdownIt
from sqlalchemy import Engine, update

from ingest.commands.projects import close_lost
from ingest.store.models import User
from tests.support.app_widgets import shown
from tests.support.factories import make_customer, make_project
from tests.support.org import Org
from web import charts
from web.markdown import literal

HOSTILE = "[click](http://evil) ![x](http://evil/x.png) <script>alert(1)</script> **b**"
NOTE = "see [here](http://evil/note) :red[alarm] $x^2$ www.evil.example\n# not a heading"


def rendered(markdown: str) -> str:
    """The HTML a CommonMark renderer makes of a Markdown body (Streamlit's is a superset)."""
    return MarkdownIt("commonmark").enable("linkify").render(markdown)


def assert_literal(markdown: str, text: str) -> None:
    out = rendered(markdown)
    for tag in ("<a", "<img", "<script", "<strong", "<em", "<h1", "<code"):
        assert tag not in out, (tag, out)
    assert html.unescape(out.replace("<p>", "").replace("</p>", "").replace("<br />", "")) == (
        text + "\n"
    )


def test_literal_escapes_every_markdown_construct() -> None:
    for text in (HOSTILE, NOTE, "a_b_c *x* `y` | z | ~~s~~ 1. 2) - + > <b>"):
        assert_literal(literal(text), text)
        assert shown(literal(text)) == text


def test_a_hostile_project_name_and_loss_note_show_literally(app, store: Engine, company: Org):
    # The commands refuse HTML in names; rows written before that rule (or by hand) may
    # still hold it, so the factories write the name straight into the store.
    customer = make_customer(store, company.rep, HOSTILE)
    project = make_project(store, company.rep, customer, name=HOSTILE)
    close_lost(store, company.rep, project, "price_too_high", NOTE)
    with store.begin() as connection:  # the owner's name, shown on the header's cards
        connection.execute(update(User).where(User.id == company.rep).values(display_name=NOTE))
    at = app(company.rep)
    at.session_state["workspace.project_id"] = project
    at.switch_page("views/project.py").run()
    assert not at.exception, at.exception

    heading = at.subheader[0].value
    assert heading == f"#{project} {literal(HOSTILE)}"
    assert_literal(heading, f"#{project} {HOSTILE}")
    closed = at.info[0].value
    assert literal(NOTE) in closed and "[here](" not in closed
    assert "<a" not in rendered(closed) and "<h1" not in rendered(closed)
    cards = {card.label: card.value for card in at.metric}
    assert cards["Customer"] == literal(HOSTILE)
    assert_literal(cards["Customer"], HOSTILE)
    assert cards["Owner"] == literal(NOTE)
    kinds = (at.markdown, at.caption, at.info, at.subheader, at.metric)
    bodies = [e.value for kind in kinds for e in kind]
    for body in bodies:
        out = rendered(body)
        assert "<a " not in out and "<img" not in out and "<script" not in out, body


def test_chart_labels_and_hover_show_names_as_typed() -> None:
    import pandas as pd

    frame = pd.DataFrame({"customer_name": [HOSTILE, "华北<b>电网</b>"], "cost": [1.0, 2.0]})
    frame["customer_id"] = [1, 2]
    fig = charts.bars(frame, "customer_name", {"cost": "Cost"}, "en", "T", key="customer_id")
    # Plotly draws labels as a little HTML (<b>, <a href>, <br>): names go as entities,
    # long ones in lines joined by Plotly's <br> (the only markup), on the category axis
    trace = fig.data[0]
    labels = list(trace.y if trace.orientation == "h" else trace.x)
    assert all("<" not in label.replace("<br>", "") for label in labels)
    shown = ["".join(html.unescape(label.replace("<br>", "")).split()) for label in labels]
    assert shown == ["".join(HOSTILE.split()), "华北<b>电网</b>"]
    assert [c[0] for c in fig.data[0].customdata] == ["1", "2"]  # the drill keys unchanged
