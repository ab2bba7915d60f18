-- Police-recorded crime from data.police.uk street files: the area around a venue.
-- Locations are snapped to anonymised points, so a row never counts as an incident at a
-- venue; this table is never joined into incidents or timelines.

CREATE TABLE police_crimes (
    -- The file's Crime ID; rows without one (anti-social behaviour) get a key made from their
    -- content, so importing the same file again finds them instead of adding them twice.
    -- Byte order ("C"): the keys are opaque hashes, and a million of them sort twice as fast.
    crime_key       text COLLATE "C" PRIMARY KEY,
    month           date NOT NULL CHECK (extract(day FROM month) = 1),
    reported_by     text NOT NULL DEFAULT '',
    falls_within    text NOT NULL DEFAULT '',
    -- Both NULL for an unmapped crime ("No Location"): kept, but near no venue.
    longitude       double precision CHECK (longitude BETWEEN -180 AND 180),
    latitude        double precision CHECK (latitude BETWEEN -90 AND 90),
    location        text NOT NULL DEFAULT '',
    lsoa_code       text NOT NULL DEFAULT '',
    lsoa_name       text NOT NULL DEFAULT '',
    crime_type      text NOT NULL DEFAULT '',
    last_outcome    text NOT NULL DEFAULT '',
    context         text NOT NULL DEFAULT '',
    -- When an import last wrote the row (an unchanged row keeps its time).
    imported_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT police_crimes_both_coordinates CHECK ((latitude IS NULL) = (longitude IS NULL))
);

-- "Within r metres of a point": a range on latitude (and longitude, read from the same
-- index entries) narrows to a bounding box; the exact distance is computed on what is left.
CREATE INDEX police_crimes_position_idx ON police_crimes (latitude, longitude)
    WHERE latitude IS NOT NULL;
-- The unmapped rows of a month, counted beside the area's table (a small index: few rows).
CREATE INDEX police_crimes_unmapped_idx ON police_crimes (month) WHERE latitude IS NULL;

-- The months the imported files cover, so a month without a crime near a venue still shows
-- (as 0) without scanning every crime for its month; written by the import.
CREATE TABLE police_months (
    month           date PRIMARY KEY CHECK (extract(day FROM month) = 1),
    imported_at     timestamptz NOT NULL DEFAULT now()
);

-- No audit triggers: the rows are public reference data written only by `nte import police`
-- (a million-row import would bury the audit trail), never changed by a person.
