"""Consent defaults a tenant starts with, and the limits of its settings: used by the consent
services, the inbound path that honours opt-out keywords, and the settings page."""

from __future__ import annotations

# A message that is only one of these words (any case, accents, punctuation around it) opts
# the customer out of all messages. In English, French, German, Spanish, Italian, Portuguese and
# Dutch; words that often answer a question about an order ("cancel", "end") are left out.
DEFAULT_OPT_OUT_KEYWORDS: tuple[str, ...] = (
    # English
    "STOP",
    "STOP ALL",
    "STOPALL",
    "UNSUBSCRIBE",
    "OPT OUT",
    "OPTOUT",
    "OPT-OUT",
    # French
    "ARRET",
    "ARRÊT",
    "DESINSCRIPTION",
    "DÉSINSCRIPTION",
    "DESABONNER",
    "DÉSABONNER",
    # German
    "STOPP",
    "ABMELDEN",
    "ABBESTELLEN",
    # Spanish
    "BAJA",
    "ALTO",
    "CANCELAR",
    "DARSE DE BAJA",
    # Italian
    "CANCELLAMI",
    "DISISCRIVIMI",
    # Portuguese
    "PARAR",
    "SAIR",
    "DESCADASTRAR",
    # Dutch
    "AFMELDEN",
    "UITSCHRIJVEN",
)

# A message that is only one of these words (or a quick-reply button saying or carrying one)
# confirms a pending double opt-in. In the same seven languages.
OPT_IN_CONFIRMATION_KEYWORDS: tuple[str, ...] = (
    "YES", "Y", "CONFIRM", "I CONFIRM", "OK",  # English
    "OUI", "CONFIRMER", "JE CONFIRME",  # French
    "JA", "BESTÄTIGEN", "ICH BESTÄTIGE",  # German
    "SÍ", "CONFIRMAR", "CONFIRMO",  # Spanish (and Portuguese's confirmar)
    "CONFERMA", "CONFERMO",  # Italian
    "SIM",  # Portuguese
    "BEVESTIGEN", "IK BEVESTIG",  # Dutch
)  # fmt: skip

# Sent back when a customer opts out with a keyword. English; each tenant words its own.
DEFAULT_OPT_OUT_CONFIRMATION = (
    "You're unsubscribed: we won't send you any more messages on WhatsApp. You can still write to us at any time."
)

MAX_KEYWORD_LENGTH = 32  # ConsentSettings.opt_out_keywords holds CharField(max_length=32)
MAX_KEYWORDS = 100
MAX_CONFIRMATION_LENGTH = 1024
MAX_PROOF_LENGTH = 5000
