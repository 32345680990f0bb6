from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "dozor.recommendations"
    label = "recommendations"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        from dozor.recommendations import pack, sources

        pack.register()
        sources.register()
        from dozor.recommendations.reprisals import views as views_reprisals
        from dozor.visits.extensions import register_visit_section

        register_visit_section(views_reprisals.visit_section)
        from dozor.recommendations import views as recommendation_views
        from dozor.visits import extensions as visit_extensions

        visit_extensions.register_visit_section(recommendation_views.visit_section)
