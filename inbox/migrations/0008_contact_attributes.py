from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0007_conversation_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="attributes",
            field=models.JSONField(blank=True, default=dict, verbose_name="attributes"),
        ),
    ]
