"""Reactions shown under the message they are on: one per side (the customer's, ours).

A reaction arrives (or is sent) as a message of its own; these functions keep the `Reaction`
row of its target in step with the newest one of each side.
"""

from __future__ import annotations

from datetime import datetime

from inbox.models import Direction, Message, MessageStatus, MessageType, Reaction
from inbox.services.events import Event


def reaction_set(
    *, target: Message, direction: str, emoji: str, reacted_at: datetime, provider_message_id: str = ""
) -> Event | None:
    """Put one side's `emoji` on `target` (empty removes it), unless a newer reaction is recorded.

    Returns the event to tell clients, or None when nothing changed.
    """
    reactions = Reaction.objects.for_tenant(target.tenant_id).filter(message=target, direction=direction)
    existing = reactions.first()
    if existing is not None and existing.reacted_at > reacted_at:
        return None
    if not emoji:
        reactions.delete()
    else:
        reactions.update_or_create(
            tenant_id=target.tenant_id,
            message=target,
            direction=direction,
            defaults={"emoji": emoji, "provider_message_id": provider_message_id, "reacted_at": reacted_at},
        )
    return _reaction_event(target, direction=direction, emoji=emoji)


def reaction_send_failed(message: Message) -> Event | None:
    """Our reaction `message` could not be sent: its target shows our last reaction that was."""
    if message.type != MessageType.REACTION or message.direction != Direction.OUTBOUND or message.reply_to is None:
        return None
    target = message.reply_to
    reactions = Reaction.objects.for_tenant(target.tenant_id).filter(message=target, direction=Direction.OUTBOUND)
    current = reactions.first()
    if current is not None and current.reacted_at != message.sent_at:
        return None  # a newer reaction replaced this one already
    earlier = (
        Message.objects.for_tenant(target.tenant_id)
        .filter(type=MessageType.REACTION, direction=Direction.OUTBOUND, reply_to=target, sent_at__lt=message.sent_at)
        .exclude(status=MessageStatus.FAILED)
        .order_by("-sent_at")
        .first()
    )
    reactions.delete()
    if earlier is None:
        return _reaction_event(target, direction=Direction.OUTBOUND, emoji="")
    return reaction_set(
        target=target,
        direction=Direction.OUTBOUND,
        emoji=earlier.text,  # an empty one (a removal) removes
        reacted_at=earlier.sent_at,
        provider_message_id=earlier.provider_message_id or "",
    )


def _reaction_event(target: Message, *, direction: str, emoji: str) -> Event:
    return Event(
        "message.reaction",
        {
            "message_id": target.pk,
            "conversation_id": target.conversation_id,
            "direction": direction,
            "emoji": emoji,
        },
    )
