"""The pages people use: sign-up and sign-in, the agent inbox, and the admin and owner pages.
Django templates, htmx and a small WebSocket client; may use every app below it."""
