"""The national roll-up: issued reports published as a signed document, imported and summed.

- `document`: the document, signed and checked with Ed25519 keys
- `services`: a publisher's document imported, pulled from its address or uploaded
- `selectors`: the imported reports summed by province and agency, each counted once
- `tasks`: the pull, on the task queue
- `views`: the publisher's document, and the importer's pages
"""
