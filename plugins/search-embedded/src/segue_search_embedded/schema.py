"""The Tantivy schema of the embedded index, and documents in its shape."""

from __future__ import annotations

import math

import tantivy

from segue.slots.search import SearchDocument

SCHEMA_VERSION = 1
"""Bump when fields change: a new version starts a new, empty index (rebuilt on start)."""

POPULARITY_WEIGHT_MAX = 0.003
"""Tantivy multiplies a score by ``log2(2 + weight)``; weights below this keep that factor
under 1.0022, so popularity only breaks ties between equally relevant matches."""


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("kind", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("ref", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("label", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("detail", stored=True, tokenizer_name="raw", index_option="basic")
    # Every word of the name, artist and album fields: what the typo-tolerant matching runs on.
    builder.add_text_field("terms", index_option="basic")
    # The same words per field, for the small bonus of matching the name before the artist.
    builder.add_text_field("name", index_option="basic")
    builder.add_text_field("artist", index_option="basic")
    builder.add_text_field("album", index_option="basic")
    builder.add_text_field("phrase", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("genre", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("year", indexed=True)
    builder.add_float_field("weight", fast=True)
    return builder.build()


def popularity_weight(plays: int) -> float:
    """A weight growing with plays, with distinct values for 0, 1, 2... and bounded."""
    grown = math.log2(1 + max(plays, 0)) / 16
    return POPULARITY_WEIGHT_MAX * grown / (1 + grown)


def to_tantivy(document: SearchDocument) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", document.id)
    doc.add_text("kind", document.kind)
    doc.add_text("ref", document.ref)
    doc.add_text("label", document.label)
    doc.add_text("detail", document.detail)
    doc.add_text("terms", document.all_terms)
    doc.add_text("name", document.name_terms)
    doc.add_text("artist", document.artist_terms)
    doc.add_text("album", document.album_terms)
    for value in document.phrases:
        doc.add_text("phrase", value)
    for genre in document.genres:
        doc.add_text("genre", genre)
    for year in document.years:
        doc.add_integer("year", year)
    doc.add_float("weight", popularity_weight(document.popularity))
    return doc
