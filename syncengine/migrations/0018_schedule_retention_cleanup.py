"""Install the daily django-q2 schedule of the retention clean-up (syncengine.services.retention)."""

from django.db import migrations

SCHEDULE_NAME = "syncengine: daily retention clean-up"


def install(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "syncengine.tasks.clean_up_old_records", "schedule_type": "D", "repeats": -1},
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("syncengine", "0017_roster_organizer"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(install, uninstall)]
