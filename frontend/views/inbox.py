"""The agent inbox: one page of three panes (the conversations, the open conversation's thread with
its composer, the contact panel), the thread's fragments, and sending from the composer.

The list and the panel are fragments with views of their own (`inbox_list`, `inbox_panel`): the
page renders them in place for its first paint, and the browser (`static/frontend/inbox.js`)
refreshes each piece alone as live events arrive. Requests from that script carry the
`X-Relay-Fragment` header and get fragments back (errors as `{"error": {"code", "message"}}`);
plain form posts, without the script, are redirected back to the conversation.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import SimpleTemplateResponse
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import TenantRequest, actor_for
from accounts.crypto.media import media_read
from accounts.errors import ServiceError
from accounts.models import Role
from accounts.policy import role_includes
from frontend.views import onboarding
from frontend.views.billing import template_costs
from frontend.whatsapp_text import whatsapp_html
from inbox import selectors
from inbox.models import (
    Activity,
    ActivityKind,
    Attachment,
    AttachmentState,
    Channel,
    Conversation,
    Direction,
    Message,
    MessageStatus,
    MessageType,
    Reaction,
)
from inbox.policy import ServiceWindow, canned_response_text, customer_service_window, retry_can_help
from inbox.services.outbound import conversation_read, media_upload, message_retry, send_message
from templates_mgmt.policy import preview_text
from templates_mgmt.services import creation_body
from whatsapp import selectors as channel_selectors
from whatsapp.api.templates import template_picker
from whatsapp.media_rules import SUPPORTED_MEDIA, base_mime_type, media_problem, size_text
from whatsapp.onboarding_policy import shows_checklist
from whatsapp.payloads_out import CAPTIONED
from whatsapp.template_fill import parameter_keys, template_message

FRAGMENT_HEADER = "X-Relay-Fragment"
# Sent by the script when it switches conversations: the list pane stays, so it is not rendered.
PANES_ONLY = "panes"
MAX_ID = 2**63 - 1
TEXT_MAX = 4096
# No file WhatsApp takes is larger: anything bigger is refused before it is read.
LARGEST_MEDIA = max(max_bytes for _kind, max_bytes in SUPPORTED_MEDIA.values())
# Files shown in the page (images, players); any other is downloaded, never rendered by the browser.
INLINE_TYPES = frozenset(mime for mime, (kind, _max) in SUPPORTED_MEDIA.items() if kind != "document")
_CONTENT_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")

EMOJI = [
    ("😀", gettext_lazy("grinning face")), ("😂", gettext_lazy("tears of joy")), ("😊", gettext_lazy("smiling face")),
    ("😍", gettext_lazy("heart eyes")), ("😉", gettext_lazy("winking face")), ("🙂", gettext_lazy("slight smile")),
    ("🤔", gettext_lazy("thinking face")), ("😅", gettext_lazy("sweat smile")), ("😢", gettext_lazy("crying face")),
    ("😮", gettext_lazy("surprised face")), ("😎", gettext_lazy("sunglasses")), ("🥳", gettext_lazy("party face")),
    ("👍", gettext_lazy("thumbs up")), ("👎", gettext_lazy("thumbs down")), ("👏", gettext_lazy("clapping hands")),
    ("🙏", gettext_lazy("folded hands")), ("👋", gettext_lazy("waving hand")), ("👌", gettext_lazy("OK hand")),
    ("💪", gettext_lazy("flexed biceps")), ("🙌", gettext_lazy("raised hands")), ("❤️", gettext_lazy("red heart")),
    ("🔥", gettext_lazy("fire")), ("⭐", gettext_lazy("star")), ("✨", gettext_lazy("sparkles")),
    ("🎉", gettext_lazy("party popper")), ("🎁", gettext_lazy("gift")), ("✅", gettext_lazy("check mark")),
    ("❌", gettext_lazy("cross mark")), ("⚠️", gettext_lazy("warning")), ("❓", gettext_lazy("question mark")),
    ("💡", gettext_lazy("light bulb")), ("📦", gettext_lazy("package")), ("🚚", gettext_lazy("delivery truck")),
    ("🛒", gettext_lazy("shopping cart")), ("💳", gettext_lazy("credit card")), ("📅", gettext_lazy("calendar")),
    ("⏰", gettext_lazy("alarm clock")), ("📍", gettext_lazy("pin")), ("📞", gettext_lazy("telephone")),
    ("📧", gettext_lazy("e-mail")), ("🔗", gettext_lazy("link")), ("☕", gettext_lazy("coffee")),
]  # fmt: skip

StrOrPromise = str | Promise
TICKS: dict[str, tuple[str, StrOrPromise]] = {
    MessageStatus.QUEUED: ("✓", gettext_lazy("Queued")),
    MessageStatus.ACCEPTED: ("✓", gettext_lazy("Sent")),
    MessageStatus.SENT: ("✓", gettext_lazy("Sent")),
    MessageStatus.DELIVERED: ("✓✓", gettext_lazy("Delivered")),
    MessageStatus.READ: ("✓✓", gettext_lazy("Read")),
    MessageStatus.FAILED: ("!", gettext_lazy("Not delivered")),
}


# What the thread shows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """The message a reply quotes: its id when it is in the thread, who wrote it and its text."""

    message_id: int | None
    author: str
    text: str


@dataclass(frozen=True)
class Place:
    """A shared location, with its map on OpenStreetMap."""

    latitude: float
    longitude: float
    name: str
    address: str

    @property
    def map_url(self) -> str:
        return (
            f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}"
            f"#map=16/{self.latitude}/{self.longitude}"
        )


@dataclass(frozen=True)
class SharedContact:
    name: str
    organization: str
    phones: list[str]
    emails: list[str]


@dataclass(frozen=True)
class OrderLine:
    product: str
    quantity: str
    price: str


@dataclass(frozen=True)
class Order:
    lines: list[OrderLine]
    total: str
    note: str


@dataclass(frozen=True)
class Referral:
    """Where the customer came from: a click-to-WhatsApp ad or post."""

    headline: str
    body: str
    source_url: str
    source_type: str


# The reactions offered with one click (any emoji can be sent through the API).
QUICK_REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏")


@dataclass(frozen=True)
class MessageCard:
    """A message as the thread shows it: what its template needs, worked out from its payload."""

    message: Message
    reactions: list[Reaction]
    attachment: Attachment | None
    media_url: str
    author: str
    quote: Quote | None
    ticks: tuple[str, str] | None
    can_retry: bool
    retried_as: int | None
    text: SafeString
    place: Place | None = None
    shared_contacts: list[SharedContact] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    order: Order | None = None
    referral: Referral | None = None
    kind: str = "message"

    @property
    def quick_reactions(self) -> tuple[str, ...]:
        return QUICK_REACTIONS

    @property
    def has_our_reaction(self) -> bool:
        return any(reaction.direction == Direction.OUTBOUND for reaction in self.reactions)

    @property
    def failure(self) -> str:
        error = self.message.error or {}
        return str(error.get("message") or error.get("title") or _("WhatsApp could not deliver this message."))


@dataclass(frozen=True)
class ActivityCard:
    """A private note or a system event as the thread shows it."""

    activity: Activity
    # A note's text in pieces, True for the @mentions of members.
    segments: list[tuple[str, bool]]
    kind: str = "activity"

    @property
    def is_note(self) -> bool:
        return self.activity.kind == ActivityKind.NOTE


def _web_url(value: Any) -> str:
    """`value` when it is an http(s) address, else "" (never a javascript: link from a payload)."""
    text = str(value or "")
    return text if urlsplit(text).scheme in ("http", "https") and urlsplit(text).netloc else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _place(content: Mapping[str, Any]) -> Place | None:
    # Inbound locations are stored flat; the ones we send keep the Cloud API's {"location": {…}}.
    location = _dict(content.get("location")) or dict(content)
    try:
        latitude, longitude = float(location["latitude"]), float(location["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    return Place(latitude, longitude, str(location.get("name") or ""), str(location.get("address") or ""))


def _shared_contacts(content: Mapping[str, Any]) -> list[SharedContact]:
    found = []
    for shared in map(_dict, _list(content.get("contacts"))):
        name = _dict(shared.get("name"))
        found.append(
            SharedContact(
                name=str(name.get("formatted_name") or name.get("first_name") or ""),
                organization=str(_dict(shared.get("org")).get("company") or ""),
                phones=[str(_dict(p).get("phone") or _dict(p).get("wa_id") or "") for p in _list(shared.get("phones"))],
                emails=[str(_dict(e).get("email") or "") for e in _list(shared.get("emails"))],
            )
        )
    return found


def _choices(content: Mapping[str, Any]) -> list[str]:
    """The buttons or list rows of an interactive message we sent."""
    action = _dict(_dict(content.get("interactive")).get("action"))
    buttons = [str(_dict(_dict(b).get("reply")).get("title") or "") for b in _list(action.get("buttons"))]
    rows = [
        str(_dict(r).get("title") or "") for s in _list(action.get("sections")) for r in _list(_dict(s).get("rows"))
    ]
    return [choice for choice in [*buttons, *rows, str(action.get("button") or "")] if choice][:13]


def _order(content: Mapping[str, Any]) -> Order | None:
    items = _list(content.get("product_items"))
    if not items:
        return None
    lines, totals = [], dict[str, Decimal]()
    for item in map(_dict, items):
        currency = str(item.get("currency") or "")
        try:
            quantity, price = Decimal(str(item.get("quantity", 1))), Decimal(str(item.get("item_price", 0)))
        except InvalidOperation:
            quantity, price = Decimal(1), Decimal(0)
        totals[currency] = totals.get(currency, Decimal(0)) + quantity * price
        lines.append(OrderLine(str(item.get("product_retailer_id") or ""), f"{quantity:g}", f"{price:f} {currency}"))
    total = " + ".join(f"{amount:f} {currency}".strip() for currency, amount in totals.items())
    return Order(lines=lines, total=total, note=str(content.get("text") or ""))


def _referral(message: Message) -> Referral | None:
    referral = _dict(message.referral)
    if not referral:
        return None
    return Referral(
        headline=str(referral.get("headline") or ""),
        body=str(referral.get("body") or ""),
        source_url=_web_url(referral.get("source_url")),
        source_type=str(referral.get("source_type") or ""),
    )


def _author(message: Message) -> str:
    if message.direction == Direction.INBOUND:
        return ""
    if message.author is not None:
        return message.author.name or message.author.email
    return message.author_label or _("System")


def _quote(message: Message, contact_name: str) -> Quote | None:
    quoted = message.reply_to
    if quoted is not None:
        who = contact_name if quoted.direction == Direction.INBOUND else _("You")
        text = quoted.text or _("[%(type)s]") % {"type": quoted.get_type_display().lower()}
        return Quote(message_id=quoted.pk, author=who, text=text)
    if message.reply_to_provider_id:
        return Quote(message_id=None, author="", text=_("A message that is not in this inbox"))
    return None


def message_card(entry: selectors.ThreadEntry, *, tenant_slug: str, contact_name: str) -> MessageCard:
    message, attachment = entry.message, entry.attachment
    content = message.content if isinstance(message.content, dict) else {}
    media_url = ""
    if attachment is not None and attachment.state == AttachmentState.READY:
        media_url = reverse(
            "inbox_media",
            kwargs={"tenant_slug": tenant_slug, "conversation_id": message.conversation_id, "message_id": message.pk},
        )
    outbound = message.direction == Direction.OUTBOUND
    retried_as = content.get("_retried_as") if isinstance(content.get("_retried_as"), int) else None
    failed = outbound and message.status == MessageStatus.FAILED
    return MessageCard(
        message=message,
        reactions=entry.reactions,
        attachment=attachment,
        media_url=media_url,
        author=_author(message),
        quote=_quote(message, contact_name),
        ticks=(TICKS[message.status][0], str(TICKS[message.status][1]))
        if outbound and message.status in TICKS
        else None,
        can_retry=failed and retried_as is None and retry_can_help(message.error),
        retried_as=retried_as,
        text=whatsapp_html(message.text),
        place=_place(content) if message.type == MessageType.LOCATION else None,
        shared_contacts=_shared_contacts(content) if message.type == MessageType.CONTACTS else [],
        choices=_choices(content) if outbound and message.type == MessageType.INTERACTIVE else [],
        order=_order(content) if message.type == MessageType.ORDER else None,
        referral=_referral(message),
    )


def _mention_pattern(mentioned: Mapping[int, tuple[str, str]]) -> re.Pattern[str] | None:
    # The handles notes mention members by (inbox.policy.Mentionable): email, full name, first name, email name.
    handles = set()
    for full_name, email in mentioned.values():
        name = " ".join(full_name.split())
        handles |= {name, name.split(" ")[0] if name else "", email, email.split("@")[0]}
    handles.discard("")
    if not handles:
        return None
    alternatives = "|".join(re.escape(handle) for handle in sorted(handles, key=len, reverse=True))
    return re.compile(rf"(?<![\w.@-])@(?:{alternatives})(?![\w-])", re.IGNORECASE)


def activity_card(activity: Activity, *, mentioned: Mapping[int, tuple[str, str]]) -> ActivityCard:
    text = activity.body or activity.get_kind_display()
    pattern = _mention_pattern({i: mentioned[i] for i in activity.mentions if i in mentioned})
    segments: list[tuple[str, bool]] = []
    position = 0
    for match in pattern.finditer(text) if pattern and activity.kind == ActivityKind.NOTE else ():
        segments += [(text[position : match.start()], False), (match[0], True)]
        position = match.end()
    segments.append((text[position:], False))
    return ActivityCard(activity=activity, segments=[s for s in segments if s[0]])


def _cards(page: selectors.ThreadPage, *, conversation: Conversation, tenant_slug: str) -> list[Any]:
    contact_name = conversation.contact.display_name
    return [
        message_card(item.entry, tenant_slug=tenant_slug, contact_name=contact_name)
        if item.entry is not None
        else activity_card(item.activity, mentioned=page.mentioned)  # type: ignore[arg-type]
        for item in page.items
    ]


# The composer ----------------------------------------------------------------------------------


def _window_closed_reason(conversation: Conversation, window: ServiceWindow) -> str:
    name = conversation.contact.display_name
    if window.expires_at is None:
        return _(
            "%(name)s has not written to this number yet: WhatsApp lets a business start a conversation only "
            "with an approved template."
        ) % {"name": name}
    return _(
        "More than 24 hours have passed since %(name)s last wrote, so WhatsApp only allows approved templates "
        "until they write again."
    ) % {"name": name}


def _parameter_label(key: str, *, named: bool, header_format: str) -> str:
    if key == "header":
        return _("Header %(kind)s (a link to the file)") % {"kind": header_format.lower() or _("file")}
    if key.startswith("button."):
        return _("Button %(number)d: end of its link") % {"number": int(key.split(".")[1]) + 1}
    if key.startswith("header."):
        return _("Header {{%(name)s}}") % {"name": key.split(".", 1)[1]}
    return f"{{{{{key}}}}}"


def template_choices(conversation: Conversation) -> list[dict[str, Any]]:
    """The approved templates the composer offers (the contact's language first, values prefilled
    from the contact), each with the text its preview fills in as the agent types."""
    entries = template_picker(conversation)
    if not entries:
        return []
    approved = {
        template.pk: template
        for template in channel_selectors.approved_templates(
            tenant_id=conversation.tenant_id, channel_id=conversation.channel_id
        )
    }
    costs = template_costs(
        channel=conversation.channel,
        phone=conversation.contact.wa_id,
        categories=[template.category for template in approved.values()],
        now=timezone.now(),
    )
    choices = []
    for entry in entries:
        template = approved.get(entry["id"])
        if template is None:
            continue
        # Without its examples, the preview keeps each placeholder as written: the script fills them.
        components = [{k: v for k, v in c.items() if k != "example"} for c in template.components]
        skeleton = preview_text({**creation_body(template), "components": components})
        header: dict[str, Any] = next(
            (c for c in template.components if str(c.get("type", "")).upper() == "HEADER"), {}
        )
        named = template.parameter_format == "NAMED"
        choices.append(
            {
                **entry,
                "cost": costs[template.category],
                "skeleton": skeleton,
                "fields": [
                    {
                        "key": parameter["key"],
                        "value": parameter["value"],
                        "label": _parameter_label(
                            parameter["key"], named=named, header_format=str(header.get("format", ""))
                        ),
                    }
                    for parameter in entry["parameters"]
                ],
            }
        )
    return choices


def _script_text() -> dict[str, str]:
    """The sentences inbox.js shows, translated here."""
    return {
        "hoursLeft": _("%(hours)s h %(minutes)s min left to reply freely"),
        "minutesLeft": _("%(minutes)s min left to reply freely"),
        "underAMinute": _("Less than a minute left to reply freely"),
        "sending": _("Sending…"),
        "uploading": _("Uploading %(name)s…"),
        "notSent": _("Not sent"),
        "offline": _("Relay could not be reached; check your connection and try again."),
        "reconnecting": _("Live updates paused: reconnecting…"),
        "signedOut": _("You were signed out. Reload the page to sign in again."),
        "erased": _("This conversation's contact was erased, with everything about them."),
        "fileType": _("WhatsApp does not accept %(type)s files."),
        "fileSize": _("%(name)s is %(size)s; WhatsApp takes %(kind)s files up to %(max)s."),
        "newMessage": _("New WhatsApp message"),
        "noCanned": _("No canned response matches."),
        "missing": _("(not filled in)"),
        "windowClosed": _("Reply window closed"),
        "today": _("Today"),
        "yesterday": _("Yesterday"),
    }


# Pages -----------------------------------------------------------------------------------------


def _wants_fragment(request: TenantRequest) -> bool:
    return FRAGMENT_HEADER in request.headers


def _conversation(request: TenantRequest, conversation_id: int) -> Conversation:
    conversation = selectors.conversation_get(tenant=request.tenant, conversation_id=conversation_id)
    if conversation is None:
        raise Http404
    return conversation


def _pane(request: TenantRequest, route_name: str, **kwargs: Any) -> SafeString:
    """Another pane's fragment, rendered by its own view for this request (the page's first paint)."""
    match = resolve(reverse(route_name, kwargs={"tenant_slug": request.tenant.slug, **kwargs}))
    response: HttpResponse = match.func(request, *match.args, **match.kwargs)
    if isinstance(response, SimpleTemplateResponse):
        response.render()
    return mark_safe(response.content.decode())  # noqa: S308 (HTML the pane's view rendered and escaped)


def _thread_context(request: TenantRequest, conversation: Conversation) -> dict[str, Any]:
    tenant = request.tenant
    window = customer_service_window(last_inbound_at=conversation.last_inbound_at, now=timezone.now())
    page = selectors.thread_page(tenant=tenant, conversation=conversation)
    contact = conversation.contact
    name = contact.name or contact.profile_name
    return {
        "cards": _cards(page, conversation=conversation, tenant_slug=tenant.slug),
        "older_cursor": page.older_cursor,
        "window": window,
        "window_closed_reason": _window_closed_reason(conversation, window),
        "templates": template_choices(conversation),
        "canned_responses": [
            {"shortcut": c.shortcut, "title": c.title, "text": canned_response_text(c.body, contact_name=name)}
            for c in selectors.canned_responses(tenant=tenant)
        ],
        "media_rules": {mime: {"kind": kind, "max": limit} for mime, (kind, limit) in SUPPORTED_MEDIA.items()},
        "media_accept": ",".join(SUPPORTED_MEDIA),
        "emoji": EMOJI,
    }


def _page(request: TenantRequest, conversation: Conversation | None) -> HttpResponse:
    # Read first: whatever the page shows is at least this recent, and the browser asks for the rest.
    last_seq = selectors.last_event_seq(tenant_id=request.tenant.pk)
    panes_only = request.headers.get(FRAGMENT_HEADER) == PANES_ONLY
    context: dict[str, Any] = {
        "conversation": conversation,
        "last_seq": last_seq,
        "server_now": timezone.now(),
        "list_html": "" if panes_only else _pane(request, "inbox_list"),
        "panel_html": _pane(request, "inbox_panel", conversation_id=conversation.pk) if conversation else "",
        "script_text": _script_text(),
    }
    if conversation is not None:
        context |= _thread_context(request, conversation)
    else:
        context["has_conversations"] = selectors.conversations(tenant=request.tenant).exists()
        if role_includes(request.membership.role, Role.ADMIN):
            facts = onboarding.facts_of(request)
            if shows_checklist(facts):
                context["onboarding_steps"] = onboarding.checklist(request, facts)
    return render(request, "frontend/inbox.html", context)


@require_GET
def inbox(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    return _page(request, None)


@require_GET
def inbox_conversation(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """The inbox with one conversation open; opening it reads it."""
    conversation = _read(request, conversation_id)
    return _page(request, conversation)


@require_POST
def inbox_read(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """The agent is looking at the conversation as a message arrives: it is read."""
    _read(request, conversation_id)
    return HttpResponse(status=204)


def _read(request: TenantRequest, conversation_id: int) -> Conversation:
    conversation = _conversation(request, conversation_id)
    if conversation.unread_count:
        conversation_read(conversation=conversation)
    return conversation


# Thread fragments ------------------------------------------------------------------------------


def _message_id(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() and 0 < int(value) <= MAX_ID else None


@require_GET
def inbox_thread(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """A page of the thread: the latest, or (`?before=<message id>`) the one before that message."""
    conversation = _conversation(request, conversation_id)
    before = None
    if "before" in request.GET:
        before_id = _message_id(request.GET["before"])
        if before_id is None:
            return JsonResponse(
                {"error": {"code": "invalid_before", "message": _("`before` is a message id.")}}, status=400
            )
        before = (
            selectors.conversation_messages(tenant=request.tenant, conversation=conversation)
            .filter(pk=before_id)
            .first()
        )
        if before is None:
            raise Http404
    page = selectors.thread_page(tenant=request.tenant, conversation=conversation, before=before)
    context = {
        "conversation": conversation,
        "cards": _cards(page, conversation=conversation, tenant_slug=request.tenant.slug),
        "older_cursor": page.older_cursor,
        "before": before,
    }
    return render(request, "frontend/inbox/_thread_items.html", context)


@require_GET
def inbox_message(request: TenantRequest, tenant_slug: str, conversation_id: int, message_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    return _message_fragment(request, conversation, message_id)


def _thread_entry(request: TenantRequest, conversation: Conversation, message_id: int) -> selectors.ThreadEntry:
    entry = selectors.thread_message(tenant=request.tenant, conversation=conversation, message_id=message_id)
    if entry is None:
        raise Http404
    return entry


def _message_fragment(
    request: TenantRequest, conversation: Conversation, message_id: int, *, status: int = 200
) -> HttpResponse:
    entry = _thread_entry(request, conversation, message_id)
    card = message_card(entry, tenant_slug=request.tenant.slug, contact_name=conversation.contact.display_name)
    return render(request, "frontend/inbox/_message.html", {"card": card, "conversation": conversation}, status=status)


@require_GET
def inbox_activity(request: TenantRequest, tenant_slug: str, conversation_id: int, activity_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    page = selectors.thread_activity(tenant=request.tenant, conversation=conversation, activity_id=activity_id)
    if page is None:
        raise Http404
    assert page.items[0].activity is not None
    card = activity_card(page.items[0].activity, mentioned=page.mentioned)
    return render(request, "frontend/inbox/_activity.html", {"card": card, "conversation": conversation})


@require_GET
def inbox_media(request: TenantRequest, tenant_slug: str, conversation_id: int, message_id: int) -> FileResponse:
    """A message's stored file: images and players' media shown in the page, other files downloaded."""
    conversation = _conversation(request, conversation_id)
    attachment = _thread_entry(request, conversation, message_id).attachment
    if attachment is None or attachment.state != AttachmentState.READY or not attachment.file:
        raise Http404
    try:
        handle = io.BytesIO(media_read(attachment.file.name))
    except FileNotFoundError:
        raise Http404 from None
    mime_type = base_mime_type(attachment.mime_type)
    content_type = mime_type if _CONTENT_TYPE.fullmatch(mime_type) else "application/octet-stream"
    response = FileResponse(
        handle,
        as_attachment=content_type not in INLINE_TYPES,
        filename=attachment.filename or f"message-{message_id}",
        content_type=content_type,
    )
    # A customer's file is never run as a page of ours, whatever it claims to be.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# Sending ---------------------------------------------------------------------------------------


def _back(request: TenantRequest, conversation: Conversation) -> HttpResponse:
    return redirect("inbox_conversation", tenant_slug=request.tenant.slug, conversation_id=conversation.pk)


def _refused(request: TenantRequest, conversation: Conversation, error: ServiceError) -> HttpResponse:
    if _wants_fragment(request):
        return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=error.http_status)
    messages.error(request, error.message)
    return _back(request, conversation)


def _send(request: TenantRequest, conversation: Conversation, payload: dict[str, Any]) -> HttpResponse:
    try:
        message = send_message(conversation=conversation, payload=payload, actor=actor_for(request), now=timezone.now())
    except ServiceError as error:
        return _refused(request, conversation, error)
    return _sent(request, conversation, message)


def _sent(request: TenantRequest, conversation: Conversation, message: Message) -> HttpResponse:
    if _wants_fragment(request):
        return _message_fragment(request, conversation, message.pk, status=201)
    return _back(request, conversation)


def _reply_context(request: TenantRequest, conversation: Conversation) -> dict[str, Any]:
    """The Cloud API's `context` quoting the message the form names in `reply_to`; {} for none."""
    raw = request.POST.get("reply_to", "").strip()
    if not raw:
        return {}
    message_id = _message_id(raw)
    quoted = (
        selectors.conversation_messages(tenant=request.tenant, conversation=conversation).filter(pk=message_id).first()
        if message_id is not None
        else None
    )
    if quoted is None or not quoted.provider_message_id:
        raise ServiceError(_("That message can't be quoted: it is not (yet) on WhatsApp."), code="invalid_reply_to")
    return {"context": {"message_id": quoted.provider_message_id}}


@require_POST
def inbox_send(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """Send the composer's text, quoting `reply_to` (a message id of the thread) if given."""
    conversation = _conversation(request, conversation_id)
    text = request.POST.get("text", "").strip()
    try:
        if not text:
            raise ServiceError(_("Write a message first."), code="invalid_message")
        if len(text) > TEXT_MAX:
            raise ServiceError(
                _("The message is %(length)d characters long; WhatsApp allows %(maximum)d.")
                % {"length": len(text), "maximum": TEXT_MAX},
                code="invalid_message",
            )
        context = _reply_context(request, conversation)
    except ServiceError as error:
        return _refused(request, conversation, error)
    has_link = bool(re.search(r"https?://", text))
    return _send(request, conversation, {"type": "text", "text": {"body": text, "preview_url": has_link}, **context})


def _file_problem(mime_type: str, size: int, name: str) -> str | None:
    """Why WhatsApp would refuse the file, judged by its type and size before it is read."""
    rule = SUPPORTED_MEDIA.get(mime_type)
    if rule is None:
        return media_problem(mime_type=mime_type, data=b"?")
    kind, largest = rule
    if size > largest:
        return _("%(name)s is %(size)s; WhatsApp takes %(kind)s files up to %(max)s.") % {
            "name": name, "size": size_text(size), "kind": kind, "max": size_text(largest),
        }  # fmt: skip
    return None


@require_POST
def inbox_upload(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """Send a file (`file`), with the composer's text as its caption where WhatsApp allows one."""
    conversation = _conversation(request, conversation_id)
    upload = request.FILES.get("file")
    caption = request.POST.get("caption", "").strip()
    try:
        if upload is None:
            raise ServiceError(_("Choose a file to send."), code="invalid_media")
        mime_type = base_mime_type(upload.content_type or "")
        name = upload.name or "file"
        problem = _file_problem(mime_type, upload.size or 0, name)
        if problem:
            raise ServiceError(problem, code="invalid_media")
        context = _reply_context(request, conversation)
        channel = Channel.objects.for_tenant(request.tenant).get(pk=conversation.channel_id)
        uploaded = media_upload(
            channel=channel, data=upload.read(LARGEST_MEDIA + 1), filename=name, mime_type=mime_type,
            actor=actor_for(request),
        )  # fmt: skip
    except ServiceError as error:
        return _refused(request, conversation, error)
    kind = uploaded.message_type
    media: dict[str, Any] = {"id": uploaded.provider_media_id}
    if caption and kind in CAPTIONED:
        media["caption"] = caption[:1024]
    if kind == MessageType.DOCUMENT:
        media["filename"] = name
    return _send(request, conversation, {"type": kind, kind: media, **context})


@require_POST
def inbox_send_template(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """Send an approved template (`template`: its id) filled with `param:<key>` values."""
    conversation = _conversation(request, conversation_id)
    template_id = _message_id(request.POST.get("template"))
    approved = channel_selectors.approved_templates(tenant_id=request.tenant.pk, channel_id=conversation.channel_id)
    template = next((t for t in approved if t.pk == template_id), None)
    if template is None:
        error = ServiceError(_("Choose one of this number's approved templates."), code="template_not_approved")
        return _refused(request, conversation, error)
    keys = parameter_keys(template.components, parameter_format=template.parameter_format)
    values = {key: request.POST.get(f"param:{key}", "").strip() for key in keys}
    payload = template_message(
        name=template.name,
        language=template.language,
        components=template.components,
        parameter_format=template.parameter_format,
        parameters={key: value for key, value in values.items() if value},
    )
    return _send(request, conversation, payload)


@require_POST
def inbox_react(request: TenantRequest, tenant_slug: str, conversation_id: int, message_id: int) -> HttpResponse:
    """React to a message of the thread with `emoji` (empty: take our reaction back); answers the
    message with its reactions (the reaction is not a message of its own in the thread)."""
    conversation = _conversation(request, conversation_id)
    target = _thread_entry(request, conversation, message_id).message
    emoji = request.POST.get("emoji", "").strip()
    if not target.provider_message_id:
        not_there = _("That message can't get a reaction: it is not (yet) on WhatsApp.")
        return _refused(request, conversation, ServiceError(not_there, code="invalid_reaction"))
    try:
        send_message(
            conversation=conversation,
            payload={"type": "reaction", "reaction": {"message_id": target.provider_message_id, "emoji": emoji}},
            actor=actor_for(request),
            now=timezone.now(),
        )
    except ServiceError as error:
        return _refused(request, conversation, error)
    if _wants_fragment(request):
        return _message_fragment(request, conversation, target.pk)
    return _back(request, conversation)


@require_POST
def inbox_retry(request: TenantRequest, tenant_slug: str, conversation_id: int, message_id: int) -> HttpResponse:
    """Send a failed message again (as a new message), where a retry can help."""
    conversation = _conversation(request, conversation_id)
    entry = _thread_entry(request, conversation, message_id)
    try:
        retried = message_retry(message=entry.message, actor=actor_for(request), now=timezone.now())
    except ServiceError as error:
        return _refused(request, conversation, error)
    return _sent(request, conversation, retried)
