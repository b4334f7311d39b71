"""Trigram indexes for the support lookup, on PostgreSQL only.

On PostgreSQL Django turns `icontains` into `UPPER("col"::text) LIKE UPPER('%term%')`.
A GIN index of pg_trgm on that very expression serves it; an index on the bare column
would not. SQLite has neither the extension nor GIN indexes, so there both steps do
nothing and its LIKE reads the table, which is fine at the sizes SQLite is used for.

Django's TrigramExtension is not used: reversed on SQLite it queries pg_extension and
fails. Reversing drops the indexes and keeps the extension, which other objects in the
database may use.
"""

from django.db import migrations

# (model, column, index name): the columns the lookup matches, one index each.
TRIGRAM_INDEXES = [
    ("customer", "name", "customer_name_trgm"),
    ("customer", "email", "customer_email_trgm"),
    ("customer", "company", "customer_company_trgm"),
    ("s3account", "user_id", "account_user_id_trgm"),
    ("keypairnote", "access_key_id", "key_note_access_key_id_trgm"),
    ("knownbucket", "name", "known_bucket_name_trgm"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return

    quote = schema_editor.quote_name
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for model_name, column, index_name in TRIGRAM_INDEXES:
        table = apps.get_model("customers", model_name)._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX {quote(index_name)} ON {quote(table)} "
            f"USING gin ((UPPER({quote(column)}::text)) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return

    for _, _, index_name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index_name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_alter_drift_kind"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
