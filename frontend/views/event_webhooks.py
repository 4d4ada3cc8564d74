"""Admin pages of outbound event webhooks: subscriptions (URL, events, signing secret), each one's
delivery log with the response codes, and manual redelivery."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import TenantRequest, actor_for, role_required
from accounts.models import Role
from frontend.views.automation import form_saved
from inbox.hooks import policy, selectors
from inbox.hooks import services as hooks
from inbox.models import EventSubscription
from inbox.webhooks_out import REPLAY_WINDOW_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER

DELIVERIES_SHOWN = 50


class SubscriptionForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("Endpoint URL"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=gettext_lazy("Description"), max_length=120, required=False)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(t, t) for t in policy.EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )


class SubscriptionEditForm(SubscriptionForm):
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)
    regenerate_secret = forms.BooleanField(label=gettext_lazy("Make a new signing secret"), required=False)


def _subscription(request: TenantRequest, subscription_id: int) -> EventSubscription:
    return get_object_or_404(selectors.event_subscriptions(tenant_id=request.tenant.pk), pk=subscription_id)


def _help() -> dict[str, Any]:
    return {
        "timestamp_header": TIMESTAMP_HEADER,
        "signature_header": SIGNATURE_HEADER,
        "replay_minutes": REPLAY_WINDOW_SECONDS // 60,
    }


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def webhooks(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    actor = actor_for(request)
    if request.method == "POST" and form_saved(
        form, lambda data: hooks.event_subscription_create(actor=actor, now=timezone.now(), **data)
    ):
        messages.success(request, _("Webhook added. Its signing secret is on its page."))
        return redirect("settings_webhooks", tenant_slug=request.tenant.slug)
    context = {"form": form, "subscriptions": selectors.event_subscriptions(tenant_id=request.tenant.pk), **_help()}
    return render(request, "frontend/webhooks/list.html", context, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def webhook_detail(request: TenantRequest, tenant_slug: str, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    initial = {
        "url": subscription.url,
        "description": subscription.description,
        "event_types": subscription.event_types,
        "is_active": subscription.is_active,
    }
    form = SubscriptionEditForm(request.POST or None, initial=initial)
    actor = actor_for(request)
    if request.method == "POST" and form_saved(
        form, lambda data: hooks.event_subscription_update(actor=actor, subscription=subscription, **data)
    ):
        messages.success(request, _("Webhook saved."))
        return redirect("settings_webhook", tenant_slug=request.tenant.slug, subscription_id=subscription.pk)
    context = {
        "form": form,
        "subscription": subscription,
        "deliveries": selectors.delivery_log(subscription=subscription, limit=DELIVERIES_SHOWN),
        **_help(),
    }
    return render(request, "frontend/webhooks/detail.html", context, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_POST
def webhook_delete(request: TenantRequest, tenant_slug: str, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    hooks.event_subscription_delete(actor=actor_for(request), subscription=subscription)
    messages.success(request, _("Webhook deleted."))
    return redirect("settings_webhooks", tenant_slug=request.tenant.slug)


@role_required(Role.ADMIN)
@require_POST
def webhook_redeliver(request: TenantRequest, tenant_slug: str, subscription_id: int, delivery_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    delivery = get_object_or_404(selectors.event_deliveries(subscription=subscription), pk=delivery_id)
    hooks.event_delivery_redeliver(actor=actor_for(request), delivery=delivery, now=timezone.now())
    messages.success(request, _("Event %(event)s is being sent again.") % {"event": delivery.event_id})
    return redirect("settings_webhook", tenant_slug=request.tenant.slug, subscription_id=subscription.pk)
