from django.urls import path

from inbox.api.views import (
    ContactListView,
    ConversationDetailView,
    ConversationListView,
    ConversationMessagesView,
    MessageMediaView,
)

urlpatterns = [
    path("conversations/", ConversationListView.as_view(), name="api_conversations"),
    path("conversations/<int:conversation_id>/", ConversationDetailView.as_view(), name="api_conversation"),
    path(
        "conversations/<int:conversation_id>/messages/",
        ConversationMessagesView.as_view(),
        name="api_conversation_messages",
    ),
    path("messages/<int:message_id>/media/", MessageMediaView.as_view(), name="api_message_media"),
    path("contacts/", ContactListView.as_view(), name="api_contacts"),
]
