"""The review console: server-rendered pages for reviewers (queue, detail, decisions).
`routes.build_console` is its router; `views` and `highlight` are pure, `session` signs,
`web` is the HTTP plumbing."""
