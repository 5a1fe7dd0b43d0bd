"""The reviewers' web page: the queue of unsure fields, each shown beside its crop of the page,
saved to the corrections store that every `fichas run` lays over its outputs; and, on the same
site, the Banco de Saberes pages (`banco_web`) that search the run's fichas.

Server-rendered (Flask + Jinja2, autoescaped: OCR text is data, never markup); the only
JavaScript is the keyboard shortcuts. Page images come from the run's own documents, found by
sha256 in the manifest and checked against it, never from a path in the request.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import secrets
import sys
import threading
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
from flask import Flask, Response, abort, flash, redirect, render_template, request, session, url_for
from PIL import Image
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from extractors.template import DEFAULT_TEMPLATE, load_template
from pipeline.batch import MANIFEST, Manifest
from pipeline.ingest import TEXT_SUFFIXES, sniff
from pipeline.limits import DEFAULT_IMAGE_DPI, MIN_IMAGE_DPI
from pipeline.pdf import PDFIUM
from pipeline.review.banco_web import blueprint as bank_pages
from pipeline.review.queue import ReviewItem, as_text, load_items, parse_input, queue
from pipeline.review.store import STORE_NAME, Conflict, FieldKey, ReviewStore

PAGE_DPI = 110
"""Pages are shown at this resolution: a scan stays legible and a page loads at once."""
CROP_MARGIN = (36.0, 18.0)
"""Points added around a field's box (across, down), so its label and neighbours show too."""
QUEUE_ROWS = 500
"""The queue page lists this many fields at most; the filters narrow it down."""
FILTERS = {"documento": "sha256", "area": "area", "ficha": "codigo", "campo": "field"}
"""Query parameter → the ReviewItem attribute it filters on."""
SHA256 = re.compile(r"[0-9a-f]{64}")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
}
ERROR_TITLES = {400: "Solicitud no válida", 404: "No encontrado", 405: "Método no permitido"}


class RunFields:
    """The run's fields, corrections applied; read again only when the outputs or the corrections
    changed, since every page view needs them and reading them means every document's result."""

    def __init__(self, out_dir: Path, template_path: Path | None, store: ReviewStore):
        self.out_dir, self.template_path, self.store = out_dir, template_path, store
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._items: list[ReviewItem] = []

    def all(self) -> list[ReviewItem]:
        manifest = self.out_dir / MANIFEST
        stamp = (manifest.stat().st_mtime_ns if manifest.exists() else None, self.store.version())
        with self._lock:
            if stamp != self._stamp:
                self._items, self._stamp = load_items(self.out_dir, self.template_path), stamp
            return self._items

    def find(self, sha256: str, codigo: str, field: str) -> ReviewItem:
        found = next((i for i in self.all() if i.key == (sha256, codigo, field)), None)
        if found is None:
            abort(404, f"No hay un campo «{field}» en la ficha {codigo} de ese documento.")
        return found


def create_app(out_dir: Path, template_path: Path | None = None) -> Flask:
    """The review site over one output folder (see the module docstring)."""
    out_dir = Path(out_dir)
    app = Flask(__name__)
    app.secret_key = secrets.token_bytes(32)  # sessions and their CSRF tokens end with the server
    app.config.update(SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_HTTPONLY=True)
    store = ReviewStore(out_dir / STORE_NAME)
    fields = RunFields(out_dir, template_path, store)
    template = load_template(template_path or DEFAULT_TEMPLATE)
    labels = {name: spec.labels[0] for name, spec in template.fields.items() if spec.labels}
    app.jinja_env.filters.update(valor=shown, confianza=lambda c: f"{c:.2f}".replace(".", ","),
                                 nivel=level, nombre=lambda path: Path(path).name,
                                 fecha=lambda iso: iso.replace("T", " ").removesuffix("+00:00"))
    app.jinja_env.globals.update(csrf_token=csrf_token, recorte=crop_box, etiqueta=lambda f: labels.get(f, f),
                                 es_texto=lambda path: Path(path).suffix.lower() in TEXT_SUFFIXES,
                                 carpeta=out_dir)

    def in_view() -> tuple[list[ReviewItem], dict[str, str]]:
        """The queue under the request's filters, and the filters."""
        filters = request_filters()
        return [i for i in queue(fields.all()) if matches(i, filters)], filters

    def field_page(item: ReviewItem, status: int = 200, form: dict | None = None, error: str | None = None,
                   conflict: Conflict | None = None):
        view, filters = in_view()
        return render_template(
            "campo.html", item=item, form=form or form_of(item), error=error, conflict=conflict,
            reviewer=request.form.get("revisor", session.get("revisor", "")), filters=filters, left=len(view),
            next_item=following(view, item.key), history=store.history(item.key) if store.version() else [],
        ), status

    @app.before_request
    def check_csrf():
        if request.method != "POST":
            return
        sent, expected = request.form.get("csrf", ""), session.get("csrf", "")
        if not (expected and hmac.compare_digest(sent, expected)):
            abort(400, "Falta el código de seguridad del formulario o ha caducado: vuelva a cargar la página.")

    @app.after_request
    def harden(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.errorhandler(HTTPException)
    def error_page(exc: HTTPException):
        custom = exc.description != type(exc).description
        return render_template("error.html", code=exc.code, title=ERROR_TITLES.get(exc.code, "Error"),
                               message=exc.description if custom else None), exc.code

    @app.get("/")
    def cola():
        items, filters = queue(fields.all()), request_filters()
        view = [i for i in items if matches(i, filters)]
        names = {i.sha256: Path(i.document).name for i in items}
        return render_template("cola.html", rows=view[:QUEUE_ROWS], total=len(items), shown=len(view),
                               limit=QUEUE_ROWS, filters=filters, options=filter_options(items, filters, names),
                               has_run=(out_dir / MANIFEST).exists())

    @app.get("/campo/<sha256>/<codigo>/<field>")
    def campo(sha256: str, codigo: str, field: str):
        return field_page(fields.find(sha256, codigo, field))

    @app.post("/campo/<sha256>/<codigo>/<field>")
    def guardar(sha256: str, codigo: str, field: str):
        item = fields.find(sha256, codigo, field)
        posted = {k: request.form.get(k, "") for k in ("valor", "on_top_of", "visto", "texto_visto")}
        accept = request.form.get("accion") == "aceptar"
        reviewer = request.form.get("revisor", "").strip()
        try:
            seen = json.loads(posted["visto"])
            # What the reviewer read, not what the outputs hold now: a run in between may have read other text.
            raw_seen = json.loads(posted["texto_visto"]) if posted["texto_visto"] else item.raw
            on_top_of = int(posted["on_top_of"]) if posted["on_top_of"] else None
            if not isinstance(raw_seen, str | None):
                raise ValueError(raw_seen)
        except ValueError:
            abort(400, "El formulario llegó incompleto: vuelva a cargar la página.")
        if not reviewer:
            return field_page(item, 400, posted, error="Escriba su nombre: cada corrección dice quién la hizo.")
        try:
            value = seen if accept else parse_input(item, posted["valor"])
        except ValueError as exc:
            return field_page(item, 400, posted, error=str(exc))
        view, filters = in_view()
        after = following(view, item.key)  # taken before the save takes the field out of the queue
        try:
            store.save(item.key, seen, raw_seen, value, reviewer, on_top_of)
        except Conflict as conflict:
            current = fields.find(sha256, codigo, field)
            mine = as_text(item, value) if accept else posted["valor"]
            return field_page(current, 409, {**form_of(current), "valor": mine}, conflict=conflict)
        session["revisor"] = reviewer
        flash(f"Guardado: {labels.get(field, field)} de {codigo}.")
        if after is None:
            return redirect(url_for("cola", **filters))
        return redirect(url_for("campo", sha256=after.sha256, codigo=after.codigo, field=after.field, **filters))

    @app.get("/ficha/<sha256>/<codigo>")
    def ficha(sha256: str, codigo: str):
        items = [i for i in fields.all() if (i.sha256, i.codigo) == (sha256, codigo)]
        if not items:
            abort(404, f"No hay una ficha {codigo} en ese documento.")
        return render_template("ficha.html", items=items, first=items[0])

    @app.get("/imagen/<sha256>/<int:page>")
    def imagen(sha256: str, page: int):
        path = document_path(out_dir, sha256)
        turned = next((i.rotation for i in fields.all() if (i.sha256, i.page) == (sha256, page)), 0)
        try:
            image = page_image(str(path), sha256, page, turned)
        except LookupError as exc:
            abort(404, str(exc))
        if box := request.args.get("caja"):
            image = crop(image, box)
        png = io.BytesIO()
        image.save(png, "PNG")
        return Response(png.getvalue(), mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"})

    app.register_blueprint(bank_pages(out_dir, template))
    return app


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 8765, template_path: Path | None = None) -> None:
    """Serve the review page until Ctrl-C; threaded, so a page being rendered holds up no one else."""
    server = make_server(host, port, create_app(out_dir, template_path), threaded=True)
    shown = f"[{host}]" if ":" in host else host
    print(f"Revisión en http://{shown}:{server.server_port}/, Banco de Saberes en "
          f"http://{shown}:{server.server_port}/banco (Ctrl-C para terminar)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass  # the normal way to stop it
    finally:
        server.server_close()


def csrf_token() -> str:
    return session.setdefault("csrf", secrets.token_urlsafe(32))


def form_of(item: ReviewItem) -> dict[str, str]:
    """The field form as it starts: the value in force, made on top of the correction in force."""
    return {"valor": as_text(item, item.value), "visto": json.dumps(item.value, ensure_ascii=False),
            "texto_visto": json.dumps(item.raw, ensure_ascii=False),
            "on_top_of": "" if item.on_top_of is None else str(item.on_top_of)}


def request_filters() -> dict[str, str]:
    return {name: request.args[name] for name in FILTERS if request.args.get(name)}


def matches(item: ReviewItem, filters: dict[str, str]) -> bool:
    return all(str(getattr(item, FILTERS[name])) == value for name, value in filters.items())


def following(items: list[ReviewItem], key: FieldKey) -> ReviewItem | None:
    """The field after `key`, wrapping round, so skipped fields come back last; None when no other is left."""
    keys = [i.key for i in items]
    start = keys.index(key) + 1 if key in keys else 0
    return next((i for i in items[start:] + items[:start] if i.key != key), None)


def filter_options(items: list[ReviewItem], filters: dict[str, str],
                   names: dict[str, str]) -> dict[str, list[tuple[str, str, int]]]:
    """Per filter, its (label, value, fields left) under the other filters, so each count is what choosing it leaves."""
    options = {}
    for name, attr in FILTERS.items():
        others = {k: v for k, v in filters.items() if k != name}
        counts = Counter(str(getattr(i, attr)) for i in items if matches(i, others))
        options[name] = sorted((names.get(v, v) if name == "documento" else v, v, n) for v, n in counts.items())
    return options


def shown(value: object) -> str:
    if value is None or value == [] or value == "":
        return "(vacío)"
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value)


def level(confidence: float) -> str:
    return "baja" if confidence < 0.6 else "media" if confidence < 0.9 else "alta"


def crop_box(bbox: tuple[float, float, float, float]) -> str:
    """The `caja` parameter for a field's crop: its box plus CROP_MARGIN, in points."""
    x0, top, x1, bottom = bbox
    dx, dy = CROP_MARGIN
    return f"{x0 - dx:.1f},{top - dy:.1f},{x1 + dx:.1f},{bottom + dy:.1f}"


def document_path(out_dir: Path, sha256: str) -> Path:
    """The run's own file for `sha256`, looked up in the manifest: a request never names a path."""
    entries = Manifest.load(out_dir).documents.values() if SHA256.fullmatch(sha256) else []
    entry = next((e for e in entries if e.sha256 == sha256), None)
    if entry is None:
        abort(404, "Ese documento no está en los resultados de esta carpeta.")
    return Path(entry.path)


@lru_cache(maxsize=16)
def page_image(path: str, sha256: str, number: int, rotation: int = 0) -> Image.Image:
    """Page `number` at PAGE_DPI (a pixel is PAGE_DPI/72 of a point, as boxes are measured),
    turned `rotation` degrees clockwise, as the run turned it to read it upright.
    LookupError, in Spanish, when the file is gone, changed since the run, or has no such page."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        raise LookupError(f"No se puede leer {path}: abra la revisión desde la carpeta en la que se ejecutó "
                          "«fichas run».") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise LookupError(f"{path} ha cambiado desde la ejecución: vuelva a ejecutar «fichas run».")
    kind = sniff(data)
    if number < 1 or kind is None:
        raise LookupError(f"{path} no tiene la página {number} como imagen.")
    page = _pdf_page(path, data, number) if kind == "pdf" else _image_frame(path, data, number)
    return page.rotate(-rotation, expand=True) if rotation else page


def _pdf_page(path: str, data: bytes, number: int) -> Image.Image:
    with PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            raise LookupError(f"{path}: PDFium no puede abrirlo (¿protegido con contraseña?).") from None
        with pdf:  # closing the document closes its page
            if number > len(pdf):
                raise LookupError(f"{path} no tiene página {number}.")
            return pdf[number - 1].render(scale=PAGE_DPI / 72).to_pil().convert("RGB")  # a copy that outlives the page


def _image_frame(path: str, data: bytes, number: int) -> Image.Image:
    """Frame `number` scaled from its own resolution (as ingest read it: header dpi, else 300) to PAGE_DPI."""
    with Image.open(io.BytesIO(data)) as image:
        try:
            image.seek(number - 1)
        except EOFError:
            raise LookupError(f"{path} no tiene página {number}.") from None
        xdpi, ydpi = (float(v) for v in image.info.get("dpi", (0, 0)))
        if min(xdpi, ydpi) < MIN_IMAGE_DPI:
            xdpi = ydpi = DEFAULT_IMAGE_DPI
        size = (max(1, round(image.width * PAGE_DPI / xdpi)), max(1, round(image.height * PAGE_DPI / ydpi)))
        image.draft(None, size)  # a JPEG (a phone photo) is decoded at a fraction of its size
        frame = image.convert("RGBA")
    on_white = Image.alpha_composite(Image.new("RGBA", frame.size, "white"), frame)
    return on_white.convert("RGB").resize(size, Image.LANCZOS)


def crop(image: Image.Image, box: str) -> Image.Image:
    """The part of the page inside `box` ("x0,top,x1,bottom" in points), kept within the page."""
    try:
        x0, top, x1, bottom = (float(v) * PAGE_DPI / 72 for v in box.split(","))
    except ValueError:
        abort(400, "Recorte no válido: se espera «x0,arriba,x1,abajo» en puntos.")
    left, upper, right, lower = max(0, x0), max(0, top), min(image.width, x1), min(image.height, bottom)
    if right - left < 1 or lower - upper < 1:
        abort(400, "El recorte queda fuera de la página.")
    return image.crop((round(left), round(upper), round(right), round(lower)))
