"""URL patterns of the public portal (no login), mounted at /public/ by dozor/urls.py.

Pages carry the interface language in the path (/public/kk/, /public/ru/, /public/en/); the feed
of every language and the open data files are language-neutral."""

from __future__ import annotations

from django.urls import URLPattern, path, register_converter

from dozor.publishing.portal import views as views_portal


class LanguageConverter:
    regex = "kk|ru|en"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LanguageConverter, "portal_lang")

app_name = "public"
urlpatterns: list[URLPattern] = [
    path("", views_portal.root, name="root"),
    path("feed.atom", views_portal.feed, name="feed"),
    path("data/<slug:dataset>.<slug:fmt>", views_portal.data, name="data"),
    path("reports/<int:report_id>/", views_portal.report_any, name="report_any"),
    path("<portal_lang:lang>/", views_portal.home, name="home"),
    path("<portal_lang:lang>/reports/", views_portal.report_list, name="reports"),
    path("<portal_lang:lang>/reports/<int:report_id>/", views_portal.report, name="report"),
    path(
        "<portal_lang:lang>/reports/<int:report_id>/document.<slug:fmt>",
        views_portal.document,
        name="document",
    ),
    path("<portal_lang:lang>/places/<int:facility_id>/", views_portal.place, name="place"),
    path("<portal_lang:lang>/statistics/", views_portal.statistics, name="statistics"),
    path("<portal_lang:lang>/data/", views_portal.open_data, name="open_data"),
    path("<portal_lang:lang>/feed.atom", views_portal.feed, name="feed_lang"),
]
