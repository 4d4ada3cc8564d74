"""The conversation list pane (`inbox_list`) and its rows (`inbox_list_row`)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import page_text
from tests.inbox.factories import (
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    ConversationLabelFactory,
    LabelFactory,
    MessageFactory,
    TeamFactory,
)

LIST_URL = "/t/acme/inbox/list/"


@pytest.fixture
def channel(world):
    return ChannelFactory.create(tenant=world.tenant)


@pytest.fixture
def agent(world) -> Client:
    return world.client_for(world.agent)


def talk(channel, name: str = "Anna Müller", minutes_ago: int = 0, **fields):
    contact = ContactFactory.create(tenant=channel.tenant, profile_name=name)
    fields.setdefault("last_message_at", timezone.now() - timedelta(minutes=minutes_ago))
    return ConversationFactory.create(channel=channel, contact=contact, **fields)


def row_ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [int(found) for found in re.findall(r'data-conversation-id="(\d+)"', response.content.decode())]


def test_a_row_shows_what_the_agent_needs(world, channel, agent):
    support = TeamFactory.create(tenant=world.tenant, name="Support")
    conversation = talk(
        channel, assignee=world.agent.user, team=support, unread_count=2,
        last_inbound_at=timezone.now() - timedelta(hours=20, minutes=30),
    )  # fmt: skip
    MessageFactory.create(conversation=conversation, text="Where is my order?")
    ConversationLabelFactory.create(
        conversation=conversation, label=LabelFactory.create(tenant=world.tenant, name="vip")
    )

    page = page_text(agent.get(LIST_URL))

    row = re.search(rf'<li id="conversation-{conversation.pk}".*?</li>', page, re.S)[0]
    assert f'data-conversation-id="{conversation.pk}"' in row
    assert re.search(r'data-last-activity="\d{4}-\d\d-\d\dT[\d:.]+\+00:00"', row)
    assert f'href="/t/acme/inbox/{conversation.pk}/?view=mine&status=open"' in row
    assert "Anna Müller" in row
    assert "Where is my order?" in row
    assert '<span class="unread-count">2' in row
    assert "3 hours left" in row
    assert "vip" in row
    assert f"{world.agent.user.name} · Support" in row


def test_a_closed_window_and_an_answer_of_ours(world, channel, agent):
    conversation = talk(channel, last_inbound_at=timezone.now() - timedelta(days=2))
    MessageFactory.create(conversation=conversation, direction="out", text="Thanks, bye!")
    page = page_text(agent.get(f"{LIST_URL}?view=all"))
    assert "Window closed" in page
    assert "You: Thanks, bye!" in re.sub(r"<[^>]+>", "", page)
    assert "Unassigned" in page


def test_the_contacts_names_are_escaped(world, channel, agent):
    talk(channel, name="<script>alert(1)</script>")
    content = agent.get(f"{LIST_URL}?view=all").content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_an_agent_with_open_conversations_starts_on_mine(world, channel, agent):
    mine = talk(channel, assignee=world.agent.user, minutes_ago=5)
    talk(channel, "Someone else's", assignee=world.admin.user)
    assert row_ids(agent.get(LIST_URL)) == [mine.pk]
    assert 'value="mine" checked' in page_text(agent.get(LIST_URL))


def test_an_agent_without_open_conversations_starts_on_all(world, channel, agent):
    talk(channel, assignee=world.agent.user, status="resolved")
    others = talk(channel, "Someone else's", assignee=world.admin.user)
    assert row_ids(agent.get(LIST_URL)) == [others.pk]
    assert 'value="all" checked' in page_text(agent.get(LIST_URL))


def test_filters_come_from_the_query_string(world, channel, agent):
    vip = LabelFactory.create(tenant=world.tenant, name="vip")
    sales = TeamFactory.create(tenant=world.tenant, name="Sales")
    wanted = talk(channel, "Anna Müller", status="pending", team=sales)
    ConversationLabelFactory.create(conversation=wanted, label=vip)
    talk(channel, "Anna Müller", status="pending", team=sales)
    talk(channel, "Anna Müller", status="open", team=sales)
    response = agent.get(f"{LIST_URL}?view=unassigned&status=pending&label={vip.pk}&team={sales.pk}&q=muller")
    assert row_ids(response) == [wanted.pk]
    page = page_text(response)
    assert f'<option value="{vip.pk}" selected>vip</option>' in page
    assert f'<option value="{sales.pk}" selected>Sales</option>' in page
    assert '<option value="pending" selected>' in page
    assert 'value="muller"' in page
    assert f'data-query="view=unassigned&status=pending&label={vip.pk}&team={sales.pk}&q=muller"' in page


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("view=everything", "There is no view “everything”: showing all conversations."),
        ("status=closed", "There is no status “closed”: showing open conversations."),
        ("label=99999999", "That label doesn't exist (any more): showing every label."),
        ("team=abc", "That team doesn't exist (any more): showing every team."),
        ("cursor=not-a-cursor", "That page of the list is out of date: showing the first page."),
        ("q=" + "x" * 101, "Search for at most 100 characters: showing every conversation."),
    ],
)
def test_a_filter_that_cant_apply_is_left_out_with_a_notice(world, channel, agent, query, notice):
    conversation = talk(channel)
    response = agent.get(f"{LIST_URL}?view=all&{query}")
    assert row_ids(response) == [conversation.pk]
    assert notice in page_text(response)


def test_another_workspaces_label_is_left_out_and_shows_nothing_of_theirs(world, channel, agent, other_tenant):
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant)
    their_label = LabelFactory.create(tenant=other_tenant.tenant, name="globex-secret")
    ConversationLabelFactory.create(conversation=theirs, label=their_label)
    mine = talk(channel)
    response = agent.get(f"{LIST_URL}?view=all&label={their_label.pk}")
    assert row_ids(response) == [mine.pk]
    assert "globex-secret" not in page_text(response)


def test_never_lists_another_workspaces_conversations(world, channel, agent, other_tenant):
    mine = talk(channel, "Anna Müller")
    theirs = ConversationFactory.create(
        channel__tenant=other_tenant.tenant,
        contact=ContactFactory.create(tenant=other_tenant.tenant, profile_name="Anna Müller"),
    )
    MessageFactory.create(conversation=theirs, text="Anna's secret order")
    assert row_ids(agent.get(f"{LIST_URL}?view=all")) == [mine.pk]
    assert row_ids(agent.get(f"{LIST_URL}?view=all&q=anna")) == [mine.pk]
    assert row_ids(agent.get(f"{LIST_URL}?view=all&q=secret")) == []


def test_load_more_follows_the_cursor(world, channel, agent, monkeypatch):
    monkeypatch.setattr("frontend.views.inbox_list.PAGE_SIZE", 2)
    newest_first = [talk(channel, f"Customer {n}", minutes_ago=n).pk for n in range(5)]
    seen, url = [], f"{LIST_URL}?view=all"
    while url:
        response = agent.get(url, headers={"HX-Request": "true"})
        seen += row_ids(response)
        found = re.search(r'hx-get="([^"]+)"[^>]*hx-target="closest li"', response.content.decode())
        url = found[1].replace("&amp;", "&") if found else None
    assert seen == newest_first


def test_load_more_works_without_javascript(world, channel, agent, monkeypatch):
    monkeypatch.setattr("frontend.views.inbox_list.PAGE_SIZE", 1)
    talk(channel, minutes_ago=1)
    talk(channel, minutes_ago=2)
    page = page_text(agent.get(f"{LIST_URL}?view=all"))
    assert re.search(r'<a class="button small" href="/t/acme/inbox/\?view=all&status=open&cursor=\w+"', page)


def test_a_filter_change_puts_the_filters_in_the_pages_address(world, channel, agent):
    response = agent.get(f"{LIST_URL}?view=unassigned&status=pending&q=anna", headers={"HX-Request": "true"})
    assert response["HX-Replace-Url"] == "/t/acme/inbox/?view=unassigned&status=pending&q=anna"
    opened = talk(channel)
    response = agent.get(
        f"{LIST_URL}?view=all",
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/t/acme/inbox/{opened.pk}/"},
    )
    assert response["HX-Replace-Url"] == f"/t/acme/inbox/{opened.pk}/?view=all&status=open"
    assert (
        f'<li id="conversation-{opened.pk}" class="conversation-row" data-conversation-id' in response.content.decode()
    )
    assert 'aria-current="true"' in response.content.decode()


def test_load_more_leaves_the_address_alone(world, channel, agent):
    cursor_page = agent.get(f"{LIST_URL}?view=all&cursor=MTIzLjQ1", headers={"HX-Request": "true"})
    assert "HX-Replace-Url" not in cursor_page


# One row, for live updates -------------------------------------------------------------------------


def row_url(conversation, query: str = "") -> str:
    return f"{LIST_URL}{conversation.pk}/{'?' + query if query else ''}"


def test_a_row_alone(world, channel, agent):
    conversation = talk(channel, unread_count=1)
    response = agent.get(row_url(conversation, "view=all&status=open"))
    assert response.status_code == 200
    content = response.content.decode().strip()
    assert content.startswith(f'<li id="conversation-{conversation.pk}"')
    assert content.endswith("</li>")


def test_a_row_that_left_the_list_is_no_content(world, channel, agent):
    conversation = talk(channel, status="resolved", assignee=world.admin.user)
    for query in ("status=open", "view=mine&status=resolved", "view=all&status=resolved&q=nobody"):
        assert agent.get(row_url(conversation, query)).status_code == 204, query
    assert agent.get(row_url(conversation, "view=all&status=resolved&q=anna")).status_code == 200


def test_a_row_without_filters_is_any_status(world, channel, agent):
    conversation = talk(channel, status="snoozed")
    assert agent.get(row_url(conversation)).status_code == 204  # the list's default status is open
    assert agent.get(row_url(conversation, "status=snoozed")).status_code == 200


def test_another_workspaces_row_is_not_found(world, agent, other_tenant):
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant)
    assert agent.get(row_url(theirs, "view=all")).status_code == 404
    assert agent.get(f"{LIST_URL}99999999/").status_code == 404


# Who may, and what it costs ------------------------------------------------------------------------


def test_signed_out_people_are_sent_to_sign_in(world):
    response = Client().get(LIST_URL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_member_of_another_workspace_gets_nothing(world, other_tenant, channel):
    talk(channel)
    response = other_tenant.client_for(other_tenant.agent).get(LIST_URL)
    assert response.status_code == 404


def test_posting_is_not_allowed(agent, world):
    assert agent.post(LIST_URL).status_code == 405


def test_the_pane_costs_the_same_queries_for_3_or_30_rows(world, channel, agent):
    label = LabelFactory.create(tenant=world.tenant)

    def fill(count: int) -> None:
        for n in range(count):
            conversation = talk(
                channel, f"Customer {n}", assignee=world.agent.user, team=TeamFactory.create(tenant=world.tenant)
            )
            MessageFactory.create(conversation=conversation)
            ConversationLabelFactory.create(conversation=conversation, label=label)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert agent.get(LIST_URL).status_code == 200
        return len(captured)

    agent.get(LIST_URL)  # the session's first request stores its language
    fill(3)
    few = count_queries()
    fill(27)
    assert count_queries() == few
    # The session, user and member; the labels and teams of the filters; "mine" or "all"; the page;
    # the unread notifications of the frame's context.
    assert few == 8
