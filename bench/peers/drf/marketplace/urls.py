from django.urls import path

from . import views

# No trailing slashes: the paths are Bid Bazaar's, so the same load scripts hit them directly.
urlpatterns = [
    path("api/auctions", views.AuctionListView.as_view(), name="auction-list"),
    path("api/auctions/<int:pk>", views.AuctionDetailView.as_view(), name="auction-detail"),
    path("api/auctions/<int:pk>/bids", views.BidCreateView.as_view(), name="bid-create"),
    path("api/health", views.health, name="health"),
    path("__bench/trivial", views.trivial, name="bench-trivial"),
]
