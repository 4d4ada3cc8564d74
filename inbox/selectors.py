"""Reads of the inbox: conversations, their threads, contacts, their consent and files, always for a
named tenant."""

from __future__ import annotations

import re
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import Case, CharField, Count, Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, JSONObject, Lower
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.crypto import LookupHashField, stored_value
from accounts.models import Membership, Tenant, User
from accounts.selectors import tenant_members
from inbox.consent import DEFAULT_OPT_OUT_CONFIRMATION, DEFAULT_OPT_OUT_KEYWORDS
from inbox.models import (
    Activity,
    AgentStatus,
    Attachment,
    AttachmentState,
    AutoAssignment,
    Availability,
    Broadcast,
    BroadcastRecipient,
    CannedResponse,
    Channel,
    ConsentEvent,
    ConsentSettings,
    Contact,
    Conversation,
    ConversationLabel,
    ConversationStatus,
    Direction,
    EventSequence,
    Label,
    Message,
    MessageStatus,
    MessageType,
    OptInRequest,
    Reaction,
    RecipientOutcome,
    Team,
    TeamMember,
    TenantEvent,
)
from inbox.policy import (
    WORKING_STATUSES,
    AgentLoad,
    ConsentState,
    ServiceWindow,
    consent_state,
    customer_service_window,
)
from inbox.search import (
    MAX_SEARCH_LENGTH,
    InvalidSearch,
    SearchTerms,
    matching_contacts,
    search_conversations,
    search_terms,
)


def conversations(
    *,
    tenant: Tenant,
    status: str | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    updated_since: datetime | None = None,
    channel_id: int | None = None,
    label_id: int | None = None,
    team_id: int | None = None,
    search: SearchTerms | None = None,
) -> QuerySet[Conversation]:
    """The tenant's conversations, most recently updated first, with their contact. `search`
    finds conversations as the list's search does (inbox.search)."""
    queryset: QuerySet[Conversation] = Conversation.objects.for_tenant(tenant).select_related("contact")
    if status is not None:
        queryset = queryset.filter(status=status)
    if unassigned:
        queryset = queryset.filter(assignee__isnull=True)
    elif assignee_id is not None:
        queryset = queryset.filter(assignee_id=assignee_id)
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    if channel_id is not None:
        queryset = queryset.filter(channel_id=channel_id)
    queryset = _narrowed(queryset, tenant_id=tenant.pk, label_id=label_id, team_id=team_id)
    if search is not None:
        queryset = search_conversations(queryset, tenant_id=tenant.pk, terms=search)
    return queryset.order_by("-updated_at", "-id")


def conversation_get(*, tenant: Tenant, conversation_id: int) -> Conversation | None:
    """One of the tenant's conversations; None when it is missing or another tenant's."""
    return conversations(tenant=tenant).filter(pk=conversation_id).first()


def conversation_messages(*, tenant: Tenant, conversation: Conversation) -> QuerySet[Message]:
    """A conversation's thread, oldest first. Reactions are not entries of the thread: they
    are shown on the message they react to (see `thread_entries`)."""
    return (
        Message.objects.for_tenant(tenant)
        .filter(conversation=conversation)
        .exclude(type=MessageType.REACTION)
        .order_by("sent_at", "id")
    )


@dataclass(frozen=True)
class ThreadEntry:
    """A message with what is shown with it: the reactions on it and its file."""

    message: Message
    reactions: list[Reaction] = field(default_factory=list)
    attachment: Attachment | None = None


def thread_entries(*, tenant: Tenant, messages: Sequence[Message]) -> list[ThreadEntry]:
    """Reactions and attachments of a page of messages, in one query each."""
    ids = [message.pk for message in messages]
    reactions: dict[int, list[Reaction]] = defaultdict(list)
    for reaction in Reaction.objects.for_tenant(tenant).filter(message_id__in=ids).order_by("reacted_at", "id"):
        reactions[reaction.message_id].append(reaction)
    attachments = {a.message_id: a for a in Attachment.objects.for_tenant(tenant).filter(message_id__in=ids)}
    return [
        ThreadEntry(message=message, reactions=reactions[message.pk], attachment=attachments.get(message.pk))
        for message in messages
    ]


def attachment_ready(*, tenant: Tenant, message_id: int) -> Attachment | None:
    """The stored file of one of the tenant's messages; None unless it is downloaded and kept."""
    return (
        Attachment.objects.for_tenant(tenant)
        .filter(message_id=message_id, state=AttachmentState.READY)
        .exclude(file="")
        .first()
    )


def with_wa_id(*wa_ids: str, tenant_id: int) -> Q:
    """A filter of contacts with any of these WhatsApp ids: wa_id is encrypted, so they are
    found by its keyed hash."""
    field = Contact._meta.get_field("wa_id_hash")
    assert isinstance(field, LookupHashField)
    return Q(wa_id_hash__in=[field.hash_of(wa_id, tenant_id=tenant_id) for wa_id in wa_ids if wa_id])


def contacts(*, tenant: Tenant, search: str = "") -> QuerySet[Contact]:
    """The tenant's contacts, newest first; `search` finds them as the conversation list's search
    does (inbox.search): words of the name or profile name from their start, any case or accent,
    or the digits of the phone anywhere, so "+49 151-23" finds "+4915123456789"."""
    terms = search_terms(search[:MAX_SEARCH_LENGTH])
    if terms is None:
        return Contact.objects.for_tenant(tenant).order_by("-id")
    return matching_contacts(tenant_id=tenant.pk, terms=terms).order_by("-id")


RESYNC_PAGE_SIZE = 500


def events_after(*, tenant_id: int, after: int, limit: int = RESYNC_PAGE_SIZE) -> tuple[list[dict[str, Any]], bool]:
    """The tenant's events numbered after `after`, as they were published; and whether that is all."""
    rows = list(TenantEvent.objects.for_tenant(tenant_id).filter(seq__gt=after).order_by("seq")[: limit + 1])
    events = [{"seq": row.seq, "type": row.type, **row.payload} for row in rows[:limit]]
    return events, len(rows) <= limit


def last_messages(*, tenant: Tenant, conversation_ids: Sequence[int]) -> dict[int, Message]:
    """The latest message (reactions aside) of each conversation, in one query."""
    latest = (
        Message.objects.for_tenant(tenant)
        .filter(conversation_id__in=list(conversation_ids))
        .exclude(type=MessageType.REACTION)
        .order_by("conversation_id", "-sent_at", "-id")
        .distinct("conversation_id")
    )
    return {message.conversation_id: message for message in latest}


def contact_get(*, tenant: Tenant, contact_id: int) -> Contact | None:
    """One of the tenant's contacts; None when it is missing or another tenant's."""
    return Contact.objects.for_tenant(tenant).filter(pk=contact_id).first()


def consent_history(*, tenant: Tenant | int, contact: Contact) -> QuerySet[ConsentEvent]:
    """A contact's consent events, newest first."""
    return ConsentEvent.objects.for_tenant(tenant).filter(contact_id=contact.pk).order_by("-occurred_at", "-id")


def consent_state_of(*, tenant: Tenant | int, contact: Contact) -> ConsentState:
    """A contact's consent, derived from its whole history in one query."""
    events = ConsentEvent.objects.for_tenant(tenant).filter(contact_id=contact.pk)
    return consent_state(events.values_list("kind", "scope", "occurred_at"))


def consent_states(*, tenant: Tenant | int, contact_ids: Sequence[int]) -> dict[int, ConsentState]:
    """The consent of each of the contacts (those without history too), in one query."""
    histories: dict[int, list[tuple[str, str, datetime]]] = {contact_id: [] for contact_id in contact_ids}
    if histories:
        rows = (
            ConsentEvent.objects.for_tenant(tenant)
            .filter(contact_id__in=list(histories))
            .values_list("contact_id", "kind", "scope", "occurred_at")
        )
        for contact_id, kind, scope, occurred_at in rows:
            histories[contact_id].append((kind, scope, occurred_at))
    return {contact_id: consent_state(history) for contact_id, history in histories.items()}


def consent_settings(*, tenant: Tenant | int) -> ConsentSettings:
    """The tenant's opt-out keywords and confirmation; until an admin saves some, the defaults
    (an unsaved row: reading writes nothing)."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    stored = ConsentSettings.objects.for_tenant(tenant_id).first()
    if stored is not None:
        return stored
    return ConsentSettings(
        tenant_id=tenant_id,
        opt_out_keywords=list(DEFAULT_OPT_OUT_KEYWORDS),
        opt_out_confirmation=DEFAULT_OPT_OUT_CONFIRMATION,
    )


def opt_in_requests_pending(*, tenant: Tenant | int, channel_id: int) -> QuerySet[OptInRequest]:
    """Double opt-ins asked for on the channel and not confirmed (yet): no consent."""
    return OptInRequest.objects.for_tenant(tenant).filter(channel_id=channel_id, confirmed_at__isnull=True)


# Broadcasts -------------------------------------------------------------------------------------

# Where a recipient is now, each in exactly one: its own outcome until it became a message, then
# its message's status ("queued" while the message waits for the sender, or if it was erased).
RECIPIENT_PROGRESS = (
    "pending", "rejected", "cancelled", "queued", "accepted", "sent", "delivered", "read", "failed",
)  # fmt: skip
_DELIVERY = (MessageStatus.ACCEPTED, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ,
             MessageStatus.FAILED)  # fmt: skip


@dataclass(frozen=True)
class BroadcastCounts:
    """How many of a broadcast's recipients are where; the parts add up to `total`."""

    pending: int = 0
    rejected: int = 0
    cancelled: int = 0
    queued: int = 0
    accepted: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, progress) for progress in RECIPIENT_PROGRESS)

    @property
    def processed(self) -> int:
        """Recipients past queueing: everyone but those still waiting to be queued."""
        return self.total - self.pending


def _progress() -> Case:
    made_message = Q(outcome=RecipientOutcome.QUEUED)
    return Case(
        *(When(made_message & Q(message__status=status), then=Value(status.value)) for status in _DELIVERY),
        default=F("outcome"),
        output_field=CharField(),
    )


def broadcasts(*, tenant: Tenant | int) -> QuerySet[Broadcast]:
    """The tenant's broadcasts, newest first."""
    return Broadcast.objects.for_tenant(tenant).order_by("-id")


def broadcast_get(*, tenant: Tenant | int, broadcast_id: int) -> Broadcast | None:
    """One of the tenant's broadcasts; None when it is missing or another tenant's."""
    return broadcasts(tenant=tenant).filter(pk=broadcast_id).first()


def broadcast_counts(*, tenant: Tenant | int, broadcast_ids: Sequence[int]) -> dict[int, BroadcastCounts]:
    """Each broadcast's counts, in one query, read from its recipients and their messages."""
    found: dict[int, dict[str, int]] = {broadcast_id: {} for broadcast_id in broadcast_ids}
    if found:
        rows = (
            BroadcastRecipient.objects.for_tenant(tenant)
            .filter(broadcast_id__in=list(found))
            .values("broadcast_id", progress=_progress())
            .annotate(count=Count("id"))
            .order_by()
        )
        for row in rows:
            found[row["broadcast_id"]][row["progress"]] = row["count"]
    return {broadcast_id: BroadcastCounts(**counts) for broadcast_id, counts in found.items()}


def broadcast_recipients(
    *, tenant: Tenant | int, broadcast: Broadcast, progress: str | None = None
) -> QuerySet[BroadcastRecipient]:
    """A broadcast's recipients in row order, each with its `progress`; only those there, if given."""
    recipients = (
        BroadcastRecipient.objects.for_tenant(tenant)
        .filter(broadcast=broadcast)
        .select_related("message")
        .annotate(progress=_progress())
    )
    if progress is not None:
        recipients = recipients.filter(progress=progress)
    return recipients.order_by("row")


# Set-up: teams, labels, canned responses, automatic assignment ------------------------------------


def teams(*, tenant: Tenant | int) -> QuerySet[Team]:
    return Team.objects.for_tenant(tenant).order_by(Lower("name"), "id")


def team_member_ids(*, tenant: Tenant | int, team_ids: Sequence[int]) -> dict[int, list[int]]:
    """Each team's members' user ids, in one query; people who left the workspace are not counted."""
    found: dict[int, list[int]] = {team_id: [] for team_id in team_ids}
    rows = (
        TeamMember.objects.for_tenant(tenant)
        .filter(team_id__in=list(found), user__memberships__tenant=tenant)
        .values_list("team_id", "user_id")
        .order_by("id")
    )
    for team_id, user_id in rows:
        found[team_id].append(user_id)
    return found


def labels(*, tenant: Tenant | int) -> QuerySet[Label]:
    return Label.objects.for_tenant(tenant).order_by(Lower("name"), "id")


def canned_responses(*, tenant: Tenant | int) -> QuerySet[CannedResponse]:
    return CannedResponse.objects.for_tenant(tenant).order_by("shortcut")


def channels(*, tenant: Tenant | int) -> QuerySet[Channel]:
    return Channel.objects.for_tenant(tenant).order_by("name", "id")


def auto_assignments(*, tenant: Tenant | int) -> dict[int, AutoAssignment]:
    """The tenant's automatic assignment settings by channel id (channels without one have none yet)."""
    return {setting.channel_id: setting for setting in AutoAssignment.objects.for_tenant(tenant)}


# The conversation panel and assignment --------------------------------------------------------


@dataclass(frozen=True)
class MemberAvailability:
    """A member as assignment menus show them: who, and whether they take conversations now."""

    user_id: int
    name: str
    email: str
    availability: str

    @property
    def availability_label(self) -> str:
        return str(Availability(self.availability).label)


def agent_availability(*, tenant: Tenant | int, user_id: int) -> str:
    """A member's availability; offline until they say otherwise."""
    found = AgentStatus.objects.for_tenant(tenant).filter(user_id=user_id).values_list("availability", flat=True)
    return next(iter(found), Availability.OFFLINE)


def members_availability(*, tenant: Tenant) -> list[MemberAvailability]:
    """The tenant's members by name, each with their availability, in two queries."""
    statuses = dict(AgentStatus.objects.for_tenant(tenant).values_list("user_id", "availability"))
    return [
        MemberAvailability(
            user_id=membership.user_id,
            name=membership.user.name or membership.user.email,
            email=membership.user.email,
            availability=statuses.get(membership.user_id, Availability.OFFLINE),
        )
        for membership in tenant_members(tenant)
    ]


def agent_loads(*, tenant: Tenant | int, user_ids: Sequence[int]) -> list[AgentLoad]:
    """Whether each member is online and how many conversations they are working on, in three
    queries. Ids of people who are not (or no longer) members of the tenant are left out."""
    memberships = Membership.objects.for_tenant(tenant).filter(user_id__in=list(user_ids))
    members = set(memberships.values_list("user_id", flat=True))
    online = set(
        AgentStatus.objects.for_tenant(tenant)
        .filter(user_id__in=members, availability=Availability.ONLINE)
        .values_list("user_id", flat=True)
    )
    open_counts = dict(
        Conversation.objects.for_tenant(tenant)
        .filter(assignee_id__in=members, status__in=WORKING_STATUSES)
        .values("assignee_id")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("assignee_id", "count")
    )
    return [
        AgentLoad(user_id=user_id, is_online=user_id in online, open_count=open_counts.get(user_id, 0))
        for user_id in sorted(members)
    ]


def conversation_labels(*, tenant: Tenant | int, conversation_id: int) -> list[Label]:
    """A conversation's labels, by name."""
    links = ConversationLabel.objects.for_tenant(tenant).filter(conversation_id=conversation_id)
    return list(labels(tenant=tenant).filter(pk__in=links.values("label_id")))


def contact_conversations(
    *, tenant: Tenant | int, contact_id: int, exclude_id: int | None = None, limit: int = 10
) -> list[Conversation]:
    """A contact's conversations (on every number), newest first, without `exclude_id`."""
    queryset = Conversation.objects.for_tenant(tenant).filter(contact_id=contact_id)
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    return list(queryset.order_by("-created_at", "-id")[:limit])


# The agent inbox's thread: messages and activities, interleaved by time ------------------------

THREAD_PAGE_SIZE = 40
# Activities shown with one page of messages, at most: a page is a stretch of time, and a
# conversation with thousands of label changes in one stretch would otherwise have no bound.
THREAD_ACTIVITY_LIMIT = 500


@dataclass(frozen=True)
class ThreadItem:
    """One entry of a thread, at its time: a message (with its reactions and file), or an activity."""

    at: datetime
    entry: ThreadEntry | None = None
    activity: Activity | None = None


@dataclass(frozen=True)
class ThreadPage:
    """A stretch of a thread, oldest first, and where the stretch before it starts."""

    items: list[ThreadItem]
    # The id of this page's oldest message, to ask for the page before it; None when it is the first.
    older_cursor: int | None
    # The names of the members the page's notes mention, by user id.
    mentioned: dict[int, tuple[str, str]]


def _thread_messages(*, tenant: Tenant | int, conversation: Conversation) -> QuerySet[Message]:
    return (
        Message.objects.for_tenant(tenant)
        .filter(conversation_id=conversation.pk)
        .exclude(type=MessageType.REACTION)
        .select_related("reply_to", "author")
    )


def thread_page(
    *, tenant: Tenant, conversation: Conversation, before: Message | None = None, limit: int = THREAD_PAGE_SIZE
) -> ThreadPage:
    """The latest `limit` messages of the conversation (those before `before`, if given) and the
    activities of the same stretch of time, in five queries.

    Pages split time, not rows: a page holds the activities from its oldest message up to the
    next page's oldest message, the first page every activity before that, so each activity is
    on exactly one page.
    """
    messages = _thread_messages(tenant=tenant, conversation=conversation)
    if before is not None:
        messages = messages.filter(Q(sent_at__lt=before.sent_at) | Q(sent_at=before.sent_at, id__lt=before.pk))
    newest_first = list(messages.order_by("-sent_at", "-id")[: limit + 1])
    has_older = len(newest_first) > limit
    page = newest_first[:limit][::-1]
    activities = Activity.objects.for_tenant(tenant).filter(conversation_id=conversation.pk).select_related("actor")
    if before is not None:
        activities = activities.filter(created_at__lt=before.sent_at)
    if has_older:
        activities = activities.filter(created_at__gte=page[0].sent_at)
    found_activities = list(activities.order_by("-created_at", "-id")[:THREAD_ACTIVITY_LIMIT])[::-1]
    entries = thread_entries(tenant=tenant, messages=page)
    items = [ThreadItem(at=entry.message.sent_at, entry=entry) for entry in entries]
    items += [ThreadItem(at=activity.created_at, activity=activity) for activity in found_activities]
    items.sort(key=_thread_order)
    return ThreadPage(
        items=items,
        older_cursor=page[0].pk if has_older else None,
        mentioned=_mentioned_members(tenant, found_activities),
    )


def _thread_order(item: ThreadItem) -> tuple[datetime, bool, int]:
    # At the same instant a message comes before an activity (the reply, then its assignment).
    if item.entry is not None:
        return (item.at, False, item.entry.message.pk)
    assert item.activity is not None
    return (item.at, True, item.activity.pk)


def _mentioned_members(tenant: Tenant | int, activities: Sequence[Activity]) -> dict[int, tuple[str, str]]:
    """(name, email) of the members the activities' notes mention; people who left are not listed."""
    user_ids = {user_id for activity in activities for user_id in activity.mentions}
    if not user_ids:
        return {}
    members = Membership.objects.for_tenant(tenant).filter(user_id__in=user_ids).select_related("user")
    return {member.user_id: (member.user.name, member.user.email) for member in members}


def thread_message(*, tenant: Tenant, conversation: Conversation, message_id: int) -> ThreadEntry | None:
    """One message of the conversation's thread with its reactions and file; None when it is not one
    (another conversation's, another tenant's, or a reaction, which shows on its target)."""
    message = _thread_messages(tenant=tenant, conversation=conversation).filter(pk=message_id).first()
    return thread_entries(tenant=tenant, messages=[message])[0] if message is not None else None


def thread_activity(*, tenant: Tenant, conversation: Conversation, activity_id: int) -> ThreadPage | None:
    """One activity of the conversation, as a page of one (with the members its note mentions)."""
    activity = (
        Activity.objects.for_tenant(tenant)
        .filter(conversation_id=conversation.pk, pk=activity_id)
        .select_related("actor")
        .first()
    )
    if activity is None:
        return None
    items = [ThreadItem(at=activity.created_at, activity=activity)]
    return ThreadPage(items=items, older_cursor=None, mentioned=_mentioned_members(tenant, [activity]))


def last_event_seq(*, tenant_id: int) -> int:
    """The number of the tenant's latest live event (0 before the first): a page rendered after
    reading it shows everything up to it, so its browser asks for what comes after."""
    found = EventSequence.objects.for_tenant(tenant_id).values_list("last_seq", flat=True).first()
    return found or 0


def conversation_exists(*, tenant: Tenant | int, conversation_id: int) -> bool:
    """Whether the conversation is the tenant's (False for another tenant's, as for none)."""
    return Conversation.objects.for_tenant(tenant).filter(pk=conversation_id).exists()


# The conversation list: the inbox's left pane -----------------------------------------------------

# A page fills the list pane two or three times over; "load more" brings the next.
LIST_PAGE_SIZE = 25
MAX_LIST_PAGE_SIZE = 200
# Enough of the last message for a row's preview line; the rest stays in the database.
PREVIEW_LENGTH = 160
# The list's order: last activity, newest first. A conversation without messages yet counts from
# its creation, so every row has a place (the list indexes of migration 0007 are built on this).
LAST_ACTIVITY = Coalesce(F("last_message_at"), F("created_at"))
LIST_ORDER = [LAST_ACTIVITY.desc(), F("id").desc()]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_Conversations = TypeVar("_Conversations", bound=QuerySet[Conversation])
_CSS_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_LABEL_COLOR = "#64748b"


class ListView(models.TextChoices):
    MINE = "mine", _("Mine")
    UNASSIGNED = "unassigned", _("Unassigned")
    ALL = "all", _("All")


class InvalidListFilter(ValueError):
    """A filter of the list that can't be applied: `field` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MessagePreview:
    """The start of a conversation's last message, for its row."""

    direction: str
    type: str
    text: str

    @property
    def is_outbound(self) -> bool:
        return self.direction == Direction.OUTBOUND

    @property
    def type_label(self) -> str:
        return str(MessageType(self.type).label) if self.type in MessageType.values else self.type


@dataclass(frozen=True)
class LabelChip:
    id: int
    name: str
    color: str

    @property
    def css_color(self) -> str:
        """The colour, when it is one ("#rrggbb"): it goes into a style attribute."""
        return self.color if _CSS_COLOR.fullmatch(self.color) else DEFAULT_LABEL_COLOR


@dataclass(frozen=True)
class ConversationListRow:
    """A row of the list: what it shows of the conversation, its contact, assignee and team, read as
    plain values (a page is the inbox's most frequent request: no model instances to build)."""

    id: int
    status: str
    unread_count: int
    contact_name: str
    assignee_name: str | None
    team_name: str | None
    last_activity_at: datetime
    preview: MessagePreview | None
    labels: tuple[LabelChip, ...]
    window: ServiceWindow

    @property
    def status_label(self) -> str:
        return str(ConversationStatus(self.status).label)


@dataclass(frozen=True)
class ConversationPage:
    rows: list[ConversationListRow]
    # Where the next page starts (give it back as `cursor`); None on the last page.
    next_cursor: str | None


def conversation_list(
    *,
    tenant: Tenant,
    user: User | None,
    view: str = ListView.ALL,
    status: str | None = None,
    label_id: int | None = None,
    team_id: int | None = None,
    search: str = "",
    cursor: str | None = None,
    limit: int = LIST_PAGE_SIZE,
    now: datetime | None = None,
    conversation_id: int | None = None,
) -> ConversationPage:
    """A page of the tenant's conversations for `user`, newest activity first, in one query.

    `view` is mine (assigned to `user`), unassigned or all; `status`, `label_id`, `team_id`
    and `search` (see inbox.search) narrow it. Pages are keyset-paginated: `cursor` is the
    previous page's `next_cursor`. With `conversation_id`, the page holds at most that
    conversation, when it passes the filters (a row to refresh live). Each row carries its
    last message's preview and its labels, read by subqueries of the same query, and its
    customer service window at `now`. A label or team of another tenant matches nothing.
    Raises InvalidListFilter for an unknown view or status, "mine" without a user, a bad
    cursor, a search too long or a limit out of 1..MAX_LIST_PAGE_SIZE.
    """
    if not 1 <= limit <= MAX_LIST_PAGE_SIZE:
        raise InvalidListFilter("limit", f"Ask for 1 to {MAX_LIST_PAGE_SIZE} conversations a page.")
    queryset = _listed_conversations(tenant=tenant, user=user, view=view, status=status)
    queryset = _narrowed(queryset, tenant_id=tenant.pk, label_id=label_id, team_id=team_id)
    if conversation_id is not None:
        queryset = queryset.filter(pk=conversation_id)
    if cursor:
        queryset = queryset.filter(_listed_after(_list_position(cursor)))
    terms = _search_terms(search)
    if terms is not None:
        queryset = search_conversations(queryset, tenant_id=tenant.pk, terms=terms)
    found = list(_row_values(queryset, tenant_id=tenant.pk).order_by(*LIST_ORDER)[: limit + 1])
    now = now or timezone.now()
    rows = [_list_row(values, now) for values in found[:limit]]
    next_cursor = None
    if len(found) > limit:
        last = rows[-1]
        next_cursor = list_cursor(last_activity_at=last.last_activity_at, conversation_id=last.id)
    return ConversationPage(rows=rows, next_cursor=next_cursor)


def default_list_view(*, tenant: Tenant, user: User) -> str:
    """Where an agent's list opens: their own open conversations if they have any, else all."""
    has_own = Conversation.objects.for_tenant(tenant).filter(assignee=user, status=ConversationStatus.OPEN).exists()
    return ListView.MINE if has_own else ListView.ALL


def list_cursor(*, last_activity_at: datetime, conversation_id: int) -> str:
    """An opaque place in the list: just after this row."""
    microseconds = (last_activity_at - _EPOCH) // timedelta(microseconds=1)
    return urlsafe_b64encode(f"{microseconds}.{conversation_id}".encode()).decode().rstrip("=")


def _list_position(cursor: str) -> tuple[datetime, int]:
    try:
        decoded = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        found = re.fullmatch(r"(-?[0-9]{1,18})\.([0-9]{1,18})", decoded)
        if found is None:
            raise ValueError(decoded)
        return _EPOCH + timedelta(microseconds=int(found[1])), int(found[2])
    except (ValueError, OverflowError):
        raise InvalidListFilter(
            "cursor", "This page link is not valid (any more): start again from the first page."
        ) from None


def _listed_after(position: tuple[datetime, int]) -> LessThan[Any]:
    """(last activity, id) < the cursor's, as one row comparison: the list indexes answer it as a
    range, where the same written with OR would be read from the top of the list on every page."""
    last_activity_at, conversation_id = position
    row = Func(LAST_ACTIVITY, F("id"), function="ROW", output_field=models.Field())
    after = Func(Value(last_activity_at), Value(conversation_id), function="ROW", output_field=models.Field())
    return LessThan(row, after)


def _listed_conversations(
    *, tenant: Tenant, user: User | None, view: str, status: str | None
) -> QuerySet[Conversation]:
    queryset = Conversation.objects.for_tenant(tenant)
    if view == ListView.MINE:
        if user is None:
            raise InvalidListFilter("view", "“Mine” is the conversations assigned to you: it needs a signed-in member.")
        queryset = queryset.filter(assignee_id=user.pk)
    elif view == ListView.UNASSIGNED:
        queryset = queryset.filter(assignee__isnull=True)
    elif view != ListView.ALL:
        raise InvalidListFilter("view", f"Unknown view {view!r}: use mine, unassigned or all.")
    if status is not None:
        if status not in ConversationStatus.values:
            raise InvalidListFilter("status", f"Unknown status {status!r}: use open, pending, snoozed or resolved.")
        queryset = queryset.filter(status=status)
    return queryset


def _narrowed(queryset: _Conversations, *, tenant_id: int, label_id: int | None, team_id: int | None) -> _Conversations:
    if label_id is not None:
        labelled = ConversationLabel.objects.for_tenant(tenant_id).filter(
            conversation_id=OuterRef("pk"), label_id=label_id
        )
        queryset = queryset.filter(Exists(labelled))
    if team_id is not None:
        queryset = queryset.filter(team_id=team_id)
    return queryset


def _search_terms(search: str) -> SearchTerms | None:
    try:
        return search_terms(search)
    except InvalidSearch as error:
        raise InvalidListFilter("q", str(error)) from None


def _row_values(queryset: QuerySet[Conversation], *, tenant_id: int) -> QuerySet[Conversation, Any]:
    """What a row shows, as values: the conversation's, its relations', and as subqueries PostgreSQL
    runs for the page's rows only, the last message (by the message_thread index) and the labels."""
    last_message = (
        Message.objects.for_tenant(tenant_id)
        .filter(conversation_id=OuterRef("pk"))
        .exclude(type=MessageType.REACTION)
        .order_by("-sent_at", "-id")
        # The whole text: it is encrypted, so it is cut to the preview's length once decrypted.
        .values(preview=JSONObject(direction="direction", type="type", text="text"))[:1]
    )
    labels = (
        ConversationLabel.objects.for_tenant(tenant_id)
        .filter(conversation_id=OuterRef("pk"))
        .order_by(Lower("label__name"), "label_id")
        .values(chip=JSONObject(id="label_id", name="label__name", color="label__color"))
    )
    return queryset.values(
        "id", "status", "unread_count", "last_inbound_at",
        "contact__name", "contact__profile_name", "contact__phone", "contact__wa_id",
        "assignee__name", "assignee__email", "team__name",
        last_activity_at=LAST_ACTIVITY, preview=Subquery(last_message), label_chips=ArraySubquery(labels),
    )  # fmt: skip


def _preview(values: dict[str, Any]) -> MessagePreview:
    # Built by JSONObject in SQL, so no field decrypted it on the way.
    text = stored_value(Message, "text", values["text"]) or ""
    return MessagePreview(**{**values, "text": text[:PREVIEW_LENGTH]})


def _list_row(values: dict[str, Any], now: datetime) -> ConversationListRow:
    contact_name = next(
        (values[name] for name in ("contact__name", "contact__profile_name", "contact__phone") if values[name]),
        values["contact__wa_id"],
    )  # as Contact.display_name
    preview = values["preview"]
    return ConversationListRow(
        id=values["id"],
        status=values["status"],
        unread_count=values["unread_count"],
        contact_name=contact_name,
        assignee_name=values["assignee__name"] or values["assignee__email"],
        team_name=values["team__name"],
        last_activity_at=values["last_activity_at"],
        preview=_preview(preview) if preview else None,
        labels=tuple(LabelChip(**chip) for chip in values["label_chips"]),
        window=customer_service_window(last_inbound_at=values["last_inbound_at"], now=now),
    )
