"""The broadcast pages: starting one from a CSV file, its progress and recipients, cancelling it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Role
from accounts.services import Actor
from accounts.tenancy import tenant_scope
from inbox.models import Broadcast, BroadcastState, ConsentKind, ConsentScope
from inbox.services import broadcasts as services
from tests.conftest import page_text
from tests.inbox.test_broadcasts import opted_in
from tests.templates_mgmt.factories import MessageTemplateFactory
from tests.whatsapp.conftest import connect_number

LIST_URL = "/t/acme/broadcasts/"
NEW_URL = "/t/acme/broadcasts/new/"


@pytest.fixture
def order_update(world):
    """An approved template of the workspace's number."""
    return MessageTemplateFactory.create(number=connect_number(world))


def csv_file(content: str, name: str = "recipients.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def start(client: Client, template, content: str, **data):
    return client.post(NEW_URL, {"template": template.pk, "file": csv_file(content), **data})


def broadcasts(world) -> list[Broadcast]:
    with tenant_scope(world.tenant):
        return list(Broadcast.objects.order_by("pk"))


@pytest.mark.parametrize("role", ["agent", "admin", "owner"])
def test_every_member_may_broadcast(world, order_update, role):
    client = world.client_for(getattr(world, role))
    assert client.get(LIST_URL).status_code == 200
    page = page_text(client.get(NEW_URL))
    assert "order_update (en_US) · Utility · columns: phone, 1, 2" in page


def test_the_sidebar_links_broadcasts_for_agents_too(world):
    page = page_text(world.client_for(world.agent).get("/t/acme/inbox/"))
    assert f'href="{LIST_URL}"' in page


def test_someone_signed_out_is_sent_to_sign_in(world):
    response = Client().get(LIST_URL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_an_agent_starts_a_broadcast_and_sees_the_rejected_rows(world, order_update):
    opted_in(world.tenant, "4915112345601")
    opted_in(world.tenant, "4915112345602", then=[(ConsentKind.OPT_OUT, ConsentScope.ALL)])
    client = world.client_for(world.agent)
    content = "phone,1,2\n+49 151 12345601,Maria,860198\n+49 151 12345602,Olaf,860199\n0151 1234,Nobody,1\n"
    response = start(client, order_update, content)
    assert response.status_code == 302
    (broadcast,) = broadcasts(world)
    assert response.url == f"/t/acme/broadcasts/{broadcast.pk}/?outcome=rejected"
    assert broadcast.created_by_label == world.agent.user.email
    page = page_text(client.get(response.url))
    assert "Broadcast started: 1 of 3 recipients will be sent the template; 2 rejected." in page
    assert "This customer opted out of messages from you." in page
    assert "has no country code" in page
    assert "Maria" not in page  # filtered to the rejected rows
    assert '<progress id="queued-progress" max="3" value="2"' in page
    assert "Cancel broadcast" in page
    assert "data-refresh-seconds=" in page  # still queueing: the page follows it (static/frontend/page.js)


def test_a_file_that_is_not_a_csv_is_refused_and_creates_nothing(world, order_update):
    client = world.client_for(world.agent)
    response = client.post(NEW_URL, {"template": order_update.pk, "file": csv_file("\x00\x01binary", "photo.png")})
    assert response.status_code == 400
    assert "This is not a CSV file" in page_text(response)
    assert broadcasts(world) == []


def test_only_approved_templates_are_offered(world, order_update):
    pending = MessageTemplateFactory.create(
        tenant=world.tenant, waba_id=order_update.waba_id, name="spring_sale", status="PENDING"
    )
    client = world.client_for(world.agent)
    assert "spring_sale" not in page_text(client.get(NEW_URL))
    response = start(client, pending, "phone,1,2\n+4915112345601,Ann,1\n")
    assert response.status_code == 400
    assert "Select a valid choice" in page_text(response)
    assert broadcasts(world) == []


def test_without_an_approved_template_the_page_says_how_to_get_one(world):
    connect_number(world)
    page = page_text(world.client_for(world.agent).get(NEW_URL))
    assert "There is no approved template to send yet" in page


def test_the_progress_page_lists_recipients_by_outcome_and_cancels(world, order_update):
    for n in range(1, 4):
        opted_in(world.tenant, f"491511234560{n}")
    client = world.client_for(world.agent)
    start(client, order_update, "phone,1,2\n" + "".join(f"+491511234560{n},Ann,{n}\n" for n in range(1, 4)))
    (broadcast,) = broadcasts(world)
    url = f"/t/acme/broadcasts/{broadcast.pk}/"
    page = page_text(client.get(url))
    assert "Waiting (3)" in page
    assert page.count("+4915112345601") == 1
    assert "Rejected (" not in page  # no filter for an outcome nobody has

    response = client.post(f"{url}cancel/")
    assert response.status_code == 302
    page = page_text(client.get(url))
    assert "Broadcast cancelled" in page
    assert "Cancelled (3)" in page
    assert "Cancel broadcast" not in page
    assert "data-refresh-seconds=" not in page
    with tenant_scope(world.tenant):
        assert Broadcast.objects.get(pk=broadcast.pk).state == BroadcastState.CANCELLED


def test_cancelling_a_finished_broadcast_says_why(world, order_update):
    opted_in(world.tenant, "4915112345601")
    client = world.client_for(world.agent)
    start(client, order_update, "phone,1,2\n+4915112345601,Ann,1\n")
    (broadcast,) = broadcasts(world)
    services.broadcast_queue_batch(tenant_id=world.tenant.pk, broadcast_id=broadcast.pk, now=broadcast.created_at)
    response = client.post(f"/t/acme/broadcasts/{broadcast.pk}/cancel/", follow=True)
    assert "This broadcast is done" in page_text(response)


def test_the_list_shows_each_broadcast(world, order_update):
    client = world.client_for(world.agent)
    assert "No broadcasts yet" in page_text(client.get(LIST_URL))
    start(client, order_update, "phone,1,2\nnot a phone,Ann,1\n")
    page = page_text(client.get(LIST_URL))
    assert "order_update" in page
    assert world.agent.user.email in page


def test_another_tenants_broadcast_is_not_found(world, order_update, other_tenant):
    other_number = connect_number(other_tenant, phone_number_id="999000111222333", waba_id="888000111222333")
    MessageTemplateFactory.create(number=other_number)
    with tenant_scope(other_tenant.tenant):
        theirs = services.broadcast_create(
            channel=other_number.channel,
            template_name="order_update",
            template_language="en_US",
            recipients=[services.RecipientInput(row=1, phone="+447911123456", parameters=["Gina", "1"])],
            actor=Actor(tenant_id=other_tenant.tenant.pk, role=Role.AGENT, user=other_tenant.agent.user),
            now=other_number.created_at,
        )
    client = world.client_for(world.agent)
    assert client.get(f"/t/acme/broadcasts/{theirs.pk}/").status_code == 404
    assert client.post(f"/t/acme/broadcasts/{theirs.pk}/cancel/").status_code == 404
    assert "447911123456" not in page_text(client.get(LIST_URL))
