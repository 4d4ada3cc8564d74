from django.urls import path

from accounts.api.views import MemberDetailView, MemberListView, TenantView

urlpatterns = [
    path("tenant/", TenantView.as_view(), name="api_tenant"),
    path("members/", MemberListView.as_view(), name="api_members"),
    path("members/<int:member_id>/", MemberDetailView.as_view(), name="api_member"),
]
