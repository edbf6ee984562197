"""The four tables of the peer: Bid Bazaar's users, categories, auctions and bids (ids copied)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    is_service_provider = models.BooleanField(default=False)

    class Meta(AbstractUser.Meta):
        db_table = "peer_user"


class Category(models.Model):
    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        db_table = "peer_category"
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Auction(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        COMPLETED = "completed"
        CANCELLED = "cancelled"
        EXPIRED = "expired"

    title = models.CharField(max_length=200)
    description = models.TextField()
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="auctions")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="auctions")
    location = models.CharField(max_length=100)
    budget_min = models.DecimalField(max_digits=10, decimal_places=2)
    budget_max = models.DecimalField(max_digits=10, decimal_places=2)
    deadline = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    # Kept by the bid transaction under the auction's row lock, so the listing reads them
    # off the row instead of aggregating the bids of every auction on the page.
    bid_count = models.IntegerField(default=0)
    lowest_bid = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        db_table = "peer_auction"
        ordering = ("-created_at", "-id")
        indexes = (
            # The newest-first listing reads a page off this index.
            models.Index(fields=["-created_at", "-id"], name="peer_auction_newest_idx"),
            models.Index(fields=["status", "deadline"], name="peer_auction_status_dl_idx"),
        )

    def __str__(self) -> str:
        return self.title

    def is_open(self) -> bool:
        return self.status == self.Status.ACTIVE and self.deadline > timezone.now()


class Bid(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        WITHDRAWN = "withdrawn"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="bids")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="bids")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "peer_bid"
        indexes = (
            # The auction page: its latest 50 bids, newest first.
            models.Index(fields=["auction", "-created_at", "-id"], name="peer_bid_auction_recent_idx"),
            # The leader: the lowest active bid of an auction.
            models.Index(fields=["auction", "amount"], name="peer_bid_auction_amount_idx"),
        )

    def __str__(self) -> str:
        return f"{self.amount} on auction {self.auction_id}"
