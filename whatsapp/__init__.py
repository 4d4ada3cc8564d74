"""The WhatsApp Cloud API channel: connected numbers and their credentials, webhook intake,
the Graph API client and sender, the pure policy rules (service window, consent, templates,
rate), template submission and sync, business profile sync, and the Cloud API simulator.

A plug-in: it implements the channel interface defined by `inbox` and registers itself."""
