"""The inbox's right-hand pane: the contact, the conversation's window and cost, and what can be
done with it (assign, route to a team, status, snooze, labels, mark unread); private notes; and
the member's availability.

`inbox_panel` renders the pane (`frontend/inbox/_panel.html`); the shell includes it with
`panel_for(request, conversation)`. Each action is a small form: posted by htmx it answers with
the pane re-rendered (refused: the reason shown in it, with the error's status); posted without
JavaScript it redirects to the conversation's page with the outcome as a flash message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import TenantRequest, actor_for
from accounts.errors import ServiceError
from accounts.models import Role
from accounts.policy import role_includes
from billing import policy as pricing
from inbox import policy, selectors
from inbox.models import ConsentEvent, Contact, Conversation, Label, OptInRequest, Team
from inbox.policy import ConsentState, NextMessageCost, ServiceWindow
from inbox.selectors import LabelChip, MemberAvailability
from inbox.services import conversations as services
from inbox.services.assignment import agent_availability_set
from inbox.services.contacts import contact_update

CONSENT_HISTORY_SHOWN = 20
EARLIER_CONVERSATIONS_SHOWN = 10
UNASSIGN = "none"


@dataclass(frozen=True)
class TeamOption:
    team: Team
    members: list[MemberAvailability]


@dataclass(frozen=True)
class Panel:
    """Everything the pane shows of one conversation, read in a fixed number of queries."""

    conversation: Conversation
    contact: Contact
    now: datetime
    window: ServiceWindow
    cost: NextMessageCost
    consent: ConsentState
    consent_history: list[ConsentEvent]
    # A double opt-in asked for on this channel, waiting for the customer's "yes": no consent yet.
    pending_opt_in: OptInRequest | None
    # The contact's attributes by name (a list: a key named "items" can't hide a dict's method).
    attributes: list[tuple[str, str]]
    labels: list[LabelChip]
    addable_labels: list[Label]
    earlier: list[Conversation]
    members: list[MemberAvailability]
    me: MemberAvailability | None
    assignee: MemberAvailability | None
    teams: list[TeamOption]
    team: Team | None
    # Whether the viewer may change the assignee (see inbox.policy.assignment_refusal).
    may_reassign: bool
    # Whether WhatsApp charges replies in the window too (per-message pricing from 1 Oct 2026).
    service_charged: bool
    snooze_presets: tuple[str, ...] = policy.SNOOZE_PRESETS


def panel_for(request: TenantRequest, conversation: Conversation) -> Panel:
    tenant, now = request.tenant, timezone.now()
    contact = conversation.contact
    members = selectors.members_availability(tenant=tenant)
    by_id = {member.user_id: member for member in members}
    teams = list(selectors.teams(tenant=tenant))
    team_members = selectors.team_member_ids(tenant=tenant, team_ids=[team.pk for team in teams])
    labels = selectors.conversation_labels(tenant=tenant, conversation_id=conversation.pk)
    on_conversation = {label.pk for label in labels}
    refusal = policy.assignment_refusal(
        actor_is_admin=role_includes(request.membership.role, Role.ADMIN),
        actor_user_id=request.membership.user_id,
        current_assignee_id=conversation.assignee_id,
    )
    return Panel(
        conversation=conversation,
        contact=contact,
        now=now,
        window=policy.customer_service_window(last_inbound_at=conversation.last_inbound_at, now=now),
        cost=policy.next_message_cost(
            last_inbound_at=conversation.last_inbound_at,
            entry_point_expires_at=conversation.entry_point_expires_at,
            now=now,
        ),
        consent=selectors.consent_state_of(tenant=tenant, contact=contact),
        consent_history=list(selectors.consent_history(tenant=tenant, contact=contact)[:CONSENT_HISTORY_SHOWN]),
        pending_opt_in=selectors.opt_in_requests_pending(tenant=tenant, channel_id=conversation.channel_id)
        .filter(contact=contact)
        .first(),
        attributes=sorted(contact.attributes.items()),
        labels=[LabelChip(label.pk, label.name, label.color) for label in labels],
        addable_labels=[label for label in selectors.labels(tenant=tenant) if label.pk not in on_conversation],
        earlier=selectors.contact_conversations(
            tenant=tenant, contact_id=contact.pk, exclude_id=conversation.pk, limit=EARLIER_CONVERSATIONS_SHOWN
        ),
        members=members,
        me=by_id.get(request.membership.user_id),
        assignee=by_id.get(conversation.assignee_id) if conversation.assignee_id else None,
        teams=[TeamOption(team, [by_id[pk] for pk in team_members[team.pk] if pk in by_id]) for team in teams],
        team=next((team for team in teams if team.pk == conversation.team_id), None),
        may_reassign=refusal is None,
        service_charged=not pricing.regime_at(now).service_free,
    )


def _conversation_or_404(request: TenantRequest, conversation_id: int) -> Conversation:
    conversation = selectors.conversation_get(tenant=request.tenant, conversation_id=conversation_id)
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx asked (it swaps a part of the page) rather than the browser (a whole page)."""
    return request.headers.get("HX-Request") == "true"


def _render_panel(
    request: TenantRequest, conversation: Conversation, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {"panel": panel_for(request, conversation), "panel_error": error}
    return render(request, "frontend/inbox/_panel.html", context, status=status)


@require_GET
def inbox_panel(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    return _render_panel(request, _conversation_or_404(request, conversation_id))


def _act(
    request: TenantRequest, conversation_id: int, action: Callable[[Conversation], Conversation], *, done: str
) -> HttpResponse:
    """Run one action on the conversation and answer as the request expects (see the module's docstring)."""
    conversation = _conversation_or_404(request, conversation_id)
    try:
        conversation = action(conversation)
    except ServiceError as error:
        if is_htmx(request):
            return _render_panel(request, conversation, error=error.message, status=error.http_status)
        messages.error(request, error.message)
    else:
        if is_htmx(request):
            return _render_panel(request, conversation)
        messages.success(request, done)
    return redirect("inbox_conversation", tenant_slug=request.tenant.slug, conversation_id=conversation.pk)


def _id_or_error(value: str, *, what: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 2**63:
        raise ServiceError(_("Choose %(what)s.") % {"what": what}, code="invalid_choice")
    return int(value)


# Each action reads its form inside the action, so a field that can't be read is refused like
# the service refuses: with the reason, and nothing changed.


@require_POST
def inbox_assign(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """`assignee`: a member's user id, or "none" to unassign."""
    actor, now, choice = actor_for(request), timezone.now(), request.POST.get("assignee", "")

    def assign(conversation: Conversation) -> Conversation:
        if choice == UNASSIGN:
            return services.conversation_unassign(conversation=conversation, actor=actor, now=now)
        assignee_id = _id_or_error(choice, what=_("a member"))
        return services.conversation_assign(conversation=conversation, assignee_id=assignee_id, actor=actor, now=now)

    return _act(request, conversation_id, assign, done=_("Unassigned.") if choice == UNASSIGN else _("Assigned."))


@require_POST
def inbox_team(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """`team`: a team id, or empty for no team; `assignee` (optional): a member of it, "none", or
    empty to leave the assignee as it is."""
    actor, now = actor_for(request), timezone.now()
    team_choice, assignee_choice = request.POST.get("team", ""), request.POST.get("assignee", "")

    def route(conversation: Conversation) -> Conversation:
        team_id = _id_or_error(team_choice, what=_("a team")) if team_choice else None
        assignee_id: int | services.Keep | None = services.KEEP
        if assignee_choice == UNASSIGN:
            assignee_id = None
        elif assignee_choice:
            assignee_id = _id_or_error(assignee_choice, what=_("a member"))
        return services.conversation_team_set(
            conversation=conversation, team_id=team_id, assignee_id=assignee_id, actor=actor, now=now
        )

    return _act(request, conversation_id, route, done=_("Team changed."))


@require_POST
def inbox_status(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """`status`: open, pending or resolved."""
    status, actor, now = request.POST.get("status", ""), actor_for(request), timezone.now()
    return _act(
        request,
        conversation_id,
        lambda conversation: services.conversation_status_set(
            conversation=conversation, status=status, actor=actor, now=now
        ),
        done=_("Status changed."),
    )


def snooze_until(*, preset: str, local_time: str, time_zone: str, now: datetime) -> datetime:
    """The end of a snooze as the form gives it: a preset, or a local date and time (`datetime-local`)
    in the browser's time zone (the server's without JavaScript)."""
    try:
        zone = ZoneInfo(time_zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(_("Unknown time zone."), code="invalid_time_zone") from None
    if preset:
        if preset not in policy.SNOOZE_PRESETS:
            raise ServiceError(_("Choose how long to snooze."), code="invalid_choice")
        return policy.snooze_preset_until(preset, now_local=now.astimezone(zone))
    try:
        chosen = datetime.fromisoformat(local_time)
    except ValueError:
        raise ServiceError(_("Choose the date and time to snooze until."), code="invalid_snooze_time") from None
    return chosen.replace(tzinfo=zone) if chosen.tzinfo is None else chosen


@require_POST
def inbox_snooze(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """`preset` (1h, 4h, tomorrow, next_week), or `until` (a local date and time) with `timezone`."""
    actor, now = actor_for(request), timezone.now()

    def snooze(conversation: Conversation) -> Conversation:
        until = snooze_until(
            preset=request.POST.get("preset", ""),
            local_time=request.POST.get("until", ""),
            time_zone=request.POST.get("timezone", ""),
            now=now,
        )
        return services.conversation_snooze(conversation=conversation, until=until, actor=actor, now=now)

    return _act(request, conversation_id, snooze, done=_("Snoozed."))


@require_POST
def inbox_labels(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """`add` and `remove`: label ids (each may repeat)."""
    actor, now = actor_for(request), timezone.now()

    def relabel(conversation: Conversation) -> Conversation:
        add = [_id_or_error(value, what=_("a label")) for value in request.POST.getlist("add")]
        remove = [_id_or_error(value, what=_("a label")) for value in request.POST.getlist("remove")]
        return services.conversation_labels_change(
            conversation=conversation, add=add, remove=remove, actor=actor, now=now
        )

    return _act(request, conversation_id, relabel, done=_("Labels changed."))


@require_POST
def inbox_unread(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    actor, now = actor_for(request), timezone.now()
    return _act(
        request,
        conversation_id,
        lambda conversation: services.conversation_mark_unread(conversation=conversation, actor=actor, now=now),
        done=_("Marked unread."),
    )


@require_POST
def inbox_contact(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """`name`, and the attributes as `attr_key`/`attr_value` pairs: a shown attribute left out (or
    emptied) is removed."""
    keys, values = request.POST.getlist("attr_key"), request.POST.getlist("attr_value")

    def edit(conversation: Conversation) -> Conversation:
        pairs = zip(keys, values, strict=False)
        submitted = {key.strip(): value for key, value in pairs if key.strip() or value.strip()}
        removed = {key: None for key in conversation.contact.attributes if key not in submitted}
        try:
            conversation.contact = contact_update(
                contact=conversation.contact,
                now=timezone.now(),
                name=request.POST.get("name"),
                attributes={**removed, **submitted},
            )
        except ServiceError as error:
            if isinstance(error.details, dict) and error.code == "attributes_invalid":
                wrong = "; ".join(f"“{key}”: {message}" for key, message in error.details.items())
                raise ServiceError(f"{error.message} {wrong}", code=error.code) from error
            raise
        return conversation

    return _act(request, conversation_id, edit, done=_("Contact saved."))


def _wants_json(request: HttpRequest) -> bool:
    return is_htmx(request) or "application/json" in request.headers.get("Accept", "")


@require_POST
def inbox_note(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """A private note: `body` (or `text`, as the composer names its field).

    From a script (htmx, or `Accept: application/json`): 201 `{"activity_id", "conversation_id"}`
    (the note reaches the thread as its `activity.created` event), or the error envelope. From a
    plain form: a redirect to the conversation.
    """
    conversation = _conversation_or_404(request, conversation_id)
    body = request.POST.get("body") or request.POST.get("text") or ""
    try:
        note = services.note_add(conversation=conversation, body=body, actor=actor_for(request), now=timezone.now())
    except ServiceError as error:
        if _wants_json(request):
            return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=error.http_status)
        messages.error(request, error.message)
    else:
        if _wants_json(request):
            return JsonResponse({"activity_id": note.pk, "conversation_id": conversation.pk}, status=201)
        messages.success(request, _("Note added."))
    return redirect("inbox_conversation", tenant_slug=request.tenant.slug, conversation_id=conversation.pk)


@require_POST
def availability(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    """`availability`: online, busy or offline. htmx gets the sidebar's control back; a plain form
    goes back to `next` (a page of this workspace) or the inbox."""
    error = ""
    try:
        status = agent_availability_set(
            actor=actor_for(request), availability=request.POST.get("availability", ""), now=timezone.now()
        )
        current = status.availability
    except ServiceError as refused:
        error = refused.message
        current = selectors.agent_availability(tenant=request.tenant, user_id=request.membership.user_id)
    if is_htmx(request):
        context: dict[str, Any] = {
            "my_availability": current,
            "availability_error": error,
            "availability_next": request.POST.get("next", ""),
        }
        return render(request, "frontend/inbox/_panel_availability.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect(_back_to(request))


def _back_to(request: TenantRequest) -> str:
    target = request.POST.get("next", "")
    prefix = f"/t/{request.tenant.slug}/"
    if target.startswith(prefix) and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return reverse("inbox", kwargs={"tenant_slug": request.tenant.slug})
