"""Whether a send's parameters fit its template, component by component."""

import pytest

from templates_mgmt.policy import send_parameter_problems, template_slots

ORDER_UPDATE = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
    {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships {{3}}."},
    {"type": "FOOTER", "text": "Lucky Shrub"},
    {
        "type": "BUTTONS",
        "buttons": [
            {"type": "QUICK_REPLY", "text": "Stop"},
            {"type": "URL", "text": "Track", "url": "https://x.example/t/{{1}}"},
            {"type": "COPY_CODE", "example": "SAVE20"},
        ],
    },
]
NAMED = [{"type": "BODY", "text": "Thanks {{first_name}}, order {{order_no}}"}]
IMAGE_HEADER = [{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "New in"}]


def text(*values, names=None):
    return [
        {"type": "text", "text": value, **({"parameter_name": names[i]} if names else {})}
        for i, value in enumerate(values)
    ]


FITTING = [
    {"type": "header", "parameters": text("860198")},
    {"type": "body", "parameters": text("Jessica", "860198", "today")},
    {"type": "button", "sub_type": "url", "index": "1", "parameters": text("abc")},
    {
        "type": "button",
        "sub_type": "copy_code",
        "index": "2",
        "parameters": [{"type": "coupon_code", "coupon_code": "SAVE20"}],
    },
]


def problems(components, send, parameter_format="POSITIONAL"):
    return send_parameter_problems(components=components, parameter_format=parameter_format, send_components=send)


def test_slots_name_what_a_send_must_fill():
    slots = template_slots(ORDER_UPDATE)
    assert [(s.component, s.index, s.names) for s in slots] == [
        ("header", None, ("1",)),
        ("body", None, ("1", "2", "3")),
        ("button", 1, ("1",)),
        ("button", 2, ("coupon_code",)),
    ]


def test_fitting_parameters_have_no_problems():
    assert problems(ORDER_UPDATE, FITTING) == []


@pytest.mark.parametrize(
    ("send", "expected"),
    [
        ([c for c in FITTING if c["type"] != "body"], "The body needs parameters and none were given."),
        (
            [*FITTING[:1], {"type": "body", "parameters": text("Jessica")}, *FITTING[2:]],
            "The body needs 3 parameter(s); 1 given.",
        ),
        (
            [*FITTING[:1], {"type": "body", "parameters": text("Jessica", " ", "x")}, *FITTING[2:]],
            "A parameter of the body is empty.",
        ),
        ([FITTING[0], FITTING[1], FITTING[3]], "Button 1 needs parameters and none were given."),
    ],
)
def test_missing_or_wrong_parameters_are_named(send, expected):
    assert expected in problems(ORDER_UPDATE, send)


def test_parameters_the_template_has_no_place_for():
    assert problems([{"type": "BODY", "text": "Hello"}], [{"type": "body", "parameters": text("x")}]) == [
        "The template has no parameters in the body."
    ]


def test_named_parameters_must_carry_their_names():
    assert (
        problems(
            NAMED, [{"type": "body", "parameters": text("Pablo", "860198", names=["first_name", "order_no"])}], "NAMED"
        )
        == []
    )
    assert problems(
        NAMED, [{"type": "body", "parameters": text("Pablo", "860198", names=["first_name", "order"])}], "NAMED"
    ) == ["The body is missing order_no."]


def test_media_headers_take_one_media_parameter():
    image = [{"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x.example/a.jpg"}}]}]
    assert problems(IMAGE_HEADER, image) == []
    assert problems(IMAGE_HEADER, [{"type": "header", "parameters": text("x")}]) == [
        "The header needs one image parameter."
    ]
