"""Rules of data protection, pure: when an export may be downloaded, what retention keeps, and
which parts of a Cloud API webhook body name a given customer (so they can be cut out of it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from inbox.policy import event_subjects

# A webhook body in, the body without someone's data out, and whether anything was cut.
BodyRedaction = Callable[[dict[str, Any]], tuple[dict[str, Any], bool]]

# Why an export can't be downloaded, as the API's stable codes.
EXPORT_NOT_READY = "export_not_ready"
EXPORT_GONE = "export_gone"
EXPORT_FAILED = "export_failed"


def export_download_refusal(*, state: str, expires_at: datetime | None, now: datetime) -> str | None:
    """None when the export may be downloaded now; else the code saying why not. An export is
    downloaded once, within its time: after that (or once its time ran out) it is gone."""
    if state == "preparing":
        return EXPORT_NOT_READY
    if state == "failed":
        return EXPORT_FAILED
    if state != "ready" or expires_at is None or expires_at <= now:
        return EXPORT_GONE
    return None


def payload_refers(
    payload: Any,
    *,
    message_ids: frozenset[int] = frozenset(),
    conversation_ids: frozenset[int] = frozenset(),
    contact_id: int | None = None,
) -> bool:
    """Whether a live event's or event-webhook delivery's payload names one of these messages,
    conversations or the contact, in the shapes of inbox.presenters' events."""
    if not isinstance(payload, dict):
        return False
    message = payload.get("message")
    if (message.get("id") if isinstance(message, dict) else None) in message_ids:
        return True
    if payload.get("message_id") in message_ids:
        return True
    subjects = event_subjects(payload)
    return subjects.conversation_id in conversation_ids or (
        contact_id is not None and subjects.contact_id == contact_id
    )


def names_any(value: Any, needles: Iterable[str]) -> bool:
    """Whether a stored JSON value or text, as text, contains one of `needles`."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return any(needle in text for needle in needles)


def retention_cutoff(*, retention_days: int | None, now: datetime) -> datetime | None:
    """Messages sent before this time are past the workspace's retention; None keeps them forever."""
    if retention_days is None:
        return None
    return now - timedelta(days=retention_days)


def _filter_changes(body: dict[str, Any], keep_change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> bool:
    """Rewrite `body`'s changes in place through `keep_change` (None drops one); whether anything changed."""
    changed = False
    for entry in body.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        kept = []
        for change in entry.get("changes") or []:
            new = keep_change(change) if isinstance(change, dict) else change
            changed |= new is not change
            if new is not None:
                kept.append(new)
        if "changes" in entry:
            entry["changes"] = kept
    return changed


_ITEM_KEYS = {"messages": "from", "statuses": "recipient_id", "contacts": "wa_id"}


def webhook_without_customer(body: dict[str, Any], *, wa_id: str) -> tuple[dict[str, Any], bool]:
    """The webhook body without the items that name the customer `wa_id`: their messages, the
    receipts of messages to them, their profile (contacts) and any other change whose value
    names them (e.g. a marketing preference). Returns the body and whether anything was cut."""

    def keep(change: dict[str, Any]) -> dict[str, Any] | None:
        value = change.get("value")
        if not isinstance(value, dict):
            return change
        if wa_id in _strings(value, skip=set(_ITEM_KEYS) | {"metadata"}):
            return None  # an account-level change about this person
        cut = False
        new_value = dict(value)
        for key, id_key in _ITEM_KEYS.items():
            items = value.get(key)
            if isinstance(items, list):
                kept = [item for item in items if not (isinstance(item, dict) and item.get(id_key) == wa_id)]
                cut |= len(kept) != len(items)
                new_value[key] = kept
        return {**change, "value": new_value} if cut else change

    changed = _filter_changes(body, keep)
    return body, changed


def webhook_without_numbers(body: dict[str, Any], *, phone_number_ids: set[str]) -> tuple[dict[str, Any], bool]:
    """The webhook body without its message changes (messages, receipts, profiles) of these
    numbers: what retention removes of a workspace's part of a (possibly shared) event."""

    def keep(change: dict[str, Any]) -> dict[str, Any] | None:
        value = change.get("value")
        metadata = value.get("metadata") if isinstance(value, dict) else None
        number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
        if change.get("field") == "messages" and number in phone_number_ids:
            return None
        return change

    changed = _filter_changes(body, keep)
    return body, changed


def _strings(value: Any, *, skip: set[str]) -> set[str]:
    """Every string anywhere in `value`, except under the top-level keys in `skip`."""
    found: set[str] = set()
    stack = [v for k, v in value.items() if k not in skip] if isinstance(value, dict) else [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
