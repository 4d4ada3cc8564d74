"""The inbox: where agents work conversations."""

from django.http import HttpResponse
from django.shortcuts import render

from accounts.access import TenantRequest


def inbox(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    return render(request, "frontend/inbox.html")
