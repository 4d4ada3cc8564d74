"""Outbound event webhooks: tenants' systems subscribe to the inbox's events (signed, retried, logged)."""
