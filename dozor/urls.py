from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path

from dozor.facilities import urls as facilities_urls
from dozor.search import api as search_api
from dozor.training.urls import verify_patterns
from dozor.visits import urls as visits_urls
from dozor.web.urls import place_patterns as web_place_patterns
from dozor.web.urls import visit_patterns as web_visit_patterns


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request, not at import: in production the address comes from collectstatic's
    # manifest, which `dozor migrate` and `dozor check --deploy` must not need.
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))


urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico on pages that do not name an icon (JSON, feeds).
    path("favicon.ico", favicon),
    path("accounts/", include("dozor.accounts.urls")),
    # The place page is composed in the top layer (dozor.web.place_page) from the registry and the
    # apps above it; the rest of the places URLs are the registry's own. One namespace, "facilities".
    path("places/", include(([*web_place_patterns, *facilities_urls.urlpatterns], "facilities"))),
    path("people/", include("dozor.people.urls")),
    path("standards/", include("dozor.standards.urls")),
    path("methodology/", include("dozor.methodology.urls")),
    # The visit page is composed in the top layer (dozor.web.visit_page) from visits and the apps
    # above it; the rest of the visits URLs are the app's own. One namespace, "visits".
    path("visits/", include(([*web_visit_patterns, *visits_urls.urlpatterns], "visits"))),
    path("recommendations/", include("dozor.recommendations.urls")),
    path("publishing/", include("dozor.publishing.urls")),
    path("training/", include("dozor.training.urls")),
    path("planning/", include("dozor.planning.urls")),
    path("verify/", include(verify_patterns)),
    path("api/v1/search/", search_api.SearchView.as_view(), name="search_api"),  # before the router
    path("api/", include("dozor.api.urls")),
    # ODK Collect / KoboCollect talk to Dozor here (server URL <site>/openrosa/, decision 0026).
    # A doubled slash is accepted: a server URL ending in "/" followed by Collect's "/formList".
    re_path(r"^openrosa//?", include("dozor.visits.openrosa.urls")),
    path("public/", include("dozor.publishing.portal.urls")),
    path("search/", include("dozor.search.urls")),
    path("", include("dozor.web.urls")),
]

handler403 = "dozor.web.views.permission_denied"
handler404 = "dozor.web.views.page_not_found"
