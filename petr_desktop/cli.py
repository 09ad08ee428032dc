"""`petr-desktop` command line. With no command, it starts the GUI.

Every error ends with a French message on stderr and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from pathlib import Path

from . import __version__, cli_french

EXIT_ERROR = 1
EXIT_PROBLEMS = 2

log = logging.getLogger(__name__)


class CliError(Exception):
    """A French message for the user, and the exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


class FrenchParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise CliError(f"erreur : {message}", EXIT_PROBLEMS)


def build_parser() -> argparse.ArgumentParser:
    cli_french.install()
    parser = FrenchParser(prog="petr-desktop",
                          description="Carnet PETR — suivi des Pays/PETR de la Région Grand Est.")
    parser.add_argument("--version", action="version", version=f"Carnet PETR {__version__}",
                        help="affiche la version et quitte")
    parser.add_argument("--db", metavar="FICHIER", type=Path,
                        help="base de données à utiliser (par défaut : celle du dossier de l'utilisateur)")
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=FrenchParser)
    init = commands.add_parser("init", help="crée la base et charge le référentiel (30 structures, 12 Maisons de Région)")
    init.add_argument("--demo", action="store_true", help="ajoute des données de démonstration 2025-2026")
    listing = commands.add_parser("structures", help="liste les 30 structures")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    search = commands.add_parser("search", help="recherche dans toutes les données")
    search.add_argument("text", metavar="TEXTE")
    search.add_argument("--json", action="store_true", help="sortie JSON")
    dump = commands.add_parser("dump", help="JSON canonique de tous les enregistrements (comparaison de postes)")
    dump.add_argument("--json", action="store_true", required=True, help="format JSON (seul format disponible)")
    commands.add_parser("check", help="vérifie l'intégrité, l'index de recherche et la version du schéma")
    backup = commands.add_parser("backup", help="sauvegarde la base")
    backup.add_argument("-o", "--output", metavar="FICHIER", type=Path, help="fichier de sauvegarde")
    restore = commands.add_parser("restore", help="remplace la base par une sauvegarde (la base actuelle est "
                                  "d'abord sauvegardée)")
    restore.add_argument("file", metavar="FICHIER", type=Path, help="la sauvegarde à restaurer")
    restore.add_argument("--yes", "--oui", action="store_true", help="ne pas demander de confirmation")
    backups = commands.add_parser("backups", help="liste les sauvegardes (date, raison, taille)")
    backups.add_argument("--verifier", "--check", action="store_true",
                         help="vérifie aussi l'intégrité de chaque sauvegarde")
    commands.add_parser("gui", help="ouvre l'application (par défaut)")
    _export_parsers(commands)
    _sync_parsers(commands)
    return parser


SHEET_KINDS = {"core_missions": "core_missions", "socle": "core_missions", "missions-socle": "core_missions",
               "thematic": "thematic", "thematique": "thematic", "thématique": "thematic",
               "collective": "collective", "collectif": "collective", "chantier-collectif": "collective"}


def _sheet_kind(text: str) -> str:
    kind = SHEET_KINDS.get(text.strip().lower())
    if kind is None:
        raise argparse.ArgumentTypeError(f"type de fiche inconnu « {text} » "
                                         "(possibles : socle, thematique, collectif)")
    return kind


def _year(text: str) -> int:
    if not (text.isdigit() and 2000 <= int(text) <= 2100):
        raise argparse.ArgumentTypeError(f"année invalide « {text} » (exemple : 2026)")
    return int(text)


def _export_parsers(commands) -> None:
    """`export`, `report`, `sign`, `verify` and `fiche`: files for colleagues and partners."""
    output = {"metavar": "FICHIER", "type": Path, "required": True}
    export = commands.add_parser("export",
                                 help="exporte un relevé, une fiche, un dossier ou une note de préparation")
    kinds = export.add_subparsers(dest="what", metavar="QUOI", parser_class=FrenchParser, required=True)
    releve = kinds.add_parser("releve",
                              help="un relevé d'échange : .pdf, .docx (Word) ou .eml (brouillon de courriel)")
    releve.add_argument("id", metavar="ID", help="identifiant du relevé ou de sa réunion (le début suffit)")
    releve.add_argument("-o", "--output", help="fichier .pdf, .docx ou .eml", **output)
    fiche = kinds.add_parser("fiche", help="une fiche évaluative en PDF")
    fiche.add_argument("id", metavar="ID", help="identifiant de la fiche (le début suffit)")
    fiche.add_argument("-o", "--output", help="fichier .pdf", **output)
    dossier = kinds.add_parser("dossier", help="le dossier d'une structure (ou de toutes) : .zip complet ou .pdf")
    which = dossier.add_mutually_exclusive_group(required=True)
    which.add_argument("--structure", metavar="NOM",
                       help="nom de la structure (accents facultatifs ; une partie unique du nom suffit)")
    which.add_argument("--all", action="store_true", help="toutes les structures, un dossier chacune (.zip)")
    dossier.add_argument("-o", "--output", help="fichier .zip (PDF, Excel, manifeste SHA-256) ou .pdf", **output)
    briefing = kinds.add_parser("briefing", help="la note de préparation d'une réunion, en PDF")
    briefing.add_argument("id", metavar="ID", help="identifiant de la réunion (le début suffit)")
    briefing.add_argument("-o", "--output", help="fichier .pdf", **output)

    report = commands.add_parser("report", help="rapports : bilan pour la Commission")
    reports = report.add_subparsers(dest="what", metavar="RAPPORT", parser_class=FrenchParser, required=True)
    commission = reports.add_parser("commission", help="le bilan annuel pour la Commission : .pdf ou .xlsx")
    commission.add_argument("--year", metavar="ANNÉE", type=_year, required=True, help="année du bilan")
    commission.add_argument("-o", "--output", help="fichier .pdf ou .xlsx", **output)

    sign = commands.add_parser("sign", help="produit le PDF signé d'un relevé validé (visa ; signature "
                                            "électronique avec un certificat)")
    sign.add_argument("kind", metavar="TYPE", choices=["minutes", "releve"], help="minutes (ou releve)")
    sign.add_argument("id", metavar="ID", help="identifiant du relevé ou de sa réunion (le début suffit)")
    sign.add_argument("-o", "--output", help="fichier .pdf signé", **output)
    sign.add_argument("--cert", metavar="FICHIER.p12", type=Path, help="certificat PKCS#12 du signataire")
    sign.add_argument("--passphrase-file", metavar="FICHIER", type=Path,
                      help="fichier contenant la phrase secrète du certificat (jamais sur la ligne de "
                           "commande) ; sans --cert : votre certificat personnel")

    verify = commands.add_parser("verify", help="vérifie la signature d'un PDF produit par Carnet PETR")
    verify.add_argument("file", metavar="FICHIER.pdf", type=Path)

    sheets = commands.add_parser("fiche", help="modèle Excel de fiche évaluative à remplir, et son import")
    actions = sheets.add_subparsers(dest="what", metavar="ACTION", parser_class=FrenchParser, required=True)
    template = actions.add_parser("template", help="écrit le modèle Excel pré-rempli d'une fiche")
    template.add_argument("--structure", metavar="NOM", required=True,
                          help="nom de la structure (accents facultatifs ; une partie unique du nom suffit)")
    template.add_argument("--year", metavar="ANNÉE", type=_year, required=True, help="année de la fiche")
    template.add_argument("--kind", metavar="TYPE", type=_sheet_kind, required=True,
                          help="socle, thematique ou collectif")
    template.add_argument("-o", "--output", help="fichier .xlsx", **output)
    imported = actions.add_parser("import",
                                  help="importe une fiche remplie (rien n'est appliqué s'il y a un problème)")
    imported.add_argument("file", metavar="FICHIER.xlsx", type=Path)


def _sync_parsers(commands) -> None:
    """`sync`: files exchanged between computers (USB key), device keys, conflicts."""
    passphrase = {"metavar": "FICHIER", "type": Path,
                  "help": "fichier contenant le mot de passe du fichier de synchronisation "
                          "(jamais sur la ligne de commande)"}
    json_output = {"action": "store_true", "help": "sortie JSON"}
    sync = commands.add_parser("sync", help="synchronisation entre ordinateurs par fichier (clé USB)")
    actions = sync.add_subparsers(dest="what", metavar="ACTION", parser_class=FrenchParser, required=True)
    export = actions.add_parser("export", help="écrit un fichier de synchronisation (vérifié après écriture)")
    export.add_argument("-o", "--output", metavar="DOSSIER_OU_FICHIER", type=Path, required=True,
                        help="dossier (le nom du fichier est choisi) ou fichier .petrsync")
    export.add_argument("--for", dest="for_peer", metavar="APPAREIL",
                        help="seulement ce qui manque à cet appareil (par défaut : à tous les appareils enrôlés)")
    export.add_argument("--all", action="store_true", help="toutes les modifications, depuis le début")
    export.add_argument("--passphrase-file", **passphrase)
    imported = actions.add_parser("import", help="importe un fichier de synchronisation (tout ou rien, "
                                                 "sauvegarde faite avant)")
    imported.add_argument("file", metavar="FICHIER", type=Path)
    imported.add_argument("--passphrase-file", **passphrase)
    imported.add_argument("--yes", action="store_true",
                          help="accepte sans question un import qui supprime beaucoup de lignes")
    actions.add_parser("status", help="état de la synchronisation de cet ordinateur").add_argument(
        "--json", **json_output)
    actions.add_parser("conflicts", help="les conflits à arbitrer").add_argument("--json", **json_output)
    resolve = actions.add_parser("resolve", help="arbitre un conflit : garde une version ou un texte")
    resolve.add_argument("conflict_id", metavar="ID", help="identifiant du conflit (le début suffit)")
    choice = resolve.add_mutually_exclusive_group(required=True)
    choice.add_argument("--keep", metavar="VERSION", help="la version à garder : a, b…")
    choice.add_argument("--value-file", metavar="FICHIER", type=Path,
                        help="fichier contenant le texte retenu (une valeur JSON pour un champ non texte)")
    actions.add_parser("key", help="écrit la clé de cet ordinateur, à enrôler sur l'autre poste").add_argument(
        "-o", "--output", metavar="FICHIER", type=Path, required=True, help="fichier de clé .json (ou dossier)")
    actions.add_parser("enrol", help="enrôle un appareil : ses fichiers seront acceptés").add_argument(
        "file", metavar="FICHIER", type=Path, help="fichier de clé écrit sur l'autre poste (sync key)")
    actions.add_parser("revoke", help="révoque un appareil : ses fichiers seront refusés").add_argument(
        "peer", metavar="APPAREIL", help="nom de l'appareil ou début de sa clé")
    actions.add_parser("peers", help="les appareils enrôlés").add_argument("--json", **json_output)
    actions.add_parser("history", help="les derniers fichiers écrits et importés").add_argument(
        "--limit", metavar="N", type=int, default=20, help="nombre de fichiers (20 par défaut)")
    actions.add_parser("journal", help="les valeurs remplacées par une saisie plus récente")
    actions.add_parser("proposals", help="les modifications reçues après validation d'un document")


def _database_path(args: argparse.Namespace) -> Path:
    if args.db is not None:
        return args.db
    from .paths import resolve

    return resolve().ensure().database


def _open(args: argparse.Namespace, create: bool = False):
    from .storage.migrations import open_database

    path = _database_path(args)
    if not create and not path.exists():
        raise CliError(f"la base « {path} » n'existe pas ; créez-la avec : petr-desktop --db \"{path}\" init")
    if path.exists() and path.is_dir():
        raise CliError(f"« {path} » est un dossier, pas une base de données")
    path.parent.mkdir(parents=True, exist_ok=True)
    return open_database(path)


def cmd_init(args: argparse.Namespace) -> int:
    from .services import demo, reference

    db = _open(args, create=True)
    created = reference.load_reference(db)
    print(f"Base prête : {db.path}")
    print(f"Référentiel : {created} enregistrement(s) ajouté(s).")
    if args.demo:
        counts = demo.generate(db)
        if counts.get("structures"):
            print(f"Démonstration : {counts['meetings']} réunions et {counts['sheets']} fiches créées.")
        else:
            print("Démonstration : déjà présente, rien n'a été ajouté.")
    return 0


def cmd_structures(args: argparse.Namespace) -> int:
    from .services.maintenance import to_json
    from .services.structures import list_structures

    rows = list_structures(_open(args))
    if args.json:
        print(to_json([r.as_dict() for r in rows]))
        return 0
    for r in rows:
        flag = f"  [à vérifier : {r.to_verify_labels}]" if r.to_verify else ""
        print(f"{r.name:<38} {r.legal_form_label:<15} {r.departments:<6} {r.regional_office}{flag}")
    print(f"{len(rows)} structures")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .services.maintenance import to_json
    from .services.search import search

    hits = search(_open(args), args.text)
    if args.json:
        print(to_json([h.as_dict() for h in hits]))
        return 0
    for hit in hits:
        context = f" · {hit.context}" if hit.context else ""
        print(f"{hit.kind_label} · {hit.title}{context}\n    {hit.excerpt}")
    print(f"{len(hits)} résultat(s)")
    return 0


def cmd_dump(args: argparse.Namespace) -> int:
    from .services.maintenance import dump

    sys.stdout.buffer.write(dump(_open(args)))
    sys.stdout.flush()
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .services.maintenance import check

    problems = check(_open(args))
    for problem in problems:
        print(f"PROBLÈME : {problem}", file=sys.stderr)
    if problems:
        return EXIT_PROBLEMS
    print("Base saine : intégrité, index de recherche, journal et version du schéma vérifiés.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from .services import backups
    from .services.maintenance import backup

    db = _open(args)
    # In the backups folder: rotated like the app's own backups (setting of this computer).
    target = backup(db, args.output) if args.output is not None else backups.make_backup(db, backups.MANUAL)
    print(f"Sauvegarde écrite : {target}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from .services import backups

    path = _database_path(args)
    if path.is_dir():
        raise CliError(f"« {path} » est un dossier, pas une base de données")
    if backups.running_app(path) is not None:
        raise CliError(backups.APP_RUNNING)
    found = backups.problems(args.file)
    if found:
        raise CliError(f"restauration refusée : {found[0]}. La base n'a pas été modifiée.")
    print(f"La base « {path} » va être remplacée par la sauvegarde « {args.file} ».")
    print("La base actuelle sera d'abord sauvegardée (« avant-restauration ») ; fermez Carnet PETR avant de continuer.")
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("confirmation requise : relancez avec --oui pour restaurer sans question")
        try:
            answer = input("Restaurer cette sauvegarde ? [o/N] ").strip().lower()
        except EOFError:
            answer = ""
        if answer not in ("o", "oui"):
            print("Restauration annulée : la base n'a pas été modifiée.")
            return EXIT_ERROR
    saved = backups.restore(path, args.file)
    if saved is not None:
        print(f"Base précédente sauvegardée : {saved}")
    print(f"Sauvegarde restaurée : {path}")
    return 0


def cmd_backups(args: argparse.Namespace) -> int:
    from .services import backups

    folder = backups.backups_folder(_database_path(args))
    found = backups.list_backups(folder)
    for item in found:
        state = ""
        if args.verifier:
            state = "  saine" if backups.is_sound(item.path) else "  ENDOMMAGÉE"
        print(f"{item.date_label:<32} {item.reason_label:<20} {item.size_label:>10}  {item.path.name}{state}")
    print(f"{len(found)} sauvegarde(s) dans « {folder} »")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from .app import run

    return run(args.db)


def _written(result, what: str) -> None:
    size = result.size / 1024
    shown = f"{size:.1f}".replace(".", ",") + " Ko" if size < 1024 else f"{size / 1024:.1f}".replace(".", ",") + " Mo"
    print(f"{what} : {result.path} ({shown})")
    for note in result.notes:
        print(f"Remarque : {note}")


def _progress(done: int, total: int, text: str) -> None:
    """Progress of a long export, on a terminal only."""
    if sys.stderr.isatty():
        print(f"\r[{done}/{total}] {text[:70]:<70}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def cmd_export(args: argparse.Namespace) -> int:
    from .domain.models import EvaluationSheet, Meeting
    from .services import exports
    from .services.structures import find_structure

    db = _open(args)
    if args.what == "releve":
        kind = exports.output_format(args.output, ("pdf", "docx", "eml"))
        result = exports.export_minutes(db, exports.resolve_minutes(db, args.id), args.output)
        _written(result, {"pdf": "Relevé (PDF) écrit", "docx": "Relevé (Word) écrit",
                          "eml": "Brouillon de courriel écrit"}[kind])
    elif args.what == "fiche":
        exports.output_format(args.output, ("pdf",))
        _written(exports.export_sheet(db, exports.resolve_id(db, EvaluationSheet, args.id), args.output),
                 "Fiche écrite")
    elif args.what == "briefing":
        exports.output_format(args.output, ("pdf",))
        _written(exports.export_briefing(db, exports.resolve_id(db, Meeting, args.id), args.output),
                 "Note de préparation écrite")
    else:
        kind = exports.output_format(args.output, ("zip", "pdf"))
        if kind == "pdf":
            if args.all:
                raise CliError("--all produit une archive : choisissez un fichier .zip")
            structure = find_structure(db, args.structure)
            _written(exports.export_structure_pdf(db, structure.id, args.output), "Dossier (PDF) écrit")
            return 0
        ids = None if args.all else [find_structure(db, args.structure).id]
        _written(exports.export_dossier(db, args.output, ids, report=_progress), "Archive écrite")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .services import exports

    exports.output_format(args.output, ("pdf", "xlsx"))
    _written(exports.export_commission(_open(args), args.year, args.output),
             f"Bilan {args.year} pour la Commission écrit")
    return 0


def _passphrase(path: Path | None) -> str | None:
    """The certificate's passphrase, read from a file (first line, end of line removed)."""
    if path is None:
        return None
    text = path.read_text("utf-8-sig")
    return text.splitlines()[0] if text.splitlines() else ""


def cmd_sign(args: argparse.Namespace) -> int:
    from .services import exports

    if args.cert is not None and not args.cert.is_file():
        raise CliError(f"le certificat « {args.cert} » est introuvable")
    db = _open(args)
    exports.output_format(args.output, ("pdf",))
    result = exports.export_signed_minutes(db, exports.resolve_minutes(db, args.id), args.output,
                                           args.cert, _passphrase(args.passphrase_file))
    _written(result, "Relevé signé écrit")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from .services import exports

    if not args.file.is_file():
        raise CliError(f"le fichier « {args.file} » est introuvable")
    report = exports.verify_pdf(_open(args), args.file)
    for line in report.lines:
        print(line)
    return 0 if report.ok else EXIT_PROBLEMS


def cmd_fiche(args: argparse.Namespace) -> int:
    from .services import exports
    from .services.structures import find_structure

    db = _open(args)
    if args.what == "template":
        exports.output_format(args.output, ("xlsx",))
        structure = find_structure(db, args.structure)
        _written(exports.export_sheet_template(db, structure.id, args.year, args.kind, args.output),
                 "Modèle de fiche écrit")
        return 0
    if not args.file.is_file():
        raise CliError(f"le fichier « {args.file} » est introuvable")
    report = exports.import_sheet(db, args.file)
    for problem in report.problems:
        print(f"PROBLÈME : {problem}", file=sys.stderr)
    if report.problems:
        print(f"Import refusé : {len(report.problems)} problème(s) à corriger. Rien n'a été enregistré.",
              file=sys.stderr)
        return EXIT_PROBLEMS
    print(getattr(report, "message", "") or f"Fiche importée : {report.changed_fields} valeur(s) modifiée(s).")
    return 0


# --- sync ------------------------------------------------------------------------------

def _text_file(path: Path) -> str:
    """A small text file given for a secret or a value, without its final end of line."""
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CliError(f"« {path} » n'est pas un fichier texte (UTF-8)") from exc
    return text.removesuffix("\n").removesuffix("\r")


def _sync_passphrase(path: Path | None) -> str | None:
    if path is None:
        return None
    secret = _text_file(path)
    if not secret:
        raise CliError(f"fichier de mot de passe vide : « {path} »")
    return secret


def _ask_passphrase() -> str:
    if not sys.stdin.isatty():
        raise CliError("ce fichier est protégé par un mot de passe : utilisez --passphrase-file")
    import getpass

    return getpass.getpass("Mot de passe du fichier : ")


def _confirm_deletions(assume_yes: bool):
    """The question asked before an import that deletes many rows: never asked off a terminal."""
    def confirm(mass: dict[str, int]) -> bool:
        if assume_yes:
            return True
        if not sys.stdin.isatty():
            return False
        print("Cet import supprime beaucoup de lignes :")
        for label, count in mass.items():
            print(f"  • {label} : {count}")
        try:
            return input("Confirmer ces suppressions ? [o/N] ").strip().lower() in ("o", "oui")
        except EOFError:
            return False
    return confirm


def _french_time(iso: str | None, never: str = "jamais") -> str:
    from datetime import datetime

    from .domain.values import format_datetime_fr

    return format_datetime_fr(datetime.fromisoformat(iso)) if iso else never


def _shorten(text: str, width: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1].rstrip() + "…"


def _vector(vv: dict[str, int], names: dict[str, str]) -> str:
    return ", ".join(f"{names.get(r, r[:8])} : {n}" for r, n in sorted(vv.items())) or "vide"


def _peer_dict(peer) -> dict:
    from dataclasses import asdict

    return {**asdict(peer), "active": peer.active}


def _print_peers(peers, names: dict[str, str] | None = None) -> None:
    """One line per enrolled device; with `names`, what it already has (its version vector)."""
    if not peers:
        print("Aucun appareil enrôlé (pour en enrôler un : petr-desktop sync enrol FICHIER).")
        return
    print(f"Appareils enrôlés : {len(peers)}")
    for peer in peers:
        state = "actif" if peer.active else f"révoqué le {_french_time(peer.revoked_at)}"
        print(f"  {peer.name} · clé {peer.key_id} · {state} · dernier fichier reçu : "
              f"{_french_time(peer.last_file_at)}")
        if names is not None:
            print(f"      a reçu : {_vector(peer.known_vv, names)}")


def _who(side) -> str:
    return f"{side.author} · {side.when} · {side.device}"


def _sync_export(db, args: argparse.Namespace) -> int:
    from .services import sync

    result = sync.export(db, args.output, for_peer=args.for_peer, everything=args.all,
                         passphrase=_sync_passphrase(args.passphrase_file))
    print(f"Fichier de synchronisation écrit : {result.path} "
          f"({result.op_count} modification(s), pour : {result.recipient})")
    print("Fichier relu et vérifié. Vous pouvez retirer la clé USB.")
    return 0


def _sync_import(db, args: argparse.Namespace) -> int:
    from .services import sync
    from .sync import container

    if not args.file.is_file():
        raise CliError(f"le fichier « {args.file} » est introuvable")
    passphrase = _sync_passphrase(args.passphrase_file)
    if passphrase is None and container.is_encrypted(args.file):
        passphrase = _ask_passphrase()
    try:
        report = sync.import_file(db, args.file, passphrase, confirm_mass_delete=_confirm_deletions(args.yes))
    except sync.ImportCancelled as exc:
        raise CliError(f"{exc} (pour accepter ces suppressions : --yes)") from exc
    for line in report.lines():
        print(line)
    return 0


def _sync_status(db, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from .services import sync
    from .services.maintenance import to_json

    state = sync.status(db)
    if args.json:
        print(to_json({**asdict(state), "peers": [_peer_dict(p) for p in state.peers]}))
        return 0
    names = {p.replica_id: p.name for p in state.peers} | {state.replica_id: state.replica_name}
    print(f"Cet ordinateur : {state.replica_name} (réplique {state.replica_id})")
    print(f"Modifications non exportées : {state.unsynced}")
    print(f"Conflits à arbitrer : {state.open_conflicts}")
    print(f"Modifications reçues après validation, à traiter : {state.open_proposals}")
    print(f"Versions connues : {_vector(state.version_vector, names)}")
    _print_peers(state.peers, names)
    return 0


def _conflict_dict(view) -> dict:
    import json

    fields = ("conflict_id", "table", "row_id", "field", "kind", "title", "field_label", "summary", "opened_at")
    return {**{name: getattr(view, name) for name in fields},
            "base": json.loads(view.base) if view.base else None, "current": json.loads(view.current),
            "sides": [{"letter": s.letter, "author": s.author, "when": s.when, "device": s.device,
                       "value": json.loads(s.value)} for s in view.sides]}


def _side_text(view, side) -> str:
    if view.kind == "delete_edit":
        return "supprimé" if side.letter == "a" else f"modifié : {_shorten(side.text)}"
    return _shorten(side.text)


def _sync_conflicts(db, args: argparse.Namespace) -> int:
    from .services import sync_review
    from .services.maintenance import to_json

    views = sync_review.conflicts(db)
    if args.json:
        print(to_json([_conflict_dict(v) for v in views]))
        return 0
    for view in views:
        print(f"[{view.conflict_id[:8]}] {view.summary}")
        for side in view.sides:
            print(f"  {side.letter}) {_who(side)}\n     {_side_text(view, side)}")
    if not views:
        print("Aucun conflit à arbitrer.")
        return 0
    print(f"{len(views)} conflit(s) à arbitrer : petr-desktop sync resolve ID --keep a "
          "(ou --value-file FICHIER avec le texte retenu)")
    return 0


def _sync_resolve(db, args: argparse.Namespace) -> int:
    from .services import sync_review

    value = None if args.value_file is None else _text_file(args.value_file)
    sync_review.resolve(db, args.conflict_id, keep=args.keep, value=value)
    print("Conflit résolu.")
    left = sync_review.open_conflict_count(db)
    if left:
        print(f"Il reste {left} conflit(s) à arbitrer.")
    return 0


def _sync_key(db, args: argparse.Namespace) -> int:
    from .services import sync

    path = sync.write_key_file(db, args.output)
    print(f"Clé de cet ordinateur écrite : {path} (clé {sync.device_key(db).key_id})")
    print(f"Fichier à enrôler sur l'autre poste : petr-desktop sync enrol \"{path.name}\"")
    return 0


def _sync_enrol(db, args: argparse.Namespace) -> int:
    from .services import sync

    peer = sync.enrol(db, args.file)
    print(f"Appareil enrôlé : {peer.name} (clé {peer.key_id})")
    return 0


def _sync_revoke(db, args: argparse.Namespace) -> int:
    from .services import sync

    peer = sync.revoke(db, args.peer)
    print(f"Appareil révoqué : {peer.name}")
    print("Ses fichiers de synchronisation seront désormais refusés.")
    return 0


def _sync_peers(db, args: argparse.Namespace) -> int:
    from .services import sync
    from .services.maintenance import to_json

    peers = sync.peers(db)
    if args.json:
        print(to_json([_peer_dict(p) for p in peers]))
    else:
        _print_peers(peers)
    return 0


def _sync_history(db, args: argparse.Namespace) -> int:
    from .services import sync

    entries = sync.history(db, args.limit)
    for entry in entries:
        print(f"{_french_time(entry.at)} — {'export' if entry.direction == 'out' else 'import'}")
        for line in entry.report_lines:
            print(f"  {line}")
    if not entries:
        print("Aucun fichier de synchronisation écrit ni importé.")
    return 0


def _sync_journal(db, args: argparse.Namespace) -> int:
    from .services import sync_review

    items = sync_review.overwrites(db)
    for item in items:
        print(f"{item.title} — {item.field_label}")
        print(f"  remplacée : {_shorten(item.lost.text)}\n      ({_who(item.lost)})")
        print(f"  retenue : {_shorten(item.won.text)}\n      ({_who(item.won)})")
    print(f"{len(items)} valeur(s) remplacée(s) par une saisie plus récente.")
    return 0


def _sync_proposals(db, args: argparse.Namespace) -> int:
    from .services import sync_review

    items = sync_review.proposals(db)
    for item in items:
        print(f"{item.title} — {item.field_label}")
        print(f"  reçue : {_shorten(item.proposed.text)}\n      ({_who(item.proposed)})")
        print(f"  actuelle : {_shorten(sync_review.shown(item.current))}")
    print(f"{len(items)} modification(s) reçue(s) après validation, à transformer en rectificatif ou à rejeter.")
    return 0


SYNC_ACTIONS = {"export": _sync_export, "import": _sync_import, "status": _sync_status,
                "conflicts": _sync_conflicts, "resolve": _sync_resolve, "key": _sync_key, "enrol": _sync_enrol,
                "revoke": _sync_revoke, "peers": _sync_peers, "history": _sync_history,
                "journal": _sync_journal, "proposals": _sync_proposals}


def cmd_sync(args: argparse.Namespace) -> int:
    db = _open(args)
    try:
        return SYNC_ACTIONS[args.what](db, args)
    finally:
        db.close()


def _is_container_error(exc: Exception) -> bool:
    """A sync file error (French message); the sync code is not imported just to check."""
    container = sys.modules.get(f"{__package__}.sync.container")
    return container is not None and isinstance(exc, container.ContainerError)


COMMANDS = {"export": cmd_export, "report": cmd_report, "sign": cmd_sign, "verify": cmd_verify,
            "fiche": cmd_fiche, "sync": cmd_sync, "init": cmd_init, "structures": cmd_structures,
            "search": cmd_search, "dump": cmd_dump, "check": cmd_check, "backup": cmd_backup, "gui": cmd_gui,
            "restore": cmd_restore, "backups": cmd_backups,
            None: cmd_gui}


def _tolerant_output() -> None:
    """A Windows console or a redirected output may use cp1252: a character it lacks (an emoji in a
    note) is printed as « ? » instead of stopping the command with a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def main(argv: list[str] | None = None) -> int:
    from .services.errors import ServiceError, describe_os_error, describe_sqlite_error
    from .storage.errors import StorageError

    _tolerant_output()
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"petr-desktop : {exc}", file=sys.stderr)
        return exc.code
    except (StorageError, ServiceError) as exc:
        print(f"petr-desktop : {exc}", file=sys.stderr)
        return EXIT_ERROR
    except sqlite3.DatabaseError as exc:
        print(f"petr-desktop : {describe_sqlite_error(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader of our output went away (`| head`): not an error for the user.
        sys.stdout = open(os.devnull, "w")
        return 0
    except OSError as exc:
        print(f"petr-desktop : {describe_os_error(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("petr-desktop : interrompu", file=sys.stderr)
        return 130
    except Exception as exc:
        if not _is_container_error(exc):
            raise
        print(f"petr-desktop : {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
