"""Compact builders of Meta's template-creation body for the lint and preview tests: examples
are filled in unless a test says otherwise."""

from __future__ import annotations

from templates_mgmt.policy import placeholders

AUTO = object()
SHIPPED = "Hi {{1}}, your order {{2}} has shipped and will arrive soon. Thank you for waiting."
SHIPPED_NAMED = "Hi {{first_name}}, your order {{order_number}} has shipped and will arrive soon."


def template(*components, name="order_update", language="en_US", category="UTILITY", parameter_format=None):
    body = {"name": name, "language": language, "category": category, "components": list(components)}
    if parameter_format is not None:
        body["parameter_format"] = parameter_format
    return body


def named(*components, **fields):
    return template(*components, parameter_format="NAMED", **fields)


def _examples(kind, text, examples):
    names = list(dict.fromkeys(placeholders(text)))
    if examples is AUTO:
        if not names:
            return {}
        examples = (
            [f"sample {name}" for name in names]
            if all(name.isdigit() for name in names)
            else {name: f"sample {name}" for name in names}
        )
    if examples is None:
        return {}
    if isinstance(examples, dict):
        params = [{"param_name": key, "example": value} for key, value in examples.items()]
        return {"example": {f"{kind}_text_named_params": params}}
    return {"example": {f"{kind}_text": [examples] if kind == "body" else examples}}


def header(text, examples=AUTO):
    return {"type": "HEADER", "format": "TEXT", "text": text, **_examples("header", text, examples)}


def media(header_format, handle=True):
    return {
        "type": "HEADER",
        "format": header_format,
        **({"example": {"header_handle": ["4::aW1n"]}} if handle else {}),
    }


def body(text=SHIPPED, examples=AUTO):
    return {"type": "BODY", "text": text, **_examples("body", text, examples)}


def footer(text="Lucky Shrub"):
    return {"type": "FOOTER", "text": text}


def buttons(*items):
    return {"type": "BUTTONS", "buttons": list(items)}


def quick(text="Stop updates"):
    return {"type": "QUICK_REPLY", "text": text}


def url(address="https://shop.example/t/{{1}}", text="Track", example=AUTO):
    button = {"type": "URL", "text": text, "url": address}
    if example is AUTO:
        example = [address.replace("{{1}}", "abc")] if "{{" in address else None
    return {**button, **({"example": example} if example is not None else {})}


def phone(number="+15550051310", text="Call us"):
    return {"type": "PHONE_NUMBER", "text": text, "phone_number": number}


def copy_code(example="SAVE20"):
    return {"type": "COPY_CODE", **({"example": example} if example is not None else {})}


def otp(otp_type="COPY_CODE"):
    return {"type": "OTP", "otp_type": otp_type, "text": "Copy code"}


def authentication(*components, **fields):
    return template(*components, name="login_code", category="AUTHENTICATION", **fields)


AUTH_BODY = {"type": "BODY", "add_security_recommendation": True}
AUTH_FOOTER = {"type": "FOOTER", "code_expiration_minutes": 10}

META_REFERENCE = {
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
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Stop updates"},
                {"type": "URL", "text": "Track", "url": "https://x.com/t/{{1}}", "example": ["https://x.com/t/abc"]},
                {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550051310"},
            ],
        },
    ],
}
