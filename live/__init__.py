"""The real-time core: groups, broadcasts after commit, the per-process hub, ordering and repair.

It knows no app of the project (a test enforces it); the apps register what it needs to read
(vote counts, the public delta log) in their `AppConfig.ready`. docs/architecture.md, "The live
core", says which module does which job.
"""
