"""Rate cards, metered billable events, budgets, plan periods and monthly statements."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.tenancy import TenantOwnedModel
from billing.policy import Category, Charge, PricingModel


class RateCard(models.Model):
    """WhatsApp's prices for one pricing model from a date on. Global when shipped with the product
    (`tenant` None, loaded from billing/rate_cards/); a tenant's own when its owner uploaded one,
    which then replaces the shipped card of the same model from its date on for that tenant."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    pricing_model = models.CharField(max_length=3, choices=[(m.value, m.name.title()) for m in PricingModel])
    effective_from = models.DateField()
    currency = models.CharField(max_length=3, default="USD")
    # Where the prices come from and as of when, as written in the file.
    source = models.TextField()
    filename = models.CharField(max_length=200, blank=True)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                "pricing_model",
                "effective_from",
                condition=models.Q(tenant__isnull=True),
                name="ratecard_shipped_unique",
            ),
            models.UniqueConstraint(
                "tenant",
                "pricing_model",
                "effective_from",
                condition=models.Q(tenant__isnull=False),
                name="ratecard_tenant_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pricing_model} {self.effective_from}"


class RatePrice(models.Model):
    """One line of a rate card: a category's price in a country, from a monthly volume on."""

    card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="prices")
    country = models.CharField(max_length=2)  # ISO 3166 alpha-2, or "*" for the rest of the world
    category = models.CharField(max_length=16, choices=[(c.value, c.name.title()) for c in Category])
    volume_from = models.PositiveIntegerField(default=0)
    price = models.DecimalField(max_digits=12, decimal_places=6)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint("card", "country", "category", "volume_from", name="rateprice_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.category} {self.price}"


class BillableEvent(TenantOwnedModel):
    """One thing WhatsApp charges for (or would, were it not free): a delivered business message
    (per-message pricing) or a conversation (conversation-based), recorded once.

    `key` is Meta's conversation id under conversation-based pricing and the message id under
    per-message pricing, so duplicate status webhooks land on the same row. What Meta said (its
    `pricing` object) is the authority when present; `our_*` is what our rules computed, and
    the reconciliation lists the rows where they differ. `amount` is None until the event is
    priced (e.g. its country is missing from the card: `price_error` says why).
    """

    key = models.CharField(max_length=200)
    provider_message_id = models.CharField(max_length=200)
    waba_id = models.CharField(max_length=64, blank=True)
    phone_number_id = models.CharField(max_length=64)
    display_phone_number = models.CharField(max_length=32, blank=True)
    recipient = models.CharField(max_length=32)
    country = models.CharField(max_length=2, blank=True)
    occurred_at = models.DateTimeField()
    pricing_model = models.CharField(max_length=3)
    category = models.CharField(max_length=16)
    charge = models.CharField(max_length=32)
    # The card line it is priced on (service is priced as utility from Oct 2026) and whether
    # volume tiers apply: kept so an event waiting for a price is priced as it was classified.
    rate_category = models.CharField(max_length=16)
    tiered = models.BooleanField(default=False)
    our_pricing_model = models.CharField(max_length=3)
    our_category = models.CharField(max_length=16)
    our_charge = models.CharField(max_length=32)
    # Meta's `pricing` and `conversation` objects as received; None when the webhook had none.
    meta_pricing = models.JSONField(null=True, blank=True)
    meta_conversation = models.JSONField(null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    price_error = models.CharField(max_length=32, blank=True)
    price_error_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The statement that billed it; a charged event priced or received late goes on the next one.
    statement = models.ForeignKey(
        "billing.Statement", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint("tenant", "key", name="billableevent_key_unique")]
        indexes: ClassVar = [models.Index(fields=["tenant", "occurred_at"], name="billableevent_tenant_time")]

    def __str__(self) -> str:
        return f"{self.key} {self.category} {self.amount}"

    @property
    def is_free(self) -> bool:
        return self.charge != Charge.REGULAR

    @property
    def differs_from_meta(self) -> bool:
        return self.meta_pricing is not None and (
            (self.our_category, self.our_charge, self.our_pricing_model)
            != (self.category, self.charge, self.pricing_model)
        )


class Budget(TenantOwnedModel):
    """A tenant's monthly ceiling on WhatsApp costs, set by an owner."""

    monthly_amount = models.DecimalField(_("monthly budget"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    # The month (its first day) whose 80% warning went out already, so it goes out once.
    warned_for = models.DateField(null=True, blank=True)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint("tenant", name="budget_one_per_tenant")]

    def __str__(self) -> str:
        return f"{self.monthly_amount} {self.currency}"


class PlanPeriod(TenantOwnedModel):
    """The plan a tenant is on from `starts_at` until its next period: the history a statement
    prorates by day. The latest period that has started is the current plan."""

    plan = models.CharField(max_length=20)
    starts_at = models.DateTimeField()
    chosen_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        indexes: ClassVar = [models.Index(fields=["tenant", "-starts_at"], name="planperiod_tenant_recent")]

    def __str__(self) -> str:
        return f"{self.plan} from {self.starts_at}"


class StatementImmutableError(Exception):
    """An issued statement is never changed: corrections are credits on a later statement."""


class ImmutableModel(TenantOwnedModel):
    """Written once, in the issuing transaction; a database trigger refuses any UPDATE as well."""

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise StatementImmutableError(f"{type(self).__name__} {self.pk} is issued and can't be changed.")
        super().save(*args, **kwargs)


class Statement(ImmutableModel):
    """What a tenant owes for a month: plan fees, WhatsApp usage and credits, with VAT. Everything it
    shows is copied onto it when it is issued (company details, rates), so it reads the same forever."""

    number = models.CharField(max_length=20, unique=True)
    month = models.DateField()  # its first day
    issued_at = models.DateTimeField()
    currency = models.CharField(max_length=3, default="EUR")
    # The tenant as it was when the statement was issued.
    legal_name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, blank=True)
    vat_id = models.CharField(max_length=20, blank=True)
    address = models.TextField(blank=True)
    # Who issues it (name, address, VAT id on lines) and from where.
    seller = models.TextField()
    seller_country = models.CharField(max_length=2)
    vat_treatment = models.CharField(max_length=20)
    vat_country = models.CharField(max_length=2, blank=True)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat_rates_as_of = models.DateField()
    # WhatsApp's costs are in the rate card's currency: converted at this rate (units per euro).
    exchange_currency = models.CharField(max_length=3)
    exchange_rate = models.DecimalField(max_digits=12, decimal_places=6)
    exchange_rate_day = models.DateField()
    exchange_rate_source = models.TextField(blank=True)
    included_messages = models.PositiveIntegerField()
    net = models.DecimalField(max_digits=12, decimal_places=2)
    vat = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint("tenant", "month", name="statement_one_per_month")]

    def __str__(self) -> str:
        return self.number


class LineKind(models.TextChoices):
    PLAN = "plan", _("Plan")
    # What the month's last plan includes and how many members used it: never charged, as seats
    # are a limit of the plan (inviting past it is refused), not a price.
    SEATS = "seats", _("Seats")
    USAGE = "usage", _("WhatsApp")
    CREDIT = "credit", _("Credit")


class StatementLine(ImmutableModel):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    # Plan lines: the plan and its days; seat lines: the plan, members (quantity) and its seats
    # (included); usage lines: category, country and the margin applied.
    plan = models.CharField(max_length=20, blank=True)
    first_day = models.DateField(null=True, blank=True)
    days = models.PositiveIntegerField(null=True, blank=True)
    category = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, blank=True)
    margin = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    included = models.PositiveIntegerField(default=0)
    # WhatsApp's cost in its currency (usage lines), then the euro figures.
    cost = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    cost_currency = models.CharField(max_length=3, blank=True)
    at_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    margin_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    included_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # The plan's name (plan lines) or the reason (credit lines), as they were when issued.
    description = models.CharField(max_length=300, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint("tenant", "statement", "position", name="statementline_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class StatementCredit(TenantOwnedModel):
    """Money owed back to a tenant (a correction of an issued statement, a goodwill gesture):
    deducted on the next statement issued, which it then names."""

    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=300)
    granted_at = models.DateTimeField(default=timezone.now)
    statement = models.ForeignKey(Statement, on_delete=models.SET_NULL, null=True, blank=True, related_name="credits")

    class Meta:
        constraints: ClassVar = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.reason}"


class StatementCounter(models.Model):
    """The last statement number of a year, taken under a row lock in the issuing transaction, so
    numbers have no gaps: a rolled-back statement gives its number back."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
