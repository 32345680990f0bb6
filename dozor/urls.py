from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from training.urls import verify_patterns

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico on pages that do not name an icon (JSON, feeds).
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("accounts/", include("accounts.urls")),
    path("places/", include("facilities.urls")),
    path("people/", include("people.urls")),
    path("standards/", include("standards.urls")),
    path("methodology/", include("methodology.urls")),
    path("visits/", include("visits.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("publishing/", include("publishing.urls")),
    path("training/", include("training.urls")),
    path("planning/", include("planning.urls")),
    path("verify/", include(verify_patterns)),
    path("api/", include("api.urls")),
    path("public/", include("publishing.urls_portal")),
    path("", include("web.urls")),
]

handler403 = "web.views.permission_denied"
handler404 = "web.views.page_not_found"
