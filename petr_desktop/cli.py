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
    return parser


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


COMMANDS = {"init": cmd_init, "structures": cmd_structures, "search": cmd_search, "dump": cmd_dump,
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
