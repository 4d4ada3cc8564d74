"""The conversation list (inbox.selectors.conversation_list), its search, and the API's same filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbox import search, selectors
from inbox.models import Contact, ConversationStatus, Direction, Message, MessageType
from inbox.search import InvalidSearch, search_terms
from inbox.selectors import InvalidListFilter, ListView, conversation_list, list_cursor
from tests.accounts.test_api import assert_envelope
from tests.inbox.factories import (
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    ConversationLabelFactory,
    LabelFactory,
    MessageFactory,
    TeamFactory,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def channel(world):
    return ChannelFactory.create(tenant=world.tenant)


def conversation(channel, minutes: int = 0, **fields):
    """A conversation whose last activity is T0 + `minutes`."""
    fields.setdefault("last_message_at", T0 + timedelta(minutes=minutes))
    return ConversationFactory.create(channel=channel, created_at=T0 - timedelta(days=1), **fields)


def named(channel, name: str, minutes: int = 0, contact_fields: dict | None = None, **fields):
    contact = ContactFactory.create(tenant=channel.tenant, profile_name=name, **(contact_fields or {}))
    return conversation(channel, minutes, contact=contact, **fields)


def listed(world, **filters) -> list[int]:
    filters.setdefault("user", world.agent.user)
    page = conversation_list(tenant=world.tenant, now=T0, **filters)
    return [row.id for row in page.rows]


# Views, filters, order -----------------------------------------------------------------------------


def test_views_are_mine_unassigned_and_all(world, channel):
    mine = conversation(channel, 1, assignee=world.agent.user)
    colleagues = conversation(channel, 2, assignee=world.admin.user)
    nobodys = conversation(channel, 3)
    assert listed(world, view=ListView.MINE) == [mine.pk]
    assert listed(world, view=ListView.UNASSIGNED) == [nobodys.pk]
    assert listed(world, view=ListView.ALL) == [nobodys.pk, colleagues.pk, mine.pk]


@pytest.mark.parametrize("status", ConversationStatus.values)
def test_status_filter_shows_only_that_status(world, channel, status):
    wanted = conversation(channel, status=status)
    for other in set(ConversationStatus.values) - {status}:
        conversation(channel, status=other)
    assert listed(world, status=status) == [wanted.pk]


def test_label_filter(world, channel):
    vip = LabelFactory.create(tenant=world.tenant, name="vip")
    labelled = conversation(channel, 1)
    ConversationLabelFactory.create(conversation=labelled, label=vip)
    conversation(channel, 2)
    assert listed(world, label_id=vip.pk) == [labelled.pk]


def test_another_tenants_label_or_team_matches_nothing(world, channel, other_tenant):
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant)
    their_label = LabelFactory.create(tenant=other_tenant.tenant)
    ConversationLabelFactory.create(conversation=theirs, label=their_label)
    their_team = TeamFactory.create(tenant=other_tenant.tenant)
    conversation(channel, team=None)
    assert listed(world, label_id=their_label.pk) == []
    assert listed(world, team_id=their_team.pk) == []


def test_team_filter(world, channel):
    support = TeamFactory.create(tenant=world.tenant, name="Support")
    sales = TeamFactory.create(tenant=world.tenant, name="Sales")
    supported = conversation(channel, 1, team=support)
    conversation(channel, 2, team=sales)
    conversation(channel, 3)
    assert listed(world, team_id=support.pk) == [supported.pk]


def test_filters_combine(world, channel):
    vip = LabelFactory.create(tenant=world.tenant)
    wanted = named(channel, "Anna Müller", assignee=world.agent.user, status="pending")
    ConversationLabelFactory.create(conversation=wanted, label=vip)
    named(channel, "Anna Müller", assignee=world.agent.user, status="open")  # wrong status
    named(channel, "Anna Schmidt", assignee=world.agent.user, status="pending")  # wrong name
    assert listed(world, view="mine", status="pending", label_id=vip.pk, search="anna") == [wanted.pk]


def test_latest_activity_first_and_ties_by_newest_id(world, channel):
    older = conversation(channel, 1)
    tie_low = conversation(channel, 5)
    tie_high = conversation(channel, 5)
    newest = conversation(channel, 9)
    assert listed(world) == [newest.pk, tie_high.pk, tie_low.pk, older.pk]


def test_a_conversation_without_messages_counts_from_its_creation(world, channel):
    talked = conversation(channel, 10)
    fresh = ConversationFactory.create(channel=channel, last_message_at=None, created_at=T0 + timedelta(minutes=20))
    stale = ConversationFactory.create(channel=channel, last_message_at=None, created_at=T0 - timedelta(days=9))
    assert listed(world) == [fresh.pk, talked.pk, stale.pk]
    (row,) = conversation_list(tenant=world.tenant, user=None, conversation_id=fresh.pk, now=T0).rows
    assert row.last_activity_at == T0 + timedelta(minutes=20)


def test_never_shows_another_tenants_conversations(world, channel, other_tenant):
    mine = named(channel, "Anna Müller")
    ConversationFactory.create(
        channel__tenant=other_tenant.tenant,
        contact=ContactFactory.create(tenant=other_tenant.tenant, profile_name="Anna Müller"),
    )
    assert listed(world) == [mine.pk]
    assert listed(world, search="Anna") == [mine.pk]


def test_conversation_id_gives_that_row_only_when_it_passes_the_filters(world, channel):
    wanted = conversation(channel, status="open")
    conversation(channel, 5, status="open")
    assert listed(world, conversation_id=wanted.pk, status="open") == [wanted.pk]
    assert listed(world, conversation_id=wanted.pk, status="resolved") == []


def test_default_view_is_mine_when_the_agent_has_open_conversations(world, channel):
    agent = world.agent.user
    conversation(channel, assignee=agent, status="resolved")
    assert selectors.default_list_view(tenant=world.tenant, user=agent) == ListView.ALL
    conversation(channel, assignee=agent, status="open")
    assert selectors.default_list_view(tenant=world.tenant, user=agent) == ListView.MINE


# Pages -------------------------------------------------------------------------------------------


def test_pages_follow_each_other_without_gaps_or_repeats(world, channel):
    created = [conversation(channel, minutes % 4) for minutes in range(11)]  # many ties
    expected = listed(world)
    seen, cursor, pages = [], None, 0
    while True:
        page = conversation_list(tenant=world.tenant, user=None, limit=3, cursor=cursor, now=T0)
        seen += [row.id for row in page.rows]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    assert sorted(seen) == sorted(c.pk for c in created)
    assert pages == 4


def test_a_page_exactly_full_has_no_next_cursor(world, channel):
    for minutes in range(3):
        conversation(channel, minutes)
    assert conversation_list(tenant=world.tenant, user=None, limit=3, now=T0).next_cursor is None


def test_new_activity_does_not_repeat_rows_on_the_next_page(world, channel):
    rows = [conversation(channel, minutes) for minutes in range(4)]
    first = conversation_list(tenant=world.tenant, user=None, limit=2, now=T0)
    conversation(channel, 60)  # a customer writes: a new row at the top
    second = conversation_list(tenant=world.tenant, user=None, limit=2, cursor=first.next_cursor, now=T0)
    assert [row.id for row in second.rows] == [rows[1].pk, rows[0].pk]


@pytest.mark.parametrize(
    "cursor", ["garbage", "!!!", "MTIz", list_cursor(last_activity_at=T0, conversation_id=1)[:-3] + "@@@", "é"]
)
def test_a_bad_cursor_is_refused(world, channel, cursor):
    with pytest.raises(InvalidListFilter) as refused:
        conversation_list(tenant=world.tenant, user=None, cursor=cursor)
    assert refused.value.field == "cursor"


def test_a_cursor_is_opaque_and_round_trips(world, channel):
    for minutes in range(3):
        conversation(channel, minutes)
    cursor = conversation_list(tenant=world.tenant, user=None, limit=1, now=T0).next_cursor
    assert cursor is not None
    assert cursor.isascii()
    assert "=" not in cursor
    assert selectors._list_position(cursor) == (T0 + timedelta(minutes=2), listed(world)[0])


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"view": "everything"}, "view"),
        ({"view": "mine", "user": None}, "view"),
        ({"status": "closed"}, "status"),
        ({"search": "x" * 101}, "q"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
    ],
)
def test_bad_filters_are_refused_with_the_field(world, filters, field):
    filters.setdefault("user", world.agent.user)
    with pytest.raises(InvalidListFilter) as refused:
        conversation_list(tenant=world.tenant, **filters)
    assert refused.value.field == field


# Rows --------------------------------------------------------------------------------------------


def test_row_preview_is_the_last_message_but_never_a_reaction(world, channel):
    talk = conversation(channel)
    MessageFactory.create(conversation=talk, text="Where is my order?", sent_at=T0)
    answer_at, reaction_at = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)
    MessageFactory.create(conversation=talk, direction=Direction.OUTBOUND, text="On its way!", sent_at=answer_at)
    MessageFactory.create(conversation=talk, type=MessageType.REACTION, text="👍", sent_at=reaction_at)
    (row,) = conversation_list(tenant=world.tenant, user=None, now=T0).rows
    assert (row.preview.text, row.preview.is_outbound) == ("On its way!", True)


def test_row_preview_is_cut_and_names_media_without_caption(world, channel):
    long_one, photo = conversation(channel, 1), conversation(channel, 2)
    MessageFactory.create(conversation=long_one, text="é" * 500)
    MessageFactory.create(conversation=photo, type=MessageType.IMAGE, text="")
    rows = {row.id: row for row in conversation_list(tenant=world.tenant, user=None, now=T0).rows}
    assert rows[long_one.pk].preview.text == "é" * selectors.PREVIEW_LENGTH
    assert (rows[photo.pk].preview.text, rows[photo.pk].preview.type_label) == ("", "Image")


def test_row_has_labels_by_name_assignee_team_unread_and_window(world, channel):
    support = TeamFactory.create(tenant=world.tenant, name="Support")
    talk = conversation(
        channel, assignee=world.agent.user, team=support, unread_count=3, last_inbound_at=T0 - timedelta(hours=20)
    )
    for name in ("vip", "Bug", "refund"):
        ConversationLabelFactory.create(conversation=talk, label=LabelFactory.create(tenant=world.tenant, name=name))
    (row,) = conversation_list(tenant=world.tenant, user=None, now=T0).rows
    assert [label.name for label in row.labels] == ["Bug", "refund", "vip"]
    assert row.labels[0].css_color == "#b42318"
    assert (row.assignee_name, row.team_name, row.unread_count) == (world.agent.user.name, "Support", 3)
    assert (row.status, row.status_label) == ("open", "Open")
    assert row.window.is_open
    assert row.window.expires_at == T0 + timedelta(hours=4)


def test_window_is_closed_24_hours_after_the_customer_wrote(world, channel):
    conversation(channel, last_inbound_at=T0 - timedelta(hours=24))
    (row,) = conversation_list(tenant=world.tenant, user=None, now=T0).rows
    assert not row.window.is_open


def test_a_label_colour_that_is_not_a_colour_never_reaches_a_style(world, channel):
    talk = conversation(channel)
    odd = LabelFactory.create(tenant=world.tenant, color="red;a:b")
    ConversationLabelFactory.create(conversation=talk, label=odd)
    (row,) = conversation_list(tenant=world.tenant, user=None, now=T0).rows
    assert row.labels[0].css_color == selectors.DEFAULT_LABEL_COLOR


# Query counts and plans ----------------------------------------------------------------------------


def fill(world, channel, count: int) -> int:
    """`count` conversations of the agent's, each with a team, a message and a label (its id returned)."""
    vip = LabelFactory.create(tenant=world.tenant)
    for n in range(count):
        team = TeamFactory.create(tenant=world.tenant)
        talk = named(channel, f"Anna {n}", minutes=n, assignee=world.agent.user, team=team)
        MessageFactory.create(conversation=talk, text=f"order {n}")
        ConversationLabelFactory.create(conversation=talk, label=vip)
    return vip.pk


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(
    "case",
    [
        ({}, 1),
        ({"view": "mine", "status": "open", "label_id": "vip"}, 1),
        # The matching contacts, the planner's estimates of the word's messages and of the tenant's,
        # the page (a tenant this small: its messages are checked in list order).
        ({"search": "anna"}, 4),
        ({"search": "order 1", "label_id": "vip"}, 5),  # an estimate for each word
        ({"search": "+49 151"}, 5),  # digits of a phone, and words of a message too
    ],
)
def test_a_page_costs_the_same_queries_whatever_its_size(world, channel, django_assert_num_queries, count, case):
    vip = fill(world, channel, count)
    filters, queries = case
    filters = {name: vip if value == "vip" else value for name, value in filters.items()}
    with django_assert_num_queries(queries):
        page = conversation_list(tenant=world.tenant, user=world.agent.user, now=T0, **filters)
        assert all(row.contact_name and row.assignee_name and row.team_name for row in page.rows)


def test_a_rare_word_lists_the_conversations_of_its_messages(world, channel, monkeypatch):
    # As in a large tenant, where a word is in a few of its million messages.
    monkeypatch.setattr(search, "_estimated_messages", lambda tenant_id, word: 3)
    monkeypatch.setattr(search, "estimated_rows", lambda queryset: 10**6)
    found = named(channel, "Anna", minutes=1)
    MessageFactory.create(conversation=found, text="Die Quittung, bitte")
    named(channel, "Ben", minutes=2)
    with CaptureQueriesContext(connection) as captured:
        assert listed(world, search="quittung") == [found.pk]
    _contacts, message_conversations, page = (query["sql"] for query in captured.captured_queries)
    assert "DISTINCT" in message_conversations
    assert "= ANY(" in page


def test_a_word_most_messages_have_is_checked_in_list_order(world, channel, monkeypatch):
    # As when the statistics say most messages have the word: no list of ids, a check per row.
    monkeypatch.setattr(search, "estimated_rows", lambda queryset: 10**9)
    older, newer = named(channel, "Anna", minutes=1), named(channel, "Ben", minutes=2)
    for talk in (older, newer):
        MessageFactory.create(conversation=talk, text="Where is my order?")
    named(channel, "Carl", minutes=3)
    with CaptureQueriesContext(connection) as captured:
        assert listed(world, search="order") == [newer.pk, older.pk]
    assert "LIMIT 1) IS NOT NULL" in captured.captured_queries[-1]["sql"]


def test_more_matches_than_the_statistics_said_are_checked_in_list_order(world, channel, monkeypatch):
    monkeypatch.setattr(search, "MATCHED_MESSAGES_LISTED", 1)
    talks = [named(channel, f"Customer {n}", minutes=n) for n in range(3)]
    for talk in talks:
        MessageFactory.create(conversation=talk, text="Kaffeemühle defekt")
    assert listed(world, search="kaffeemuhle defekt") == [t.pk for t in reversed(talks)]


def test_many_matching_contacts_are_checked_in_list_order(world, channel, monkeypatch):
    monkeypatch.setattr(search, "MATCHED_CONTACTS_LISTED", 1)
    annas = [named(channel, "Anna", minutes=n) for n in range(3)]
    named(channel, "Ben")
    assert listed(world, search="anna") == [t.pk for t in reversed(annas)]


def plan_of(sql: str, params: tuple = ()) -> str:
    with connection.cursor() as cursor:
        # The test tables are tiny: only with sequential scans and sorts forbidden does a plan show
        # which index can give the rows in the list's order (and so that its expressions match).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


def list_plan(world, **filters) -> str:
    with CaptureQueriesContext(connection) as captured:
        conversation_list(tenant=world.tenant, user=world.agent.user, now=T0, **filters)
    (query,) = captured.captured_queries
    return plan_of(query["sql"])


@pytest.mark.parametrize(
    "filters",
    [{}, {"status": "open"}, {"view": "mine", "status": "open"}, {"view": "unassigned"}, {"team_id": 1}],
)
def test_each_view_reads_an_index_in_list_order(world, channel, filters):
    # Which of the list indexes is the planner's choice on data (bench/inbox.py shows it on 100k
    # conversations); here, that the list's order is an index's, so no page ever sorts the tenant.
    fill(world, channel, 3)
    plan = list_plan(world, **filters)
    assert "Index Scan using conversation_list_" in plan, plan


def test_a_next_page_starts_inside_the_index(world, channel):
    fill(world, channel, 3)
    plan = list_plan(world, status="open", cursor=list_cursor(last_activity_at=T0, conversation_id=2))
    assert any("Index Cond" in line and "ROW(COALESCE" in line for line in plan.splitlines()), plan


@pytest.mark.parametrize(
    ("model", "condition", "index"),
    [
        (Contact, "words", "contact_search_index"),
        (Contact, "digits", "contact_search_index"),
        (Message, "words", "message_search_index"),
    ],
)
def test_each_search_reads_its_index(world, model, condition, index):
    terms = search_terms("Müller 0151 2345")
    tokens = {"words": terms.word_tokens(world.tenant.pk), "digits": terms.word_tokens(world.tenant.pk)[:1]}
    # Across tenants on purpose: only the search condition is left to choose an index for.
    query = model.objects.unscoped().filter(search_index__contains=tokens[condition])
    assert f"Bitmap Index Scan on {index}" in plan_of(*query.query.sql_with_params())


# Search --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("müller", True),
        ("muller", True),  # accents are folded
        ("MÜLL", True),  # any case, and a word's start
        ("anna müller", True),  # every word
        ("anna schmidt", False),
        ("nna", False),  # names match from a word's start
        ("françois", False),
    ],
)
def test_search_finds_contact_names(world, channel, search, found):
    anna = named(channel, "Anna Müller")
    assert listed(world, search=search) == ([anna.pk] if found else [])


@pytest.mark.parametrize(
    ("name", "search"),
    [("François Lefèvre", "francois lefevre"), ("Jürgen Groß", "jurgen gross"), ("Zoë", "zoe"), ("Hélène", "HELENE")],
)
def test_search_folds_french_and_german_letters(world, channel, name, search):
    found = named(channel, name)
    assert listed(world, search=search) == [found.pk]


def test_row_names_the_contact_as_the_contact_page_does(world, channel):
    for fields in ({"name": "Lisa"}, {"profile_name": "Lisa"}, {"phone": "+4915100000001"}, {"wa_id": "4915100000002"}):
        blank = {"name": "", "profile_name": "", "phone": "", "wa_id": ""}
        contact = ContactFactory.create(tenant=world.tenant, **(blank | fields))
        talk = conversation(channel, contact=contact)
        (row,) = conversation_list(tenant=world.tenant, user=None, conversation_id=talk.pk, now=T0).rows
        assert row.contact_name == contact.display_name


def test_an_assignee_without_a_name_shows_by_email(world, channel):
    world.agent.user.name = ""
    world.agent.user.save()
    conversation(channel, assignee=world.agent.user)
    (row,) = conversation_list(tenant=world.tenant, user=None, now=T0).rows
    assert row.assignee_name == world.agent.user.email


def test_search_finds_the_name_an_agent_gave_too(world, channel):
    talk = conversation(
        channel, contact=ContactFactory.create(tenant=world.tenant, name="Lisa (VIP)", profile_name="L")
    )
    assert listed(world, search="lisa") == [talk.pk]


@pytest.mark.parametrize("search", ["+49 151 2345", "4915123456789", "6789", "(151) 23-45"])
def test_search_finds_phone_digits_anywhere(world, channel, search):
    found = named(channel, "Anna", contact_fields={"phone": "+4915123456789", "wa_id": "4915123456789"})
    named(channel, "Ben", contact_fields={"phone": "+33612000000", "wa_id": "33612000000"})
    assert listed(world, search=search) == [found.pk]


def test_search_finds_message_text_and_says_each_conversation_once(world, channel):
    talk = named(channel, "Anna")
    for body in ("Die Kaffeemühle ist defekt", "Kaffeemühle: wann kommt die neue?"):
        MessageFactory.create(conversation=talk, text=body)
    other = named(channel, "Ben")
    MessageFactory.create(conversation=other, text="Where is my order?")
    assert listed(world, search="kaffeemuhle") == [talk.pk]
    assert listed(world, search="ORDER") == [other.pk]


def test_search_by_name_or_message_keeps_the_list_order_and_pages(world, channel):
    by_name = [named(channel, "Quentin", minutes=n) for n in (1, 3, 5)]
    by_text = [named(channel, "Other", minutes=n) for n in (2, 4, 6)]
    for talk in by_text:
        MessageFactory.create(conversation=talk, text="quentin said hello")
    MessageFactory.create(conversation=by_name[0], text="quentin here")  # both ways: listed once
    first = conversation_list(tenant=world.tenant, user=None, search="quentin", limit=4, now=T0)
    second = conversation_list(
        tenant=world.tenant, user=None, search="quentin", limit=4, cursor=first.next_cursor, now=T0
    )
    expected = [c.pk for c in sorted(by_name + by_text, key=lambda c: c.last_message_at, reverse=True)]
    assert [row.id for row in first.rows + second.rows] == expected
    assert second.next_cursor is None


def test_search_never_finds_another_tenants_messages(world, channel, other_tenant):
    theirs = ConversationFactory.create(channel__tenant=other_tenant.tenant)
    MessageFactory.create(conversation=theirs, text="Globex secret")
    assert listed(world, search="globex") == []


@pytest.mark.parametrize("search", ["", "   ", "?!", "--", "+"])
def test_a_search_with_nothing_to_look_for_filters_nothing(world, channel, search):
    talk = conversation(channel)
    assert listed(world, search=search) == [talk.pk]


def test_search_words_are_never_query_syntax(world, channel):
    talk = named(channel, "Anna")
    for text in ("anna & !", "anna:*|", "'anna'", "anna)(", "anna\\", "<anna>"):
        assert listed(world, search=text) == [talk.pk], text


def test_search_terms():
    terms = search_terms("  Müller, +49 (151) ")
    assert terms is not None
    assert terms.words == ("muller", "49", "151")  # folded as the index is
    assert terms.digits == ""  # not a phone number as a whole
    assert search_terms("+49 (151) 23-45").digits == "491512345"
    assert search_terms("12").digits == ""  # too short: the index has runs of 3 digits and more
    assert search_terms("a a Á").words == ("a",)
    assert len(search_terms(" ".join(f"w{n}" for n in range(20))).words) == 8
    with pytest.raises(InvalidSearch):
        search_terms("x" * 101)


# The API's same filters ----------------------------------------------------------------------------


@pytest.fixture
def api(world):
    return world.api_client()


def api_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_api_filters_by_label_team_and_search(api, world, channel):
    vip = LabelFactory.create(tenant=world.tenant)
    support = TeamFactory.create(tenant=world.tenant)
    wanted = named(channel, "Anna Müller", team=support)
    ConversationLabelFactory.create(conversation=wanted, label=vip)
    named(channel, "Anna Müller", team=support)
    ben = named(channel, "Ben", team=support)
    query = f"label={vip.pk}&team={support.pk}&q=muller"
    assert api_ids(api.get(f"/api/v1/conversations/?{query}")) == [wanted.pk]
    assert api_ids(api.get("/api/v1/conversations/?q=ben")) == [ben.pk]


@pytest.mark.parametrize("parameter", ["label", "team"])
def test_api_refuses_another_tenants_label_or_team_like_a_missing_one(api, other_tenant, parameter):
    factory = LabelFactory if parameter == "label" else TeamFactory
    theirs = factory.create(tenant=other_tenant.tenant)
    for value in (theirs.pk, 99999999):
        response = api.get(f"/api/v1/conversations/?{parameter}={value}")
        assert_envelope(response, 400, "validation_error")
        assert response.json()["error"]["details"] == {parameter: [f"There is no {parameter} with this id."]}


@pytest.mark.parametrize("query", ["q=" + "x" * 101, "label=abc", "team=0", "label=99999999999999999999"])
def test_api_refuses_bad_filters(api, query):
    assert_envelope(api.get(f"/api/v1/conversations/?{query}"), 400, "validation_error")


def test_api_blank_search_lists_everything(api, world, channel):
    talk = conversation(channel)
    assert api_ids(api.get("/api/v1/conversations/?q=%20")) == [talk.pk]
