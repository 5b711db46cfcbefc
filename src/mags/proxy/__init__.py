"""Memory for any OpenAI client: the `mags proxy` server and the per-user memories it keeps.

`users` (one SQLite memory per user), `context` (what goes upstream), `service` (the
memory's work per request), `extraction` (facts off the request path), `stream` (reading
server-sent events), `app` (HTTP) and `command` (the CLI).
"""
