-- The schema every rule example runs against unless it names its own base:
-- these tables exist in production before the example migration runs.
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email varchar(100) NOT NULL,
  name text,
  status text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  amount integer NOT NULL,
  price numeric(10, 2),
  note varchar(50),
  status text,
  paid_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE TYPE order_state AS ENUM ('pending', 'paid', 'shipped');
CREATE TABLE events (
  id bigint NOT NULL,
  happened_at timestamptz NOT NULL,
  payload jsonb
) PARTITION BY RANGE (happened_at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
