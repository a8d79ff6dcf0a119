"""Copy the names of each customer's tags onto interactions.Customer.tags (kept by
kefu.customers.tag_names from now on)."""

from collections import defaultdict

from django.db import migrations


def copy_names(apps, schema_editor):
    CustomerTag = apps.get_model("customers", "CustomerTag")
    Customer = apps.get_model("interactions", "Customer")
    names = defaultdict(set)
    for customer_id, name in CustomerTag.objects.values_list("customer_id", "tag__name").iterator(
        chunk_size=20000
    ):
        names[customer_id].add(name)
    changed = [Customer(pk=pk, tags=sorted(tags)) for pk, tags in names.items()]
    Customer.objects.bulk_update(changed, ["tags"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_pending_risk_mark"),
        ("interactions", "0007_customer_tags"),
    ]

    operations = [migrations.RunPython(copy_names, migrations.RunPython.noop)]
