"""Every prompt and fixed phrase of the answerer, in both languages, in one place."""

from __future__ import annotations

NOT_IN_ARTICLE = {"it": "L'articolo non lo dice.", "en": "The article does not say."}
CLOSEST_PASSAGES = {"it": "Ecco i passaggi più vicini che ho trovato.",
                    "en": "These are the closest passages I found."}
# (answer language, article language) -> words before a quote in the other language.
QUOTE_INTRO = {("en", "it"): "The article says (in Italian): ",
               ("it", "en"): "L'articolo dice (in inglese): "}

SYSTEM_PROMPT = {
    "it": (
        "Rispondi alla domanda usando SOLO i passaggi numerati. Rispondi in italiano, in 1 o 2 "
        "frasi brevi, con parole tue. Dopo ogni fatto scrivi il numero del passaggio tra "
        "parentesi quadre, per esempio [1]. Non aggiungere nulla che i passaggi non dicano. Se i "
        "passaggi non contengono la risposta, scrivi solo: L'articolo non lo dice."),
    "en": (
        "Answer the question using ONLY the numbered passages (they may be in Italian). Answer "
        "in English, in 1 or 2 short sentences, in your own words. After each fact write the "
        "passage number in square brackets, for example [1]. Add nothing the passages do not "
        "say. If the passages do not contain the answer, write only: The article does not say."),
}


def user_prompt(question: str, passages: list[str], language: str) -> str:
    """Numbered passages, then the question."""
    numbered = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(passages, start=1))
    label = ("Passaggi", "Domanda") if language == "it" else ("Passages", "Question")
    return f"{label[0]}:\n{numbered}\n\n{label[1]}: {question}"
