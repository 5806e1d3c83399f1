-- An outbox payload lives for milliseconds (written, published, deleted): compressing it on the
-- way in (pglz, the top Postgres symbol under cargo load) and out is wasted work. Large payloads
-- still go out of line; they are just not compressed.
ALTER TABLE outbox ALTER COLUMN payload SET STORAGE EXTERNAL;
