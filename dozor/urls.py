from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from dozor.training.urls import verify_patterns

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico on pages that do not name an icon (JSON, feeds).
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("accounts/", include("dozor.accounts.urls")),
    path("places/", include("dozor.facilities.urls")),
    path("people/", include("dozor.people.urls")),
    path("standards/", include("dozor.standards.urls")),
    path("methodology/", include("dozor.methodology.urls")),
    path("visits/", include("dozor.visits.urls")),
    path("recommendations/", include("dozor.recommendations.urls")),
    path("publishing/", include("dozor.publishing.urls")),
    path("training/", include("dozor.training.urls")),
    path("planning/", include("dozor.planning.urls")),
    path("verify/", include(verify_patterns)),
    path("api/", include("dozor.api.urls")),
    path("public/", include("dozor.publishing.portal.urls")),
    path("", include("dozor.web.urls")),
]

handler403 = "dozor.web.views.permission_denied"
handler404 = "dozor.web.views.page_not_found"
