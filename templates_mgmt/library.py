"""Ready-made templates a tenant can start from, each in English, French and German.

An entry is one template name with a wording per language (Meta counts the languages of a
name as one template); `body_for` gives Meta's creation body for one language. Every wording
lints clean (tests/templates_mgmt/test_library.py holds it to that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from templates_mgmt.policy import placeholders

LANGUAGES = ("en", "fr", "de")
# Link buttons point at the tenant's website, given to body_for; this one stands in for it.
EXAMPLE_WEBSITE = "https://www.example.com"
_URL_VARIABLE = "{{1}}"


@dataclass(frozen=True)
class Link:
    """A URL button: its label, the path it opens on the tenant's website, ending in the
    variable {{1}}, and an example value of that variable."""

    label: str
    path: str
    example: str


@dataclass(frozen=True)
class Wording:
    """A library template in one language. Placeholders are named; `examples` has one per name."""

    body: str
    examples: Mapping[str, str]
    header: str = ""
    footer: str = ""
    quick_replies: tuple[str, ...] = ()
    link: Link | None = None


@dataclass(frozen=True)
class LibraryEntry:
    key: str  # also the template's name at Meta, the same in every language
    title: str
    description: str
    category: str  # UTILITY, MARKETING or AUTHENTICATION
    use_case: str  # orders, shipping, appointments, travel, returns, payments or conversations
    wordings: Mapping[str, Wording] = field(repr=False)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.wordings)

    def wording(self, language: str) -> Wording:
        """The wording for a language code; a regional code (en_US, pt_BR) falls back to its language."""
        wording = self.wordings.get(language) or self.wordings.get(language.partition("_")[0])
        if wording is None:
            raise KeyError(f"The library template {self.key} has no {language} version.")
        return wording

    def parameter_names(self, language: str) -> tuple[str, ...]:
        wording = self.wording(language)
        return tuple(dict.fromkeys(placeholders(wording.header) + placeholders(wording.body)))

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "category": self.category,
            "use_case": self.use_case,
            "languages": list(self.languages),
            "parameter_names": list(self.parameter_names(self.languages[0])),
            "templates": {language: self.body_for(language) for language in self.languages},
        }

    def body_for(self, language: str, *, website: str = EXAMPLE_WEBSITE) -> dict[str, Any]:
        """Meta's template-creation body for `language`, its link buttons opening pages of `website`."""
        wording = self.wording(language)
        components: list[dict[str, Any]] = []
        if wording.header:
            components.append(
                {"type": "HEADER", "format": "TEXT", "text": wording.header, **_named_examples("header", wording)}
            )
        components.append({"type": "BODY", "text": wording.body, **_named_examples("body", wording)})
        if wording.footer:
            components.append({"type": "FOOTER", "text": wording.footer})
        buttons: list[dict[str, Any]] = [{"type": "QUICK_REPLY", "text": text} for text in wording.quick_replies]
        if wording.link:
            url = website.rstrip("/") + wording.link.path
            example = url.replace(_URL_VARIABLE, wording.link.example)
            buttons.append({"type": "URL", "text": wording.link.label, "url": url, "example": [example]})
        if buttons:
            components.append({"type": "BUTTONS", "buttons": buttons})
        return {
            "name": self.key,
            "language": language,
            "category": self.category,
            "parameter_format": "NAMED",
            "components": components,
        }


def _named_examples(kind: str, wording: Wording) -> dict[str, Any]:
    names = dict.fromkeys(placeholders(getattr(wording, kind)))
    if not names:
        return {}
    params = [{"param_name": name, "example": wording.examples[name]} for name in names]
    return {"example": {f"{kind}_text_named_params": params}}


_REPLY_FOOTER = {
    "en": "Questions? Just reply to this message.",
    "fr": "Une question ? Répondez simplement à ce message.",
    "de": "Fragen? Antworten Sie einfach auf diese Nachricht.",
}

# Titles and descriptions are English source strings, translated when library_entries() is called.
_LIBRARY = (
    LibraryEntry(
        key="order_confirmation",
        title=gettext_noop("Order confirmation"),
        description=gettext_noop("Confirms an order right after checkout, with its number and total."),
        category="UTILITY",
        use_case="orders",
        wordings={
            "en": Wording(
                header="Order {{order_number}} confirmed",
                body=(
                    "Hi {{first_name}}, thank you for your order! We've received order {{order_number}} and are "
                    "getting it ready. The total comes to {{order_total}}. We'll send you another message as soon "
                    "as it ships."
                ),
                footer=_REPLY_FOOTER["en"],
                link=Link("View order", "/orders/{{1}}", "860198"),
                examples={"first_name": "Emma", "order_number": "860198", "order_total": "$54.90"},
            ),
            "fr": Wording(
                header="Commande {{order_number}} confirmée",
                body=(
                    "Bonjour {{first_name}}, merci pour votre commande ! Nous avons bien reçu la commande "
                    "{{order_number}} et nous la préparons dès à présent. Montant total : {{order_total}}. Nous vous "
                    "écrirons dès qu'elle sera expédiée."
                ),
                footer=_REPLY_FOOTER["fr"],
                link=Link("Voir la commande", "/orders/{{1}}", "860198"),
                examples={"first_name": "Camille", "order_number": "860198", "order_total": "54,90 €"},
            ),
            "de": Wording(
                header="Bestellung {{order_number}} bestätigt",
                body=(
                    "Hallo {{first_name}}, vielen Dank für Ihre Bestellung! Wir haben die Bestellung {{order_number}} "
                    "erhalten und bereiten sie jetzt vor. Der Gesamtbetrag beläuft sich auf {{order_total}}. Sobald "
                    "das Paket unterwegs ist, melden wir uns wieder bei Ihnen."
                ),
                footer=_REPLY_FOOTER["de"],
                link=Link("Bestellung ansehen", "/orders/{{1}}", "860198"),
                examples={"first_name": "Lena", "order_number": "860198", "order_total": "54,90 €"},
            ),
        },
    ),
    LibraryEntry(
        key="delivery_update",
        title=gettext_noop("Delivery update"),
        description=gettext_noop(
            "Tells the customer their order has shipped, with the carrier, the expected delivery date and a "
            "tracking link."
        ),
        category="UTILITY",
        use_case="shipping",
        wordings={
            "en": Wording(
                header="Your order is on its way",
                body=(
                    "Good news, {{first_name}}: your order {{order_number}} has shipped with {{carrier}} and should "
                    "arrive on {{delivery_date}}. You can follow your parcel at any time with the button below."
                ),
                footer=_REPLY_FOOTER["en"],
                link=Link("Track parcel", "/track/{{1}}", "1Z999AA10123456784"),
                examples={
                    "first_name": "Emma",
                    "order_number": "860198",
                    "carrier": "UPS",
                    "delivery_date": "Thursday, 14 March",
                },
            ),
            "fr": Wording(
                header="Votre commande est en route",
                body=(
                    "Bonne nouvelle, {{first_name}} : votre commande {{order_number}} a été expédiée avec {{carrier}} "
                    "et devrait arriver le {{delivery_date}}. Vous pouvez suivre votre colis à tout moment grâce au "
                    "bouton ci-dessous."
                ),
                footer=_REPLY_FOOTER["fr"],
                link=Link("Suivre mon colis", "/track/{{1}}", "6A12345678901"),
                examples={
                    "first_name": "Camille",
                    "order_number": "860198",
                    "carrier": "Colissimo",
                    "delivery_date": "jeudi 14 mars",
                },
            ),
            "de": Wording(
                header="Ihre Bestellung ist unterwegs",
                body=(
                    "Gute Nachricht, {{first_name}}: Ihre Bestellung {{order_number}} wurde mit {{carrier}} "
                    "verschickt und kommt voraussichtlich am {{delivery_date}} bei Ihnen an. Über den Button unten "
                    "können Sie Ihr Paket jederzeit verfolgen."
                ),
                footer=_REPLY_FOOTER["de"],
                link=Link("Sendung verfolgen", "/track/{{1}}", "00340434161094042557"),
                examples={
                    "first_name": "Lena",
                    "order_number": "860198",
                    "carrier": "DHL",
                    "delivery_date": "Donnerstag, 14. März",
                },
            ),
        },
    ),
    LibraryEntry(
        key="appointment_reminder",
        title=gettext_noop("Appointment reminder"),
        description=gettext_noop(
            "Reminds the customer of an upcoming appointment; they confirm or ask for another time with one tap."
        ),
        category="UTILITY",
        use_case="appointments",
        wordings={
            "en": Wording(
                header="Appointment reminder",
                body=(
                    "Hi {{first_name}}, this is a reminder of your appointment with {{business_name}} on "
                    "{{appointment_date}} at {{appointment_time}}. Please let us know below whether you can make it. "
                    "If another time suits you better, just reply to this message."
                ),
                quick_replies=("I'll be there", "I need another time"),
                examples={
                    "first_name": "Emma",
                    "business_name": "Northside Dental",
                    "appointment_date": "Tuesday, 12 March",
                    "appointment_time": "2:30 pm",
                },
            ),
            "fr": Wording(
                header="Rappel de rendez-vous",
                body=(
                    "Bonjour {{first_name}}, nous vous rappelons votre rendez-vous chez {{business_name}} le "
                    "{{appointment_date}} à {{appointment_time}}. Merci de nous confirmer votre venue ci-dessous. "
                    "Si un autre horaire vous convient mieux, répondez simplement à ce message."
                ),
                quick_replies=("Je serai là", "Changer d'horaire"),
                examples={
                    "first_name": "Camille",
                    "business_name": "Cabinet dentaire Lumière",
                    "appointment_date": "mardi 12 mars",
                    "appointment_time": "14 h 30",
                },
            ),
            "de": Wording(
                header="Terminerinnerung",
                body=(
                    "Hallo {{first_name}}, wir möchten Sie an Ihren Termin bei {{business_name}} am "
                    "{{appointment_date}} um {{appointment_time}} Uhr erinnern. Bitte geben Sie uns unten kurz "
                    "Bescheid, ob Sie kommen. Wenn Ihnen ein anderer Zeitpunkt besser passt, antworten Sie einfach "
                    "auf diese Nachricht."
                ),
                quick_replies=("Ich komme", "Anderer Termin"),
                examples={
                    "first_name": "Lena",
                    "business_name": "Zahnarztpraxis am Markt",
                    "appointment_date": "Dienstag, 12. März",
                    "appointment_time": "14:30",
                },
            ),
        },
    ),
    LibraryEntry(
        key="boarding_pass",
        title=gettext_noop("Boarding pass"),
        description=gettext_noop(
            "A travel update after check-in: the flight, the date, when boarding starts and a link to the "
            "boarding pass."
        ),
        category="UTILITY",
        use_case="travel",
        wordings={
            "en": Wording(
                header="Your boarding pass is ready",
                body=(
                    "Hello {{first_name}}, you're checked in for flight {{flight_number}} to {{destination}} on "
                    "{{departure_date}}. Boarding starts at {{boarding_time}}, so please be at the gate in good "
                    "time. Tap the button below to open your boarding pass. Have a good trip!"
                ),
                link=Link("Open boarding pass", "/boarding-pass/{{1}}", "K7XQ2M"),
                examples={
                    "first_name": "Emma",
                    "flight_number": "LX 318",
                    "destination": "London Heathrow",
                    "departure_date": "Friday, 15 March",
                    "boarding_time": "9:40 am",
                },
            ),
            "fr": Wording(
                header="Votre carte d'embarquement est prête",
                body=(
                    "Bonjour {{first_name}}, votre enregistrement pour le vol {{flight_number}} à destination de "
                    "{{destination}} le {{departure_date}} est confirmé. L'embarquement commence à "
                    "{{boarding_time}} : merci de vous présenter à la porte suffisamment tôt. Ouvrez votre carte "
                    "d'embarquement avec le bouton ci-dessous. Bon voyage !"
                ),
                link=Link("Carte d'embarquement", "/boarding-pass/{{1}}", "K7XQ2M"),
                examples={
                    "first_name": "Camille",
                    "flight_number": "AF 1680",
                    "destination": "Londres Heathrow",
                    "departure_date": "vendredi 15 mars",
                    "boarding_time": "9 h 40",
                },
            ),
            "de": Wording(
                header="Ihre Bordkarte ist bereit",
                body=(
                    "Hallo {{first_name}}, Sie sind für den Flug {{flight_number}} nach {{destination}} am "
                    "{{departure_date}} eingecheckt. Das Boarding beginnt um {{boarding_time}} Uhr. Bitte seien Sie "
                    "rechtzeitig am Gate. Ihre Bordkarte öffnen Sie mit dem Button unten. Gute Reise!"
                ),
                link=Link("Bordkarte öffnen", "/boarding-pass/{{1}}", "K7XQ2M"),
                examples={
                    "first_name": "Lena",
                    "flight_number": "LH 902",
                    "destination": "London Heathrow",
                    "departure_date": "Freitag, 15. März",
                    "boarding_time": "9:40",
                },
            ),
        },
    ),
    LibraryEntry(
        key="return_label",
        title=gettext_noop("Return label"),
        description=gettext_noop(
            "Sends the label for a return the customer asked for, with where and by when to drop the parcel off."
        ),
        category="UTILITY",
        use_case="returns",
        wordings={
            "en": Wording(
                header="Your return label",
                body=(
                    "Hi {{first_name}}, we've received your return request for order {{order_number}}. Your label "
                    "is ready: print it, stick it on the parcel and drop it off at any {{carrier}} location by "
                    "{{return_deadline}}. We'll let you know as soon as your return arrives."
                ),
                footer=_REPLY_FOOTER["en"],
                link=Link("Get return label", "/returns/{{1}}", "R-48213"),
                examples={
                    "first_name": "Emma",
                    "order_number": "860198",
                    "carrier": "UPS",
                    "return_deadline": "28 March",
                },
            ),
            "fr": Wording(
                header="Votre étiquette de retour",
                body=(
                    "Bonjour {{first_name}}, nous avons bien reçu votre demande de retour pour la commande "
                    "{{order_number}}. Votre étiquette est prête : imprimez-la, collez-la sur le colis et déposez "
                    "celui-ci dans un point {{carrier}} avant le {{return_deadline}}. Nous vous préviendrons dès que "
                    "votre retour nous sera parvenu."
                ),
                footer=_REPLY_FOOTER["fr"],
                link=Link("Télécharger l'étiquette", "/returns/{{1}}", "R-48213"),
                examples={
                    "first_name": "Camille",
                    "order_number": "860198",
                    "carrier": "Colissimo",
                    "return_deadline": "28 mars",
                },
            ),
            "de": Wording(
                header="Ihr Rücksendeetikett",
                body=(
                    "Hallo {{first_name}}, wir haben Ihre Rücksendeanfrage zur Bestellung {{order_number}} erhalten. "
                    "Ihr Etikett ist bereit: Drucken Sie es aus, kleben Sie es auf das Paket und geben Sie es bis "
                    "zum {{return_deadline}} bei einer Annahmestelle von {{carrier}} ab. Wir melden uns, sobald "
                    "Ihre Rücksendung bei uns eingegangen ist."
                ),
                footer=_REPLY_FOOTER["de"],
                link=Link("Etikett herunterladen", "/returns/{{1}}", "R-48213"),
                examples={
                    "first_name": "Lena",
                    "order_number": "860198",
                    "carrier": "DHL",
                    "return_deadline": "28. März",
                },
            ),
        },
    ),
    LibraryEntry(
        key="payment_reminder",
        title=gettext_noop("Payment reminder"),
        description=gettext_noop(
            "Reminds the customer that an invoice is due, with the amount, the due date and a link to the invoice."
        ),
        category="UTILITY",
        use_case="payments",
        wordings={
            "en": Wording(
                header="Payment reminder",
                body=(
                    "Hi {{first_name}}, this is a friendly reminder that invoice {{invoice_number}} for "
                    "{{amount_due}} is due on {{due_date}}. If you've already paid, please disregard this message. "
                    "You can view and settle the invoice with the button below."
                ),
                footer=_REPLY_FOOTER["en"],
                link=Link("View invoice", "/invoices/{{1}}", "INV-2041"),
                examples={
                    "first_name": "Emma",
                    "invoice_number": "INV-2041",
                    "amount_due": "$120.00",
                    "due_date": "31 March",
                },
            ),
            "fr": Wording(
                header="Rappel de paiement",
                body=(
                    "Bonjour {{first_name}}, nous vous rappelons que la facture {{invoice_number}} d'un montant de "
                    "{{amount_due}} arrive à échéance le {{due_date}}. Si vous l'avez déjà réglée, merci de ne pas "
                    "tenir compte de ce message. Vous pouvez consulter et régler la facture via le bouton ci-dessous."
                ),
                footer=_REPLY_FOOTER["fr"],
                link=Link("Voir la facture", "/invoices/{{1}}", "FA-2041"),
                examples={
                    "first_name": "Camille",
                    "invoice_number": "FA-2041",
                    "amount_due": "120,00 €",
                    "due_date": "31 mars",
                },
            ),
            "de": Wording(
                header="Zahlungserinnerung",
                body=(
                    "Hallo {{first_name}}, wir möchten Sie freundlich daran erinnern, dass die Rechnung "
                    "{{invoice_number}} über {{amount_due}} am {{due_date}} fällig ist. Falls Sie bereits bezahlt "
                    "haben, betrachten Sie diese Nachricht bitte als gegenstandslos. Über den Button unten können Sie "
                    "die Rechnung ansehen und begleichen."
                ),
                footer=_REPLY_FOOTER["de"],
                link=Link("Rechnung ansehen", "/invoices/{{1}}", "RE-2041"),
                examples={
                    "first_name": "Lena",
                    "invoice_number": "RE-2041",
                    "amount_due": "120,00 €",
                    "due_date": "31. März",
                },
            ),
        },
    ),
    # After the 24 h customer service window has closed, only a template may reopen the talk.
    # UTILITY, not MARKETING: Meta's utility category covers non-promotional updates specific to
    # a request or transaction the customer started, and this one follows up on the customer's
    # own open request, named in {{request_subject}}, offering nothing. A generic "shall we chat
    # again?" without that specific request is re-engagement, which Meta counts as MARKETING;
    # agents must fill the subject with the real request, or Meta may recategorise the template.
    LibraryEntry(
        key="continue_conversation",
        title=gettext_noop("Continue the conversation"),
        description=gettext_noop(
            "Asks a customer whose request is still open whether you may continue the conversation, once the "
            "24-hour window for free-form replies has closed."
        ),
        category="UTILITY",
        use_case="conversations",
        wordings={
            "en": Wording(
                body=(
                    "Hi {{first_name}}, we have news about your request: {{request_subject}}. Since we last spoke a "
                    "while ago, we'd like to check first: may we continue the conversation here?"
                ),
                quick_replies=("Yes, please", "No, thanks"),
                examples={"first_name": "Emma", "request_subject": "change of delivery address"},
            ),
            "fr": Wording(
                body=(
                    "Bonjour {{first_name}}, nous avons du nouveau au sujet de votre demande : {{request_subject}}. "
                    "Comme notre dernier échange date un peu, nous préférons vous poser la question : pouvons-nous "
                    "poursuivre la conversation ici ?"
                ),
                quick_replies=("Oui, volontiers", "Non, merci"),
                examples={"first_name": "Camille", "request_subject": "changement d'adresse de livraison"},
            ),
            "de": Wording(
                body=(
                    "Hallo {{first_name}}, es gibt Neuigkeiten zu Ihrer Anfrage: {{request_subject}}. Da unser "
                    "letzter Austausch schon etwas zurückliegt, fragen wir lieber kurz nach: Dürfen wir das "
                    "Gespräch hier fortsetzen?"
                ),
                quick_replies=("Ja, gerne", "Nein, danke"),
                examples={"first_name": "Lena", "request_subject": "Änderung der Lieferadresse"},
            ),
        },
    ),
)


def library_entries() -> list[LibraryEntry]:
    """The library, titles and descriptions in the active language."""
    return [replace(entry, title=_(entry.title), description=_(entry.description)) for entry in _LIBRARY]


def library_entry(key: str) -> LibraryEntry | None:
    return next((entry for entry in library_entries() if entry.key == key), None)
