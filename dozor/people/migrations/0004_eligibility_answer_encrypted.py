# Eligibility answers (psychiatric registration, a criminal record...) become encrypted at rest
# (docs/decisions/0022-encryption-at-rest-and-retention.md): the plain yes/no column is renamed,
# a new encrypted column takes its values, and the plain column is dropped.

from django.db import migrations, models

import dozor.core.fields


def encrypt_answers(apps, schema_editor):
    """Copy every answer into the encrypted column (raw SQL: no model code runs here)."""
    from dozor.core.crypto import encrypt, keyring

    ring = keyring()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, answer_plain FROM people_eligibilitydeclaration")
        for pk, answer in cursor.fetchall():
            if answer is None:
                continue
            cursor.execute(
                "UPDATE people_eligibilitydeclaration SET answer = %s WHERE id = %s",
                [
                    encrypt(
                        "yes" if answer else "no",
                        context="people.eligibilitydeclaration.answer",
                        ring=ring,
                    ),
                    pk,
                ],
            )


def decrypt_answers(apps, schema_editor):
    from dozor.core.crypto import decrypt, keyring

    ring = keyring()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, answer FROM people_eligibilitydeclaration")
        for pk, token in cursor.fetchall():
            if not token:
                continue
            plain = decrypt(token, context="people.eligibilitydeclaration.answer", ring=ring)
            cursor.execute(
                "UPDATE people_eligibilitydeclaration SET answer_plain = %s WHERE id = %s",
                [plain == "yes", pk],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_key_canary"),
        ("people", "0003_person_revision"),
    ]

    operations = [
        migrations.RenameField(
            model_name="eligibilitydeclaration", old_name="answer", new_name="answer_plain"
        ),
        migrations.AlterField(
            model_name="eligibilitydeclaration",
            name="answer_plain",
            field=models.BooleanField(null=True, verbose_name="answer"),
        ),
        migrations.AddField(
            model_name="eligibilitydeclaration",
            name="answer",
            field=dozor.core.fields.EncryptedBooleanField(null=True, verbose_name="answer"),
        ),
        migrations.RunPython(encrypt_answers, decrypt_answers),
        migrations.RemoveField(model_name="eligibilitydeclaration", name="answer_plain"),
    ]
