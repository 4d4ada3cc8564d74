"""Message templates: their components and placeholders, local lint before submission,
the approval lifecycle, and the default template library. Channel-neutral data; the
WhatsApp app submits and syncs them with Meta."""
