"""What WhatsApp costs and what we charge: rate cards for both pricing models, metered usage
per tenant, plans and their limits, and monthly statements for owners."""
