"""The change feed: every write to a record a desktop caches appends its new state here, in the writer's
transaction, once per audience (scope) that may see it. The domains write it (changes.py); push and pull
(sync/) read it. It knows no domain: it sits below them all."""
