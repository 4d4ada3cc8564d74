"""What a running simulator is told: where to deliver webhooks, how to sign them, whom to trust,
how WhatsApp behaves towards the messages the business sends, and how it reviews templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# whatsapp-cloud-api.md §8: 80 messages a second per number; 45 messages to one user in 6 s.
DEFAULT_THROUGHPUT_MPS = 80
PAIR_RATE_MESSAGES = 45
PAIR_RATE_SECONDS = 6.0
# §6: 100 template creations per WABA per hour; 250 templates per WABA while the business
# portfolio is unverified (6,000 once verified).
TEMPLATE_CREATIONS_PER_HOUR = 100
TEMPLATES_PER_WABA = 250
# Words that get a template rejected, with the reason the review gives (whole words, any case).
DEFAULT_REJECTED_WORDS = {"lottery": "SCAM", "you have won": "SCAM", "idiot": "ABUSIVE_CONTENT"}
# Words that make a UTILITY template read as promotional.
DEFAULT_PROMOTIONAL_WORDS = ("discount", "sale", "% off", "coupon", "promo code", "limited time offer", "buy now")


@dataclass
class StatusTiming:
    """When the status webhooks of an accepted send are delivered, in seconds after the send."""

    sent_after: float = 0.1
    delivered_after: float = 0.5
    read_after: float = 2.0
    # False: WhatsApp skips `delivered` when the message is read on arrival (then `read` carries pricing).
    delivered: bool = True
    # False: the customer never reads it, statuses stop at `delivered`.
    read: bool = True
    # True: `read` is delivered before `delivered`, which Meta does not rule out (§1.2).
    read_before_delivered: bool = False
    # True: every status webhook is delivered twice, as Meta sometimes does.
    duplicate: bool = False


@dataclass
class TemplateReview:
    """How the simulated review of a created or edited template decides, and after how long.

    Meta takes up to 24 h; the simulator decides after `delay_seconds`, in this order: parameters
    placed next to each other → REJECTED (INVALID_FORMAT, as in Meta's own example); a
    `rejected_words` hit → REJECTED with that word's reason; a UTILITY template with a
    `promotional_words` hit → recategorised as MARKETING and approved ("recategorize", what Meta
    does since April 2025) or REJECTED with INCORRECT_CATEGORY ("reject", Meta's older rule);
    otherwise APPROVED.
    """

    delay_seconds: float = 2.0
    rejected_words: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REJECTED_WORDS))
    promotional_words: tuple[str, ...] = DEFAULT_PROMOTIONAL_WORDS
    promotional_utility: Literal["recategorize", "reject"] = "recategorize"


@dataclass
class SimulatorConfig:
    """Read on every request, so a test (or `/_sim/config`) may change it while the simulator runs."""

    # Signs every webhook (X-Hub-Signature-256), as the Meta app's secret does.
    app_secret: str
    # The product's webhook endpoint, e.g. http://127.0.0.1:8000/webhooks/whatsapp/.
    webhook_url: str
    # The simulator's own base URL, the host of the media download URLs it hands out.
    public_url: str
    # None: any non-empty bearer token is accepted, like a sandbox.
    accepted_tokens: set[str] | None = None
    default_waba_id: str = "102290129340398"
    default_display_phone_number: str = "15550783881"
    # Meta retries a failed delivery at once, then less and less often (for 7 days); we retry
    # a few times quickly so that a customer's message is not lost to a restarting server.
    webhook_retry_delays: tuple[float, ...] = (0.1, 0.5, 1.5)
    webhook_timeout_seconds: float = 10.0
    # A non-template send outside the 24 h window: Meta accepts it, then sends a `failed` status
    # with 131047 ("async"); "sync" answers HTTP 400 with 131047 at once instead.
    closed_window: Literal["async", "sync"] = "async"
    statuses: StatusTiming = field(default_factory=StatusTiming)
    # Per phone number unless `/_sim/numbers/{id}` says otherwise.
    throughput_mps: int = DEFAULT_THROUGHPUT_MPS
    pair_rate_messages: int = PAIR_RATE_MESSAGES
    pair_rate_seconds: float = PAIR_RATE_SECONDS
    template_review: TemplateReview = field(default_factory=TemplateReview)
    template_creations_per_hour: int = TEMPLATE_CREATIONS_PER_HOUR
    templates_per_waba: int = TEMPLATES_PER_WABA
