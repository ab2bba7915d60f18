-- The venue registry: each licensed venue with its premises licence, and the licence's conditions.

CREATE TABLE venues (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                    text NOT NULL CHECK (length(btrim(name)) > 0),
    address                 text NOT NULL DEFAULT '',
    postcode                text NOT NULL DEFAULT '',
    latitude                double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude               double precision CHECK (longitude BETWEEN -180 AND 180),
    venue_type              text NOT NULL DEFAULT 'pub' CHECK (venue_type IN
                                ('pub', 'bar', 'nightclub', 'late_night_refreshment',
                                 'restaurant', 'off_licence', 'other')),
    capacity                integer CHECK (capacity >= 0),
    -- Martyn's Law (Terrorism (Protection of Premises) Act 2025) tier, derived so it can never disagree.
    martyns_law_tier        text GENERATED ALWAYS AS (
                                CASE WHEN capacity >= 800 THEN 'enhanced'
                                     WHEN capacity >= 200 THEN 'standard'
                                     ELSE 'none' END) STORED,
    premises_licence_no     text UNIQUE,
    licence_holder          text,
    dps_name                text,
    licensable_activities   text[] NOT NULL DEFAULT '{}',
    licensed_hours          jsonb NOT NULL DEFAULT '{}',
    status                  text NOT NULL DEFAULT 'active' CHECK (status IN
                                ('active', 'suspended', 'revoked', 'surrendered', 'lapsed')),
    fhrs_id                 bigint UNIQUE,
    fhrs_rating             text,
    -- True where the licence details were made up by `nte demo`; the pages say so.
    generated               boolean NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX venues_name_idx ON venues (lower(name));
CREATE INDEX venues_status_idx ON venues (status);

CREATE TABLE conditions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id        bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN
                        ('cctv', 'door_supervisors', 'age_verification', 'refusals_log',
                         'incident_log', 'last_entry', 'glassware', 'dispersal', 'capacity',
                         'pubwatch', 'other')),
    objective       text NOT NULL CHECK (objective IN
                        ('crime_disorder', 'public_safety', 'public_nuisance',
                         'protection_of_children')),
    params          jsonb NOT NULL DEFAULT '{}',
    text            text NOT NULL CHECK (length(btrim(text)) > 0),
    -- Set on the conditions every alcohol licence carries by law; one of each per venue.
    mandatory_code  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (venue_id, mandatory_code)
);

CREATE INDEX conditions_venue_idx ON conditions (venue_id);
