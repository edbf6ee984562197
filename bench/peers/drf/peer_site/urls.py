from django.urls import include, path

urlpatterns = [
    path("", include("marketplace.urls")),
]

handler404 = "marketplace.exceptions.not_found"
handler500 = "marketplace.exceptions.server_error"
