-- Apps with their spec history, replicas, nodes, events and leases. JSON columns hold text
-- written by the store (specs in canonical form, so equal specs compare equal as text); times
-- are RFC 3339 UTC strings with nine fractional digits, lease times epoch milliseconds.

CREATE TABLE apps (
  name TEXT PRIMARY KEY,
  generation INTEGER NOT NULL CHECK (generation >= 1),
  spec TEXT NOT NULL,
  labels TEXT NOT NULL,
  -- The scale, beside the spec: NULL means the spec's own count.
  replicas INTEGER CHECK (replicas >= 0),
  status TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- Every generation's spec, the current one included, trimmed to the newest few by the store.
CREATE TABLE app_history (
  app TEXT NOT NULL REFERENCES apps (name) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  spec TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (app, generation)
) STRICT;

CREATE TABLE replicas (
  app TEXT NOT NULL REFERENCES apps (name) ON DELETE CASCADE,
  idx INTEGER NOT NULL CHECK (idx >= 0),
  generation INTEGER NOT NULL,
  container_id TEXT,
  node TEXT,
  desired TEXT NOT NULL CHECK (desired IN ('running', 'stopped')),
  status TEXT,
  health TEXT NOT NULL CHECK (health IN ('none', 'starting', 'healthy', 'unhealthy')),
  ready INTEGER NOT NULL CHECK (ready IN (0, 1)),
  ports TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (app, idx)
) STRICT;

CREATE TABLE nodes (
  name TEXT PRIMARY KEY,
  address TEXT,
  labels TEXT NOT NULL,
  capacity TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('ready', 'draining', 'down')),
  heartbeat_at TEXT NOT NULL
) STRICT;

-- AUTOINCREMENT: a seq is never handed out again after pruning, so a follower that resumes
-- "after seq N" cannot miss or repeat an event. No foreign key: events outlive their app.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  app TEXT,
  replica INTEGER,
  container TEXT,
  type TEXT NOT NULL,
  message TEXT NOT NULL,
  details TEXT NOT NULL
) STRICT;
CREATE INDEX events_time ON events (time, seq);
CREATE INDEX events_app_time ON events (app, time, seq);

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  acquired_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
