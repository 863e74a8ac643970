"""Install the django-q2 schedule that runs instant sync's maintenance every minute."""

from django.db import migrations

SCHEDULE_NAME = "instant: renew change-notification channels, flush owed sessions"


def install(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "instant.tasks.maintain", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("instant", "0001_initial"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(install, uninstall)]
