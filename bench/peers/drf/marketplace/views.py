from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET
from rest_framework import generics, permissions, status

from .exceptions import BidRefused
from .models import Auction, Bid, User
from .serializers import AuctionDetailSerializer, AuctionListSerializer, BidCreateSerializer

#: How many of an auction's bids its page shows, newest first.
RECENT_BIDS = 50


class AuctionListView(generics.ListAPIView):
    """GET /api/auctions?page=N: newest first, ten a page."""

    # prefetch_related, not select_related: with the joins in the page query MariaDB plans
    # from the small category table and sorts every auction (140 ms at 100,000); alone,
    # the page is read off the newest-first index, and two small IN queries add the rest.
    queryset = Auction.objects.prefetch_related("category", "created_by").order_by("-created_at", "-id")
    serializer_class = AuctionListSerializer


class AuctionDetailView(generics.RetrieveAPIView):
    """GET /api/auctions/<pk>: the auction and its latest bids."""

    queryset = Auction.objects.select_related("category", "created_by")
    serializer_class = AuctionDetailSerializer

    def get_object(self):
        auction = super().get_object()
        # One LIMIT query for the latest bids (a sliced Prefetch would number all of the
        # auction's bids with ROW_NUMBER() on SQLite and MySQL before keeping 50).
        auction.recent_bids = list(auction.bids.order_by("-created_at", "-id")[:RECENT_BIDS])
        return auction


class BidCreateView(generics.CreateAPIView):
    """POST /api/auctions/<pk>/bids {"amount": ..., "description": ...}: a provider's bid."""

    serializer_class = BidCreateSerializer
    permission_classes = (permissions.IsAuthenticated,)

    def perform_create(self, serializer):
        user = self.request.user
        amount = serializer.validated_data["amount"]
        with transaction.atomic():
            # The auction's row lock serialises the bids on one auction, so the checks below
            # and the counters see every bid committed before this one.
            auction = get_object_or_404(Auction.objects.select_for_update(), pk=self.kwargs["pk"])
            check_bid(auction, user, amount)
            serializer.save(auction=auction, user=user)
            Auction.objects.filter(pk=auction.pk).update(bid_count=F("bid_count") + 1, lowest_bid=amount)


def check_bid(auction: Auction, user: User, amount: Decimal) -> None:
    """The auction's rules, under its lock; raises BidRefused for the first one broken."""
    if not auction.is_open():
        raise BidRefused(status.HTTP_409_CONFLICT, "AUCTION_CLOSED", "This auction is no longer open for bids")
    if not user.is_service_provider:
        raise BidRefused(status.HTTP_403_FORBIDDEN, "NOT_A_PROVIDER", "Only service providers can bid")
    if auction.created_by_id == user.pk:
        raise BidRefused(status.HTTP_403_FORBIDDEN, "SELF_BID", "You cannot bid on your own auction")
    if amount > auction.budget_max:
        raise BidRefused(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            "ABOVE_BUDGET",
            "Bid is above the auction's budget",
            {"amount": str(amount), "budget_max": str(auction.budget_max)},
        )
    leader = auction.bids.filter(status=Bid.Status.ACTIVE).order_by("amount", "id").first()
    if leader is not None and leader.user_id == user.pk:
        raise BidRefused(
            status.HTTP_409_CONFLICT,
            "ALREADY_LOWEST",
            "You already hold the lowest bid",
            {"lowest_bid": str(leader.amount), "bid_id": leader.pk},
        )
    if auction.lowest_bid is not None:
        max_allowed = auction.lowest_bid - settings.BID_MIN_DECREMENT
        if amount > max_allowed:
            raise BidRefused(
                status.HTTP_409_CONFLICT,
                "BID_TOO_HIGH",
                f"Bid must be at most {max_allowed}",
                {
                    "amount": str(amount),
                    "lowest_bid": str(auction.lowest_bid),
                    "max_allowed": str(max_allowed),
                    "min_decrement": str(settings.BID_MIN_DECREMENT),
                },
            )


@require_GET
def health(request):
    """Readiness: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})


@require_GET
def trivial(request):
    """The ceiling: no database, the same middleware."""
    return JsonResponse({"ok": True})
