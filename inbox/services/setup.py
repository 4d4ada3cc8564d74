"""Writes of the inbox's set-up: teams and their members, labels, canned responses and each
channel's automatic assignment. Admins only; each write is validated and audited.

Errors are `ServiceError`s whose `details["field"]` names the form field they are about, so a
page can show each one next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.errors import ConflictError, ServiceError
from accounts.models import Membership, Role
from accounts.services import Actor, audit_record, require_role
from inbox.models import AutoAssignment, CannedResponse, Channel, EventSequence, Label, Team, TeamMember
from inbox.services.events import Event, events_emit, lock_tenant_events

TEAM_NAME_MAX_LENGTH = Team._meta.get_field("name").max_length or 80
LABEL_NAME_MAX_LENGTH = Label._meta.get_field("name").max_length or 40
SHORTCUT_MAX_LENGTH = CannedResponse._meta.get_field("shortcut").max_length or 40
TITLE_MAX_LENGTH = CannedResponse._meta.get_field("title").max_length or 120
# WhatsApp's limit for a text message's body.
CANNED_RESPONSE_MAX_LENGTH = 4096
MAX_OPEN_PER_AGENT_LIMIT = 1000

COLOR_PATTERN = re.compile(r"#[0-9a-f]{6}")
SHORTCUT_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
PLACEHOLDER_PATTERN = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# What the composer fills in when an agent inserts a canned response.
CANNED_RESPONSE_PLACEHOLDERS = ("contact.first_name", "contact.name")


def _invalid(message: str, *, code: str, field: str) -> ServiceError:
    return ServiceError(message, code=code, details={"field": field})


def _clean_name(name: str, *, max_length: int) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise _invalid(_("Enter a name."), code="invalid_name", field="name")
    if len(cleaned) > max_length:
        raise _invalid(
            _("Keep the name to %(limit)d characters or fewer.") % {"limit": max_length},
            code="invalid_name",
            field="name",
        )
    return cleaned


# Teams ------------------------------------------------------------------------------------------


def _tell_inboxes(sequence: EventSequence, what: str) -> None:
    """Open inboxes show team and label names on their rows and panels: a renamed or deleted
    one is redrawn (`workspace.changed`, with `what`: "teams" or "labels"). The event lock is
    taken first in the transaction, like every writer that emits events, so none waits on
    another holding it while it waits on them."""
    events_emit(sequence=sequence, events=[Event("workspace.changed", {"what": what})])


def _check_team_name_free(*, tenant_id: int, name: str, team: Team | None = None) -> None:
    others = Team.objects.for_tenant(tenant_id).filter(name__iexact=name)
    if team is not None:
        others = others.exclude(pk=team.pk)
    if others.exists():
        raise ConflictError(
            _("There is already a team called “%(name)s”.") % {"name": name},
            code="duplicate_name",
            details={"field": "name"},
        )


def _member_user_ids(*, tenant_id: int, user_ids: Iterable[int]) -> set[int]:
    """`user_ids` if each is a member of the tenant; anyone else is refused, never ignored."""
    wanted = set(user_ids)
    members = set(Membership.objects.for_tenant(tenant_id).filter(user_id__in=wanted).values_list("user_id", flat=True))
    if wanted - members:
        raise _invalid(_("Only members of this workspace can join a team."), code="invalid_member", field="members")
    return members


def _set_team_members(*, team: Team, user_ids: set[int]) -> tuple[list[int], list[int]]:
    """Make the team's members exactly `user_ids`; returns who was added and who removed."""
    current = set(TeamMember.objects.for_tenant(team.tenant_id).filter(team=team).values_list("user_id", flat=True))
    added, removed = sorted(user_ids - current), sorted(current - user_ids)
    if removed:
        TeamMember.objects.for_tenant(team.tenant_id).filter(team=team, user_id__in=removed).delete()
    TeamMember.objects.for_tenant(team.tenant_id).bulk_create(
        [TeamMember(tenant_id=team.tenant_id, team=team, user_id=user_id) for user_id in added]
    )
    return added, removed


def team_create(*, actor: Actor, name: str, member_ids: Iterable[int] = ()) -> Team:
    require_role(actor, Role.ADMIN)
    cleaned = _clean_name(name, max_length=TEAM_NAME_MAX_LENGTH)
    members = _member_user_ids(tenant_id=actor.tenant_id, user_ids=member_ids)
    _check_team_name_free(tenant_id=actor.tenant_id, name=cleaned)
    try:
        with transaction.atomic():
            team = Team.objects.for_tenant(actor.tenant_id).create(tenant_id=actor.tenant_id, name=cleaned)
            _set_team_members(team=team, user_ids=members)
            audit_record(actor=actor, action="team.created", target=team, details={"members": sorted(members)})
    except IntegrityError:  # created by someone else between the check and the insert
        raise ConflictError(
            _("There is already a team called “%(name)s”.") % {"name": cleaned},
            code="duplicate_name",
            details={"field": "name"},
        ) from None
    return team


def team_update(*, actor: Actor, team: Team, name: str, member_ids: Iterable[int]) -> Team:
    """Rename the team and make its members exactly `member_ids`."""
    require_role(actor, Role.ADMIN)
    cleaned = _clean_name(name, max_length=TEAM_NAME_MAX_LENGTH)
    members = _member_user_ids(tenant_id=actor.tenant_id, user_ids=member_ids)
    _check_team_name_free(tenant_id=actor.tenant_id, name=cleaned, team=team)
    with transaction.atomic():
        sequence = lock_tenant_events(actor.tenant_id)
        details: dict[str, object] = {}
        if cleaned != team.name:
            details["name"] = [team.name, cleaned]
            team.name = cleaned
            team.save(update_fields=["name"])
        added, removed = _set_team_members(team=team, user_ids=members)
        if added:
            details["members_added"] = added
        if removed:
            details["members_removed"] = removed
        if details:
            audit_record(actor=actor, action="team.updated", target=team, details=details)
        if "name" in details:
            _tell_inboxes(sequence, "teams")
    return team


def team_delete(*, actor: Actor, team: Team) -> None:
    """Delete the team; its conversations keep their assignee and lose the team."""
    require_role(actor, Role.ADMIN)
    with transaction.atomic():
        sequence = lock_tenant_events(actor.tenant_id)
        # A channel that hands new conversations to this team would silently hand them to
        # everyone once the team is gone, so that has to be changed first.
        assigning = list(
            AutoAssignment.objects.for_tenant(actor.tenant_id)
            .filter(team=team, enabled=True)
            .values_list("channel__name", flat=True)
        )
        if assigning:
            raise ConflictError(
                _(
                    "New conversations of %(channels)s go to this team automatically: "
                    "choose another team in Assignment first."
                )
                % {"channels": ", ".join(sorted(assigning))},
                code="team_in_use",
            )
        audit_record(actor=actor, action="team.deleted", target=team, target_label=team.name)
        team.delete()
        _tell_inboxes(sequence, "teams")


# Labels -----------------------------------------------------------------------------------------


def _clean_color(color: str) -> str:
    cleaned = color.strip().lower()
    if not COLOR_PATTERN.fullmatch(cleaned):
        raise _invalid(
            _("Enter a colour as # and six hexadecimal digits, for example #2563eb."),
            code="invalid_color",
            field="color",
        )
    return cleaned


def _check_label_name_free(*, tenant_id: int, name: str, label: Label | None = None) -> None:
    others = Label.objects.for_tenant(tenant_id).filter(name__iexact=name)
    if label is not None:
        others = others.exclude(pk=label.pk)
    if others.exists():
        raise ConflictError(
            _("There is already a label called “%(name)s”.") % {"name": name},
            code="duplicate_name",
            details={"field": "name"},
        )


def label_create(*, actor: Actor, name: str, color: str) -> Label:
    require_role(actor, Role.ADMIN)
    cleaned = _clean_name(name, max_length=LABEL_NAME_MAX_LENGTH)
    cleaned_color = _clean_color(color)
    _check_label_name_free(tenant_id=actor.tenant_id, name=cleaned)
    try:
        with transaction.atomic():
            label = Label.objects.for_tenant(actor.tenant_id).create(
                tenant_id=actor.tenant_id, name=cleaned, color=cleaned_color
            )
            audit_record(actor=actor, action="label.created", target=label, details={"color": cleaned_color})
    except IntegrityError:
        raise ConflictError(
            _("There is already a label called “%(name)s”.") % {"name": cleaned},
            code="duplicate_name",
            details={"field": "name"},
        ) from None
    return label


def label_update(*, actor: Actor, label: Label, name: str, color: str) -> Label:
    require_role(actor, Role.ADMIN)
    cleaned = _clean_name(name, max_length=LABEL_NAME_MAX_LENGTH)
    cleaned_color = _clean_color(color)
    _check_label_name_free(tenant_id=actor.tenant_id, name=cleaned, label=label)
    changes = {
        field: [getattr(label, field), value]
        for field, value in (("name", cleaned), ("color", cleaned_color))
        if getattr(label, field) != value
    }
    if not changes:
        return label
    with transaction.atomic():
        sequence = lock_tenant_events(actor.tenant_id)
        label.name, label.color = cleaned, cleaned_color
        label.save(update_fields=["name", "color"])
        audit_record(actor=actor, action="label.updated", target=label, details={"changes": changes})
        _tell_inboxes(sequence, "labels")
    return label


def label_delete(*, actor: Actor, label: Label) -> None:
    """Delete the label; it goes from every conversation that had it."""
    require_role(actor, Role.ADMIN)
    with transaction.atomic():
        sequence = lock_tenant_events(actor.tenant_id)
        audit_record(actor=actor, action="label.deleted", target=label, target_label=label.name)
        label.delete()
        _tell_inboxes(sequence, "labels")


# Canned responses -------------------------------------------------------------------------------


def _clean_canned_response(*, shortcut: str, title: str, body: str) -> tuple[str, str, str]:
    cleaned_shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT_PATTERN.fullmatch(cleaned_shortcut) or len(cleaned_shortcut) > SHORTCUT_MAX_LENGTH:
        raise _invalid(
            _(
                "A shortcut is one word of up to %(limit)d lower-case letters, digits, hyphens "
                "or underscores, for example “opening-hours”."
            )
            % {"limit": SHORTCUT_MAX_LENGTH},
            code="invalid_shortcut",
            field="shortcut",
        )
    cleaned_title = " ".join(title.split())
    if not cleaned_title:
        raise _invalid(_("Enter a title."), code="invalid_title", field="title")
    if len(cleaned_title) > TITLE_MAX_LENGTH:
        raise _invalid(
            _("Keep the title to %(limit)d characters or fewer.") % {"limit": TITLE_MAX_LENGTH},
            code="invalid_title",
            field="title",
        )
    cleaned_body = body.strip().replace("\r\n", "\n")
    if not cleaned_body:
        raise _invalid(_("Enter the text of the response."), code="invalid_body", field="body")
    if len(cleaned_body) > CANNED_RESPONSE_MAX_LENGTH:
        raise _invalid(
            _("The text is %(length)d characters long; WhatsApp allows %(limit)d.")
            % {"length": len(cleaned_body), "limit": CANNED_RESPONSE_MAX_LENGTH},
            code="invalid_body",
            field="body",
        )
    unknown = [name for name in PLACEHOLDER_PATTERN.findall(cleaned_body) if name not in CANNED_RESPONSE_PLACEHOLDERS]
    if unknown:
        raise _invalid(
            _("“{{%(name)s}}” can't be filled in: use {{contact.first_name}} or {{contact.name}}.")
            % {"name": unknown[0]},
            code="invalid_placeholder",
            field="body",
        )
    return cleaned_shortcut, cleaned_title, cleaned_body


def _check_shortcut_free(*, tenant_id: int, shortcut: str, canned_response: CannedResponse | None = None) -> None:
    others = CannedResponse.objects.for_tenant(tenant_id).filter(shortcut=shortcut)
    if canned_response is not None:
        others = others.exclude(pk=canned_response.pk)
    if others.exists():
        raise _duplicate_shortcut(shortcut)


def _duplicate_shortcut(shortcut: str) -> ConflictError:
    return ConflictError(
        _("The shortcut /%(shortcut)s is already taken.") % {"shortcut": shortcut},
        code="duplicate_shortcut",
        details={"field": "shortcut"},
    )


def canned_response_create(*, actor: Actor, shortcut: str, title: str, body: str, now: datetime) -> CannedResponse:
    require_role(actor, Role.ADMIN)
    cleaned_shortcut, cleaned_title, cleaned_body = _clean_canned_response(shortcut=shortcut, title=title, body=body)
    _check_shortcut_free(tenant_id=actor.tenant_id, shortcut=cleaned_shortcut)
    try:
        with transaction.atomic():
            canned_response = CannedResponse.objects.for_tenant(actor.tenant_id).create(
                tenant_id=actor.tenant_id,
                shortcut=cleaned_shortcut,
                title=cleaned_title,
                body=cleaned_body,
                created_by=actor.user,
                created_at=now,
                updated_at=now,
            )
            audit_record(actor=actor, action="canned_response.created", target=canned_response)
    except IntegrityError:
        raise _duplicate_shortcut(cleaned_shortcut) from None
    return canned_response


def canned_response_update(
    *, actor: Actor, canned_response: CannedResponse, shortcut: str, title: str, body: str, now: datetime
) -> CannedResponse:
    require_role(actor, Role.ADMIN)
    cleaned_shortcut, cleaned_title, cleaned_body = _clean_canned_response(shortcut=shortcut, title=title, body=body)
    _check_shortcut_free(tenant_id=actor.tenant_id, shortcut=cleaned_shortcut, canned_response=canned_response)
    changed = [
        field
        for field, value in (("shortcut", cleaned_shortcut), ("title", cleaned_title), ("body", cleaned_body))
        if getattr(canned_response, field) != value
    ]
    if not changed:
        return canned_response
    with transaction.atomic():
        canned_response.shortcut, canned_response.title, canned_response.body = (
            cleaned_shortcut,
            cleaned_title,
            cleaned_body,
        )
        canned_response.updated_at = now
        canned_response.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action="canned_response.updated", target=canned_response, details={"fields": changed})
    return canned_response


def canned_response_delete(*, actor: Actor, canned_response: CannedResponse) -> None:
    require_role(actor, Role.ADMIN)
    with transaction.atomic():
        audit_record(actor=actor, action="canned_response.deleted", target=canned_response)
        canned_response.delete()


# Automatic assignment ---------------------------------------------------------------------------


def auto_assignment_set(
    *, actor: Actor, channel: Channel, enabled: bool, team: Team | None, max_open_per_agent: int, now: datetime
) -> AutoAssignment:
    """Set how the channel's new conversations are assigned: round robin among the online agents
    (of `team`, or of the whole workspace) with fewer than `max_open_per_agent` open ones."""
    require_role(actor, Role.ADMIN)
    # Ids come from a form: both must be the actor's tenant's, whatever the caller checked.
    if channel.tenant_id != actor.tenant_id or (team is not None and team.tenant_id != actor.tenant_id):
        raise ServiceError(_("No such number or team."), code="not_found", http_status=404)
    if not 1 <= max_open_per_agent <= MAX_OPEN_PER_AGENT_LIMIT:
        raise _invalid(
            _("Enter a number from 1 to %(limit)d.") % {"limit": MAX_OPEN_PER_AGENT_LIMIT},
            code="invalid_max_open",
            field="max_open_per_agent",
        )
    with transaction.atomic():
        setting, created = (
            AutoAssignment.objects.for_tenant(actor.tenant_id)
            .select_for_update()
            .get_or_create(tenant_id=actor.tenant_id, channel=channel, defaults={"updated_at": now})
        )
        before = {"enabled": setting.enabled, "team": setting.team_id, "max_open_per_agent": setting.max_open_per_agent}
        after = {"enabled": enabled, "team": team.pk if team else None, "max_open_per_agent": max_open_per_agent}
        changes = {key: [before[key], after[key]] for key in before if created or before[key] != after[key]}
        if not changes:
            return setting
        setting.enabled, setting.team, setting.max_open_per_agent = enabled, team, max_open_per_agent
        setting.updated_at = now
        setting.save(update_fields=["enabled", "team", "max_open_per_agent", "updated_at"])
        audit_record(
            actor=actor,
            action="auto_assignment.changed",
            target=setting,
            target_label=channel.name,
            details={"changes": changes},
        )
    return setting
