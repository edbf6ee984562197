"""The read side: listings, detail views, counts. Each view runs a constant number of
statements (bid_count and lowest_bid live on the auction row, kept by the bid rule).

    listings   auctions filtered, sorted and paged, with cached totals
    listing_cache  anonymous listing pages and details, and customers' trust signals, kept
               while the catalogue version stands
    details    an auction with its bids and events, the category tree, a user's counts
               and notifications
    stats      the home page's platform numbers and the admin dashboard's figures and
               charts (daily series by IST day), the auctions closing unbid
    admin_users  the admin console's users table (filters, sorts) and one user's detail
    admin_bookings  the admin console's bookings list, no-show queue, bookings whose party
               was deactivated, and review moderation
    booking_views  the booking pages: my bookings (next action first), one booking for
               its sides, its reviews, the viewer's booking on an auction
    reputation a provider's record and a customer's trust signals for a page of users at
               once; a user's published reviews
    bookings   a user's bookings (what waits on them first) and one booking's detail
    proxies    a provider's own proxy bid (the floor is shown to its owner only)
    standing   where a provider stands (the rule My bids filters by), on one auction with its
               pseudonym and bid ceiling
    my_bids    a provider's bids, one per auction, with their standing and next action
    watching   what a user watches: one auction's flag, a page's stars, the watchlist
    questions  an auction's public questions for one viewer (masked, never naming the asker)
    alerts     a provider's saved searches (job alerts) and the listing filters of one
    paging     Page, page_size and the plain paginate the others share

Callers use `queries.X`; the names below are the read side's public API.
"""

from bidbazaar.queries.admin_bookings import (
    bookings_needing_attention,
    count_needing_attention,
    no_show_queue,
    search_bookings,
    search_reviews,
)
from bidbazaar.queries.admin_users import admin_user_detail, search_admin_users
from bidbazaar.queries.alerts import listing_filters, saved_search_of, saved_searches_of
from bidbazaar.queries.booking_views import (
    auction_booking_view,
    booking_reviews,
    latest_booking,
    viewer_booking,
)
from bidbazaar.queries.bookings import booking_detail, booking_or_404, bookings_of
from bidbazaar.queries.details import (
    DETAIL_BIDS,
    anonymous_detail,
    auction_bids,
    auction_detail,
    auction_events,
    auction_or_404,
    bid_history,
    category_tree,
    events_since,
    notifications,
    public_profile,
    unread_count,
    user_counts,
)
from bidbazaar.queries.listing_cache import ListingCache, anonymous_listings
from bidbazaar.queries.listings import (
    SORT_COLUMNS,
    ListingTotals,
    auction_listing,
    category_with_descendants,
    listing_totals,
    search_auctions,
)
from bidbazaar.queries.my_bids import STANDINGS, my_bids
from bidbazaar.queries.paging import MAX_PER_PAGE, Page, page_size
from bidbazaar.queries.proxies import my_proxy
from bidbazaar.queries.questions import auction_questions
from bidbazaar.queries.reputation import (
    CustomerTrust,
    ProviderReputation,
    customer_trust,
    provider_reputation,
    published_reviews,
)
from bidbazaar.queries.standing import BidderStanding, bidder_standing
from bidbazaar.queries.stats import (
    admin_counts,
    auctions_by_status,
    bids_per_day,
    booking_figures,
    category_usage,
    closing_unbid,
    closing_unbid_count,
    outcomes_per_day,
    platform_stats,
    signups_per_day,
    value_awarded_since,
)
from bidbazaar.queries.watching import is_watching, watched_auctions, watched_ids

__all__ = [
    "DETAIL_BIDS",
    "MAX_PER_PAGE",
    "SORT_COLUMNS",
    "STANDINGS",
    "BidderStanding",
    "CustomerTrust",
    "ListingCache",
    "ListingTotals",
    "Page",
    "ProviderReputation",
    "admin_counts",
    "admin_user_detail",
    "anonymous_detail",
    "anonymous_listings",
    "auction_bids",
    "auction_booking_view",
    "auction_detail",
    "auction_events",
    "auction_listing",
    "auction_or_404",
    "auction_questions",
    "auctions_by_status",
    "bid_history",
    "bidder_standing",
    "bids_per_day",
    "booking_detail",
    "booking_figures",
    "booking_or_404",
    "booking_reviews",
    "bookings_needing_attention",
    "bookings_of",
    "category_tree",
    "category_usage",
    "category_with_descendants",
    "closing_unbid",
    "closing_unbid_count",
    "count_needing_attention",
    "customer_trust",
    "events_since",
    "is_watching",
    "latest_booking",
    "listing_filters",
    "listing_totals",
    "my_bids",
    "my_proxy",
    "no_show_queue",
    "notifications",
    "outcomes_per_day",
    "page_size",
    "platform_stats",
    "provider_reputation",
    "public_profile",
    "published_reviews",
    "saved_search_of",
    "saved_searches_of",
    "search_admin_users",
    "search_auctions",
    "search_bookings",
    "search_reviews",
    "signups_per_day",
    "unread_count",
    "user_counts",
    "value_awarded_since",
    "viewer_booking",
    "watched_auctions",
    "watched_ids",
]
