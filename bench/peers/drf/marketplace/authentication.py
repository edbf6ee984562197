from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """DRF's token authentication read from `Authorization: Bearer <key>` (DRF's documented
    way to change the keyword), the header Bid Bazaar's API clients send."""

    keyword = "Bearer"
