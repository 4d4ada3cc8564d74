"""The product's routes plus references: what the same server does when it does (almost) nothing."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    """Reads the body, like the webhook view, and answers 200."""
    request.read()
    return HttpResponse(b'{"status": "received"}', content_type="application/json")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("config.urls")),
]
