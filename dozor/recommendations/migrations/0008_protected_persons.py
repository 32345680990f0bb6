"""Reprisal cases follow people (decision 0024): protected persons with a pseudonymous code and a
history of whereabouts, the actions taken on a case. Every existing case gets a person held at the
case's place since the day the case was raised, in the category of its interviewee."""

import secrets

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import dozor.core.fields

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CATEGORIES = {"detainee": "detainee", "staff": "staff", "medical": "staff", "family": "relative"}


def _code(taken: set[str]) -> str:
    while True:
        code = "P-" + "".join(secrets.choice(ALPHABET) for _ in range(4))
        if code not in taken:
            taken.add(code)
            return code


def give_every_case_a_person(apps, schema_editor):  # type: ignore[no-untyped-def]
    Case = apps.get_model("recommendations", "ReprisalCase")
    Person = apps.get_model("recommendations", "ProtectedPerson")
    Location = apps.get_model("recommendations", "PersonLocation")
    taken = set(Person.objects.values_list("code", flat=True))
    # Identity and source stay empty: encrypting here would need the key ring at migration time;
    # the interview (whose identity is already encrypted) stays linked to the case.
    for case in Case.objects.select_related("interview").order_by("pk"):
        category = CATEGORIES.get(case.interview.category, "other") if case.interview else "detainee"
        person = Person.objects.create(
            code=_code(taken),
            category=category,
            facility_id=case.facility_id,
            whereabouts="held",
            since=case.raised_on,
            created_by_id=case.created_by_id,
        )
        Location.objects.create(
            person=person, whereabouts="held", facility_id=case.facility_id, since=case.raised_on
        )
        case.person = person
        case.save(update_fields=["person"])


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0005_facility_revision"),
        ("recommendations", "0007_recommendation_revision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="reprisalcase",
            name="facility",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reprisal_cases",
                to="facilities.facility",
                verbose_name="place raised at",
            ),
        ),
        migrations.CreateModel(
            name="ProtectedPerson",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=12, unique=True, verbose_name="person code")),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("detainee", "Person deprived of liberty"),
                            ("relative", "Relative of a detainee"),
                            ("staff", "Staff of the place"),
                            ("npm_member", "NPM member"),
                            ("other", "Other"),
                        ],
                        max_length=12,
                        verbose_name="category",
                    ),
                ),
                (
                    "identity",
                    dozor.core.fields.EncryptedTextField(
                        blank=True,
                        help_text="Name, date of birth and what else identifies the person. Stored encrypted.",
                        verbose_name="identity",
                    ),
                ),
                (
                    "whereabouts",
                    models.CharField(
                        choices=[
                            ("held", "Held at a place"),
                            ("released", "Released"),
                            ("outside", "Outside custody"),
                            ("unknown", "Whereabouts unknown"),
                        ],
                        default="unknown",
                        max_length=10,
                        verbose_name="whereabouts",
                    ),
                ),
                ("since", models.DateField(blank=True, null=True, verbose_name="since")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "facility",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="protected_persons",
                        to="facilities.facility",
                        verbose_name="current place",
                    ),
                ),
            ],
            options={
                "verbose_name": "protected person",
                "verbose_name_plural": "protected persons",
                "ordering": ["code"],
            },
        ),
        migrations.CreateModel(
            name="PersonLocation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "whereabouts",
                    models.CharField(
                        choices=[
                            ("held", "Held at a place"),
                            ("released", "Released"),
                            ("outside", "Outside custody"),
                            ("unknown", "Whereabouts unknown"),
                        ],
                        max_length=10,
                        verbose_name="whereabouts",
                    ),
                ),
                ("since", models.DateField(verbose_name="since")),
                ("source", dozor.core.fields.EncryptedTextField(blank=True, verbose_name="source")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "facility",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="facilities.facility",
                        verbose_name="place",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="locations",
                        to="recommendations.protectedperson",
                    ),
                ),
            ],
            options={
                "verbose_name": "whereabouts of a protected person",
                "verbose_name_plural": "whereabouts of protected persons",
                "ordering": ["person", "-since", "-id"],
            },
        ),
        migrations.AddField(
            model_name="reprisalcase",
            name="person",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="recommendations.protectedperson",
                verbose_name="person",
            ),
        ),
        migrations.RunPython(give_every_case_a_person, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="protectedperson",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("facility__isnull", False), ("whereabouts", "held")),
                    models.Q(models.Q(("whereabouts", "held"), _negated=True), ("facility__isnull", True)),
                    _connector="OR",
                ),
                name="protected_person_held_at_a_place",
            ),
        ),
        migrations.AddConstraint(
            model_name="personlocation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("facility__isnull", False), ("whereabouts", "held")),
                    models.Q(models.Q(("whereabouts", "held"), _negated=True), ("facility__isnull", True)),
                    _connector="OR",
                ),
                name="person_location_held_at_a_place",
            ),
        ),
    ]
