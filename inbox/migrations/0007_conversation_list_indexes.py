"""Indexes for the conversation list (inbox.selectors.conversation_list) and its search (inbox.search).

The list is sorted by last activity, COALESCE(last_message_at, created_at) DESC, id DESC, and
paged by keyset on that pair: each filter the inbox offers has an index that reads its rows in
that order, so a page costs the same at 1,000 and at 100,000 conversations.

These are expression and GIN indexes on a text search configuration of our own, which Django's
model state can't describe: they are created in SQL here, and not declared on the models (so
`makemigrations` leaves them alone). The search expressions must stay exactly those of
inbox/search.py; tests/inbox/test_conversation_list.py checks the plans use these indexes.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

LAST_ACTIVITY = "(COALESCE(last_message_at, created_at)) DESC, id DESC"

SEARCH_CONFIGURATION = """
CREATE TEXT SEARCH CONFIGURATION relay_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION relay_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword, hword_numpart
    WITH unaccent, simple;
"""

INDEXES = {
    # "All", any status (the API's default).
    "conversation_list_activity": f"inbox_conversation (tenant_id, {LAST_ACTIVITY})",
    # "All" in one status.
    "conversation_list_status": f"inbox_conversation (tenant_id, status, {LAST_ACTIVITY})",
    # "Mine" and "Unassigned" (assignee_id IS NULL), in one status.
    "conversation_list_assignee": f"inbox_conversation (tenant_id, assignee_id, status, {LAST_ACTIVITY})",
    # A team's, in one status.
    "conversation_list_team": f"inbox_conversation (tenant_id, team_id, status, {LAST_ACTIVITY})",
    "contact_search_names": (
        "inbox_contact USING gin (to_tsvector('relay_search'::regconfig, (name || ' ' || profile_name)))"
    ),
    "contact_search_phones": "inbox_contact USING gin ((phone || ' ' || wa_id) gin_trgm_ops)",
    "message_search_text": "inbox_message USING gin (to_tsvector('relay_search'::regconfig, text))",
}


# A label is one tenant's: without this, PostgreSQL multiplies the two filters' selectivities,
# guesses a label a third as common as it is, and reads a common label's list by the label.
LABEL_STATISTICS = (
    "CREATE STATISTICS conversation_label_tenant (dependencies) ON tenant_id, label_id FROM inbox_conversationlabel"
)


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0006_team_inbox"),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunSQL(SEARCH_CONFIGURATION, reverse_sql="DROP TEXT SEARCH CONFIGURATION relay_search"),
        *(
            migrations.RunSQL(f"CREATE INDEX {name} ON {definition}", reverse_sql=f"DROP INDEX {name}")
            for name, definition in INDEXES.items()
        ),
        migrations.RunSQL(LABEL_STATISTICS, reverse_sql="DROP STATISTICS conversation_label_tenant"),
    ]
