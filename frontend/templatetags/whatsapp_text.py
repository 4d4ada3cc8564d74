"""`{{ text|whatsapp_text }}`: a message's text with links and WhatsApp's formatting marks."""

from django import template
from django.utils.safestring import SafeString

from frontend.whatsapp_text import whatsapp_html

register = template.Library()


@register.filter
def whatsapp_text(text: str) -> SafeString:
    return whatsapp_html(str(text or ""))
