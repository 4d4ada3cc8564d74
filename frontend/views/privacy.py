"""A contact's data protection in the inbox's panel, for admins: the data export (request it,
see it being prepared, download it once) and erasure, confirmed. Agents see none of it.

`contact_privacy` renders the section (`frontend/inbox/_privacy.html`), which the panel loads
on its own, so the panel's queries stay what they are for everyone. Its forms post with htmx
and get the section back; without JavaScript they redirect to the conversation.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import TenantRequest, actor_for, role_required
from accounts.errors import ServiceError
from accounts.models import Role
from frontend.views.inbox_panel import is_htmx
from inbox import selectors as inbox_selectors
from inbox.models import Contact
from privacy import selectors
from privacy.api.views import download_response
from privacy.models import ExportState
from privacy.services import erasure, exports

CONFIRMATION = "erase"


def _contact_or_404(request: TenantRequest, contact_id: int) -> Contact:
    contact = inbox_selectors.contact_get(tenant=request.tenant, contact_id=contact_id)
    if contact is None:
        raise Http404("No such contact.")
    return contact


def _section(request: TenantRequest, contact: Contact, *, error: str = "", status: int = 200) -> HttpResponse:
    latest = selectors.contact_exports(tenant=request.tenant, contact_id=contact.pk).first()
    context = {
        "contact": contact,
        "export": latest,
        "preparing": latest is not None and latest.state == ExportState.PREPARING,
        "privacy_error": error,
        "confirmation": CONFIRMATION,
    }
    return render(request, "frontend/inbox/_privacy.html", context, status=status)


def _back(request: TenantRequest) -> HttpResponseBase:
    # Back where the admin was: the conversation they came from, else the inbox.
    conversation = request.POST.get("conversation", "")
    if conversation.isdigit():
        return redirect("inbox_conversation", tenant_slug=request.tenant.slug, conversation_id=int(conversation))
    return redirect("inbox", tenant_slug=request.tenant.slug)


@require_GET
@role_required(Role.ADMIN)
def contact_privacy(request: TenantRequest, tenant_slug: str, contact_id: int) -> HttpResponse:
    return _section(request, _contact_or_404(request, contact_id))


@require_POST
@role_required(Role.ADMIN)
def contact_export(request: TenantRequest, tenant_slug: str, contact_id: int) -> HttpResponseBase:
    contact = _contact_or_404(request, contact_id)
    exports.contact_export_request(
        tenant=request.tenant, contact_id=contact.pk, actor=actor_for(request), now=timezone.now()
    )
    if is_htmx(request):
        return _section(request, contact)
    messages.success(request, _("The export is being prepared."))
    return _back(request)


@require_GET
@role_required(Role.ADMIN)
def contact_export_download(
    request: TenantRequest, tenant_slug: str, contact_id: int, export_id: int
) -> HttpResponseBase:
    contact = _contact_or_404(request, contact_id)
    export = selectors.export_get(tenant=request.tenant, export_id=export_id)
    if export is None or export.contact_id != contact.pk:
        raise Http404("No such export.")
    try:
        export = exports.contact_export_take(
            tenant=request.tenant, export_id=export.pk, actor=actor_for(request), now=timezone.now()
        )
    except ServiceError as error:
        if is_htmx(request):
            return _section(request, contact, error=error.message, status=error.http_status)
        # A plain link was followed: the inbox says why there is no file.
        messages.error(request, error.message)
        return redirect("inbox", tenant_slug=request.tenant.slug)
    response: StreamingHttpResponse = download_response(export)
    return response


@require_POST
@role_required(Role.ADMIN)
def contact_erase(request: TenantRequest, tenant_slug: str, contact_id: int) -> HttpResponseBase:
    contact = _contact_or_404(request, contact_id)
    if request.POST.get("confirm", "").strip().lower() != CONFIRMATION:
        error = _("Type “%(word)s” to confirm: erasing can't be undone.") % {"word": CONFIRMATION}
        if is_htmx(request):
            return _section(request, contact, error=error, status=400)
        messages.error(request, error)
        return _back(request)
    erasure.contact_erase(tenant=request.tenant, contact_id=contact.pk, actor=actor_for(request), now=timezone.now())
    messages.success(request, _("The contact and everything about them were erased."))
    inbox = reverse("inbox", kwargs={"tenant_slug": request.tenant.slug})
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": inbox})
    return redirect(inbox)
