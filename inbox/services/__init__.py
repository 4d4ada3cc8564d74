"""Every write of the inbox: storing what arrives (inbound.py) and the live event log (events.py)."""
