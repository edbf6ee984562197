from decimal import Decimal

from rest_framework import serializers

from .models import Auction, Bid


class AuctionListSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Auction
        fields = (
            "id",
            "title",
            "category",
            "category_name",
            "location",
            "budget_min",
            "budget_max",
            "deadline",
            "status",
            "created_at",
            "bid_count",
            "lowest_bid",
            "created_by",
        )
        read_only_fields = fields


class AuctionBidSerializer(serializers.ModelSerializer):
    """A bid as the auction page lists it."""

    bidder = serializers.PrimaryKeyRelatedField(source="user", read_only=True)

    class Meta:
        model = Bid
        fields = ("id", "amount", "status", "created_at", "bidder")
        read_only_fields = fields


class AuctionDetailSerializer(AuctionListSerializer):
    # The latest bids, prefetched by the view (AuctionDetailView.get_queryset).
    bids = AuctionBidSerializer(source="recent_bids", many=True, read_only=True)

    class Meta(AuctionListSerializer.Meta):
        fields = (*AuctionListSerializer.Meta.fields, "description", "bids")
        read_only_fields = fields


class BidCreateSerializer(serializers.ModelSerializer):
    """Validates a new bid's input; answers with the bid as placed."""

    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    description = serializers.CharField(write_only=True, required=False, allow_blank=True)
    bidder = serializers.PrimaryKeyRelatedField(source="user", read_only=True)

    class Meta:
        model = Bid
        fields = ("id", "auction", "amount", "description", "status", "created_at", "bidder")
        read_only_fields = ("id", "auction", "status", "created_at", "bidder")
