"""Broadcasts: the list, a new one from a CSV file, and one broadcast's progress with its recipients.

Every member may broadcast, agents too: each recipient passes the rules a single template message
passes (an approved template, consent, opt-outs), which admins set up, so a broadcast reaches
nobody an agent could not message one by one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import TenantRequest, actor_for
from accounts.errors import ServiceError
from accounts.models import Tenant
from inbox import selectors
from inbox.models import Broadcast, BroadcastState, Channel
from inbox.services import broadcasts as services
from templates_mgmt.models import MessageTemplate, TemplateStatus
from whatsapp.models import WhatsAppNumber
from whatsapp.template_fill import parameter_keys

PAGE_SIZE = 100
# While recipients are being queued, or messages wait for WhatsApp, the progress page reloads itself.
REFRESH_SECONDS = 5
OUTCOME_LABELS = {
    "pending": gettext_lazy("Waiting"),
    "rejected": gettext_lazy("Rejected"),
    "cancelled": gettext_lazy("Cancelled"),
    "queued": gettext_lazy("Queued"),
    "accepted": gettext_lazy("Accepted"),
    "sent": gettext_lazy("Sent"),
    "delivered": gettext_lazy("Delivered"),
    "read": gettext_lazy("Read"),
    "failed": gettext_lazy("Failed"),
}


class TemplateChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        columns = ", ".join(("phone", *parameter_keys(obj.components, parameter_format=obj.parameter_format)))
        return f"{obj.name} ({obj.language}) · {obj.get_category_display()} · {_('columns')}: {columns}"


class BroadcastForm(forms.Form):
    channel = forms.ModelChoiceField(
        label=gettext_lazy("Send from"), queryset=Channel.objects.unscoped().none(), required=False
    )
    template = TemplateChoiceField(
        label=gettext_lazy("Approved template"),
        queryset=MessageTemplate.objects.unscoped().none(),
        help_text=gettext_lazy("Only approved templates can be sent."),
    )
    file = forms.FileField(
        label=gettext_lazy("Recipients (CSV file)"),
        allow_empty_file=True,  # the service explains why an empty file can't be read
        help_text=gettext_lazy(
            "UTF-8, separated by commas or semicolons, at most 10,000 rows: a phone column and one column per "
            "parameter of the template."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = Channel.objects.for_tenant(tenant).filter(is_active=True).order_by("name", "pk")
        waba_ids = WhatsAppNumber.objects.for_tenant(tenant).filter(channel__in=channels).values("waba_id")
        templates = MessageTemplate.objects.for_tenant(tenant).filter(
            status=TemplateStatus.APPROVED, waba_id__in=waba_ids
        )
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.ModelChoiceField)
        channel_field.queryset = channels
        if len(channels) == 1:
            self.only_channel: Channel | None = channels[0]
            channel_field.widget = forms.HiddenInput()
        else:
            self.only_channel = None
        template_field = self.fields["template"]
        assert isinstance(template_field, forms.ModelChoiceField)
        template_field.queryset = templates.order_by("name", "language")

    def clean_channel(self) -> Channel:
        channel: Channel | None = self.cleaned_data.get("channel") or self.only_channel
        if channel is None:
            raise forms.ValidationError(_("Choose the number to send from."))
        return channel


def broadcast_list(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    broadcasts = list(selectors.broadcasts(tenant=request.tenant)[:PAGE_SIZE])
    counts = selectors.broadcast_counts(tenant=request.tenant, broadcast_ids=[b.pk for b in broadcasts])
    rows = [{"broadcast": broadcast, "counts": counts[broadcast.pk]} for broadcast in broadcasts]
    return render(request, "frontend/broadcasts/list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def broadcast_new(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    tenant = request.tenant
    form = BroadcastForm(request.POST or None, request.FILES or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        template = form.cleaned_data["template"]
        try:
            broadcast = services.broadcast_create_from_csv(
                channel=form.cleaned_data["channel"],
                template_name=template.name,
                template_language=template.language,
                file_bytes=form.cleaned_data["file"].read(services.MAX_FILE_BYTES + 1),
                actor=actor_for(request),
                now=timezone.now(),
            )
        except ServiceError as error:
            form.add_error("template" if error.code.startswith("template") else "file", error.message)
        else:
            return _created(request, broadcast)
    no_templates = not form.fields["template"].queryset.exists()  # type: ignore[attr-defined]
    context = {"form": form, "no_templates": no_templates}
    return render(request, "frontend/broadcasts/new.html", context, status=400 if form.errors else 200)


def _created(request: TenantRequest, broadcast: Broadcast) -> HttpResponse:
    counts = selectors.broadcast_counts(tenant=request.tenant, broadcast_ids=[broadcast.pk])[broadcast.pk]
    messages.success(
        request,
        _("Broadcast started: %(accepted)s of %(total)s recipients will be sent the template; %(rejected)s rejected.")
        % {"accepted": counts.total - counts.rejected, "total": counts.total, "rejected": counts.rejected},
    )
    url = reverse("broadcast", kwargs={"tenant_slug": request.tenant.slug, "broadcast_id": broadcast.pk})
    return redirect(f"{url}?outcome=rejected" if counts.rejected else url)


def _broadcast_or_404(request: TenantRequest, broadcast_id: int) -> Broadcast:
    broadcast = selectors.broadcast_get(tenant=request.tenant, broadcast_id=broadcast_id)
    if broadcast is None:
        raise Http404("No such broadcast.")
    return broadcast


def _positive_int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 10 else 0


def broadcast_detail(request: TenantRequest, tenant_slug: str, broadcast_id: int) -> HttpResponse:
    broadcast = _broadcast_or_404(request, broadcast_id)
    counts = selectors.broadcast_counts(tenant=request.tenant, broadcast_ids=[broadcast.pk])[broadcast.pk]
    outcome = request.GET.get("outcome") or None
    if outcome not in OUTCOME_LABELS:
        outcome = None
    after = _positive_int(request.GET.get("after"))
    recipients = list(
        selectors.broadcast_recipients(tenant=request.tenant, broadcast=broadcast, progress=outcome).filter(
            row__gt=after
        )[: PAGE_SIZE + 1]
    )
    in_progress = broadcast.state in (BroadcastState.QUEUED, BroadcastState.RUNNING) or bool(
        counts.queued or counts.accepted
    )
    context = {
        "broadcast": broadcast,
        "counts": counts,
        "filters": [(key, label, getattr(counts, key)) for key, label in OUTCOME_LABELS.items()],
        "outcome": outcome,
        "outcome_labels": OUTCOME_LABELS,
        "recipients": recipients[:PAGE_SIZE],
        "next_after": recipients[PAGE_SIZE - 1].row if len(recipients) > PAGE_SIZE else None,
        "can_cancel": broadcast.state in (BroadcastState.QUEUED, BroadcastState.RUNNING),
        "refresh_seconds": REFRESH_SECONDS if in_progress else None,
    }
    return render(request, "frontend/broadcasts/detail.html", context)


@require_POST
def broadcast_cancel(request: TenantRequest, tenant_slug: str, broadcast_id: int) -> HttpResponse:
    broadcast = _broadcast_or_404(request, broadcast_id)
    try:
        services.broadcast_cancel(broadcast=broadcast, actor=actor_for(request), now=timezone.now())
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Broadcast cancelled: recipients not yet queued will not be sent anything."))
    return redirect("broadcast", tenant_slug=request.tenant.slug, broadcast_id=broadcast.pk)
