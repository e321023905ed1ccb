"""Italian: every Italian word the pipeline needs (stop words, stems, month names and number
words come from NLTK, Snowball, babel and text2num; see ``base.Language``)."""

from __future__ import annotations

from articleqa.lang.base import AnswerType, Language, Measure

# Before "sei" these make it the verb ("tu sei", "non sei", "chi sei").
_SUBJECTS_OF_SEI = frozenset("tu non ci ne lo mi ti se che chi dove come cosa quando gia "
                             "ora ma perche".split())
_SINGULAR_ENDINGS = ("o", "a")


def _sei_is_verb(previous: str, word: str, following: str) -> bool:
    """"sei" is "you are" after a subject or before a singular word or a function word ("sei
    stato", "sei in ritardo"); before a plural noun ("sei mesi") or alone ("alle sei") it is 6."""
    if word != "sei":
        return False
    if previous in _SUBJECTS_OF_SEI:
        return True
    return bool(following) and (following.endswith(_SINGULAR_ENDINGS)
                                or following in ITALIAN.stopwords)


_PLACE_NOUNS = frozenset("citta paese comune regione localita frazione isola fiume lago monte "
                         "massiccio provincia nazione stato quartiere corso valle luogo".split())
_PERSON_NOUNS = frozenset("studioso studiosa scienziato scienziata chimico fisico sindaco "
                          "sindaca presidente ministro ministra assessore assessora persona "
                          "artista maestro architetto scultore pittore papa re regina "
                          "imperatore".split())

ITALIAN = Language(
    code="it",
    name="italian",
    question_words=frozenset("chi che cosa cos come com quando quand dove dov perche quale "
                             "quali qual quanto quanti quante quanta".split()),
    extra_stopwords=frozenset("stato stata essere secondo articolo pero invece".split()),
    letters="àèéìòù",
    asks={
        AnswerType.DATE: ("quando", "quand'", "in che|quale anno|secolo|mese|giorno",
                          "da quando", "fino a quando", "che anno"),
        AnswerType.NUMBER: ("quanti|quanto|quante|quanta", "che|quale percentuale|quota"),
        AnswerType.REASON: ("perché", "per quale motivo|ragione", "come mai"),
        AnswerType.PLACE: ("dove", "dov'", "in quale|che " + "|".join(sorted(_PLACE_NOUNS))),
        AnswerType.PERSON: ("^chi", "a|da|con|di|per chi",
                            "quale " + "|".join(sorted(_PERSON_NOUNS))),
    },
    which_words=("quale", "quali", "che", "qual è|era il|la"),
    type_nouns={
        AnswerType.PERSON: _PERSON_NOUNS,
        AnswerType.PLACE: _PLACE_NOUNS,
        AnswerType.NUMBER: frozenset("valore costo prezzo velocita lunghezza consumo importo "
                                     "multa contributo cifra altezza quota superficie distanza "
                                     "durata popolazione percentuale eta temperatura".split()),
        AnswerType.DATE: frozenset("data anno secolo giorno mese ora ore".split()),
    },
    describe=("^chi è|era|sono|erano|fu",),
    counts=("quanti|quante",),
    measures={
        Measure.TIME: ("quanto tempo", "quanti minuti", "quante ore", "quanto dur*",
                       "per quanto tempo"),
        Measure.LENGTH: ("quanto profond*|alt*|lung*|distant*|largh*", "che|quale quota",
                         "a che|quale quota", "a quale altezza", "quanto dista"),
        Measure.MONEY: ("quanto cost*", "quanto vale|valgono"),
    },
    approximations={"decina": 10, "dozzina": 12, "quindicina": 15, "ventina": 20,
                    "trentina": 30, "quarantina": 40, "cinquantina": 50, "sessantina": 60,
                    "settantina": 70, "ottantina": 80, "novantina": 90, "centinaio": 100,
                    "centinaia": 100, "migliaio": 1000, "migliaia": 1000},
    scales={"mila": 1e3, "milione": 1e6, "milioni": 1e6, "mln": 1e6, "miliardo": 1e9,
            "miliardi": 1e9, "mld": 1e9, "mrd": 1e9},
    lone_ones=frozenset({"un", "una", "uno"}),
    is_verb_not_number=_sei_is_verb,
    units={
        Measure.PERCENT: ("per cento", "percento"),
        Measure.MONEY: ("euro", "dollari", "lire", "sterline"),
        Measure.LENGTH: ("metri", "chilometri", "centimetri", "millimetri"),
        Measure.TIME: ("anni", "mesi", "giorni", "ore", "minuti", "secondi"),
        Measure.OTHER: ("chilometri orari", "litri", "tonnellate", "chili", "ettari", "gradi",
                        "abitanti", "persone", "volte"),
    },
    unit_links=("di",),
    modifiers=("circa", "oltre", "quasi", "appena", "almeno", "più di", "meno di", "una",
               "un"),
    date_words=("oggi", "ieri", "domani", "stamattina", "stamane", "stamani", "stasera",
                "stanotte", "dopoguerra", "<roman> secolo", "*esimo secolo", "alle <clock>"),
    year_links=("del",),
    century_names=("Quattrocento", "Cinquecento", "Seicento", "Settecento", "Ottocento",
                   "Novecento"),
    negations=("non", "nessun*", "mai", "né"),
    yes_words=("sì", "si"),
    no_words=("no", "non"),
    declines=("nessuna risposta", "non lo dice", "l'articolo non lo dice"),
    name_particles=("di", "de", "del", "della", "da", "la", "le"),
    non_names=frozenset("si circa oltre quasi solo entrambi nessuno nessuna niente".split()),
    exonyms={
        "kyiv": ("Kiev",), "kremlin": ("Cremlino",), "st-petersburg": ("San Pietroburgo",),
        "munich": ("Monaco di Baviera",), "beijing": ("Pechino",), "moscow": ("Mosca",),
        "london": ("Londra",), "paris": ("Parigi",), "brussels": ("Bruxelles",),
        "warsaw": ("Varsavia",), "geneva": ("Ginevra",), "lisbon": ("Lisbona",),
        "usa": ("Stati Uniti", "Usa", "America", "americano", "americana", "americani",
                "americane", "statunitense", "statunitensi"),
        "uk": ("Regno Unito", "Gran Bretagna", "britannico", "britannica", "britannici",
               "britanniche"),
        "england": ("Inghilterra", "inglese", "inglesi"),
        "eu": ("Unione europea", "Ue"), "europe": ("Europa", "europeo", "europea", "europei",
                                                   "europee"),
        "russia": ("Russia", "russo", "russa", "russi", "russe"),
        "ukraine": ("Ucraina", "ucraino", "ucraina", "ucraini", "ucraine"),
        "france": ("Francia", "francese", "francesi"),
        "germany": ("Germania", "tedesco", "tedesca", "tedeschi", "tedesche"),
        "italy": ("Italia", "italiano", "italiana", "italiani", "italiane"),
        "spain": ("Spagna", "spagnolo", "spagnola", "spagnoli", "spagnole"),
        "sweden": ("Svezia", "svedese", "svedesi"), "china": ("Cina", "cinese", "cinesi"),
        "netherlands": ("Paesi Bassi", "Olanda"), "switzerland": ("Svizzera", "svizzero",
                                                                 "svizzera", "svizzeri"),
        "poland": ("Polonia",), "greece": ("Grecia",), "turkey": ("Turchia",),
        "vatican": ("Vaticano",), "white-house": ("Casa Bianca",),
        "pentagon": ("Pentagono",), "black-sea": ("Mar Nero",),
        "middle-east": ("Medio Oriente",), "venice": ("Venezia",), "rome": ("Roma",),
        "milan": ("Milano",), "naples": ("Napoli",), "florence": ("Firenze",),
        "turin": ("Torino",), "genoa": ("Genova",), "padua": ("Padova",),
        "sicily": ("Sicilia",), "lombardy": ("Lombardia",), "bohemia": ("Boemia",),
        "peter": ("Pietro",), "paul": ("Paolo",), "john": ("Giovanni",), "charles": ("Carlo",),
        "james": ("Giacomo",),
    },
    follow_up_openers=("e", "ed", "ma", "anche", "invece", "poi", "quindi", "allora"),
    back_references=frozenset("lui lei loro esso essa costui costoro suo sua suoi sue".split()),
    role_markers=("utente", "assistente", "sistema", "ia", "bot", "chatbot", "chatgpt", "gpt",
                  "llm", "istruzione", "prompt", "prompt di sistema", "messaggio di sistema",
                  "istruzioni di sistema",
                  "nota|note|messaggio|istruzioni|avviso per l'assistente|l'ia|l'ai",
                  "nota|note|messaggio|istruzioni|avviso all'assistente|all'ia|all'ai",
                  "nota|note|messaggio|istruzioni|avviso per|al il|al|ai modello|modelli|"
                  "chatbot|bot|sistema",
                  "nota|note|messaggio|istruzioni|avviso al|ai modello|modelli|chatbot|bot",
                  "nota|note|messaggio|istruzioni|avviso per l'intelligenza artificiale"),
    exchange_markers=("domanda", "risposta", "d", "r"),
    addressees=("assistente", "assistente virtuale", "ia", "ai", "intelligenza artificiale",
                "modello linguistico", "modello di linguaggio", "modello di ia|ai",
                "chatbot", "bot", "llm", "gpt", "chatgpt", "modalità sviluppatore|sviluppatori|"
                "sviluppo|debug|jailbreak|illimitata|libera", "jailbreak"),
    second_person=("sei", "sarai", "siete", "sarete", "devi", "dovrai", "tu",
                   "agisci|agite come|da", "comportati|comportatevi come|da",
                   "fingi|fingete di essere", "fai|fate finta di essere", "impersona|impersonate",
                   "interpreta|interpretate il ruolo di"),
    override_verbs=("ignora|ignorate|ignori", "dimentica|dimenticate|dimentichi",
                    "trascura|trascurate|trascuri", "tralascia|tralasciate|tralasci",
                    "scarta|scartate", "annulla|annullate", "cancella|cancellate",
                    "disattendi|disattendete", "abbandona|abbandonate", "azzera|azzerate",
                    "sovrascrivi", "non seguire|considerare|rispettare|ascoltare",
                    "non tenere|tenete conto", "smetti|smettete di seguire|rispettare",
                    "lascia|lasciate perdere", "metti|mettete da parte"),
    rule_nouns=("istruzione|istruzioni", "indicazione|indicazioni", "regola|regole",
                "direttiva|direttive", "linee guida", "comando|comandi", "ordine|ordini",
                "prompt", "vincolo|vincoli", "restrizione|restrizioni", "limiti", "filtri",
                "consegne", "contesto", "programmazione", "impostazioni", "tutto",
                "quanto detto|scritto"),
    rule_scopes=("precedente|precedenti|precedentemente", "sopra", "qui sopra", "prima",
                 "finora", "fino a ora|adesso|qui|questo", "ricevuta|ricevute|ricevuto|ricevuti",
                 "data|date|dato|dati", "impartita|impartite|impartiti", "fornita|fornite|forniti",
                 "tua|tue|tuo|tuoi", "vostra|vostre|vostro|vostri", "tutte|tutti",
                 "vecchia|vecchie", "originale|originali", "iniziale|iniziali"),
    reply_verbs=("rispondi|rispondete|risponda|rispondere", "scrivi|scrivete|scriva",
                 "ripeti|ripetete|ripeta", "restituisci|restituite", "dichiara|dichiarate"),
    reply_manners=("sempre", "solo", "soltanto", "solamente", "unicamente", "esclusivamente",
                   "d'ora in poi|avanti", "da ora|adesso|qui in poi|avanti", "ogni volta",
                   "qualunque|qualsiasi cosa", "a tutto", "comunque", "in ogni caso"),
    imperative_leads=("per favore|piacere|cortesia", "ora", "adesso", "e", "poi", "quindi",
                      "allora", "semplicemente", "d'ora in poi|avanti", "da ora|adesso in poi",
                      "sempre", "anche", "inoltre", "ti prego", "vi prego"),
    answer_words=("risposta", "risposte", "rispondi", "rispondere", "rispondete"),
    any_question=("ogni|qualsiasi|qualunque|ciascuna domanda|richiesta|quesito|interrogativo",
                  "tutte le domande|richieste", "qualunque|qualsiasi sia la domanda|richiesta",
                  "qualunque|qualsiasi cosa ti|vi venga|sia chiesta|chiesto|domandata"),
    copulas=("è", "sarà", "deve|dovrà essere", "resta", "rimane", "diventa"),
    speech_verbs=("detto", "dice", "dicono", "diceva", "disse", "dichiarato", "dichiara",
                  "aggiunto", "aggiunge", "spiegato", "spiega", "affermato", "afferma",
                  "scritto", "scrive", "ribadito", "ribadisce", "chiesto", "chiede",
                  "sottolineato", "sottolinea", "avvertito", "avverte", "esortato", "esorta",
                  "commentato", "commenta", "replicato", "replica", "risposto", "secondo",
                  "annunciato", "annuncia", "ricordato", "ricorda", "osservato", "osserva",
                  "gridato", "urlato", "insistito", "raccontato", "racconta", "ammonito",
                  "ordinato", "intimato"),
    caption_words=("foto",),
    read_more=("leggi tutto", "leggi anche", "continua a leggere"),
    related_links=("leggi|guarda|vedi|ascolta anche|pure", "potrebbe|potrebbero interessarti",
                   "ti potrebbe|potrebbero interessarti"),
    page_words=("pagina", "pag.", "pag"),
    page_of=("di",),
    untitled=("senza titolo",),
)
