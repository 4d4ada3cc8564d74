from django.urls import path

from inbox.api.contacts import (
    ContactDetailView,
    ContactImportView,
    ContactListView,
    ContactOptInView,
    ContactOptOutView,
)
from inbox.api.sending import ConversationReadView, MediaUploadView, MessageDetailView, MessageSendView
from inbox.api.views import (
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
    path("messages/", MessageSendView.as_view(), name="api_messages"),
    path("media/", MediaUploadView.as_view(), name="api_media"),
    path("conversations/<int:conversation_id>/read/", ConversationReadView.as_view(), name="api_conversation_read"),
    path("messages/<int:message_id>/", MessageDetailView.as_view(), name="api_message"),
    path("messages/<int:message_id>/media/", MessageMediaView.as_view(), name="api_message_media"),
    path("contacts/", ContactListView.as_view(), name="api_contacts"),
    path("contacts/import/", ContactImportView.as_view(), name="api_contacts_import"),
    path("contacts/<int:contact_id>/", ContactDetailView.as_view(), name="api_contact"),
    path("contacts/<int:contact_id>/opt-in/", ContactOptInView.as_view(), name="api_contact_opt_in"),
    path("contacts/<int:contact_id>/opt-out/", ContactOptOutView.as_view(), name="api_contact_opt_out"),
]
