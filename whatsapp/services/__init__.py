"""Every write of the WhatsApp channel: numbers (numbers.py) and webhook ingestion (ingest.py)."""
