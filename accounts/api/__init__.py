"""The /api/v1/ foundation: API-key authentication, errors, pagination, throttling, base view."""
