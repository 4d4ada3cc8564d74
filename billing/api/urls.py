from django.urls import path

from billing.api.views import UsageView

urlpatterns = [
    path("usage/", UsageView.as_view(), name="api_usage"),
]
