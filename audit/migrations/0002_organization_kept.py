"""Audit entries keep their organization when it is deleted: the id without a constraint, and a copy
of its name (filled in here for the entries already written)."""

import django.db.models.deletion
from django.db import migrations, models


def _copy_names(apps, schema_editor):  # type: ignore[no-untyped-def]
    AuditEntry = apps.get_model("audit", "AuditEntry")
    Organization = apps.get_model("syncengine", "Organization")
    for organization in Organization.objects.all().only("pk", "name"):
        AuditEntry.objects.filter(organization_id=organization.pk).update(organization_name=organization.name)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_log"),
        ("syncengine", "0020_pair_mail_intent"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="organization_name",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="audit",
                to="syncengine.organization",
            ),
        ),
        migrations.RunPython(_copy_names, migrations.RunPython.noop),
    ]
