"""The inbox page and its thread: every message type rendered safely, notes and events among the
messages, older pages, and sending from the composer (text, files, templates, retries), as the
browser's script and as plain forms. Also the pure rules behind it (retry, canned responses)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox import selectors
from inbox.models import (
    Activity,
    ActivityKind,
    CannedResponse,
    Conversation,
    Direction,
    Message,
    MessageStatus,
    MessageType,
    OutboxEntry,
    TenantEvent,
    UploadedMedia,
)
from inbox.policy import canned_response_text, retry_can_help
from inbox.services.conversations import note_add
from tests.accounts.factories import TenantOwnedFactory
from tests.conftest import TenantWorld, page_text
from tests.inbox.factories import (
    AttachmentFactory,
    ChildFactory,
    ContactFactory,
    ConversationFactory,
    MessageFactory,
    ReactionFactory,
)
from tests.templates_mgmt.factories import MessageTemplateFactory
from tests.whatsapp.conftest import connect_number
from tests.whatsapp.simulator_fixtures import simulator  # noqa: F401 (fixture)
from whatsapp.models import WhatsAppNumber

FRAGMENT = {"HTTP_X_RELAY_FRAGMENT": "1"}


class ActivityFactory(ChildFactory):
    class Meta:
        model = Activity

    conversation = factory.SubFactory(ConversationFactory)
    tenant = factory.LazyAttribute(lambda activity: activity.conversation.tenant)
    kind = ActivityKind.STATUS
    actor_label = "system"
    body = "Resolved by Ana."
    created_at = factory.LazyFunction(timezone.now)


class CannedResponseFactory(TenantOwnedFactory[CannedResponse]):
    class Meta:
        model = CannedResponse

    shortcut = factory.Sequence(lambda n: f"answer{n}")
    title = "Shipping times"
    body = "Hi {{contact.first_name}}, parcels ship within 2 days."


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def number(world: TenantWorld) -> WhatsAppNumber:
    return connect_number(world)


@pytest.fixture
def conversation(world: TenantWorld, number: WhatsAppNumber) -> Conversation:
    """A conversation whose customer wrote an hour ago: the window is open."""
    contact = ContactFactory.create(tenant=world.tenant, name="Jürgen Weiß", wa_id="4915112345678")
    return ConversationFactory.create(
        channel=number.channel, contact=contact, last_inbound_at=timezone.now() - timedelta(hours=1)
    )


def url(conversation: Conversation, suffix: str = "") -> str:
    return f"/t/acme/inbox/{conversation.pk}/{suffix}"


def agent(world: TenantWorld) -> Client:
    return world.client_for(world.agent)


def messages_of(world: TenantWorld, conversation: Conversation) -> list[Message]:
    with tenant_scope(world.tenant):
        return list(Message.objects.filter(conversation=conversation).order_by("sent_at", "id"))


# The page --------------------------------------------------------------------------------------


def test_the_inbox_is_three_panes_with_the_live_client(world):
    page = page_text(agent(world).get("/t/acme/inbox/"))
    for element_id in ("inbox", "list-pane", "thread-pane", "panel-pane"):
        assert f'id="{element_id}"' in page
    assert "No conversations yet" in page
    assert 'data-last-seq="0"' in page
    assert "/static/frontend/inbox.js" in page
    assert "/static/frontend/presence.js" in page


def test_with_conversations_the_inbox_asks_to_choose_one(world, conversation):
    page = page_text(agent(world).get("/t/acme/inbox/"))
    assert "Choose a conversation" in page
    assert "No conversations yet" not in page


def test_opening_a_conversation_shows_its_thread_and_reads_it(world, conversation):
    MessageFactory.create(conversation=conversation, text="Is my order on its way?")
    Conversation.objects.for_tenant(world.tenant).filter(pk=conversation.pk).update(unread_count=3)
    response = agent(world).get(url(conversation))
    page = page_text(response)
    assert response.status_code == 200
    assert "Is my order on its way?" in page
    for element_id in (
        "thread",
        "composer-text",
        "presence-notice",
        "composer",
        "conversation-list",
        "conversation-panel",
    ):
        assert f'id="{element_id}"' in page
    assert 'data-view="thread"' in page
    conversation.refresh_from_db()
    assert conversation.unread_count == 0


def test_another_tenants_conversation_is_not_found(world, other_tenant, conversation):
    stranger = other_tenant.client_for(other_tenant.owner)
    assert stranger.get(f"/t/globex/inbox/{conversation.pk}/").status_code == 404
    assert stranger.get(f"/t/globex/inbox/{conversation.pk}/thread/").status_code == 404


def test_someone_signed_out_is_sent_to_sign_in(world, conversation):
    response = Client().get(url(conversation))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


# Messages of every type ------------------------------------------------------------------------


def test_text_is_escaped_and_its_links_open_beside_the_inbox(world, conversation):
    message = MessageFactory.create(
        conversation=conversation, text="<script>alert(1)</script> 😀 see https://example.com/track?a=1&b=2"
    )
    html = agent(world).get(url(conversation, f"messages/{message.pk}/")).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 😀" in html
    assert re.search(
        r'<a target="_blank" rel="noopener noreferrer" href="https://example.com/track\?a=1&amp;b=2"', html
    )


def test_whatsapp_formatting_is_shown_as_the_customer_wrote_it(world, conversation):
    message = MessageFactory.create(conversation=conversation, text="Order *A-1001* is _on its way_ ~late~")
    html = agent(world).get(url(conversation, f"messages/{message.pk}/")).content.decode()
    assert "Order <strong>A-1001</strong> is <em>on its way</em> <s>late</s>" in html


def test_every_message_type_is_shown(world, conversation):
    make = MessageFactory.create
    photo = make(conversation=conversation, type=MessageType.IMAGE, text="The parcel")
    AttachmentFactory.create(message=photo, ready=True)
    document = make(conversation=conversation, type=MessageType.DOCUMENT, text="")
    AttachmentFactory.create(
        message=document, ready=True, filename="invoice.pdf", mime_type="application/pdf", file__data=b"%PDF" * 300
    )
    for kind in (MessageType.VIDEO, MessageType.AUDIO):
        AttachmentFactory.create(message=make(conversation=conversation, type=kind, text=""), ready=True)
    make(
        conversation=conversation,
        type=MessageType.LOCATION,
        text="Warehouse",
        content={"latitude": 52.52, "longitude": 13.405, "name": "Warehouse", "address": "Hafenstraße 1"},
    )
    make(
        conversation=conversation,
        type=MessageType.CONTACTS,
        content={"contacts": [{"name": {"formatted_name": "Anna Schmidt"}, "phones": [{"phone": "+49 30 1234"}]}]},
    )
    make(
        conversation=conversation,
        type=MessageType.INTERACTIVE,
        text="Track my order",
        content={"interactive_type": "button_reply", "id": "track", "title": "Track my order"},
    )
    make(conversation=conversation, type=MessageType.BUTTON, text="Stop promotions", content={"payload": "STOP"})
    make(
        conversation=conversation,
        type=MessageType.ORDER,
        content={
            "catalog_id": "1",
            "text": "Gift wrap please",
            "product_items": [
                {"product_retailer_id": "mug-blue", "quantity": 2, "item_price": 12.5, "currency": "EUR"},
                {"product_retailer_id": "beans-1kg", "quantity": 1, "item_price": 20, "currency": "EUR"},
            ],
        },
    )
    make(
        conversation=conversation,
        text="I saw your ad",
        referral={
            "headline": "Autumn roast",
            "body": "20% off",
            "source_url": "https://fb.me/ad1",
            "source_type": "ad",
        },
    )
    make(conversation=conversation, type=MessageType.UNSUPPORTED, text="", content={"unsupported_type": "poll"})
    greeted = make(conversation=conversation, text="Hello!")
    ReactionFactory.create(message=greeted, emoji="❤️")

    page = page_text(agent(world).get(url(conversation)))

    assert f'data-viewer="/t/acme/inbox/{conversation.pk}/messages/{photo.pk}/media/"' in page
    assert "The parcel" in page
    assert "invoice.pdf" in page
    assert "1.2\xa0KB · application/pdf" in page
    assert "<video" in page
    assert "<audio" in page
    assert "https://www.openstreetmap.org/?mlat=52.52&mlon=13.405#map=16/52.52/13.405" in page
    assert "Hafenstraße 1" in page
    assert "Anna Schmidt" in page
    assert "+49 30 1234" in page
    assert "Tapped a button" in page
    assert "Track my order" in page
    assert "Stop promotions" in page
    assert "mug-blue" in page
    assert "45.0 EUR" in page
    assert "Gift wrap please" in page
    assert "From an ad" in page
    assert "Autumn roast" in page
    assert 'href="https://fb.me/ad1"' in page
    assert "a type Relay can't show (poll)" in page
    assert "❤️" in page


def test_links_from_payloads_are_never_scripts(world, conversation):
    MessageFactory.create(
        conversation=conversation, text="Hi", referral={"headline": "Ad", "source_url": "javascript:alert(1)"}
    )
    page = page_text(agent(world).get(url(conversation)))
    assert "javascript:" not in page


def test_a_reply_quotes_the_message_it_answers(world, conversation):
    question = MessageFactory.create(conversation=conversation, text="Where is my parcel?")
    answer = MessageFactory.create(
        conversation=conversation, direction=Direction.OUTBOUND, text="On its way!", reply_to=question
    )
    html = agent(world).get(url(conversation, f"messages/{answer.pk}/")).content.decode()
    assert f'href="#message-{question.pk}" data-quote="{question.pk}"' in html
    assert "Jürgen Weiß" in html
    assert "Where is my parcel?" in html


@pytest.mark.parametrize(
    ("status", "ticks", "label"),
    [("queued", "✓", "Queued"), ("sent", "✓", "Sent"), ("delivered", "✓✓", "Delivered"), ("read", "✓✓", "Read")],
)
def test_our_messages_show_their_ticks(world, conversation, status, ticks, label):
    message = MessageFactory.create(conversation=conversation, direction=Direction.OUTBOUND, status=status)
    html = agent(world).get(url(conversation, f"messages/{message.pk}/")).content.decode()
    assert f'<span class="ticks ticks-{status}" role="img" aria-label="{label}" title="{label}">{ticks}</span>' in html
    assert f'data-status="{status}"' in html


def failed(conversation: Conversation, code: int | str, sentence: str) -> Message:
    return MessageFactory.create(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        status=MessageStatus.FAILED,
        text="Your invoice",
        content={"type": "text", "text": {"body": "Your invoice"}},
        error={"code": code, "title": "", "details": "", "message": sentence},
    )


def test_a_failure_shows_its_reason_and_a_retry_where_it_can_help(world, conversation):
    outage = failed(conversation, 131000, "Something went wrong at WhatsApp.")
    closed = failed(conversation, 131047, "More than 24 hours have passed since the customer last wrote.")
    client = agent(world)
    outage_html = page_text(client.get(url(conversation, f"messages/{outage.pk}/")))
    closed_html = page_text(client.get(url(conversation, f"messages/{closed.pk}/")))
    assert "Something went wrong at WhatsApp." in outage_html
    assert f'action="/t/acme/inbox/{conversation.pk}/messages/{outage.pk}/retry/"' in outage_html
    assert "More than 24 hours have passed" in closed_html
    assert "/retry/" not in closed_html


def test_notes_and_events_are_interleaved_with_the_messages_by_time(world, conversation):
    now = timezone.now()
    first = MessageFactory.create(conversation=conversation, text="First question", sent_at=now - timedelta(minutes=3))
    actor = Actor(tenant_id=world.tenant.pk, role=Role.AGENT, user=world.agent.user)
    note = note_add(
        conversation=conversation,
        body=f"@{world.admin.user.name} can you check the <b>refund</b>?",
        actor=actor,
        now=now - timedelta(minutes=2),
    )
    event = ActivityFactory.create(conversation=conversation, body="Ana resolved the conversation.")
    last = MessageFactory.create(conversation=conversation, text="Thanks!", sent_at=now - timedelta(minutes=1))
    Activity.objects.for_tenant(world.tenant).filter(pk=event.pk).update(created_at=now)

    page = agent(world).get(url(conversation)).content.decode()

    order = [page.index(f'id="{element}"') for element in
             (f"message-{first.pk}", f"activity-{note.pk}", f"message-{last.pk}", f"activity-{event.pk}")]  # fmt: skip
    assert order == sorted(order)
    assert f'<mark class="mention">@{world.admin.user.name}</mark> can you check the &lt;b&gt;refund&lt;/b&gt;?' in page
    assert "Private note" in page
    assert "Ana resolved the conversation." in page


def test_older_messages_come_a_page_at_a_time_with_their_activities(world, conversation):
    now = timezone.now()
    old = [
        MessageFactory.create(conversation=conversation, text=f"Old {n}", sent_at=now - timedelta(hours=2, minutes=n))
        for n in range(3)
    ]
    early_event = ActivityFactory.create(conversation=conversation, body="Assigned long ago.")
    Activity.objects.for_tenant(world.tenant).filter(pk=early_event.pk).update(created_at=now - timedelta(hours=3))
    recent = [
        MessageFactory.create(conversation=conversation, text=f"Recent {n}", sent_at=now - timedelta(minutes=n))
        for n in range(selectors.THREAD_PAGE_SIZE)
    ]
    client = agent(world)

    page = page_text(client.get(url(conversation)))
    oldest_shown = recent[-1]
    assert f"?before={oldest_shown.pk}" in page
    assert "Old 0" not in page
    assert "Assigned long ago." not in page

    older = page_text(client.get(url(conversation, f"thread/?before={oldest_shown.pk}")))
    assert all(f"Old {n}" in older for n in range(3))
    assert "Assigned long ago." in older
    assert "Recent" not in older
    assert "?before=" not in older  # that was the first page
    assert old  # created oldest first


@pytest.mark.parametrize(("before", "status"), [("abc", 400), ("-1", 400), ("99999999999999999999", 400)])
def test_a_malformed_before_is_refused(world, conversation, before, status):
    assert agent(world).get(url(conversation, f"thread/?before={before}")).status_code == status


def test_another_conversations_message_is_not_found(world, conversation, number):
    elsewhere = MessageFactory.create(conversation=ConversationFactory.create(channel=number.channel))
    client = agent(world)
    assert client.get(url(conversation, f"messages/{elsewhere.pk}/")).status_code == 404
    assert client.get(url(conversation, f"thread/?before={elsewhere.pk}")).status_code == 404
    assert client.get(url(conversation, f"messages/{elsewhere.pk}/media/")).status_code == 404


def test_an_activity_fragment(world, conversation):
    event = ActivityFactory.create(conversation=conversation, body="Sam assigned the conversation to Ana.")
    html = page_text(agent(world).get(url(conversation, f"activities/{event.pk}/")))
    assert f'id="activity-{event.pk}"' in html
    assert "Sam assigned the conversation to Ana." in html
    assert agent(world).get(url(conversation, f"activities/{event.pk + 1000}/")).status_code == 404


def test_the_thread_reads_in_a_fixed_number_of_queries(world, conversation, django_assert_num_queries):
    for n in range(5):
        message = MessageFactory.create(conversation=conversation, text=f"Question {n}")
        ReactionFactory.create(message=message)
        AttachmentFactory.create(message=MessageFactory.create(conversation=conversation, type=MessageType.IMAGE))
        ActivityFactory.create(conversation=conversation)
    with django_assert_num_queries(4):  # messages, reactions, attachments, activities
        page = selectors.thread_page(tenant=world.tenant, conversation=conversation)
    assert len(page.items) == 15


# Files -----------------------------------------------------------------------------------------


def test_pictures_are_shown_in_the_page_and_documents_downloaded(world, conversation):
    photo = MessageFactory.create(conversation=conversation, type=MessageType.IMAGE)
    AttachmentFactory.create(message=photo, ready=True)
    document = MessageFactory.create(conversation=conversation, type=MessageType.DOCUMENT)
    AttachmentFactory.create(message=document, ready=True, filename="a.html", mime_type="text/html")
    client = agent(world)

    shown = client.get(url(conversation, f"messages/{photo.pk}/media/"))
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown["Content-Security-Policy"]

    downloaded = client.get(url(conversation, f"messages/{document.pk}/media/"))
    assert downloaded["Content-Disposition"].startswith("attachment")


# Sending ---------------------------------------------------------------------------------------


def test_the_composer_sends_text_and_answers_with_the_message(world, conversation):
    question = MessageFactory.create(conversation=conversation, text="Hello?")
    response = agent(world).post(
        url(conversation, "send/"), {"text": "  Hi Jürgen!  ", "reply_to": question.pk}, **FRAGMENT
    )
    assert response.status_code == 201
    sent = messages_of(world, conversation)[-1]
    assert sent.content == {
        "type": "text",
        "text": {"body": "Hi Jürgen!", "preview_url": False},
        "context": {"message_id": question.provider_message_id},
    }
    assert sent.reply_to == question
    assert sent.author == world.agent.user
    html = response.content.decode()
    assert f'id="message-{sent.pk}"' in html
    assert 'data-status="queued"' in html


def test_a_refusal_answers_its_reason_and_stores_nothing(world, conversation):
    Conversation.objects.for_tenant(world.tenant).filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=25)
    )
    MessageFactory.create(conversation=conversation, sent_at=timezone.now() - timedelta(hours=25))
    before = messages_of(world, conversation)
    response = agent(world).post(url(conversation, "send/"), {"text": "Still there?"}, **FRAGMENT)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "window_closed"
    assert "24 hours" in response.json()["error"]["message"]
    assert messages_of(world, conversation) == before


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"text": "   "}, "invalid_message"),
        ({"text": "x" * 4097}, "invalid_message"),
        ({"text": "Hi", "reply_to": "x"}, "invalid_reply_to"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, conversation, data, code):
    response = agent(world).post(url(conversation, "send/"), data, **FRAGMENT)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert messages_of(world, conversation) == []


def test_an_agent_reacts_and_the_message_comes_back_with_the_reaction(world, conversation):
    question = MessageFactory.create(conversation=conversation, text="Is it in stock?")
    response = agent(world).post(url(conversation, f"messages/{question.pk}/react/"), {"emoji": "👍"}, **FRAGMENT)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<article id="message-{question.pk}"')
    assert '<li title="You">👍<span class="visually-hidden"> from you' in html
    assert "Remove mine" in html
    reaction = messages_of(world, conversation)[-1]
    assert (reaction.type, reaction.reply_to, reaction.status) == ("reaction", question, "queued")
    assert reaction.content["reaction"] == {"message_id": question.provider_message_id, "emoji": "👍"}
    taken_back = agent(world).post(url(conversation, f"messages/{question.pk}/react/"), {"emoji": ""}, **FRAGMENT)
    assert "msg-reactions" not in taken_back.content.decode()


def test_a_reaction_outside_the_window_is_refused(world, conversation):
    question = MessageFactory.create(conversation=conversation, sent_at=timezone.now() - timedelta(hours=25))
    Conversation.objects.for_tenant(world.tenant).filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=25)
    )
    response = agent(world).post(url(conversation, f"messages/{question.pk}/react/"), {"emoji": "👍"}, **FRAGMENT)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "window_closed")
    assert messages_of(world, conversation) == [question]


def test_without_the_script_a_send_comes_back_to_the_conversation(world, conversation):
    client = agent(world)
    response = client.post(url(conversation, "send/"), {"text": "Hi"})
    assert response.status_code == 302
    assert response.url == url(conversation)
    refused = client.post(url(conversation, "send/"), {"text": ""}, follow=True)
    assert "Write a message first." in page_text(refused)


def test_nothing_is_sent_to_another_tenants_conversation(world, other_tenant, conversation):
    stranger = other_tenant.client_for(other_tenant.owner)
    assert stranger.post(f"/t/globex/inbox/{conversation.pk}/send/", {"text": "Hi"}).status_code == 404
    assert stranger.post(f"/t/acme/inbox/{conversation.pk}/send/", {"text": "Hi"}).status_code in (403, 404)
    assert messages_of(world, conversation) == []


def test_an_agent_sends_a_template_filled_in(world, conversation, number):
    template = MessageTemplateFactory.create(number=number)
    response = agent(world).post(
        url(conversation, "send-template/"),
        {"template": template.pk, "param:1": "Jürgen", "param:2": "860198", "param:9": "ignored"},
        **FRAGMENT,
    )
    assert response.status_code == 201, response.content
    sent = messages_of(world, conversation)[-1]
    assert sent.type == MessageType.TEMPLATE
    assert sent.text == "Hello Jürgen, your order 860198 ships today."


def test_a_template_missing_a_value_is_refused_with_the_reason(world, conversation, number):
    template = MessageTemplateFactory.create(number=number)
    response = agent(world).post(
        url(conversation, "send-template/"), {"template": template.pk, "param:1": "Jürgen"}, **FRAGMENT
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "template_params_invalid"
    assert messages_of(world, conversation) == []


def test_an_unknown_template_is_refused(world, conversation, number, other_tenant):
    foreign = MessageTemplateFactory.create(number=connect_number(other_tenant, phone_number_id="999000111222333"))
    response = agent(world).post(url(conversation, "send-template/"), {"template": foreign.pk}, **FRAGMENT)
    assert response.status_code == 400
    assert messages_of(world, conversation) == []


def test_outside_the_window_the_composer_offers_templates_and_says_why(world, conversation, number):
    Conversation.objects.for_tenant(world.tenant).filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=30)
    )
    MessageTemplateFactory.create(number=number, name="order_update")
    MessageTemplateFactory.create(number=number, name="bienvenue", language="fr")
    MessageTemplateFactory.create(
        number=number,
        name="willkommen",
        language="de",
        parameter_format="NAMED",
        components=[{"type": "BODY", "text": "Hallo {{first_name}}!"}],
    )
    page = page_text(agent(world).get(url(conversation)))
    assert 'data-mode="template"' in page
    assert 'data-window-open="false"' in page
    assert "More than 24 hours have passed since Jürgen Weiß last wrote" in page
    # A German number: the German template first, its parameter filled with the contact's first name.
    choices = re.findall(r'<option value="\d+">(\w+) \((\w+)\)', page)
    assert choices[0] == ("willkommen", "de")
    assert 'name="param:first_name" value="Jürgen"' in page


def test_inside_the_window_the_composer_counts_down(world, conversation):
    page = page_text(agent(world).get(url(conversation)))
    assert 'data-mode="reply"' in page
    assert 'data-window-open="true"' in page
    assert "left to reply freely" in page


def test_canned_responses_come_filled_for_the_contact(world, conversation):
    CannedResponseFactory.create(tenant=world.tenant, shortcut="ship")
    page = page_text(agent(world).get(url(conversation)))
    canned = json.loads(
        re.search(r'<script id="canned-responses" type="application/json">(.*?)</script>', page, re.S)[1]
    )
    assert canned == [{"shortcut": "ship", "title": "Shipping times", "text": "Hi Jürgen, parcels ship within 2 days."}]


# Files to send ---------------------------------------------------------------------------------

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a7e9b0c20000000049454e44ae426082"
)


def test_a_file_is_uploaded_and_sent_with_the_composers_text(world, simulator):  # noqa: F811
    number = connect_number(world, graph_api_base_url=simulator.url)
    conversation = ConversationFactory.create(channel=number.channel, last_inbound_at=timezone.now())
    MessageFactory.create(conversation=conversation)
    response = agent(world).post(
        url(conversation, "upload/"),
        {"file": SimpleUploadedFile("parcel.png", PNG, content_type="image/png"), "caption": "Your parcel"},
        **FRAGMENT,
    )
    assert response.status_code == 201, response.content
    sent = messages_of(world, conversation)[-1]
    assert sent.type == MessageType.IMAGE
    assert sent.content["image"]["caption"] == "Your parcel"
    assert sent.content["image"]["id"]
    assert f'data-viewer="/t/acme/inbox/{conversation.pk}/messages/{sent.pk}/media/"' in response.content.decode()
    assert agent(world).get(url(conversation, f"messages/{sent.pk}/media/")).getvalue() == PNG


@pytest.mark.parametrize(
    "case",
    [
        ("virus.exe", b"MZ", "application/x-msdownload", "does not accept"),
        ("huge.jpg", b"\xff" * (5 * 1024 * 1024 + 1), "image/jpeg", "huge.jpg is 5 MB; WhatsApp takes image files up"),
        ("empty.pdf", b"", "application/pdf", "empty"),
    ],
)
def test_files_whatsapp_refuses_are_refused_before_upload(world, conversation, case):
    name, data, content_type, sentence = case
    file = SimpleUploadedFile(name, data, content_type=content_type)
    response = agent(world).post(url(conversation, "upload/"), {"file": file}, **FRAGMENT)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_media"
    assert sentence in response.json()["error"]["message"]
    assert messages_of(world, conversation) == []
    with tenant_scope(world.tenant):
        assert not UploadedMedia.objects.exists()


def test_an_upload_without_a_file_is_refused(world, conversation):
    response = agent(world).post(url(conversation, "upload/"), {"caption": "Here"}, **FRAGMENT)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Choose a file to send."


# Retrying --------------------------------------------------------------------------------------


def test_a_retry_sends_the_message_again_once(world, conversation):
    outage = failed(conversation, 131000, "Something went wrong at WhatsApp.")
    client = agent(world)
    response = client.post(url(conversation, f"messages/{outage.pk}/retry/"), **FRAGMENT)
    assert response.status_code == 201
    retried = messages_of(world, conversation)[-1]
    assert retried.pk != outage.pk
    assert retried.status == MessageStatus.QUEUED
    assert retried.content == {"type": "text", "text": {"body": "Your invoice"}}
    with tenant_scope(world.tenant):
        assert OutboxEntry.objects.filter(message=retried).exists()
    outage.refresh_from_db()
    assert outage.content["_retried_as"] == retried.pk
    with tenant_scope(world.tenant):
        told = list(TenantEvent.objects.order_by("seq").values_list("type", "payload"))
    assert told[-1][0] == "message.status"
    assert told[-1][1]["message_id"] == outage.pk  # browsers redraw the failed one without its Retry
    assert "Sent again" in page_text(client.get(url(conversation, f"messages/{outage.pk}/")))

    again = client.post(url(conversation, f"messages/{outage.pk}/retry/"), **FRAGMENT)
    assert again.status_code == 409
    assert len(messages_of(world, conversation)) == 2


def test_no_retry_where_it_cannot_help(world, conversation):
    closed = failed(conversation, 131047, "More than 24 hours have passed.")
    response = agent(world).post(url(conversation, f"messages/{closed.pk}/retry/"), **FRAGMENT)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "retry_not_possible"
    assert len(messages_of(world, conversation)) == 1


def test_a_delivered_message_is_not_retried(world, conversation):
    fine = MessageFactory.create(conversation=conversation, direction=Direction.OUTBOUND, status="delivered")
    assert agent(world).post(url(conversation, f"messages/{fine.pk}/retry/"), **FRAGMENT).status_code == 409


# Reading while looking -------------------------------------------------------------------------


def test_a_message_arriving_in_the_open_conversation_is_read(world, conversation):
    Conversation.objects.for_tenant(world.tenant).filter(pk=conversation.pk).update(unread_count=1)
    assert agent(world).post(url(conversation, "read/")).status_code == 204
    conversation.refresh_from_db()
    assert conversation.unread_count == 0


# Rules -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "helps"),
    [
        ({"code": 131047}, False),  # the window closed: only a template can go now
        ({"code": 131026}, False),  # not on WhatsApp, or blocked the business
        ({"code": 131050}, False),  # stopped marketing messages
        ({"code": "opted_out"}, False),
        ({"code": "window_closed"}, False),
        ({"code": "132001"}, False),  # codes stored as text count too
        ({"code": 131000}, True),  # an outage at WhatsApp
        ({"code": 130429}, True),  # throughput
        ({"code": 190}, True),  # an expired token an admin renews
        ({"code": "number_inactive"}, True),
        ({"code": 999999}, True),  # unknown: the benefit of the doubt
        ({}, True),
        (None, True),
    ],
)
def test_a_retry_helps_unless_the_reason_stays(error, helps):
    assert retry_can_help(error) is helps


@pytest.mark.parametrize(
    ("body", "name", "text"),
    [
        ("Hi {{contact.first_name}}, welcome!", "Jürgen  Weiß", "Hi Jürgen, welcome!"),
        ("Dear {{ contact.name }}", "Jürgen  Weiß", "Dear Jürgen Weiß"),
        ("Hi {{contact.first_name}}, welcome!", "", "Hi, welcome!"),
        ("{{contact.name}}: your order", "", ": your order"),
        ("Keep {{contact.phone}} as written", "Ana", "Keep {{contact.phone}} as written"),
    ],
)
def test_canned_responses_fill_the_contacts_name(body, name, text):
    assert canned_response_text(body, contact_name=name) == text
