"""The simulator's ASGI application: routes, error rendering, and where config and state live."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from whatsapp.simulator import customer, graph, page
from whatsapp.simulator.config import SimulatorConfig
from whatsapp.simulator.errors import GraphError, graph_error_response
from whatsapp.simulator.state import SimulatorState


def create_app(config: SimulatorConfig, *, state: SimulatorState | None = None) -> Starlette:
    """The simulator; `app.state.config` and `app.state.simulator` (the SimulatorState) stay reachable."""
    routes = [
        Route("/", page.customer_page, methods=["GET"]),
        Route("/_sim/inbound", customer.inbound, methods=["POST"]),
        Route("/_sim/deliver", customer.deliver, methods=["POST"]),
        Route(graph.ATTACHMENTS_PATH, graph.download_media, methods=["GET"]),
        Route("/{version}/{phone_number_id}/media", graph.upload_media, methods=["POST"]),
        Route("/{version}/{media_id}", graph.media, methods=["GET", "DELETE"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            GraphError: graph_error_response,
            customer.SimulatorRequestError: customer.simulator_error_response,
            HTTPException: _http_error_response,
        },
    )
    app.state.config = config
    app.state.simulator = state if state is not None else SimulatorState()
    return app


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
