"""The inbox: where agents work conversations.

For now a plain list of the latest conversations, so what arrives is visible; the live
three-pane inbox replaces it (issue "The agent inbox").
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import TenantRequest
from inbox import selectors
from inbox.policy import customer_service_window

PAGE_SIZE = 50


def inbox(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    conversations = list(selectors.conversations(tenant=request.tenant)[:PAGE_SIZE])
    last = selectors.last_messages(tenant=request.tenant, conversation_ids=[c.pk for c in conversations])
    now = timezone.now()
    rows = [
        {
            "conversation": conversation,
            "last_message": last.get(conversation.pk),
            "window": customer_service_window(last_inbound_at=conversation.last_inbound_at, now=now),
        }
        for conversation in conversations
    ]
    return render(request, "frontend/inbox.html", {"rows": rows})
