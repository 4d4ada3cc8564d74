"""Fuzz the webhook envelope parser: whatever JSON arrives, it answers with a ParsedEnvelope
(unreadable items become ItemErrors) and never raises."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from whatsapp.payloads import ItemError, NumberMessage, NumberReceipt, ParsedEnvelope, parse_envelope

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
# Values Meta sends where a string, number or time is expected, and values it never sends.
timestamps = st.integers() | st.text(max_size=12) | st.floats(allow_nan=True) | json_values
MESSAGE_TYPES = [
    "text", "image", "video", "audio", "document", "sticker", "location", "contacts", "interactive",
    "button", "reaction", "order", "system", "unsupported", "request_welcome", "ephemeral",
]  # fmt: skip


@st.composite
def messages(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(MESSAGE_TYPES) | st.text(max_size=8))
    message = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "from": st.text(max_size=16) | st.integers(),
                "id": st.text(max_size=16) | json_values,
                "timestamp": timestamps,
                "type": st.just(kind) | json_values,
                kind: json_values | st.dictionaries(st.sampled_from(["body", "id", "caption", "emoji", "message_id",
                                                                     "mime_type", "filename", "latitude"]),
                                                    json_values, max_size=4),
                "context": json_values,
                "errors": json_values,
            },
        )
    )  # fmt: skip
    return draw(st.just(message) | json_values)


@st.composite
def statuses(draw: st.DrawFn) -> Any:
    status = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "id": st.text(max_size=16) | json_values,
                "status": st.sampled_from(["sent", "delivered", "read", "played", "failed"]) | json_values,
                "timestamp": timestamps,
                "recipient_id": st.text(max_size=16) | json_values,
                "errors": st.lists(st.dictionaries(st.sampled_from(["code", "title", "message"]), json_values)),
                "conversation": json_values,
                "pricing": json_values,
            },
        )
    )
    return draw(st.just(status) | json_values)


values = st.fixed_dictionaries(
    {},
    optional={
        "messaging_product": st.just("whatsapp"),
        "metadata": st.fixed_dictionaries({}, optional={"phone_number_id": st.text(max_size=16) | json_values})
        | json_values,
        "contacts": st.lists(
            st.fixed_dictionaries({}, optional={"wa_id": json_values, "profile": json_values, "user_id": json_values})
            | json_values,
            max_size=3,
        )
        | json_values,
        "messages": st.lists(messages(), max_size=3) | json_values,
        "statuses": st.lists(statuses(), max_size=3) | json_values,
        "errors": json_values,
        "event": json_values,
    },
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "object": st.just("whatsapp_business_account") | json_values,
        "entry": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": json_values,
                    "time": timestamps,
                    "changes": st.lists(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "field": st.sampled_from(["messages", "message_template_status_update"]) | json_values,
                                "value": values | json_values,
                            },
                        )
                        | json_values,
                        max_size=3,
                    )
                    | json_values,
                },
            )
            | json_values,
            max_size=3,
        )
        | json_values,
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(envelope=envelopes)
def test_the_parser_reads_any_envelope_without_raising(envelope):
    parsed = parse_envelope(envelope)
    assert isinstance(parsed, ParsedEnvelope)
    assert all(isinstance(m, NumberMessage) for m in parsed.messages)
    assert all(isinstance(s, NumberReceipt) for s in parsed.statuses)
    assert all(isinstance(e, ItemError) and e.error for e in parsed.errors)
