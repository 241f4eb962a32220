-- Districts (区), streets (街道), communities (社区) and resident groups (居民小组).
-- Names are unique among siblings; codes, when given, are unique in the district.

CREATE TABLE nomination.districts (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    code       text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT districts_name_unique UNIQUE (name)
);

CREATE TABLE nomination.streets (
    id          uuid PRIMARY KEY,
    district_id uuid NOT NULL REFERENCES nomination.districts (id),
    name        text NOT NULL,
    code        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT streets_name_unique UNIQUE (district_id, name)
);
CREATE UNIQUE INDEX streets_code_unique ON nomination.streets (district_id, code) WHERE code IS NOT NULL;

CREATE TABLE nomination.communities (
    id          uuid PRIMARY KEY,
    street_id   uuid NOT NULL REFERENCES nomination.streets (id),
    district_id uuid NOT NULL REFERENCES nomination.districts (id),
    name        text NOT NULL,
    code        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT communities_name_unique UNIQUE (street_id, name)
);
CREATE UNIQUE INDEX communities_code_unique ON nomination.communities (district_id, code) WHERE code IS NOT NULL;

CREATE TABLE nomination.resident_groups (
    id           uuid PRIMARY KEY,
    community_id uuid NOT NULL REFERENCES nomination.communities (id),
    name         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT resident_groups_name_unique UNIQUE (community_id, name)
);
