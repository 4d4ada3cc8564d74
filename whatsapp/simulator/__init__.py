"""The Cloud API simulator: a faithful, in-memory fake of the Graph API endpoints the product
uses, and the customer's phone that sends signed webhooks. Part of the product, like a payment
provider's test mode; run it with `python manage.py whatsapp_simulator`."""

from whatsapp.simulator.app import create_app
from whatsapp.simulator.config import SimulatorConfig
from whatsapp.simulator.state import SimulatorState

__all__ = ["SimulatorConfig", "SimulatorState", "create_app"]
