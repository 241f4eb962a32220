-- Officer accounts, API clients, signing keys, refresh tokens, revocations, idempotency keys.

CREATE TABLE auth.users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL,
    password_hash text NOT NULL,
    display_name  text NOT NULL,
    role          text NOT NULL,
    area_level    text NOT NULL CHECK (area_level IN ('district', 'street', 'community')),
    area_id       uuid NOT NULL,
    district_id   uuid NOT NULL,
    street_id     uuid,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_username_unique UNIQUE (username)
);
CREATE INDEX users_district ON auth.users (district_id, id);

CREATE TABLE auth.clients (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    secret_hash text NOT NULL,
    scopes      text[] NOT NULL,
    district_id uuid NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Ed25519 signing keys. The newest active key signs; older ones still verify until retired.
CREATE TABLE auth.signing_keys (
    kid         text PRIMARY KEY,
    private_pem text NOT NULL,
    public_x    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);

-- Refresh tokens are stored as SHA-256 hashes; a family shares one login.
CREATE TABLE auth.refresh_tokens (
    token_hash  text PRIMARY KEY,
    family_id   uuid NOT NULL,
    subject_id  uuid NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON auth.refresh_tokens (family_id);

-- Revoked access tokens until they expire (mirrored in Redis for the per-request check).
CREATE TABLE auth.revoked_tokens (
    jti        text PRIMARY KEY,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now()
);

-- Idempotency keys of POST requests: the first answer, replayed for a repeat.
CREATE TABLE auth.idempotency_keys (
    owner        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    status       smallint,
    content_type text,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_created ON auth.idempotency_keys (created_at);
