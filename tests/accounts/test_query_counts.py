"""Queries per request on the paths every request takes, pinned."""

from tests.accounts.factories import api_key_for
from tests.accounts.test_api import bearer


def test_api_request_costs_one_query_for_the_key(world, django_assert_num_queries):
    _key, secret = api_key_for(world.tenant)
    client = bearer(secret)
    client.get("/api/v1/tenant/")  # records last use, once a minute
    with django_assert_num_queries(1):
        assert client.get("/api/v1/tenant/").status_code == 200


def test_tenant_page_resolves_tenant_and_member_in_one_query(world, django_assert_num_queries):
    client = world.client_for(world.agent)
    client.get("/t/acme/notifications/")  # the first visit stores the workspace in the session
    # session, user, membership with its tenant; the frame's unread count, workspace switcher and
    # availability; the page's own list of notifications
    with django_assert_num_queries(7):
        assert client.get("/t/acme/notifications/").status_code == 200
