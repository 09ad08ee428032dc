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
    commands.add_parser("gui", help="ouvre l'application (par défaut)")
    _export_parsers(commands)
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
    from .services.maintenance import backup

    target = backup(_open(args), args.output)
    print(f"Sauvegarde écrite : {target}")
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


COMMANDS = {"export": cmd_export, "report": cmd_report, "sign": cmd_sign, "verify": cmd_verify,
            "fiche": cmd_fiche, "init": cmd_init, "structures": cmd_structures, "search": cmd_search, "dump": cmd_dump,
            "check": cmd_check, "backup": cmd_backup, "gui": cmd_gui, None: cmd_gui}


def main(argv: list[str] | None = None) -> int:
    from .services.errors import ServiceError, describe_os_error, describe_sqlite_error
    from .storage.errors import StorageError

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


if __name__ == "__main__":
    sys.exit(main())
