"""What agents and API clients do to a conversation: assign it, route it to a team, change its
status, snooze it, label it, mark it unread, and write private notes.

Each use case is one transaction under the tenant's event lock (so it is ordered with the
customer's messages arriving meanwhile). It re-reads the conversation under that lock, refuses
bad input with a stable code before changing anything, records an Activity so the thread shows
what happened and by whom, and emits `conversation.updated` and `activity.created`. Asking for
what already is (assigning the current assignee…) changes nothing and emits nothing.

Who may do what: every member (and API key) may change status, snooze, label, mark unread, route
to a team and write notes; changing the assignee follows `policy.assignment_refusal` (a
colleague's conversation changes hands only through them or an admin).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.errors import ConflictError, PermissionDeniedError, ServiceError
from accounts.models import Membership, Notification, Role, Tenant, User
from accounts.policy import role_includes
from accounts.services import Actor
from inbox import policy
from inbox.models import (
    Activity,
    ActivityKind,
    Conversation,
    ConversationLabel,
    ConversationStatus,
    EventSequence,
    Label,
    Team,
    TeamMember,
)
from inbox.presenters import conversation_event
from inbox.services.events import Event, events_emit, lock_tenant_events

MAX_NOTE_LENGTH = 10_000
# What a mention notification quotes of the note.
NOTIFICATION_EXCERPT_LENGTH = 280
SYSTEM_LABEL = "system"


class Keep:
    """The assignee is left as it is (team changes that name nobody)."""


KEEP: Final = Keep()


# Helpers --------------------------------------------------------------------------------------


def _locked(conversation: Conversation) -> tuple[EventSequence, Conversation]:
    """The tenant's event lock, then the conversation as it is now, locked for this transaction."""
    sequence = lock_tenant_events(conversation.tenant_id)
    fresh = (
        Conversation.objects.for_tenant(conversation.tenant_id)
        .select_for_update(of=("self",))
        .select_related("contact")
        .get(pk=conversation.pk)
    )
    return sequence, fresh


def actor_name(actor: Actor) -> str:
    """How the thread names who acted: a member's name, else their email; an API key; "system"."""
    if actor.user is not None:
        return actor.user.name or actor.user.email
    return actor.label


def _activity(
    conversation: Conversation,
    *,
    kind: str,
    actor: Actor | None,
    body: str,
    data: dict[str, Any] | None = None,
    mentions: Iterable[int] = (),
    now: datetime,
) -> Activity:
    return Activity.objects.for_tenant(conversation.tenant_id).create(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        kind=kind,
        actor=actor.user if actor is not None else None,
        actor_label=actor_name(actor) if actor is not None else SYSTEM_LABEL,
        body=body,
        data=data or {},
        mentions=list(mentions),
        created_at=now,
    )


def activity_event(activity: Activity) -> Event:
    return Event(
        "activity.created",
        {"conversation_id": activity.conversation_id, "activity_id": activity.pk, "kind": activity.kind},
    )


def _save_and_emit(
    sequence: EventSequence,
    conversation: Conversation,
    fields: list[str],
    activities: Iterable[Activity],
    *,
    now: datetime,
) -> None:
    conversation.updated_at = now
    conversation.save(update_fields=[*fields, "updated_at"])
    events_emit(
        sequence=sequence,
        events=[
            Event("conversation.updated", conversation_event(conversation)),
            *(activity_event(activity) for activity in activities),
        ],
    )


def _member(tenant_id: int, user_id: int) -> User:
    membership = Membership.objects.for_tenant(tenant_id).select_related("user").filter(user_id=user_id).first()
    if membership is None:
        raise ServiceError(_("This person is not a member of the workspace."), code="not_a_member")
    return membership.user


def _team(tenant_id: int, team_id: int) -> Team:
    team = Team.objects.for_tenant(tenant_id).filter(pk=team_id).first()
    if team is None:
        raise ServiceError(_("There is no such team."), code="unknown_team")
    return team


def _check_may_reassign(actor: Actor, conversation: Conversation) -> None:
    refusal = policy.assignment_refusal(
        actor_is_admin=role_includes(actor.role, Role.ADMIN),
        actor_user_id=actor.user.pk if actor.user is not None else None,
        current_assignee_id=conversation.assignee_id,
    )
    if refusal is not None:
        raise PermissionDeniedError(
            _("A colleague is working on this conversation: ask them, or an admin, to hand it over."), code=refusal
        )


def _check_may_leave_resolved(conversation: Conversation) -> None:
    """A resolved conversation may become unresolved only while its contact has no newer one open
    on the number (there is at most one unresolved conversation per contact and number)."""
    if conversation.status != ConversationStatus.RESOLVED:
        return
    newer = (
        Conversation.objects.for_tenant(conversation.tenant_id)
        .filter(channel_id=conversation.channel_id, contact_id=conversation.contact_id)
        .exclude(status=ConversationStatus.RESOLVED)
        .exists()
    )
    if newer:
        raise ConflictError(
            _("This customer has a newer conversation open on this number: continue there."),
            code="newer_conversation_open",
        )


def assignee_activity(
    conversation: Conversation, *, previous: User | None, assignee: User | None, actor: Actor | None, now: datetime
) -> Activity:
    who = actor_name(actor) if actor is not None else _("Automatic assignment")
    if assignee is None:
        assert previous is not None
        return _activity(
            conversation,
            kind=ActivityKind.UNASSIGNED,
            actor=actor,
            body=_("%(actor)s unassigned %(previous)s.") % {"actor": who, "previous": previous.name or previous.email},
            data={"previous": previous.pk, "previous_name": previous.name or previous.email},
            now=now,
        )
    name = assignee.name or assignee.email
    body = (
        _("%(actor)s took the conversation.") % {"actor": who}
        if actor is not None and actor.user is not None and actor.user.pk == assignee.pk
        else _("%(actor)s assigned the conversation to %(assignee)s.") % {"actor": who, "assignee": name}
    )
    data: dict[str, Any] = {"assignee": assignee.pk, "assignee_name": name}
    if previous is not None:
        data["previous"] = previous.pk
    if actor is None:
        data["automatic"] = True
    return _activity(conversation, kind=ActivityKind.ASSIGNED, actor=actor, body=body, data=data, now=now)


def _change_assignee(
    conversation: Conversation, assignee: User | None, *, actor: Actor, now: datetime
) -> list[Activity]:
    if conversation.assignee_id == (assignee.pk if assignee else None):
        return []
    previous = conversation.assignee
    conversation.assignee = assignee
    return [assignee_activity(conversation, previous=previous, assignee=assignee, actor=actor, now=now)]


# Assignment -----------------------------------------------------------------------------------


@transaction.atomic
def conversation_assign(*, conversation: Conversation, assignee_id: int, actor: Actor, now: datetime) -> Conversation:
    """Give the conversation to a member of the tenant (the actor themselves: "assign to me")."""
    return _reassign(conversation, _member(conversation.tenant_id, assignee_id), actor=actor, now=now)


@transaction.atomic
def conversation_unassign(*, conversation: Conversation, actor: Actor, now: datetime) -> Conversation:
    """Leave the conversation to whoever takes it (or to its team)."""
    return _reassign(conversation, None, actor=actor, now=now)


def _reassign(conversation: Conversation, assignee: User | None, *, actor: Actor, now: datetime) -> Conversation:
    sequence, conversation = _locked(conversation)
    if conversation.assignee_id == (assignee.pk if assignee else None):
        return conversation
    _check_may_reassign(actor, conversation)
    activities = _change_assignee(conversation, assignee, actor=actor, now=now)
    _save_and_emit(sequence, conversation, ["assignee"], activities, now=now)
    return conversation


@transaction.atomic
def conversation_team_set(
    *,
    conversation: Conversation,
    team_id: int | None,
    assignee_id: int | Keep | None = KEEP,
    actor: Actor,
    now: datetime,
) -> Conversation:
    """Route the conversation to a team (None: to no team) and, if `assignee_id` says so, to one
    of its members (or to nobody). The assignee must belong to the team."""
    team = _team(conversation.tenant_id, team_id) if team_id is not None else None
    assignee = (
        None if isinstance(assignee_id, Keep) or assignee_id is None else _member(conversation.tenant_id, assignee_id)
    )
    if team is not None and assignee is not None:
        in_team = TeamMember.objects.for_tenant(conversation.tenant_id).filter(team=team, user=assignee).exists()
        if not in_team:
            raise ServiceError(
                _("%(name)s is not a member of the team %(team)s.")
                % {"name": assignee.name or assignee.email, "team": team.name},
                code="not_in_team",
            )
    sequence, conversation = _locked(conversation)
    changes_assignee = not isinstance(assignee_id, Keep) and conversation.assignee_id != assignee_id
    if changes_assignee:
        _check_may_reassign(actor, conversation)
    activities: list[Activity] = []
    if conversation.team_id != (team.pk if team else None):
        previous = conversation.team
        conversation.team = team
        activities.append(_team_activity(conversation, team=team, previous=previous, actor=actor, now=now))
    if changes_assignee:
        activities += _change_assignee(conversation, assignee, actor=actor, now=now)
    if activities:
        _save_and_emit(sequence, conversation, ["assignee", "team"], activities, now=now)
    return conversation


def _team_activity(
    conversation: Conversation, *, team: Team | None, previous: Team | None, actor: Actor, now: datetime
) -> Activity:
    if team is not None:
        body = _("%(actor)s moved the conversation to the team %(team)s.") % {
            "actor": actor_name(actor),
            "team": team.name,
        }
    else:
        body = _("%(actor)s removed the conversation from the team %(team)s.") % {
            "actor": actor_name(actor),
            "team": previous.name if previous else "",
        }
    data = {
        "team": team.pk if team else None,
        "team_name": team.name if team else "",
        "previous": previous.pk if previous else None,
    }
    return _activity(conversation, kind=ActivityKind.TEAM, actor=actor, body=body, data=data, now=now)


# Status ---------------------------------------------------------------------------------------


def _status_sentence(status: str, actor: Actor) -> str:
    if status == ConversationStatus.RESOLVED:
        return _("%(actor)s resolved the conversation.") % {"actor": actor_name(actor)}
    if status == ConversationStatus.PENDING:
        return _("%(actor)s marked the conversation pending.") % {"actor": actor_name(actor)}
    return _("%(actor)s reopened the conversation.") % {"actor": actor_name(actor)}


@transaction.atomic
def conversation_status_set(*, conversation: Conversation, status: str, actor: Actor, now: datetime) -> Conversation:
    """Open, pending (waiting for the customer) or resolved; snoozing goes through `conversation_snooze`."""
    if status not in policy.STATUSES_SET_DIRECTLY:
        raise ServiceError(_("Choose open, pending or resolved (snoozing needs a time)."), code="invalid_status")
    sequence, conversation = _locked(conversation)
    if conversation.status == status:
        return conversation
    _check_may_leave_resolved(conversation)
    previous = conversation.status
    conversation.status = status
    conversation.snoozed_until = None
    conversation.resolved_at = now if status == ConversationStatus.RESOLVED else None
    activity = _activity(
        conversation,
        kind=ActivityKind.STATUS,
        actor=actor,
        body=_status_sentence(status, actor),
        data={"from": previous, "to": status},
        now=now,
    )
    _save_and_emit(sequence, conversation, ["status", "snoozed_until", "resolved_at"], [activity], now=now)
    return conversation


@transaction.atomic
def conversation_snooze(*, conversation: Conversation, until: datetime, actor: Actor, now: datetime) -> Conversation:
    """Put the conversation aside until `until` (at most 90 days ahead): it comes back open then,
    or as soon as the customer writes."""
    refusal = policy.snooze_refusal(until=until, now=now)
    if refusal == "snooze_time_naive":
        raise ServiceError(_("Give the time with its time zone."), code=refusal)
    if refusal == "snooze_in_past":
        raise ServiceError(_("Choose a time in the future."), code=refusal)
    if refusal == "snooze_too_far":
        raise ServiceError(_("Snooze for at most 90 days."), code=refusal)
    sequence, conversation = _locked(conversation)
    if conversation.status == ConversationStatus.SNOOZED and conversation.snoozed_until == until:
        return conversation
    _check_may_leave_resolved(conversation)
    previous = conversation.status
    conversation.status = ConversationStatus.SNOOZED
    conversation.snoozed_until = until
    conversation.resolved_at = None
    activity = _activity(
        conversation,
        kind=ActivityKind.SNOOZED,
        actor=actor,
        body=_("%(actor)s snoozed the conversation until %(until)s.")
        % {"actor": actor_name(actor), "until": until.strftime("%Y-%m-%d %H:%M %Z")},
        data={"from": previous, "until": until.isoformat()},
        now=now,
    )
    _save_and_emit(sequence, conversation, ["status", "snoozed_until", "resolved_at"], [activity], now=now)
    return conversation


def conversations_unsnooze_due(*, now: datetime, batch_size: int = 5000) -> int:
    """Reopen every snoozed conversation whose time has come; returns how many."""
    # Across tenants on purpose: the periodic job over every snoozed conversation.
    due = (
        Conversation.objects.unscoped()
        .filter(status=ConversationStatus.SNOOZED, snoozed_until__lte=now)
        .values_list("tenant_id", "pk")[:batch_size]
    )
    by_tenant: dict[int, list[int]] = defaultdict(list)
    for tenant_id, conversation_id in due:
        by_tenant[tenant_id].append(conversation_id)
    return sum(_unsnooze(tenant_id, ids, now=now) for tenant_id, ids in sorted(by_tenant.items()))


@transaction.atomic
def _unsnooze(tenant_id: int, conversation_ids: list[int], *, now: datetime) -> int:
    sequence = lock_tenant_events(tenant_id)
    # Re-read under the lock: an agent or the customer may have woken it meanwhile.
    conversations = list(
        Conversation.objects.for_tenant(tenant_id)
        .select_for_update()
        .filter(pk__in=conversation_ids, status=ConversationStatus.SNOOZED, snoozed_until__lte=now)
        .order_by("pk")
    )
    events: list[Event] = []
    for conversation in conversations:
        conversation.status = ConversationStatus.OPEN
        conversation.snoozed_until = None
        conversation.updated_at = now
        activity = _activity(
            conversation,
            kind=ActivityKind.STATUS,
            actor=None,
            body=_("The snooze ended: the conversation is open again."),
            data={"from": ConversationStatus.SNOOZED, "to": ConversationStatus.OPEN, "reason": "snooze_ended"},
            now=now,
        )
        events += [Event("conversation.updated", conversation_event(conversation)), activity_event(activity)]
    Conversation.objects.for_tenant(tenant_id).bulk_update(conversations, ["status", "snoozed_until", "updated_at"])
    events_emit(sequence=sequence, events=events)
    return len(conversations)


# Labels and unread ----------------------------------------------------------------------------


@transaction.atomic
def conversation_labels_change(
    *, conversation: Conversation, add: Iterable[int] = (), remove: Iterable[int] = (), actor: Actor, now: datetime
) -> Conversation:
    """Add and remove labels of the tenant; a label already there (or already gone) is left as it is."""
    add_ids, remove_ids = set(add), set(remove)
    if add_ids & remove_ids:
        raise ServiceError(_("A label can't be added and removed at once."), code="label_conflict")
    found = {
        label.pk: label
        for label in Label.objects.for_tenant(conversation.tenant_id).filter(pk__in=add_ids | remove_ids)
    }
    unknown = sorted((add_ids | remove_ids) - set(found))
    if unknown:
        raise ServiceError(_("There is no such label."), code="unknown_label", details={"labels": unknown})
    sequence, conversation = _locked(conversation)
    links = ConversationLabel.objects.for_tenant(conversation.tenant_id).filter(conversation=conversation)
    current = set(links.values_list("label_id", flat=True))
    added = sorted(add_ids - current, key=lambda pk: found[pk].name.lower())
    removed = sorted(remove_ids & current, key=lambda pk: found[pk].name.lower())
    if not added and not removed:
        return conversation
    ConversationLabel.objects.for_tenant(conversation.tenant_id).bulk_create(
        ConversationLabel(tenant_id=conversation.tenant_id, conversation=conversation, label_id=pk, created_at=now)
        for pk in added
    )
    links.filter(label_id__in=removed).delete()
    who = actor_name(actor)
    activities = [
        _activity(
            conversation,
            kind=ActivityKind.LABELLED,
            actor=actor,
            body=_("%(actor)s added the label %(label)s.") % {"actor": who, "label": found[pk].name},
            data={"label": pk, "label_name": found[pk].name, "color": found[pk].color},
            now=now,
        )
        for pk in added
    ] + [
        _activity(
            conversation,
            kind=ActivityKind.UNLABELLED,
            actor=actor,
            body=_("%(actor)s removed the label %(label)s.") % {"actor": who, "label": found[pk].name},
            data={"label": pk, "label_name": found[pk].name},
            now=now,
        )
        for pk in removed
    ]
    _save_and_emit(sequence, conversation, [], activities, now=now)
    return conversation


@transaction.atomic
def conversation_mark_unread(*, conversation: Conversation, actor: Actor, now: datetime) -> Conversation:
    """Show the conversation as unread in the list again (for later). Being read or not is the
    list's bookkeeping, not the conversation's history: no Activity is recorded."""
    sequence, conversation = _locked(conversation)
    if conversation.unread_count >= 1:
        return conversation
    conversation.unread_count = 1
    _save_and_emit(sequence, conversation, ["unread_count"], [], now=now)
    return conversation


# Notes ----------------------------------------------------------------------------------------


@transaction.atomic
def note_add(*, conversation: Conversation, body: str, actor: Actor, now: datetime) -> Activity:
    """A private note in the thread, for the team only (never sent to the customer). Members it
    @mentions (see `policy.mentioned_user_ids`) get a notification linking to the conversation;
    mentioning yourself notifies nobody."""
    body = body.strip()
    if not body:
        raise ServiceError(_("Write the note first."), code="note_empty")
    if len(body) > MAX_NOTE_LENGTH:
        raise ServiceError(
            _("A note holds at most %(limit)d characters.") % {"limit": MAX_NOTE_LENGTH}, code="note_too_long"
        )
    members = Membership.objects.for_tenant(conversation.tenant_id).select_related("user")
    mentionable = [policy.Mentionable(m.user_id, m.user.name, m.user.email) for m in members]
    mentioned = policy.mentioned_user_ids(body, mentionable)
    sequence, conversation = _locked(conversation)
    note = _activity(conversation, kind=ActivityKind.NOTE, actor=actor, body=body, mentions=mentioned, now=now)
    author_id = actor.user.pk if actor.user is not None else None
    _notify_mentioned(
        conversation, note, [pk for pk in mentioned if pk != author_id], author=actor_name(actor), now=now
    )
    events_emit(sequence=sequence, events=[activity_event(note)])
    return note


def conversation_url(conversation: Conversation) -> str:
    """The conversation's page in the inbox, where a notification about it leads."""
    slug = Tenant.objects.filter(pk=conversation.tenant_id).values_list("slug", flat=True).get()
    return reverse("inbox_conversation", kwargs={"tenant_slug": slug, "conversation_id": conversation.pk})


def _notify_mentioned(
    conversation: Conversation, note: Activity, user_ids: list[int], *, author: str, now: datetime
) -> None:
    if not user_ids:
        return
    title = _("%(author)s mentioned you in a note on %(contact)s") % {
        "author": author,
        "contact": conversation.contact.display_name,
    }
    excerpt = (
        note.body
        if len(note.body) <= NOTIFICATION_EXCERPT_LENGTH
        else note.body[: NOTIFICATION_EXCERPT_LENGTH - 1] + "…"
    )
    url = conversation_url(conversation)
    Notification.objects.for_tenant(conversation.tenant_id).bulk_create(
        Notification(
            tenant_id=conversation.tenant_id,
            user_id=user_id,
            kind="inbox.mention",
            title=title[:200],
            body=excerpt,
            url=url,
            created_at=now,
        )
        for user_id in user_ids
    )
