"""No route shows or changes another tenant's data.

Every URL pattern and WebSocket route must be classified below; each tenant route is then
requested as tenant A's owner (the strongest role, so role checks can't hide a leak) with
tenant B's slug and B's object ids, and must answer 404 without a trace of B in the body.
After all probes, B's data is unchanged. A view that leaks, defined only here, proves the
probe catches it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiKey, AuditLog, Invitation, Membership, Notification, Role, Tenant
from accounts.services import notify_members
from billing.services import plan_change, statement_issue
from config.asgi import application
from config.routing import websocket_urlpatterns
from inbox.models import (
    Activity,
    Attachment,
    AutoAssignment,
    AutomationAnswer,
    Broadcast,
    BroadcastRecipient,
    CannedResponse,
    Channel,
    ConsentEvent,
    ConsentSettings,
    Contact,
    Conversation,
    EventDelivery,
    EventSubscription,
    Label,
    Message,
    MessageType,
    Team,
)
from inbox.services.broadcasts import RecipientInput, broadcast_create
from inbox.services.consent import consent_record, consent_settings_update
from privacy.models import ContactExport, ExportState
from templates_mgmt.models import MessageTemplate, TemplateEvent
from tests.accounts.factories import MembershipFactory, TenantFactory, UserFactory, api_key_for
from tests.inbox.factories import (
    AttachmentFactory,
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    LabelFactory,
    MessageFactory,
    TeamFactory,
)
from tests.templates_mgmt.factories import MessageTemplateFactory
from whatsapp.models import WhatsAppNumber
from whatsapp.services.numbers import NumberDetails, number_connect

# Routes that show no tenant's data, with the reason.
PUBLIC_ROUTES = {
    "healthz": "service health only",
    "api_schema": "the API's description",
    "api_docs": "the API's documentation page",
    "api_not_found": "answers 404 to every unknown API path",
    "home": "redirects to one of the person's own workspaces",
    "login": "sign-in form",
    "logout": "ends the session",
    "login_two_factor": "the code step of signing in, for the person who passed the password step",
    "two_factor_setup": "the signed-in person's own second factor",
    "signup": "creates a new tenant",
    "workspaces": "lists the person's own memberships (tested in test_auth_pages)",
    "password_reset": "form; answers the same whether the address exists or not",
    "password_reset_done": "static page",
    "password_reset_confirm": "token-protected, for one user",
    "password_reset_complete": "static page",
    "invitation_accept": "the secret token names its tenant (tested in test_auth_pages)",
    "whatsapp_webhook": "Meta's signed events, routed by the phone number id inside them, never by the caller",
    "opt_in_page": "a number's public opt-in page, found by its unguessable key (tested in test_reach_pages)",
}

# Pages under /t/<slug>/: the HTTP methods each one answers.
TENANT_PAGES = {
    "inbox": ["GET"],
    "settings_general": ["GET", "POST"],
    "settings_team": ["GET", "POST"],
    "settings_member_role": ["POST"],
    "settings_member_remove": ["POST"],
    "settings_invitation_revoke": ["POST"],
    "settings_numbers": ["GET"],
    "settings_number_add": ["GET", "POST"],
    "settings_number": ["GET", "POST"],
    "settings_number_disable": ["POST"],
    "settings_number_enable": ["POST"],
    "settings_number_profile": ["GET", "POST"],
    "settings_number_profile_sync": ["POST"],
    "settings_number_profile_photo": ["GET", "POST"],
    "settings_number_reach": ["GET", "POST"],
    "settings_number_qr": ["GET"],
    "settings_api_keys": ["GET", "POST"],
    "settings_api_key_revoke": ["POST"],
    "settings_audit_log": ["GET"],
    "settings_consent": ["GET", "POST"],
    "contacts_import": ["GET", "POST"],
    "contact_privacy": ["GET"],
    "contact_export": ["POST"],
    "contact_export_download": ["GET"],
    "contact_erase": ["POST"],
    "broadcasts": ["GET"],
    "broadcast_new": ["GET", "POST"],
    "broadcast": ["GET"],
    "broadcast_cancel": ["POST"],
    "notifications": ["GET", "POST"],
    "templates": ["GET"],
    "template_new": ["GET", "POST"],
    "template_preview": ["POST"],
    "templates_sync": ["POST"],
    "template_library": ["GET", "POST"],
    "template_detail": ["GET"],
    "template_edit": ["GET", "POST"],
    "template_submit": ["POST"],
    "template_unpause": ["POST"],
    "template_delete": ["POST"],
    "template_duplicate": ["POST"],
    "inbox_list": ["GET"],
    "inbox_list_row": ["GET"],
    "inbox_conversation": ["GET"],
    "inbox_thread": ["GET"],
    "inbox_read": ["POST"],
    "inbox_message": ["GET"],
    "inbox_media": ["GET"],
    "inbox_retry": ["POST"],
    "inbox_react": ["POST"],
    "inbox_contact": ["POST"],
    "inbox_activity": ["GET"],
    "inbox_send": ["POST"],
    "inbox_upload": ["POST"],
    "inbox_send_template": ["POST"],
    "inbox_panel": ["GET"],
    "inbox_assign": ["POST"],
    "inbox_team": ["POST"],
    "inbox_status": ["POST"],
    "inbox_snooze": ["POST"],
    "inbox_labels": ["POST"],
    "inbox_unread": ["POST"],
    "inbox_note": ["POST"],
    "availability": ["POST"],
    "settings_teams": ["GET", "POST"],
    "settings_team_detail": ["GET", "POST"],
    "settings_team_delete": ["GET", "POST"],
    "settings_labels": ["GET", "POST"],
    "settings_label": ["GET", "POST"],
    "settings_label_delete": ["GET", "POST"],
    "settings_canned_responses": ["GET", "POST"],
    "settings_canned_response": ["GET", "POST"],
    "settings_canned_response_delete": ["GET", "POST"],
    "settings_assignment": ["GET"],
    "settings_assignment_channel": ["POST"],
    "settings_hours": ["GET", "POST"],
    "settings_hours_channel": ["GET", "POST"],
    "settings_hours_channel_clear": ["POST"],
    "settings_bot": ["GET", "POST"],
    "settings_bot_answer_add": ["POST"],
    "settings_bot_answer": ["GET", "POST"],
    "settings_bot_answer_delete": ["POST"],
    "settings_webhooks": ["GET", "POST"],
    "settings_webhook": ["GET", "POST"],
    "settings_webhook_delete": ["POST"],
    "settings_webhook_redeliver": ["POST"],
    "preferences": ["GET", "POST"],
    "reports": ["GET"],
    "billing_usage": ["GET"],
    "billing_reconciliation": ["GET"],
    "billing_budget": ["POST"],
    "billing_plan": ["POST"],
    "billing_rate_card": ["POST"],
    "billing_statements": ["GET"],
    "billing_statement": ["GET"],
    "billing_statement_csv": ["GET"],
    "billing_statement_pdf": ["GET"],
    "broadcast_estimate": ["POST"],
    "setup": ["GET"],
    "setup_step": ["GET", "POST"],
    "setup_number_test": ["POST"],
    "setup_number_webhook": ["GET"],
    "setup_mark": ["POST"],
}

# URL keywords that name no object (a wizard step, a mark): A's own page answers them under A's
# slug, so only B's slug is probed for routes with nothing else in their path.
NON_OBJECT_KEYWORDS = {"step": "company", "mark": "dismissed"}

# API routes, authenticated by tenant A's key.
API_ROUTES = {
    "api_tenant": ["GET", "PATCH"],
    "api_members": ["GET"],
    "api_member": ["GET"],
    "api_conversations": ["GET"],
    "api_conversation": ["GET"],
    "api_conversation_messages": ["GET", "POST"],
    "api_messages": ["POST"],
    "api_media": ["POST"],
    "api_conversation_read": ["POST"],
    "api_message": ["GET"],
    "api_message_media": ["GET"],
    "api_contacts": ["GET", "POST"],
    "api_contact": ["GET", "PATCH", "DELETE"],
    "api_contact_export": ["POST"],
    "api_export": ["GET"],
    "api_export_download": ["GET"],
    "api_contact_opt_in": ["POST"],
    "api_contact_opt_out": ["POST"],
    "api_contacts_import": ["POST"],
    "api_broadcasts": ["GET", "POST"],
    "api_broadcast": ["GET"],
    "api_broadcast_recipients": ["GET"],
    "api_broadcast_cancel": ["POST"],
    "api_numbers": ["GET"],
    "api_number_qr": ["GET"],
    "api_number_profile": ["GET", "POST"],
    "api_number_profile_sync": ["POST"],
    "api_templates": ["GET", "POST"],
    "api_templates_sync": ["POST"],
    "api_templates_library": ["GET", "POST"],
    "api_template_example_files": ["POST"],
    "api_template": ["GET"],
    "api_template_submit": ["POST"],
    "api_template_duplicate": ["POST"],
    "api_conversation_templates": ["GET"],
    "api_conversation_assign": ["POST"],
    "api_conversation_status": ["POST"],
    "api_conversation_snooze": ["POST"],
    "api_conversation_labels": ["POST"],
    "api_conversation_unread": ["POST"],
    "api_conversation_notes": ["POST"],
    "api_usage": ["GET"],
    "api_usage_estimate": ["POST"],
    "api_hours": ["GET", "PUT"],
    "api_channel_hours": ["GET", "PUT", "DELETE"],
    "api_bot": ["GET", "PUT"],
    "api_bot_answers": ["GET", "POST"],
    "api_bot_answer": ["GET", "PUT", "DELETE"],
    "api_webhooks": ["GET", "POST"],
    "api_webhook": ["GET", "PUT", "DELETE"],
}

# WebSocket routes, opened by tenant A's owner.
WEBSOCKET_ROUTES = {"ws/t/<slug:tenant_slug>/"}

# Form data sent with POSTs: valid, so only tenancy can stop them.
POST_DATA = {
    "role": "agent",
    "email": "probe@example.com",
    "name": "Probe",
    "data_region": "eu",
    "display_phone_number": "+1 555 010 0100",
    "phone_number_id": "100000000000100",
    "waba_id": "200000000000200",
    "access_token": "probe-token",
    "graph_api_base_url": "https://graph.facebook.com",
    "graph_api_version": "v25.0",
    "throughput_mps": "80",
    "confirm": "erase",
}


@dataclass
class Tenants:
    a: Tenant
    a_owner: Membership
    a_secret: str
    b: Tenant
    b_objects: dict[str, int | str]
    b_markers: list[str]


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path  # B's stored file


@pytest.fixture
def tenants(db: None) -> Tenants:
    a = TenantFactory.create(name="Acme Coffee", slug="acme")
    a_owner = MembershipFactory.create(tenant=a, role=Role.OWNER)
    MembershipFactory.create(tenant=a, role=Role.AGENT)
    _a_key, a_secret = api_key_for(a)

    b = TenantFactory.create(name="Globex Tea", slug="globex")
    b_owner = MembershipFactory.create(
        tenant=b, role=Role.OWNER, user=UserFactory.create(email="owner@globex.test", name="Gloria Globex")
    )
    b_agent = MembershipFactory.create(
        tenant=b, role=Role.AGENT, user=UserFactory.create(email="agent@globex.test", name="Gus Globex")
    )
    actor = services.Actor(tenant_id=b.pk, role=Role.OWNER, user=b_owner.user)
    invitation, _token = services.invitation_create(tenant=b, actor=actor, email="invitee@globex.test", role=Role.AGENT)
    b_key, _secret = services.api_key_create(tenant=b, actor=actor, name="globex-crm-key")
    b_number = number_connect(
        tenant=b,
        actor=actor,
        details=NumberDetails(
            display_phone_number="+44 20 7946 0999",
            phone_number_id="999000111222333",
            waba_id="888000111222333",
            access_token="globex-access-token",
            verify_token="globex-verify-token",
        ),
    )
    b_contact = ContactFactory.create(
        tenant=b, name="Gina Globex", profile_name="Gina G.", wa_id="447700900999", phone="+447700900999"
    )
    consent_record(
        tenant_id=b.pk,
        contact=b_contact,
        kind="opt_in",
        scope="all",
        source="web_form",
        proof="Signed the Globex loyalty form",
        actor=actor,
        occurred_at=timezone.now(),
    )
    consent_settings_update(tenant=b, actor=actor, keywords=["GLOBEX-HALT"], confirmation="Globex: unsubscribed.")
    b_conversation = ConversationFactory.create(
        channel=ChannelFactory.create(tenant=b, name="Globex support"), contact=b_contact
    )
    b_message = MessageFactory.create(conversation=b_conversation, type=MessageType.DOCUMENT, text="Globex price list")
    AttachmentFactory.create(
        message=b_message, ready=True, filename="globex-prices.pdf", mime_type="application/pdf", file__data=b"GLX-PDF"
    )
    b_template = MessageTemplateFactory.create(number=b_number, name="globex_offer")
    b_team = TeamFactory.create(tenant=b, name="Globex escalations")
    b_label = LabelFactory.create(tenant=b, name="globex-vip")
    b_canned = CannedResponse.objects.for_tenant(b).create(
        tenant=b, shortcut="globex-hello", title="Globex greeting", body="Hello from Globex"
    )
    b_note = Activity.objects.for_tenant(b).create(
        tenant=b, conversation=b_conversation, kind="note", body="Globex internal note", actor_label="Gloria"
    )
    notify_members(tenant_id=b.pk, role=Role.AGENT, kind="template.rejected", title="Globex template news",
                   now=timezone.now())  # fmt: skip
    b_broadcast = broadcast_create(
        channel=b_number.channel,
        template_name="globex_offer",
        template_language="en_US",
        recipients=[RecipientInput(row=1, phone=b_contact.phone, parameters=["Gina", "GLX-1"])],
        actor=actor,
        now=timezone.now(),
    )
    b_hook = EventSubscription.objects.for_tenant(b).create(
        tenant=b, url="https://globex.example/hook", event_types=["message.created"], secret="whsec_globex"
    )
    b_delivery = EventDelivery.objects.for_tenant(b).create(
        tenant=b, subscription=b_hook, event_id="evt_globex", event_type="message.created", payload={}
    )
    # B's statement of June 2025 (the shipped exchange rates cover that month).
    plan_change(actor=actor, code="business", numbers_used=1, now=datetime(2025, 5, 20, tzinfo=UTC))
    b_statement = statement_issue(tenant_id=b.pk, month=date(2025, 6, 1), now=datetime(2025, 7, 1, 3, tzinfo=UTC))
    assert b_statement is not None
    b_export = ContactExport.objects.for_tenant(b).create(
        tenant=b, contact=b_contact, state=ExportState.READY, expires_at=timezone.now() + timedelta(hours=1)
    )
    return Tenants(
        a=a,
        a_owner=a_owner,
        a_secret=a_secret,
        b=b,
        # How to name B's object for each URL keyword.
        b_objects={
            "membership_id": b_agent.pk,
            "member_id": b_agent.pk,
            "invitation_id": invitation.pk,
            "api_key_id": b_key.pk,
            "number_id": b_number.pk,
            "conversation_id": b_conversation.pk,
            "message_id": b_message.pk,
            "contact_id": b_contact.pk,
            "broadcast_id": b_broadcast.pk,
            "template_id": b_template.pk,
            "team_id": b_team.pk,
            "label_id": b_label.pk,
            "canned_response_id": b_canned.pk,
            "activity_id": b_note.pk,
            "channel_id": b_number.channel_id,
            "answer_id": AutomationAnswer.objects.for_tenant(b)
            .create(tenant=b, match="contains", pattern="globex", reply="Globex answer")
            .pk,
            "subscription_id": b_hook.pk,
            "delivery_id": b_delivery.pk,
            "number": b_statement.number,
            "export_id": b_export.pk,
        },
        b_markers=[
            "Globex",
            "globex.test",
            "globex-crm-key",
            b_key.prefix,
            "+44 20 7946 0999",
            "999000111222333",
            "888000111222333",
            "globex-access-token",
            "globex-verify-token",
            "447700900999",
            "globex-prices",
            "GLX-PDF",
            "GLOBEX-HALT",
            "globex_offer",
            "globex-vip",
            "globex-hello",
            "Globex internal note",
        ],
    )


def all_route_names(patterns: list[Any] | None = None) -> set[str]:
    names: set[str] = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            names |= all_route_names(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"every route needs a name: {entry.pattern}"
            names.add(entry.name)
    return names


def route_keywords(name: str) -> set[str]:
    possibilities = get_resolver().reverse_dict.getlist(name)
    return {param for _pattern, _regex, _defaults, converters in possibilities for param in converters}


def probe_urls(name: str, tenants: Tenants) -> list[str]:
    """URLs of route `name` naming B's objects: under B's slug, and under A's slug where ids follow."""
    keywords = route_keywords(name)
    missing = keywords - set(tenants.b_objects) - set(NON_OBJECT_KEYWORDS) - {"tenant_slug"}
    assert not missing, f"route {name}: say how to name tenant B's object for {missing} in b_objects"
    objects = {key: tenants.b_objects[key] for key in keywords if key in tenants.b_objects}
    values = {key: NON_OBJECT_KEYWORDS[key] for key in keywords if key in NON_OBJECT_KEYWORDS}
    if "tenant_slug" not in keywords:
        return [reverse(name, kwargs={**objects, **values})]
    urls = [reverse(name, kwargs={"tenant_slug": tenants.b.slug, **objects, **values})]
    if objects:
        urls.append(reverse(name, kwargs={"tenant_slug": tenants.a.slug, **objects, **values}))
    return urls


def leaks(response: Any, tenants: Tenants) -> list[str]:
    body = response.content.decode(errors="replace")
    return [marker for marker in tenants.b_markers if marker in body]


def probe(name: str, methods: list[str], client: Client | APIClient, tenants: Tenants) -> list[str]:
    """What route `name` does wrong when asked for B's data as A; empty when nothing."""
    problems = []
    for url in probe_urls(name, tenants):
        for method in methods:
            if method == "GET":
                response = client.get(url)
            elif isinstance(client, APIClient):
                response = getattr(client, method.lower())(url, POST_DATA, format="json")
            else:
                response = client.post(url, POST_DATA)
            if response.status_code != 404:
                problems.append(f"{method} {url} answered {response.status_code}, not 404")
            if found := leaks(response, tenants):
                problems.append(f"{method} {url} shows tenant B's {found}")
    return problems


def snapshot(tenant: Tenant) -> dict[str, Any]:
    return {
        "tenant": Tenant.objects.filter(pk=tenant.pk).values().get(),
        "memberships": list(Membership.objects.for_tenant(tenant).order_by("pk").values()),
        "invitations": list(Invitation.objects.for_tenant(tenant).order_by("pk").values()),
        "api_keys": list(ApiKey.objects.for_tenant(tenant).order_by("pk").values()),
        "numbers": list(WhatsAppNumber.objects.for_tenant(tenant).order_by("pk").values()),
        "channels": list(Channel.objects.for_tenant(tenant).order_by("pk").values()),
        "contacts": list(Contact.objects.for_tenant(tenant).order_by("pk").values()),
        "conversations": list(Conversation.objects.for_tenant(tenant).order_by("pk").values()),
        "messages": list(Message.objects.for_tenant(tenant).order_by("pk").values()),
        "attachments": list(Attachment.objects.for_tenant(tenant).order_by("pk").values()),
        "consent_events": list(ConsentEvent.objects.for_tenant(tenant).order_by("pk").values()),
        "consent_settings": list(ConsentSettings.objects.for_tenant(tenant).order_by("pk").values()),
        "audit": list(AuditLog.objects.for_tenant(tenant).order_by("pk").values_list("pk", flat=True)),
        "broadcasts": list(Broadcast.objects.for_tenant(tenant).order_by("pk").values()),
        "broadcast_recipients": list(BroadcastRecipient.objects.for_tenant(tenant).order_by("pk").values()),
        "templates": list(MessageTemplate.objects.for_tenant(tenant).order_by("pk").values()),
        "template_events": list(TemplateEvent.objects.for_tenant(tenant).order_by("pk").values()),
        "notifications": list(Notification.objects.for_tenant(tenant).order_by("pk").values()),
        "teams": list(Team.objects.for_tenant(tenant).order_by("pk").values()),
        "labels": list(Label.objects.for_tenant(tenant).order_by("pk").values()),
        "canned_responses": list(CannedResponse.objects.for_tenant(tenant).order_by("pk").values()),
        "activities": list(Activity.objects.for_tenant(tenant).order_by("pk").values()),
        "auto_assignments": list(AutoAssignment.objects.for_tenant(tenant).order_by("pk").values()),
        "exports": list(ContactExport.objects.for_tenant(tenant).order_by("pk").values()),
    }


def page_client(tenants: Tenants) -> Client:
    client = Client()
    client.force_login(tenants.a_owner.user)
    return client


def api_client(tenants: Tenants) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tenants.a_secret}")
    return client


def test_every_route_is_classified():
    classified = set(PUBLIC_ROUTES) | set(TENANT_PAGES) | set(API_ROUTES)
    unclassified = all_route_names() - classified
    assert not unclassified, f"classify these routes in test_isolation.py: {sorted(unclassified)}"
    assert not classified - all_route_names(), "classified routes that no longer exist"
    websocket_routes = {str(route.pattern) for route in websocket_urlpatterns}
    assert websocket_routes == WEBSOCKET_ROUTES, "classify new WebSocket routes in WEBSOCKET_ROUTES"


@pytest.mark.parametrize("name", sorted(TENANT_PAGES))
def test_tenant_pages_hide_other_tenants(tenants, name):
    assert probe(name, TENANT_PAGES[name], page_client(tenants), tenants) == []


@pytest.mark.parametrize("name", sorted(API_ROUTES))
def test_api_routes_hide_other_tenants(tenants, name):
    client = api_client(tenants)
    if route_keywords(name):
        assert probe(name, API_ROUTES[name], client, tenants) == []
    else:
        # Collection routes name no object: they must answer with A's data only.
        for method in API_ROUTES[name]:
            if method == "GET":
                response = client.get(reverse(name))
                assert response.status_code == 200
            else:
                response = getattr(client, method.lower())(reverse(name), POST_DATA, format="json")
                assert response.status_code < 500
            assert leaks(response, tenants) == [], method


def test_own_pages_never_mention_the_other_tenant(tenants):
    client = page_client(tenants)
    for name in TENANT_PAGES:
        if route_keywords(name) == {"tenant_slug"}:
            response = client.get(reverse(name, kwargs={"tenant_slug": tenants.a.slug}))
            assert response.status_code in (200, 405)
            assert leaks(response, tenants) == [], name


def test_probing_changes_nothing_of_the_other_tenant(tenants):
    before = snapshot(tenants.b)
    for name, methods in TENANT_PAGES.items():
        probe(name, methods, page_client(tenants), tenants)
    for name, methods in API_ROUTES.items():
        probe(name, methods, api_client(tenants), tenants)
    assert snapshot(tenants.b) == before


@pytest.mark.django_db(transaction=True)  # the consumer reads the database from another thread
def test_websocket_of_another_tenant_is_refused(tenants):
    async def connect(slug: str) -> bool:
        communicator = WebsocketCommunicator(application, f"/ws/t/{slug}/", headers=[(b"origin", b"http://testserver")])
        communicator.scope["user"] = tenants.a_owner.user
        connected, _code = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert async_to_sync(connect)(tenants.b.slug) is False
    assert async_to_sync(connect)(tenants.a.slug) is True


# The proof that the probe works: a view that reads by id without the tenant.
def leaky_member_view(request: HttpRequest, tenant_slug: str, membership_id: int) -> HttpResponse:
    membership = Membership.objects.unscoped().select_related("user").get(pk=membership_id)
    return HttpResponse(membership.user.email)


urlpatterns = [
    path("t/<slug:tenant_slug>/leak/<int:membership_id>/", leaky_member_view, name="leaky_member"),
    path("", include("config.urls")),
]


def test_the_probe_catches_a_leaking_view(tenants):
    with override_settings(ROOT_URLCONF=__name__):
        assert "leaky_member" in all_route_names() - set(PUBLIC_ROUTES) - set(TENANT_PAGES) - set(API_ROUTES)
        problems = probe("leaky_member", ["GET"], page_client(tenants), tenants)
    assert any(re.search(r"/t/acme/leak/\d+/ answered 200", problem) for problem in problems), problems
    assert any("shows tenant B's ['globex.test']" in problem for problem in problems), problems


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_tenants_template_can_not_be_changed_or_deleted(tenants, method):
    before = snapshot(tenants.b)
    url = reverse("api_template", kwargs={"template_id": tenants.b_objects["template_id"]})
    response = getattr(api_client(tenants), method)(url, {"category": "MARKETING"}, format="json")
    assert response.status_code == 404
    assert leaks(response, tenants) == []
    assert snapshot(tenants.b) == before
