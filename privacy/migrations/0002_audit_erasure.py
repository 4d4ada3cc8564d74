from django.db import migrations

# accounts 0004's trigger refuses every change to an audit entry. Erasing a contact (GDPR
# Art. 17) needs exactly one: blanking the contact's name in the entries about it (target_label
# of a Contact target, to ''). Every other column must stay as it was.
ALLOW_CONTACT_LABEL_ERASURE = """
CREATE OR REPLACE FUNCTION accounts_auditlog_refuse_update() RETURNS trigger AS $$
BEGIN
    IF (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id)
        OR (NEW.actor_api_key_id IS NOT NULL AND NEW.actor_api_key_id IS DISTINCT FROM OLD.actor_api_key_id)
        OR ROW(NEW.id, NEW.tenant_id, NEW.actor_label, NEW.action, NEW.target_type, NEW.target_id,
               NEW.ip, NEW.details, NEW.created_at)
           IS DISTINCT FROM ROW(OLD.id, OLD.tenant_id, OLD.actor_label, OLD.action, OLD.target_type,
               OLD.target_id, OLD.ip, OLD.details, OLD.created_at)
        OR (NEW.target_label IS DISTINCT FROM OLD.target_label
            AND NOT (OLD.target_type = 'Contact' AND NEW.target_label = ''))
    THEN
        RAISE EXCEPTION 'audit entries can''t be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

REFUSE_EVERY_CHANGE = """
CREATE OR REPLACE FUNCTION accounts_auditlog_refuse_update() RETURNS trigger AS $$
BEGIN
    IF (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id)
        OR (NEW.actor_api_key_id IS NOT NULL AND NEW.actor_api_key_id IS DISTINCT FROM OLD.actor_api_key_id)
        OR ROW(NEW.id, NEW.tenant_id, NEW.actor_label, NEW.action, NEW.target_type, NEW.target_id,
               NEW.target_label, NEW.ip, NEW.details, NEW.created_at)
           IS DISTINCT FROM ROW(OLD.id, OLD.tenant_id, OLD.actor_label, OLD.action, OLD.target_type,
               OLD.target_id, OLD.target_label, OLD.ip, OLD.details, OLD.created_at)
    THEN
        RAISE EXCEPTION 'audit entries can''t be changed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_contact_exports"),
        ("accounts", "0004_security"),
    ]

    operations = [migrations.RunSQL(sql=ALLOW_CONTACT_LABEL_ERASURE, reverse_sql=REFUSE_EVERY_CHANGE)]
