"""The inbox's bot: rules as data (policy), what it does (services), and its Celery task."""
