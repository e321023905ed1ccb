"""Test material for ingest: Italian news pages as a real site serves them (from a local
``http.server`` on 127.0.0.1), and PDFs with wrapped lines and page furniture, built here."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
# A news page with a cookie banner, menus, share buttons, a newsletter box and a "Leggi anche"
# list inside the article body, an ad slot, comments, a "most read" sidebar, a footer, scripts.
ARTICLE_PAGE = (FIXTURES / "notizia.html").read_bytes()
ARTICLE_TITLE = "Frana sulla statale del Brennero, riaperta una corsia dopo tre giorni"
ARTICLE_PARAGRAPHS = [
    "La statale 12 del Brennero è stata riaperta ieri sera al traffico leggero su una sola "
    "corsia, tre giorni dopo la frana che aveva isolato Colle Isarco e costretto "
    "all'evacuazione di quattordici famiglie.",
    "Secondo i tecnici dell'Anas, circa ottomila metri cubi di roccia e terra si sono staccati "
    "dal versante sopra la galleria di Fleres nella notte tra sabato e domenica, dopo "
    "quarantotto ore di pioggia ininterrotta.",
    "Il sindaco di Brennero, Martin Alber, ha spiegato che le famiglie evacuate potranno "
    "rientrare nelle loro case soltanto quando i geologi avranno completato le verifiche sul "
    "versante, probabilmente entro la fine della settimana.",
    "Per i mezzi pesanti sopra le dodici tonnellate resta in vigore la deviazione obbligatoria "
    "sull'autostrada A22, con l'esenzione dal pedaggio tra Vipiteno e il confine di Stato "
    "decisa dalla Provincia di Bolzano.",
    "L'assessore provinciale alla mobilità ha annunciato che la messa in sicurezza definitiva "
    "del versante costerà circa due milioni e mezzo di euro e richiederà reti paramassi lunghe "
    "quasi quattrocento metri.",
    "I lavori per le reti cominceranno a maggio e, se il meteo lo permetterà, la statale "
    "tornerà percorribile su entrambe le corsie entro l'estate.",
]
# Words of the page around the article, one phrase per kind of boilerplate.
BOILERPLATE = {
    "cookie banner": "cookie tecnici e di profilazione",
    "cookie button": "Accetta tutti",
    "menu": "Spettacoli e cultura",
    "subscription bar": "Abbonati a 1 euro",
    "share bar": "Condividi su WhatsApp",
    "newsletter box": "Iscriviti gratis alla newsletter",
    "newsletter form": "Il tuo indirizzo email",
    "related links": "Valanga in Val Senales",
    "related heading": "Leggi anche",
    "ad slot": "googletag",
    "comment": "andava consolidato dieci anni fa",
    "comment author": "pendolare_vipiteno",
    "comment form": "Pubblica il commento",
    "most read": "Lupo avvistato",
    "footer": "Partita IVA 01234567890",
    "footer register": "Tribunale di Trento",
    "script": "consenso_cookie",
    "style": "position: fixed",
}

# An older site: no <article>, no metadata, ISO-8859-15 (Latin-9, which has the € sign where
# Windows-1252 has ¤), a "Leggi anche:" paragraph inline in the text, a newsletter div, a
# comment thread and a footer.
OLD_SITE_PAGE = """<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">
<title>Trento, il ponte rosso sull'Adige apre a giugno - Giornale Trentino</title></head>
<body>
<div id="top"><a href="/">Giornale Trentino</a> | <a href="/cronaca">Cronaca</a> |
<a href="/necrologie">Necrologie</a></div>
<div id="cc-box">Usiamo i cookie per migliorare la tua esperienza. Proseguendo la navigazione
accetti. <a href="#">OK</a></div>
<div id="col-main">
<h2>Trento, il ponte rosso sull'Adige apre a giugno</h2>
<div class="data">Pubblicato il 02/04/2025 da Redazione</div>
<div class="testo">
<p>Il nuovo ponte ciclopedonale sull'Adige, lungo centoventi metri e dipinto di rosso, sarà
inaugurato il primo giugno dal sindaco di Trento.</p>
<p>La struttura in acciaio collega il quartiere di Piedicastello al centro storico e ha
richiesto diciotto mesi di lavori.</p>
<p><strong>Leggi anche:</strong> <a href="/x">Bici elettriche, a Trento arrivano trecento nuove
stazioni di ricarica</a></p>
<p>Il costo complessivo dell'opera è stato di 4,2 milioni di €, finanziati in parte con fondi
europei per la mobilità sostenibile.</p>
<div class="box-nl"><b>Newsletter</b> Ricevi ogni sera il meglio del Giornale Trentino:
iscriviti gratuitamente con la tua email.</div>
<p>Durante la cerimonia di inaugurazione suonerà la banda cittadina e il ponte resterà
illuminato fino a mezzanotte.</p>
</div>
<div id="disqus_thread"><div class="post"><b>mario_rossi</b> Bello ma costosissimo, con quei
soldi si rifacevano le strade.</div></div>
</div>
<div id="col-dx"><h3>Più letti</h3><a href="#">Incidente in tangenziale, traffico in tilt</a></div>
<div id="footer">Giornale Trentino - Reg. Trib. di Trento - P.IVA 09876543210 - Copyright 2025</div>
</body></html>""".encode("iso-8859-15")
OLD_SITE_SENTENCES = [
    "Il nuovo ponte ciclopedonale sull'Adige, lungo centoventi metri e dipinto di rosso, sarà "
    "inaugurato il primo giugno dal sindaco di Trento.",
    "Il costo complessivo dell'opera è stato di 4,2 milioni di €, finanziati in parte con "
    "fondi europei per la mobilità sostenibile.",
]
OLD_SITE_BOILERPLATE = ["Usiamo i cookie", "Necrologie", "Bici elettriche", "Newsletter",
                        "costosissimo", "Più letti", "tangenziale", "P.IVA"]

# A page trafilatura finds no article in: a bare fragment.
FRAGMENT_PAGE = ("<p>Il sindaco di Trento ha inaugurato un ponte di legno rosso sul fiume "
                 "Adige. La cerimonia è durata due ore.</p>").encode()

# ---------------------------------------------------------------- PDFs

PDF_HEADER = "Cronaca di Bolzano — giovedì 20 marzo 2025"
PDF_TITLE = "Bolzano, il Consiglio comunale approva il piano per le piste ciclabili"
# The PDF sets this paragraph by hand, hyphenated as a typesetter would ("Mau-" / "rizio").
HYPHENATED = 1
HYPHENATED_LINES = [
    "L’assessora alla mobilità, Federica Gasser, ha",
    "spiegato che il primo tratto collegherà la sta-",
    "zione ferroviaria all’ospedale San Maurizio lun-",
    "go la sponda destra del Talvera, con due nuovi",
    "ponti ciclopedonali sopra la ferrovia del Bren-",
    "nero.",
]
PDF_PARAGRAPHS = [
    "Il Consiglio comunale di Bolzano ha approvato ieri sera, con ventotto voti favorevoli e "
    "nove contrari, il piano che entro il 2028 porterà la rete delle piste ciclabili cittadine "
    "da cinquantadue a settantaquattro chilometri.",
    "L’assessora alla mobilità, Federica Gasser, ha spiegato che il primo tratto collegherà "
    "la stazione ferroviaria all’ospedale San Maurizio lungo la sponda destra del Talvera, con "
    "due nuovi ponti ciclopedonali sopra la ferrovia del Brennero.",
    "Il costo complessivo è stimato in diciannove milioni di euro, di cui undici arriveranno "
    "dai fondi europei per la mobilità sostenibile e il resto dal bilancio del Comune.",
    "Le associazioni dei commercianti di via Museo hanno chiesto che i lavori non comincino "
    "prima della fine dei mercatini di Natale, per non togliere parcheggi nel periodo più "
    "affollato dell’anno; la giunta ha promesso una risposta entro aprile.",
    "«È una scelta che cambia il modo di muoversi in città», ha detto il sindaco, ricordando "
    "che già oggi un bolzanino su tre usa la bicicletta per andare al lavoro o a scuola almeno "
    "una volta alla settimana.",
    "I primi cantieri apriranno in autunno lungo viale Druso, dove la pista attuale, larga "
    "appena un metro e mezzo, sarà raddoppiata e separata dalla carreggiata con un cordolo.",
]


def _pdf_font(pdf) -> str:
    """DejaVu Sans from matplotlib (a project dependency): an embedded subset font with a
    ToUnicode map, like the fonts of real news PDFs."""
    import matplotlib

    pdf.add_font("DejaVu", "", os.path.join(matplotlib.get_data_path(),
                                             "fonts/ttf/DejaVuSans.ttf"))
    return "DejaVu"


def article_pdf(edition: str = "") -> bytes:
    """Two pages: a running header, "Pagina N di 2" footers, a title, justified paragraphs
    wrapped over several lines (two words hyphenated at a line end), one paragraph running
    over the page break. ``edition`` (a metadata field) makes a copy with other bytes."""
    from fpdf import FPDF

    class Newspaper(FPDF):
        def header(self) -> None:
            self.set_font(font, size=8)
            self.cell(0, 6, PDF_HEADER, align="C")
            self.ln(10)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(font, size=8)
            self.cell(0, 6, f"Pagina {self.page_no()} di {{nb}}", align="C")

    pdf = Newspaper(format=(105, 148))  # A6
    font = _pdf_font(pdf)
    pdf.set_title(PDF_TITLE)
    pdf.set_subject(edition)
    pdf.add_page()
    pdf.set_font(font, size=12)
    pdf.multi_cell(0, 6, PDF_TITLE)
    pdf.ln(3)
    pdf.set_font(font, size=10)
    for number, paragraph in enumerate(PDF_PARAGRAPHS):
        if number == HYPHENATED:
            for line in HYPHENATED_LINES:
                pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, 5, paragraph, align="J")
        pdf.ln(2)
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """One page that is only a picture of text (a scan): no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    picture = Image.new("L", (600, 800), 255)
    draw = ImageDraw.Draw(picture)
    for row in range(40, 760, 24):
        draw.rectangle((40, row, 560 - (row * 7) % 120, row + 10), fill=0)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=190)
    return bytes(pdf.output())


def nested_pdf(depth: int = 1000) -> bytes:
    """A 1.6 KB one-page PDF whose content stream opens ``depth`` nested arrays (``[[[…``):
    a hostile file that drives a recursive parser past Python's recursion limit."""
    content = b"BT /F1 12 Tf 72 720 Td " + b"[" * depth + b" (x) Tj ET"
    bodies = [b"<< /Type /Catalog /Pages 2 0 R >>",
              b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
              b"/Resources << /Font << /F1 5 0 R >> >> >>",
              b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
              b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return _pdf(bodies)


def many_pages_pdf(pages: int, declared: int | None = None) -> bytes:
    """A PDF of ``pages`` pages, each with a sentence of its own (no two pages alike, so none
    is dropped as a running header); ``declared`` is the /Count it claims (a lie if given)."""
    def label(n: int) -> str:  # a letter code, unlike digits never folded into furniture
        out = ""
        while True:
            n, rest = divmod(n, 26)
            out = chr(97 + rest) + out
            if not n:
                return out

    first = 4  # objects 1-3: catalog, page tree, font; then a page and its content, each page
    kids = b" ".join(b"%d 0 R" % (first + 2 * i) for i in range(pages))
    bodies = [b"<< /Type /Catalog /Pages 2 0 R >>",
              b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % (declared or pages),
              b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i in range(pages):
        content = (b"BT /F1 12 Tf 72 720 Td (La giunta ha discusso la delibera %s del piano.)"
                   b" Tj ET" % label(i).encode())
        bodies += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                   b"/Resources << /Font << /F1 3 0 R >> >> >>" % (first + 2 * i + 1),
                   b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    return _pdf(bodies)


# ---------------------------------------------------------------- the local web server

Route = Callable[[BaseHTTPRequestHandler], None]


def page(body: bytes, content_type: str = "text/html; charset=utf-8") -> Route:
    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    return send


def redirect(location: str, code: int = 302) -> Route:
    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return send


def claims_length(length: int) -> Route:
    """Announces ``length`` bytes (over the cap); the client must refuse before reading."""
    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        _write_quietly(handler, b"<html><body>" + b"<p>parola</p>" * 4000)
    return send


def endless(chunk_count: int = 200) -> Route:
    """No Content-Length, then more bytes than any small cap (an HTTP/1.0 stream)."""
    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        for _ in range(chunk_count):
            if not _write_quietly(handler, b"<p>" + b"parola " * 1400 + b"</p>"):
                return
    return send


def slow(seconds: float, body: bytes) -> Route:
    def send(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        page(body)(handler)
    return send


def drip(part: str, interval: float = 0.2, count: int = 100) -> Route:
    """A server that sends one byte every ``interval`` seconds, each well within any socket
    timeout: in its headers ("headers"), in a chunked body ("chunked"), or in a body of
    announced length ("body"). ``count`` bytes at that pace take count × interval seconds."""
    def send(handler: BaseHTTPRequestHandler) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        if part == "headers":
            head, body = head + b"X-Slow: ", b"a" * count
        elif part == "chunked":
            head += b"Transfer-Encoding: chunked\r\n\r\n"
            body = b"".join(b"1\r\n" + b"a" + b"\r\n" for _ in range(count // 6))
        else:
            head += b"Content-Length: %d\r\n\r\n" % count
            body = b"a" * count
        if not _write_quietly(handler, head):
            return
        for byte in body:
            handler.wfile.flush()
            time.sleep(interval)
            if not _write_quietly(handler, bytes([byte])):
                return
    return send


def _write_quietly(handler: BaseHTTPRequestHandler, data: bytes) -> bool:
    try:
        handler.wfile.write(data)
        return True
    except (BrokenPipeError, ConnectionResetError):  # the client stopped reading: expected
        return False


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[str]:
    """Serve ``routes`` ({path: route}; anything else is a 404) on 127.0.0.1; yields the base
    URL ("http://127.0.0.1:PORT")."""

    class Site(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:  # noqa: N802 -- the http.server hook name
            route = routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
            else:
                route(self)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 0, 0)).save(out, format="PNG")
    return out.getvalue()


def _pdf(bodies: list[bytes]) -> bytes:
    """A PDF file of the numbered object ``bodies``, with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1, xref)
    return bytes(out)
