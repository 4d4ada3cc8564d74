"""The reports page: admins only, real SVG charts with their figures, CSV exports, the tenant's own data."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from frontend.charts import DURATION_STEPS, Series, axis_ticks, bar_chart, line_chart
from frontend.views.reports import format_duration
from inbox.models import ConversationStatus, Direction
from tests.conftest import page_text
from tests.inbox.factories import ChannelFactory, ConversationFactory, MessageFactory

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def busy(world, other_tenant):
    """A conversation answered after 90 s and resolved after 2 h, today; and the other tenant's."""
    now = timezone.now()
    opened = now - timedelta(hours=3)
    for tenant_world, channel_name in ((world, "=HYPERLINK(evil)"), (other_tenant, "+44 7700 900123")):
        channel = ChannelFactory.create(tenant=tenant_world.tenant, name=channel_name)
        conversation = ConversationFactory.create(
            channel=channel,
            created_at=opened,
            status=ConversationStatus.RESOLVED,
            resolved_at=opened + timedelta(hours=2),
            assignee=tenant_world.agent.user,
        )
        MessageFactory.create(conversation=conversation, direction=Direction.INBOUND, sent_at=opened)
        MessageFactory.create(
            conversation=conversation,
            direction=Direction.OUTBOUND,
            sent_at=opened + timedelta(seconds=90),
            author=tenant_world.agent.user,
        )
    return world


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_agents_are_refused_the_reports(world):
    client = world.client_for(world.agent)
    assert client.get("/t/acme/reports/").status_code == 403
    assert client.get("/t/acme/reports/?format=csv&chart=agents").status_code == 403


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admins_see_four_charts_that_are_valid_svg(busy, role):
    response = busy.client_for(getattr(busy, role)).get("/t/acme/reports/?period=7")
    assert response.status_code == 200
    page = response.content.decode()
    charts = [chunk.split("</svg>")[0] + "</svg>" for chunk in page.split('<svg class="chart"')[1:]]
    assert len(charts) == 4
    for chart in charts:
        root = ET.fromstring('<svg class="chart"' + chart)  # noqa: S314  (our own page)
        assert root.find(f"{SVG}title") is not None
        assert root.findall(f".//{SVG}text")


def test_the_page_shows_the_tenants_figures_only(busy):
    page = page_text(busy.client_for(busy.admin).get("/t/acme/reports/?period=7"))
    assert "1 min" in page  # 90 s, read as a person reads it
    assert "2 h" in page
    assert busy.agent.user.name in page
    assert "+44 7700 900123" not in page


def test_an_unknown_period_is_explained(world):
    response = world.client_for(world.admin).get("/t/acme/reports/?period=365")
    assert response.status_code == 400
    assert "Choose a period of 7, 30 or 90 days." in page_text(response)


def test_an_unknown_chart_cannot_be_exported(world):
    response = world.client_for(world.admin).get("/t/acme/reports/?format=csv&chart=secrets")
    assert response.status_code == 400


def test_conversations_per_day_as_csv(busy):
    response = busy.client_for(busy.admin).get("/t/acme/reports/?period=7&format=csv&chart=conversations")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_of(response)
    assert rows[0] == ["date", "opened", "resolved"]
    assert len(rows) == 1 + 7
    assert sum(int(row[1]) for row in rows[1:]) == 1


def test_response_times_as_csv(busy):
    rows = csv_of(busy.client_for(busy.admin).get("/t/acme/reports/?format=csv&chart=response_times"))
    assert rows == [
        ["measure", "p50_seconds", "p90_seconds", "measured"],
        ["first_response", "90.0", "90.0", "1"],
        ["resolution", "7200.0", "7200.0", "1"],
    ]


def test_a_name_that_looks_like_a_formula_is_exported_as_text(busy):
    rows = csv_of(busy.client_for(busy.admin).get("/t/acme/reports/?format=csv&chart=channels"))
    assert rows == [["channel", "inbound", "outbound"], ["'=HYPERLINK(evil)", "1", "1"]]


def test_agents_as_csv(busy):
    rows = csv_of(busy.client_for(busy.admin).get("/t/acme/reports/?format=csv&chart=agents"))
    assert rows[1] == [busy.agent.user.name, busy.agent.user.email, "1", "1"]


def test_the_page_takes_a_fixed_number_of_queries(busy, django_assert_max_num_queries):
    client = busy.client_for(busy.admin)
    with django_assert_max_num_queries(20):
        client.get("/t/acme/reports/?period=90")


# The chart builders and the duration format


def test_axis_ticks_are_round_and_cover_the_maximum():
    assert axis_ticks(0) == [0, 1]
    assert axis_ticks(7) == [0, 2, 4, 6, 8]
    assert axis_ticks(48) == [0, 10, 20, 30, 40, 50]
    assert axis_ticks(5400, steps=DURATION_STEPS) == [0, 1800, 3600, 5400]


def test_chart_labels_are_escaped():
    svg = bar_chart(chart_id="c", title="<t>", categories=["<script>"], series=[Series("<s>", [3], "series-1")])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    ET.fromstring(svg)  # noqa: S314  (built here)


def test_a_line_chart_has_one_point_per_day_and_series():
    svg = line_chart(chart_id="c", title="t", x_labels=["a", "b", "c"], series=[Series("x", [1, 2, 3], "series-1")] * 2)
    assert svg.count("<circle") == 6
    assert svg.count("<polyline") == 2


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (44.6, "45 s"), (90, "1 min"), (3600, "1 h"), (3900, "1 h 05 min"), (86400 * 2 + 3600, "2 d 1 h")],
)
def test_durations_read_as_a_person_reads_them(seconds, text):
    assert format_duration(seconds) == text
