"""The Gradio web UI: a thin layer over qa.Answerer."""
