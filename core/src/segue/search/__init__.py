"""Search, independent of the engine: text folding, query rules, documents, indexing.

Every search backend (embedded Tantivy, Meilisearch, Typesense) receives
text that was already folded here and queries built from the same typo
rules, so that the three behave the same. See ``segue.slots.search`` for
the contract a backend implements.
"""
