"""Reading, cleaning, chunking, embedding and storing articles (the bottom layer)."""
