"""Install the recurring django-q2 schedule that queues due sessions (every minute)."""

from django.db import migrations

SCHEDULE_NAME = "syncengine: queue due sync sessions"


def install(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": "syncengine.tasks.enqueue_due_sessions", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("syncengine", "0001_initial"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(install, uninstall)]
