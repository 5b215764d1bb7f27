"""The review console: server-rendered pages for reviewers (queue, detail, decisions).
`routes.build_console` is its router; `views` and `highlight` are pure, `flash` signs
the one-line messages shown after a redirect (sessions: herald.runtime.websessions),
`web` is the HTTP plumbing."""
