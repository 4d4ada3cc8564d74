from django.urls import path

from inbox.api.actions import (
    ConversationAssignView,
    ConversationLabelsView,
    ConversationNotesView,
    ConversationSnoozeView,
    ConversationStatusView,
    ConversationUnreadView,
)
from inbox.api.automation import (
    AnswerDetailView,
    AnswerListView,
    BotView,
    ChannelHoursView,
    HoursView,
    SubscriptionDetailView,
    SubscriptionListView,
)
from inbox.api.broadcasts import (
    BroadcastCancelView,
    BroadcastDetailView,
    BroadcastListView,
    BroadcastRecipientsView,
)
from inbox.api.contacts import (
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
    path(
        "conversations/<int:conversation_id>/assign/", ConversationAssignView.as_view(), name="api_conversation_assign"
    ),
    path(
        "conversations/<int:conversation_id>/status/", ConversationStatusView.as_view(), name="api_conversation_status"
    ),
    path(
        "conversations/<int:conversation_id>/snooze/", ConversationSnoozeView.as_view(), name="api_conversation_snooze"
    ),
    path(
        "conversations/<int:conversation_id>/labels/", ConversationLabelsView.as_view(), name="api_conversation_labels"
    ),
    path(
        "conversations/<int:conversation_id>/unread/", ConversationUnreadView.as_view(), name="api_conversation_unread"
    ),
    path("conversations/<int:conversation_id>/notes/", ConversationNotesView.as_view(), name="api_conversation_notes"),
    path("messages/<int:message_id>/", MessageDetailView.as_view(), name="api_message"),
    path("messages/<int:message_id>/media/", MessageMediaView.as_view(), name="api_message_media"),
    path("contacts/", ContactListView.as_view(), name="api_contacts"),
    path("contacts/import/", ContactImportView.as_view(), name="api_contacts_import"),
    path("contacts/<int:contact_id>/opt-in/", ContactOptInView.as_view(), name="api_contact_opt_in"),
    path("contacts/<int:contact_id>/opt-out/", ContactOptOutView.as_view(), name="api_contact_opt_out"),
    path("hours/", HoursView.as_view(), name="api_hours"),
    path("channels/<int:channel_id>/hours/", ChannelHoursView.as_view(), name="api_channel_hours"),
    path("bot/", BotView.as_view(), name="api_bot"),
    path("bot/answers/", AnswerListView.as_view(), name="api_bot_answers"),
    path("bot/answers/<int:answer_id>/", AnswerDetailView.as_view(), name="api_bot_answer"),
    path("webhooks/", SubscriptionListView.as_view(), name="api_webhooks"),
    path("webhooks/<int:subscription_id>/", SubscriptionDetailView.as_view(), name="api_webhook"),
    path("broadcasts/", BroadcastListView.as_view(), name="api_broadcasts"),
    path("broadcasts/<int:broadcast_id>/", BroadcastDetailView.as_view(), name="api_broadcast"),
    path(
        "broadcasts/<int:broadcast_id>/recipients/",
        BroadcastRecipientsView.as_view(),
        name="api_broadcast_recipients",
    ),
    path("broadcasts/<int:broadcast_id>/cancel/", BroadcastCancelView.as_view(), name="api_broadcast_cancel"),
]
