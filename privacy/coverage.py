"""Where each model stands on a contact's data: how an erasure and an export treat the rows
that name a contact, or why the model holds no contact's data. tests/privacy/test_coverage.py
fails for a model missing here, so a new model can't be forgotten; the same test then checks
what this says against the database.
"""

from __future__ import annotations

# Rows that name a contact, and what erasure (privacy.services.erasure) does to them; "export"
# when the export (privacy.selectors.contact_data) carries them.
CONTACT_DATA: dict[str, str] = {
    "inbox.Contact": "deleted; exported",
    "inbox.ConsentEvent": "deleted (the erasure's audit entry keeps kinds, scopes, sources and times); exported",
    "inbox.OptInRequest": "deleted with the contact; exported",
    "inbox.Conversation": "deleted; exported",
    "inbox.ConversationLabel": "deleted with its conversation; exported (label names)",
    "inbox.Message": "deleted; exported",
    "inbox.Reaction": "deleted with its message; exported",
    "inbox.Attachment": "deleted with its message, its file too; exported with the file",
    "inbox.UploadedMedia": "deleted with its file when only the contact's messages used it",
    "inbox.StatusUpdate": "deleted (by message and by recipient); exported",
    "inbox.OutboxEntry": "deleted with its message",
    "inbox.Activity": "deleted with its conversation (notes and what happened); exported",
    "inbox.BotConversation": "deleted with its conversation",
    "inbox.TenantEvent": "the live events quoting the contact, its conversations or messages are deleted",
    "inbox.EventDelivery": "outbound webhook deliveries quoting them are deleted",
    "inbox.EventDeliveryAttempt": "deleted with their delivery (the response bodies may echo the payload)",
    "inbox.BroadcastRecipient": "anonymised (number, parameters, link): the broadcast's counts add up from them; "
    "exported",
    "billing.BillableEvent": "anonymised (recipient): the metered cost stays, without who it was",
    "accounts.AuditLog": "the contact's name is blanked in entries about it; the erasure adds one without it",
    "accounts.Notification": "mention notifications linking to the contact's conversations are deleted",
    "whatsapp.WebhookEvent": "the contact's items are cut out of stored bodies",
    "whatsapp.DeadLetter": "items naming the contact are deleted",
    "whatsapp.PlatformUpdate": "account updates naming the contact (marketing preferences) are deleted",
    "privacy.ContactExport": "deleted with the contact, its file too",
}

# Models that hold no contact's data, and why.
NO_CONTACT_DATA: dict[str, str] = {
    "auth.Permission": "Django's permission names",
    "auth.Group": "Django's groups (unused)",
    "contenttypes.ContentType": "model names",
    "sessions.Session": "members' sign-in sessions, no customer data",
    "accounts.Tenant": "the workspace (a company)",
    "accounts.User": "members of the team, not customers",
    "accounts.Membership": "members' roles",
    "accounts.Invitation": "invitations of members",
    "accounts.ApiKey": "the workspace's API keys",
    "accounts.TwoFactorDevice": "members' second factors",
    "inbox.Channel": "the workspace's numbers",
    "inbox.ConsentSettings": "the workspace's opt-out keywords",
    "inbox.EventSequence": "a counter",
    "inbox.Broadcast": "the template and its shared parameters; each recipient's are on BroadcastRecipient",
    "inbox.Team": "teams of members",
    "inbox.TeamMember": "members in teams",
    "inbox.Label": "label names",
    "inbox.CannedResponse": "the team's ready answers (placeholders, not a customer's data)",
    "inbox.AgentStatus": "members' availability",
    "inbox.AutoAssignment": "assignment settings",
    "inbox.OpeningHoursSetting": "opening hours",
    "inbox.AutomationSettings": "the bot's texts",
    "inbox.AutomationAnswer": "the bot's answers",
    "inbox.EventSubscription": "the workspace's endpoints",
    "whatsapp.WhatsAppNumber": "the workspace's numbers and credentials",
    "whatsapp.BusinessProfile": "the business's own profile",
    "whatsapp.OptInPage": "the opt-in page's text (each opt-in is a ConsentEvent)",
    "templates_mgmt.MessageTemplate": "templates with example values, written by the business",
    "templates_mgmt.TemplateEvent": "templates' review history",
    "billing.RateCard": "WhatsApp's prices",
    "billing.RatePrice": "WhatsApp's prices",
    "billing.Budget": "the workspace's budget",
    "billing.PlanPeriod": "the workspace's plan",
    # Statements aggregate usage by category and country: no recipient, no message.
    "accounts.TenantDataKey": "a tenant's wrapped data key (shredding the tenant destroys it)",
    "billing.Statement": "the workspace's monthly statement (its company details, no contact)",
    "billing.StatementLine": "a statement's totals by plan, category and country",
    "billing.StatementCredit": "an amount credited to the workspace",
    "billing.StatementCounter": "the statement number sequence",
}
