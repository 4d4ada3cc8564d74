from django.urls import path

from privacy.api.views import ContactDetailView, ContactExportView, ExportDetailView, ExportDownloadView

urlpatterns = [
    # GET and PATCH are the inbox's (inherited); DELETE, the erasure, is added here.
    path("contacts/<int:contact_id>/", ContactDetailView.as_view(), name="api_contact"),
    path("contacts/<int:contact_id>/export/", ContactExportView.as_view(), name="api_contact_export"),
    path("exports/<int:export_id>/", ExportDetailView.as_view(), name="api_export"),
    path("exports/<int:export_id>/download/", ExportDownloadView.as_view(), name="api_export_download"),
]
