from django.urls import path

from whatsapp.api.estimates import EstimateView
from whatsapp.api.numbers import NumberListView, NumberProfileSyncView, NumberProfileView, NumberQRView
from whatsapp.api.templates import (
    ConversationTemplatesView,
    ExampleFileView,
    LibraryView,
    TemplateDetailView,
    TemplateDuplicateView,
    TemplateListView,
    TemplateSubmitView,
    TemplateSyncView,
)

urlpatterns = [
    path("numbers/", NumberListView.as_view(), name="api_numbers"),
    path("numbers/<int:number_id>/qr/", NumberQRView.as_view(), name="api_number_qr"),
    path("numbers/<int:number_id>/profile/", NumberProfileView.as_view(), name="api_number_profile"),
    path("numbers/<int:number_id>/profile/sync/", NumberProfileSyncView.as_view(), name="api_number_profile_sync"),
    path("usage/estimate/", EstimateView.as_view(), name="api_usage_estimate"),
    path("templates/", TemplateListView.as_view(), name="api_templates"),
    path("templates/sync/", TemplateSyncView.as_view(), name="api_templates_sync"),
    path("templates/library/", LibraryView.as_view(), name="api_templates_library"),
    path("templates/example-files/", ExampleFileView.as_view(), name="api_template_example_files"),
    path("templates/<int:template_id>/", TemplateDetailView.as_view(), name="api_template"),
    path("templates/<int:template_id>/submit/", TemplateSubmitView.as_view(), name="api_template_submit"),
    path("templates/<int:template_id>/duplicate/", TemplateDuplicateView.as_view(), name="api_template_duplicate"),
    path(
        "conversations/<int:conversation_id>/templates/",
        ConversationTemplatesView.as_view(),
        name="api_conversation_templates",
    ),
]
