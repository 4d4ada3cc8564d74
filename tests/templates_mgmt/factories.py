"""Factories of message templates."""

from __future__ import annotations

import factory

from templates_mgmt.models import MessageTemplate
from tests.accounts.factories import TenantOwnedFactory

ORDER_BODY = "Hello {{1}}, your order {{2}} ships today."


class MessageTemplateFactory(TenantOwnedFactory[MessageTemplate]):
    """An approved utility template with two numbered body parameters, unless told otherwise."""

    class Meta:
        model = MessageTemplate

    class Params:
        number = None  # the WhatsAppNumber whose WABA owns it: required

    tenant = factory.LazyAttribute(lambda template: template.number.tenant)
    waba_id = factory.LazyAttribute(lambda template: template.number.waba_id)
    name = "order_update"
    language = "en_US"
    category = "UTILITY"
    status = "APPROVED"
    components = factory.LazyFunction(lambda: [{"type": "BODY", "text": ORDER_BODY}])
