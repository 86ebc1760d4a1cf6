-- Every event the daemon emits is stored, not only the apps': `kind` says what an event is about
-- (app, container, daemon: the API event's type), and `details` holds the API event's id, name
-- and attributes, so that it can be rebuilt exactly.

ALTER TABLE events ADD COLUMN kind TEXT NOT NULL DEFAULT 'app';

-- Until now only app events were stored, with their controller's details. They take the form of
-- the others, with the attributes the daemon gave them on the bus: the app, the message, then
-- each detail that is not null, as a string.
UPDATE events SET details = json_object(
  'id', coalesce(app, ''),
  'name', coalesce(app, ''),
  'attributes', json_patch(
    json_object('app', coalesce(app, ''), 'message', message),
    (
      SELECT coalesce(json_group_object(
        key,
        -- (Concatenation makes text of anything, JSON included, as String() would.)
        CASE type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE '' || value END
      ), '{}')
      FROM json_each(events.details)
      WHERE type <> 'null'
    )
  )
);

CREATE INDEX events_kind_time ON events (kind, time, seq);
