"""Template management against the Cloud API simulator, over real HTTP through `GraphClient`:
creation and Meta's rules, the review and its signed webhooks, listing, editing, deleting,
unpausing, Meta's later changes, the Resumable Upload API, and sends seeing all of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.whatsapp.simulator_fixtures import (  # noqa: F401
    SIMULATOR_APP_SECRET,
    RunningSimulator,
    WebhookReceiver,
    simulator,
    webhook_receiver,
)
from whatsapp.client import GraphAPIError, GraphClient, TemplateCreated, TemplateInfo
from whatsapp.signatures import signature_matches

VERSION = "v25.0"
WABA_ID = "102290129340398"
OTHER_WABA_ID = "102290129340399"
APP_ID = "1234567890"
PHONE_NUMBER_ID = "106540352242922"
CUSTOMER = "16505551234"
DAY = 24 * 3600
STATUS_FIELD = "message_template_status_update"
QUALITY_FIELD = "message_template_quality_update"
CATEGORY_FIELD = "template_category_update"
JPEG = b"\xff\xd8\xff\xe0" + b"a sample photo" * 50
PDF = b"%PDF-1.4 a sample receipt"

BODY = {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships today.", "example": {"body_text": [["Pablo", "1"]]}}
FOOTER = {"type": "FOOTER", "text": "Lucky Shrub"}
QUICK_REPLY = {"type": "QUICK_REPLY", "text": "Stop updates"}
URL_BUTTON = {"type": "URL", "text": "Track", "url": "https://x.com/t/{{1}}", "example": ["https://x.com/t/abc"]}
PHONE_BUTTON = {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550051310"}
COPY_CODE_BUTTON = {"type": "COPY_CODE", "example": "SAVE25"}
# Meta's own example (whatsapp-cloud-api.md §6).
ORDER_CONFIRMATION = {
    "name": "order_confirmation",
    "language": "en_US",
    "category": "UTILITY",
    "parameter_format": "NAMED",
    "components": [
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Order {{order_no}}",
            "example": {"header_text_named_params": [{"param_name": "order_no", "example": "860198"}]},
        },
        {
            "type": "BODY",
            "text": "Thank you, {{first_name}}! Your order {{order_no}} ships today.",
            "example": {
                "body_text_named_params": [
                    {"param_name": "first_name", "example": "Pablo"},
                    {"param_name": "order_no", "example": "860198"},
                ]
            },
        },
        {"type": "FOOTER", "text": "Lucky Shrub"},
        {"type": "BUTTONS", "buttons": [QUICK_REPLY, URL_BUTTON, PHONE_BUTTON]},
    ],
}


def template(*components: dict[str, Any], name: str = "order_shipped", **fields: Any) -> dict[str, Any]:
    """A creation body; by default a positional utility template with a body and a footer."""
    body = {"name": name, "language": "en_US", "category": "UTILITY", "components": list(components or (BODY, FOOTER))}
    return {**body, **fields}


def text_body(text: str, *examples: str) -> dict[str, Any]:
    component: dict[str, Any] = {"type": "BODY", "text": text}
    if examples:
        component["example"] = {"body_text": [list(examples)]}
    return component


def buttons(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "BUTTONS", "buttons": list(items)}


def image_header(handle: str) -> dict[str, Any]:
    return {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": [handle]}}


@pytest.fixture
def client(simulator: RunningSimulator) -> Iterator[GraphClient]:  # noqa: F811
    with GraphClient(base_url=simulator.url, version=VERSION, access_token="any-token") as graph_client:
        yield graph_client


@pytest.fixture(autouse=True)
def receiver(simulator: RunningSimulator, webhook_receiver: WebhookReceiver) -> WebhookReceiver:  # noqa: F811
    simulator.config.webhook_url = webhook_receiver.url
    return webhook_receiver


def graph(running: RunningSimulator, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": "Bearer any-token", **kwargs.pop("headers", {})}
    return httpx.request(method, f"{running.url}/{VERSION}/{path}", headers=headers, timeout=10, **kwargs)


def sim_post(running: RunningSimulator, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{running.url}{path}", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def status_events(receiver: WebhookReceiver, template_id: str, count: int) -> list[dict[str, Any]]:
    """The first `count` status webhooks of the template, waiting for them."""

    def received(r: WebhookReceiver) -> list[dict[str, Any]]:
        found = [v for v in r.changes(STATUS_FIELD) if v["message_template_id"] == int(template_id)]
        return found[:count] if len(found) >= count else []

    return receiver.wait_for(received)


def approved(client: GraphClient, receiver: WebhookReceiver, body: dict[str, Any]) -> str:
    """Create a template and wait for its approval; its id."""
    created = client.create_template(WABA_ID, body)
    [event] = status_events(receiver, created.id, 1)
    assert event["event"] == "APPROVED", event
    return created.id


def creation_error(client: GraphClient, body: dict[str, Any]) -> GraphAPIError:
    with pytest.raises(GraphAPIError) as raised:
        client.create_template(WABA_ID, body)
    return raised.value


def names(client: GraphClient, **filters: Any) -> list[str]:
    return [t.name for t in client.list_templates(WABA_ID, fields=["name"], limit=100, **filters)]


def force(running: RunningSimulator, template_id: str, status: str, **extra: Any) -> dict[str, Any]:
    return sim_post(running, f"/_sim/templates/{template_id}/status", {"status": status, **extra})


# Creating


def test_creation_answers_the_id_pending_and_the_category(client: GraphClient) -> None:
    created = client.create_template(WABA_ID, ORDER_CONFIRMATION)

    assert isinstance(created, TemplateCreated)
    assert created.id.isdigit()
    assert (created.status, created.category) == ("PENDING", "UTILITY")


def test_creation_answers_exactly_meta_s_shape(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = graph(simulator, "POST", f"{WABA_ID}/message_templates", json=ORDER_CONFIRMATION)

    assert answer.status_code == 200
    assert answer.json() == {"id": answer.json()["id"], "status": "PENDING", "category": "UTILITY"}


def test_an_approved_template_s_webhook_is_signed_and_shaped_as_meta_s(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    simulator.clock.freeze()
    created = client.create_template(WABA_ID, ORDER_CONFIRMATION)

    status_events(receiver, created.id, 1)

    [request] = receiver.received()
    assert signature_matches(request.body, request.header("X-Hub-Signature-256"), [SIMULATOR_APP_SECRET])
    assert json.loads(request.body) == {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "time": int(simulator.clock()),
                "changes": [
                    {
                        "value": {
                            "event": "APPROVED",
                            "message_template_id": int(created.id),
                            "message_template_name": "order_confirmation",
                            "message_template_language": "en_US",
                            "reason": "NONE",
                            "message_template_category": "UTILITY",
                        },
                        "field": STATUS_FIELD,
                    }
                ],
            }
        ],
    }
    assert client.get_template(created.id).status == "APPROVED"


def _long(length: int) -> str:
    return ("Hi {{1}}, " + "x" * length)[: length - 1] + "."


BAD_CREATIONS = [
    pytest.param(template(name="Order Shipped"), 100, None, id="name-not-lowercase"),
    pytest.param(template(name="a" * 513), 100, None, id="name-too-long"),
    pytest.param({**template(), "language": ""}, 100, None, id="no-language"),
    pytest.param(template(category="TRANSACTIONAL"), 100, None, id="unknown-category"),
    pytest.param(template(FOOTER), 100, None, id="no-body"),
    pytest.param(template(text_body(_long(1025), "Pablo")), 100, 2388040, id="body-too-long"),
    pytest.param(
        template(text_body("{{1}}, your order ships today.", "Pablo")), 100, 2388299, id="starts-with-a-parameter"
    ),
    pytest.param(
        template(text_body("Your order ships with {{1}}.", "Lucky")), 100, 2388299, id="ends-with-a-parameter"
    ),
    pytest.param(
        template(text_body("Hi {{1}}, order {{3}} ships.", "Pablo", "1")), 100, 2388072, id="gap-in-parameters"
    ),
    pytest.param(template(text_body("Hi {{name#}}, it ships.", "Pablo")), 100, 2388072, id="bad-characters-in-braces"),
    pytest.param(template(text_body("Hi {{first_name}}, it ships.", "Pablo")), 100, 2388072, id="named-in-positional"),
    pytest.param(template(text_body("Hi {{1}, it ships.")), 100, 2388072, id="unbalanced-braces"),
    pytest.param(template(text_body("Hi {{1}}, your order ships today.")), 100, None, id="body-without-example"),
    pytest.param(
        template(text_body("Hi {{1}}, order {{2}} ships.", "Pablo")), 100, None, id="body-example-missing-a-value"
    ),
    pytest.param(
        template({"type": "HEADER", "format": "TEXT", "text": "x" * 61}, BODY), 100, 2388040, id="header-too-long"
    ),
    pytest.param(
        template(
            {"type": "HEADER", "format": "TEXT", "text": "Order {{1}} {{2}}", "example": {"header_text": ["a", "b"]}},
            BODY,
        ),
        100,
        2388047,
        id="header-with-two-parameters",
    ),
    pytest.param(
        template({"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"}, BODY),
        100,
        None,
        id="header-parameter-without-example",
    ),
    pytest.param(template(BODY, {"type": "FOOTER", "text": "Order {{1}}"}), 100, 2388073, id="footer-parameter"),
    pytest.param(template(BODY, {"type": "FOOTER", "text": "x" * 61}), 100, 2388040, id="footer-too-long"),
    pytest.param(template(BODY, FOOTER, FOOTER), 100, None, id="two-footers"),
    pytest.param(template(BODY, buttons(*[QUICK_REPLY] * 11)), 100, None, id="eleven-buttons"),
    pytest.param(template(BODY, buttons(URL_BUTTON, URL_BUTTON, URL_BUTTON)), 100, None, id="three-url-buttons"),
    pytest.param(template(BODY, buttons(PHONE_BUTTON, PHONE_BUTTON)), 100, None, id="two-phone-buttons"),
    pytest.param(template(BODY, buttons(COPY_CODE_BUTTON, COPY_CODE_BUTTON)), 100, None, id="two-copy-code-buttons"),
    pytest.param(template(BODY, buttons({**QUICK_REPLY, "text": "x" * 26})), 100, None, id="button-label-too-long"),
    pytest.param(
        template(BODY, buttons({**URL_BUTTON, "url": "https://x.com/{{1}}/track"})),
        100,
        None,
        id="url-variable-not-at-the-end",
    ),
    pytest.param(template(BODY, buttons({**URL_BUTTON, "example": []})), 100, None, id="url-variable-without-example"),
    pytest.param(
        template(BODY, buttons({**PHONE_BUTTON, "phone_number": "+1555005131012345678901"})),
        100,
        None,
        id="phone-number-too-long",
    ),
    pytest.param(
        template(BODY, buttons({**PHONE_BUTTON, "phone_number": "call us"})), 192, None, id="phone-number-invalid"
    ),
    pytest.param(
        template(BODY, buttons({**COPY_CODE_BUTTON, "example": "x" * 21})), 100, None, id="copy-code-too-long"
    ),
    pytest.param(
        template(BODY, buttons(QUICK_REPLY, URL_BUTTON, QUICK_REPLY)), 100, None, id="quick-replies-not-grouped"
    ),
    pytest.param(template({"type": "HEADER", "format": "IMAGE"}, BODY), 100, None, id="media-header-without-handle"),
    pytest.param(
        template(image_header("https://example.com/photo.jpg"), BODY), 100, None, id="media-header-with-a-url"
    ),
    pytest.param(
        template({"type": "HEADER", "format": "GIF", "example": {"header_handle": ["4::x:y"]}}, BODY),
        100,
        2388047,
        id="gif-header-outside-marketing",
    ),
    pytest.param(
        template({"type": "HEADER", "format": "LOCATION"}, {"type": "BODY"}, category="AUTHENTICATION"),
        100,
        None,
        id="location-header-in-authentication",
    ),
    pytest.param(template(message_send_ttl_seconds=43_201), 100, None, id="ttl-above-utility-range"),
]


@pytest.mark.parametrize(("body", "code", "subcode"), BAD_CREATIONS)
def test_a_creation_meta_refuses_is_answered_with_its_code_and_creates_nothing(
    client: GraphClient, body: dict[str, Any], code: int, subcode: int | None
) -> None:
    error = creation_error(client, body)

    assert (error.http_status, error.code, error.subcode) == (400, code, subcode)
    assert error.details
    assert names(client) == []


def test_rule_errors_carry_meta_s_sentence_for_people(simulator: RunningSimulator) -> None:  # noqa: F811
    body = template(text_body("{{1}}, your order ships today.", "Pablo"))

    answer = graph(simulator, "POST", f"{WABA_ID}/message_templates", json=body)

    error = answer.json()["error"]
    assert error["message"] == "Invalid parameter"
    assert (error["code"], error["error_subcode"], error["is_transient"]) == (100, 2388299, False)
    assert error["error_user_title"] == "Variables can't be at the start or end of the template"
    assert "error_data" not in error


def test_the_client_exposes_meta_s_sentence_for_people(client: GraphClient) -> None:
    error = creation_error(client, template(text_body("{{1}}, your order ships today.", "Pablo")))

    assert error.user_title == "Variables can't be at the start or end of the template"
    assert error.user_message.startswith("Variables can't be at the start or end of the template.")
    assert error.details == error.user_message
    assert error.retry == "never"


def test_a_name_already_used_in_that_language_is_2388024(client: GraphClient) -> None:
    client.create_template(WABA_ID, template())

    error = creation_error(client, template())

    assert (error.code, error.subcode) == (100, 2388024)
    assert error.user_message == (
        "There's already English (US) content for this template. You can create a new template and try again."
    )
    assert names(client) == ["order_shipped"]


def test_the_same_name_in_another_language_is_another_template(client: GraphClient) -> None:
    first = client.create_template(WABA_ID, template())
    second = client.create_template(WABA_ID, template(language="es"))

    assert first.id != second.id
    assert sorted(t.language for t in client.list_templates(WABA_ID, fields=["language"], limit=10)) == [
        "en_US",
        "es",
    ]


def test_the_same_name_in_another_waba_is_another_template(client: GraphClient) -> None:
    client.create_template(WABA_ID, template())

    created = client.create_template(OTHER_WABA_ID, template())

    assert created.status == "PENDING"
    assert [t.id for t in client.list_templates(OTHER_WABA_ID, fields=["name"], limit=10)] == [created.id]


def test_a_deleted_approved_name_is_blocked_for_30_days(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    approved(client, receiver, template())
    client.delete_template(WABA_ID, name="order_shipped")

    error = creation_error(client, template())
    simulator.clock.advance(30 * DAY + 1)
    again = client.create_template(WABA_ID, template())

    assert (error.code, error.subcode) == (100, 2388023)
    assert again.status == "PENDING"


def test_a_deleted_rejected_name_can_be_used_again_at_once(client: GraphClient, receiver: WebhookReceiver) -> None:
    created = client.create_template(WABA_ID, template(text_body("Hi {{1}}, you won the lottery!", "Pablo")))
    status_events(receiver, created.id, 1)
    client.delete_template(WABA_ID, name="order_shipped")

    again = client.create_template(WABA_ID, template())

    assert again.id != created.id


def test_more_than_100_creations_an_hour_is_80008(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    for number in range(100):
        client.create_template(WABA_ID, template(name=f"order_shipped_{number}"))

    error = creation_error(client, template(name="one_too_many"))
    simulator.clock.advance(3601)
    later = client.create_template(WABA_ID, template(name="one_too_many"))

    assert (error.http_status, error.code, error.retry) == (400, 80008, "backoff")
    assert later.status == "PENDING"


def test_a_waba_holds_at_most_its_template_limit(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    simulator.config.templates_per_waba = 2
    client.create_template(WABA_ID, template(name="first"))
    client.create_template(WABA_ID, template(name="second"))

    error = creation_error(client, template(name="third"))

    assert (error.code, error.subcode) == (100, 2388019)


def test_a_location_header_is_fine_in_a_utility_template(client: GraphClient, receiver: WebhookReceiver) -> None:
    template_id = approved(client, receiver, template({"type": "HEADER", "format": "LOCATION"}, BODY))

    assert client.get_template(template_id).components[0] == {"type": "HEADER", "format": "LOCATION"}


def test_an_authentication_template_is_stored_as_meta_writes_it(client: GraphClient, receiver: WebhookReceiver) -> None:
    body = template(
        {"type": "BODY", "add_security_recommendation": True},
        {"type": "FOOTER", "code_expiration_minutes": 10},
        buttons({"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}),
        name="login_code",
        category="AUTHENTICATION",
    )

    template_id = approved(client, receiver, body)

    assert client.get_template(template_id).components == (
        {
            "type": "BODY",
            "text": "*{{1}}* is your verification code. For your security, do not share this code.",
            "add_security_recommendation": True,
        },
        {"type": "FOOTER", "text": "This code expires in 10 minutes.", "code_expiration_minutes": 10},
        {
            "type": "BUTTONS",
            "buttons": [
                {
                    "type": "URL",
                    "text": "Copy code",
                    "url": "https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}",
                }
            ],
        },
    )


@pytest.mark.parametrize(
    ("button", "fragment"),
    [
        ({"type": "OTP", "otp_type": "ONE_TAP"}, "supported_apps"),
        (
            {
                "type": "OTP",
                "otp_type": "ZERO_TAP",
                "supported_apps": [{"package_name": "com.shrub", "signature_hash": "K8a/AINcGX7"}],
            },
            "zero_tap_terms_accepted",
        ),
        (QUICK_REPLY, "OTP"),
    ],
)
def test_an_authentication_template_needs_a_complete_otp_button(
    client: GraphClient, button: dict[str, Any], fragment: str
) -> None:
    body = template({"type": "BODY"}, buttons(button), name="login_code", category="AUTHENTICATION")

    error = creation_error(client, body)

    assert error.code == 100
    assert fragment in error.user_message


# The Resumable Upload API (§7) and media headers


def test_a_media_header_sample_is_uploaded_with_the_resumable_upload_api(
    client: GraphClient, receiver: WebhookReceiver
) -> None:
    handle = client.upload_resumable(APP_ID, data=JPEG, file_name="sample.jpg", mime_type="image/jpeg")

    template_id = approved(client, receiver, template(image_header(handle), BODY))

    assert handle.startswith("4::")
    assert client.get_template(template_id).components[0] == image_header(handle)


def test_a_handle_the_simulator_never_issued_is_taken_on_trust(client: GraphClient) -> None:
    created = client.create_template(WABA_ID, template(image_header("4::aW1hZ2UvanBlZw==:ARbRecorded"), BODY))

    assert created.status == "PENDING"


def test_an_uploaded_pdf_is_not_a_sample_for_an_image_header(client: GraphClient) -> None:
    handle = client.upload_resumable(APP_ID, data=PDF, file_name="receipt.pdf", mime_type="application/pdf")

    error = creation_error(client, template(image_header(handle), BODY))

    assert (error.code, error.subcode) == (100, 2388047)
    assert "application/pdf" in error.user_message


def test_an_upload_resumes_where_the_received_bytes_end(simulator: RunningSimulator) -> None:  # noqa: F811
    started = graph(
        simulator,
        "POST",
        f"{APP_ID}/uploads",
        params={"file_name": "a.jpg", "file_length": "10", "file_type": "image/jpeg"},
    )
    session = started.json()["id"]
    assert session.startswith("upload:")
    assert "?sig=" in session

    first = graph(simulator, "POST", session, content=b"01234", headers={"file_offset": "0"})
    resume_at = graph(simulator, "GET", session)
    wrong = graph(simulator, "POST", session, content=b"56789", headers={"file_offset": "0"})
    rest = graph(simulator, "POST", session, content=b"56789", headers={"file_offset": "5"})

    assert first.json()["file_offset"] == 5
    assert resume_at.json()["file_offset"] == 5
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, 100)
    assert rest.json()["h"].startswith("4::")


def test_an_upload_session_needs_its_signature(simulator: RunningSimulator) -> None:  # noqa: F811
    started = graph(simulator, "POST", f"{APP_ID}/uploads", params={"file_length": "3", "file_type": "image/png"})
    session_path = started.json()["id"].partition("?")[0]

    answer = graph(
        simulator, "POST", session_path, params={"sig": "forged"}, content=b"abc", headers={"file_offset": "0"}
    )

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, 100)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"file_type": "image/jpeg"}, "file_length"),
        ({"file_length": "10"}, "file_type"),
        ({"file_length": "10", "file_type": "image/gif"}, "file_type"),
    ],
)
def test_an_upload_session_needs_a_length_and_a_supported_type(
    simulator: RunningSimulator,  # noqa: F811
    params: dict[str, str],
    fragment: str,
) -> None:
    answer = graph(simulator, "POST", f"{APP_ID}/uploads", params=params)

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, 100)
    assert fragment in answer.json()["error"]["message"]


# The review


def test_a_template_with_a_rejected_word_is_rejected_with_that_word_s_reason(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    sim_post(simulator, "/_sim/templates/review", {"rejected_words": {"crypto giveaway": "SCAM"}})
    created = client.create_template(WABA_ID, template(text_body("Hi {{1}}, join our crypto giveaway today!", "Pablo")))

    [event] = status_events(receiver, created.id, 1)

    assert (event["event"], event["reason"]) == ("REJECTED", "SCAM")
    assert "rejection_info" not in event
    info = client.get_template(created.id, fields=["status", "rejected_reason"])
    assert (info.status, info.rejected_reason) == ("REJECTED", "SCAM")


def test_adjacent_parameters_are_rejected_as_invalid_format_with_rejection_info(
    client: GraphClient, receiver: WebhookReceiver
) -> None:
    created = client.create_template(WABA_ID, template(text_body("Hi {{1}} {{2}}, it ships.", "Pablo", "Nelson")))

    [event] = status_events(receiver, created.id, 1)

    assert (event["event"], event["reason"]) == ("REJECTED", "INVALID_FORMAT")
    assert event["rejection_info"] == {
        "reason": "Your template has parameters placed next to each other (like {{1}}{{2}}) without text or "
        "punctuation between them.",
        "recommendation": "Separate parameters with descriptive text and ensure each parameter is clearly "
        "contextualized.",
    }


def test_a_promotional_utility_template_is_recategorised_as_marketing(
    client: GraphClient, receiver: WebhookReceiver
) -> None:
    body = template(text_body("Hi {{1}}, enjoy a 20% discount on your next order.", "Pablo"))
    created = client.create_template(WABA_ID, body)

    [event] = status_events(receiver, created.id, 1)

    assert receiver.changes(CATEGORY_FIELD) == [
        {
            "message_template_id": int(created.id),
            "message_template_name": "order_shipped",
            "message_template_language": "en_US",
            "previous_category": "UTILITY",
            "new_category": "MARKETING",
        }
    ]
    assert (event["event"], event["message_template_category"]) == ("APPROVED", "MARKETING")
    info = client.get_template(created.id, fields=["category", "previous_category"])
    assert (info.category, info.previous_category) == ("MARKETING", "UTILITY")


def test_a_promotional_utility_template_may_be_rejected_as_incorrect_category(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    sim_post(simulator, "/_sim/templates/review", {"promotional_utility": "reject"})
    created = client.create_template(WABA_ID, template(text_body("Hi {{1}}, our big sale starts now.", "Pablo")))

    [event] = status_events(receiver, created.id, 1)

    assert (event["event"], event["reason"], event["message_template_category"]) == (
        "REJECTED",
        "INCORRECT_CATEGORY",
        "UTILITY",
    )
    assert receiver.changes(CATEGORY_FIELD) == []


def test_the_review_decides_after_the_configured_delay(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    sim_post(simulator, "/_sim/templates/review", {"delay_seconds": 0.3})
    created = client.create_template(WABA_ID, template())

    pending = client.get_template(created.id, fields=["status"]).status
    status_events(receiver, created.id, 1)

    assert pending == "PENDING"
    assert client.get_template(created.id, fields=["status"]).status == "APPROVED"


def test_the_review_rules_are_read_and_set_through_the_harness(simulator: RunningSimulator) -> None:  # noqa: F811
    changed = sim_post(simulator, "/_sim/templates/review", {"promotional_words": ["bargain"], "delay_seconds": 1})

    assert changed["promotional_words"] == ["bargain"]
    assert changed["delay_seconds"] == 1
    assert httpx.get(f"{simulator.url}/_sim/templates/review", timeout=10).json() == changed


@pytest.mark.parametrize(
    "settings",
    [{"rejected_words": {"lottery": "BAD"}}, {"delay_seconds": -1}, {"promotional_utility": "maybe"}, {"x": 1}],
)
def test_bad_review_settings_are_refused(simulator: RunningSimulator, settings: dict[str, Any]) -> None:  # noqa: F811
    before = httpx.get(f"{simulator.url}/_sim/templates/review", timeout=10).json()

    answer = httpx.post(f"{simulator.url}/_sim/templates/review", json=settings, timeout=10)

    assert answer.status_code == 400
    assert httpx.get(f"{simulator.url}/_sim/templates/review", timeout=10).json() == before


# Listing and reading


def _create_five(client: GraphClient) -> list[str]:
    """Five templates, created oldest first; their names newest first, the listing's order."""
    created = [f"template_{number}" for number in range(5)]
    for name in created:
        client.create_template(WABA_ID, template(name=name))
    return list(reversed(created))


def test_the_listing_pages_with_cursors_and_a_next_url(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    expected = _create_five(client)

    first = graph(simulator, "GET", f"{WABA_ID}/message_templates", params={"fields": "name", "limit": "2"}).json()
    second = httpx.get(first["paging"]["next"], headers={"Authorization": "Bearer any-token"}, timeout=10).json()
    third = httpx.get(second["paging"]["next"], headers={"Authorization": "Bearer any-token"}, timeout=10).json()

    assert [t["name"] for t in first["data"] + second["data"] + third["data"]] == expected
    assert set(first["paging"]["cursors"]) == {"before", "after"}
    assert "previous" not in first["paging"]
    assert "previous" in second["paging"]
    assert "next" not in third["paging"]
    assert first["data"][0] == {"name": expected[0], "id": first["data"][0]["id"]}


def test_the_before_cursor_goes_back_a_page(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    expected = _create_five(client)
    path = f"{WABA_ID}/message_templates"
    first = graph(simulator, "GET", path, params={"fields": "name", "limit": "2"}).json()
    second = graph(
        simulator, "GET", path, params={"fields": "name", "limit": "2", "after": first["paging"]["cursors"]["after"]}
    ).json()

    back = graph(
        simulator, "GET", path, params={"fields": "name", "limit": "2", "before": second["paging"]["cursors"]["before"]}
    ).json()

    assert [t["name"] for t in back["data"]] == expected[:2]
    assert "previous" not in back["paging"]


def test_a_bad_cursor_is_refused(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = graph(simulator, "GET", f"{WABA_ID}/message_templates", params={"after": "not-a-cursor"})

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, 100)


def test_the_client_iterates_over_every_page(client: GraphClient) -> None:
    expected = _create_five(client)

    listed = list(client.list_templates(WABA_ID, fields=["name", "status"], limit=2))

    assert [t.name for t in listed] == expected
    # The reviews may or may not have decided yet.
    assert all(isinstance(t, TemplateInfo) and t.status in {"PENDING", "APPROVED"} for t in listed)


def test_an_empty_listing_has_no_paging(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = graph(simulator, "GET", f"{WABA_ID}/message_templates")

    assert answer.json() == {"data": []}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "APPROVED"}, ["welcome"]),
        ({"status": "REJECTED"}, ["lottery_news"]),
        ({"category": "MARKETING"}, ["summer_sale"]),
        ({"language": "es"}, ["welcome_es"]),
        ({"name": "welcome"}, ["welcome_es", "welcome"]),
    ],
)
def test_the_listing_filters_by_status_category_language_and_name(
    simulator: RunningSimulator,  # noqa: F811
    filters: dict[str, str],
    expected: list[str],
) -> None:
    for name, status, category, language in [
        ("welcome", "APPROVED", "UTILITY", "en_US"),
        ("lottery_news", "REJECTED", "UTILITY", "en_US"),
        ("summer_sale", "PENDING", "MARKETING", "en_US"),
        ("welcome_es", "PENDING", "UTILITY", "es"),
    ]:
        sim_post(
            simulator,
            "/_sim/templates",
            {**template(name=name, category=category, language=language), "status": status, "waba_id": WABA_ID},
        )

    answer = graph(simulator, "GET", f"{WABA_ID}/message_templates", params={"fields": "name", **filters})

    assert [t["name"] for t in answer.json()["data"]] == expected


def test_the_client_filters_by_status_and_name(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    sim_post(simulator, "/_sim/templates", {**template(name="welcome"), "status": "APPROVED"})
    sim_post(simulator, "/_sim/templates", {**template(name="welcome_back"), "status": "PAUSED"})
    sim_post(simulator, "/_sim/templates", {**template(name="goodbye"), "status": "APPROVED"})

    assert names(client, status="APPROVED", name="welcome") == ["welcome"]


def test_harness_templates_without_a_waba_are_listed_for_every_waba(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
) -> None:
    registered = sim_post(simulator, "/_sim/templates", template())

    listed = [t.id for t in client.list_templates(OTHER_WABA_ID, fields=["name"], limit=10)]

    assert listed == [registered["id"]]


def test_fields_choose_what_a_template_shows(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())

    answer = graph(simulator, "GET", template_id, params={"fields": "status"})

    assert answer.json() == {"status": "APPROVED", "id": template_id}


def test_without_fields_a_template_shows_graph_s_defaults(client: GraphClient) -> None:
    created = client.create_template(WABA_ID, template())

    info = client.get_template(created.id)

    assert set(info.raw) == {"name", "parameter_format", "components", "language", "status", "category", "id"}
    assert (info.name, info.language, info.category, info.parameter_format) == (
        "order_shipped",
        "en_US",
        "UTILITY",
        "POSITIONAL",
    )
    assert info.components == (BODY, FOOTER)


def test_an_unknown_field_is_refused(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    created = client.create_template(WABA_ID, template())

    answer = graph(simulator, "GET", created.id, params={"fields": "status,colour"})

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, 100)
    assert "colour" in answer.json()["error"]["message"]


def test_an_unknown_template_id_is_graph_s_missing_object(client: GraphClient) -> None:
    with pytest.raises(GraphAPIError) as raised:
        client.get_template("123456789012345")

    assert (raised.value.code, raised.value.subcode) == (100, 33)


def test_template_endpoints_need_a_valid_token(simulator: RunningSimulator) -> None:  # noqa: F811
    answer = httpx.get(f"{simulator.url}/{VERSION}/{WABA_ID}/message_templates", timeout=10)

    assert (answer.status_code, answer.json()["error"]["code"]) == (401, 190)


# Editing


def test_an_edit_replaces_every_component_and_goes_back_to_review(
    client: GraphClient, receiver: WebhookReceiver
) -> None:
    template_id = approved(client, receiver, template())
    new_body = text_body("Hello {{1}}, order {{2}} is on its way.", "Pablo", "1")

    client.edit_template(template_id, {"components": [new_body]})

    events = status_events(receiver, template_id, 3)
    assert [e["event"] for e in events] == ["APPROVED", "PENDING", "APPROVED"]
    assert client.get_template(template_id).components == (new_body,)


def test_an_edit_is_checked_as_a_creation_is(client: GraphClient, receiver: WebhookReceiver) -> None:
    template_id = approved(client, receiver, template())

    with pytest.raises(GraphAPIError) as raised:
        client.edit_template(template_id, {"components": [text_body("{{1}} ships today.", "Pablo")]})

    assert raised.value.subcode == 2388299
    assert client.get_template(template_id).components == (BODY, FOOTER)


def test_an_approved_template_can_be_edited_once_in_24_hours(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())
    client.edit_template(template_id, {"components": [BODY]})
    status_events(receiver, template_id, 3)

    with pytest.raises(GraphAPIError) as raised:
        client.edit_template(template_id, {"components": [BODY, FOOTER]})
    simulator.clock.advance(DAY)
    client.edit_template(template_id, {"components": [BODY, FOOTER]})

    assert raised.value.code == 100
    assert "24 hours" in raised.value.user_message
    assert client.get_template(template_id).components == (BODY, FOOTER)


def test_an_approved_template_can_be_edited_10_times_in_30_days(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())
    for edit in range(10):
        client.edit_template(template_id, {"components": [BODY] if edit % 2 else [BODY, FOOTER]})
        status_events(receiver, template_id, 3 + 2 * edit)
        simulator.clock.advance(DAY + 1)

    with pytest.raises(GraphAPIError) as raised:
        client.edit_template(template_id, {"components": [BODY]})
    simulator.clock.advance(20 * DAY)
    client.edit_template(template_id, {"components": [BODY]})

    assert "10 times in 30 days" in raised.value.user_message


def test_an_approved_template_s_category_can_t_change(client: GraphClient, receiver: WebhookReceiver) -> None:
    template_id = approved(client, receiver, template())

    with pytest.raises(GraphAPIError) as raised:
        client.edit_template(template_id, {"category": "MARKETING"})

    assert raised.value.code == 100
    assert client.get_template(template_id, fields=["category"]).category == "UTILITY"


def test_a_rejected_template_s_category_can_change(client: GraphClient, receiver: WebhookReceiver) -> None:
    created = client.create_template(WABA_ID, template(text_body("Hi {{1}}, you won the lottery!", "Pablo")))
    status_events(receiver, created.id, 1)

    client.edit_template(created.id, {"category": "MARKETING", "components": [BODY]})

    [_rejected, pending, decided] = status_events(receiver, created.id, 3)
    assert (pending["event"], decided["event"], decided["message_template_category"]) == (
        "PENDING",
        "APPROVED",
        "MARKETING",
    )


@pytest.mark.parametrize("status", ["PENDING", "DISABLED", "IN_APPEAL", "DELETED"])
def test_only_approved_rejected_or_paused_templates_can_be_edited(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    status: str,
) -> None:
    registered = sim_post(simulator, "/_sim/templates", {**template(), "status": status})

    with pytest.raises(GraphAPIError) as raised:
        client.edit_template(registered["id"], {"components": [BODY]})

    assert raised.value.code == 100
    assert client.get_template(registered["id"]).components == (BODY, FOOTER)


def test_a_paused_template_can_be_edited(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())
    force(simulator, template_id, "PAUSED")

    client.edit_template(template_id, {"components": [BODY]})

    assert [e["event"] for e in status_events(receiver, template_id, 4)] == [
        "APPROVED",
        "PAUSED",
        "PENDING",
        "APPROVED",
    ]


def test_the_message_ttl_is_edited_without_a_review(client: GraphClient, receiver: WebhookReceiver) -> None:
    template_id = approved(client, receiver, template())

    client.edit_template(template_id, {"message_send_ttl_seconds": 3600})

    info = client.get_template(template_id, fields=["status", "message_send_ttl_seconds"])
    assert (info.status, info.message_send_ttl_seconds) == ("APPROVED", 3600)
    assert len(receiver.changes(STATUS_FIELD)) == 1


def test_a_message_ttl_outside_the_category_s_range_is_refused(client: GraphClient, receiver: WebhookReceiver) -> None:
    template_id = approved(client, receiver, template())

    with pytest.raises(GraphAPIError) as raised:
        client.edit_template(template_id, {"message_send_ttl_seconds": 10})

    assert raised.value.code == 100


# Deleting


def test_deleting_by_name_deletes_every_language(client: GraphClient, receiver: WebhookReceiver) -> None:
    english = approved(client, receiver, template())
    spanish = approved(client, receiver, template(language="es"))
    client.create_template(WABA_ID, template(name="welcome"))

    client.delete_template(WABA_ID, name="order_shipped")

    assert names(client) == ["welcome"]
    for template_id in (english, spanish):
        assert status_events(receiver, template_id, 2)[-1]["event"] == "DELETED"
    assert client.get_template(english, fields=["status"]).status == "DELETED"


def test_deleting_by_name_and_hsm_id_deletes_one_language(client: GraphClient) -> None:
    english = client.create_template(WABA_ID, template())
    spanish = client.create_template(WABA_ID, template(language="es"))

    client.delete_template(WABA_ID, name="order_shipped", hsm_id=spanish.id)

    assert [t.id for t in client.list_templates(WABA_ID, fields=["name"], limit=10)] == [english.id]


def test_deleting_by_hsm_ids_deletes_each(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    first = client.create_template(WABA_ID, template(name="first"))
    second = client.create_template(WABA_ID, template(name="second"))
    client.create_template(WABA_ID, template(name="third"))

    answer = graph(simulator, "DELETE", f"{WABA_ID}/message_templates", params={"hsm_ids": f"[{first.id},{second.id}]"})

    assert answer.json() == {"success": True}
    assert names(client) == ["third"]


def test_one_unknown_hsm_id_fails_the_whole_deletion(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    first = client.create_template(WABA_ID, template(name="first"))

    answer = graph(
        simulator, "DELETE", f"{WABA_ID}/message_templates", params={"hsm_ids": f"[{first.id},123456789012345]"}
    )

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, 100)
    assert names(client) == ["first"]


def test_more_than_100_hsm_ids_are_refused(simulator: RunningSimulator) -> None:  # noqa: F811
    ids = json.dumps([str(10**14 + number) for number in range(101)])

    answer = graph(simulator, "DELETE", f"{WABA_ID}/message_templates", params={"hsm_ids": ids})

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, 100)
    assert "100" in answer.json()["error"]["message"]


def test_a_disabled_template_can_t_be_deleted(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    sim_post(simulator, "/_sim/templates", {**template(), "status": "DISABLED"})

    with pytest.raises(GraphAPIError) as raised:
        client.delete_template(WABA_ID, name="order_shipped")

    assert raised.value.code == 100
    assert names(client, status="DISABLED") == ["order_shipped"]


def test_deleting_an_unknown_name_is_refused(client: GraphClient) -> None:
    with pytest.raises(GraphAPIError) as raised:
        client.delete_template(WABA_ID, name="never_created")

    assert raised.value.code == 100


# Meta's later changes: pauses, unpausing, other statuses, quality and category


def test_a_paused_template_is_unpaused_with_webhooks_saying_so(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())
    paused = force(simulator, template_id, "PAUSED")

    client.unpause_template(template_id)

    [_approved, pause, unpause] = status_events(receiver, template_id, 3)
    assert paused["webhook_status"] == 200
    assert (pause["event"], pause["other_info"]["title"]) == ("PAUSED", "FIRST_PAUSE")
    assert "3 hours" in pause["other_info"]["description"]
    assert (unpause["event"], unpause["other_info"]["title"]) == ("APPROVED", "UNPAUSE")
    assert client.get_template(template_id, fields=["status"]).status == "APPROVED"


def test_the_second_pause_says_so(simulator: RunningSimulator, client: GraphClient, receiver: WebhookReceiver) -> None:  # noqa: F811
    template_id = approved(client, receiver, template())
    force(simulator, template_id, "PAUSED")
    client.unpause_template(template_id)

    force(simulator, template_id, "PAUSED")

    assert status_events(receiver, template_id, 4)[-1]["other_info"]["title"] == "SECOND_PAUSE"


def test_unpausing_a_template_that_is_not_paused_is_refused(client: GraphClient, receiver: WebhookReceiver) -> None:
    template_id = approved(client, receiver, template())

    with pytest.raises(GraphAPIError) as raised:
        client.unpause_template(template_id)

    assert raised.value.code == 100
    assert len(receiver.changes(STATUS_FIELD)) == 1


def test_disabling_sends_disable_info(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    simulator.clock.freeze()
    template_id = approved(client, receiver, template())

    force(simulator, template_id, "DISABLED")

    disabled = status_events(receiver, template_id, 2)[-1]
    assert disabled["disable_info"] == {"disable_date": int(simulator.clock())}
    assert disabled["other_info"]["title"] == "DISABLED"


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("IN_APPEAL", "IN_APPEAL"),
        ("REINSTATED", "APPROVED"),
        ("FLAGGED", "FLAGGED"),
        ("LIMIT_EXCEEDED", "LIMIT_EXCEEDED"),
    ],
)
def test_a_forced_status_is_delivered_as_its_event(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
    event: str,
    status: str,
) -> None:
    template_id = approved(client, receiver, template())

    answer = force(simulator, template_id, event)

    assert status_events(receiver, template_id, 2)[-1]["event"] == event
    assert answer["template"]["status"] == status
    assert client.get_template(template_id, fields=["status"]).status == status


def test_a_forced_rejection_carries_its_reason_and_info(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())
    info = {"reason": "The body asks for a card number.", "recommendation": "Remove it."}

    force(simulator, template_id, "REJECTED", reason="INVALID_FORMAT", rejection_info=info)

    rejected = status_events(receiver, template_id, 2)[-1]
    assert (rejected["reason"], rejected["rejection_info"]) == ("INVALID_FORMAT", info)


def test_a_bad_forced_status_is_refused(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())

    answer = httpx.post(f"{simulator.url}/_sim/templates/{template_id}/status", json={"status": "GONE"}, timeout=10)

    assert answer.status_code == 400
    assert client.get_template(template_id, fields=["status"]).status == "APPROVED"


def test_a_quality_change_is_delivered_and_shown(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())
    sim_post(simulator, f"/_sim/templates/{template_id}/quality", {"quality_score": "YELLOW"})

    sim_post(simulator, f"/_sim/templates/{template_id}/quality", {"quality_score": "RED"})

    assert receiver.changes(QUALITY_FIELD)[-1] == {
        "previous_quality_score": "YELLOW",
        "new_quality_score": "RED",
        "message_template_id": int(template_id),
        "message_template_name": "order_shipped",
        "message_template_language": "en_US",
    }
    assert client.get_template(template_id, fields=["quality_score"]).quality_score == "RED"


def test_a_category_change_is_delivered_and_shown(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())

    sim_post(simulator, f"/_sim/templates/{template_id}/category", {"category": "MARKETING"})

    assert receiver.changes(CATEGORY_FIELD) == [
        {
            "message_template_id": int(template_id),
            "message_template_name": "order_shipped",
            "message_template_language": "en_US",
            "previous_category": "UTILITY",
            "new_category": "MARKETING",
        }
    ]
    info = client.get_template(template_id, fields=["category", "previous_category"])
    assert (info.category, info.previous_category) == ("MARKETING", "UTILITY")


def test_an_impending_category_change_is_announced_without_changing_anything(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())

    sim_post(
        simulator,
        f"/_sim/templates/{template_id}/category",
        {"category": "MARKETING", "impending": True, "update_at": 1_780_000_000},
    )

    [announced] = receiver.changes(CATEGORY_FIELD)
    assert (announced["correct_category"], announced["new_category"], announced["category_update_timestamp"]) == (
        "MARKETING",
        "UTILITY",
        1_780_000_000,
    )
    assert client.get_template(template_id, fields=["category"]).category == "UTILITY"


def test_template_webhooks_sent_by_the_harness_are_signed(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())

    sim_post(simulator, f"/_sim/templates/{template_id}/quality", {"quality_score": "GREEN"})

    for request in receiver.received():
        assert signature_matches(request.body, request.header("X-Hub-Signature-256"), [SIMULATOR_APP_SECRET])
        assert isinstance(json.loads(request.body)["entry"][0]["time"], int)


# Sends see what happened to the template


def shipped_send() -> dict[str, Any]:
    return {
        "to": CUSTOMER,
        "type": "template",
        "template": {
            "name": "order_shipped",
            "language": {"code": "en_US"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Jessica"}, {"type": "text", "text": "1"}]}
            ],
        },
    }


def send_error(client: GraphClient) -> GraphAPIError:
    with pytest.raises(GraphAPIError) as raised:
        client.send_message(PHONE_NUMBER_ID, shipped_send())
    return raised.value


def test_an_approved_template_is_sent(client: GraphClient, receiver: WebhookReceiver) -> None:
    approved(client, receiver, template())

    result = client.send_message(PHONE_NUMBER_ID, shipped_send())

    assert result.message_status == "accepted"


def test_a_template_in_review_can_t_be_sent(simulator: RunningSimulator, client: GraphClient) -> None:  # noqa: F811
    sim_post(simulator, "/_sim/templates", {**template(), "status": "PENDING"})

    assert send_error(client).code == 132001


@pytest.mark.parametrize(("status", "code"), [("PAUSED", 132015), ("DISABLED", 132016), ("REJECTED", 132001)])
def test_a_send_sees_the_status_meta_gave_the_template(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
    status: str,
    code: int,
) -> None:
    template_id = approved(client, receiver, template())

    force(simulator, template_id, status)

    assert send_error(client).code == code


def test_a_deleted_template_can_t_be_sent(client: GraphClient, receiver: WebhookReceiver) -> None:
    approved(client, receiver, template())

    client.delete_template(WABA_ID, name="order_shipped")

    assert send_error(client).code == 132001


def test_an_unpaused_template_is_sent_again(
    simulator: RunningSimulator,  # noqa: F811
    client: GraphClient,
    receiver: WebhookReceiver,
) -> None:
    template_id = approved(client, receiver, template())
    force(simulator, template_id, "PAUSED")

    client.unpause_template(template_id)

    assert client.send_message(PHONE_NUMBER_ID, shipped_send()).message_status == "accepted"


def test_a_send_follows_an_edit_once_it_is_approved(client: GraphClient, receiver: WebhookReceiver) -> None:
    template_id = approved(client, receiver, template())
    one_parameter = text_body("Hi {{1}}, your order ships today.", "Pablo")
    client.edit_template(template_id, {"components": [one_parameter]})
    status_events(receiver, template_id, 3)

    error = send_error(client)

    assert error.code == 132000
    assert client.get_template(template_id).components == (one_parameter,)
