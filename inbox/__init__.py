"""The core of the product: contacts, consent, conversations and messages, assignment, labels,
notes, canned responses, automation, and the live updates agents see (Channels consumers).

It defines the channel interface that channel plug-ins (WhatsApp first) implement, and never
imports them."""
