"""``GET /api/v1/search/?q=...``: the same search as the page, as JSON (decision 0032).

Same rules as the page: results go through each app's access helpers, so a client finds and counts
only what its user may open. Titles and snippets are plain text (no markup): a client marks matches
itself. Mounted by ``dozor/urls.py`` under the API's prefix (``api`` and ``search`` are sibling
layers, so the API's router cannot import this view).
"""

from __future__ import annotations

import html

from django.utils.html import strip_tags
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dozor.accounts.access import authorities_visible_to, regions_visible_to
from dozor.search.models import Kind
from dozor.search.selectors import Filters, search

PER_PAGE = 20


class SearchIn(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    type = serializers.ChoiceField(choices=Kind.choices, required=False)
    region = serializers.IntegerField(required=False, min_value=1)
    authority = serializers.IntegerField(required=False, min_value=1)
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2200)
    page = serializers.IntegerField(required=False, min_value=1, default=1)


class HitOut(serializers.Serializer):
    kind = serializers.CharField()
    url = serializers.CharField()
    title = serializers.CharField()
    snippet = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)


class SearchOut(serializers.Serializer):
    count = serializers.IntegerField(help_text="Results of the chosen type (or of all types).")
    total = serializers.IntegerField(help_text="Results of every type, with the other filters.")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Results per type.")
    page = serializers.IntegerField()
    results = HitOut(many=True)


class SearchView(APIView):
    @extend_schema(parameters=[SearchIn], responses=SearchOut, summary="Full-text search")
    def get(self, request: Request) -> Response:
        params = SearchIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user = request.user
        region = data.get("region")
        if region is not None and not regions_visible_to(user).filter(pk=region).exists():
            region = None
        authority = (
            authorities_visible_to(user).filter(pk=data["authority"]).first() if "authority" in data else None
        )
        found = search(
            user,
            data["q"],
            filters=Filters(
                kind=data.get("type", ""), region=region, authority=authority, year=data.get("year")
            ),
            page=data["page"],
            per_page=PER_PAGE,
        )
        hits = [
            {
                "kind": h.kind,
                "url": request.build_absolute_uri(h.url),
                "title": html.unescape(strip_tags(h.title)),
                "snippet": html.unescape(strip_tags(h.snippet)),
                "year": h.year,
            }
            for h in found.hits
        ]
        body = {
            "count": found.count,
            "total": found.total,
            "counts": found.counts,
            "page": found.page,
            "results": hits,
        }
        return Response(SearchOut(body).data)
