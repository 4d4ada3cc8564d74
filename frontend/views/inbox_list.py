"""The inbox's conversation list: its pane (filters, search, rows, "load more") and single rows.

`inbox_list` answers the pane for htmx; the inbox page renders it in place for its first paint
(by calling this view with the page's own request), so both read the filters from the page's
query string. `inbox_list_row` answers one row for a live update, or 204 when the
conversation no longer belongs in the list as filtered.

Filters that can't be applied (an unknown view, a label that is not the workspace's, an old
cursor…) are left out with a notice above the list: a page never fails on a stale link.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from accounts.access import TenantRequest
from inbox import selectors
from inbox.models import ConversationStatus
from inbox.policy import ServiceWindow
from inbox.search import MAX_SEARCH_LENGTH
from inbox.selectors import ConversationListRow, InvalidListFilter, ListView

LIST_TEMPLATE = "frontend/inbox/_list.html"
ROW_TEMPLATE = "frontend/inbox/_list_row.html"
PAGE_SIZE = selectors.LIST_PAGE_SIZE
# A window this close to closing is shown as a warning.
WINDOW_CLOSING = timedelta(hours=2)


@dataclass(frozen=True)
class ListFilters:
    """The list's filters as the query string gives them, once checked."""

    view: str
    status: str = ConversationStatus.OPEN
    label_id: int | None = None
    team_id: int | None = None
    search: str = ""
    cursor: str | None = None

    def query(self, **extra: Any) -> str:
        """The query string that shows this list again (without its cursor), plus `extra`."""
        values: dict[str, Any] = {"view": self.view, "status": self.status}
        values |= {"label": self.label_id, "team": self.team_id, "q": self.search, **extra}
        return urlencode({name: value for name, value in values.items() if value not in (None, "")})


@dataclass(frozen=True)
class RowDisplay:
    """A row as the template shows it."""

    row: ConversationListRow
    href: str
    is_open: bool
    activity_iso: str
    activity_label: str
    window_state: str  # "open", "closing" or "closed"
    window_label: str


@dataclass(frozen=True)
class ListPane:
    """Everything `_list.html` shows, under one name so it can't collide with the page's context."""

    filters: ListFilters
    rows: list[RowDisplay]
    notices: list[str]
    list_url: str
    page_url: str
    # "Load more": for htmx, and for a browser without JavaScript (the inbox page).
    next_list_url: str | None
    next_page_url: str | None
    # The query string for `inbox_list_row`, so a live update is filtered as this list is.
    row_query: str
    open_conversation_id: int | None
    views: list[tuple[str, Any]]
    statuses: list[tuple[str, Any]]
    labels: list[Any] = field(default_factory=list)
    teams: list[Any] = field(default_factory=list)


@require_GET
def inbox_list(request: TenantRequest, tenant_slug: str) -> HttpResponse:
    """The list pane for the query string's filters (htmx swaps the part it needs)."""
    pane = list_context(request, open_conversation_id=_open_conversation_id(request))["list_pane"]
    response = render(request, LIST_TEMPLATE, {"list_pane": pane})
    if request.headers.get("HX-Request") and not pane.filters.cursor:
        # Filters changed in the page: its address follows, so a reload or a shared link shows the same list.
        response["HX-Replace-Url"] = f"{pane.page_url}?{pane.filters.query()}"
    return response


@require_GET
def inbox_list_row(request: TenantRequest, tenant_slug: str, conversation_id: int) -> HttpResponse:
    """One row, filtered like the list whose `data-query` is the query string: 204 when the
    conversation doesn't belong in that list (any more), 404 when it is not the workspace's."""
    if not selectors.conversation_exists(tenant=request.tenant, conversation_id=conversation_id):
        raise Http404("No such conversation.")
    filters, _notices = _filters(request, labels=None, teams=None, default_view=ListView.ALL)
    try:
        page = _page(request, replace(filters, cursor=None), conversation_id=conversation_id, limit=1)
    except InvalidListFilter:
        page = None
    if page is None or not page.rows:
        return HttpResponse(status=204)
    displays = _row_displays(request, page.rows, filters=filters, open_conversation_id=_open_conversation_id(request))
    return render(request, ROW_TEMPLATE, {"rows": displays})


def list_context(request: TenantRequest, *, open_conversation_id: int | None = None) -> dict[str, Any]:
    """The template context of the list pane (`{"list_pane": …}`) for the request's query string:
    what the inbox page includes with `{% include "frontend/inbox/_list.html" %}`."""
    tenant = request.tenant
    labels = list(selectors.labels(tenant=tenant))
    teams = list(selectors.teams(tenant=tenant))
    default_view = ListView.ALL if "view" in request.GET else _default_view(request)
    filters, notices = _filters(request, labels=labels, teams=teams, default_view=default_view)
    try:
        page = _page(request, filters)
    except InvalidListFilter as error:
        notices.append(_notice_for(error))
        filters = replace(filters, cursor=None) if error.field == "cursor" else replace(filters, search="")
        page = _page(request, filters)
    list_url = reverse("inbox_list", kwargs={"tenant_slug": tenant.slug})
    page_url = reverse("inbox", kwargs={"tenant_slug": tenant.slug})
    if open_conversation_id is not None:
        page_url = f"{page_url}{open_conversation_id}/"
    return {
        "list_pane": ListPane(
            filters=filters,
            rows=_row_displays(request, page.rows, filters=filters, open_conversation_id=open_conversation_id),
            notices=notices,
            list_url=list_url,
            page_url=page_url,
            next_list_url=f"{list_url}?{filters.query(cursor=page.next_cursor)}" if page.next_cursor else None,
            next_page_url=f"{page_url}?{filters.query(cursor=page.next_cursor)}" if page.next_cursor else None,
            row_query=filters.query(),
            open_conversation_id=open_conversation_id,
            views=list(ListView.choices),
            statuses=list(ConversationStatus.choices),
            labels=labels,
            teams=teams,
        )
    }


def _open_conversation_id(request: HttpRequest) -> int | None:
    """The conversation open in the inbox page: `?open=`, else the page's address (htmx sends it as
    HX-Current-URL), else this request's own when the page renders the pane in place."""
    given = _positive_int(request.GET.get("open"))
    if given is not None:
        return given
    match = request.resolver_match
    current = urlsplit(request.headers.get("HX-Current-URL", "")).path
    if current:
        try:
            match = resolve(current)
        except Resolver404:
            return None
    if match is None or match.url_name != "inbox_conversation":
        return None
    return int(match.kwargs["conversation_id"])


def _default_view(request: TenantRequest) -> str:
    return selectors.default_list_view(tenant=request.tenant, user=request.membership.user)


def _filters(
    request: HttpRequest, *, labels: list[Any] | None, teams: list[Any] | None, default_view: str
) -> tuple[ListFilters, list[str]]:
    """The query string's filters; those that can't be applied are dropped, each with a notice.
    Labels and teams are checked against the workspace's when given (the row view passes None:
    the selector finds nothing for another workspace's, which is the answer a row needs)."""
    query = request.GET
    notices = []
    view = query.get("view", default_view)
    if view not in ListView.values:
        notices.append(_("There is no view “%(view)s”: showing all conversations.") % {"view": view[:40]})
        view = ListView.ALL
    status = query.get("status", ConversationStatus.OPEN)
    if status not in ConversationStatus.values:
        notices.append(_("There is no status “%(status)s”: showing open conversations.") % {"status": status[:40]})
        status = ConversationStatus.OPEN
    label_id = _known_id(query.get("label"), labels)
    if label_id is None and query.get("label"):
        notices.append(_("That label doesn't exist (any more): showing every label."))
    team_id = _known_id(query.get("team"), teams)
    if team_id is None and query.get("team"):
        notices.append(_("That team doesn't exist (any more): showing every team."))
    search = query.get("q", "").strip()
    filters = ListFilters(view, status, label_id, team_id, search, query.get("cursor") or None)
    return filters, notices


def _known_id(value: str | None, known: list[Any] | None) -> int | None:
    number = _positive_int(value)
    if number is None or known is None:
        return number
    return number if any(item.pk == number for item in known) else None


def _positive_int(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value) or None


def _page(
    request: TenantRequest, filters: ListFilters, *, conversation_id: int | None = None, limit: int | None = None
) -> selectors.ConversationPage:
    return selectors.conversation_list(
        tenant=request.tenant,
        user=request.membership.user,
        view=filters.view,
        status=filters.status,
        label_id=filters.label_id,
        team_id=filters.team_id,
        search=filters.search,
        cursor=filters.cursor,
        conversation_id=conversation_id,
        now=timezone.now(),
        limit=limit or PAGE_SIZE,
    )


def _notice_for(error: InvalidListFilter) -> str:
    if error.field == "cursor":
        return _("That page of the list is out of date: showing the first page.")
    return _("Search for at most %(count)d characters: showing every conversation.") % {"count": MAX_SEARCH_LENGTH}


def _row_displays(
    request: TenantRequest, rows: list[ConversationListRow], *, filters: ListFilters, open_conversation_id: int | None
) -> list[RowDisplay]:
    now = timezone.now()
    inbox_url = reverse("inbox", kwargs={"tenant_slug": request.tenant.slug})
    query = filters.query()
    displays = []
    for row in rows:
        window_state, window_label = _window(row.window, now)
        displays.append(
            RowDisplay(
                row=row,
                href=f"{inbox_url}{row.id}/?{query}",
                is_open=row.id == open_conversation_id,
                activity_iso=row.last_activity_at.isoformat(timespec="microseconds"),
                activity_label=activity_label(row.last_activity_at, now),
                window_state=window_state,
                window_label=window_label,
            )
        )
    return displays


def activity_label(at: datetime, now: datetime) -> str:
    """How long ago, in the fewest characters a list row can spare: "now", "5 min", "3 h", "2 d", "12 Mar"."""
    age = now - at
    if age < timedelta(minutes=1):
        return _("now")
    if age < timedelta(hours=1):
        return _("%(count)d min") % {"count": age // timedelta(minutes=1)}
    if age < timedelta(days=1):
        return _("%(count)d h") % {"count": age // timedelta(hours=1)}
    if age < timedelta(days=7):
        return _("%(count)d d") % {"count": age // timedelta(days=1)}
    return date_format(at, "j M" if at.year == now.year else "j M Y")


def _window(window: ServiceWindow, now: datetime) -> tuple[str, str]:
    """The customer service window as a row shows it: its state and the time left."""
    if not window.is_open or window.expires_at is None:
        return "closed", _("Window closed")
    left = window.expires_at - now
    if left < timedelta(hours=1):
        minutes = max(1, left // timedelta(minutes=1))
        label = ngettext("%(count)d minute left", "%(count)d minutes left", minutes) % {"count": minutes}
    else:
        hours = left // timedelta(hours=1)
        label = ngettext("%(count)d hour left", "%(count)d hours left", hours) % {"count": hours}
    return ("closing" if left < WINDOW_CLOSING else "open"), label
