"""
`netbox hedgehog_validate PATH...`: check YAML files (or every *.yaml/*.yml under a directory) the way a Git
source checks a repository — the same limits, parsing, object checks, references and CRD schemas (the shipped
ones) — without touching the database, so that a GitOps repository's CI can run it before a merge.
"""
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from netbox.plugins import get_plugin_config

from netbox_hedgehog.schemas import CrdSchemas
from netbox_hedgehog.sync.documents import YAML_SUFFIXES, DocumentReader, Limits, LoadLimitError, validate
from netbox_hedgehog.sync.types import Problem


class Command(BaseCommand):
    help = ("Check Hedgehog YAML files or directories as a Git source would (limits, references, CRD schemas); "
            "one line per problem, exit status 1 if there is any. Writes nothing.")
    # Nothing here needs the database, and the checks Django runs first may query it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="a YAML file, or a directory to read them from")

    def handle(self, *args, paths, **options):
        reader = DocumentReader(Limits.from_settings(lambda name: get_plugin_config("netbox_hedgehog", name)))
        objects, problems, files = [], [], 0
        try:
            for name, path, problem in _yaml_files(paths):
                if problem is None:
                    problem = reader.admit(name, path.stat().st_size)
                if problem is not None:
                    problems.append(problem)
                    continue
                files += 1
                file_objects, file_problems, _ignored = reader.read(path.read_bytes(), name)
                objects.extend(file_objects)
                problems.extend(file_problems)
        except LoadLimitError as exc:
            raise CommandError(f"{exc}; nothing more was checked") from None
        except OSError as exc:
            raise CommandError(f"cannot read {exc.filename}: {exc.strerror}") from None
        valid, set_problems = validate(objects, CrdSchemas.shipped())
        problems.extend(set_problems)
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {files} file(s); {len(valid)} of {len(objects)} "
                               "objects are valid", returncode=1)
        self.stdout.write(f"{len(objects)} objects in {files} file(s): no problems")


def _yaml_files(paths):
    """(name for messages, path, Problem or None) for each file of `paths`: a file given is read whatever its
    name; a directory gives its *.yaml/*.yml files, sorted, without following symlinked directories."""
    for given in paths:
        root = Path(given)
        if not root.is_dir():
            yield given, root, None if root.is_file() else Problem("no such file or directory", file=given)
            continue
        found = []
        for directory, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            found.extend(Path(directory) / name for name in filenames if name.lower().endswith(YAML_SUFFIXES))
        for path in sorted(found):
            yield path.as_posix(), path, _symlink_problem(path, root)


def _symlink_problem(path, root):
    """As in a Git source: a symlink is read only when it stays inside the directory checked."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve()
    except (OSError, RuntimeError):
        return Problem("symlink loop; not read", file=path.as_posix())
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        return Problem("symlink points outside the directory or to no file; not read", file=path.as_posix())
    return None
