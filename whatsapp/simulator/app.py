"""The simulator's ASGI application: routes, error rendering, and where config and state live."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from whatsapp.simulator import controls, customer, graph, messages, page, profile, template_api, uploads
from whatsapp.simulator.config import SimulatorConfig
from whatsapp.simulator.errors import GraphError, graph_error_response, object_not_found
from whatsapp.simulator.faults import FaultInjection
from whatsapp.simulator.harness import SimulatorRequestError, simulator_error_response
from whatsapp.simulator.media import ATTACHMENTS_PATH
from whatsapp.simulator.state import SimulatorState


def create_app(config: SimulatorConfig, *, state: SimulatorState | None = None) -> Starlette:
    """The simulator; `app.state.config` and `app.state.simulator` (the SimulatorState) stay reachable."""
    routes = [
        Route("/", page.customer_page, methods=["GET"]),
        # The test harness and the customer's phone.
        Route("/_sim/inbound", customer.inbound, methods=["POST"]),
        Route("/_sim/deliver", customer.deliver, methods=["POST"]),
        Route("/_sim/messages", messages.sent_messages, methods=["GET"]),
        Route("/_sim/config", controls.simulator_config, methods=["GET", "POST"]),
        Route("/_sim/numbers/{phone_number_id}", controls.number_settings, methods=["GET", "POST"]),
        Route("/_sim/numbers/{phone_number_id}/details", profile.number_details, methods=["GET", "POST"]),
        Route(profile.PICTURE_PATH, profile.profile_picture, methods=["GET"]),
        Route("/_sim/not_on_whatsapp", controls.not_on_whatsapp, methods=["GET", "POST", "DELETE"]),
        Route("/_sim/templates", controls.templates, methods=["GET", "POST", "DELETE"]),
        Route("/_sim/templates/review", controls.template_review, methods=["GET", "POST"]),
        Route("/_sim/templates/{template_id}/status", controls.template_status, methods=["POST"]),
        Route("/_sim/templates/{template_id}/quality", controls.template_quality, methods=["POST"]),
        Route("/_sim/templates/{template_id}/category", controls.template_category, methods=["POST"]),
        Route("/_sim/faults", controls.faults, methods=["GET", "POST", "DELETE"]),
        # Graph.
        Route(ATTACHMENTS_PATH, graph.download_media, methods=["GET"]),
        Route("/{version}/{phone_number_id}/messages", messages.messages, methods=["POST"]),
        Route("/{version}/{phone_number_id}/media", graph.upload_media, methods=["POST"]),
        Route(
            "/{version}/{phone_number_id}/whatsapp_business_profile",
            profile.business_profile,
            methods=["GET", "POST"],
        ),
        Route(
            "/{version}/{waba_id}/message_templates",
            template_api.message_templates,
            methods=["GET", "POST", "DELETE"],
        ),
        Route("/{version}/{template_id}/unpause", template_api.unpause, methods=["POST"]),
        Route("/{version}/{app_id}/uploads", uploads.start_upload, methods=["POST"]),
        Route("/{version}/{object_id}", graph_node, methods=["GET", "POST", "DELETE"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(FaultInjection)],
        exception_handlers={
            GraphError: graph_error_response,
            SimulatorRequestError: simulator_error_response,
            HTTPException: _http_error_response,
        },
    )
    app.state.config = config
    app.state.simulator = state if state is not None else SimulatorState()
    # Status webhooks being delivered, held until done (see statuses.start).
    app.state.background_tasks = set[asyncio.Task[None]]()
    return app


async def graph_node(request: Request) -> Response:
    """`/{version}/{id}` names an upload session, a template, a media object or a phone number: Graph
    tells them apart by the id; the simulator, which takes any phone number id, by the `fields` asked for."""
    object_id = request.path_params["object_id"]
    if object_id.startswith("upload:"):
        return await uploads.upload_session(request)
    state: SimulatorState = request.app.state.simulator
    if request.method != "DELETE" and state.templates.get(object_id) is not None:
        return await template_api.template_node(request)
    if request.method == "POST":
        graph.authorize(request)
        raise object_not_found(object_id, request.method)
    if profile.asks_for_phone_number(request) and state.media(object_id) is None:
        return await profile.phone_number(request)
    return await graph.media(request)


async def _http_error_response(request: Request, exception: Exception) -> Response:
    """Paths and methods Graph does not serve, answered in Graph's envelope."""
    assert isinstance(exception, HTTPException)
    if exception.status_code == 404:
        error = graph.unknown_path(request.url.path)
    elif exception.status_code == 405:
        error = GraphError(100, f"Unsupported {request.method.lower()} request.")
    else:
        error = GraphError(100, str(exception.detail), http_status=exception.status_code)
    return await graph_error_response(request, error)
