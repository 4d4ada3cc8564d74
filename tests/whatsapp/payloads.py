"""WhatsApp Cloud API webhook payloads for tests: the fixture files in `payloads/` and builders.

Every fixture is one full envelope exactly as Meta POSTs it (reference: /work/shared/whatsapp-cloud-api.md,
§1 envelope, §2 inbound types, §3 statuses, §6 template webhooks, §8 user_preferences); `payloads/README.md`
says what each file is and which ids they share. No database, no Django models.

Replaying one through the webhook view, signed like Meta does:

    body = raw("text")
    client.post(url, body, content_type="application/json", headers=signed(body, app_secret))

Sending the same file twice is the duplicate-delivery case. `load()` returns a fresh dict each call, so a
test may edit it and send `to_bytes(payload)`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from whatsapp.signatures import HEADER, sign

JSON = dict[str, Any]

PAYLOAD_DIR: Path = Path(__file__).resolve().parent / "payloads"

# The business side.
WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE_NUMBER = "15550783881"
SECOND_PHONE_NUMBER_ID = "106540352242999"  # same WABA (batch_entries.json)
SECOND_DISPLAY_PHONE_NUMBER = "15550783999"
UNKNOWN_PHONE_NUMBER_ID = "999999999999999"  # connected to no tenant (unknown_phone_number_id.json)
UNKNOWN_DISPLAY_PHONE_NUMBER = "15550199999"

# The customers.
CUSTOMER_WA_ID = "16505551234"
CUSTOMER_NAME = "Sheena Nelson"
CUSTOMER_USER_ID = "US.13491208655302741918"  # BSUID, in `contacts[].user_id` and `from_user_id`
SECOND_CUSTOMER_WA_ID = "447700900123"
SECOND_CUSTOMER_NAME = "Ada Lovelace"
SECOND_CUSTOMER_USER_ID = "GB.80264519377201846153"  # invented in the same shape as the US example
CHANGED_WA_ID = "16505559876"  # Sheena's new number in system_user_changed_number.json

# Ids the fixtures share on purpose (every other wamid in `payloads/` is unique).
# The inbound message of text.json. Every status_*.json and the statuses of batch_mixed.json refer to it,
# so a test can apply them to a known message (in real traffic statuses refer to business-sent messages).
TEXT_WAMID = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTk4MkQ5RTNFQjk5NkY1NTlFNgA="
# A business-sent message to Sheena: the `context.id` of the replies and taps, and the reactions' target.
BUSINESS_WAMID = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5MUU0RTYyMkEyMkRDMDA4MzcA"
# The business-sent product message that referred_product.json answers.
PRODUCT_MESSAGE_WAMID = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5Nzk0RUMzMDREOTVERDA5OUMA"
CATALOG_ID = "354160437058781"

KNOWN_CUSTOMERS: Mapping[str, tuple[str, str]] = {
    CUSTOMER_WA_ID: (CUSTOMER_NAME, CUSTOMER_USER_ID),
    SECOND_CUSTOMER_WA_ID: (SECOND_CUSTOMER_NAME, SECOND_CUSTOMER_USER_ID),
}


# ---------------------------------------------------------------------------------------------------
# Fixture files


def _path(name: str) -> Path:
    return PAYLOAD_DIR / f"{name.removesuffix('.json')}.json"


def raw(name: str) -> bytes:
    """The exact bytes of `payloads/<name>.json`, to sign and POST."""
    return _path(name).read_bytes()


def load(name: str) -> JSON:
    """`payloads/<name>.json` parsed; a new dict on every call."""
    payload: JSON = json.loads(raw(name))
    return payload


def names() -> list[str]:
    """Every fixture name (file stem), sorted."""
    return sorted(path.stem for path in PAYLOAD_DIR.glob("*.json"))


def to_bytes(payload: Mapping[str, Any]) -> bytes:
    """Serialise like Meta: compact separators, non-ASCII escaped as \\uXXXX."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()


def signed(body: bytes, app_secret: str) -> dict[str, str]:
    """The headers Meta sends with `body`: JSON content type and `X-Hub-Signature-256`."""
    return {"Content-Type": "application/json", HEADER: sign(body, app_secret)}


def _values(payload: Mapping[str, Any], key: str) -> list[JSON]:
    found: list[JSON] = []
    for entry in payload.get("entry", []):
        for change in entry.get("changes", []):
            found.extend(change.get("value", {}).get(key, []))
    return found


def messages_in(payload: Mapping[str, Any]) -> list[JSON]:
    """All `messages[]` items of every change of every entry, in order."""
    return _values(payload, "messages")


def statuses_in(payload: Mapping[str, Any]) -> list[JSON]:
    """All `statuses[]` items of every change of every entry, in order."""
    return _values(payload, "statuses")


# ---------------------------------------------------------------------------------------------------
# Builders


def make_wamid(wa_id: str = CUSTOMER_WA_ID, *, seed: str | None = None, outbound: bool = False) -> str:
    """A message id in Meta's format: base64 of the user's wa_id, the direction and a hex key.

    Inbound keys are 20 hex digits starting "3A", outbound keys 18, as in ids Meta hands out. The same
    `seed` gives the same id; without one the id is new on every call.
    """
    digest = hashlib.sha256((seed if seed is not None else uuid.uuid4().hex).encode()).hexdigest().upper()
    key = (digest[:18] if outbound else "3A" + digest[:18]).encode()
    number = wa_id.encode()
    direction = b"\x11" if outbound else b"\x12"
    body = b"\x1c\x18" + bytes([len(number)]) + number + b"\x15\x02\x00" + direction
    body += b"\x18" + bytes([len(key)]) + key + b"\x00"
    return "wamid." + base64.b64encode(body).decode()


def _now() -> int:
    return int(time.time())


def contact(wa_id: str, name: str | None = None, user_id: str | None = None) -> JSON:
    """A `contacts[]` item; known customers get their name and BSUID, others a generated name."""
    known_name, known_user_id = KNOWN_CUSTOMERS.get(wa_id, (f"Customer {wa_id[-4:]}", ""))
    item: JSON = {"profile": {"name": name or known_name}, "wa_id": wa_id}
    if user_id or known_user_id:
        item["user_id"] = user_id or known_user_id
    return item


def text_message(
    *,
    wamid: str | None = None,
    from_: str = CUSTOMER_WA_ID,
    body: str = "hello",
    timestamp: int | None = None,
    **extra: Any,
) -> JSON:
    """An inbound text message; `extra` adds fields such as `context`, `referral` or `from_user_id`."""
    return {
        "from": from_,
        "id": wamid or make_wamid(from_),
        "timestamp": str(_now() if timestamp is None else timestamp),
        "type": "text",
        "text": {"body": body},
        **extra,
    }


def status(
    *,
    wamid: str,
    status: str,
    recipient_id: str = CUSTOMER_WA_ID,
    timestamp: int | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    pricing: Mapping[str, Any] | None = None,
) -> JSON:
    """A `statuses[]` item for a business-sent message (sent, delivered, read, played or failed)."""
    item: JSON = {
        "id": wamid,
        "status": status,
        "timestamp": str(_now() if timestamp is None else timestamp),
        "recipient_id": recipient_id,
    }
    if pricing is not None:
        item["pricing"] = dict(pricing)
    if errors is not None:
        item["errors"] = [dict(error) for error in errors]
    return item


def envelope(
    *,
    messages: Iterable[Mapping[str, Any]] = (),
    statuses: Iterable[Mapping[str, Any]] = (),
    contacts: Iterable[Mapping[str, Any]] | None = None,
    errors: Iterable[Mapping[str, Any]] = (),
    phone_number_id: str = PHONE_NUMBER_ID,
    display_phone_number: str = DISPLAY_PHONE_NUMBER,
    waba_id: str = WABA_ID,
    field: str = "messages",
) -> JSON:
    """One entry with one change, as Meta sends it.

    `contacts=None` derives them from the messages' `from` (no block when there are no messages);
    `contacts=()` leaves the block out even when there are messages.
    """
    message_list = [dict(m) for m in messages]
    status_list = [dict(s) for s in statuses]
    if contacts is None:
        senders = dict.fromkeys(str(m["from"]) for m in message_list if "from" in m)
        contact_list = [contact(wa_id) for wa_id in senders]
    else:
        contact_list = [dict(c) for c in contacts]
    value: JSON = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id},
    }
    if contact_list:
        value["contacts"] = contact_list
    if message_list:
        value["messages"] = message_list
    if status_list:
        value["statuses"] = status_list
    error_list = [dict(e) for e in errors]
    if error_list:
        value["errors"] = error_list
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": field}]}],
    }


# Senders of the big batch: wa_id, profile name, BSUID, and what they write about (several scripts, since
# Meta escapes non-ASCII as \uXXXX: a Greek or Hindi letter costs 6 bytes on the wire).
_BATCH_SENDERS: Sequence[tuple[str, str, str, Sequence[str]]] = (
    (
        CUSTOMER_WA_ID,
        CUSTOMER_NAME,
        CUSTOMER_USER_ID,
        (
            "Hi, I ordered the ceramic planter set last Tuesday and the tracking page still says label created.",
            "Could you check whether it actually left the warehouse?",
            "I need it before the weekend because it's a birthday present for my sister.",
            "Also, is the large pot frost-proof or should I keep it indoors over the winter?",
            "Thanks a lot, your team has always been really helpful 🙏",
        ),
    ),
    (
        SECOND_CUSTOMER_WA_ID,
        SECOND_CUSTOMER_NAME,
        SECOND_CUSTOMER_USER_ID,
        (
            "Good morning! I'd like to change the delivery address on order 48213 to my office instead.",
            "It's 12 Analytical Row, London EC1A 1BB, reception is open from 9 to 5.",
            "Please let me know if that incurs an extra charge.",
            "The invoice should still go to my home address, if that's possible.",
            "Cheers, and sorry for the late change!",
        ),
    ),
    (
        "5511987654321",
        "João Araújo",
        "BR.40958173362049185527",
        (
            "Olá! Gostaria de saber se vocês entregam em São José dos Campos.",
            "Comprei duas caixas de café especial e uma delas chegou amassada.",
            "Vocês podem trocar ou preciso abrir uma solicitação no site?",
            "Obrigado pela atenção, aguardo retorno ainda hoje se possível.",
            "Segue a foto da embalagem logo em seguida.",
        ),
    ),
    (
        "306912345678",
        "Ελένη Παπαδοπούλου",
        "GR.11820394756610293847",
        (
            "Καλησπέρα σας, θα ήθελα να ρωτήσω για την παραγγελία μου.",
            "Την έκανα την Παρασκευή αλλά δεν έχω λάβει ακόμα email επιβεβαίωσης.",
            "Μπορείτε να μου πείτε πότε θα αποσταλεί;",
            "Ευχαριστώ πολύ για τη βοήθεια!",
        ),
    ),
    (
        "919876543210",
        "Priya Sharma",
        "IN.72615039481726354091",
        (
            "नमस्ते, मेरा ऑर्डर अभी तक नहीं पहुंचा है।",
            "कृपया बताइए कि डिलीवरी कब तक होगी?",
            "मैंने पिछले हफ्ते भुगतान कर दिया था।",
            "धन्यवाद, जल्दी जवाब दीजिए।",
        ),
    ),
    (
        "201001234567",
        "محمد عبد الله",
        "EG.30571948260135792846",
        (
            "السلام عليكم، طلبت مكيف هواء من موقعكم الأسبوع الماضي ولم يصلني حتى الآن.",
            "رقم الطلب ٤٨٢١٣ والدفع تم عند الطلب.",
            "هل يمكنكم إخباري بموعد التوصيل المتوقع؟",
            "شكرا جزيلا لكم.",
        ),
    ),
    (
        "79161234567",
        "Анна Смирнова",
        "RU.64829103756281940375",
        (
            "Здравствуйте! Подскажите, пожалуйста, когда будет доставка моего заказа?",
            "Я оплатила его в понедельник, но статус до сих пор не изменился.",
            "Можно ли забрать заказ самовывозом из магазина на Тверской?",
            "Спасибо заранее!",
        ),
    ),
    (
        "4915112345678",
        "Jürgen Weiß",
        "DE.55012983746152039485",
        (
            "Guten Tag, ich hätte gern eine Rechnung mit ausgewiesener Mehrwertsteuer für meine Bestellung.",
            "Die Lieferung kam heute früh, vielen Dank dafür.",
            "Könnten Sie die Rechnung an meine Firmenadresse in München schicken?",
            "Schöne Grüße aus Bayern!",
        ),
    ),
)


def _batch_body(sentences: Sequence[str], index: int) -> str:
    """150-250 characters of the sender's sentences, starting at a different one each time."""
    parts: list[str] = []
    position = index
    while len(" ".join(parts)) < 150:
        candidate = sentences[position % len(sentences)]
        if parts and len(" ".join([*parts, candidate])) > 250:
            break
        parts.append(candidate)
        position += 1
    return " ".join(parts)[:250]


def batch_of_text_messages(
    count: int,
    *,
    layout: Literal["entries", "change"] = "entries",
    seed: str | None = None,
    timestamp: int | None = None,
) -> JSON:
    """`count` distinct text messages from eight senders in one envelope, like one of Meta's big POSTs.

    Meta batches up to 1,000 updates per POST (bodies reach about 3 MB per a third-party figure) but doesn't
    say how a batch is laid out, so both layouts are offered: `"entries"` (default) gives each message its own
    entry with its own metadata and contacts, as separate notifications put together; `"change"` puts every
    message in one change after one contacts block (the shape of batch_messages.json).

    Each message carries what a current one does: `from`, `from_user_id`, `id`, `timestamp`, `type`, `text`,
    and one in ten quotes a business message in `context`. Bodies are 150-250 characters in eight languages;
    Greek, Hindi, Arabic and Russian cost 6 bytes a letter once escaped. Measured for count=1000:
      layout="entries": 1,088,099 bytes with to_bytes() (Meta's compact form), 1,604,611 with indent=2;
      layout="change":    754,922 bytes with to_bytes(), 938,615 with indent=2.
    Meta's 3 MB is a ceiling that takes longer messages (or media and interactive payloads) to reach.

    Ids are new on every call unless `seed` is given; timestamps run up to `timestamp` (default now).
    """
    run = seed if seed is not None else uuid.uuid4().hex
    last = _now() if timestamp is None else timestamp
    senders = _BATCH_SENDERS[: max(count, 0)]
    contacts = {wa_id: contact(wa_id, name, user_id) for wa_id, name, user_id, _ in senders}
    messages: list[JSON] = []
    for index in range(count):
        wa_id, _name, user_id, sentences = _BATCH_SENDERS[index % len(_BATCH_SENDERS)]
        extra: JSON = {"from_user_id": user_id}
        if index % 10 == 9:
            extra["context"] = {
                "from": DISPLAY_PHONE_NUMBER,
                "id": make_wamid(wa_id, seed=f"{run}-business-{index}", outbound=True),
            }
        messages.append(
            text_message(
                wamid=make_wamid(wa_id, seed=f"{run}-{index}"),
                from_=wa_id,
                body=_batch_body(sentences, index // len(_BATCH_SENDERS)),
                timestamp=last - (count - index) // 4,
                **extra,
            )
        )
    if layout == "change":
        return envelope(messages=messages, contacts=contacts.values())
    entries = [envelope(messages=[message], contacts=[contacts[message["from"]]])["entry"][0] for message in messages]
    return {"object": "whatsapp_business_account", "entry": entries}
