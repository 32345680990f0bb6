from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        from recommendations import pack, sources

        pack.register()
        sources.register()
        from recommendations import views_reprisals
        from visits.extensions import register_visit_section

        register_visit_section(views_reprisals.visit_section)
        from recommendations import views as recommendation_views
        from visits import extensions as visit_extensions

        visit_extensions.register_visit_section(recommendation_views.visit_section)
