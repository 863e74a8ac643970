"""Install the hourly django-q2 schedule of the notifications (unsent ones again, daily digests)."""

from django.db import migrations

SCHEDULE_NAME = "notify: hourly notifications and digests"


def install(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "notify.tasks.send_notifications", "schedule_type": "H", "repeats": -1},
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_notifications"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(install, uninstall)]
