-- The platform's tables inside a service's schema. `{schema}` is replaced by the schema name.

-- Transactional outbox: written in the same transaction as the change it reports.
CREATE TABLE {schema}.outbox (
    seq          bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    event_type   text NOT NULL,
    payload      bytea NOT NULL,
    traceparent  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON {schema}.outbox (seq) WHERE published_at IS NULL;

-- Events this schema's consumers have applied, so a redelivery changes nothing.
CREATE TABLE {schema}.processed_events (
    consumer     text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Append-only audit log. Entries are written unsealed in the transaction of the change; the
-- sealer gives each a position in the hash chain afterwards, off the hot path.
CREATE TABLE {schema}.audit_log (
    id            bigserial PRIMARY KEY,
    entry_id      uuid NOT NULL UNIQUE,
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    role          text NOT NULL,
    action        text NOT NULL,
    object_id     text NOT NULL,
    change_digest text NOT NULL,
    entry_digest  text NOT NULL,
    chain_pos     bigint UNIQUE,
    chain_hash    text,
    CHECK ((chain_pos IS NULL) = (chain_hash IS NULL))
);
CREATE INDEX audit_log_unsealed ON {schema}.audit_log (id) WHERE chain_pos IS NULL;
CREATE INDEX audit_log_object ON {schema}.audit_log (object_id, id);

CREATE FUNCTION {schema}.audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    IF OLD.chain_pos IS NOT NULL
       OR (NEW.entry_id, NEW.at, NEW.actor, NEW.role, NEW.action, NEW.object_id,
           NEW.change_digest, NEW.entry_digest)
          IS DISTINCT FROM
          (OLD.entry_id, OLD.at, OLD.actor, OLD.role, OLD.action, OLD.object_id,
           OLD.change_digest, OLD.entry_digest) THEN
        RAISE EXCEPTION 'audit_log entries cannot be changed';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON {schema}.audit_log
    FOR EACH ROW EXECUTE FUNCTION {schema}.audit_log_append_only();
