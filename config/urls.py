"""Top-level routes: health, the API (/api/v1/), and the pages (frontend)."""

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api.errors import json_error
from config.health import healthz


@csrf_exempt  # the API authenticates no cookie; a POST here must get the envelope, not a CSRF page
def api_not_found(request: HttpRequest, path: str) -> JsonResponse:
    """Unknown API routes answer with the JSON envelope, in DEBUG too."""
    return json_error("not_found", f"There is no API route /api/v1/{path}.", 404)


api_urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("accounts.api.urls")),
    path("", include("inbox.api.urls")),
    # The contact's detail route (with DELETE, the erasure) and its exports.
    path("", include("privacy.api.urls")),
    path("", include("whatsapp.api.urls")),
    path("", include("billing.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    re_path(r"^(?P<path>.*)$", api_not_found, name="api_not_found"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_urlpatterns)),
    path("webhooks/", include("whatsapp.urls")),
    path("", include("frontend.urls")),
]

handler400 = "frontend.views.errors.bad_request"
handler403 = "frontend.views.errors.permission_denied"
handler404 = "frontend.views.errors.page_not_found"
handler500 = "frontend.views.errors.server_error"
