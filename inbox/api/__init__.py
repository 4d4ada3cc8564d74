"""The inbox read API: conversations, their messages and files, contacts."""
