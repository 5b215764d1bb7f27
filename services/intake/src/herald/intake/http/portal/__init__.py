"""The portal for departments (issue 18 part 3), served by intake under `/portal/`:
file a request from a form with a dry run first, follow its status timeline, cancel it,
see reports as charts and download them as CSV. Server-rendered, no script.

`routes.build_portal` wires it; `requests`, `filing` and `reports` are its pages (thin:
the same service layer as the JSON API), `form`, `views`, `scope`, `charts` and
`timechart` are pure, `web` is the HTTP plumbing. Sessions are the runtime's
(herald.runtime.websessions), kept in `intake.web_sessions`.
"""
