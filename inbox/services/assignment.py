"""Who takes new conversations: agents' availability, and the automatic assignment of the
conversations customers open.

A channel's `AutoAssignment` gives each conversation its customer opens to the next online agent
(of its team, else of the whole tenant) with fewer than the maximum of open or pending
conversations, round robin (`policy.round_robin_plan`); nobody eligible: it stays unassigned (for
its team, if set). The setting's row is locked while choosing, so conversations opened at the same
time go to different agents in turn and the round robin position is never lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import ServiceError
from accounts.models import Membership, User
from accounts.services import Actor
from inbox import policy, selectors
from inbox.models import AgentStatus, AutoAssignment, Availability, Conversation, TeamMember
from inbox.services.bulk import update_rows
from inbox.services.conversations import activity_event, assignee_activity
from inbox.services.events import Event


@transaction.atomic
def agent_availability_set(*, actor: Actor, availability: str, now: datetime) -> AgentStatus:
    """Set whether the acting member takes new conversations now (online), is busy, or is away."""
    if availability not in Availability.values:
        raise ServiceError(_("Choose online, busy or offline."), code="invalid_availability")
    if actor.user is None:
        raise ServiceError(_("Only a team member has an availability."), code="member_required")
    tenant_id = actor.tenant_id
    statuses = AgentStatus.objects.for_tenant(tenant_id)
    # Insert-or-ignore then update: two tabs switching at once can't make two rows.
    statuses.bulk_create([AgentStatus(tenant_id=tenant_id, user=actor.user, updated_at=now)], ignore_conflicts=True)
    statuses.filter(user=actor.user).update(availability=availability, updated_at=now)
    return statuses.get(user=actor.user)


def auto_assign_opened(*, tenant_id: int, conversations: Sequence[Conversation], now: datetime) -> list[Event]:
    """Assign conversations just opened by customers' messages, per their channel's setting.

    Runs inside the writing transaction (the inbound batch's); updates the conversations in
    memory and in the database, records an `assigned` Activity for each, and returns the
    `activity.created` events (the caller emits `conversation.updated` with the rest).
    """
    by_channel: dict[int, list[Conversation]] = defaultdict(list)
    for conversation in conversations:
        by_channel[conversation.channel_id].append(conversation)
    if not by_channel:
        return []
    settings = (
        AutoAssignment.objects.for_tenant(tenant_id)
        .select_for_update()
        .filter(channel_id__in=list(by_channel), enabled=True)
        .order_by("channel_id")
    )
    changed: list[Conversation] = []
    events: list[Event] = []
    for setting in settings:
        opened = sorted(by_channel[setting.channel_id], key=lambda c: c.pk)
        plan = policy.round_robin_plan(
            agents=selectors.agent_loads(tenant=tenant_id, user_ids=_candidate_ids(tenant_id, setting)),
            last_assigned_id=setting.last_assigned_id,
            max_open=setting.max_open_per_agent,
            count=len(opened),
        )
        assignees = {u.pk: u for u in User.objects.filter(pk__in={pk for pk in plan if pk is not None})}
        for conversation, assignee_id in zip(opened, plan, strict=True):
            conversation.team_id = setting.team_id or conversation.team_id
            if assignee_id is not None:
                conversation.assignee = assignees[assignee_id]
                activity = assignee_activity(
                    conversation, previous=None, assignee=assignees[assignee_id], actor=None, now=now
                )
                events.append(activity_event(activity))
                setting.last_assigned_id = assignee_id
            changed.append(conversation)
        setting.updated_at = now
        setting.save(update_fields=["last_assigned", "updated_at"])
    update_rows(Conversation, changed, ["assignee", "team"], tenant_id=tenant_id)
    return events


def _candidate_ids(tenant_id: int, setting: AutoAssignment) -> list[int]:
    if setting.team_id is not None:
        team_members = TeamMember.objects.for_tenant(tenant_id).filter(team_id=setting.team_id)
        return list(team_members.values_list("user_id", flat=True))
    return list(Membership.objects.for_tenant(tenant_id).values_list("user_id", flat=True))
