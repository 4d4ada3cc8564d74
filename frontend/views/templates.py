"""Message template pages: the list, the editor with a live preview and lint, a template's page
with its history and actions, the library, and the sync with Meta."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import TenantRequest, actor_for, role_required
from accounts.errors import ServiceError
from accounts.models import Role
from frontend.template_editor import LANGUAGES, MEDIA_HEADERS, TemplateEditorForm, editor_initial
from templates_mgmt import policy, selectors
from templates_mgmt import services as drafts
from templates_mgmt.library import library_entries
from templates_mgmt.models import MessageTemplate, TemplateCategory, TemplateStatus
from whatsapp import selectors as channel_selectors
from whatsapp.client import GraphAPIError
from whatsapp.media_rules import EXAMPLE_FILE_MAX_BYTES
from whatsapp.services import templates as lifecycle

# Meta lets a template it knows change its components (and category), nothing else.
EDITABLE_AT_META = (TemplateStatus.APPROVED, TemplateStatus.REJECTED, TemplateStatus.PAUSED)


def _template(request: TenantRequest, template_id: int) -> MessageTemplate:
    found = selectors.template(tenant=request.tenant, template_id=template_id)
    if found is None:
        raise Http404
    return found


# Stands for the handle of an example file chosen in the editor, which is uploaded on save.
EXAMPLE_ON_SAVE = "4::chosen-file"


def _upload_example(form: TemplateEditorForm, *, tenant_id: int, waba_id: str) -> None:
    """Upload the example file chosen for a media header, if any, and keep its handle in the form."""
    upload = form.cleaned_data.get("header_file")
    header_format = form.cleaned_data.get("header_format")
    if upload is None or header_format not in MEDIA_HEADERS:
        return
    data = upload.read(EXAMPLE_FILE_MAX_BYTES + 1)
    handle = lifecycle.template_example_upload(
        tenant_id=tenant_id, waba_id=waba_id, header_format=header_format, data=data, file_name=upload.name or "example"
    )
    form.keep_example_handle(handle)


def _error_field(form: TemplateEditorForm, error: ServiceError) -> str | None:
    """The form field an error is about, when it names one (else the error is the form's)."""
    field = error.details.get("field") if isinstance(error.details, dict) else None
    return field if field in form.fields else None


def _editor_context(form: TemplateEditorForm, template: MessageTemplate | None = None) -> dict[str, object]:
    body = form.creation_body()
    findings = policy.lint_template(body)
    return {
        "form": form,
        "template": template,
        "languages": LANGUAGES,
        "preview": policy.preview_text(body),
        "findings": findings,
        "has_errors": policy.blocks_submission(findings),
    }


@role_required(Role.ADMIN)
@require_GET
def template_list(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    filters = {key: request.GET.get(key, "") for key in ("status", "category", "language")}
    search = request.GET.get("q", "").strip()[:100]
    context = {
        "templates": selectors.templates(tenant=request.tenant, filters=filters, search=search)[:500],
        "filters": filters,
        "search": search,
        "statuses": TemplateStatus.choices,
        "categories": TemplateCategory.choices,
        "has_number": bool(channel_selectors.waba_ids_of(tenant_id=request.tenant.pk)),
    }
    return render(request, "frontend/message_templates/list.html", context)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def template_new(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    wabas = channel_selectors.waba_ids_of(tenant_id=request.tenant.pk)
    if not wabas:
        # The list says what to do first: connect a number.
        return render(request, "frontend/message_templates/list.html", {"templates": [], "has_number": False})
    form = TemplateEditorForm(
        request.POST or None, request.FILES or None, waba_ids=wabas, initial={"waba_id": wabas[0]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            _upload_example(form, tenant_id=request.tenant.pk, waba_id=form.cleaned_data["waba_id"])
            body = form.creation_body()
            drafts.template_lint_or_raise(body)
            template = drafts.template_draft_save(
                tenant_id=request.tenant.pk, waba_id=form.cleaned_data["waba_id"], body=body, now=timezone.now()
            )
            if "submit" in request.POST:
                lifecycle.template_submit(template=template, actor=actor_for(request), now=timezone.now())
        except ServiceError as error:
            form.add_error(_error_field(form, error), error.message)
        else:
            return _saved(request, template, submitted="submit" in request.POST)
    return render(
        request, "frontend/message_templates/editor.html", _editor_context(form), status=400 if form.errors else 200
    )


def _saved(request: TenantRequest, template: MessageTemplate, *, submitted: bool) -> HttpResponse:
    if submitted:
        messages.success(request, _("Submitted to Meta for review. You will be told here when Meta decides."))
    else:
        messages.success(request, _("Saved as a draft."))
    return redirect("template_detail", tenant_slug=request.tenant.slug, template_id=template.pk)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def template_edit(request: TenantRequest, tenant_slug: str, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    if template.status not in (TemplateStatus.DRAFT, *EDITABLE_AT_META):
        messages.error(request, _("A template that is %(status)s can't be edited.") % {
            "status": template.get_status_display().lower()})  # fmt: skip
        return redirect("template_detail", tenant_slug=request.tenant.slug, template_id=template.pk)
    is_draft = template.status == TemplateStatus.DRAFT
    form = TemplateEditorForm(
        request.POST or None,
        request.FILES or None,
        waba_ids=[template.waba_id],
        initial=editor_initial(template),
        editable_identity=is_draft,
    )
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        try:
            _upload_example(form, tenant_id=template.tenant_id, waba_id=template.waba_id)
            body = form.creation_body()
            if is_draft:
                drafts.template_lint_or_raise(body)
                drafts.template_draft_save(
                    tenant_id=template.tenant_id, waba_id=template.waba_id, body=body, now=now, template=template
                )
                if "submit" in request.POST:
                    lifecycle.template_submit(template=template, actor=actor_for(request), now=now)
            else:
                lifecycle.template_edit(template=template, body=body, actor=actor_for(request), now=now)
        except ServiceError as error:
            form.add_error(_error_field(form, error), error.message)
        else:
            return _saved(request, template, submitted=not is_draft or "submit" in request.POST)
    context = _editor_context(form, template)
    return render(request, "frontend/message_templates/editor.html", context, status=400 if form.errors else 200)


@role_required(Role.ADMIN)
@require_POST
def template_preview(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    """The editor's live preview and lint findings, for what is typed so far (nothing is saved)."""
    wabas = channel_selectors.waba_ids_of(tenant_id=request.tenant.pk)
    form = TemplateEditorForm(request.POST, waba_ids=wabas)
    chosen_file = request.POST.get("header_file_name", "")[:200]
    if chosen_file and not request.POST.get("header_handle"):
        # The file chosen is uploaded on save: check the rest as if it had been.
        form.keep_example_handle(EXAMPLE_ON_SAVE)
    context = {**_editor_context(form), "chosen_file": chosen_file}
    # The example fields follow the placeholders: re-drawn only when the set of them changed.
    context["redraw_examples"] = request.POST.get("example_slots", "") != form.example_slots_key()
    return render(request, "frontend/message_templates/_preview.html", context)


@role_required(Role.ADMIN)
@require_GET
def template_detail(request: TenantRequest, tenant_slug: str, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    body = drafts.creation_body(template)
    findings = policy.lint_template(body)
    context = {
        "template": template,
        "preview": policy.preview_text(body),
        "findings": findings,
        "has_errors": policy.blocks_submission(findings),
        "history": selectors.template_history(template=template)[:200],
        "languages_in_use": selectors.languages_of(template=template),
        "languages": LANGUAGES,
        "editable": template.status in (TemplateStatus.DRAFT, *EDITABLE_AT_META),
        "status_explanation": policy.status_explanation(
            status=template.status, reason=template.rejection_reason, detail=""
        ),
    }
    context["rejection_explanation"] = context["status_explanation"]
    return render(request, "frontend/message_templates/detail.html", context)


def _after(request: TenantRequest, template: MessageTemplate, action: Callable[[], str]) -> HttpResponse:
    """Run a template action and say how it went on the template's page."""
    try:
        messages.success(request, action())
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("template_detail", tenant_slug=request.tenant.slug, template_id=template.pk)


@role_required(Role.ADMIN)
@require_POST
def template_submit(request: TenantRequest, tenant_slug: str, template_id: int) -> HttpResponse:
    template = _template(request, template_id)

    def submit() -> str:
        lifecycle.template_submit(template=template, actor=actor_for(request), now=timezone.now())
        return _("Submitted to Meta for review. You will be told here when Meta decides.")

    return _after(request, template, submit)


@role_required(Role.ADMIN)
@require_POST
def template_unpause(request: TenantRequest, tenant_slug: str, template_id: int) -> HttpResponse:
    template = _template(request, template_id)

    def unpause() -> str:
        lifecycle.template_unpause(template=template, actor=actor_for(request), now=timezone.now())
        return _("Unpaused: the template can be sent again.")

    return _after(request, template, unpause)


@role_required(Role.ADMIN)
@require_POST
def template_delete(request: TenantRequest, tenant_slug: str, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    try:
        lifecycle.template_delete(template=template, actor=actor_for(request), now=timezone.now())
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("template_detail", tenant_slug=request.tenant.slug, template_id=template.pk)
    messages.success(request, _("Template %(name)s (%(language)s) deleted.") % {
        "name": template.name, "language": template.language})  # fmt: skip
    return redirect("templates", tenant_slug=request.tenant.slug)


@role_required(Role.ADMIN)
@require_POST
def template_duplicate(request: TenantRequest, tenant_slug: str, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    language = request.POST.get("language", "").strip()[:16]
    try:
        if not language:
            raise ServiceError(_("Name the language of the copy, e.g. de or pt_BR."))
        copy = drafts.template_duplicate(template=template, language=language, now=timezone.now())
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("template_detail", tenant_slug=request.tenant.slug, template_id=template.pk)
    messages.success(request, _("A draft in %(language)s: translate its texts, then submit it.") % {
        "language": copy.language})  # fmt: skip
    return redirect("template_edit", tenant_slug=request.tenant.slug, template_id=copy.pk)


@role_required(Role.ADMIN)
@require_POST
def templates_sync(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    imported = seen = 0
    for waba_id in channel_selectors.waba_ids_of(tenant_id=request.tenant.pk):
        try:
            result = lifecycle.templates_sync(tenant_id=request.tenant.pk, waba_id=waba_id, now=timezone.now())
        except (GraphAPIError, ServiceError) as error:
            message = error.human_message if isinstance(error, GraphAPIError) else error.message
            messages.error(request, _("Sync with Meta failed: %(error)s") % {"error": message})
            return redirect("templates", tenant_slug=request.tenant.slug)
        imported += result.imported
        seen += result.seen
    messages.success(request, _("Synced with Meta: %(seen)s templates, %(imported)s new here.") % {
        "seen": seen, "imported": imported})  # fmt: skip
    return redirect("templates", tenant_slug=request.tenant.slug)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def template_library(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    wabas = channel_selectors.waba_ids_of(tenant_id=request.tenant.pk)
    if request.method == "POST":
        key, languages = request.POST.get("key", ""), request.POST.getlist("languages")
        waba_id = request.POST.get("waba_id") or (wabas[0] if wabas else "")
        if waba_id not in wabas:
            messages.error(request, _("Connect a WhatsApp number first: templates belong to its business account."))
            return redirect("template_library", tenant_slug=request.tenant.slug)
        now = timezone.now()
        try:
            added = drafts.templates_from_library(
                tenant_id=request.tenant.pk, waba_id=waba_id, key=key, languages=languages, now=now
            )
            for template in added:
                lifecycle.template_submit(template=template, actor=actor_for(request), now=now)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Added and submitted for review: %(names)s.") % {
                "names": ", ".join(f"{t.name} ({t.language})" for t in added)})  # fmt: skip
            # The onboarding wizard adds one in a click and comes back.
            back = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect("templates", tenant_slug=request.tenant.slug)
    in_use = {
        (t.library_key, t.language)
        for t in selectors.templates(tenant=request.tenant).exclude(library_key="").only("library_key", "language")
    }
    entries = [
        {
            "entry": entry,
            "languages": [
                {"code": language, "added": (entry.key, language) in in_use,
                 "preview": policy.preview_text(entry.body_for(language))}
                for language in entry.languages
            ],
        }
        for entry in library_entries()
    ]  # fmt: skip
    return render(request, "frontend/message_templates/library.html", {"entries": entries, "wabas": wabas})
