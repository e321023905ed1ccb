"""The bundled article(s): package data, read through ``articleqa.settings.bundled_corpus_dir``."""
