"""Factories for the inbox. Each row takes its tenant from its parent (a conversation from its
channel, a message from its conversation…), so a test can't build a row that straddles tenants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.db.models import Model
from django.utils import timezone

from accounts.tenancy import TenantOwnedModel
from inbox.models import (
    AgentStatus,
    Attachment,
    AttachmentState,
    AutoAssignment,
    Availability,
    Channel,
    ChannelKind,
    ConsentEvent,
    ConsentKind,
    ConsentScope,
    ConsentSource,
    Contact,
    Conversation,
    ConversationLabel,
    Direction,
    Label,
    Message,
    MessageStatus,
    MessageType,
    Reaction,
    Team,
    TeamMember,
)
from tests.accounts.factories import TenantFactory, TenantOwnedFactory


class ChildFactory(TenantOwnedFactory[Any]):
    """A tenant-owned row whose tenant is its parent's; a related row of another tenant is refused."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type[Model], *args: Any, **kwargs: Any) -> Any:
        tenant = kwargs["tenant"]
        for name, value in kwargs.items():
            if isinstance(value, TenantOwnedModel):
                assert value.tenant_id == tenant.pk, f"{model_class.__name__}.{name} belongs to another tenant"
        return super()._create(model_class, *args, **kwargs)


class ChannelFactory(TenantOwnedFactory[Channel]):
    class Meta:
        model = Channel

    tenant = factory.SubFactory(TenantFactory)
    kind = ChannelKind.WHATSAPP
    name = factory.Sequence(lambda n: f"Support line {n}")


class ContactFactory(TenantOwnedFactory[Contact]):
    class Meta:
        model = Contact

    tenant = factory.SubFactory(TenantFactory)
    wa_id = factory.Sequence(lambda n: f"49151{n:08d}")
    phone = factory.LazyAttribute(lambda contact: f"+{contact.wa_id}")
    profile_name = factory.Sequence(lambda n: f"Customer {n}")


class ConversationFactory(ChildFactory):
    """Pass `channel=` (or `channel__tenant=`); the contact is made in the channel's tenant."""

    class Meta:
        model = Conversation

    channel = factory.SubFactory(ChannelFactory)
    tenant = factory.LazyAttribute(lambda conversation: conversation.channel.tenant)
    contact = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))


class MessageFactory(ChildFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    tenant = factory.LazyAttribute(lambda message: message.conversation.tenant)
    direction = Direction.INBOUND
    type = MessageType.TEXT
    text = factory.Sequence(lambda n: f"Message {n}")
    provider_message_id = factory.Sequence(lambda n: f"wamid.TEST{n:012d}")
    status = factory.LazyAttribute(
        lambda message: MessageStatus.RECEIVED if message.direction == Direction.INBOUND else MessageStatus.SENT
    )
    sent_at = factory.LazyFunction(timezone.now)


class ReactionFactory(ChildFactory):
    class Meta:
        model = Reaction

    message = factory.SubFactory(MessageFactory)
    tenant = factory.LazyAttribute(lambda reaction: reaction.message.tenant)
    direction = Direction.INBOUND
    emoji = "👍"
    provider_message_id = factory.Sequence(lambda n: f"wamid.REACTION{n:012d}")
    reacted_at = factory.LazyAttribute(lambda reaction: reaction.message.sent_at + timedelta(minutes=1))


class AttachmentFactory(ChildFactory):
    """Pending by default; `ready=True` stores a small file (point MEDIA_ROOT at a temporary folder)."""

    class Meta:
        model = Attachment

    class Params:
        ready = factory.Trait(
            state=AttachmentState.READY,
            file=factory.django.FileField(filename="photo.jpg", data=b"\xff\xd8\xff\xe0 a tiny jpeg"),
            size=factory.LazyAttribute(lambda attachment: attachment.file.size),
        )

    message = factory.SubFactory(MessageFactory, type=MessageType.IMAGE, text="")
    tenant = factory.LazyAttribute(lambda attachment: attachment.message.tenant)
    provider_media_id = factory.Sequence(lambda n: f"{n:015d}")
    mime_type = "image/jpeg"
    filename = "photo.jpg"
    state = AttachmentState.PENDING


class ConsentEventFactory(ChildFactory):
    """An opt-in of all messages through a web form, unless told otherwise."""

    class Meta:
        model = ConsentEvent

    contact = factory.SubFactory(ContactFactory)
    tenant = factory.LazyAttribute(lambda event: event.contact.tenant)
    kind = ConsentKind.OPT_IN
    scope = ConsentScope.ALL
    source = ConsentSource.WEB_FORM
    proof = "Ticked “Updates on WhatsApp” at example.com/signup"
    occurred_at = factory.LazyFunction(timezone.now)


# The team's inbox: teams, labels, availability, automatic assignment.


class TeamFactory(TenantOwnedFactory[Team]):
    class Meta:
        model = Team

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class TeamMemberFactory(ChildFactory):
    """Pass `team=` and `user=` (a member of the team's tenant)."""

    class Meta:
        model = TeamMember

    team = factory.SubFactory(TeamFactory)
    tenant = factory.LazyAttribute(lambda member: member.team.tenant)


class LabelFactory(TenantOwnedFactory[Label]):
    class Meta:
        model = Label

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"label-{n}")
    color = "#b42318"


class AgentStatusFactory(TenantOwnedFactory[AgentStatus]):
    """Pass `tenant=` and `user=`; online unless told otherwise."""

    class Meta:
        model = AgentStatus

    availability = Availability.ONLINE


class AutoAssignmentFactory(ChildFactory):
    """Enabled, for every member of the channel's tenant unless given a `team`."""

    class Meta:
        model = AutoAssignment

    channel = factory.SubFactory(ChannelFactory)
    tenant = factory.LazyAttribute(lambda setting: setting.channel.tenant)
    enabled = True
    max_open_per_agent = 10


class ConversationLabelFactory(ChildFactory):
    """Pass `conversation=` and `label=` (of the conversation's tenant)."""

    class Meta:
        model = ConversationLabel

    conversation = factory.SubFactory(ConversationFactory)
    tenant = factory.LazyAttribute(lambda labelled: labelled.conversation.tenant)
