from django.urls import path

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
